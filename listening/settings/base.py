"""Settings shared by every environment.

Values come from environment variables (django-environ). With none set, the
embedded defaults give a working platform with no server installed: SQLite,
console email and a Celery broker on the local filesystem.
"""

from email.utils import getaddresses
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from listening.observability import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state of the embedded default (SQLite, the filesystem broker, private files). Settings
# only name folders; `make` and the processes that use them create them.
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django_countries",
    "csp",
    "allauth",
    "allauth.account",
    "core",
    "listening",
    "sessions_app",
    "interventions",
    "briefs",
]

MIDDLEWARE = [
    # Counts every request and its database queries for /metrics.
    "listening.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sessions_app.timezones.ViewerTimeZoneMiddleware",
    "listening.i18n.PreferredLanguageMiddleware",
]

ROOT_URLCONF = "listening.urls"
WSGI_APPLICATION = "listening.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "listening.context_processors.site",
                "core.page_cache.csrf_placeholder",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before a request uses it, so a database restart costs no error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, and it must be verified.
ACCOUNT_ADAPTER = "listening.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "listening.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Listening] "
# Rate limits count in the shared cache (CACHES), so every web process sees the same counts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# The client's address for rate limits: the connection's own address, unless the request came
# through this many proxies of ours, each of which appends the address it saw to
# X-Forwarded-For (a header set by anyone else cannot be trusted).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default=None)

# One cache shared by every process (rate limits must count across gunicorn workers): Redis
# when configured, else a table in the database, which needs no server. While Redis is down or
# stalls, requests go on without it (core/cache.py).
CACHE_URL = env("CACHE_URL", default=env("REDIS_URL", default=""))
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "listening",
            # A stalled cache server must not hang a request.
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "listening_cache",
        }
    }

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Packs live outside MEDIA_ROOT and are served only through a permission-checked view.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private"))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Email: console by default; EMAIL_URL (smtp://user:pass@host:587) for a real server.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = EMAIL_CONFIG.get("EMAIL_FILE_PATH") or None
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Listening <no-reply@listening.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. The broker defaults to kombu's filesystem transport so no server is needed; its
# folders are created when the Celery app is first configured (listening/celery.py).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
REDIS_TRANSPORT_OPTIONS = {
    # Longer than the hard time limit, so a running task is never delivered twice.
    "visibility_timeout": 3600,
    # A stalled broker must not hang the relay or the health check for long.
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    "retry_on_timeout": False,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_TRANSPORT_OPTIONS)
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Worker broadcasts (pidbox) too, instead of a "control" folder in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # How often an idle worker looks for a message (kombu's default, 1 s, left each worker
        # process waiting up to a second between a pack's sections).
        "polling_interval": 0.1,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=900)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1200)
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# The worker and beat never give up on the broker: they reconnect for ever, backing off up to
# 30 s between tries, on start-up as after a lost connection. No web request talks to the
# broker (the outbox relay publishes), so no request waits for these retries.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
# Beat records a heartbeat on every tick (core.beat); a short loop keeps it fresh.
CELERY_BEAT_SCHEDULER = "core.beat:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 10
CELERY_BEAT_SCHEDULE = {
    "requeue-lost-packs": {
        "task": "briefs.tasks.task_requeue_stuck_packs",
        "schedule": env.float("PACK_REQUEUE_INTERVAL", default=30.0),
    },
    "delete-unused-pack-parts": {
        "task": "briefs.tasks.task_delete_unused_pack_parts",
        "schedule": 24 * 3600.0,
    },
    "purge-personal-data": {
        "task": "listening.tasks.task_purge_personal_data",
        "schedule": 24 * 3600.0,
    },
}

# The outbox relay (`manage.py relay_outbox`) publishes what requests stored, in batches, and
# sends again a message no task claimed within OUTBOX_RESEND_AFTER seconds (then backs off).
OUTBOX_RELAY_INTERVAL = env.float("OUTBOX_RELAY_INTERVAL", default=0.5)
OUTBOX_RELAY_BATCH = env.int("OUTBOX_RELAY_BATCH", default=100)
OUTBOX_RESEND_AFTER = env.int("OUTBOX_RESEND_AFTER", default=90)
# Liveness: the worker, beat and the relay each refresh a heartbeat row this often; /healthz
# answers 503 naming the one whose newest heartbeat is older than HEARTBEAT_STALE_AFTER.
HEARTBEAT_INTERVAL = env.float("HEARTBEAT_INTERVAL", default=10.0)
HEARTBEAT_STALE_AFTER = env.int("HEARTBEAT_STALE_AFTER", default=60)
# A building pack refreshes its own heartbeat this often; one silent for PACK_STALE_AFTER
# seconds lost its worker and is built again.
PACK_HEARTBEAT_INTERVAL = env.float("PACK_HEARTBEAT_INTERVAL", default=10.0)
PACK_STALE_AFTER = env.int("PACK_STALE_AFTER", default=90)

# Content-Security-Policy (django-csp 4): no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Platform limits.
INTERVENTION_MAX_CHARS = env.int("INTERVENTION_MAX_CHARS", default=20000)
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365)

# Failures someone hears about: unhandled errors and failed tasks mail ADMINS
# ("Name <address>, …"), once per distinct failure within ALERT_WINDOW_SECONDS.
ADMINS = getaddresses(env.list("ADMINS", default=[]))
ALERT_WINDOW_SECONDS = env.int("ALERT_WINDOW_SECONDS", default=3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "core.alerts.ThrottledAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's default "django" logger, whose unthrottled mail_admins would
        # mail every error again.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR", "handlers": ["mail_admins"]},
    },
}

# Optional error reporting to Sentry, with personal data scrubbed (listening/observability.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"))
# Every link in every email is built from SITE_URL, never from the request's Host header.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Where to report a vulnerability (/.well-known/security.txt): a mailto: or https: URI.
SECURITY_CONTACT = env("SECURITY_CONTACT", default="mailto:security@listening.invalid")

# The admin's translation tabs use jQuery UI, served from our own static files.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

# The Prometheus metrics (/metrics) answer a request bearing METRICS_TOKEN
# ("Authorization: Bearer …") or coming from an address in METRICS_ALLOWED_IPS; nobody else.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# Backups (`manage.py backup_data`): where archives go; older ones than the retention are pruned.
BACKUP_DIR = env("BACKUP_DIR", default=str(VAR_DIR / "backups"))

# Public pages (home, session pages) for anonymous visitors are served from the cache for this
# many seconds (0: never): the seats left they show are at most this old. Any change to a
# session or its agenda shows at once.
PUBLIC_PAGE_CACHE_SECONDS = env.float("PUBLIC_PAGE_CACHE_SECONDS", default=5)

# The live session: how often the live page and the desk ask for changes (milliseconds).
# Viewers see a change within this interval plus one request.
LIVE_POLL_INTERVAL_MS = env.int("LIVE_POLL_INTERVAL_MS", default=1000)
# How long each web process reuses a session's live version before reading it again: a change
# reaches viewers at most this much later, and polls cost a few queries a second in all.
LIVE_POLL_CACHE_SECONDS = env.float("LIVE_POLL_CACHE_SECONDS", default=0.25)
# The pack is laid out section by section: a theme with more inputs than this is split by
# region; each section's PDF is kept in private storage and reused while unchanged, and
# deleted once no pack has used it for PACK_PART_KEEP_DAYS days.
PACK_SECTION_MAX_INPUTS = env.int("PACK_SECTION_MAX_INPUTS", default=40)
PACK_PART_KEEP_DAYS = env.int("PACK_PART_KEEP_DAYS", default=30)
# Processes laying out sections when the pack is built without a worker (the command line).
PACK_LOCAL_PROCESSES = env.int("PACK_LOCAL_PROCESSES", default=2)
# A section that fails this many times fails its pack.
PACK_PART_MAX_ATTEMPTS = env.int("PACK_PART_MAX_ATTEMPTS", default=3)
