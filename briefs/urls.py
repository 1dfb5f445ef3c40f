from django.urls import path

from . import views

app_name = "briefs"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("session/<slug:slug>/", views.session_packs, name="session"),
    path("<int:pk>/", views.pack_detail, name="detail"),
    path("<int:pk>/status/", views.pack_status, name="status"),
    path("<int:pk>/download/", views.pack_download, name="download"),
    path("<int:pk>/retry/", views.pack_retry, name="retry"),
]
