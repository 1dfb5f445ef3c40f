"""Benchmark of the pages at 20,000 inputs: `make bench-pages` (or `python -m bench.pages`).

Creates a throwaway database (PostgreSQL, named after the one in DATABASE_URL with `_pages`,
when DATABASE_URL points at PostgreSQL; a temporary SQLite file otherwise), migrates it,
collects the static files and serves it with gunicorn as in production (production settings,
3 sync workers, requests arriving as HTTPS from the proxy). It seeds 15 approved inputs,
measures Working Group 3's list of approved inputs, then seeds up to 20,000 approved inputs
and 20,000 registrations (bulk inserts) and measures:

- the server CPU per request (user and system time of the gunicorn workers, read from /proc
  before and after a run of sequential requests) of the WG3 list, at 15 and at 20,000;
- the pack request (the POST of the session's pack form, each time with no pack to reuse):
  its server CPU per request;
- the CSV and JSON exports of the 20,000 inputs: their size and the largest growth of a
  worker's resident memory while it sends them (sampled every few milliseconds);
- the admin's registrations changelist at 20,000 registrations: server CPU per request;
- the public session page for anonymous visitors against a bare view of the same server
  (`/robots.txt`): requests per second with three client processes.

Beside each server CPU figure the table shows the CPU of the PostgreSQL backends serving the
workers (their connections are kept) and the median wall time. It prints a table and ends
with one line:
`pages: wg3_list_ratio=… pack_request_ms=… export_mb=… admin_ms=… session_page_ratio=…`.
"""

import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

from bench.throwaway import drop_database, free_port, throwaway_database

ROOT = Path(__file__).resolve().parents[1]
SMALL, LARGE = 15, 20_000
REGISTRATIONS = 20_000
WORKERS = 3
CPU_REQUESTS = 20
PACK_REQUESTS = 5
THROUGHPUT_SECONDS = 5.0
CLIENTS = 3
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TARGETS = (
    "targets: wg3_list_ratio <= 1.3, pack_request_ms < 100, export_mb < 50, admin_ms < 60, "
    "session_page_ratio >= 0.3"
)


# Seeding ----------------------------------------------------------------------------------


def _texts(language: str, count: int, words: int) -> list[str]:
    from bench.pack import _text

    rng = random.Random(f"{language}-{words}")
    return [_text(rng, language, words) for _ in range(count)]


def seed_session():
    """The session every input belongs to, open for registration, with an agenda."""
    from datetime import timedelta

    from django.utils import timezone

    from sessions_app.enums import AgendaItemKind, SessionStatus
    from sessions_app.models import AgendaItem, ListeningSession

    now = timezone.now()
    session = ListeningSession.objects.create(
        slug="bench-pages",
        title="Stakeholder Listening Session: COVID-19 and regular pathways",
        summary="How COVID-19 changed migrants' access to regular pathways.",
        starts_at=now + timedelta(days=20),
        duration_minutes=120,
        capacity=50_000,
        registration_opens_at=now - timedelta(days=5),
        registration_closes_at=now + timedelta(days=19),
        intervention_deadline=now + timedelta(days=15),
        organizers="Working Group 3 of the UN Network on Migration",
        status=SessionStatus.OPEN,
    )
    kinds = [AgendaItemKind.OPENING, AgendaItemKind.OPEN_FLOOR, AgendaItemKind.CLOSING]
    for order, kind in enumerate(kinds):
        AgendaItem.objects.create(
            session=session,
            order=order,
            start_offset_minutes=order * 40,
            duration_minutes=40,
            kind=kind,
            title=f"Agenda item {order + 1}",
        )
    return session


def seed_interventions(*, session, start: int, stop: int) -> None:
    """Approved interventions number `start` to `stop` of the session (about 300 words each,
    in English, French and Spanish, with translations, themes and regions), in bulk."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from interventions.enums import Credit, InterventionKind, InterventionStatus
    from interventions.models import Intervention, Region, Theme, format_reference
    from sessions_app.enums import StakeholderType
    from sessions_app.models import ListeningSession

    texts = {language: _texts(language, 60, 300) for language in ("en", "fr", "es")}
    titles = {language: _texts(language, 60, 9) for language in ("en", "fr", "es")}
    themes = list(Theme.objects.order_by("order"))
    regions = list(Region.objects.order_by("order"))
    kinds = list(InterventionKind.values)
    stakeholder_types = list(StakeholderType.values)
    credits = list(Credit.values)
    countries = ["SN", "ML", "KE", "MX", "GT", "HT", "FR", "ES", "LB", "JO", "PH", "NP", "BD"]
    author = get_user_model().objects.get(username="bench-author@example.org")
    now = timezone.now()
    batch = 2000
    for first in range(start, stop, batch):
        numbers = range(first, min(first + batch, stop))
        rows = []
        for n in numbers:
            language = ("en", "fr", "es")[n % 3]
            translated = language != "en" and n % 10 != 1
            rows.append(
                Intervention(
                    session=session,
                    # Bulk inserts skip `save()`, which gives the source ID.
                    reference=format_reference(session_number=session.number, number=n + 1),
                    author=author,
                    kind=kinds[n % len(kinds)],
                    title=titles[language][n % 60].rstrip(".")[:200],
                    body=texts[language][n % 60],
                    language=language,
                    english_title=titles["en"][(n + 7) % 60].rstrip(".") if translated else "",
                    english_text=texts["en"][(n + 7) % 60] if translated else "",
                    primary_theme=themes[n % len(themes)],
                    countries=[countries[n % 13], countries[(n * 5) % 13]],
                    credit=credits[n % len(credits)],
                    credit_name=f"Person {n}",
                    credit_organization=f"Organization {n % 80}",
                    stakeholder_type=stakeholder_types[n % len(stakeholder_types)],
                    status=InterventionStatus.APPROVED,
                    submitted_at=now,
                    decided_at=now,
                )
            )
        created = Intervention.objects.bulk_create(rows)
        Intervention.themes.through.objects.bulk_create(
            Intervention.themes.through(intervention=i, theme=themes[(n + 2) % len(themes)])
            for n, i in zip(numbers, created, strict=True)
            if n % 2
        )
        Intervention.regions.through.objects.bulk_create(
            Intervention.regions.through(intervention=i, region=region)
            for n, i in zip(numbers, created, strict=True)
            for region in {regions[n % len(regions)], regions[(n * 7) % len(regions)]}
        )
    ListeningSession.objects.filter(pk=session.pk).update(last_intervention_number=stop)


def seed_registrations(*, session, count: int) -> None:
    """`count` people (users in bulk, no password) registered for the session, in bulk."""
    from django.contrib.auth import get_user_model

    from interventions.models import Region
    from sessions_app.enums import RegistrationStatus, StakeholderType
    from sessions_app.models import Registration

    User = get_user_model()
    regions = list(Region.objects.order_by("order"))
    countries = ["SN", "ML", "KE", "MX", "GT", "HT", "FR", "ES", "LB", "JO", "PH", "NP", "BD"]
    stakeholder_types = list(StakeholderType.values)
    statuses = [RegistrationStatus.CONFIRMED] * 8 + [
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
    ]
    batch = 5000
    for first in range(0, count, batch):
        numbers = range(first, min(first + batch, count))
        users = User.objects.bulk_create(
            User(
                username=f"registrant{n}@example.org",
                email=f"registrant{n}@example.org",
                password="!",
            )
            for n in numbers
        )
        Registration.objects.bulk_create(
            Registration(
                session=session,
                user=user,
                status=statuses[n % len(statuses)],
                organization=f"Organisation pour les droits des migrants nº {n % 900}",
                stakeholder_type=stakeholder_types[n % len(stakeholder_types)],
                country=countries[n % len(countries)],
                region=regions[n % len(regions)],
                consent_to_be_listed=n % 3 != 0,
            )
            for n, user in zip(numbers, users, strict=True)
        )


def signed_in_cookie(*, wg3: bool = False, superuser: bool = False) -> str:
    """A session cookie of a new user with the role, saved where the server reads sessions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from listening.roles import WORKING_GROUP

    User = get_user_model()
    name = "bench-wg3@example.org" if wg3 else "bench-admin@example.org"
    user = User.objects.create_user(
        username=name, email=name, is_staff=superuser, is_superuser=superuser
    )
    if wg3:
        user.groups.add(Group.objects.get(name=WORKING_GROUP))
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


# Measuring --------------------------------------------------------------------------------


class Server:
    """The gunicorn server: requests to it, and the CPU time and memory of its workers."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process, self.port = process, port

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS

    def database_cpu(self) -> dict[int, int]:
        """CPU ticks of each PostgreSQL backend serving the workers (their connections are
        kept); empty on SQLite, whose work the workers do themselves."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        ticks = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # another machine, or the backend ended
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])
        return ticks

    def database_cpu_seconds(self, since: dict[int, int]) -> float:
        """Seconds of database CPU since the `database_cpu()` snapshot `since` (a backend that
        ended meanwhile, its connection expired, is left out)."""
        now = self.database_cpu()
        return sum(ticks - since.get(pid, 0) for pid, ticks in now.items()) / TICKS

    def resident(self) -> dict[int, int]:
        return {
            pid: int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
            for pid in self.workers()
        }

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        cookie: str = "",
        body: str = "",
        headers: dict | None = None,
    ) -> tuple[int, dict, int, bytes]:
        """One request on a new connection (as browsers behind the proxy); returns status,
        headers, body size and the first 256 kB of the body."""
        connection = HTTPConnection("127.0.0.1", self.port, timeout=300)
        sent = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        if cookie:
            sent["Cookie"] = cookie
        if body:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        connection.request(method, path, body=body.encode() or None, headers=sent)
        response = connection.getresponse()
        head, size = b"", 0
        while chunk := response.read(65536):
            if len(head) < 262144:
                head += chunk
            size += len(chunk)
        connection.close()
        return response.status, dict(response.getheaders()), size, head

    def cpu_per_request(self, path: str, *, cookie: str = "", count: int = CPU_REQUESTS) -> dict:
        """Milliseconds of worker CPU per request, and the median wall time, over `count`."""
        status, *_ = self.request(path, cookie=cookie)  # warm up the worker's caches
        assert status == 200, (path, status)
        walls = []
        before, database_before = self.cpu_seconds(), self.database_cpu()
        for _ in range(count):
            started = time.perf_counter()
            status, *_ = self.request(path, cookie=cookie)
            walls.append(time.perf_counter() - started)
            assert status == 200, (path, status)
        cpu = (self.cpu_seconds() - before) / count
        database = self.database_cpu_seconds(database_before) / count
        return {
            "cpu_ms": cpu * 1000,
            "db_ms": database * 1000,
            "wall_ms": statistics.median(walls) * 1000,
        }

    def memory_growth(self, path: str, *, cookie: str) -> tuple[float, float]:
        """Size of the response (MB) and the largest growth of a worker's resident memory
        (MB) while it was being answered."""
        baseline = self.resident()
        peaks = dict(baseline)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid, rss in self.resident().items():
                    peaks[pid] = max(peaks.get(pid, 0), rss)
                time.sleep(0.003)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status, _headers, size, _head = self.request(path, cookie=cookie)
        done.set()
        sampler.join()
        assert status == 200, (path, status)
        growth = max(peaks[pid] - baseline.get(pid, peaks[pid]) for pid in peaks)
        return size / 2**20, growth / 2**20


def _hammer(port: int, path: str, seconds: float, results) -> None:
    server = Server.__new__(Server)
    server.port = port
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, *_ = server.request(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        count += 1
    results.put(count)


def throughput(port: int, path: str) -> float:
    """Requests per second answered with CLIENTS client processes for THROUGHPUT_SECONDS."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    clients = [
        context.Process(target=_hammer, args=(port, path, THROUGHPUT_SECONDS, results))
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    total = sum(results.get(timeout=THROUGHPUT_SECONDS + 60) for _ in clients)
    for client in clients:
        client.join()
    return total / THROUGHPUT_SECONDS


def pack_requests(server: Server, *, session, cookie: str) -> dict:
    """POST the pack form PACK_REQUESTS times, each with no pack to reuse (the previous one
    is deleted first): median milliseconds to the answer, and worker CPU per request."""
    from briefs.models import BriefPack

    path = f"/en/packs/session/{session.slug}/"
    status, headers, _size, page = server.request(path, cookie=cookie)
    assert status == 200, status
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    cookies = f"{cookie}; csrftoken={csrf_cookie}"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token})
    referer = {"Referer": f"https://127.0.0.1:{server.port}{path}"}
    walls, cpu, database = [], 0.0, 0.0
    for _ in range(PACK_REQUESTS):
        BriefPack.objects.all().delete()
        before, database_before = server.cpu_seconds(), server.database_cpu()
        started = time.perf_counter()
        status, headers, *_ = server.request(
            path, method="POST", cookie=cookies, body=body, headers=referer
        )
        walls.append(time.perf_counter() - started)
        cpu += server.cpu_seconds() - before
        database += server.database_cpu_seconds(database_before)
        assert status == 302 and "/packs/" in headers.get("Location", ""), (status, headers)
    assert BriefPack.objects.get().intervention_count == LARGE
    return {
        "wall_ms": statistics.median(walls) * 1000,
        "cpu_ms": cpu / PACK_REQUESTS * 1000,
        "db_ms": database / PACK_REQUESTS * 1000,
    }


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="listening-pages-"))
    database = throwaway_database(workdir, suffix="pages")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "listening.settings.production",
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-pages-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PRIVATE_STORAGE_ROOT": str(workdir / "private"),
            "CELERY_BROKER_DIR": str(workdir / "broker"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    session = seed_session()
    get_user_model().objects.create_user(username="bench-author@example.org", password="!")
    seed_interventions(session=session, start=0, stop=SMALL)
    wg3 = signed_in_cookie(wg3=True)
    admin = signed_in_cookie(superuser=True)
    connections.close_all()
    print(f"migrated and seeded {SMALL} inputs in {time.perf_counter() - started:.1f} s")

    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "listening.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "300",
         "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(), start_new_session=True,
    )  # fmt: skip
    server = Server(process, port)
    try:
        for _ in range(300):
            try:
                if server.request("/robots.txt")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        results = {}
        results["list_small"] = server.cpu_per_request("/en/interventions/approved/", cookie=wg3)

        started = time.perf_counter()
        seed_interventions(session=session, start=SMALL, stop=LARGE)
        seed_registrations(session=session, count=REGISTRATIONS)
        if connections["default"].vendor == "postgresql":
            # As autovacuum leaves a table that grew: statistics for the planner, visibility.
            with connections["default"].cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        connections.close_all()
        seconds = time.perf_counter() - started
        print(f"seeded {LARGE} inputs and {REGISTRATIONS} registrations in {seconds:.1f} s")

        results["list_large"] = server.cpu_per_request("/en/interventions/approved/", cookie=wg3)
        results["pack"] = pack_requests(server, session=session, cookie=wg3)
        results["csv"] = server.memory_growth("/en/interventions/approved/export.csv", cookie=wg3)
        results["json"] = server.memory_growth("/en/interventions/approved/export.json", cookie=wg3)
        results["admin"] = server.cpu_per_request(
            "/en/admin/sessions_app/registration/", cookie=admin
        )
        results["session_rps"] = throughput(port, f"/en/sessions/{session.slug}/")
        results["bare_rps"] = throughput(port, "/robots.txt")
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        connections.close_all()
        drop_database(database)

    small, large, pack = results["list_small"], results["list_large"], results["pack"]
    ratio = large["cpu_ms"] / max(small["cpu_ms"], 0.001)
    export_mb = max(results["csv"][1], results["json"][1])
    page_ratio = results["session_rps"] / results["bare_rps"]
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print()
    print(f"{engine}, gunicorn with {WORKERS} sync workers, production settings")
    print()

    def cpu(figures: dict) -> str:
        return (
            f"{figures['cpu_ms']:.1f} ms (database {figures['db_ms']:.1f} ms, "
            f"wall {figures['wall_ms']:.0f} ms)"
        )

    print(f"| what | {SMALL} inputs | {LARGE:,} inputs |")
    print("|---|---|---|")
    print(f"| WG3 approved list, server CPU per request | {cpu(small)} | {cpu(large)} |")
    print(f"| pack request POST (no pack to reuse), server CPU | | {cpu(pack)} |")
    for name in ("csv", "json"):
        size, growth = results[name]
        print(
            f"| {name.upper()} export: size, worker memory growth | | {size:.0f} MB, "
            f"{growth:.1f} MB |"
        )
    print(
        f"| registrations changelist ({REGISTRATIONS:,}), server CPU per request | | "
        f"{cpu(results['admin'])} |"
    )
    print(
        f"| session page / bare view, req/s ({CLIENTS} clients) | | "
        f"{results['session_rps']:.0f} / {results['bare_rps']:.0f} |"
    )
    print()
    print(TARGETS)
    print(
        f"pages: wg3_list_ratio={ratio:.2f} pack_request_ms={pack['cpu_ms']:.1f} "
        f"export_mb={export_mb:.1f} admin_ms={results['admin']['cpu_ms']:.1f} "
        f"session_page_ratio={page_ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
