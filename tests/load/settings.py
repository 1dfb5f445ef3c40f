"""Settings for servers started by tests (the load test, the gunicorn tests): the local
settings with the rate limits on, emails discarded and a fast password hasher. Each simulated
person comes with their own address, through the trusted-proxy setting (TRUSTED_PROXY_COUNT)."""

from listening.settings.local import *  # noqa: F403

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
