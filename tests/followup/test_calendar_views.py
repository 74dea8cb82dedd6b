"""The calendar, the overdue view, the settings page and flagging, through the web UI;
access by role (`pytest -k "permission or access"`) with nothing written by a refusal;
bad input on the settings form; pages whose queries do not grow with the rows shown."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.followup.models import DeadlineDone, FollowUpFlag, FollowUpSetting
from nmirf.recommendations.models import Mechanism

from ..tracking.roles import ROLES, client_for
from .builders import action, days, entity_with_people, indicator, rec, review

pytestmark = pytest.mark.django_db

CALENDAR_VIEWERS = {"administrator", "coordinator", "focal_point"}
MANAGERS = {"administrator", "coordinator"}


@pytest.fixture
def health():
    return entity_with_people("Ministry of Health")


@pytest.fixture
def justice():
    return entity_with_people("Ministry of Justice")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["followup:calendar", "followup:overdue", "followup:feed"])
def test_access_to_the_calendar_pages_by_role(request, db, role, name):
    response = client_for(request, role).get(reverse(name))
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if role in CALENDAR_VIEWERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_access_to_the_settings_by_role_nothing_written_when_refused(request, db, role):
    ccpr = Mechanism.objects.get(code="CCPR")
    client = client_for(request, role)
    url = reverse("followup:setting_edit", args=[ccpr.pk])
    response = client.post(url, {"follow_up_reply_years": "3"})
    stored = FollowUpSetting.objects.get(mechanism=ccpr).follow_up_reply_years
    if role in MANAGERS:
        assert response.status_code == 302 and stored == Decimal("3")
    else:
        assert response.status_code in (302, 403) and stored == Decimal("1")
        if role != "anonymous":
            assert response.status_code == 403
    listing = client.get(reverse("followup:settings"))
    assert listing.status_code == (200 if role in MANAGERS else 302 if role == "anonymous"
                                   else 403)


@pytest.mark.parametrize("role", ROLES)
def test_permission_to_flag_a_recommendation(request, db, role):
    target = rec(review("CCPR", datetime.date(2024, 3, 8)))
    client = client_for(request, role)
    events = AuditEvent.objects.count()
    response = client.post(reverse("followup:flag", args=[target.pk]), {"flagged": "1"})
    flagged = FollowUpFlag.objects.active().filter(recommendation=target).exists()
    if role in MANAGERS:
        assert response.status_code == 302 and flagged
        assert AuditEvent.objects.count() == events + 1
    else:
        assert not flagged and AuditEvent.objects.count() == events
        assert response.status_code == (302 if role == "anonymous" else 403)


def test_access_to_mark_a_report_met_is_the_secretariats(focal_point, coordinator):
    review("UPR", datetime.date(2024, 1, 15), session=45, cycle=4)
    from nmirf.followup.deadlines import review_deadlines

    key = review_deadlines()[0].key
    assert signed_in(focal_point).post(reverse("followup:mark_done"),
                                       {"key": key}).status_code == 403
    assert not DeadlineDone.objects.exists()
    assert signed_in(coordinator).post(reverse("followup:mark_done"),
                                       {"key": "made:up:1"}).status_code == 404
    assert signed_in(coordinator).post(reverse("followup:mark_done"),
                                       {"key": key}).status_code == 302
    assert DeadlineDone.objects.filter(key=key).exists()


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "Give a number of years above 0 and at most 20, or leave it empty."),
    ("0", "Give a number of years above 0 and at most 20, or leave it empty."),
    ("99", "Give a number of years above 0 and at most 20, or leave it empty."),
    ("two", "Enter a number."),
])
def test_bad_input_on_the_settings_form_says_why_and_changes_nothing(coordinator, value,
                                                                     message):
    cedaw = Mechanism.objects.get(code="CEDAW")
    client = signed_in(coordinator)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("followup:setting_edit", args=[cedaw.pk]),
        {"follow_up_reply_years": value, "periodicity_years": "4"})
    assert response.status_code == 200
    assert message in response.content.decode()
    stored = FollowUpSetting.objects.get(mechanism=cedaw)
    assert (stored.follow_up_reply_years, stored.periodicity_years) == (Decimal("2"),
                                                                        Decimal("4"))
    assert AuditEvent.objects.count() == events


def test_a_settings_change_is_audited(coordinator):
    cedaw = Mechanism.objects.get(code="CEDAW")
    signed_in(coordinator).post(reverse("followup:setting_edit", args=[cedaw.pk]),
                                {"follow_up_reply_years": "1.5", "periodicity_years": "4"})
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.after == {"follow_up_reply_years": "1.5"}
    assert event.before == {"follow_up_reply_years": "2.0"}


def test_the_calendar_shows_deadlines_filters_them_and_mine_narrows(health, justice):
    action(health, days(5), title="Health plan")
    action(justice, days(6), title="Justice plan")
    action(justice, days(-2), title="Late justice plan")
    client = signed_in(health.focal)
    page = client.get(reverse("followup:calendar")).content.decode()
    assert "Health plan" in page and "Justice plan" in page
    assert "1 deadline is overdue." in page
    mine = client.get(reverse("followup:calendar"), {"mine": "on"}).content.decode()
    assert "Health plan" in mine and "Justice plan" not in mine
    by_entity = client.get(reverse("followup:calendar"),
                           {"entity": justice.pk}).content.decode()
    assert "Justice plan" in by_entity and "Health plan" not in by_entity
    by_kind = client.get(reverse("followup:calendar"), {"kind": "indicator"}).content.decode()
    assert "Health plan" not in by_kind
    overdue = client.get(reverse("followup:overdue")).content.decode()
    assert "Late justice plan" in overdue and "Health plan" not in overdue


def test_bad_filters_on_the_calendar_are_said_not_obeyed(health):
    response = signed_in(health.focal).get(reverse("followup:calendar"), {"kind": "nope"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_flagging_from_the_recommendation_page_and_from_a_list(coordinator):
    ccpr = review("CCPR", datetime.date(2024, 3, 8))
    one, two = rec(ccpr, "Torture prevention."), rec(ccpr, "Prison conditions.")
    client = signed_in(coordinator)
    page = client.get(reverse("recommendations:detail", args=[one.pk])).content.decode()
    assert "Flag for follow-up" in page
    client.post(reverse("followup:flag", args=[one.pk]), {"flagged": "1"})
    page = client.get(reverse("recommendations:detail", args=[one.pk])).content.decode()
    assert "Reply due on" in page
    preview = client.get(reverse("followup:flag_from_list"), {"review": ccpr.pk})
    assert "The list holds 2 recommendations." in preview.content.decode()
    client.post(reverse("followup:flag_from_list"), {"query": f"review={ccpr.pk}"})
    assert set(FollowUpFlag.objects.active().values_list("recommendation_id", flat=True)) == {
        one.pk, two.pk}
    client.post(reverse("followup:replied", args=[one.pk]), {"replied_on": "2025-03-01"})
    assert FollowUpFlag.objects.get(recommendation=one, active=True).replied_on == \
        datetime.date(2025, 3, 1)


@pytest.mark.parametrize(("value", "message"), [
    ("not a date", "Enter a valid date."),
    (str(days(30)), "The reply cannot have been sent in the future."),
])
def test_a_bad_reply_date_says_why_and_changes_nothing(coordinator, value, message):
    target = rec(review("CCPR", datetime.date(2024, 3, 8)))
    client = signed_in(coordinator)
    client.post(reverse("followup:flag", args=[target.pk]), {"flagged": "1"})
    response = client.post(reverse("followup:replied", args=[target.pk]),
                           {"replied_on": value}, follow=True)
    assert message in response.content.decode()
    assert FollowUpFlag.objects.get(recommendation=target).replied_on is None


def test_a_list_too_long_to_flag_says_so_and_flags_nothing(coordinator, monkeypatch):
    from nmirf.followup import services

    monkeypatch.setattr(services, "MAX_BULK_FLAGS", 1)
    ccpr = review("CCPR", datetime.date(2024, 3, 8))
    rec(ccpr), rec(ccpr)
    response = signed_in(coordinator).post(reverse("followup:flag_from_list"),
                                           {"query": f"review={ccpr.pk}"})
    assert response.status_code == 200
    assert "At most 1 recommendations are flagged at once" in response.content.decode()
    assert not FollowUpFlag.objects.exists()


def test_the_calendar_queries_do_not_grow_with_the_rows_shown(health, coordinator,
                                                              django_assert_max_num_queries):
    client = signed_in(coordinator)
    for name in ("followup:calendar", "followup:overdue"):
        for _ in range(2):
            indicator(action(health, days(-3)), days(-2))
            action(health, days(20))
        client.get(reverse(name))
        with django_assert_max_num_queries(40) as captured:
            client.get(reverse(name))
        for _ in range(10):
            indicator(action(health, days(-3)), days(-2))
            action(health, days(20))
        with django_assert_max_num_queries(len(captured)):
            client.get(reverse(name))


def test_access_with_a_tampered_recommendation_id_is_404_and_writes_nothing(coordinator):
    client = signed_in(coordinator)
    for name in ("followup:flag", "followup:replied"):
        response = client.post(reverse(name, args=[987654321]), {"flagged": "1",
                                                                  "replied_on": "2025-01-01"})
        assert response.status_code == 404
    assert not FollowUpFlag.objects.exists()
    missing = reverse("followup:setting_edit", args=[987654321])
    assert client.post(missing, {"follow_up_reply_years": "1"}).status_code == 404


def test_access_without_a_csrf_token_is_refused_and_writes_nothing(coordinator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    ccpr = Mechanism.objects.get(code="CCPR")
    response = client.post(reverse("followup:setting_edit", args=[ccpr.pk]),
                           {"follow_up_reply_years": "3"})
    assert response.status_code == 403
    assert FollowUpSetting.objects.get(mechanism=ccpr).follow_up_reply_years == Decimal("1")


def test_an_archived_recommendation_is_not_flagged(coordinator):
    target = rec(review("CCPR", datetime.date(2024, 3, 8)))
    target.archived = True
    target.save()
    client = signed_in(coordinator)
    events = AuditEvent.objects.count()
    response = client.post(reverse("followup:flag", args=[target.pk]), {"flagged": "1"},
                           follow=True)
    assert "This recommendation is archived: it cannot be flagged for follow-up." in \
        response.content.decode()
    assert not FollowUpFlag.objects.exists()
    assert AuditEvent.objects.count() == events


def test_flagging_a_list_records_one_event_each_in_a_few_queries(
        coordinator, django_assert_max_num_queries):
    from nmirf.audit.models import AuditEvent
    from nmirf.followup import services

    ccpr = review("CCPR", datetime.date(2024, 3, 8))
    recs = [rec(ccpr) for _ in range(30)]
    with django_assert_max_num_queries(8):
        assert services.flag_many([r.pk for r in recs], user=coordinator) == 30
    assert AuditEvent.objects.filter(target_id__in=[str(r.pk) for r in recs],
                                     after={"follow_up": True}).count() == 30
    assert services.flag_many([r.pk for r in recs], user=coordinator) == 0


def test_flagging_an_empty_list_says_there_is_nothing_to_flag(coordinator):
    ccpr = review("CCPR", datetime.date(2024, 3, 8))
    rec(ccpr, "Torture prevention.")
    response = signed_in(coordinator).post(reverse("followup:flag_from_list"),
                                           {"query": f"review={ccpr.pk}&q=zebra"})
    assert response.status_code == 200
    assert "The list is empty: there is nothing to flag." in response.content.decode()
    assert not FollowUpFlag.objects.exists()
