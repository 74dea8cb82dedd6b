"""`nmirf template > blank.xlsx`: hand out the blank import template.

The workbook has the header row to fill in, a "Columns" sheet documenting each column with
an example, and the valid mechanism and mandate codes. `--csv` gives the header row as CSV
instead; `-o FILE` writes to a file rather than to standard output.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nmirf.ingest.sources.template import blank_template_csv, blank_template_xlsx


class Command(BaseCommand):
    help = ("Write the blank import template (an .xlsx workbook, or CSV with --csv) to "
            "standard output or to a file: nmirf template > blank.xlsx")

    def add_arguments(self, parser):
        parser.add_argument("--csv", action="store_true",
                            help="the CSV template (header row only) instead of the workbook")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write to FILE instead of standard output")

    def handle(self, *args, **options):
        if options["csv"]:
            data = blank_template_csv().encode("utf-8")
        else:
            data = blank_template_xlsx()
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}", returncode=2) from None
            return
        out = getattr(self.stdout, "_out", sys.stdout)
        if not options["csv"] and _is_terminal(out):
            raise CommandError(
                "The template is an Excel workbook, not text: redirect it to a file "
                "(nmirf template > blank.xlsx), or use -o FILE, or --csv.", returncode=2
            )
        binary = getattr(out, "buffer", None)
        if binary is not None:
            out.flush()
            binary.write(data)
            binary.flush()
        else:
            try:
                out.write(data)  # a binary stream, such as io.BytesIO
            except TypeError:
                if not options["csv"]:
                    raise CommandError("This output takes only text: write the workbook to "
                                       "a file with -o FILE.", returncode=2) from None
                out.write(data.decode("utf-8"))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
