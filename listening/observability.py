"""Error reporting to Sentry (only when SENTRY_DSN is set), with personal data scrubbed.

Imported by the settings: it must not import models.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

# What an event may carry about a request: its method and the view's URL without the query.
KEPT_REQUEST_KEYS = ("method", "url")


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Remove what could identify a person from a Sentry event: the user, cookies, headers,
    query strings, request bodies, local variables and breadcrumbs' messages."""
    event.pop("user", None)
    request = event.get("request")
    if request:
        event["request"] = {key: request[key] for key in KEPT_REQUEST_KEYS if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = event["request"]["url"].split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb.pop("data", None)
        crumb.pop("message", None)
    event.pop("extra", None)
    return event


def init_sentry(*, dsn: str, environment: str, **options) -> None:
    """Send unhandled errors and failed tasks to Sentry, without personal data."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        traces_sample_rate=0.0,
        **options,
    )
