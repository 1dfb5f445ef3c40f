"""Long unbroken text (a pasted URL, 5,000 characters without a space) never makes a page
wider than the window: every page that shows user text, at 1280 px and at 360 px."""

import pytest

from briefs.enums import PackStatus
from interventions.models import Intervention
from sessions_app.enums import RegistrationStatus
from tests.factories import (
    PASSWORD,
    BriefPackFactory,
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

LONG = "https://example.org/" + "a" * 5000
WORD = "b" * 190  # as long as a title may be, without a space
WIDTHS = [1280, 360]


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing overflows)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


@pytest.fixture
def hostile(transactional_db):
    session = ListeningSessionFactory(
        title="Session " + WORD, summary=LONG, organizers=LONG, slug="long-session"
    )
    author = UserFactory(email="author@example.org")
    ProfileFactory(user=author, organization="Org" + WORD, full_name="Name" + WORD)
    RegistrationFactory(
        user=author,
        session=session,
        status=RegistrationStatus.CONFIRMED,
        organization="Org" + WORD,
        accessibility_needs=LONG,
    )
    mine = InterventionFactory(
        session=session,
        author=author,
        language="fr",
        title="Titre" + WORD,
        body=LONG,
        english_title="Title" + WORD,
        english_text=LONG,
        credit_name="Name" + WORD,
        credit_organization="Org" + WORD,
        status="approved",
        feedback=LONG,
    )
    spanish = InterventionFactory(
        session=session, author=author, language="es", title="Título" + WORD, body=LONG
    )
    Intervention.objects.filter(pk=spanish.pk).update(status="submitted")
    UserFactory(email="staff@example.org", secretariat=True)
    reader = UserFactory(email="wg3@example.org", wg3=True)
    pack = BriefPackFactory(session=session, requested_by=reader, status=PackStatus.DONE)
    return {"session": session, "mine": mine, "spanish": spanish, "pack": pack}


def sign_in(page, email: str) -> None:
    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()


def measure(page, paths: list[str]) -> dict[str, dict[int, int]]:
    found = {}
    for path in paths:
        found[path] = {}
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(path)
            assert response.status == 200, path
            found[path][width] = overflow(page)
    return found


def no_overflow(paths):
    return {path: dict.fromkeys(WIDTHS, 0) for path in paths}


def test_pages_with_user_text_never_overflow(page, hostile):
    session, mine, spanish, pack = (
        hostile["session"],
        hostile["mine"],
        hostile["spanish"],
        hostile["pack"],
    )
    public = ["/en/", "/en/sessions/", f"/en/sessions/{session.slug}/"]
    assert measure(page, public) == no_overflow(public)

    sign_in(page, "author@example.org")
    author = [
        "/en/sessions/me/profile/",
        "/en/sessions/me/sessions/",
        "/en/interventions/",
        f"/en/interventions/{mine.pk}/",
        f"/en/interventions/{spanish.pk}/",
        f"/en/interventions/{spanish.pk}/edit/",
        "/en/privacy/my-data/",
    ]
    assert measure(page, author) == no_overflow(author)

    page.context.clear_cookies()
    sign_in(page, "wg3@example.org")
    working_group = [
        "/en/interventions/approved/",
        f"/en/interventions/approved/{mine.pk}/",
        "/fr/interventions/approved/",
        f"/es/interventions/approved/{mine.pk}/",
        "/en/packs/",
        f"/en/packs/session/{session.slug}/",
        f"/en/packs/{pack.pk}/",
    ]
    assert measure(page, working_group) == no_overflow(working_group)

    page.context.clear_cookies()
    sign_in(page, "staff@example.org")
    admin = [
        "/en/admin/interventions/intervention/",
        f"/en/admin/interventions/intervention/{mine.pk}/change/",
        f"/en/admin/interventions/intervention/{spanish.pk}/change/",
        "/en/admin/sessions_app/registration/",
        "/en/admin/sessions_app/listeningsession/",
    ]
    assert measure(page, admin) == no_overflow(admin)
