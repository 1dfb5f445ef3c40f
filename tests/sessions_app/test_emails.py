from datetime import UTC, datetime

import pytest
from django.core import mail
from django.utils import translation
from icalendar import Calendar

from core.emails import render_text
from core.enums import OutboxStatus
from core.models import OutboxMessage
from sessions_app import services, tasks
from sessions_app.enums import RegistrationStatus as R
from tests.factories import ListeningSessionFactory, ProfileFactory
from tests.helpers import run_pending_outbox_tasks

pytestmark = pytest.mark.django_db

JOIN = "https://meet.example.org/secret-room-4242"


def register(session, profile):
    return services.register_for_session(
        session=session, user=profile.user, privacy_consent=True
    ).registration


def test_confirmation_email_has_the_join_link_and_a_utc_calendar_file():
    session = ListeningSessionFactory(
        title="Regular pathways", starts_at=datetime(2031, 3, 4, 13, 0, tzinfo=UTC)
    )
    profile = ProfileFactory(full_name="Amina Diallo", time_zone="Asia/Kolkata")
    register(session, profile)
    message = OutboxMessage.objects.get()
    tasks.task_send_registration_email(outbox_id=message.pk, **message.kwargs)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    [email] = mail.outbox
    assert email.to == [profile.user.email]
    assert email.subject == "[Listening] Your registration is confirmed: Regular pathways"
    assert "Dear Amina Diallo," in email.body
    assert JOIN in email.body
    assert (
        "March 4, 2031, 13:00–15:00 UTC\nMarch 4, 2031, 18:30–20:30 (Asia/Kolkata)\n" in email.body
    )
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"{session.slug}.ics", "text/calendar")
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2031, 3, 4, 13, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Regular pathways"
    assert str(event["location"]) == JOIN


def test_duplicate_delivery_sends_once():
    register(ListeningSessionFactory(), ProfileFactory())
    message = OutboxMessage.objects.get()
    tasks.task_send_registration_email(outbox_id=message.pk, **message.kwargs)
    tasks.task_send_registration_email(outbox_id=message.pk, **message.kwargs)
    assert len(mail.outbox) == 1


def test_emails_go_in_the_registrants_language():
    session = ListeningSessionFactory(title="Session", title_fr="Séance", capacity=1)
    register(session, ProfileFactory(preferred_language="en"))
    register(session, ProfileFactory(preferred_language="fr"))
    assert run_pending_outbox_tasks() == 2
    assert [m.subject for m in mail.outbox] == [
        "[Listening] Your registration is confirmed: Session",
        "[Listening] Vous êtes sur liste d’attente : Séance",
    ]
    assert "/fr/sessions/me/sessions/#registration-" in mail.outbox[1].body


def test_waitlist_email_gives_the_place_and_no_join_link():
    session = ListeningSessionFactory(capacity=0)
    register(session, ProfileFactory())
    run_pending_outbox_tasks()
    [email] = mail.outbox
    assert "at place 1" in email.body
    assert JOIN not in email.body
    assert email.attachments == []


def test_promotion_cancel_decline_and_pending_emails():
    session = ListeningSessionFactory(capacity=1)
    first, second, third = (register(session, ProfileFactory()) for _ in range(3))
    services.cancel_registration(registration=first, user=first.user)
    services.set_registration_status(registration=third, to_status=R.DECLINED)
    # Six emails were scheduled; the three whose status changed before sending are skipped.
    assert run_pending_outbox_tasks() == 6
    subjects = [(m.to[0], m.subject.split(":")[0]) for m in mail.outbox]
    assert subjects == [
        (first.user.email, "[Listening] Registration cancelled"),
        (second.user.email, "[Listening] A seat is yours"),
        (third.user.email, "[Listening] Your registration was not accepted"),
    ]
    promoted = mail.outbox[1]
    assert JOIN in promoted.body
    assert [a[0] for a in promoted.attachments] == [f"{session.slug}.ics"]
    for email in (mail.outbox[0], mail.outbox[2]):
        assert JOIN not in email.body

    approval = ListeningSessionFactory(requires_approval=True)
    register(approval, ProfileFactory())
    run_pending_outbox_tasks()
    assert mail.outbox[-1].subject.startswith("[Listening] Registration received, awaiting")
    assert JOIN not in mail.outbox[-1].body


def test_stale_confirmation_is_not_sent_after_a_cancellation():
    profile = ProfileFactory()
    registration = register(ListeningSessionFactory(), profile)
    services.cancel_registration(registration=registration, user=profile.user)
    run_pending_outbox_tasks()
    assert [m.subject for m in mail.outbox] == [
        "[Listening] Registration cancelled: " + registration.session.title
    ]
    assert OutboxMessage.objects.filter(status=OutboxStatus.DONE).count() == 2


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize(
    "template",
    [
        "registration_confirmed",
        "registration_waitlisted",
        "registration_promoted",
        "registration_pending",
        "registration_declined",
        "registration_cancelled",
    ],
)
def test_every_registration_email_is_translated(language, template):
    session = ListeningSessionFactory(
        title="Session", title_fr="Séance", title_es="Sesión", capacity=5
    )
    registration = register(session, ProfileFactory(preferred_language=language))
    mail.outbox.clear()

    services.send_registration_email(
        registration=registration, template=template, status=registration.status
    )

    [email] = mail.outbox
    with translation.override("en"):
        english_subject = render_text(f"emails/{template}_subject.txt", {"session": session})
        english_body = render_text(
            f"emails/{template}_body.txt", {"session": session, "registration": registration}
        )
    localized_title = {"fr": "Séance", "es": "Sesión"}[language]
    assert localized_title in email.subject
    assert email.subject.split(":")[0] not in english_subject
    first_english_line = next(line for line in english_body.splitlines() if line.strip())
    assert first_english_line not in email.body
    assert f"/{language}/sessions/" in email.body
