"""Working Group 3's search over approved inputs, on SQLite and on PostgreSQL: the three
languages, accents, stemming where the database offers it, ranking, highlighting, and the
list's cost at 1 and many rows."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interventions import selectors
from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Region, Theme
from interventions.search import fold, normalize_search_text, query_terms
from sessions_app.models import Series
from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import response_bytes

pytestmark = pytest.mark.django_db

LIST_URL = "/en/interventions/approved/"
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def session(db):
    return ListeningSessionFactory()


def _approved(session, **kwargs):
    return InterventionFactory(session=session, status=S.APPROVED, **kwargs)


def _found(query, **filters):
    selection = selectors.filter_public_approved_interventions(query=query, **filters)
    return sorted(i.title for i in selection)


def _listed(client, **params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return [i.title for i in response.context["page"].object_list]


@pytest.fixture
def three_languages(session):
    return {
        "fr": _approved(
            session,
            title="Programme de régularisation au Maroc",
            body="La régularisation des travailleurs migrants a été suspendue pendant la pandémie.",
            language="fr",
            english_title="Regularization programme in Morocco",
            english_text="The regularization of migrant workers was suspended during the pandemic.",
        ),
        "es": _approved(
            session,
            title="Visados humanitarios en Centroamérica",
            body="La migración regular se detuvo; los consulados cerraron sus puertas.",
            language="es",
        ),
        "en": _approved(
            session,
            title="Seasonal workers stranded",
            body="Consulates closed and permits lapsed for seasonal agricultural workers.",
            language="en",
        ),
    }


def test_folding_removes_accents_and_case():
    assert fold("Régularisation ÉTÉ Migración Œuvre") == "regularisation ete migracion oeuvre"
    assert normalize_search_text("Accès aux soins", "", "l'été") == " acces aux soins l ete "
    assert query_terms('"Régularisation" -visa régularisation') == ["regularisation", "visa"]


def test_french_words_are_found_without_their_accents(three_languages):
    assert _found("regularisation") == ["Programme de régularisation au Maroc"]
    assert _found("RÉGULARISATION") == ["Programme de régularisation au Maroc"]
    assert _found("pandemie suspendue") == ["Programme de régularisation au Maroc"]


def test_spanish_words_are_found_without_their_accents(three_languages):
    assert _found("migracion") == ["Visados humanitarios en Centroamérica"]
    assert _found("centroamerica") == ["Visados humanitarios en Centroamérica"]


def test_english_words_and_the_translation_are_searched(three_languages):
    assert (
        _found("consulates")
        == [
            "Seasonal workers stranded",
            "Visados humanitarios en Centroamérica",
        ]
        if ON_POSTGRESQL
        else ["Seasonal workers stranded"]
    )
    # The English translation of the French input is searched too.
    assert _found("Morocco") == ["Programme de régularisation au Maroc"]
    assert _found("workers") == [
        "Programme de régularisation au Maroc",
        "Seasonal workers stranded",
    ]


def test_stemming_on_postgresql_prefixes_on_sqlite(three_languages):
    # PostgreSQL reduces words to their stem in the text's language; SQLite matches the
    # start of words only.
    assert _found("permit") == ["Seasonal workers stranded"]
    assert _found("régularisations") == (
        ["Programme de régularisation au Maroc"] if ON_POSTGRESQL else []
    )
    assert _found("suspendues") == (
        ["Programme de régularisation au Maroc"] if ON_POSTGRESQL else []
    )
    # Read in each language, "consulado" and "consulates" share the stem "consul".
    assert _found("consulado") == (
        ["Seasonal workers stranded", "Visados humanitarios en Centroamérica"]
        if ON_POSTGRESQL
        else ["Visados humanitarios en Centroamérica"]
    )
    # "regul": PostgreSQL finds the Spanish "regular" (same stem), SQLite the starts of
    # "régularisation" and "regular".
    assert _found("regul") == (
        ["Visados humanitarios en Centroamérica"]
        if ON_POSTGRESQL
        else ["Programme de régularisation au Maroc", "Visados humanitarios en Centroamérica"]
    )


def test_every_word_must_match(three_languages):
    assert _found("seasonal consulates") == ["Seasonal workers stranded"]
    assert _found("seasonal morocco") == []


def test_only_approved_inputs_of_public_sessions_are_found(session):
    _approved(session, title="Visible", body="quarantine")
    InterventionFactory(session=session, status=S.SUBMITTED, title="Submitted", body="quarantine")
    draft_session = ListeningSessionFactory(status="draft")
    _approved(draft_session, title="In a draft session", body="quarantine")
    assert _found("quarantine") == ["Visible"]


def test_results_are_ranked_by_how_well_they_match(client, wg3, session):
    _approved(session, title="Once", body="A word on quarantine and little else of note here.")
    _approved(
        session,
        title="Thrice",
        body="Quarantine rules, quarantine hotels and the cost of quarantine for workers.",
    )
    _approved(session, title="Never", body="Nothing about it.")
    client.force_login(wg3)
    assert _listed(client, q="quarantine") == ["Thrice", "Once"]
    # Asked explicitly, the newest first instead.
    Intervention.objects.filter(title="Once").update(decided_at=timezone.now())
    Intervention.objects.filter(title="Thrice").update(
        decided_at=timezone.now() - timedelta(days=2)
    )
    assert _listed(client, q="quarantine", sort="newest") == ["Once", "Thrice"]
    assert _listed(client, q="quarantine", sort="oldest") == ["Thrice", "Once"]


def test_matching_words_are_highlighted_and_escaped(client, wg3, session):
    _approved(
        session,
        title="<script>alert(1)</script> Régularisation & accès",
        body="Before. <b>La régularisation</b> a été suspendue. After.",
        language="fr",
        english_title="",
    )
    client.force_login(wg3)
    response = client.get(LIST_URL, {"q": "regularisation"})
    highlight = response.context["page"].object_list[0].highlight
    assert "<mark>Régularisation</mark>" in highlight.title
    assert "&lt;script&gt;" in highlight.title
    assert "<script>" not in response.text.split("<main", 1)[1]
    assert "<mark>régularisation</mark>" in highlight.passage
    assert "&lt;b&gt;" in highlight.passage or "<b>" not in highlight.passage
    assert highlight.passage_language == "fr"
    assert '<p class="search-passage" lang="fr">' in response.text
    assert "<mark>Régularisation</mark>" in response.text


def test_search_combines_with_the_facets_and_the_series(client, wg3, session):
    series = Series.objects.create(slug="covid", title="COVID-19 and migration")
    session.series = series
    session.save()
    other_session = ListeningSessionFactory()
    asia = Region.objects.get(slug="asia-pacific")
    labour = Theme.objects.get(slug="labour-pathways")
    _approved(session, title="Africa visas", body="Visa backlogs grew.")
    _approved(session, title="Asia visas", body="Visa fees were waived.", regions=[asia])
    _approved(
        session,
        title="Asia labour visas",
        body="Visa quotas.",
        regions=[asia],
        primary_theme=labour,
    )
    _approved(other_session, title="Elsewhere visas", body="Visa queues.")
    _approved(session, title="Not about it", body="Family reunification.", regions=[asia])
    client.force_login(wg3)

    response = client.get(LIST_URL, {"q": "visa", "region": "asia-pacific"})
    assert sorted(i.title for i in response.context["page"].object_list) == [
        "Asia labour visas",
        "Asia visas",
    ]
    facets = response.context["facets"]
    assert [(t.slug, n) for t, n in facets["theme"]] == [
        ("regularization", 1),
        ("labour-pathways", 1),
    ]
    assert [(r.slug, n) for r, n in facets["region"]] == [("asia-pacific", 2)]
    assert sorted(_listed(client, q="visa", series="covid")) == [
        "Africa visas",
        "Asia labour visas",
        "Asia visas",
    ]
    assert sorted(_listed(client, series="covid")) == [
        "Africa visas",
        "Asia labour visas",
        "Asia visas",
        "Not about it",
    ]
    # The exports take the same selection.
    exported = client.get(
        "/en/interventions/approved/export.json", {"q": "visa", "series": "covid"}
    )
    assert sorted(i["title"] for i in json.loads(response_bytes(exported))["interventions"]) == [
        "Africa visas",
        "Asia labour visas",
        "Asia visas",
    ]


def test_page_size_and_pages(client, wg3, session):
    for n in range(12):
        _approved(session, title=f"Input {n:02d}")
    client.force_login(wg3)
    first = client.get(LIST_URL, {"per_page": "10"})
    second = client.get(LIST_URL, {"per_page": "10", "page": "2"})
    assert len(first.context["page"].object_list) == 10
    assert [i.title for i in second.context["page"].object_list] == ["Input 10", "Input 11"]
    assert 'href="?per_page=10&amp;page=2"' in first.text
    # A page size not offered falls back to the default.
    assert len(client.get(LIST_URL, {"per_page": "100000"}).context["page"].object_list) == 12


def test_a_too_long_search_is_refused_with_a_message(client, wg3, session):
    _approved(session, title="Kept")
    client.force_login(wg3)
    response = client.get(LIST_URL, {"q": "visa " * 50})
    assert response.status_code == 200
    assert _listed(client, q="visa " * 50) == ["Kept"]
    assert "Ensure this value has at most 200 characters" in response.text


@pytest.mark.parametrize("query", ["!!!", "   ", '"', "-", "&|!:*", "\x00"])
def test_a_search_without_words_lists_everything(client, wg3, session, query):
    _approved(session, title="Kept")
    client.force_login(wg3)
    response = client.get(LIST_URL, {"q": query})
    assert response.status_code == 200
    assert [i.title for i in response.context["page"].object_list] == ["Kept"]


def test_postgresql_keeps_the_search_current_after_any_write(session):
    intervention = _approved(session, title="Old title", body="Old text.")
    # A bulk update skips Intervention.save(): PostgreSQL's generated column still follows,
    # and SQLite's folded copy is refreshed by the next save.
    Intervention.objects.filter(pk=intervention.pk).update(body=Value("Nouvelles quarantaines."))
    if not ON_POSTGRESQL:
        Intervention.objects.get(pk=intervention.pk).save()
    assert _found("quarantaines") == ["Old title"]
    assert _found("old text") == []


@pytest.mark.parametrize("query", ["", "visa"])
def test_list_query_count_is_the_same_at_1_and_many_rows(
    client, wg3, session, query, django_assert_num_queries
):
    asia = Region.objects.get(slug="asia-pacific")
    labour = Theme.objects.get(slug="labour-pathways")

    def add(n):
        intervention = _approved(session, title=f"Visa {n}", body="Visa backlogs.", regions=[asia])
        intervention.themes.set([labour])

    add(0)
    client.force_login(wg3)
    client.get(LIST_URL, {"q": query})  # warm the caches that are not per request
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST_URL, {"q": query}).status_code == 200
    for n in range(1, 40):
        add(n)
    with django_assert_num_queries(len(one)):
        response = client.get(LIST_URL, {"q": query})
    assert response.context["page"].paginator.count == 40
    assert len(response.context["page"].object_list) == 25


def test_the_list_reads_no_full_text(client, wg3, session):
    for n in range(30):
        _approved(session, title=f"Input {n}", body="A long text. " * 200, english_text="Long.")
    client.force_login(wg3)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, {"sort": "newest"})
    assert len(response.context["page"].object_list) == 25
    reading_texts = [
        q["sql"]
        for q in queries
        if '"interventions_intervention"."body"' in q["sql"]
        or '"interventions_intervention"."english_text"' in q["sql"]
        or '"interventions_intervention"."search_text"' in q["sql"]
    ]
    assert reading_texts == []


def test_a_search_sorts_ids_only_and_reads_the_texts_of_the_rows_shown(client, wg3, session):
    for n in range(30):
        _approved(session, title=f"Visa {n}", body="Visa backlogs. " * 200, english_text="")
    client.force_login(wg3)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, {"q": "visa", "per_page": "10"})
    shown = [i.pk for i in response.context["page"].object_list]
    assert len(shown) == 10
    choosing = [q["sql"] for q in queries if "LIMIT 10" in q["sql"]]
    assert len(choosing) == 1
    assert re.match(r'SELECT "interventions_intervention"\."id"( AS "pk")? FROM ', choosing[0])
    reading_texts = [q["sql"] for q in queries if '"interventions_intervention"."body"' in q["sql"]]
    assert len(reading_texts) == 1
    read = re.search(r'"interventions_intervention"\."id" IN \(([\d, ]+)\)', reading_texts[0])
    assert sorted(int(pk) for pk in read.group(1).split(",")) == sorted(shown)
    assert "<mark>Visa</mark> backlogs" in response.text


def test_a_row_reads_only_the_session_title_and_theme_names(client, wg3, session):
    _approved(session, title="Visa backlogs")
    client.force_login(wg3)
    with CaptureQueriesContext(connection) as queries:
        assert _listed(client, q="visa") == ["Visa backlogs"]
    rows = [q["sql"] for q in queries if 'FROM "interventions_intervention" INNER JOIN' in q["sql"]]
    assert rows
    assert not any('"sessions_app_listeningsession"."description"' in sql for sql in rows)
    assert not any('"interventions_theme"."description"' in sql for sql in rows)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="server-side cursors are PostgreSQL's")
def test_the_filter_form_reads_its_choices_without_a_server_side_cursor(client, wg3, session):
    _approved(session, title="Visa backlogs")
    client.force_login(wg3)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert f'value="{session.slug}"' in response.text
    assert [q["sql"][:40] for q in queries if q["sql"].startswith("DECLARE")] == []
