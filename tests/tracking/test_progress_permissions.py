"""Who reads and changes progress updates, by direct URL (selected by
`pytest -k "permission or access"`): a draft is its entity's focal points' own; once
submitted the secretariat reads it too; focal points of other entities read the validated
and published ones; observers only the published; a focal point cannot touch another
entity's action, update or indicator, nor validate; forms without a CSRF token are
refused; nothing is written by a refusal."""

import pytest
from django.urls import reverse

from nmirf.accounts import permissions
from nmirf.tracking.models import Membership, ProgressUpdate

from .progress_fixtures import (
    make_action,
    make_indicator,
    make_update,
    other_entity,
    share_with_observers,
    signed_in,
    state,
)

pytestmark = pytest.mark.django_db

# Who reads an update of `entity` in each state (focal_point: of `entity`; stranger: a focal
# point of another entity). The action implements what is shared with observers (otherwise
# they read none of it: tests/consultation).
READERS = {
    "draft": {"focal_point"},
    "submitted": {"focal_point", "administrator", "coordinator"},
    "returned": {"focal_point", "administrator", "coordinator"},
    "validated": {"focal_point", "administrator", "coordinator", "stranger"},
    "published": {"focal_point", "administrator", "coordinator", "stranger", "observer"},
}


@pytest.fixture
def action(entity):
    made = make_action(entity)
    share_with_observers(made)
    return made


@pytest.fixture
def stranger(db):
    from tests.conftest import _make_user

    user = _make_user("stranger", "focal_point")
    Membership.objects.create(entity=other_entity(), user=user)
    return user


@pytest.mark.parametrize("update_state", list(READERS))
@pytest.mark.parametrize("role", ["administrator", "coordinator", "focal_point", "stranger",
                                  "observer", "anonymous"])
def test_progress_read_access_by_role_and_state(request, action, focal_point_of_entity,
                                                update_state, role):
    update = make_update(action, update_state)
    client = signed_in(request.getfixturevalue(role)) if role != "anonymous" else None
    allowed = role in READERS[update_state]
    if client is None:
        from django.test import Client

        assert Client().get(update.get_absolute_url()).status_code == 302
        return
    assert client.get(update.get_absolute_url()).status_code == (200 if allowed else 404)
    action_page = client.get(action.get_absolute_url()).content.decode()
    assert (update.get_absolute_url() in action_page) == allowed
    user = request.getfixturevalue(role)
    assert permissions.can_view_progress(user, update) == allowed


def test_progress_write_access_refused_on_another_entitys_action(action, stranger):
    update = make_update(action, "draft")
    indicator = make_indicator(action)
    client = signed_in(stranger)
    before = state()
    assert client.post(reverse("tracking:progress_create", args=[action.pk]),
                       {"period_start": "2026-01-01", "period_end": "2026-02-01",
                        "narrative": "Tampered", "version": 0}).status_code == 403
    # Their drafts are not even there for them.
    assert client.post(reverse("tracking:progress_edit", args=[update.pk]),
                       {"narrative": "Tampered"}).status_code == 404
    assert client.post(reverse("tracking:progress_transition", args=[update.pk, "submit"]),
                       {"version": 0}).status_code == 404
    assert client.post(reverse("tracking:evidence_upload", args=[update.pk])).status_code == 404
    assert client.post(reverse("tracking:indicator_edit", args=[indicator.pk]),
                       {"title": "Tampered"}).status_code == 403
    assert state() == before


def test_a_validated_update_of_another_entity_is_read_only_access(action, stranger):
    update = make_update(action, "validated")
    client = signed_in(stranger)
    before = state()
    assert client.get(update.get_absolute_url()).status_code == 200
    assert client.post(reverse("tracking:progress_transition", args=[update.pk, "publish"]),
                       {"version": 0}).status_code == 403
    assert client.post(reverse("tracking:evidence_upload", args=[update.pk])).status_code == 403
    assert state() == before


@pytest.mark.parametrize("name", ["validate", "return", "publish"])
def test_a_focal_point_has_no_access_to_review_transitions(action, focal_point_of_entity,
                                                           name):
    update = make_update(action, "submitted" if name != "publish" else "validated")
    before = state()
    response = signed_in(focal_point_of_entity).post(
        reverse("tracking:progress_transition", args=[update.pk, name]),
        {"version": 0, "comment": "ok"})
    assert response.status_code == 403
    assert state() == before


def test_the_secretariat_has_no_access_to_writing_progress(action, coordinator):
    before = state()
    response = signed_in(coordinator).post(
        reverse("tracking:progress_create", args=[action.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-02-01", "narrative": "x",
         "version": 0})
    assert response.status_code == 403
    assert state() == before


def test_an_unknown_transition_or_tampered_id_is_refused_access(action, coordinator):
    update = make_update(action, "submitted")
    client = signed_in(coordinator)
    before = state()
    assert client.post(reverse("tracking:progress_transition", args=[update.pk, "delete"]),
                       {"version": 0}).status_code == 403
    assert client.post(reverse("tracking:progress_transition", args=[987654, "validate"]),
                       {"version": 0}).status_code == 404
    assert client.get(reverse("tracking:evidence_download", args=[987654])).status_code == 404
    assert state() == before


def test_a_form_value_for_an_indicator_of_another_action_is_ignored_permission(
        action, focal_point_of_entity, stranger):
    """A tampered field name (value_<id of another action's indicator>) writes nothing for
    that indicator: the form only has fields for this action's indicators."""
    theirs = make_indicator(make_action(other_entity(), title="Theirs"))
    signed_in(focal_point_of_entity).post(
        reverse("tracking:progress_create", args=[action.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-02-01", "narrative": "Done.",
         "version": 0, f"value_{theirs.pk}": "99"})
    update = ProgressUpdate.objects.get()
    assert not update.values.exists()


def test_progress_forms_without_csrf_token_are_refused_access(action, focal_point_of_entity,
                                                              coordinator):
    update = make_update(action, "submitted")
    before = state()
    assert signed_in(focal_point_of_entity, csrf=True).post(
        reverse("tracking:progress_create", args=[action.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-02-01", "narrative": "x",
         "version": 0}).status_code == 403
    assert signed_in(coordinator, csrf=True).post(
        reverse("tracking:progress_transition", args=[update.pk, "validate"]),
        {"version": 0}).status_code == 403
    assert state() == before


def test_the_review_queue_access_shows_what_each_may_read(action, focal_point_of_entity,
                                                          coordinator, observer):
    draft = make_update(action, "draft")
    submitted = make_update(action, "submitted")
    published = make_update(action, "published")
    queue = signed_in(coordinator).get(reverse("tracking:progress_list")).content.decode()
    assert submitted.get_absolute_url() in queue
    assert draft.get_absolute_url() not in queue and published.get_absolute_url() not in queue
    everything = signed_in(observer).get(reverse("tracking:progress_list")).content.decode()
    assert published.get_absolute_url() in everything
    assert submitted.get_absolute_url() not in everything


def test_permission_the_change_log_hides_a_draft_from_the_secretariat(
        action, focal_point_of_entity, coordinator, administrator):
    """A draft is its entity's own: the coordinator reads neither the update nor, in the
    change log, what was written in it — until it is submitted. The administrator reads
    the whole trail."""
    client = signed_in(focal_point_of_entity)
    client.post(reverse("tracking:progress_create", args=[action.pk]),
                {"period_start": "2026-01-01", "period_end": "2026-02-01",
                 "narrative": "Not ready for the secretariat yet.", "version": 0})
    update = ProgressUpdate.objects.get()
    log = reverse("audit:log")
    assert "Not ready for the secretariat yet." not in \
        signed_in(coordinator).get(log).content.decode()
    assert "Not ready for the secretariat yet." in \
        signed_in(administrator).get(log).content.decode()
    client.post(reverse("tracking:progress_transition", args=[update.pk, "submit"]),
                {"version": update.version})
    assert "Not ready for the secretariat yet." in \
        signed_in(coordinator).get(log).content.decode()


@pytest.mark.parametrize("role, sees_history", [
    ("focal_point", True), ("coordinator", True), ("stranger", False), ("observer", False)])
def test_permission_the_history_of_an_update_is_its_entitys_and_the_secretariats(
        request, action, focal_point_of_entity, coordinator, role, sees_history):
    """Once published, everyone signed in reads the update as it is; its earlier texts and
    the secretariat's comment when it returned it stay between the entity and the
    secretariat."""
    author, reviewer = signed_in(focal_point_of_entity), signed_in(coordinator)
    author.post(reverse("tracking:progress_create", args=[action.pk]),
                {"period_start": "2026-01-01", "period_end": "2026-02-01",
                 "narrative": "First attempt.", "version": 0})
    update = ProgressUpdate.objects.get()

    def step(client, name, **data):
        update.refresh_from_db()
        client.post(reverse("tracking:progress_transition", args=[update.pk, name]),
                    {"version": update.version, **data})

    step(author, "submit")
    step(reviewer, "return", comment="The figures do not add up.")
    update.refresh_from_db()
    author.post(reverse("tracking:progress_edit", args=[update.pk]),
                {"period_start": "2026-01-01", "period_end": "2026-02-01",
                 "narrative": "Corrected figures.", "version": update.version})
    step(author, "submit")
    step(reviewer, "validate")
    step(reviewer, "publish")
    update.refresh_from_db()
    assert update.state == "published"
    user = request.getfixturevalue(role)
    html = signed_in(user).get(update.get_absolute_url()).content.decode()
    assert "Corrected figures." in html
    assert ("The figures do not add up." in html) is sees_history
    assert ("First attempt." in html) is sees_history
    assert permissions.can_view_progress_history(user, update) is sees_history
