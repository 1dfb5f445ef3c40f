from django.conf import settings


def site(request) -> dict:
    """The language choices for the switcher on every page. Navigation decides what to show
    from `perms`, the same permissions the views check."""
    return {"LANGUAGE_CHOICES": settings.LANGUAGES}
