"""Working Group 3 builds a pack of a series in a real browser, leaving one session out, and
records the published brief; the public "What we heard" page and the new pages pass axe."""

import io
import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from pypdf import PdfReader

from briefs.models import PolicyBrief
from briefs.services import record_policy_brief
from listening.celery import app
from sessions_app.models import Series
from tests.factories import PASSWORD, InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import purge_queue, reset_broker_pools, running_relay

pytestmark = pytest.mark.e2e


def sign_in(page, email: str) -> None:
    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture
def series(transactional_db):
    series = Series.objects.create(slug="covid-series", title="Sessions on COVID-19 and migration")
    soon = timezone.now() + timedelta(days=10)
    for number, title in enumerate(["Labour session", "Family session", "Study session"]):
        session = ListeningSessionFactory(
            series=series, title=title, starts_at=soon + timedelta(days=number), status="held"
        )
        InterventionFactory(
            session=session,
            status="approved",
            consent_to_publish=True,
            body=f"Sentinel{title.split()[0].lower()} what we saw on the ground.",
        )
    return series


def test_working_group_builds_a_series_pack_without_one_session(
    page, console_errors, series, tmp_path
):
    user = UserFactory(wg3=True)
    reset_broker_pools()
    purge_queue()

    with (
        start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30),
        running_relay(),
    ):
        sign_in(page, user.email)
        page.get_by_role("link", name="Input packs").click()
        page.get_by_role("link", name="Sessions on COVID-19 and migration").click()
        page.screenshot(path=str(tmp_path / "series.png"), full_page=True)
        family = page.get_by_label(re.compile("Family session"))
        assert family.is_checked()
        family.uncheck()
        page.get_by_role("button", name="Build the input pack").click()
        assert re.search(r"/en/packs/\d+/$", page.url)
        assert page.locator(".lead").inner_text() == "Sessions on COVID-19 and migration"
        download_link = page.get_by_role("link", name="Download the PDF")
        download_link.wait_for(timeout=120_000)
        with page.expect_download() as download_info:
            download_link.click()
        download = download_info.value

    assert download.suggested_filename.startswith("input-pack-covid-series-")
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Sentinellabour" in text and "Sentinelstudy" in text
    assert "Sentinelfamily" not in text
    assert "Series: Sessions on COVID-19 and migration" in text
    assert console_errors == []


def test_working_group_records_the_brief_with_a_clear_error_first(page, console_errors, series):
    user = UserFactory(wg3=True)
    cited = series.sessions.order_by("starts_at").first().interventions.get()
    sign_in(page, user.email)
    page.goto(f"/en/packs/series/{series.slug}/")
    page.get_by_role("link", name="Record the published brief").click()
    page.get_by_label("Title").fill("The Impact of COVID 19 on Regular Migration Pathways")
    page.get_by_label("Link to the published brief").fill("https://example.org/brief")
    page.get_by_label("Source IDs it cites").fill(f"{cited.reference}, LS999-001")
    page.get_by_role("button", name="Record the brief").click()
    assert page.get_by_text("Unknown source ID: LS999-001.").is_visible()
    assert PolicyBrief.objects.count() == 0

    page.get_by_label("Source IDs it cites").fill(cited.reference)
    page.get_by_role("button", name="Record the brief").click()

    brief = PolicyBrief.objects.get()
    assert list(brief.cited.all()) == [cited]
    assert page.get_by_text("The brief is recorded.").is_visible()
    # The refused form came back with its error and status 400, which the console reports.
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_new_pages_have_no_accessibility_violations(page, series, language):
    user = UserFactory(wg3=True)
    session = series.sessions.order_by("starts_at").first()
    brief = record_policy_brief(
        series=series,
        user=user,
        title="The Impact of COVID 19",
        published_on=date(2031, 5, 20),
        url="https://example.org/brief",
        references="",
    )
    options = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"],
    }
    found = {}
    public = [f"/sessions/{session.slug}/heard/"]
    private = [f"/packs/series/{series.slug}/", "/packs/several/", f"/packs/briefs/{brief.pk}/"]
    for path in public:
        page.goto(f"/{language}{path}")
        results = Axe().run(page, options=options).response["violations"]
        found[path] = [f"{v['id']}: {node['target']}" for v in results for node in v["nodes"]]
    sign_in(page, user.email)
    for path in private:
        response = page.goto(f"/{language}{path}")
        assert response.status == 200, path
        results = Axe().run(page, options=options).response["violations"]
        found[path] = [f"{v['id']}: {node['target']}" for v in results for node in v["nodes"]]
    assert found == {path: [] for path in public + private}
