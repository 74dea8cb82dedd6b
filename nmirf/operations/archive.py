"""The backup archive: one .tar.gz holding, in this order,

    manifest.json       format, engine, migration state, created at, app version
    database.sqlite3    (SQLite) or database.pgdump (PostgreSQL, pg_dump's custom format)
    media/...           the uploaded files (MEDIA_ROOT)
    checksums.json      size and SHA-256 of every file above

The manifest comes first so that a restore refuses a backup of another engine or of a newer
version before reading gigabytes; the checksums come last because media files are hashed as
they are written. Reading trusts nothing in the file: only regular files with plain relative
names under the names above, no links or devices, sizes within the free disk space and the
limit given, every file listed in checksums.json with its size and hash, and nothing extra.
Everything is extracted into a scratch folder first, so a refused archive changes nothing.
"""

import hashlib
import io
import json
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

FORMAT = "opennmirf-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
MANIFEST_LIMIT = 1024 * 1024
CHECKSUMS_LIMIT = 64 * 1024 * 1024
CHUNK = 1024 * 1024
# Room left on the disk after extracting, so that a restore never fills it.
DISK_MARGIN = 64 * 1024 * 1024
BLOCK = 4096


class ArchiveError(Exception):
    """A backup archive that cannot be written or read: the message is one line for a person."""


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, handle, progress=None):
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.progress = progress

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha256.update(data)
        if self.progress is not None:
            self.progress(len(data))
        return data


class ArchiveWriter:
    """Writes a backup archive to `path` + ".partial", renamed to `path` when complete."""

    def __init__(self, path: Path, manifest: dict, progress=None):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.progress = progress
        self.checksums: dict[str, dict] = {}
        # The archive holds everything, password hashes included: readable by its owner
        # alone from the first byte written, whatever the umask.
        handle = os.fdopen(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                           "wb")
        self.tar = tarfile.open(fileobj=handle, mode="w:gz", format=tarfile.PAX_FORMAT,
                                compresslevel=6)
        self._file = handle
        self._add_bytes(MANIFEST, json.dumps(manifest, indent=2).encode())

    def _add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        self.tar.addfile(info, io.BytesIO(data))

    def add_file(self, name: str, source: Path) -> None:
        """Adds a file as it is now; a file that grows while being read is cut at the size
        it had when the copy began (tarfile reads exactly that many bytes)."""
        with open(source, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            info = tarfile.TarInfo(name)
            info.size = size
            info.mode = 0o600
            reader = _HashingReader(handle, self.progress)
            try:
                self.tar.addfile(info, reader)
            except OSError as error:  # it shrank while we read it
                raise ArchiveError(
                    _("%(name)s changed while it was being copied; run the backup again.")
                    % {"name": source}
                ) from error
        self.checksums[name] = {"size": size, "sha256": reader.sha256.hexdigest()}

    def finish(self) -> Path:
        self._add_bytes(CHECKSUMS, json.dumps(self.checksums, indent=1).encode())
        self.tar.close()
        self._file.close()
        os.replace(self.partial, self.path)
        return self.path

    def abandon(self) -> None:
        self.tar.close()
        self._file.close()
        self.partial.unlink(missing_ok=True)


@dataclass
class ExtractedBackup:
    manifest: dict
    folder: Path  # holds the database file and media/

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_FILES[self.manifest["engine"]]

    @property
    def media(self) -> Path:
        return self.folder / MEDIA


def _safe_name(member: tarfile.TarInfo, engine: str) -> str:
    name = member.name
    path = PurePosixPath(name)
    if (not name or "\\" in name or "\x00" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise ArchiveError(_("The archive holds an unsafe path (%(name)r): refused, nothing "
                             "was changed.") % {"name": name[:200]})
    if not (member.isreg() or member.isdir()):
        raise ArchiveError(_("The archive holds a link or special file (%(name)r): refused, "
                             "nothing was changed.") % {"name": name[:200]})
    allowed = name in (DATABASE_FILES[engine], CHECKSUMS) or path.parts[0] == MEDIA
    if not allowed:
        raise ArchiveError(_("The archive holds an unexpected file (%(name)r): this is not "
                             "an OpenNMIRF backup; nothing was changed.") % {"name": name[:200]})
    return name


def _read_json(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> dict:
    if not member.isreg() or member.size > limit:
        raise ArchiveError(_("The archive's %(name)s is not a small file: this is not an "
                             "OpenNMIRF backup; nothing was changed.") % {"name": member.name})
    try:
        data = json.loads(tar.extractfile(member).read(limit + 1))
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(_("The archive's %(name)s is not valid JSON: this is not an "
                             "OpenNMIRF backup; nothing was changed.")
                           % {"name": member.name}) from error
    if not isinstance(data, dict):
        raise ArchiveError(_("The archive's %(name)s is not a JSON object: this is not an "
                             "OpenNMIRF backup; nothing was changed.") % {"name": member.name})
    return data


def read_archive(path: Path, folder: Path, *, check_manifest, max_bytes: int | None = None,
                 progress=None) -> ExtractedBackup:
    """Extract a backup into `folder` (empty, on the disk the restore writes to), checking
    everything; `check_manifest(manifest)` raises ArchiveError to refuse the backup before
    its contents are read. Raises ArchiveError with one line on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(_("%(path)s: no such file.") % {"path": path})
    budget = shutil.disk_usage(folder).free - DISK_MARGIN
    if max_bytes is not None:
        budget = min(budget, max_bytes)
    try:
        with tarfile.open(path, "r:gz") as tar:
            return _extract(tar, folder, check_manifest, budget, progress)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(_("%(path)s is not a readable backup archive (%(error)s); nothing "
                             "was changed.") % {"path": path.name, "error": error}) from error


def _read_manifest(tar, first) -> dict:
    manifest = _read_json(tar, first, MANIFEST_LIMIT)
    if manifest.get("format") != FORMAT:
        raise ArchiveError(_("The archive's manifest is not an OpenNMIRF backup's; nothing "
                             "was changed."))
    if manifest.get("engine") not in DATABASE_FILES:
        raise ArchiveError(_("The backup names an unknown database engine (%(engine)r); "
                             "nothing was changed.") % {"engine": manifest.get("engine")})
    return manifest


def _write_member(tar, member, target: Path, progress) -> dict:
    """Copy one file of the archive to `target` (which must not exist), with its size
    and checksum."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            if progress is not None:
                progress(len(chunk))
    return {"size": member.size, "sha256": digest.hexdigest()}


def _check_written(written: dict, checksums: dict | None, engine: str) -> None:
    """What was extracted is what the archive's checksums list, database included."""
    if checksums is None:
        raise ArchiveError(_("The archive ends without its checksums: it is incomplete or "
                             "not an OpenNMIRF backup; nothing was changed."))
    if written != checksums:
        wrong = sorted(set(written) ^ set(checksums)) or sorted(
            name for name in written if written[name] != checksums.get(name))
        raise ArchiveError(_("The archive is corrupt: %(name)r does not match its checksum "
                             "or is missing; nothing was changed.") % {"name": wrong[0][:200]})
    if DATABASE_FILES[engine] not in written:
        raise ArchiveError(_("The archive holds no database: nothing was changed."))


def _extract(tar, folder: Path, check_manifest, budget: int, progress) -> ExtractedBackup:
    first = tar.next()
    if first is None or first.name != MANIFEST:
        raise ArchiveError(_("The archive does not begin with a manifest: this is not an "
                             "OpenNMIRF backup; nothing was changed."))
    manifest = _read_manifest(tar, first)
    check_manifest(manifest)

    engine = manifest["engine"]
    written: dict[str, dict] = {}
    checksums = None
    total = 0
    for member in tar:  # (iterating a TarFile starts again from its first member)
        if member is first:
            continue
        if checksums is not None:
            raise ArchiveError(_("The archive holds files after its checksums: refused, "
                                 "nothing was changed."))
        if member.name == CHECKSUMS:
            checksums = _read_json(tar, member, CHECKSUMS_LIMIT)
            continue
        name = _safe_name(member, engine)
        if member.isdir():
            continue
        if name in written:
            raise ArchiveError(_("The archive holds %(name)r twice: refused, nothing was "
                               "changed.") % {"name": name[:200]})
        # Every file takes at least a block on disk: a million empty members count too.
        total += max(member.size, BLOCK)
        if total > budget:
            raise ArchiveError(_("The archive's files are larger (%(size)s bytes and more) "
                                 "than the room allowed for them (%(budget)s bytes): refused, "
                                 "nothing was changed.") % {"size": total, "budget": budget})
        written[name] = _write_member(tar, member, folder.joinpath(*PurePosixPath(name).parts),
                                      progress)

    _check_written(written, checksums, engine)
    return ExtractedBackup(manifest=manifest, folder=folder)
