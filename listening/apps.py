from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Imported once the app registry is ready: the receivers' modules import models.
        from . import receivers  # noqa: F401, PLC0415
