"""Settings for the test suite: the real services when configured, else the embedded defaults."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_RATE_LIMITS = False

_TMP = Path(tempfile.mkdtemp(prefix="listening-test-"))
STORAGES["private"]["OPTIONS"]["location"] = str(_TMP / "private")
if not REDIS_URL:
    for _folder in ("broker", "processed"):
        (_TMP / _folder).mkdir()
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_TMP / "broker"),
            "data_folder_out": str(_TMP / "broker"),
            "processed_folder": str(_TMP / "processed"),
        }
    )
