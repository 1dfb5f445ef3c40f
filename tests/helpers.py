"""Small helpers shared by tests: broker access without mocks, the outbox run as a worker
would, PDF text, a canary web server, and hostile text."""

import io
import re
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from celery import current_app
from django.conf import settings
from django.db import connection
from kombu import pools
from pypdf import PdfReader

from briefs import tasks as brief_tasks
from core.enums import HeartbeatKind, OutboxStatus
from core.heartbeats import record_heartbeat
from core.models import OutboxMessage
from core.outbox import relay_outbox
from interventions import tasks as intervention_tasks
from sessions_app import tasks as session_tasks


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
    current_app._pool = None
    current_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def running_relay(interval: float = 0.2):
    """The outbox relay, in a thread of this process, for tests with an in-process worker."""
    stop = threading.Event()

    def relay():
        try:
            while not stop.wait(interval):
                relay_outbox()
        finally:
            connection.close()

    thread = threading.Thread(target=relay, name="outbox-relay", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def beat_all() -> None:
    """Heartbeats of a live worker, beat and relay, as the running platform records them."""
    for kind in HeartbeatKind.values:
        assert record_heartbeat(kind=kind) is True


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


# What each outbox row's task name runs, as a Celery worker would look it up.
OUTBOX_TASKS = {
    "sessions_app.tasks.task_send_registration_email": session_tasks.task_send_registration_email,
    "interventions.tasks.task_send_intervention_email": (
        intervention_tasks.task_send_intervention_email
    ),
    "briefs.tasks.task_send_brief_email": brief_tasks.task_send_brief_email,
}


def run_pending_outbox_tasks(*, purge: bool = False) -> int:
    """Run, in this process, the task of every pending outbox row, as a Celery worker would;
    return how many ran.

    No Celery worker runs in tests: after commit each task went to the broker, where nothing
    consumes it. Calling the task function with the row's id and kwargs is exactly what the
    worker would do (it claims the row, so a later real delivery does nothing). With
    `purge=True` the broker queue is emptied afterwards (a live server's requests did send).
    """
    ran = 0
    for message in OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("id"):
        OUTBOX_TASKS[message.task_name](outbox_id=message.pk, **message.kwargs)
        ran += 1
    if purge:
        purge_queue()
    return ran


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, with whitespace and zero-width spaces collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u200b", ""))


class _Canary(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args):
        pass


@contextmanager
def canary_server():
    """An HTTP server on a free local port that records every request it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# A body and title a browser must never interpret.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \'single\''
HOSTILE_ESCAPED = (
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
)


def intervention_form_data(theme, region, **overrides) -> dict:
    """A valid POST for the intervention form."""
    data = {
        "submission_token": "6f1c1d2e-8b1b-4c53-9a53-1f2b3c4d5e6f",
        "kind": "challenge",
        "title": "Regularization stalled",
        "body": "Offices closed for months and permits lapsed.",
        "language": "en",
        "primary_theme": str(theme.pk),
        "regions": [str(region.pk)],
        "countries": ["KE"],
        "credit": "named",
    }
    data.update(overrides)
    return data


def response_bytes(response) -> bytes:
    """The body of a response, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
