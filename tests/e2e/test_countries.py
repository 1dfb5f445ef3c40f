"""The countries of an intervention: a searchable list, used with the keyboard alone, and a
plain multiple select without JavaScript."""

import pytest
from playwright.sync_api import expect

from interventions.models import Intervention
from sessions_app.enums import RegistrationStatus
from tests.factories import (
    PASSWORD,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def writer(transactional_db):
    session = ListeningSessionFactory(slug="pathways", word_limit=200)
    user = UserFactory(email="writer@example.org")
    ProfileFactory(user=user)
    RegistrationFactory(user=user, session=session, status=RegistrationStatus.CONFIRMED)
    return session


def sign_in(page) -> None:
    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", "writer@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()


def fill_the_rest(page) -> None:
    page.check("input[name=kind][value=challenge]")
    page.fill("input[name=title]", "Permits expired")
    page.fill("textarea[name=body]", "Offices closed for months.")
    page.select_option("select[name=primary_theme]", index=1)
    page.locator("input[name=regions]").first.check()
    page.check("input[name=credit][value=anonymous]")


def test_countries_are_found_by_typing_and_removed_by_key_or_click(page, writer, console_errors):
    sign_in(page)
    page.goto("/en/interventions/new/pathways/")
    combobox = page.get_by_role("combobox", name="Countries")
    # The native select is replaced (kept for the form, hidden from view and from tabbing).
    native = page.locator("select[name=countries]")
    assert (native.get_attribute("tabindex"), native.bounding_box()["width"]) == ("-1", 1)

    combobox.focus()
    options = page.locator(".ts-dropdown").get_by_role("option")
    for typed, country in [("keny", "Kenya"), ("france", "France"), ("peru", "Peru")]:
        page.keyboard.type(typed)
        expect(options).to_have_text([country])
        page.keyboard.press("Enter")
    chosen = page.locator(".searchable-select .ts-control .item")
    assert [text.replace("×", "").strip() for text in chosen.all_inner_texts()] == [
        "Kenya",
        "France",
        "Peru",
    ]

    page.keyboard.press("Backspace")  # removes the last one: Peru
    page.get_by_role("button", name="Remove France").click()
    assert [text.replace("×", "").strip() for text in chosen.all_inner_texts()] == ["Kenya"]

    fill_the_rest(page)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state()
    assert [country.code for country in Intervention.objects.get().countries] == ["KE"]
    assert console_errors == []


def test_countries_submit_without_javascript(browser, live_server, writer):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page)
    page.goto("/en/interventions/new/pathways/")
    countries = page.locator("select[name=countries]")
    assert countries.is_visible()
    countries.select_option(["KE", "FR"])
    fill_the_rest(page)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state()
    assert sorted(country.code for country in Intervention.objects.get().countries) == ["FR", "KE"]
    context.close()
