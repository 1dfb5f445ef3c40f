"""The pack as a list of sections, each built from its own inputs and with its own digest.

Front matter (cover, key figures, contents), one section per theme (inside it, by region) and
the annexes. A section's digest covers everything it shows, so a later step can render sections
on several workers and reuse those whose inputs did not change; the pack's content hash combines
the digests with the filters and the template version.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.enums import Language
from interventions.enums import Channel, Credit, InterventionKind
from interventions.models import Intervention, Region, Theme
from sessions_app.enums import StakeholderType

from .charts import bar_chart_svg
from .enums import MatrixView
from .matrix import EvidenceMatrix, build_matrix
from .selectors import PackInputs, describe_filters
from .selectors import digest_of as _digest

CO_LEADS = "OHCHR, ACT Alliance and APRRN, with the Network secretariat"


@dataclass
class InterventionEntry:
    """One intervention as the pack shows it."""

    intervention: Intervention
    title: str
    original_title: str
    english_text: str
    original_text: str
    translation_pending: bool
    language_name: str
    kind_label: str
    other_themes: list[str]
    regions: list[str]
    countries: list[str]
    stakeholder_type: str
    credit: str
    digest: str
    is_oral: bool = False
    # Named next to the input in a pack of several sessions.
    session_title: str = ""


@dataclass
class RegionGroup:
    key: str
    name: str
    entries: list[InterventionEntry] = field(default_factory=list)
    # The rest of a region begun in the previous section (no heading of its own).
    continued: bool = False


@dataclass
class Section:
    """One part of the pack: a template, the context it is rendered from, and their digest."""

    key: str
    title: str
    template: str
    context: dict
    digest: str
    intervention_count: int = 0
    # Extra context of this section only (shared contexts stay untouched).
    extra: dict = field(default_factory=dict)

    @property
    def is_contents(self) -> bool:
        """The contents: laid out last, once the other sections' page counts are known."""
        return self.key == "contents"

    def render(self, **context) -> SafeString:
        """The section's HTML (autoescaped template output)."""
        return render_to_string(self.template, {**self.context, **self.extra, **context})


def _label(choices, value: str, *, empty: str) -> str:
    if not value:
        return empty
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def build_entry(intervention: Intervention, *, with_session: bool = False) -> InterventionEntry:
    """What the pack shows of one intervention (themes and regions must be prefetched); with
    `with_session`, the session it was given for too."""
    is_english = intervention.language == Language.EN
    translation = intervention.english_text.strip()
    other_themes = [
        theme.name
        for theme in intervention.themes.all()
        if theme.pk != intervention.primary_theme_id
    ]
    entry = InterventionEntry(
        intervention=intervention,
        title=intervention.title
        if is_english
        else (intervention.english_title or intervention.title),
        original_title="" if is_english or not intervention.english_title else intervention.title,
        english_text=intervention.body if is_english else translation,
        original_text="" if is_english else intervention.body,
        translation_pending=not is_english and not translation,
        language_name=_label(Language, intervention.language, empty=_("Not stated")),
        kind_label=_label(InterventionKind, intervention.kind, empty=_("Not stated")),
        other_themes=other_themes,
        regions=[region.name for region in intervention.regions.all()],
        countries=[country.name for country in intervention.countries],
        stakeholder_type=_label(
            StakeholderType, intervention.stakeholder_type, empty=_("Not stated")
        ),
        credit=intervention.public_credit,
        digest="",
        is_oral=intervention.channel == Channel.ORAL,
        session_title=intervention.session.title if with_session else "",
    )
    entry.digest = _digest(
        [
            intervention.pk,
            intervention.updated_at.isoformat() if intervention.updated_at else "",
            entry.title,
            entry.original_title,
            entry.english_text,
            entry.original_text,
            intervention.language,
            entry.kind_label,
            entry.other_themes,
            entry.regions,
            entry.countries,
            entry.stakeholder_type,
            entry.credit,
            entry.is_oral,
            intervention.delivered_at.isoformat() if intervention.delivered_at else "",
            entry.session_title,
        ]
    )
    return entry


def _group_by_region(entries: list[InterventionEntry], regions: list[Region]) -> list[RegionGroup]:
    by_region = {region.pk: RegionGroup(key=region.slug, name=region.name) for region in regions}
    several = RegionGroup(key="several-regions", name=_("Across several regions"))
    unstated = RegionGroup(key="no-region", name=_("No region stated"))
    for entry in entries:
        placed = list(entry.intervention.regions.all())
        if len(placed) == 1 and placed[0].pk in by_region:
            by_region[placed[0].pk].entries.append(entry)
        elif placed:
            several.entries.append(entry)
        else:
            unstated.entries.append(entry)
    groups = [*by_region.values(), several, unstated]
    return [group for group in groups if group.entries]


def _chart_rows(counter: Counter, labels: list[tuple[str, str]]) -> list[tuple[str, int]]:
    return [(label, counter.get(key, 0)) for key, label in labels]


def build_front_matter(
    *, inputs: PackInputs, entries: list[InterventionEntry], theme_sections: list[Section]
) -> list[Section]:
    """Cover, contents, and key figures with charts: three sections sharing one context. A
    pack of several sessions names its series (when chosen from one) and each session on the
    cover."""
    session = inputs.session
    scope_sessions = [
        {
            "title": s.title,
            "starts_at": s.starts_at,
            "brief_title": s.brief_title,
            "is_held": s.is_held,
        }
        for s in inputs.sessions
    ]
    series = inputs.series
    brief_title = next((s["brief_title"] for s in scope_sessions if s["brief_title"]), "")
    by_region = Counter(
        region.slug for entry in entries for region in entry.intervention.regions.all()
    )
    by_theme = Counter(entry.intervention.primary_theme.slug for entry in entries)
    by_kind = Counter(entry.intervention.kind for entry in entries)
    by_stakeholder = Counter(entry.stakeholder_type for entry in entries)
    by_language = Counter(entry.language_name for entry in entries)
    region_rows = _chart_rows(by_region, [(r.slug, r.name) for r in inputs.regions])
    theme_rows = _chart_rows(
        by_theme, [(t.slug, t.name) for t in inputs.themes if t.is_active or by_theme.get(t.slug)]
    )
    kind_rows = _chart_rows(by_kind, [(k.value, str(k.label)) for k in InterventionKind])
    stakeholder_rows = sorted(by_stakeholder.items(), key=lambda item: (-item[1], item[0]))
    countries = {country for entry in entries for country in entry.countries}
    filters = describe_filters(
        filters=inputs.filters,
        theme_names={t.slug: t.name for t in inputs.themes},
        region_names={r.slug: r.name for r in inputs.regions},
    )
    figures = {
        "interventions": len(entries),
        "written": sum(1 for entry in entries if not entry.is_oral),
        "oral": sum(1 for entry in entries if entry.is_oral),
        "organizations": len(
            {
                e.intervention.credit_organization
                for e in entries
                # Only organizations their authors agreed to name are counted.
                if e.intervention.credit_organization
                and e.intervention.credit in (Credit.NAMED, Credit.ORGANIZATION)
            }
        ),
        "countries": len(countries),
        "languages": sorted(by_language.items()),
        "translations_pending": sum(1 for entry in entries if entry.translation_pending),
    }
    contents = [
        (section.key, section.title, section.intervention_count) for section in theme_sections
    ]
    held = inputs.held
    held_figures = None
    if held is not None:
        held_figures = {
            "confirmed": held.confirmed,
            "attendees": held.attendees,
            "speakers": held.speakers,
            "contributions": held.contributions,
            "languages": held.languages,
        }
    context = {
        "session": session,
        "is_combined": inputs.is_combined,
        "scope_sessions": scope_sessions,
        "series_title": str(series.title) if series is not None else "",
        "brief_title": brief_title,
        "co_leads": CO_LEADS,
        "held": held_figures,
        "filters": filters,
        "figures": figures,
        "region_rows": region_rows,
        "theme_rows": theme_rows,
        "kind_rows": kind_rows,
        "stakeholder_rows": stakeholder_rows,
        "contents": contents,
    }
    digest = _digest(
        [
            [s.pk for s in inputs.sessions],
            context["series_title"],
            [
                [s["title"], s["brief_title"], s["starts_at"].isoformat(), s["is_held"]]
                for s in scope_sessions
            ],
            session.organizers if session else "",
            [(name, list(values)) for name, values in filters],
            figures,
            held_figures,
            region_rows,
            theme_rows,
            kind_rows,
            stakeholder_rows,
            contents,
        ]
    )
    return [
        Section(
            key="cover",
            title=_("Cover"),
            template="briefs/pdf/cover.html",
            context=context,
            digest=digest,
        ),
        Section(
            key="contents",
            title=_("Contents"),
            template="briefs/pdf/contents.html",
            context=context,
            digest=_digest([contents, [(name, list(values)) for name, values in filters]]),
        ),
        Section(
            key="figures",
            title=_("Key figures"),
            template="briefs/pdf/figures.html",
            context=context,
            digest=digest,
        ),
    ]


def attach_charts(section: Section) -> None:
    """Draw the key-figure charts of the front matter (kept out of the digest: derived data)."""
    context = section.context
    rows = [
        (_("Inputs by region"), context["region_rows"]),
        (_("Inputs by primary theme"), context["theme_rows"]),
        (_("Inputs by type"), context["kind_rows"]),
        (_("Inputs by stakeholder type"), context["stakeholder_rows"]),
    ]
    context["charts"] = [(title, bar_chart_svg(title=title, items=items)) for title, items in rows]


def _split_groups(groups: list[RegionGroup], *, max_inputs: int) -> list[list[RegionGroup]]:
    """The region groups of a theme of more than `max_inputs` inputs, one section each, a
    group larger than that cut into pieces of `max_inputs` (each after the first continuing
    it); a smaller theme stays whole. One more input then changes one section only."""
    if sum(len(group.entries) for group in groups) <= max_inputs:
        return [groups]
    runs = []
    for group in groups:
        for start in range(0, len(group.entries), max_inputs):
            runs.append(
                [
                    RegionGroup(
                        key=group.key,
                        name=group.name,
                        entries=group.entries[start : start + max_inputs],
                        continued=start > 0,
                    )
                ]
            )
    return runs


def build_theme_sections(
    *,
    theme: Theme,
    entries: list[InterventionEntry],
    regions: list[Region],
    number: int,
    max_inputs: int,
) -> list[Section]:
    """A theme's inputs by region: one section, or, for a theme of more than `max_inputs`
    inputs, one per region, so that no section dwarfs the others. Each section after the
    first starts a page and names the theme in the running header."""
    runs = _split_groups(_group_by_region(entries, regions), max_inputs=max_inputs)
    sections = []
    for index, groups in enumerate(runs):
        sections.append(
            Section(
                key=f"theme-{theme.slug}" if index == 0 else f"theme-{theme.slug}-{index + 1}",
                title=theme.name,
                template="briefs/pdf/theme.html",
                context={
                    "theme": theme,
                    "number": number,
                    "groups": groups,
                    "count": len(entries),
                    "continued": index > 0,
                },
                # The theme's heading and count show in its first section only.
                digest=_digest(
                    [theme.slug, theme.name, number, index]
                    + ([theme.description, len(entries)] if index == 0 else [])
                    + [[g.key, g.name, g.continued, [e.digest for e in g.entries]] for g in groups]
                ),
                intervention_count=len(entries) if index == 0 else 0,
            )
        )
    return sections


def _matrix_digest(matrix: EvidenceMatrix) -> list:
    return [
        matrix.columns,
        [
            [
                row.key,
                row.name,
                [
                    [
                        cell.references,
                        [
                            [q.pk, q.text, q.source_changed, [c.name for c in q.codes.all()]]
                            for q in cell.quotes
                        ],
                    ]
                    for cell in row.cells
                ],
            ]
            for row in matrix.rows
        ],
    ]


def build_annexes(*, inputs: PackInputs, entries: list[InterventionEntry]) -> Section:
    """Participating organizations, the evidence matrix (theme × code) of the pack's inputs
    with its quotes, and the note on method."""
    session_titles = [s.title for s in inputs.sessions]
    matrix = build_matrix(
        view=MatrixView.THEME_CODE,
        interventions=inputs.interventions,
        quotes=inputs.quotes,
        themes=inputs.themes,
        regions=inputs.regions,
        codes=inputs.codes,
    )
    filters = describe_filters(
        filters=inputs.filters,
        theme_names={t.slug: t.name for t in inputs.themes},
        region_names={r.slug: r.name for r in inputs.regions},
    )
    context = {
        "session": inputs.session,
        "session_titles": session_titles,
        "is_combined": inputs.is_combined,
        "organizations": inputs.organizations,
        "intervention_count": len(entries),
        "matrix": matrix,
        "filters": filters,
    }
    return Section(
        key="annexes",
        title=_("Annexes"),
        template="briefs/pdf/annexes.html",
        context=context,
        digest=_digest(
            [
                inputs.organizations,
                len(entries),
                session_titles,
                _matrix_digest(matrix),
                [(name, list(values)) for name, values in filters],
            ]
        ),
    )


def build_sections(*, inputs: PackInputs, max_inputs: int | None = None) -> list[Section]:
    """The sections of a pack, in order: cover, contents, key figures, each theme with inputs
    (a theme of more than `max_inputs` inputs, PACK_SECTION_MAX_INPUTS by default, split by
    region), annexes.

    In a pack of several sessions the themes gather the inputs of every session, each input
    naming its session."""
    max_inputs = max_inputs or settings.PACK_SECTION_MAX_INPUTS
    entries = [
        build_entry(intervention, with_session=inputs.is_combined)
        for intervention in inputs.interventions
    ]
    by_theme: dict[int, list[InterventionEntry]] = {}
    for entry in entries:
        by_theme.setdefault(entry.intervention.primary_theme_id, []).append(entry)
    themes = list(inputs.themes)
    known = {theme.pk for theme in themes}
    themes += sorted(
        {
            e.intervention.primary_theme
            for e in entries
            if e.intervention.primary_theme_id not in known
        },
        key=lambda theme: (theme.order, theme.slug),
    )
    theme_sections: list[list[Section]] = []
    for theme in themes:
        if theme.pk in by_theme:
            theme_sections.append(
                build_theme_sections(
                    theme=theme,
                    entries=by_theme[theme.pk],
                    regions=inputs.regions,
                    number=len(theme_sections) + 1,
                    max_inputs=max_inputs,
                )
            )
    front = build_front_matter(
        inputs=inputs, entries=entries, theme_sections=[parts[0] for parts in theme_sections]
    )
    themes_flat = [section for parts in theme_sections for section in parts]
    return [*front, *themes_flat, build_annexes(inputs=inputs, entries=entries)]


# The running header has room for this many characters of the filter.
SCOPE_MAX_CHARS = 90


def describe_scope(filters: list[tuple[str, list[str]]]) -> str:
    """A filtered pack's filter in one short line for the running header ("" if none)."""
    text = "; ".join(f"{heading}: {', '.join(names)}" for heading, names in filters)
    if len(text) > SCOPE_MAX_CHARS:
        text = text[: SCOPE_MAX_CHARS - 1].rstrip(" ,;") + "…"
    return text


def prepare_sections(*, sections: list[Section], generated_at: datetime) -> None:
    """Give the cover its time of generation (in its digest too, since it shows it) and the
    key figures their charts."""
    for section in sections:
        if section.key == "cover":
            section.context["generated_at"] = generated_at
            section.digest = _digest([section.digest, generated_at.isoformat()])
        elif section.key == "figures":
            attach_charts(section)


def document_frame(*, inputs: PackInputs, sections: list[Section]) -> dict:
    """What frames every section of a pack: title, description and filter for the running
    header (see pack.html)."""
    session = inputs.session
    if session is not None:
        document_title = session.brief_title or session.title
        description = session.title
    else:
        titles = [s.title for s in inputs.sessions]
        series = inputs.series
        document_title = next((s.brief_title for s in inputs.sessions if s.brief_title), "") or (
            str(series.title) if series is not None else "; ".join(titles)
        )
        description = "; ".join(titles)
    return {
        "scope": describe_scope(sections[0].context["filters"]) if sections else "",
        "session": session,
        "document_title": document_title,
        "description": description,
    }


def frame_html(*, frame: dict, rendered: list[str], generated_at: datetime) -> str:
    """A complete HTML document of the pack holding the `rendered` sections."""
    return render_to_string(
        "briefs/pdf/pack.html", {**frame, "sections": rendered, "generated_at": generated_at}
    )


def render_document(*, inputs: PackInputs, sections: list[Section], generated_at: datetime) -> str:
    """The complete HTML of the pack as one document: each section rendered from its own
    context, then framed (the single-document build, against which the sectioned one is
    measured and checked)."""
    prepare_sections(sections=sections, generated_at=generated_at)
    rendered = []
    for section in sections:
        rendered.append(section.render())
    return frame_html(
        frame=document_frame(inputs=inputs, sections=sections),
        rendered=rendered,
        generated_at=generated_at,
    )
