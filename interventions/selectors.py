"""Reads for interventions: what an author, the secretariat and Working Group 3 may see."""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Length, Replace
from django.utils.safestring import SafeString

from core.enums import Language
from sessions_app.enums import (
    INACTIVE_REGISTRATION,
    AgendaItemKind,
    FloorRequestOrigin,
    FloorRequestStatus,
    SessionStatus,
)
from sessions_app.models import FloorRequest, ListeningSession, Registration, Series

from .enums import CLOSED_TO_WRITING, ApprovedSort, Channel, InterventionKind, QuoteSource
from .enums import InterventionStatus as S
from .models import (
    AnalysisCode,
    Intervention,
    InterventionCorrection,
    InterventionStatusChange,
    Quote,
    Region,
    Theme,
)
from .search import mark_terms, marked_passage, marks_to_html, query_terms


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
            "reference",
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
    series: Series | None = None,
    region: Region | None = None,
    theme: Theme | None = None,
    kind: str = "",
    language: str = "",
    channel: str = "",
    query: str = "",
) -> QuerySet[Intervention]:
    """Approved interventions of public sessions matching every filter given, in the order
    of their sessions, then themes.

    A theme matches an intervention's primary theme or any of its other themes; `query`
    matches its title and text, original or English (see `matches_query`).
    """
    qs = Intervention.objects.filter(status=S.APPROVED).exclude(session__status=SessionStatus.DRAFT)
    if session is not None:
        qs = qs.filter(session=session)
    if series is not None:
        qs = qs.filter(session__series=series)
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
    if query_terms(query):
        qs = matching_query(interventions=qs, query=query)
    return (
        qs.select_related("session", "primary_theme")
        .prefetch_related("themes", "regions")
        .order_by("session__starts_at", "primary_theme__order", "id")
    )


class SearchDocument(Expression):
    """PostgreSQL's `search_document` column of interventions (a stored tsvector that
    migration 0006 adds and the model does not declare)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"{table}.search_document", []


# The configurations of migration 0006: the built-in ones, accents removed before stemming.
TEXT_SEARCH_CONFIGS = {
    Language.EN: "listening_english",
    Language.FR: "listening_french",
    Language.ES: "listening_spanish",
}


def _text_config() -> Case:
    """The configuration of an intervention's original texts: the one of its language."""
    return Case(
        *(When(language=lang, then=Value(config)) for lang, config in TEXT_SEARCH_CONFIGS.items()),
        default=Value(TEXT_SEARCH_CONFIGS[Language.EN]),
    )


def _search_query(query: str) -> SearchQuery:
    """`query` read as a web search (words, "a phrase", -excluded) in each of the three
    languages: a text matches when it matches in any of them."""
    combined = None
    for config in TEXT_SEARCH_CONFIGS.values():
        one = SearchQuery(query, config=config, search_type="websearch")
        combined = one if combined is None else combined | one
    return combined


def _uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def matching_query(*, interventions: QuerySet[Intervention], query: str) -> QuerySet[Intervention]:
    """Those of `interventions` whose title or text, original or English, matches `query`.

    PostgreSQL: its full-text search (stemmed in the text's language, accents ignored),
    through the GIN index. SQLite: every word of the query starts a word of the folded
    texts ("regul" and "regularisation" find "Régularisation").
    """
    if _uses_postgresql():
        return interventions.alias(search_document=SearchDocument()).filter(
            search_document=_search_query(query)
        )
    for term in query_terms(query):
        interventions = interventions.filter(search_text__contains=f" {term}")
    return interventions


def _rank(*, query: str):
    """How well an intervention matches `query` (higher first)."""
    if _uses_postgresql():
        return SearchRank(SearchDocument(), _search_query(query))
    # SQLite: how many times the words of the query start a word of the texts.
    total = Value(0)
    for term in query_terms(query):
        needle = f" {term}"
        occurrences = (
            Length("search_text") - Length(Replace("search_text", Value(needle), Value("")))
        ) / Value(len(needle))
        total = total + occurrences
    return total


# The texts of an intervention, read for the rows of a page only when searching (to
# highlight them).
TEXTS = ("body", "english_text")


def _translated(path: str) -> tuple[str, ...]:
    """A translated field (or one through a relation) and its column in each language (all
    read: modeltranslation falls back from one language to another)."""
    return (path, *(f"{path}_{language}" for language in Language.values))


# What a row of the list shows (templates/interventions/_approved_row.html): of its session
# only the title, of its primary theme only the name, not their long texts.
ROW_FIELDS = (
    "reference",
    "channel",
    "kind",
    "language",
    "title",
    "english_title",
    "credit",
    "credit_name",
    "credit_organization",
    *_translated("session__title"),
    *_translated("primary_theme__name"),
)

SORT_ORDERS = {
    ApprovedSort.SESSION: ("session__starts_at", "primary_theme__order", "id"),
    ApprovedSort.NEWEST: (F("decided_at").desc(nulls_last=True), "-id"),
    ApprovedSort.OLDEST: (F("decided_at").asc(nulls_last=True), "id"),
    ApprovedSort.RELEVANCE: (F("rank").desc(), "-id"),
}


def list_approved_ids(
    *, interventions: QuerySet[Intervention], query: str = "", sort: str = ""
) -> QuerySet:
    """The ids of `interventions` (a selection from `filter_public_approved_interventions`)
    sorted by `sort` (an ApprovedSort; by relevance when searching, by session otherwise).

    Only the ids and the sort keys are read: slicing it chooses a page without carrying any
    other column through the sort (relevance is ranked from the stored search document on
    PostgreSQL); `list_page_rows` then reads that page's rows.
    """
    searching = bool(query_terms(query))
    if not sort or (sort == ApprovedSort.RELEVANCE and not searching):
        sort = ApprovedSort.RELEVANCE if searching else ApprovedSort.SESSION
    qs = interventions.select_related(None).prefetch_related(None)
    if sort == ApprovedSort.RELEVANCE:
        qs = qs.alias(rank=_rank(query=query))
    return qs.order_by(*SORT_ORDERS[ApprovedSort(sort)]).values_list("pk", flat=True)


def list_page_rows(*, ids: list[int], query: str = "") -> list[Intervention]:
    """The interventions `ids` (a page), in that order, with what a row of the list shows:
    session, primary theme, other themes and regions (three queries, none for no ids).

    When `query` searches, their texts are read too and, on PostgreSQL, each row carries
    `searched_stems`, the text of the query PostgreSQL searched (for `highlight_interventions`).
    """
    if not ids:
        return []
    searching = bool(query_terms(query))
    rows = (
        Intervention.objects.filter(pk__in=ids)
        .select_related("session", "primary_theme")
        .prefetch_related(
            Prefetch(
                "themes", queryset=Theme.objects.only(*_translated("name")), to_attr="theme_list"
            ),
            Prefetch(
                "regions", queryset=Region.objects.only(*_translated("name")), to_attr="region_list"
            ),
        )
        .only(*ROW_FIELDS, *(TEXTS if searching else ()))
        .order_by()
    )
    if searching and _uses_postgresql():
        rows = rows.annotate(searched_stems=Cast(_search_query(query), TextField()))
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


@dataclass(frozen=True)
class Highlight:
    """What Working Group 3's list shows of a found intervention, matching words marked."""

    title: SafeString
    english_title: SafeString
    passage: SafeString
    passage_language: str


_LEXEME = re.compile(r"'((?:[^']|'')+)'")


def _highlight_terms(query: str, searched: str) -> list[str]:
    """The word starts to mark: the folded words of `query` and, on PostgreSQL, the stems its
    search looked for in each language, read from `searched`, the text of its tsquery (so
    "permits" marks "permit" too)."""
    terms = query_terms(query)
    for lexeme in _LEXEME.findall(searched):
        if lexeme not in terms:
            terms.append(lexeme)
    return terms


def highlight_interventions(
    *, interventions: Iterable[Intervention], query: str
) -> dict[int, Highlight]:
    """The titles of each of `interventions` (a page read by `list_page_rows` with the same
    `query`) and a passage where `query` matched, the matching words marked, escaped and
    safe to show; keyed by id. No query: the texts and stems searched came with the rows.

    The passage is taken from the English translation when it matches (what most of the
    working group reads), else from the original.
    """
    interventions = list(interventions)
    if not interventions or not query_terms(query):
        return {}
    terms = _highlight_terms(query, getattr(interventions[0], "searched_stems", None) or "")
    found = {}
    for intervention in interventions:
        language = intervention.language
        passage, passage_language = marked_passage(intervention.english_text, terms), "en"
        if not passage:
            passage, passage_language = marked_passage(intervention.body, terms), language
        found[intervention.pk] = Highlight(
            title=marks_to_html(mark_terms(intervention.title, terms)),
            english_title=marks_to_html(mark_terms(intervention.english_title, terms)),
            passage=marks_to_html(passage),
            passage_language=passage_language if passage else "",
        )
    return found


@dataclass(frozen=True)
class ApprovedFacets:
    """How many interventions a selection holds, in all and per value of each facet."""

    total: int
    region: list[tuple[Region, int]]
    theme: list[tuple[Theme, int]]
    kind: list[tuple[str, str, int]]
    language: list[tuple[str, str, int]]
    channel: list[tuple[str, str, int]]

    def __getitem__(self, name: str):
        return getattr(self, name)


def count_approved_facets(*, interventions: QuerySet[Intervention]) -> ApprovedFacets:
    """Counts of a selection: in all, and per region, theme, kind, language and channel, in
    one aggregate query over the selection (evaluated once, also for a search) plus two
    small ones for the regions' and themes' names: the cost does not grow with what Python
    reads. Values with no intervention are left out; a theme counts the interventions tagged
    with it, as primary or other theme (each once).
    """
    selection_sql, params = (
        interventions.order_by()
        .values_list("pk", "primary_theme_id", "kind", "language", "channel")
        .query.sql_with_params()
    )
    quote = connection.ops.quote_name
    themes_table = quote(Intervention.themes.through._meta.db_table)
    regions_table = quote(Intervention.regions.through._meta.db_table)
    # SQLite evaluates a CTE once per use unless told to keep it; PostgreSQL keeps a CTE
    # used several times by itself.
    materialized = "MATERIALIZED " if connection.vendor == "sqlite" else ""
    # The selection is grouped once by all its facets together (a few dozen combinations,
    # added up here) rather than once per facet. A plain COUNT(*) counts each intervention
    # once: the selection holds an intervention once, a link table a pair (intervention,
    # theme or region) once, and an other theme equal to the primary one is left to the
    # primary's count.
    sql = f"""
        WITH sel (id, theme_id, kind, language, channel) AS {materialized}({selection_sql})
        SELECT 'selection', theme_id, kind, language, channel, COUNT(*) FROM sel
            GROUP BY theme_id, kind, language, channel
        UNION ALL SELECT 'theme', t.theme_id, '', '', '', COUNT(*)
            FROM {themes_table} t JOIN sel ON sel.id = t.intervention_id
            WHERE t.theme_id <> sel.theme_id GROUP BY t.theme_id
        UNION ALL SELECT 'region', r.region_id, '', '', '', COUNT(*)
            FROM {regions_table} r JOIN sel ON sel.id = r.intervention_id GROUP BY r.region_id
    """  # noqa: S608  # nosec B608: table names from the models, values passed as parameters
    counts: dict[str, dict] = {"total": {"": 0}}

    def add(facet: str, value, n: int) -> None:
        by_value = counts.setdefault(facet, {})
        by_value[value] = by_value.get(value, 0) + n

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, pk, kind, language, channel, n in cursor.fetchall():
            add("theme" if part == "selection" else part, pk, n)
            if part == "selection":
                add("total", "", n)
                add("kind", kind, n)
                add("language", language, n)
                add("channel", channel, n)
    regions = Region.objects.filter(pk__in=list(counts.get("region", {})))
    themes = Theme.objects.filter(pk__in=list(counts.get("theme", {})))

    def choices(facet, enum):
        return [
            (c.value, c.label, counts[facet][c.value])
            for c in enum
            if counts.get(facet, {}).get(c.value)
        ]

    return ApprovedFacets(
        total=counts["total"][""],
        region=[(r, counts["region"][r.pk]) for r in regions.order_by("order", "slug")],
        theme=[(t, counts["theme"][t.pk]) for t in themes.order_by("order", "slug")],
        kind=choices("kind", InterventionKind),
        language=choices("language", Language),
        channel=choices("channel", Channel),
    )


@dataclass
class ApprovedListPage:
    """Everything Working Group 3's list shows: a page of rows (each with its `highlight`
    when searching) and the counts of the whole selection."""

    page: Page
    facets: ApprovedFacets


def approved_list_page(
    *, filters: dict, sort: str, page_number: int | str | None, page_size: int
) -> ApprovedListPage:
    """The page `page_number` (of `page_size` rows) of the approved interventions matching
    `filters` (as `filter_public_approved_interventions` takes them, `query` included),
    sorted by `sort`, with the counts of the whole selection.

    A fixed number of queries whatever the number of inputs: the search is evaluated once
    for the counts (which give the paginator its count) and once to choose the page's ids
    (sorted, ranked from the stored search document, reading no other column); only the
    page's rows are then read in full.
    """
    query = filters.get("query", "")
    selection = filter_public_approved_interventions(**filters)
    facets = count_approved_facets(interventions=selection)
    ordered = list_approved_ids(interventions=selection, query=query, sort=sort)
    paginator = Paginator(ordered, page_size)
    paginator.count = facets.total  # counted with the facets: not a second search
    page = paginator.get_page(page_number)
    page.object_list = list_page_rows(ids=list(page.object_list), query=query)
    highlights = highlight_interventions(interventions=page.object_list, query=query)
    for intervention in page.object_list:
        intervention.highlight = highlights.get(intervention.pk)
    return ApprovedListPage(page=page, facets=facets)


def get_approved_intervention(*, pk: int) -> Intervention:
    """One approved intervention of a public session; raises DoesNotExist otherwise."""
    return filter_public_approved_interventions().get(pk=pk)


# Quotes and the coding frame.


def quote_blocker(*, intervention: Intervention) -> str | None:
    """Why a passage of `intervention` may not be quoted, as a code, or None when it may:
    "not_approved" (only approved inputs of public sessions are quoted)."""
    if intervention.status != S.APPROVED or intervention.session.status == SessionStatus.DRAFT:
        return "not_approved"
    return None


def quote_sources(*, intervention: Intervention) -> list[tuple[str, str]]:
    """The texts of `intervention` a passage may be quoted from, as (value, label): its
    original, and its English translation when it has one (an English original has none)."""
    sources = [(QuoteSource.ORIGINAL.value, QuoteSource.ORIGINAL.label)]
    if intervention.language != Language.EN and intervention.english_text.strip():
        sources.append((QuoteSource.TRANSLATION.value, QuoteSource.TRANSLATION.label))
    return sources


def get_quotable_intervention(*, pk: int) -> Intervention:
    """An intervention of a public session, whatever its status (the caller asks
    `quote_blocker`); raises Intervention.DoesNotExist otherwise."""
    return (
        Intervention.objects.select_related("session", "primary_theme")
        .exclude(session__status=SessionStatus.DRAFT)
        .get(pk=pk)
    )


def active_analysis_codes() -> QuerySet[AnalysisCode]:
    return AnalysisCode.objects.filter(is_active=True).order_by("order", "slug")


def list_analysis_codes() -> QuerySet[AnalysisCode]:
    """Every code of the coding frame, active or not, with how many quotes carry it."""
    return AnalysisCode.objects.annotate(quote_count=Count("quotes")).order_by("order", "slug")


def _quote_queryset() -> QuerySet[Quote]:
    return Quote.objects.select_related(
        "intervention__session", "intervention__primary_theme", "created_by"
    ).prefetch_related(Prefetch("codes", queryset=AnalysisCode.objects.order_by("order", "slug")))


def filter_quotes(
    *,
    code: AnalysisCode | None = None,
    theme: Theme | None = None,
    session: ListeningSession | None = None,
    intervention: Intervention | None = None,
) -> QuerySet[Quote]:
    """Quotes matching every filter given, newest first, with their intervention, session and
    codes (three queries for any number). A theme matches the intervention's primary theme or
    any of its other themes."""
    qs = _quote_queryset()
    if code is not None:
        qs = qs.filter(codes=code)
    if theme is not None:
        tagged = Intervention.objects.filter(has_theme(theme_slugs=[theme.slug]))
        qs = qs.filter(intervention__in=tagged.values("pk"))
    if session is not None:
        qs = qs.filter(intervention__session=session)
    if intervention is not None:
        qs = qs.filter(intervention=intervention)
    return qs.order_by("-created_at", "-id")


def get_quote(*, pk: int) -> Quote:
    """One quote with its intervention and codes; raises Quote.DoesNotExist."""
    return _quote_queryset().get(pk=pk)
