"""Who may assign, see "My recommendations" and set an implementation status: every role ×
every operation, by direct URL and with tampered ids, with the database unchanged after
each refusal. Named so that `pytest -k "permission or access"` selects them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from nmirf.accounts import permissions
from nmirf.audit.models import AuditEvent
from nmirf.tracking import assigning
from nmirf.tracking.models import (
    Assignment,
    Cluster,
    ClusterRecommendation,
    Entity,
    RecommendationStatus,
    StatusChange,
)
from tests.recommendations.builders import build_registry
from tests.tracking.roles import MANAGERS, ROLES, client_for


def state() -> list:
    return [sorted(Assignment.objects.values_list("pk", "recommendation", "cluster", "entity",
                                                  "role", "ended")),
            sorted(RecommendationStatus.objects.values_list("pk", "status", "version")),
            StatusChange.objects.count(), AuditEvent.objects.changes().count()]


@pytest.fixture
def world(db, focal_point_of_entity, entity):
    r = build_registry()
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    cluster = Cluster.objects.create(title="Children")
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.child_strategy)
    assigning.assign_recommendations(labour, "lead", [r.torture.pk])
    assigning.assign_recommendations(entity, "supporting", [r.torture.pk])
    return {"r": r, "labour": labour, "cluster": cluster,
            "assignment": Assignment.objects.get(entity=labour, recommendation=r.torture)}


def operations(world):
    r, labour = world["r"], world["labour"]
    return {
        "assign preview": ("get", reverse("tracking:assign_from_list"), {"position": "noted"}),
        "assign list": ("post", reverse("tracking:assign_from_list"),
                        {"query": "position=noted", "entity": labour.pk, "role": "lead"}),
        "assign one": ("post", reverse("tracking:assign_one", args=[r.roma.pk]),
                       {"entity": labour.pk, "role": "supporting"}),
        "assign cluster": ("post", reverse("tracking:assign_cluster",
                                           args=[world["cluster"].pk]),
                           {"entity": labour.pk, "role": "lead"}),
        "end assignment": ("post", reverse("tracking:assignment_end",
                                           args=[world["assignment"].pk]), {}),
        "my recommendations": ("get", reverse("tracking:my_recommendations"), None),
        # The focal point's entity only supports this one: not theirs to set.
        "status form": ("get", reverse("tracking:status_edit", args=[r.torture.pk]), None),
        "set status": ("post", reverse("tracking:status_edit", args=[r.torture.pk]),
                       {"status": "in_progress", "version": 0, "reason": "Begun."}),
    }


READS = {"my recommendations"}


@pytest.mark.parametrize("operation", [
    "assign preview", "assign list", "assign one", "assign cluster", "end assignment",
    "my recommendations", "status form", "set status"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_assignments_and_statuses(request, world, role, operation):
    client = client_for(request, role)
    method, url, data = operations(world)[operation]
    before = state()
    response = getattr(client, method)(url, data) if method == "post" else client.get(
        url, data or {})
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state() == before
    elif operation in READS or role in MANAGERS:
        assert response.status_code in (200, 302), response.content[:500]
        if method == "post":
            assert state() != before, f"{role} {operation} wrote nothing"
    elif role == "observer" and operation in {"status form", "set status"}:
        # An observer does not read a recommendation that is not shared with them.
        assert response.status_code == 404
        assert state() == before
    else:
        assert response.status_code == 403
        assert state() == before


def test_permission_the_focal_point_of_the_lead_entity_sets_the_status(world, entity,
                                                                      focal_point_of_entity):
    r = world["r"]
    client = Client()
    client.force_login(focal_point_of_entity)
    url = reverse("tracking:status_edit", args=[r.roma.pk])
    assert client.get(url).status_code == 403  # not assigned at all
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    client.post(url, {"status": "in_progress", "version": 0, "reason": "Drafting."})
    assert RecommendationStatus.objects.get(recommendation=r.roma).changed_by == \
        focal_point_of_entity


def test_permission_a_clusters_lead_sets_the_status_unless_the_recommendation_has_its_own(
        world, entity, focal_point_of_entity):
    r, cluster = world["r"], world["cluster"]
    assigning.assign_cluster(entity, "lead", cluster)
    assert permissions.can_set_status(focal_point_of_entity, r.child_strategy)
    assigning.assign_recommendations(world["labour"], "lead", [r.child_strategy.pk])
    assert not permissions.can_set_status(focal_point_of_entity, r.child_strategy)


def test_permission_an_ended_membership_no_longer_sets_the_status(world, entity,
                                                                focal_point_of_entity):
    r = world["r"]
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    assert permissions.can_set_status(focal_point_of_entity, r.roma)
    focal_point_of_entity.memberships.update(ended=True)
    assert not permissions.can_set_status(focal_point_of_entity, r.roma)
    assert not permissions.can_set_status(AnonymousUser(), r.roma)


@pytest.mark.parametrize("target", ["archived recommendation", "missing recommendation",
                                    "missing assignment", "archived entity"])
def test_access_tampered_ids_answer_404_or_a_message_with_nothing_written(
        coordinator_client, world, target):
    r = world["r"]
    gone = Entity.objects.create(name="Former office", kind="agency", archived=True)
    before = state()
    if target == "archived recommendation":
        response = coordinator_client.post(reverse("tracking:assign_one", args=[r.archived.pk]),
                                           {"entity": world["labour"].pk, "role": "lead"})
        assert response.status_code == 404
        response = coordinator_client.post(reverse("tracking:status_edit", args=[r.archived.pk]),
                                           {"status": "implemented", "version": 0,
                                            "reason": "x"})
        assert response.status_code == 404
    elif target == "missing recommendation":
        response = coordinator_client.post(reverse("tracking:assign_one", args=[999999]),
                                           {"entity": world["labour"].pk, "role": "lead"})
        assert response.status_code == 404
    elif target == "missing assignment":
        response = coordinator_client.post(reverse("tracking:assignment_end", args=[999999]))
        assert response.status_code == 404
    else:
        response = coordinator_client.post(reverse("tracking:assign_one", args=[r.roma.pk]),
                                           {"entity": gone.pk, "role": "lead"}, follow=True)
        assert "Select a valid choice." in " ".join(
            str(m) for m in response.context["messages"])
    assert state() == before
