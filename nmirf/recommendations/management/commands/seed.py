from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.recommendations.seeding import seed_all


class Command(BaseCommand):
    help = gettext_lazy(
        "Repair the reference data (mechanisms, mandates, states and aliases, UPR sessions, "
        "taxonomies and terms): re-create any shipped row that is missing. `migrate` already "
        "loads the reference data; this never changes or overwrites a row that exists, so "
        "what a person edited stays as they left it."
    )

    def handle(self, *args, **options):
        counts = seed_all()
        summary = ", ".join(f"{value} {name}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(
            _("Reference data checked; re-created: %(summary)s. Existing rows were left "
              "unchanged.") % {"summary": summary}
        ))
