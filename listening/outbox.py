"""A transactional outbox: tasks are stored with the change that needs them.

`schedule_task` writes a row in the caller's transaction and sends the task to the
broker once that transaction commits. If the broker is down the row stays pending
and `task_flush_outbox` (Celery beat) sends it again later, so nothing is lost; the
task claims its row before working, so a duplicate delivery does nothing.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .enums import OutboxStatus
from .models import OutboxMessage

logger = logging.getLogger(__name__)

RESEND_PENDING_AFTER = timedelta(seconds=30)
RESET_RUNNING_AFTER = timedelta(minutes=30)


def schedule_task(task_name: str, **kwargs) -> OutboxMessage:
    """Store a task to run after the current transaction commits, and send it then.

    Side effects: one OutboxMessage row now; a broker message after commit.
    Never raises for a broker failure: the row is re-sent by `flush_outbox`.
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: dispatch_message(message_id=message.pk))
    return message


def dispatch_message(*, message_id: int) -> bool:
    """Send one pending message to the broker; return whether the broker took it."""
    message = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).first()
    if message is None:
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        enqueued_at=timezone.now(), attempts=F("attempts") + 1
    )
    try:
        current_app.send_task(message.task_name, kwargs={"outbox_id": message.pk, **message.kwargs})
    except Exception as exc:  # any broker failure: keep the row for a later flush
        logger.warning("Broker unavailable, %s stays pending: %s", message, exc)
        OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:2000])
        return False
    return True


@contextmanager
def claim_message(outbox_id: int | None) -> Iterator[bool]:
    """Claim a message for its task; yield False when another delivery already has it.

    On success the row ends `done`; when the body raises it goes back to `pending`
    with the error recorded, and the exception propagates.
    """
    if outbox_id is None:
        yield True
        return
    claimed = OutboxMessage.objects.filter(pk=outbox_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.RUNNING
    )
    if not claimed:
        yield False
        return
    try:
        yield True
    except Exception as exc:
        OutboxMessage.objects.filter(pk=outbox_id).update(
            status=OutboxStatus.PENDING, last_error=str(exc)[:2000]
        )
        raise
    OutboxMessage.objects.filter(pk=outbox_id).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
    )


def flush_outbox(*, now=None) -> int:
    """Re-send messages the broker never took, and free those a dead worker left running.

    Returns how many messages were sent.
    """
    now = now or timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxStatus.RUNNING, enqueued_at__lt=now - RESET_RUNNING_AFTER
    ).update(status=OutboxStatus.PENDING)
    stale = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exclude(
        enqueued_at__gte=now - RESEND_PENDING_AFTER
    )
    sent = 0
    for message_id in stale.values_list("pk", flat=True)[:500]:
        sent += dispatch_message(message_id=message_id)
    return sent
