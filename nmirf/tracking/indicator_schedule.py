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

import numpy as np
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
    """The due dates of `due_dates(indicator, until)` later than `after` (one indicator's
    answer of `due_dates_after_each`)."""
    action = indicator.action
    rows, days = due_dates_after_each(
        first_due=[indicator.first_due_date], frequency=[indicator.frequency],
        start=[action.start_date], target=[action.target_date], after=[after], until=until)
    return [datetime.date.fromordinal(int(day)) for day in days]


def _days(values) -> np.ndarray:
    """datetime64[D] of dates, ordinals (int) or None (NaT)."""
    values = list(values)
    if values and isinstance(values[0], int | np.integer):
        return (np.asarray(values, dtype=np.int64) - _EPOCH_ORDINAL).astype("datetime64[D]")
    return np.array(values, dtype="datetime64[D]")


_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _add_months(day: np.ndarray, months: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """add_months for arrays: `day` moved by `months`, on the `anchor` day of the month
    or its last day where it has fewer."""
    month = day.astype("datetime64[M]") + months.astype("timedelta64[M]")
    first = month.astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[D]") - first).astype(np.int64)
    return first + (np.minimum(anchor, length) - 1).astype("timedelta64[D]")


def _day_of_month(day: np.ndarray) -> np.ndarray:
    return (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1


def due_dates_after_each(*, first_due, frequency, start, target, after, until
                         ) -> tuple[np.ndarray, np.ndarray]:
    """`due_dates_after` for many indicators at once, in numpy (the follow-up calendar
    asks it of every indicator of the window on each page): per indicator its stored
    first due date (or None), frequency, its action's start and target dates and the day
    after which dates are wanted (dates, or ordinals); `until` for all. Returns (the
    indicator's position in the input, the date's ordinal) of every due date d with
    after < d <= min(until, target), by indicator, then date."""
    first_due, start, target, after = (_days(values) for values in (first_due, start,
                                                                        target, after))
    months = np.array([MONTHS.get(value, 0) for value in frequency], dtype=np.int64)
    once = months == 0
    limit = np.minimum(target, np.datetime64(until, "D"))
    # first_due_date(): the stored one, else one period after the start (at the latest
    # the target date), else (once) the target date.
    first = np.where(once, target, np.minimum(
        _add_months(start, np.where(once, 0, months), _day_of_month(start)), target))
    first = np.where(np.isnat(first_due), first, first_due)
    anchor = _day_of_month(first)
    step = np.maximum(months, 1)
    behind = ((after.astype("datetime64[M]") - first.astype("datetime64[M]"))
              .astype(np.int64))
    number = np.where(once, 0, np.maximum(0, behind // step))
    rows, days = [], []
    alive = np.flatnonzero(number < MAX_DUE_DATES)
    while alive.size:
        day = _add_months(first[alive], months[alive] * number[alive], anchor[alive])
        within = day <= limit[alive]
        wanted = within & (day > after[alive])
        rows.append(alive[wanted])
        days.append(day[wanted])
        number[alive] += 1
        alive = alive[within & ~once[alive] & (number[alive] < MAX_DUE_DATES)]
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows, days = np.concatenate(rows), np.concatenate(days)
    order = np.lexsort((days, rows))
    ordinals = days.astype(np.int64) + _EPOCH_ORDINAL
    return rows[order], ordinals[order]


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
