from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import HeartbeatKind, OutboxStatus


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
    # The relay's bookkeeping: how often the message was published, and when it is due again
    # (empty: due now). A publish the broker refused is due again after a short back-off.
    sends = models.PositiveIntegerField(_("times published"), default=0)
    send_after = models.DateTimeField(_("due for publishing"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        # The table and index keep the names they had when the outbox lived in `listening`.
        db_table = "listening_outboxmessage"
        indexes = [
            models.Index(fields=["status", "created_at"], name="listening_o_status_2b6e02_idx"),
            models.Index(fields=["status", "send_after"], name="core_outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} ({self.status})"


class Heartbeat(models.Model):
    """The last sign of life of a background process (a Celery worker, beat, the relay) on
    one host. /healthz and the container health checks read it."""

    kind = models.CharField(_("kind"), max_length=16, choices=HeartbeatKind.choices)
    host = models.CharField(_("host"), max_length=200)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["kind", "host"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "host"], name="core_heartbeat_kind_host_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind}@{self.host}"


class TaskFailure(models.Model):
    """A Celery task that failed for good (after its retries), for the staff status page.

    Holds the task's name and the exception's class only, never its message, which may quote
    what a stakeholder wrote.
    """

    task_name = models.CharField(_("task"), max_length=200)
    exception = models.CharField(_("exception"), max_length=200)
    failed_at = models.DateTimeField(_("failed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("task failure")
        verbose_name_plural = _("task failures")
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.exception})"
