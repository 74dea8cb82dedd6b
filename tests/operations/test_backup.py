"""`nmirf backup` and `nmirf restore`, run as an administrator runs them, on the engine the
tests use: a backup restores into a migrated database with every table and uploaded file
equal; a database that is not empty is refused unless --force."""

import contextlib
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.db import connection

from nmirf.operations.archive import ArchiveError
from nmirf.operations.databases import PostgresDatabase

from .scratch import scratch_database, table_rows, upr_info_file


@pytest.fixture(scope="module")
def source(django_db_setup, tmp_path_factory):
    """A database with content: an import (with its upload kept in MEDIA_ROOT), a user;
    made once for this module, and never changed by its tests."""
    tmp_path = tmp_path_factory.mktemp("source")
    with scratch_database(tmp_path, "source") as scratch:
        scratch.nmirf("migrate", "--no-input", "-v0")
        scratch.nmirf("import", "upr-info", str(upr_info_file(tmp_path / "upr.csv")))
        scratch.nmirf("shell", "-c", "from nmirf.accounts.models import User; "
                                     "User.objects.create_user('root', password='x' * 20)")
        upload = scratch.media / "imports" / "1" / "upr.csv"
        upload.parent.mkdir(parents=True)
        upload.write_text("what the person uploaded", encoding="utf-8")
        yield scratch


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("backup") / "backup.tar.gz"
    result = source.nmirf("backup", "--out", str(path))
    assert f"Backup written: {path} ({source.vendor}," in result.stdout
    return path


def test_the_archive_holds_a_manifest_the_database_the_uploads_and_checksums(source, archive):
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and names[-1] == "checksums.json"
    assert "media/imports/1/upr.csv" in names
    assert manifest["engine"] == source.vendor
    assert manifest["format_version"] == 1
    assert "0006_reference_data" in manifest["migrations"]["recommendations"]
    assert manifest["app_version"] and manifest["created_at"]


def test_the_archive_is_readable_by_its_owner_alone(archive):
    # It holds every account's password hash and whatever the state has not published.
    assert archive.stat().st_mode & 0o777 == 0o600


def test_a_backup_restores_into_a_migrated_database_with_every_table_equal(db, source,
                                                                           archive, tmp_path):
    with scratch_database(tmp_path, "target") as target:
        target.nmirf("migrate", "--no-input", "-v0")  # what a new administrator has
        result = target.nmirf("restore", str(archive))
        assert "Restored the backup" in result.stdout
        assert table_rows(target) == table_rows(source)
        restored = target.media / "imports" / "1" / "upr.csv"
        assert restored.read_text(encoding="utf-8") == "what the person uploaded"
        # The restored instance works: it serves the search of what was imported.
        check = target.nmirf("shell", "-c", (
            "from nmirf.core import search; from nmirf.recommendations.models import "
            "Recommendation as R; print(search.search(R.objects.all(), 'ratify').count())"))
        assert check.stdout.strip().splitlines()[-1] == "3"

        # Restored once, the database is no longer empty: a second restore is refused...
        target.nmirf("shell", "-c", "from nmirf.ingest.models import ImportRun; "
                                    "ImportRun.objects.create(source='after the restore')")
        before = table_rows(target)
        refused = target.nmirf("restore", str(archive), check=False)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            "CommandError: The database is not empty (it holds accounts.User, "
            "audit.AuditEvent, ingest.ImportRun…, uploaded files: 1): restore into a new "
            "database, or pass --force to replace everything in it."]
        assert table_rows(target) == before

        # ...unless forced: the run created since is gone, the uploads kept aside.
        forced = target.nmirf("restore", "--force", str(archive))
        assert "Restored the backup" in forced.stdout
        assert table_rows(target) == table_rows(source)
        kept_aside = [path.name for path in target.data_dir.iterdir()
                      if path.name.startswith("media.before-restore-")]
        assert len(kept_aside) == 1


def test_backup_and_restore_show_their_progress_when_asked(db, source, tmp_path):
    path = tmp_path / "progress.tar.gz"
    backup = source.nmirf("backup", "--progress", "--out", str(path))
    assert "Backup: 100%" in backup.stderr
    with scratch_database(tmp_path, "progress") as target:
        restore = target.nmirf("restore", "--progress", str(path))
        assert "Restore: " in restore.stderr


def test_a_backup_restores_into_a_database_with_no_tables(db, source, archive, tmp_path):
    with scratch_database(tmp_path, "bare") as target:
        target.nmirf("restore", str(archive))
        assert table_rows(target) == table_rows(source)


def test_it_refuses_to_overwrite_an_existing_archive(db, tmp_path):
    from django.core.management import CommandError, call_command

    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"an older backup")
    with pytest.raises(CommandError) as error:
        call_command("backup", "--out", str(archive))
    assert str(error.value) == f"{archive} already exists: choose another name."
    assert archive.read_bytes() == b"an older backup"


def test_without_pg_dump_a_postgresql_backup_says_what_to_install(monkeypatch, tmp_path):
    # Reaches no server: the tool is looked for before anything runs.
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(ArchiveError) as error:
        PostgresDatabase().dump(tmp_path / "dump")
    assert str(error.value) == (
        "pg_dump was not found: install the PostgreSQL client tools (Debian: apt install "
        "postgresql-client) of the server's version or newer.")


def test_a_sqlite_backup_with_4_kib_pages_restores_into_a_new_8_kib_file(db, tmp_path):
    # A file made by an earlier version keeps 4 KiB pages; a new one (WAL) has 8 KiB.
    if connection.vendor != "sqlite":
        pytest.skip("page sizes are SQLite's")
    with scratch_database(tmp_path, "old") as old, scratch_database(tmp_path, "new") as new:
        with contextlib.closing(sqlite3.connect(old.name)) as db_:
            db_.execute("PRAGMA page_size=4096")
            db_.execute("CREATE TABLE made_by_an_earlier_version (x)")
        old.nmirf("migrate", "--no-input", "-v0")
        old.nmirf("backup", "--out", str(tmp_path / "old.tar.gz"))
        new.nmirf("migrate", "--no-input", "-v0")
        new.nmirf("restore", str(tmp_path / "old.tar.gz"))
        assert table_rows(new) == table_rows(old)
        with contextlib.closing(new.connect()) as db_:
            assert db_.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_backup_of_a_sqlite_file_that_is_not_there_creates_nothing(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("a file is SQLite's")
    with scratch_database(tmp_path, "none") as none:
        result = none.nmirf("backup", "--out", str(tmp_path / "b.tar.gz"), check=False)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"CommandError: There is no database at {none.name}: nothing to back up.")
        assert not Path(none.name).exists()
        assert not (tmp_path / "b.tar.gz").exists()
