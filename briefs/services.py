"""Writes for input packs: request, build, fail, retry and re-queue.

The BriefPack row is the durable record of a request, saved with an outbox message for its
build task in one transaction; the outbox relay publishes it, so no request waits on the
broker. The task claims a pack with a conditional UPDATE, so a duplicate delivery does
nothing, and progress only moves forward. A building pack refreshes its heartbeat; one whose
worker was lost (silent for PACK_STALE_AFTER seconds) is queued again by
`requeue_stuck_packs` (Celery beat), and fails with a clear reason after MAX_ATTEMPTS starts.
"""

import logging
import re
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.emails import send_templated_email
from core.outbox import schedule_task
from interventions.enums import InterventionKind, InterventionStatus
from interventions.models import Intervention, Region, Theme
from sessions_app.enums import SessionStatus
from sessions_app.models import ListeningSession, Series
from sessions_app.selectors import email_language

from .enums import PackError, PackStage, PackStatus, PartStatus
from .models import BriefNotification, BriefPack, PackPart, PolicyBrief, pack_upload_to
from .pipeline import (
    PROGRESS_COLLECTING,
    PROGRESS_LAYOUT,
    PlannedPartInfo,
    delete_part,
    lay_out_part,
    load_part,
    load_part_layout,
    merge_pack_parts,
    part_stored_since,
    plan_pack,
    save_part,
    stored_part_keys,
)
from .selectors import PackFilters, PackScope, pack_fingerprint, pack_scope_of

logger = logging.getLogger(__name__)

BUILD_TASK = "briefs.tasks.task_build_brief_pack"
PART_TASK = "briefs.tasks.task_lay_out_pack_part"
MAX_ATTEMPTS = 3


@dataclass
class PackRequest:
    """What `request_brief_pack` did: the pack to show and how it got there."""

    pack: BriefPack
    reused: bool = False
    in_progress: bool = False


def validate_pack_filters(
    *, themes: Iterable[str] = (), regions: Iterable[str] = (), kinds: Iterable[str] = ()
) -> PackFilters:
    """Return the filters, sorted; raise ValidationError naming any unknown slug or kind."""
    filters = PackFilters.build(themes=themes, regions=regions, kinds=kinds)
    errors = {}
    known_themes = set(Theme.objects.filter(slug__in=filters.themes).values_list("slug", flat=True))
    if unknown := sorted(set(filters.themes) - known_themes):
        errors["themes"] = _("Unknown theme: %(slugs)s") % {"slugs": ", ".join(unknown)}
    known_regions = set(
        Region.objects.filter(slug__in=filters.regions).values_list("slug", flat=True)
    )
    if unknown := sorted(set(filters.regions) - known_regions):
        errors["regions"] = _("Unknown region: %(slugs)s") % {"slugs": ", ".join(unknown)}
    if unknown := sorted(set(filters.kinds) - set(InterventionKind.values)):
        errors["kinds"] = _("Unknown type: %(kinds)s") % {"kinds": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    return filters


def validate_pack_scope(
    *,
    session: ListeningSession | None = None,
    sessions: Iterable[ListeningSession] = (),
    series: Series | None = None,
) -> PackScope:
    """What a pack will cover: `session`; or the chosen `sessions`; or, given only `series`,
    every public session of the series. Chosen sessions must be public (not drafts) and, with
    a series, belong to it. One chosen session makes a single-session pack.

    Raises ValidationError with a clear message otherwise.
    """
    if session is not None:
        chosen = [session]
    elif sessions:
        chosen = list(sessions)
    elif series is not None:
        chosen = list(
            ListeningSession.objects.filter(series=series).exclude(status=SessionStatus.DRAFT)
        )
        if not chosen:
            raise ValidationError(_("This series has no public session yet."), code="empty_series")
    else:
        raise ValidationError(_("Choose at least one session."), code="no_session")
    if any(s.status == SessionStatus.DRAFT for s in chosen):
        raise ValidationError(_("A draft session cannot be in a pack."), code="draft")
    if series is not None and any(s.series_id != series.pk for s in chosen):
        raise ValidationError(
            _("Choose sessions of the series “%(series)s” only.") % {"series": series.title},
            code="other_series",
        )
    return PackScope.build(sessions=chosen, series=series)


def request_brief_pack(
    *,
    session: ListeningSession | None = None,
    user: AbstractBaseUser,
    themes: Iterable[str] = (),
    regions: Iterable[str] = (),
    kinds: Iterable[str] = (),
    sessions: Iterable[ListeningSession] = (),
    series: Series | None = None,
) -> PackRequest:
    """Ask for a pack of the approved interventions matching the filters, of one session, of
    chosen `sessions`, or of a whole `series` (see `validate_pack_scope`).

    A pack of several sessions gathers their inputs by theme, each naming its session; it is
    stored with `session` empty, its `sessions`, and `series` when they came from one.

    When a finished pack has the same content hash (same inputs, filters and template
    version) it is returned at once and nothing is rendered; an identical pack still queued
    or building is returned too (a double click asks once), unless its worker was lost, in
    which case it is queued again. Otherwise a queued BriefPack is saved with an outbox
    message for its build task, in one transaction: the relay publishes it, so the request
    never waits on the broker. Raises ValidationError for unknown themes, regions or kinds,
    for sessions that cannot be in a pack, and when no approved input matches (nothing is
    built then).
    """
    scope = validate_pack_scope(session=session, sessions=sessions, series=series)
    filters = validate_pack_filters(themes=themes, regions=regions, kinds=kinds)
    fingerprint = pack_fingerprint(scope=scope, filters=filters)
    if not fingerprint.intervention_count:
        # An empty pack says nothing: warn instead of building one.
        if filters.is_empty and scope.is_combined:
            raise ValidationError(
                _(
                    "These sessions have no approved input yet, so there is nothing to put in a "
                    "pack."
                )
            )
        if filters.is_empty:
            raise ValidationError(
                _("This session has no approved input yet, so there is nothing to put in a pack.")
            )
        raise ValidationError(
            _(
                "No approved input matches these filters, so no pack was built. "
                "Choose other filters."
            )
        )
    content_hash = fingerprint.content_hash
    with transaction.atomic():
        # Two identical requests at once (a double click) must not both build: the session
        # rows (locked in one order) serialise them, and the second finds the first one's pack.
        list(
            ListeningSession.objects.select_for_update()
            .filter(pk__in=scope.session_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # The hash covers the scope (sessions and series), so equal hashes are the same pack.
        same = BriefPack.objects.filter(content_hash=content_hash)
        finished = (
            same.filter(status=PackStatus.DONE).exclude(pdf="").order_by("-finished_at").first()
        )
        if finished is not None:
            return PackRequest(pack=finished, reused=True)
        pending = (
            same.filter(status__in=[PackStatus.QUEUED, PackStatus.RUNNING]).order_by("-id").first()
        )
        if pending is not None:
            if requeue_lost_pack(pack_id=pending.pk):
                pending.refresh_from_db()
            return PackRequest(pack=pending, in_progress=True)
        pack = BriefPack.objects.create(
            session=scope.session,
            series=scope.series,
            requested_by=user,
            filters=filters.as_json(),
            content_hash=content_hash,
            intervention_count=fingerprint.intervention_count,
            stage=PackStage.WAITING,
        )
        if scope.is_combined:
            pack.sessions.set(scope.sessions)
        schedule_build(pack_id=pack.pk)
    pack.refresh_from_db()
    return PackRequest(pack=pack)


def schedule_build(*, pack_id: int) -> None:
    """Store the build task of a queued pack in the outbox (published by the relay after the
    caller's transaction commits). Side effect: the pack's `enqueued_at`."""
    schedule_task(BUILD_TASK, pack_id=pack_id)
    BriefPack.objects.filter(pk=pack_id).update(enqueued_at=timezone.now())


def claim_brief_pack(*, pack_id: int) -> bool:
    """Move a queued pack to running (one conditional UPDATE); False when it was not queued.

    A duplicate delivery of the task, or a delivery for a pack already built, claims nothing.
    """
    return bool(
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(
            status=PackStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            finished_at=None,
            attempts=F("attempts") + 1,
            stage=PackStage.COLLECTING,
            stage_params={},
            error_code="",
            error_params={},
            error="",
        )
    )


class PackProgress:
    """Record a running pack's progress; a value lower than the stored one changes nothing."""

    def __init__(self, *, pack_id: int) -> None:
        self.pack_id = pack_id
        self.last = -1

    def __call__(self, progress: int, stage: PackStage, **params) -> None:
        if progress <= self.last:
            return
        self.last = progress
        BriefPack.objects.filter(
            pk=self.pack_id, status=PackStatus.RUNNING, progress__lt=progress
        ).update(progress=progress, stage=stage, stage_params=params, heartbeat_at=timezone.now())


@contextmanager
def keep_pack_alive(
    *, pack_id: int, interval: float | None = None, part_id: int | None = None
) -> Iterator[None]:
    """Refresh a running pack's heartbeat from a background thread while the block runs.

    Long steps of a build (laying out a large section, writing the PDF) report no progress
    for a while; the heartbeat tells a slow build from one whose worker died. The thread has
    its own database connection, closed when the block ends. Database errors only skip a beat.
    """
    interval = interval or settings.PACK_HEARTBEAT_INTERVAL
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                    if part_id is not None:
                        PackPart.objects.filter(pk=part_id, status=PartStatus.RUNNING).update(
                            heartbeat_at=timezone.now()
                        )
                except Exception as exc:  # the next beat tries again
                    logger.warning("Pack %s heartbeat failed: %s", pack_id, exc)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"pack-{pack_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def fail_brief_pack(*, pack_id: int, reason: PackError, **params) -> bool:
    """Mark a running pack failed with the reason's code and parameters (put into words when
    shown); no file is kept. False if not running."""
    return bool(
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
            status=PackStatus.FAILED,
            error_code=reason,
            error_params=params,
            error="",
            stage=PackStage.FAILED,
            stage_params={},
            finished_at=timezone.now(),
            pdf="",
        )
    )


def build_brief_pack(
    *, pack_id: int, now: datetime | None = None, fan_out: bool = False
) -> BriefPack:
    """Plan a claimed (running) pack, lay out its sections and merge them into its PDF.

    Reads the inputs and divides the pack into sections (a `PackPart` row each, replacing
    those of an earlier attempt); a section stored under its key by an earlier pack is reused.
    With `fan_out` (the Celery task), each section left is sent to the workers as a task of
    its own (`lay_out_pack_part`), the last of which merges; otherwise they are laid out here,
    one after the other, and merged. On an error, or when the soft time limit is reached, the
    pack is marked failed with a readable reason and no file is kept. A pack that is not
    running is left alone.
    """
    pack = BriefPack.objects.select_related("session", "series").get(pk=pack_id)
    if pack.status != PackStatus.RUNNING:
        return pack
    progress = PackProgress(pack_id=pack_id)
    try:
        progress(PROGRESS_COLLECTING, PackStage.COLLECTING)
        plan = plan_pack(
            scope=pack_scope_of(pack),
            filters=PackFilters.from_json(pack.filters),
            now=now or timezone.now(),
        )
        rows = []
        for part in plan.parts:
            stored = not part.is_contents and load_part_layout(part.cache_key)
            rows.append(
                PackPart(
                    pack_id=pack_id,
                    position=part.position,
                    key=part.key,
                    title=part.title[:300],
                    cache_key=part.cache_key,
                    is_contents=part.is_contents,
                    status=PartStatus.DONE if stored else PartStatus.PENDING,
                    reused=bool(stored),
                    page_count=stored["pages"] if stored else None,
                    html="" if stored else plan.html_of(part),
                    frame=plan.numbers_frame if part.is_contents else {},
                )
            )
    except Exception as exc:
        return _failed_build(pack_id=pack_id, exc=exc)
    with transaction.atomic():
        PackPart.objects.filter(pack_id=pack_id).delete()
        PackPart.objects.bulk_create(rows)
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
            content_hash=plan.content_hash,
            intervention_count=len(plan.inputs.interventions),
        )
    _report_parts(pack_id=pack_id, progress=progress)
    pending = list(
        PackPart.objects.filter(
            pack_id=pack_id, status=PartStatus.PENDING, is_contents=False
        ).values_list("pk", flat=True)
    )
    if not pending:
        return merge_brief_pack(pack_id=pack_id)
    if not fan_out:
        return _lay_out_here(pack_id=pack_id, progress=progress)
    for part_id in pending:
        dispatch_pack_part(part_id=part_id)
    return BriefPack.objects.get(pk=pack_id)


# A build laid out in one process reports its progress this many times (every pack has at
# least as many sections), so that its database queries do not grow with its sections.
PROGRESS_CHECKPOINTS = 4


def _lay_out_here(*, pack_id: int, progress: "PackProgress") -> BriefPack:
    """Lay the pending sections of a pack out in this process, one after the other, record
    them in one query, then merge. A section that fails fails the pack."""
    parts = list(
        PackPart.objects.filter(pack_id=pack_id, status=PartStatus.PENDING, is_contents=False).only(
            "pk", "key", "title", "cache_key", "html"
        )
    )
    total = PackPart.objects.filter(pack_id=pack_id, is_contents=False).count()
    done = total - len(parts)
    low, high = PROGRESS_LAYOUT
    reached = 0
    for part in parts:
        try:
            rendered = lay_out_part(part.html)
        except SoftTimeLimitExceeded:
            _fail_time_limit(pack_id)
            return BriefPack.objects.get(pk=pack_id)
        except Exception as exc:
            logger.exception("Section %s of input pack %s failed", part.key, pack_id)
            part.attempts = 1
            _fail_part(part=part, error=f"{type(exc).__name__}: {exc}"[:500])
            return BriefPack.objects.get(pk=pack_id)
        save_part(part.cache_key, rendered)
        part.status, part.html, part.attempts = PartStatus.DONE, "", 1
        part.page_count, part.finished_at = rendered.page_count, timezone.now()
        done += 1
        checkpoint = done * PROGRESS_CHECKPOINTS // total
        if checkpoint > reached:
            reached = checkpoint
            progress(low + (high - low) * done // total, PackStage.PARTS, done=done, total=total)
    PackPart.objects.bulk_update(
        parts, ["status", "html", "attempts", "page_count", "finished_at"], batch_size=500
    )
    return merge_brief_pack(pack_id=pack_id)


def dispatch_pack_part(*, part_id: int, countdown: float = 0) -> None:
    """Send a section to the workers (straight to the broker: the pack's build task already
    runs on a worker, and the section's row is committed)."""
    current_app.send_task(PART_TASK, kwargs={"part_id": part_id}, countdown=countdown or None)


def _report_parts(*, pack_id: int, progress: "PackProgress") -> None:
    # The contents is laid out at the merge.
    parts = PackPart.objects.filter(pack_id=pack_id, is_contents=False)
    total = parts.count()
    done = parts.filter(status=PartStatus.DONE).count()
    low, high = PROGRESS_LAYOUT
    progress(low + (high - low) * done // max(total, 1), PackStage.PARTS, done=done, total=total)


def _failed_build(*, pack_id: int, exc: BaseException) -> BriefPack:
    """Fail a pack whose planning or merge raised `exc` (the soft time limit or an error),
    with its readable reason, and return it."""
    if isinstance(exc, SoftTimeLimitExceeded):
        _fail_time_limit(pack_id)
    else:
        logger.exception("Input pack %s failed", pack_id)
        fail_brief_pack(
            pack_id=pack_id, reason=PackError.BUILD, error=f"{type(exc).__name__}: {exc}"[:500]
        )
    return BriefPack.objects.get(pk=pack_id)


def _fail_time_limit(pack_id: int) -> None:
    minutes = max(1, round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60))
    if fail_brief_pack(pack_id=pack_id, reason=PackError.TIME_LIMIT, minutes=minutes):
        discard_new_parts(pack_id=pack_id)


def discard_new_parts(*, pack_id: int) -> None:
    """Delete the section files a failed pack laid out that no other pack uses: a failed
    build keeps nothing it wrote."""
    mine = PackPart.objects.filter(pack_id=pack_id, reused=False).values_list(
        "cache_key", flat=True
    )
    shared = set(
        PackPart.objects.filter(cache_key__in=mine)
        .exclude(pack_id=pack_id)
        .values_list("cache_key", flat=True)
    )
    for cache_key in set(mine) - shared:
        delete_part(cache_key)


def lay_out_pack_part(*, part_id: int) -> bool:
    """Lay out one section of a running pack, store its PDF under its key, and merge the pack
    when it was the last section left. Returns whether this call laid it out.

    A delivery for a section already laid out or being laid out, or of a pack no longer
    running, does nothing. A section that fails is sent again (after a short pause) until it
    has failed PACK_PART_MAX_ATTEMPTS times, which fails the pack with the section's name and
    the error; the soft time limit fails the pack at once.
    """
    claimed = PackPart.objects.filter(
        pk=part_id, status=PartStatus.PENDING, pack__status=PackStatus.RUNNING
    ).update(
        status=PartStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        return False
    part = PackPart.objects.get(pk=part_id)
    try:
        _lay_out_claimed_part(part)
    except SoftTimeLimitExceeded:
        # Whatever step it interrupts: laying out, storing, recording or merging.
        _fail_time_limit(part.pack_id)
    return True


def _lay_out_claimed_part(part: PackPart) -> None:
    part_id, pack_id = part.pk, part.pack_id
    try:
        rendered = lay_out_part(part.html)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        logger.exception("Section %s of input pack %s failed", part.key, pack_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        if part.attempts >= settings.PACK_PART_MAX_ATTEMPTS:
            _fail_part(part=part, error=error)
        elif PackPart.objects.filter(pk=part_id, status=PartStatus.RUNNING).update(
            status=PartStatus.PENDING, error=error
        ):
            dispatch_pack_part(part_id=part_id, countdown=2**part.attempts)
        return
    if not BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).exists():
        return
    save_part(part.cache_key, rendered)
    PackPart.objects.filter(pk=part_id, status=PartStatus.RUNNING).update(
        status=PartStatus.DONE,
        html="",
        error="",
        page_count=rendered.page_count,
        finished_at=timezone.now(),
    )
    _report_parts(pack_id=pack_id, progress=PackProgress(pack_id=pack_id))
    left = PackPart.objects.filter(pack_id=pack_id, is_contents=False).exclude(
        status=PartStatus.DONE
    )
    if not left.exists():
        merge_brief_pack(pack_id=pack_id)


def _fail_part(*, part: PackPart, error: str) -> None:
    if fail_brief_pack(
        pack_id=part.pack_id,
        reason=PackError.PART,
        title=part.title,
        attempts=part.attempts,
        error=error,
    ):
        discard_new_parts(pack_id=part.pack_id)


def merge_brief_pack(*, pack_id: int) -> BriefPack:
    """Lay out the contents of a pack whose other sections are all laid out, merge them into
    the pack's PDF, store it in private storage and mark the pack done.

    Only one caller merges (a conditional UPDATE of the stage); a pack not running is left
    alone. A failure marks the pack failed with a readable reason.
    """
    claimed = (
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING)
        .exclude(stage=PackStage.MERGING)
        .update(stage=PackStage.MERGING, stage_params={}, heartbeat_at=timezone.now())
    )
    if not claimed:
        return BriefPack.objects.get(pk=pack_id)
    pack = BriefPack.objects.select_related("session", "series").get(pk=pack_id)
    parts = list(PackPart.objects.filter(pack_id=pack_id).order_by("position"))
    try:
        laid_out = []
        frame = {}
        for part in parts:
            frame = frame or part.frame
            rendered = None
            if not part.is_contents:
                rendered = load_part(part.cache_key)
                if rendered is None:
                    raise FileNotFoundError(f"section {part.key} is not stored")
            info = PlannedPartInfo(key=part.key, is_contents=part.is_contents, html=part.html)
            laid_out.append((info, rendered))
        merged = merge_pack_parts(parts=laid_out, frame=frame)
    except Exception as exc:
        return _failed_build(pack_id=pack_id, exc=exc)
    storage = BriefPack._meta.get_field("pdf").storage
    name, done = "", 0
    try:
        name = storage.save(
            pack_upload_to(pack, f"input-pack-{pack.pk}-{pack.content_hash[:10]}.pdf"),
            ContentFile(merged.pdf),
        )
        started = pack.started_at or timezone.now()
        done = BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
            status=PackStatus.DONE,
            pdf=name,
            progress=100,
            stage=PackStage.READY,
            stage_params={},
            page_count=merged.page_count,
            render_seconds=round((timezone.now() - started).total_seconds(), 3),
            finished_at=timezone.now(),
            error="",
        )
    finally:
        if name and not done:  # failed, re-queued or interrupted meanwhile: no orphan file
            storage.delete(name)
    PackPart.objects.filter(pack_id=pack_id, is_contents=True).update(
        status=PartStatus.DONE, finished_at=timezone.now()
    )
    return BriefPack.objects.get(pk=pack_id)


def delete_unused_pack_parts(*, now: datetime | None = None) -> int:
    """Delete the stored section files no pack has used for PACK_PART_KEEP_DAYS days (and
    files no pack ever recorded, once as old). Returns how many sections were deleted."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.PACK_PART_KEEP_DAYS)
    recent = set(PackPart.objects.filter(used_at__gte=since).values_list("cache_key", flat=True))
    deleted = 0
    for cache_key in stored_part_keys() - recent:
        stored_at = part_stored_since(cache_key)
        if stored_at is None or stored_at < since:
            delete_part(cache_key)
            deleted += 1
    return deleted


def withdraw_session_packs(*, session_ids: Iterable[int]) -> int:
    """Withdraw the stored packs of these sessions (also those covering several sessions
    among which one of these) and queue them to be built again.

    Called when personal data they may show is removed (an account deleted): the PDFs and
    their stored sections are deleted from private storage after commit, and each pack goes
    back to queued, so its download gives the rebuilt pack, with the credits as they are now.
    Return how many packs were withdrawn. Their builds go through the outbox with the change.
    """
    session_ids = list(session_ids)
    combined = BriefPack.sessions.through.objects.filter(
        listeningsession_id__in=session_ids
    ).values("briefpack_id")
    packs = list(
        BriefPack.objects.select_for_update()
        .filter(Q(session_id__in=session_ids) | Q(pk__in=combined), status=PackStatus.DONE)
        .values_list("pk", "pdf")
    )
    if not packs:
        return 0
    BriefPack.objects.filter(pk__in=[pk for pk, _name in packs]).update(
        status=PackStatus.QUEUED,
        pdf="",
        progress=0,
        stage=PackStage.WITHDRAWN,
        stage_params={},
        content_hash="",
        enqueued_at=None,
        started_at=None,
        finished_at=None,
        attempts=0,
    )
    for pk, _name in packs:
        schedule_build(pack_id=pk)
    # Their sections too: a stored section shows the same credits, and another pack with the
    # same section would reuse it.
    withdrawn_parts = PackPart.objects.filter(pack_id__in=[pk for pk, _name in packs])
    section_keys = set(withdrawn_parts.values_list("cache_key", flat=True))
    withdrawn_parts.delete()
    storage = BriefPack._meta.get_field("pdf").storage

    def delete_files() -> None:
        for _pk, name in packs:
            if name:
                storage.delete(name)
        for cache_key in section_keys:
            delete_part(cache_key)

    transaction.on_commit(delete_files)
    return len(packs)


def retry_brief_pack(*, pack: BriefPack, user: AbstractBaseUser) -> BriefPack:
    """Queue a failed pack, or one whose worker was lost, again; its task goes to the outbox.

    Raises ValidationError when the pack neither failed nor lost its worker (a finished pack,
    or one a live worker is building, is not rebuilt).
    """
    with transaction.atomic():
        updated = (
            BriefPack.objects.filter(pk=pack.pk)
            .filter(Q(status=PackStatus.FAILED) | _lost(now=timezone.now()))
            .update(
                status=PackStatus.QUEUED,
                progress=0,
                stage=PackStage.WAITING,
                stage_params={},
                error_code="",
                error_params={},
                error="",
                attempts=0,
                restarts=0,
                started_at=None,
                heartbeat_at=None,
                finished_at=None,
            )
        )
        if not updated:
            raise ValidationError(_("Only a failed pack can be tried again."))
        schedule_build(pack_id=pack.pk)
    pack.refresh_from_db()
    return pack


def _lost(*, now: datetime) -> Q:
    """Running packs whose worker was lost: no heartbeat for PACK_STALE_AFTER seconds."""
    silent_since = now - timedelta(seconds=settings.PACK_STALE_AFTER)
    return Q(status=PackStatus.RUNNING) & (
        Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at__isnull=True, started_at__lt=silent_since)
    )


def requeue_lost_pack(*, pack_id: int, now: datetime | None = None) -> bool:
    """Queue a running pack again if its worker was lost; return whether it was.

    The pack keeps its progress (the bar never goes back) and counts the restart, which its
    page reports. After MAX_ATTEMPTS starts it fails instead, with a reason that says so.
    Side effect: an outbox message for the build task.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lost = BriefPack.objects.filter(_lost(now=now), pk=pack_id)
        failed = lost.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=PackStatus.FAILED,
            error_code=PackError.WORKER_LOST,
            error_params={"attempts": MAX_ATTEMPTS},
            stage=PackStage.FAILED,
            stage_params={},
            finished_at=now,
        )
        if failed:
            return True
        requeued = lost.filter(attempts__lt=MAX_ATTEMPTS).update(
            status=PackStatus.QUEUED,
            restarts=F("restarts") + 1,
            heartbeat_at=None,
            stage=PackStage.RESTARTING,
            stage_params={},
        )
        if requeued:
            schedule_build(pack_id=pack_id)
    return bool(requeued)


def requeue_stuck_packs(*, now: datetime | None = None) -> int:
    """Queue again the running packs whose worker was lost (Celery beat, every 30 s); return
    how many were queued or failed. Queued packs never scheduled (from before the outbox
    carried builds) are scheduled too.
    """
    now = now or timezone.now()
    handled = 0
    for pack_id in BriefPack.objects.filter(_lost(now=now)).values_list("pk", flat=True)[:200]:
        handled += requeue_lost_pack(pack_id=pack_id, now=now)
    handled += requeue_lost_parts(now=now)
    for pack_id in BriefPack.objects.filter(
        status=PackStatus.QUEUED, enqueued_at__isnull=True
    ).values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            if BriefPack.objects.filter(pk=pack_id, enqueued_at__isnull=True).exists():
                schedule_build(pack_id=pack_id)
                handled += 1
    return handled


def requeue_lost_parts(*, now: datetime | None = None) -> int:
    """Send again the sections of running packs whose worker was lost (silent for
    PACK_STALE_AFTER seconds) while the pack lives on other workers; a section lost
    PACK_PART_MAX_ATTEMPTS times fails its pack. Returns how many sections were handled."""
    now = now or timezone.now()
    silent_since = now - timedelta(seconds=settings.PACK_STALE_AFTER)
    lost = PackPart.objects.filter(
        status=PartStatus.RUNNING, pack__status=PackStatus.RUNNING, heartbeat_at__lt=silent_since
    )
    handled = 0
    for part in lost[:200]:
        if part.attempts >= settings.PACK_PART_MAX_ATTEMPTS:
            _fail_part(part=part, error=_("its worker was lost"))
        elif PackPart.objects.filter(pk=part.pk, status=PartStatus.RUNNING).update(
            status=PartStatus.PENDING
        ):
            dispatch_pack_part(part_id=part.pk)
        handled += 1
    return handled


# ---------------------------------------------------------------------------------------------
# The published policy brief, and closing the loop with contributors
# ---------------------------------------------------------------------------------------------

BRIEF_EMAIL_TASK = "briefs.tasks.task_send_brief_email"
BRIEF_PDF_MAX_MB = 25
BRIEF_PDF_MAX_BYTES = BRIEF_PDF_MAX_MB * 1024 * 1024
REFERENCE_SEPARATORS = re.compile(r"[\s,;]+")


def parse_references(text: str) -> list[str]:
    """Source IDs typed as "LS3-017, LS3-020" (commas, semicolons or spaces), upper-cased,
    each once, in the order given."""
    seen: dict[str, None] = {}
    for part in REFERENCE_SEPARATORS.split(text or ""):
        if part.strip():
            seen.setdefault(part.strip().upper(), None)
    return list(seen)


def resolve_cited_interventions(
    *, references: Iterable[str], sessions: Iterable[ListeningSession]
) -> list[Intervention]:
    """The approved interventions of `sessions` with these source IDs.

    Raises ValidationError (key "cited") naming every ID that is unknown, not approved, or
    from another session than the brief's.
    """
    references = list(references)
    session_ids = {s.pk for s in sessions}
    found = {
        i.reference: i for i in Intervention.objects.filter(reference__in=references).order_by("pk")
    }
    unknown = [ref for ref in references if ref not in found]
    not_approved = [
        ref
        for ref in references
        if ref in found and found[ref].status != InterventionStatus.APPROVED
    ]
    elsewhere = [
        ref
        for ref in references
        if ref in found and ref not in not_approved and found[ref].session_id not in session_ids
    ]
    errors = []
    if unknown:
        errors.append(_("Unknown source ID: %(ids)s.") % {"ids": ", ".join(unknown)})
    if not_approved:
        errors.append(
            _("Not an approved input, so it cannot be cited: %(ids)s.")
            % {"ids": ", ".join(not_approved)}
        )
    if elsewhere:
        errors.append(
            _("Not an input of this brief’s sessions: %(ids)s.") % {"ids": ", ".join(elsewhere)}
        )
    if errors:
        raise ValidationError({"cited": errors})
    return [found[ref] for ref in references]


def validate_brief_pdf(upload: File) -> None:
    """Refuse an upload that is not a PDF or is too large (ValidationError, key "pdf")."""
    if upload.size > BRIEF_PDF_MAX_BYTES:
        raise ValidationError(
            {"pdf": _("The PDF is too large: at most %(mb)d MB.") % {"mb": BRIEF_PDF_MAX_MB}}
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"pdf": _("This file is not a PDF.")})


def brief_sessions(
    *, series: Series | None = None, session: ListeningSession | None = None
) -> list[ListeningSession]:
    """The sessions a brief on `series` or `session` draws on (public ones of the series)."""
    if session is not None:
        return [session]
    return list(ListeningSession.objects.filter(series=series).exclude(status=SessionStatus.DRAFT))


def record_policy_brief(
    *,
    user: AbstractBaseUser,
    title: str,
    published_on: date,
    references: str,
    url: str = "",
    pdf: File | None = None,
    remove_pdf: bool = False,
    pdf_is_public: bool = False,
    brief: PolicyBrief | None = None,
    series: Series | None = None,
    session: ListeningSession | None = None,
) -> PolicyBrief:
    """Record the published brief of `series` or `session` (or save changes to `brief`).

    `references` are the source IDs it cites ("LS3-017, LS3-020"). The brief needs a link or a
    PDF; the PDF is stored privately, and served to everyone only when `pdf_is_public`.
    Side effects: the brief, its cited inputs, and, in the same transaction, one outbox email
    per contributor who consented to be contacted and was not told about this brief yet
    (re-saving tells nobody twice).
    Raises ValidationError (keyed by field) for unknown or uncitable source IDs, a missing
    link and PDF, or a file that is not a PDF; nothing changes then.
    """
    if brief is not None:
        series, session = brief.series, brief.session
    if (series is None) == (session is None):
        raise ValidationError(_("A brief is recorded on a series or on a session."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the brief’s title.")})
    if pdf is not None:
        validate_brief_pdf(pdf)
    keeps_pdf = pdf is not None or (brief is not None and bool(brief.pdf) and not remove_pdf)
    if not url and not keeps_pdf:
        raise ValidationError({"url": _("Give a link to the brief or upload its PDF.")})
    cited = resolve_cited_interventions(
        references=parse_references(references),
        sessions=brief_sessions(series=series, session=session),
    )
    old_pdf = brief.pdf.name if brief is not None and brief.pdf else ""
    with transaction.atomic():
        if brief is None:
            brief = PolicyBrief(series=series, session=session, recorded_by=user)
        else:
            brief = PolicyBrief.objects.select_for_update().get(pk=brief.pk)
        brief.title = title
        brief.published_on = published_on
        brief.url = url or ""
        brief.pdf_is_public = bool(pdf_is_public)
        if pdf is not None:
            brief.pdf.save(f"brief-{uuid.uuid4().hex}.pdf", pdf, save=False)
        elif remove_pdf:
            brief.pdf = ""
        brief.save()
        brief.cited.set(cited)
        notify_brief_contributors(brief=brief)
    if old_pdf and old_pdf != brief.pdf.name:
        storage = PolicyBrief._meta.get_field("pdf").storage
        transaction.on_commit(lambda: storage.delete(old_pdf))
    return brief


def notify_brief_contributors(*, brief: PolicyBrief) -> int:
    """Schedule, through the outbox, the email about `brief` to each contributor who consented
    to be contacted and was not told yet; return how many were scheduled.

    Contributors are the authors of approved inputs of the brief's sessions. Run inside the
    caller's transaction: the BriefNotification rows (one per person and brief, a database
    constraint) and the outbox messages commit with the brief.
    """
    sessions = brief_sessions(series=brief.series, session=brief.session)
    already = BriefNotification.objects.filter(brief=brief).values("user_id")
    contributors = list(
        Intervention.objects.filter(
            session__in=sessions,
            status=InterventionStatus.APPROVED,
            author__isnull=False,
            author__is_active=True,
            author__profile__consent_to_contact=True,
        )
        .exclude(author__email="")
        .exclude(author_id__in=already)
        .values_list("author_id", flat=True)
        .distinct()
        .order_by("author_id")
    )
    for user_id in contributors:
        BriefNotification.objects.create(brief=brief, user_id=user_id)
        schedule_task(BRIEF_EMAIL_TASK, brief_id=brief.pk, user_id=user_id)
    return len(contributors)


def send_brief_email(*, brief: PolicyBrief, user: AbstractBaseUser) -> bool:
    """Thank one contributor, in their language: the brief, its link, and which of their
    inputs it cites (each with its source ID).

    Returns False, sending nothing, when they no longer consent to be contacted or have no
    address. Raises what the email backend raises.
    """
    profile = getattr(user, "profile", None)
    if not user.email or not user.is_active or profile is None or not profile.consent_to_contact:
        return False
    sessions = brief_sessions(series=brief.series, session=brief.session)
    theirs = list(
        Intervention.objects.filter(
            session__in=sessions, author=user, status=InterventionStatus.APPROVED
        )
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )
    cited_ids = set(brief.cited.filter(author=user).values_list("pk", flat=True))
    language = email_language(user=user, session=theirs[0].session if theirs else None)
    with translation.override(language):
        heard = []
        # Only held sessions have a "What we heard" page to link to.
        held = {i.session for i in theirs if i.session.is_held}
        for session in sorted(held, key=lambda s: (s.starts_at, s.pk)):
            path = reverse("sessions_app:heard", kwargs={"slug": session.slug})
            heard.append((session.title, settings.SITE_URL + path))
    link = brief.public_url
    if link.startswith("/"):
        link = settings.SITE_URL + link
    send_templated_email(
        to=user.email,
        language=language,
        template="brief_published",
        context={
            "brief": brief,
            "scope_title": brief.scope_title,
            "link": link,
            "cited": [i for i in theirs if i.pk in cited_ids],
            "not_cited": [i for i in theirs if i.pk not in cited_ids],
            "heard": heard,
        },
    )
    return True
