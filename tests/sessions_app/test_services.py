from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import OutboxMessage
from interventions.models import Region
from sessions_app import services
from sessions_app.countries import REGION_COUNTRIES, region_slug_for_country
from sessions_app.enums import RegistrationStatus as R
from sessions_app.enums import SessionStatus, StakeholderType
from sessions_app.models import Profile, Registration
from sessions_app.selectors import waitlist_place
from tests.factories import (
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def register(session, profile, **kwargs):
    kwargs.setdefault("privacy_consent", True)
    return services.register_for_session(session=session, user=profile.user, **kwargs)


def statuses(session):
    return list(
        Registration.objects.filter(session=session)
        .order_by("id")
        .values_list("user__email", "status")
    )


def email_kinds():
    return [
        (m.kwargs["registration_id"], m.kwargs["template"])
        for m in OutboxMessage.objects.order_by("id")
    ]


def test_register_copies_the_profile_and_confirms_with_a_seat_left(session):
    profile = ProfileFactory(
        organization="Migrant Rights Network",
        stakeholder_type=StakeholderType.MIGRANT_LED,
        country="SN",
        region=Region.objects.get(slug="africa"),
        preferred_language="fr",
    )
    result = register(
        session,
        profile,
        role="Coordinator",
        wishes_to_speak=True,
        accessibility_needs="  Captions  ",
        consent_to_be_listed=True,
    )
    registration = Registration.objects.get()
    assert result.created is True
    assert result.registration == registration
    assert registration.status == R.CONFIRMED
    assert (
        registration.organization,
        registration.stakeholder_type,
        registration.country.code,
        registration.region.slug,
        registration.preferred_language,
        registration.role,
        registration.wishes_to_speak,
        registration.accessibility_needs,
        registration.consent_to_be_listed,
    ) == (
        "Migrant Rights Network",
        "migrant_led",
        "SN",
        "africa",
        "fr",
        "Coordinator",
        True,
        "Captions",
        True,
    )
    assert registration.privacy_consent_at is not None
    assert email_kinds() == [(registration.pk, "registration_confirmed")]


def test_register_when_full_waitlists_in_order(session):
    profiles = ProfileFactory.create_batch(4)
    results = [register(session, p).registration for p in profiles]
    assert [r.status for r in results] == [R.CONFIRMED, R.CONFIRMED, R.WAITLISTED, R.WAITLISTED]
    assert [waitlist_place(registration=r) for r in results] == [None, None, 1, 2]
    assert [kind for _id, kind in email_kinds()] == [
        "registration_confirmed",
        "registration_confirmed",
        "registration_waitlisted",
        "registration_waitlisted",
    ]


def test_register_needing_approval_is_pending_and_holds_a_seat():
    session = ListeningSessionFactory(capacity=1, requires_approval=True)
    first, second = ProfileFactory.create_batch(2)
    assert register(session, first).registration.status == R.PENDING
    assert register(session, second).registration.status == R.WAITLISTED
    assert [kind for _id, kind in email_kinds()] == [
        "registration_pending",
        "registration_waitlisted",
    ]


def test_register_twice_returns_the_existing_registration(session, profile):
    first = register(session, profile, role="Director")
    again = register(session, profile, role="Someone else")
    assert again.created is False
    assert again.registration.pk == first.registration.pk
    assert Registration.objects.get().role == "Director"
    assert OutboxMessage.objects.count() == 1


def test_register_again_after_cancelling_places_the_registration_anew(session, profile):
    registration = register(session, profile).registration
    services.cancel_registration(registration=registration, user=profile.user)
    again = register(session, profile, role="Back")
    assert again.created is True
    assert again.registration.pk == registration.pk
    assert (again.registration.status, again.registration.role) == (R.CONFIRMED, "Back")


def test_register_without_profile_stores_nothing(session):
    user = UserFactory()
    with pytest.raises(services.ProfileIncomplete):
        services.register_for_session(session=session, user=user, privacy_consent=True)
    assert Registration.objects.count() == 0


def test_register_without_privacy_consent_stores_nothing(session, profile):
    with pytest.raises(ValidationError) as error:
        register(session, profile, privacy_consent=False)
    assert error.value.code == "privacy_consent"
    assert Registration.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"registration_opens_at": timezone.now() + timedelta(days=1)},
            "Registration for this session has not opened yet.",
        ),
        (
            {"registration_closes_at": timezone.now() - timedelta(minutes=1)},
            "Registration for this session is closed.",
        ),
        ({"status": SessionStatus.HELD}, "This session has already been held."),
        ({"status": SessionStatus.CLOSED}, "Registration for this session is closed."),
        ({"status": SessionStatus.DRAFT}, "Registration for this session is closed."),
        (
            {
                "registration_closes_at": None,
                "starts_at": timezone.now() - timedelta(minutes=5),
            },
            "Registration for this session is closed.",
        ),
    ],
)
def test_register_outside_the_window_is_refused_and_stores_nothing(profile, changes, message):
    session = ListeningSessionFactory(**changes)
    with pytest.raises(ValidationError) as error:
        register(session, profile)
    assert error.value.messages == [message]
    assert Registration.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_cancel_promotes_the_first_waitlisted(session):
    a, b, c, d = ProfileFactory.create_batch(4)
    ra, _rb, rc, rd = (register(session, p).registration for p in (a, b, c, d))
    OutboxMessage.objects.all().delete()
    services.cancel_registration(registration=ra, user=a.user)
    assert statuses(session) == [
        (a.user.email, R.CANCELLED),
        (b.user.email, R.CONFIRMED),
        (c.user.email, R.CONFIRMED),
        (d.user.email, R.WAITLISTED),
    ]
    rd.refresh_from_db()
    assert waitlist_place(registration=rd) == 1
    assert email_kinds() == [
        (ra.pk, "registration_cancelled"),
        (rc.pk, "registration_promoted"),
    ]


def test_cancel_of_a_waitlisted_registration_promotes_nobody(session):
    a, b, c, d = ProfileFactory.create_batch(4)
    *_, rc, rd = (register(session, p).registration for p in (a, b, c, d))
    services.cancel_registration(registration=rc, user=c.user)
    rd.refresh_from_db()
    assert (rd.status, waitlist_place(registration=rd)) == (R.WAITLISTED, 1)


def test_cancel_someone_elses_registration_is_refused(session, profile):
    registration = register(session, profile).registration
    with pytest.raises(ValidationError):
        services.cancel_registration(registration=registration, user=UserFactory())
    registration.refresh_from_db()
    assert registration.status == R.CONFIRMED


def test_cancel_twice_is_refused(session, profile):
    registration = register(session, profile).registration
    services.cancel_registration(registration=registration, user=profile.user)
    with pytest.raises(ValidationError) as error:
        services.cancel_registration(registration=registration, user=profile.user)
    assert error.value.code == "not_cancellable"


def test_confirm_when_full_is_refused(session):
    a, b, c = ProfileFactory.create_batch(3)
    *_, rc = (register(session, p).registration for p in (a, b, c))
    with pytest.raises(ValidationError) as error:
        services.set_registration_status(registration=rc, to_status=R.CONFIRMED)
    assert error.value.code == "full"
    rc.refresh_from_db()
    assert rc.status == R.WAITLISTED


def test_confirm_pending_keeps_its_seat():
    session = ListeningSessionFactory(capacity=1, requires_approval=True)
    registration = register(session, ProfileFactory()).registration
    services.set_registration_status(registration=registration, to_status=R.CONFIRMED)
    registration.refresh_from_db()
    assert registration.status == R.CONFIRMED


def test_decline_frees_the_seat_for_the_waitlist(session):
    a, b, c = ProfileFactory.create_batch(3)
    _ra, rb, _rc = (register(session, p).registration for p in (a, b, c))
    services.set_registration_status(registration=rb, to_status=R.DECLINED)
    assert [s for _e, s in statuses(session)] == [R.CONFIRMED, R.DECLINED, R.CONFIRMED]


def test_waitlisting_with_seats_free_is_refused(session, profile):
    registration = register(session, profile).registration
    with pytest.raises(ValidationError) as error:
        services.set_registration_status(registration=registration, to_status=R.WAITLISTED)
    assert error.value.code == "seats_free"


def test_waitlisting_a_confirmed_registrant_when_full_swaps_with_the_first_in_line(session):
    a, b, c = ProfileFactory.create_batch(3)
    ra, _rb, _rc = (register(session, p).registration for p in (a, b, c))
    services.set_registration_status(registration=ra, to_status=R.WAITLISTED)
    assert [s for _e, s in statuses(session)] == [R.WAITLISTED, R.CONFIRMED, R.CONFIRMED]


def test_fill_free_seats_after_a_capacity_rise(session):
    profiles = ProfileFactory.create_batch(4)
    for p in profiles:
        register(session, p)
    session.capacity = 3
    session.save()
    promoted = services.fill_free_seats(session=session)
    assert [r.user for r in promoted] == [profiles[2].user]
    assert [s for _e, s in statuses(session)] == [
        R.CONFIRMED,
        R.CONFIRMED,
        R.CONFIRMED,
        R.WAITLISTED,
    ]


def test_save_profile_defaults_the_region_from_the_country():
    user = UserFactory()
    profile = services.save_profile(
        user=user,
        full_name=" Amina Diallo ",
        organization="Caritas Dakar",
        stakeholder_type=StakeholderType.FAITH_BASED,
        country="SN",
        preferred_language="fr",
        time_zone="Africa/Dakar",
    )
    assert (profile.full_name, profile.region.slug, profile.time_zone) == (
        "Amina Diallo",
        "africa",
        "Africa/Dakar",
    )
    chosen = Region.objects.get(slug="global")
    services.save_profile(
        user=user,
        full_name="Amina Diallo",
        organization="Caritas Dakar",
        stakeholder_type=StakeholderType.FAITH_BASED,
        country="SN",
        preferred_language="fr",
        time_zone="UTC",
        region=chosen,
    )
    assert Profile.objects.get(user=user).region == chosen


def test_save_profile_with_an_unknown_time_zone_is_refused():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.save_profile(
            user=user,
            full_name="A",
            organization="B",
            stakeholder_type=StakeholderType.OTHER,
            country="FR",
            preferred_language="en",
            time_zone="Mars/Olympus",
        )
    assert Profile.objects.count() == 0


@pytest.mark.parametrize(
    ("country", "slug"),
    [
        ("KE", "africa"),
        ("EG", "arab-states"),
        ("LB", "arab-states"),
        ("PH", "asia-pacific"),
        ("DE", "europe-north-america"),
        ("US", "europe-north-america"),
        ("KZ", "europe-north-america"),
        ("MX", "latin-america-caribbean"),
        ("HT", "latin-america-caribbean"),
        ("AQ", None),
        ("", None),
    ],
)
def test_region_for_country(country, slug):
    region = services.region_for_country(country=country)
    assert (region.slug if region else None) == slug == region_slug_for_country(country)


def test_every_mapped_region_is_seeded():
    assert set(REGION_COUNTRIES) <= set(Region.objects.values_list("slug", flat=True))


def test_registration_url_points_to_my_sessions():
    registration = RegistrationFactory()
    assert registration.get_absolute_url() == (
        f"/en/sessions/me/sessions/#registration-{registration.pk}"
    )


def test_a_seat_freed_after_the_session_is_held_promotes_nobody():
    session = ListeningSessionFactory(capacity=1, status="held")
    seated = RegistrationFactory(session=session, status="confirmed")
    waiting = RegistrationFactory(session=session, status="waitlisted")
    services.set_registration_status(registration=seated, to_status="cancelled")
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def history(registration):
    return list(
        registration.status_changes.order_by("id").values_list("actor", "from_status", "to_status")
    )


def test_every_registration_status_change_leaves_a_history_row_with_its_actor(secretariat):
    session = ListeningSessionFactory(capacity=1)
    first, second = ProfileFactory(), ProfileFactory()
    seated = register(session, first).registration
    waiting = register(session, second).registration
    services.set_registration_status(registration=seated, to_status=R.DECLINED, actor=secretariat)

    assert history(seated) == [
        (first.user.pk, "", R.CONFIRMED),
        (secretariat.pk, R.CONFIRMED, R.DECLINED),
    ]
    # The freed seat went to the waitlist: the platform did it, not a person.
    assert history(waiting) == [
        (second.user.pk, "", R.WAITLISTED),
        (None, R.WAITLISTED, R.CONFIRMED),
    ]
    services.cancel_registration(registration=waiting, user=second.user)
    assert history(waiting)[-1] == (second.user.pk, R.CONFIRMED, R.CANCELLED)


def test_a_refused_status_change_leaves_no_history_row(session, profile):
    registration = register(session, profile).registration
    with pytest.raises(ValidationError):
        services.set_registration_status(registration=registration, to_status=R.WAITLISTED)
    assert history(registration) == [(profile.user.pk, "", R.CONFIRMED)]
