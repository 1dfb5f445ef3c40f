"""Benchmark of Working Group 3's search: `make bench-search` (or `python -m bench.search [N]`).

A child process creates a throwaway database (PostgreSQL when DATABASE_URL names one: a
database beside it, called `<name>_bench_search`, dropped afterwards; SQLite in a temporary
folder otherwise), migrates it and seeds N approved interventions (5,000 by default) of about
300 words in English, French and Spanish, two thirds with an English translation, like
`make bench`. Signed in as a member of Working Group 3, it then requests the approved list
with searches (one and several words, with and without accents, in the three languages,
combined with a facet, another sort, page size and page), each several times, and prints
per search the matches, the median and maximum wall-clock time of the whole request (view,
queries, template), its CPU time in the Django process and the database's time, then one line:

    search: inputs=5000 p50_ms=… p95_ms=…

Target: p95 under 200 ms on PostgreSQL.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

DEFAULT_COUNT = 5000
ROUNDS = 7
TARGET_P95_MS = 200

SEARCHES = [
    {"q": "regularization"},
    {"q": "regularisation"},
    {"q": "régularisation employeurs"},
    {"q": "consulados citas"},
    {"q": "Renewal permits"},
    {"q": "pandemic", "sort": "newest"},
    {"q": "travailleurs saisonniers", "region": "africa"},
    {"q": "humanitarian visas", "theme": "labour-pathways", "per_page": "100"},
    {"q": "migrants", "page": "3"},
    {"q": '"digital platforms"'},
    {"q": "zzzunknownword"},
    {},
]


def _postgresql_bench_url(url: str) -> tuple[str, str, str]:
    """(URL of the throwaway database, URL of the server's maintenance database, its name)."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'listening'}_bench_search"
    bench = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return bench, maintenance, name


def _recreate_postgresql(maintenance_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg2

    conn = psycopg2.connect(maintenance_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def _matches(html: str) -> int:
    """The number of matches the page states ("1,234 approved interventions match")."""
    found = re.search(r"([\d,]+) approved interventions? match", html)
    return int(found.group(1).replace(",", "")) if found else -1


def run_one(count: int) -> dict:
    """Seed and measure in this process (a fresh child of `main`)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pack import seed
    from listening.roles import WORKING_GROUP

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(count)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seed_seconds = time.perf_counter() - started
    user = get_user_model().objects.create(username="wg3-bench", email="wg3-bench@example.org")
    user.groups.add(Group.objects.get(name=WORKING_GROUP))
    client = Client()
    client.force_login(user)

    rows, timings = [], []
    for params in SEARCHES:
        url = f"/en/interventions/approved/?{urlencode(params)}"
        client.get(url)  # warm the per-process caches once
        times, cpu = [], []
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        timings.extend(times)
        rows.append(
            {
                "search": urlencode(params) or "(no search)",
                "matches": _matches(response.content.decode()),
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "cpu_ms": round(statistics.median(cpu), 1),
                "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
                "queries": len(queries),
            }
        )
    timings.sort()
    return {
        "vendor": connection.vendor,
        "load": " ".join(f"{n:.2f}" for n in os.getloadavg()),
        "inputs": count,
        "seed_seconds": round(seed_seconds, 1),
        "rows": rows,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(int(argv[1]))))
        return 0
    count = int(argv[0]) if argv else DEFAULT_COUNT
    folder = Path(tempfile.mkdtemp(prefix="listening-bench-search-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "listening.settings.local",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PRIVATE_STORAGE_ROOT": str(folder / "private"),
    }
    # No Redis: the benchmark measures the search, not a cache.
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    database_url = os.environ.get("DATABASE_URL", "")
    maintenance = name = None
    if database_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], maintenance, name = _postgresql_bench_url(database_url)
        _recreate_postgresql(maintenance, name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    try:
        child = subprocess.run(  # our own module, fixed arguments
            [sys.executable, "-m", "bench.search", "--one", str(count)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    finally:
        if maintenance:
            _recreate_postgresql(maintenance, name, drop_only=True)
    if child.returncode != 0:
        print(child.stderr, file=sys.stderr)
        return child.returncode
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"{result['inputs']} approved inputs on {result['vendor']} "
        f"(seeded in {result['seed_seconds']} s); {ROUNDS} requests per search, "
        "milliseconds of the whole request (median and maximum wall clock; the median CPU of\n"
        "the Django process; the database's time in the last request):"
    )
    print(
        f"{'search':<50} {'matches':>8} {'median':>8} {'max':>8} {'cpu':>7} {'sql':>7} "
        f"{'queries':>7}"
    )
    for row in result["rows"]:
        print(
            f"{row['search'][:50]:<50} {row['matches']:>8} {row['median_ms']:>8.1f} "
            f"{row['max_ms']:>8.1f} {row['cpu_ms']:>7.1f} {row['sql_ms']:>7.1f} {row['queries']:>7}"
        )
    print(f"Load average during the run: {result['load']}")
    met = "met" if result["p95_ms"] < TARGET_P95_MS else "MISSED"
    print(f"Target: p95 < {TARGET_P95_MS} ms on PostgreSQL ({met} on {result['vendor']}).")
    print(f"search: inputs={result['inputs']} p50_ms={result['p50_ms']} p95_ms={result['p95_ms']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
