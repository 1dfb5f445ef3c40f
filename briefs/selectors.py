"""Reads for input packs: the inputs a pack is built from, and the packs themselves."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from interventions.enums import InterventionKind, InterventionStatus
from interventions.models import AnalysisCode, Intervention, Quote, Region, Theme
from interventions.selectors import filter_public_approved_interventions, has_theme
from sessions_app.enums import FloorRequestStatus, RegistrationStatus, SessionStatus, SkipReason
from sessions_app.models import FloorRequest, ListeningSession, Registration, Series
from sessions_app.selectors import HeldReport, get_held_report

from .enums import MatrixView
from .matrix import EvidenceMatrix, build_matrix
from .models import BriefPack, PolicyBrief

# Bump when the templates or the CSS change what a pack looks like: old packs are not reused.
PACK_TEMPLATE_VERSION = "2026-11-28.6"


def digest_of(value: object) -> str:
    """A stable SHA-256 of a JSON-able value (keys sorted)."""
    payload = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class PackFilters:
    """The filters of a pack: slugs of themes and regions, and intervention kinds (sorted)."""

    themes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @classmethod
    def build(cls, *, themes=(), regions=(), kinds=()) -> "PackFilters":
        return cls(
            themes=tuple(sorted(set(themes))),
            regions=tuple(sorted(set(regions))),
            kinds=tuple(sorted(set(kinds))),
        )

    @classmethod
    def from_json(cls, data: dict) -> "PackFilters":
        data = data or {}
        return cls.build(
            themes=data.get("themes", ()),
            regions=data.get("regions", ()),
            kinds=data.get("kinds", ()),
        )

    def as_json(self) -> dict:
        return {
            "themes": list(self.themes),
            "regions": list(self.regions),
            "kinds": list(self.kinds),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.themes or self.regions or self.kinds)


@dataclass(frozen=True)
class PackScope:
    """What a pack covers: one session, or several sessions (chosen from a series, or ticked
    together), in the order they were held."""

    sessions: tuple[ListeningSession, ...]
    series: Series | None = None

    @classmethod
    def build(
        cls,
        *,
        session: ListeningSession | None = None,
        sessions: Iterable[ListeningSession] = (),
        series: Series | None = None,
    ) -> "PackScope":
        chosen = {s.pk: s for s in ([session] if session is not None else sessions)}
        ordered = tuple(sorted(chosen.values(), key=lambda s: (s.starts_at, s.pk)))
        return cls(sessions=ordered, series=series if len(ordered) > 1 else None)

    @property
    def session(self) -> ListeningSession | None:
        """The session of a single-session pack; None for a pack of several."""
        return self.sessions[0] if len(self.sessions) == 1 else None

    @property
    def is_combined(self) -> bool:
        return len(self.sessions) > 1

    @property
    def session_ids(self) -> list[int]:
        return [s.pk for s in self.sessions]

    def fingerprint(self) -> list:
        """What the scope contributes to a pack's content hash."""
        sessions = [[s.pk, s.updated_at] for s in self.sessions]
        if self.series is None:
            return sessions
        with translation.override("en"):
            series = [self.series.pk, str(self.series.title), self.series.description]
        return [sessions, series]


def pack_scope_of(pack: BriefPack) -> PackScope:
    """The scope a stored pack covers (one query for a pack of several sessions)."""
    if pack.session_id:
        return PackScope.build(session=pack.session)
    return PackScope.build(sessions=list(pack.sessions.all()), series=pack.series)


def _scope(
    scope: PackScope | None, session: ListeningSession | None
) -> PackScope:  # the single-session callers pass `session`
    if scope is not None:
        return scope
    if session is None:
        raise TypeError("A pack needs a session or a scope.")
    return PackScope.build(session=session)


@dataclass
class PackInputs:
    """Everything a pack shows, read in a fixed number of queries whatever its size."""

    session: ListeningSession | None
    filters: PackFilters
    interventions: list[Intervention]
    themes: list[Theme]
    regions: list[Region]
    organizations: list[str] = field(default_factory=list)
    # The live session's figures (attendance, speakers), once it was held (single session).
    held: HeldReport | None = None
    scope: PackScope | None = None
    # Quotes of these interventions, with their codes, and the coding frame: the matrix annex.
    quotes: list[Quote] = field(default_factory=list)
    codes: list[AnalysisCode] = field(default_factory=list)

    @property
    def sessions(self) -> tuple[ListeningSession, ...]:
        return self.scope.sessions if self.scope else (self.session,)

    @property
    def series(self) -> Series | None:
        return self.scope.series if self.scope else None

    @property
    def is_combined(self) -> bool:
        return len(self.sessions) > 1


def filter_pack_interventions(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    scope: PackScope | None = None,
) -> QuerySet[Intervention]:
    """Approved interventions of the session (or the scope's sessions) matching the filters.

    A theme filter matches the primary theme or any other theme; a region filter matches any of
    the intervention's regions. Only approved interventions are ever returned.
    """
    scope = _scope(scope, session)
    qs = Intervention.objects.filter(
        session_id__in=scope.session_ids, status=InterventionStatus.APPROVED
    )
    if filters.themes:
        qs = qs.filter(has_theme(theme_slugs=filters.themes))
    if filters.regions:
        placed = Intervention.regions.through.objects.filter(
            region__slug__in=filters.regions
        ).values("intervention_id")
        qs = qs.filter(pk__in=placed)
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    return qs


# What an intervention row contributes to a pack's fingerprint: every column the pack shows
# except the texts, which `updated_at` stands for (texts only change through `save()`), and the
# credit columns, which the privacy tools change in bulk without touching `updated_at`.
FINGERPRINT_COLUMNS = (
    "pk",
    "updated_at",
    "channel",
    "delivered_at",
    "kind",
    "language",
    "primary_theme_id",
    "countries",
    "credit",
    "credit_name",
    "credit_organization",
    "stakeholder_type",
)


@dataclass(frozen=True)
class PackFingerprint:
    content_hash: str
    intervention_count: int


# Each row hashed by PostgreSQL from its columns' own values (no text made of them), the
# hashes combined whatever the rows' order, twice with different seeds: 128 bits in all.
DIGEST_SQL = (
    "SELECT count(*), coalesce(bit_xor(hash_record_extended(t, 0)), 0), "
    "coalesce(bit_xor(hash_record_extended(t, 1)), 0) FROM ({rows}) AS t"
)


def digest_rows(queryset: QuerySet) -> tuple[int, str]:
    """How many rows a `values_list` queryset gives, and a digest of them, in one query.

    On PostgreSQL the database hashes each row and combines the hashes (see DIGEST_SQL), so
    no row reaches Python whatever their number; rows are distinct (each has its primary key),
    so none cancels another out. Elsewhere the rows are read (in the queryset's order) and
    digested here. A digest is only compared with digests made by the same database (packs
    are built once again after a PostgreSQL upgrade that changes its hash functions).
    """
    if connection.vendor == "postgresql":
        sql, params = queryset.order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            # `sql` is Django's own compilation of the queryset, its values in `params`.
            cursor.execute(DIGEST_SQL.replace("{rows}", sql), params)
            count, first, second = cursor.fetchone()
        return count, f"{count}:{first:x}:{second:x}"
    rows = list(queryset)
    return len(rows), digest_of(rows)


def pack_fingerprint(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    scope: PackScope | None = None,
) -> PackFingerprint:
    """The content hash of the pack `session` (or `scope`) + `filters` would give, without
    building it.

    Digests the matching interventions' small columns and tags, the listed organizations, the
    theme and region names, what the held session's figures are counted from, the quotes and
    codes of the evidence matrix, the sessions (and series) and the template version, in a
    fixed number of queries that read no intervention texts; on PostgreSQL the database
    digests the interventions, their tags and the registrations (see `digest_rows`), so the
    cost hardly grows with their number. Two requests for unchanged inputs get the same hash;
    any change to what the pack shows changes it.
    """
    scope = _scope(scope, session)
    interventions = filter_pack_interventions(scope=scope, filters=filters).order_by("pk")
    count, rows = digest_rows(interventions.values_list(*FINGERPRINT_COLUMNS))
    ids = interventions.order_by().values("pk")
    tags = [
        digest_rows(
            through.objects.filter(intervention_id__in=ids)
            .order_by("intervention_id", "pk")
            .values_list(*columns)
        )[1]
        for through, columns in (
            (Intervention.themes.through, ("intervention_id", "theme_id")),
            (Intervention.regions.through, ("intervention_id", "region_id")),
        )
    ]
    # The pack is English: read translated names as English whatever the page's language.
    with translation.override("en"):
        names = [
            list(model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.fields]))
            for model in (Theme, Region, AnalysisCode)
        ]
    single = scope.session
    content_hash = digest_of(
        [
            PACK_TEMPLATE_VERSION,
            single.pk if single else None,
            single.updated_at if single else None,
            scope.fingerprint() if scope.is_combined else None,
            single.status if single else None,
            filters.as_json(),
            rows,
            tags,
            names,
            digest_rows(_listed_organizations(scope=scope))[1],
            _held_inputs_digest(single) if single else None,
            _quotes_fingerprint(ids),
        ]
    )
    return PackFingerprint(content_hash=content_hash, intervention_count=count)


def _held_inputs_digest(session: ListeningSession) -> str:
    """A digest of what the held session's figures are counted from (its registrations and the
    outcomes of its floor requests), or "" when the pack shows no such figures: the session is
    not held and nobody attended or spoke. Two queries."""
    attendance = Registration.objects.filter(session=session)
    outcomes = FloorRequest.objects.filter(
        Q(status=FloorRequestStatus.DELIVERED) | Q(skip_reason=SkipReason.NOT_CONNECTED),
        session=session,
    ).order_by("pk")
    outcome_count, outcome_digest = digest_rows(
        outcomes.values_list("pk", "registration_id", "language", "status")
    )
    if (
        session.status != SessionStatus.HELD
        and not outcome_count
        and not attendance.filter(attended_at__isnull=False).exists()
    ):
        return ""
    _count, registrations = digest_rows(
        attendance.order_by("pk").values_list(
            "pk", "status", "region_id", "stakeholder_type", "attended_at"
        )
    )
    return digest_of([registrations, outcome_digest])


def _quotes_fingerprint(ids: QuerySet) -> list:
    """The coded quotes of the matching interventions, as the matrix annex shows them (the
    passage itself included: it is short), in one query. A quote without a code shows nowhere
    in the annex."""
    return list(
        Quote.codes.through.objects.filter(quote__intervention_id__in=ids)
        .order_by("quote_id", "analysiscode_id")
        .values_list(
            "quote_id", "quote__intervention_id", "quote__source", "quote__text", "analysiscode_id"
        )
    )


def _listed_organizations(*, scope: PackScope) -> QuerySet:
    """Organizations of confirmed registrants who agreed to be listed (may repeat)."""
    return (
        Registration.objects.filter(
            session_id__in=scope.session_ids,
            status=RegistrationStatus.CONFIRMED,
            consent_to_be_listed=True,
        )
        .exclude(organization="")
        .order_by("organization")
        .values_list("organization", flat=True)
    )


def get_pack_inputs(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    scope: PackScope | None = None,
) -> PackInputs:
    """Read what a pack of `session` (or of the scope's sessions) with `filters` contains, in a
    fixed number of queries whatever the size.

    Interventions come with their primary theme, other themes and regions (and, for several
    sessions, grouped by theme across them, each knowing its session); organizations are those
    of confirmed registrations that consented to be listed (distinct, sorted); `held` is the
    held report when a single session's live part produced figures.
    """
    scope = _scope(scope, session)
    single = scope.session
    by_id = {s.pk: s for s in scope.sessions}
    interventions = list(
        filter_pack_interventions(scope=scope, filters=filters)
        .select_related("primary_theme")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order", "slug")),
            Prefetch("regions", queryset=Region.objects.order_by("order", "slug")),
        )
        .order_by("created_at", "id")
    )
    for intervention in interventions:
        # The scope's own session objects: no query per input to name its session.
        intervention.session = by_id[intervention.session_id]
    organizations = _listed_organizations(scope=scope).distinct()
    distinct_organizations = {" ".join(name.split()) for name in organizations}
    quotes = _read_quotes(
        interventions=interventions,
        ids=filter_pack_interventions(scope=scope, filters=filters).values("pk"),
    )
    return PackInputs(
        session=single,
        filters=filters,
        interventions=interventions,
        themes=list(Theme.objects.order_by("order", "slug")),
        regions=list(Region.objects.order_by("order", "slug")),
        organizations=sorted(distinct_organizations, key=lambda name: (name.casefold(), name)),
        held=_held_figures(single) if single else None,
        scope=scope,
        quotes=quotes,
        codes=list(AnalysisCode.objects.order_by("order", "slug")),
    )


def _held_figures(session: ListeningSession) -> HeldReport | None:
    report = get_held_report(session=session)
    return report if report.has_live_data or session.status == SessionStatus.HELD else None


def list_pack_sessions() -> QuerySet[ListeningSession]:
    """Non-draft sessions with their number of approved interventions and packs, newest first."""
    return (
        ListeningSession.objects.exclude(status=SessionStatus.DRAFT)
        .annotate(
            approved_count=Count(
                "interventions",
                filter=Q(interventions__status=InterventionStatus.APPROVED),
                distinct=True,
            ),
            pack_count=Count("brief_packs", distinct=True),
        )
        .order_by("-starts_at", "pk")
    )


def get_pack_session(*, slug: str) -> ListeningSession:
    """The non-draft session with this slug; raises ListeningSession.DoesNotExist otherwise."""
    return ListeningSession.objects.exclude(status=SessionStatus.DRAFT).get(slug=slug)


def list_pack_series() -> QuerySet[Series]:
    """Every series with its number of public sessions and of packs, by title."""
    return Series.objects.annotate(
        session_count=Count(
            "sessions", filter=~Q(sessions__status=SessionStatus.DRAFT), distinct=True
        ),
        pack_count=Count("brief_packs", distinct=True),
    ).order_by("title", "pk")


def get_pack_series(*, slug: str) -> Series:
    """The series with this slug; raises Series.DoesNotExist."""
    return Series.objects.get(slug=slug)


def list_series_sessions(*, series: Series) -> QuerySet[ListeningSession]:
    """The public sessions of a series, in the order they are held."""
    return (
        ListeningSession.objects.filter(series=series)
        .exclude(status=SessionStatus.DRAFT)
        .order_by("starts_at", "pk")
    )


def list_public_pack_sessions() -> QuerySet[ListeningSession]:
    """Every public session, in the order they are held (to choose several for one pack)."""
    return ListeningSession.objects.exclude(status=SessionStatus.DRAFT).order_by("starts_at", "pk")


def list_combined_packs(*, series: Series | None = None) -> QuerySet[BriefPack]:
    """Packs of several sessions: those chosen from `series`, or, without one, those of
    sessions ticked together. Newest first, with who requested them and their sessions."""
    return (
        BriefPack.objects.filter(session__isnull=True, series=series)
        .select_related("requested_by", "series")
        .prefetch_related(
            Prefetch("sessions", queryset=ListeningSession.objects.order_by("starts_at", "pk"))
        )
        .order_by("-created_at", "-id")
    )


def list_session_packs(*, session: ListeningSession) -> QuerySet[BriefPack]:
    """The packs of a session, newest first, with who requested them."""
    return (
        BriefPack.objects.filter(session=session)
        .select_related("requested_by", "session")
        .order_by("-created_at", "-id")
    )


def get_pack(*, pack_id: int) -> BriefPack:
    """One pack with its session (or series and sessions); raises BriefPack.DoesNotExist."""
    return (
        BriefPack.objects.select_related("session", "series", "requested_by")
        .prefetch_related(
            Prefetch("sessions", queryset=ListeningSession.objects.order_by("starts_at", "pk"))
        )
        .get(pk=pack_id)
    )


def describe_filters(
    *, filters: PackFilters, theme_names: dict[str, str], region_names: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """A pack's filters as readable (heading, names) pairs, leaving out empty ones: the one
    wording for the pack pages and the pack itself."""
    kinds = dict(InterventionKind.choices)
    described = [
        (_("Themes"), [str(theme_names.get(slug, slug)) for slug in filters.themes]),
        (_("Regions"), [str(region_names.get(slug, slug)) for slug in filters.regions]),
        (_("Types"), [str(kinds.get(kind, kind)) for kind in filters.kinds]),
    ]
    return [(heading, names) for heading, names in described if names]


def label_pack_filters(*, packs: list[BriefPack]) -> list[BriefPack]:
    """Set `filter_labels` on each pack: its filters as readable names (two queries in all).

    Each label is (heading, names); a pack without filters gets an empty list.
    """
    theme_names = dict(Theme.objects.values_list("slug", "name"))
    region_names = dict(Region.objects.values_list("slug", "name"))
    for pack in packs:
        pack.filter_labels = describe_filters(
            filters=PackFilters.from_json(pack.filters),
            theme_names=theme_names,
            region_names=region_names,
        )
    return packs


# ---------------------------------------------------------------------------------------------
# Published briefs and the public "What we heard" page
# ---------------------------------------------------------------------------------------------


def list_policy_briefs(
    *, series: Series | None = None, session: ListeningSession | None = None
) -> QuerySet[PolicyBrief]:
    """The briefs recorded on `series` or on `session`, newest first, with their citations."""
    return (
        PolicyBrief.objects.filter(series=series, session=session)
        .select_related("series", "session")
        .annotate(cited_count=Count("cited", distinct=True))
        .order_by("-published_on", "-id")
    )


def get_policy_brief(*, pk: int) -> PolicyBrief:
    """One brief with its series or session; raises PolicyBrief.DoesNotExist."""
    return PolicyBrief.objects.select_related("series", "session").get(pk=pk)


def cited_references(*, brief: PolicyBrief) -> str:
    """The source IDs a brief cites, as they are typed: "LS3-017, LS3-020"."""
    return ", ".join(brief.cited.order_by("reference").values_list("reference", flat=True))


def published_brief_for(*, session: ListeningSession) -> PolicyBrief | None:
    """The latest brief recorded on the session, else on its series; None before any."""
    scope = Q(session=session)
    if session.series_id:
        scope |= Q(series_id=session.series_id)
    return PolicyBrief.objects.filter(scope).order_by("-published_on", "-id").first()


@dataclass
class WhatWeHeard:
    """What the public "What we heard" page shows of a held session."""

    session: ListeningSession
    # (theme, number of approved inputs under it as their primary theme), themes with inputs.
    themes: list[tuple[Theme, int]]
    approved_count: int
    # Approved inputs whose authors consented to publication, by primary theme.
    published: list[Intervention]
    brief: PolicyBrief | None


def get_heard_report(*, session: ListeningSession) -> WhatWeHeard:
    """The themes of a session's approved inputs with their counts, the approved inputs whose
    authors consented to publication (with themes and regions), and the published brief, in
    six queries whatever the number of inputs. Nothing else of an input is ever returned."""
    approved = Q(
        primary_interventions__session=session,
        primary_interventions__status=InterventionStatus.APPROVED,
    )
    themes = [
        (theme, theme.approved_count)
        for theme in Theme.objects.annotate(
            approved_count=Count("primary_interventions", filter=approved)
        )
        .filter(approved_count__gt=0)
        .order_by("order", "slug")
    ]
    published = list(
        Intervention.objects.filter(
            session=session, status=InterventionStatus.APPROVED, consent_to_publish=True
        )
        .select_related("primary_theme")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order", "slug")),
            Prefetch("regions", queryset=Region.objects.order_by("order", "slug")),
        )
        .order_by("primary_theme__order", "primary_theme__slug", "created_at", "pk")
    )
    return WhatWeHeard(
        session=session,
        themes=themes,
        approved_count=sum(count for _theme, count in themes),
        published=published,
        brief=published_brief_for(session=session),
    )


def _read_quotes(*, interventions: list[Intervention], ids: QuerySet) -> list[Quote]:
    """The quotes of `interventions` (whose ids `ids` selects) with their codes, in two
    queries; each quote points at the intervention object already read."""
    quotes = list(
        Quote.objects.filter(intervention_id__in=ids)
        .prefetch_related(
            Prefetch("codes", queryset=AnalysisCode.objects.order_by("order", "slug"))
        )
        .order_by("intervention_id", "pk")
    )
    by_pk = {intervention.pk: intervention for intervention in interventions}
    kept = []
    for quote in quotes:
        if quote.intervention_id in by_pk:
            quote.intervention = by_pk[quote.intervention_id]
            kept.append(quote)
    return kept


def get_evidence_matrix(
    *,
    view: str = MatrixView.THEME_CODE,
    session: ListeningSession | None = None,
    series: Series | None = None,
) -> EvidenceMatrix:
    """The evidence matrix of the approved inputs of public sessions (or of one session, or of
    the sessions of one series), in eight queries whatever their number. Quotes of inputs that
    are no longer approved are left out."""
    selection = filter_public_approved_interventions(session=session, series=series)
    interventions = list(selection)
    quotes = _read_quotes(interventions=interventions, ids=selection.values("pk"))
    return build_matrix(
        view=view,
        interventions=interventions,
        quotes=quotes,
        themes=list(Theme.objects.order_by("order", "slug")),
        regions=list(Region.objects.order_by("order", "slug")),
        codes=list(AnalysisCode.objects.order_by("order", "slug")),
    )
