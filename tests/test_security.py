"""Headers, cookies, account protections, static checks of the code."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

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
