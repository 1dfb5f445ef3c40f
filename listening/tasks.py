from celery import shared_task

from .privacy import purge_personal_data


@shared_task(name="listening.tasks.task_purge_personal_data")
def task_purge_personal_data() -> int:
    """Clear registrations' personal details past the retention period (Celery beat, daily)."""
    return purge_personal_data()
