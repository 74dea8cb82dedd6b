"""Entities in the Django admin keep the web UI's rules: an entity with active sub-entities
is not archived (from the list's action or from its form), and the refusal says why;
nothing changes and no event is recorded."""

import pytest
from django.urls import reverse

from nmirf.audit.models import Action, AuditEvent
from nmirf.tracking.models import Entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry(entity):
    Entity.objects.create(name="Prison Administration", kind="agency", parent=entity)
    return entity


def state():
    return (sorted(Entity.objects.values_list("pk", "name", "archived", "parent")),
            AuditEvent.objects.count())


def test_the_archive_action_refuses_an_entity_with_active_sub_entities(admin_client_,
                                                                       ministry):
    before = state()
    response = admin_client_.post(reverse("admin:tracking_entity_changelist"), {
        "action": "archive_selected", "_selected_action": [ministry.pk]}, follow=True)
    assert "still has 1 active sub-entities" in response.content.decode()
    assert state() == before


def test_the_archive_action_archives_a_leaf_through_the_service(admin_client_, entity):
    response = admin_client_.post(reverse("admin:tracking_entity_changelist"), {
        "action": "archive_selected", "_selected_action": [entity.pk]})
    assert response.status_code == 302
    entity.refresh_from_db()
    assert entity.archived
    assert AuditEvent.objects.for_target(entity).get().action == Action.ARCHIVED


def test_the_change_form_refuses_to_archive_an_entity_with_active_sub_entities(
        admin_client_, ministry):
    before = state()
    url = reverse("admin:tracking_entity_change", args=[ministry.pk])
    response = admin_client_.post(url, {"name": ministry.name, "short_name": "",
                                        "kind": ministry.kind, "parent": "", "archived": "on"})
    assert response.status_code == 200
    assert "still has 1 active sub-entities" in response.content.decode()
    assert state() == before
