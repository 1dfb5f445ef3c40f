from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/", include("allauth.urls")),
    path("sessions/", include("sessions_app.urls")),
    path("interventions/", include("interventions.urls")),
    path("packs/", include("briefs.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)
