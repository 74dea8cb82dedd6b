"""New databases of the engine the tests run on, each with its own data folder, and the
`nmirf` command run against them in a subprocess, as an administrator would run it."""

import contextlib
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from tests.conftest import REPO

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def upr_info_file(path: Path, rows: int = 3) -> Path:
    lines = [HEADER] + [
        f'Slovenia,EEG,EU,"Ratify convention number {n}.",France,WEOG,EU,Accepted,5,'
        f'"Migrants",7'
        for n in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Scratch:
    url: str
    data_dir: Path
    vendor: str
    name: str  # SQLite: the file; PostgreSQL: the database name

    @property
    def media(self) -> Path:
        return self.data_dir / "media"

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.url, "NMIRF_DATA_DIR": str(self.data_dir),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            # Whatever the production settings come to require when DEBUG is off.
            "SECRET_KEY": "scratch-" + "k" * 50, "ALLOWED_HOSTS": "localhost",
        })
        env.update(extra)
        return env

    def nmirf(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "nmirf.cli", *args], cwd=REPO, env=self.env(),
            capture_output=True, text=True, timeout=300, **kwargs,
        )
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def connect(self):
        """A plain DB-API connection (sqlite3 or psycopg) to this database."""
        if self.vendor == "sqlite":
            import sqlite3

            return sqlite3.connect(self.name)
        import psycopg

        return psycopg.connect(**_pg_params(self.name), autocommit=True)


def _pg_params(dbname: str) -> dict:
    settings = connection.settings_dict
    params = {"dbname": dbname, "user": settings["USER"], "host": settings["HOST"],
              "port": settings["PORT"], "password": settings["PASSWORD"]}
    return {key: value for key, value in params.items() if value}


@contextlib.contextmanager
def scratch_database(tmp_path: Path, label: str = "scratch"):
    """A new, empty database (no tables) on the tests' engine, dropped afterwards."""
    data_dir = tmp_path / label
    data_dir.mkdir()
    if connection.vendor == "sqlite":
        path = data_dir / "nmirf.sqlite3"
        yield Scratch(f"sqlite:///{path}", data_dir, "sqlite", str(path))
        return
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    try:
        yield Scratch(f"postgres://{user}{password}@{host}{port}/{name}", data_dir,
                      "postgresql", name)
    finally:
        with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_rows(scratch: Scratch) -> dict[str, list]:
    """Every table's rows (SQLite: the full-text index's own tables included), sorted."""
    with contextlib.closing(scratch.connect()) as db:
        if scratch.vendor == "sqlite":
            tables = [row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]
        else:
            tables = [row[0] for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)  # noqa: S608
            for table in tables
        }
