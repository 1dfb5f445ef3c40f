from django.urls import path

from . import views

app_name = "interventions"

urlpatterns = [
    path("", views.my_interventions, name="mine"),
    path("new/<slug:session_slug>/", views.create_intervention, name="create"),
    path("<int:pk>/", views.intervention_detail, name="detail"),
    path("<int:pk>/edit/", views.edit_intervention, name="edit"),
    path("<int:pk>/withdraw/", views.withdraw_intervention, name="withdraw"),
    path("<int:pk>/correction/", views.propose_correction, name="propose_correction"),
    path("<int:pk>/publication/", views.publication_consent, name="publication_consent"),
    path("record/<int:pk>/", views.record_oral, name="record_oral"),
    path("approved/", views.approved_list, name="approved"),
    path("approved/<int:pk>/", views.approved_detail, name="approved_detail"),
    path("approved/<int:pk>/quote/", views.create_quote, name="create_quote"),
    path("quotes/", views.quote_list, name="quotes"),
    path("quotes/export.csv", views.export_quotes, name="export_quotes"),
    path("quotes/<int:pk>/edit/", views.edit_quote, name="edit_quote"),
    path("quotes/<int:pk>/delete/", views.delete_quote, name="delete_quote"),
    path("codes/", views.code_list, name="codes"),
    path("codes/new/", views.edit_code, name="create_code"),
    path("codes/<int:pk>/edit/", views.edit_code, name="edit_code"),
    path("approved/export.csv", views.export_approved, {"fmt": "csv"}, name="export_csv"),
    path("approved/export.json", views.export_approved, {"fmt": "json"}, name="export_json"),
]
