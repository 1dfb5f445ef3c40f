from django.urls import path

from . import views

app_name = "briefs"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("session/<slug:slug>/", views.session_packs, name="session"),
    path("series/<slug:slug>/", views.series_packs, name="series"),
    path("several/", views.several_sessions_packs, name="several"),
    path("briefs/series/<slug:slug>/", views.brief_for_series, name="brief_series"),
    path("briefs/session/<slug:slug>/", views.brief_for_session, name="brief_session"),
    path("briefs/<int:pk>/", views.brief_edit, name="brief_edit"),
    path("briefs/<int:pk>/pdf/", views.brief_pdf, name="brief_pdf"),
    path("matrix/", views.evidence_matrix, name="matrix"),
    path("matrix/export.csv", views.evidence_matrix_csv, name="matrix_csv"),
    path("<int:pk>/", views.pack_detail, name="detail"),
    path("<int:pk>/status/", views.pack_status, name="status"),
    path("<int:pk>/download/", views.pack_download, name="download"),
    path("<int:pk>/retry/", views.pack_retry, name="retry"),
]
