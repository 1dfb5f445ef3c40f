"""Backups: one archive of the database and the private files, restored together."""

import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, connections

from briefs.enums import PackStatus
from briefs.models import BriefPack
from briefs.tasks import task_build_brief_pack
from listening.backups import backup_data, prune_backups, restore_data
from tests.factories import BriefPackFactory, InterventionFactory, ListeningSessionFactory
from tests.helpers import pdf_text

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the backup round trip runs on PostgreSQL (CI sets DATABASE_URL)",
)


def table_rows(params: dict, name: str) -> dict[str, list]:
    """Every row of every table of database `name`, ordered, by table."""
    conn = psycopg2.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname=name,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            tables = [row[0] for row in cursor.fetchall()]
            rows = {}
            for table in tables:
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608
                rows[table] = cursor.fetchall()
    finally:
        conn.close()
    return rows


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def fresh_database():
    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
    base = ["-h", params["HOST"], "-p", str(params["PORT"] or 5432), "-U", params["USER"]]
    subprocess.run(["createdb", *base, name], env=env, check=True)
    yield name
    subprocess.run(["dropdb", *base, "--if-exists", name], env=env, check=True)


@on_postgresql
def test_backup_restores_every_row_and_pack_byte_for_byte(
    transactional_db, tmp_path, fresh_database, wg3, client, settings
):
    session = ListeningSessionFactory(title="Backed-up session")
    InterventionFactory(session=session, status="approved", body="Sentinelbackup input.")
    pack = BriefPackFactory(session=session, requested_by=wg3)
    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE
    storage_root = Path(pack.pdf.storage.location)
    # Earlier tests in this process may have left files in the private folder: start empty.
    for path in storage_root.rglob("*"):
        if path.is_file() and path.name != Path(pack.pdf.name).name:
            path.unlink()
    before_rows = table_rows(connection.settings_dict, connection.settings_dict["NAME"])
    before_files = files_under(storage_root)
    assert list(before_files) == [pack.pdf.name]

    result = backup_data(output_dir=tmp_path / "backups")
    assert result.files == 1

    # Restored into a fresh database and a fresh folder: every row and every byte.
    restored_root = tmp_path / "restored-private"
    restore_data(
        archive=result.path,
        database={**connection.settings_dict, "NAME": fresh_database},
        files_root=restored_root,
    )
    assert table_rows(connection.settings_dict, fresh_database) == before_rows
    assert files_under(restored_root) == before_files

    # A lost server: the tables and the pack folder wiped, then the archive restored.
    connections.close_all()
    BriefPack.objects.all().delete()
    for path in storage_root.rglob("*"):
        if path.is_file():
            path.unlink()
    assert not BriefPack.objects.exists()
    connections.close_all()
    call_command("restore_data", str(result.path), "--yes", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert table_rows(connection.settings_dict, connection.settings_dict["NAME"]) == before_rows
    assert files_under(storage_root) == before_files

    # The restored instance serves the old pack and builds a new one.
    client.force_login(wg3)
    response = client.get(pack.download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == before_files[pack.pdf.name]
    InterventionFactory(session=session, status="approved", body="Sentinelafter restore.")
    newer = BriefPackFactory(session=session, requested_by=wg3)
    task_build_brief_pack(pack_id=newer.pk)
    newer.refresh_from_db()
    assert newer.status == PackStatus.DONE
    with newer.pdf.open("rb") as handle:
        assert "Sentinelafter restore." in pdf_text(handle.read())


def test_prune_deletes_only_archives_older_than_the_retention(tmp_path):
    names = [
        "listening-backup-20260101T000000Z.tar.gz",
        "listening-backup-20260601T000000Z.tar.gz",
        "listening-backup-20260620T000000Z.tar.gz",
        "notes.txt",
    ]
    for name in names:
        (tmp_path / name).write_text("x")

    removed = prune_backups(
        backup_dir=tmp_path, keep_days=30, now=datetime(2026, 6, 25, tzinfo=UTC)
    )

    assert [p.name for p in removed] == ["listening-backup-20260101T000000Z.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names[1:]
