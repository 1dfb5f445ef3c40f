from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ListeningSessionFactory, ProfileFactory
from tests.live import LiveWorld


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


@pytest.fixture
def live(db):
    return LiveWorld()
