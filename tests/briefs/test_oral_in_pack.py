"""Oral inputs in the input pack, read back with pypdf: marked as summarised by the secretariat,
with the English interpretation and the summary in the language spoken, counted apart from the
written ones; the held session's figures in the key figures."""

import re

import pytest
from django.utils import translation

from briefs.pipeline import generate_pack_pdf
from briefs.selectors import PackFilters, pack_fingerprint
from interventions.enums import InterventionStatus as S
from interventions.forms import OralRecordForm
from interventions.models import Region, Theme
from interventions.services import (
    MODERATOR,
    record_oral_intervention,
    set_intervention_status,
)
from sessions_app import services as live_services
from tests.factories import InterventionFactory, RegistrationFactory
from tests.helpers import pdf_text
from tests.live import LiveWorld

INTERPRETATION = "Sentinelinterpretation: seasonal permits expired while offices were closed."
SUMMARY = "Sentinelresumen: los permisos de temporada vencieron con las oficinas cerradas."


@pytest.fixture
def live(db):
    return LiveWorld()


def deliver_and_record(live, user, *, language, body, english_text, approve=True):
    request = live_services.ask_for_floor(
        session=live.session, user=user, agenda_item=live.floor, language=language, topic="Visas"
    )
    live_services.call_next_speaker(session=live.session, agenda_item=live.floor, expected_id=None)
    live_services.start_speaking(floor_request=request)
    request = live_services.mark_delivered(floor_request=request)
    form = OralRecordForm(
        {
            "title": "Permisos de temporada",
            "language": language,
            "body": body,
            "english_title": "Seasonal permits",
            "english_text": english_text,
            "kind": "challenge",
            "primary_theme": str(Theme.objects.get(slug="labour-pathways").pk),
            "regions": [str(Region.objects.get(slug="latin-america-caribbean").pk)],
            "delivered_at": "2026-05-04T13:42",
        }
    )
    assert form.is_valid(), form.errors
    intervention, _created = record_oral_intervention(
        floor_request=request, actor=live.secretariat, data=form.record_data()
    )
    if approve:
        set_intervention_status(
            intervention=intervention, to_status=S.APPROVED, actor=live.secretariat, role=MODERATOR
        )
    return intervention


def squash(text: str) -> str:
    """Text without spaces: pypdf sets a figure and its label apart, or not."""
    return re.sub(r"\s+", "", text)


def build(session):
    with translation.override("en"):
        return generate_pack_pdf(session=session, filters=PackFilters.build())


def test_oral_inputs_are_marked_interpreted_and_counted_apart(live):
    deliver_and_record(live, live.bruno, language="es", body=SUMMARY, english_text=INTERPRETATION)
    InterventionFactory(
        session=live.session,
        status=S.APPROVED,
        primary_theme=Theme.objects.get(slug="labour-pathways"),
        body="Sentinelwritten input, written on the platform.",
    )
    generated = build(live.session)
    text = pdf_text(generated.pdf)
    assert generated.intervention_count == 2
    oral = text.split("Seasonal permits")[1]
    assert oral.startswith(" Permisos de temporada Oral, summarised by the secretariat · delivered")
    assert oral.index("Oral, summarised") < oral.index("Type Challenge faced by migrants")
    assert "4 May 2026, 13:42 UTC" in oral
    # The labels are set in capitals.
    assert "ENGLISH INTERPRETATION GIVEN ON THE CALL" in oral
    assert INTERPRETATION in oral
    assert "SUMMARY IN THE LANGUAGE SPOKEN (SPANISH)" in oral
    assert SUMMARY in oral
    assert oral.index(INTERPRETATION) < oral.index(SUMMARY)
    # The contents (which list "Key figures") come first, then the key figures themselves.
    figures = squash(text.split("Key figures")[2])
    assert squash("2 approved inputs 1 written inputs 1 oral inputs, summarised by the") in figures
    assert text.count("Oral, summarised by the secretariat") == 1


def test_an_oral_input_is_credited_as_the_speaker_consented(live):
    deliver_and_record(
        live, live.chen, language="en", body="Sentinelanon said this.", english_text=""
    )
    text = pdf_text(build(live.session).pdf)
    assert "Sentinelanon said this." in text
    assert "Anonymous participant" in text
    assert "Chen Wei" not in text
    assert "Harbour Workers Union" not in text


def test_an_oral_input_awaiting_moderation_stays_out_of_the_pack(live):
    deliver_and_record(
        live, live.bruno, language="es", body=SUMMARY, english_text=INTERPRETATION, approve=False
    )
    text = pdf_text(build(live.session).pdf)
    assert "Sentinelresumen" not in text
    assert "Sentinelinterpretation" not in text


def test_the_held_report_figures_are_in_the_key_figures(live, client):
    deliver_and_record(live, live.bruno, language="es", body=SUMMARY, english_text=INTERPRETATION)
    deliver_and_record(
        live, live.amina, language="fr", body="Sentinelfr.", english_text="In English."
    )
    RegistrationFactory(session=live.session)
    client.force_login(live.chen)
    client.get(f"/en/sessions/{live.session.slug}/live/join/")
    live_services.end_live_session(session=live.session)
    text = pdf_text(build(live.session).pdf)
    # The contents (which list "Key figures") come first, then the key figures themselves.
    figures = squash(text.split("Key figures")[2])
    assert (
        squash(
            "The session as held 4 confirmed registrants 3 attended 2 speakers on the floor "
            "2 contributions delivered Languages spoken on the floor: French (1), Spanish (1)"
        )
        in figures
    )


def content_hash(live) -> str:
    return pack_fingerprint(session=live.session, filters=PackFilters.build()).content_hash


def test_an_oral_record_changes_the_pack_content_hash(live):
    before = content_hash(live)
    deliver_and_record(live, live.bruno, language="es", body=SUMMARY, english_text=INTERPRETATION)
    assert content_hash(live) != before


def test_attendance_after_the_session_changes_the_pack_content_hash(live, client):
    live_services.end_live_session(session=live.session)
    before = content_hash(live)
    assert content_hash(live) == before
    live_services.record_attendance(registration=live.registrations[2], source="desk", bump=True)
    assert content_hash(live) != before
