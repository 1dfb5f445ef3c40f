from django.urls import path

from . import views

app_name = "sessions_app"

# The session page itself (`<slug>/`, name "detail") shows what other apps own (the speakers,
# whether one may write): the project's URL conf adds it from the app that combines them.

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
    path("<slug:slug>/register/", views.register, name="register"),
]
