"""The foundation: configuration, health, roles, demo data, the outbox."""

import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from packaging.specifiers import SpecifierSet

from core import health
from core.enums import HeartbeatKind, OutboxStatus
from core.heartbeats import record_heartbeat
from core.models import Heartbeat, OutboxMessage
from core.outbox import MAX_ATTEMPTS, claim_message, relay_outbox, schedule_task
from interventions.models import Intervention, InterventionStatusChange, Region, Theme
from listening.roles import ROLES, SECRETARIAT, WORKING_GROUP
from sessions_app.models import AgendaItem, ListeningSession, Registration
from tests.factories import (
    AgendaItemFactory,
    InterventionFactory,
    ListeningSessionFactory,
)
from tests.helpers import DEAD_BROKER, beat_all, broker_url, drain_queue, purge_queue

ROOT = Path(__file__).resolve().parent.parent


def test_layout_matches_design_card():
    expected = [
        "manage.py", "listening", "sessions_app", "interventions", "briefs", "templates",
        "locale", "docker-compose.yml", "pyproject.toml", "tests", "README.md", "Makefile",
        ".ci", "static",
    ]  # fmt: skip
    assert [name for name in expected if not (ROOT / name).exists()] == []
    settings_dir = ROOT / "listening" / "settings"
    assert sorted(p.name for p in settings_dir.glob("*.py")) == [
        "__init__.py", "base.py", "local.py", "production.py", "test.py",
    ]  # fmt: skip


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    commands = [line.strip() for line in text.split("```")[1].strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_celery_settings_are_reliable():
    # The worker and beat reconnect to the broker for ever (no request waits on it).
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    assert settings.CELERY_BROKER_CONNECTION_RETRY is True
    assert settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP is True
    assert "max_retries" not in settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD > 0
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    if settings.REDIS_URL:
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
        assert options["socket_timeout"] <= 5
        assert options["socket_connect_timeout"] <= 5
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"


def test_embedded_default_needs_no_server(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "listening.settings.local",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "listening.settings.production",
        "SECRET_KEY": "x7!k2" * 12,
        "ALLOWED_HOSTS": "listening.example.org",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_migrations_match_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_compose_matches_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "relay", "db", "redis", "proxy"}
    assert services["proxy"]["profiles"] == ["proxy"]
    for name in ("web", "worker", "beat", "relay"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "listening.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env
        assert env["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
        assert set(services[name]["depends_on"]) == {"db", "redis", "migrate"}
    assert "gunicorn listening.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A listening worker")
    assert services["beat"]["command"].startswith("celery -A listening beat")
    assert services["relay"]["command"] == "python manage.py relay_outbox"
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat", "relay", "db", "redis"):
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] == "unless-stopped", name
    for name in ("worker", "beat", "relay"):
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "python", "manage.py", "check_heartbeat", name, "--here",
        ]  # fmt: skip
    # The web's own check: a stopped worker must not make the web unhealthy.
    assert "/livez" in " ".join(services["web"]["healthcheck"]["test"])
    # Only the TLS proxy on the same machine reaches gunicorn, unless told otherwise.
    assert services["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"]
    assert set(compose["volumes"]) == {
        "postgres-data", "redis-data", "private-files", "backups", "beat-schedule",
        "caddy-data", "caddy-config",
    }  # fmt: skip
    # Every variable the production settings require is provided.
    production = (ROOT / "listening/settings/production.py").read_text()
    for required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        assert f'env("{required}")' in production or f'env.list("{required}")' in production
    assert (ROOT / "Dockerfile").exists()


def production_settings(tmp_path, code: str, **env) -> list[str]:
    """Print values of the production settings, loaded in a fresh process."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "listening.settings.production",
        "SECRET_KEY": "x7!k2" * 12,
        "ALLOWED_HOSTS": "listening.example.org",
        "DATABASE_URL": "postgres://listening:secret@db:5432/listening",
        **env,
    }
    code = "import django; django.setup(); from django.conf import settings as s; " + code
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    ).stdout.split()  # fmt: skip


def test_production_keeps_database_connections_for_a_minute(tmp_path):
    code = "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    assert production_settings(tmp_path, code) == ["60", "True"]
    assert production_settings(tmp_path, code, CONN_MAX_AGE="5") == ["5", "True"]


def test_production_shares_its_cache_and_trusts_one_proxy_when_told(tmp_path):
    code = (
        "c = s.CACHES['default']; print(c['BACKEND'], c['LOCATION'], s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    assert production_settings(
        tmp_path, code, REDIS_URL="redis://redis:6379/0", TRUSTED_PROXY_COUNT="1"
    ) == ["core.cache.FailSoftRedisCache", "redis://redis:6379/0", "1"]
    assert production_settings(tmp_path, code) == [
        "django.core.cache.backends.db.DatabaseCache", "listening_cache", "0",
    ]  # fmt: skip


def test_settings_create_no_folder_on_import(tmp_path):
    """Loading any settings module creates nothing: folders are made where they are used."""
    base = tmp_path / "var"
    (tmp_path / "tmp").mkdir()
    for module in ("local", "production", "test"):
        code = (
            "import os; os.environ['DJANGO_SETTINGS_MODULE'] = "
            f"'listening.settings.{module}'; from django.conf import settings; "
            "settings.DATABASES; print('loaded')"
        )
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path / "tmp"),
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "x",
            "CELERY_BROKER_DIR": str(base / "broker"),
            "PRIVATE_STORAGE_ROOT": str(base / "private"),
        }
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
            check=True,
        ).stdout.split()  # fmt: skip
        assert out == ["loaded"]
        assert sorted(p.name for p in tmp_path.rglob("*")) == ["tmp"], module
    source = "".join(p.read_text() for p in (ROOT / "listening/settings").glob("*.py"))
    for call in ("mkdir(", "mkdtemp(", "makedirs(", "vars().update("):
        assert call not in source


ALL_OK = {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok", "relay": "ok"}


@pytest.mark.django_db
def test_healthz_ok(client):
    beat_all()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_down(client):
    beat_all()
    with broker_url(DEAD_BROKER):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {**ALL_OK, "broker": "error"}}


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    # The database check itself is exercised against a real broken connection below.
    monkeypatch.setattr("listening.views.check_database", lambda: "OperationalError")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "error", "broker": "ok", "worker": "error", "beat": "error", "relay": "error",
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("silent", ["worker", "beat", "relay"])
def test_healthz_names_a_process_whose_heartbeat_is_stale(client, silent):
    beat_all()
    stale = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_AFTER + 1)
    Heartbeat.objects.filter(kind=silent).update(beat_at=stale)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {**ALL_OK, silent: "error"}}


@pytest.mark.django_db
def test_livez_stays_ok_while_no_worker_beats_and_names_a_lost_database(client, monkeypatch):
    stale = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_AFTER + 1)
    beat_all()
    Heartbeat.objects.update(beat_at=stale)
    assert client.get("/healthz").status_code == 503
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    monkeypatch.setattr("listening.views.check_database", lambda: "OperationalError")
    response = client.get("/livez")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_healthz_says_no_worker_before_any_worker_ever_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "error"


@pytest.mark.django_db
def test_check_heartbeat_command_exits_non_zero_for_a_silent_process():
    with pytest.raises(CommandError, match="No fresh worker heartbeat on "):
        call_command("check_heartbeat", "worker", "--here")
    record_heartbeat(kind=HeartbeatKind.WORKER)
    call_command("check_heartbeat", "worker", "--here", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_check_database_reports_an_unreachable_database(tmp_path):
    params = {**connection.settings_dict}
    if connection.vendor == "postgresql":
        params.update({"HOST": "127.0.0.1", "PORT": "1"})
    else:
        params.update({"NAME": str(tmp_path / "missing-dir" / "db.sqlite3")})
    params.setdefault("OPTIONS", {})
    broken = connections.create_connection("default")
    broken.settings_dict = params
    try:
        assert health.check_database(broken) == "OperationalError"
    finally:
        broken.close()


@pytest.mark.django_db
def test_roles_exist_with_their_permissions():
    for name, codes in ROLES.items():
        granted = Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
        assert sorted(f"{app}.{codename}" for app, codename in granted) == sorted(codes)
    secretariat = Group.objects.get(name=SECRETARIAT)
    working_group = Group.objects.get(name=WORKING_GROUP)
    assert secretariat.permissions.filter(codename="moderate_intervention").exists()
    assert secretariat.permissions.filter(codename="run_live_desk").exists()
    assert sorted(working_group.permissions.values_list("codename", flat=True)) == [
        "add_analysiscode",
        "browse_approved_intervention",
        "change_analysiscode",
        "change_quote",
        "code_quote",
        "delete_quote",
        "request_briefpack",
        "view_analysiscode",
        "view_briefpack",
        "view_held_report",
        "view_policybrief",
        "view_quote",
    ]
    assert secretariat.permissions.filter(codename="code_quote").exists()


@pytest.mark.django_db
def test_seeded_regions_and_themes():
    assert list(Region.objects.values_list("name_en", flat=True)) == [
        "Global",
        "Africa",
        "Arab States",
        "Asia and the Pacific",
        "Europe and North America",
        "Latin America and the Caribbean",
    ]
    assert Region.objects.get(slug="africa").name_fr == "Afrique"
    assert Theme.objects.filter(name_es="").count() == 0
    assert Theme.objects.count() == 8


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_complete():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = _demo_counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _demo_counts() == counts

    session = ListeningSession.objects.get(slug="covid-19-regular-pathways")
    assert session.title_en.startswith("Stakeholder Listening Session: COVID-19")
    assert "regularization schemes" in session.description_en
    assert session.title_fr.startswith("Session d'écoute")
    assert session.title_es.startswith("Sesión de escucha")
    assert session.agenda_items.count() == 5
    assert (session.series.slug, session.series.title_fr) == (
        "covid-19-and-migration",
        "Sessions d'écoute des parties prenantes sur la COVID-19 et les migrations",
    )
    assert Intervention.objects.filter(session=session, reference="").count() == 0
    statuses = set(Intervention.objects.values_list("status", flat=True))
    assert statuses == {
        "draft",
        "submitted",
        "changes_requested",
        "approved",
        "rejected",
        "withdrawn",
    }
    assert set(Intervention.objects.values_list("language", flat=True)) == {"en", "fr", "es"}
    assert Intervention.objects.count() >= 24
    User = get_user_model()
    roles = {
        "stakeholder@example.org": set(),
        "secretariat@example.org": {SECRETARIAT},
        "wg3@example.org": {WORKING_GROUP},
    }
    for email, groups in roles.items():
        user = User.objects.get(email=email)
        assert set(user.groups.values_list("name", flat=True)) == groups
        assert user.check_password("listening-demo")
    assert User.objects.get(email="admin@example.org").is_superuser


def _demo_counts():
    User = get_user_model()
    return [
        m.objects.count()
        for m in (ListeningSession, AgendaItem, Registration, Intervention,
                  InterventionStatusChange, User, OutboxMessage)
    ]  # fmt: skip


@pytest.mark.django_db
def test_outbox_keeps_a_task_when_the_broker_is_down():
    message = schedule_task("core.tasks.example", note="kept")
    with broker_url(DEAD_BROKER):
        assert relay_outbox().refused == 1
    message.refresh_from_db()
    assert (message.status, message.enqueued_at, message.sends) == (OutboxStatus.PENDING, None, 0)
    assert message.last_error != ""

    purge_queue()

    assert relay_outbox(now=timezone.now() + timedelta(minutes=5)).published == 1
    sent = drain_queue()
    assert sent == [
        {
            "task": "core.tasks.example",
            "kwargs": {"outbox_id": message.pk, "note": "kept"},
        }
    ]
    message.refresh_from_db()
    assert message.enqueued_at is not None
    assert (message.last_error, message.sends) == ("", 1)


@pytest.mark.django_db
def test_outbox_message_runs_once():
    message = OutboxMessage.objects.create(task_name="x")
    with claim_message(message.pk) as first:
        assert first is True
        with claim_message(message.pk) as second:
            assert second is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    with claim_message(message.pk) as again:
        assert again is False


@pytest.mark.django_db
def test_outbox_failure_returns_message_to_pending():
    message = OutboxMessage.objects.create(task_name="x")
    before = timezone.now()
    with pytest.raises(RuntimeError), claim_message(message.pk):
        raise RuntimeError("smtp down")
    message.refresh_from_db()
    assert (message.status, message.last_error, message.attempts) == (
        OutboxStatus.PENDING,
        "smtp down",
        1,
    )
    # Due again half a minute later, not in a tight loop.
    assert before + timedelta(seconds=29) < message.send_after < before + timedelta(seconds=40)


@pytest.mark.django_db
def test_outbox_gives_up_after_repeated_failures():
    message = OutboxMessage.objects.create(task_name="x")
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(ValueError), claim_message(message.pk):
            raise ValueError("no such template")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert relay_outbox(now=message.created_at + timedelta(days=1)).published == 0


@pytest.mark.django_db
def test_relay_resends_what_no_task_claimed_within_two_minutes_then_backs_off():
    purge_queue()
    message = schedule_task("core.tasks.example")
    start = timezone.now()
    assert relay_outbox(now=start).published == 1
    # Not claimed yet: the worker may be busy. Not sent again within OUTBOX_RESEND_AFTER ...
    assert relay_outbox(now=start + timedelta(seconds=60)).published == 0
    # ... but within two minutes the broker is assumed to have lost it: sent again.
    assert relay_outbox(now=start + timedelta(seconds=120)).published == 1
    # Then each re-send waits twice as long.
    assert relay_outbox(now=start + timedelta(seconds=120 + 179)).published == 0
    assert relay_outbox(now=start + timedelta(seconds=120 + 181)).published == 1
    assert [m["kwargs"]["outbox_id"] for m in drain_queue()] == [message.pk] * 3
    message.refresh_from_db()
    assert message.sends == 3


@pytest.mark.django_db
def test_relay_never_resends_a_claimed_message():
    purge_queue()
    message = schedule_task("core.tasks.example")
    assert relay_outbox().published == 1
    with claim_message(message.pk):
        assert relay_outbox(now=timezone.now() + timedelta(minutes=5)).published == 0
    assert relay_outbox(now=timezone.now() + timedelta(hours=1)).published == 0
    assert len(drain_queue()) == 1


@pytest.mark.django_db
def test_relay_publishes_in_batches():
    purge_queue()
    for n in range(5):
        schedule_task("core.tasks.example", n=n)
    assert [relay_outbox(batch_size=2).published for _ in range(4)] == [2, 2, 1, 0]
    assert sorted(m["kwargs"]["n"] for m in drain_queue()) == [0, 1, 2, 3, 4]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_home_and_session_pages_render(client, language):
    session = ListeningSessionFactory(title_fr="Séance d’écoute", title_es="Sesión de escucha")
    draft = ListeningSessionFactory(status="draft", title="Hidden draft")
    home = client.get(f"/{language}/")
    assert home.status_code == 200
    assert f'<html lang="{language}">' in home.text
    assert draft.title not in home.text
    page = client.get(session.get_absolute_url().replace("/en/", f"/{language}/"))
    assert page.status_code == 200
    expected_title = {"en": session.title, "fr": "Séance d’écoute", "es": "Sesión de escucha"}
    assert expected_title[language] in page.text
    assert (
        client.get(reverse("sessions_app:detail", kwargs={"slug": draft.slug})).status_code == 404
    )


def test_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("named", "Ana Ruiz, Red Migrante"),
        ("organization", "Red Migrante"),
        ("anonymous", "Anonymous participant"),
    ],
)
def test_public_credit_follows_consent(credit, expected):
    intervention = InterventionFactory(
        credit=credit, credit_name="Ana Ruiz", credit_organization="Red Migrante"
    )
    assert intervention.public_credit == expected


def test_favicon_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/img/favicon.svg")


@pytest.mark.django_db
def test_agenda_items_link_to_their_place_on_the_session_page():
    item = AgendaItemFactory()
    assert item.get_absolute_url() == f"/en/sessions/{item.session.slug}/#agenda-{item.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("stakeholder", []),
        (
            "secretariat",
            ["/en/interventions/approved/", "/en/interventions/quotes/", "/en/packs/matrix/"],
        ),
        (
            "wg3",
            [
                "/en/interventions/approved/",
                "/en/packs/",
                "/en/interventions/quotes/",
                "/en/packs/matrix/",
            ],
        ),
    ],
)
def test_navigation_follows_the_permissions_the_pages_check(client, request, role, links):
    client.force_login(request.getfixturevalue(role))
    html = client.get("/en/sessions/").content.decode()
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    pages = (
        "/en/interventions/approved/",
        "/en/packs/",
        "/en/interventions/quotes/",
        "/en/packs/matrix/",
    )
    shown = [href for href in pages if f'href="{href}"' in nav]
    assert shown == links


def test_every_python_django_supports_from_3_11_is_accepted():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    accepted = SpecifierSet(project["requires-python"])
    assert [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in accepted] == [
        "3.11", "3.12", "3.13", "3.14",
    ]  # fmt: skip
