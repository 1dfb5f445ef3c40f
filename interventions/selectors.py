"""Reads for interventions: what an author, the secretariat and Working Group 3 may see."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
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
    Value,
    When,
)
from django.db.models.functions import Length, Replace
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

from .enums import CLOSED_TO_WRITING, ApprovedSort, Channel, InterventionKind
from .enums import InterventionStatus as S
from .models import Intervention, InterventionCorrection, InterventionStatusChange, Region, Theme
from .search import START_MARK, STOP_MARK, excerpt, mark_terms, marks_to_html, query_terms


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


# Columns the list never shows: left in the database for the rows of a page.
LIST_DEFERRED = ("body", "english_text", "search_text", "feedback", "internal_note")

SORT_ORDERS = {
    ApprovedSort.SESSION: ("session__starts_at", "primary_theme__order", "id"),
    ApprovedSort.NEWEST: (F("decided_at").desc(nulls_last=True), "-id"),
    ApprovedSort.OLDEST: (F("decided_at").asc(nulls_last=True), "id"),
    ApprovedSort.RELEVANCE: (F("rank").desc(), "-id"),
}


def list_approved_interventions(
    *, interventions: QuerySet[Intervention], query: str = "", sort: str = ""
) -> QuerySet[Intervention]:
    """The rows of Working Group 3's list: `interventions` (a selection from
    `filter_public_approved_interventions`) sorted by `sort` (an ApprovedSort; by relevance
    when searching, by session otherwise), without their full texts.
    """
    searching = bool(query_terms(query))
    if not sort or (sort == ApprovedSort.RELEVANCE and not searching):
        sort = ApprovedSort.RELEVANCE if searching else ApprovedSort.SESSION
    qs = interventions.defer(*LIST_DEFERRED)
    if sort == ApprovedSort.RELEVANCE:
        qs = qs.alias(rank=_rank(query=query))
    return qs.order_by(*SORT_ORDERS[ApprovedSort(sort)])


@dataclass(frozen=True)
class Highlight:
    """What Working Group 3's list shows of a found intervention, matching words marked."""

    title: SafeString
    english_title: SafeString
    passage: SafeString
    passage_language: str


_TITLE_OPTIONS = {"start_sel": START_MARK, "stop_sel": STOP_MARK, "highlight_all": True}
_PASSAGE_OPTIONS = {
    "start_sel": START_MARK,
    "stop_sel": STOP_MARK,
    "max_words": 35,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def highlight_interventions(
    *, interventions: Iterable[Intervention], query: str
) -> dict[int, Highlight]:
    """The titles and a passage of each of `interventions` (a page), the words matching
    `query` marked, escaped and safe to show; keyed by id. One query.

    PostgreSQL marks what its search matched (ts_headline); SQLite marks the words that
    start with a word of the query.
    """
    ids = [i.pk for i in interventions]
    terms = query_terms(query)
    if not ids or not terms:
        return {}
    rows = Intervention.objects.filter(pk__in=ids).order_by()
    if _uses_postgresql():
        search_query = _search_query(query)
        english = TEXT_SEARCH_CONFIGS[Language.EN]
        marked = rows.annotate(
            **{
                name: SearchHeadline(column, search_query, config=config, **options)
                for name, config, column, options in (
                    ("h_title", _text_config(), "title", _TITLE_OPTIONS),
                    ("h_english_title", english, "english_title", _TITLE_OPTIONS),
                    ("h_body", _text_config(), "body", _PASSAGE_OPTIONS),
                    ("h_english_text", english, "english_text", _PASSAGE_OPTIONS),
                )
            }
        ).values_list("pk", "language", "h_title", "h_english_title", "h_body", "h_english_text")
    else:
        marked = (
            (pk, language, *(mark_terms(text, terms) for text in texts[:2]),
             *(excerpt(mark_terms(text, terms)) for text in texts[2:]))
            for pk, language, *texts in rows.values_list(
                "pk", "language", "title", "english_title", "body", "english_text"
            )
        )  # fmt: skip
    found = {}
    for pk, language, title, english_title, body, english_text in marked:
        # The passage where the query matched: the English translation first (what most of
        # the working group reads), else the original.
        if START_MARK in english_text:
            passage, passage_language = english_text, "en"
        elif START_MARK in body:
            passage, passage_language = body, language
        else:
            passage, passage_language = "", ""
        found[pk] = Highlight(
            title=marks_to_html(title),
            english_title=marks_to_html(english_title),
            passage=marks_to_html(passage),
            passage_language=passage_language,
        )
    return found


def count_approved_facets(*, interventions: QuerySet[Intervention]) -> dict[str, list[tuple]]:
    """Counts per region, theme, kind, language and channel of a selection, from aggregate
    queries whose cost does not grow with what Python reads (six queries, none returning
    more rows than there are regions or themes).

    Returns {"region": [(Region, n), …], "theme": [(Theme, n), …],
    "kind": [(value, label, n), …], "language": [(value, label, n), …],
    "channel": [(value, label, n), …]}, leaving out values with no intervention. A theme
    counts the interventions tagged with it, as primary or other theme.
    """
    selection = interventions.order_by()
    ids = selection.values("pk")
    region_counts = dict(
        Intervention.regions.through.objects.filter(intervention_id__in=ids)
        .values_list("region_id")
        .annotate(n=Count("intervention_id", distinct=True))
        .order_by()
    )
    theme_counts = dict(
        selection.values_list("primary_theme_id").annotate(n=Count("pk")).order_by()
    )
    # Other themes, not counting an intervention twice when its primary theme is among them.
    for theme_id, n in (
        Intervention.themes.through.objects.filter(intervention_id__in=ids)
        .exclude(theme_id=F("intervention__primary_theme_id"))
        .values_list("theme_id")
        .annotate(n=Count("intervention_id", distinct=True))
        .order_by()
    ):
        theme_counts[theme_id] = theme_counts.get(theme_id, 0) + n
    columns = {
        "kind": InterventionKind,
        "language": Language,
        "channel": Channel,
    }
    totals = selection.aggregate(
        **{
            f"{column}_{value}": Count("pk", filter=Q(**{column: value}))
            for column, choices in columns.items()
            for value in choices.values
        }
    )
    regions = Region.objects.filter(pk__in=region_counts).order_by("order", "slug")
    themes = Theme.objects.filter(pk__in=theme_counts).order_by("order", "slug")
    return {
        "region": [(r, region_counts[r.pk]) for r in regions],
        "theme": [(t, theme_counts[t.pk]) for t in themes],
        **{
            column: [
                (choice.value, choice.label, totals[f"{column}_{choice.value}"])
                for choice in choices
                if totals[f"{column}_{choice.value}"]
            ]
            for column, choices in columns.items()
        },
    }


def get_approved_intervention(*, pk: int) -> Intervention:
    """One approved intervention of a public session; raises DoesNotExist otherwise."""
    return filter_public_approved_interventions().get(pk=pk)
