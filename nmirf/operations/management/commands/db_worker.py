"""`nmirf db_worker`: django-tasks-db's worker, with a heartbeat for /health/.

Everything else (options, signals, the loop) is django-tasks-db's; see
nmirf/operations/heartbeat.py for why the beat is needed and where it goes.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from nmirf.operations.heartbeat import Heartbeat


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " (and record a heartbeat that /health/ reports)"

    def handle(self, *args, **options):
        heartbeat = Heartbeat(worker_id=options["worker_id"])
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
