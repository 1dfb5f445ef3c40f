"""A stakeholder signs up, verifies their email, completes the profile and registers."""

import re

import pytest
from django.core import mail

from sessions_app.enums import AgendaItemKind
from tests.factories import (
    PASSWORD,
    AgendaItemFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import run_pending_outbox_tasks

pytestmark = pytest.mark.e2e

JOIN = "https://meet.example.org/secret-room-4242"


def main_submit(page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_new_stakeholder_signs_up_verifies_completes_profile_and_registers(page, console_errors):
    session = ListeningSessionFactory(title="Regular pathways after COVID-19", capacity=5)
    AgendaItemFactory(session=session, order=1, title="Opening")
    AgendaItemFactory(session=session, order=2, title="Open floor", kind=AgendaItemKind.OPEN_FLOOR)

    page.goto("/en/accounts/signup/")
    page.fill("input[name=email]", "amina.diallo@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    main_submit(page)
    assert "/en/accounts/confirm-email/" in page.url

    [verification] = mail.outbox
    assert verification.to == ["amina.diallo@example.org"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", verification.body).group(0)
    page.goto(link)
    main_submit(page)  # "Confirm": signs the new user in

    page.goto(session.get_absolute_url())
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_load_state()
    assert "/en/sessions/me/profile/" in page.url
    assert "Please complete your profile first" in page.locator(".messages").inner_text()

    page.fill("input[name=full_name]", "Amina Diallo")
    page.fill("input[name=organization]", "Caritas Dakar")
    page.select_option("select[name=stakeholder_type]", "faith_based")
    page.select_option("select[name=country]", "SN")
    assert page.locator("select[name=region] option:checked").inner_text() == "Africa"
    page.select_option("select[name=preferred_language]", "fr")
    page.select_option("select[name=time_zone]", "Africa/Dakar")
    main_submit(page)
    assert page.url.endswith(f"/en/sessions/{session.slug}/register/")

    page.fill("input[name=role]", "Programme officer")
    page.check("input[name=privacy_consent]")
    main_submit(page)

    assert "/en/sessions/me/sessions/" in page.url
    assert "Your registration is confirmed" in page.locator(".messages").inner_text()
    card = page.locator(".my-registration")
    assert card.locator(".badge").inner_text() == "Confirmed"
    assert card.locator("a.join-link").inner_text() == JOIN
    assert card.locator("a.join-link").get_attribute("href") == (
        f"/en/sessions/{session.slug}/live/join/"
    )

    assert run_pending_outbox_tasks(purge=True) == 1
    confirmation = mail.outbox[-1]
    assert confirmation.to == ["amina.diallo@example.org"]
    assert confirmation.subject.startswith("[Listening] ")
    assert JOIN in confirmation.body
    assert [name for name, _content, _type in confirmation.attachments] == [f"{session.slug}.ics"]
    assert console_errors == []


def test_second_stakeholder_on_a_full_session_sees_the_waitlist_place(page, console_errors):
    session = ListeningSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    stakeholder = UserFactory(stakeholder=True)

    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", stakeholder.email)
    page.fill("input[name=password]", PASSWORD)
    main_submit(page)

    page.goto(session.get_absolute_url())
    assert page.locator(".seats-left").inner_text() == "0 of 1"
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_load_state()
    page.fill("input[name=role]", "Researcher")
    page.check("input[name=privacy_consent]")
    main_submit(page)

    assert "you are number 1 on the waitlist" in page.locator(".messages").inner_text()
    card = page.locator(".my-registration")
    assert card.locator(".badge").inner_text() == "Waitlisted"
    assert card.locator(".waitlist-place").inner_text() == "You are number 1 on the waitlist."
    assert JOIN not in page.content()
    assert run_pending_outbox_tasks(purge=True) == 1
    assert mail.outbox[-1].subject.startswith("[Listening] You are on the waitlist")
    assert console_errors == []
