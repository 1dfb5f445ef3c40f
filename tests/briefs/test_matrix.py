"""The evidence matrix: counts against a hand-built example, its page, CSV and pack annex."""

import csv
import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from briefs.enums import MatrixView
from briefs.pipeline import compose_pack_html, generate_pack_pdf
from briefs.selectors import PackFilters, get_evidence_matrix, pack_fingerprint
from interventions import services
from interventions.enums import InterventionStatus as S
from interventions.enums import QuoteSource
from interventions.models import AnalysisCode, Region, Theme
from sessions_app.models import Series
from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

MATRIX_URL = "/en/packs/matrix/"


def _code(slug):
    return AnalysisCode.objects.get(slug=slug)


def _quote(intervention, actor, text, *codes):
    return services.save_quote(
        intervention=intervention,
        source=QuoteSource.ORIGINAL,
        text=text,
        codes=[_code(slug) for slug in codes],
        actor=actor,
    )


@pytest.fixture
def example(pack_session, wg3):
    """Four approved inputs of the session, one withdrawn after being quoted, one input of
    another session; the expected cells are worked out by hand in the tests."""
    regularization = Theme.objects.get(slug="regularization")
    labour = Theme.objects.get(slug="labour-pathways")
    family = Theme.objects.get(slug="family-reunification")
    africa = Region.objects.get(slug="africa")
    asia = Region.objects.get(slug="asia-pacific")

    def approved(session, primary, regions, others=(), body=""):
        intervention = InterventionFactory(
            session=session,
            status=S.APPROVED,
            primary_theme=primary,
            regions=regions,
            body=body or "Nothing quoted here.",
        )
        intervention.themes.set(others)
        return intervention

    i1 = approved(
        pack_session,
        regularization,
        [africa],
        others=[labour],
        body="Permits lapsed during lockdown. Unions helped renew them.",
    )
    i2 = approved(pack_session, labour, [asia], body="Seasonal workers were stranded abroad.")
    i3 = approved(pack_session, regularization, [africa, asia], body="Grant status to all.")
    i4 = approved(pack_session, family, [africa])
    i5 = approved(pack_session, regularization, [africa], body="Withdrawn words later.")
    other_session = ListeningSessionFactory(title="Another session")
    i6 = approved(other_session, regularization, [africa], body="Cities worked with NGOs.")
    q1 = _quote(i1, wg3, "Permits lapsed during lockdown.", "challenges", "recommendations")
    q2 = _quote(i1, wg3, "Unions helped renew them.", "challenges")
    q3 = _quote(i2, wg3, "Seasonal workers were stranded", "challenges")
    q4 = _quote(i3, wg3, "Grant status to all.", "recommendations")
    _quote(i5, wg3, "Withdrawn words", "challenges")
    i5.status = S.WITHDRAWN
    i5.save()
    q6 = _quote(i6, wg3, "Cities worked with NGOs.", "collaboration")
    return {
        **{f"i{n}": i for n, i in enumerate([i1, i2, i3, i4, i5, i6], 1)},
        **{f"q{n}": q for n, q in zip([1, 2, 3, 4, 6], [q1, q2, q3, q4, q6], strict=True)},
        "other_session": other_session,
    }


def _cells(matrix):
    """{(row, column): ([input pks], [quote pks])} of the filled cells."""
    return {
        (row.key, cell.column): (
            [i.pk for i in cell.interventions],
            [q.pk for q in cell.quotes],
        )
        for row, cell in matrix.filled_cells
    }


def _pks(example, *keys):
    return [example[key].pk for key in keys]


def test_theme_by_code_counts_the_hand_built_example(pack_session, example):
    matrix = get_evidence_matrix(view=MatrixView.THEME_CODE, session=pack_session)
    assert _cells(matrix) == {
        ("regularization", "challenges"): (_pks(example, "i1"), _pks(example, "q1", "q2")),
        ("regularization", "recommendations"): (
            _pks(example, "i1", "i3"),
            _pks(example, "q1", "q4"),
        ),
        # i1 counts under its other theme too.
        ("labour-pathways", "challenges"): (
            _pks(example, "i1", "i2"),
            _pks(example, "q1", "q2", "q3"),
        ),
        ("labour-pathways", "recommendations"): (_pks(example, "i1"), _pks(example, "q1")),
    }
    cell = matrix.rows[0].cells[0]
    assert (cell.row, cell.column, cell.count) == ("regularization", "challenges", 1)
    assert cell.references == [example["i1"].reference]
    assert [slug for slug, _name in matrix.columns] == [
        "challenges",
        "new-avenues",
        "promising-practices",
        "collaboration",
        "policy-operational",
        "recommendations",
    ]


def test_theme_by_code_across_sessions_includes_the_other_session(example):
    cells = _cells(get_evidence_matrix(view=MatrixView.THEME_CODE))
    assert cells[("regularization", "collaboration")] == (
        _pks(example, "i6"),
        _pks(example, "q6"),
    )
    assert cells[("regularization", "recommendations")][0] == _pks(example, "i1", "i3")
    # The withdrawn input's quote is left out everywhere.
    assert example["i5"].pk not in {pk for pks, _q in cells.values() for pk in pks}


def test_matrix_of_a_series_counts_its_sessions_only(client, wg3, pack_session, example):
    series = Series.objects.create(slug="covid", title="COVID-19 and migration")
    pack_session.series = series
    pack_session.save()
    cells = _cells(get_evidence_matrix(view=MatrixView.THEME_CODE, series=series))
    assert ("regularization", "collaboration") not in cells
    assert cells[("regularization", "recommendations")][0] == _pks(example, "i1", "i3")
    client.force_login(wg3)
    response = client.get(MATRIX_URL, {"series": "covid"})
    assert response.status_code == 200
    assert "Cities worked with NGOs." not in response.text
    assert "Permits lapsed during lockdown." in response.text


def test_region_by_theme_counts_every_approved_input(pack_session, example):
    matrix = get_evidence_matrix(view=MatrixView.REGION_THEME, session=pack_session)
    counts = {key: len(pks) for key, (pks, _quotes) in _cells(matrix).items()}
    assert counts == {
        ("africa", "regularization"): 2,
        ("africa", "labour-pathways"): 1,
        ("africa", "family-reunification"): 1,
        ("asia-pacific", "regularization"): 1,
        ("asia-pacific", "labour-pathways"): 1,
    }
    cells = _cells(matrix)
    assert cells[("africa", "regularization")] == (
        _pks(example, "i1", "i3"),
        _pks(example, "q1", "q2", "q4"),
    )
    assert cells[("africa", "family-reunification")] == (_pks(example, "i4"), [])


def test_matrix_page_shows_counts_ids_and_quotes(client, wg3, pack_session, example):
    client.force_login(wg3)
    response = client.get(MATRIX_URL, {"session": pack_session.slug})
    assert response.status_code == 200
    html = response.text
    assert "2 inputs" in html
    assert f"{example['i1'].reference}, {example['i3'].reference}" in html
    assert "Permits lapsed during lockdown." in html
    assert "Cities worked with NGOs." not in html
    region = client.get(MATRIX_URL, {"session": pack_session.slug, "view": "region-theme"})
    assert region.context["matrix"].row_heading == "Region"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"view": "code-code"}, "Choose theme × code or region × theme."),
        ({"session": "no-such-session"}, "There is no such session."),
        ({"series": "no-such-series"}, "There is no such series."),
    ],
)
def test_matrix_bad_input_is_a_clear_400(client, wg3, query, message):
    client.force_login(wg3)
    response = client.get(MATRIX_URL, query)
    assert response.status_code == 400
    assert message in response.text
    csv_response = client.get(MATRIX_URL + "export.csv", query, follow=True)
    assert csv_response.redirect_chain == [(MATRIX_URL, 302)]
    assert message in csv_response.text


def test_matrix_csv(client, wg3, pack_session, example):
    client.force_login(wg3)
    response = client.get(MATRIX_URL + "export.csv", {"session": pack_session.slug})
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Theme", "Code", "Inputs", "Source IDs", "Quotes"]
    by_cell = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_cell[("Labour migration pathways", "Challenges")] == [
        "2",
        f"{example['i1'].reference}; {example['i2'].reference}",
        "3",
    ]
    assert by_cell[("Regularization", "Collaboration")] == ["0", "", "0"]


@pytest.mark.parametrize("count", [1, 40])
def test_matrix_page_query_count(client, wg3, pack_session, count, django_assert_max_num_queries):
    regions = list(Region.objects.all()[:2])
    themes = list(Theme.objects.all()[:3])
    for n in range(count):
        intervention = InterventionFactory(
            session=pack_session,
            status=S.APPROVED,
            primary_theme=themes[n % 3],
            regions=regions,
            body=f"Passage {n} of the input.",
        )
        intervention.themes.set(themes[1:])
        _quote(intervention, wg3, f"Passage {n}", "challenges", "collaboration")
    client.force_login(wg3)
    for view in ("theme-code", "region-theme"):
        with django_assert_max_num_queries(16):
            response = client.get(MATRIX_URL, {"view": view})
        assert response.status_code == 200
    # Two regions each; three themes when the first theme is primary, else two.
    assert sum(cell.count for _row, cell in response.context["matrix"].filled_cells) == sum(
        2 * (3 if n % 3 == 0 else 2) for n in range(count)
    )


def test_pack_annex_sits_between_organizations_and_method(pack_session, example):
    with translation.override("en"):
        composed = compose_pack_html(
            session=pack_session,
            filters=PackFilters.build(),
            now=pack_session.starts_at,
        )
    html = composed.html
    organizations = html.index("Annex 1. Participating organizations</h1>")
    matrix = html.index("Annex 2. Evidence matrix</h1>")
    method = html.index("Annex 3. Note on method</h1>")
    assert organizations < matrix < method
    annex = html[matrix:method]
    assert "Permits lapsed during lockdown." in annex
    assert example["i3"].reference in annex
    assert "Cities worked with NGOs." not in annex
    assert "Withdrawn words" not in annex


def test_pack_with_filters_has_the_matrix_of_its_inputs_only(pack_session, example):
    with translation.override("en"):
        composed = compose_pack_html(
            session=pack_session,
            filters=PackFilters.build(themes=["labour-pathways"]),
            now=pack_session.starts_at,
        )
    annex = composed.html.split("Annex 2. Evidence matrix</h1>")[1].split("Annex 3.")[0]
    assert "Seasonal workers were stranded" in annex
    assert "Grant status to all." not in annex


def test_a_new_quote_changes_the_pack_fingerprint(pack_session, example, wg3):
    before = pack_fingerprint(session=pack_session, filters=PackFilters.build())
    quote = _quote(example["i4"], wg3, "Nothing quoted", "challenges")
    added = pack_fingerprint(session=pack_session, filters=PackFilters.build())
    services.update_quote(quote=quote, codes=[_code("recommendations")], note="", actor=wg3)
    recoded = pack_fingerprint(session=pack_session, filters=PackFilters.build())
    assert len({before.content_hash, added.content_hash, recoded.content_hash}) == 3


def test_pack_pdf_carries_the_matrix_and_source_ids(pack_session, example):
    with translation.override("en"):
        generated = generate_pack_pdf(session=pack_session, filters=PackFilters.build())
    text = pdf_text(generated.pdf)
    annex = text.split("Each cell counts the distinct inputs")[1].split("This pack compiles")[0]
    assert "Permits lapsed during lockdown." in annex
    assert example["i1"].reference in annex
    assert example["i2"].reference in annex
    # The matrix is laid out on landscape A4 pages; the note on method is portrait again.
    pages = PdfReader(io.BytesIO(generated.pdf)).pages
    matrix_page = next(
        p for p in pages if "Each cell counts the distinct inputs" in p.extract_text()
    )
    method_page = next(p for p in pages if "This pack compiles" in p.extract_text())
    assert (round(matrix_page.mediabox.width), round(matrix_page.mediabox.height)) == (842, 595)
    assert (round(method_page.mediabox.width), round(method_page.mediabox.height)) == (595, 842)
