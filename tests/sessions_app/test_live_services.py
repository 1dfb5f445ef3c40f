"""The queue rules of the live session: who may ask, in which order people speak, and what the
desk may do (call next, start, delivered, not connected, skip, put back, move, advance)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.enums import AttendanceSource, FloorRequestOrigin, SessionStatus, SkipReason
from sessions_app.enums import FloorRequestStatus as F
from sessions_app.models import FloorRequest, ListeningSession
from sessions_app.services import LiveActionRefused
from tests.factories import AgendaItemFactory, ListeningSessionFactory, RegistrationFactory


def ask(live, user, *, item=None, language="en", topic="Work permits"):
    return services.ask_for_floor(
        session=live.session,
        user=user,
        agenda_item=item or live.floor,
        language=language,
        topic=topic,
    )


def waiting(item) -> list:
    return list(
        FloorRequest.objects.filter(agenda_item=item, status=F.WAITING)
        .order_by("position", "id")
        .values_list("registration__user__email", flat=True)
    )


def version(live) -> int:
    return live.refresh().live_version


# When a session is live


@pytest.mark.django_db
def test_live_state_opens_minutes_before_the_start_until_the_desk_ends_it():
    now = timezone.now()
    session = ListeningSessionFactory(starts_at=now + timedelta(minutes=20))
    session.live_opens_minutes_before = 15
    assert selectors.live_state(session=session, now=now) == "not_started"
    assert selectors.live_state(session=session, now=now + timedelta(minutes=5)) == "live"
    assert selectors.live_state(session=session, now=now + timedelta(days=3)) == "live"
    session.live_ended_at = now + timedelta(hours=2)
    assert selectors.live_state(session=session, now=now + timedelta(minutes=5)) == "ended"
    session.live_ended_at = None
    session.status = SessionStatus.HELD
    assert selectors.live_state(session=session, now=now + timedelta(minutes=5)) == "ended"
    session.status = SessionStatus.DRAFT
    assert selectors.live_state(session=session, now=now + timedelta(minutes=5)) == "draft"


@pytest.mark.django_db
def test_opening_early_makes_the_session_live_and_starts_the_first_item():
    session = ListeningSessionFactory(starts_at=timezone.now() + timedelta(days=1))
    second = AgendaItemFactory(session=session, order=2)
    first = AgendaItemFactory(session=session, order=1)
    assert selectors.live_state(session=session) == "not_started"
    services.open_live_session(session=session)
    session.refresh_from_db()
    assert selectors.live_state(session=session) == "live"
    assert (session.live_agenda_item, session.live_version) == (first, 1)
    assert second.pk != first.pk


# Asking for the floor


def test_asking_puts_people_in_the_queue_in_the_order_they_asked(live):
    before = version(live)
    for user in (live.chen, live.amina, live.bruno):
        ask(live, user)
    assert waiting(live.floor) == ["chen@example.org", "amina@example.org", "bruno@example.org"]
    assert version(live) == before + 3


def test_a_request_carries_the_credit_consented_at_registration(live):
    named = ask(live, live.amina, language="fr", topic="  Permis   saisonniers ")
    anonymous = ask(live, live.chen)
    assert (named.credit, named.credit_name, named.credit_organization) == (
        "named",
        "Amina Diallo",
        "Réseau Sahel",
    )
    assert named.public_credit == "Amina Diallo, Réseau Sahel"
    assert (named.language, named.topic, named.origin) == ("fr", "Permis saisonniers", "asked")
    assert anonymous.public_credit == "Anonymous participant"


def test_asking_twice_under_the_same_item_is_refused_but_another_item_is_fine(live):
    ask(live, live.amina)
    with pytest.raises(LiveActionRefused) as refused:
        ask(live, live.amina)
    assert refused.value.code == "already_waiting"
    ask(live, live.amina, item=live.second_floor)
    assert FloorRequest.objects.filter(registration__user=live.amina).count() == 2


@pytest.mark.parametrize("status", ["pending", "waitlisted", "declined", "cancelled"])
def test_only_confirmed_registrants_may_ask(live, status):
    registration = RegistrationFactory(session=live.session, status=status)
    with pytest.raises(LiveActionRefused) as refused:
        ask(live, registration.user)
    assert refused.value.code == "not_confirmed"
    assert FloorRequest.objects.count() == 0


def test_asking_outside_an_open_floor_item_still_to_come_is_refused(live):
    ListeningSession.objects.filter(pk=live.session.pk).update(live_agenda_item=live.second_floor)
    for item in (live.closing, live.floor):
        with pytest.raises(LiveActionRefused) as refused:
            ask(live, live.amina, item=item)
        assert refused.value.code == "not_open_floor"
    assert ask(live, live.amina, item=live.second_floor).agenda_item == live.second_floor


def test_asking_before_the_session_is_live_or_after_it_ended_is_refused(live):
    ListeningSession.objects.filter(pk=live.session.pk).update(
        starts_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(LiveActionRefused) as refused:
        ask(live, live.amina)
    assert refused.value.code == "not_live"
    ListeningSession.objects.filter(pk=live.session.pk).update(
        starts_at=timezone.now(), live_ended_at=timezone.now()
    )
    with pytest.raises(LiveActionRefused) as refused:
        ask(live, live.amina)
    assert refused.value.code == "ended"


# Withdrawing, and places in the queue


def test_withdrawing_moves_those_behind_up(live):
    requests = [ask(live, user) for user in (live.amina, live.bruno, live.chen)]
    registration = live.registrations[2]
    assert selectors.list_my_floor_requests(registration=registration).active[0].place == 3
    services.withdraw_floor_request(floor_request=requests[0], user=live.amina)
    mine = selectors.list_my_floor_requests(registration=registration)
    assert [(fr.pk, fr.place) for fr in mine.active] == [(requests[2].pk, 2)]
    withdrawn = FloorRequest.objects.get(pk=requests[0].pk)
    assert (withdrawn.status, withdrawn.ended_at is not None) == (F.WITHDRAWN, True)
    assert waiting(live.floor) == ["bruno@example.org", "chen@example.org"]


def test_nobody_withdraws_someone_elses_request(live):
    request = ask(live, live.amina)
    with pytest.raises(PermissionDenied):
        services.withdraw_floor_request(floor_request=request, user=live.bruno)
    assert FloorRequest.objects.get(pk=request.pk).status == F.WAITING


def test_a_called_person_may_withdraw_but_not_once_speaking(live):
    request = ask(live, live.amina)
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    services.start_speaking(floor_request=request)
    with pytest.raises(LiveActionRefused):
        services.withdraw_floor_request(floor_request=request, user=live.amina)
    second = ask(live, live.bruno)
    services.mark_delivered(floor_request=request)
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    services.withdraw_floor_request(floor_request=second, user=live.bruno)
    assert FloorRequest.objects.get(pk=second.pk).status == F.WITHDRAWN


# The desk: calling, timing, marking


def test_call_next_calls_the_head_of_the_queue_then_the_timer_then_delivered(live):
    first, second = ask(live, live.amina), ask(live, live.bruno)
    called = services.call_next_speaker(
        session=live.session, agenda_item=live.floor, expected_id=first.pk
    )
    assert (called.pk, called.status, called.called_at is not None) == (first.pk, F.CALLED, True)
    started = services.start_speaking(floor_request=first)
    assert started.status == F.SPEAKING
    snapshot = selectors.get_live_snapshot(session=live.refresh())
    assert snapshot.speaker.pk == first.pk
    assert [fr.pk for fr in snapshot.next_speakers] == [second.pk]
    delivered = services.mark_delivered(floor_request=first)
    assert (delivered.status, delivered.ended_at is not None) == (F.DELIVERED, True)
    registration = live.registrations[0]
    registration.refresh_from_db()
    assert registration.attendance_source == AttendanceSource.DESK
    assert registration.attended_at == delivered.ended_at
    assert selectors.get_live_snapshot(session=live.refresh()).speaker is None


def test_call_next_names_the_head_the_desk_saw_so_a_second_click_does_nothing(live):
    first, second = ask(live, live.amina), ask(live, live.bruno)
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=first.pk)
    before = version(live)
    with pytest.raises(LiveActionRefused) as refused:
        services.call_next_speaker(
            session=live.session, agenda_item=live.floor, expected_id=first.pk
        )
    assert refused.value.code == "stale"
    assert FloorRequest.objects.get(pk=second.pk).status == F.WAITING
    assert version(live) == before


def test_call_next_while_someone_has_the_floor_is_refused(live):
    first, second = ask(live, live.amina), ask(live, live.bruno)
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=first.pk)
    with pytest.raises(LiveActionRefused) as refused:
        services.call_next_speaker(
            session=live.session, agenda_item=live.floor, expected_id=second.pk
        )
    assert refused.value.code == "busy"
    assert "Amina Diallo still has the floor" in refused.value.messages[0]


def test_call_next_on_an_empty_queue_is_refused(live):
    with pytest.raises(LiveActionRefused) as refused:
        services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    assert refused.value.code == "empty"


def test_the_timer_starts_only_for_a_called_person(live):
    request = ask(live, live.amina)
    with pytest.raises(LiveActionRefused):
        services.start_speaking(floor_request=request)
    with pytest.raises(LiveActionRefused):
        services.mark_delivered(floor_request=request)
    assert FloorRequest.objects.get(pk=request.pk).status == F.WAITING


def test_did_not_connect_skips_the_called_person(live):
    request = ask(live, live.amina)
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    skipped = services.mark_not_connected(floor_request=request)
    assert (skipped.status, skipped.skip_reason) == (F.SKIPPED, SkipReason.NOT_CONNECTED)
    registration = live.registrations[0]
    registration.refresh_from_db()
    assert registration.attended_at is None


def test_skip_passes_over_a_waiting_request_and_restore_puts_it_back_at_the_end(live):
    first, _second, _third = (ask(live, user) for user in (live.amina, live.bruno, live.chen))
    skipped = services.skip_floor_request(floor_request=first)
    assert (skipped.status, skipped.skip_reason) == (F.SKIPPED, SkipReason.PASSED)
    assert waiting(live.floor) == ["bruno@example.org", "chen@example.org"]
    services.restore_floor_request(floor_request=first)
    assert waiting(live.floor) == ["bruno@example.org", "chen@example.org", "amina@example.org"]
    with pytest.raises(LiveActionRefused) as refused:
        services.restore_floor_request(floor_request=first)
    assert refused.value.code == "stale"


def test_restore_is_refused_when_the_person_asked_again_since(live):
    first = ask(live, live.amina)
    services.skip_floor_request(floor_request=first)
    ask(live, live.amina)
    with pytest.raises(LiveActionRefused) as refused:
        services.restore_floor_request(floor_request=first)
    assert refused.value.code == "already_waiting"


def test_moving_up_and_down_reorders_the_queue(live):
    first, second, third = (ask(live, user) for user in (live.amina, live.bruno, live.chen))
    services.move_floor_request(floor_request=third, direction="up", expected_place=3)
    assert waiting(live.floor) == ["amina@example.org", "chen@example.org", "bruno@example.org"]
    services.move_floor_request(floor_request=first, direction="down", expected_place=1)
    assert waiting(live.floor) == ["chen@example.org", "amina@example.org", "bruno@example.org"]
    assert second.pk != first.pk


def test_a_move_from_a_place_that_changed_since_does_nothing(live):
    first, _second, third = (ask(live, user) for user in (live.amina, live.bruno, live.chen))
    services.move_floor_request(floor_request=third, direction="up", expected_place=3)
    with pytest.raises(LiveActionRefused) as refused:
        services.move_floor_request(floor_request=third, direction="up", expected_place=3)
    assert refused.value.code == "stale"
    with pytest.raises(LiveActionRefused) as refused:
        services.move_floor_request(floor_request=first, direction="up", expected_place=1)
    assert refused.value.code == "edge"
    assert waiting(live.floor) == ["amina@example.org", "chen@example.org", "bruno@example.org"]


def test_the_agenda_advances_once_per_item_the_desk_saw(live):
    item = services.set_live_agenda_item(session=live.session, expected_item_id=live.floor.pk)
    assert item == live.second_floor
    with pytest.raises(LiveActionRefused) as refused:
        services.set_live_agenda_item(session=live.session, expected_item_id=live.floor.pk)
    assert refused.value.code == "stale"
    assert live.refresh().live_agenda_item == live.second_floor
    services.set_live_agenda_item(session=live.session, expected_item_id=live.second_floor.pk)
    with pytest.raises(LiveActionRefused) as refused:
        services.set_live_agenda_item(session=live.session, expected_item_id=live.closing.pk)
    assert refused.value.code == "last_item"
    services.set_live_agenda_item(
        session=live.session, agenda_item=live.opening, expected_item_id=live.closing.pk
    )
    assert live.refresh().live_agenda_item == live.opening


def test_the_speaking_time_limit_is_kept_within_bounds(live):
    services.set_speaking_time_limit(session=live.session, seconds=90)
    assert live.refresh().speaking_time_limit_seconds == 90
    for seconds in (5, 4000):
        with pytest.raises(ValidationError, match="between 15 and 3600"):
            services.set_speaking_time_limit(session=live.session, seconds=seconds)


def test_ending_the_live_session_holds_it_and_stops_the_queue(live):
    request = ask(live, live.amina)
    services.end_live_session(session=live.session)
    session = live.refresh()
    assert (session.status, session.live_ended_at is not None) == (SessionStatus.HELD, True)
    with pytest.raises(LiveActionRefused) as refused:
        services.call_next_speaker(session=session, agenda_item=live.floor, expected_id=None)
    assert refused.value.code == "ended"
    with pytest.raises(LiveActionRefused):
        services.withdraw_floor_request(floor_request=request, user=live.amina)


def test_every_change_bumps_the_live_version(live):
    steps = [
        lambda: ask(live, live.amina),
        lambda: services.call_next_speaker(
            session=live.session, agenda_item=live.floor, expected_id=None
        ),
        lambda: services.start_speaking(floor_request=FloorRequest.objects.get()),
        lambda: services.mark_delivered(floor_request=FloorRequest.objects.get()),
        lambda: services.set_speaking_time_limit(session=live.session, seconds=60),
        lambda: services.set_live_agenda_item(session=live.session, expected_item_id=live.floor.pk),
        lambda: services.end_live_session(session=live.session),
    ]
    versions = [version(live)]
    for step in steps:
        step()
        versions.append(version(live))
    assert versions == list(range(versions[0], versions[0] + len(steps) + 1))


def test_scheduled_speakers_keep_their_agreed_order_ahead_of_those_who_asked(live):
    asked = ask(live, live.chen)
    common = {"language": "es", "credit": "organization", "credit_organization": "Org"}
    second = services.schedule_speaker(
        floor_request=None,
        registration=live.registrations[1],
        agenda_item=live.floor,
        place=2,
        topic="Written two",
        credit_name="Bruno Costa",
        **common,
    )
    first = services.schedule_speaker(
        floor_request=None,
        registration=live.registrations[0],
        agenda_item=live.floor,
        place=1,
        topic="Written one",
        credit_name="Amina Diallo",
        **common,
    )
    assert waiting(live.floor) == ["amina@example.org", "bruno@example.org", "chen@example.org"]
    assert {first.origin, second.origin} == {FloorRequestOrigin.SCHEDULED}
    assert FloorRequest.objects.get(pk=asked.pk).origin == FloorRequestOrigin.ASKED
    assert services.unschedule_speaker(floor_request=first) is True
    assert waiting(live.floor) == ["bruno@example.org", "chen@example.org"]
