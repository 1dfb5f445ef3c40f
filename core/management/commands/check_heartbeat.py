"""`manage.py check_heartbeat KIND [--here]`: exit 0 when a worker, beat or the relay is
alive (its heartbeat is fresh), 1 when not. The container health checks use it."""

import socket

from django.core.management.base import BaseCommand, CommandError

from core.enums import HeartbeatKind
from core.heartbeats import is_alive, last_heartbeat


class Command(BaseCommand):
    help = "Exit 0 when a process of KIND beat within HEARTBEAT_STALE_AFTER seconds, else 1."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=HeartbeatKind.values)
        parser.add_argument(
            "--here", action="store_true", help="Only count a process on this host."
        )

    def handle(self, *args, kind: str, here: bool = False, **options):
        host = socket.gethostname() if here else None
        if not is_alive(kind=kind, host=host):
            raise CommandError(
                f"No fresh {kind} heartbeat{' on ' + host if host else ''} "
                f"(last: {last_heartbeat(kind=kind, host=host) or 'never'})."
            )
        self.stdout.write(f"{kind}: alive")
