from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse, translate_url

from sessions_app.selectors import preferred_language


def site_link(url: str, *, request_host: str | None) -> str:
    """`url` on SITE_URL's scheme and host when it points at this site (the host the request
    named, or a relative path); any other value is returned as it is."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc != request_host:
        return url
    if not parts.scheme and not url.startswith("/"):
        return url
    site = urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """After signing in, continue in the user's preferred language; someone who has not
        completed their profile yet is asked to do that first."""
        url = super().get_login_redirect_url(request)
        if not hasattr(request.user, "profile") and url == reverse("home"):
            return reverse("sessions_app:profile")
        language = preferred_language(user=request.user)
        return translate_url(url, language) if language else url

    def get_signup_redirect_url(self, request):
        """A new account has no profile yet: confirming the email (which signs the person in)
        leads to completing it, as the first sign-in does."""
        return reverse("sessions_app:profile")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's email with every link to this site built from SITE_URL.

        allauth builds its links (confirmation, password reset, sign-up) from the request's
        Host header, which a client chooses: a reset link must never point elsewhere. The
        closing line names the site and its public address (`site_url`).
        """
        request = self.request
        host = request.get_host() if request is not None else None
        links = {
            key: site_link(value, request_host=host)
            for key, value in context.items()
            if isinstance(value, str) and value.startswith(("http://", "https://"))
        }
        # The footer names the site by SITE_URL's host too (a copy: Site objects are cached).
        site = SimpleNamespace(
            name=get_current_site(request).name, domain=urlsplit(settings.SITE_URL).netloc
        )
        super().send_mail(
            template_prefix,
            email,
            {
                "current_site": site,
                **context,
                **links,
                "site_url": settings.SITE_URL.rstrip("/") + "/",
            },
        )
