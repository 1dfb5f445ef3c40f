"""Redis really stops: registrations, submissions and pack requests still succeed, and once
Redis is back their emails and builds go out — nothing lost, nothing sent twice."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from briefs.models import BriefPack
from briefs.services import requeue_stuck_packs
from core.enums import OutboxStatus
from core.models import OutboxMessage
from core.outbox import flush_outbox
from interventions.models import Intervention, Region, Theme
from listening.celery import app
from sessions_app.models import Registration
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import broker_url

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS is None and not os.environ.get("CI"), reason="redis-server is not installed here"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(port: int):
    """A private Redis on `port`, stopped (killed) when the block ends."""
    process = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield
    finally:
        process.kill()
        process.wait(timeout=10)


def wait_until(condition, *, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_redis_outage_loses_nothing_and_sends_nothing_twice(client, transactional_db):
    port = free_port()
    session = ListeningSessionFactory(capacity=5)
    InterventionFactory(session=session, status="approved", body="Approved before the outage.")
    stakeholder = UserFactory(stakeholder=True, profile__preferred_language="fr")
    author = UserFactory(stakeholder=True)
    RegistrationFactory(session=session, user=author)
    wg3 = UserFactory(wg3=True)

    with broker_url(f"redis://127.0.0.1:{port}/0"):
        with redis_server(port):
            pass  # Redis was up once; now it is down for the requests below.

        client.force_login(stakeholder)
        started = time.monotonic()
        registered = client.post(
            f"/en/sessions/{session.slug}/register/", {"role": "Lawyer", "privacy_consent": "on"}
        )
        client.force_login(author)
        submitted = client.post(
            f"/en/interventions/new/{session.slug}/",
            {
                "kind": "challenge",
                "title": "Written during the outage",
                "body": "Permits expired while offices were closed.",
                "language": "en",
                "primary_theme": Theme.objects.get(slug="regularization").pk,
                "regions": [Region.objects.get(slug="africa").pk],
                "credit": "named",
                "submit": "1",
            },
        )
        client.force_login(wg3)
        requested = client.post(f"/en/packs/session/{session.slug}/", {})
        elapsed = time.monotonic() - started

        assert (registered.status_code, submitted.status_code, requested.status_code) == (
            302,
            302,
            302,
        )
        assert elapsed < 30
        registration = Registration.objects.get(user=stakeholder)
        assert registration.status == "confirmed"
        assert Intervention.objects.get(title="Written during the outage").status == "submitted"
        pack = BriefPack.objects.get()
        assert pack.status == "queued"
        assert list(OutboxMessage.objects.values_list("status", flat=True)) == [
            OutboxStatus.PENDING
        ]
        assert mail.outbox == []

        with redis_server(port):
            later = timezone.now() + timezone.timedelta(minutes=15)
            # What Celery beat does every minute or two:
            assert flush_outbox(now=later) == 1
            assert requeue_stuck_packs(now=later) == 1
            with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
                wait_until(lambda: BriefPack.objects.get().status == "done")
                wait_until(
                    lambda: OutboxMessage.objects.filter(status=OutboxStatus.DONE).count() == 1
                )
                # Beat runs again: nothing is pending, nothing goes out twice.
                assert flush_outbox(now=later + timezone.timedelta(minutes=5)) == 0
                assert requeue_stuck_packs(now=later + timezone.timedelta(minutes=30)) == 0
                time.sleep(1)

    assert [m.to for m in mail.outbox] == [[stakeholder.email]]
    assert mail.outbox[0].subject.startswith("[Listening] Votre inscription est confirmée")
    pack.refresh_from_db()
    assert (pack.status, pack.intervention_count, pack.attempts) == ("done", 1, 1)
