"""Personal data: what a participant can take with them, deleting an account, and purging
registration details some time after a session is held."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from briefs.services import withdraw_session_packs
from interventions.enums import Credit, InterventionStatus
from interventions.exports import intervention_row
from interventions.models import Intervention
from sessions_app.enums import SEAT_HOLDING, SessionStatus
from sessions_app.enums import Credit as SpeakerCredit
from sessions_app.models import FloorRequest, ListeningSession, Registration
from sessions_app.services import fill_free_seats


def export_personal_data(*, user) -> dict:
    """Everything the platform holds about `user`, as JSON-serializable data."""
    profile = getattr(user, "profile", None)
    registrations = Registration.objects.filter(user=user).select_related("session", "region")
    floor_requests = (
        FloorRequest.objects.filter(registration__user=user)
        .select_related("session", "agenda_item")
        .order_by("created_at", "id")
    )
    interventions = (
        Intervention.objects.filter(author=user)
        .select_related("session", "primary_theme")
        .prefetch_related("themes", "regions", "history")
    )
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
        },
        "profile": None
        if profile is None
        else {
            "full_name": profile.full_name,
            "organization": profile.organization,
            "stakeholder_type": profile.stakeholder_type,
            "country": str(profile.country),
            "region": profile.region.slug if profile.region else None,
            "preferred_language": profile.preferred_language,
            "time_zone": profile.time_zone,
            "consent_to_contact": profile.consent_to_contact,
        },
        "registrations": [
            {
                "session": r.session.slug,
                "status": r.status,
                "organization": r.organization,
                "stakeholder_type": r.stakeholder_type,
                "country": str(r.country),
                "region": r.region.slug if r.region else None,
                "role": r.role,
                "preferred_language": r.preferred_language,
                "wishes_to_speak": r.wishes_to_speak,
                "accessibility_needs": r.accessibility_needs,
                "consent_to_be_listed": r.consent_to_be_listed,
                "speaking_credit": r.speaking_credit,
                "attended_at": r.attended_at.isoformat() if r.attended_at else None,
                "privacy_consent_at": r.privacy_consent_at.isoformat()
                if r.privacy_consent_at
                else None,
                "created_at": r.created_at.isoformat(),
            }
            for r in registrations
        ],
        "floor_requests": [
            {
                "session": fr.session.slug,
                "agenda_item": fr.agenda_item.title,
                "language": fr.language,
                "topic": fr.topic,
                "status": fr.status,
                "credit": fr.credit,
                "asked_at": fr.created_at.isoformat(),
                "ended_at": fr.ended_at.isoformat() if fr.ended_at else None,
            }
            for fr in floor_requests
        ],
        "interventions": [
            {
                # What Working Group 3 exports, plus what only the author may see.
                **intervention_row(i),
                "status": i.status,
                "credit_choice": i.credit,
                "consent_to_publish": i.consent_to_publish,
                "feedback": i.feedback,
                "created_at": i.created_at.isoformat(),
                "history": [
                    {"from": h.from_status, "to": h.to_status, "at": h.created_at.isoformat()}
                    for h in i.history.all()
                ],
            }
            for i in interventions
        ],
    }


def delete_account(*, user) -> None:
    """Delete `user` and their personal data.

    Approved interventions stay in the record, anonymous from now on: author, credited name
    and organization are cleared, and they leave the public "What we heard" page. Everything
    else they wrote is deleted with the account.
    Seats they held go to the first waitlisted registrants (with the usual emails). Stored
    packs of every session where they wrote an input or were listed are withdrawn and built
    again, so no earlier pack keeps their name or organization.
    """
    with transaction.atomic():
        mine = Intervention.objects.filter(author=user)
        shown_in = set(
            mine.filter(status=InterventionStatus.APPROVED).values_list("session_id", flat=True)
        ) | set(
            Registration.objects.filter(user=user, consent_to_be_listed=True).values_list(
                "session_id", flat=True
            )
        )
        mine.exclude(status=InterventionStatus.APPROVED).delete()
        # Nobody is left to answer for publication: their inputs leave the public page.
        mine.update(
            author=None,
            credit=Credit.ANONYMOUS,
            credit_name="",
            credit_organization="",
            consent_to_publish=False,
        )
        sessions = list(
            ListeningSession.objects.filter(
                registrations__user=user, registrations__status__in=SEAT_HOLDING
            ).distinct()
        )
        user.delete()
        # The seats they held go to the first people on each waitlist.
        for session in sessions:
            fill_free_seats(session=session)
        withdraw_session_packs(session_ids=shown_in)


def purge_personal_data(*, now=None, retention_days: int | None = None) -> int:
    """Clear registrations' personal details for sessions held more than the retention period
    ago. Keep what the record of the session needs: status, and the organization of those who
    agreed to be listed. The stored packs of the sessions purged are withdrawn and built again
    (see `withdraw_session_packs`), so no earlier pack keeps what was cleared. Return how many
    registrations were purged (idempotent: a second run purges and withdraws nothing)."""
    now = now or timezone.now()
    days = settings.PERSONAL_DATA_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    held = Registration.objects.filter(
        session__status=SessionStatus.HELD, session__starts_at__lt=cutoff
    )
    details = {"role": "", "accessibility_needs": "", "wishes_to_speak": False}
    listing = {"organization": "", "country": "", "stakeholder_type": "", "region": None}
    with transaction.atomic():
        ids = set(held.exclude(**details).values_list("pk", flat=True))
        unlisted = held.filter(consent_to_be_listed=False).exclude(**listing)
        ids |= set(unlisted.values_list("pk", flat=True))
        held.filter(pk__in=ids).update(**details)
        unlisted.update(**listing)
        # What they said they would speak about, and names the live page never showed.
        requests = FloorRequest.objects.filter(registration__in=held)
        ids |= set(requests.exclude(topic="").values_list("registration_id", flat=True))
        requests.exclude(topic="").update(topic="")
        requests.exclude(credit=SpeakerCredit.NAMED).exclude(credit_name="").update(credit_name="")
        requests.filter(credit=SpeakerCredit.ANONYMOUS).exclude(credit_organization="").update(
            credit_organization=""
        )
        # Packs built before may show what was just cleared (an organization whose consent
        # to be listed was withdrawn since): withdraw them, to be built again without it.
        withdraw_session_packs(
            session_ids=set(
                Registration.objects.filter(pk__in=ids).values_list("session_id", flat=True)
            )
        )
    return len(ids)
