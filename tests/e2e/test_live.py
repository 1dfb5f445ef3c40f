"""A short live session in three browsers at once: two stakeholders ask for the floor, the
secretariat calls them in order from the live desk, each stakeholder's page shows it within two
seconds, the desk records a French contribution with its interpretation, and the input appears
in the next pack. Then axe on the live page and the desk, in three languages."""

import io
import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from pypdf import PdfReader

from briefs.services import request_brief_pack
from briefs.tasks import task_build_brief_pack
from interventions.enums import InterventionStatus
from interventions.models import Intervention, Region, Theme
from interventions.services import record_oral_intervention
from sessions_app import services as live_services
from sessions_app.models import FloorRequest
from tests.factories import PASSWORD, UserFactory
from tests.helpers import purge_queue, reset_broker_pools
from tests.live import LiveWorld

pytestmark = pytest.mark.e2e

SUMMARY = "Les permis saisonniers ont expiré pendant la fermeture des bureaux à Dakar."
INTERPRETATION = "Seasonal permits expired while the offices in Dakar were closed."
WITHIN = 2.0  # seconds: every viewer sees a change within this


def signed_in(browser, live_server, email: str, errors: list, language: str = "en"):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/{language}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    return context, page


def ask_for_the_floor(page, slug: str, *, language: str, topic: str) -> None:
    page.goto(f"/en/sessions/{slug}/live/")
    page.get_by_role("link", name="Ask for the floor").click()
    page.get_by_label("Open floor: pathways").check()
    page.get_by_label(language, exact=True).check()
    page.get_by_label("Briefly, on what?").fill(topic)
    page.get_by_role("button", name="Ask for the floor").click()
    page.wait_for_url(f"**/en/sessions/{slug}/live/")


def desk_press(desk, name: str) -> float:
    """Press a desk button (its form posts and the desk reloads); return when that finished."""
    with desk.expect_navigation():
        desk.get_by_role("button", name=name).click()
    return time.monotonic()


def seen_within(page, text: str, since: float, where: str = "[data-live-region]") -> float:
    """Wait until `text` shows in the part of the page `where`; return the seconds it took."""
    expect(page.locator(where).filter(has_text=text).first).to_be_visible(timeout=WITHIN * 1000)
    return time.monotonic() - since


def test_a_short_live_session_in_three_browsers(browser, live_server, transactional_db):
    live = LiveWorld()
    slug = live.session.slug
    errors: list[str] = []
    contexts = []
    try:
        amina_context, amina = signed_in(browser, live_server, live.amina.email, errors)
        bruno_context, bruno = signed_in(browser, live_server, live.bruno.email, errors)
        desk_context, desk = signed_in(browser, live_server, live.secretariat.email, errors)
        contexts = [amina_context, bruno_context, desk_context]

        # Both stakeholders ask for the floor under the open floor now running.
        ask_for_the_floor(amina, slug, language="French", topic="Permis saisonniers")
        expect(amina.locator(".messages")).to_contain_text("you are number 1 in the queue")
        ask_for_the_floor(bruno, slug, language="English", topic="Family reunification")
        expect(bruno.locator(".messages")).to_contain_text("you are number 2 in the queue")
        assert amina.locator(".live-you").inner_text() == "You are number 1 in the queue."

        # The desk calls them in order; each page follows within two seconds.
        desk.goto(f"/en/sessions/{slug}/live/desk/")
        queue = desk.locator(".desk-queue").first
        expect(queue.locator("tbody tr")).to_have_count(2)
        assert queue.locator("tbody tr td:nth-child(2) strong").all_inner_texts() == [
            "Amina Diallo",
            "Bruno Costa",
        ]
        delays = []
        since = desk_press(desk, "Call next: Amina Diallo")
        delays.append(seen_within(amina, "You are called: unmute your microphone", since))
        since = desk_press(desk, "Start the timer")
        delays.append(seen_within(amina, "You are speaking.", since))
        delays.append(seen_within(bruno, "Amina Diallo, Réseau Sahel", since, ".live-speaker-name"))
        # Bruno moves up the queue at the same moment: one announcement may say both.
        expect(bruno.locator("#live-announcer")).to_contain_text(
            "Now speaking: Amina Diallo, Réseau Sahel."
        )
        expect(amina.locator("#live-announcer")).to_contain_text("You are speaking.")
        expect(bruno.locator("[data-timer-text]")).to_have_text(re.compile(r"^\d+:\d\d / 2:00$"))
        expect(bruno.locator(".live-you")).to_have_text("You are number 1 in the queue.")
        desk_press(desk, "Delivered")
        # With the keyboard alone: focus the next call and press Enter.
        call_bruno = desk.get_by_role("button", name="Call next: Bruno Costa")
        call_bruno.focus()
        with desk.expect_navigation():
            desk.keyboard.press("Enter")
        since = time.monotonic()
        delays.append(seen_within(bruno, "You are called: unmute your microphone", since))
        since = desk_press(desk, "Start the timer")
        delays.append(seen_within(bruno, "You are speaking.", since))
        delays.append(seen_within(amina, "Casa do Migrante", since, ".live-speaker-name"))
        desk_press(desk, "Delivered")
        assert all(delay < WITHIN for delay in delays), delays

        # The desk records Amina's French contribution with the interpretation given.
        amina_request = FloorRequest.objects.get(registration__user=live.amina)
        desk.locator(f"#fr-{amina_request.pk}-record").click()
        desk.get_by_label("Short summary, in the language spoken").fill(SUMMARY)
        desk.get_by_label("English interpretation given on the call").fill(INTERPRETATION)
        desk.get_by_label("English title").fill("Seasonal permits")
        desk.get_by_label("Challenge faced by migrants").check()
        desk.get_by_label("Primary theme").select_option(label="Labour migration pathways")
        desk.locator("fieldset", has_text="Regions").get_by_label("Africa").check()
        desk.get_by_role("button", name="Save the record").click()
        desk.wait_for_url(f"**/en/sessions/{slug}/live/desk/")
        expect(desk.locator(".messages")).to_contain_text("Recorded.")
        expect(desk.locator(f"#floor-request-{amina_request.pk}")).to_contain_text("Recorded")

        # It is moderated like any input: approved in the admin.
        oral = Intervention.objects.get(channel="oral")
        desk.goto(f"/en/admin/interventions/intervention/{oral.pk}/change/")
        desk.select_option("select[name=decision]", "approved")
        desk.locator("input[name=_save]").click()
        desk.wait_for_url("**/en/admin/interventions/intervention/")
        oral.refresh_from_db()
        assert oral.status == InterventionStatus.APPROVED
        assert errors == []
    finally:
        for context in contexts:
            context.close()

    # The next pack carries it, marked as summarised by the secretariat.
    reset_broker_pools()
    purge_queue()
    outcome = request_brief_pack(session=live.session, user=UserFactory(wg3=True))
    task_build_brief_pack(pack_id=outcome.pack.pk)
    outcome.pack.refresh_from_db()
    with outcome.pack.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Seasonal permits Permis saisonniers Oral, summarised by the secretariat" in text
    assert INTERPRETATION in text
    assert SUMMARY in text
    assert "Amina Diallo, Réseau Sahel" in text
    purge_queue()


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def violations(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [f"{v['id']}: {n['target']}" for v in results.response["violations"] for n in v["nodes"]]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_live_page_and_the_desk_have_no_accessibility_violations(
    browser, live_server, transactional_db, language
):
    live = LiveWorld()
    speaking = live_services.ask_for_floor(
        session=live.session, user=live.bruno, agenda_item=live.floor, language="es", topic="Visas"
    )
    live_services.ask_for_floor(
        session=live.session, user=live.amina, agenda_item=live.floor, language="fr", topic="Permis"
    )
    live_services.ask_for_floor(
        session=live.session, user=live.chen, agenda_item=live.floor, language="en", topic="Docks"
    )
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    live_services.start_speaking(floor_request=speaking)
    delivered = live_services.mark_delivered(floor_request=speaking)
    oral, _created = record_oral_intervention(
        floor_request=delivered,
        actor=live.secretariat,
        data={"title": "Visas", "language": "es", "body": "Resumen.", "english_text": "Summary.",
              "kind": "challenge", "primary_theme": Theme.objects.get(slug="regularization"),
              "regions": [Region.objects.get(slug="africa")]},
    )  # fmt: skip
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    to_record = live_services.mark_delivered(
        floor_request=FloorRequest.objects.get(registration__user=live.amina)
    )
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    live_services.start_speaking(floor_request=FloorRequest.objects.get(status="called"))
    errors: list[str] = []
    slug = live.session.slug
    found = {}
    for email, path in [
        (live.amina.email, f"/{language}/sessions/{slug}/live/"),
        (live.amina.email, f"/{language}/sessions/{slug}/live/ask/"),
        (live.bruno.email, f"/{language}/interventions/{oral.pk}/"),
        (live.bruno.email, f"/{language}/interventions/{oral.pk}/correction/"),
        (live.secretariat.email, f"/{language}/sessions/{slug}/live/desk/"),
        (live.secretariat.email, f"/{language}/interventions/record/{to_record.pk}/"),
        (live.secretariat.email, f"/{language}/sessions/{slug}/report/"),
    ]:
        context, page = signed_in(browser, live_server, email, errors, language)
        try:
            response = page.goto(path)
            assert response.status == 200, path
            if path.endswith("/desk/"):
                page.locator("#desk-attendance-details summary").click()
                page.locator("#desk-end-details summary").click()
            found[path] = violations(page)
            if path.endswith("/live/"):
                page.screenshot(path=f"/tmp/live-{language}.png", full_page=True)
            if path.endswith("/desk/"):
                page.screenshot(path=f"/tmp/desk-{language}.png", full_page=True)
        finally:
            context.close()
    assert found == {path: [] for path in found}
    assert errors == []
