"""`nmirf send-reminders`: e-mail today's reminders of the follow-up calendar's deadlines
(followup/reminders.py) and say how many went. Run it daily (cron, or the task worker's
`send_reminders_task`); a second run the same day sends nothing twice."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from nmirf.followup import reminders


class Command(BaseCommand):
    help = "Send the reminder e-mails of the follow-up calendar that are due today."

    def add_arguments(self, parser):
        parser.add_argument("--progress", action="store_true", default=None,
                            help="show a progress bar (default: when standard error is a "
                                 "terminal)")
        parser.add_argument("--no-progress", dest="progress", action="store_false")

    def handle(self, *args, **options):
        enabled = sys.stderr.isatty() if options["progress"] is None else options["progress"]
        bars = []

        def progress(total):
            bar = tqdm(total=total, desc="reminders", unit="person", file=sys.stderr)
            bars.append(bar)
            return bar.update

        try:
            result = reminders.send(progress=progress if enabled else None)
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(f"Sent {result.emails} e-mail(s) with {result.reminders} "
                          f"reminder(s).")
        if result.without_address:
            self.stdout.write(f"{result.without_address} person(s) without an e-mail "
                              f"address were skipped.")
