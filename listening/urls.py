from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

import briefs.views
import interventions.views
import sessions_app.urls

from . import views
from .i18n import set_language

# The session pages: the sessions app's own URLs plus the session page, which combines what the
# sessions and interventions apps know (see sessions_app/urls.py).
session_patterns = [
    *sessions_app.urls.urlpatterns,
    path("me/sessions/", interventions.views.my_sessions, name="my_sessions"),
    path("<slug:slug>/heard/", briefs.views.what_we_heard, name="heard"),
    path("<slug:slug>/", interventions.views.session_detail, name="detail"),
]

# The admin signs in through allauth, with its rate limits and email verification.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Listening — UN Network on Migration"
admin.site.site_title = "Listening"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("metrics", views.metrics, name="metrics"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin's).
    path("favicon.ico", views.favicon),
    path("i18n/setlang/", set_language, name="set_language"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/my-data/", views.my_data, name="my_data"),
    path("privacy/my-data/download/", views.download_my_data, name="download_my_data"),
    path("privacy/delete-account/", views.delete_account, name="delete_account"),
    path("accounts/", include("allauth.urls")),
    path("sessions/", include((session_patterns, "sessions_app"))),
    path("interventions/", include("interventions.urls")),
    path("packs/", include("briefs.urls")),
    path("admin/status/", views.status_page, name="platform_status"),
    path(
        "admin/status/outbox/<int:pk>/retry/",
        views.retry_outbox_message,
        name="retry_outbox_message",
    ),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

handler500 = "listening.views.server_error"
