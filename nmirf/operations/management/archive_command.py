"""What `nmirf backup` and `nmirf restore` share: their common options, and every problem
as the one line a command prints (never a traceback), the progress bar closed either way."""

from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.operations.archive import ArchiveError
from nmirf.operations.progress import ByteProgress


class ArchiveCommand(BaseCommand):
    progress_label = ""  # the progress bar's title, set by each command

    def add_arguments(self, parser):
        parser.add_argument("--progress", action="store_true", default=None,
                            help=gettext_lazy("show a progress bar (default: on a terminal)"))
        parser.add_argument("--no-progress", dest="progress", action="store_false")
        parser.add_argument("--database", default="default")

    @contextmanager
    def reporting(self, options):
        """Yields (progress, say) for the backup or restore function to report through."""
        progress = ByteProgress(options["progress"], str(self.progress_label))
        say = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            yield progress, say
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:  # unreachable server, missing database, …
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(_("The database could not be used: %(reason)s")
                               % {"reason": reason}) from None
        finally:
            progress.close()
