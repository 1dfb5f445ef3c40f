"""Celery tasks for input packs: thin wrappers that re-fetch by id and call a service."""

from celery import shared_task
from django.utils import translation

from .services import build_brief_pack, claim_brief_pack, requeue_stuck_packs


@shared_task(name="briefs.tasks.task_build_brief_pack")
def task_build_brief_pack(*, pack_id: int) -> None:
    """Build one queued pack in English; a pack another delivery already claimed is skipped."""
    if not claim_brief_pack(pack_id=pack_id):
        return
    with translation.override("en"):
        build_brief_pack(pack_id=pack_id)


@shared_task(name="briefs.tasks.task_requeue_stuck_packs")
def task_requeue_stuck_packs() -> int:
    """Send again packs stuck in queued, and re-queue those a dead worker left running."""
    return requeue_stuck_packs()
