from django.db import models
from django.utils.translation import pgettext_lazy


class PackStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("pack status", "Queued")
    RUNNING = "running", pgettext_lazy("pack status", "Building")
    DONE = "done", pgettext_lazy("pack status", "Ready")
    FAILED = "failed", pgettext_lazy("pack status", "Failed")
