"""Failures someone hears about: ADMINS get one mail per distinct failure, and Sentry events
carry no personal data."""

import pytest
import sentry_sdk
from celery import shared_task
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import clear_url_caches, path

from listening.observability import init_sentry, scrub_event

PERSONAL = "ana.example" + "@example.org"  # built at run time: not in the source context
attempts = []


def broken_view(request):
    raise ValueError(f"cannot save the profile of {PERSONAL}")


urlpatterns = [path("broken/", broken_view)]


@shared_task(
    name="tests.test_alerts.task_always_fails",
    bind=True,
    autoretry_for=(ValueError,),
    max_retries=2,
    default_retry_delay=0,
    retry_backoff=False,
)
def task_always_fails(self, *, email: str) -> None:
    attempts.append(self.request.retries)
    raise ValueError(f"no mailbox for {email}")


@pytest.fixture(autouse=True)
def _admins(settings):
    settings.ADMINS = [("Secretariat", "secretariat@example.org")]
    cache.clear()
    attempts.clear()
    yield
    cache.clear()


@pytest.mark.urls("tests.test_alerts")
@pytest.mark.django_db
def test_unhandled_error_mails_admins_once_without_personal_data_in_the_subject():
    client = Client(raise_request_exception=False)

    first = client.get("/broken/", {"email": PERSONAL})
    second = client.get("/broken/", {"email": "someone.else@example.org"})

    assert (first.status_code, second.status_code) == (500, 500)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["secretariat@example.org"]
    assert message.subject == "[Django] ERROR (EXTERNAL IP): ValueError (django.request)"
    assert "example.org" not in message.subject


@pytest.mark.urls("tests.test_alerts")
@pytest.mark.django_db
def test_the_same_error_mails_again_after_the_window():
    client = Client(raise_request_exception=False)
    client.get("/broken/")
    cache.clear()  # the window has passed
    client.get("/broken/")

    assert len(mail.outbox) == 2


def test_failed_task_mails_admins_once_after_its_retries():
    task_always_fails.apply(kwargs={"email": PERSONAL})
    task_always_fails.apply(kwargs={"email": PERSONAL})

    assert attempts == [0, 1, 2, 0, 1, 2]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (
        message.subject == "[Django] Task failed: tests.test_alerts.task_always_fails (ValueError)"
    )
    assert message.to == ["secretariat@example.org"]
    assert "Traceback" in message.body


def test_a_task_that_succeeds_after_a_retry_mails_nobody():
    @shared_task(
        name="tests.test_alerts.task_fails_once",
        bind=True,
        autoretry_for=(ValueError,),
        max_retries=2,
        default_retry_delay=0,
    )
    def task_fails_once(self):
        attempts.append(self.request.retries)
        if self.request.retries == 0:
            raise ValueError("first attempt")

    task_fails_once.apply()

    assert attempts == [0, 1]
    assert mail.outbox == []


@pytest.fixture
def sentry_events(settings):
    events = []
    init_sentry(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        transport=lambda event: events.append(event),
    )
    # Set after Sentry patched Django's handler, so the patched handler resolves this module.
    settings.ROOT_URLCONF = "tests.test_alerts"
    clear_url_caches()
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


@pytest.mark.urls("tests.test_alerts")
@pytest.mark.django_db
def test_scrub_keeps_only_the_method_and_the_url_without_its_query():
    event = {
        "user": {"email": PERSONAL},
        "request": {
            "method": "POST",
            "url": f"https://listening.example.org/en/privacy/?email={PERSONAL}",
            "data": {"email": PERSONAL},
            "cookies": {"sessionid": "secret"},
            "headers": {"Cookie": "sessionid=secret"},
        },
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"email": PERSONAL}}]}}]},
        "breadcrumbs": {"values": [{"message": PERSONAL, "data": {"email": PERSONAL}}]},
        "extra": {"email": PERSONAL},
    }

    scrubbed = scrub_event(event)

    assert scrubbed == {
        "request": {"method": "POST", "url": "https://listening.example.org/en/privacy/"},
        "exception": {"values": [{"stacktrace": {"frames": [{}]}}]},
        "breadcrumbs": {"values": [{}]},
    }


def test_sentry_events_carry_no_personal_data(sentry_events):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/", {"email": PERSONAL})
    assert response.status_code == 500
    sentry_sdk.flush()

    assert len(sentry_events) == 1
    event = sentry_events[0]
    assert event["exception"]["values"][0]["type"] == "ValueError"
    assert "user" not in event
    assert set(event.get("request", {})) <= {"method", "url"}
    serialized = repr(event)
    assert PERSONAL not in serialized.replace("cannot save the profile of " + PERSONAL, "")
