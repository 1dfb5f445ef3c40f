from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.enums import Language

from .enums import (
    CANCELLABLE,
    SEAT_HOLDING,
    AgendaItemKind,
    RegistrationStatus,
    SessionStatus,
    StakeholderType,
)


class ListeningSession(models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("listening session", "listening session")
        verbose_name_plural = pgettext_lazy("listening session", "listening sessions")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sessions_app:detail", kwargs={"slug": self.slug})

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_public(self) -> bool:
        return self.status != SessionStatus.DRAFT


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
        indexes = [models.Index(fields=["session", "status", "created_at"])]

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
