from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.operations.management.archive_command import ArchiveCommand
from nmirf.operations.restore import pending_migrations, restore_backup


class Command(ArchiveCommand):
    progress_label = gettext_lazy("Restore")
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
        super().add_arguments(parser)

    def handle(self, *args, **options):
        with self.reporting(options) as (progress, say):
            manifest = restore_backup(options["archive"], force=options["force"],
                                      alias=options["database"],
                                      max_bytes=options["max_size"], progress=progress,
                                      say=say)
        self.stdout.write(self.style.SUCCESS(
            _("Restored the backup of %(created)s (OpenNMIRF %(version)s).")
            % {"created": manifest.get("created_at"), "version": manifest.get("app_version")}
        ))
        if pending_migrations(options["database"]):
            self.stdout.write(_("The backup predates this version: run `nmirf migrate` now."))
