"""Working Group 3's screens: a navigation that fits the role, each session said once."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission

from interventions.enums import InterventionStatus as S
from interventions.models import Intervention
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>')


def navigation(client, path="/en/") -> list[tuple[str, str]]:
    html = client.get(path).content.decode()
    return LINK.findall(NAV.search(html).group(0))


def test_working_group_navigation_starts_with_its_work(client):
    client.force_login(UserFactory(wg3=True))
    links = navigation(client)
    assert links[:6] == [
        ("/en/interventions/approved/", "Approved inputs"),
        ("/en/packs/", "Input packs"),
        ("/en/interventions/approved/#exports", "Exports"),
        ("/en/interventions/quotes/", "Quote bank"),
        ("/en/packs/matrix/", "Evidence matrix"),
        ("/en/sessions/", "Sessions"),
    ]
    assert [label for _, label in links].count("Approved inputs") == 1


def test_stakeholder_navigation_starts_with_the_sessions(client):
    client.force_login(ProfileFactory().user)
    labels = [label for _, label in navigation(client)]
    assert labels == ["Sessions", "My sessions", "Profile", "My interventions"]


def test_a_reader_who_may_not_build_packs_still_finds_the_approved_inputs(client):
    reader = UserFactory()
    reader.user_permissions.add(Permission.objects.get(codename="browse_approved_intervention"))
    client.force_login(reader)
    labels = [label for _, label in navigation(client)]
    assert labels == ["Sessions", "My sessions", "Profile", "My interventions", "Approved inputs"]


def test_approved_inputs_say_each_session_once(client):
    first = ListeningSessionFactory(
        title="First session", starts_at=datetime(2031, 1, 1, tzinfo=UTC)
    )
    second = ListeningSessionFactory(
        title="Second session", starts_at=datetime(2031, 2, 1, tzinfo=UTC)
    )
    for session in (first, first, first, second, second):
        intervention = InterventionFactory(session=session)
        Intervention.objects.filter(pk=intervention.pk).update(status=S.APPROVED)
    client.force_login(UserFactory(wg3=True))

    html = client.get("/en/interventions/approved/").content.decode()

    assert (html.count("First session"), html.count("Second session")) == (2, 2)  # + the filter
    headings = re.findall(
        r'<h2 id="session-group-\d+" class="session-group-title">([^<]+)</h2>', html
    )
    assert headings == [first.title, second.title]
    assert html.count("<h3><a href=") == 5
