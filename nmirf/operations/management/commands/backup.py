from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.operations.backup import default_name, make_backup
from nmirf.operations.management.archive_command import ArchiveCommand


class Command(ArchiveCommand):
    progress_label = gettext_lazy("Backup")
    help = gettext_lazy(
        "Back up the database and the uploaded files into one .tar.gz archive, while the "
        "app keeps running (SQLite: its online backup API; PostgreSQL: pg_dump)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None,
                            help=gettext_lazy("archive to write (default: "
                                              "nmirf-backup-DATE-TIME.tar.gz here); must not "
                                              "exist"))
        super().add_arguments(parser)

    def handle(self, *args, **options):
        out = options["out"] or Path(default_name())
        with self.reporting(options) as (progress, say):
            manifest = make_backup(out, alias=options["database"], progress=progress, say=say)
        self.stdout.write(self.style.SUCCESS(
            _("Backup written: %(path)s (%(engine)s, %(size)s bytes).")
            % {"path": out, "engine": manifest["engine"], "size": out.stat().st_size}
        ))
