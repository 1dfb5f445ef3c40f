"""Emails rendered in the recipient's language, from `templates/emails/<name>_subject.txt`
and `<name>_body.txt` (plus `<name>_body.html` when present).

Plain-text parts are rendered by a template engine without HTML autoescaping (an apostrophe
in a French title must stay an apostrophe); the HTML part keeps Django's autoescaping.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import SimpleLazyObject

TEXT_ENGINE = SimpleLazyObject(
    lambda: DjangoTemplates(
        {
            "NAME": "plain_text",
            "DIRS": settings.TEMPLATES[0]["DIRS"],
            "APP_DIRS": True,
            "OPTIONS": {"autoescape": False},
        }
    )
)


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template: no HTML escaping, since the result is not HTML."""
    return TEXT_ENGINE.get_template(template_name).render(context)


def send_templated_email(
    *,
    to: str,
    language: str,
    template: str,
    context: dict,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render and send one email in `language`. Raises what the email backend raises."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL, "language": language}
        subject = render_text(f"emails/{template}_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        body = render_text(f"emails/{template}_body.txt", context)
        try:
            html = render_to_string(f"emails/{template}_body.html", context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
