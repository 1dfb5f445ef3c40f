from allauth.account.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.page_cache import bump_public_pages
from interventions.models import Intervention, Region, Theme
from sessions_app.models import AgendaItem, ListeningSession, Series
from sessions_app.selectors import preferred_language

from .i18n import set_language_cookie


@receiver(user_logged_in)
def remember_language_on_sign_in(sender, request, response, user, **kwargs) -> None:
    """Signing in replaces whatever language cookie the browser had with the user's
    preferred language, so their next visit opens in it."""
    language = preferred_language(user=user)
    if language and response is not None:
        set_language_cookie(response, language)


# Every writer of what the public pages show (services, the admin and its inlines, the demo)
# saves through the ORM: a save or delete of these rows makes the stored pages stale.
@receiver(post_save, sender=ListeningSession)
@receiver(post_delete, sender=ListeningSession)
@receiver(post_save, sender=AgendaItem)
@receiver(post_delete, sender=AgendaItem)
@receiver(post_save, sender=Series)
@receiver(post_save, sender=Region)
@receiver(post_save, sender=Theme)
def refresh_public_pages(sender, **kwargs) -> None:
    """The session pages and the home page show sessions, their series, agendas, themes and
    regions."""
    bump_public_pages()


@receiver(post_save, sender=Intervention)
@receiver(post_delete, sender=Intervention)
def refresh_public_speakers(sender, instance, **kwargs) -> None:
    """A session page lists the interventions scheduled for its open floor (one taken off
    the agenda still means to be delivered orally)."""
    if instance.agenda_item_id is not None or instance.deliver_orally:
        bump_public_pages()
