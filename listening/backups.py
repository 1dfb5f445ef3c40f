"""Backups: the database and the private files in one archive, restored together.

An archive is a gzipped tar holding `manifest.json`, the database (`database.dump`, a
`pg_dump` custom-format dump, or `database.sqlite3` for the embedded default) and the private
files under `private/`. The database is dumped first and the files copied after: a pack's file
is stored before its row points at it, and files are only removed after their row stops
pointing at them, so every file a restored row names is in the archive.
"""

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

ARCHIVE_PREFIX = "listening-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
PG_DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"


class BackupError(Exception):
    """A backup or a restore could not be completed; the message says why."""


@dataclass
class BackupResult:
    path: Path
    files: int
    database_bytes: int


def private_root() -> Path:
    """The folder of the private storage (packs), from the STORAGES setting."""
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def _is_postgres(database: dict) -> bool:
    return database["ENGINE"] == "django.db.backends.postgresql"


def _pg_env(database: dict) -> dict:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _pg_args(database: dict, *, name: str | None = None) -> list[str]:
    args = []
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    args += ["--dbname", name or str(database["NAME"])]
    return args


def _run(command: list[str], *, env: dict) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()[:1000]}")


def _dump_database(database: dict, target: Path) -> None:
    if _is_postgres(database):
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *_pg_args(database),
            ],
            env=_pg_env(database),
        )
        return
    source = sqlite3.connect(str(database["NAME"]))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup_data(
    *,
    output_dir: Path,
    database_alias: str = "default",
    files_root: Path | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Write one archive of the database and the private files into `output_dir`.

    Side effects: a `listening-backup-<UTC time>.tar.gz` file (written under a temporary name
    and renamed, so a half-written archive never looks complete). Raises BackupError when
    `pg_dump` fails.
    """
    now = now or timezone.now()
    database = connections[database_alias].settings_dict
    files_root = files_root or private_root()
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = output_dir / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
    with tempfile.TemporaryDirectory(prefix="listening-backup-") as work:
        dump = Path(work) / (PG_DUMP_NAME if _is_postgres(database) else SQLITE_NAME)
        _dump_database(database, dump)
        files = (
            sorted(p for p in files_root.rglob("*") if p.is_file()) if files_root.exists() else []
        )
        manifest = {
            "created_at": now.isoformat(),
            "engine": "postgresql" if _is_postgres(database) else "sqlite",
            "database": dump.name,
            "files": {str(p.relative_to(files_root)): _sha256(p) for p in files},
        }
        partial = final.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(payload)
            info.mtime = int(now.timestamp())
            archive.addfile(info, io.BytesIO(payload))
            archive.add(dump, arcname=dump.name)
            for path in files:
                archive.add(path, arcname=f"private/{path.relative_to(files_root)}")
        partial.rename(final)
        size = dump.stat().st_size
    logger.info("Backup written: %s (%d private files)", final, len(files))
    return BackupResult(path=final, files=len(files), database_bytes=size)


def restore_data(
    *,
    archive: Path,
    database: dict | None = None,
    files_root: Path | None = None,
) -> int:
    """Restore an archive into a database and the private folder; return the files restored.

    The database (settings dict, default: the `default` connection's) is emptied of what the
    archive holds and loaded from it (`pg_restore --clean`); the private folder is replaced by
    the archive's files, each checked against the manifest's SHA-256. Close other connections
    to the database first. Raises BackupError on a damaged archive or a failed restore.
    """
    database = database or connections["default"].settings_dict
    files_root = files_root or private_root()
    with tempfile.TemporaryDirectory(prefix="listening-restore-") as work:
        work_path = Path(work)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work_path, filter="data")
        try:
            manifest = json.loads((work_path / "manifest.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise BackupError(f"{archive} is not a Listening backup: {exc}")
        for relative, digest in manifest["files"].items():
            if _sha256(work_path / "private" / relative) != digest:
                raise BackupError(f"{relative} does not match the manifest")
        dump = work_path / manifest["database"]
        if manifest["engine"] == "postgresql":
            if not _is_postgres(database):
                raise BackupError("This archive holds a PostgreSQL dump: restore it there.")
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *_pg_args(database),
                    str(dump),
                ],
                env=_pg_env(database),
            )
        else:
            if _is_postgres(database):
                raise BackupError("This archive holds a SQLite database: restore it there.")
            shutil.copyfile(dump, database["NAME"])
        if files_root.exists():
            shutil.rmtree(files_root)
        source = work_path / "private"
        if source.exists():
            shutil.copytree(source, files_root)
        else:
            files_root.mkdir(parents=True)
    return len(manifest["files"])


def prune_backups(*, backup_dir: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete archives in `backup_dir` older than `keep_days` (by the time in their name).

    Personal data removed from the platform must not live on in old backups: the schedule
    calls this with the retention period. Return the deleted paths.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=keep_days)
    removed = []
    for path in sorted(backup_dir.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}")):
        stamp = path.name[len(ARCHIVE_PREFIX) : -len(ARCHIVE_SUFFIX)]
        try:
            taken = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            continue
        if taken < cutoff:
            path.unlink()
            removed.append(path)
    return removed
