"""Reads for sessions, agendas and registrations; each makes a fixed number of queries."""

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

from interventions.enums import InterventionStatus
from interventions.models import Intervention

from .enums import AgendaItemKind, RegistrationStatus, SessionStatus
from .models import AgendaItem, ListeningSession, Profile, Registration

SEAT_HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)


def _with_seats_taken(queryset: QuerySet[ListeningSession]) -> QuerySet[ListeningSession]:
    return queryset.annotate(
        seats_taken=Count("registrations", filter=Q(registrations__status__in=SEAT_HOLDING))
    )


def list_public_sessions(*, now=None) -> QuerySet[ListeningSession]:
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
    """The public session with this slug, with `seats_taken`, its agenda in order and, on
    each agenda item, `oral_interventions`: the approved interventions to be delivered orally in it,
    in speaking order (only open-floor items have any). Raises DoesNotExist for drafts."""
    speakers = (
        Intervention.objects.filter(
            status=InterventionStatus.APPROVED,
            deliver_orally=True,
            agenda_item__kind=AgendaItemKind.OPEN_FLOOR,
        )
        .only(
            "id",
            "agenda_item_id",
            "title",
            "credit",
            "credit_name",
            "credit_organization",
            "speaking_order",
        )
        .order_by(F("speaking_order").asc(nulls_last=True), "id")
    )
    agenda = AgendaItem.objects.order_by("order", "start_offset_minutes", "id").prefetch_related(
        Prefetch("speakers_list", queryset=speakers, to_attr="oral_interventions")
    )
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
    ahead = Registration.objects.filter(
        Q(status_changed_at__lt=registration.status_changed_at)
        | Q(status_changed_at=registration.status_changed_at, pk__lt=registration.pk),
        session_id=registration.session_id,
        status=RegistrationStatus.WAITLISTED,
    )
    return ahead.count() + 1


def get_registration(*, session: ListeningSession, user) -> Registration | None:
    """The user's registration for the session (with `waitlist_place`), or None."""
    if not user.is_authenticated:
        return None
    queryset = Registration.objects.filter(session=session, user=user)
    return with_waitlist_place(queryset).first()


def list_my_registrations(*, user) -> QuerySet[Registration]:
    """The user's registrations with their sessions and waitlist places, by session date."""
    queryset = (
        Registration.objects.filter(user=user)
        .select_related("session")
        .order_by("-session__starts_at", "id")
    )
    return with_waitlist_place(queryset)


def get_my_registration(*, user, pk: int) -> Registration:
    """The user's own registration `pk`; raises DoesNotExist for anyone else's."""
    return with_waitlist_place(
        Registration.objects.filter(user=user).select_related("session")
    ).get(pk=pk)


def get_profile(*, user) -> Profile | None:
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
