from django.urls import path

from . import views

app_name = "sessions_app"

# The session page itself (`<slug>/`, name "detail") and "my sessions" (`me/sessions/`, name
# "my_sessions") show what other apps own (the speakers, whether one may write): the project's
# URL conf adds them from the app that combines them.

urlpatterns = [
    path("", views.session_list, name="list"),
    path("me/profile/", views.profile, name="profile"),
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
    path("<slug:slug>/report/", views.held_report, name="held_report"),
    path("<slug:slug>/live/", views.live_page, name="live"),
    path("<slug:slug>/live/state/", views.live_state, name="live_state"),
    path("<slug:slug>/live/ask/", views.live_ask, name="live_ask"),
    path(
        "<slug:slug>/live/requests/<int:pk>/withdraw/",
        views.live_withdraw,
        name="live_withdraw",
    ),
    path("<slug:slug>/live/join/", views.live_join, name="live_join"),
    path("<slug:slug>/live/desk/", views.live_desk, name="live_desk"),
    path("<slug:slug>/live/desk/state/", views.live_desk_state, name="live_desk_state"),
    path("<slug:slug>/live/desk/act/", views.live_desk_action, name="live_desk_action"),
]
