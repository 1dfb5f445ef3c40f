"""Working Group 3 searches, quotes a passage with two codes, reads the evidence matrix and
finds the quote's source ID in a series pack."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from celery.contrib.testing.worker import start_worker
from pypdf import PdfReader

from interventions.models import AnalysisCode, Quote, Theme
from listening.celery import app
from sessions_app.models import Series
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import purge_queue, reset_broker_pools, running_relay

from .test_packs import sign_in

pytestmark = pytest.mark.e2e

PASSAGE = "Thousands of seasonal workers were regularized through an emergency permit."


@pytest.fixture
def inputs(transactional_db):
    """Two sessions of a series; the input to quote is in the second one."""
    series = Series.objects.create(slug="covid-series", title="Sessions on COVID-19 and migration")
    first = ListeningSessionFactory(title="Listening on labour pathways", series=series)
    session = ListeningSessionFactory(title="Listening on regular pathways", series=series)
    labour = Theme.objects.get(slug="labour-pathways")
    quoted = InterventionFactory(
        session=session,
        status="approved",
        title="Emergency permits for seasonal workers",
        primary_theme=labour,
        body=f"{PASSAGE}\n\nOffices stayed closed for months.",
    )
    for n in range(3):
        InterventionFactory(session=first, status="approved", title=f"Other input {n}")
    return {"series": series, "session": session, "quoted": quoted}


def test_wg3_searches_quotes_reads_the_matrix_and_finds_it_in_a_series_pack(
    page, console_errors, inputs
):
    quoted = inputs["quoted"]
    user = UserFactory(wg3=True)
    sign_in(page, user.email)

    # Search the Working Group 3 list, open the input found.
    page.get_by_role("link", name="Approved inputs").first.click()
    page.locator("input[name=q]").fill("seasonal regularized")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator(".intervention-list > li")
    assert results.count() == 1
    results.get_by_role("link", name="Emergency permits for seasonal workers").click()

    # Select the passage with the mouse: the script fills the form.
    page.locator("[data-quote-source=original] p").first.click(click_count=3)
    passage = page.get_by_role("textbox", name="Passage")
    assert passage.input_value().strip() == PASSAGE
    page.get_by_label("New avenues for admission and stay").check()
    page.get_by_label("Promising practices").check()
    page.get_by_role("button", name="Save the quote").click()
    assert page.locator(".message-success").inner_text() == (
        "The quote was saved to the quote bank."
    )
    quote = Quote.objects.get()
    assert (quote.intervention, quote.text) == (quoted, PASSAGE)
    assert sorted(quote.codes.values_list("slug", flat=True)) == [
        "new-avenues",
        "promising-practices",
    ]

    # The quote bank lists it; the matrix of the series counts it under both codes.
    page.get_by_role("link", name="Quote bank").first.click()
    assert PASSAGE in page.locator(".quote-list").inner_text()
    page.get_by_role("link", name="Evidence matrix").first.click()
    page.get_by_label("Series").select_option("covid-series")
    page.get_by_role("button", name="Show").click()
    table = page.locator(".matrix-table")
    row = table.locator("tr", has=page.locator("th", has_text="Labour migration pathways"))
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    cells = row.locator("td").all_inner_texts()
    for code in ("New avenues for admission and stay", "Promising practices"):
        assert cells[headers.index(code) - 1].split() == ["1", "input", quoted.reference]
    assert PASSAGE in page.locator("#cell-labour-pathways-new-avenues").inner_text()

    # A pack of the whole series carries the quote and its source ID in the matrix annex.
    reset_broker_pools()
    purge_queue()
    with (
        start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30),
        running_relay(),
    ):
        page.get_by_role("link", name="Input packs").click()
        page.get_by_role("link", name="Sessions on COVID-19 and migration").click()
        page.get_by_role("button", name="Build the input pack").click()
        download_link = page.get_by_role("link", name="Download the PDF")
        download_link.wait_for(timeout=120_000)
        with page.expect_download() as download_info:
            download_link.click()
    with open(download_info.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(page_.extract_text() for page_ in reader.pages)
    # Both sessions of the series are in the pack.
    assert "Other input 0" in text and "Emergency permits for seasonal workers" in text
    annex = text.split("Each cell counts the distinct inputs")[1].split("This pack compiles")[0]
    assert quoted.reference in annex
    assert PASSAGE in " ".join(annex.split())
    assert console_errors == []


def test_quote_pages_have_no_accessibility_violations(page, inputs):
    quoted = inputs["quoted"]
    user = UserFactory(wg3=True)
    quote = Quote.objects.create(intervention=quoted, text=PASSAGE, created_by=user)
    quote.codes.set([AnalysisCode.objects.get(slug="challenges")])
    sign_in(page, user.email)
    options = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"],
    }
    paths = [
        f"/en/interventions/approved/{quoted.pk}/",
        "/en/interventions/quotes/",
        f"/en/interventions/quotes/{quote.pk}/edit/",
        "/en/interventions/codes/",
        "/en/packs/matrix/",
        "/en/packs/matrix/?view=region-theme",
    ]
    found = {}
    for path in paths:
        assert page.goto(path).status == 200, path
        results = Axe().run(page, options=options).response["violations"]
        found[path] = [f"{v['id']}: {node['target']}" for v in results for node in v["nodes"]]
    assert found == {path: [] for path in paths}
