"""Taking a backup: the database (a consistent snapshot, while the app runs) and the uploaded
files, in one archive with a manifest (archive.py)."""

import importlib.metadata
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.utils.translation import gettext as _

from .archive import DATABASE_FILES, FORMAT, FORMAT_VERSION, MEDIA, ArchiveError, ArchiveWriter
from .databases import database_for


def app_version() -> str:
    try:
        return importlib.metadata.version("opennmirf")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(name in the archive, path) for every regular file under MEDIA_ROOT; links are left
    out (a link could point anywhere on the server)."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append(("/".join((MEDIA, *path.relative_to(root).parts)), path))
    return found


def default_name() -> str:
    return f"nmirf-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"


def make_backup(out: Path, *, alias: str = "default", progress=None, say=None) -> dict:
    """Write a backup archive to `out` (which must not exist); return its manifest.
    `progress(total_bytes)` returns a callable given each chunk's size; `say` prints a line."""
    say = say or (lambda line: None)
    out = Path(out)
    if out.exists():
        raise ArchiveError(_("%(path)s already exists: choose another name.") % {"path": out})
    if not out.parent.is_dir():
        raise ArchiveError(_("%(path)s: no such folder.") % {"path": out.parent})
    database = database_for(alias)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".nmirf-backup-") as scratch:
        dump = Path(scratch) / DATABASE_FILES[database.engine]
        say(_("Copying the database…"))
        database.dump(dump)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": database.engine,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app_version": app_version(),
            "django_version": django.get_version(),
            "migrations": database.migrations_in(dump),
        }
        media = media_files(Path(settings.MEDIA_ROOT))
        total = dump.stat().st_size + sum(path.stat().st_size for _name, path in media)
        say(_("Writing the archive (uploaded files: %(files)s)…") % {"files": len(media)})
        tick = progress(total) if progress else None
        writer = ArchiveWriter(out, manifest, progress=tick)
        try:
            writer.add_file(dump.name, dump)
            for name, path in media:
                try:
                    writer.add_file(name, path)
                except FileNotFoundError:
                    continue  # deleted since the listing (a finished import's upload)
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
    return manifest
