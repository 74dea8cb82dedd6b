from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.operations.archive import ArchiveError
from nmirf.operations.backup import default_name, make_backup
from nmirf.operations.progress import ByteProgress


class Command(BaseCommand):
    help = gettext_lazy(
        "Back up the database and the uploaded files into one .tar.gz archive, while the "
        "app keeps running (SQLite: its online backup API; PostgreSQL: pg_dump)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None,
                            help=gettext_lazy("archive to write (default: "
                                              "nmirf-backup-DATE-TIME.tar.gz here); must not "
                                              "exist"))
        parser.add_argument("--progress", action="store_true", default=None,
                            help=gettext_lazy("show a progress bar (default: on a terminal)"))
        parser.add_argument("--no-progress", dest="progress", action="store_false")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        out = options["out"] or Path(default_name())
        progress = ByteProgress(options["progress"], _("Backup"))
        say = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            manifest = make_backup(out, alias=options["database"], progress=progress, say=say)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:  # unreachable server, missing database, …
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(_("The database could not be used: %(reason)s")
                               % {"reason": reason}) from None
        finally:
            progress.close()
        self.stdout.write(self.style.SUCCESS(
            _("Backup written: %(path)s (%(engine)s, %(size)s bytes).")
            % {"path": out, "engine": manifest["engine"], "size": out.stat().st_size}
        ))
