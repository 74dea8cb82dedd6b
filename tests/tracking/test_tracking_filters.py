"""Tracking's filters in the registry's one read path: implementation status, lead entity
(the lead rule, through clusters), cluster and "assigned to me" select, count and show in
the list as every registry filter does; a status a focal point sets, a bulk assignment and
a cluster's new lead show in the coordinator's list and facet counts on the very next
request, with the registry index patched, never rebuilt; the page's query count does not
grow with the rows shown."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nmirf.tracking import assigning
from nmirf.tracking.models import Cluster, ClusterRecommendation, Entity, Membership
from tests.recommendations.builders import build_registry, make_rec
from tests.recommendations.test_edits_reach_the_list import Listed, read_then_forbid_rebuilds

URL = reverse("recommendations:list")


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def labour(db):
    return Entity.objects.create(name="Ministry of Labour", kind="ministry")


@pytest.fixture
def warm(coordinator_client, r, monkeypatch):
    """The coordinator's list read once; from then on a rebuild of the index fails the
    test: every change must reach it as a patch."""
    read_then_forbid_rebuilds(coordinator_client, monkeypatch)
    return coordinator_client


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_status_a_focal_point_sets_shows_in_the_coordinators_counts_on_the_next_request(
        warm, r, entity, focal_point_of_entity):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    before = Listed(warm)
    not_started = before.count("status", "not_started")
    assert not_started == before.total  # no status row yet: every one has not started
    assert before.count("status", "in_progress") == 0
    response = client_of(focal_point_of_entity).post(
        reverse("tracking:status_edit", args=[r.roma.pk]),
        {"status": "in_progress", "version": 0, "reason": "A working group was set up."})
    assert response.status_code == 302
    after = Listed(warm)
    assert after.count("status", "in_progress") == 1
    assert after.count("status", "not_started") == not_started - 1
    assert Listed(warm, "status=in_progress").ids == {r.roma.pk}
    in_progress_or_not_started = Listed(warm, "status=in_progress&status=not_started")
    assert in_progress_or_not_started.total == before.total
    assert r.roma.pk not in Listed(warm, "status=not_started").ids


def test_a_bulk_assignment_shows_in_the_lead_facet_and_in_assigned_to_me_on_the_next_request(
        warm, r, entity, focal_point_of_entity):
    assert Listed(warm).count("lead", entity.pk) == 0
    response = warm.post(reverse("tracking:assign_from_list"),
                         {"query": "position=noted", "entity": entity.pk, "role": "lead"})
    assert response.status_code == 302
    noted = Listed(warm, "position=noted").ids
    assert len(noted) == 2
    assert Listed(warm, f"lead={entity.pk}").ids == noted
    assert Listed(warm).count("lead", entity.pk) == 2
    mine = Listed(client_of(focal_point_of_entity), "assigned=me")
    assert mine.ids == noted
    # The coordinator belongs to no entity: nothing is assigned to them.
    assert Listed(warm, "assigned=me").total == 0


def test_a_clusters_lead_reaches_its_members_and_an_own_lead_wins_on_the_next_request(
        warm, r, entity, labour):
    cluster = Cluster.objects.create(title="Roma inclusion")
    for rec in (r.roma, r.roma_earlier):
        ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
    assert Listed(warm, f"cluster={cluster.pk}").ids == {r.roma.pk, r.roma_earlier.pk}
    assert Listed(warm).count("cluster", cluster.pk) == 2
    assign = reverse("tracking:assign_cluster", args=[cluster.pk])
    warm.post(assign, {"entity": labour.pk, "role": "lead"})
    assert Listed(warm, f"lead={labour.pk}").ids == {r.roma.pk, r.roma_earlier.pk}
    # A new lead of the cluster ends the old one, for every member.
    warm.post(assign, {"entity": entity.pk, "role": "lead"})
    listed = Listed(warm)
    assert (listed.count("lead", labour.pk), listed.count("lead", entity.pk)) == (0, 2)
    # The recommendation's own lead wins over the cluster's.
    warm.post(reverse("tracking:assign_one", args=[r.roma.pk]),
              {"entity": labour.pk, "role": "lead"})
    assert Listed(warm, f"lead={labour.pk}").ids == {r.roma.pk}
    assert Listed(warm, f"lead={entity.pk}").ids == {r.roma_earlier.pk}
    # An archived cluster leads nothing.
    warm.post(reverse("tracking:cluster_archive", args=[cluster.pk]))
    assert Cluster.objects.get(pk=cluster.pk).archived
    assert Listed(warm, f"lead={entity.pk}").total == 0


def test_the_chips_name_the_tracking_filters_in_use(coordinator_client, r, entity):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    response = coordinator_client.get(URL, {"status": "not_started", "lead": entity.pk})
    chips = {(chip["title"], chip["label"]) for chip in response.context["active_filters"]}
    assert chips == {("Implementation status", "Not started"),
                     ("Lead entity", entity.name)}
    assert {rec.pk for rec in response.context["page"].object_list} == {r.roma.pk}
    html = response.content.decode()
    assert "Implementation status" in html and "Lead entity" in html


def test_assigned_to_me_is_the_signed_in_persons_never_the_query_strings(
        r, entity, labour, focal_point_of_entity, focal_point):
    assigning.assign_recommendations(entity, "supporting", [r.roma.pk])
    assigning.assign_recommendations(labour, "lead", [r.torture.pk])
    client = client_of(focal_point_of_entity)
    assert Listed(client, "assigned=me").ids == {r.roma.pk}
    # Another person's id, or an entity's, in the query string: refused, said so.
    for tampered in (str(focal_point.pk), str(labour.pk), "labour"):
        response = client.get(URL, {"assigned": tampered})
        assert response.status_code == 200
        assert "assigned" in response.context["filterset"].filter_errors
        assert "were not understood" in response.content.decode()
    # A focal point of no entity has nothing assigned.
    Membership.objects.filter(user=focal_point_of_entity).update(ended=True)
    assert Listed(client, "assigned=me").total == 0


def test_the_lists_queries_do_not_grow_with_the_rows_shown(coordinator_client, r, entity):
    cluster = Cluster.objects.create(title="Roma inclusion")
    query = {"status": "not_started", "lead": entity.pk, "cluster": cluster.pk}

    def add(n):
        recs = [make_rec(r.svn34, f"Protect defenders, {n}, {i}.") for i in range(n)]
        for rec in recs:
            ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
        assigning.assign_recommendations(entity, "lead", [rec.pk for rec in recs])

    def queries():
        coordinator_client.get(URL, query)  # the index patched: once per change, not per row
        with CaptureQueriesContext(connection) as captured:
            response = coordinator_client.get(URL, query)
        return len(captured), len(response.context["page"].object_list)

    add(2)
    few, shown = queries()
    assert shown == 2
    add(18)
    many, shown = queries()
    assert shown == 20
    assert many == few


def test_a_list_of_what_is_assigned_to_me_is_what_a_cluster_made_from_it_holds(
        r, entity, focal_point_of_entity, coordinator):
    """The operations that take a whole list (tracking/selection.py) read "me" as the
    person who asks, as the list does."""
    from django.http import QueryDict

    from nmirf.tracking.selection import registry_selection

    assigning.assign_recommendations(entity, "lead", [r.roma.pk, r.torture.pk])
    _filterset, mine = registry_selection(focal_point_of_entity, QueryDict("assigned=me"))
    assert set(mine.values_list("pk", flat=True)) == {r.roma.pk, r.torture.pk}
    _filterset, theirs = registry_selection(coordinator, QueryDict("assigned=me"))
    assert not theirs.exists()
