"""Reads for input packs: the inputs a pack is built from, and the packs themselves."""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from interventions.enums import InterventionKind, InterventionStatus
from interventions.models import Intervention, Region, Theme
from interventions.selectors import has_theme
from sessions_app.enums import RegistrationStatus, SessionStatus
from sessions_app.models import ListeningSession, Registration
from sessions_app.selectors import HeldReport, get_held_report

from .models import BriefPack

# Bump when the templates or the CSS change what a pack looks like: old packs are not reused.
PACK_TEMPLATE_VERSION = "2026-11-28.4"


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


@dataclass
class PackInputs:
    """Everything a pack shows, read in a fixed number of queries whatever its size."""

    session: ListeningSession
    filters: PackFilters
    interventions: list[Intervention]
    themes: list[Theme]
    regions: list[Region]
    organizations: list[str] = field(default_factory=list)
    # The live session's figures (attendance, speakers), once it was held.
    held: HeldReport | None = None


def filter_pack_interventions(
    *, session: ListeningSession, filters: PackFilters
) -> QuerySet[Intervention]:
    """Approved interventions of the session matching the filters.

    A theme filter matches the primary theme or any other theme; a region filter matches any of
    the intervention's regions. Only approved interventions are ever returned.
    """
    qs = Intervention.objects.filter(session=session, status=InterventionStatus.APPROVED)
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


def pack_fingerprint(*, session: ListeningSession, filters: PackFilters) -> PackFingerprint:
    """The content hash of the pack `session` + `filters` would give, without building it.

    Digests the matching interventions' small columns and tags, the listed organizations, the
    theme and region names, the held session's figures, the session and the template version,
    in seven queries that read no texts. Two requests for unchanged inputs get the same hash;
    any change to what the pack shows changes it.
    """
    interventions = filter_pack_interventions(session=session, filters=filters).order_by("pk")
    rows = list(interventions.values_list(*FINGERPRINT_COLUMNS))
    ids = interventions.values("pk")
    tags = [
        list(
            through.objects.filter(intervention_id__in=ids)
            .order_by("intervention_id", "pk")
            .values_list(*columns)
        )
        for through, columns in (
            (Intervention.themes.through, ("intervention_id", "theme_id")),
            (Intervention.regions.through, ("intervention_id", "region_id")),
        )
    ]
    # The pack is English: read translated names as English whatever the page's language.
    with translation.override("en"):
        names = [
            list(model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.fields]))
            for model in (Theme, Region)
        ]
    content_hash = digest_of(
        [
            PACK_TEMPLATE_VERSION,
            session.pk,
            session.updated_at,
            filters.as_json(),
            rows,
            tags,
            names,
            list(_listed_organizations(session=session)),
            _held_fingerprint(session),
        ]
    )
    return PackFingerprint(content_hash=content_hash, intervention_count=len(rows))


def _listed_organizations(*, session: ListeningSession) -> QuerySet:
    """Organizations of confirmed registrants who agreed to be listed (may repeat)."""
    return (
        Registration.objects.filter(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            consent_to_be_listed=True,
        )
        .exclude(organization="")
        .order_by("organization")
        .values_list("organization", flat=True)
    )


def get_pack_inputs(*, session: ListeningSession, filters: PackFilters) -> PackInputs:
    """Read what a pack of `session` with `filters` contains (nine queries, whatever the size).

    Interventions come with their primary theme, other themes and regions; organizations are
    those of confirmed registrations that consented to be listed (distinct, sorted); `held` is
    the held report when the session's live part produced figures.
    """
    interventions = list(
        filter_pack_interventions(session=session, filters=filters)
        .select_related("primary_theme")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order", "slug")),
            Prefetch("regions", queryset=Region.objects.order_by("order", "slug")),
        )
        .order_by("created_at", "id")
    )
    organizations = _listed_organizations(session=session).distinct()
    distinct_organizations = {" ".join(name.split()) for name in organizations}
    return PackInputs(
        session=session,
        filters=filters,
        interventions=interventions,
        themes=list(Theme.objects.order_by("order", "slug")),
        regions=list(Region.objects.order_by("order", "slug")),
        organizations=sorted(distinct_organizations, key=lambda name: (name.casefold(), name)),
        held=_held_figures(session),
    )


def _held_fingerprint(session: ListeningSession) -> dict | None:
    held = _held_figures(session)
    return None if held is None else asdict(held)


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


def list_session_packs(*, session: ListeningSession) -> QuerySet[BriefPack]:
    """The packs of a session, newest first, with who requested them."""
    return (
        BriefPack.objects.filter(session=session)
        .select_related("requested_by", "session")
        .order_by("-created_at", "-id")
    )


def get_pack(*, pack_id: int) -> BriefPack:
    """One pack with its session; raises BriefPack.DoesNotExist."""
    return BriefPack.objects.select_related("session", "requested_by").get(pk=pack_id)


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
