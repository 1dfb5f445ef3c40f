"""The Dockerfile and docker-compose.yml, read side by side (tests/deployment/checker.py):
no container engine runs here, so this is where a deployment that cannot work is noticed."""

from pathlib import Path

import pytest

from tests.deployment.checker import problems, read_image, settings_variables

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "tests" / "deployment"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_dockerfile_and_compose_file_have_no_problem():
    assert (
        problems(dockerfile=read(ROOT / "Dockerfile"), compose=read(ROOT / "docker-compose.yml"))
        == []
    )


def test_the_earlier_files_are_caught_root_owned_volume_and_migrate_on_start():
    """The pair as it was before the checker: /data/private was a named volume on a folder
    the image did not have, so Docker made it owned by root, and web migrated on every start."""
    found = problems(
        dockerfile=read(BEFORE / "before-Dockerfile"),
        compose=read(BEFORE / "before-docker-compose.yml"),
    )
    assert (
        "web, worker, beat, relay: /data/private (PRIVATE_STORAGE_ROOT) does not exist in the "
        "image; Docker would create it owned by root, and the app runs as listening."
    ) in found
    assert "beat: /tmp (beat's schedule) has no volume mounted on it." in found
    assert "Migrations must run in one one-shot `migrate` service only; they run in: web." in found
    assert (
        "The image's PostgreSQL client (none) is not the database's major version (16): "
        "backup_data's pg_dump would refuse it."
    ) in found


def test_a_volume_on_a_folder_made_by_root_after_the_chown_is_caught():
    dockerfile = read(ROOT / "Dockerfile").replace(
        "USER listening", "RUN mkdir -p /data/private/packs\nUSER listening"
    )
    compose = read(ROOT / "docker-compose.yml").replace(
        "private-files:/data/private", "private-files:/data/private/packs"
    )
    found = problems(dockerfile=dockerfile, compose=compose)
    assert (
        "migrate, web, worker, beat, relay: /data/private/packs (a volume) is owned by root in "
        "the image, not listening."
    ) in found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "PRIVATE_STORAGE_ROOT: /data/private",
            "PRIVATE_STORAGE_ROOT: /data/private\n    PRIVATE_STORAGE: /data/x",
            "migrate, web, worker, beat, relay: the settings never read PRIVATE_STORAGE.",
        ),
        (
            "    SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}\n",
            "",
            "migrate, web, worker, beat, relay: SECRET_KEY is required by the settings but not "
            "set.",
        ),
        (
            '"http://localhost:8000/livez"',
            '"http://localhost:8000/live"',
            "web: the health check asks for /live, which no URL serves.",
        ),
        (
            '"check_heartbeat", "relay"',
            '"check_heartbeats", "relay"',
            "relay: manage.py has no command 'check_heartbeats'.",
        ),
    ],
)
def test_compose_mistakes_are_named(old, new, expected):
    compose = read(ROOT / "docker-compose.yml")
    assert old in compose
    found = problems(dockerfile=read(ROOT / "Dockerfile"), compose=compose.replace(old, new))
    assert found == [expected]


def test_a_service_that_does_not_wait_for_migrate_is_named():
    compose = read(ROOT / "docker-compose.yml").replace(
        "    command: celery -A listening worker",
        "    depends_on:\n      db:\n        condition: service_healthy\n"
        "    command: celery -A listening worker",
    )
    found = problems(dockerfile=read(ROOT / "Dockerfile"), compose=compose)
    assert found == ["worker: does not wait for migrate to complete successfully."]


def test_a_second_service_running_migrate_is_named():
    compose = (
        read(ROOT / "docker-compose.yml")
        .replace(
            "command: gunicorn listening.wsgi",
            'command: sh -c "python manage.py migrate --noinput && gunicorn listening.wsgi',
        )
        .replace("--timeout 60\n    ports", '--timeout 60"\n    ports')
    )
    found = problems(dockerfile=read(ROOT / "Dockerfile"), compose=compose)
    assert found == [
        "Migrations must run in one one-shot `migrate` service only; they run in: migrate, web."
    ]


def test_the_image_owns_every_app_folder_as_the_app_user():
    image = read_image(read(ROOT / "Dockerfile"))
    assert image.user == "listening"
    assert {
        path: image.owner(path)
        for path in ("/data/private", "/data/backups", "/data/beat", "/app/var")
    } == {
        "/data/private": "listening",
        "/data/backups": "listening",
        "/data/beat": "listening",
        "/app/var": "listening",
    }


def test_settings_variables_include_the_required_production_ones():
    read_names, required = settings_variables()
    assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= required
    assert {"PRIVATE_STORAGE_ROOT", "BACKUP_DIR", "REDIS_URL", "DATABASE_URL"} <= read_names
