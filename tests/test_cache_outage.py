"""The shared cache (Redis) stops or stalls while gunicorn serves with several workers: people
still sign in, sign up and read the public pages at once; rate limits count again as soon as
Redis is back."""

import os
import signal
import time

import pytest

from core.cache import PAUSE_SECONDS
from tests.factories import PASSWORD, ListeningSessionFactory, UserFactory
from tests.processes import (
    REDIS,
    free_port,
    process_env,
    start_gunicorn,
    start_redis,
    stop,
    stop_redis,
)
from tests.test_production_shape import Person

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        REDIS is None and not os.environ.get("CI"), reason="redis-server is not installed here"
    ),
]
# Each worker process may wait this long once for a stalled cache before going on without it
# (the settings' socket timeout); a request that waits for it at every cache call takes several
# times as long.
CACHE_TIMEOUT = 2.0
# Bounds generous enough for a loaded machine.
DOWN_BOUND = 5.0
STALLED_BOUND = 4 * CACHE_TIMEOUT


@pytest.fixture
def site(transactional_db):
    port = free_port()
    redis = start_redis(port)
    env = process_env(
        DJANGO_SETTINGS_MODULE="tests.load.settings",
        TRUSTED_PROXY_COUNT="1",
        CACHE_URL=f"redis://127.0.0.1:{port}/0",
    )
    process, base = start_gunicorn(env, workers=3)
    state = {"redis": redis}
    yield base, port, state
    stop(process)
    if state["redis"].poll() is None:
        os.kill(state["redis"].pid, signal.SIGCONT)
        stop_redis(state["redis"])


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_sign_in_sign_up_and_public_pages_work_while_redis_is_down_or_stalled(site):
    base, port, state = site
    session = ListeningSessionFactory()
    people = [UserFactory(stakeholder=True) for _ in range(8)]
    assert Person(base, address="10.0.0.1").sign_in(people[0].email, PASSWORD) == "signed in"

    stop_redis(state["redis"])
    for number, person in enumerate(people[1:4], start=2):
        visitor = Person(base, address=f"10.0.0.{number}")
        outcome, seconds = timed(lambda v=visitor, p=person: v.sign_in(p.email, PASSWORD))
        assert outcome == "signed in"
        assert seconds < DOWN_BOUND
    visitor = Person(base, address="10.0.1.1")
    for path in ["/en/", f"/en/sessions/{session.slug}/", "/fr/"]:
        (status, _location, page), seconds = timed(lambda p=path: visitor.request(p))
        assert status == 200, path
        assert session.title in page
        assert seconds < DOWN_BOUND
    assert visitor.sign_up("new-during-outage@example.org") == 302

    # A stalled server (it accepts connections and never answers) costs at most the cache's
    # timeout once per worker process, not once per cache call.
    state["redis"] = start_redis(port)
    os.kill(state["redis"].pid, signal.SIGSTOP)
    walls = []
    for number, person in enumerate(people[4:7], start=20):
        visitor = Person(base, address=f"10.0.0.{number}")
        outcome, seconds = timed(lambda v=visitor, p=person: v.sign_in(p.email, PASSWORD))
        assert outcome == "signed in"
        walls.append(seconds)
    assert max(walls) < STALLED_BOUND, walls
    os.kill(state["redis"].pid, signal.SIGCONT)

    # Back: once every worker's pause has ended, failed sign-ins count again across the
    # workers, and the sixth failure for one email is locked, as with no outage.
    time.sleep(PAUSE_SECONDS + 1)
    attacker = Person(base, address="10.9.9.9")
    outcomes = [attacker.sign_in(people[7].email, "wrong password") for _ in range(7)]
    assert outcomes == ["refused"] * 5 + ["locked"] * 2
