"""Safety checks on the zip archives that Office files are (DOCX, XLSX), made on the
archive's directory before anything is unpacked: a file that would expand past a limit,
or a part that expands far more than real documents do, is refused as a possible zip
bomb; encrypted parts and archives of thousands of files are refused too."""

import zipfile

from django.utils.translation import gettext_noop

from nmirf.core.problems import Amount, Message, Number, SourceError

MB = 1024 * 1024
# Real documents compress 5 to 30 times; parts under RATIO_FLOOR are not judged.
MAX_RATIO = 100
RATIO_FLOOR = MB
MAX_MEMBERS = 5000


def megabytes(size: int) -> Message:
    amount = Amount(size / MB, places=0 if size >= 10 * MB else 1)
    return Message(gettext_noop("%(size)s MB"), size=amount)


def check_totals(archive: zipfile.ZipFile, name: str, *, max_expanded: int,
                 max_members: int = MAX_MEMBERS) -> None:
    """Refuse an archive of too many files, with encrypted parts, or that would expand past
    `max_expanded` bytes."""
    infos = archive.infolist()
    if len(infos) > max_members:
        raise SourceError(Message(
            gettext_noop("%(file)s holds %(count)s files; an Office document holds a few "
                         "dozen: it is refused."),
            file=name, count=Number(len(infos))))
    if any(info.flag_bits & 0x1 for info in infos):
        raise SourceError(Message(
            gettext_noop("%(file)s is encrypted: remove the password and save it again."),
            file=name))
    total = sum(info.file_size for info in infos)
    if total > max_expanded:
        raise SourceError(Message(
            gettext_noop("%(file)s would expand to %(size)s when unpacked, more than the "
                         "%(limit)s allowed: it is refused as a possible zip bomb."),
            file=name, size=megabytes(total), limit=megabytes(max_expanded)))


def check_ratios(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse an archive with a part that expands more than MAX_RATIO times."""
    for info in archive.infolist():
        if info.file_size > RATIO_FLOOR and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise SourceError(Message(
                gettext_noop("%(file)s looks like a zip bomb: its part %(part)s would expand "
                             "%(ratio)s times, to %(size)s (real documents expand at most a "
                             "few dozen times). It was not opened."),
                file=name, part=info.filename, ratio=Number(round(ratio)),
                size=megabytes(info.file_size)))
