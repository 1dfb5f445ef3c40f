"""A newcomer's first steps: the verification email, and where confirming it leads."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

PASSWORD = "a-long-passphrase-9"


def sign_up(client, email: str, language: str = "en") -> str:
    """Sign up and return the confirmation link's path from the email."""
    client.post(
        f"/{language}/accounts/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    [message] = mail.outbox
    return re.search(r"https?://[^/\s]+(/\S+/confirm-email/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_confirming_the_email_leads_to_the_profile(client):
    link = sign_up(client, "newcomer@example.org")
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/en/sessions/me/profile/"


@pytest.mark.django_db
def test_confirming_the_email_in_french_leads_to_the_french_profile(client):
    link = sign_up(client, "nouvelle@example.org", "fr")
    response = client.post(link)
    assert response["Location"] == "/fr/sessions/me/profile/"


@pytest.mark.django_db
def test_verification_email_names_the_site_and_no_username(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    sign_up(client, "newcomer@example.org")
    [message] = mail.outbox
    username = get_user_model().objects.get(email="newcomer@example.org").username
    lines = [line for line in message.body.splitlines() if line.strip()]
    assert lines[0] == "Hello from Listening — UN Network on Migration!"
    assert "127.0.0.1:8000" not in message.body
    assert f" {username} " not in message.body
    assert lines[-1] == "http://127.0.0.1:8101/"


@pytest.mark.django_db
def test_verification_email_in_french_is_plain_text(client):
    sign_up(client, "nouvelle@example.org", "fr")
    [message] = mail.outbox
    assert (
        "Pour la confirmer, ouvrez ce lien : http://127.0.0.1:8000/fr/accounts/confirm-email/"
        in (message.body)
    )
    assert "&#" not in message.body
    assert "&amp;" not in message.body
