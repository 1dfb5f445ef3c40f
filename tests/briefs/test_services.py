"""Requesting, building, failing, retrying and re-queuing packs (real WeasyPrint and broker)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from briefs.enums import PackStatus
from briefs.models import BriefPack
from briefs.pipeline import generate_pack_pdf
from briefs.sections import build_sections
from briefs.selectors import PackFilters, get_pack_inputs
from briefs.services import (
    MAX_ATTEMPTS,
    PackProgress,
    claim_brief_pack,
    request_brief_pack,
    requeue_stuck_packs,
    retry_brief_pack,
)
from briefs.tasks import task_build_brief_pack, task_requeue_stuck_packs
from tests.factories import BriefPackFactory
from tests.helpers import (
    DEAD_BROKER,
    broker_url,
    drain_queue,
    pdf_text,
    purge_queue,
    reset_broker_pools,
)

BUILD = "briefs.tasks.task_build_brief_pack"


@pytest.fixture
def empty_queue():
    reset_broker_pools()
    purge_queue()
    yield
    reset_broker_pools()
    purge_queue()


def request(session, user, **filters):
    return request_brief_pack(session=session, user=user, **filters)


def test_request_saves_a_queued_pack_and_sends_its_task_after_commit(
    pack_session, wg3, approved, empty_queue, django_capture_on_commit_callbacks
):
    approved()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = request(pack_session, wg3, themes=["regularization"], kinds=["challenge"])
        assert drain_queue(timeout=0.5) == []  # nothing is sent before commit

    pack = BriefPack.objects.get()
    assert len(callbacks) == 1
    assert outcome.pack == pack
    assert (outcome.reused, outcome.in_progress, outcome.enqueued) == (False, False, True)
    assert pack.status == PackStatus.QUEUED
    assert pack.filters == {"themes": ["regularization"], "regions": [], "kinds": ["challenge"]}
    assert pack.requested_by == wg3
    assert len(pack.content_hash) == 64
    assert pack.enqueued_at is not None
    assert drain_queue() == [{"task": BUILD, "kwargs": {"pack_id": pack.pk}}]


def test_unknown_filters_raise_and_save_nothing(pack_session, wg3):
    with pytest.raises(ValidationError) as error:
        request(pack_session, wg3, themes=["nope"], regions=["atlantis"], kinds=["x"])

    assert sorted(error.value.message_dict) == ["kinds", "regions", "themes"]
    assert BriefPack.objects.count() == 0


def test_task_builds_the_pack_into_private_storage(pack_session, wg3, approved):
    approved(body="Sentinelbuilt input.")
    pack = BriefPackFactory(session=pack_session, requested_by=wg3)

    task_build_brief_pack(pack_id=pack.pk)

    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE
    assert (pack.progress, pack.stage, pack.error) == (100, "ready", "")
    assert pack.intervention_count == 1
    assert pack.page_count >= 5
    assert pack.attempts == 1
    assert pack.render_seconds > 0
    assert pack.started_at <= pack.finished_at
    storage_root = settings.STORAGES["private"]["OPTIONS"]["location"]
    assert pack.pdf.path.startswith(storage_root)
    assert not pack.pdf.path.startswith(str(settings.MEDIA_ROOT))
    with pack.pdf.open("rb") as handle:
        pdf = handle.read()
    assert "Sentinelbuilt" in pdf_text(pdf)


def test_same_inputs_and_filters_reuse_the_finished_pack(
    pack_session, wg3, approved, django_capture_on_commit_callbacks
):
    intervention = approved()
    first = request(pack_session, wg3, regions=["africa"]).pack
    task_build_brief_pack(pack_id=first.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = request(pack_session, wg3, regions=["africa"])
    assert (again.pack, again.reused, callbacks) == (first, True, [])
    assert BriefPack.objects.count() == 1

    other_filters = request(pack_session, wg3, regions=["africa", "global"])
    assert other_filters.reused is False

    intervention.body = "An edit after approval changes the content hash."
    intervention.save()
    changed = request(pack_session, wg3, regions=["africa"])
    assert changed.reused is False
    assert changed.pack != first
    assert BriefPack.objects.count() == 3


def test_a_request_from_a_french_page_reuses_the_english_pack(pack_session, wg3, approved):
    approved()
    first = request(pack_session, wg3).pack
    task_build_brief_pack(pack_id=first.pk)

    with translation.override("fr"):
        again = request(pack_session, wg3)

    assert (again.pack, again.reused) == (first, True)


def test_a_double_click_returns_the_pack_already_queued(pack_session, wg3, approved):
    approved()
    first = request(pack_session, wg3)

    second = request(pack_session, wg3)

    assert (second.pack, second.in_progress) == (first.pack, True)
    assert BriefPack.objects.count() == 1


def test_duplicate_delivery_renders_once(pack_session, wg3, approved):
    approved()
    pack = BriefPackFactory(session=pack_session, requested_by=wg3)

    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    first_file, first_finished = pack.pdf.name, pack.finished_at
    task_build_brief_pack(pack_id=pack.pk)

    pack.refresh_from_db()
    assert pack.attempts == 1
    assert (pack.pdf.name, pack.finished_at) == (first_file, first_finished)
    assert claim_brief_pack(pack_id=pack.pk) is False


def test_claim_is_a_conditional_update(pack_session):
    pack = BriefPackFactory(session=pack_session)

    assert claim_brief_pack(pack_id=pack.pk) is True
    assert claim_brief_pack(pack_id=pack.pk) is False
    pack.refresh_from_db()
    assert (pack.status, pack.attempts, pack.stage) == ("running", 1, "collecting inputs")


def test_progress_only_moves_forward(pack_session):
    pack = BriefPackFactory(session=pack_session)
    claim_brief_pack(pack_id=pack.pk)
    progress = PackProgress(pack_id=pack.pk)
    progress(40, "laying out page 40")
    PackProgress(pack_id=pack.pk)(30, "an older report")
    progress(20, "ignored")

    pack.refresh_from_db()
    assert (pack.progress, pack.stage) == (40, "laying out page 40")


def test_a_failing_build_marks_the_pack_failed_without_a_file(pack_session, wg3, approved):
    approved()
    BriefPack.objects.all().delete()
    pack = BriefPackFactory(session=pack_session, requested_by=wg3, filters={"kinds": 5})

    task_build_brief_pack(pack_id=pack.pk)

    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED
    assert pack.error.startswith("The PDF could not be built (TypeError")
    assert pack.pdf.name == ""
    assert pack.is_downloadable is False


def test_retry_queues_a_failed_pack_again_and_only_a_failed_one(
    pack_session, wg3, empty_queue, django_capture_on_commit_callbacks
):
    failed = BriefPackFactory(
        session=pack_session, status="failed", error="Boom", progress=40, attempts=2
    )
    done = BriefPackFactory(session=pack_session, status="done")

    with django_capture_on_commit_callbacks(execute=True):
        retry_brief_pack(pack=failed, user=wg3)
    with pytest.raises(ValidationError):
        retry_brief_pack(pack=done, user=wg3)

    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.progress, failed.attempts) == ("queued", "", 0, 0)
    assert drain_queue() == [{"task": BUILD, "kwargs": {"pack_id": failed.pk}}]
    done.refresh_from_db()
    assert done.status == "done"


def test_broker_outage_keeps_the_pack_queued_and_beat_sends_it_later(
    pack_session, wg3, approved, empty_queue, django_capture_on_commit_callbacks
):
    approved()
    with broker_url(DEAD_BROKER):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = request(pack_session, wg3)
        assert task_requeue_stuck_packs() == 0  # still down: still queued, nothing lost
    reset_broker_pools()

    pack = BriefPack.objects.get()
    assert outcome.pack == pack
    assert outcome.enqueued is False
    assert (pack.status, pack.enqueued_at) == ("queued", None)

    assert task_requeue_stuck_packs() == 1
    assert drain_queue() == [{"task": BUILD, "kwargs": {"pack_id": pack.pk}}]
    pack.refresh_from_db()
    assert pack.enqueued_at is not None
    assert task_requeue_stuck_packs() == 0  # sent recently: not sent again


def test_packs_a_dead_worker_left_running_are_requeued_then_failed(pack_session, empty_queue):
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    recent = BriefPackFactory(session=pack_session, status="running", started_at=timezone.now())
    dead = BriefPackFactory(
        session=pack_session, status="running", started_at=long_ago, attempts=1, progress=30
    )
    hopeless = BriefPackFactory(
        session=pack_session, status="running", started_at=long_ago, attempts=MAX_ATTEMPTS
    )

    assert requeue_stuck_packs() == 1

    assert drain_queue() == [{"task": BUILD, "kwargs": {"pack_id": dead.pk}}]
    statuses = dict(BriefPack.objects.values_list("pk", "status"))
    assert statuses == {recent.pk: "running", dead.pk: "queued", hopeless.pk: "failed"}
    hopeless.refresh_from_db()
    assert "stopped without finishing 3 times" in hopeless.error
    dead.refresh_from_db()
    assert dead.progress == 30  # the bar does not go back


def test_a_build_reports_its_stages_in_order(pack_session, approved):
    for _ in range(4):
        approved(body="Migrants lost their permits when offices closed. " * 60)
    reports = []

    with translation.override("en"):
        generate_pack_pdf(
            session=pack_session,
            filters=PackFilters(),
            progress=lambda percent, stage: reports.append((percent, stage)),
        )

    percents = [percent for percent, _ in reports]
    stages = [stage for _, stage in reports]
    assert percents == sorted(percents)
    assert stages[0] == "collecting inputs"
    assert stages[1:4] == [
        "rendering section “Front matter”",
        "rendering section “Regularization”",
        "rendering section “Annexes”",
    ]
    assert stages[-1] == "writing PDF"
    layout = [stage for stage in stages if stage.startswith("laying out page ")]
    assert len(layout) >= 2


def test_key_figures_count_only_organizations_their_authors_agreed_to_name(pack_session, approved):
    approved(credit="named", credit_organization="Named org")
    approved(credit="organization", credit_organization="Org only")
    approved(credit="anonymous", credit_organization="Hidden org")
    inputs = get_pack_inputs(session=pack_session, filters=PackFilters())
    front = build_sections(inputs=inputs)[0]
    assert front.context["figures"]["organizations"] == 2
