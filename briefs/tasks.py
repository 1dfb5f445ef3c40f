"""Celery tasks for input packs and published briefs: thin wrappers that re-fetch by id and
call a service."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import translation

from core.outbox import claim_message

from .models import PackPart, PolicyBrief
from .services import (
    build_brief_pack,
    claim_brief_pack,
    delete_unused_pack_parts,
    keep_pack_alive,
    lay_out_pack_part,
    requeue_stuck_packs,
    send_brief_email,
)


@shared_task(bind=True, name="briefs.tasks.task_build_brief_pack")
def task_build_brief_pack(self, outbox_id: int | None = None, *, pack_id: int) -> None:
    """Plan one queued pack in English and send its sections to the workers, refreshing its
    heartbeat meanwhile (see `build_brief_pack`); called as a function, outside a worker, it
    lays the sections out itself.

    A delivery whose outbox message or pack another delivery already claimed does nothing.
    The outbox message is done once the pack is claimed: from then on the pack's own
    heartbeat tells whether its worker is alive.
    """
    with claim_message(outbox_id) as claimed:
        if not claimed or not claim_brief_pack(pack_id=pack_id):
            return
    with translation.override("en"), keep_pack_alive(pack_id=pack_id):
        build_brief_pack(pack_id=pack_id, fan_out=not self.request.called_directly)


@shared_task(name="briefs.tasks.task_lay_out_pack_part")
def task_lay_out_pack_part(*, part_id: int) -> bool:
    """Lay out one section of a pack in English, refreshing the pack's and the section's
    heartbeat meanwhile; the last section merges the pack (see `lay_out_pack_part`).

    A duplicate delivery, or one for a section already laid out, does nothing.
    """
    pack_id = PackPart.objects.filter(pk=part_id).values_list("pack_id", flat=True).first()
    if pack_id is None:
        return False
    with translation.override("en"), keep_pack_alive(pack_id=pack_id, part_id=part_id):
        return lay_out_pack_part(part_id=part_id)


@shared_task(name="briefs.tasks.task_delete_unused_pack_parts")
def task_delete_unused_pack_parts() -> int:
    """Delete the stored sections no pack used for PACK_PART_KEEP_DAYS days (daily)."""
    return delete_unused_pack_parts()


@shared_task(name="briefs.tasks.task_requeue_stuck_packs")
def task_requeue_stuck_packs() -> int:
    """Queue again the packs whose worker was lost (Celery beat, every 30 s)."""
    return requeue_stuck_packs()


@shared_task(name="briefs.tasks.task_send_brief_email")
def task_send_brief_email(outbox_id: int | None = None, *, brief_id: int, user_id: int) -> bool:
    """Tell one contributor about a published brief, once per outbox message.

    Returns whether an email was sent: nothing happens for a duplicate delivery, or when the
    brief or the person was deleted since. Raises what the email backend raises (the outbox
    message then goes back to pending and is sent again later).
    """
    with claim_message(outbox_id) as claimed:
        if not claimed:
            return False
        brief = PolicyBrief.objects.select_related("series", "session").filter(pk=brief_id).first()
        user = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
        if brief is None or user is None:
            return False
        return send_brief_email(brief=brief, user=user)
