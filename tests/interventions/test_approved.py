"""Working Group 3's view of approved interventions, and its exports."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import translation

from core.spreadsheets import safe_cell
from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Region, Theme
from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import HOSTILE, response_bytes

pytestmark = pytest.mark.django_db

LIST_URL = "/en/interventions/approved/"


def _approved(session, **kwargs):
    themes = kwargs.pop("themes", [])
    intervention = InterventionFactory(session=session, status=S.APPROVED, **kwargs)
    intervention.themes.set(themes)
    return intervention


@pytest.fixture
def selection(session):
    africa = Region.objects.get(slug="africa")
    asia = Region.objects.get(slug="asia-pacific")
    regularization = Theme.objects.get(slug="regularization")
    labour = Theme.objects.get(slug="labour-pathways")
    a = _approved(session, title="A", regions=[africa], primary_theme=regularization)
    b = _approved(
        session,
        title="B",
        regions=[asia],
        primary_theme=labour,
        themes=[regularization],
        language="fr",
        kind="recommendation",
    )
    c = _approved(session, title="C", regions=[africa, asia], primary_theme=labour)
    for status in (S.DRAFT, S.SUBMITTED, S.REJECTED, S.WITHDRAWN, S.CHANGES_REQUESTED):
        InterventionFactory(session=session, title=f"hidden {status}", status=status)
    draft_session = ListeningSessionFactory(status="draft")
    _approved(draft_session, title="In a draft session")
    return {"a": a, "b": b, "c": c}


def _titles(response):
    return [i.title for i in response.context["page"].object_list]


def test_lists_only_approved_with_facets(client, wg3, selection):
    client.force_login(wg3)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert _titles(response) == ["A", "B", "C"]
    facets = response.context["facets"]
    assert [(r.slug, n) for r, n in facets["region"]] == [("africa", 2), ("asia-pacific", 2)]
    assert [(t.slug, n) for t, n in facets["theme"]] == [
        ("regularization", 2),
        ("labour-pathways", 2),
    ]
    assert [(v, n) for v, _label, n in facets["kind"]] == [("challenge", 2), ("recommendation", 1)]
    assert [(v, n) for v, _label, n in facets["language"]] == [("en", 2), ("fr", 1)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=africa", ["A", "C"]),
        ("theme=regularization", ["A", "B"]),
        ("theme=regularization&region=asia-pacific", ["B"]),
        ("kind=recommendation", ["B"]),
        ("language=fr", ["B"]),
        ("language=en&region=asia-pacific", ["C"]),
        ("region=atlantis", ["A", "B", "C"]),
        ("theme=999&kind=<script>&language=xx&session=nope&page=abc", ["A", "B", "C"]),
        ("region=africa&theme=nope", ["A", "C"]),
    ],
)
def test_filters_and_invalid_values(client, wg3, selection, query, expected):
    client.force_login(wg3)
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert _titles(response) == expected


def test_session_filter(client, wg3, selection, session):
    other = ListeningSessionFactory()
    _approved(other, title="Elsewhere")
    client.force_login(wg3)
    assert _titles(client.get(f"{LIST_URL}?session={other.slug}")) == ["Elsewhere"]
    assert _titles(client.get(f"{LIST_URL}?session={session.slug}")) == ["A", "B", "C"]


def test_paginated_by_25(client, wg3, session):
    for _ in range(30):
        _approved(session)
    client.force_login(wg3)
    first = client.get(LIST_URL)
    second = client.get(f"{LIST_URL}?page=2")
    assert (len(first.context["page"].object_list), len(second.context["page"].object_list)) == (
        25,
        5,
    )
    assert "?page=2" in first.text


def test_detail_shows_translation_and_original(client, wg3, session):
    intervention = _approved(
        session,
        language="es",
        title="Título",
        body="Texto original",
        english_title="Title",
        english_text="English text",
    )
    client.force_login(wg3)
    response = client.get(reverse("interventions:approved_detail", kwargs={"pk": intervention.pk}))
    assert response.status_code == 200
    for text in ("Título", "Texto original", "Title", "English text"):
        assert text in response.text


def test_detail_of_unapproved_is_404(client, wg3, intervention):
    client.force_login(wg3)
    url = reverse("interventions:approved_detail", kwargs={"pk": intervention.pk})
    assert client.get(url).status_code == 404


def test_hostile_text_is_escaped(client, wg3, session):
    intervention = _approved(
        session, title=HOSTILE, body=HOSTILE, english_title=HOSTILE, english_text=HOSTILE
    )
    client.force_login(wg3)
    for url in (
        LIST_URL,
        reverse("interventions:approved_detail", kwargs={"pk": intervention.pk}),
    ):
        text = client.get(url).text
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "&lt;script&gt;" in text


@pytest.mark.parametrize("count", [1, 200])
def test_list_query_count(client, wg3, session, count, django_assert_max_num_queries):
    for _ in range(count):
        _approved(session, themes=[Theme.objects.get(slug="labour-pathways")])
    client.force_login(wg3)
    with django_assert_max_num_queries(20):
        response = client.get(LIST_URL)
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_export_of_the_selection(client, wg3, selection):
    Intervention.objects.filter(pk=selection["b"].pk).update(
        title='=HYPERLINK("http://evil")', body="Régularisation — accès"
    )
    client.force_login(wg3)
    response = client.get("/en/interventions/approved/export.csv?theme=regularization")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="approved-')
    assert response["Cache-Control"] == "private, no-store"
    assert response.streaming
    body = response_bytes(response)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["A", '\'=HYPERLINK("http://evil")']
    assert rows[1]["text"] == "Régularisation — accès"
    assert rows[1]["other_themes"] == "regularization"
    assert rows[0]["regions"] == "africa"


def test_json_export_of_the_selection(client, wg3, selection):
    client.force_login(wg3)
    response = client.get("/en/interventions/approved/export.json?region=asia-pacific")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response.streaming
    data = json.loads(response_bytes(response))
    assert [i["title"] for i in data["interventions"]] == ["B", "C"]
    assert data["interventions"][0]["regions"] == ["asia-pacific"]
    assert data["interventions"][0]["language"] == "fr"
    assert set(data["interventions"][0]) >= {"credit", "english_text", "primary_theme"}
    assert "author" not in data["interventions"][0]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_kind_and_language_labels_are_djangos(language):
    intervention = Intervention(kind="recommendation", language="fr")
    kind = Intervention._meta.get_field("kind")
    language_field = Intervention._meta.get_field("language")
    with translation.override(language):
        assert intervention.get_kind_display() == str(dict(kind.flatchoices)["recommendation"])
        assert intervention.get_language_display() == str(dict(language_field.flatchoices)["fr"])
        assert intervention.get_kind_display() != "recommendation"
    unknown = Intervention(kind="retired-kind", language="de")
    assert (unknown.get_kind_display(), unknown.get_language_display()) == ("retired-kind", "de")
