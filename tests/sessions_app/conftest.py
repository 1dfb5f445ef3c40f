from datetime import timedelta

import pytest
from django.utils import timezone

from core.enums import OutboxStatus
from core.models import OutboxMessage
from sessions_app import tasks
from tests.factories import ListeningSessionFactory, ProfileFactory


@pytest.fixture
def session(db):
    return ListeningSessionFactory(capacity=2)


@pytest.fixture
def profile(db):
    return ProfileFactory()


@pytest.fixture
def make_profile(db):
    return ProfileFactory


@pytest.fixture
def past_session(db):
    now = timezone.now()
    return ListeningSessionFactory(
        starts_at=now - timedelta(days=3),
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now - timedelta(days=4),
    )


def run_pending_registration_emails() -> int:
    """Run the email task of every pending outbox row, as a Celery worker would."""
    count = 0
    for message in OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, task_name="sessions_app.tasks.task_send_registration_email"
    ).order_by("id"):
        tasks.task_send_registration_email(outbox_id=message.pk, **message.kwargs)
        count += 1
    return count
