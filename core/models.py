from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import OutboxStatus


class OutboxMessage(models.Model):
    """A task to run after commit, stored in the same transaction as the change behind it.

    The row survives a broker outage: a periodic task re-sends what was not done.
    """

    task_name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        # The table and index keep the names they had when the outbox lived in `listening`.
        db_table = "listening_outboxmessage"
        indexes = [
            models.Index(fields=["status", "created_at"], name="listening_o_status_2b6e02_idx")
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} ({self.status})"
