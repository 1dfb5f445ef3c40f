"""axe-core in real Chromium: no WCAG 2.1 A or AA violations on the platform's pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from interventions.models import Intervention
from tests.factories import ListeningSessionFactory

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGUAGES = ["en", "fr", "es"]
SESSION = "/sessions/covid-19-regular-pathways/"

PUBLIC_PAGES = ["/", SESSION, "/sessions/", "/accounts/signup/", "/accounts/login/", "/privacy/"]
# (account, path) — pages behind sign-in, visited as the demo account that can see them.
STAKEHOLDER = "stakeholder@example.org"
WG3 = "wg3@example.org"
SIGNED_IN_PAGES = [
    (STAKEHOLDER, "/sessions/me/profile/"),
    (STAKEHOLDER, "/sessions/second-session/register/"),
    (STAKEHOLDER, "/sessions/me/sessions/"),
    (STAKEHOLDER, "/interventions/new/covid-19-regular-pathways/"),
    (STAKEHOLDER, "/interventions/"),
    (STAKEHOLDER, "/interventions/{draft}/"),
    (STAKEHOLDER, "/privacy/my-data/"),
    (WG3, "/interventions/approved/"),
    (WG3, "/interventions/approved/{approved}/"),
    (WG3, "/packs/"),
    (WG3, "/packs/session/covid-19-regular-pathways/"),
]


def violations(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']}: {node['target']}"
        for v in results.response["violations"]
        for node in v["nodes"]
    ]


def sign_in(page, email: str, language: str) -> None:
    page.goto(f"/{language}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "listening-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ListeningSessionFactory(slug="second-session", title="A second listening session")
    mine = Intervention.objects.filter(author__email=STAKEHOLDER)
    return {
        "draft": mine.filter(status="draft").values_list("pk", flat=True).first()
        or mine.values_list("pk", flat=True).first(),
        "approved": Intervention.objects.filter(status="approved").values_list("pk", flat=True)[0],
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_violations(page, demo, language):
    found = {}
    for path in PUBLIC_PAGES:
        response = page.goto(f"/{language}{path}")
        assert response.status == 200, path
        found[path] = violations(page)
    assert found == {path: [] for path in PUBLIC_PAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_in_pages_have_no_violations(page, demo, language):
    found = {}
    current = None
    for email, path in SIGNED_IN_PAGES:
        if email != current:
            page.context.clear_cookies()
            sign_in(page, email, language)
            current = email
        response = page.goto(f"/{language}{path.format(**demo)}")
        assert response.status == 200, path
        found[path] = violations(page)
    assert found == {path: [] for _email, path in SIGNED_IN_PAGES}
