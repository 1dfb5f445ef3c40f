from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.enums import Language

from .enums import (
    CANCELLABLE,
    SEAT_HOLDING,
    AgendaItemKind,
    AttendanceSource,
    Credit,
    FloorRequestOrigin,
    FloorRequestStatus,
    RegistrationStatus,
    SessionStatus,
    SkipReason,
    StakeholderType,
)


def credit_line(*, credit: str, name: str, organization: str) -> str:
    """The credit exactly as the person consented: never more than they allowed."""
    if credit == Credit.NAMED and name:
        return f"{name}, {organization}" if organization else name
    if credit in (Credit.NAMED, Credit.ORGANIZATION) and organization:
        return organization
    return str(_("Anonymous participant"))


class Series(models.Model):
    """A series of listening sessions whose inputs inform the same brief."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


def issue_intervention_number(*, session_id: int) -> tuple[int, int]:
    """Take the next intervention number of a session, in the caller's transaction.

    Returns (the session's number, the intervention's number within the session).
    The UPDATE locks the session's row until the transaction ends, so two interventions
    created at once (on PostgreSQL) wait for each other and never share a number; the
    counter only grows, so a number is never reused, even after a deletion.
    """
    ListeningSession.objects.filter(pk=session_id).update(
        last_intervention_number=F("last_intervention_number") + 1
    )
    return ListeningSession.objects.filter(pk=session_id).values_list(
        "number", "last_intervention_number"
    )[0]


class ListeningSession(models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    # The session's number in source IDs (`LS3-017`): given once, never changed or reused.
    number = models.PositiveIntegerField(
        _("number"),
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "Used in the source IDs of its interventions (LS3-017). Left empty, the next "
            "free number is given. It cannot change afterwards."
        ),
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True)
    organizers = models.TextField(_("organizers"), blank=True)
    brief_title = models.CharField(_("policy brief it informs"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at (UTC)"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=120, validators=[MinValueValidator(1)]
    )
    working_language = models.CharField(
        _("working language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    interpretation_note = models.TextField(_("interpretation note"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), default=100, help_text=_("Number of confirmed participants allowed.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    requires_approval = models.BooleanField(_("registrations need approval"), default=False)
    intervention_deadline = models.DateTimeField(
        _("deadline for interventions"), null=True, blank=True
    )
    word_limit = models.PositiveIntegerField(
        _("word limit for interventions"),
        default=500,
        validators=[MinValueValidator(10), MaxValueValidator(5000)],
    )
    join_url = models.URLField(
        _("join link"), blank=True, help_text=_("Shown only to confirmed registrants.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    # The live session: from `live_opens_minutes_before` the start (or earlier, when the
    # secretariat opens it) until the secretariat ends it.
    live_opens_minutes_before = models.PositiveIntegerField(
        _("live page opens (minutes before the start)"),
        default=15,
        validators=[MaxValueValidator(24 * 60)],
    )
    speaking_time_limit_seconds = models.PositiveIntegerField(
        _("speaking time per speaker (seconds)"),
        default=180,
        validators=[MinValueValidator(15), MaxValueValidator(3600)],
    )
    live_started_at = models.DateTimeField(
        _("live session opened early"), null=True, blank=True, editable=False
    )
    live_ended_at = models.DateTimeField(
        _("live session ended"), null=True, blank=True, editable=False
    )
    live_agenda_item = models.ForeignKey(
        "AgendaItem",
        verbose_name=_("agenda item now running"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Bumped by every change the live page or the desk shows: pollers compare it (ETag).
    live_version = models.PositiveBigIntegerField(_("live version"), default=0, editable=False)
    # The last intervention number issued in this session; only ever grows, so a number is
    # never reused, even after a deletion.
    last_intervention_number = models.PositiveIntegerField(
        _("last intervention number"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("listening session", "listening session")
        verbose_name_plural = pgettext_lazy("listening session", "listening sessions")
        ordering = ["starts_at"]
        permissions = [
            ("run_live_desk", _("Can run the live desk")),
            ("view_held_report", _("Can see the held report of a session")),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.number is None:
            # Sessions are created by the secretariat one at a time; the unique constraint
            # refuses the rare collision rather than letting two sessions share a number.
            highest = ListeningSession.objects.aggregate(highest=Max("number"))["highest"]
            self.number = (highest or 0) + 1
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("sessions_app:detail", kwargs={"slug": self.slug})

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_public(self) -> bool:
        return self.status != SessionStatus.DRAFT

    @property
    def is_held(self) -> bool:
        return self.status == SessionStatus.HELD

    @property
    def live_opens_at(self):
        """When the live page opens by itself (the desk may open it earlier)."""
        return self.starts_at - timedelta(minutes=self.live_opens_minutes_before)

    def get_live_url(self) -> str:
        return reverse("sessions_app:live", kwargs={"slug": self.slug})

    def get_desk_url(self) -> str:
        return reverse("sessions_app:live_desk", kwargs={"slug": self.slug})


class AgendaItem(models.Model):
    session = models.ForeignKey(
        ListeningSession,
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    start_offset_minutes = models.PositiveIntegerField(
        _("starts (minutes after the session starts)"), default=0
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=15)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=AgendaItemKind.choices,
        default=AgendaItemKind.PRESENTATION,
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    speakers = models.TextField(_("speakers"), blank=True)
    theme = models.ForeignKey(
        "interventions.Theme",
        verbose_name=_("theme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "order", "start_offset_minutes", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The item on its session's public agenda."""
        return f"{self.session.get_absolute_url()}#agenda-{self.pk}"

    @property
    def starts_at(self):
        return self.session.starts_at + timedelta(minutes=self.start_offset_minutes)

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Profile(models.Model):
    """What a stakeholder tells about themselves once, reused on each registration."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    organization = models.CharField(_("organization"), max_length=300)
    stakeholder_type = models.CharField(
        _("stakeholder type"), max_length=20, choices=StakeholderType.choices
    )
    country = CountryField(_("country"))
    region = models.ForeignKey(
        "interventions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Asked once, off until the person ticks it: the published brief's "how your inputs were
    # used" email goes only to those who said yes.
    consent_to_contact = models.BooleanField(
        _("may be emailed about how their inputs were used"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.full_name


class Registration(models.Model):
    session = models.ForeignKey(
        ListeningSession,
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    organization = models.CharField(_("organization"), max_length=300, blank=True)
    stakeholder_type = models.CharField(
        _("stakeholder type"), max_length=20, choices=StakeholderType.choices, blank=True
    )
    country = CountryField(_("country"), blank=True)
    region = models.ForeignKey(
        "interventions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role in the organization"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    wishes_to_speak = models.BooleanField(_("wishes to speak"), default=False)
    accessibility_needs = models.TextField(_("accessibility or interpretation needs"), blank=True)
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)
    consent_to_be_listed = models.BooleanField(
        _("may be listed as a participating organization"), default=False
    )
    speaking_credit = models.CharField(
        _("credit when speaking on the call"),
        max_length=16,
        choices=Credit.choices,
        default=Credit.ANONYMOUS,
    )
    attended_at = models.DateTimeField(_("attended"), null=True, blank=True)
    attendance_source = models.CharField(
        _("attendance recorded by"), max_length=12, choices=AttendanceSource.choices, blank=True
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_registration_per_user")
        ]
        indexes = [
            models.Index(fields=["session", "status", "created_at"]),
            # The admin's list, newest first, reads a page without sorting the table.
            models.Index(fields=["created_at", "id"], name="registration_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.session}"

    def get_absolute_url(self) -> str:
        return f"{reverse('sessions_app:my_sessions')}#registration-{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        """Confirmed registrants see the join link."""
        return self.status == RegistrationStatus.CONFIRMED

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE


class RegistrationStatusChange(models.Model):
    """One change of a registration's status: who made it (empty for the platform itself, e.g.
    a promotion from the waitlist), when, from what to what."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=RegistrationStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


# Whole sentences, since languages take a capital in English and none in French or Spanish.
SPEAKS_IN = {
    Language.EN: _("Speaks in English"),
    Language.FR: _("Speaks in French"),
    Language.ES: _("Speaks in Spanish"),
}

ACTIVE_FLOOR_STATUSES = (
    FloorRequestStatus.WAITING,
    FloorRequestStatus.CALLED,
    FloorRequestStatus.SPEAKING,
)


class FloorRequest(models.Model):
    """A request to speak during the live session, in the queue of an open-floor agenda item.

    Speakers scheduled with a written intervention join the same queue (`origin`). The credit
    is copied when the request is made, as the speaker consented: the live page shows nothing
    more.
    """

    session = models.ForeignKey(
        ListeningSession,
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="floor_requests",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="floor_requests",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="floor_requests",
    )
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=FloorRequestOrigin.choices,
        default=FloorRequestOrigin.ASKED,
    )
    language = models.CharField(
        _("language spoken"), max_length=2, choices=Language.choices, default=Language.EN
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position in the queue"), default=0)
    # For a scheduled speaker: the speaking order agreed with the secretariat.
    scheduled_order = models.PositiveIntegerField(_("agreed speaking order"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FloorRequestStatus.choices,
        default=FloorRequestStatus.WAITING,
    )
    skip_reason = models.CharField(
        _("why it was skipped"), max_length=16, choices=SkipReason.choices, blank=True
    )
    credit = models.CharField(
        _("credit"), max_length=16, choices=Credit.choices, default=Credit.ANONYMOUS
    )
    credit_name = models.CharField(_("credited name"), max_length=200, blank=True)
    credit_organization = models.CharField(_("credited organization"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    speaking_started_at = models.DateTimeField(_("started speaking"), null=True, blank=True)
    ended_at = models.DateTimeField(_("finished"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("what was said recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("floor request")
        verbose_name_plural = _("floor requests")
        ordering = ["session", "agenda_item", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "agenda_item"],
                condition=models.Q(status__in=ACTIVE_FLOOR_STATUSES),
                name="one_active_floor_request_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["agenda_item", "status", "position"]),
        ]

    def __str__(self) -> str:
        return f"{self.public_credit} — {self.agenda_item}"

    def get_absolute_url(self) -> str:
        return f"{self.session.get_live_url()}#floor-request-{self.pk}"

    @property
    def public_credit(self) -> str:
        return credit_line(
            credit=self.credit, name=self.credit_name, organization=self.credit_organization
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_FLOOR_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.status == FloorRequestStatus.WAITING

    @property
    def is_called(self) -> bool:
        return self.status == FloorRequestStatus.CALLED

    @property
    def is_speaking(self) -> bool:
        return self.status == FloorRequestStatus.SPEAKING

    @property
    def is_delivered(self) -> bool:
        return self.status == FloorRequestStatus.DELIVERED

    @property
    def is_skipped(self) -> bool:
        return self.status == FloorRequestStatus.SKIPPED

    @property
    def can_withdraw(self) -> bool:
        """Its person may still withdraw it: waiting, or called but not yet speaking."""
        return self.status in (FloorRequestStatus.WAITING, FloorRequestStatus.CALLED)

    @property
    def is_scheduled(self) -> bool:
        """Scheduled with a written intervention (which is then the record of it)."""
        return self.origin == FloorRequestOrigin.SCHEDULED

    @property
    def is_interpreted(self) -> bool:
        """Spoken in French or Spanish: the secretariat interprets it into English."""
        return self.language != Language.EN

    @property
    def speaks_in(self) -> str:
        """In which language the person speaks, as a sentence."""
        return str(SPEAKS_IN.get(self.language, SPEAKS_IN[Language.EN]))
