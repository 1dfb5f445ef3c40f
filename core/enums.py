from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of `value` among `choices`, or `value` itself when it is none of them, as
    Django's `get_FOO_display()` answers, without the dict of every choice that builds at
    each call (a cost lists pay once per row)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Language(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")
    ES = "es", _("Spanish")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class HeartbeatKind(models.TextChoices):
    WORKER = "worker", _("Celery worker")
    BEAT = "beat", _("Celery beat")
    RELAY = "relay", _("Outbox relay")
