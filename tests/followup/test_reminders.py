"""Reminder e-mails (`nmirf send-reminders`): to the focal points and deputies of the
responsible entity (the coordinators for the secretariat's deadlines), before (14 and 3
days) and after (1 and 14 days) a deadline, each stage once per person — a second run the
same day sends nothing — in the recipient's language."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from nmirf.followup import reminders, services
from nmirf.followup.models import ReminderSent

from ..conftest import _make_user
from .builders import TODAY, action, days, entity_with_people, rec, review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stages(settings):
    settings.NMIRF_REMINDER_DAYS_BEFORE = [14, 3]
    settings.NMIRF_REMINDER_DAYS_AFTER = [1, 14]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def ministry():
    return entity_with_people()


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_the_focal_points_and_the_deputy_receive_a_reminder_fourteen_days_before(ministry):
    action(ministry, days(14), title="Adopt the strategy")
    action(ministry, days(30), title="Not yet")
    result = reminders.send()
    assert (result.emails, result.reminders) == (2, 2)
    assert recipients() == {ministry.focal.email, ministry.deputy.email}
    body = mail.outbox[0].body
    assert "Adopt the strategy" in body and "Due in 14 days." in body
    assert "Not yet" not in body


def test_a_second_run_the_same_day_sends_nothing(ministry):
    action(ministry, days(3))
    assert reminders.send().emails == 2
    assert reminders.send().emails == 0
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2


def test_each_stage_goes_once_before_and_after_the_deadline(ministry):
    deadline = days(10)
    action(ministry, deadline)
    sent_on = {}
    for offset in range(-20, 20):
        day = deadline + datetime.timedelta(days=offset)
        if reminders.send(today=day).emails:
            sent_on[offset] = mail.outbox[-1].body
    assert sorted(sent_on) == [-14, -3, 1, 14]
    assert "Overdue by 1 day." in sent_on[1]


def test_a_run_after_days_without_one_sends_only_the_stage_of_today(ministry):
    action(ministry, days(-5))  # 1 day after passed 4 days ago; 14 days after not yet
    reminders.send()
    stages = set(ReminderSent.objects.values_list("stage", flat=True))
    assert stages == {1}


def test_the_coordinators_receive_the_secretariats_deadlines(ministry):
    coordinator = _make_user("coord", "coordinator", email="coord@example.org")
    _make_user("observer-x", "observer", email="obs@example.org")
    # A UPR review whose mid-term report falls in 3 days.
    mid_term = TODAY + datetime.timedelta(days=3)
    review("UPR", _minus_months(mid_term, 30), session=45, cycle=4)
    reminders.send()
    assert recipients() == {coordinator.email}
    assert "UPR mid-term report" in mail.outbox[0].body


def _minus_months(day, months):
    from nmirf.tracking.indicator_schedule import add_months

    return add_months(day, -months)


def test_a_follow_up_reply_nobody_leads_goes_to_the_coordinators(ministry):
    coordinator = _make_user("coord", "coordinator", email="coord@example.org")
    flagged = rec(review("CCPR", _minus_months(days(-1), 12)))
    services.set_flag(flagged, True)
    reminders.send()
    assert recipients() == {coordinator.email}


def test_the_message_is_in_the_recipients_language(ministry):
    """Dates are written the reader's way (the texts follow once translated)."""
    from django.utils import formats, translation

    ministry.focal.preferred_language = "fr"
    ministry.focal.save()
    action(ministry, days(3), title="Réforme")
    reminders.send()
    french = next(m for m in mail.outbox if m.to == [ministry.focal.email])
    english = next(m for m in mail.outbox if m.to == [ministry.deputy.email])
    with translation.override("fr"):
        in_french = formats.date_format(days(3), "DATE_FORMAT")
    with translation.override("en"):
        in_english = formats.date_format(days(3), "DATE_FORMAT")
    assert in_french in french.body and in_english in english.body
    assert "Réforme" in french.body


def test_people_without_an_address_are_counted_not_sent(ministry):
    ministry.deputy.email = ""
    ministry.deputy.save()
    action(ministry, days(3))
    result = reminders.send()
    assert (result.emails, result.without_address) == (1, 1)
    assert ReminderSent.objects.count() == 1


def test_the_command_says_how_many_it_sent(ministry):
    action(ministry, days(3))
    out = StringIO()
    call_command("send_reminders", "--no-progress", stdout=out)
    assert "Sent 2 e-mail(s) with 2 reminder(s)." in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--no-progress", stdout=out)
    assert "Sent 0 e-mail(s)" in out.getvalue()


def test_the_task_sends_them_too(ministry):
    from nmirf.followup.tasks import send_reminders_task

    action(ministry, days(3))
    send_reminders_task.enqueue()
    assert len(mail.outbox) == 2


def test_the_planning_queries_do_not_grow_with_the_deadlines(ministry,
                                                            django_assert_max_num_queries):
    for _ in range(2):
        action(ministry, days(3))
    with django_assert_max_num_queries(20) as captured:
        reminders.plan(TODAY)
    for _ in range(10):
        action(ministry, days(3))
    with django_assert_max_num_queries(len(captured)):
        planned = reminders.plan(TODAY)
    assert sum(len(items) for items in planned.values()) == 24
