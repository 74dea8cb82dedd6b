"""Filters that read what only some people may read (filters.RESTRICTED_FILTERS): "has
validated progress" (validated updates are internal until published) and "overdue" (the
internal calendar's dates). An observer gets no facet for them, and a value typed into the
address is refused like an unknown one — a form error, the filter ignored — so that it
tells nothing of what is not theirs to read. Selected by `pytest -k "permission"`."""

import datetime

import pytest
from django.urls import reverse

from nmirf.consultation import services as consultation
from nmirf.tracking.progress_models import ProgressUpdate
from tests.followup.builders import action, days, entity_with_people, lead
from tests.recommendations.builders import build_registry
from tests.tracking.roles import client_for

LIST = reverse("recommendations:list")
REFUSED = "is not one of the available choices"


@pytest.fixture
def r(db, coordinator):
    """The small registry; `torture` shared with observers, overdue (its action's target
    date has passed) and with validated progress; `roma` shared too, neither."""
    registry = build_registry()
    health = entity_with_people()
    lead(registry.torture, health)
    late = action(health, days(-30), recs=[registry.torture])
    ProgressUpdate.objects.create(action=late, state="validated", narrative="Done in part.",
                                  period_start=datetime.date(2026, 1, 1),
                                  period_end=datetime.date(2026, 3, 31))
    for rec in (registry.torture, registry.roma):
        consultation.set_shared(rec, True, user=coordinator)
    return registry


def listed(response) -> set[int]:
    return {rec.pk for rec in response.context["page"].object_list}


@pytest.mark.parametrize("query", ["progress=validated", "overdue=yes"])
def test_permission_an_observer_typing_an_internal_filter_gets_it_refused(
        request, r, query):
    client = client_for(request, "observer")
    everything = listed(client.get(LIST))
    response = client.get(f"{LIST}?{query}")
    assert REFUSED in response.content.decode()
    assert listed(response) == everything == {r.torture.pk, r.roma.pk}


@pytest.mark.parametrize("role", ["coordinator", "focal_point"])
@pytest.mark.parametrize("query", ["progress=validated", "overdue=yes"])
def test_permission_the_secretariat_and_focal_points_use_the_internal_filters(
        request, r, role, query):
    response = client_for(request, role).get(f"{LIST}?{query}")
    assert REFUSED not in response.content.decode()
    assert listed(response) == {r.torture.pk}


def facet_values(response) -> dict:
    return {facet.key: [value.value for value in facet.values]
            for facet in response.context["facets"].facets}


def test_permission_an_observer_gets_no_internal_facets(request, r):
    facets = facet_values(client_for(request, "observer").get(LIST))
    assert facets.get("progress", []) == [] and facets.get("overdue", []) == []
    facets = facet_values(client_for(request, "coordinator").get(LIST))
    assert facets["progress"] == ["validated"] and facets["overdue"] == ["yes"]
