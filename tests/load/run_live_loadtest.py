"""`make loadtest-live`: 300 participants follow a live session, polling the live page's state
view at the rate the page uses, while the desk advances the queue every few seconds. Prints the
figures and ends with one line for the state view:

    live: users=<n> rps=<requests per second> p50_ms=<…> p95_ms=<…> errors=<server errors>

It fails unless every participant polled, p95 is under 150 ms and no request got a 5xx.
Uses a throwaway database (a fresh PostgreSQL database named after DATABASE_URL's when it points
at PostgreSQL, else a temporary SQLite file) and gunicorn's sync workers on 127.0.0.1 only.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.throwaway import drop_database, free_port, throwaway_database

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("LOADTEST_LIVE_USERS", "300"))
RUN_TIME = os.environ.get("LOADTEST_LIVE_RUN_TIME", "60s")
WORKERS = os.environ.get("LOADTEST_LIVE_WORKERS", "4")
DESK_EVERY = float(os.environ.get("LOADTEST_LIVE_DESK_EVERY", "3"))
P95_TARGET_MS = 150
BIN = Path(sys.executable).parent

SETUP = """
import json, sys
import django
django.setup()
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone
from interventions.models import Region
from listening.roles import SECRETARIAT
from sessions_app.models import AgendaItem, FloorRequest, ListeningSession, Profile, Registration

call_command("migrate", verbosity=0)
users = int(sys.argv[1])
now = timezone.now()
session = ListeningSession.objects.create(
    slug="live-load", title="Live load test", starts_at=now - timedelta(minutes=1),
    capacity=users, status="open", join_url="https://meet.example.org/live-load",
)
floor = AgendaItem.objects.create(session=session, order=1, kind="open_floor", title="Open floor")
ListeningSession.objects.filter(pk=session.pk).update(live_agenda_item=floor)
region = Region.objects.get(slug="africa")
User = get_user_model()
backend = settings.AUTHENTICATION_BACKENDS[0]


def signed_in(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(24 * 3600)
    store.save()
    return store.session_key


cookies = []
for n in range(users):
    email = f"live{n}@example.org"
    user = User.objects.create_user(username=email, email=email, password="live-load-password-1")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Profile.objects.create(user=user, full_name=f"Live {n}", organization=f"Org {n}",
        stakeholder_type="civil_society", country="KE", region=region, preferred_language="en")
    registration = Registration.objects.create(session=session, user=user, status="confirmed",
        organization=f"Org {n}", stakeholder_type="civil_society", country="KE", region=region,
        speaking_credit=("named", "organization", "anonymous")[n % 3])
    # A queue long enough for the whole run: two in three participants asked for the floor.
    if n % 3:
        FloorRequest.objects.create(session=session, agenda_item=floor, registration=registration,
            language=("en", "fr", "es")[n % 3], topic=f"Topic {n}", position=n + 1,
            credit=registration.speaking_credit, credit_name=f"Live {n}",
            credit_organization=f"Org {n}")
    cookies.append(signed_in(user))
staff = User.objects.create_user(username="desk@example.org", email="desk@example.org",
    password="live-load-password-1", is_staff=True)
staff.groups.add(Group.objects.get(name=SECRETARIAT))
print(json.dumps({"session": session.slug, "participants": cookies, "desk": signed_in(staff),
    "poll_ms": settings.LIVE_POLL_INTERVAL_MS}))
"""

COUNT = """
import json, django
django.setup()
from django.db.models import Count
from sessions_app.models import FloorRequest
print(json.dumps(dict(FloorRequest.objects.values_list("status").annotate(n=Count("id")))))
"""


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is the parent pid; [11], [12] are user and system time in ticks.
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="listening-live-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.load.settings",
        "DATABASE_URL": throwaway_database(workdir, suffix="live_load"),
        "CELERY_BROKER_DIR": str(workdir / "broker"),
        "PRIVATE_STORAGE_ROOT": str(workdir / "private"),
        "PYTHONPATH": str(ROOT),
        # As in production: keep database connections between requests.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    env.pop("REDIS_URL", None)
    plan = subprocess.run(
        [sys.executable, "-c", SETUP, str(USERS)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    plan_path = workdir / "plan.json"
    plan_data = json.loads(plan.strip().splitlines()[-1])
    plan_data["desk_every"] = DESK_EVERY
    plan_path.write_text(json.dumps(plan_data))
    result_path = workdir / "result.json"
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "listening.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", WORKERS, "--worker-class", "sync", "--timeout", "60",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        server_cpu_before = process_tree_cpu(server.pid)
        locust_started = time.monotonic()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "tests/load/live_locustfile.py"), "--headless",
             "-u", str(USERS + 1), "-r", "50", "--run-time", RUN_TIME, "--stop-timeout", "5",
             "--reset-stats", "--host", f"http://127.0.0.1:{port}", "--only-summary"],
            cwd=ROOT, check=False,
            env={**env, "LOADTEST_PLAN": str(plan_path), "LOADTEST_RESULT": str(result_path)},
        )  # fmt: skip
        wall = time.monotonic() - locust_started
        server_cpu = process_tree_cpu(server.pid) - server_cpu_before
        load = os.getloadavg()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    statuses = json.loads(
        subprocess.run(
            [sys.executable, "-c", COUNT], cwd=ROOT, env=env, check=True, capture_output=True,
            text=True,
        ).stdout
    )  # fmt: skip
    drop_database(env["DATABASE_URL"])
    result = json.loads(result_path.read_text())
    state = result["state"]
    participants = result["participants"]
    actions = result["desk_actions"]
    print()
    print(f"participants          {participants}")
    print(f"poll interval (ms)    {plan_data['poll_ms']}")
    print(f"gunicorn sync workers {WORKERS}")
    cores = server_cpu / wall
    print(f"server CPU            {server_cpu:.1f} s in {wall:.0f} s ({cores:.2f} cores)")
    print(f"machine load (1 min)  {load:.1f} on {os.cpu_count()} cores (others' work included)")
    print(f"state requests        {state['requests']}")
    print(f"state p99 (ms)        {state['p99']}")
    print(f"desk actions          {len(actions)} ({', '.join(sorted(set(actions)))})")
    print(f"floor requests        {statuses}")
    print(f"other failures        {result['total_failures'] - result['server_errors']}")
    for error in result["errors"]:
        print(f"  {error['occurrences']} × {error['name']}: {error['error']}")
    ok = (
        participants == USERS
        and result["server_errors"] == 0
        and result["total_failures"] == 0
        and state["p95"] is not None
        and state["p95"] < P95_TARGET_MS
        and len(actions) > 0
    )
    print("RESULT                " + ("ok" if ok else "FAILED"))
    print(
        f"live: users={participants} rps={state['rps']:.1f} p50_ms={state['p50']} "
        f"p95_ms={state['p95']} errors={result['server_errors']}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
