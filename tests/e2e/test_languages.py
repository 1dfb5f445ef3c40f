"""Switching language in a real browser, and a French speaker's journey to a French email."""

import pytest
from django.core import mail

from sessions_app.models import Registration
from tests.factories import PASSWORD, ListeningSessionFactory, UserFactory
from tests.helpers import run_pending_outbox_tasks

pytestmark = pytest.mark.e2e


def switch_language(page, code: str) -> None:
    page.select_option("#language-select", code)
    page.wait_for_load_state()


def test_switching_to_spanish_and_back_keeps_the_page(page, console_errors):
    session = ListeningSessionFactory(title="Pathways", title_es="Vías", title_fr="Voies")
    page.goto(session.get_absolute_url())
    assert page.locator("h1").inner_text() == "Pathways"

    switch_language(page, "es")
    page.wait_for_url(f"**/es/sessions/{session.slug}/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Vías"
    assert page.locator(".site-nav").inner_text().split()[0] == "Sesiones"

    switch_language(page, "en")
    page.wait_for_url(f"**/en/sessions/{session.slug}/")
    assert page.locator("h1").inner_text() == "Pathways"
    assert page.locator(".site-nav").inner_text().split()[0] == "Sessions"
    assert console_errors == []


def test_french_speaker_registers_and_gets_the_confirmation_in_french(page, console_errors):
    user = UserFactory(
        email="claire@example.org",
        stakeholder=True,
        profile__preferred_language="fr",
        profile__full_name="Claire Martin",
    )
    session = ListeningSessionFactory(title="Pathways", title_fr="Voies régulières")

    page.goto("/fr/accounts/login/")
    page.fill("input[name=login]", "claire@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/fr/")

    page.goto(f"/fr/sessions/{session.slug}/register/")
    assert page.locator("h1").inner_text() == "S’inscrire à la session"
    page.fill("input[name=role]", "Chargée de programme")
    page.check("input[name=privacy_consent]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/fr/sessions/me/sessions/**")
    assert Registration.objects.get(user=user).status == "confirmed"

    mail.outbox.clear()
    assert run_pending_outbox_tasks(purge=True) == 1
    [email] = mail.outbox
    assert email.to == ["claire@example.org"]
    assert email.subject == "[Listening] Votre inscription est confirmée : Voies régulières"
    assert "/fr/sessions/me/sessions/" in email.body
    assert [name for name, _content, _type in email.attachments] == [f"{session.slug}.ics"]
    assert console_errors == []
