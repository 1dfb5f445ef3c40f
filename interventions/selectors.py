"""Reads for interventions: what an author, the secretariat and Working Group 3 may see."""

import uuid
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from core.enums import Language
from sessions_app.enums import (
    INACTIVE_REGISTRATION,
    AgendaItemKind,
    FloorRequestOrigin,
    FloorRequestStatus,
    SessionStatus,
)
from sessions_app.models import FloorRequest, ListeningSession, Registration

from .enums import CLOSED_TO_WRITING, Channel, InterventionKind
from .enums import InterventionStatus as S
from .models import Intervention, InterventionCorrection, InterventionStatusChange, Region, Theme


def is_registered_participant(
    *, user: AbstractBaseUser | AnonymousUser, session: ListeningSession
) -> bool:
    """Whether `user` holds a registration for `session` that is neither declined nor
    cancelled (pending and waitlisted participants may write too)."""
    if not user.is_authenticated:
        return False
    return (
        Registration.objects.filter(user=user, session=session)
        .exclude(status__in=INACTIVE_REGISTRATION)
        .exists()
    )


def has_theme(*, theme_slugs: Iterable[str]) -> Q:
    """Interventions whose primary theme or any other theme is one of `theme_slugs`: the one
    definition of "matches this theme" (lists, admin filter, packs)."""
    tagged = Intervention.themes.through.objects.filter(theme__slug__in=list(theme_slugs))
    return Q(primary_theme__slug__in=list(theme_slugs)) | Q(pk__in=tagged.values("intervention_id"))


def writing_blocker(
    *, session: ListeningSession, user: AbstractBaseUser | AnonymousUser
) -> str | None:
    """Why `user` may not write for `session` now, as a code, or None when they may.

    "anonymous", "closed" (a draft or held session takes no interventions) or
    "not_registered" (no registration, or a declined or cancelled one). Views, templates
    (`can_write`) and the intervention services all ask this.
    """
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    if session.status in CLOSED_TO_WRITING:
        return "closed"
    if not is_registered_participant(user=user, session=session):
        return "not_registered"
    return None


def list_oral_speakers(*, session: ListeningSession) -> dict[int, list[Intervention]]:
    """The approved interventions to be delivered orally in the session's open-floor agenda
    items, in speaking order, keyed by agenda item id (one query)."""
    speakers = (
        Intervention.objects.filter(
            agenda_item__session=session,
            status=S.APPROVED,
            deliver_orally=True,
            agenda_item__kind=AgendaItemKind.OPEN_FLOOR,
        )
        .only(
            "id",
            "agenda_item_id",
            "title",
            "credit",
            "credit_name",
            "credit_organization",
            "speaking_order",
        )
        .order_by(F("speaking_order").asc(nulls_last=True), "id")
    )
    by_item: dict[int, list[Intervention]] = {}
    for intervention in speakers:
        by_item.setdefault(intervention.agenda_item_id, []).append(intervention)
    return by_item


def list_sessions_open_for_writing(*, user: AbstractBaseUser) -> QuerySet[ListeningSession]:
    """Sessions taking interventions that `user` is a registered participant of, soonest
    first."""
    active = Registration.objects.filter(session=OuterRef("pk"), user=user).exclude(
        status__in=INACTIVE_REGISTRATION
    )
    return (
        ListeningSession.objects.exclude(status__in=CLOSED_TO_WRITING)
        .filter(Exists(active))
        .order_by("starts_at")
    )


def get_writable_session(*, slug: str) -> ListeningSession:
    """The session with this slug if it takes interventions; raises
    ListeningSession.DoesNotExist for drafts and held sessions."""
    return ListeningSession.objects.exclude(status__in=CLOSED_TO_WRITING).get(slug=slug)


def find_submitted_form(*, author: AbstractBaseUser, token: str) -> Intervention | None:
    """The author's intervention created from the form carrying `token`, if any."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return Intervention.objects.filter(submission_token=token, author=author).first()


def _history_prefetch() -> Prefetch:
    return Prefetch("history", queryset=InterventionStatusChange.objects.order_by("created_at"))


def list_author_interventions(*, author: AbstractBaseUser) -> QuerySet[Intervention]:
    """The author's own interventions, newest first, with what their list shows."""
    return (
        Intervention.objects.filter(author=author)
        .select_related("session", "primary_theme")
        .prefetch_related(_history_prefetch())
        .order_by("-created_at", "-id")
    )


def get_author_intervention(*, author: AbstractBaseUser, pk: int) -> Intervention:
    """One of the author's own interventions, with the corrections they proposed; raises
    Intervention.DoesNotExist for any other."""
    return (
        Intervention.objects.select_related("session", "primary_theme")
        .prefetch_related(
            "themes",
            "regions",
            _history_prefetch(),
            Prefetch("corrections", queryset=InterventionCorrection.objects.order_by("created_at")),
        )
        .get(pk=pk, author=author)
    )


# Statuses an author may edit in (a written intervention only: an oral one is corrected).
EDITABLE_STATUSES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
CORRECTABLE_STATUSES = frozenset({S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED})


def can_edit(*, intervention: Intervention) -> bool:
    """Whether its author may edit it: a written intervention, in draft or sent back."""
    return intervention.channel == Channel.WRITTEN and intervention.status in EDITABLE_STATUSES


def can_propose_correction(*, intervention: Intervention) -> bool:
    """Whether its speaker may propose a correction: the record of a spoken contribution, not
    rejected or withdrawn."""
    return intervention.channel == Channel.ORAL and intervention.status in CORRECTABLE_STATUSES


def get_recordable_floor_request(*, pk: int) -> FloorRequest | None:
    """A contribution the desk may record (delivered, asked during the session), with its
    session and registration; None otherwise."""
    return (
        FloorRequest.objects.select_related("session", "registration", "agenda_item")
        .filter(pk=pk, status=FloorRequestStatus.DELIVERED, origin=FloorRequestOrigin.ASKED)
        .first()
    )


def get_oral_record(*, floor_request: FloorRequest) -> Intervention | None:
    """The oral intervention recording this contribution, if it was recorded."""
    return Intervention.objects.filter(floor_request=floor_request, channel=Channel.ORAL).first()


def active_themes() -> QuerySet[Theme]:
    return Theme.objects.filter(is_active=True).order_by("order", "slug")


def active_regions() -> QuerySet[Region]:
    return Region.objects.filter(is_active=True).order_by("order", "slug")


def count_interventions_by_status() -> dict[str, int]:
    """How many interventions are in each status, every status present (0 when none)."""
    counts = dict(
        Intervention.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    return {status: counts.get(status, 0) for status in S.values}


def filter_public_approved_interventions(
    *,
    session: ListeningSession | None = None,
    region: Region | None = None,
    theme: Theme | None = None,
    kind: str = "",
    language: str = "",
    channel: str = "",
) -> QuerySet[Intervention]:
    """Approved interventions of public sessions matching every filter given.

    A theme matches an intervention's primary theme or any of its other themes.
    """
    qs = Intervention.objects.filter(status=S.APPROVED).exclude(session__status=SessionStatus.DRAFT)
    if session is not None:
        qs = qs.filter(session=session)
    if region is not None:
        qs = qs.filter(regions=region)
    if theme is not None:
        qs = qs.filter(has_theme(theme_slugs=[theme.slug]))
    if kind:
        qs = qs.filter(kind=kind)
    if language:
        qs = qs.filter(language=language)
    if channel:
        qs = qs.filter(channel=channel)
    return (
        qs.select_related("session", "primary_theme")
        .prefetch_related("themes", "regions")
        .order_by("session__starts_at", "primary_theme__order", "id")
    )


def count_approved_facets(*, interventions: QuerySet[Intervention]) -> dict[str, list[tuple]]:
    """Counts per region, theme, kind, language and channel of a selection, in four queries.

    Returns {"region": [(Region, n), …], "theme": [(Theme, n), …],
    "kind": [(value, label, n), …], "language": [(value, label, n), …],
    "channel": [(value, label, n), …]}, leaving out values with no intervention. A theme
    counts the interventions tagged with it, as primary or other theme.
    """
    ids = interventions.order_by().values("pk")
    region_counts = dict(
        Intervention.regions.through.objects.filter(intervention_id__in=ids)
        .values_list("region_id")
        .annotate(n=Count("intervention_id", distinct=True))
        .order_by()
    )
    tagged: dict[int, set[int]] = {}
    rows = list(
        interventions.order_by().values_list(
            "pk", "primary_theme_id", "kind", "language", "channel"
        )
    )
    for pk, theme_id, _kind, _language, _channel in rows:
        tagged.setdefault(theme_id, set()).add(pk)
    for pk, theme_id in Intervention.themes.through.objects.filter(
        intervention_id__in=ids
    ).values_list("intervention_id", "theme_id"):
        tagged.setdefault(theme_id, set()).add(pk)
    kinds = Counter(row[2] for row in rows)
    languages = Counter(row[3] for row in rows)
    channels = Counter(row[4] for row in rows)
    regions = Region.objects.filter(pk__in=region_counts).order_by("order", "slug")
    themes = Theme.objects.filter(pk__in=tagged).order_by("order", "slug")
    return {
        "region": [(r, region_counts[r.pk]) for r in regions],
        "theme": [(t, len(tagged[t.pk])) for t in themes],
        "kind": [(k.value, k.label, kinds[k.value]) for k in InterventionKind if kinds[k.value]],
        "language": [
            (lang.value, lang.label, languages[lang.value])
            for lang in Language
            if languages[lang.value]
        ],
        "channel": [(c.value, c.label, channels[c.value]) for c in Channel if channels[c.value]],
    }


def get_approved_intervention(*, pk: int) -> Intervention:
    """One approved intervention of a public session; raises DoesNotExist otherwise."""
    return filter_public_approved_interventions().get(pk=pk)
