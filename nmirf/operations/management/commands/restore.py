from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.operations.archive import ArchiveError
from nmirf.operations.progress import ByteProgress
from nmirf.operations.restore import pending_migrations, restore_backup


class Command(BaseCommand):
    help = gettext_lazy(
        "Restore a backup made by `nmirf backup` (database and uploaded files) into an empty "
        "database: one with no tables, or only what `nmirf migrate` creates. Stop the web "
        "server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help=gettext_lazy("the backup archive"))
        parser.add_argument("--force", action="store_true",
                            help=gettext_lazy("replace a database that is not empty (its data "
                                              "and uploaded files are lost; the files are "
                                              "kept aside)"))
        parser.add_argument("--max-size", type=int, default=None, metavar="BYTES",
                            help=gettext_lazy("refuse an archive whose files add up to more "
                                              "(default: the free disk space)"))
        parser.add_argument("--progress", action="store_true", default=None,
                            help=gettext_lazy("show a progress bar (default: on a terminal)"))
        parser.add_argument("--no-progress", dest="progress", action="store_false")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        progress = ByteProgress(options["progress"], _("Restore"))
        say = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            manifest = restore_backup(options["archive"], force=options["force"],
                                      alias=options["database"],
                                      max_bytes=options["max_size"], progress=progress,
                                      say=say)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:  # unreachable server, missing database, …
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(_("The database could not be used: %(reason)s")
                               % {"reason": reason}) from None
        finally:
            progress.close()
        self.stdout.write(self.style.SUCCESS(
            _("Restored the backup of %(created)s (OpenNMIRF %(version)s).")
            % {"created": manifest.get("created_at"), "version": manifest.get("app_version")}
        ))
        if pending_migrations(options["database"]):
            self.stdout.write(_("The backup predates this version: run `nmirf migrate` now."))
