"""A throwaway PostgreSQL server for the tests, and a fresh database per test.

``ASSURE_TEST_PG`` (set by ``.ci/run``) names a running server; otherwise the test session
starts its own with ``.ci/postgres`` when the server binaries are installed (each xdist
worker its own, on its own port) and stops it at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres"


def unavailable() -> str | None:
    """Why this machine cannot start a throwaway server, or None if it can."""
    if not any(os.access(path, os.X_OK) for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")):
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no postgres user to run the server as"
    return None


def start() -> tuple[str, str]:
    """Start a server; return (its folder, its URL)."""
    result = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"could not start PostgreSQL: {result.stderr.strip()[-500:]}")
    folder, url = result.stdout.split()[-2:]
    return folder, url


def stop(folder: str) -> None:
    subprocess.run([str(SCRIPT), "stop", folder], capture_output=True, text=True, timeout=60)


def with_database(url: str, name: str) -> str:
    """The same server URL, for another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


class Databases:
    """Creates and drops per-test databases on one server."""

    def __init__(self, url: str):
        import psycopg

        self.url = url
        self.admin = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    def create(self, template: str = "template0") -> tuple[str, str]:
        """A new database, empty (from template0) or a copy of ``template`` (no one may be
        connected to it)."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name, with_database(self.url, name)

    def drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.admin.close()
