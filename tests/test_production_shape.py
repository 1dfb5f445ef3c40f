"""The account protections in the shape the README deploys: gunicorn with three worker
processes behind a proxy that appends the client's address to X-Forwarded-For, with the
rate limits on and counted in the shared cache (the database's, or Redis)."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import redis
from django.contrib.auth import get_user_model
from django.db import connection

from tests.factories import PASSWORD, UserFactory
from tests.processes import (
    REDIS,
    free_port,
    process_env,
    start_gunicorn,
    start_redis,
    stop,
    stop_redis,
)

pytestmark = pytest.mark.services
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOCKED = "Too many failed login attempts"
NEW_PASSWORD = "a-long-passphrase-9"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Person:
    """One person with a browser (cookies) behind the proxy, which reports `address`.

    Every request opens a new connection, so gunicorn hands them to any of its workers.
    `forged` is an X-Forwarded-For value the client itself sends; the proxy appends the
    address it saw after it.
    """

    def __init__(self, base: str, *, address: str, forged: str = ""):
        self.base = base
        self.forwarded_for = f"{forged}, {address}" if forged else address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"X-Forwarded-For": self.forwarded_for}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def submit(self, path: str, data: dict) -> tuple[int, str, str]:
        status, _location, page = self.request(path)
        assert status == 200, (path, status)
        return self.request(path, {"csrfmiddlewaretoken": CSRF.search(page).group(1), **data})

    def sign_in(self, email: str, password: str) -> str:
        status, _location, page = self.submit(
            "/en/accounts/login/", {"login": email, "password": password}
        )
        if status == 302:
            return "signed in"
        if status == 200:
            return "locked" if LOCKED in page else "refused"
        return str(status)

    def sign_up(self, email: str, password: str = NEW_PASSWORD) -> int:
        return self.submit(
            "/en/accounts/signup/", {"email": email, "password1": password, "password2": password}
        )[0]


@pytest.fixture(scope="module", params=["database cache", "redis cache"])
def server(request, django_db_setup, django_db_blocker):
    """gunicorn, 3 workers, on the test database; the proxy in front is trusted."""
    redis = None
    env = {"DJANGO_SETTINGS_MODULE": "tests.load.settings", "TRUSTED_PROXY_COUNT": "1"}
    if request.param == "redis cache":
        if REDIS is None:
            pytest.skip("redis-server is not installed here")
        port = free_port()
        redis = start_redis(port)
        env["CACHE_URL"] = f"redis://127.0.0.1:{port}/0"
    with django_db_blocker.unblock():
        process, base = start_gunicorn(process_env(**env), workers=3)
    yield SimpleNamespace(base=base, redis=redis)
    stop(process)
    if redis is not None:
        stop_redis(redis)


@pytest.fixture
def site(server, transactional_db):
    """The server with no rate-limit counts left from an earlier test."""
    if server.redis is None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM listening_cache")
    else:
        port = int(server.redis.args[server.redis.args.index("--port") + 1])
        redis.Redis(port=port).flushdb()
    return server.base


def test_the_email_lock_comes_at_exactly_the_sixth_failure(site):
    UserFactory(email="target@example.org")
    person = Person(site, address="198.51.100.10")
    outcomes = [person.sign_in("target@example.org", "wrong-password-0") for _ in range(5)]
    # The sixth attempt, and the ones after it, are refused even with the right password.
    outcomes += [person.sign_in("target@example.org", PASSWORD) for _ in range(3)]
    assert outcomes == ["refused"] * 5 + ["locked"] * 3


def test_one_persons_failures_never_lock_out_another(site):
    people = [UserFactory(email=f"colleague{n}@example.org") for n in range(10)]
    attacker = Person(site, address="203.0.113.66")
    attempts = [attacker.sign_in(f"guess{n}@example.org", "wrong-password-0") for n in range(32)]
    # 10 failures a minute from one address, 30 sign-in attempts a minute from one address.
    assert attempts == ["refused"] * 10 + ["locked"] * 20 + ["429"] * 2
    # A header the client forges itself does not hide its address: the proxy's comes last.
    forger = Person(site, address="203.0.113.66", forged="192.0.2.1")
    assert forger.sign_in(people[0].email, PASSWORD) == "429"
    outcomes = [
        Person(site, address=f"198.51.100.{20 + n}").sign_in(person.email, PASSWORD)
        for n, person in enumerate(people)
    ]
    assert outcomes == ["signed in"] * 10


def test_signups_from_one_address_get_429_from_the_21st(site):
    bot = Person(site, address="203.0.113.99")
    statuses = [bot.sign_up(f"bot{n}@example.org") for n in range(23)]
    assert statuses == [302] * 20 + [429] * 3
    assert Person(site, address="198.51.100.99").sign_up("someone@example.org") == 302


def test_twenty_parallel_signups_with_one_email_create_one_account_and_no_error(site):
    people = [Person(site, address=f"198.51.100.{100 + n}") for n in range(20)]
    tokens = []
    for person in people:
        page = person.request("/en/accounts/signup/")[2]
        tokens.append(CSRF.search(page).group(1))
    ready = threading.Barrier(len(people))

    def sign_up(n: int) -> int:
        email = "Double.Click@example.org" if n % 2 else "double.click@example.org"
        password = NEW_PASSWORD
        ready.wait()
        return people[n].request(
            "/en/accounts/signup/",
            {"csrfmiddlewaretoken": tokens[n], "email": email, "password1": password,
             "password2": password},
        )[0]  # fmt: skip

    with ThreadPoolExecutor(len(people)) as pool:
        statuses = list(pool.map(sign_up, range(len(people))))
    assert statuses == [302] * 20
    accounts = get_user_model().objects.filter(email__iexact="double.click@example.org")
    assert accounts.count() == 1
