"""The public "What we heard" page of a held session: themes with counts, and only the inputs
whose authors consented to publication, credited as they chose."""

from datetime import date

import pytest
from django.urls import reverse

from briefs.services import record_policy_brief
from interventions.models import Theme
from tests.factories import InterventionFactory, ListeningSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(db):
    return ListeningSessionFactory(title="Listening on regular pathways", status="held")


def heard_url(session, language="en"):
    return f"/{language}/sessions/{session.slug}/heard/"


def test_nothing_from_a_contributor_who_did_not_consent(client, held):
    InterventionFactory(
        session=held,
        status="approved",
        consent_to_publish=True,
        title="Published title",
        body="Sentinelpublished words.",
        credit="named",
        credit_name="Amina Diallo",
        credit_organization="Migrants Forum",
    )
    InterventionFactory(
        session=held,
        status="approved",
        consent_to_publish=False,
        title="Sentinelsecrettitle",
        body="Sentinelsecretbody words.",
        credit="named",
        credit_name="Zelinda Quarrington",
        credit_organization="Hushhush Collective",
    )
    InterventionFactory(
        session=held,
        status="submitted",
        consent_to_publish=True,
        title="Sentinelnotapproved",
        body="Sentinelnotapprovedbody",
    )

    response = client.get(heard_url(held))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Sentinelpublished words." in html
    assert "Amina Diallo, Migrants Forum" in html
    leaked = [
        word
        for word in (
            "Sentinelsecret",
            "Zelinda",
            "Quarrington",
            "Hushhush",
            "Sentinelnotapproved",
        )
        if word in html
    ]
    assert leaked == []


def test_themes_are_counted_over_every_approved_input(client, held):
    labour = Theme.objects.get(slug="labour-pathways")
    for consent in (True, False, False):
        InterventionFactory(
            session=held, status="approved", primary_theme=labour, consent_to_publish=consent
        )
    InterventionFactory(session=held, status="approved", consent_to_publish=False)
    InterventionFactory(session=held, status="rejected", primary_theme=labour)

    html = client.get(heard_url(held)).content.decode()

    assert "<td>Labour migration pathways</td><td>3</td>" in html
    assert f"<td>{Theme.objects.get(slug='regularization').name}</td><td>1</td>" in html
    assert "Stakeholders shared 4 inputs" in html


def test_credit_is_exactly_as_consented(client, held):
    InterventionFactory(
        session=held,
        status="approved",
        consent_to_publish=True,
        credit="anonymous",
        credit_name="Hidden Person",
        credit_organization="Hidden Org",
        body="Sentinelanon",
    )
    InterventionFactory(
        session=held,
        status="approved",
        consent_to_publish=True,
        credit="organization",
        credit_name="Unnamed Person",
        credit_organization="Named Org",
        body="Sentinelorg",
    )

    html = client.get(heard_url(held)).content.decode()

    assert "— Anonymous participant" in html
    assert "— Named Org" in html
    assert [word for word in ("Hidden", "Unnamed") if word in html] == []


def test_before_the_session_is_held_the_page_says_when_it_opens(client):
    upcoming = ListeningSessionFactory(status="open")
    InterventionFactory(
        session=upcoming, status="approved", consent_to_publish=True, body="Sentinelearly"
    )

    response = client.get(heard_url(upcoming))

    assert response.status_code == 404
    html = response.content.decode()
    assert "This page opens once the session has been held" in html
    assert "Sentinelearly" not in html
    assert client.get(heard_url(ListeningSessionFactory(status="draft"))).status_code == 404


def test_the_brief_is_linked_once_published(client, held, wg3):
    assert "The policy brief" not in client.get(heard_url(held)).content.decode()
    record_policy_brief(
        session=held,
        user=wg3,
        title="The Impact of COVID 19",
        published_on=date(2031, 5, 20),
        url="https://example.org/brief",
        references="",
    )
    html = client.get(heard_url(held)).content.decode()
    assert 'href="https://example.org/brief"' in html
    assert "“The Impact of COVID 19”, published on" in html


def test_the_session_page_links_it_once_held(client, held):
    upcoming = ListeningSessionFactory(status="open")
    assert heard_url(held) in client.get(held.get_absolute_url()).content.decode()
    assert heard_url(upcoming) not in client.get(upcoming.get_absolute_url()).content.decode()


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_page_is_translated(client, held, language):
    html = client.get(heard_url(held, language)).content.decode()
    assert {"fr": "Ce que nous avons entendu", "es": "Lo que escuchamos"}[language] in html


@pytest.mark.parametrize("count", [1, 25])
def test_query_count(client, held, count, django_assert_max_num_queries):
    themes = list(Theme.objects.order_by("order")[:3])
    for number in range(count):
        intervention = InterventionFactory(
            session=held,
            status="approved",
            consent_to_publish=True,
            primary_theme=themes[number % 3],
        )
        intervention.themes.set(themes[1:])
    with django_assert_max_num_queries(10):
        response = client.get(heard_url(held))
    assert response.content.decode().count('class="card heard-input"') == count


def test_url_name():
    assert reverse("sessions_app:heard", kwargs={"slug": "s"}) == "/en/sessions/s/heard/"
