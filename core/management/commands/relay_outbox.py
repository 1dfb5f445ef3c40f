"""`manage.py relay_outbox`: publish the outbox to the broker until stopped (SIGTERM/SIGINT)."""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from core.enums import HeartbeatKind
from core.heartbeats import record_heartbeat
from core.outbox import relay_outbox

logger = logging.getLogger("core.relay")

# While the broker refuses, passes back off from the poll interval up to this many seconds.
MAX_BACKOFF = 10.0


class Command(BaseCommand):
    help = (
        "Publish what requests stored in the outbox to the Celery broker, in batches, and "
        "publish again what no task claimed. Runs until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Publish what is due now, then stop."
        )

    def handle(self, *args, once: bool = False, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        interval = settings.OUTBOX_RELAY_INTERVAL
        wait = interval
        last_beat = 0.0
        self.stdout.write(f"Outbox relay started (every {interval:g} s).")
        while not stop.is_set():
            if time.monotonic() - last_beat >= settings.HEARTBEAT_INTERVAL:
                last_beat = time.monotonic()
                record_heartbeat(kind=HeartbeatKind.RELAY)
            try:
                close_old_connections()
                result = relay_outbox()
            except Exception:  # the database restarts, say: keep going
                logger.exception("Outbox relay pass failed")
                connection.close()
                wait = min(MAX_BACKOFF, wait * 2)
            else:
                if result.published:
                    logger.info("Published %d outbox messages", result.published)
                wait = min(MAX_BACKOFF, wait * 2) if result.refused else interval
                if once:
                    break
                if result.published == settings.OUTBOX_RELAY_BATCH:
                    continue  # more may be due right away
            stop.wait(wait)
        self.stdout.write("Outbox relay stopped.")
