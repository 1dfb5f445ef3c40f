"""Language choice: the URL prefix decides each page; a signed-in user's choice is remembered
in their profile and used for their next visit and their emails."""

from django.conf import settings
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from sessions_app.models import Profile
from sessions_app.selectors import LANGUAGE_CODES, preferred_language


def set_preferred_language(*, user, language: str) -> bool:
    """Remember `language` for a signed-in user with a profile; return whether it was stored."""
    if language not in LANGUAGE_CODES or not getattr(user, "is_authenticated", False):
        return False
    updated = Profile.objects.filter(user=user).update(preferred_language=language)
    cached = user._state.fields_cache.get("profile")
    if cached is not None:
        cached.preferred_language = language
    return bool(updated)


@require_POST
def set_language(request):
    """Django's language switch (same page, other prefix), remembered for signed-in users."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if translation.check_for_language(language):
        set_preferred_language(user=request.user, language=language)
    return response


def set_language_cookie(response, language: str) -> None:
    """Remember `language` in the browser, as Django's language switch does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )


class PreferredLanguageMiddleware:
    """Keep the language cookie in step with a signed-in user's preferred language, so an
    address without a language prefix (and the next visit) opens in their language.

    The profile is read only when the browser has no language cookie, not on every request:
    signing in (receivers.py) and switching language set cookie and profile together."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return response
        language = preferred_language(user=getattr(request, "user", None))
        if language:
            set_language_cookie(response, language)
        return response
