import json

from django.core.management.base import BaseCommand

from nmirf.analysis.stats import registry_stats


class Command(BaseCommand):
    help = "Counts of recommendations in the registry (by mechanism, state, position, session)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object on stdout")

    def handle(self, *args, **options):
        stats = registry_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, ensure_ascii=False, sort_keys=False))
            return
        self.stdout.write(f"Recommendations: {stats['recommendations']:,}")
        for title, key in (("By mechanism", "by_mechanism"), ("By position", "by_position"),
                           ("By session", "by_session"), ("By state", "by_state")):
            self.stdout.write(f"\n{title}:")
            for name, count in stats[key].items():
                self.stdout.write(f"  {name:<20} {count:>8,}")
