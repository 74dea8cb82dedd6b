"""Errors reach people as pages in the site's layout that say what to do, and reach the
administrators as JSON lines on standard error (one per record) with the request and the
exception; no traceback or error text ever reaches a browser."""

import json

import pytest
from django.test import Client

from .failing_urls import SECRET_DETAIL


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def failing_site(settings):
    settings.ROOT_URLCONF = "tests.core.failing_urls"


def test_a_server_error_is_a_page_in_the_layout_without_the_error(failing_site, coordinator,
                                                                   capsys):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get("/fails/?page=2")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on the server" in html
    assert 'class="navbar-brand"' in html  # the site's layout, with its menu
    assert coordinator.username in html
    assert SECRET_DETAIL not in html and "RuntimeError" not in html
    assert "Traceback" not in html
    assert "Content-Security-Policy" in response.headers

    records = [r for r in json_lines(capsys.readouterr().err) if r["logger"] == "django.request"]
    assert len(records) == 1, records
    record = records[0]
    assert record["level"] == "ERROR"
    assert record["message"] == "Internal Server Error: /fails/"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/fails/", 500)
    assert record["user_id"] == coordinator.pk
    assert record["exception"].startswith("Traceback")
    assert f"RuntimeError: {SECRET_DETAIL}" in record["exception"]
    assert record["time"].endswith("Z")


def test_a_server_error_for_someone_signed_out_has_no_user(failing_site, db, capsys):
    response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    assert "Log in" in response.content.decode()
    (record,) = [r for r in json_lines(capsys.readouterr().err)
                 if r["logger"] == "django.request"]
    assert "user_id" not in record


def test_a_form_without_its_token_is_explained_in_the_layout(coordinator, capsys):
    """A login form sent from a page left open too long (no CSRF token): 403, a page
    that says what happened and what to do, nothing changed, and a log line saying why."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": coordinator.username,
                                                "password": "a-long-test-password"},
                           HTTP_REFERER="http://testserver/accounts/login/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be accepted" in html
    assert "reload the page" in html
    assert 'href="http://testserver/accounts/login/"' in html  # back to the form
    assert 'class="navbar-brand"' in html
    assert "_auth_user_id" not in client.session  # not logged in
    (record,) = [r for r in json_lines(capsys.readouterr().err)
                 if r["logger"] == "django.security.csrf"]
    assert record["level"] == "WARNING"
    assert (record["path"], record["status"]) == ("/accounts/login/", 403)
    assert "CSRF" in record["message"]


def test_a_form_from_another_site_gets_no_link_back_to_it(db):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {}, HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_the_csrf_page_is_translated_with_the_site(db):
    response = Client(enforce_csrf_checks=True).post("/fr/accounts/login/", {})
    assert response.status_code == 403
    assert '<html lang="fr"' in response.content.decode()


@pytest.fixture
def database_down(failing_site, settings):
    """Every context processor that reads the database fails (the session, the person)."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": [*settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                               "tests.core.failing_urls.database_down"]}}]


@pytest.mark.parametrize(("prefix", "lang", "words"), [
    ("", "en", "Something went wrong on the server"),
    ("/fr", "fr", 'lang="fr"'),
])
def test_a_server_error_with_the_database_down_is_still_in_the_layout_with_a_way_back(
        database_down, db, prefix, lang, words):
    response = Client(raise_request_exception=False).get(f"{prefix}/fails-in-a-language/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="navbar-brand"' in html  # the layout, not the plain page
    assert f'<html lang="{lang}"' in html and words in html
    assert f'href="{prefix}/"' in html  # the way back
    assert SECRET_DETAIL not in html and "Traceback" not in html
