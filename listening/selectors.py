"""Reads of the project layer: the staff status page's view of the running platform."""

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from briefs.enums import PackStatus
from briefs.models import BriefPack
from core.enums import HeartbeatKind, OutboxStatus
from core.health import check_broker
from core.models import Heartbeat, OutboxMessage, TaskFailure

# How many failed messages, task failures and running packs the page lists.
LISTED = 20
# A pending message older than this means the relay or the broker is not keeping up.
BACKLOG_AFTER = timedelta(minutes=5)


@dataclass
class ProcessStatus:
    kind: str
    label: str
    last_beat: datetime | None
    hosts: int
    alive: bool


@dataclass
class DiskStatus:
    path: str
    total: int = 0
    free: int = 0
    error: str = ""

    @property
    def free_percent(self) -> int:
        return round(100 * self.free / self.total) if self.total else 0


@dataclass
class PlatformStatus:
    processes: list[ProcessStatus]
    broker_error: str | None
    outbox_pending: int
    outbox_oldest_pending: datetime | None
    outbox_backlog: bool
    outbox_failed: int
    failed_messages: list[OutboxMessage]
    packs: list[BriefPack]
    failures: list[TaskFailure]
    disk: DiskStatus
    checked_at: datetime = field(default_factory=timezone.now)


def process_statuses(*, now: datetime) -> list[ProcessStatus]:
    """Each background process kind with its newest heartbeat and whether it is alive."""
    stale_before = now - timedelta(seconds=settings.HEARTBEAT_STALE_AFTER)
    beats = {
        row["kind"]: row
        for row in Heartbeat.objects.values("kind").annotate(last=Max("beat_at"), hosts=Count("id"))
    }
    statuses = []
    for kind in HeartbeatKind:
        row = beats.get(kind.value, {})
        last = row.get("last")
        statuses.append(
            ProcessStatus(
                kind=kind.value,
                label=kind.label,
                last_beat=last,
                hosts=row.get("hosts", 0),
                alive=last is not None and last >= stale_before,
            )
        )
    return statuses


def disk_status() -> DiskStatus:
    """Free and total space of the file system holding the private storage."""
    path = settings.STORAGES["private"]["OPTIONS"]["location"]
    try:
        usage = shutil.disk_usage(Path(path))
    except OSError as exc:
        return DiskStatus(path=str(path), error=exc.__class__.__name__)
    return DiskStatus(path=str(path), total=usage.total, free=usage.free)


def platform_status(
    *, now: datetime | None = None, check_the_broker: bool = True
) -> PlatformStatus:
    """What the staff status page shows: heartbeats, the broker, the outbox, building packs,
    recent task failures and the private storage's free space. A fixed number of queries."""
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED)
    oldest = pending["oldest"]
    return PlatformStatus(
        processes=process_statuses(now=now),
        broker_error=check_broker() if check_the_broker else None,
        outbox_pending=pending["count"],
        outbox_oldest_pending=oldest,
        outbox_backlog=oldest is not None and oldest < now - BACKLOG_AFTER,
        outbox_failed=failed.count(),
        failed_messages=list(failed.order_by("-created_at", "-id")[:LISTED]),
        packs=list(
            BriefPack.objects.filter(status__in=[PackStatus.QUEUED, PackStatus.RUNNING])
            .select_related("session")
            .order_by("created_at", "id")[:LISTED]
        ),
        failures=list(TaskFailure.objects.all()[:LISTED]),
        disk=disk_status(),
        checked_at=now,
    )
