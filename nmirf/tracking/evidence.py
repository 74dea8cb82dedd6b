"""Evidence files: what a file is, told from its content (never its name or the type the
browser sent), and where it is kept.

Accepted: PDF, PNG, JPEG, GIF, WebP, plain text and CSV (valid UTF-8, no NUL byte), and
office documents — OOXML (.docx, .xlsx, .pptx: a zip with `[Content_Types].xml` and its
part folder) and ODF (.odt, .ods, .odp: a zip whose `mimetype` entry names an
OpenDocument type). Anything else is refused, executables in disguise first (Windows MZ,
ELF, Mach-O, a script's `#!`), and any other zip (an archive may hold anything).

Files are stored under a generated name (a uuid) in NMIRF_EVIDENCE_DIR (default:
MEDIA_ROOT/evidence, under the data directory: outside the static files, mapped to no URL,
and carried by `nmirf backup`), and reach a browser only through the download view, which
checks who may read the update."""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str


PDF = FileKind("pdf", "application/pdf")
PNG = FileKind("png", "image/png")
JPEG = FileKind("jpeg", "image/jpeg")
GIF = FileKind("gif", "image/gif")
WEBP = FileKind("webp", "image/webp")
TEXT = FileKind("text", "text/plain; charset=utf-8")
OOXML = FileKind("ooxml", "application/octet-stream")
ODF = FileKind("odf", "application/octet-stream")

SIGNATURES = [(b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG),
              (b"GIF87a", GIF), (b"GIF89a", GIF)]
EXECUTABLES = [b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
               b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!"]
OOXML_PARTS = ("word/", "xl/", "ppt/")
ODF_TYPES = ("application/vnd.oasis.opendocument.",)
# A text file is read whole to check it is UTF-8; larger "text" is more likely not.
TEXT_CHECK_BYTES = 10 * 1024 * 1024


def _refuse():
    return ValidationError(_("This file's content is not one of the accepted types (PDF, "
                             "PNG, JPEG, GIF, WebP, plain text or CSV, Word/Excel/PowerPoint "
                             "or OpenDocument documents). Files are checked by what they "
                             "contain, not by their name."), code="file_type")


def _zip_kind(upload) -> FileKind:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
                if mimetype.startswith(ODF_TYPES) and "content.xml" in names:
                    return ODF
            if "[Content_Types].xml" in names and any(
                    name.startswith(OOXML_PARTS) for name in names):
                return OOXML
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        pass
    raise _refuse()


def _is_text(upload) -> bool:
    upload.seek(0)
    data = upload.read(TEXT_CHECK_BYTES + 1)
    if not data or len(data) > TEXT_CHECK_BYTES or b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def kind_of(upload) -> FileKind:
    """The file's type from its first bytes (and, for a zip or text, its content);
    ValidationError for anything not accepted."""
    upload.seek(0)
    head = upload.read(16)
    if any(head.startswith(signature) for signature in EXECUTABLES):
        raise ValidationError(_("This file is a program or a script, whatever its name says: "
                                "programs cannot be attached as evidence."), code="executable")
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if _is_text(upload):
        return TEXT
    raise _refuse()


def max_bytes() -> int:
    return settings.NMIRF_EVIDENCE_MAX_BYTES


def check(upload) -> FileKind:
    """Size first (nothing of a file too large is read), then the content."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("This file is %(size)s: evidence files may be at most %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())},
            code="too_large")
    if upload.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    return kind_of(upload)


def storage_dir() -> Path:
    return Path(settings.NMIRF_EVIDENCE_DIR)


def path_of(stored_name: str) -> Path:
    return storage_dir() / stored_name


def store(upload) -> tuple[str, str]:
    """Write the upload under a new generated name; (stored name, sha256)."""
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = uuid.uuid4().hex
    digest = hashlib.sha256()
    upload.seek(0)
    with open(directory / stored_name, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return stored_name, digest.hexdigest()


def safe_name(name: str) -> str:
    """The name the person gave, without folders or control characters, for showing and
    for the download's suggested name."""
    name = Path(str(name).replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return (name or "evidence")[:255]
