"""The audit log in the admin: administrators read and filter it; nobody (a superuser
included) adds, changes or deletes an event."""

import pytest
from django.urls import reverse

from nmirf import audit
from nmirf.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditevent_changelist")


@pytest.fixture
def event(administrator, observer):
    return audit.record(Action.ROLE_CHANGED, actor=administrator, target=observer,
                        before={"role": "observer"}, after={"role": "coordinator"})


def test_an_administrator_reads_and_filters_the_log(admin_client_, event, observer):
    audit.record(Action.LOGIN, actor=observer)
    page = admin_client_.get(CHANGELIST)
    assert page.status_code == 200
    assert page.context["cl"].result_count == AuditEvent.objects.count()
    by_action = admin_client_.get(CHANGELIST, {"action__exact": Action.ROLE_CHANGED})
    assert list(by_action.context["cl"].result_list) == [event]
    by_actor = admin_client_.get(CHANGELIST, {"actor__id__exact": observer.pk})
    assert {e.action for e in by_actor.context["cl"].result_list} == {Action.LOGIN}
    by_day = admin_client_.get(CHANGELIST, {"at__year": event.at.year,
                                            "at__month": event.at.month,
                                            "at__day": event.at.day})
    assert event in by_day.context["cl"].result_list
    detail = admin_client_.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200 and "coordinator" in detail.content.decode()


def test_the_log_is_read_only_even_for_a_superuser(admin_client_, administrator, event):
    assert administrator.is_superuser
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    html = admin_client_.get(change).content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    assert admin_client_.post(change, {"action": Action.LOGIN}).status_code == 403
    assert admin_client_.post(reverse("admin:audit_auditevent_delete", args=[event.pk]),
                              {"post": "yes"}).status_code == 403
    assert admin_client_.get(reverse("admin:audit_auditevent_add")).status_code == 403
    bulk = admin_client_.post(CHANGELIST, {"action": "delete_selected",
                                           "_selected_action": [event.pk]})
    assert bulk.status_code in (200, 302)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == Action.ROLE_CHANGED and stored.after == {"role": "coordinator"}


@pytest.mark.parametrize("persona", ["coordinator", "focal_point", "observer"])
def test_other_roles_do_not_see_the_log(request, client, db, persona, event):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403
