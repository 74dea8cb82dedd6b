"""Actions: planned by the coordinator or a focal point of the responsible entity, linked to
recommendations and clusters, every change in the action's history; bad input (a target
before the start, a budget without currency …) refused with a message and nothing written;
a save based on an older version refused with what changed, nothing of the first lost;
every role × operation by direct URL, with tampered ids."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from nmirf.accounts import permissions
from nmirf.audit.models import AuditEvent
from nmirf.tracking.models import Action, Cluster, Entity
from tests.recommendations.builders import build_registry
from tests.tracking.roles import MANAGERS, ROLES, client_for

CREATE = reverse("tracking:action_create")


def state() -> list:
    return [sorted(Action.objects.values_list("pk", "title", "responsible_entity", "start_date",
                                              "target_date", "budget", "currency", "status",
                                              "archived", "version")),
            sorted(Action.recommendations.through.objects.values_list("action", "recommendation")),
            sorted(Action.clusters.through.objects.values_list("action", "cluster")),
            AuditEvent.objects.changes().count()]


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def labour(db):
    return Entity.objects.create(name="Ministry of Labour", kind="ministry")


def data(entity, **changes) -> dict:
    values = {"title": "Amend the Criminal Code", "description": "Define torture as a crime.",
              "responsible_entity": entity.pk, "start_date": "2026-01-01",
              "target_date": "2026-12-31", "budget": "25000", "currency": "eur",
              "status": "planned", "version": 0}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def action(r, entity):
    from nmirf.tracking import action_services

    made = Action(title="Train the police", responsible_entity=entity,
                  start_date="2026-02-01", target_date="2026-06-30")
    return action_services.save_action(made, recommendations=[r.torture], clusters=[])


def test_the_focal_point_plans_an_action_for_a_recommendation_of_their_entity(
        r, entity, focal_point_of_entity):
    client = Client()
    client.force_login(focal_point_of_entity)
    page = client.get(CREATE, {"recommendation": r.torture.pk})
    assert page.status_code == 200
    assert list(page.context["form"].fields["responsible_entity"].queryset) == [entity]
    cluster = Cluster.objects.create(title="Torture")
    response = client.post(CREATE, {**data(entity), "recommendations": [r.torture.pk],
                                     "clusters": [cluster.pk]}, follow=True)
    action = Action.objects.get()
    assert response.redirect_chain[-1][0] == action.get_absolute_url()
    assert (action.currency, action.budget, action.created_by) == ("EUR", 25000,
                                                                  focal_point_of_entity)
    assert list(action.recommendations.all()) == [r.torture]
    assert list(action.clusters.all()) == [cluster]
    event = AuditEvent.objects.for_target(action).get()
    assert event.after["title"] == "Amend the Criminal Code"
    assert event.after["recommendations"] == [str(r.torture)]
    # The recommendation's page lists it.
    html = client.get(reverse("recommendations:detail", args=[r.torture.pk])).content.decode()
    assert "Amend the Criminal Code" in html


@pytest.mark.parametrize("changes, field, message", [
    ({"target_date": "2025-12-31"}, "target_date",
     "The target date cannot be before the start date."),
    ({"currency": ""}, "currency", "Give the currency of the budget."),
    ({"currency": "EURO"}, "currency", "Ensure this value has at most 3 characters (it has 4)."),
    ({"currency": "E1R"}, "currency",
     "Give the currency as its three-letter ISO 4217 code, such as EUR or USD."),
    ({"budget": "-5"}, "budget", "The budget cannot be negative."),
    ({"budget": "a lot"}, "budget", "Enter a number."),
    ({"start_date": "31/31/2026"}, "start_date", "Enter a valid date."),
    ({"title": "   "}, "title", "This field is required."),
    ({"status": "done"}, "status",
     "Select a valid choice. done is not one of the available choices."),
])
def test_bad_action_input_is_refused_with_a_message_and_nothing_written(
        coordinator_client, r, entity, changes, field, message):
    before = state()
    response = coordinator_client.post(CREATE, data(entity, **changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert state() == before


def test_a_focal_point_cannot_make_another_entity_responsible(r, entity, labour,
                                                              focal_point_of_entity):
    client = Client()
    client.force_login(focal_point_of_entity)
    before = state()
    response = client.post(CREATE, data(labour))
    assert "Select a valid choice." in " ".join(
        response.context["form"].errors["responsible_entity"])
    assert state() == before


def test_a_second_save_based_on_an_older_version_is_refused_and_nothing_is_lost(
        action, entity, coordinator, focal_point_of_entity):
    edit = reverse("tracking:action_edit", args=[action.pk])
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(focal_point_of_entity)
    assert first.get(edit).context["form"]["version"].value() == 0
    assert second.get(edit).context["form"]["version"].value() == 0
    first.post(edit, data(entity, title="Train the police and prosecutors", status="in_progress",
                          start_date="2026-02-01", target_date="2026-06-30", budget=None,
                          currency=None))
    before = state()
    response = second.post(edit, data(entity, title="Train the police", status="delayed",
                                      start_date="2026-02-01", target_date="2026-09-30",
                                      budget=None, currency=None))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this action" in html and "Your changes were not saved" in html
    differences = {label: (now, yours) for label, now, yours in response.context["differences"]}
    assert differences["Title"] == ("Train the police and prosecutors", "Train the police")
    assert differences["Status"] == ("In progress", "Delayed")
    assert response.context["form"]["target_date"].value() == "2026-09-30"  # kept
    assert response.context["form"]["version"].value() == "1"
    assert state() == before
    second.post(edit, data(entity, title="Train the police", status="delayed",
                           start_date="2026-02-01", target_date="2026-09-30", budget=None,
                           currency=None, version=1))
    action.refresh_from_db()
    assert (action.status, action.version) == ("delayed", 2)
    assert AuditEvent.objects.for_target(action).count() == 3


def operations(action, entity):
    return {
        "list": ("get", reverse("tracking:action_list"), None),
        "detail": ("get", reverse("tracking:action_detail", args=[action.pk]), None),
        "create form": ("get", CREATE, None),
        "create": ("post", CREATE, data(entity)),
        "edit form": ("get", reverse("tracking:action_edit", args=[action.pk]), None),
        "edit": ("post", reverse("tracking:action_edit", args=[action.pk]),
                 data(entity, title="Renamed", version=0)),
        "archive": ("post", reverse("tracking:action_archive", args=[action.pk]), {}),
    }


READS = {"list", "detail"}


@pytest.mark.parametrize("operation", ["list", "detail", "create form", "create", "edit form",
                                       "edit", "archive"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_actions(request, action, entity, role, operation):
    """The focal point persona belongs to no entity here: the responsible entity's own
    focal point is tested below."""
    client = client_for(request, role)
    method, url, payload = operations(action, entity)[operation]
    before = state()
    response = client.post(url, payload) if method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state() == before
    elif role == "observer" and operation in {"detail", "edit form", "edit", "archive"}:
        # Observers read only the actions of what is shared with them (the action
        # implements nothing shared here: tests/consultation shares it).
        assert response.status_code == 404
        assert state() == before
    elif operation in READS or role in MANAGERS:
        assert response.status_code in (200, 302), response.content[:500]
        if method == "post":
            assert state() != before, f"{role} {operation} wrote nothing"
    elif role == "focal_point" and operation in {"create form", "create"}:
        # May plan, but only for their own entities: none here, so the choice is refused.
        assert response.status_code == 200
        assert state() == before
    else:
        assert response.status_code == 403
        assert state() == before


def test_permission_the_responsible_entitys_focal_point_edits_others_do_not(
        action, entity, labour, focal_point_of_entity, focal_point):
    assert permissions.can_edit_action(focal_point_of_entity, action)
    client = Client()
    client.force_login(focal_point_of_entity)
    client.post(reverse("tracking:action_edit", args=[action.pk]),
                data(entity, title="Renamed", version=0, budget=None, currency=None))
    action.refresh_from_db()
    assert action.title == "Renamed"
    action.responsible_entity = labour
    action.save()
    assert not permissions.can_edit_action(focal_point_of_entity, action)
    assert not permissions.can_edit_action(AnonymousUser(), action)


@pytest.mark.parametrize("target", ["missing action", "archived action for a reader"])
def test_access_tampered_action_ids_answer_404(request, action, observer_client, target):
    before = state()
    if target == "missing action":
        assert observer_client.get(reverse("tracking:action_detail",
                                           args=[999999])).status_code == 404
    else:
        action.archived = True
        action.save()
        before = state()
        assert observer_client.get(action.get_absolute_url()).status_code == 404
    assert state() == before


def test_an_action_is_planned_from_a_cluster_and_listed_on_its_page(coordinator_client, r,
                                                                     entity):
    cluster = Cluster.objects.create(title="Torture")
    page = coordinator_client.get(cluster.get_absolute_url()).content.decode()
    assert f'href="/actions/new/?cluster={cluster.pk}"' in page
    form = coordinator_client.get(CREATE, {"cluster": cluster.pk}).context["form"]
    assert form.initial["clusters"] == [cluster.pk]
    coordinator_client.post(f"{CREATE}?cluster={cluster.pk}",
                            {**data(entity), "clusters": [cluster.pk]})
    assert "Amend the Criminal Code" in coordinator_client.get(
        cluster.get_absolute_url()).content.decode()


@pytest.mark.parametrize("editor", ["coordinator", "focal_point_of_entity"])
def test_editing_an_action_keeps_its_link_to_an_archived_cluster(request, r, entity, editor):
    """The form offers only active clusters: a link to a cluster archived since is not in
    the form, so saving the form must not drop it (it is not the editor's choice)."""
    from nmirf.tracking import action_services

    kept, archived = Cluster.objects.create(title="Police"), Cluster.objects.create(title="Old")
    made = action_services.save_action(
        Action(title="Train the police", responsible_entity=entity, start_date="2026-02-01",
               target_date="2026-06-30"), recommendations=[r.torture], clusters=[kept, archived])
    archived.archived = True
    archived.save()
    client = client_for(request, editor)
    response = client.post(reverse("tracking:action_edit", args=[made.pk]),
                           {**data(entity, title="Train the police force", version=made.version,
                                   budget=None, currency=None),
                            "recommendations": [r.torture.pk], "clusters": [kept.pk]})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.title == "Train the police force"
    assert set(made.clusters.all()) == {kept, archived}
