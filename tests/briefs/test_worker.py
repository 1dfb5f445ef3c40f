"""End to end with a real Celery worker (on Redis when REDIS_URL is set, else the filesystem)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from briefs.models import BriefPack
from briefs.services import request_brief_pack
from core.outbox import relay_outbox
from listening.celery import app
from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import pdf_text, purge_queue, reset_broker_pools


def wait_for(pack_id: int, *, status: str, timeout: float = 90.0) -> BriefPack:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pack = BriefPack.objects.get(pk=pack_id)
        if pack.status == status:
            return pack
        time.sleep(0.2)
    raise AssertionError(f"pack {pack_id} is {pack.status} ({pack.stage}), not {status}")


@pytest.mark.services
def test_a_real_worker_builds_a_requested_pack(transactional_db, wg3):
    reset_broker_pools()
    purge_queue()
    session = ListeningSessionFactory()
    InterventionFactory(session=session, status="approved", body="Sentinelworker input.")

    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        outcome = request_brief_pack(session=session, user=wg3)
        assert relay_outbox().published == 1
        pack = wait_for(outcome.pack.pk, status="done")

    assert (pack.progress, pack.attempts, pack.intervention_count) == (100, 1, 1)
    with pack.pdf.open("rb") as handle:
        assert "Sentinelworker" in pdf_text(handle.read())
