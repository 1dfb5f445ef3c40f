"""Language choice by URL prefix, the switcher, and the remembered preference."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, ListeningSessionFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_switcher_keeps_the_visitor_on_the_same_page(client):
    response = client.post(
        "/i18n/setlang/", {"language": "es", "next": "/en/sessions/"}, HTTP_REFERER="/en/sessions/"
    )
    assert response.status_code == 302
    assert response["Location"] == "/es/sessions/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_switcher_ignores_an_unknown_language(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/fr/sessions/"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/sessions/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switcher_refuses_get(client):
    assert client.get("/i18n/setlang/?language=fr").status_code == 405


def test_signed_in_choice_is_remembered_in_the_profile(client):
    profile = ProfileFactory(preferred_language="en")
    client.force_login(profile.user)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/en/"})
    profile.refresh_from_db()
    assert profile.preferred_language == "fr"

    client.cookies.clear()
    client.force_login(profile.user)
    client.get("/en/sessions/")  # any page sets the cookie back to the preference
    response = client.get("/")
    assert response["Location"] == "/fr/"


def test_sign_in_continues_in_the_preferred_language(client):
    profile = ProfileFactory(preferred_language="es", user=UserFactory(email="ana@example.org"))
    response = client.post(
        "/en/accounts/login/", {"login": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/es/"
    assert profile.user.pk == int(client.session["_auth_user_id"])


def test_first_sign_in_without_a_profile_goes_to_the_profile(client):
    UserFactory(email="new@example.org")
    response = client.post(
        "/en/accounts/login/", {"login": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/sessions/me/profile/"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Confirmez votre adresse e-mail"), ("es", "confirme su dirección")],
)
def test_allauth_emails_follow_the_page_language(client, language, expected):
    data = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    client.post(f"/{language}/accounts/signup/", {"email": f"{language}@example.org", **data})
    [email] = mail.outbox
    assert expected.lower() in email.subject.lower()
    assert f"/{language}/accounts/confirm-email/" in email.body


@pytest.mark.parametrize(
    ("language", "month"), [("en", "Dec."), ("fr", "décembre"), ("es", "diciembre")]
)
def test_dates_follow_the_language(client, language, month):
    session = ListeningSessionFactory(starts_at=datetime(2031, 12, 19, 13, 0, tzinfo=UTC))
    page = client.get(f"/{language}/sessions/{session.slug}/").content.decode()
    assert month in page


def test_signing_in_replaces_an_older_language_cookie(client):
    ProfileFactory(preferred_language="es", user=UserFactory(email="ana2@example.org"))
    client.post("/i18n/setlang/", {"language": "fr", "next": "/fr/"})  # before signing in
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    client.post("/en/accounts/login/", {"login": "ana2@example.org", "password": PASSWORD})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.get("/")["Location"] == "/es/"


def test_the_profile_is_not_read_on_every_request(client):
    profile = ProfileFactory(preferred_language="fr")
    client.force_login(profile.user)
    with CaptureQueriesContext(connection) as first:
        client.get("/fr/privacy/")  # no cookie yet: read the profile, set the cookie
    with CaptureQueriesContext(connection) as later:
        client.get("/fr/privacy/")
    reads_profile = ['"sessions_app_profile"' in q["sql"] for q in later.captured_queries]
    assert any('"sessions_app_profile"' in q["sql"] for q in first.captured_queries)
    assert not any(reads_profile)
