"""Settings for the test suite: the real services when configured, else the embedded defaults.

Nothing is created on import: the test folder is made by `tests/conftest.py`, the broker's
folders by the Celery app when first configured, private files' folders on first save.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES, REDIS_URL, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests change a session and poll at once; the reuse of the live version is tested on its own.
LIVE_POLL_CACHE_SECONDS = 0
# Tests change sessions and seats and read the pages at once; the page cache is tested on its own.
PUBLIC_PAGE_CACHE_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_RATE_LIMITS = False
# Each test process counts its own rate limits; tests of the shared cache start real servers.
# (Clearing a Redis cache would flush the broker's queue in the same database.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TEST_TMP_DIR = Path(tempfile.gettempdir()) / f"listening-test-{os.getpid()}"
STORAGES["private"]["OPTIONS"]["location"] = str(TEST_TMP_DIR / "private")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than shared-cache memory: concurrent threads in tests then wait for
    # SQLite's lock (busy timeout) instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_TMP_DIR / "test.sqlite3")}
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(TEST_TMP_DIR / "broker"),
            "data_folder_out": str(TEST_TMP_DIR / "broker"),
            "processed_folder": str(TEST_TMP_DIR / "processed"),
            "control_folder": str(TEST_TMP_DIR / "control"),
        }
    )
# Sections laid out in the test's own process (tests count WeasyPrint calls); one test uses a pool.
PACK_LOCAL_PROCESSES = 1
