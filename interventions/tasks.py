from celery import shared_task

from core.outbox import claim_message

from .models import Intervention
from .services import send_intervention_status_email, send_oral_record_email


@shared_task(name="interventions.tasks.task_send_intervention_email")
def task_send_intervention_email(
    outbox_id: int | None = None, *, intervention_id: int, status: str
) -> bool:
    """Email the author about a moderation decision, once per outbox message.

    Returns whether an email was sent: nothing happens for a duplicate delivery or an
    intervention deleted since. Raises what the email backend raises (the outbox message
    then goes back to pending and is sent again later).
    """
    with claim_message(outbox_id) as claimed:
        if not claimed:
            return False
        intervention = (
            Intervention.objects.select_related("author", "session")
            .filter(pk=intervention_id)
            .first()
        )
        if intervention is None:
            return False
        return send_intervention_status_email(intervention=intervention, status=status)


@shared_task(name="interventions.tasks.task_send_oral_record_email")
def task_send_oral_record_email(outbox_id: int | None = None, *, intervention_id: int) -> bool:
    """Send the speaker the record of what they said at the live session, once per outbox
    message. Returns whether an email was sent; raises what the email backend raises."""
    with claim_message(outbox_id) as claimed:
        if not claimed:
            return False
        intervention = (
            Intervention.objects.select_related("author", "session")
            .filter(pk=intervention_id)
            .first()
        )
        if intervention is None:
            return False
        return send_oral_record_email(intervention=intervention)
