from django.conf import settings

from .roles import SECRETARIAT, WORKING_GROUP


def site(request) -> dict:
    """Language choices for the switcher and the signed-in user's roles, for navigation."""
    user = getattr(request, "user", None)
    groups: set[str] = set()
    if user is not None and user.is_authenticated:
        groups = {g.name for g in user.groups.all()}
    return {
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "is_secretariat": SECRETARIAT in groups,
        "is_working_group": WORKING_GROUP in groups or bool(user and user.is_superuser),
    }
