import pytest

from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import canary_server


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


@pytest.fixture
def canary():
    with canary_server() as server:
        yield server
