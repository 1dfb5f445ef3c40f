"""Redis really stops, while a real worker, beat and relay keep running: requests still
succeed at once, /healthz says when no worker can work, and once Redis is back the same
worker process sends the email and builds the pack asked for during the outage — nothing
lost, nothing sent twice. A message the broker took and then lost in a restart goes out
again within two minutes."""

import os
import time

import pytest
from django.utils import timezone

from briefs.models import BriefPack
from core.enums import HeartbeatKind, OutboxStatus
from core.heartbeats import last_heartbeat
from core.models import OutboxMessage
from core.outbox import relay_outbox
from sessions_app.models import Registration
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import broker_url
from tests.processes import (
    REDIS,
    free_port,
    process_env,
    redis_server,
    start_redis,
    start_relay,
    start_worker,
    stop,
    stop_redis,
    wait_until,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        REDIS is None and not os.environ.get("CI"), reason="redis-server is not installed here"
    ),
]
REGISTRATION_EMAIL = "sessions_app.tasks.task_send_registration_email"


def sent_emails(folder) -> list[str]:
    return sorted(path.read_text() for path in folder.glob("*.log"))


def test_the_same_worker_outlives_redis_outages_and_healthz_says_when_none_can_work(
    client, transactional_db, settings, tmp_path
):
    settings.HEARTBEAT_STALE_AFTER = 10
    port = free_port()
    session = ListeningSessionFactory(capacity=5)
    InterventionFactory(session=session, status="approved", body="Approved before the outage.")
    stakeholder = UserFactory(stakeholder=True, profile__preferred_language="fr")
    wg3 = UserFactory(wg3=True)
    mailbox = tmp_path / "mail"
    env = process_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        HEARTBEAT_INTERVAL="1",
        EMAIL_URL=f"filemail:///{mailbox}",
    )
    redis = start_redis(port)
    worker = start_worker(
        env, "--beat", "--schedule", str(tmp_path / "beat-schedule"), log=tmp_path / "worker.log"
    )
    relay = start_relay(env, log=tmp_path / "relay.log")
    try:
        with broker_url(f"redis://127.0.0.1:{port}/0"):
            wait_until(lambda: client.get("/healthz").status_code == 200, what="a healthy start")

            # A 2-second outage.
            stop_redis(redis)
            time.sleep(2)
            redis = start_redis(port)
            back = timezone.now()
            wait_until(
                lambda: (last_heartbeat(kind=HeartbeatKind.WORKER) or back) > back,
                timeout=60,
                what="the worker to reconnect after 2 s",
            )
            assert worker.poll() is None

            # A 60-second outage, with an email and a pack asked for during it.
            stop_redis(redis)
            outage_started = time.monotonic()
            client.force_login(stakeholder)
            started = time.monotonic()
            registered = client.post(
                f"/en/sessions/{session.slug}/register/",
                {"role": "Lawyer", "privacy_consent": "on"},
            )
            client.force_login(wg3)
            requested = client.post(f"/en/packs/session/{session.slug}/", {})
            request_seconds = time.monotonic() - started
            assert (registered.status_code, requested.status_code) == (302, 302)
            assert request_seconds < 2
            during = []
            while time.monotonic() - outage_started < 60:
                response = client.get("/healthz")
                during.append((response.status_code, response.json()["checks"]["worker"]))
                time.sleep(2)
            redis = start_redis(port)

            # Nothing processed during the outage, nothing lost.
            assert Registration.objects.get(user=stakeholder).status == "confirmed"
            assert {status for status, _worker in during} == {503}
            # Once the last heartbeat was older than HEARTBEAT_STALE_AFTER, /healthz said so.
            assert during[-1] == (503, "error")
            assert ("error" in {worker_check for _status, worker_check in during}) is True

            pack = wait_until(
                lambda: BriefPack.objects.filter(status="done").first(),
                timeout=180,
                what="the pack asked for during the outage",
            )
            email = wait_until(
                lambda: OutboxMessage.objects.filter(
                    task_name=REGISTRATION_EMAIL, status=OutboxStatus.DONE
                ).first(),
                timeout=60,
                what="the email asked for during the outage",
            )
            # The very worker process started before both outages did the work.
            assert worker.poll() is None
            wait_until(lambda: client.get("/healthz").status_code == 200, what="healthz again")
            time.sleep(3)  # a duplicate delivery would have shown by now
    finally:
        stop(relay)
        stop(worker)
        stop_redis(redis)
    emails = sent_emails(mailbox)
    assert len(emails) == 1
    assert f"To: {stakeholder.email}" in emails[0]
    assert (email.attempts, pack.attempts, pack.intervention_count) == (1, 1, 1)
    assert "Unrecoverable error" not in (tmp_path / "worker.log").read_text()


def test_a_message_the_broker_lost_in_a_restart_goes_out_again_within_two_minutes(
    client, transactional_db, tmp_path
):
    port = free_port()
    session = ListeningSessionFactory(capacity=5)
    stakeholder = UserFactory(stakeholder=True)
    mailbox = tmp_path / "mail"
    env = process_env(REDIS_URL=f"redis://127.0.0.1:{port}/0", EMAIL_URL=f"filemail:///{mailbox}")
    with redis_server(port), broker_url(f"redis://127.0.0.1:{port}/0"):
        client.force_login(stakeholder)
        client.post(
            f"/en/sessions/{session.slug}/register/", {"role": "Lawyer", "privacy_consent": "on"}
        )
        published_at = timezone.now()
        assert relay_outbox(now=published_at).published == 1  # the broker took it ...
    # ... and lost it: Redis restarts without persistence.
    with redis_server(port), broker_url(f"redis://127.0.0.1:{port}/0"):
        worker = start_worker(env, log=tmp_path / "worker.log")
        try:
            time.sleep(3)
            assert sent_emails(mailbox) == []
            # The relay's passes: nothing is claimed, so within two minutes it is sent again.
            assert relay_outbox(now=published_at + timezone.timedelta(seconds=60)).published == 0
            assert relay_outbox(now=published_at + timezone.timedelta(seconds=90)).published == 1
            resent = time.monotonic()
            wait_until(lambda: sent_emails(mailbox), timeout=60, what="the re-sent email")
            print(f"\nlost message delivered {time.monotonic() - resent:.1f} s after the re-send")
        finally:
            stop(worker)
    message = OutboxMessage.objects.get()
    assert (message.status, message.sends, message.attempts) == (OutboxStatus.DONE, 2, 1)
    assert len(sent_emails(mailbox)) == 1
