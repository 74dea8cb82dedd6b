"""Reminder e-mails about deadlines (`nmirf send-reminders`, daily from cron or the task
worker): to the focal points and deputies of the responsible entities, and to the
coordinators for the secretariat's deadlines (review reports; a follow-up reply nobody
leads).

Stages: NMIRF_REMINDER_DAYS_BEFORE (default 14 and 3 days before) and
NMIRF_REMINDER_DAYS_AFTER (1 and 14 days after). On a given day a deadline is at the
latest stage whose day has come (none before the first); each person gets each stage of
each deadline once — ReminderSent remembers it, so a second run the same day (or a run
after days without one) sends nothing twice and never a stage already passed. A person
gets one e-mail per run listing all their deadlines, in their preferred language."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from nmirf.accounts.models import Role

from . import deadlines as deadline_module
from .models import ReminderSent


@dataclass
class Result:
    emails: int = 0
    reminders: int = 0
    without_address: int = 0


def stages() -> list[int]:
    """Days after a deadline at which a reminder goes (negative: before), in order."""
    return sorted({-days for days in settings.NMIRF_REMINDER_DAYS_BEFORE}
                  | {days for days in settings.NMIRF_REMINDER_DAYS_AFTER})


def stage_on(due: datetime.date, today: datetime.date, all_stages: list[int]) -> int | None:
    """The latest stage whose day has come, or None."""
    current = None
    for stage in all_stages:
        if due + datetime.timedelta(days=stage) <= today:
            current = stage
    return current


def _coordinators():
    return list(get_user_model().objects.filter(role=Role.COORDINATOR, is_active=True))


def plan(today: datetime.date) -> dict:
    """{user: [(deadline, stage)]} of the reminders due today and not sent yet. A fixed
    number of queries."""
    all_stages = stages()
    if not all_stages:
        return {}
    horizon = today + datetime.timedelta(days=max(0, -all_stages[0]))
    due = [(deadline, stage) for deadline in deadline_module.deadlines(
        deadline_module.Query(until=horizon))
        if (stage := stage_on(deadline.date, today, all_stages)) is not None]
    if not due:
        return {}
    members = deadline_module.focal_points_of(
        {pk for deadline, _stage in due for pk in deadline.entity_ids})
    coordinators = None
    sent = set(ReminderSent.objects.filter(
        due_date__gte=min(deadline.date for deadline, _stage in due),
        due_date__lte=horizon).values_list("deadline_key", "due_date", "stage", "user_id"))
    result: dict = {}
    for deadline, stage in due:
        people = [user for pk in deadline.entity_ids for user in members.get(pk, [])]
        if not people:
            if coordinators is None:
                coordinators = _coordinators()
            people = coordinators
        for user in {user.pk: user for user in people}.values():
            if (deadline.key, deadline.date, stage, user.pk) not in sent:
                result.setdefault(user, []).append((deadline, stage))
    return result


def _message(user, items, today, connection) -> EmailMessage:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"user": user, "today": today, "site_url": settings.NMIRF_SITE_URL,
                   "items": [{"deadline": deadline, "stage": stage,
                              "days": abs((deadline.date - today).days),
                              "overdue": deadline.date < today,
                              "due_today": deadline.date == today}
                             for deadline, stage in sorted(items, key=lambda i: i[0].date)]}
        subject = " ".join(render_to_string("followup/reminder_subject.txt", context).split())
        body = render_to_string("followup/reminder_email.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email],
                        connection=connection)


def send(today: datetime.date | None = None, progress: Callable | None = None) -> Result:
    """Send today's reminders; `progress(total)` may give a callable told of each e-mail."""
    today = today or deadline_module.today()
    planned = plan(today)
    result = Result()
    step = progress(len(planned)) if progress else None
    connection = get_connection()
    with connection:
        for user, items in sorted(planned.items(), key=lambda pair: pair[0].pk):
            if step:
                step(1)
            if not user.email:
                result.without_address += 1
                continue
            message = _message(user, items, today, connection)
            with transaction.atomic():
                ReminderSent.objects.bulk_create(
                    [ReminderSent(deadline_key=deadline.key, due_date=deadline.date,
                                  stage=stage, user=user) for deadline, stage in items],
                    ignore_conflicts=True)
                message.send()
            result.emails += 1
            result.reminders += len(items)
    return result
