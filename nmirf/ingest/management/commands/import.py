"""`nmirf import FORMAT PATH...`: import recommendations from files.

Exit 0 on success; on bad input, exit 2 with one line on standard error, and nothing is
written to the registry (the failed run and its row errors are kept for the web UI).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from tqdm import tqdm

from nmirf.core.text import for_terminal
from nmirf.ingest import liveness
from nmirf.ingest.pipeline import PHASES, ImportFailed, InputFile, run_import, start_run
from nmirf.ingest.sources import ADAPTERS


class Command(BaseCommand):
    help = "Import recommendations: upr-info, ohchr-matrix, template or document files."
    # The system checks load every URL and template module: seconds that an import, which
    # needs none of them, should not pay (`nmirf check` runs them).
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
        for adapter in ADAPTERS.values():
            p = sub.add_parser(adapter.command, help=str(adapter.label))
            p.add_argument("paths", nargs="+", metavar="PATH")
            p.add_argument("--dry-run", action="store_true",
                           help="report what would change, write nothing")
            p.add_argument("--progress", action=BooleanAction, default=None,
                           help="show a progress bar (default: when standard error is a "
                                "terminal)")
            if "state" in adapter.accepts:
                p.add_argument("--state", help="state under review (ISO3 code or name), "
                                               "where the file does not say")
            if "session" in adapter.accepts:
                p.add_argument("--session", type=int,
                               help="UPR Working Group session, where the file does not say")
            if "mechanism" in adapter.accepts:
                p.add_argument("--mechanism", help="mechanism code (UPR), where the file "
                                                   "does not say")

    def handle(self, *args, **options):
        adapter = next(a for a in ADAPTERS.values() if a.command == options["format"])
        files = []
        for raw in options["paths"]:
            path = Path(raw)
            if not path.is_file():
                self._refuse(f"{raw}: no such file.")
            files.append(InputFile(path=path, name=raw))
        run_options = {key: options.get(key) for key in adapter.accepts
                       if options.get(key) is not None}
        run = start_run(adapter.name, files, options=run_options, dry_run=options["dry_run"])
        bar = _ProgressBar(options["progress"])
        try:
            run = run_import(run, files, progress=bar.update)
        except KeyboardInterrupt:
            # Ctrl-C: the transaction is rolled back; the run says so at once (a process
            # killed outright is found out by the next look, liveness.py).
            bar.close()
            liveness.mark_interrupted(run)
            self._refuse(f"Import run #{run.pk} interrupted; nothing was written.")
        except ImportFailed as failure:
            bar.close()
            every = (f" Every problem: nmirf runs {failure.run.pk}"
                     if failure.run.errors.count() > 1 else "")
            self._refuse(f"{failure}{every}")
        bar.close()
        self.stdout.write(for_terminal(f"Import run #{run.pk}: {run.message}"))

    def _refuse(self, message: str):
        # One line, and nothing from a file (a header cell, a value) that the terminal
        # would act on: an escape sequence is shown as \x1b, not obeyed.
        sys.stderr.write(for_terminal(" ".join(message.split())) + "\n")
        sys.stderr.flush()
        raise SystemExit(2)


class BooleanAction:
    """--progress / --no-progress (argparse.BooleanOptionalAction with a None default)."""

    def __new__(cls, *args, **kwargs):
        import argparse

        return argparse.BooleanOptionalAction(*args, **kwargs)


class _ProgressBar:
    def __init__(self, enabled: bool | None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar = None
        self.phase = None

    def update(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.close()
            self.phase = phase
            unit = "file" if phase == "reading" else "row"
            self.bar = tqdm(total=total, desc=str(PHASES.get(phase, phase)), unit=unit,
                            file=sys.stderr, leave=True)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
