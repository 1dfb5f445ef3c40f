from django.urls import path

from . import views

app_name = "sessions_app"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("<slug:slug>/", views.session_detail, name="detail"),
]
