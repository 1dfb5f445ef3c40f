"""Failures someone hears about: unhandled errors and failed tasks mail ADMINS, once per
distinct failure within a window, with no personal data in the subject.

A failure is "distinct" by its kind (request or task), the exception's class and where it was
raised (the innermost frame's file and line), never by its message, which may quote what a
stakeholder typed. The window is counted in the shared cache (`ALERT_WINDOW_SECONDS`).
"""

import hashlib
import logging
import traceback
from datetime import timedelta
from types import TracebackType

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins
from django.utils import timezone
from django.utils.log import AdminEmailHandler

logger = logging.getLogger(__name__)

CACHE_PREFIX = "alert:"
# Task failures older than this leave the status page's record.
KEEP_FAILURES = timedelta(days=30)


def failure_key(*, kind: str, name: str, exc_type: type, tb: TracebackType | None) -> str:
    """What makes two failures the same: kind, name, exception class and raising line."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    raw = f"{kind}|{name}|{exc_type.__module__}.{exc_type.__qualname__}|{where}"
    return hashlib.sha256(raw.encode()).hexdigest()


def first_in_window(key: str) -> bool:
    """True the first time `key` is seen within the alert window (an atomic cache add)."""
    return cache.add(CACHE_PREFIX + key, 1, timeout=settings.ALERT_WINDOW_SECONDS)


class ThrottledAdminEmailHandler(AdminEmailHandler):
    """Django's error mail, sent once per distinct failure within the window.

    The subject names the level, the exception class and the logger: not the request path's
    query or the exception message, which can carry personal data.
    """

    def emit(self, record: logging.LogRecord) -> None:
        exc_type, _exc, tb = record.exc_info or (None, None, None)
        if exc_type is not None:
            key = failure_key(kind="log", name=record.name, exc_type=exc_type, tb=tb)
            if not first_in_window(key):
                return
        # Django builds the subject from the message ("Internal Server Error: /path?query"):
        # mail a copy whose message is only the exception class and the logger.
        safe = logging.makeLogRecord(record.__dict__)
        what = exc_type.__name__ if exc_type is not None else "error"
        safe.msg, safe.args = "%s (%s)", (what, record.name)
        super().emit(safe)


def alert_task_failure(*, task_name: str, exception: BaseException, tb: TracebackType | None):
    """Mail ADMINS that a task failed for good (after its retries), once per window.

    The subject names the task and the exception class only. Never raises: an alert that
    cannot be sent is logged.
    """
    key = failure_key(kind="task", name=task_name, exc_type=type(exception), tb=tb)
    if not first_in_window(key):
        return False
    body = "".join(traceback.format_exception(type(exception), exception, tb))
    try:
        mail_admins(f"Task failed: {task_name} ({type(exception).__name__})", body)
    except Exception:
        logger.exception("Could not mail ADMINS about the failed task %s", task_name)
        return False
    return True


def record_task_failure(*, task_name: str, exception: BaseException) -> None:
    """Record a failed task (name and exception class) for the status page, and forget
    those older than KEEP_FAILURES. Never raises: the database may be what failed."""
    # Looked up when used: the logging configuration imports this module before the models.
    TaskFailure = apps.get_model("core", "TaskFailure")
    try:
        TaskFailure.objects.create(
            task_name=task_name[:200], exception=type(exception).__qualname__[:200]
        )
        TaskFailure.objects.filter(failed_at__lt=timezone.now() - KEEP_FAILURES).delete()
    except Exception:
        logger.exception("Could not record the failed task %s", task_name)


def on_task_failure(sender=None, exception=None, traceback=None, **kwargs) -> None:
    """Celery's `task_failure` signal: sent once a task has failed after its retries."""
    record_task_failure(task_name=getattr(sender, "name", str(sender)), exception=exception)
    alert_task_failure(
        task_name=getattr(sender, "name", str(sender)), exception=exception, tb=traceback
    )
