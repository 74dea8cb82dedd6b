"""Copying the database out of and back into each engine the project runs on.

SQLite: out through the online backup API (sqlite3.Connection.backup), which copies a
consistent snapshot while the web server and worker keep writing (in WAL mode writers are not
even paused); back in through the same API, which replaces the target file's whole content
under one exclusive lock. PostgreSQL: out through `pg_dump` (one snapshot of the database,
custom format); back in by turning the dump into SQL (`pg_restore --file`) and running it,
after dropping what the target holds, in one transaction with `psql`, so that a failed
restore leaves the target as it was."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.apps import apps
from django.db import connections
from django.utils.translation import gettext as _

from .archive import ArchiveError

# Tables that `nmirf migrate` fills by itself: Django's bookkeeping and the shipped reference
# data (recommendations 0006, followup 0002). A database whose other tables hold no row is "empty".
FILLED_BY_MIGRATE = {
    "contenttypes.contenttype",
    "auth.permission",
    "recommendations.mechanism",
    "recommendations.mandate",
    "recommendations.state",
    "recommendations.statealias",
    "recommendations.uprsession",
    "recommendations.uprsession_states",
    "recommendations.taxonomy",
    "recommendations.term",
    # The crosswalk of cycle-2 UHRI themes to today's (recommendations 0010).
    "recommendations.themecrosswalk",
    # Each mechanism's follow-up settings, seeded from its reference data (followup 0002).
    "followup.followupsetting",
}


def engine_of(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise ArchiveError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.")
                           % {"vendor": vendor})
    return vendor


def rows_beyond_migrate(alias: str = "default") -> list[str]:
    """The models whose tables hold rows that `migrate` did not put there (empty list: the
    database is empty in the sense of docs/admin-guide.md)."""
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            label = model._meta.label_lower
            table = model._meta.db_table
            if label in FILLED_BY_MIGRATE or table not in tables:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - a model's own table name
            if cursor.fetchone():
                found.append(model._meta.label)
    return sorted(found)


def _by_app(migrations) -> dict[str, list[str]]:
    """(app, name) pairs as the manifest keeps them: {app: [name, …]}, sorted."""
    state: dict[str, list[str]] = {}
    for app, name in sorted(migrations):
        state.setdefault(app, []).append(name)
    return state


def applied_migrations(alias: str = "default") -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    return _by_app(recorder.applied_migrations())


class SqliteDatabase:
    engine = "sqlite"

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.path = str(connections[alias].settings_dict["NAME"])

    def _connect(self, path: str) -> sqlite3.Connection:
        timeout = connections[self.alias].settings_dict.get("OPTIONS", {}).get("timeout", 20)
        return sqlite3.connect(path, timeout=timeout, isolation_level=None)

    def dump(self, target: Path) -> None:
        if not Path(self.path).is_file():  # sqlite3.connect would create an empty one
            raise ArchiveError(_("There is no database at %(path)s: nothing to back up.")
                               % {"path": self.path})
        source = self._connect(self.path)
        copy = sqlite3.connect(target)
        try:
            # One step: the copy is one snapshot. Step by step, a write by the running app
            # between steps would restart the copy, possibly forever under steady writes.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()

    @staticmethod
    def migrations_in(dump: Path) -> dict[str, list[str]]:
        """The migration state recorded in a copy (the snapshot's own, not the live one's)."""
        with sqlite3.connect(f"file:{dump}?mode=ro", uri=True) as copy:
            try:
                rows = copy.execute("SELECT app, name FROM django_migrations").fetchall()
            except sqlite3.DatabaseError:
                return {}
        return _by_app(rows)

    def check(self, dump: Path) -> None:
        try:
            with sqlite3.connect(f"file:{dump}?mode=ro", uri=True) as copy:
                result = copy.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            result = str(error)
        if result != "ok":
            raise ArchiveError(_("The backup's database is damaged (%(result)s); nothing was "
                                 "changed.") % {"result": result})

    def load(self, dump: Path) -> None:
        connections[self.alias].close()
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        target = self._connect(self.path)
        try:
            # Out of WAL first: into a WAL file the backup API cannot write pages of another
            # size (a file made by an earlier version has 4 KiB pages, a new one 8 KiB).
            # This needs the only connection, so a running app is told to stop (below).
            target.execute("PRAGMA journal_mode=DELETE")
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as error:
            raise ArchiveError(_("The database could not be replaced (%(error)s): stop the web "
                                 "server and the worker, then restore again.")
                               % {"error": error}) from error
        finally:
            target.close()
            source.close()


class PostgresDatabase:
    engine = "postgresql"

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.settings = connections[alias].settings_dict

    def _tool(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            raise ArchiveError(_("%(tool)s was not found: install the PostgreSQL client tools "
                                 "(Debian: apt install postgresql-client) of the server's "
                                 "version or newer.") % {"tool": name})
        return path

    def _env(self) -> dict[str, str]:
        """libpq's variables, so that no password appears on a command line."""
        env = dict(os.environ)
        values = {
            "PGDATABASE": self.settings.get("NAME"), "PGUSER": self.settings.get("USER"),
            "PGPASSWORD": self.settings.get("PASSWORD"), "PGHOST": self.settings.get("HOST"),
            "PGPORT": self.settings.get("PORT"),
        }
        options = self.settings.get("OPTIONS", {})
        for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                                 ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
            values[variable] = options.get(option)
        env.update({key: str(value) for key, value in values.items() if value})
        return env

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(args, env=self._env(), capture_output=True, text=True)
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            reason = lines[-1] if lines else f"exit status {result.returncode}"
            raise ArchiveError(_("%(tool)s failed: %(reason)s")
                               % {"tool": Path(args[0]).name, "reason": reason})
        return result

    def dump(self, target: Path) -> None:
        self._run(self._tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={target}")

    def migrations_in(self, dump: Path) -> dict[str, list[str]]:
        # pg_dump's snapshot was taken a moment ago; a migration run in that moment is the
        # only way this could differ, and an administrator does not migrate during a backup.
        return applied_migrations(self.alias)

    def check(self, dump: Path) -> None:
        tool = self._tool("pg_restore")
        try:
            self._run(tool, "--list", str(dump))
        except ArchiveError as error:
            raise ArchiveError(_("The backup's database is damaged (%(result)s); nothing was "
                                 "changed.") % {"result": error}) from error

    def _drop_statements(self) -> list[str]:
        """DROP statements for everything in the current schema that no extension owns."""
        not_extension = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} "
                         "AND d.deptype = 'e')")
        relations = [
            f"SELECT format('DROP {kind} IF EXISTS %I.%I CASCADE', n.nspname, c.relname) "  # noqa: S608 - identifiers from code, values bound
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = current_schema() AND c.relkind IN ({relkinds}) AND "
            + not_extension.format(oid="c.oid")
            for kind, relkinds in (("TABLE", "'r', 'p'"), ("VIEW", "'v'"), ("SEQUENCE", "'S'"))
        ]
        queries = relations + [
            "SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure) "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.prokind = 'f' AND "
            + not_extension.format(oid="p.oid"),
        ]
        statements = []
        with connections[self.alias].cursor() as cursor:
            for query in queries:
                cursor.execute(query)
                statements += [row[0] for row in cursor.fetchall()]
        return statements

    def load(self, dump: Path) -> None:
        pg_restore, psql = self._tool("pg_restore"), self._tool("psql")
        drops = self._drop_statements()
        connections[self.alias].close()
        with tempfile.TemporaryDirectory(dir=dump.parent) as scratch:
            script = Path(scratch) / "restore.sql"
            self._run(pg_restore, "--no-owner", "--no-privileges", f"--file={script}",
                      str(dump))
            wrapper = Path(scratch) / "all.sql"
            with open(wrapper, "w", encoding="utf-8") as out:
                for statement in drops:
                    out.write(statement + ";\n")
                out.write(f"\\i '{script}'\n")
            self._run(psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                      "--single-transaction", f"--file={wrapper}")


def database_for(alias: str = "default"):
    return SqliteDatabase(alias) if engine_of(alias) == "sqlite" else PostgresDatabase(alias)
