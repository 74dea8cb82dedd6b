"""Every change a person makes to the registry is recorded — who, when, before → after per
field — and shown on the object's page; imports are recorded by their run, not row by row;
nothing a person wrote is deleted."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nmirf.audit import record
from nmirf.audit.models import Action, AuditEvent
from nmirf.recommendations.models import Recommendation, Term
from tests.ingest.test_import_views import upload  # noqa: F401, F811 - a fixture
from tests.recommendations.builders import make_rec, make_review, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(db):
    return make_rec(make_review("SVN", "UPR", session=20, cycle=2),
                    "Ratify the Optional Protocol.", paragraph="115.1", position="noted",
                    recommending=["FRA"])


def admin_form_data(client, url) -> dict:
    """The admin change form's current values, inlines included, as a browser would post."""
    page = client.get(url)

    def put(data, bound, key):
        value = bound.value()
        if value is False or value is None:
            return  # an unticked box, an empty choice: a browser sends nothing
        data[key] = value

    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        put(data, form[name], name)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                put(data, inline_form[name], inline_form.add_prefix(name))
    return data


def test_an_admin_edit_is_recorded_field_by_field(admin_client_, administrator, rec):
    url = reverse("admin:recommendations_recommendation_change", args=[rec.pk])
    data = admin_form_data(admin_client_, url)
    data.update(position="supported", paragraph="115.2")
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.for_target(rec).get()
    assert event.action == Action.CHANGED
    assert event.actor == administrator and event.actor_username == "alice-admin"
    assert event.before == {"paragraph": "115.1", "position": "Noted"}
    assert event.after == {"paragraph": "115.2", "position": "Supported"}


def test_labels_and_recommending_states_added_in_the_admin_are_recorded(admin_client_, rec):
    url = reverse("admin:recommendations_recommendation_change", args=[rec.pk])
    data = admin_form_data(admin_client_, url)
    label = term("sdg", "5")
    prefix = "recommendationterm_set"
    data[f"{prefix}-TOTAL_FORMS"] = 1
    data[f"{prefix}-0-term"] = label.pk
    data[f"{prefix}-0-recommendation"] = rec.pk
    assert admin_client_.post(url, data).status_code == 302
    event = AuditEvent.objects.for_target(rec).get()
    assert event.before == {"terms": []}
    assert event.after == {"terms": [str(label)]}


def test_saving_without_a_change_records_nothing(admin_client_, rec):
    url = reverse("admin:recommendations_recommendation_change", args=[rec.pk])
    assert admin_client_.post(url, admin_form_data(admin_client_, url)).status_code == 302
    assert not AuditEvent.objects.for_target(rec).exists()


def test_recommendations_are_archived_from_the_admin_never_deleted(admin_client_, rec):
    changelist = reverse("admin:recommendations_recommendation_changelist")
    actions = admin_client_.get(changelist).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)
    response = admin_client_.post(changelist, {"action": "archive_selected",
                                               "_selected_action": [rec.pk]})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.archived
    event = AuditEvent.objects.for_target(rec).get()
    assert event.action == Action.ARCHIVED and event.after == {"archived": True}
    delete = reverse("admin:recommendations_recommendation_delete", args=[rec.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert Recommendation.objects.filter(pk=rec.pk).exists()


def test_a_label_renamed_in_the_admin_is_recorded_and_labels_are_never_deleted(admin_client_):
    label = Term.objects.filter(taxonomy__code="sdg").first()
    old_name = label.name
    url = reverse("admin:recommendations_term_change", args=[label.pk])
    data = admin_form_data(admin_client_, url)
    data["name"] = "Gender equality (renamed)"
    assert admin_client_.post(url, data).status_code == 302
    event = AuditEvent.objects.for_target(label).get()
    assert event.before == {"name": old_name} and event.after == {"name": "Gender equality "
                                                                           "(renamed)"}
    delete = reverse("admin:recommendations_term_delete", args=[label.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert Term.objects.filter(pk=label.pk).exists()


def test_a_duplicate_decision_is_recorded_with_its_own_name(coordinator_client, coordinator,
                                                            rec):
    copy = make_rec(rec.review, rec.text, possible_duplicate_of=rec)
    coordinator_client.post(reverse("recommendations:resolve_duplicate", args=[copy.pk]),
                            {"decision": "different"})
    event = AuditEvent.objects.for_target(copy).get()
    assert event.action == Action.DUPLICATE_CLEARED and event.actor == coordinator
    assert event.before == {"possible_duplicate_of": str(rec)}
    assert event.after == {"possible_duplicate_of": None}


def test_the_history_shows_on_the_recommendation_page(focal_point_client, administrator, rec):
    record(Action.CHANGED, actor=administrator, target=rec, before={"position": "Noted"},
           after={"position": "Supported"})
    page = focal_point_client.get(reverse("recommendations:detail", args=[rec.pk]))
    html = page.content.decode()
    assert 'id="history-heading"' in html
    assert "alice-admin" in html and "<del>Noted</del>" in html and "<ins>Supported</ins>" in html
    assert "Position" in html  # the field's label, not its key


def test_an_import_is_recorded_by_its_run_not_row_by_row(coordinator_client, upload):  # noqa: F811
    from tests.ingest.test_import_views import GOOD, HEADER

    before = AuditEvent.objects.changes().count()
    upload(coordinator_client, f"{HEADER}\n{GOOD}\n".encode())
    assert Recommendation.objects.filter(text="Ratify the Convention.").exists()
    assert AuditEvent.objects.changes().count() == before


# ── The coordinator's log of changes ────────────────────────────────────────────────────

LOG = reverse("audit:log")


@pytest.fixture
def changes(administrator, coordinator, observer, rec):
    record(Action.LOGIN, actor=observer)  # a sign-in: not a change
    first = record(Action.CHANGED, actor=administrator, target=rec, before={"paragraph": "1"},
                   after={"paragraph": "2"})
    second = record(Action.ARCHIVED, actor=coordinator, target=observer,
                    before={"archived": False}, after={"archived": True})
    return first, second


def test_access_the_coordinator_reads_the_log_of_changes_not_the_sign_ins(coordinator_client,
                                                                           changes):
    page = coordinator_client.get(LOG)
    assert page.status_code == 200
    assert [entry.event for entry in page.context["entries"]] == [changes[1], changes[0]]
    html = page.content.decode()
    assert "Log of changes" in html and "<main" in html


def test_the_log_filters_by_person_kind_and_dates(coordinator_client, changes, coordinator,
                                                  rec):
    by_person = coordinator_client.get(LOG, {"person": coordinator.pk})
    assert [e.event for e in by_person.context["entries"]] == [changes[1]]
    kind = changes[0].target_type_id
    by_kind = coordinator_client.get(LOG, {"kind": kind})
    assert [e.event for e in by_kind.context["entries"]] == [changes[0]]
    today = timezone.localdate()
    in_range = coordinator_client.get(LOG, {"since": today.isoformat(),
                                            "until": today.isoformat()})
    assert len(in_range.context["entries"]) == 2
    tomorrow = today + datetime.timedelta(days=1)
    later = coordinator_client.get(LOG, {"since": tomorrow.isoformat()})
    assert later.context["entries"] == []


def test_a_backwards_date_range_is_explained(coordinator_client, changes):
    page = coordinator_client.get(LOG, {"since": "2026-05-01", "until": "2026-01-01"})
    assert "The start date is after the end date." in page.content.decode()


def test_the_log_is_paginated(coordinator_client, coordinator, rec):
    for number in range(55):
        record(Action.CHANGED, actor=coordinator, target=rec, before={"paragraph": str(number)},
               after={"paragraph": str(number + 1)})
    first = coordinator_client.get(LOG)
    assert len(first.context["entries"]) == 50 and first.context["page"].has_next()
    second = coordinator_client.get(LOG, {"page": 2})
    assert len(second.context["entries"]) == 5


@pytest.mark.parametrize("name", ["focal_point", "observer"])
def test_access_other_roles_may_not_read_the_log(request, client, name, changes):
    client.force_login(request.getfixturevalue(name))
    assert client.get(LOG).status_code == 403


def test_access_an_anonymous_visitor_is_sent_to_sign_in(client, changes):
    response = client.get(LOG)
    assert response.status_code == 302 and "login" in response["Location"]


def test_events_stay_append_only(changes):
    with pytest.raises(PermissionError):
        changes[0].delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.changes().delete()
