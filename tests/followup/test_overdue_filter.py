"""The registry's `overdue` filter (recommendations/filters.py, defined by
followup/deadlines.py): a recommendation is overdue when an open deadline of its own (a
follow-up reply) or of an incomplete action that implements it — directly or through an
active cluster — (the target date, an indicator's next due date) has passed. In the list,
facets and chips like every filter; a change shows on the next request without a
rebuild; and a day that passes, with no write at all, is seen too."""

import datetime

import pytest
from django.http import QueryDict
from django.urls import reverse

from nmirf.followup import deadlines, services
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.tracking.models import Cluster, ClusterRecommendation
from tests.recommendations.builders import build_registry
from tests.recommendations.test_edits_reach_the_list import Listed, read_then_forbid_rebuilds

from .builders import action, days, entity_with_people, indicator, rec, review

URL = reverse("recommendations:list")


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def health(db):
    return entity_with_people()


@pytest.fixture
def warm(coordinator_client, r, monkeypatch):
    read_then_forbid_rebuilds(coordinator_client, monkeypatch)
    return coordinator_client


def test_each_kind_of_open_deadline_makes_its_recommendations_overdue(warm, r, health):
    assert Listed(warm, "overdue=yes").ids == set()
    action(health, days(-1), recs=[r.roma])
    action(health, days(-30), status="completed", recs=[r.torture])  # closed: not overdue
    assert Listed(warm, "overdue=yes").ids == {r.roma.pk}
    cluster = Cluster.objects.create(title="Late cluster")
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.torture)
    action(health, days(-2), clusters=[cluster])
    assert Listed(warm, "overdue=yes").ids == {r.roma.pk, r.torture.pk}
    later = action(health, days(100), recs=[r.child_strategy])
    indicator(later, days(-5))
    assert r.child_strategy.pk in Listed(warm, "overdue=yes").ids
    listed = Listed(warm)
    assert listed.count("overdue", "yes") == 3


def test_a_flagged_recommendation_is_overdue_until_its_reply(warm, db):
    flagged = rec(review("CCPR", datetime.date.today() - datetime.timedelta(days=400)))
    services.set_flag(flagged, True)
    assert flagged.pk in Listed(warm, "overdue=yes").ids
    services.mark_replied(flagged, datetime.date.today())
    assert flagged.pk not in Listed(warm, "overdue=yes").ids


def test_a_day_that_passes_without_any_write_is_seen(warm, r, health, monkeypatch):
    action(health, days(2), recs=[r.roma])
    assert Listed(warm, "overdue=yes").ids == set()
    in_three_days = days(3)
    monkeypatch.setattr(deadlines, "today", lambda: in_three_days)
    assert Listed(warm, "overdue=yes").ids == {r.roma.pk}
    # The SQL of the same filter (API, exports) agrees on that day.
    in_sql = set(RecommendationFilter(QueryDict("overdue=yes")).qs.values_list("pk", flat=True))
    assert in_sql == {r.roma.pk}


def test_an_unknown_value_is_the_forms_error(warm):
    response = warm.get(URL, {"overdue": "maybe"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
