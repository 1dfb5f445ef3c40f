import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    ("language", "heading", "session_heading"),
    [
        ("en", "Stakeholder listening sessions", "Stakeholder Listening Session: COVID-19"),
        ("fr", "Sessions d’écoute des parties prenantes", "Session d'écoute des parties prenantes"),
    ],
)
def test_home_and_demo_session_load_without_console_errors(
    page, demo, console_errors, language, heading, session_heading
):
    response = page.goto(f"/{language}/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == heading

    page.locator(".card h3 a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/{language}/sessions/covid-19-regular-pathways/")
    assert page.locator("h1").inner_text().startswith(session_heading)
    assert page.locator(".agenda li").count() == 5
    assert console_errors == []
