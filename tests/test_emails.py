"""The shared email sender: recipient's language, plain text left unescaped."""

import pytest
from django.core import mail
from django.utils.functional import empty

from core import emails
from core.emails import render_text, send_templated_email


def test_plain_text_is_not_html_escaped(tmp_path, settings):
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "probe_subject.txt").write_text("{{ title }}")
    (tmp_path / "emails" / "probe_body.txt").write_text(
        "{% load i18n %}{% translate 'Privacy notice' %}: {{ title }}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    emails.TEXT_ENGINE._wrapped = empty  # the engine reads TEMPLATES when first used
    try:
        assert render_text("emails/probe_subject.txt", {"title": "L'accès & <b>"}) == (
            "L'accès & <b>"
        )
        send_templated_email(
            to="ana@example.org",
            language="fr",
            template="probe",
            context={"title": "Droits d'accès"},
        )
    finally:
        emails.TEXT_ENGINE._wrapped = empty
    message = mail.outbox[-1]
    assert message.subject == "[Listening] Droits d'accès"
    assert message.body.endswith(": Droits d'accès")
    assert message.to == ["ana@example.org"]


pytestmark = pytest.mark.django_db
