"""The audit trail: audit.record() for every app, and what accounts record through it
(sign-in and out, role, access and password changes, from any write path)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import reverse

from nmirf import audit
from nmirf.accounts.models import Role, User
from nmirf.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def test_record_writes_who_what_which_object_before_after_and_where(administrator, observer):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Firefox/140")
    request.user = administrator
    event = audit.record(Action.ROLE_CHANGED, target=observer, before={"role": "observer"},
                         after={"role": "coordinator"}, request=request)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == administrator and stored.actor_username == "alice-admin"
    assert stored.target_type == ContentType.objects.get_for_model(User)
    assert stored.target_id == str(observer.pk) and stored.target_repr == "oscar-observer"
    assert stored.before == {"role": "observer"} and stored.after == {"role": "coordinator"}
    assert stored.ip_address == "192.0.2.7" and stored.user_agent == "Firefox/140"
    assert stored.at is not None


def test_the_history_of_one_object(observer, coordinator):
    observer.role = Role.COORDINATOR
    observer.save()
    coordinator.role = Role.OBSERVER
    coordinator.save()
    history = AuditEvent.objects.for_target(observer)
    assert [e.action for e in history] == [Action.ROLE_CHANGED, Action.USER_CREATED]
    assert history.first().after == {"role": "coordinator"}


def test_record_refuses_an_action_it_does_not_know(db):
    with pytest.raises(ValueError, match="Unknown audit action 'renamed'"):
        audit.record("renamed")
    assert not AuditEvent.objects.exists()


def test_an_address_that_is_not_one_is_left_empty(db):
    request = RequestFactory().get("/", REMOTE_ADDR="")
    assert audit.record(Action.LOGOUT, request=request).ip_address is None


def test_the_actor_name_outlives_the_account(administrator, observer):
    event = audit.record(Action.UNLOCK, actor=administrator, target=observer)
    administrator.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None and event.actor_username == "alice-admin"


def test_events_are_never_changed_or_deleted(administrator):
    event = audit.record(Action.LOGIN, actor=administrator)
    event.action = Action.LOGOUT
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.LOGOUT)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == Action.LOGIN


def test_signing_in_and_out_is_recorded(observer):
    client = Client(REMOTE_ADDR="192.0.2.8", HTTP_USER_AGENT="Chromium")
    client.post(reverse("accounts:login"), {"username": observer.username, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    login = AuditEvent.objects.get(action=Action.LOGIN)
    logout = AuditEvent.objects.get(action=Action.LOGOUT)
    for event in (login, logout):
        assert event.actor == observer and event.ip_address == "192.0.2.8"
        assert event.user_agent == "Chromium"


def test_a_role_change_in_the_admin_is_recorded_with_who_made_it(admin_client_, administrator,
                                                                 observer):
    url = reverse("admin:accounts_user_change", args=[observer.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if name not in ("password", "groups", "user_permissions", "last_login")}
    data.update(role=Role.COORDINATOR, date_joined_0=observer.date_joined.strftime("%Y-%m-%d"),
                date_joined_1=observer.date_joined.strftime("%H:%M:%S"))
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert event.actor == administrator and event.target_id == str(observer.pk)
    assert event.before == {"role": "observer"} and event.after == {"role": "coordinator"}


def test_a_role_change_anywhere_else_is_recorded_too(observer):
    observer.role = Role.ADMINISTRATOR
    observer.save()
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert event.actor is None  # no request: the shell, a command
    assert event.before == {"role": "observer", "is_staff": False}
    assert event.after == {"role": "administrator", "is_staff": True}


def test_saving_without_a_change_records_nothing(observer):
    before = AuditEvent.objects.count()
    observer.first_name = "Oscar"
    observer.save()
    observer.save(update_fields=["last_login"])
    assert AuditEvent.objects.count() == before


def test_creating_disabling_and_enabling_an_account_are_recorded(db):
    user = User.objects.create_user("new-person", password=PASSWORD, role=Role.FOCAL_POINT)
    created = AuditEvent.objects.get(action=Action.USER_CREATED)
    assert created.after == {"role": "focal_point", "is_superuser": False, "is_staff": False}
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_DISABLED).count() == 1
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_ENABLED).count() == 1
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGED).exists()


def test_a_password_set_anywhere_is_recorded(observer):
    observer.set_password("another-long-password")
    observer.save()
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGED,
                                     target_id=str(observer.pk)).count() == 1
