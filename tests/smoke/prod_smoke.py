"""`make prod-smoke`: the production process layout on this machine, without containers.

Runs what docker-compose.yml runs (the one-shot `migrate`, then every other service of the
image: gunicorn with several workers, the Celery worker, beat, the outbox relay), with the
production settings, PostgreSQL and Redis (DATABASE_URL and REDIS_URL, or local defaults), as
a user who is not root and owns the private storage. Then walks a journey over HTTP, as the
TLS proxy would forward it: health, sign-up with the emailed confirmation, profile and
registration, an input submitted and approved by the secretariat in the admin, a pack
requested, built by the worker and downloaded. Stops everything and ends with one line:
`prod-smoke: ok` or `prod-smoke: failed at <step>`.

Run as root, the processes run as the system user `listening` (created when missing) through
setpriv; the folders they write to belong to that user and nothing else is writable to them.
When the interpreter lives under a folder that user cannot enter (a Python installed in
root's home), the processes also keep the capability to read and search any folder, which
gives no right to write. Run as another user, the processes run as that user.

The smoke uses its own database, `<name>_prodsmoke` beside DATABASE_URL's, created afresh and
dropped at the end.
"""

import http.cookiejar
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
APP_USER = "listening"
DEMO_PASSWORD = "listening-demo"  # the published demo credential (seed_demo)
SESSION = "covid-19-regular-pathways"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRM = re.compile(r"(/[a-z]{2}/accounts/confirm-email/[^/\s]+/)")
# The private folders compose mounts, and where the smoke puts them instead.
MOUNTS = {"/data/private": "private", "/data/backups": "backups", "/data/beat": "beat"}
METRICS_TOKEN = secrets.token_urlsafe(24)
STARTUP_TIMEOUT = 60
PACK_TIMEOUT = 75


class StepFailed(Exception):
    pass


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


class SmokeCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """The TLS proxy in front of gunicorn speaks HTTPS to browsers: secure cookies go back."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    """One person's browser behind the TLS proxy (cookies, X-Forwarded-Proto and -For)."""

    def __init__(self, base: str, *, address: str):
        self.base = base
        self.address = address
        jar = http.cookiejar.CookieJar(policy=SmokeCookiePolicy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect
        )

    def request(self, path: str, data: dict | list | None = None) -> tuple[int, str, bytes]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": self.address,
                # What the browser saw: the proxy's HTTPS address.
                "Referer": self.base.replace("http://", "https://", 1) + path,
            },
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read()

    def page(self, path: str) -> str:
        status, _location, body = self.request(path)
        if status != 200:
            raise StepFailed(f"GET {path} answered {status}")
        return body.decode()

    def submit(self, path: str, data: dict | list, *, expect: int = 302) -> str:
        """Post a form the way a browser does (with the page's CSRF token); return Location."""
        page = self.page(path)
        token = CSRF.search(page)
        if token is None:
            raise StepFailed(f"no CSRF token on {path}")
        fields = [("csrfmiddlewaretoken", token.group(1))]
        fields += list(data.items()) if isinstance(data, dict) else list(data)
        status, location, body = self.request(path, fields)
        if status != expect:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body.decode(), re.S)
            raise StepFailed(f"POST {path} answered {status}: {errors[:3]}")
        return location

    def sign_in(self, email: str, password: str) -> None:
        self.submit("/en/accounts/login/", {"login": email, "password": password})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def first_option(page: str, name: str) -> str:
    """The first non-empty value of a select or radio group named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        values = re.findall(r'<option value="([^"]+)"', select.group(1))
    else:
        values = re.findall(rf'name="{name}" value="([^"]+)"', page)
    if not values:
        raise StepFailed(f"no choice for {name}")
    return values[0]


class Platform:
    """The processes compose runs, started from docker-compose.yml's own commands."""

    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="prod-smoke-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix, self.uid, self.gid = run_as()
        self.admin_url, self.database_url, self.database = smoke_database()
        for folder in [*MOUNTS.values(), "static", "logs"]:
            (self.work / folder).mkdir()
        if os.geteuid() == 0:
            for path in [self.work, *self.work.iterdir()]:
                os.chown(path, self.uid, self.gid)
        self.env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.work),
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "listening.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.base,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "EMAIL_URL": "consolemail://",
            "PRIVATE_STORAGE_ROOT": str(self.work / "private"),
            "BACKUP_DIR": str(self.work / "backups"),
            "STATIC_ROOT": str(self.work / "static"),
            "TRUSTED_PROXY_COUNT": "1",
            "LOG_LEVEL": "WARNING",
            "HEARTBEAT_INTERVAL": "2",
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        self.services = compose_services()

    def command(self, service: str) -> list[str]:
        """The service's compose command, with this machine's folders and port."""
        words = []
        for word in shlex.split(self.services[service]["command"]):
            for mount, folder in MOUNTS.items():
                word = word.replace(mount, str(self.work / folder))
            word = word.replace("0.0.0.0:8000", f"127.0.0.1:{self.port}")
            words.append(word)
        if words[0] == "python":
            words[0] = sys.executable
        elif (BIN / words[0]).exists():
            words[0] = str(BIN / words[0])
        return words

    def run(self, name: str, words: list[str]) -> None:
        """Run a one-shot command as the app user; raise StepFailed when it fails."""
        with (self.work / "logs" / f"{name}.log").open("ab") as output:
            done = subprocess.run(
                [*self.prefix, *words],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=300,
                check=False,
            )
        if done.returncode != 0:
            raise StepFailed(f"{shlex.join(words)} exited with {done.returncode}")

    def spawn(self, name: str, words: list[str], *, extra: dict | None = None) -> subprocess.Popen:
        """Start a process as the app user, in its own process group, logging to a file."""
        with (self.work / "logs" / f"{name}.log").open("ab") as output:
            process = subprocess.Popen(
                [*self.prefix, *words],
                cwd=ROOT,
                env={**self.env, **(extra or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start(self, service: str) -> None:
        """Start a compose service; its own environment's folders map to this machine's."""
        extra = {}
        environment = self.services[service].get("environment") or {}
        if "PROMETHEUS_MULTIPROC_DIR" in environment:
            extra["PROMETHEUS_MULTIPROC_DIR"] = str(self.work / "metrics")
        self.spawn(service, self.command(service), extra=extra)

    def log_text(self, service: str) -> str:
        path = self.work / "logs" / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def clean_up(self) -> None:
        drop_database(self.admin_url, self.database)
        if not os.environ.get("PROD_SMOKE_KEEP"):
            shutil.rmtree(self.work, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_as() -> tuple[list[str], int, int]:
    """The command prefix that runs a process as the app user, and that user's ids."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    if subprocess.run(["id", "-u", APP_USER], capture_output=True, check=False).returncode:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--shell", "/usr/sbin/nologin", APP_USER],
            check=True,
        )  # fmt: skip
    uid = int(subprocess.check_output(["id", "-u", APP_USER]))
    gid = int(subprocess.check_output(["id", "-g", APP_USER]))
    prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups"]
    probe = [*prefix, sys.executable, "-c", "import sys, listening; print(sys.version)"]
    answer = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=False)
    if answer.returncode or answer.stdout.strip() != sys.version:
        # The interpreter or the project sits in a folder only root may enter (another Python
        # may answer in its place): read and search any folder, never write.
        prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    return prefix, uid, gid


def smoke_database() -> tuple[str, str, str]:
    """(server admin URL, the smoke database's URL, its name), the database created afresh."""
    url = urllib.parse.urlsplit(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/listening")
    )
    name = url.path.lstrip("/") + "_prodsmoke"
    admin = url._replace(path="/postgres").geturl()
    drop_database(admin, name)
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return admin, url._replace(path=f"/{name}").geturl(), name


def drop_database(admin: str, name: str) -> None:
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def compose_services() -> dict[str, dict]:
    """The app services of docker-compose.yml (those built from the image)."""
    config = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return {name: s for name, s in config["services"].items() if "build" in s}


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise StepFailed(f"timed out waiting for {what}")


def journey(platform: Platform, step) -> None:
    base = platform.base
    services = [name for name in platform.services if name != "migrate"]

    step("migrate")
    # What the image does at build time, meanwhile.
    collectstatic = platform.spawn(
        "collectstatic", [sys.executable, "manage.py", "collectstatic", "--noinput"]
    )
    platform.run("migrate", platform.command("migrate"))
    step("demo data")  # the demo's session and staff accounts
    platform.run("seed", [sys.executable, "manage.py", "seed_demo"])
    step("collectstatic")
    if collectstatic.wait(timeout=120):
        raise StepFailed(f"collectstatic exited with {collectstatic.returncode}")

    step("start")
    for service in services:
        platform.start(service)

    step("health")
    visitor = Browser(base, address="198.51.100.7")

    def healthy() -> bool:
        for service in services:
            process = platform.processes[service]
            if process.poll() is not None:
                raise StepFailed(f"{service} exited with {process.returncode}")
        try:
            status, _location, _body = visitor.request("/healthz")
        except OSError:
            return False
        return status == 200

    wait_for(healthy, timeout=STARTUP_TIMEOUT, what="/healthz to answer 200")
    if "listening" not in visitor.page("/en/").lower():
        raise StepFailed("the home page does not name the platform")

    step("sign-up")
    person = Browser(base, address="198.51.100.8")
    email = f"smoke-{secrets.token_hex(4)}@example.org"
    person.submit(
        "/en/accounts/signup/",
        {"email": email, "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    link = wait_for(
        lambda: next(
            iter(CONFIRM.findall(platform.log_text("web") + platform.log_text("worker"))), None
        ),
        timeout=20,
        what="the confirmation email",
    )
    person.submit(link, {})

    step("registration")
    profile = person.page("/en/sessions/me/profile/")
    person.submit(
        "/en/sessions/me/profile/",
        {
            "full_name": "Smoke Tester Amaranth",
            "organization": "Smoke Test Collective",
            "stakeholder_type": "civil_society",
            "country": "KE",
            "region": first_option(profile, "region"),
            "preferred_language": "en",
            "time_zone": "UTC",
        },
    )
    person.submit(
        f"/en/sessions/{SESSION}/register/",
        {"role": "Coordinator", "privacy_consent": "on", "speaking_credit": "anonymous"},
    )

    step("input")
    form = person.page(f"/en/interventions/new/{SESSION}/")
    theme = first_option(form, "primary_theme")
    location = person.submit(
        f"/en/interventions/new/{SESSION}/",
        [
            ("kind", first_option(form, "kind")),
            ("title", "Smoke test input on seasonal work visas"),
            ("body", "Seasonal workers kept their permits through the pandemic. " * 5),
            ("language", "en"),
            ("primary_theme", theme),
            ("themes", theme),
            ("regions", first_option(form, "regions")),
            ("credit", "named"),
            ("submission_token", re.search(r'name="submission_token" value="([^"]*)"', form)
             .group(1)),
            ("submit", "1"),
        ],
    )  # fmt: skip
    match = re.search(r"/interventions/(\d+)/", location)
    if match is None:
        raise StepFailed(f"submitting led to {location!r}")
    pk = match.group(1)

    step("approval")
    staff = Browser(base, address="198.51.100.9")
    staff.sign_in("secretariat@example.org", DEMO_PASSWORD)
    staff.submit(
        "/en/admin/interventions/intervention/",
        {"action": "approve_selected", "_selected_action": pk, "index": "0"},
    )
    member = Browser(base, address="198.51.100.10")
    member.sign_in("wg3@example.org", DEMO_PASSWORD)
    if "Smoke test input" not in member.page("/en/interventions/approved/"):
        raise StepFailed("Working Group 3 does not find the input among the approved ones")

    step("pack")
    location = member.submit(f"/en/packs/session/{SESSION}/", {})
    pack = re.search(r"/packs/(\d+)/", location)
    if pack is None:
        raise StepFailed(f"requesting the pack led to {location!r}")
    pack_id = pack.group(1)

    def built() -> bool:
        status = member.page(f"/en/packs/{pack_id}/status/")
        if '"status": "failed"' in status:
            raise StepFailed(f"the pack failed: {status}")
        return '"status": "done"' in status

    wait_for(built, timeout=PACK_TIMEOUT, what="the pack to be built")

    step("download")
    status, _location, pdf = member.request(f"/en/packs/{pack_id}/download/")
    if status != 200 or not pdf.startswith(b"%PDF"):
        raise StepFailed(f"the download answered {status}")
    stored = list((platform.work / "private").rglob("*.pdf"))
    if not stored or any(path.stat().st_uid != platform.uid for path in stored):
        raise StepFailed("the stored pack is not owned by the app user")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        if "Smoke test input on seasonal work visas" not in " ".join(text.split()):
            raise StepFailed("the pack does not hold the approved input")

    step("metrics")
    status, _location, _body = visitor.request("/metrics")
    if status != 401:
        raise StepFailed(f"/metrics answered {status} to an anonymous request")
    visitor.opener.addheaders = [("Authorization", f"Bearer {METRICS_TOKEN}")]
    figures = visitor.page("/metrics")
    answered = sum(
        float(value)
        for value in re.findall(r"^listening_http_requests_total\{[^}]*\} (\S+)$", figures, re.M)
    )
    if answered < 20 or 'listening_packs{status="done"} 1.0' not in figures:
        raise StepFailed(f"/metrics counts {answered:g} requests and no pack built")
    log(f"pack of {len(pdf)} bytes, {answered:g} requests counted across gunicorn workers")
    log(f"services: {', '.join(services)}")


def main() -> int:
    started = time.monotonic()
    current = ["set-up"]

    def step(name: str) -> None:
        current[0] = name
        log(f"{time.monotonic() - started:5.1f} s  {name}")

    platform = None
    outcome = "ok"
    try:
        platform = Platform()
        journey(platform, step)
    except Exception as exc:  # any failure ends in the one line that names the step
        outcome = f"failed at {current[0]}"
        log(f"{type(exc).__name__}: {exc}")
        if platform is not None:
            for name in sorted((platform.work / "logs").glob("*.log")):
                tail = name.read_text(errors="replace").splitlines()[-15:]
                log(f"--- {name.name}\n    " + "\n    ".join(tail))
    finally:
        if platform is not None:
            step("stop")
            platform.stop()
            leftovers = [s for s, p in platform.processes.items() if p.poll() is None]
            if leftovers and outcome == "ok":
                outcome = "failed at stop"
            platform.clean_up()
    log(f"{time.monotonic() - started:5.1f} s  done")
    print(f"prod-smoke: {outcome}")
    return 0 if outcome == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
