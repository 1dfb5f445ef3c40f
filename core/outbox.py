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
from django.db.models import F, Q
from django.utils import timezone

from .enums import OutboxStatus
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The broker took the message but no worker ran it for this long: it may have been lost
# (a broker restart without persistence), so send it again; the claim makes that safe.
RESEND_TAKEN_AFTER = timedelta(minutes=30)
RESET_RUNNING_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 5


def schedule_task(task_name: str, **kwargs) -> OutboxMessage:
    """Store a task to run after the current transaction commits, and send it then.

    Side effects: one OutboxMessage row now; a broker message after commit.
    Never raises for a broker failure: the row is re-sent by `flush_outbox`.
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: dispatch_message(message_id=message.pk))
    return message


def dispatch_message(*, message_id: int) -> bool:
    """Send one pending message to the broker; return whether the broker took it.

    Only a message the broker took gets `enqueued_at`; one it refused keeps the error and is
    sent again by the next `flush_outbox`.
    """
    message = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).first()
    if message is None:
        return False
    try:
        current_app.send_task(message.task_name, kwargs={"outbox_id": message.pk, **message.kwargs})
    except Exception as exc:  # any broker failure: keep the row for a later flush
        logger.warning("Broker unavailable, %s stays pending: %s", message, exc)
        OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:2000])
        return False
    OutboxMessage.objects.filter(pk=message_id).update(enqueued_at=timezone.now(), last_error="")
    return True


@contextmanager
def claim_message(outbox_id: int | None) -> Iterator[bool]:
    """Claim a message for its task; yield False when another delivery already has it.

    On success the row ends `done`. When the body raises, the row goes back to `pending`
    (to be sent again by the next flush) with the error recorded, or to `failed` after
    MAX_ATTEMPTS runs; the exception propagates.
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
        row.filter(attempts__lt=MAX_ATTEMPTS).update(
            status=OutboxStatus.PENDING, enqueued_at=None, last_error=str(exc)[:2000]
        )
        raise
    OutboxMessage.objects.filter(pk=outbox_id).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
    )


def flush_outbox(*, now=None) -> int:
    """Send again what no worker will run otherwise; return how many messages were sent.

    That is: messages the broker never took (or whose run failed), messages taken so long
    ago that the broker may have lost them, and messages a dead worker left running.
    A message the broker holds and a worker will reach is not sent twice.
    """
    now = now or timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxStatus.RUNNING, enqueued_at__lt=now - RESET_RUNNING_AFTER
    ).update(status=OutboxStatus.PENDING, enqueued_at=None)
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - RESEND_TAKEN_AFTER)
    )
    sent = 0
    for message_id in due.values_list("pk", flat=True)[:500]:
        sent += dispatch_message(message_id=message_id)
    return sent
