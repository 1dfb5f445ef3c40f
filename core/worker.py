"""A Celery consumer step that keeps the worker's heartbeat fresh while it can take tasks.

The step starts once the consumer is connected to the broker and consuming, and stops when
the connection is lost (Celery restarts the consumer's steps then): a worker that cannot
reach the broker, or that died, stops refreshing its heartbeat, and /healthz notices.
"""

from celery import bootsteps
from django.conf import settings

from .enums import HeartbeatKind
from .heartbeats import record_heartbeat


def beat_worker() -> None:
    record_heartbeat(kind=HeartbeatKind.WORKER)


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, parent) -> None:
        beat_worker()
        self.timer_entry = parent.timer.call_repeatedly(settings.HEARTBEAT_INTERVAL, beat_worker)

    def stop(self, parent) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop
