"""Headers, cookies, account protections, static checks of the code."""

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
BASE_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}


@pytest.fixture
def rate_limits():
    cache.clear()
    with override_settings(ACCOUNT_RATE_LIMITS=BASE_RATE_LIMITS):
        yield
    cache.clear()


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_cookies_and_hsts(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "listening.settings.production",
        "SECRET_KEY": "k" * 60,
        "ALLOWED_HOSTS": "listening.example.org",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.LANGUAGE_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, "
        "s.DEBUG)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "True", "True", "True", "True", "False"]


@pytest.mark.django_db
def test_oversized_request_body_is_refused_cleanly(client):
    response = client.post(
        "/en/accounts/login/", {"login": "a@example.org", "password": "x" * (600 * 1024)}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_unverified_user_cannot_sign_in(client):
    UserFactory(email="new@example.org", verified=False)
    response = client.post(
        "/en/accounts/login/", {"login": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_too_many_failed_logins_lock_the_email_even_with_the_right_password(client, rate_limits):
    UserFactory(email="target@example.org")
    for _ in range(5):
        response = client.post(
            "/en/accounts/login/", {"login": "target@example.org", "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post(
        "/en/accounts/login/", {"login": "target@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_too_many_signups_from_one_address_get_429(client, rate_limits):
    statuses = []
    for n in range(21):
        response = client.post(
            "/en/accounts/signup/",
            {"email": f"bot{n}@example.org", "password1": "x", "password2": "y"},
        )
        statuses.append(response.status_code)
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


@pytest.mark.django_db
def test_password_reset_says_the_same_whether_or_not_the_email_exists(client, rate_limits):
    UserFactory(email="known@example.org")
    known = client.post("/en/accounts/password/reset/", {"email": "known@example.org"})
    unknown = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == "/en/accounts/password/reset/done/"


@pytest.mark.django_db
def test_signup_says_the_same_whether_or_not_the_email_exists(client):
    UserFactory(email="taken@example.org")
    data = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    taken = client.post("/en/accounts/signup/", {"email": "taken@example.org", **data})
    fresh = client.post("/en/accounts/signup/", {"email": "fresh@example.org", **data})
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken["Location"] == "/en/accounts/confirm-email/"
    assert sorted(m.to[0] for m in mail.outbox) == ["fresh@example.org", "taken@example.org"]


@pytest.mark.django_db
def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/en/admin/login/?next=/en/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=%2Fen%2Fadmin%2F"
    client.force_login(UserFactory())
    assert client.get("/en/admin/login/").status_code == 403


def test_no_unescaped_user_data_markers_in_templates_or_code():
    pattern = re.compile(r"\|\s*safe\b|mark_safe|autoescape\s+off|format_html\(\s*f[\"']")
    offenders = []
    for folder in ("templates", "listening", "sessions_app", "interventions", "briefs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".html", ".py", ".txt", ".svg"} and path.is_file():
                for number, line in enumerate(path.read_text().splitlines(), 1):
                    if pattern.search(line) and "# reviewed: escaped" not in line:
                        offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_bandit_finds_nothing_at_medium_severity_or_above():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "listening", "sessions_app", "interventions",
         "briefs", "--severity-level", "medium", "-x", "*/migrations/*"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("listening", "This password is too short. It must contain at least 10 characters."),
        ("short-pw9", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("1234567890", "This password is too common."),
    ],
)
def test_short_and_common_passwords_are_refused_at_sign_up(client, password, error):
    response = client.post(
        "/en/accounts/signup/",
        {"email": "new@example.org", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert error in response.text
    assert not get_user_model().objects.filter(email="new@example.org").exists()


@pytest.mark.django_db
def test_a_long_uncommon_password_is_accepted_at_sign_up(client):
    data = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    response = client.post("/en/accounts/signup/", {"email": "new@example.org", **data})
    assert (response.status_code, response["Location"]) == (302, "/en/accounts/confirm-email/")


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", message.body)


@pytest.mark.django_db
@override_settings(SITE_URL="https://listening.example.org")
def test_every_link_in_account_emails_is_built_from_site_url(client):
    """A request naming another port or scheme (the Host header is the client's) never
    puts it in a link: sign-up confirmation, password reset, account already exists."""
    UserFactory(email="known@example.org")
    host = {"HTTP_HOST": "testserver:8443"}
    data = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    client.post("/en/accounts/signup/", {"email": "fresh@example.org", **data}, **host)
    client.post("/en/accounts/signup/", {"email": "known@example.org", **data}, **host)
    client.post("/en/accounts/password/reset/", {"email": "known@example.org"}, **host)

    assert len(mail.outbox) == 3
    found = [link for message in mail.outbox for link in links(message)]
    assert len(found) >= 3
    assert [link for link in found if not link.startswith("https://listening.example.org/")] == []
    assert "testserver" not in "".join(m.body for m in mail.outbox)
    reset = mail.outbox[2]
    assert re.search(
        r"https://listening.example.org/en/accounts/password/reset/key/\S+", reset.body
    )


def test_robots_txt_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/en/admin/", "/fr/accounts/", "/es/privacy/my-data/", "/en/packs/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /en/sessions/" not in lines


@override_settings(
    SITE_URL="https://listening.example.org", SECURITY_CONTACT="mailto:security@example.org"
)
def test_security_txt_names_a_contact_and_expires_within_the_year(client):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    fields = dict(line.split(": ", 1) for line in response.text.splitlines())
    assert fields["Contact"] == "mailto:security@example.org"
    assert fields["Canonical"] == "https://listening.example.org/.well-known/security.txt"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timezone.now() + timedelta(days=30) < expires < timezone.now() + timedelta(days=365)
