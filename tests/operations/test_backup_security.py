"""`nmirf restore` refuses a corrupt or hostile archive with one clear line, and changes
nothing: not the database, not MEDIA_ROOT, not a file outside it."""

import gzip
import hashlib
import io
import json
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from nmirf.ingest.models import ImportRun
from nmirf.operations.archive import DATABASE_FILES
from nmirf.operations.databases import applied_migrations
from tests.conftest import registry_snapshot


def _info(name: str, data: bytes = b"", kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = link
    return info


def manifest(**changes) -> dict:
    values = {"format": "opennmirf-backup", "format_version": 1, "engine": connection.vendor,
              "created_at": "2026-12-01T00:00:00+00:00", "app_version": "0.1.0",
              "migrations": applied_migrations()}
    values.update(changes)
    return values


def build(path, members, *, manifest_=None, checksums=True):
    """An archive of `members` ((TarInfo, data) pairs) after a manifest, with checksums of
    the regular files unless told otherwise (True: computed; a dict: as given)."""
    with tarfile.open(path, "w:gz") as tar:
        data = json.dumps(manifest_ or manifest()).encode()
        tar.addfile(_info("manifest.json", data), io.BytesIO(data))
        sums = {}
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
            if info.isreg():
                sums[info.name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        if checksums is not False:
            data = json.dumps(sums if checksums is True else checksums).encode()
            tar.addfile(_info("checksums.json", data), io.BytesIO(data))
    return path


def database_member(data: bytes = b"not a real database") -> tuple:
    return (_info(DATABASE_FILES[connection.vendor], data), data)


def terabyte_claim(path):
    """A member whose header claims a terabyte, followed by a few bytes: no real data."""
    buffer = io.BytesIO()
    header = json.dumps(manifest()).encode()
    buffer.write(_info("manifest.json", header).tobuf(format=tarfile.PAX_FORMAT))
    buffer.write(header + b"\0" * (-len(header) % 512))
    huge = _info("media/huge.bin")
    huge.size = 2**40
    buffer.write(huge.tobuf(format=tarfile.PAX_FORMAT))
    buffer.write(b"\0" * 1024)
    path.write_bytes(gzip.compress(buffer.getvalue()))
    return path


def _written(path, data: bytes):
    path.write_bytes(data)
    return path


CASES = {
    "path traversal": (lambda p: build(p, [database_member(), (_info("media/../../escape.txt",
                                                                     b"x"), b"x")]),
                       "The archive holds an unsafe path ('media/../../escape.txt')"),
    "parent folder first": (lambda p: build(p, [(_info("../escape.txt", b"x"), b"x")]),
                            "The archive holds an unsafe path ('../escape.txt')"),
    "absolute path": (lambda p: build(p, [(_info("/tmp/escape.txt", b"x"), b"x")]),
                      "The archive holds an unsafe path ('/tmp/escape.txt')"),
    "symbolic link": (lambda p: build(p, [database_member(), (_info(
        "media/passwd", kind=tarfile.SYMTYPE, link="/etc/passwd"), b"")]),
                      "The archive holds a link or special file ('media/passwd')"),
    "hard link": (lambda p: build(p, [database_member(), (_info(
        "media/hard", kind=tarfile.LNKTYPE, link="/etc/passwd"), b"")]),
                  "The archive holds a link or special file ('media/hard')"),
    "device": (lambda p: build(p, [(_info("media/null", kind=tarfile.CHRTYPE), b"")]),
               "The archive holds a link or special file ('media/null')"),
    "unexpected file": (lambda p: build(p, [database_member(), (_info("run.sh", b"x"), b"x")]),
                        "The archive holds an unexpected file ('run.sh')"),
    "a member larger than allowed": (
        lambda p: build(p, [database_member(), (_info("media/zeros", b"\0" * 3_000_000),
                                                b"\0" * 3_000_000)]),
        "The archive's files are larger (3004096 bytes and more) than the room allowed for "
        "them (2000000 bytes)"),
    "many empty files": (
        lambda p: build(p, [database_member()] + [(_info(f"media/{n}"), b"") for n in range(500)]),
        "The archive's files are larger (2002944 bytes and more)"),
    "a header claiming a terabyte": (
        terabyte_claim, "The archive's files are larger (1099511627776 bytes and more)"),
    "checksum mismatch": (
        lambda p: build(p, [database_member()], checksums={
            DATABASE_FILES[connection.vendor]: {"size": 19, "sha256": "0" * 64}}),
        "The archive is corrupt: "),
    "no checksums": (lambda p: build(p, [database_member()], checksums=False),
                     "The archive ends without its checksums"),
    "another engine": (
        lambda p: build(p, [database_member()], manifest_=manifest(
            engine="postgresql" if connection.vendor == "sqlite" else "sqlite")),
        "This backup is of a "),
    "a newer version": (
        lambda p: build(p, [database_member()], manifest_=manifest(
            migrations={**applied_migrations(), "recommendations": ["9999_from_the_future"]},
            app_version="9.0")),
        "This backup was made by a newer OpenNMIRF (migration "
        "recommendations.9999_from_the_future is unknown here, app version 9.0)"),
    "a newer format": (lambda p: build(p, [database_member()],
                                       manifest_=manifest(format_version=2)),
                       "This backup's format (version 2) is newer than this OpenNMIRF reads"),
    "not a backup's manifest": (lambda p: build(p, [], manifest_={"hello": "world"}),
                                "The archive's manifest is not an OpenNMIRF backup's"),
    "not an archive": (lambda p: _written(p, b"just text"), "is not a readable backup archive"),
    "truncated": (lambda p: _written(p, build(p, [database_member(b"y" * 100_000)])
                                     .read_bytes()[:400]),
                  "is not a readable backup archive"),
    "a damaged database with the right checksum": (
        lambda p: build(p, [database_member()]),
        "The backup's database is damaged ("),
}


@pytest.fixture
def registry_in_use(coordinator):
    ImportRun.objects.create(source="upr_info", status="succeeded")
    upload = settings.MEDIA_ROOT / "imports" / "1" / "file.csv"
    upload.parent.mkdir(parents=True)
    upload.write_text("uploaded")
    return upload


def _state(upload):
    from nmirf.accounts.models import User

    files = sorted(str(p.relative_to(upload.parents[3])) for p in upload.parents[3].rglob("*"))
    return (registry_snapshot(), list(User.objects.values_list("username", "password")),
            list(ImportRun.objects.values_list("pk", "status")), files, upload.read_text())


@pytest.mark.parametrize("case", CASES)
def test_it_refuses_a_hostile_or_corrupt_archive_and_changes_nothing(case, registry_in_use,
                                                                     tmp_path):
    make, expected = CASES[case]
    archive = make(tmp_path / "backup.tar.gz")
    before = _state(registry_in_use)

    with pytest.raises(CommandError) as error:
        call_command("restore", "--force", "--max-size", "2000000", str(archive))

    message = str(error.value)
    assert expected in message
    assert "\n" not in message
    assert message.endswith("nothing was changed.")
    assert _state(registry_in_use) == before
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path.parent / "escape.txt").exists()
