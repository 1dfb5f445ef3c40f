"""Real processes for tests of the production shape: a private Redis, Celery workers, the
outbox relay and gunicorn, all on 127.0.0.1, all against the test database."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, *, timeout: float = 90.0, interval: float = 0.2, what: str = ""):
    """Poll `condition` until it returns something true; return that, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")


def start_redis(port: int) -> subprocess.Popen:
    """A private Redis on `port`, without persistence (a restart loses every message)."""
    process = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return process


def stop_redis(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=10)


@contextmanager
def redis_server(port: int):
    """A private Redis on `port`, killed when the block ends."""
    process = start_redis(port)
    try:
        yield process
    finally:
        stop_redis(process)


def database_url() -> str:
    """The test database, as a URL another process can use."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT']}"
            f"/{params['NAME']}"
        )
    return f"sqlite:///{params['NAME']}"


def process_env(**extra: str) -> dict:
    """The environment of a platform process on the test database (local settings)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "listening.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "PRIVATE_STORAGE_ROOT": settings.STORAGES["private"]["OPTIONS"]["location"],
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_worker(env: dict, *args: str, log: Path | None = None) -> subprocess.Popen:
    """A Celery worker process (prefork, one child) in its own process group."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "listening", "worker", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "warning", "--without-heartbeat",
         "--without-mingle", "--without-gossip", *args],
        cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip


def start_relay(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """The outbox relay (`manage.py relay_outbox`) in its own process group."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "manage.py", "relay_outbox"],
        cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip


def start_gunicorn(env: dict, *, workers: int = 3) -> tuple[subprocess.Popen, str]:
    """gunicorn with `workers` processes on a free local port; return it and its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "listening.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=2)
        except OSError:
            return False
        return True

    wait_until(answers, timeout=60, what="gunicorn")
    return process, base


def stop(process: subprocess.Popen, *, grace: float = 20.0) -> None:
    """Stop a process group started above: SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass


def kill(process: subprocess.Popen) -> None:
    """Kill a process group at once, as an out-of-memory kill or a power cut would."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)
