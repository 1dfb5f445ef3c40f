"""Writes for sessions, profiles and registrations.

Every registration status change goes through `set_registration_status` (or
`register_for_session` for a new one). Both lock the session row first, so seats are
counted and given out one transaction at a time: capacity holds under concurrent requests.
"""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.emails import send_templated_email
from core.outbox import schedule_task

from .calendar import build_session_ics
from .countries import region_slug_for_country
from .enums import SEAT_HOLDING, SessionStatus
from .enums import RegistrationStatus as R
from .models import ListeningSession, Profile, Registration, RegistrationStatusChange
from .selectors import (
    active_regions,
    blocker_message,
    cancel_blocker,
    email_language,
    registration_blocker,
    waitlist_place,
)
from .timezones import parse_time_zone

# The status changes the secretariat may make, and from which statuses.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    R.CONFIRMED: (R.PENDING, R.WAITLISTED, R.DECLINED, R.CANCELLED),
    R.WAITLISTED: (R.PENDING, R.CONFIRMED, R.DECLINED, R.CANCELLED),
    R.DECLINED: (R.PENDING, R.CONFIRMED, R.WAITLISTED),
    R.CANCELLED: (R.PENDING, R.CONFIRMED, R.WAITLISTED),
}
# Which email tells the registrant about their new status.
EMAIL_FOR_STATUS = {
    R.CONFIRMED: "registration_confirmed",
    R.PENDING: "registration_pending",
    R.WAITLISTED: "registration_waitlisted",
    R.DECLINED: "registration_declined",
    R.CANCELLED: "registration_cancelled",
}
PROMOTED_EMAIL = "registration_promoted"
EMAIL_TEMPLATES = frozenset([*EMAIL_FOR_STATUS.values(), PROMOTED_EMAIL])


class ProfileIncomplete(ValidationError):
    """The user has not completed their profile yet."""


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    created: bool


def region_for_country(*, country: str) -> models.Model | None:
    """The seeded region a country belongs to, or None when none matches."""
    slug = region_slug_for_country(country)
    if slug is None:
        return None
    return active_regions().filter(slug=slug).first()


def save_profile(
    *,
    user: AbstractBaseUser,
    full_name: str,
    organization: str,
    stakeholder_type: str,
    country: str,
    preferred_language: str,
    time_zone: str,
    region: models.Model | None = None,
) -> Profile:
    """Create or update the user's profile; the region defaults from the country.

    Raises ValidationError for an unknown time zone (nothing is saved).
    """
    if parse_time_zone(time_zone) is None:
        raise ValidationError(_("Choose a time zone from the list."), code="time_zone")
    if region is None:
        region = region_for_country(country=country)
    profile, _created = Profile.objects.update_or_create(
        user=user,
        defaults={
            "full_name": full_name.strip(),
            "organization": organization.strip(),
            "stakeholder_type": stakeholder_type,
            "country": country,
            "region": region,
            "preferred_language": preferred_language,
            "time_zone": time_zone,
        },
    )
    return profile


def _seats_taken(session: ListeningSession, *, exclude: Registration | None = None) -> int:
    taken = Registration.objects.filter(session=session, status__in=SEAT_HOLDING)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return taken.count()


def _seat_status(session: ListeningSession) -> str:
    return R.PENDING if session.requires_approval else R.CONFIRMED


def _notify(registration: Registration, template: str) -> None:
    """Schedule the email for the registration's current status (sent after commit)."""
    schedule_task(
        "sessions_app.tasks.task_send_registration_email",
        registration_id=registration.pk,
        template=template,
        status=registration.status,
    )


def _set_status(registration: Registration, to_status: str, *, now, actor=None) -> None:
    """Change the status and record who did it: the one place a status is written."""
    from_status = registration.status
    registration.status = to_status
    registration.status_changed_at = now
    registration.save(update_fields=["status", "status_changed_at", "updated_at"])
    RegistrationStatusChange.objects.create(
        registration=registration,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
    )


def _fill_free_seats(session: ListeningSession, *, now) -> list[Registration]:
    """Promote waitlisted registrations, first in first out, while seats are free. A session
    that is not open (closed, held) promotes nobody: a seat after the event is no seat."""
    if session.status != SessionStatus.OPEN:
        return []
    free = session.capacity - _seats_taken(session)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.filter(session=session, status=R.WAITLISTED).order_by(
            "status_changed_at", "id"
        )[:free]
    )
    for registration in promoted:
        # No actor: the platform itself gives the freed seat.
        _set_status(registration, _seat_status(session), now=now)
        _notify(
            registration,
            PROMOTED_EMAIL if registration.status == R.CONFIRMED else EMAIL_FOR_STATUS[R.PENDING],
        )
    return promoted


def register_for_session(
    *,
    session: ListeningSession,
    user: AbstractBaseUser,
    privacy_consent: bool,
    role: str = "",
    wishes_to_speak: bool = False,
    accessibility_needs: str = "",
    consent_to_be_listed: bool = False,
    notify: bool = True,
) -> RegistrationResult:
    """Register `user` for `session`, copying organization and origin from their profile.

    With a seat free the registration is confirmed (pending when the session needs
    approval); when the session is full it is waitlisted. A user who already has a
    registration gets it back unchanged (`created` is False), except a cancelled one,
    which is placed again as if new.
    Side effects: one Registration row and its history row; after commit, an email in the
    registrant's language (unless `notify` is False, as for demo data).
    Raises ProfileIncomplete when the user has no profile, ValidationError when the privacy
    notice is not accepted or registration is not open; nothing is stored then.
    """
    if not privacy_consent:
        raise ValidationError(
            _("Please accept the privacy notice to register."), code="privacy_consent"
        )
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        raise ProfileIncomplete(
            _("Please complete your profile before registering."), code="profile"
        )
    with transaction.atomic():
        locked = ListeningSession.objects.select_for_update().get(pk=session.pk)
        existing = Registration.objects.filter(session=locked, user=user).first()
        blocker = registration_blocker(session=locked, registration=existing)
        if blocker == "already_registered":
            return RegistrationResult(registration=existing, created=False)
        if blocker:
            raise ValidationError(blocker_message(blocker), code=blocker)
        now = timezone.now()
        registration = existing or Registration(session=locked, user=user)
        registration.organization = profile.organization
        registration.stakeholder_type = profile.stakeholder_type
        registration.country = profile.country
        registration.region = profile.region
        registration.preferred_language = profile.preferred_language
        registration.role = role.strip()
        registration.wishes_to_speak = wishes_to_speak
        registration.accessibility_needs = accessibility_needs.strip()
        registration.consent_to_be_listed = consent_to_be_listed
        registration.privacy_consent_at = now
        seats_taken = _seats_taken(locked, exclude=existing)
        from_status = registration.status if existing is not None else ""
        registration.status = (
            _seat_status(locked) if seats_taken < locked.capacity else R.WAITLISTED
        )
        registration.status_changed_at = now
        registration.save()
        RegistrationStatusChange.objects.create(
            registration=registration,
            actor=user,
            from_status=from_status,
            to_status=registration.status,
        )
        if notify:
            _notify(registration, EMAIL_FOR_STATUS[registration.status])
    return RegistrationResult(registration=registration, created=True)


def set_registration_status(
    *,
    registration: Registration,
    to_status: str,
    actor: AbstractBaseUser | None = None,
    notify: bool = True,
) -> Registration:
    """Move a registration to confirmed, waitlisted, declined or cancelled.

    Confirming takes a free seat (a pending registration already holds one); waitlisting
    puts it at the end of the waitlist, and is refused when the seat it frees would have
    nobody else in line to take it (it would come straight back).
    Declining or cancelling frees its seat, which goes to the first waitlisted registrant.
    Side effects: status rows updated; after commit, an email to each registrant whose status
    changed (the one named here unless `notify` is False, and anyone promoted).
    Raises ValidationError for a change that is not allowed or no seat; nothing changes then.
    """
    if to_status not in ALLOWED_FROM:
        raise ValidationError(_("This status cannot be set."), code="invalid_status")
    with transaction.atomic():
        session = ListeningSession.objects.select_for_update().get(pk=registration.session_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status not in ALLOWED_FROM[to_status]:
            raise ValidationError(
                _("A registration cannot go from “%(from)s” to “%(to)s”.")
                % {"from": R(locked.status).label, "to": R(to_status).label},
                code="invalid_transition",
            )
        seats_free = session.capacity - _seats_taken(session, exclude=locked)
        if to_status == R.CONFIRMED and locked.status != R.PENDING and seats_free <= 0:
            raise ValidationError(
                _("The session is full: free a seat before confirming another registration."),
                code="full",
            )
        others_waiting = (
            Registration.objects.filter(session=session, status=R.WAITLISTED)
            .exclude(pk=locked.pk)
            .count()
        )
        # The freed seat must go to someone else in line, or the move would undo itself.
        if to_status == R.WAITLISTED and seats_free > others_waiting:
            raise ValidationError(
                _("Seats are still free: a registration goes on the waitlist only when full."),
                code="seats_free",
            )
        now = timezone.now()
        _set_status(locked, to_status, now=now, actor=actor)
        if notify:
            _notify(locked, EMAIL_FOR_STATUS[to_status])
        _fill_free_seats(session, now=now)
    registration.refresh_from_db()
    return registration


def cancel_registration(*, registration: Registration, user: AbstractBaseUser) -> Registration:
    """Cancel the user's own registration; its seat goes to the first waitlisted registrant.

    Side effects: as `set_registration_status`. Raises ValidationError when the
    registration belongs to someone else or is already declined or cancelled.
    """
    blocker = cancel_blocker(registration=registration, user=user)
    if blocker:
        raise ValidationError(blocker_message(blocker), code=blocker)
    return set_registration_status(registration=registration, to_status=R.CANCELLED, actor=user)


def fill_free_seats(*, session: ListeningSession) -> list[Registration]:
    """Promote waitlisted registrants into seats that are free (e.g. after a capacity rise).

    Side effects: promoted registrations and their emails after commit. Returns them.
    """
    with transaction.atomic():
        locked = ListeningSession.objects.select_for_update().get(pk=session.pk)
        return _fill_free_seats(locked, now=timezone.now())


def send_registration_email(*, registration: Registration, template: str, status: str) -> bool:
    """Send the email `template` about `registration`, in the registrant's language.

    Skips (returns False) when the registration's status has changed since the email was
    scheduled, so a stale confirmation never carries the join link. The confirmation and
    promotion emails carry the session's `.ics` calendar file.
    Raises ValueError for an unknown template; lets email backend errors propagate.
    """
    if template not in EMAIL_TEMPLATES:
        raise ValueError(template)
    if registration.status != status:
        return False
    session = registration.session
    confirmed = registration.status == R.CONFIRMED
    attachments = []
    if confirmed:
        ics = build_session_ics(session=session, registration=registration)
        attachments.append((f"{session.slug}.ics", ics, "text/calendar"))
    profile = Profile.objects.filter(user=registration.user).first()
    send_templated_email(
        to=registration.user.email,
        language=email_language(user=registration.user, session=session),
        template=template,
        context={
            "registration": registration,
            "session": session,
            "name": profile.full_name if profile else "",
            "time_zone": profile.time_zone
            if profile and parse_time_zone(profile.time_zone)
            else "",
            "join_url": session.join_url if confirmed else "",
            "waitlist_place": waitlist_place(registration=registration),
        },
        attachments=attachments,
    )
    return True
