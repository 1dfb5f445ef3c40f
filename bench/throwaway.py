"""What the benchmarks and the load tests run on: a free local port and a throwaway database.

The database is PostgreSQL when DATABASE_URL names a PostgreSQL database (a database beside it,
`<name>_<suffix>`, so runs on different databases never collide) and SQLite in the run's
folder otherwise.
"""

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_and_name(url: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, the database's name) of a PostgreSQL URL."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", query="")), parts.path.lstrip("/")


def _execute(server_url: str, statement: str) -> None:
    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def throwaway_database(workdir: Path, *, suffix: str) -> str:
    """The URL of a fresh, empty database for this run (see the module's docstring)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{workdir / f'{suffix}.sqlite3'}"
    server, name = _server_and_name(url)
    throwaway = f"{name or 'listening'}_{suffix}"
    _execute(server, f'DROP DATABASE IF EXISTS "{throwaway}" WITH (FORCE)')
    _execute(server, f'CREATE DATABASE "{throwaway}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{throwaway}"))


def drop_database(url: str) -> None:
    """Drop a throwaway PostgreSQL database, closing what is still connected to it (a SQLite
    file goes with the run's folder)."""
    if url.startswith("postgres"):
        server, name = _server_and_name(url)
        _execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
