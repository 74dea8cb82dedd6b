"""Assignments: a lead and supporting entities per recommendation or per cluster (a
cluster's apply to its recommendations; a recommendation's own lead comes first), bulk
assignment of any filtered list in one step with one audit event, "My recommendations"
for a focal point, and bad input refused with nothing written."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nmirf.audit.models import Action, AuditEvent
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.tracking import assigning
from nmirf.tracking.models import Assignment, Cluster, ClusterRecommendation, Entity, Membership
from tests.recommendations.builders import build_registry

FROM_LIST = reverse("tracking:assign_from_list")


def state() -> list:
    return [sorted(Assignment.objects.values_list("pk", "recommendation", "cluster", "entity",
                                                  "role", "ended")),
            AuditEvent.objects.changes().count()]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def labour(db):
    return Entity.objects.create(name="Ministry of Labour", kind="ministry")


@pytest.fixture
def ombudsman(db):
    return Entity.objects.create(name="Human Rights Ombudsman", kind="nhri")


def current(rec) -> set:
    return set(Assignment.objects.current().filter(recommendation=rec).values_list(
        "entity__name", "role"))


def test_a_whole_filtered_list_is_assigned_in_one_step_and_one_event(coordinator_client, r,
                                                                      entity, coordinator):
    expected = set(RecommendationFilter({"position": ["noted"]}).qs.values_list("pk", flat=True))
    assert len(expected) == 2
    preview = coordinator_client.get(FROM_LIST, {"position": "noted", "page": "2"})
    assert preview.status_code == 200
    assert preview.context["count"] == 2 and preview.context["query"] == "position=noted"
    assert "The list holds 2 recommendations. This assignment touches each of them." in \
        preview.content.decode()
    response = coordinator_client.post(FROM_LIST, {"query": "position=noted",
                                                   "entity": entity.pk, "role": "lead"},
                                       follow=True)
    assert "2 recommendations assigned." in messages_of(response)
    assert set(Assignment.objects.current().filter(entity=entity, role="lead").values_list(
        "recommendation", flat=True)) == expected
    event = AuditEvent.objects.get(action=Action.ASSIGNED)
    assert event.target_id == str(entity.pk)
    assert event.after["recommendations_assigned"] == 2
    assert event.after["source"] == "position=noted"
    assert set(Assignment.objects.filter(event=event).values_list(
        "recommendation", flat=True)) == expected
    for row in Assignment.objects.filter(event=event):  # written by one INSERT … SELECT
        assert row.created_by == coordinator and row.role == "lead" and not row.ended
        assert abs((timezone.now() - row.created_at).total_seconds()) < 60
    # Each recommendation's page shows the one event, through its assignment rows.
    page = coordinator_client.get(reverse("recommendations:detail", args=[r.roma.pk]))
    assert [entry.event for entry in page.context["assignment_history"]] == [event]
    html = page.content.decode()
    assert "History of its assignments" in html and "Ministry of Justice" in html
    again = coordinator_client.post(FROM_LIST, {"query": "position=noted",
                                                "entity": entity.pk, "role": "lead"},
                                    follow=True)
    assert "0 recommendations assigned. 2 already had this assignment." in messages_of(again)
    assert AuditEvent.objects.filter(action=Action.ASSIGNED).count() == 1


def test_naming_a_new_lead_ends_the_old_one_and_keeps_it(r, entity, labour):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    result = assigning.assign_recommendations(labour, "lead", [r.roma.pk, r.torture.pk])
    assert result == {"assigned": 2, "replaced": 1, "unchanged": 0}
    assert current(r.roma) == {("Ministry of Labour", "lead")}
    ended = Assignment.objects.get(entity=entity, recommendation=r.roma)
    assert ended.ended and ended.ended_event.action == Action.ASSIGNED


def test_supporting_entities_add_up_and_a_role_can_change(r, entity, labour):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    assigning.assign_recommendations(labour, "supporting", [r.roma.pk])
    assert current(r.roma) == {("Ministry of Justice", "lead"), ("Ministry of Labour",
                                                                 "supporting")}
    assigning.assign_recommendations(entity, "supporting", [r.roma.pk])
    assert current(r.roma) == {("Ministry of Justice", "supporting"),
                               ("Ministry of Labour", "supporting")}
    assert Assignment.objects.filter(recommendation=r.roma).count() == 3  # one ended, kept


def test_a_clusters_assignment_applies_to_its_recommendations_and_an_own_lead_wins(
        r, entity, labour):
    cluster = Cluster.objects.create(title="Roma inclusion")
    for rec in (r.roma, r.roma_earlier):
        ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
    assigning.assign_cluster(labour, "lead", cluster)
    assert Assignment.objects.lead_entity_ids(r.roma) == {labour.pk}
    assert Assignment.objects.lead_entity_ids(r.roma_earlier) == {labour.pk}
    assert Assignment.objects.lead_entity_ids(r.torture) == set()
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    assert Assignment.objects.lead_entity_ids(r.roma) == {entity.pk}  # its own lead first
    assert {a.entity for a in Assignment.objects.of_recommendation(r.roma)} == {entity, labour}
    cluster.archived = True
    cluster.save()
    assert Assignment.objects.lead_entity_ids(r.roma_earlier) == set()


def test_the_cluster_page_assigns_and_its_history_records_it(coordinator_client, r, labour):
    cluster = Cluster.objects.create(title="Roma inclusion")
    response = coordinator_client.post(reverse("tracking:assign_cluster", args=[cluster.pk]),
                                       {"entity": labour.pk, "role": "lead"}, follow=True)
    assert "Assigned Ministry of Labour (Lead)." in messages_of(response)
    html = response.content.decode()
    assert "Assigned to" in html and "Ministry of Labour" in html
    event = AuditEvent.objects.for_target(cluster).get()
    assert event.action == Action.ASSIGNED
    assert event.after == {"assignments": ["Ministry of Labour (Lead)"]}


def test_one_recommendation_is_assigned_and_unassigned_from_its_page(coordinator_client, r,
                                                                     entity):
    url = reverse("recommendations:detail", args=[r.torture.pk])
    coordinator_client.post(reverse("tracking:assign_one", args=[r.torture.pk]),
                            {"entity": entity.pk, "role": "lead", "next": url})
    assignment = Assignment.objects.get(recommendation=r.torture)
    response = coordinator_client.post(reverse("tracking:assignment_end",
                                               args=[assignment.pk]), {"next": url},
                                       follow=True)
    assert response.redirect_chain[-1][0] == url
    assignment.refresh_from_db()
    assert assignment.ended and assignment.ended_event.action == Action.UNASSIGNED
    history = response.context["assignment_history"]
    assert [e.event.action for e in history] == [Action.UNASSIGNED, Action.ASSIGNED]


@pytest.mark.parametrize("data, message", [
    ({"entity": "ombudsman", "role": "lead"},
     "Human Rights Ombudsman is an observer (National human rights institution): observers "
     "follow and comment, they are not assigned."),
    ({"entity": "entity", "role": "owner"},
     "Select a valid choice. owner is not one of the available choices."),
    ({"entity": "999999", "role": "lead"},
     "Select a valid choice. That choice is not one of the available choices."),
    ({"entity": "", "role": "lead"}, "This field is required."),
])
def test_bad_assignments_are_refused_with_a_message_and_nothing_written(
        coordinator_client, r, entity, ombudsman, data, message):
    data = dict(data)
    if data["entity"] in ("entity", "ombudsman"):
        data["entity"] = {"entity": entity, "ombudsman": ombudsman}[data["entity"]].pk
    before = state()
    response = coordinator_client.post(FROM_LIST, {"query": "position=noted", **data})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"')
    assert state() == before


def test_an_archived_entity_is_refused_and_nothing_written(coordinator_client, r, entity):
    entity.archived = True
    entity.save()
    before = state()
    with pytest.raises(Exception) as refused:
        assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    assert "Ministry of Justice is archived: restore it before assigning it." in str(
        refused.value)
    assert state() == before


def test_an_empty_list_assigns_nothing(coordinator_client, r, entity):
    before = state()
    response = coordinator_client.post(FROM_LIST, {"query": "q=nosuchwordanywhere",
                                                   "entity": entity.pk, "role": "lead"})
    assert "The list is empty: there is nothing to assign." in response.content.decode()
    assert state() == before


def test_my_recommendations_are_those_of_my_entities_directly_or_through_a_cluster(
        r, entity, labour, focal_point_of_entity):
    cluster = Cluster.objects.create(title="Children")
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.child_strategy)
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    assigning.assign_cluster(entity, "supporting", cluster)
    assigning.assign_recommendations(labour, "lead", [r.torture.pk])
    client = Client()
    client.force_login(focal_point_of_entity)
    page = client.get(reverse("tracking:my_recommendations"))
    assert [rec for rec, parts in page.context["rows"]] == sorted(
        [r.roma, r.child_strategy], key=lambda rec: (rec.review.state.name,
                                                     -(rec.review.session or 0), rec.pk))
    parts = dict(page.context["rows"])
    assert parts[r.child_strategy] == [{"entity": "Ministry of Justice", "role": "Supporting",
                                        "cluster": "Children"}]
    html = page.content.decode()
    assert "through the cluster “Children”" in html and "Not started" in html
    leads = client.get(reverse("tracking:my_recommendations"), {"role": "lead"})
    assert [rec for rec, _ in leads.context["rows"]] == [r.roma]


def test_my_leads_leave_out_a_cluster_my_entity_only_supports_whoever_leads_it(
        r, entity, labour, focal_point_of_entity):
    """The role filter asks of the same assignment: the focal point's entity supporting a
    cluster that another entity leads is not a lead of its recommendations."""
    cluster = Cluster.objects.create(title="Children")
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.child_strategy)
    assigning.assign_cluster(entity, "supporting", cluster)
    assigning.assign_cluster(labour, "lead", cluster)
    client = Client()
    client.force_login(focal_point_of_entity)
    url = reverse("tracking:my_recommendations")
    assert [rec for rec, _ in client.get(url, {"role": "lead"}).context["rows"]] == []
    assert [rec for rec, _ in client.get(url, {"role": "supporting"}).context["rows"]] == [
        r.child_strategy]


def test_my_recommendations_makes_the_same_number_of_queries_whatever_the_rows(
        r, entity, focal_point_of_entity):
    client = Client()
    client.force_login(focal_point_of_entity)
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    url = reverse("tracking:my_recommendations")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    assigning.assign_recommendations(entity, "supporting",
                                     [r.torture.pk, r.child_strategy.pk, r.french.pk])
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)


def test_a_focal_point_lands_on_my_recommendations_and_the_coordinator_on_the_registry(
        db, focal_point, coordinator):
    for user, landing in ((focal_point, reverse("tracking:my_recommendations")),
                          (coordinator, reverse("recommendations:list"))):
        user.set_password("a long enough password 2026")
        user.save()
        client = Client()
        response = client.post(reverse("accounts:login"), {
            "username": user.username, "password": "a long enough password 2026"})
        assert response.status_code == 302 and response["Location"] == landing


def test_a_focal_point_without_an_entity_is_told_why_the_page_is_empty(db, focal_point):
    Membership.objects.filter(user=focal_point).delete()
    client = Client()
    client.force_login(focal_point)
    html = client.get(reverse("tracking:my_recommendations")).content.decode()
    assert "You belong to no entity, so nothing is assigned to you." in html


def test_access_the_list_offers_to_assign_itself_to_the_coordinator_only(
        coordinator_client, focal_point_client, r):
    link = 'href="/assign/from-list/?position=noted"'
    url = reverse("recommendations:list")
    assert link in coordinator_client.get(url, {"position": "noted"}).content.decode()
    assert "/assign/from-list/" not in focal_point_client.get(
        url, {"position": "noted"}).content.decode()
