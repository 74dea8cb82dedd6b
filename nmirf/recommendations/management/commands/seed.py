from django.core.management.base import BaseCommand

from nmirf.recommendations.seeding import seed_all


class Command(BaseCommand):
    help = "Seed reference data: mechanisms, mandates, states, UPR sessions, taxonomies."

    def handle(self, *args, **options):
        counts = seed_all()
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Reference data seeded: {summary}."))
