"""The Django admin for reference data, under the one write rule."""

import pytest
from django.urls import reverse

from nmirf.accounts.models import Role, User
from nmirf.recommendations.models import Mechanism


def test_an_administrator_edits_an_unverified_follow_up_period(admin_client_):
    cesr = Mechanism.objects.get(code="CESCR")
    url = reverse("admin:recommendations_mechanism_change", args=[cesr.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data["follow_up_reply_years"] = "1.5"
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content[:500]
    cesr.refresh_from_db()
    assert str(cesr.follow_up_reply_years) == "1.5"


@pytest.mark.parametrize("model", ["mechanism", "state", "term", "uprsession", "recommendation",
                                   "review", "mandate", "statealias", "taxonomy", "document"])
def test_every_reference_list_opens_for_an_administrator(admin_client_, model):
    assert admin_client_.get(reverse(f"admin:recommendations_{model}_changelist")).status_code \
        == 200


def test_an_administrator_by_role_is_let_into_the_admin(client, db):
    user = User.objects.create_user("rosa-admin", password="a-long-test-password",
                                    role=Role.ADMINISTRATOR)
    assert user.is_staff and not user.is_superuser
    client.force_login(user)
    assert client.get(reverse("admin:recommendations_mechanism_changelist")).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "focal_point", "observer"])
def test_other_roles_cannot_change_reference_data(request, client, db, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True  # even if someone made them staff by hand
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:recommendations_mechanism_changelist")).status_code == 403


def test_recommendations_are_never_deleted_from_the_admin(admin_client_, db):
    from nmirf.ingest.models import ImportRun

    assert admin_client_.get(reverse("admin:recommendations_recommendation_changelist")) \
        .status_code == 200
    run = ImportRun.objects.create(source="upr_info", files=["x.csv"])
    delete = admin_client_.get(reverse("admin:ingest_importrun_delete", args=[run.pk]))
    assert delete.status_code == 403
