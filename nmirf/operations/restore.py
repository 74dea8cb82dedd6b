"""Restoring a backup into an empty database (or, when told, over one that is not).

"Empty" means: the database has no tables, or only what `nmirf migrate` puts there (Django's
bookkeeping and the shipped reference data, databases.FILLED_BY_MIGRATE), and MEDIA_ROOT holds
no file. A new server after `nmirf migrate` is empty; one where anybody has signed up,
imported or uploaded is not. Edits to reference data alone do not count: a restore replaces
them with the backup's.

Order of work, so that a refusal or failure changes nothing: read and check the whole archive
into a scratch folder beside MEDIA_ROOT, check the target, then replace the database (one
transaction or one lock), then swap the media folder (renames on one disk); the media files
the target had are kept aside under MEDIA_ROOT's name + ".before-restore-<time>"."""

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from .archive import DATABASE_FILES, FORMAT_VERSION, ArchiveError, read_archive
from .backup import media_files
from .databases import applied_migrations, database_for, rows_beyond_migrate


class NotEmpty(ArchiveError):
    """The target holds data; restoring would replace it."""


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _checker(engine: str):
    def check(manifest: dict) -> None:
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ArchiveError(_("This backup's format (version %(version)s) is newer than this "
                                 "OpenNMIRF reads (%(ours)s): upgrade OpenNMIRF first; nothing "
                                 "was changed.") % {"version": version, "ours": FORMAT_VERSION})
        if manifest["engine"] != engine:
            raise ArchiveError(_("This backup is of a %(theirs)s database and this server uses "
                                 "%(ours)s: restore it on a %(theirs)s server; nothing was "
                                 "changed.") % {"theirs": manifest["engine"], "ours": engine})
        migrations = manifest.get("migrations")
        if not isinstance(migrations, dict):
            raise ArchiveError(_("The backup's manifest has no migration state; nothing was "
                                 "changed."))
        known = _known_migrations()
        unknown = sorted((app, name) for app, names in migrations.items()
                         for name in (names if isinstance(names, list) else [names])
                         if (app, name) not in known)
        if unknown:
            raise ArchiveError(_("This backup was made by a newer OpenNMIRF (migration "
                                 "%(app)s.%(name)s is unknown here, app version %(version)s): "
                                 "upgrade first; nothing was changed.")
                               % {"app": unknown[0][0], "name": unknown[0][1],
                                  "version": manifest.get("app_version", "?")})
    return check


def check_empty(alias: str = "default") -> None:
    found = rows_beyond_migrate(alias)
    media = media_files(Path(settings.MEDIA_ROOT))
    if found or media:
        what = ", ".join(found[:3]) + ("…" if len(found) > 3 else "")
        if media:
            what = ", ".join(filter(None, [what, _("uploaded files: %(n)s") % {"n": len(media)}]))
        raise NotEmpty(_("The database is not empty (it holds %(what)s): restore into a new "
                         "database, or pass --force to replace everything in it.")
                       % {"what": what})


def restore_backup(path: Path, *, force: bool = False, alias: str = "default",
                   max_bytes: int | None = None, progress=None, say=None) -> dict:
    """Restore the backup at `path`; return its manifest. Raises ArchiveError (one line) and
    changes nothing when the archive or the target is refused."""
    say = say or (lambda line: None)
    database = database_for(alias)
    if not force:
        check_empty(alias)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".nmirf-restore-") as scratch:
        say(_("Reading and checking the archive…"))
        extracted = read_archive(path, Path(scratch), check_manifest=_checker(database.engine),
                                 max_bytes=max_bytes,
                                 progress=progress(None) if progress else None)
        database.check(extracted.database)
        if not force:
            check_empty(alias)  # again: something may have written while we read
        say(_("Replacing the database…"))
        database.load(extracted.database)
        say(_("Putting the uploaded files in place…"))
        _swap_media(extracted.media, media_root)
    return extracted.manifest


def _swap_media(restored: Path, media_root: Path) -> None:
    if media_root.exists():
        if any(media_files(media_root)):
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            os.replace(media_root, media_root.with_name(f"{media_root.name}.before-restore-"
                                                         f"{stamp}"))
        else:
            shutil.rmtree(media_root)
    if restored.is_dir():
        os.replace(restored, media_root)
    else:
        media_root.mkdir(parents=True)


def pending_migrations(alias: str = "default") -> bool:
    """Whether the restored database is behind the code (run `nmirf migrate`)."""
    applied = {(app, name) for app, names in applied_migrations(alias).items() for name in names}
    return bool(_known_migrations() - applied)


__all__ = ["DATABASE_FILES", "NotEmpty", "check_empty", "pending_migrations", "restore_backup"]
