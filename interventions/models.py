import unicodedata

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.enums import Language, choice_label
from sessions_app.enums import StakeholderType
from sessions_app.models import credit_line, issue_intervention_number

from .enums import (
    Channel,
    CorrectionStatus,
    Credit,
    InterventionKind,
    InterventionStatus,
    QuoteSource,
)
from .search import normalize_search_text


def normalize_passage(text: str) -> str:
    """A text with its whitespace collapsed to single spaces (and Unicode composed): the form
    in which a quoted passage is looked for in its source, so that line breaks a browser
    selection adds or drops do not matter."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


class Region(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


def format_reference(*, session_number: int, number: int) -> str:
    """The citable source ID of an intervention: `LS3-017` for the 17th of session 3."""
    return f"LS{session_number}-{number:03d}"


# The texts the search looks in: the original and the English translation.
SEARCHED_FIELDS = ("title", "english_title", "body", "english_text")


class Intervention(models.Model):
    # The stable, citable source ID (`LS3-017`), given when the intervention is first saved.
    reference = models.CharField(
        _("source ID"), max_length=24, unique=True, editable=False, blank=True
    )
    session = models.ForeignKey(
        "sessions_app.ListeningSession",
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.PROTECT,
        related_name="interventions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interventions",
    )
    kind = models.CharField(_("type"), max_length=24, choices=InterventionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    english_title = models.CharField(_("English title"), max_length=200, blank=True)
    english_text = models.TextField(_("English translation"), blank=True)
    primary_theme = models.ForeignKey(
        Theme,
        verbose_name=_("primary theme"),
        on_delete=models.PROTECT,
        related_name="primary_interventions",
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("other themes"), blank=True, related_name="interventions"
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), related_name="interventions"
    )
    countries = CountryField(_("countries"), multiple=True, blank=True)
    credit = models.CharField(
        _("credit"), max_length=16, choices=Credit.choices, default=Credit.NAMED
    )
    # Credit as it was when the author consented: kept so that deleting an account
    # later can only make it more anonymous.
    credit_name = models.CharField(_("credited name"), max_length=200, blank=True)
    credit_organization = models.CharField(_("credited organization"), max_length=300, blank=True)
    stakeholder_type = models.CharField(_("stakeholder type"), max_length=20, blank=True)
    deliver_orally = models.BooleanField(_("wishes to deliver it orally"), default=False)
    # Off until the author ticks it: only then may the approved input appear on the session's
    # public "What we heard" page, credited as `credit` says.
    consent_to_publish = models.BooleanField(
        _("may be published on the public “What we heard” page"), default=False
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterventionStatus.choices,
        default=InterventionStatus.DRAFT,
    )
    feedback = models.TextField(_("feedback to the author"), blank=True)
    internal_note = models.TextField(_("internal note (staff only)"), blank=True)
    agenda_item = models.ForeignKey(
        "sessions_app.AgendaItem",
        verbose_name=_("open-floor segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="speakers_list",
    )
    speaking_order = models.PositiveIntegerField(_("speaking order"), null=True, blank=True)
    submission_token = models.UUIDField(_("submission token"), null=True, blank=True, unique=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.WRITTEN
    )
    # For a written intervention delivered orally, its place in the live queue; for an oral
    # one, the contribution at the live desk it records.
    floor_request = models.OneToOneField(
        "sessions_app.FloorRequest",
        verbose_name=_("floor request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intervention",
    )
    delivered_at = models.DateTimeField(_("delivered on the call"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The texts folded for the embedded SQLite search (see interventions.search); PostgreSQL
    # searches a tsvector column of its own, added by migration 0006.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["channel", "status"]),
            # Working Group 3's list sorted by decision date, newest or oldest first.
            models.Index(fields=["status", "decided_at", "id"]),
            # The admin's list, newest first, reads a page without sorting the table.
            models.Index(fields=["created_at", "id"], name="intervention_created_idx"),
        ]
        permissions = [
            ("moderate_intervention", _("Can moderate interventions")),
            ("browse_approved_intervention", _("Can browse and export approved interventions")),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(SEARCHED_FIELDS):
            self.search_text = normalize_search_text(*(getattr(self, f) for f in SEARCHED_FIELDS))
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        if not self.reference:
            # Every way of creating an intervention (written, oral, admin, fixtures) gets
            # its source ID here, in the same transaction as the row.
            with transaction.atomic():
                session_number, number = issue_intervention_number(session_id=self.session_id)
                self.reference = format_reference(session_number=session_number, number=number)
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The author's page for this intervention."""
        return reverse("interventions:detail", kwargs={"pk": self.pk})

    @property
    def public_credit(self) -> str:
        """The credit exactly as the author consented: never more than they allowed."""
        return credit_line(
            credit=self.credit, name=self.credit_name, organization=self.credit_organization
        )

    # Shown in every row of the lists: see choice_label.
    def get_kind_display(self) -> str:
        return choice_label(InterventionKind, self.kind)

    def get_language_display(self) -> str:
        return choice_label(Language, self.language)

    @property
    def is_oral(self) -> bool:
        return self.channel == Channel.ORAL

    @property
    def has_english_translation(self) -> bool:
        """Written in French or Spanish, and the secretariat's English translation exists."""
        return self.language != Language.EN and bool(self.english_text.strip())

    @property
    def is_approved(self) -> bool:
        return self.status == InterventionStatus.APPROVED

    @property
    def stakeholder_type_label(self) -> str:
        """The snapshotted stakeholder type, in words."""
        try:
            return str(StakeholderType(self.stakeholder_type).label)
        except ValueError:
            return self.stakeholder_type


class InterventionStatusChange(models.Model):
    """One row per status change of an intervention: who, when, from, to, and why."""

    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        on_delete=models.CASCADE,
        related_name="history",
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
        _("from"), max_length=20, choices=InterventionStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=InterventionStatus.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class InterventionCorrection(models.Model):
    """A correction the speaker proposes to the record of what they said on the call.

    It goes to moderation: the next moderation decision on the intervention settles it.
    """

    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("proposed correction"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposed correction")
        verbose_name_plural = _("proposed corrections")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.intervention} — {self.get_status_display()}"


class AnalysisCode(models.Model):
    """A code of Working Group 3's coding frame, given to quotes ("Promising practice", …)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active codes can be given to new quotes.")
    )

    class Meta:
        verbose_name = _("analysis code")
        verbose_name_plural = _("analysis codes")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class Quote(models.Model):
    """A passage of an approved intervention, as quoted, with its codes.

    The text is kept as it was quoted: a later edit of the intervention never changes it, and
    `source_changed` tells when the passage no longer appears in the current text.
    """

    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        on_delete=models.CASCADE,
        related_name="quotes",
    )
    source = models.CharField(
        _("quoted from"), max_length=12, choices=QuoteSource.choices, default=QuoteSource.ORIGINAL
    )
    text = models.TextField(_("passage"))
    # Where the passage started in the source text (whitespace collapsed) when it was quoted.
    start = models.PositiveIntegerField(_("position in the text"), null=True, blank=True)
    codes = models.ManyToManyField(AnalysisCode, verbose_name=_("codes"), related_name="quotes")
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quoted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("quoted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        permissions = [("code_quote", _("Can quote and code approved interventions"))]

    def __str__(self) -> str:
        return Truncator(self.text).chars(60)

    @property
    def source_text(self) -> str:
        """The current text of the intervention this quote was taken from."""
        if self.source == QuoteSource.TRANSLATION:
            return self.intervention.english_text
        return self.intervention.body

    @property
    def text_language(self) -> str:
        """The language of the quoted passage."""
        if self.source == QuoteSource.TRANSLATION:
            return Language.EN
        return self.intervention.language

    @property
    def source_changed(self) -> bool:
        """Whether the passage no longer appears in the current text of its source."""
        return normalize_passage(self.text) not in normalize_passage(self.source_text)
