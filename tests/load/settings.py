"""Settings for the load test's server: the local settings without rate limits (every
simulated user comes from 127.0.0.1) and with emails discarded."""

from listening.settings.local import *  # noqa: F403

DEBUG = False
ACCOUNT_RATE_LIMITS = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
