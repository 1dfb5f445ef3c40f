from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .enums import PackError, PackStage, PackStatus, PartStatus, describe

# A download's file name keeps this many characters of its filters.
FILENAME_SCOPE_CHARS = 120


def private_storage():
    return storages["private"]


def pack_upload_to(instance: "BriefPack", filename: str) -> str:
    if instance.session_id:
        return f"packs/{instance.session_id}/{filename}"
    return f"packs/series-{instance.series_id or 'sessions'}/{filename}"


def brief_upload_to(instance: "PolicyBrief", filename: str) -> str:
    return f"briefs/{filename}"


class BriefPack(models.Model):
    """One requested input pack: its filters, its progress and, once built, its PDF.

    A pack covers one session (`session`), or several (`sessions`, with `series` when they were
    chosen from a series); `session` stays empty for a pack of several sessions.
    """

    session = models.ForeignKey(
        "sessions_app.ListeningSession",
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="brief_packs",
        null=True,
        blank=True,
    )
    series = models.ForeignKey(
        "sessions_app.Series",
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        related_name="brief_packs",
        null=True,
        blank=True,
    )
    sessions = models.ManyToManyField(
        "sessions_app.ListeningSession",
        verbose_name=pgettext_lazy("listening session", "sessions"),
        related_name="combined_packs",
        blank=True,
        help_text=_("The sessions of a pack covering several sessions."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brief_packs",
    )
    # {"themes": [slug, …], "regions": [slug, …], "kinds": [kind, …]}, each sorted.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # A code and its parameters, put into words in the reader's language when shown.
    stage = models.CharField(_("stage"), max_length=200, choices=PackStage.choices, blank=True)
    stage_params = models.JSONField(_("stage parameters"), default=dict, blank=True)
    pdf = models.FileField(
        _("PDF"), storage=private_storage, upload_to=pack_upload_to, blank=True, max_length=300
    )
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    intervention_count = models.PositiveIntegerField(_("interventions"), null=True, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, db_index=True)
    error_code = models.CharField(
        _("failure"), max_length=20, choices=PackError.choices, blank=True
    )
    error_params = models.JSONField(_("failure parameters"), default=dict, blank=True)
    # Words of a failure recorded before failures had codes.
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    render_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # Refreshed by the worker while it builds: a running pack silent for PACK_STALE_AFTER
    # seconds lost its worker and is built again.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    restarts = models.PositiveIntegerField(_("builds restarted after a lost worker"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("input pack")
        verbose_name_plural = _("input packs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "enqueued_at"])]
        permissions = [("request_briefpack", _("Can request and download input packs"))]

    def __str__(self) -> str:
        return f"{self.scope_title} — #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("briefs:detail", kwargs={"pk": self.pk})

    @property
    def is_combined(self) -> bool:
        """Covers several sessions (a series, or sessions chosen together)."""
        return self.session_id is None

    @property
    def scope_title(self) -> str:
        """What the pack covers, in words: the session, the series, or "several sessions"."""
        if self.session_id:
            return str(self.session)
        if self.series_id:
            return str(self.series)
        return str(_("Several sessions"))

    @property
    def was_restarted(self) -> bool:
        """A worker was lost while building this pack and the build started again."""
        return self.restarts > 0 and self.status in (PackStatus.QUEUED, PackStatus.RUNNING)

    @property
    def download_url(self) -> str:
        return reverse("briefs:download", kwargs={"pk": self.pk})

    @property
    def stage_text(self) -> str:
        """The build's stage in the active language."""
        return describe(PackStage, self.stage, self.stage_params) if self.stage else ""

    @property
    def error_text(self) -> str:
        """Why the build failed, in the active language."""
        if self.error_code:
            return describe(PackError, self.error_code, self.error_params)
        return self.error

    @property
    def is_downloadable(self) -> bool:
        return self.status == PackStatus.DONE and bool(self.pdf)

    @property
    def download_filename(self) -> str:
        """What the file holds: `input-pack-<session, series or "sessions">-<filters or
        all-inputs>-<built>.pdf`, the filters as their slugs (themes, regions, types), the build
        time in UTC."""
        if self.session_id:
            subject = self.session.slug
        elif self.series_id:
            subject = self.series.slug
        else:
            subject = "sessions"
        filters = self.filters or {}
        parts = [*filters.get("themes", []), *filters.get("regions", []), *filters.get("kinds", [])]
        scope = slugify("-".join(parts))[:FILENAME_SCOPE_CHARS].strip("-") or "all-inputs"
        built = self.finished_at or self.created_at
        when = f"-{built:%Y-%m-%d-%H%M}" if built else ""
        return f"input-pack-{subject}-{scope}{when}.pdf"


class PackPart(models.Model):
    """One section of a pack's build, laid out as a PDF of its own by a worker.

    Its PDF is stored in private storage under `cache_key` (see `briefs.pipeline`) and shared
    by every pack with the same section; the row records that this pack uses it, which keeps
    it from being cleaned up. The contents is laid out last, when the pack is merged.
    """

    pack = models.ForeignKey(
        BriefPack, verbose_name=_("input pack"), on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.CharField(_("section"), max_length=200)
    title = models.CharField(_("title"), max_length=300, blank=True)
    cache_key = models.CharField(_("stored as"), max_length=64, db_index=True)
    is_contents = models.BooleanField(_("contents"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=PartStatus.choices, default=PartStatus.PENDING
    )
    # The section's complete HTML, until it is laid out (the contents' keeps placeholders for
    # the page numbers).
    html = models.TextField(_("HTML"), blank=True)
    # The contents' row: what the page numbers' document shows besides them (the filter).
    frame = models.JSONField(_("frame"), default=dict, blank=True)
    reused = models.BooleanField(_("reused"), default=False)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    used_at = models.DateTimeField(_("last used"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pack section")
        verbose_name_plural = _("pack sections")
        ordering = ["pack", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "position"], name="one_part_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} · {self.position} · {self.key}"


class PolicyBrief(models.Model):
    """The published policy brief of a series or a session, and the inputs it cites.

    Recording it tells every contributor who consented to be contacted how their inputs were
    used, once (`BriefNotification`).
    """

    series = models.ForeignKey(
        "sessions_app.Series",
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        related_name="policy_briefs",
        null=True,
        blank=True,
    )
    session = models.ForeignKey(
        "sessions_app.ListeningSession",
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="policy_briefs",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=300)
    published_on = models.DateField(_("publication date"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    pdf = models.FileField(
        _("PDF"), storage=private_storage, upload_to=brief_upload_to, blank=True, max_length=300
    )
    pdf_is_public = models.BooleanField(_("anyone may download the PDF"), default=False)
    cited = models.ManyToManyField(
        "interventions.Intervention",
        verbose_name=_("inputs cited"),
        related_name="cited_in_briefs",
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("policy brief")
        verbose_name_plural = _("policy briefs")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(series__isnull=False, session__isnull=True)
                    | models.Q(series__isnull=True, session__isnull=False)
                ),
                name="policy_brief_series_or_session",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("briefs:brief_edit", kwargs={"pk": self.pk})

    @property
    def scope_title(self) -> str:
        return str(self.session) if self.session_id else str(self.series)

    @property
    def pdf_url(self) -> str:
        return reverse("briefs:brief_pdf", kwargs={"pk": self.pk}) if self.pdf else ""

    @property
    def public_url(self) -> str:
        """Where the public reads the brief: its link, else its PDF when public; else empty."""
        if self.url:
            return self.url
        return self.pdf_url if self.pdf_is_public else ""


class BriefNotification(models.Model):
    """A contributor was told about a published brief: one row, so they are told once."""

    brief = models.ForeignKey(
        PolicyBrief,
        verbose_name=_("policy brief"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contributor"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("scheduled"), auto_now_add=True)

    class Meta:
        verbose_name = _("brief notification")
        verbose_name_plural = _("brief notifications")
        constraints = [
            models.UniqueConstraint(fields=["brief", "user"], name="one_brief_email_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.brief} → {self.user}"
