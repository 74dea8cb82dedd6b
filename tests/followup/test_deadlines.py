"""The one module that computes every deadline (followup/deadlines.py): each kind, from
the reviews and the per-mechanism settings (seeded from the reference data, editable),
the flags, the actions and the indicators; a fixed number of queries whatever the rows."""

import datetime
from decimal import Decimal

import pytest

from nmirf.followup import deadlines, services
from nmirf.followup.deadlines import Kind, Query
from nmirf.followup.models import FollowUpFlag, FollowUpSetting
from nmirf.recommendations.models import Mechanism, UprSession

from .builders import TODAY, action, days, entity_with_people, indicator, lead, rec, review

pytestmark = pytest.mark.django_db
D = datetime.date


def of_kind(kind, query=None):
    return [d for d in deadlines.deadlines(query) if d.kind == kind]


def setting(code) -> FollowUpSetting:
    return FollowUpSetting.objects.get(mechanism__code=code)


def test_settings_are_seeded_from_the_reference_data():
    assert setting("UPR").mid_term_years == Decimal("2.5")
    assert setting("UPR").periodicity_years == Decimal("4.5")
    assert setting("CCPR").follow_up_reply_years == Decimal("1")
    assert setting("CEDAW").follow_up_reply_years == Decimal("2")
    assert setting("CMW").follow_up_reply_years == Decimal("2")
    assert setting("CERD").mid_term_years is None
    assert FollowUpSetting.objects.count() == Mechanism.objects.count()


def test_the_upr_mid_term_report_is_due_two_and_a_half_years_after_the_review():
    upr = review("UPR", D(2024, 1, 15), session=45, cycle=4)
    [mid_term] = of_kind(Kind.MID_TERM)
    assert mid_term.date == D(2026, 7, 15)
    assert mid_term.key == f"mid_term:review:{upr.pk}"
    assert mid_term.entity_ids == ()  # the secretariat's
    [next_review] = of_kind(Kind.NEXT_REVIEW)
    assert next_review.date == D(2028, 7, 15)  # 4.5 years


def test_only_the_latest_review_of_the_home_state_counts():
    review("UPR", D(2019, 11, 6), session=34, cycle=3)
    review("UPR", D(2024, 1, 15), session=45, cycle=4)
    review("UPR", D(2024, 5, 1), state="EGY", session=46, cycle=4)
    assert [d.date for d in of_kind(Kind.MID_TERM)] == [D(2026, 7, 15)]


def test_a_review_without_a_date_counts_from_its_upr_session():
    UprSession.objects.update_or_create(number=99, defaults={
        "cycle": 5, "start_date": D(2030, 1, 10), "end_date": D(2030, 1, 20)})
    review("UPR", None, session=99, cycle=5)
    assert [d.date for d in of_kind(Kind.MID_TERM)] == [D(2032, 7, 20)]


def test_treaty_bodies_have_a_periodic_report():
    review("CRC", D(2023, 6, 1))
    [report] = of_kind(Kind.PERIODIC_REPORT)
    assert report.date == D(2028, 6, 1) and report.mechanism == "CRC"


@pytest.mark.parametrize(("code", "years"), [("CCPR", 1), ("CERD", 1), ("CAT", 1),
                                             ("CEDAW", 2), ("CMW", 2)])
def test_a_follow_up_reply_is_due_one_year_after_the_review_two_for_cedaw_and_cmw(code, years):
    flagged = rec(review(code, D(2024, 3, 8)))
    rec(review(code, D(2024, 3, 8)))  # not flagged: no reply due
    services.set_flag(flagged, True)
    [reply] = of_kind(Kind.FOLLOW_UP_REPLY)
    assert reply.date == D(2024 + years, 3, 8)
    assert reply.key == f"follow_up_reply:recommendation:{flagged.pk}"


def test_a_follow_up_reply_belongs_to_the_lead_entity_and_closes_with_the_reply():
    ministry = entity_with_people()
    flagged = rec(review("CEDAW", D(2024, 3, 8)))
    lead(flagged, ministry)
    services.set_flag(flagged, True)
    [reply] = of_kind(Kind.FOLLOW_UP_REPLY)
    assert reply.entity_ids == (ministry.pk,)
    services.mark_replied(flagged, TODAY)
    assert of_kind(Kind.FOLLOW_UP_REPLY) == []


def test_edited_settings_move_the_deadlines():
    upr = review("UPR", D(2024, 1, 15), session=45, cycle=4)
    flagged = rec(review("CCPR", D(2024, 3, 8)))
    services.set_flag(flagged, True)
    upr_setting, ccpr = setting("UPR"), setting("CCPR")
    upr_setting.mid_term_years = Decimal("2")
    services.save_setting(upr_setting)
    ccpr.follow_up_reply_years = Decimal("1.5")
    services.save_setting(ccpr)
    assert [d.date for d in of_kind(Kind.MID_TERM)] == [D(2026, 1, 15)]
    assert [d.date for d in of_kind(Kind.FOLLOW_UP_REPLY)] == [D(2025, 9, 8)]
    ccpr.follow_up_reply_years = None  # no follow-up reply at all
    services.save_setting(ccpr)
    assert of_kind(Kind.FOLLOW_UP_REPLY) == []
    assert upr.pk


def test_a_mechanism_without_settings_falls_back_to_its_reference_values():
    FollowUpSetting.objects.filter(mechanism__code="CEDAW").delete()
    services.set_flag(rec(review("CEDAW", D(2024, 3, 8))), True)
    assert [d.date for d in of_kind(Kind.FOLLOW_UP_REPLY)] == [D(2026, 3, 8)]


def test_a_report_marked_as_met_leaves_the_calendar():
    review("UPR", D(2024, 1, 15), session=45, cycle=4)
    [mid_term] = of_kind(Kind.MID_TERM)
    services.mark_done(mid_term.key)
    assert of_kind(Kind.MID_TERM) == []
    assert len(of_kind(Kind.NEXT_REVIEW)) == 1


def test_incomplete_actions_have_their_target_date_as_a_deadline():
    ministry = entity_with_people()
    running = action(ministry, days(10))
    action(ministry, days(-10), status="completed")
    action(ministry, days(20), status="cancelled")
    [deadline] = of_kind(Kind.ACTION)
    assert (deadline.date, deadline.entity_ids, deadline.title) == (
        days(10), (ministry.pk,), running.title)


def test_indicators_give_their_next_due_date_and_the_later_ones_up_to_the_horizon():
    ministry = entity_with_people()
    measured = indicator(action(ministry, days(400)), days(5), frequency="quarterly")
    dates = [d.date for d in of_kind(Kind.INDICATOR, Query(until=days(200)))]
    assert dates[0] == days(5) and len(dates) >= 2
    assert all(d.url.endswith(f"#indicator-{measured.pk}") for d in of_kind(Kind.INDICATOR))
    assert [d.date for d in of_kind(Kind.INDICATOR)] == [days(5)]  # no horizon: the next


def test_overdue_and_upcoming_split_on_today():
    ministry = entity_with_people()
    action(ministry, days(-1), title="Late")
    action(ministry, TODAY, title="Today")
    action(ministry, days(30), title="Soon")
    assert [d.title for d in deadlines.overdue()] == ["Late"]
    assert [d.title for d in deadlines.upcoming()] == ["Today", "Soon"]


def test_entity_filter_keeps_that_entitys_deadlines_and_leaves_the_secretariats_out():
    health, justice = entity_with_people("Ministry of Health"), entity_with_people(
        "Ministry of Justice")
    action(health, days(3), title="Health")
    action(justice, days(3), title="Justice")
    review("UPR", D(2024, 1, 15), session=45, cycle=4)
    assert [d.title for d in deadlines.deadlines(Query(entity_ids={health.pk}))] == ["Health"]


def test_the_deadline_queries_do_not_grow_with_the_rows(django_assert_max_num_queries):
    ministry = entity_with_people()

    def add(n):
        for _ in range(n):
            services.set_flag(rec(review("CCPR", D(2024, 3, 8))), True)
            indicator(action(ministry, days(50)), days(7))

    add(2)
    with django_assert_max_num_queries(20) as captured:
        deadlines.deadlines(Query(until=days(365)))
    add(10)
    with django_assert_max_num_queries(len(captured)):
        found = deadlines.deadlines(Query(until=days(365)))
    assert len([d for d in found if d.kind == Kind.FOLLOW_UP_REPLY]) == 12
    assert FollowUpFlag.objects.count() == 12
