"""Reads for input packs: the inputs a pack is built from, and the packs themselves."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from interventions.enums import InterventionKind, InterventionStatus
from interventions.models import Intervention, Region, Theme
from sessions_app.enums import RegistrationStatus, SessionStatus
from sessions_app.models import ListeningSession, Registration

from .models import BriefPack


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


def filter_approved_interventions(
    *, session: ListeningSession, filters: PackFilters
) -> QuerySet[Intervention]:
    """Approved interventions of the session matching the filters.

    A theme filter matches the primary theme or any other theme; a region filter matches any of
    the intervention's regions. Only approved interventions are ever returned.
    """
    qs = Intervention.objects.filter(session=session, status=InterventionStatus.APPROVED)
    if filters.themes:
        tagged = Intervention.themes.through.objects.filter(theme__slug__in=filters.themes).values(
            "intervention_id"
        )
        qs = qs.filter(Q(primary_theme__slug__in=filters.themes) | Q(pk__in=tagged))
    if filters.regions:
        placed = Intervention.regions.through.objects.filter(
            region__slug__in=filters.regions
        ).values("intervention_id")
        qs = qs.filter(pk__in=placed)
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    return qs


def get_pack_inputs(*, session: ListeningSession, filters: PackFilters) -> PackInputs:
    """Read what a pack of `session` with `filters` contains (six queries, whatever the size).

    Interventions come with their primary theme, other themes and regions; organizations are
    those of confirmed registrations that consented to be listed (distinct, sorted).
    """
    interventions = list(
        filter_approved_interventions(session=session, filters=filters)
        .select_related("primary_theme")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order", "slug")),
            Prefetch("regions", queryset=Region.objects.order_by("order", "slug")),
        )
        .order_by("created_at", "id")
    )
    organizations = (
        Registration.objects.filter(
            session=session,
            status=RegistrationStatus.CONFIRMED,
            consent_to_be_listed=True,
        )
        .exclude(organization="")
        .values_list("organization", flat=True)
        .distinct()
    )
    distinct_organizations = {" ".join(name.split()) for name in organizations}
    return PackInputs(
        session=session,
        filters=filters,
        interventions=interventions,
        themes=list(Theme.objects.order_by("order", "slug")),
        regions=list(Region.objects.order_by("order", "slug")),
        organizations=sorted(distinct_organizations, key=lambda name: (name.casefold(), name)),
    )


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


def label_pack_filters(*, packs: list[BriefPack]) -> list[BriefPack]:
    """Set `filter_labels` on each pack: its filters as readable names (two queries in all).

    Each label is (heading, names); a pack without filters gets an empty list.
    """
    themes = dict(Theme.objects.values_list("slug", "name"))
    regions = dict(Region.objects.values_list("slug", "name"))
    kinds = dict(InterventionKind.choices)
    headings = {"themes": _("Themes"), "regions": _("Regions"), "kinds": _("Types")}
    names = {"themes": themes, "regions": regions, "kinds": kinds}
    for pack in packs:
        filters = PackFilters.from_json(pack.filters).as_json()
        pack.filter_labels = [
            (headings[key], [str(names[key].get(value, value)) for value in values])
            for key, values in filters.items()
            if values
        ]
    return packs
