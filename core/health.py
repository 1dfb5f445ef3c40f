"""Readiness checks used by /healthz and the container health checks."""

import logging

from django.db import connection

from .broker import short_connection
from .enums import HeartbeatKind
from .heartbeats import is_alive

logger = logging.getLogger(__name__)


def check_database(conn=None) -> str | None:
    """Return None when the database answers, else a short reason."""
    try:
        with (conn or connection).cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("Database check failed: %s", exc)
        return exc.__class__.__name__
    return None


def check_broker(*, timeout: float = 3.0) -> str | None:
    """Return None when the Celery broker accepts a connection, else a short reason."""
    try:
        with short_connection() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            if conn.transport.driver_type == "redis":
                conn.default_channel.client.ping()
    except Exception as exc:
        logger.warning("Broker check failed: %s", exc)
        return exc.__class__.__name__
    return None


def check_heartbeat(kind: HeartbeatKind) -> str | None:
    """Return None when a process of `kind` beat recently, else a short reason.

    Reports "stale" when none did within HEARTBEAT_STALE_AFTER seconds: the process is dead,
    stuck, or cannot reach the broker or the database.
    """
    try:
        if is_alive(kind=kind):
            return None
    except Exception as exc:
        return exc.__class__.__name__
    logger.warning("No recent %s heartbeat", kind)
    return "stale"
