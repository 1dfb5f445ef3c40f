from django.urls import path

from . import views

app_name = "sessions_app"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("me/profile/", views.profile, name="profile"),
    path("me/sessions/", views.my_sessions, name="my_sessions"),
    path(
        "me/registrations/<int:pk>/calendar.ics",
        views.registration_calendar,
        name="registration_calendar",
    ),
    path(
        "me/registrations/<int:pk>/cancel/",
        views.cancel_registration,
        name="cancel_registration",
    ),
    path("<slug:slug>/", views.session_detail, name="detail"),
    path("<slug:slug>/register/", views.register, name="register"),
]
