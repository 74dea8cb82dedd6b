"""The coordinator manages entities in the web UI: the tree, create, edit, move, archive and
restore, focal points and their deputy — every change in the entity's history, and every
bad input refused with a message and nothing written."""

import pytest
from django.test import Client
from django.urls import reverse

from nmirf.accounts.models import Role, User
from nmirf.audit.models import Action, AuditEvent
from nmirf.tracking.models import Entity, Membership

LIST = reverse("tracking:entity_list")
CREATE = reverse("tracking:entity_create")


def edit_url(entity):
    return reverse("tracking:entity_edit", args=[entity.pk])


def detail_url(entity):
    return reverse("tracking:entity_detail", args=[entity.pk])


def state() -> list:
    return [sorted(Entity.objects.values_list("pk", "name", "parent", "kind", "archived")),
            sorted(Membership.objects.values_list("pk", "entity", "user", "is_deputy",
                                                  "ended")),
            AuditEvent.objects.changes().count()]


def form(entity, **changes) -> dict:
    data = {"name": entity.name, "short_name": entity.short_name, "kind": entity.kind,
            "parent": entity.parent_id or ""}
    data.update(changes)
    return data


@pytest.fixture
def ministry(db):
    return Entity.objects.create(name="Ministry of Justice", kind="ministry")


@pytest.fixture
def department(ministry):
    return Entity.objects.create(name="Directorate for Criminal Law", kind="department",
                                 parent=ministry)


def test_it_creates_a_ministry_and_a_department_and_shows_them_as_a_tree(coordinator_client,
                                                                         coordinator):
    response = coordinator_client.post(CREATE, {"name": "  Ministry of Justice ",
                                                "short_name": "MP", "kind": "ministry"})
    ministry = Entity.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(ministry)
    assert ministry.name == "Ministry of Justice"
    page = coordinator_client.get(f"{CREATE}?parent={ministry.pk}")
    assert page.context["form"].initial["parent"] == ministry.pk
    coordinator_client.post(CREATE, {"name": "Directorate for Criminal Law",
                                     "kind": "department", "parent": ministry.pk})
    tree = coordinator_client.get(LIST).context["roots"]
    assert [node.entity.name for node in tree] == ["Ministry of Justice"]
    assert [node.entity.name for node in tree[0].children] == ["Directorate for Criminal Law"]
    created = AuditEvent.objects.for_target(ministry).get()
    assert created.action == Action.CREATED and created.actor == coordinator
    assert created.after["name"] == "Ministry of Justice"


def test_an_edit_and_a_move_are_in_the_entitys_history(coordinator_client, ministry,
                                                       department):
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    coordinator_client.post(edit_url(department), form(department, parent=labour.pk,
                                                       name="Directorate for Labour Law"))
    department.refresh_from_db()
    assert department.parent == labour
    event = AuditEvent.objects.for_target(department).get()
    assert event.before == {"name": "Directorate for Criminal Law",
                            "parent": "Ministry of Justice"}
    assert event.after == {"name": "Directorate for Labour Law", "parent": "Ministry of Labour"}
    html = coordinator_client.get(detail_url(department)).content.decode()
    assert 'id="history-heading"' in html and "<ins>Ministry of Labour</ins>" in html


def test_the_same_name_may_stand_under_two_parents(coordinator_client, ministry, department):
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    response = coordinator_client.post(CREATE, {"name": "Directorate for Criminal Law",
                                                "kind": "department", "parent": labour.pk})
    assert response.status_code == 302
    assert Entity.objects.filter(name="Directorate for Criminal Law").count() == 2


# ── Bad input: a clear message, nothing written ─────────────────────────────────────────

def refused(client, url, data, message):
    before = state()
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with its message
    assert message in response.content.decode()
    assert state() == before
    return response


def test_a_cycle_in_the_tree_is_refused(coordinator_client, ministry, department):
    refused(coordinator_client, edit_url(ministry), form(ministry, parent=department.pk),
            "Ministry of Justice cannot be placed under Directorate for Criminal Law: "
            "Directorate for Criminal Law is part of it.")
    refused(coordinator_client, edit_url(ministry), form(ministry, parent=ministry.pk),
            "Ministry of Justice cannot be placed under Ministry of Justice")


def test_an_archived_parent_is_refused(coordinator_client, ministry):
    old = Entity.objects.create(name="Former Ministry", kind="ministry", archived=True)
    refused(coordinator_client, edit_url(ministry), form(ministry, parent=old.pk),
            "Former Ministry is archived: choose an active entity to place it under.")
    refused(coordinator_client, CREATE, {"name": "New office", "kind": "agency",
                                         "parent": old.pk},
            "Former Ministry is archived")


def test_a_duplicate_name_under_one_parent_is_refused(coordinator_client, ministry,
                                                      department):
    refused(coordinator_client, CREATE, {"name": "directorate for criminal LAW",
                                         "kind": "department", "parent": ministry.pk},
            "An entity named “directorate for criminal LAW” already exists under "
            "Ministry of Justice.")
    refused(coordinator_client, CREATE, {"name": "Ministry of Justice", "kind": "ministry"},
            "already exists under the top level")


def test_a_missing_name_and_an_unknown_parent_are_refused(coordinator_client, ministry):
    refused(coordinator_client, CREATE, {"name": "", "kind": "ministry"},
            "This field is required.")
    refused(coordinator_client, CREATE, {"name": "Office", "kind": "ministry",
                                         "parent": 999999}, "Select a valid choice.")
    refused(coordinator_client, CREATE, {"name": "Office", "kind": "castle"},
            "Select a valid choice.")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_archiving_an_entity_with_active_departments_is_refused(coordinator_client, ministry,
                                                                department):
    before = state()
    response = coordinator_client.post(reverse("tracking:entity_archive", args=[ministry.pk]),
                                       follow=True)
    assert ("Ministry of Justice still has 1 active sub-entities: archive or move them first."
            in messages_of(response))
    assert state() == before


def test_archive_and_restore_are_recorded_and_nothing_is_deleted(coordinator_client, ministry,
                                                                 department):
    coordinator_client.post(reverse("tracking:entity_archive", args=[department.pk]))
    department.refresh_from_db()
    assert department.archived
    assert department not in coordinator_client.get(LIST).context["roots"][0].children
    archived_view = coordinator_client.get(LIST, {"archived": "1"}).context["roots"]
    assert [n.entity for n in archived_view[0].children] == [department]
    coordinator_client.post(reverse("tracking:entity_restore", args=[department.pk]))
    actions = list(AuditEvent.objects.for_target(department).values_list("action", flat=True))
    assert actions == [Action.RESTORED, Action.ARCHIVED]


def test_restoring_under_an_archived_parent_is_refused(coordinator_client, ministry,
                                                       department):
    Entity.objects.filter(pk__in=[ministry.pk, department.pk]).update(archived=True)
    before = state()
    response = coordinator_client.post(reverse("tracking:entity_restore",
                                               args=[department.pk]), follow=True)
    assert ("Ministry of Justice is archived: restore it first, or move this entity elsewhere."
            in messages_of(response))
    assert state() == before


def test_a_post_without_csrf_token_is_refused(coordinator, ministry):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    before = state()
    response = client.post(edit_url(ministry), form(ministry, name="Renamed"))
    assert response.status_code == 403
    assert "nothing was changed" in response.content.decode()
    response = client.post(reverse("tracking:entity_archive", args=[ministry.pk]))
    assert response.status_code == 403
    assert state() == before


# ── Focal points and the deputy ─────────────────────────────────────────────────────────

def add(client, entity, user, deputy=False):
    data = {"user": user.pk}
    if deputy:
        data["deputy"] = "on"
    return client.post(reverse("tracking:member_add", args=[entity.pk]), data, follow=True)


def test_focal_points_belong_to_several_entities_with_one_deputy_each(coordinator_client,
                                                                       focal_point, ministry):
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    second = User.objects.create_user("filip-focal", password="x" * 20, role=Role.FOCAL_POINT)
    add(coordinator_client, ministry, focal_point, deputy=True)
    add(coordinator_client, labour, focal_point)
    assert set(focal_point.memberships.values_list("entity__name", flat=True)) == {
        "Ministry of Justice", "Ministry of Labour"}
    add(coordinator_client, ministry, second, deputy=True)  # the deputy changes hands
    deputies = Membership.objects.filter(entity=ministry, is_deputy=True, ended=False)
    assert [m.user for m in deputies] == [second]
    assert Membership.objects.filter(entity=ministry, ended=False).count() == 2
    last = AuditEvent.objects.for_target(ministry).first()
    assert last.before == {"deputy": "fatima-focal", "focal_points": ["fatima-focal"]}
    assert last.after == {"deputy": "filip-focal",
                          "focal_points": ["fatima-focal", "filip-focal"]}


def test_ending_a_membership_keeps_it(coordinator_client, focal_point, ministry):
    add(coordinator_client, ministry, focal_point)
    membership = Membership.objects.get()
    response = coordinator_client.post(reverse("tracking:member_end",
                                               args=[ministry.pk, membership.pk]), follow=True)
    assert "fatima-focal no longer answers for Ministry of Justice." in messages_of(response)
    membership.refresh_from_db()
    assert membership.ended and membership.ended_at is not None


@pytest.mark.parametrize("persona", ["observer", "coordinator"])
def test_a_person_who_is_not_a_focal_point_is_refused(request, coordinator_client, ministry,
                                                      persona):
    user = request.getfixturevalue(persona)
    before = state()
    response = add(coordinator_client, ministry, user)
    assert (f"{user.username} is not a focal point: give them the focal-point role (or choose "
            "someone who has it) first." in messages_of(response))
    assert state() == before


def test_naming_someone_twice_is_refused(coordinator_client, focal_point, ministry):
    add(coordinator_client, ministry, focal_point)
    before = state()
    response = add(coordinator_client, ministry, focal_point)
    assert "fatima-focal is already a focal point of Ministry of Justice." in messages_of(
        response)
    assert state() == before


def test_a_focal_point_cannot_be_named_to_an_archived_entity(coordinator_client, focal_point):
    old = Entity.objects.create(name="Former Ministry", kind="ministry", archived=True)
    before = state()
    response = add(coordinator_client, old, focal_point)
    assert ("Former Ministry is archived: restore it before naming its focal points."
            in messages_of(response))
    assert state() == before


def test_access_another_entitys_membership_id_tampered_into_a_form_answers_404(
        coordinator_client, focal_point, ministry):
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    add(coordinator_client, labour, focal_point)
    theirs = Membership.objects.get(entity=labour)
    before = state()
    for action in ("member_end", "member_deputy"):
        url = reverse(f"tracking:{action}", args=[ministry.pk, theirs.pk])
        assert coordinator_client.post(url).status_code == 404
    assert state() == before


def test_access_a_focal_point_cannot_tamper_with_their_own_entity(focal_point_of_entity,
                                                                  entity, focal_point):
    client = Client()
    client.force_login(focal_point)
    membership = Membership.objects.get(entity=entity)
    before = state()
    assert client.post(edit_url(entity), form(entity, name="Mine now")).status_code == 403
    assert client.post(reverse("tracking:member_deputy",
                               args=[entity.pk, membership.pk])).status_code == 403
    assert state() == before


def test_the_tree_takes_a_bounded_number_of_queries(coordinator_client, ministry, department,
                                                    django_assert_max_num_queries):
    for number in range(30):
        Entity.objects.create(name=f"Department {number}", kind="department", parent=ministry)
    coordinator_client.get(LIST)
    with django_assert_max_num_queries(8):
        coordinator_client.get(LIST)
