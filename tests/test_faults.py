"""A stalled or absent broker costs a request a few seconds at most and loses nothing."""

import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from core.enums import OutboxStatus
from core.outbox import flush_outbox, schedule_task
from listening.views import server_error
from tests.helpers import DEAD_BROKER, blackhole_server, broker_url, drain_queue, purge_queue

pytestmark = pytest.mark.django_db


def test_stalled_broker_cannot_hang_the_health_check(client):
    with blackhole_server() as url, broker_url(url):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert elapsed < 15


def test_stalled_broker_keeps_the_task_for_later(django_capture_on_commit_callbacks):
    with blackhole_server() as url, broker_url(url):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            message = schedule_task("core.tasks.task_flush_outbox")
        elapsed = time.monotonic() - started
    assert elapsed < 15
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING

    purge_queue()
    assert flush_outbox(now=timezone.now() + timezone.timedelta(minutes=1)) == 1
    assert [m["kwargs"]["outbox_id"] for m in drain_queue()] == [message.pk]


def test_flush_is_harmless_while_the_broker_is_down(django_capture_on_commit_callbacks):
    with broker_url(DEAD_BROKER):
        with django_capture_on_commit_callbacks(execute=True):
            message = schedule_task("core.tasks.task_flush_outbox")
        assert flush_outbox(now=timezone.now() + timezone.timedelta(minutes=1)) == 0
    message.refresh_from_db()
    assert (message.status, message.enqueued_at) == (OutboxStatus.PENDING, None)
    assert "127.0.0.1:1" in message.last_error


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
