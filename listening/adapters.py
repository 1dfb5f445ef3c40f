from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse, translate_url

from sessions_app.selectors import preferred_language


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """After signing in, continue in the user's preferred language; someone who has not
        completed their profile yet is asked to do that first."""
        url = super().get_login_redirect_url(request)
        if not hasattr(request.user, "profile") and url == reverse("home"):
            return reverse("sessions_app:profile")
        language = preferred_language(user=request.user)
        return translate_url(url, language) if language else url
