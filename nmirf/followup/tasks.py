"""The reminders as a background task, for an instance that schedules work through the
task worker rather than cron: enqueue `send_reminders_task` once a day."""

from django_tasks import task

from . import reminders


@task()
def send_reminders_task() -> str:
    result = reminders.send()
    return f"sent {result.emails} e-mail(s) with {result.reminders} reminder(s)"
