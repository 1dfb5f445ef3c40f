from celery.signals import task_failure
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .alerts import on_task_failure


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Celery's signal for a task that failed after its retries: ADMINS hear about it.
        task_failure.connect(on_task_failure, dispatch_uid="core.alerts.on_task_failure")
