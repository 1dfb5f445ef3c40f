from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .enums import PackError, PackStage, PackStatus, describe


def private_storage():
    return storages["private"]


def pack_upload_to(instance: "BriefPack", filename: str) -> str:
    return f"packs/{instance.session_id}/{filename}"


class BriefPack(models.Model):
    """One requested input pack: its filters, its progress and, once built, its PDF."""

    session = models.ForeignKey(
        "sessions_app.ListeningSession",
        verbose_name=pgettext_lazy("listening session", "session"),
        on_delete=models.CASCADE,
        related_name="brief_packs",
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
        return f"{self.session} — #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("briefs:detail", kwargs={"pk": self.pk})

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
        return f"input-pack-{self.session.slug}-{self.pk}.pdf"
