"""Writes for interventions. Every status change goes through `set_intervention_status`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from listening.outbox import schedule_task

from .enums import InterventionStatus as S
from .models import Intervention, InterventionStatusChange

# The allowed transitions, written down once: from → {to: who may make it}.
AUTHOR = "author"
MODERATOR = "moderator"
TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.SUBMITTED: AUTHOR, S.WITHDRAWN: AUTHOR},
    S.SUBMITTED: {
        S.APPROVED: MODERATOR,
        S.CHANGES_REQUESTED: MODERATOR,
        S.REJECTED: MODERATOR,
        S.WITHDRAWN: AUTHOR,
    },
    S.CHANGES_REQUESTED: {S.SUBMITTED: AUTHOR, S.WITHDRAWN: AUTHOR},
    S.APPROVED: {S.WITHDRAWN: AUTHOR},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
FINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
NOTIFY_AUTHOR_ON = frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED})


def can_transition(*, from_status: str, to_status: str, role: str) -> bool:
    return TRANSITIONS.get(from_status, {}).get(to_status) == role


def set_intervention_status(
    *,
    intervention: Intervention,
    to_status: str,
    actor,
    role: str,
    note: str = "",
    feedback: str | None = None,
    notify: bool = True,
) -> Intervention:
    """Move an intervention to `to_status`, record a history row, and notify its author.

    `role` is AUTHOR or MODERATOR: the caller states in which capacity `actor` acts, and
    the transition table decides whether that capacity may make this change.
    Raises ValidationError for a transition the table does not allow (nothing changes),
    PermissionDenied when an author acts on someone else's intervention.
    Side effects: a history row; after commit, an email to the author when a moderator
    approves, requests changes or rejects (unless `notify` is False).
    """
    if role == AUTHOR and actor is not None and intervention.author_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        from_status = locked.status
        if not can_transition(from_status=from_status, to_status=to_status, role=role):
            raise ValidationError(
                _("An intervention cannot go from “%(from)s” to “%(to)s”.")
                % {"from": S(from_status).label, "to": S(to_status).label},
                code="invalid_transition",
            )
        now = timezone.now()
        locked.status = to_status
        update_fields = ["status", "updated_at"]
        if to_status == S.SUBMITTED:
            locked.submitted_at = now
            update_fields.append("submitted_at")
        if role == MODERATOR:
            locked.decided_at = now
            update_fields.append("decided_at")
        if feedback is not None:
            locked.feedback = feedback
            update_fields.append("feedback")
        locked.save(update_fields=update_fields)
        InterventionStatusChange.objects.create(
            intervention=locked,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        if notify and role == MODERATOR and to_status in NOTIFY_AUTHOR_ON and locked.author_id:
            schedule_task(
                "interventions.tasks.task_send_intervention_email",
                intervention_id=locked.pk,
                status=to_status,
            )
    intervention.refresh_from_db()
    return intervention
