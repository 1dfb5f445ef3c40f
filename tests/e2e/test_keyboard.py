"""A stakeholder completes sign-in and registration with the keyboard alone."""

import pytest

from sessions_app.models import Registration
from tests.factories import PASSWORD, ListeningSessionFactory, UserFactory

pytestmark = pytest.mark.e2e


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user
    would), and check the focus is visible there."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            outline = target.evaluate("el => getComputedStyle(el).outlineStyle")
            assert outline != "none", f"no visible focus on {selector}"
            return
    pytest.fail(f"{selector} cannot be reached with Tab")


def test_registration_with_the_keyboard_only(page):
    user = UserFactory(email="keys@example.org", stakeholder=True)
    session = ListeningSessionFactory(title="Keyboard session")

    page.goto("/en/accounts/login/")
    tab_to(page, "input[name=login]")
    page.keyboard.type("keys@example.org")
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/")

    page.goto(session.get_absolute_url())
    tab_to(page, f"a[href='/en/sessions/{session.slug}/register/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sessions/{session.slug}/register/")

    tab_to(page, "input[name=role]")
    page.keyboard.type("Programme officer")
    tab_to(page, "input[name=wishes_to_speak]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=privacy_consent]")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sessions/me/sessions/#registration-*")

    registration = Registration.objects.get(user=user, session=session)
    assert (registration.status, registration.role, registration.wishes_to_speak) == (
        "confirmed",
        "Programme officer",
        True,
    )
    assert "meet.example.org/secret-room-4242" in page.content()
