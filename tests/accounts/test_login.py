"""Logging in and out, and the language switcher in the navbar."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
LIST = reverse("recommendations:list")
IMPORTS = reverse("ingest:run_list")
PASSWORD = "a-long-test-password"


def test_it_shows_a_labelled_login_form(client):
    html = client.get(LOGIN).content.decode()
    assert '<label class="form-label" for="id_username">' in html
    assert '<label class="form-label" for="id_password">' in html
    assert 'autocomplete="current-password"' in html
    assert 'action="/accounts/login/"' in html and "csrfmiddlewaretoken" in html


def test_it_logs_a_person_in_and_goes_to_the_registry(client, observer):
    response = client.post(LOGIN, {"username": observer.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == LIST
    assert client.get(LIST).status_code == 200


def test_it_goes_back_to_the_page_asked_for(client, observer):
    asked = client.get(f"{LIST}?q=education")
    assert asked.status_code == 302
    response = client.post(asked.url, {"username": observer.username, "password": PASSWORD,
                                       "next": f"{LIST}?q=education"})
    assert response.url == f"{LIST}?q=education"


def test_it_ignores_a_next_address_on_another_site(client, observer):
    response = client.post(LOGIN, {"username": observer.username, "password": PASSWORD,
                                   "next": "https://evil.example/steal"})
    assert response.url == LIST


def test_it_refuses_a_wrong_password_with_a_message(client, observer):
    response = client.post(LOGIN, {"username": observer.username, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "correct username and password" in html
    assert client.get(LIST).status_code == 302


def test_a_signed_in_person_skips_the_login_page(observer_client):
    assert observer_client.get(LOGIN).url == LIST


def test_logging_out_is_a_post_from_the_navbar(observer_client):
    html = observer_client.get(LIST).content.decode()
    assert f'<form action="{LOGOUT}" method="post"' in html
    assert observer_client.get(LOGOUT).status_code == 405
    response = observer_client.post(LOGOUT)
    assert response.status_code == 302 and response.url == LOGIN
    assert observer_client.get(LIST).status_code == 302


def test_an_anonymous_visitor_sees_a_login_link_and_no_registry_link(client):
    html = client.get(LOGIN).content.decode()
    assert f'href="{LOGIN}"' in html and f'href="{LIST}"' not in html


def test_the_navbar_offers_every_language_and_switches(observer_client):
    html = observer_client.get(LIST).content.decode()
    assert 'action="/i18n/setlang/" method="post"' in html
    for code in ("en", "fr", "es", "ar"):
        assert f'<option value="{code}" lang="{code}"' in html
    assert '<label class="visually-hidden" for="language-select">' in html
    response = observer_client.post("/i18n/setlang/", {"language": "ar", "next": LIST})
    assert response.status_code == 302 and response.url == "/ar" + LIST
    arabic = observer_client.get(response.url).content.decode()
    assert 'dir="rtl"' in arabic and "bootstrap.rtl.min.css" in arabic


def test_the_login_page_runs_right_to_left_in_arabic(client):
    html = client.get("/ar" + LOGIN).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html


def test_the_imports_link_shows_only_to_those_who_may_import(observer_client,
                                                            coordinator_client):
    assert f'href="{IMPORTS}"' not in observer_client.get(LIST).content.decode()
    assert f'href="{IMPORTS}"' in coordinator_client.get(LIST).content.decode()
