"""When an indicator's values are due: from its first due date (or one period after its
action's start), every period of its reporting frequency, up to its action's target date
(or a horizon the caller gives). The follow-up calendar lists these as deadlines.

A due date is met by a validated (or published) progress update that gives a value for
the indicator over a period ending on or after it: a report for the quarter to 30 June
meets the 31 March date too, however late it came. The first due date not met is the
indicator's `next_due_date`, stored so that "overdue" is one indexed comparison
(`Indicator.objects.overdue(today)`); `refresh` keeps it, and is called wherever it may
move (the indicator saved, its action's dates changed, an update validated)."""

import calendar
import datetime

from django.db.models import Max

from .progress_models import VALIDATED_STATES, Frequency, Indicator

MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6,
          Frequency.YEARLY: 12}
# No schedule runs longer than this many due dates (a monthly indicator over 40 years).
MAX_DUE_DATES = 480


def add_months(day: datetime.date, months: int, anchor_day: int | None = None) -> datetime.date:
    """`day` moved by `months`, on `anchor_day` (default: its own day) or the month's last
    day where it has fewer (31 January + 1 month = 28 or 29 February; then 31 March)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(anchor_day or day.day, last))


def first_due_date(indicator: Indicator) -> datetime.date:
    if indicator.first_due_date is not None:
        return indicator.first_due_date
    action = indicator.action
    months = MONTHS.get(indicator.frequency)
    if months is None:  # once: at the end of the action
        return action.target_date
    return min(add_months(action.start_date, months), action.target_date)


def due_dates(indicator: Indicator, until: datetime.date | None = None) -> list[datetime.date]:
    """The dates on which the indicator's values are due, in order, up to `until` (default:
    its action's target date) — every one of them, met or not."""
    until = until or indicator.action.target_date
    first = first_due_date(indicator)
    months = MONTHS.get(indicator.frequency)
    if first > until:
        return []
    if months is None:
        return [first]
    dates = []
    for number in range(MAX_DUE_DATES):
        day = add_months(first, months * number, anchor_day=first.day)
        if day > until:
            break
        dates.append(day)
    return dates


def due_dates_after(indicator: Indicator, after: datetime.date, until: datetime.date
                    ) -> list[datetime.date]:
    """The due dates of `due_dates(indicator, until)` later than `after`, without walking
    the dates before it (the follow-up calendar asks this of every indicator)."""
    months = MONTHS.get(indicator.frequency)
    first = first_due_date(indicator)
    until = min(until, indicator.action.target_date)
    if months is None:
        return [first] if after < first <= until else []
    number = max(0, ((after.year - first.year) * 12 + after.month - first.month) // months)
    dates = []
    while number < MAX_DUE_DATES:
        day = add_months(first, months * number, anchor_day=first.day)
        if day > until:
            break
        if day > after:
            dates.append(day)
        number += 1
    return dates


def last_reported(indicator: Indicator) -> datetime.date | None:
    """The end of the latest period for which a validated update gave a value."""
    return indicator.values.filter(update__state__in=VALIDATED_STATES).aggregate(
        last=Max("update__period_end"))["last"]


def next_due_date(indicator: Indicator, until: datetime.date | None = None
                  ) -> datetime.date | None:
    """The first due date that no validated value meets; None when every one is met."""
    reported = last_reported(indicator) if indicator.pk else None
    for day in due_dates(indicator, until):
        if reported is None or day > reported:
            return day
    return None


def refresh(indicators) -> None:
    """Store the next due date of each of `indicators` (a queryset or a list) where it moved."""
    for indicator in indicators:
        due = None if indicator.archived else next_due_date(indicator)
        if due != indicator.next_due_date:
            Indicator.objects.filter(pk=indicator.pk).update(next_due_date=due)
            indicator.next_due_date = due
