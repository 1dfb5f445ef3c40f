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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than shared-cache memory: concurrent threads in tests then wait for
    # SQLite's lock (busy timeout) instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test.sqlite3")}  # noqa: F405
if not REDIS_URL:
    for _folder in ("broker", "processed", "control"):
        (_TMP / _folder).mkdir()
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_TMP / "broker"),
            "data_folder_out": str(_TMP / "broker"),
            "processed_folder": str(_TMP / "processed"),
            "control_folder": str(_TMP / "control"),
        }
    )
