"""Small helpers shared by tests: broker access without mocks."""

import socket
import threading
from contextlib import contextmanager

from celery import current_app
from django.conf import settings


@contextmanager
def broker_url(url: str):
    """Point the Celery app at another broker for the duration (e.g. a closed port)."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.broker_write_url, conf.broker_read_url)
    saved_options = conf.broker_transport_options
    reset_broker_pools()
    conf.broker_url, conf.broker_write_url, conf.broker_read_url = url, None, None
    if url.startswith("redis://"):
        conf.broker_transport_options = dict(settings.REDIS_TRANSPORT_OPTIONS)
    try:
        yield
    finally:
        reset_broker_pools()
        conf.broker_url, conf.broker_write_url, conf.broker_read_url = saved
        conf.broker_transport_options = saved_options


def reset_broker_pools() -> None:
    """Forget pooled broker connections, which remember the URL they were made for."""
    from kombu import pools

    current_app._pool = None
    current_app.amqp._producer_pool = None
    pools.reset()


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


@contextmanager
def blackhole_server():
    """A TCP server on a free local port that accepts connections and never answers.

    Yields its redis:// URL. Used to show a stalled broker cannot hang a request.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                continue
            held.append(conn)  # keep it open, say nothing

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()
