"""The published brief: recording it, its cited source IDs, its PDF, and the one email each
consenting contributor receives in their language."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from briefs.models import BriefNotification, PolicyBrief
from briefs.services import parse_references, record_policy_brief
from core.models import OutboxMessage
from sessions_app.models import Series
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import run_pending_outbox_tasks

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LINK = "https://www.migrationnetwork.un.org/brief-regular-pathways"


@pytest.fixture
def session(db):
    return ListeningSessionFactory(title="Listening on regular pathways", status="held")


def contributor(*, consent=True, language="en", name="Amina Diallo"):
    first, last = name.split(" ", 1)
    return UserFactory(
        stakeholder=True,
        first_name=first,
        last_name=last,
        profile__full_name=name,
        profile__preferred_language=language,
        profile__consent_to_contact=consent,
    )


def approved(session, author, title):
    """An approved input; its source ID is given when it is saved (`.reference`)."""
    return InterventionFactory(session=session, author=author, status="approved", title=title)


def record(session, wg3, **kwargs):
    kwargs.setdefault("title", "The Impact of COVID 19 on Regular Migration Pathways")
    kwargs.setdefault("published_on", date(2031, 5, 20))
    kwargs.setdefault("url", LINK)
    kwargs.setdefault("references", "")
    return record_policy_brief(session=session, user=wg3, **kwargs)


def test_references_are_parsed_from_what_people_type():
    assert parse_references(" ls3-017, LS3-020;LS3-017\nls4-001 ") == [
        "LS3-017",
        "LS3-020",
        "LS4-001",
    ]
    assert parse_references("") == []


def test_recording_emails_each_consenting_contributor_once_with_their_cited_inputs(session, wg3):
    amina = contributor()
    cited = approved(session, amina, "Seasonal permits expired")
    uncited = approved(session, amina, "Clinics closed to migrants")
    other = contributor(name="Omar Haddad")
    approved(session, other, "Family visas")

    brief = record(session, wg3, references=cited.reference.lower())

    assert list(brief.cited.all()) == [cited]
    assert OutboxMessage.objects.filter(task_name="briefs.tasks.task_send_brief_email").count() == 2
    assert run_pending_outbox_tasks() == 2
    by_person = {email.to[0]: email for email in mail.outbox}
    email = by_person[amina.email]
    assert email.subject == (
        "[Listening] Published: “The Impact of COVID 19 on Regular Migration Pathways” — "
        "how your inputs were used"
    )
    assert "Thank you for sharing your views in “Listening on regular pathways”." in email.body
    assert LINK in email.body
    assert (
        f"The brief cites this input of yours:\n- {cited.reference}: Seasonal permits expired\n"
        in email.body
    )
    assert (
        f"Your other approved inputs informed its drafting too:\n- {uncited.reference}: "
        "Clinics closed to migrants\n" in email.body
    )
    heard = f"/en/sessions/{session.slug}/heard/"
    assert heard in email.body
    assert cited.reference not in by_person[other.email].body
    assert "The brief does not cite any of your inputs" in by_person[other.email].body


def test_saving_the_brief_again_emails_nobody_twice(session, wg3):
    amina = contributor()
    input_ = approved(session, amina, "Seasonal permits expired")
    brief = record(session, wg3)
    run_pending_outbox_tasks()

    record_policy_brief(
        brief=brief,
        user=wg3,
        title="The Impact of COVID 19 (final)",
        published_on=date(2031, 5, 21),
        url=LINK,
        references=input_.reference,
    )
    run_pending_outbox_tasks()

    assert [email.to for email in mail.outbox] == [[amina.email]]
    assert BriefNotification.objects.filter(brief=brief).count() == 1
    brief.refresh_from_db()
    assert brief.title == "The Impact of COVID 19 (final)"


def test_contributors_who_did_not_consent_get_nothing(session, wg3):
    silent = contributor(consent=False)
    quiet = approved(session, silent, "Quiet input")
    no_profile = UserFactory()
    approved(session, no_profile, "No profile input")
    drafted = contributor(name="Draft Writer")
    InterventionFactory(session=session, author=drafted, status="submitted")

    record(session, wg3, references=quiet.reference)

    assert run_pending_outbox_tasks() == 0
    assert mail.outbox == []


def test_consent_withdrawn_before_sending_stops_the_email(session, wg3):
    amina = contributor()
    approved(session, amina, "Seasonal permits expired")
    record(session, wg3)
    amina.profile.consent_to_contact = False
    amina.profile.save()

    run_pending_outbox_tasks()

    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "subject", "phrases"),
    [
        (
            "fr",
            # Subjects are folded on one line, with plain spaces.
            "[Listening] Publiée : « Brief » — comment vos contributions ont été utilisées",
            [
                "Merci d’avoir partagé votre point de vue",
                "La note d’orientation cite cette contribution de votre part",
            ],
        ),
        (
            "es",
            "[Listening] Publicado: «Brief» — cómo se usaron sus aportes",
            ["Gracias por compartir su punto de vista", "El documento cita este aporte suyo"],
        ),
        (
            "en",
            "[Listening] Published: “Brief” — how your inputs were used",
            ["Thank you for sharing your views", "The brief cites this input of yours"],
        ),
    ],
)
def test_the_email_is_in_the_contributors_language(session, wg3, language, subject, phrases):
    person = contributor(language=language)
    cited = approved(session, person, "Permis saisonniers")

    record(session, wg3, title="Brief", references=cited.reference)
    run_pending_outbox_tasks()

    [email] = mail.outbox
    assert email.subject == subject
    for phrase in phrases:
        assert phrase in email.body
    assert f"- {cited.reference}: Permis saisonniers" in email.body
    assert f"/{language}/sessions/{session.slug}/heard/" in email.body


def test_unknown_or_uncitable_source_ids_are_refused_and_nothing_is_saved(session, wg3):
    author = contributor()
    fine = approved(session, author, "Fine")
    rejected = InterventionFactory(session=session, author=author, status="rejected")
    elsewhere = InterventionFactory(session=ListeningSessionFactory(), status="approved")

    with pytest.raises(ValidationError) as refused:
        record(
            session,
            wg3,
            references=f"{fine.reference}, LS999-999, {rejected.reference}, {elsewhere.reference}",
        )

    assert refused.value.message_dict == {
        "cited": [
            "Unknown source ID: LS999-999.",
            f"Not an approved input, so it cannot be cited: {rejected.reference}.",
            f"Not an input of this brief’s sessions: {elsewhere.reference}.",
        ]
    }
    assert PolicyBrief.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_brief_needs_a_link_or_a_pdf_and_a_pdf_must_be_one(session, wg3):
    with pytest.raises(ValidationError) as nothing:
        record(session, wg3, url="")
    with pytest.raises(ValidationError) as not_pdf:
        record(session, wg3, url="", pdf=SimpleUploadedFile("brief.pdf", b"<html>not a pdf"))
    assert nothing.value.message_dict == {"url": ["Give a link to the brief or upload its PDF."]}
    assert not_pdf.value.message_dict == {"pdf": ["This file is not a PDF."]}
    assert PolicyBrief.objects.count() == 0


def test_series_brief_cites_inputs_of_any_of_its_sessions(wg3):
    series = Series.objects.create(slug="series", title="The series")
    one = ListeningSessionFactory(series=series, status="held")
    two = ListeningSessionFactory(series=series, status="open")
    author = contributor()
    first = approved(one, author, "One")
    second = approved(two, author, "Two")

    brief = record_policy_brief(
        series=series,
        user=wg3,
        title="Series brief",
        published_on=date(2031, 6, 1),
        url=LINK,
        references=f"{first.reference}, {second.reference}",
    )

    assert set(brief.cited.all()) == {first, second}
    run_pending_outbox_tasks()
    [email] = mail.outbox
    assert (
        "The brief cites these inputs of yours:\n"
        f"- {first.reference}: One\n- {second.reference}: Two\n" in email.body
    )
    assert "Thank you for sharing your views in “The series”." in email.body
    # Only the held session has a "What we heard" page yet.
    assert f"/en/sessions/{one.slug}/heard/" in email.body
    assert f"/en/sessions/{two.slug}/heard/" not in email.body


# --- The pages ---------------------------------------------------------------------------------


def test_working_group_records_a_brief_with_a_private_pdf(client, wg3, session):
    author = contributor()
    cited = approved(session, author, "Seasonal permits expired")
    client.force_login(wg3)
    url = reverse("briefs:brief_session", kwargs={"slug": session.slug})
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "title": "The Impact of COVID 19",
            "published_on": "2031-05-20",
            "pdf": SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf"),
            "cited": cited.reference,
        },
    )

    brief = PolicyBrief.objects.get()
    assert response.status_code == 302
    assert response["Location"] == brief.get_absolute_url()
    assert (brief.session, brief.pdf_is_public, brief.url) == (session, False, "")
    assert brief.pdf.read() == PDF
    pdf_url = reverse("briefs:brief_pdf", kwargs={"pk": brief.pk})
    assert b"".join(client.get(pdf_url).streaming_content) == PDF
    client.logout()
    assert client.get(pdf_url).status_code == 404
    client.force_login(contributor(name="Someone Else"))
    assert client.get(pdf_url).status_code == 404


def test_a_public_pdf_is_for_everyone(client, wg3, session):
    brief = record(
        session,
        wg3,
        url="",
        pdf=SimpleUploadedFile("brief.pdf", PDF),
        pdf_is_public=True,
    )
    response = client.get(reverse("briefs:brief_pdf", kwargs={"pk": brief.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert brief.public_url == reverse("briefs:brief_pdf", kwargs={"pk": brief.pk})


def test_the_form_shows_unknown_ids_clearly_and_saves_nothing(client, wg3, session):
    client.force_login(wg3)
    response = client.post(
        reverse("briefs:brief_session", kwargs={"slug": session.slug}),
        {"title": "Brief", "published_on": "2031-05-20", "url": LINK, "cited": "LS777-404"},
    )
    assert response.status_code == 400
    assert "Unknown source ID: LS777-404." in response.content.decode()
    assert PolicyBrief.objects.count() == 0


def test_editing_shows_the_cited_ids(client, wg3, session):
    author = contributor()
    first = approved(session, author, "One")
    second = approved(session, author, "Two")
    brief = record(session, wg3, references=f"{second.reference}, {first.reference}")
    client.force_login(wg3)
    html = client.get(brief.get_absolute_url()).content.decode()
    assert f"{first.reference}, {second.reference}</textarea>" in html


def test_brief_pages_need_the_working_group(client, stakeholder, session):
    url = reverse("briefs:brief_session", kwargs={"slug": session.slug})
    client.force_login(stakeholder)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "x"}).status_code == 403
    assert PolicyBrief.objects.count() == 0
