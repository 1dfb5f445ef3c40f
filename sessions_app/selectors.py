from django.db.models import QuerySet

from .enums import SessionStatus
from .models import ListeningSession


def list_public_sessions() -> QuerySet[ListeningSession]:
    """Sessions visible to the public (every status but draft), soonest first."""
    return ListeningSession.objects.exclude(status=SessionStatus.DRAFT).order_by("starts_at")


def get_public_session(*, slug: str) -> ListeningSession:
    """The public session with this slug, with its agenda; raises DoesNotExist for drafts."""
    return (
        ListeningSession.objects.exclude(status=SessionStatus.DRAFT)
        .prefetch_related("agenda_items")
        .get(slug=slug)
    )
