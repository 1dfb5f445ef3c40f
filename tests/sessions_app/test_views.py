from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.enums import OutboxStatus
from core.models import OutboxMessage
from interventions.models import Region
from sessions_app.enums import AgendaItemKind, SessionStatus
from sessions_app.enums import RegistrationStatus as R
from sessions_app.models import Profile, Registration
from sessions_app.services import set_registration_status
from tests.factories import (
    AgendaItemFactory,
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import DEAD_BROKER, broker_url

pytestmark = pytest.mark.django_db

JOIN = "https://meet.example.org/secret-room-4242"
REGISTRATION_FORM = {"role": "Coordinator", "privacy_consent": "on"}


def register_url(session):
    return reverse("sessions_app:register", kwargs={"slug": session.slug})


def test_session_list_shows_upcoming_first_then_past_and_never_drafts(client):
    now = timezone.now()
    later = ListeningSessionFactory(title="Later", starts_at=now + timedelta(days=20))
    soon = ListeningSessionFactory(title="Soon", starts_at=now + timedelta(days=2))
    old = ListeningSessionFactory(
        title="Old", starts_at=now - timedelta(days=90), status=SessionStatus.HELD
    )
    recent = ListeningSessionFactory(
        title="Recent", starts_at=now - timedelta(days=5), status=SessionStatus.HELD
    )
    ListeningSessionFactory(title="Draft", status=SessionStatus.DRAFT)
    response = client.get(reverse("sessions_app:list"))
    assert response.status_code == 200
    assert list(response.context["sessions"]) == [soon, later, recent, old]
    html = response.content.decode()
    assert "Draft" not in html
    assert html.index("Upcoming sessions") < html.index("Soon") < html.index("Past sessions")


def test_draft_session_page_is_404(client):
    draft = ListeningSessionFactory(status=SessionStatus.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_session_page_shows_facts_agenda_and_seats_left(client):
    session = ListeningSessionFactory(
        starts_at=datetime(2031, 3, 4, 13, 0, tzinfo=UTC),
        registration_opens_at=datetime(2025, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2031, 3, 3, 12, 0, tzinfo=UTC),
        capacity=5,
        organizers="OHCHR, ACT Alliance",
        interpretation_note="French and Spanish interpretation.",
        description="Why we listen.",
    )
    AgendaItemFactory(session=session, order=1, start_offset_minutes=0, duration_minutes=15)
    AgendaItemFactory(
        session=session, order=2, start_offset_minutes=15, duration_minutes=60, title="Floor"
    )
    RegistrationFactory.create_batch(2, session=session)
    response = client.get(session.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Why we listen.",
        "OHCHR, ACT Alliance",
        "French and Spanish interpretation.",
        "3 of 5",
        '13:00</time>–<time datetime="2031-03-04T13:15:00+00:00">13:15</time> UTC',
        '13:15</time>–<time datetime="2031-03-04T14:15:00+00:00">14:15</time> UTC',
        "until March 3, 2031, 12:00 UTC",
    ):
        assert text in html, text
    assert JOIN not in html


def test_session_page_shows_times_in_the_browser_zone_from_the_cookie(client):
    session = ListeningSessionFactory(starts_at=datetime(2031, 3, 4, 13, 0, tzinfo=UTC))
    AgendaItemFactory(session=session, order=1, start_offset_minutes=30, duration_minutes=15)
    client.cookies["tz"] = "Asia/Kolkata"
    html = client.get(session.get_absolute_url()).content.decode()
    assert '18:30–20:30 <span class="zone">' in html  # the session, +05:30
    assert '19:00–19:15 <span class="zone">' in html  # the agenda item
    assert 'data-viewer-tz="Asia/Kolkata" data-viewer-tz-source="browser"' in html


@pytest.mark.parametrize("cookie", ["Not/AZone", "../../etc/passwd", "x" * 300, ""])
def test_session_page_ignores_a_garbage_zone_cookie(client, cookie):
    session = ListeningSessionFactory()
    client.cookies["tz"] = cookie
    response = client.get(session.get_absolute_url())
    assert response.status_code == 200
    assert 'data-viewer-tz="UTC" data-viewer-tz-source="default"' in response.content.decode()


def test_profile_time_zone_wins_over_the_cookie(client):
    profile = ProfileFactory(time_zone="America/Bogota")
    client.force_login(profile.user)
    client.cookies["tz"] = "Asia/Tokyo"
    session = ListeningSessionFactory(starts_at=datetime(2031, 3, 4, 13, 0, tzinfo=UTC))
    html = client.get(session.get_absolute_url()).content.decode()
    assert 'data-viewer-tz="America/Bogota" data-viewer-tz-source="profile"' in html
    assert '08:00–10:00 <span class="zone">' in html


def test_session_page_lists_open_floor_speakers_in_order_with_their_credit(client):
    session = ListeningSessionFactory()
    floor = AgendaItemFactory(session=session, kind=AgendaItemKind.OPEN_FLOOR, title="Floor")
    second = InterventionFactory(
        session=session,
        status="approved",
        deliver_orally=True,
        agenda_item=floor,
        speaking_order=2,
        title="Second speaker",
        credit="organization",
        credit_name="Hidden Person",
        credit_organization="Workers United",
    )
    first = InterventionFactory(
        session=session,
        status="approved",
        deliver_orally=True,
        agenda_item=floor,
        speaking_order=1,
        title="First speaker",
        credit="anonymous",
        credit_name="Secret Name",
        credit_organization="Secret Org",
    )
    InterventionFactory(  # not approved: never listed
        session=session, status="submitted", deliver_orally=True, agenda_item=floor, title="Nope"
    )
    InterventionFactory(  # written only
        session=session, status="approved", deliver_orally=False, agenda_item=floor, title="Quiet"
    )
    response = client.get(session.get_absolute_url())
    item = response.context["session"].agenda[0]
    assert item.oral_interventions == [first, second]
    html = response.content.decode()
    assert html.index("First speaker") < html.index("Second speaker")
    assert "Anonymous participant</strong> — First speaker" in html
    assert "Workers United</strong> — Second speaker" in html
    for hidden in ("Hidden Person", "Secret Name", "Secret Org", "Nope", "Quiet"):
        assert hidden not in html


def test_register_requires_sign_in(client):
    session = ListeningSessionFactory()
    response = client.get(register_url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_register_without_profile_redirects_to_the_profile_and_back(client):
    user = UserFactory()
    client.force_login(user)
    session = ListeningSessionFactory()
    response = client.get(register_url(session))
    profile_url = reverse("sessions_app:profile")
    assert response["Location"] == f"{profile_url}?next={register_url(session)}"
    response = client.post(
        profile_url,
        {
            "full_name": "Ana Pérez",
            "organization": "Red Jesuita con Migrantes",
            "stakeholder_type": "faith_based",
            "country": "CO",
            "region": "",
            "preferred_language": "es",
            "time_zone": "America/Bogota",
            "next": register_url(session),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == register_url(session)
    profile = Profile.objects.get(user=user)
    assert (profile.region.slug, profile.time_zone) == ("latin-america-caribbean", "America/Bogota")


def test_profile_ignores_an_outside_next_url(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("sessions_app:profile"),
        {
            "full_name": "A B",
            "organization": "Org",
            "stakeholder_type": "other",
            "country": "FR",
            "preferred_language": "fr",
            "time_zone": "Europe/Paris",
            "next": "https://evil.example.com/",
        },
    )
    assert response["Location"] == reverse("sessions_app:my_sessions")


def test_profile_with_bad_values_shows_errors_and_saves_nothing(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("sessions_app:profile"),
        {"full_name": "", "country": "XX", "stakeholder_type": "alien", "time_zone": "Mars/X"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "full_name",
        "organization",
        "stakeholder_type",
        "country",
        "preferred_language",
        "time_zone",
    }
    assert Profile.objects.count() == 0


def test_profile_form_prefills_the_browser_zone(client):
    client.force_login(UserFactory())
    client.cookies["tz"] = "Africa/Nairobi"
    response = client.get(reverse("sessions_app:profile"))
    assert response.context["form"].initial["time_zone"] == "Africa/Nairobi"


def test_register_confirms_and_shows_the_join_link(client):
    profile = ProfileFactory()
    client.force_login(profile.user)
    session = ListeningSessionFactory()
    response = client.post(register_url(session), REGISTRATION_FORM, follow=True)
    registration = Registration.objects.get()
    assert registration.status == R.CONFIRMED
    assert response.redirect_chain == [(registration.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "Your registration is confirmed" in html
    # The link goes through the platform, which records attendance during the session.
    join = reverse("sessions_app:live_join", kwargs={"slug": session.slug})
    assert f'href="{join}" rel="noopener noreferrer">{JOIN}</a>' in html


def test_register_needs_privacy_consent(client):
    client.force_login(UserFactory(stakeholder=True))
    session = ListeningSessionFactory()
    response = client.post(register_url(session), {"role": "Coordinator"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "privacy_consent": ["Please accept the privacy notice to register."]
    }
    assert Registration.objects.count() == 0


def test_register_form_links_the_privacy_notice(client):
    client.force_login(UserFactory(stakeholder=True))
    response = client.get(register_url(ListeningSessionFactory()))
    assert f'href="{reverse("privacy")}"' in response.content.decode()


def test_register_twice_shows_the_existing_registration(client):
    profile = ProfileFactory()
    client.force_login(profile.user)
    session = ListeningSessionFactory()
    client.post(register_url(session), REGISTRATION_FORM)
    registration = Registration.objects.get()
    for response in (
        client.post(register_url(session), REGISTRATION_FORM, follow=True),
        client.get(register_url(session), follow=True),
    ):
        assert response.status_code == 200
        assert response.redirect_chain == [(registration.get_absolute_url(), 302)]
        assert "You are already registered for this session." in response.content.decode()
    assert Registration.objects.count() == 1


def test_register_when_full_shows_the_waitlist_place(client):
    session = ListeningSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, status=R.WAITLISTED, status_changed_at=timezone.now())
    profile = ProfileFactory()
    client.force_login(profile.user)
    response = client.post(register_url(session), REGISTRATION_FORM, follow=True)
    html = response.content.decode()
    assert "you are number 2 on the waitlist" in html
    assert "You are number 2 on the waitlist." in html
    assert JOIN not in html


@pytest.mark.parametrize(
    "changes",
    [
        {"registration_opens_at": timezone.now() + timedelta(days=2)},
        {"registration_closes_at": timezone.now() - timedelta(days=1)},
        {"status": SessionStatus.HELD},
        {"status": SessionStatus.CLOSED},
    ],
)
def test_register_outside_the_window_gives_a_message_and_stores_nothing(client, changes):
    client.force_login(UserFactory(stakeholder=True))
    session = ListeningSessionFactory(**changes)
    response = client.post(register_url(session), REGISTRATION_FORM, follow=True)
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert Registration.objects.count() == 0


def test_register_for_a_draft_is_404(client):
    client.force_login(UserFactory(stakeholder=True))
    session = ListeningSessionFactory(status=SessionStatus.DRAFT)
    assert client.post(register_url(session), REGISTRATION_FORM).status_code == 404
    assert Registration.objects.count() == 0


def test_register_with_the_broker_down_still_succeeds(client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(stakeholder=True))
    session = ListeningSessionFactory()
    with broker_url(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(session), REGISTRATION_FORM)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == R.CONFIRMED
    # The request did not even try the broker: the relay publishes the row later.
    message = OutboxMessage.objects.get()
    assert (message.status, message.task_name, message.enqueued_at, message.sends) == (
        OutboxStatus.PENDING,
        "sessions_app.tasks.task_send_registration_email",
        None,
        0,
    )


def test_my_sessions_shows_each_registration_with_its_status(client):
    profile = ProfileFactory()
    client.force_login(profile.user)
    confirmed = RegistrationFactory(user=profile.user, session__title="Alpha")
    full = ListeningSessionFactory(title="Beta", capacity=1)
    RegistrationFactory(session=full, status=R.WAITLISTED, status_changed_at=timezone.now())
    waitlisted = RegistrationFactory(
        user=profile.user,
        session=full,
        status=R.WAITLISTED,
        status_changed_at=timezone.now() + timedelta(seconds=1),
    )
    response = client.get(reverse("sessions_app:my_sessions"))
    rows = list(response.context["registrations"])
    assert {r.pk: r.waitlist_place for r in rows} == {confirmed.pk: None, waitlisted.pk: 2}
    html = response.content.decode()
    assert html.count(JOIN) == 1  # the link's text, once: only the confirmed one
    assert "You are number 2 on the waitlist." in html


@pytest.mark.parametrize("status", [R.PENDING, R.WAITLISTED, R.DECLINED, R.CANCELLED])
def test_join_link_is_never_shown_unless_confirmed(client, status):
    registration = RegistrationFactory(status=status, status_changed_at=timezone.now())
    ProfileFactory(user=registration.user)
    client.force_login(registration.user)
    session = registration.session
    for url in (
        reverse("sessions_app:my_sessions"),
        session.get_absolute_url(),
        reverse("sessions_app:registration_calendar", kwargs={"pk": registration.pk}),
        reverse("sessions_app:cancel_registration", kwargs={"pk": registration.pk}),
        reverse("sessions_app:list"),
        reverse("home"),
    ):
        # A registration that can no longer be cancelled leads from the cancel page back to
        # my sessions, which must not show the link either.
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert JOIN not in response.content.decode(), url


def test_join_link_is_never_shown_to_other_users_or_visitors(client):
    registration = RegistrationFactory()
    session = registration.session
    other = UserFactory(stakeholder=True)
    pages = [session.get_absolute_url(), reverse("sessions_app:list"), reverse("home")]
    for response in [client.get(url) for url in pages]:
        assert JOIN not in response.content.decode()
    client.force_login(other)
    for url in [*pages, reverse("sessions_app:my_sessions")]:
        assert JOIN not in client.get(url).content.decode()


def test_calendar_download_is_only_for_the_registrant(client):
    registration = RegistrationFactory()
    url = reverse("sessions_app:registration_calendar", kwargs={"pk": registration.pk})
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(registration.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body
    assert JOIN in body


def test_cancel_asks_then_cancels_and_promotes_the_next(client):
    session = ListeningSessionFactory(capacity=1)
    mine = RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, status=R.WAITLISTED, status_changed_at=timezone.now()
    )
    url = reverse("sessions_app:cancel_registration", kwargs={"pk": mine.pk})
    client.force_login(mine.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Do you want to cancel your registration" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == R.CONFIRMED
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("sessions_app:my_sessions"), 302)]
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert (mine.status, waiting.status) == (R.CANCELLED, R.CONFIRMED)
    response = client.post(url, follow=True)  # a second click changes nothing
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == R.CONFIRMED


def test_cancel_someone_elses_registration_is_404(client):
    registration = RegistrationFactory()
    client.force_login(UserFactory())
    url = reverse("sessions_app:cancel_registration", kwargs={"pk": registration.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == R.CONFIRMED


def test_my_sessions_requires_sign_in(client):
    response = client.get(reverse("sessions_app:my_sessions"))
    assert response.status_code == 302


def test_navigation_shows_my_sessions_and_profile_when_signed_in(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("sessions_app:my_sessions")}"' in html
    assert f'href="{reverse("sessions_app:profile")}"' in html


def test_region_field_lists_seeded_regions(client):
    client.force_login(UserFactory())
    response = client.get(reverse("sessions_app:profile"))
    assert list(response.context["form"].fields["region"].queryset) == list(
        Region.objects.filter(is_active=True)
    )


@pytest.mark.django_db
def test_session_page_offers_writing_to_registered_participants(client):
    registration = RegistrationFactory(status="waitlisted")
    create_url = f"/en/interventions/new/{registration.session.slug}/"
    client.force_login(registration.user)
    assert create_url in client.get(registration.session.get_absolute_url()).text

    set_registration_status(registration=registration, to_status="declined", notify=False)
    assert create_url not in client.get(registration.session.get_absolute_url()).text


@pytest.mark.parametrize("status", [R.DECLINED, R.CANCELLED])
def test_the_cancel_page_sends_back_a_registration_that_cannot_be_cancelled(client, status):
    registration = RegistrationFactory(status=status)
    client.force_login(registration.user)
    url = reverse("sessions_app:cancel_registration", kwargs={"pk": registration.pk})
    response = client.post(url, follow=True)
    registration.refresh_from_db()
    assert (response.redirect_chain[0][0], registration.status) == (
        reverse("sessions_app:my_sessions"),
        status,
    )
    assert "This registration can no longer be cancelled." in response.text
