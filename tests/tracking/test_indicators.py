"""Indicators: defined on an action by those who may edit it (the secretariat, the focal
points of its entity); their due dates follow their reporting frequency from the action's
start (or a first due date) to its target date; the next due date moves when a validated
update reports a value; archived, never deleted; a save based on an older version
refused; bad input refused with a message and nothing written."""

import datetime

import pytest
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.tracking import action_services, indicator_schedule, indicators
from nmirf.tracking.models import Indicator
from nmirf.tracking.versioning import VersionConflict
from tests.recommendations.builders import build_registry

from .progress_fixtures import (
    make_action,
    make_indicator,
    make_update,
    other_entity,
    signed_in,
    state,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def action(entity):
    return make_action(entity)


def form(**changes) -> dict:
    values = {"kind": "outcome", "title": "Police officers trained", "unit": "persons",
              "baseline_value": "120", "baseline_year": "2024", "target_value": "900",
              "data_source": "Police Academy records", "disaggregation": "By sex and region",
              "frequency": "quarterly", "first_due_date": "", "version": "0"}
    values.update(changes)
    return values


# -- the schedule -------------------------------------------------------------------------

@pytest.mark.parametrize("frequency, expected", [
    ("monthly", [D(2026, 2, 15), D(2026, 3, 15), D(2026, 4, 15)]),
    ("quarterly", [D(2026, 4, 15), D(2026, 7, 15), D(2026, 10, 15)]),
    ("half_yearly", [D(2026, 7, 15)]),
    ("yearly", [D(2026, 12, 31)]),  # a period longer than the action: at its end
    ("once", [D(2026, 12, 31)]),
])
def test_due_dates_count_periods_from_the_start_to_the_target(action, frequency, expected):
    indicator = make_indicator(action, frequency=frequency)
    dates = indicator_schedule.due_dates(indicator)
    assert dates[:3] == expected
    assert all(day <= action.target_date for day in dates)


def test_a_first_due_date_and_a_horizon_replace_the_defaults(action):
    indicator = make_indicator(action, frequency="monthly", first_due_date=D(2026, 1, 31))
    assert indicator_schedule.due_dates(indicator, until=D(2026, 4, 30)) == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]


def test_the_next_due_date_moves_when_a_validated_update_reports_a_value(action):
    from nmirf.tracking import progress_workflow

    indicator = make_indicator(action)
    assert indicator.next_due_date == D(2026, 4, 15)
    assert list(Indicator.objects.overdue(D(2026, 5, 1))) == [indicator]
    assert list(Indicator.objects.overdue(D(2026, 4, 15))) == []
    update = make_update(action, "submitted", {indicator: 40}, period_end=D(2026, 4, 30))
    progress_workflow.transition(update, "validate", user=None, read_version=0)
    indicator.refresh_from_db()
    assert indicator.next_due_date == D(2026, 7, 15)
    assert list(Indicator.objects.overdue(D(2026, 5, 1))) == []
    # A draft with a value does not count.
    make_update(action, "draft", {indicator: 80}, period_end=D(2026, 8, 30))
    indicator_schedule.refresh(Indicator.objects.all())
    indicator.refresh_from_db()
    assert indicator.next_due_date == D(2026, 7, 15)


def test_changing_the_action_dates_moves_the_due_dates(action):
    indicator = make_indicator(action)
    action.start_date = D(2026, 3, 1)
    action_services.save_action(action, recommendations=[], clusters=[], read_version=0)
    indicator.refresh_from_db()
    assert indicator.next_due_date == D(2026, 6, 1)


def test_an_archived_indicator_is_never_overdue(action):
    indicator = make_indicator(action)
    indicators.set_archived(indicator, True)
    assert list(Indicator.objects.overdue(D(2027, 1, 1))) == []
    assert Indicator.objects.get().next_due_date is None


# -- the web UI ---------------------------------------------------------------------------

def test_the_focal_point_adds_an_indicator_shown_on_the_action_page(
        action, focal_point_of_entity):
    client = signed_in(focal_point_of_entity)
    response = client.post(reverse("tracking:indicator_create", args=[action.pk]), form(),
                           follow=True)
    indicator = Indicator.objects.get()
    assert (indicator.action, indicator.baseline_value, indicator.baseline_year,
            indicator.created_by) == (action, 120, 2024, focal_point_of_entity)
    html = response.content.decode()
    assert "Police officers trained" in html and "Police Academy records" in html
    assert AuditEvent.objects.for_target(indicator).get().after["frequency"] == "Quarterly"


def test_an_edit_based_on_an_older_version_is_refused(action, coordinator):
    indicator = make_indicator(action)
    indicators.save_indicator(indicator, read_version=0)  # someone else saved: version 1
    before = state()
    response = signed_in(coordinator).post(
        reverse("tracking:indicator_edit", args=[indicator.pk]), form(title="Mine", version=0))
    assert "Someone else saved this" in response.content.decode()
    assert state() == before
    with pytest.raises(VersionConflict):
        indicators.save_indicator(Indicator.objects.get(), read_version=0)


@pytest.mark.parametrize("changes, message", [
    ({"baseline_value": "many"}, "“Baseline value” must be a number"),
    ({"target_value": "12345678901234567"}, "“Target value” has too many digits"),
    ({"baseline_year": "24"}, "Give the baseline year as four digits"),
    ({"baseline_year": ""}, "Give the year of the baseline value."),
    ({"title": "   "}, "Give the indicator a title."),
    ({"frequency": "daily"}, "Select a valid choice"),
    ({"version": "x"}, "This form was altered"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(
        action, coordinator, changes, message):
    before = state()
    response = signed_in(coordinator).post(
        reverse("tracking:indicator_create", args=[action.pk]), form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_indicators_of_an_archived_action_cannot_be_added(action, coordinator):
    action_services.set_archived(action, True)
    before = state()
    response = signed_in(coordinator).post(
        reverse("tracking:indicator_create", args=[action.pk]), form())
    assert "This action is archived" in response.content.decode()
    assert state() == before


def test_archiving_keeps_the_indicator_and_its_history(action, coordinator):
    indicator = make_indicator(action)
    signed_in(coordinator).post(reverse("tracking:indicator_archive", args=[indicator.pk]),
                                {"archived": "1"})
    indicator.refresh_from_db()
    assert indicator.archived
    assert AuditEvent.objects.for_target(indicator).filter(action="archived").exists()


def test_the_action_page_takes_a_bounded_number_of_queries(
        action, coordinator, django_assert_max_num_queries):
    r = build_registry()
    action.recommendations.set([r.torture])
    client = signed_in(coordinator)
    url = reverse("tracking:action_detail", args=[action.pk])
    for n in range(2):
        indicator = make_indicator(action, title=f"Indicator {n}")
        make_update(action, "validated", {indicator: n})
    client.get(url)
    with django_assert_max_num_queries(20) as captured:
        client.get(url)
    counted = len(captured)
    for n in range(4):
        indicator = make_indicator(action, title=f"More {n}")
        make_update(action, "submitted", {indicator: n})
    with django_assert_max_num_queries(counted):
        client.get(url)


# -- who may (selected by -k "permission or access") ----------------------------------------

@pytest.mark.parametrize("role, allowed", [
    ("administrator", True), ("coordinator", True), ("focal_point", False),
    ("observer", False)])
def test_indicator_create_access_by_role(request, action, role, allowed):
    user = request.getfixturevalue(role)
    before = state()
    response = signed_in(user).post(reverse("tracking:indicator_create", args=[action.pk]),
                                    form())
    if allowed:
        assert response.status_code == 302 and Indicator.objects.count() == 1
    elif role == "observer":
        # The action implements nothing shared with observers: not theirs to read.
        assert response.status_code == 404 and state() == before
    else:
        assert response.status_code == 403 and state() == before


def test_indicator_access_refused_to_a_focal_point_of_another_entity(
        action, focal_point_of_entity):
    foreign = make_action(other_entity(), title="Their action")
    theirs = make_indicator(foreign)
    client = signed_in(focal_point_of_entity)
    before = state()
    assert client.post(reverse("tracking:indicator_create", args=[foreign.pk]),
                       form()).status_code == 403
    assert client.post(reverse("tracking:indicator_edit", args=[theirs.pk]),
                       form(title="Tampered")).status_code == 403
    assert client.post(reverse("tracking:indicator_archive", args=[theirs.pk]),
                       {"archived": "1"}).status_code == 403
    assert client.post(reverse("tracking:indicator_edit", args=[987654]),
                       form()).status_code == 404
    assert state() == before


def test_indicator_form_without_csrf_token_is_refused_access(action, coordinator):
    before = state()
    response = signed_in(coordinator, csrf=True).post(
        reverse("tracking:indicator_create", args=[action.pk]), form())
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "half_yearly", "yearly", "once"])
def test_the_due_dates_after_a_day_are_those_of_the_whole_schedule(frequency):
    """What the follow-up calendar reads (indicator_schedule.due_dates_after) is the tail
    of the schedule, whatever day it starts after."""
    from nmirf.tracking.indicator_schedule import due_dates, due_dates_after
    from nmirf.tracking.models import Action
    from nmirf.tracking.progress_models import Indicator

    action = Action(start_date=datetime.date(2025, 1, 31),
                    target_date=datetime.date(2028, 6, 30))
    indicator = Indicator(action=action, frequency=frequency)
    until = datetime.date(2027, 12, 31)
    every = due_dates(indicator, min(until, action.target_date))
    for after in [datetime.date(2024, 1, 1), *every,
                  *(day + datetime.timedelta(days=1) for day in every)]:
        assert due_dates_after(indicator, after, until) == [d for d in every if d > after]
