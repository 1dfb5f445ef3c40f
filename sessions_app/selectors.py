"""Reads for sessions, agendas and registrations; each makes a fixed number of queries."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import CANCELLABLE, SEAT_HOLDING, RegistrationStatus, SessionStatus
from .models import AgendaItem, ListeningSession, Profile, Registration


def _with_seats_taken(queryset: QuerySet[ListeningSession]) -> QuerySet[ListeningSession]:
    return queryset.annotate(
        seats_taken=Count("registrations", filter=Q(registrations__status__in=SEAT_HOLDING))
    )


def list_public_sessions(*, now: datetime | None = None) -> QuerySet[ListeningSession]:
    """Sessions visible to the public (every status but draft): upcoming ones first, soonest
    first, then past ones, most recent first. Each has `seats_taken` annotated."""
    now = now or timezone.now()
    queryset = ListeningSession.objects.exclude(status=SessionStatus.DRAFT).annotate(
        is_past=Case(When(starts_at__lt=now, then=Value(1)), default=Value(0))
    )
    return _with_seats_taken(queryset).order_by(
        "is_past",
        Case(When(starts_at__gte=now, then=F("starts_at"))).asc(nulls_last=True),
        F("starts_at").desc(),
    )


def get_public_session(*, slug: str) -> ListeningSession:
    """The public session with this slug, with `seats_taken` and its agenda in order (as
    `agenda`). Raises DoesNotExist for drafts."""
    agenda = AgendaItem.objects.order_by("order", "start_offset_minutes", "id")
    queryset = ListeningSession.objects.exclude(status=SessionStatus.DRAFT).prefetch_related(
        Prefetch("agenda_items", queryset=agenda, to_attr="agenda")
    )
    return _with_seats_taken(queryset).get(slug=slug)


def seats_left(*, session: ListeningSession) -> int:
    """Seats still free; uses the `seats_taken` annotation when present."""
    taken = getattr(session, "seats_taken", None)
    if taken is None:
        taken = session.registrations.filter(status__in=SEAT_HOLDING).count()
    return max(session.capacity - taken, 0)


def _waitlist_place_subquery() -> Subquery:
    ahead = (
        Registration.objects.filter(
            session_id=OuterRef("session_id"), status=RegistrationStatus.WAITLISTED
        )
        .filter(
            Q(status_changed_at__lt=OuterRef("status_changed_at"))
            | Q(status_changed_at=OuterRef("status_changed_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(ahead, output_field=IntegerField())


def with_waitlist_place(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate `waitlist_place` (1 is next in line) on waitlisted registrations, else None."""
    return queryset.annotate(
        waitlist_place=Case(
            When(
                status=RegistrationStatus.WAITLISTED,
                then=Coalesce(_waitlist_place_subquery(), Value(1)),
            ),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_place(*, registration: Registration) -> int | None:
    """The registration's place on its session's waitlist (1 is next), None when not on it."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return (
        with_waitlist_place(Registration.objects.filter(pk=registration.pk))
        .values_list("waitlist_place", flat=True)
        .first()
    )


def get_registration(
    *, session: ListeningSession, user: AbstractBaseUser | AnonymousUser
) -> Registration | None:
    """The user's registration for the session (with `waitlist_place`), or None."""
    if not user.is_authenticated:
        return None
    queryset = Registration.objects.filter(session=session, user=user)
    return with_waitlist_place(queryset).first()


def list_my_registrations(*, user: AbstractBaseUser) -> QuerySet[Registration]:
    """The user's registrations with their sessions and waitlist places, by session date."""
    queryset = (
        Registration.objects.filter(user=user)
        .select_related("session")
        .order_by("-session__starts_at", "id")
    )
    return with_waitlist_place(queryset)


def get_my_registration(*, user: AbstractBaseUser, pk: int) -> Registration:
    """The user's own registration `pk`; raises DoesNotExist for anyone else's."""
    return with_waitlist_place(
        Registration.objects.filter(user=user).select_related("session")
    ).get(pk=pk)


def get_profile(*, user: AbstractBaseUser | AnonymousUser) -> Profile | None:
    """The user's profile, or None before they complete it."""
    if not user.is_authenticated:
        return None
    return Profile.objects.filter(user=user).select_related("region").first()


def with_registration_counts(queryset: QuerySet[ListeningSession]) -> QuerySet[ListeningSession]:
    """Annotate `count_<status>` for each registration status, in the same query."""
    return queryset.annotate(
        **{
            f"count_{status}": Count("registrations", filter=Q(registrations__status=status))
            for status in RegistrationStatus.values
        }
    )


def region_model() -> type[models.Model]:
    """The region model, reached through the profile's `region` field: the design ties profiles
    and registrations to regions, which the interventions app owns."""
    return Profile._meta.get_field("region").related_model


def active_regions() -> QuerySet:
    """Regions offered to choose from, in their display order."""
    return region_model().objects.filter(is_active=True)


# Why someone may not register, cancel or write: one code each, one sentence each.
BLOCKER_MESSAGES = {
    "held": _("This session has already been held."),
    "closed": _("Registration for this session is closed."),
    "not_open_yet": _("Registration for this session has not opened yet."),
    "already_registered": _("You are already registered for this session."),
    "not_owner": _("This is not your registration."),
    "not_cancellable": _("This registration can no longer be cancelled."),
}


def blocker_message(code: str) -> str:
    """The sentence shown to a person for a blocker code of this module."""
    return str(BLOCKER_MESSAGES[code])


def registration_blocker(
    *,
    session: ListeningSession,
    registration: Registration | None = None,
    now: datetime | None = None,
) -> str | None:
    """Why a person may not register for `session` now, as a code, or None when they may.

    "held", "closed" (not open, or past its closing time), "not_open_yet", or
    "already_registered" when `registration` (theirs) is active; a cancelled one may register
    again. Views, templates (`can_register`) and `register_for_session` all ask this.
    """
    now = now or timezone.now()
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        return "already_registered"
    if session.status == SessionStatus.HELD:
        return "held"
    if session.status != SessionStatus.OPEN:
        return "closed"
    if session.registration_opens_at and now < session.registration_opens_at:
        return "not_open_yet"
    if now >= (session.registration_closes_at or session.starts_at):
        return "closed"
    return None


def cancel_blocker(*, registration: Registration, user: AbstractBaseUser) -> str | None:
    """Why `user` may not cancel `registration`: "not_owner", "not_cancellable", or None."""
    if registration.user_id != user.pk:
        return "not_owner"
    if registration.status not in CANCELLABLE:
        return "not_cancellable"
    return None


LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def preferred_language(*, user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    """The language a signed-in user chose in their profile, or None (no profile yet)."""
    if not getattr(user, "is_authenticated", False):
        return None
    language = getattr(getattr(user, "profile", None), "preferred_language", None)
    return language if language in LANGUAGE_CODES else None


def email_language(*, user: AbstractBaseUser, session: ListeningSession | None = None) -> str:
    """The language to write to this person in: the one in their profile, else the one they
    gave when registering for `session`, else the site's default. Every email asks this."""
    language = preferred_language(user=user)
    if language is None and session is not None:
        language = (
            Registration.objects.filter(user=user, session=session)
            .values_list("preferred_language", flat=True)
            .first()
        )
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
