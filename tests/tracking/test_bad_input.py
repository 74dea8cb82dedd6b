"""Bad input across tracking (issue 8, point 11), beside the per-form cases of
test_actions.py, test_indicators.py, test_progress.py and test_evidence.py: each refusal
reaches the person as a clear message in their language — a form error, the refused-form
page (no CSRF token), the "not allowed" page (another entity's action) or the "not here"
page — and nothing is written."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.accounts.access_matrix import (
    INDICATOR_FORM,
    PROGRESS_FORM,
    action_form,
    build_world,
    changed_tables,
    client_for,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(administrator, coordinator, focal_point, observer):
    """The access tests' world: the focal point belongs to `own`, not to `other`."""
    return build_world({"administrator": administrator, "coordinator": coordinator,
                        "focal_point": focal_point, "observer": observer})


def in_french(url_name, *args) -> str:
    with translation.override("fr"):
        return reverse(url_name, args=args)


def test_bad_input_a_target_date_before_the_start_is_refused_in_french(world):
    client = client_for(world, "focal_point")
    before = snapshot()
    response = client.post(in_french("tracking:action_create"),
                           {**action_form(world.own), "start_date": "2026-06-01",
                            "target_date": "2026-05-31"})
    assert response.status_code == 200
    message = "La date cible ne peut pas être antérieure à la date de début."
    assert message in response.context["form"].errors["target_date"]
    assert message in response.content.decode()
    assert 'lang="fr"' in response.content.decode()
    assert changed_tables(before, snapshot()) == []


def test_bad_input_a_form_without_its_csrf_token_is_refused_in_french(world):
    client = client_for(world, "focal_point", enforce_csrf_checks=True)
    before = snapshot()
    response = client.post(in_french("tracking:action_edit", world.own_action.pk),
                           action_form(world.own, world.own_action))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Votre formulaire n'a pas pu être accepté" in html.replace("&#x27;", "'")
    assert changed_tables(before, snapshot()) == []


def test_bad_input_an_indicator_value_that_is_not_a_number_is_refused(world):
    client = client_for(world, "focal_point")
    before = snapshot()
    response = client.post(reverse("tracking:progress_create", args=[world.own_action.pk]),
                           {**PROGRESS_FORM, f"value_{world.own_indicator.pk}": "about ten"})
    assert response.status_code == 200
    assert "“Officers trained” must be a number, such as 12 or 3.5." in \
        response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("url_name, kwargs, data", [
    ("tracking:action_edit", "other_action", lambda w: action_form(w.other, w.other_action)),
    ("tracking:action_archive", "other_action", lambda w: {"archived": "1"}),
    ("tracking:indicator_create", "other_action", lambda w: INDICATOR_FORM),
    ("tracking:progress_create", "other_action", lambda w: PROGRESS_FORM),
    ("tracking:indicator_edit", "other_indicator", lambda w: INDICATOR_FORM),
])
def test_access_a_focal_point_posting_to_another_entitys_action_is_told_why(
        world, url_name, kwargs, data):
    client = client_for(world, "focal_point")
    before = snapshot()
    response = client.post(reverse(url_name, args=[getattr(world, kwargs).pk]), data(world))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not do this" in html and "nothing was changed" in html
    assert 'class="navbar-brand"' in html  # the site's layout, with its menu
    assert changed_tables(before, snapshot()) == []


def test_access_an_object_one_may_not_see_is_a_page_that_says_so(world):
    """Another entity's draft is not there for a focal point: 404, in the site's layout,
    with nothing of the object shown."""
    response = client_for(world, "focal_point").get(
        reverse("tracking:progress_detail", args=[world.other_draft.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "This page is not here" in html and world.other_draft.narrative not in html


def test_access_an_unknown_address_signed_out_is_the_same_page(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "This page is not here" in response.content.decode()
