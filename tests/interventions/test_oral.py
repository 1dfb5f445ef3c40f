"""Oral interventions: the desk records what was said, the speaker is emailed the record and may
propose a correction, which goes to moderation; oral inputs reach Working Group 3's list and
exports. Speakers scheduled with a written intervention join the live queue."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import OutboxMessage
from interventions import services
from interventions.enums import Channel, CorrectionStatus
from interventions.enums import InterventionStatus as S
from interventions.forms import OralRecordForm
from interventions.models import Intervention, InterventionCorrection, Region, Theme
from interventions.tasks import task_send_oral_record_email
from listening.privacy import export_personal_data
from sessions_app import services as live_services
from sessions_app.enums import AgendaItemKind, FloorRequestOrigin
from sessions_app.enums import FloorRequestStatus as F
from sessions_app.models import FloorRequest, Profile
from tests.factories import AgendaItemFactory, InterventionFactory, UserFactory
from tests.helpers import response_bytes
from tests.interventions.test_admin import _change_form_data, _change_url
from tests.live import LiveWorld

SUMMARY_FR = "Les permis saisonniers ont expiré pendant la fermeture des bureaux."
INTERPRETATION = "Seasonal permits expired while the offices were closed."


@pytest.fixture
def live(db):
    return LiveWorld()


def deliver(live, user, *, language="fr", topic="Permis saisonniers"):
    request = live_services.ask_for_floor(
        session=live.session, user=user, agenda_item=live.floor, language=language, topic=topic
    )
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    live_services.start_speaking(floor_request=request)
    return live_services.mark_delivered(floor_request=request)


def record_form(**overrides) -> dict:
    data = {
        "title": "Permis saisonniers",
        "language": "fr",
        "body": SUMMARY_FR,
        "english_title": "Seasonal permits",
        "english_text": INTERPRETATION,
        "kind": "challenge",
        "primary_theme": str(Theme.objects.get(slug="regularization").pk),
        "themes": [],
        "regions": [str(Region.objects.get(slug="africa").pk)],
        "countries": ["SN"],
        "delivered_at": "2026-05-04T13:42",
    }
    data.update(overrides)
    return data


def record_url(floor_request) -> str:
    return reverse("interventions:record_oral", kwargs={"pk": floor_request.pk})


def record(live, floor_request, **overrides) -> Intervention:
    form = OralRecordForm(record_form(**overrides))
    assert form.is_valid(), form.errors
    intervention, _created = services.record_oral_intervention(
        floor_request=floor_request, actor=live.secretariat, data=form.record_data()
    )
    return intervention


def send_pending_record_emails() -> int:
    sent = 0
    for message in OutboxMessage.objects.filter(
        task_name="interventions.tasks.task_send_oral_record_email", status="pending"
    ):
        sent += task_send_oral_record_email(outbox_id=message.pk, **message.kwargs)
    return sent


# Recording at the desk


def test_the_desk_records_a_french_contribution_with_its_interpretation(
    client, live, django_capture_on_commit_callbacks
):
    delivered = deliver(live, live.amina)
    client.force_login(live.secretariat)
    form = client.get(record_url(delivered))
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert (initial["title"], initial["language"]) == ("Permis saisonniers", "fr")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(record_url(delivered), record_form(), follow=True)
    assert response.redirect_chain == [(live.session.get_desk_url(), 302)]
    intervention = Intervention.objects.get()
    assert (intervention.channel, intervention.status, intervention.author) == (
        Channel.ORAL,
        S.SUBMITTED,
        live.amina,
    )
    assert (intervention.language, intervention.body, intervention.english_text) == (
        "fr",
        SUMMARY_FR,
        INTERPRETATION,
    )
    assert intervention.public_credit == "Amina Diallo, Réseau Sahel"
    assert intervention.delivered_at == datetime(2026, 5, 4, 13, 42, tzinfo=UTC)
    assert intervention.floor_request_id == delivered.pk
    assert [str(c) for c in intervention.countries] == ["SN"]
    assert list(intervention.regions.values_list("slug", flat=True)) == ["africa"]
    history = list(intervention.history.values_list("actor", "from_status", "to_status"))
    assert history == [(live.secretariat.pk, "", S.SUBMITTED)]
    assert FloorRequest.objects.get(pk=delivered.pk).recorded_at is not None
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.kwargs) == (
        "interventions.tasks.task_send_oral_record_email",
        {"intervention_id": intervention.pk},
    )
    desk = client.get(live.session.get_desk_url()).content.decode()
    assert "Recorded" in desk
    assert record_url(delivered) not in desk


def test_the_record_credits_the_speaker_as_they_consented(live):
    anonymous = record(
        live, deliver(live, live.chen, language="en"), language="en", english_text=""
    )
    by_organization = record(live, deliver(live, live.bruno, language="es"))
    assert anonymous.public_credit == "Anonymous participant"
    assert by_organization.public_credit == "Casa do Migrante"
    assert (anonymous.credit, by_organization.credit) == ("anonymous", "organization")


def test_an_interpretation_is_needed_for_french_or_spanish(client, live):
    delivered = deliver(live, live.amina)
    client.force_login(live.secretariat)
    response = client.post(record_url(delivered), record_form(english_text=""))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "english_text": ["Give the English interpretation of what was said."]
    }
    with pytest.raises(ValidationError):
        services.record_oral_intervention(
            floor_request=delivered,
            actor=live.secretariat,
            data={"language": "es", "english_text": " ", "body": "x"},
        )
    assert Intervention.objects.count() == 0


def test_a_contribution_is_recorded_once(client, live):
    delivered = deliver(live, live.amina)
    first = record(live, delivered)
    again, created = services.record_oral_intervention(
        floor_request=delivered, actor=live.secretariat, data={"language": "en"}
    )
    assert (again, created) == (first, False)
    client.force_login(live.secretariat)
    response = client.get(record_url(delivered))
    assert response["Location"] == reverse(
        "admin:interventions_intervention_change", args=[first.pk]
    )
    assert Intervention.objects.count() == 1


def test_only_delivered_contributions_asked_on_the_floor_can_be_recorded(client, live):
    waiting = live_services.ask_for_floor(
        session=live.session, user=live.bruno, agenda_item=live.floor, language="en", topic="x"
    )
    client.force_login(live.secretariat)
    assert client.get(record_url(waiting)).status_code == 404
    with pytest.raises(ValidationError) as refused:
        services.record_oral_intervention(
            floor_request=waiting, actor=live.secretariat, data={"language": "en"}
        )
    assert refused.value.code == "not_delivered"


def test_the_record_page_is_for_the_desk_only(client, live):
    delivered = deliver(live, live.amina)
    for user in (live.amina, UserFactory(is_staff=True), UserFactory(wg3=True)):
        client.force_login(user)
        assert client.get(record_url(delivered)).status_code == 403
        assert client.post(record_url(delivered), record_form()).status_code == 403
    assert Intervention.objects.count() == 0


# The speaker's email, review and correction


def test_the_speaker_is_emailed_the_record_in_their_language(
    live, django_capture_on_commit_callbacks
):
    Profile.objects.filter(user=live.amina).update(preferred_language="fr")
    live.session.title_fr = "Séance en direct"
    live.session.save()
    with django_capture_on_commit_callbacks():
        intervention = record(live, deliver(live, live.amina))
    assert send_pending_record_emails() == 1
    assert send_pending_record_emails() == 0
    email = mail.outbox[-1]
    assert email.to == ["amina@example.org"]
    assert "Séance en direct" in email.subject
    assert SUMMARY_FR in email.body
    assert INTERPRETATION in email.body
    assert "Amina Diallo, Réseau Sahel" in email.body
    assert f"http://127.0.0.1:8000/fr/interventions/{intervention.pk}/" in email.body
    assert "proposer une correction" in email.body


def test_a_record_withdrawn_before_the_email_goes_is_not_sent(live):
    intervention = record(live, deliver(live, live.amina))
    services.withdraw_intervention(intervention=intervention, actor=live.amina)
    assert services.send_oral_record_email(intervention=intervention) is False
    assert mail.outbox == []


def test_the_speaker_reviews_and_proposes_a_correction_which_goes_to_moderation(client, live):
    intervention = record(live, deliver(live, live.amina))
    client.force_login(live.amina)
    detail = reverse("interventions:detail", kwargs={"pk": intervention.pk})
    page = client.get(detail).content.decode()
    assert "Spoken at the live session and summarised by the secretariat." in page
    assert INTERPRETATION in page
    assert SUMMARY_FR in page
    correction_url = reverse("interventions:propose_correction", kwargs={"pk": intervention.pk})
    assert correction_url in page
    assert reverse("interventions:edit", kwargs={"pk": intervention.pk}) not in page
    response = client.post(correction_url, {"text": "J'ai aussi parlé des visas de travail."})
    assert response["Location"] == detail
    correction = InterventionCorrection.objects.get()
    assert (correction.intervention, correction.author, correction.status) == (
        intervention,
        live.amina,
        CorrectionStatus.PENDING,
    )
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED
    assert "J&#x27;ai aussi parlé des visas de travail." in client.get(detail).content.decode()

    services.set_intervention_status(
        intervention=intervention, to_status=S.APPROVED, actor=live.secretariat, role="moderator"
    )
    correction.refresh_from_db()
    assert (correction.status, correction.settled_by) == (
        CorrectionStatus.SETTLED,
        live.secretariat,
    )

    services.propose_correction(intervention=intervention, actor=live.amina, text="Et les permis.")
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED
    last = intervention.history.order_by("-created_at", "-id").first()
    assert (last.actor, last.from_status, last.to_status) == (live.amina, S.APPROVED, S.SUBMITTED)
    assert InterventionCorrection.objects.filter(status=CorrectionStatus.PENDING).count() == 1


def test_corrections_come_only_from_the_speaker_and_only_for_oral_records(client, live):
    intervention = record(live, deliver(live, live.amina))
    with pytest.raises(PermissionDenied):
        services.propose_correction(intervention=intervention, actor=live.bruno, text="x")
    client.force_login(live.bruno)
    url = reverse("interventions:propose_correction", kwargs={"pk": intervention.pk})
    assert client.get(url).status_code == 404
    written = InterventionFactory(session=live.session, author=live.amina, status=S.APPROVED)
    with pytest.raises(ValidationError) as refused:
        services.propose_correction(intervention=written, actor=live.amina, text="x")
    assert refused.value.code == "written"
    services.withdraw_intervention(intervention=intervention, actor=live.amina)
    with pytest.raises(ValidationError) as refused:
        services.propose_correction(intervention=intervention, actor=live.amina, text="x")
    assert refused.value.code == "final"
    assert InterventionCorrection.objects.count() == 0


def test_the_speaker_cannot_edit_the_record_directly(client, live):
    intervention = record(live, deliver(live, live.amina))
    services.set_intervention_status(
        intervention=intervention,
        to_status=S.CHANGES_REQUESTED,
        actor=live.secretariat,
        role="moderator",
        feedback="Please check the summary.",
    )
    client.force_login(live.amina)
    edit = reverse("interventions:edit", kwargs={"pk": intervention.pk})
    assert client.get(edit)["Location"] == reverse(
        "interventions:detail", kwargs={"pk": intervention.pk}
    )
    with pytest.raises(ValidationError) as refused:
        services.update_intervention(
            intervention=intervention, actor=live.amina, data={"body": "x"}, submit=False
        )
    assert refused.value.code == "oral"
    services.propose_correction(intervention=intervention, actor=live.amina, text="Fine as is.")
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED


# Moderation, Working Group 3's list and exports


def test_oral_inputs_are_moderated_and_reach_the_approved_list_and_exports(client, live):
    oral = record(live, deliver(live, live.amina))
    written = InterventionFactory(session=live.session, status=S.APPROVED, title="Written one")
    client.force_login(live.secretariat)
    changelist = reverse("admin:interventions_intervention_changelist")
    response = client.get(changelist, {"channel__exact": "oral"})
    assert list(response.context["cl"].result_list) == [oral]
    services.moderate_interventions(
        interventions=[oral], to_status=S.APPROVED, actor=live.secretariat
    )
    client.force_login(UserFactory(wg3=True))
    approved = reverse("interventions:approved")
    response = client.get(approved)
    html = response.content.decode()
    assert "Oral, summarised by the secretariat" in html
    assert response.context["facets"]["channel"] == [("written", "Written", 1), ("oral", "Oral", 1)]
    assert list(client.get(approved, {"channel": "oral"}).context["page"].object_list) == [oral]
    rows = list(
        csv.DictReader(
            io.StringIO(
                response_bytes(client.get(reverse("interventions:export_csv"))).decode("utf-8-sig")
            )
        )
    )
    assert {row["title"]: row["channel"] for row in rows} == {
        "Permis saisonniers": "oral",
        written.title: "written",
    }
    exported = json.loads(response_bytes(client.get(reverse("interventions:export_json"))))
    by_title = {row["title"]: row for row in exported["interventions"]}
    assert by_title["Permis saisonniers"]["delivered_at"] == "2026-05-04T13:42:00+00:00"
    assert by_title["Permis saisonniers"]["english_text"] == INTERPRETATION


def test_the_admin_lets_the_secretariat_correct_an_oral_record(client, live):
    oral = record(live, deliver(live, live.amina))
    client.force_login(live.secretariat)
    change = reverse("admin:interventions_intervention_change", args=[oral.pk])
    form = client.get(change).context["adminform"].form
    assert {"title", "body", "language"} <= set(form.fields)
    written = InterventionFactory(session=live.session, status=S.SUBMITTED)
    change = reverse("admin:interventions_intervention_change", args=[written.pk])
    form = client.get(change).context["adminform"].form
    assert {"title", "body", "language"} & set(form.fields) == set()


# Speakers scheduled with a written intervention


def slot(live, intervention, agenda_item, order):
    """Give the intervention a speaking slot, as the secretariat does in the admin."""
    services.save_staff_edits(
        intervention=intervention,
        actor=live.secretariat,
        data={"agenda_item": agenda_item, "speaking_order": order},
    )


def test_a_speaking_slot_puts_the_author_in_the_live_queue(live):
    written = InterventionFactory(
        session=live.session,
        author=live.bruno,
        status=S.APPROVED,
        deliver_orally=True,
        language="es",
        credit="organization",
        credit_name="Bruno Costa",
        credit_organization="Casa do Migrante",
        title="Visados",
    )
    asked = live_services.ask_for_floor(
        session=live.session, user=live.chen, agenda_item=live.floor, language="en", topic="x"
    )
    slot(live, written, live.floor, 1)
    written.refresh_from_db()
    scheduled = written.floor_request
    assert (scheduled.origin, scheduled.status, scheduled.language, scheduled.topic) == (
        FloorRequestOrigin.SCHEDULED,
        F.WAITING,
        "es",
        "Visados",
    )
    assert scheduled.public_credit == "Casa do Migrante"
    queue = FloorRequest.objects.filter(status=F.WAITING).order_by("position", "id")
    assert list(queue) == [scheduled, asked]
    services.withdraw_intervention(intervention=written, actor=live.bruno)
    scheduled.refresh_from_db()
    assert scheduled.status == F.WITHDRAWN
    assert list(FloorRequest.objects.filter(status=F.WAITING)) == [asked]


def test_a_delivered_written_intervention_is_its_own_record(client, live):
    written = InterventionFactory(
        session=live.session, author=live.bruno, status=S.APPROVED, deliver_orally=True
    )
    slot(live, written, live.floor, 1)
    written.refresh_from_db()
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    live_services.mark_delivered(floor_request=written.floor_request)
    client.force_login(live.secretariat)
    desk = client.get(live.session.get_desk_url()).content.decode()
    assert "Their written intervention is the record." in desk
    assert client.get(record_url(written.floor_request)).status_code == 404


def test_the_speaking_slot_set_in_the_admin_reaches_the_queue(client, live):
    written = InterventionFactory(
        session=live.session, author=live.amina, status=S.APPROVED, deliver_orally=True
    )
    client.force_login(live.secretariat)
    response = client.post(
        _change_url(written),
        _change_form_data(written, agenda_item=str(live.floor.pk), speaking_order="3"),
    )
    assert response.status_code == 302
    written.refresh_from_db()
    assert (written.floor_request.status, written.floor_request.scheduled_order) == (F.WAITING, 3)


def test_only_open_floor_items_take_scheduled_speakers(live):
    written = InterventionFactory(
        session=live.session, author=live.amina, status=S.APPROVED, deliver_orally=True
    )
    other = AgendaItemFactory(session=live.session, kind=AgendaItemKind.PRESENTATION)
    with pytest.raises(ValidationError):
        slot(live, written, other, 1)
    assert FloorRequest.objects.count() == 0


# Personal data


def test_the_personal_data_export_has_floor_requests_and_attendance(live):
    record(live, deliver(live, live.amina))
    data = export_personal_data(user=live.amina)
    assert [(fr["topic"], fr["status"], fr["language"]) for fr in data["floor_requests"]] == [
        ("Permis saisonniers", "delivered", "fr")
    ]
    assert data["registrations"][0]["speaking_credit"] == "named"
    assert data["registrations"][0]["attended_at"] is not None
    assert [i["channel"] for i in data["interventions"]] == ["oral"]
