"""Safety checks on the zip archives that Office files are (DOCX, XLSX), made on the
archive's directory before anything is unpacked: a file that would expand past a limit,
or a part that expands far more than real documents do, is refused as a possible zip
bomb; encrypted parts and archives of thousands of files are refused too."""

import zipfile

from .problems import SourceError

MB = 1024 * 1024
# Real documents compress 5 to 30 times; parts under RATIO_FLOOR are not judged.
MAX_RATIO = 100
RATIO_FLOOR = MB
MAX_MEMBERS = 5000


def megabytes(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= 10 * MB else f"{size / MB:,.1f} MB"


def check_totals(archive: zipfile.ZipFile, name: str, *, max_expanded: int,
                 max_members: int = MAX_MEMBERS) -> None:
    """Refuse an archive of too many files, with encrypted parts, or that would expand past
    `max_expanded` bytes."""
    infos = archive.infolist()
    if len(infos) > max_members:
        raise SourceError(f"{name} holds {len(infos):,} files; an Office document holds a "
                          "few dozen: it is refused.")
    if any(info.flag_bits & 0x1 for info in infos):
        raise SourceError(f"{name} is encrypted: remove the password and save it again.")
    total = sum(info.file_size for info in infos)
    if total > max_expanded:
        raise SourceError(
            f"{name} would expand to {megabytes(total)} when unpacked, more than the "
            f"{megabytes(max_expanded)} allowed: it is refused as a possible zip bomb."
        )


def check_ratios(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse an archive with a part that expands more than MAX_RATIO times."""
    for info in archive.infolist():
        if info.file_size > RATIO_FLOOR and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise SourceError(
                f"{name} looks like a zip bomb: its part {info.filename} would expand "
                f"{ratio:,.0f} times, to {megabytes(info.file_size)} (real documents expand "
                f"at most a few dozen times). It was not opened."
            )
