"""Who may register, cancel and write: one answer from the domain, shared by pages and services."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from interventions import services as intervention_services
from interventions.models import Intervention, Theme
from interventions.selectors import writing_blocker
from sessions_app.enums import SessionStatus
from sessions_app.selectors import cancel_blocker, registration_blocker
from tests.factories import ListeningSessionFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "registration_status", "blocker"),
    [
        (SessionStatus.OPEN, "confirmed", None),
        (SessionStatus.CLOSED, "waitlisted", None),
        (SessionStatus.HELD, "confirmed", "closed"),
        (SessionStatus.OPEN, "declined", "not_registered"),
        (SessionStatus.OPEN, "cancelled", "not_registered"),
    ],
)
def test_writing_blocker_answers_for_sessions_and_registrations(
    status, registration_status, blocker
):
    registration = RegistrationFactory(
        status=registration_status, session=ListeningSessionFactory(status=status)
    )
    assert writing_blocker(session=registration.session, user=registration.user) == blocker


def test_a_closed_session_page_offers_writing_the_service_accepts(client):
    """Registration has closed but the session is not held yet: writing is still open."""
    registration = RegistrationFactory(
        status="confirmed", session=ListeningSessionFactory(status=SessionStatus.CLOSED)
    )
    client.force_login(registration.user)
    response = client.get(registration.session.get_absolute_url())
    assert (response.context["can_write"], response.context["can_register"]) == (True, False)
    assert f"/en/interventions/new/{registration.session.slug}/" in response.text
    intervention, created = intervention_services.create_intervention(
        session=registration.session,
        author=registration.user,
        data={"title": "Still open", "body": "Words", "language": "en", "kind": "challenge",
              "primary_theme": Theme.objects.first()},
        submission_token=uuid.uuid4(),
        submit=False,
    )  # fmt: skip
    assert (created, intervention.title) == (True, "Still open")


def test_the_session_page_offers_registering_only_when_the_domain_allows_it(client):
    open_session = ListeningSessionFactory(status=SessionStatus.OPEN)
    held = ListeningSessionFactory(status=SessionStatus.HELD)
    client.force_login(UserFactory())
    assert client.get(open_session.get_absolute_url()).context["can_register"] is True
    response = client.get(held.get_absolute_url())
    assert (response.context["can_register"], response.context["refusal"]) == (
        False,
        "This session has already been held.",
    )


def test_registration_and_cancel_blockers():
    registration = RegistrationFactory(status="confirmed")
    session = registration.session
    assert registration_blocker(session=session, registration=registration) == (
        "already_registered"
    )
    assert cancel_blocker(registration=registration, user=UserFactory()) == "not_owner"
    assert cancel_blocker(registration=registration, user=registration.user) is None
    registration.status = "declined"
    assert cancel_blocker(registration=registration, user=registration.user) == "not_cancellable"


@override_settings(INTERVENTION_MAX_CHARS=40)
@pytest.mark.parametrize(
    ("body", "code"),
    [("a " * 11, "too_many_words"), ("x" * 41, "too_long")],
)
def test_services_refuse_texts_over_the_limits_and_store_nothing(body, code):
    registration = RegistrationFactory(
        status="confirmed", session=ListeningSessionFactory(word_limit=10)
    )
    with pytest.raises(ValidationError) as refused:
        intervention_services.create_intervention(
            session=registration.session,
            author=registration.user,
            data={"title": "Too long", "body": body, "language": "en", "kind": "challenge",
                  "primary_theme": Theme.objects.first()},
            submission_token=uuid.uuid4(),
            submit=False,
        )  # fmt: skip
    assert [e.code for e in refused.value.error_dict["body"]] == [code]
    assert Intervention.objects.count() == 0


def test_an_edit_over_the_word_limit_changes_nothing():
    registration = RegistrationFactory(
        status="confirmed", session=ListeningSessionFactory(word_limit=5)
    )
    intervention, _created = intervention_services.create_intervention(
        session=registration.session,
        author=registration.user,
        data={"title": "Short", "body": "Five words are quite enough", "language": "en",
              "kind": "challenge", "primary_theme": Theme.objects.first()},
        submission_token=uuid.uuid4(),
        submit=False,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        intervention_services.update_intervention(
            intervention=intervention,
            actor=registration.user,
            data={"body": "six words are one too many"},
            submit=False,
        )
    intervention.refresh_from_db()
    assert intervention.body == "Five words are quite enough"


def test_someone_not_registered_cannot_write_through_the_service():
    session = ListeningSessionFactory()
    with pytest.raises(PermissionDenied):
        intervention_services.create_intervention(
            session=session,
            author=UserFactory(),
            data={"title": "x", "body": "y", "language": "en", "kind": "challenge",
                  "primary_theme": Theme.objects.first()},
            submission_token=uuid.uuid4(),
            submit=False,
        )  # fmt: skip
