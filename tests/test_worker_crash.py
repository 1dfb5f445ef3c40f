"""A worker killed in the middle of a pack build: the pack's heartbeat stops, the build is
noticed as lost within a minute or two and restarted, and the next worker finishes it."""

import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from briefs.models import BriefPack, PackPart
from briefs.services import request_brief_pack, requeue_stuck_packs
from briefs.tasks import task_build_brief_pack
from core.outbox import relay_outbox
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import purge_queue, reset_broker_pools
from tests.processes import kill, process_env, start_relay, start_worker, stop


@pytest.fixture
def shared_broker(tmp_path):
    """A broker both this process and a worker process can reach: Redis when configured,
    else a filesystem broker in a folder laid out as CELERY_BROKER_DIR expects."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.broker_transport_options)
    env = {}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        for folder in ("out", "processed", "control"):
            (tmp_path / "broker" / folder).mkdir(parents=True)
        reset_broker_pools()
        conf.broker_url = "filesystem://"
        conf.broker_transport_options = {
            "data_folder_in": str(tmp_path / "broker" / "out"),
            "data_folder_out": str(tmp_path / "broker" / "out"),
            "processed_folder": str(tmp_path / "broker" / "processed"),
            "control_folder": str(tmp_path / "broker" / "control"),
            "store_processed": False,
        }
        env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
    purge_queue()
    yield env
    reset_broker_pools()
    conf.broker_url, conf.broker_transport_options = saved


def start_worker_process(broker_env: dict, *args: str, **settings_env: str):
    return start_worker(process_env(**broker_env, **settings_env), *args)


def wait_for(pack_id: int, predicate, *, timeout: float = 120.0) -> BriefPack:
    deadline = time.monotonic() + timeout
    pack = BriefPack.objects.get(pk=pack_id)
    while time.monotonic() < deadline:
        pack = BriefPack.objects.get(pk=pack_id)
        if predicate(pack):
            return pack
        time.sleep(0.1)
    raise AssertionError(f"pack {pack_id} stayed {pack.status} at {pack.progress}%")


@pytest.mark.services
def test_a_killed_worker_is_noticed_within_two_minutes_and_the_build_restarts(
    transactional_db, shared_broker, tmp_path
):
    session = ListeningSessionFactory()
    for n in range(120):
        InterventionFactory(
            session=session, title=f"Input {n}", body="Words on the ground. " * 60,
            status="approved",
        )  # fmt: skip
    user = UserFactory(wg3=True)

    worker = start_worker_process(shared_broker, PACK_HEARTBEAT_INTERVAL="1")
    try:
        pack = request_brief_pack(session=session, user=user).pack
        assert relay_outbox().published == 1
        running = wait_for(pack.pk, lambda p: p.status == "running" and p.progress >= 10)
    finally:
        kill(worker)
    killed_at = timezone.now()
    time.sleep(2)
    after_kill = BriefPack.objects.get(pk=pack.pk)
    assert after_kill.status == "running"
    assert after_kill.progress >= running.progress
    assert not after_kill.pdf
    # The dead worker's pack stopped beating.
    assert after_kill.heartbeat_at <= killed_at

    # Celery beat's passes: not lost yet a minute after its last sign of life, lost within two.
    assert requeue_stuck_packs(now=after_kill.heartbeat_at + timezone.timedelta(minutes=1)) == 0
    assert requeue_stuck_packs(now=after_kill.heartbeat_at + timezone.timedelta(minutes=2)) == 1
    requeued = BriefPack.objects.get(pk=pack.pk)
    # Progress only moves forward: the bar keeps what the first attempt reached.
    assert (requeued.status, requeued.progress, requeued.restarts) == (
        "queued", after_kill.progress, 1,
    )  # fmt: skip

    relay = start_relay(process_env(**shared_broker))
    worker = start_worker_process(shared_broker)
    try:
        done = wait_for(pack.pk, lambda p: p.status in ("done", "failed"), timeout=180)
    finally:
        kill(worker)
        stop(relay)
    assert (done.status, done.attempts, done.restarts, done.intervention_count, done.progress) == (
        "done", 2, 1, 120, 100,
    )  # fmt: skip
    assert done.page_count > 10
    with done.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


@pytest.mark.services
def test_beat_on_a_live_worker_restarts_a_lost_build_by_itself(
    transactional_db, shared_broker, tmp_path
):
    """Nobody calls anything: the next worker's beat notices the lost work and restarts it:
    the section the dead worker was laying out, or the whole build when the pack itself went
    silent first."""
    session = ListeningSessionFactory()
    for n in range(60):
        InterventionFactory(
            session=session, title=f"Input {n}", body="Words on the ground. " * 60,
            status="approved",
        )  # fmt: skip
    user = UserFactory(wg3=True)
    fast = {"PACK_HEARTBEAT_INTERVAL": "1", "PACK_STALE_AFTER": "5", "PACK_REQUEUE_INTERVAL": "2"}

    relay = start_relay(process_env(**shared_broker))
    worker = start_worker_process(shared_broker, **fast)
    try:
        pack = request_brief_pack(session=session, user=user).pack
        wait_for(
            pack.pk,
            lambda p: p.status == "running" and p.parts.filter(status="running").exists(),
        )
        kill(worker)
        killed = time.monotonic()
        lost = PackPart.objects.get(pack_id=pack.pk, status="running")
        worker = start_worker_process(
            shared_broker, "--beat", "--schedule", str(tmp_path / "schedule"), **fast
        )

        def restarted(pack: BriefPack) -> bool:
            sent_again = PackPart.objects.filter(pk=lost.pk, attempts__gte=2).exists()
            return pack.restarts == 1 or sent_again

        wait_for(pack.pk, restarted, timeout=60)
        noticed = time.monotonic() - killed
        done = wait_for(pack.pk, lambda p: p.status in ("done", "failed"), timeout=180)
    finally:
        kill(worker)
        stop(relay)
    print(f"\nlost work noticed {noticed:.1f} s after the kill (PACK_STALE_AFTER=5)")
    assert done.status == "done"
    if done.restarts == 0:  # the section alone was sent again
        assert (done.attempts, PackPart.objects.get(pk=lost.pk).attempts) == (1, 2)
    else:  # the whole build restarted
        assert (done.attempts, done.restarts) == (2, 1)


@pytest.mark.services
def test_a_build_past_the_soft_time_limit_fails_cleanly(
    transactional_db, shared_broker, monkeypatch
):
    # The publisher writes the task's time limits into the message; both sides use 1 s here.
    monkeypatch.setattr(task_build_brief_pack, "soft_time_limit", 1)
    monkeypatch.setattr(task_build_brief_pack, "time_limit", 60)
    monkeypatch.setattr(task_build_brief_pack, "_exec_options", None)  # Celery caches them
    session = ListeningSessionFactory()
    # Several seconds of layout, well past a one-second soft limit.
    for n in range(300):
        InterventionFactory(
            session=session, title=f"Input {n}", body="Words on the ground. " * 90,
            status="approved",
        )  # fmt: skip
    user = UserFactory(wg3=True)

    # Private storage is shared by the whole run, and a pack id can come back after an earlier
    # test's rollback: only files written during this test count.
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    before = set(private.rglob("*.pdf"))
    worker = start_worker_process(
        shared_broker, CELERY_TASK_SOFT_TIME_LIMIT="1", CELERY_TASK_TIME_LIMIT="60"
    )
    try:
        pack = request_brief_pack(session=session, user=user).pack
        assert relay_outbox().published == 1
        failed = wait_for(pack.pk, lambda p: p.status in ("done", "failed"))
    finally:
        kill(worker)
    assert failed.status == "failed"
    assert failed.error_text == (
        "The build took longer than the time limit of 1 minute. "
        "Try again, or narrow the pack with filters."
    )
    assert not failed.pdf
    assert set(private.rglob("*.pdf")) - before == set()


@pytest.mark.services
def test_a_worker_killed_while_laying_out_a_section_costs_only_the_sections_not_stored(
    transactional_db, shared_broker, tmp_path
):
    """The sections laid out before the kill are stored: the restarted build reuses them."""
    session = ListeningSessionFactory()
    for n in range(160):
        InterventionFactory(
            session=session, title=f"Input {n}", body="Words on the ground. " * 60,
            status="approved",
        )  # fmt: skip
    user = UserFactory(wg3=True)
    fast = {"PACK_HEARTBEAT_INTERVAL": "1", "PACK_STALE_AFTER": "5", "PACK_REQUEUE_INTERVAL": "2"}

    worker = start_worker_process(shared_broker, **fast)
    try:
        pack = request_brief_pack(session=session, user=user).pack
        assert relay_outbox().published == 1

        # The cover names the time its build started, so a build that starts again lays it
        # out anew: the sections that count are the others.
        def mid_section() -> bool:
            parts = PackPart.objects.filter(pack_id=pack.pk).exclude(key="cover")
            return (
                parts.filter(status="done", reused=False).exists()
                and parts.filter(status="running").exists()
            )

        deadline = time.monotonic() + 120
        while not mid_section():
            assert time.monotonic() < deadline, "no section was laid out"
            time.sleep(0.05)
    finally:
        kill(worker)
    killed_at = timezone.now()
    stored = set(
        PackPart.objects.filter(pack_id=pack.pk, status="done", is_contents=False)
        .exclude(key="cover")
        .values_list("key", flat=True)
    )
    assert BriefPack.objects.get(pk=pack.pk).status == "running"

    relay = start_relay(process_env(**shared_broker))
    worker = start_worker_process(
        shared_broker, "--beat", "--schedule", str(tmp_path / "schedule"), **fast
    )
    try:
        done = wait_for(pack.pk, lambda p: p.status in ("done", "failed"), timeout=240)
    finally:
        kill(worker)
        stop(relay)
    assert done.status == "done"
    # Either the whole build restarted (reusing the stored sections) or the next worker went on
    # with the sections left (the lost one sent again): the stored ones were not laid out again.
    not_again = {
        part.key
        for part in done.parts.all()
        if part.reused or (part.finished_at and part.finished_at <= killed_at)
    }
    assert stored and stored <= not_again
    with done.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
