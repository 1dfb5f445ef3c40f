"""Short broker connections for the web side: the health check and the outbox relay try
once and report, instead of reconnecting for ever as the worker does."""

from celery import current_app
from kombu import Connection

ONE_TRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def short_connection() -> Connection:
    """A connection to the broker that gives up after one failed try (use it in `with`)."""
    return current_app.connection_for_write(transport_options=ONE_TRY)
