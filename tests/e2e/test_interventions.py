"""An intervention's whole life in a real browser: written in French by a registered
stakeholder, translated and approved by the secretariat, found by Working Group 3."""

import pytest

from interventions.models import Intervention, Region, Theme
from tests.factories import (
    PASSWORD,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

FRENCH_TITLE = "Régularisation suspendue à Dakar"
FRENCH_BODY = "Les guichets sont restés fermés pendant des mois et les titres de séjour ont expiré."


def _sign_in(context, language, email):
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"/{language}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    return page


def test_french_intervention_is_approved_and_found_by_working_group(
    page, browser, live_server, console_errors
):
    session = ListeningSessionFactory(title="Pathways session", word_limit=120)
    stakeholder = UserFactory(
        email="awa@example.org",
        stakeholder=True,
        profile__preferred_language="fr",
        profile__full_name="Awa Ndiaye",
    )
    RegistrationFactory(user=stakeholder, session=session, preferred_language="fr")
    UserFactory(email="moderator@example.org", secretariat=True)
    UserFactory(email="reader@example.org", wg3=True)
    region = Region.objects.get(slug="africa")
    theme = Theme.objects.get(slug="regularization")

    # The stakeholder writes and submits in French.
    page.goto("/fr/accounts/login/")
    page.fill("input[name=login]", stakeholder.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    page.goto("/fr/interventions/")
    page.locator(".write-for a").click()
    page.wait_for_url(f"**/fr/interventions/new/{session.slug}/")
    page.wait_for_load_state("load")
    page.check("input[name=kind][value=challenge]")
    page.fill("input[name=title]", FRENCH_TITLE)
    page.fill("textarea[name=body]", FRENCH_BODY)
    assert page.locator("#word-count").inner_text().startswith("15")
    assert "120" in page.locator("#word-count").inner_text()
    page.select_option(".intervention-form select[name=language]", "fr")
    page.select_option("select[name=primary_theme]", str(theme.pk))
    page.check(f"input[name=regions][value='{region.pk}']")
    page.check("input[name=credit][value=organization]")
    page.locator("button[name=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").all_inner_texts() == []
    assert page.locator(".badge-submitted").count() == 1
    intervention = Intervention.objects.get()
    assert (intervention.status, intervention.language) == ("submitted", "fr")
    assert page.url.endswith(f"/fr/interventions/{intervention.pk}/")

    # The secretariat adds an English translation and approves it in the admin.
    staff_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    staff_errors = []
    staff_context.on(
        "console", lambda m: staff_errors.append(m.text) if m.type == "error" else None
    )
    staff = _sign_in(staff_context, "en", "moderator@example.org")
    staff.goto("/en/admin/interventions/intervention/?status__exact=submitted")
    # The changelist's link is the input's source ID, first in its row.
    staff.locator("tr", has_text=FRENCH_TITLE).get_by_role(
        "link", name=intervention.reference
    ).click()
    staff.wait_for_load_state()
    assert FRENCH_BODY in staff.locator("fieldset.side-by-side").inner_text()
    staff.fill("input[name=english_title]", "Regularization suspended in Dakar")
    staff.fill(
        "textarea[name=english_text]",
        "Offices stayed closed for months and residence permits expired.",
    )
    staff.select_option("select[name=decision]", "approved")
    staff.locator("input[name=_save]").click()
    staff.wait_for_load_state()
    assert staff.locator(".messagelist .success").count() >= 1
    intervention.refresh_from_db()
    assert (intervention.status, intervention.english_title) == (
        "approved",
        "Regularization suspended in Dakar",
    )
    staff_context.close()

    # The stakeholder sees it approved.
    page.goto("/fr/interventions/")
    assert page.locator(".intervention-list .badge-approved").count() == 1

    # Working Group 3 finds it under its region and theme.
    reader_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    reader = _sign_in(reader_context, "en", "reader@example.org")
    reader.goto("/en/interventions/approved/")
    reader.select_option("select[name=region]", "africa")
    reader.select_option("select[name=theme]", "regularization")
    reader.locator(".filters button[type=submit]").click()
    reader.wait_for_load_state()
    assert "region=africa" in reader.url and "theme=regularization" in reader.url
    reader.get_by_role("link", name="Regularization suspended in Dakar").click()
    reader.wait_for_load_state()
    assert FRENCH_BODY in reader.locator("main").inner_text()
    assert "Offices stayed closed" in reader.locator("main").inner_text()
    reader_context.close()

    assert console_errors == []
    assert staff_errors == []
