"""`make run` is a good citizen: Ctrl-C stops the web server and the worker, and nothing stays."""

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def group_members(pgid: int) -> list[str]:
    """The live processes of a process group (zombies are gone already), as "pid command"."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            members.append(f"{entry.name} {command}")
    return members


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def make_run(tmp_path):
    """`make run` on a free port, with SQLite, the broker and beat's schedule in a temporary
    folder; killed with its whole process group whatever the test does."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS")
    }
    env.update(
        {
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CELERY_BROKER_DIR": str(tmp_path / "broker"),
            "CELERY_SCHEDULE": str(tmp_path / "celerybeat-schedule"),
            "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        }
    )
    log = (tmp_path / "make-run.log").open("wb")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    yield process, port, tmp_path / "make-run.log"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    log.close()


def worker_started(log: Path) -> bool:
    return b"ready." in log.read_bytes()


def test_make_run_stops_everything_on_ctrl_c(make_run):
    process, port, log = make_run
    assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 240), log.read_text()
    assert wait_for(lambda: worker_started(log), 60), log.read_text()
    commands = " ".join(group_members(process.pid))
    assert "runserver" in commands
    assert "celery" in commands

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does

    stopped = wait_for(lambda: group_members(process.pid) == [], 15)
    assert (stopped, group_members(process.pid)) == (True, [])
    assert "Segmentation fault" not in log.read_text()
    assert not answers(f"http://127.0.0.1:{port}/healthz")


def recipe_environment(variable: str, **env: str) -> str:
    """What a recipe of the Makefile sees in `variable`, with `env` set as `PORT=8101 make`
    would."""
    probe = f"probe:\n\t@echo $${variable}\n"
    clean = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "PORT")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "probe"],
        cwd=ROOT,
        env={**clean, **env},
        input=probe,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_make_run_links_follow_the_port():
    assert recipe_environment("SITE_URL", PORT="8101") == "http://127.0.0.1:8101"
    assert recipe_environment("SITE_URL", HOST="localhost", PORT="80") == "http://localhost:80"
    assert recipe_environment("SITE_URL") == "http://127.0.0.1:8000"


def test_make_run_keeps_an_explicit_site_url():
    site = "https://listening.example.org"
    assert recipe_environment("SITE_URL", SITE_URL=site, PORT="8101") == site
