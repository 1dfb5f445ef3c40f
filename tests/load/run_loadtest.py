"""`make loadtest`: 300 stakeholders register for a 100-seat session and submit interventions
against a local server; print the figures and check the outcome.

Uses a throwaway database: a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL,
else a temporary SQLite file. Traffic goes to 127.0.0.1 only, bounded in users and time.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.throwaway import drop_database, free_port, throwaway_database

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("LOADTEST_USERS", "300"))
SEATS = int(os.environ.get("LOADTEST_SEATS", "100"))
RUN_TIME = os.environ.get("LOADTEST_RUN_TIME", "300s")
BIN = Path(sys.executable).parent

SETUP = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from allauth.account.models import EmailAddress
from interventions.models import Region, Theme
from sessions_app.models import ListeningSession, Profile
from django.utils import timezone
from datetime import timedelta
call_command("migrate", verbosity=0)
users, seats, password = int(sys.argv[1]), int(sys.argv[2]), "load-test-password-1"
now = timezone.now()
session = ListeningSession.objects.create(
    slug="load-test", title="Load test session", starts_at=now + timedelta(days=10),
    capacity=seats, registration_opens_at=now - timedelta(days=1),
    registration_closes_at=now + timedelta(days=9), intervention_deadline=now + timedelta(days=8),
    status="open", word_limit=500,
)
region = Region.objects.get(slug="africa")
User = get_user_model()
emails = []
for n in range(users):
    email = f"load{n}@example.org"
    user = User.objects.create_user(username=email, email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Profile.objects.create(user=user, full_name=f"Load {n}", organization=f"Org {n}",
        stakeholder_type="civil_society", country="KE", region=region)
    emails.append(email)
print(json.dumps({"session": session.slug, "emails": emails, "password": password, "users": users,
    "theme": Theme.objects.get(slug="regularization").pk, "region": region.pk}))
"""

COUNT = """
import json, django
django.setup()
from sessions_app.models import Registration
from interventions.models import Intervention
from django.db.models import Count
by_status = dict(Registration.objects.values_list("status").annotate(n=Count("id")))
print(json.dumps({"registrations": by_status,
    "interventions": Intervention.objects.filter(session__slug="load-test").count(),
    "registered": sorted(Registration.objects.values_list("user__email", flat=True)),
    "submitted": sorted(Intervention.objects.values_list("author__email", flat=True))}))
"""
RESTART_DB = os.environ.get("LOADTEST_RESTART_DB") == "1"


def restart_postgresql() -> None:
    """Restart the local PostgreSQL cluster while the load runs."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    print(f"*** restarting PostgreSQL {version} during the load ***", flush=True)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="listening-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.load.settings",
        "DATABASE_URL": throwaway_database(workdir, suffix="load"),
        "CELERY_BROKER_DIR": str(workdir / "broker"),
        "PRIVATE_STORAGE_ROOT": str(workdir / "private"),
        "PYTHONPATH": str(ROOT),
        # The rate limits are on; each simulated user has its own address behind the proxy.
        "TRUSTED_PROXY_COUNT": "1",
    }
    # The outbox only fills up: no relay or worker is needed. The rate limits count in the
    # throwaway database's cache table, shared by the four gunicorn workers.
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    plan = subprocess.run(
        [sys.executable, "-c", SETUP, str(USERS), str(SEATS)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    plan_path = workdir / "plan.json"
    plan_path.write_text(plan.strip().splitlines()[-1])
    result_path = workdir / "result.json"
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "listening.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--threads", "2", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        started = time.monotonic()
        restarter = None
        if RESTART_DB:
            restarter = threading.Timer(5.0, restart_postgresql)
            restarter.start()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "tests/load/locustfile.py"), "--headless",
             "-u", str(USERS), "-r", "50", "--run-time", RUN_TIME, "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{port}", "--only-summary"],
            cwd=ROOT, check=False,
            env={**env, "LOADTEST_PLAN": str(plan_path), "LOADTEST_RESULT": str(result_path)},
        )  # fmt: skip
        elapsed = time.monotonic() - started
        if restarter is not None:
            restarter.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    try:
        counts = json.loads(
            subprocess.run(
                [sys.executable, "-c", COUNT],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    finally:
        drop_database(env["DATABASE_URL"])
    result = json.loads(result_path.read_text())
    total = result["total"]
    server_errors = sum(e["occurrences"] for e in result["errors"] if "server error" in e["error"])
    other_failures = total["failures"] - server_errors
    confirmed = counts["registrations"].get("confirmed", 0)
    waitlisted = counts["registrations"].get("waitlisted", 0)
    print()
    print(f"users                 {USERS}")
    print(f"seats                 {SEATS}")
    print(f"requests              {total['requests']}")
    print(f"server errors (5xx)   {server_errors}")
    print(f"other failures        {other_failures}")
    print(f"confirmed             {confirmed}")
    print(f"waitlisted            {waitlisted}")
    print(f"interventions stored  {counts['interventions']}")
    print(f"median latency (ms)   {total['p50']}")
    print(f"p95 latency (ms)      {total['p95']}")
    for name in ("login", "register", "submit intervention"):
        if name in result["by_name"]:
            print(f"p95 {name:<20}  {result['by_name'][name]['p95']} ms")
    print(f"wall time (s)         {elapsed:.1f}")
    ok = (
        server_errors == 0
        and other_failures == 0
        and confirmed == SEATS
        and waitlisted == USERS - SEATS
        and counts["interventions"] == USERS
    )
    lost_registrations = sorted(set(result["registered"]) - set(counts["registered"]))
    lost_interventions = sorted(set(result["submitted"]) - set(counts["submitted"]))
    print(
        f"acknowledged but lost {len(lost_registrations)} registrations, "
        f"{len(lost_interventions)} interventions"
    )
    if RESTART_DB:
        # Requests in flight during the restart may fail; what was acknowledged must be kept.
        ok = not lost_registrations and not lost_interventions and confirmed <= SEATS
    else:
        ok = ok and not lost_registrations and not lost_interventions
    print("RESULT                " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
