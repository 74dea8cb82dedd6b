"""`nmirf export --query 'state=SVN&position=noted' --format xlsx > noted.xlsx`: the list
page's recommendations at that query string, as CSV, XLSX or JSON (recommendations/
exports.py, the same export as the list page's download links).

--query   the list page's query string (what follows "?" in its address; a whole address
          works too); none: every active recommendation
--format  csv (default), xlsx or json
--user    export as this person sees the list (their permissions; "assigned=me" is
          theirs); without it, the command line's own access: everything, tracking included
-o FILE   write to FILE (written whole, then put in place) instead of standard output
--no-bom  CSV without the byte order mark that Excel needs to read UTF-8
--language  headers and labels in this language (default: the site's)

Exit 0 on success; on a refused export (unknown format, a filter value the list does not
understand, an unknown user…), exit 2 with one line on standard error and nothing written.
A progress bar goes to standard error when it is a terminal (--progress / --no-progress).
"""

import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import translation
from tqdm import tqdm

from nmirf.core.text import for_terminal
from nmirf.recommendations.exports import ExportRefused, prepare_export


class Command(BaseCommand):
    help = ("Export the recommendations of a list (its query string) as CSV, XLSX or JSON: "
            "nmirf export --query 'state=SVN&position=noted' --format xlsx > noted.xlsx")
    # The system checks load every URL and template module: seconds an export need not pay.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--query", default="", metavar="QUERY",
                            help="the list page's query string, e.g. 'state=SVN&sort=oldest'")
        parser.add_argument("--format", default="csv", metavar="FORMAT",
                            help="csv (default), xlsx or json")
        parser.add_argument("--user", metavar="USERNAME",
                            help="export what this person may see (default: everything)")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write to FILE instead of standard output")
        parser.add_argument("--no-bom", action="store_true",
                            help="CSV without the UTF-8 byte order mark")
        parser.add_argument("--language", metavar="CODE",
                            help="language of the headers and labels (default: the site's)")
        parser.add_argument("--progress", action=_boolean_action(), default=None,
                            help="show a progress bar (default: when standard error is a "
                                 "terminal)")

    def handle(self, *args, **options):
        language = options["language"] or settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            self._refuse(f"Unknown language “{language}”: choose one of "
                         f"{', '.join(code for code, _name in settings.LANGUAGES)}.")
        with translation.override(language):
            self._export(options)

    def _export(self, options):
        fmt = options["format"].lower()
        query = options["query"]
        if "?" in query:  # a whole address of the list page
            query = query.split("?", 1)[1]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                self._refuse(f"No user “{options['user']}”.")
        try:
            export = prepare_export(user, query, fmt)
        except ExportRefused as refusal:
            self._refuse(str(refusal))
        out = getattr(self.stdout, "_out", sys.stdout)
        if not options["output"] and fmt == "xlsx" and _is_terminal(out):
            self._refuse("The export is an Excel workbook, not text: redirect it to a file "
                         "(nmirf export --format xlsx > list.xlsx), or use -o FILE.")
        bar = _bar(options["progress"], len(export))
        pieces = export.stream(fmt, bom=not options["no_bom"],
                               progress=bar.update_to if bar else None)
        try:
            if options["output"]:
                _write_file(Path(options["output"]), pieces)
            else:
                _write_stream(out, pieces)
        except OSError as error:
            self._refuse(f"{options['output'] or 'standard output'}: "
                         f"{error.strerror or error}")
        finally:
            if bar:
                bar.close()

    def _refuse(self, message: str):
        sys.stderr.write(for_terminal(" ".join(str(message).split())) + "\n")
        sys.stderr.flush()
        raise SystemExit(2)


def _write_file(path: Path, pieces) -> None:
    """Into a temporary file beside `path`, then renamed: a failed export leaves no half
    file behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in pieces:
                out.write(piece)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_stream(out, pieces) -> None:
    binary = getattr(out, "buffer", None)
    if binary is not None:
        out.flush()
        for piece in pieces:
            binary.write(piece)
        binary.flush()
        return
    try:  # a binary stream, such as io.BytesIO
        for piece in pieces:
            out.write(piece)
    except TypeError:
        raise OSError("this output takes only text: use -o FILE") from None


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Bar(tqdm):
    def update_to(self, done: int, total: int) -> None:
        self.total = total
        self.n = done
        self.refresh()


def _bar(enabled: bool | None, total: int):
    if not (sys.stderr.isatty() if enabled is None else enabled):
        return None
    return _Bar(total=total, desc="Export", unit="rec", file=sys.stderr, leave=True)


def _boolean_action():
    import argparse

    return argparse.BooleanOptionalAction
