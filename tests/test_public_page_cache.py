"""The public session page and the home page, for anonymous visitors, come from a cache:
keyed by language, path and time zone, made stale by any change to a session or its agenda,
never older than PUBLIC_PAGE_CACHE_SECONDS for the seats left, never a signed-in page, and
never carrying another visitor's CSRF token, cookies or messages."""

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

from core.page_cache import CSRF_PLACEHOLDER
from sessions_app.models import ListeningSession
from tests.factories import AgendaItemFactory, ListeningSessionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def public_session(db):
    return ListeningSessionFactory(
        slug="open-session", title_en="Regular pathways", title_fr="Voies régulières", capacity=5
    )


def page(client, url="/en/sessions/open-session/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def seats(html: str) -> str:
    return re.search(r'<dd class="seats-left">(.*?)</dd>', html, re.S).group(1).strip()


def test_a_second_anonymous_visit_reads_nothing_from_the_database(
    client, public_session, django_assert_num_queries
):
    first = page(client)
    with django_assert_num_queries(0):
        again = page(Client())
    assert TOKEN.sub("", again) == TOKEN.sub("", first)
    assert "Regular pathways" in again


@pytest.mark.parametrize("url", ["/en/", "/en/sessions/open-session/"])
def test_a_signed_in_visitor_never_gets_the_cached_page(client, stakeholder, public_session, url):
    RegistrationFactory(session=public_session, user=stakeholder, status="confirmed")
    anonymous = page(client, url)
    signed_in = Client()
    signed_in.force_login(stakeholder)
    mine = page(signed_in, url)
    assert ("Sign out" in mine, "Sign out" in anonymous) == (True, False)
    if "sessions" in url:
        assert "Your registration" in mine
    # and the signed-in page was not stored for the next anonymous visitor
    assert "Sign out" not in page(Client(), url)


def test_languages_are_never_mixed(client, public_session):
    english = page(client, "/en/sessions/open-session/")
    french = page(Client(), "/fr/sessions/open-session/")
    again = page(Client(), "/en/sessions/open-session/")
    assert ('lang="en"' in english, "Regular pathways" in english) == (True, True)
    assert ('lang="fr"' in french, "Voies régulières" in french) == (True, True)
    assert "Voies régulières" not in again


def test_time_zones_are_never_mixed(client, public_session):
    utc = page(client)
    manila = Client()
    manila.cookies["tz"] = "Asia/Manila"
    local = page(manila)
    assert ('data-viewer-tz="UTC"' in utc, 'data-viewer-tz="Asia/Manila"' in local) == (True, True)


def test_seats_left_are_never_older_than_the_bound(client, public_session, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    assert seats(page(client)) == "5 of 5"
    RegistrationFactory(session=public_session, status="confirmed")
    RegistrationFactory(session=public_session, status="confirmed")
    time.sleep(1.1)
    assert seats(page(Client())) == "3 of 5"


@pytest.mark.parametrize("change", ["title", "capacity", "agenda item", "draft"])
def test_a_change_to_the_session_or_its_agenda_shows_at_once(client, public_session, change):
    page(client)
    if change == "title":
        public_session.title_en = "Renamed session"
        public_session.save()
        assert "Renamed session" in page(Client())
    elif change == "capacity":
        public_session.capacity = 9
        public_session.save()
        assert seats(page(Client())) == "9 of 9"
    elif change == "agenda item":
        AgendaItemFactory(session=public_session, title_en="Open floor on permits")
        assert "Open floor on permits" in page(Client())
    else:
        public_session.status = "draft"
        public_session.save()
        assert Client().get("/en/sessions/open-session/").status_code == 404


def test_home_page_follows_a_session_change(client, public_session):
    assert "Regular pathways" in page(client, "/en/")
    ListeningSession.objects.get(pk=public_session.pk).delete()
    assert "Regular pathways" not in page(Client(), "/en/")


def test_each_visitor_gets_their_own_csrf_token_and_cookie(public_session):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_page, second_page = page(first), page(second)
    first_token, second_token = TOKEN.search(first_page)[1], TOKEN.search(second_page)[1]
    assert CSRF_PLACEHOLDER not in first_page + second_page
    assert first_token != second_token
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # The token in the cached page works for its visitor: the language switcher posts.
    switched = second.post(
        "/i18n/setlang/",
        {
            "language": "fr",
            "next": "/en/sessions/open-session/",
            "csrfmiddlewaretoken": second_token,
        },
    )
    assert switched.status_code == 302


def test_a_visitor_with_a_message_gets_it_once_and_nobody_else_does(
    client, stakeholder, public_session
):
    page(Client())  # the page is cached
    client.force_login(stakeholder)
    client.post("/en/accounts/logout/")  # now anonymous, with "You have signed out." waiting
    shown, again = page(client), page(client)
    assert ("You have signed out." in shown, "You have signed out." in again) == (True, False)
    assert "You have signed out." not in page(Client())
