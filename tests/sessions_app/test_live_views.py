"""The live page, its state view (ETag and 304), asking for the floor, the join link, the live
desk through HTTP, and the held report."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from interventions.models import Region
from sessions_app import livestate, services
from sessions_app.enums import FloorRequestStatus as F
from sessions_app.models import AgendaItem, FloorRequest, ListeningSession, Registration
from tests.factories import AgendaItemFactory, FloorRequestFactory, RegistrationFactory, UserFactory


def url(name, live, **kwargs):
    return reverse(f"sessions_app:{name}", kwargs={"slug": live.session.slug, **kwargs})


def ask(live, user, **kwargs):
    return services.ask_for_floor(
        session=live.session,
        user=user,
        agenda_item=kwargs.pop("item", live.floor),
        language=kwargs.pop("language", "en"),
        topic=kwargs.pop("topic", "Work permits"),
    )


def speak(live, floor_request):
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    services.start_speaking(floor_request=floor_request)


def state(client, live, etag=None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url("live_state", live), **headers)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# The live page


def test_live_page_shows_the_item_the_speaker_the_queue_and_the_timer(client, live):
    speaking = ask(live, live.amina, language="fr")
    ask(live, live.bruno, language="es")
    speak(live, speaking)
    client.force_login(live.chen)
    response = client.get(url("live", live))
    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(html)
    assert "On the agenda now Open floor: pathways Open floor" in page
    assert "Speaking now Amina Diallo, Réseau Sahel" in page
    assert "Speaks in French · interpreted into English on the call" in page
    assert "Next speakers Casa do Migrante (Spanish)" in page
    started = FloorRequest.objects.get(pk=speaking.pk).speaking_started_at
    assert f'data-started="{int(started.timestamp() * 1000)}" data-limit="120"' in html
    assert "limit 2:00" in page
    assert "You have not asked for the floor." in page
    assert 'id="ask-for-the-floor"' in html
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html


def test_live_page_shows_a_registrant_their_place_and_withdraw_button(client, live):
    ask(live, live.bruno)
    mine = ask(live, live.amina, topic="Permis saisonniers")
    client.force_login(live.amina)
    page = text_of(client.get(url("live", live)).content.decode())
    assert "You are number 2 in the queue." in page
    assert "Open floor: pathways · English · Permis saisonniers" in page
    assert "Withdraw my request" in page
    speak(live, FloorRequest.objects.get(registration__user=live.bruno))
    services.mark_delivered(floor_request=FloorRequest.objects.get(registration__user=live.bruno))
    services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=mine.pk)
    page = text_of(client.get(url("live", live)).content.decode())
    assert "You are called: unmute your microphone and begin." in page
    services.start_speaking(floor_request=mine)
    page = text_of(client.get(url("live", live)).content.decode())
    assert "You are speaking." in page


def test_live_page_shows_nothing_personal_beyond_the_consented_credit(client, live):
    anonymous = ask(live, live.chen, topic="Dock workers in Piraeus")
    ask(live, live.bruno, topic="A confidential shelter address")
    speak(live, anonymous)
    viewer = RegistrationFactory(session=live.session).user
    client.force_login(viewer)
    page = client.get(url("live", live)).content.decode()
    polled = state(client, live).content.decode()
    for text in (page, polled):
        assert "Anonymous participant" in text
        assert "Casa do Migrante" in text
        for secret in (
            "Chen Wei",
            "Harbour Workers Union",
            "chen@example.org",
            "Bruno Costa",
            "bruno@example.org",
            "Dock workers",
            "shelter",
        ):
            assert secret not in text


@pytest.mark.parametrize("status", ["pending", "waitlisted", "declined", "cancelled"])
def test_live_page_explains_itself_to_those_not_confirmed(client, live, status):
    registration = RegistrationFactory(session=live.session, status=status)
    client.force_login(registration.user)
    response = client.get(url("live", live))
    assert response.status_code == 403
    assert "sessions_app/live_refused.html" in [t.name for t in response.templates]
    assert state(client, live).status_code == 403
    assert client.get(url("live_ask", live)).status_code == 403


def test_live_page_explains_itself_to_someone_not_registered(client, live):
    client.force_login(UserFactory())
    response = client.get(url("live", live))
    assert response.status_code == 403
    assert "open to its confirmed registrants" in response.content.decode()


def test_live_page_before_the_session_is_live_says_when_it_opens(client, live):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    ListeningSession.objects.filter(pk=live.session.pk).update(starts_at=starts)
    client.force_login(live.amina)
    response = client.get(url("live", live))
    assert response.status_code == 200
    page = text_of(response.content.decode())
    opens = starts - timedelta(minutes=15)
    assert f"The live page opens on {date_format(opens)} at {opens:%H:%M} UTC" in page
    assert "The floor can be asked for only while the session is live." in page
    assert "ask-for-the-floor" not in response.content.decode()


def test_the_secretariat_follows_the_live_page_without_registering(client, live):
    client.force_login(live.secretariat)
    response = client.get(url("live", live))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You follow the session for the secretariat" in html
    assert url("live_desk", live) in html


# The state view: what the page polls


def page_version(client, live) -> tuple[str, str]:
    """The ETag and the poll token the live page was rendered with."""
    html = client.get(url("live", live)).content.decode()
    etag = re.search(r'data-version="([^"]*)"', html).group(1).replace("&quot;", '"')
    token = re.search(r'data-live-token="([^"]*)"', html).group(1)
    return etag, token


def poll(client, live, etag, token):
    return client.get(url("live_state", live), HTTP_IF_NONE_MATCH=etag, HTTP_X_LIVE_TOKEN=token)


def test_state_answers_304_until_something_changes(client, live):
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    assert poll(client, live, etag, token).status_code == 304
    ask(live, live.bruno)
    changed = poll(client, live, etag, token)
    assert changed.status_code == 200
    assert changed["Cache-Control"] == "private, no-cache"
    data = json.loads(changed.content)
    assert data["version"] == changed["ETag"] != etag
    assert (data["live"], data["state"]) == (True, "live")
    assert "Casa do Migrante" in data["shared"]
    assert data["say"] == {"speaker": "Nobody is speaking right now."}
    # Amina's own requests did not change: the shared part alone.
    assert "mine" not in data
    assert poll(client, live, data["version"], token).status_code == 304


def test_state_sends_the_registrants_own_part_when_it_changes(client, live):
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    mine = ask(live, live.amina)
    data = json.loads(poll(client, live, etag, token).content)
    assert "You are number 1 in the queue." in data["mine"]
    assert data["places"] == {str(mine.pk): 1}
    speak(live, mine)
    data = json.loads(poll(client, live, data["version"], token).content)
    assert data["say"] == {"speaker": "Now speaking: Amina Diallo, Réseau Sahel."}
    assert "You are speaking." in data["mine"]
    assert data["places"] == {}


def test_places_move_with_the_shared_state(client, live):
    ahead, mine = ask(live, live.bruno), ask(live, live.amina)
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    services.withdraw_floor_request(floor_request=ahead, user=live.bruno)
    data = json.loads(poll(client, live, etag, token).content)
    assert "mine" not in data
    assert data["places"] == {str(mine.pk): 1}
    html = client.get(url("live", live)).content.decode()
    assert (
        f'<p class="live-you" data-place-for="{mine.pk}" '
        'data-place-sentence="You are number {place} in the queue.">'
        "You are number 1 in the queue.</p>"
    ) in html


def test_state_is_in_the_language_of_the_page(client, live):
    ask(live, live.amina)
    client.force_login(live.amina)
    response = client.get(url("live_state", live).replace("/en/", "/fr/"))
    data = json.loads(response.content)
    assert "Vous êtes numéro 1 dans la file d’attente." in data["mine"]
    assert "Au programme maintenant" in data["shared"]


def test_a_poll_with_the_token_reads_nothing_while_nothing_changed(
    client, live, settings, django_assert_num_queries
):
    settings.LIVE_POLL_CACHE_SECONDS = 60
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    with django_assert_num_queries(1):  # the session's live version, once per cache time
        assert poll(client, live, etag, token).status_code == 304
    with django_assert_num_queries(0):
        assert poll(client, live, etag, token).status_code == 304


def test_the_live_version_is_read_again_after_the_cache_time(client, live, settings):
    settings.LIVE_POLL_CACHE_SECONDS = 60
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    assert poll(client, live, etag, token).status_code == 304
    ask(live, live.bruno)
    # Within the cache time this process still answers from the version it read.
    assert poll(client, live, etag, token).status_code == 304
    settings.LIVE_POLL_CACHE_SECONDS = 0
    livestate.forget_polls()
    assert poll(client, live, etag, token).status_code == 200


def test_the_token_alone_never_gives_the_registrants_own_part(client, live):
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    anonymous = type(client)()
    assert poll(anonymous, live, etag, token).status_code == 304
    ask(live, live.bruno)
    assert "mine" not in json.loads(poll(anonymous, live, etag, token).content)
    ask(live, live.amina, topic="Something of her own")
    response = poll(anonymous, live, etag, token)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_a_forged_or_foreign_token_is_ignored(client, live):
    bruno_token = livestate.poll_token(session_id=live.session.pk + 1, registration_id=7)
    client.force_login(UserFactory())
    for token in ("not-a-token", bruno_token, "x" * 500):
        assert client.get(url("live_state", live), HTTP_X_LIVE_TOKEN=token).status_code == 403


def test_a_poll_without_the_token_checks_the_user_in_full(client, live):
    client.force_login(live.amina)
    client.cookies["django_language"] = "en"
    etag, _token = page_version(client, live)
    with CaptureQueriesContext(connection) as captured:
        assert state(client, live, etag).status_code == 304
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in captured.captured_queries]
    assert tables == [
        '"sessions_app_listeningsession"',
        '"django_session"',
        '"auth_user"',
        '"sessions_app_registration"',
    ]


def test_a_poll_after_a_password_change_elsewhere_signs_out(client, live):
    client.force_login(live.amina)
    etag, token = page_version(client, live)
    ask(live, live.amina)
    live.amina.set_password("a-new-password-for-amina")
    live.amina.save()
    response = poll(client, live, etag, token)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_a_full_state_makes_a_fixed_number_of_queries(client, live):
    client.force_login(live.amina)
    client.cookies["django_language"] = "en"
    ask(live, live.amina)
    state(client, live)
    livestate.forget_polls()
    with CaptureQueriesContext(connection) as one:
        state(client, live)
    for _ in range(12):
        ask(live, RegistrationFactory(session=live.session).user)
    livestate.forget_polls()
    with CaptureQueriesContext(connection) as many:
        response = state(client, live)
    assert response.status_code == 200
    assert len(many) == len(one)


# Asking, withdrawing, joining


def test_asking_for_the_floor_through_the_form(client, live):
    client.force_login(live.bruno)
    form = client.get(url("live_ask", live))
    assert form.status_code == 200
    assert list(form.context["form"].fields["agenda_item"].queryset) == [
        live.floor,
        live.second_floor,
    ]
    assert "credit you as you chose when registering: By organization only" in text_of(
        form.content.decode()
    )
    ask(live, live.chen)
    response = client.post(
        url("live_ask", live),
        {"agenda_item": live.floor.pk, "language": "es", "topic": "Visados humanitarios"},
        follow=True,
    )
    assert response.redirect_chain == [(url("live", live), 302)]
    assert "you are number 2 in the queue" in text_of(response.content.decode())
    request = FloorRequest.objects.get(registration__user=live.bruno)
    assert (request.language, request.topic, request.status) == (
        "es",
        "Visados humanitarios",
        F.WAITING,
    )


def test_asking_needs_a_language_and_a_topic(client, live):
    client.force_login(live.bruno)
    response = client.post(url("live_ask", live), {"agenda_item": live.floor.pk})
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["language", "topic"]
    assert FloorRequest.objects.count() == 0


def test_asking_while_not_live_sends_back_with_the_reason(client, live):
    ListeningSession.objects.filter(pk=live.session.pk).update(live_ended_at=timezone.now())
    client.force_login(live.bruno)
    response = client.get(url("live_ask", live), follow=True)
    assert response.redirect_chain == [(url("live", live), 302)]
    assert "only while the session is live" in response.content.decode()


def test_withdrawing_through_the_page(client, live):
    request = ask(live, live.amina)
    client.force_login(live.bruno)
    withdraw = url("live_withdraw", live, pk=request.pk)
    assert client.post(withdraw).status_code == 404
    client.force_login(live.amina)
    assert client.get(withdraw).status_code == 405
    response = client.post(withdraw)
    assert response.status_code == 302
    assert FloorRequest.objects.get(pk=request.pk).status == F.WITHDRAWN


def test_opening_the_join_link_while_live_records_attendance(client, live):
    client.force_login(live.amina)
    response = client.get(url("live_join", live))
    assert response.status_code == 302
    assert response["Location"] == live.session.join_url
    registration = Registration.objects.get(pk=live.registrations[0].pk)
    assert registration.attendance_source == "join_link"
    first = registration.attended_at
    client.get(url("live_join", live))
    registration.refresh_from_db()
    assert registration.attended_at == first


def test_opening_the_join_link_before_the_session_records_nothing(client, live):
    ListeningSession.objects.filter(pk=live.session.pk).update(
        starts_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(live.amina)
    response = client.get(url("live_join", live))
    assert response["Location"] == live.session.join_url
    assert Registration.objects.get(pk=live.registrations[0].pk).attended_at is None


def test_my_sessions_links_the_join_link_through_the_platform(client, live):
    client.force_login(live.amina)
    html = client.get(reverse("sessions_app:my_sessions")).content.decode()
    assert f'href="{url("live_join", live)}"' in html
    assert f'href="{live.session.join_url}"' not in html
    assert url("live", live) in html


# The desk, through HTTP


def desk_post(client, live, action, **data):
    return client.post(url("live_desk_action", live), {"action": action, **data}, follow=True)


def test_the_desk_runs_the_queue(client, live):
    first, second = ask(live, live.amina), ask(live, live.bruno)
    client.force_login(live.secretariat)
    page = client.get(url("live_desk", live))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Call next: Amina Diallo" in html
    assert "Work permits" in html  # the secretariat sees topics and names
    response = desk_post(
        client, live, "call_next", agenda_item=live.floor.pk, floor_request=first.pk
    )
    assert response.redirect_chain == [(url("live_desk", live), 302)]
    assert "Called: Amina Diallo." in text_of(response.content.decode())
    desk_post(client, live, "start", floor_request=first.pk)
    desk_post(client, live, "delivered", floor_request=first.pk)
    response = desk_post(
        client, live, "call_next", agenda_item=live.floor.pk, floor_request=first.pk
    )
    assert "nothing was done" in text_of(response.content.decode())
    desk_post(client, live, "call_next", agenda_item=live.floor.pk, floor_request=second.pk)
    desk_post(client, live, "not_connected", floor_request=second.pk)
    statuses = dict(FloorRequest.objects.values_list("pk", "status"))
    assert statuses == {first.pk: F.DELIVERED, second.pk: F.SKIPPED}
    response = desk_post(client, live, "next_item", expected=live.floor.pk)
    assert "Now on the agenda: Open floor: recommendations." in text_of(response.content.decode())
    desk_post(client, live, "time_limit", seconds=95)
    assert live.refresh().speaking_time_limit_seconds == 95
    response = desk_post(client, live, "end")
    assert live.refresh().status == "held"
    assert "Its report is ready" in text_of(response.content.decode())


def test_the_desk_reorders_skips_and_restores(client, live):
    first, second, third = (ask(live, u) for u in (live.amina, live.bruno, live.chen))
    client.force_login(live.secretariat)
    desk_post(client, live, "down", floor_request=first.pk, expected=1)
    desk_post(client, live, "skip", floor_request=third.pk)
    queue = FloorRequest.objects.filter(status=F.WAITING).order_by("position", "id")
    assert list(queue) == [second, first]
    desk_post(client, live, "restore", floor_request=third.pk)
    queue = FloorRequest.objects.filter(status=F.WAITING).order_by("position", "id")
    assert list(queue) == [second, first, third]


def test_the_desk_marks_attendance(client, live):
    client.force_login(live.secretariat)
    registration = live.registrations[2]
    desk_post(client, live, "attended", registration=registration.pk)
    registration.refresh_from_db()
    assert registration.attendance_source == "desk"


def test_the_desk_refuses_an_unreadable_action(client, live):
    client.force_login(live.secretariat)
    response = desk_post(client, live, "explode")
    assert "could not be read" in response.content.decode()
    other = FloorRequestFactory()
    assert desk_post(client, live, "skip", floor_request=other.pk).status_code == 404


def test_the_desk_state_answers_304_until_something_changes(client, live):
    client.force_login(live.secretariat)
    first = client.get(url("live_desk_state", live))
    etag = first["ETag"]
    data = json.loads(first.content)
    assert "Nobody is waiting under this item." in data["desk"]
    assert client.get(url("live_desk_state", live), HTTP_IF_NONE_MATCH=etag).status_code == 304
    ask(live, live.amina)
    changed = client.get(url("live_desk_state", live), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Call next: Amina Diallo" in json.loads(changed.content)["desk"]


def test_the_desk_is_for_the_secretariat_only(client, live):
    for user in (live.amina, UserFactory(is_staff=True)):
        client.force_login(user)
        assert client.get(url("live_desk", live)).status_code == 403
        assert client.get(url("live_desk_state", live)).status_code == 403
        assert desk_post(client, live, "end").status_code == 403
    assert live.refresh().status == "open"


def test_the_desk_makes_a_fixed_number_of_queries(client, live):
    client.force_login(live.secretariat)
    ask(live, live.amina)
    client.get(url("live_desk", live))
    with CaptureQueriesContext(connection) as one:
        client.get(url("live_desk", live))
    for n in range(10):
        item = live.floor if n % 2 else live.second_floor
        request = ask(live, RegistrationFactory(session=live.session).user, item=item)
        if n % 3 == 0:
            services.skip_floor_request(floor_request=request)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("live_desk", live))
    assert response.status_code == 200
    assert len(many) == len(one)


def test_the_session_admin_links_to_the_desk(client, live):
    client.force_login(live.secretariat)
    change = reverse("admin:sessions_app_listeningsession_change", args=[live.session.pk])
    html = client.get(change).content.decode()
    assert f'href="{url("live_desk", live)}"' in html


# The held report


def test_held_report_counts_attendance_speakers_and_languages(client, live):
    europe = Region.objects.get(slug="europe-north-america")
    Registration.objects.filter(pk=live.registrations[1].pk).update(
        region=europe, stakeholder_type="trade_union"
    )
    RegistrationFactory(session=live.session, status="waitlisted")
    first, second = ask(live, live.amina, language="fr"), ask(live, live.bruno, language="es")
    for request in (first, second):
        speak(live, request)
        services.mark_delivered(floor_request=request)
    third = ask(live, live.amina, item=live.second_floor)
    services.set_live_agenda_item(session=live.session, expected_item_id=live.floor.pk)
    services.call_next_speaker(
        session=live.session, agenda_item=live.second_floor, expected_id=third.pk
    )
    services.mark_not_connected(floor_request=third)
    client.force_login(live.chen)
    client.get(url("live_join", live))
    services.end_live_session(session=live.session)
    client.force_login(UserFactory(wg3=True))
    response = client.get(url("held_report", live))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.confirmed, report.attendees, report.speakers, report.contributions) == (
        3,
        3,
        2,
        2,
    )
    assert report.not_connected == 1
    assert report.registrations["waitlisted"] == 1
    assert report.languages == [("French", 1), ("Spanish", 1)]
    assert report.by_region == [("Africa", 2, 2, 1), ("Europe and North America", 1, 1, 1)]
    assert report.by_stakeholder_type == [
        ("Civil society organization", 2, 2, 1),
        ("Trade union or workers' organization", 1, 1, 1),
    ]
    page = text_of(response.content.decode())
    assert "Speakers on the floor 2" in page


def test_held_report_is_for_staff_and_working_group_3(client, live):
    client.force_login(live.amina)
    assert client.get(url("held_report", live)).status_code == 403
    client.force_login(live.secretariat)
    assert client.get(url("held_report", live)).status_code == 200


def test_an_agenda_without_open_floor_says_so(client, live):
    session = live.session
    AgendaItemFactory(session=session)
    client.force_login(live.secretariat)
    FloorRequest.objects.all().delete()
    AgendaItem.objects.filter(session=session, kind="open_floor").update(kind="discussion")
    html = client.get(url("live_desk", live)).content.decode()
    assert "has no open-floor item" in html
