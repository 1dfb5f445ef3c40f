"""Small helpers shared by tests: broker access without mocks."""

from contextlib import contextmanager

from celery import current_app


@contextmanager
def broker_url(url: str):
    """Point the Celery app at another broker for the duration (e.g. a closed port)."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.broker_write_url, conf.broker_read_url)
    _reset_pools()
    conf.broker_url, conf.broker_write_url, conf.broker_read_url = url, None, None
    try:
        yield
    finally:
        _reset_pools()
        conf.broker_url, conf.broker_write_url, conf.broker_read_url = saved


def _reset_pools() -> None:
    """Forget pooled broker connections, which remember the URL they were made for."""
    if current_app._pool is not None:
        current_app._pool.force_close_all()
        current_app._pool = None
    current_app.amqp._producer_pool = None


# A port nothing listens on: connections are refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def purge_queue(queue: str = "celery") -> None:
    with current_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def drain_queue(queue: str = "celery", *, timeout: float = 2.0) -> list[dict]:
    """Take every message waiting in `queue`; return (task name, kwargs) of each."""
    found = []
    with current_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=True, timeout=timeout)
                except simple.Empty:
                    break
                _args, kwargs, _embed = message.decode()
                found.append({"task": message.headers["task"], "kwargs": kwargs})
                message.ack()
                timeout = 0.5
        finally:
            simple.close()
    return found
