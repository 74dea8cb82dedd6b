"""The demo's follow-up calendar: with the demo's actions and indicators, the calendar
and the overdue view show real entries; the demo flags recommendations of Slovenia's
latest UPR review, once (a second run changes nothing)."""

import datetime

import pytest

from nmirf.followup import deadlines
from nmirf.followup.demo import load_follow_up
from nmirf.followup.models import FollowUpFlag, FollowUpSetting
from nmirf.recommendations.models import Mechanism
from nmirf.tracking import demo
from nmirf.tracking.progress_demo import load_progress

from .builders import rec, review

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_calendar_and_flags_once(coordinator):
    latest = review("UPR", datetime.date(2025, 1, 31), session=48, cycle=4)
    rec(latest, "Ratify the Optional Protocol against torture.")
    rec(latest, "Improve the housing of Roma communities.")
    demo.load_entities()
    demo.load_accounts()
    demo.load_actions()
    load_progress()
    assert load_follow_up() == 2
    assert FollowUpFlag.objects.count() == 2
    assert FollowUpSetting.objects.count() == Mechanism.objects.count()
    kinds = {d.kind for d in deadlines.deadlines(deadlines.Query(
        until=datetime.date(2030, 12, 31)))}
    assert {"mid_term", "next_review", "action", "indicator"} <= kinds
    assert load_follow_up() == 0
    assert FollowUpFlag.objects.count() == 2
