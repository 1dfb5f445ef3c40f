"""A stakeholder's first steps: from My sessions to writing, and what happens after."""

import pytest
from django.urls import reverse

from interventions.enums import InterventionStatus as S
from interventions.models import Intervention
from sessions_app.enums import RegistrationStatus, SessionStatus
from tests.factories import (
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import intervention_form_data

pytestmark = pytest.mark.django_db

NEXT_STEPS = "What happens next"


def write_links(html: str) -> list[str]:
    return [
        line.split('href="', 1)[1].split('"', 1)[0]
        for line in html.splitlines()
        if "Write an intervention" in line and 'href="' in line
    ]


def test_my_sessions_offers_writing_for_each_session_one_may_write_for(client):
    user = UserFactory()
    ProfileFactory(user=user)
    open_session = ListeningSessionFactory(slug="open-one")
    pending = ListeningSessionFactory(slug="pending-one")
    held = ListeningSessionFactory(slug="held-one", status=SessionStatus.HELD)
    cancelled = ListeningSessionFactory(slug="cancelled-one")
    RegistrationFactory(user=user, session=open_session)
    RegistrationFactory(user=user, session=pending, status=RegistrationStatus.PENDING)
    RegistrationFactory(user=user, session=held)
    RegistrationFactory(user=user, session=cancelled, status=RegistrationStatus.CANCELLED)
    client.force_login(user)

    html = client.get(reverse("sessions_app:my_sessions")).content.decode()

    assert sorted(write_links(html)) == [
        "/en/interventions/new/open-one/",
        "/en/interventions/new/pending-one/",
    ]
    assert html.count(NEXT_STEPS) == 2


def test_registering_leads_to_a_page_that_says_what_happens_next(client):
    user = UserFactory()
    ProfileFactory(user=user)
    session = ListeningSessionFactory(slug="new-one")
    client.force_login(user)

    response = client.post(
        reverse("sessions_app:register", kwargs={"slug": session.slug}),
        {"privacy_consent": "on", "role": "Coordinator"},
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith(reverse("sessions_app:my_sessions"))
    html = response.content.decode()
    assert NEXT_STEPS in html
    assert write_links(html) == ["/en/interventions/new/new-one/"]


def test_submitting_leads_to_a_page_that_says_what_happens_next(
    client, session, author, theme, region
):
    client.force_login(author)
    response = client.post(
        reverse("interventions:create", kwargs={"session_slug": session.slug}),
        intervention_form_data(theme, region, submit="1"),
        follow=True,
    )

    assert Intervention.objects.get().status == S.SUBMITTED
    html = response.content.decode()
    assert NEXT_STEPS in html
    assert "You receive an email with the decision" in html
    assert "input pack" in html


def test_a_draft_does_not_say_what_happens_after_review(client, session, author, theme, region):
    client.force_login(author)
    response = client.post(
        reverse("interventions:create", kwargs={"session_slug": session.slug}),
        intervention_form_data(theme, region, save="1"),
        follow=True,
    )
    assert NEXT_STEPS not in response.content.decode()
