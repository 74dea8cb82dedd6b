"""The open follow-up replies' due dates are kept per state of the registry: a request
after an edit that cannot move them (another recommendation's text, a status) reads the
change log, not every flag again; a flag, a reply period or a review's date moves them on
the next request."""

import datetime

import pytest

from nmirf.followup import deadlines
from nmirf.followup.models import FollowUpFlag
from nmirf.recommendations.models import Recommendation

from .builders import rec, review


@pytest.fixture
def flagged(db):
    cat = review("CAT", on=datetime.date(2024, 5, 10))
    first = rec(cat)
    FollowUpFlag.objects.create(recommendation=first)
    return cat, first, rec(cat), rec(review("UPR"))


def due(recommendation_ids=None) -> dict[int, datetime.date]:
    recs, ordinals = deadlines.follow_up_due(recommendation_ids=recommendation_ids)
    return {rec_id: datetime.date.fromordinal(day)
            for rec_id, day in zip(recs.tolist(), ordinals.tolist(), strict=True)}


def test_an_edit_that_cannot_move_a_reply_date_reads_no_flag_again(flagged, monkeypatch):
    cat, first, _second, elsewhere = flagged
    assert due() == {first.pk: datetime.date(2025, 5, 10)}

    def no_reading(*args, **kwargs):
        raise AssertionError("the flags were read again")

    monkeypatch.setattr(deadlines, "_flags", no_reading)
    Recommendation.objects.filter(pk=elsewhere.pk).update(text="Another text.")
    assert due() == {first.pk: datetime.date(2025, 5, 10)}


def test_a_flag_a_period_or_a_review_date_moves_them_on_the_next_request(flagged):
    cat, first, second, _elsewhere = flagged
    assert set(due()) == {first.pk}
    FollowUpFlag.objects.create(recommendation=second)
    assert set(due()) == {first.pk, second.pk}
    cat.date = datetime.date(2024, 11, 10)
    cat.save()
    assert due()[first.pk] == datetime.date(2025, 11, 10)
    setting = cat.mechanism.follow_up_setting
    setting.follow_up_reply_years = 2
    setting.save()
    assert due()[first.pk] == datetime.date(2026, 11, 10)
    FollowUpFlag.objects.filter(recommendation=first).update(replied_on=datetime.date.today())
    assert set(due()) == {second.pk}


def test_a_question_about_some_recommendations_is_answered_afresh(flagged):
    _cat, first, second, _elsewhere = flagged
    assert due([second.pk]) == {}
    assert set(due([first.pk])) == {first.pk}
