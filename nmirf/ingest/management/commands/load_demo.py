"""`nmirf load_demo`: import the shipped demo data (real recommendations to Slovenia), add
real Slovenian institutions as entities, and create the demo accounts (a coordinator and
one per other role). Safe to run again: imports are idempotent, what exists is kept."""

from pathlib import Path

from django.core.management.base import BaseCommand

from nmirf.accounts.models import Role, User
from nmirf.assist import demo as assist_demo
from nmirf.assist.examples import BadExamples
from nmirf.assist.model_files import ModelUnavailable
from nmirf.consultation import demo as consultation_demo
from nmirf.followup.demo import load_follow_up
from nmirf.ingest.pipeline import ImportFailed, InputFile, run_import, start_run
from nmirf.tracking import demo as tracking_demo

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_USER = "coordinator"
DEMO_PASSWORD = "demo-coordinator-2026"

DEMO_IMPORTS = [
    ("upr_info", ["upr_info_slovenia_sessions_07_20.csv"]),
    ("ohchr_matrix", [
        "Slovenia_UPR20_2014_cycle2_ThematicList.docx",
        "Slovenia_UPR34_2019_cycle3_ThematicList.docx",
        "Slovenia_UPR48_2025_cycle4_ThematicList.docx",
    ]),
]


class Command(BaseCommand):
    help = "Load the demo data set (real UPR recommendations to Slovenia) and a demo account."

    def handle(self, *args, **options):
        for source, names in DEMO_IMPORTS:
            files = [InputFile(path=DEMO_DIR / name, name=name) for name in names]
            run = start_run(source, files)
            try:
                run = run_import(run, files)
            except ImportFailed as failure:
                self.stderr.write(f"Demo import failed: {failure}")
                raise SystemExit(1) from None
            self.stdout.write(f"{', '.join(names)}: {run.message}")

        user, created = User.objects.get_or_create(
            username=DEMO_USER, defaults={"role": Role.COORDINATOR,
                                          "first_name": "Demo", "last_name": "Coordinator"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        self.stdout.write(self.style.SUCCESS(
            f"Demo coordinator: user name '{DEMO_USER}', password '{DEMO_PASSWORD}'"
            + ("" if created else " (account already existed; password unchanged)")
        ))
        created_entities = tracking_demo.load_entities()
        self.stdout.write(f"Entities: {created_entities} created "
                          f"({len(tracking_demo.ENTITIES)} Slovenian institutions).")
        for title, count in tracking_demo.load_clusters():
            self.stdout.write(f"Cluster '{title}': {count} recommendations.")
        for username, password, role, created in tracking_demo.load_accounts():
            self.stdout.write(self.style.SUCCESS(
                f"Demo {role.lower()}: user name '{username}', password '{password}'"
                + ("" if created else " (account already existed; password unchanged)")))
        tracking_demo.load_tracking()
        flagged = load_follow_up()
        if flagged:
            self.stdout.write(f"Follow-up: {flagged} recommendations flagged; see the calendar "
                              f"under Deadlines.")
        shared, comments = consultation_demo.load_consultation()
        self.stdout.write(f"Consultation: {shared} recommendations shared with observers, "
                          f"{comments} comments written.")
        self._suggestions()

    def _suggestions(self) -> None:
        """The model and its suggestions (nmirf/assist/demo.py): the demo works without
        them, so a failure is said and the rest stays loaded."""
        try:
            header, outcome = assist_demo.load_suggestions(DEMO_DIR / DEMO_IMPORTS[0][1][0])
        except (BadExamples, ModelUnavailable) as error:
            self.stderr.write(f"Suggestions: none ({error})")
            return
        self.stdout.write(f"Suggestions: model {header['name']} version {header['version']} "
                          f"trained on {header['training_rows']} labelled recommendations; "
                          f"{outcome.issues} issues and {outcome.categories} action categories "
                          f"suggested for the coordinator to accept or reject.")
