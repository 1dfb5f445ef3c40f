"""A transactional outbox: tasks are stored with the change that needs them.

`schedule_task` only writes a row in the caller's transaction: no request talks to the
broker. The relay (`manage.py relay_outbox`, a loop around `relay_outbox`) publishes due
rows in batches, and publishes a message again when no task claimed it within
OUTBOX_RESEND_AFTER seconds (the broker may have lost it in a restart), backing off after
each send. A task claims its row before working, so a duplicate delivery does nothing.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .broker import ONE_TRY, short_connection
from .enums import OutboxStatus
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# A task that claimed its message and then went silent this long died with its worker: the
# message goes back to pending (tasks of the outbox take seconds, not minutes).
RESET_RUNNING_AFTER = timedelta(minutes=10)
# While one relay publishes a batch, other relays leave those rows alone this long.
LEASE = timedelta(seconds=30)
# After the broker refused a publish, the message is due again after this long.
RETRY_REFUSED_AFTER = timedelta(seconds=5)
# Re-sends of a message nobody claims back off, doubling up to this.
MAX_RESEND_AFTER = timedelta(minutes=30)
# After a failed run, the message is due again after this many seconds times its attempts.
RETRY_FAILED_AFTER = 30
MAX_ATTEMPTS = 5


def schedule_task(task_name: str, **kwargs) -> OutboxMessage:
    """Store a task to run once the current transaction commits; the relay publishes it.

    Side effects: one OutboxMessage row, in the caller's transaction (nothing is stored if it
    rolls back). Never talks to the broker, so a broker outage or stall costs the caller nothing.
    """
    return OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)


def resend_after(*, sends: int) -> timedelta:
    """How long a published message may stay unclaimed before it is published again:
    OUTBOX_RESEND_AFTER after the first send, doubling after each further one."""
    base = timedelta(seconds=settings.OUTBOX_RESEND_AFTER)
    return min(base * 2 ** max(0, sends - 1), MAX_RESEND_AFTER)


@dataclass
class RelayResult:
    """What one pass of the relay did."""

    published: int = 0
    refused: int = 0
    error: str = ""


def relay_outbox(*, now: datetime | None = None, batch_size: int | None = None) -> RelayResult:
    """Publish one batch of due messages over one broker connection.

    Due: pending messages never published, published ones no task claimed within
    `resend_after` (the broker may have lost them), and messages a dead worker left running
    for RESET_RUNNING_AFTER. The batch is leased first, so several relays do not publish the
    same rows together (duplicates would still be harmless: tasks claim their row). A broker
    failure is recorded on the rows not published, which are due again after
    RETRY_REFUSED_AFTER. Never raises for a broker failure.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.OUTBOX_RELAY_BATCH
    OutboxMessage.objects.filter(
        status=OutboxStatus.RUNNING, enqueued_at__lt=now - RESET_RUNNING_AFTER
    ).update(status=OutboxStatus.PENDING, send_after=None)
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING)
            .filter(Q(send_after__isnull=True) | Q(send_after__lte=now))
            .order_by("created_at", "id")
        )
        batch = list(due.values_list("pk", "task_name", "kwargs", "sends")[:batch_size])
        if not batch:
            return RelayResult()
        OutboxMessage.objects.filter(pk__in=[row[0] for row in batch]).update(
            send_after=now + LEASE
        )
    published, error = _publish(batch)
    by_sends = defaultdict(list)
    for pk, _task, _kwargs, sends in batch:
        if pk in published:
            by_sends[sends + 1].append(pk)
    for sends, pks in by_sends.items():
        OutboxMessage.objects.filter(pk__in=pks, status=OutboxStatus.PENDING).update(
            enqueued_at=now,
            sends=sends,
            send_after=now + resend_after(sends=sends),
            last_error="",
        )
    refused = [row[0] for row in batch if row[0] not in published]
    if refused:
        logger.warning(
            "Broker unavailable, %d outbox messages stay pending: %s", len(refused), error
        )
        OutboxMessage.objects.filter(pk__in=refused, status=OutboxStatus.PENDING).update(
            send_after=now + RETRY_REFUSED_AFTER, last_error=error[:2000]
        )
    return RelayResult(published=len(published), refused=len(refused), error=error)


def _publish(batch: list[tuple]) -> tuple[set[int], str]:
    """Publish each (pk, task name, kwargs, sends) on one connection; return the pks the
    broker took and the error that stopped the batch, if any."""
    published: set[int] = set()
    try:
        with short_connection() as connection:
            for pk, task_name, kwargs, _sends in batch:
                current_app.send_task(
                    task_name,
                    kwargs={"outbox_id": pk, **kwargs},
                    connection=connection,
                    retry=True,
                    retry_policy=ONE_TRY,
                )
                published.add(pk)
    except Exception as exc:  # any broker failure: the rows stay pending for a later pass
        return published, f"{type(exc).__name__}: {exc}"
    return published, ""


@contextmanager
def claim_message(outbox_id: int | None) -> Iterator[bool]:
    """Claim a message for its task; yield False when another delivery already has it.

    On success the row ends `done`. When the body raises, the row goes back to `pending`
    (due again after RETRY_FAILED_AFTER seconds times its attempts) with the error
    recorded, or to `failed` after MAX_ATTEMPTS runs; the exception propagates.
    """
    if outbox_id is None:
        yield True
        return
    claimed = OutboxMessage.objects.filter(pk=outbox_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.RUNNING, attempts=F("attempts") + 1, enqueued_at=timezone.now()
    )
    if not claimed:
        yield False
        return
    try:
        yield True
    except Exception as exc:
        row = OutboxMessage.objects.filter(pk=outbox_id)
        row.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=OutboxStatus.FAILED, last_error=str(exc)[:2000]
        )
        attempts = row.values_list("attempts", flat=True).first() or 1
        row.filter(attempts__lt=MAX_ATTEMPTS).update(
            status=OutboxStatus.PENDING,
            send_after=timezone.now() + timedelta(seconds=RETRY_FAILED_AFTER * attempts),
            last_error=str(exc)[:2000],
        )
        raise
    OutboxMessage.objects.filter(pk=outbox_id).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
    )


def retry_failed_message(*, message_id: int) -> bool:
    """Make a failed outbox message pending again, with its attempts counted afresh; the
    relay publishes it on its next pass. Return False (changing nothing) when the message
    does not exist or has not failed."""
    return bool(
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.FAILED).update(
            status=OutboxStatus.PENDING, attempts=0, sends=0, send_after=None, enqueued_at=None
        )
    )
