"""Reads for sessions, agendas and registrations; each makes a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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

from core.enums import Language

from .enums import (
    CANCELLABLE,
    SEAT_HOLDING,
    AgendaItemKind,
    FloorRequestStatus,
    RegistrationStatus,
    SessionStatus,
    SkipReason,
    StakeholderType,
)
from .models import (
    AgendaItem,
    FloorRequest,
    ListeningSession,
    Profile,
    Registration,
)


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


# ---------------------------------------------------------------------------------------------
# The live session
# ---------------------------------------------------------------------------------------------


class LiveState:
    """Where a session stands for its live page (values of `live_state`)."""

    DRAFT = "draft"
    NOT_STARTED = "not_started"
    LIVE = "live"
    ENDED = "ended"


def live_state(*, session: "ListeningSession | LivePoll", now: datetime | None = None) -> str:
    """Whether the session is live: from `live_opens_minutes_before` its start (or from when the
    secretariat opened it) until the secretariat ends it. A held session is over."""
    if session.status == SessionStatus.DRAFT:
        return LiveState.DRAFT
    if session.live_ended_at is not None or session.status == SessionStatus.HELD:
        return LiveState.ENDED
    now = now or timezone.now()
    if session.live_started_at is not None or now >= session.live_opens_at:
        return LiveState.LIVE
    return LiveState.NOT_STARTED


def get_live_session(*, slug: str) -> ListeningSession:
    """The public session with this slug and its current agenda item; raises DoesNotExist for
    drafts."""
    return (
        ListeningSession.objects.exclude(status=SessionStatus.DRAFT)
        .select_related("live_agenda_item")
        .get(slug=slug)
    )


def can_run_desk(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether `user` may run the live desk (and follow any live page without registering)."""
    return user.is_authenticated and user.has_perm("sessions_app.run_live_desk")


def live_page_refusal(
    *, user: AbstractBaseUser | AnonymousUser, registration_status: str | None
) -> str | None:
    """Why `user` may not follow a live page ("not_confirmed"), or None: confirmed registrants
    and the secretariat (who run the desk) may. The permission is read only for others, so a
    registrant's poll makes no permission query."""
    if registration_status == RegistrationStatus.CONFIRMED or can_run_desk(user=user):
        return None
    return "not_confirmed"


@dataclass(frozen=True)
class LivePoll:
    """The few fields a poll of the live state compares, read without loading the session:
    enough to answer 304. `live_state` takes it as it takes a session."""

    pk: int
    created_at: datetime
    status: str
    starts_at: datetime
    live_opens_minutes_before: int
    live_started_at: datetime | None
    live_ended_at: datetime | None
    live_version: int
    registration_id: int | None = None
    registration_status: str | None = None

    @property
    def live_opens_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.live_opens_minutes_before)


POLL_FIELDS = (
    "created_at",
    "status",
    "starts_at",
    "live_opens_minutes_before",
    "live_started_at",
    "live_ended_at",
    "live_version",
)


def get_registrant_poll(*, slug: str, user_id: int | str) -> LivePoll | None:
    """The session's live fields through the user's registration for it, in one query; None
    when the user has no registration for a public session with this slug."""
    row = (
        Registration.objects.filter(user_id=user_id, session__slug=slug)
        .exclude(session__status=SessionStatus.DRAFT)
        .values_list("session_id", *(f"session__{name}" for name in POLL_FIELDS), "pk", "status")
        .first()
    )
    return None if row is None else LivePoll(*row)


def get_session_poll(*, slug: str) -> LivePoll | None:
    """The public session's live fields, in one query; None for drafts and unknown slugs."""
    row = (
        ListeningSession.objects.filter(slug=slug)
        .exclude(status=SessionStatus.DRAFT)
        .values_list("pk", *POLL_FIELDS)
        .first()
    )
    return None if row is None else LivePoll(*row)


def list_agenda(*, session: ListeningSession) -> list[AgendaItem]:
    """The session's agenda items in order."""
    return list(
        AgendaItem.objects.filter(session=session).order_by("order", "start_offset_minutes", "id")
    )


def askable_items(*, session: ListeningSession, agenda: list[AgendaItem]) -> list[AgendaItem]:
    """The open-floor items one may still ask the floor under: the one now running and those
    after it (every open-floor item before the first one starts)."""
    current = session.live_agenda_item_id
    started = current is None
    items = []
    for item in agenda:
        started = started or item.pk == current
        if started and item.kind == AgendaItemKind.OPEN_FLOOR:
            items.append(item)
    return items


def _floor_queue(queryset: QuerySet[FloorRequest]) -> QuerySet[FloorRequest]:
    return queryset.order_by("position", "id")


# How many of the next speakers the live page names.
NEXT_SPEAKERS_SHOWN = 5


@dataclass
class LiveSnapshot:
    """The state of a live session at one version: what every viewer sees (credits only, no
    personal data beyond them), and every request with its place, from which each registrant's
    own part is drawn without another query."""

    session: ListeningSession
    state: str
    agenda: list[AgendaItem]
    current_item: AgendaItem | None
    speaker: FloorRequest | None
    next_speakers: list[FloorRequest]
    waiting_count: int
    askable: list[AgendaItem]
    by_registration: dict[int, list[FloorRequest]] = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        return self.state == LiveState.LIVE

    @property
    def is_ended(self) -> bool:
        return self.state == LiveState.ENDED

    @property
    def not_started(self) -> bool:
        return self.state == LiveState.NOT_STARTED

    @property
    def more_waiting(self) -> int:
        return max(self.waiting_count - len(self.next_speakers), 0)


def get_live_snapshot(*, session: ListeningSession, now: datetime | None = None) -> LiveSnapshot:
    """The state of the live session (two queries): the agenda; every request, the waiting ones
    with their `place` in their item's queue (1 is next); the speaker (called or speaking) and
    the next speakers in the queue of the speaker's item, else of the item now running."""
    agenda = list_agenda(session=session)
    items = {item.pk: item for item in agenda}
    requests = list(
        _floor_queue(FloorRequest.objects.filter(session=session)).only(
            "id",
            "session_id",
            "agenda_item_id",
            "registration_id",
            "status",
            "language",
            "topic",
            "position",
            "credit",
            "credit_name",
            "credit_organization",
            "created_at",
            "called_at",
            "speaking_started_at",
        )
    )
    counters: dict[int, int] = {}
    by_registration: dict[int, list[FloorRequest]] = {}
    for fr in requests:
        fr.agenda_item = items[fr.agenda_item_id]
        fr.place = None
        if fr.status == FloorRequestStatus.WAITING:
            counters[fr.agenda_item_id] = counters.get(fr.agenda_item_id, 0) + 1
            fr.place = counters[fr.agenda_item_id]
        by_registration.setdefault(fr.registration_id, []).append(fr)
    speaker = next(
        (
            fr
            for fr in requests
            if fr.status in (FloorRequestStatus.CALLED, FloorRequestStatus.SPEAKING)
        ),
        None,
    )
    queue_item_id = speaker.agenda_item_id if speaker else session.live_agenda_item_id
    waiting = [
        fr
        for fr in requests
        if fr.status == FloorRequestStatus.WAITING and fr.agenda_item_id == queue_item_id
    ]
    return LiveSnapshot(
        session=session,
        state=live_state(session=session, now=now),
        agenda=agenda,
        current_item=items.get(session.live_agenda_item_id),
        speaker=speaker,
        next_speakers=waiting[:NEXT_SPEAKERS_SHOWN],
        waiting_count=len(waiting),
        askable=askable_items(session=session, agenda=agenda),
        by_registration=by_registration,
    )


@dataclass
class MyFloorRequests:
    """A registrant's own requests: the active ones with their `place` (1 is next), then the
    finished ones."""

    active: list[FloorRequest] = field(default_factory=list)
    finished: list[FloorRequest] = field(default_factory=list)

    def is_waiting_on(self, item: AgendaItem) -> bool:
        return any(fr.agenda_item_id == item.pk for fr in self.active)


def my_floor_requests(*, snapshot: LiveSnapshot, registration_id: int | None) -> MyFloorRequests:
    """The registrant's requests in the snapshot, oldest first (no query)."""
    result = MyFloorRequests()
    mine = sorted(snapshot.by_registration.get(registration_id, []), key=lambda fr: fr.pk)
    for fr in mine:
        (result.active if fr.is_active else result.finished).append(fr)
    return result


def list_my_floor_requests(*, registration: Registration | None) -> MyFloorRequests:
    """The registrant's requests to speak, with their place in each queue (three queries)."""
    if registration is None:
        return MyFloorRequests()
    snapshot = get_live_snapshot(session=registration.session)
    return my_floor_requests(snapshot=snapshot, registration_id=registration.pk)


def floor_refusal(
    *, snapshot: LiveSnapshot, registration_status: str | None, mine: MyFloorRequests
) -> str | None:
    """Why the registrant cannot ask for the floor now, or None: "not_live", "not_confirmed",
    "no_open_floor" (no open-floor item left) or "already_waiting" (a request under every
    open-floor item left)."""
    if not snapshot.is_live:
        return "not_live"
    if registration_status != RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if not snapshot.askable:
        return "no_open_floor"
    if all(mine.is_waiting_on(item) for item in snapshot.askable):
        return "already_waiting"
    return None


@dataclass
class DeskQueue:
    item: AgendaItem
    waiting: list[FloorRequest]

    @property
    def head(self) -> FloorRequest | None:
        return self.waiting[0] if self.waiting else None


@dataclass
class DeskSnapshot:
    """What the live desk shows: everything on the live page plus, for the secretariat, the
    queues with names and topics, the finished requests and attendance."""

    live: LiveSnapshot
    queues: list[DeskQueue]
    finished: list[FloorRequest]
    confirmed: list[Registration]

    @property
    def attendee_count(self) -> int:
        return sum(1 for registration in self.confirmed if registration.attended_at)


def get_desk_snapshot(*, session: ListeningSession, now: datetime | None = None) -> DeskSnapshot:
    """The live desk's state (five queries whatever the number of requests)."""
    live = get_live_snapshot(session=session, now=now)
    requests = list(
        _floor_queue(FloorRequest.objects.filter(session=session)).select_related(
            "registration__user"
        )
    )
    if live.speaker is not None:
        live.speaker = next(fr for fr in requests if fr.pk == live.speaker.pk)
    queues = [
        DeskQueue(
            item=item,
            waiting=[
                fr
                for fr in requests
                if fr.agenda_item_id == item.pk and fr.status == FloorRequestStatus.WAITING
            ],
        )
        for item in live.agenda
        if item.kind == AgendaItemKind.OPEN_FLOOR
    ]
    for queue in queues:
        for place, fr in enumerate(queue.waiting, start=1):
            fr.place = place
    finished = sorted(
        (fr for fr in requests if not fr.is_active),
        key=lambda fr: (fr.ended_at or fr.updated_at, fr.pk),
        reverse=True,
    )
    items = {item.pk: item for item in live.agenda}
    for fr in requests:
        fr.agenda_item = items[fr.agenda_item_id]
    confirmed = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("user__profile")
        .order_by("organization", "id")
    )
    return DeskSnapshot(live=live, queues=queues, finished=finished, confirmed=confirmed)


@dataclass
class HeldReport:
    """The figures of a held session: registrations, attendance and the open floor."""

    registrations: dict[str, int]
    confirmed: int
    attendees: int
    speakers: int
    contributions: int
    not_connected: int
    by_region: list[tuple[str, int, int, int]]
    by_stakeholder_type: list[tuple[str, int, int, int]]
    languages: list[tuple[str, int]]

    @property
    def has_live_data(self) -> bool:
        return bool(self.attendees or self.contributions or self.not_connected)

    @property
    def registration_rows(self) -> list[tuple[str, str, int]]:
        return [
            (status.value, str(status.label), self.registrations[status.value])
            for status in RegistrationStatus
        ]

    @property
    def tables(self) -> list[tuple[str, list[tuple[str, int, int, int]]]]:
        return [
            (_("By region"), self.by_region),
            (_("By stakeholder type"), self.by_stakeholder_type),
        ]


def get_held_report(*, session: ListeningSession) -> HeldReport:
    """Counts of registrants by status, of attendees (who opened the join link from the
    platform or were marked by the desk, or spoke), of speakers and their contributions, each by
    region and stakeholder type, and the languages spoken on the floor (two queries)."""
    rows = list(
        Registration.objects.filter(session=session).values_list(
            "pk",
            "status",
            "region__name",
            "region__order",
            "stakeholder_type",
            "attended_at",
        )
    )
    outcomes = list(
        FloorRequest.objects.filter(
            Q(status=FloorRequestStatus.DELIVERED) | Q(skip_reason=SkipReason.NOT_CONNECTED),
            session=session,
        ).values_list("registration_id", "language", "status")
    )
    delivered = [
        (registration_id, language)
        for registration_id, language, status in outcomes
        if status == FloorRequestStatus.DELIVERED
    ]
    not_connected = len(outcomes) - len(delivered)
    speakers = {registration_id for registration_id, _language in delivered}
    by_status = dict.fromkeys(RegistrationStatus.values, 0)
    regions: dict[tuple, list[int]] = {}
    types: dict[str, list[int]] = {}
    attendees = 0
    for pk, status, region, region_order, stakeholder_type, attended_at in rows:
        by_status[status] += 1
        attended = attended_at is not None or pk in speakers
        attendees += attended
        counted = status == RegistrationStatus.CONFIRMED
        if not (counted or attended):
            continue
        for bucket in (
            regions.setdefault((region_order if region else 10**6, region or ""), [0, 0, 0]),
            types.setdefault(stakeholder_type or "", [0, 0, 0]),
        ):
            bucket[0] += counted
            bucket[1] += attended
            bucket[2] += pk in speakers
    not_stated = str(_("Not stated"))
    type_labels = dict(StakeholderType.choices)
    by_type = sorted(
        (
            (str(type_labels.get(value, value)) if value else not_stated, *counts)
            for value, counts in types.items()
        ),
        key=lambda row: (-row[1], row[0]),
    )
    language_labels = dict(Language.choices)
    spoken = Counter(language for _registration, language in delivered)
    return HeldReport(
        registrations=by_status,
        confirmed=by_status[RegistrationStatus.CONFIRMED],
        attendees=attendees,
        speakers=len(speakers),
        contributions=len(delivered),
        not_connected=not_connected,
        by_region=[(name or not_stated, *counts) for (_, name), counts in sorted(regions.items())],
        by_stakeholder_type=by_type,
        languages=[
            (str(language_labels[code]), spoken[code]) for code in Language.values if spoken[code]
        ],
    )
