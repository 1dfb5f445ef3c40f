import io
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader

from listening.roles import SECRETARIAT, WORKING_GROUP
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, with whitespace and zero-width spaces collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u200b", ""))


@pytest.fixture
def wg3_user(db):
    return UserFactory(groups=[WORKING_GROUP])


@pytest.fixture
def secretariat_user(db):
    return UserFactory(groups=[SECRETARIAT])


@pytest.fixture
def pack_session(db):
    return ListeningSessionFactory(
        title="Listening on regular pathways",
        brief_title="The Impact of COVID 19 on Regular Migration Pathways",
        organizers="Working Group 3 of the UN Network on Migration",
    )


@pytest.fixture
def approved(pack_session):
    def make(**kwargs):
        kwargs.setdefault("session", pack_session)
        kwargs.setdefault("status", "approved")
        return InterventionFactory(**kwargs)

    return make


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


@pytest.fixture
def canary():
    with canary_server() as server:
        yield server
