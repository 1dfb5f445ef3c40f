"""Writes for input packs: request, build, fail, retry and re-queue.

The BriefPack row is the durable record of a request: it is saved before anything is sent to
the broker, so a broker outage leaves a queued pack that `requeue_stuck_packs` (Celery beat)
sends again. The task claims a pack with a conditional UPDATE, so a duplicate delivery does
nothing, and progress only moves forward.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from interventions.enums import InterventionKind
from interventions.models import Region, Theme
from sessions_app.models import ListeningSession

from .enums import PackStatus
from .models import BriefPack, pack_upload_to
from .pipeline import generate_pack_pdf
from .selectors import PackFilters, pack_fingerprint

logger = logging.getLogger(__name__)

BUILD_TASK = "briefs.tasks.task_build_brief_pack"
MAX_ATTEMPTS = 3
# A queued pack the broker took is sent again only after this long (workers may be busy).
RESEND_QUEUED_AFTER = timedelta(minutes=10)


@dataclass
class PackRequest:
    """What `request_brief_pack` did: the pack to show and how it got there."""

    pack: BriefPack
    reused: bool = False
    in_progress: bool = False
    enqueued: bool = False


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


def request_brief_pack(
    *,
    session: ListeningSession,
    user: AbstractBaseUser,
    themes: Iterable[str] = (),
    regions: Iterable[str] = (),
    kinds: Iterable[str] = (),
) -> PackRequest:
    """Ask for a pack of the session's approved interventions matching the filters.

    When a finished pack has the same content hash (same inputs, filters and template
    version) it is returned at once and nothing is rendered; an identical pack still queued
    or building is returned too (a double click asks once). Otherwise a queued BriefPack is
    saved and the build task is sent after commit. A broker failure is not an error: the pack
    stays queued (`enqueued` is False) and `requeue_stuck_packs` sends it later.
    Raises ValidationError for unknown themes, regions or kinds.
    """
    filters = validate_pack_filters(themes=themes, regions=regions, kinds=kinds)
    fingerprint = pack_fingerprint(session=session, filters=filters)
    content_hash = fingerprint.content_hash
    # The pack is English whatever the language of the page that asks for it.
    with translation.override("en"):
        waiting = _("waiting for a worker")
    outcome = PackRequest(pack=None)  # type: ignore[arg-type]
    with transaction.atomic():
        # Two identical requests at once (a double click) must not both build: the session
        # row serialises them, and the second finds the first one's pack.
        ListeningSession.objects.select_for_update().filter(pk=session.pk).first()
        same = BriefPack.objects.filter(session=session, content_hash=content_hash)
        finished = (
            same.filter(status=PackStatus.DONE).exclude(pdf="").order_by("-finished_at").first()
        )
        if finished is not None:
            return PackRequest(pack=finished, reused=True)
        pending = (
            same.filter(status__in=[PackStatus.QUEUED, PackStatus.RUNNING]).order_by("-id").first()
        )
        if pending is not None:
            return PackRequest(pack=pending, in_progress=True)
        outcome.pack = BriefPack.objects.create(
            session=session,
            requested_by=user,
            filters=filters.as_json(),
            content_hash=content_hash,
            intervention_count=fingerprint.intervention_count,
            stage=waiting,
        )
        pack_id = outcome.pack.pk
        transaction.on_commit(
            lambda: setattr(outcome, "enqueued", enqueue_brief_pack(pack_id=pack_id))
        )
    return outcome


def enqueue_brief_pack(*, pack_id: int) -> bool:
    """Send the build task for a queued pack; return whether the broker took it.

    Never raises for a broker failure: the pack keeps `enqueued_at` empty so that the next
    `requeue_stuck_packs` sends it again.
    """
    try:
        current_app.send_task(BUILD_TASK, kwargs={"pack_id": pack_id})
    except Exception as exc:  # any broker failure: the queued row is the durable record
        logger.warning("Broker unavailable, input pack %s stays queued: %s", pack_id, exc)
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(enqueued_at=None)
        return False
    BriefPack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(
        enqueued_at=timezone.now()
    )
    return True


def claim_brief_pack(*, pack_id: int) -> bool:
    """Move a queued pack to running (one conditional UPDATE); False when it was not queued.

    A duplicate delivery of the task, or a delivery for a pack already built, claims nothing.
    """
    return bool(
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(
            status=PackStatus.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            attempts=F("attempts") + 1,
            stage=_("collecting inputs"),
            error="",
        )
    )


class PackProgress:
    """Record a running pack's progress; a value lower than the stored one changes nothing."""

    def __init__(self, *, pack_id: int) -> None:
        self.pack_id = pack_id
        self.last = -1

    def __call__(self, progress: int, stage: str) -> None:
        if progress <= self.last:
            return
        self.last = progress
        BriefPack.objects.filter(
            pk=self.pack_id, status=PackStatus.RUNNING, progress__lt=progress
        ).update(progress=progress, stage=stage[:200])


def fail_brief_pack(*, pack_id: int, reason: str) -> bool:
    """Mark a running pack failed with a readable reason; no file is kept. False if not running."""
    return bool(
        BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
            status=PackStatus.FAILED,
            error=reason[:2000],
            stage=_("failed"),
            finished_at=timezone.now(),
            pdf="",
        )
    )


def build_brief_pack(*, pack_id: int, now: datetime | None = None) -> BriefPack:
    """Build a claimed (running) pack, store its PDF in private storage and mark it done.

    On any error, or when the soft time limit is reached, the pack is marked failed with a
    readable reason and no file is stored. A pack that is not running is left alone.
    """
    pack = BriefPack.objects.select_related("session").get(pk=pack_id)
    if pack.status != PackStatus.RUNNING:
        return pack
    try:
        generated = generate_pack_pdf(
            session=pack.session,
            filters=PackFilters.from_json(pack.filters),
            progress=PackProgress(pack_id=pack_id),
            now=now,
        )
    except SoftTimeLimitExceeded:
        minutes = max(1, round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60))
        fail_brief_pack(
            pack_id=pack_id,
            reason=ngettext(
                "The build took longer than the time limit of %(minutes)d minute. "
                "Try again, or narrow the pack with filters.",
                "The build took longer than the time limit of %(minutes)d minutes. "
                "Try again, or narrow the pack with filters.",
                minutes,
            )
            % {"minutes": minutes},
        )
        return BriefPack.objects.get(pk=pack_id)
    except Exception as exc:
        logger.exception("Input pack %s failed", pack_id)
        fail_brief_pack(
            pack_id=pack_id,
            reason=_("The PDF could not be built (%(error)s).")
            % {"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
        return BriefPack.objects.get(pk=pack_id)
    storage = BriefPack._meta.get_field("pdf").storage
    name = storage.save(
        pack_upload_to(pack, f"input-pack-{pack.pk}-{generated.content_hash[:10]}.pdf"),
        ContentFile(generated.pdf),
    )
    done = BriefPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
        status=PackStatus.DONE,
        pdf=name,
        progress=100,
        stage=_("ready"),
        page_count=generated.page_count,
        intervention_count=generated.intervention_count,
        content_hash=generated.content_hash,
        render_seconds=round(generated.seconds, 3),
        finished_at=timezone.now(),
        error="",
    )
    if not done:  # failed or re-queued meanwhile: keep no orphan file
        storage.delete(name)
    return BriefPack.objects.get(pk=pack_id)


def retry_brief_pack(*, pack: BriefPack, user: AbstractBaseUser) -> BriefPack:
    """Queue a failed pack again and send its task after commit.

    Raises ValidationError when the pack has not failed (a finished or running pack is not
    rebuilt). A broker failure leaves it queued for `requeue_stuck_packs`.
    """
    with transaction.atomic():
        updated = BriefPack.objects.filter(pk=pack.pk, status=PackStatus.FAILED).update(
            status=PackStatus.QUEUED,
            progress=0,
            stage=_("waiting for a worker"),
            error="",
            attempts=0,
            started_at=None,
            finished_at=None,
            enqueued_at=None,
        )
        if not updated:
            raise ValidationError(_("Only a failed pack can be tried again."))
        transaction.on_commit(lambda: enqueue_brief_pack(pack_id=pack.pk))
    pack.refresh_from_db()
    return pack


def requeue_stuck_packs(*, now: datetime | None = None) -> int:
    """Send again the packs that no worker is building; return how many were sent.

    Queued packs the broker never took (or took long ago) are sent again. Running packs
    started longer ago than the hard time limit belong to a worker that died: they go back to
    queued, or fail after MAX_ATTEMPTS starts.
    """
    now = now or timezone.now()
    dead_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    abandoned = BriefPack.objects.filter(status=PackStatus.RUNNING, started_at__lt=dead_before)
    abandoned.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=PackStatus.FAILED,
        error=_(
            "The build stopped without finishing %(attempts)d times (the worker was stopped "
            "or ran out of memory). Try again, or narrow the pack with filters."
        )
        % {"attempts": MAX_ATTEMPTS},
        stage=_("failed"),
        finished_at=now,
    )
    abandoned.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=PackStatus.QUEUED, enqueued_at=None, stage=_("waiting for a worker")
    )
    stuck = BriefPack.objects.filter(status=PackStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - RESEND_QUEUED_AFTER)
    )
    sent = 0
    for pack_id in stuck.order_by("created_at").values_list("pk", flat=True)[:200]:
        if not enqueue_brief_pack(pack_id=pack_id):
            break  # the broker is down: the next run tries again
        sent += 1
    return sent
