from celery import shared_task
from django.utils import translation

from core.outbox import claim_message

from . import services
from .models import Registration
from .selectors import email_language


@shared_task(name="sessions_app.tasks.task_send_registration_email")
def task_send_registration_email(
    outbox_id: int | None = None, *, registration_id: int, template: str, status: str
) -> bool:
    """Email a registrant about their registration's status, in their preferred language.

    Does nothing when another delivery already claimed the message, when the registration
    no longer exists, or when its status changed since (see `send_registration_email`).
    """
    with claim_message(outbox_id) as claimed:
        if not claimed:
            return False
        registration = (
            Registration.objects.select_related("session", "user")
            .filter(pk=registration_id)
            .first()
        )
        if registration is None:
            return False
        language = email_language(user=registration.user, session=registration.session)
        with translation.override(language):
            return services.send_registration_email(
                registration=registration, template=template, status=status
            )
