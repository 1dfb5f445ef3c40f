"""Heartbeats of the background processes: the Celery worker, beat and the outbox relay.

Each refreshes one row per host while it can work; /healthz and the container health checks
call a process dead when its newest row is older than HEARTBEAT_STALE_AFTER seconds.
"""

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .enums import HeartbeatKind
from .models import Heartbeat

logger = logging.getLogger(__name__)

# Rows of hosts gone for this long (replaced containers) are deleted.
FORGET_AFTER = timedelta(days=1)


def record_heartbeat(*, kind: HeartbeatKind, host: str | None = None) -> bool:
    """Refresh this host's heartbeat of `kind`; return False when the database is unreachable.

    Safe to call from a long-running process: a connection broken by a database restart is
    dropped, so the next call opens a new one. Never raises.
    """
    now = timezone.now()
    standalone = not connection.in_atomic_block  # never close a caller's transaction
    try:
        if standalone:
            close_old_connections()
        Heartbeat.objects.update_or_create(
            kind=kind,
            host=host or socket.gethostname(),
            defaults={"beat_at": now, "pid": os.getpid()},
        )
        Heartbeat.objects.filter(kind=kind, beat_at__lt=now - FORGET_AFTER).delete()
    except Exception as exc:  # the process keeps running; its heartbeat just goes stale
        logger.warning("Could not record the %s heartbeat: %s", kind, exc)
        if standalone:
            connection.close()
        return False
    return True


def last_heartbeat(*, kind: HeartbeatKind, host: str | None = None) -> datetime | None:
    """When a process of `kind` (on `host`, or on any host) last showed a sign of life."""
    beats = Heartbeat.objects.filter(kind=kind)
    if host is not None:
        beats = beats.filter(host=host)
    return beats.order_by("-beat_at").values_list("beat_at", flat=True).first()


def is_alive(*, kind: HeartbeatKind, host: str | None = None, now: datetime | None = None) -> bool:
    """Whether a process of `kind` beat within the last HEARTBEAT_STALE_AFTER seconds."""
    beat_at = last_heartbeat(kind=kind, host=host)
    now = now or timezone.now()
    return beat_at is not None and beat_at >= now - timedelta(
        seconds=settings.HEARTBEAT_STALE_AFTER
    )
