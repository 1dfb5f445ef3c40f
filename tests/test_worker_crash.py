"""A worker killed in the middle of a pack build leaves the pack retryable, and the next
attempt finishes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from briefs.models import BriefPack
from briefs.services import request_brief_pack, requeue_stuck_packs
from briefs.tasks import task_build_brief_pack
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import purge_queue, reset_broker_pools

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT']}"
            f"/{params['NAME']}"
        )
    return f"sqlite:///{params['NAME']}"


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


def start_worker_process(broker_env: dict, **settings_env: str) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "listening.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "PRIVATE_STORAGE_ROOT": settings.STORAGES["private"]["OPTIONS"]["location"],
        **broker_env,
        **settings_env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "listening", "worker", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "warning", "--without-heartbeat",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


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
def test_a_killed_worker_leaves_the_pack_retryable(transactional_db, shared_broker):
    session = ListeningSessionFactory()
    for n in range(120):
        InterventionFactory(
            session=session,
            title=f"Input {n}",
            body="Words on the ground. " * 60,
            status="approved",
        )
    user = UserFactory(wg3=True)

    worker = start_worker_process(shared_broker)
    try:
        pack = request_brief_pack(session=session, user=user).pack
        running = wait_for(pack.pk, lambda p: p.status == "running" and p.progress >= 10)
    finally:
        kill(worker)
    time.sleep(1)
    after_kill = BriefPack.objects.get(pk=pack.pk)
    assert after_kill.status == "running"
    assert after_kill.progress == running.progress or after_kill.progress < 100
    assert not after_kill.pdf

    # Celery beat's next pass after the hard time limit sends the pack again.
    later = timezone.now() + timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    assert requeue_stuck_packs(now=later) == 1
    requeued = BriefPack.objects.get(pk=pack.pk)
    # Progress only moves forward: the bar keeps what the first attempt reached.
    assert (requeued.status, requeued.progress) == ("queued", after_kill.progress)

    worker = start_worker_process(shared_broker)
    try:
        done = wait_for(pack.pk, lambda p: p.status in ("done", "failed"), timeout=180)
    finally:
        kill(worker)
    assert (done.status, done.attempts, done.intervention_count, done.progress) == (
        "done", 2, 120, 100,
    )  # fmt: skip
    assert done.page_count > 10
    with done.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


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
            session=session,
            title=f"Input {n}",
            body="Words on the ground. " * 90,
            status="approved",
        )
    user = UserFactory(wg3=True)

    worker = start_worker_process(
        shared_broker, CELERY_TASK_SOFT_TIME_LIMIT="1", CELERY_TASK_TIME_LIMIT="60"
    )
    try:
        pack = request_brief_pack(session=session, user=user).pack
        failed = wait_for(pack.pk, lambda p: p.status in ("done", "failed"))
    finally:
        kill(worker)
    assert failed.status == "failed"
    assert failed.error == (
        "The build took longer than the time limit of 1 minute. "
        "Try again, or narrow the pack with filters."
    )
    assert not failed.pdf
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert list(private.rglob(f"input-pack-{pack.pk}-*.pdf")) == []
