"""The Celery application; its configuration is read from Django settings (CELERY_*)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listening.settings.local")

app = Celery("listening")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# By name: the step uses models, which load only once Django is set up in the worker.
app.steps["consumer"].add("core.worker:WorkerHeartbeat")

FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder")


@app.on_after_configure.connect
def create_filesystem_broker_folders(sender, **kwargs) -> None:
    """The embedded default's filesystem broker needs its folders before the first message;
    they are made here, when a process first uses Celery, not when settings are imported."""
    if not str(sender.conf.broker_url).startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
