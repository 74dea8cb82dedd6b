"""`nmirf term_labels`: regenerate recommendations/taxonomy_labels.py from the seed CSVs,
so that makemessages offers the shipped taxonomies' names to translators (term_names.py)."""

from django.core.management.base import BaseCommand

from nmirf.recommendations import term_names


class Command(BaseCommand):
    help = "Regenerate the gettext labels of the seeded taxonomies' names and terms."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Only say whether the module is out of step (exit 1 if so).")

    def handle(self, *args, check=False, **options):
        if check:
            current = (term_names.LABELS_MODULE.read_text(encoding="utf-8")
                       if term_names.LABELS_MODULE.exists() else "")
            if current != term_names.labels_module():
                self.stderr.write(f"{term_names.LABELS_MODULE} is out of step with the seed "
                                  "files: run `nmirf term_labels`.")
                raise SystemExit(1)
            self.stdout.write("taxonomy_labels.py is up to date.")
            return
        changed = term_names.write_labels_module()
        self.stdout.write(f"{'Wrote' if changed else 'Unchanged:'} {term_names.LABELS_MODULE}")
