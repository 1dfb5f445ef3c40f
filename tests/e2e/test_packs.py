"""A Working Group 3 member requests a pack, watches it build and downloads the PDF."""

import io
import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from briefs.services import requeue_stuck_packs
from briefs.tasks import task_build_brief_pack
from interventions.models import Theme
from listening.celery import app
from tests.factories import (
    PASSWORD,
    BriefPackFactory,
    InterventionFactory,
    ListeningSessionFactory,
    UserFactory,
)
from tests.helpers import purge_queue, reset_broker_pools, running_relay

pytestmark = pytest.mark.e2e


def sign_in(page, email: str) -> None:
    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_working_group_member_requests_watches_and_downloads_a_pack(page, console_errors):
    session = ListeningSessionFactory(title="Listening on regular pathways")
    for n in range(12):
        InterventionFactory(
            session=session,
            status="approved",
            body=f"Sentinelbrowser{n} " + "Migrants lost their permits when offices closed. " * 40,
        )
    user = UserFactory(wg3=True)
    reset_broker_pools()
    purge_queue()
    seen = []

    with (
        start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30),
        running_relay(),
    ):
        sign_in(page, user.email)
        page.get_by_role("link", name="Input packs").click()
        page.get_by_role("link", name="Listening on regular pathways").click()
        page.get_by_label("Africa").check()
        page.get_by_role("button", name="Build the input pack").click()
        assert re.search(r"/en/packs/\d+/$", page.url)

        progress = page.locator("#pack-progress")
        page.on(
            "response",
            lambda response: (
                seen.append(response.json()["progress"])
                if "/status/" in response.url and response.ok
                else None
            ),
        )
        download_link = page.get_by_role("link", name="Download the PDF")
        download_link.wait_for(timeout=120_000)
        assert progress.get_attribute("value") == "100"
        assert page.locator(".badge-done").inner_text() == "Ready"

        with page.expect_download() as download_info:
            download_link.click()
        download = download_info.value

    assert download.suggested_filename.startswith(f"input-pack-{session.slug}-")
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert all(f"Sentinelbrowser{n}" in text for n in range(12))
    assert seen == sorted(seen)  # the bar only moves forward
    assert console_errors == []
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_pack_pages_have_no_accessibility_violations(page, language):
    session = ListeningSessionFactory()
    InterventionFactory(session=session, status="approved")
    user = UserFactory(wg3=True)
    done = BriefPackFactory(session=session, requested_by=user)
    task_build_brief_pack(pack_id=done.pk)
    running = BriefPackFactory(session=session, status="running", progress=35, stage="writing")
    failed = BriefPackFactory(
        session=session, status="failed", error_code="build", error_params={"error": "ValueError"}
    )
    sign_in(page, user.email)
    options = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"],
    }
    found = {}
    paths = [
        "/packs/",
        f"/packs/session/{session.slug}/",
        f"/packs/{done.pk}/",
        f"/packs/{running.pk}/",
        f"/packs/{failed.pk}/",
    ]
    for path in paths:
        response = page.goto(f"/{language}{path}")
        assert response.status == 200, path
        results = Axe().run(page, options=options).response["violations"]
        found[path] = [f"{v['id']}: {node['target']}" for v in results for node in v["nodes"]]
    assert found == {path: [] for path in paths}


def test_the_page_of_a_pack_whose_worker_was_lost_says_the_build_restarted(
    page, console_errors, tmp_path
):
    session = ListeningSessionFactory(title="Listening on regular pathways")
    silent = timezone.now() - timedelta(minutes=5)
    pack = BriefPackFactory(
        session=session, status="running", progress=35, started_at=silent, heartbeat_at=silent,
        attempts=1, stage="laying out page 12",
    )  # fmt: skip
    assert requeue_stuck_packs() == 1
    user = UserFactory(wg3=True)

    sign_in(page, user.email)
    page.goto(f"/en/packs/{pack.pk}/")
    notice = page.locator("[data-pack-restarted]")
    assert notice.inner_text() == (
        "A worker was lost while building this pack, so the build restarted."
    )
    assert page.locator("#pack-progress").get_attribute("value") == "35"
    page.screenshot(path=tmp_path / "lost-worker.png", full_page=True)
    assert console_errors == []


def test_the_pack_page_counts_the_sections_laid_out_up_to_100_percent(page, console_errors):
    session = ListeningSessionFactory(title="Listening on regular pathways")
    themes = list(Theme.objects.order_by("order")[:3])
    for n in range(9):
        InterventionFactory(
            session=session,
            status="approved",
            primary_theme=themes[n % 3],
            body=f"Sentinelsection{n} " + "Migrants lost their permits when offices closed. " * 60,
        )
    user = UserFactory(wg3=True)
    reset_broker_pools()
    purge_queue()
    shown = []

    with (
        start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30),
        running_relay(),
    ):
        sign_in(page, user.email)
        page.goto(f"/en/packs/session/{session.slug}/")
        page.get_by_role("button", name="Build the input pack").click()
        page.on(
            "response",
            lambda response: (
                shown.append((response.json()["progress"], response.json()["stage"]))
                if "/status/" in response.url and response.ok
                else None
            ),
        )
        # The page shows the count as the workers lay the sections out.
        page.wait_for_function(
            "() => /laid out [1-5] of 6 sections/.test("
            "document.querySelector('[data-pack-stage]').textContent)",
            timeout=120_000,
        )
        page.get_by_role("link", name="Download the PDF").wait_for(timeout=180_000)
        assert page.locator("#pack-progress").get_attribute("value") == "100"
        assert page.locator("[data-pack-progress]").inner_text() == "100"

    # Cover, key figures, three themes and the annexes; the page said how many were done.
    counted = [
        text for _progress, text in shown if re.fullmatch(r"laid out \d of 6 sections", text)
    ]
    assert counted
    progress = [value for value, _text in shown]
    assert progress == sorted(progress)
    assert console_errors == []
