from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from sessions_app.selectors import preferred_language

from .i18n import set_language_cookie


@receiver(user_logged_in)
def remember_language_on_sign_in(sender, request, response, user, **kwargs) -> None:
    """Signing in replaces whatever language cookie the browser had with the user's
    preferred language, so their next visit opens in it."""
    language = preferred_language(user=user)
    if language and response is not None:
        set_language_cookie(response, language)
