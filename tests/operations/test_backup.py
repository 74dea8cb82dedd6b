"""`nmirf backup` and `nmirf restore`, run as an administrator runs them, on the engine the
tests use: a backup restores into a migrated database with every table and uploaded file
equal; a database that is not empty is refused unless --force."""

import json
import tarfile

import pytest

from nmirf.operations.archive import ArchiveError
from nmirf.operations.databases import PostgresDatabase

from .scratch import scratch_database, table_rows, upr_info_file


@pytest.fixture
def source(db, tmp_path):
    """A database with content: an import (with its upload kept in MEDIA_ROOT), a user."""
    with scratch_database(tmp_path, "source") as scratch:
        scratch.nmirf("migrate", "--no-input", "-v0")
        scratch.nmirf("import", "upr-info", str(upr_info_file(tmp_path / "upr.csv")))
        scratch.nmirf("shell", "-c", "from nmirf.accounts.models import User; "
                                     "User.objects.create_user('root', password='x' * 20)")
        upload = scratch.media / "imports" / "1" / "upr.csv"
        upload.parent.mkdir(parents=True)
        upload.write_text("what the person uploaded", encoding="utf-8")
        yield scratch


def test_a_backup_restores_into_a_migrated_database_with_every_table_equal(source, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    result = source.nmirf("backup", "--out", str(archive))
    assert "Backup written" in result.stdout

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and names[-1] == "checksums.json"
    assert "media/imports/1/upr.csv" in names
    assert manifest["engine"] == source.vendor
    assert manifest["format_version"] == 1
    assert "0006_reference_data" in manifest["migrations"]["recommendations"]
    assert manifest["app_version"] and manifest["created_at"]

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


def test_a_backup_restores_into_a_database_with_no_tables(source, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    source.nmirf("backup", "--out", str(archive))
    with scratch_database(tmp_path, "bare") as target:
        target.nmirf("restore", str(archive))
        assert table_rows(target) == table_rows(source)


def test_it_refuses_to_restore_over_a_database_that_is_not_empty(source, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    source.nmirf("backup", "--out", str(archive))
    source.nmirf("shell", "-c", "from nmirf.ingest.models import ImportRun; "
                                "ImportRun.objects.create(source='after the backup')")
    before = table_rows(source)

    result = source.nmirf("restore", str(archive), check=False)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: The database is not empty (it holds accounts.User, ingest.ImportRun, "
        "recommendations.Recommendation…, 1 uploaded files): restore into a new database, or "
        "pass --force to replace everything in it."]
    assert table_rows(source) == before

    forced = source.nmirf("restore", "--force", str(archive))
    assert "Restored the backup" in forced.stdout
    assert table_rows(source) != before  # the run created after the backup is gone
    kept_aside = [path.name for path in source.data_dir.iterdir()
                  if path.name.startswith("media.before-restore-")]
    assert len(kept_aside) == 1


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
