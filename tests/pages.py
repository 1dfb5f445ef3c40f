"""The pages a person meets, by who can see them, and the demo they are crawled with.

Several checks walk the same pages: the language crawl, the Nu HTML checker, HEAD requests,
meta descriptions.
"""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from briefs.enums import PackStatus
from interventions.models import Intervention, Quote
from tests.factories import BriefPackFactory, ListeningSessionFactory

PUBLIC = [
    "/",
    "/sessions/",
    "/sessions/covid-19-regular-pathways/",
    "/privacy/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    # A session while it is live.
    "/sessions/practice-open-floor/",
]
STAKEHOLDER = [
    "/sessions/me/profile/",
    "/sessions/second-session/register/",
    "/sessions/me/sessions/",
    "/interventions/",
    "/interventions/new/covid-19-regular-pathways/",
    "/interventions/{mine}/",
    "/privacy/my-data/",
    "/privacy/delete-account/",
    "/interventions/{mine}/withdraw/",
    "/sessions/practice-open-floor/live/",
]
SECRETARIAT = [
    "/sessions/practice-open-floor/live/desk/",
    "/sessions/practice-open-floor/live/",
    "/sessions/covid-19-regular-pathways/report/",
    "/admin/status/",
]
WORKING_GROUP = [
    "/interventions/approved/",
    "/interventions/approved/{approved}/",
    "/packs/",
    "/packs/session/covid-19-regular-pathways/",
    "/packs/{pack}/",
    "/interventions/quotes/",
    "/interventions/quotes/{quote}/edit/",
    "/interventions/codes/",
    "/interventions/codes/new/",
    "/packs/matrix/",
    "/packs/matrix/?view=region-theme",
    "/packs/series/covid-19-and-migration/",
    "/packs/several/",
    "/packs/briefs/session/covid-19-regular-pathways/",
    "/packs/briefs/series/covid-19-and-migration/",
]
# (account whose pages these are, paths)
SIGNED_IN = [
    ("stakeholder@example.org", STAKEHOLDER),
    ("secretariat@example.org", SECRETARIAT),
    ("wg3@example.org", WORKING_GROUP),
]
EVERY_PAGE = PUBLIC + [path for _email, paths in SIGNED_IN for path in paths]


def seed_pages_demo() -> dict:
    """The demo content, a second session to register for and a finished pack; returns the
    values the paths above name."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ListeningSessionFactory(slug="second-session", title="Second session")
    main = Intervention.objects.filter(session__slug="covid-19-regular-pathways")
    wg3 = get_user_model().objects.get(email="wg3@example.org")
    pack = BriefPackFactory(
        session=main.first().session,
        requested_by=wg3,
        status=PackStatus.DONE,
        progress=100,
        intervention_count=3,
        page_count=12,
    )
    stakeholder = Intervention.objects.filter(author__email="stakeholder@example.org")
    return {
        # One with a moderation history, so the history list is on the page.
        "mine": stakeholder.filter(history__isnull=False).values_list("pk", flat=True).first()
        or stakeholder.values_list("pk", flat=True).first(),
        "approved": Intervention.objects.filter(status="approved").values_list("pk", flat=True)[0],
        "pack": pack.pk,
        "quote": Quote.objects.values_list("pk", flat=True).first(),
    }


def visit(client, language: str, demo: dict):
    """Yield (path, response) for every page in `language`, signed in as each page needs."""
    for path in PUBLIC:
        yield path, client.get(f"/{language}{path}")
    for email, paths in SIGNED_IN:
        client.force_login(get_user_model().objects.get(email=email))
        for path in paths:
            yield path, client.get(f"/{language}{path.format(**demo)}")
    client.logout()
