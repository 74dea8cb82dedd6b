"""The calendar and the overdue view page their deadlines without making every one: a
page is the same slice of the whole ordered list, its count is exact, and only the
deadlines up to the page's last day are made; the indicators' schedules for the whole
window are computed at once, and agree with the schedule of each indicator."""

import datetime
import random

import pytest
from django.urls import reverse

from nmirf.followup import deadlines, services
from nmirf.followup.deadlines import Kind, Query
from nmirf.tracking.indicator_schedule import due_dates, due_dates_after_each
from nmirf.tracking.models import Action
from nmirf.tracking.progress_models import Indicator

from ..tracking.progress_fixtures import signed_in
from .builders import action, days, entity_with_people, indicator, rec, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db):
    """Actions, indicators of several frequencies, follow-up replies and the reviews'
    reports, overdue and to come, several on the same day."""
    health = entity_with_people()
    review("UPR", datetime.date(2024, 1, 15), session=45, cycle=4)
    for number in range(3):
        services.set_flag(rec(review("CCPR", days(-365 + 40 * number))), True)
    for number in range(40):
        target = days(-200 + 17 * number)
        made = action(health, target, title=f"Plan {number % 7}")
        if number % 3 == 0:
            indicator(made, days(-100 + 11 * number),
                      frequency=["monthly", "quarterly", "yearly", "once"][number % 4])
    return health


@pytest.mark.parametrize("window", ["upcoming", "overdue", "all"])
def test_a_page_is_the_same_slice_of_the_whole_list(many, window):
    query = {"upcoming": deadlines.upcoming_query, "overdue": deadlines.overdue_query,
             "all": lambda: Query(until=days(400))}[window]
    whole = list(deadlines.found(query()))
    assert len(deadlines.found(query())) == len(whole) > 10
    assert whole == sorted(whole, key=deadlines._order)
    for start, stop in [(0, 1), (0, 7), (3, 9), (5, len(whole)), (len(whole) - 2, len(whole))]:
        assert deadlines.found(query())[start:stop] == whole[start:stop]


def test_a_page_makes_only_the_deadlines_up_to_its_last_day(many, monkeypatch):
    made = []

    class Counted(deadlines.Deadline):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(deadlines, "Deadline", Counted)
    found = deadlines.found(deadlines.upcoming_query())
    # Counting makes none but the few reports of the reviews.
    assert len(found) > 20 and all(d.kind in Kind.OF_REVIEWS for d in made)
    made.clear()
    page = found[:5]
    assert len(page) == 5
    assert 5 <= len(made) <= 5 + sum(d.date == page[-1].date for d in made)
    assert len(made) < len(found) / 2


def test_the_calendar_counts_every_page_and_shows_the_one_asked_for(many, coordinator,
                                                                    monkeypatch):
    from nmirf.followup import views

    monkeypatch.setattr(views, "PER_PAGE", 4)
    client = signed_in(coordinator)
    every = list(deadlines.found(deadlines.upcoming_query()))
    response = client.get(reverse("followup:calendar"), {"page": 2})
    page = response.context["page"]
    assert page.paginator.count == len(every)
    assert list(page.object_list) == every[4:8]
    assert response.context["overdue_count"] == len(deadlines.overdue())
    overdue = client.get(reverse("followup:overdue"), {"page": 3}).context["page"]
    assert list(overdue.object_list) == deadlines.overdue()[8:12]


def test_an_entitys_deadlines_are_paged_too(many):
    other = entity_with_people("Ministry of Justice")
    action(other, days(3), title="Justice plan")
    query = Query(entity_ids={other.pk})
    assert [d.title for d in deadlines.found(query)] == ["Justice plan"]
    assert {d.kind for d in deadlines.found(Query(entity_ids={many.pk}))} == {
        Kind.ACTION, Kind.INDICATOR}


@pytest.mark.parametrize("seed", range(4))
def test_the_schedules_of_many_indicators_agree_with_each_ones_schedule(seed):
    rng = random.Random(seed)
    start = datetime.date(2024, 1, 1)
    cases = []
    for _ in range(60):
        begin = start + datetime.timedelta(days=rng.randint(0, 900))
        target = begin + datetime.timedelta(days=rng.randint(1, 1200))
        first = (begin + datetime.timedelta(days=rng.randint(0, 200))
                 if rng.random() < 0.3 else None)
        item = Indicator(frequency=rng.choice(["monthly", "quarterly", "half_yearly",
                                               "yearly", "once"]), first_due_date=first)
        item.action = Action(start_date=begin, target_date=target)
        after = start + datetime.timedelta(days=rng.randint(0, 1500))
        cases.append((item, after))
    until = start + datetime.timedelta(days=rng.randint(300, 2500))
    rows, ordinals = due_dates_after_each(
        first_due=[item.first_due_date for item, _after in cases],
        frequency=[item.frequency for item, _after in cases],
        start=[item.action.start_date for item, _after in cases],
        target=[item.action.target_date for item, _after in cases],
        after=[after for _item, after in cases], until=until)
    for number, (item, after) in enumerate(cases):
        expected = [day for day in due_dates(item, min(until, item.action.target_date))
                    if day > after]
        got = [datetime.date.fromordinal(day) for day in ordinals[rows == number].tolist()]
        assert got == expected, (item.frequency, item.first_due_date, after, until)
