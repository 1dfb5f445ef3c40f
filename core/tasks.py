from celery import shared_task

from .outbox import flush_outbox


@shared_task(name="core.tasks.task_flush_outbox")
def task_flush_outbox() -> int:
    """Re-send outbox messages that never reached the broker (Celery beat, every minute)."""
    return flush_outbox()
