"""A stalled or absent broker costs a request nothing and loses nothing: requests only write
the outbox, and the relay publishes it when the broker answers again."""

import statistics
import time

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from core.enums import OutboxStatus
from core.models import OutboxMessage
from core.outbox import relay_outbox, schedule_task
from interventions.models import Intervention
from listening.views import server_error
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import DEAD_BROKER, blackhole_server, broker_url, drain_queue, purge_queue


@pytest.mark.django_db
def test_stalled_broker_cannot_hang_the_health_check(client):
    with blackhole_server() as url, broker_url(url):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert elapsed < 15


@pytest.mark.django_db
def test_stalled_broker_keeps_the_task_for_later():
    message = schedule_task("core.tasks.example")
    with blackhole_server() as url, broker_url(url):
        started = time.monotonic()
        result = relay_outbox()
        elapsed = time.monotonic() - started
    assert (result.published, result.refused) == (0, 1)
    assert elapsed < 15
    message.refresh_from_db()
    assert (message.status, message.sends) == (OutboxStatus.PENDING, 0)

    purge_queue()
    assert relay_outbox(now=timezone.now() + timezone.timedelta(minutes=1)).published == 1
    assert [m["kwargs"]["outbox_id"] for m in drain_queue()] == [message.pk]


@pytest.mark.django_db
def test_relay_is_harmless_while_the_broker_is_down():
    message = schedule_task("core.tasks.example")
    with broker_url(DEAD_BROKER):
        assert relay_outbox(now=timezone.now() + timezone.timedelta(minutes=1)).published == 0
    message.refresh_from_db()
    assert (message.status, message.enqueued_at) == (OutboxStatus.PENDING, None)
    assert "127.0.0.1:1" in message.last_error


def p95(durations: list[float]) -> float:
    return statistics.quantiles(durations, n=20, method="inclusive")[18]


def register_many(client, session, count: int) -> list[float]:
    """Register `count` new stakeholders one after the other; return each request's seconds."""
    durations = []
    for _ in range(count):
        client.force_login(UserFactory(stakeholder=True))
        started = time.monotonic()
        response = client.post(
            reverse("sessions_app:register", kwargs={"slug": session.slug}),
            {"role": "Lawyer", "privacy_consent": "on"},
        )
        durations.append(time.monotonic() - started)
        assert response.status_code == 302
    return durations


def test_with_a_stalled_broker_email_producing_requests_answer_as_fast_as_with_a_healthy_one(
    client, transactional_db
):
    # Transactional: after-commit work runs as in production, inside the request.
    session = ListeningSessionFactory(capacity=100)
    purge_queue()
    healthy = register_many(client, session, 20)
    with blackhole_server() as url, broker_url(url):
        stalled = register_many(client, session, 20)
    print(f"\nregistration p95: healthy {p95(healthy):.3f} s, stalled {p95(stalled):.3f} s")
    assert p95(stalled) < 0.5
    assert p95(stalled) < p95(healthy) + 0.25
    # Every confirmation email is stored, none sent yet: the relay publishes them.
    emails = OutboxMessage.objects.filter(
        task_name="sessions_app.tasks.task_send_registration_email"
    )
    assert set(emails.values_list("status", "sends")) == {(OutboxStatus.PENDING, 0)}
    assert emails.count() == 40


def test_with_a_stalled_broker_a_bulk_approval_of_100_inputs_answers_within_seconds(
    client, transactional_db
):
    session = ListeningSessionFactory()
    inputs = [InterventionFactory(session=session, status="submitted") for _ in range(100)]
    client.force_login(UserFactory(secretariat=True))
    with blackhole_server() as url, broker_url(url):
        started = time.monotonic()
        response = client.post(
            "/en/admin/interventions/intervention/",
            {"action": "approve_selected", "_selected_action": [i.pk for i in inputs]},
        )
        elapsed = time.monotonic() - started
    print(f"\nbulk approval of 100 inputs with a stalled broker: {elapsed:.2f} s")
    assert response.status_code == 302
    assert elapsed < 8
    assert Intervention.objects.filter(status="approved").count() == 100
    assert (
        OutboxMessage.objects.filter(
            task_name="interventions.tasks.task_send_intervention_email", status="pending"
        ).count()
        == 100
    )


@pytest.mark.django_db
def test_an_unreachable_database_answers_503_with_a_page(rf):
    request = rf.post("/en/sessions/x/register/")
    try:
        raise OperationalError("connection to server at 127.0.0.1 failed")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "Please try again in a moment" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
