"""Who may do what with entities: every role × every operation, by direct URL, with the
database unchanged after each refusal. Named so that `pytest -k "permission or access"`
selects them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from nmirf.accounts import permissions
from nmirf.audit.models import AuditEvent
from nmirf.tracking.models import Entity, Membership
from tests.tracking.roles import MANAGERS, ROLES, client_for


def state() -> list:
    """Everything an operation on entities may write."""
    return [sorted(Entity.objects.values_list("pk", "name", "parent", "kind", "archived")),
            sorted(Membership.objects.values_list("pk", "entity", "user", "is_deputy",
                                                  "ended")),
            AuditEvent.objects.changes().count()]


@pytest.fixture
def tree(db, focal_point_of_entity, entity):
    department = Entity.objects.create(name="Directorate for Criminal Law", kind="department",
                                       parent=entity)
    old = Entity.objects.create(name="Former Office for Equal Opportunities", kind="agency",
                                archived=True)
    another = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    return {"ministry": entity, "department": department, "archived": old, "another": another,
            "membership": Membership.objects.get(entity=entity)}


def operations(tree, observer):
    """(name, method, url, data) for every operation on entities."""
    ministry, membership = tree["ministry"], tree["membership"]
    return [
        ("list", "get", reverse("tracking:entity_list"), None),
        ("detail", "get", reverse("tracking:entity_detail", args=[ministry.pk]), None),
        ("create form", "get", reverse("tracking:entity_create"), None),
        ("create", "post", reverse("tracking:entity_create"),
         {"name": "Ministry of Health", "kind": "ministry", "parent": ""}),
        ("edit form", "get", reverse("tracking:entity_edit", args=[ministry.pk]), None),
        ("edit", "post", reverse("tracking:entity_edit", args=[ministry.pk]),
         {"name": "Ministry of Justice (renamed)", "kind": "ministry", "parent": ""}),
        ("move", "post", reverse("tracking:entity_edit", args=[tree["department"].pk]),
         {"name": "Directorate for Criminal Law", "kind": "department",
          "parent": tree["another"].pk}),
        ("archive", "post", reverse("tracking:entity_archive", args=[tree["another"].pk]), {}),
        ("restore", "post", reverse("tracking:entity_restore", args=[tree["archived"].pk]), {}),
        ("add member", "post", reverse("tracking:member_add", args=[tree["another"].pk]),
         {"user": membership.user.pk}),
        ("make deputy", "post", reverse("tracking:member_deputy",
                                        args=[ministry.pk, membership.pk]), {}),
        ("end membership", "post", reverse("tracking:member_end",
                                           args=[ministry.pk, membership.pk]), {}),
    ]


READS = {"list", "detail"}
OPERATION_NAMES = ["list", "detail", "create form", "create", "edit form", "edit", "move",
                   "archive", "restore", "add member", "make deputy", "end membership"]


@pytest.mark.parametrize("operation", OPERATION_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_entities(request, tree, observer, role, operation):
    client = client_for(request, role)
    name, method, url, data = next(op for op in operations(tree, observer) if op[0] == operation)
    before = state()
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state() == before
    elif name in READS or role in MANAGERS:
        assert response.status_code in (200, 302), response.content[:500]
        if method == "post":
            assert state() != before, f"{role} {name} wrote nothing"
    else:
        assert response.status_code == 403
        assert state() == before


@pytest.mark.parametrize("role, sees_archived", [
    ("administrator", True), ("coordinator", True), ("focal_point", False),
    ("observer", False), ("anonymous", None),
])
def test_permission_archived_entities_are_the_secretariats_to_see(request, tree, role,
                                                                  sees_archived):
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    visible = set(Entity.objects.visible_to(user))
    if sees_archived is None:
        assert visible == set()
        return
    assert (tree["archived"] in visible) is sees_archived
    assert tree["ministry"] in visible
    client = client_for(request, role)
    page = client.get(reverse("tracking:entity_detail", args=[tree["archived"].pk]))
    assert page.status_code == (200 if sees_archived else 404)


@pytest.mark.parametrize("role", ["focal_point", "observer"])
def test_access_the_directory_shows_no_edit_button_to_readers(request, tree, role):
    html = client_for(request, role).get(reverse("tracking:entity_detail",
                                                 args=[tree["ministry"].pk])).content.decode()
    assert "Edit or move" not in html and "Name a focal point" not in html
    assert "fatima-focal" in html  # who answers for the entity is shared internally


def test_access_the_coordinator_sees_the_edit_buttons(coordinator_client, tree):
    html = coordinator_client.get(reverse("tracking:entity_detail",
                                          args=[tree["ministry"].pk])).content.decode()
    assert "Edit or move" in html and "Name a focal point" in html


def test_permission_membership_predicate(tree, focal_point, observer):
    assert permissions.is_member_of(focal_point, tree["ministry"])
    assert not permissions.is_member_of(focal_point, tree["another"])
    assert not permissions.is_member_of(observer, tree["ministry"])
    assert not permissions.is_member_of(AnonymousUser(), tree["ministry"])
