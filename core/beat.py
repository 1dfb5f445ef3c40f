"""Celery beat's scheduler, recording a heartbeat as it ticks (CELERY_BEAT_SCHEDULER)."""

import time

from celery.beat import PersistentScheduler
from django.conf import settings

from .enums import HeartbeatKind
from .heartbeats import record_heartbeat


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler, plus a heartbeat at most every HEARTBEAT_INTERVAL seconds."""

    last_beat = 0.0

    def tick(self, *args, **kwargs):
        if time.monotonic() - self.last_beat >= settings.HEARTBEAT_INTERVAL:
            self.last_beat = time.monotonic()
            record_heartbeat(kind=HeartbeatKind.BEAT)
        return super().tick(*args, **kwargs)
