"""Writes for sessions, profiles and registrations.

Every registration status change goes through `set_registration_status` (or
`register_for_session` for a new one). Both lock the session row first, so seats are
counted and given out one transaction at a time: capacity holds under concurrent requests.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.emails import send_templated_email
from core.outbox import schedule_task

from .calendar import build_session_ics
from .countries import region_slug_for_country
from .enums import (
    SEAT_HOLDING,
    AttendanceSource,
    Credit,
    FloorRequestOrigin,
    FloorRequestStatus,
    SessionStatus,
    SkipReason,
)
from .enums import RegistrationStatus as R
from .models import (
    ACTIVE_FLOOR_STATUSES,
    AgendaItem,
    FloorRequest,
    ListeningSession,
    Profile,
    Registration,
    RegistrationStatusChange,
)
from .selectors import (
    LiveState,
    active_regions,
    askable_items,
    blocker_message,
    cancel_blocker,
    email_language,
    list_agenda,
    live_state,
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
    consent_to_contact: bool | None = None,
) -> Profile:
    """Create or update the user's profile; the region defaults from the country.

    `consent_to_contact` None keeps the stored answer (off for a new profile).

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
            **({} if consent_to_contact is None else {"consent_to_contact": consent_to_contact}),
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
    speaking_credit: str = Credit.ANONYMOUS,
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
        registration.speaking_credit = speaking_credit or Credit.ANONYMOUS
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


# ---------------------------------------------------------------------------------------------
# The live session: the floor, the queue, the desk and attendance.
#
# Every change locks the session row first, so changes to one session's queue happen one
# transaction at a time, and bumps `live_version`, which the live page and the desk poll.
# A desk action names what the desk saw (the head of the queue, the item now running, a place):
# when that no longer holds, another member of the secretariat was faster and nothing happens,
# so two people pressing "next" at once advance the queue once.
# ---------------------------------------------------------------------------------------------

STALE = "stale"


class LiveActionRefused(ValidationError):
    """A change to the live session that its current state does not allow (nothing changed)."""


def _lock_session(session_id: int) -> ListeningSession:
    return ListeningSession.objects.select_for_update().get(pk=session_id)


def _lock_floor_request(floor_request: FloorRequest) -> tuple[ListeningSession, FloorRequest]:
    session = _lock_session(floor_request.session_id)
    return session, FloorRequest.objects.select_for_update().get(pk=floor_request.pk)


def _bump(session_id: int) -> None:
    ListeningSession.objects.filter(pk=session_id).update(live_version=F("live_version") + 1)


def _refuse(message: str, code: str) -> LiveActionRefused:
    return LiveActionRefused(message, code=code)


def _stale() -> LiveActionRefused:
    return _refuse(
        _(
            "The queue changed before your click reached it (someone else acted first): "
            "nothing was done. Check the current state and try again."
        ),
        STALE,
    )


def _require_live(session: ListeningSession, *, now: datetime | None = None) -> None:
    state = live_state(session=session, now=now)
    if state == LiveState.ENDED:
        raise _refuse(_("The live session has ended."), "ended")
    if state != LiveState.LIVE:
        raise _refuse(_("The live session has not started yet."), "not_live")


def _require_status(floor_request: FloorRequest, *statuses: str) -> None:
    if floor_request.status not in statuses:
        raise _refuse(
            _("This request is “%(status)s”: it cannot be changed that way.")
            % {"status": FloorRequestStatus(floor_request.status).label},
            STALE,
        )


def _next_position(agenda_item_id: int) -> int:
    last = (
        FloorRequest.objects.filter(agenda_item_id=agenda_item_id)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return (last or 0) + 1


def open_live_session(
    *, session: ListeningSession, now: datetime | None = None
) -> ListeningSession:
    """Open the live page now, before its usual opening time, and start with the first agenda
    item when none is running yet.

    Side effects: the session's live fields. Raises LiveActionRefused once the session has ended.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_session(session.pk)
        if live_state(session=locked, now=now) == LiveState.ENDED:
            raise _refuse(_("The live session has ended."), "ended")
        fields = []
        if locked.live_started_at is None:
            locked.live_started_at = now
            fields.append("live_started_at")
        if locked.live_agenda_item_id is None:
            locked.live_agenda_item = (
                AgendaItem.objects.filter(session=locked)
                .order_by("order", "start_offset_minutes", "id")
                .first()
            )
            fields.append("live_agenda_item")
        if fields:
            locked.save(update_fields=fields)
            _bump(locked.pk)
    session.refresh_from_db()
    return session


def end_live_session(*, session: ListeningSession, now: datetime | None = None) -> ListeningSession:
    """End the live session: the live page stops taking requests and the session is held.

    Side effects: `live_ended_at` and the status (held). Raises LiveActionRefused when it is not
    live.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_session(session.pk)
        _require_live(locked, now=now)
        locked.live_ended_at = now
        locked.status = SessionStatus.HELD
        locked.save(update_fields=["live_ended_at", "status", "updated_at"])
        _bump(locked.pk)
    session.refresh_from_db()
    return session


def set_live_agenda_item(
    *,
    session: ListeningSession,
    agenda_item: AgendaItem | None = None,
    expected_item_id: int | None,
    now: datetime | None = None,
) -> AgendaItem:
    """Move the live session to `agenda_item`, or to the item after the one running (the first
    when none is) when no item is given.

    `expected_item_id` is the item the desk showed as running: when another change got there
    first, nothing happens. Raises LiveActionRefused (code "stale") then, when the session is
    not live, or when there is no next item.
    """
    with transaction.atomic():
        locked = _lock_session(session.pk)
        _require_live(locked, now=now)
        if locked.live_agenda_item_id != expected_item_id:
            raise _stale()
        agenda = list(
            AgendaItem.objects.filter(session=locked).order_by(
                "order", "start_offset_minutes", "id"
            )
        )
        if agenda_item is None:
            ids = [item.pk for item in agenda]
            index = ids.index(expected_item_id) + 1 if expected_item_id in ids else 0
            if index >= len(agenda):
                raise _refuse(_("This is the last agenda item."), "last_item")
            agenda_item = agenda[index]
        elif agenda_item.session_id != locked.pk:
            raise _refuse(_("Choose an item of this session's agenda."), "other_session")
        locked.live_agenda_item = agenda_item
        locked.save(update_fields=["live_agenda_item"])
        _bump(locked.pk)
    return agenda_item


def set_speaking_time_limit(*, session: ListeningSession, seconds: int) -> ListeningSession:
    """Set how long each speaker may speak (15 seconds to an hour); everyone's timer shows it.

    Raises ValidationError outside that range.
    """
    if not 15 <= seconds <= 3600:
        raise ValidationError(
            _("Choose a speaking time between 15 and 3600 seconds."), code="time_limit"
        )
    with transaction.atomic():
        locked = _lock_session(session.pk)
        locked.speaking_time_limit_seconds = seconds
        locked.save(update_fields=["speaking_time_limit_seconds"])
        _bump(locked.pk)
    session.refresh_from_db()
    return session


def ask_for_floor(
    *,
    session: ListeningSession,
    user: AbstractBaseUser,
    agenda_item: AgendaItem,
    language: str,
    topic: str,
    now: datetime | None = None,
) -> FloorRequest:
    """Put a confirmed registrant in the queue of an open-floor item, at its end.

    The credit is copied from their registration's consent (and their profile's name), so the
    live page and the record show no more than they agreed to.
    Side effects: one FloorRequest. Raises LiveActionRefused when the session is not live, the
    user is not a confirmed registrant, the item is not an open floor still to come, or they
    already wait under it.
    """
    with transaction.atomic():
        locked = _lock_session(session.pk)
        _require_live(locked, now=now)
        registration = Registration.objects.filter(
            session=locked, user=user, status=R.CONFIRMED
        ).first()
        if registration is None:
            raise _refuse(
                _("Only confirmed registrants of this session can ask for the floor."),
                "not_confirmed",
            )
        askable = askable_items(session=locked, agenda=list_agenda(session=locked))
        if agenda_item.pk not in {item.pk for item in askable}:
            raise _refuse(
                _("The floor can be asked only under an open-floor item still to come."),
                "not_open_floor",
            )
        if FloorRequest.objects.filter(
            registration=registration, agenda_item=agenda_item, status__in=ACTIVE_FLOOR_STATUSES
        ).exists():
            raise _refuse(
                _("You are already in the queue for this agenda item."), "already_waiting"
            )
        profile = Profile.objects.filter(user=user).first()
        floor_request = FloorRequest.objects.create(
            session=locked,
            agenda_item=agenda_item,
            registration=registration,
            origin=FloorRequestOrigin.ASKED,
            language=language,
            topic=" ".join(topic.split())[:200],
            position=_next_position(agenda_item.pk),
            credit=registration.speaking_credit,
            credit_name=profile.full_name if profile else user.get_full_name(),
            credit_organization=registration.organization,
        )
        _bump(locked.pk)
    return floor_request


def withdraw_floor_request(
    *, floor_request: FloorRequest, user: AbstractBaseUser, now: datetime | None = None
) -> FloorRequest:
    """Withdraw the user's own request while it waits or has just been called.

    Raises PermissionDenied for someone else's request, LiveActionRefused when it is no longer
    waiting or called, or the session is not live.
    """
    if floor_request.registration.user_id != user.pk:
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, FloorRequestStatus.WAITING, FloorRequestStatus.CALLED)
        locked.status = FloorRequestStatus.WITHDRAWN
        locked.ended_at = now
        locked.save(update_fields=["status", "ended_at", "updated_at"])
        _bump(session.pk)
    return locked


def _current_speaker(session: ListeningSession) -> FloorRequest | None:
    return FloorRequest.objects.filter(
        session=session,
        status__in=[FloorRequestStatus.CALLED, FloorRequestStatus.SPEAKING],
    ).first()


def call_next_speaker(
    *,
    session: ListeningSession,
    agenda_item: AgendaItem,
    expected_id: int | None,
    now: datetime | None = None,
) -> FloorRequest:
    """Call the first person waiting under `agenda_item`: they are asked to unmute.

    `expected_id` is the request the desk showed first in line: when it is no longer first (the
    queue moved since), nothing happens, so two clicks at once call one person.
    Side effects: the request becomes "called". Raises LiveActionRefused (code "stale") then,
    when someone is still called or speaking, the queue is empty or the session is not live.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_session(session.pk)
        _require_live(locked, now=now)
        head = (
            FloorRequest.objects.select_for_update()
            .filter(agenda_item=agenda_item, session=locked, status=FloorRequestStatus.WAITING)
            .order_by("position", "id")
            .first()
        )
        if expected_id is not None and (head is None or head.pk != expected_id):
            raise _stale()
        current = _current_speaker(locked)
        if current is not None:
            raise _refuse(
                _(
                    "%(speaker)s still has the floor: mark them delivered or not connected "
                    "before calling the next speaker."
                )
                % {"speaker": current.credit_name or current.public_credit},
                "busy",
            )
        if head is None:
            raise _refuse(_("Nobody is waiting under this agenda item."), "empty")
        head.status = FloorRequestStatus.CALLED
        head.called_at = now
        head.save(update_fields=["status", "called_at", "updated_at"])
        _bump(locked.pk)
    return head


def start_speaking(*, floor_request: FloorRequest, now: datetime | None = None) -> FloorRequest:
    """Start the speaker's timer: the called person has begun speaking.

    Raises LiveActionRefused unless the request is "called" and the session live.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, FloorRequestStatus.CALLED)
        locked.status = FloorRequestStatus.SPEAKING
        locked.speaking_started_at = now
        locked.save(update_fields=["status", "speaking_started_at", "updated_at"])
        _bump(session.pk)
    return locked


def _record_attendance(registration_id: int, *, source: str, now) -> bool:
    return bool(
        Registration.objects.filter(pk=registration_id, attended_at__isnull=True).update(
            attended_at=now, attendance_source=source
        )
    )


def mark_delivered(*, floor_request: FloorRequest, now: datetime | None = None) -> FloorRequest:
    """Mark the contribution of the called or speaking person as delivered; they attended.

    Side effects: the request's status and end time; the registration's attendance. Raises
    LiveActionRefused unless the request is called or speaking and the session live.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, FloorRequestStatus.CALLED, FloorRequestStatus.SPEAKING)
        locked.status = FloorRequestStatus.DELIVERED
        locked.speaking_started_at = locked.speaking_started_at or locked.called_at or now
        locked.ended_at = now
        locked.save(update_fields=["status", "speaking_started_at", "ended_at", "updated_at"])
        _record_attendance(locked.registration_id, source=AttendanceSource.DESK, now=now)
        _bump(session.pk)
    return locked


def mark_not_connected(*, floor_request: FloorRequest, now: datetime | None = None) -> FloorRequest:
    """The called person did not connect (or dropped): their turn is skipped.

    Raises LiveActionRefused unless the request is called or speaking and the session live.
    """
    return _skip(
        floor_request,
        reason=SkipReason.NOT_CONNECTED,
        allowed=(FloorRequestStatus.CALLED, FloorRequestStatus.SPEAKING),
        now=now,
    )


def skip_floor_request(*, floor_request: FloorRequest, now: datetime | None = None) -> FloorRequest:
    """Pass over a waiting request (it can be put back in the queue later).

    Raises LiveActionRefused unless the request is waiting and the session live.
    """
    return _skip(
        floor_request, reason=SkipReason.PASSED, allowed=(FloorRequestStatus.WAITING,), now=now
    )


def _skip(floor_request: FloorRequest, *, reason: str, allowed: tuple, now) -> FloorRequest:
    now = now or timezone.now()
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, *allowed)
        locked.status = FloorRequestStatus.SKIPPED
        locked.skip_reason = reason
        locked.ended_at = now
        locked.save(update_fields=["status", "skip_reason", "ended_at", "updated_at"])
        _bump(session.pk)
    return locked


def restore_floor_request(
    *, floor_request: FloorRequest, now: datetime | None = None
) -> FloorRequest:
    """Put a skipped request back in its queue, at the end.

    Raises LiveActionRefused unless it is skipped, its person has no other request waiting under
    the same item, and the session is live.
    """
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, FloorRequestStatus.SKIPPED)
        if FloorRequest.objects.filter(
            registration_id=locked.registration_id,
            agenda_item_id=locked.agenda_item_id,
            status__in=ACTIVE_FLOOR_STATUSES,
        ).exists():
            raise _refuse(_("This person already has a request in this queue."), "already_waiting")
        locked.status = FloorRequestStatus.WAITING
        locked.skip_reason = ""
        locked.ended_at = None
        locked.position = _next_position(locked.agenda_item_id)
        locked.save(update_fields=["status", "skip_reason", "ended_at", "position", "updated_at"])
        _bump(session.pk)
    return locked


UP, DOWN = "up", "down"


def move_floor_request(
    *,
    floor_request: FloorRequest,
    direction: str,
    expected_place: int | None,
    now: datetime | None = None,
) -> FloorRequest:
    """Move a waiting request one place up or down its queue.

    `expected_place` is the place the desk showed (1 is first): when it changed since, nothing
    happens. Raises LiveActionRefused (code "stale") then, at either end of the queue, or unless
    the request waits and the session is live.
    """
    if direction not in (UP, DOWN):
        raise ValueError(direction)
    with transaction.atomic():
        session, locked = _lock_floor_request(floor_request)
        _require_live(session, now=now)
        _require_status(locked, FloorRequestStatus.WAITING)
        queue = list(
            FloorRequest.objects.select_for_update()
            .filter(agenda_item_id=locked.agenda_item_id, status=FloorRequestStatus.WAITING)
            .order_by("position", "id")
        )
        index = next(i for i, fr in enumerate(queue) if fr.pk == locked.pk)
        if expected_place is not None and expected_place != index + 1:
            raise _stale()
        other = index - 1 if direction == UP else index + 1
        if not 0 <= other < len(queue):
            raise _refuse(_("This request cannot move further that way."), "edge")
        queue[index], queue[other] = queue[other], queue[index]
        for position, fr in enumerate(queue, start=1):
            if fr.position != position:
                fr.position = position
                fr.save(update_fields=["position", "updated_at"])
        _bump(session.pk)
    locked.refresh_from_db()
    return locked


def record_attendance(
    *, registration: Registration, source: str, now: datetime | None = None, bump: bool = False
) -> bool:
    """Record that the registrant attended (first source wins); return whether it was new.

    Opening the join link from the platform records it only while the session is live (the
    caller checks); the desk may mark anyone confirmed (`bump` so the desk shows it at once).
    """
    now = now or timezone.now()
    with transaction.atomic():
        recorded = _record_attendance(registration.pk, source=source, now=now)
        if recorded and bump:
            _bump(registration.session_id)
    return recorded


def schedule_speaker(
    *,
    floor_request: FloorRequest | None,
    registration: Registration,
    agenda_item: AgendaItem,
    place: int | None,
    language: str,
    topic: str,
    credit: str,
    credit_name: str,
    credit_organization: str,
) -> FloorRequest | None:
    """Put a speaker scheduled with a written intervention in the queue of `agenda_item` in their
    agreed speaking order `place`, or update their waiting request.

    Scheduled speakers come first, in their agreed order, before anyone who asked during the
    session. Returns the request; None (nothing changed) when the existing request is no longer
    waiting (it was called, delivered, skipped or withdrawn).
    """
    with transaction.atomic():
        locked_session = _lock_session(agenda_item.session_id)
        if floor_request is not None:
            floor_request = FloorRequest.objects.select_for_update().get(pk=floor_request.pk)
            if floor_request.status != FloorRequestStatus.WAITING:
                return None
        else:
            floor_request = FloorRequest(
                session=locked_session,
                registration=registration,
                origin=FloorRequestOrigin.SCHEDULED,
            )
        floor_request.agenda_item = agenda_item
        floor_request.scheduled_order = place
        floor_request.language = language
        floor_request.topic = " ".join(topic.split())[:200]
        floor_request.credit = credit
        floor_request.credit_name = credit_name
        floor_request.credit_organization = credit_organization
        queue = [
            fr
            for fr in FloorRequest.objects.select_for_update()
            .filter(agenda_item=agenda_item, status=FloorRequestStatus.WAITING)
            .order_by("position", "id")
            if fr.pk != floor_request.pk
        ]
        # Before the first person who asked, or who is scheduled later than `place`.
        index = next(
            (
                i
                for i, fr in enumerate(queue)
                if fr.origin != FloorRequestOrigin.SCHEDULED
                or (place or 0) < (fr.scheduled_order or 0)
            ),
            len(queue),
        )
        queue.insert(index, floor_request)
        for position, fr in enumerate(queue, start=1):
            if fr.pk is None or fr.position != position or fr is floor_request:
                fr.position = position
                fr.save()
        _bump(locked_session.pk)
    return floor_request


def unschedule_speaker(*, floor_request: FloorRequest, now: datetime | None = None) -> bool:
    """Take a scheduled speaker out of the queue while they still wait (their written
    intervention lost its slot); return whether they were taken out."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(floor_request.session_id)
        taken = FloorRequest.objects.filter(
            pk=floor_request.pk, status=FloorRequestStatus.WAITING
        ).update(status=FloorRequestStatus.WITHDRAWN, ended_at=now, updated_at=now)
        if taken:
            _bump(session.pk)
    return bool(taken)


def mark_floor_request_recorded(
    *, floor_request: FloorRequest, now: datetime | None = None
) -> None:
    """Note that what was said has been recorded (the desk shows it). Call it in the
    transaction that stores the record."""
    now = now or timezone.now()
    FloorRequest.objects.filter(pk=floor_request.pk).update(recorded_at=now, updated_at=now)
    _bump(floor_request.session_id)
