"""`nmirf runs [N]`: the import runs, or one run with every problem it found.

The command-line counterpart of the Imports page: a refused import prints one line (its
first problem); this lists them all, with the column each is in, as the run's page does.
"""

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from nmirf.core.text import for_terminal
from nmirf.ingest import liveness, uploads
from nmirf.ingest.models import RETRYABLE, ImportRun

RECENT = 20


class Command(BaseCommand):
    help = "List the import runs, newest first, or show one run with every problem it found."
    requires_system_checks = []  # as `nmirf import`: a listing needs no URL or template

    def add_arguments(self, parser):
        parser.add_argument("run", nargs="?", type=int, metavar="N",
                            help="an import run's number: show it with its problems")
        parser.add_argument("--limit", type=int, default=RECENT,
                            help=f"how many runs to list (default {RECENT})")
        parser.add_argument("--prune-uploads", action="store_true",
                            help="remove the uploaded files no run will use again (those of "
                                 "runs that ended, and of interrupted runs older than "
                                 "NMIRF_UPLOAD_RETENTION_DAYS)")

    def handle(self, *args, **options):
        # A run whose process died says so here, rather than "running" for ever.
        liveness.reap_abandoned()
        if options["prune_uploads"]:
            pruned = uploads.prune()
            self.stdout.write(f"Uploads removed: {len(pruned)}"
                              + (f" (runs {', '.join(map(str, pruned))})" if pruned else ""))
            return
        if options["run"] is None:
            self._list(options["limit"])
        else:
            self._show(options["run"])

    def _write(self, line: str) -> None:
        # What a run holds comes from files (names, header cells, values): each line is
        # written with its control characters escaped, never handed raw to the terminal.
        self.stdout.write(for_terminal(line))

    def _list(self, limit: int) -> None:
        runs = list(ImportRun.objects.all()[:max(limit, 0)])
        if not runs:
            self._write("No import has been run yet.")
            return
        for run in runs:
            when = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")
            status = _status(run)
            # A dry run wrote nothing: its counts are what it would have done.
            created, updated = (("would create", "would update") if run.dry_run
                                else ("created", "updated"))
            self._write(
                f"#{run.pk:<5} {when}  {run.source:<13} {status:<20} "
                f"{created} {run.created:,}, {updated} {run.updated:,}, unchanged "
                f"{run.unchanged:,}, rejected {run.rejected:,}  {', '.join(run.files)}")

    def _show(self, pk: int) -> None:
        run = ImportRun.objects.filter(pk=pk).first()
        if run is None:
            sys.stderr.write(f"There is no import run #{pk}: `nmirf runs` lists them.\n")
            raise SystemExit(2)
        self._write(f"Import run #{run.pk}: {run.source_label}, {_status(run)}")
        self._write(f"Files: {', '.join(run.files)}")
        if run.message:
            self._write(run.message)
        errors = list(run.errors.all())
        if errors:
            self._write(f"Problems ({len(errors):,}):")
        for error in errors:
            where = ", ".join(part for part in (
                error.file, f"row {error.row}" if error.row else "", error.column) if part)
            self._write(f"  {where}: {error.message}" if where else f"  {error.message}")


def _status(run: ImportRun) -> str:
    status = run.status
    if run.status == ImportRun.Status.FAILED and run.failure in RETRYABLE:
        status = f"failed ({run.failure})"
    return f"{status} (dry run)" if run.dry_run else status
