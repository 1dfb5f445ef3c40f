"""Requesting, building, failing, retrying and re-queuing packs (real WeasyPrint and broker)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from briefs.enums import PackStage, PackStatus, describe
from briefs.models import BriefPack
from briefs.pipeline import generate_pack_pdf
from briefs.sections import build_sections
from briefs.selectors import PackFilters, get_pack_inputs
from briefs.services import (
    MAX_ATTEMPTS,
    PackProgress,
    claim_brief_pack,
    keep_pack_alive,
    request_brief_pack,
    requeue_stuck_packs,
    retry_brief_pack,
)
from briefs.tasks import task_build_brief_pack
from core.enums import OutboxStatus
from core.models import OutboxMessage
from core.outbox import relay_outbox
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


def build_messages() -> list[dict]:
    return list(OutboxMessage.objects.filter(task_name=BUILD).values("kwargs", "status"))


def test_request_saves_a_queued_pack_and_its_task_in_the_outbox(
    pack_session, wg3, approved, empty_queue
):
    approved()
    outcome = request(pack_session, wg3, themes=["regularization"], kinds=["challenge"])

    pack = BriefPack.objects.get()
    assert outcome.pack == pack
    assert (outcome.reused, outcome.in_progress) == (False, False)
    assert pack.status == PackStatus.QUEUED
    assert pack.filters == {"themes": ["regularization"], "regions": [], "kinds": ["challenge"]}
    assert pack.requested_by == wg3
    assert len(pack.content_hash) == 64
    assert pack.enqueued_at is not None
    # The request itself sends nothing to the broker: the relay publishes the outbox.
    assert drain_queue(timeout=0.5) == []
    assert build_messages() == [{"kwargs": {"pack_id": pack.pk}, "status": "pending"}]
    assert relay_outbox().published == 1
    message = OutboxMessage.objects.get()
    assert drain_queue() == [
        {"task": BUILD, "kwargs": {"outbox_id": message.pk, "pack_id": pack.pk}}
    ]


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
    assert (pack.progress, pack.stage, pack.stage_text, pack.error_text) == (
        100,
        "ready",
        "ready",
        "",
    )
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
    assert (pack.status, pack.attempts, pack.stage) == ("running", 1, "collecting")


def test_progress_only_moves_forward(pack_session):
    pack = BriefPackFactory(session=pack_session)
    claim_brief_pack(pack_id=pack.pk)
    progress = PackProgress(pack_id=pack.pk)
    progress(40, PackStage.LAYOUT, page=40)
    PackProgress(pack_id=pack.pk)(30, PackStage.WRITING)
    progress(20, PackStage.COLLECTING)

    pack.refresh_from_db()
    assert (pack.progress, pack.stage, pack.stage_params) == (40, "layout", {"page": 40})
    assert pack.stage_text == "laying out page 40"


def test_a_failing_build_marks_the_pack_failed_without_a_file(pack_session, wg3, approved):
    approved()
    BriefPack.objects.all().delete()
    pack = BriefPackFactory(session=pack_session, requested_by=wg3, filters={"kinds": 5})

    task_build_brief_pack(pack_id=pack.pk)

    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED
    assert (pack.error_code, pack.stage) == ("build", "failed")
    assert pack.error_text.startswith("The PDF could not be built (TypeError")
    assert pack.pdf.name == ""
    assert pack.is_downloadable is False


def test_retry_queues_a_failed_pack_again_and_only_a_failed_one(pack_session, wg3, empty_queue):
    failed = BriefPackFactory(
        session=pack_session, status="failed", error="Boom", progress=40, attempts=2
    )
    done = BriefPackFactory(session=pack_session, status="done")
    building = BriefPackFactory(
        session=pack_session, status="running", started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )  # fmt: skip

    retry_brief_pack(pack=failed, user=wg3)
    for pack in (done, building):
        with pytest.raises(ValidationError):
            retry_brief_pack(pack=pack, user=wg3)

    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.progress, failed.attempts) == ("queued", "", 0, 0)
    assert build_messages() == [{"kwargs": {"pack_id": failed.pk}, "status": "pending"}]
    assert dict(BriefPack.objects.values_list("pk", "status")) == {
        failed.pk: "queued", done.pk: "done", building.pk: "running",
    }  # fmt: skip


def test_a_pack_whose_worker_was_lost_can_be_retried_at_once(pack_session, wg3):
    silent_since = timezone.now() - timedelta(seconds=settings.PACK_STALE_AFTER + 1)
    lost = BriefPackFactory(
        session=pack_session, status="running", started_at=silent_since,
        heartbeat_at=silent_since, attempts=1, progress=30,
    )  # fmt: skip

    retry_brief_pack(pack=lost, user=wg3)

    lost.refresh_from_db()
    assert (lost.status, lost.progress, lost.attempts) == ("queued", 0, 0)
    assert build_messages() == [{"kwargs": {"pack_id": lost.pk}, "status": "pending"}]


def test_broker_outage_keeps_the_pack_queued_and_the_relay_sends_it_later(
    pack_session, wg3, approved, empty_queue
):
    approved()
    with broker_url(DEAD_BROKER):
        outcome = request(pack_session, wg3)
        result = relay_outbox()
        assert (result.published, result.refused) == (0, 1)  # still down: nothing lost
    reset_broker_pools()

    pack = BriefPack.objects.get()
    assert outcome.pack == pack
    assert pack.status == "queued"
    message = OutboxMessage.objects.get()
    assert (message.status, message.sends) == (OutboxStatus.PENDING, 0)
    assert "127.0.0.1:1" in message.last_error

    later = timezone.now() + timedelta(seconds=10)
    assert relay_outbox(now=later).published == 1
    assert drain_queue() == [
        {"task": BUILD, "kwargs": {"outbox_id": message.pk, "pack_id": pack.pk}}
    ]
    assert relay_outbox(now=later).published == 0  # sent: not sent again at once


def test_packs_whose_worker_went_silent_are_requeued_then_failed(pack_session):
    now = timezone.now()
    silent = now - timedelta(seconds=settings.PACK_STALE_AFTER + 5)
    slow = now - timedelta(hours=2)
    recent = BriefPackFactory(
        session=pack_session, status="running", started_at=slow, heartbeat_at=now
    )
    lost = BriefPackFactory(
        session=pack_session, status="running", started_at=silent, heartbeat_at=silent,
        attempts=1, progress=30,
    )  # fmt: skip
    hopeless = BriefPackFactory(
        session=pack_session, status="running", started_at=slow, heartbeat_at=silent,
        attempts=MAX_ATTEMPTS,
    )  # fmt: skip

    assert requeue_stuck_packs() == 2

    assert build_messages() == [{"kwargs": {"pack_id": lost.pk}, "status": "pending"}]
    statuses = dict(BriefPack.objects.values_list("pk", "status"))
    assert statuses == {recent.pk: "running", lost.pk: "queued", hopeless.pk: "failed"}
    hopeless.refresh_from_db()
    assert (hopeless.error_code, hopeless.error_params) == ("worker_lost", {"attempts": 3})
    assert hopeless.error_text == (
        "The build stopped without finishing 3 times: its worker was lost (stopped, restarted "
        "or out of memory). Try again, or narrow the pack with filters."
    )
    lost.refresh_from_db()
    assert (lost.progress, lost.restarts, lost.heartbeat_at) == (30, 1, None)  # bar kept
    assert (lost.stage, lost.stage_text) == (
        "restarting",
        "waiting for a worker: the previous one was lost, so the build restarts",
    )
    assert lost.was_restarted is True
    assert requeue_stuck_packs() == 0


def test_a_lost_pack_is_noticed_within_two_minutes_of_its_last_heartbeat(pack_session):
    beat = timezone.now()
    pack = BriefPackFactory(
        session=pack_session, status="running", started_at=beat, heartbeat_at=beat, attempts=1
    )
    assert requeue_stuck_packs(now=beat + timedelta(seconds=settings.PACK_STALE_AFTER - 1)) == 0
    assert requeue_stuck_packs(now=beat + timedelta(minutes=2)) == 1
    pack.refresh_from_db()
    assert pack.status == "queued"


def test_asking_again_for_a_pack_whose_worker_was_lost_restarts_it(pack_session, wg3, approved):
    approved()
    first = request(pack_session, wg3).pack
    assert claim_brief_pack(pack_id=first.pk) is True
    silent = timezone.now() - timedelta(seconds=settings.PACK_STALE_AFTER + 5)
    BriefPack.objects.filter(pk=first.pk).update(heartbeat_at=silent)

    again = request(pack_session, wg3)

    assert (again.pack.pk, again.in_progress) == (first.pk, True)
    assert (again.pack.status, again.pack.restarts) == ("queued", 1)


@pytest.mark.django_db(transaction=True)
def test_a_running_pack_refreshes_its_heartbeat_while_it_builds(pack_session):
    long_ago = timezone.now() - timedelta(hours=1)
    pack = BriefPackFactory(
        session=pack_session, status="running", started_at=long_ago, heartbeat_at=long_ago
    )
    with keep_pack_alive(pack_id=pack.pk, interval=0.1):
        deadline = timezone.now() + timedelta(seconds=10)
        while timezone.now() < deadline:
            pack.refresh_from_db()
            if pack.heartbeat_at > long_ago:
                break
    assert pack.heartbeat_at > timezone.now() - timedelta(seconds=10)
    assert requeue_stuck_packs() == 0


def test_a_build_reports_its_stages_in_order(pack_session, approved):
    for _ in range(4):
        approved(body="Migrants lost their permits when offices closed. " * 60)
    reports = []

    with translation.override("en"):
        generate_pack_pdf(
            session=pack_session,
            filters=PackFilters(),
            progress=lambda percent, stage, **params: reports.append(
                (percent, describe(PackStage, stage, params))
            ),
        )

    percents = [percent for percent, _ in reports]
    stages = [stage for _, stage in reports]
    assert percents == sorted(percents)
    assert stages[0] == "collecting inputs"
    # Cover, key figures, the theme and the annexes; the contents is laid out at the merge.
    assert stages[-2:] == ["laid out 4 of 4 sections", "merging the sections into one PDF"]
    assert all(stage.startswith("laid out ") for stage in stages[1:-1])


def test_key_figures_count_only_organizations_their_authors_agreed_to_name(pack_session, approved):
    approved(credit="named", credit_organization="Named org")
    approved(credit="organization", credit_organization="Org only")
    approved(credit="anonymous", credit_organization="Hidden org")
    inputs = get_pack_inputs(session=pack_session, filters=PackFilters())
    front = build_sections(inputs=inputs)[0]
    assert front.context["figures"]["organizations"] == 2
