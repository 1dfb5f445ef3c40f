from celery import shared_task

from .outbox import flush_outbox


@shared_task(name="listening.tasks.task_flush_outbox")
def task_flush_outbox() -> int:
    """Re-send outbox messages that never reached the broker (Celery beat, every minute)."""
    return flush_outbox()


@shared_task(name="listening.tasks.task_purge_personal_data")
def task_purge_personal_data() -> int:
    """Clear registrations' personal details past the retention period (Celery beat, daily)."""
    from .privacy import purge_personal_data

    return purge_personal_data()
