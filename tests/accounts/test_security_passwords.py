"""Passwords: Django's validators refuse weak ones wherever a password is set; a reset goes
by e-mail, never reveals whether an address has an account, and its link works once."""

import re

import pytest
from django.contrib.auth.password_validation import get_default_password_validators
from django.core import mail
from django.test import Client
from django.urls import reverse

from nmirf.audit.models import Action

from .helpers import LIST, PASSWORD, events, sign_in

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
CHANGE = reverse("accounts:password_change")
NEW_PASSWORD = "winter-harbour-lantern-42"


@pytest.fixture
def person(observer):
    observer.email = "oscar@example.gov"
    observer.save()
    return observer


def reset_link(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def without_tokens(response) -> str:
    """The page without its CSRF tokens (which differ at every request)."""
    return re.sub(r'("X-CSRFToken": "|value=")[A-Za-z0-9]{64}', r"\1", response.content.decode())


def test_the_four_validators_are_on():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert names == {"UserAttributeSimilarityValidator", "MinimumLengthValidator",
                     "CommonPasswordValidator", "NumericPasswordValidator"}


def test_a_reset_by_e_mail_from_start_to_end(client, person):
    page = client.get(RESET).content.decode()
    assert 'autocomplete="email"' in page and '<main id="main"' in page
    response = client.post(RESET, {"email": "Oscar@Example.gov"})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["oscar@example.gov"] and person.username in message.body
    assert message.from_email == "OpenNMIRF <nmirf@localhost>"
    link = reset_link(message)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == reverse("accounts:password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert sign_in(Client(), person.username, NEW_PASSWORD).url == LIST
    assert events(Action.PASSWORD_RESET, target_id=str(person.pk)).count() == 1
    assert not events(Action.PASSWORD_CHANGED).exists()
    # The link worked once.
    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_a_weak_password_is_refused_at_reset(client, person):
    client.post(RESET, {"email": person.email})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    set_url = form_page.redirect_chain[-1][0]
    hash_before = person.password
    for weak, message in [("12345678", "This password is too common."),
                          ("short", "This password is too short."),
                          ("oscar-observer", "too similar to the username")]:
        response = client.post(set_url, {"new_password1": weak, "new_password2": weak})
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert 'aria-invalid="true"' in html
        person.refresh_from_db()
        assert person.password == hash_before
    assert not events(Action.PASSWORD_RESET).exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, person):
    known = client.post(RESET, {"email": person.email}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.gov"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert without_tokens(known) == without_tokens(unknown)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    asked = events(Action.PASSWORD_RESET_REQUESTED).order_by("pk")
    assert [event.after["email"] for event in asked] == [person.email, "nobody@example.gov"]
    assert all(event.actor is None for event in asked)


def test_a_person_changes_the_password_and_a_weak_one_is_refused(observer_client, observer):
    page = observer_client.get(CHANGE).content.decode()
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page
    weak = observer_client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "password",
                                         "new_password2": "password"})
    assert "This password is too common." in weak.content.decode()
    observer.refresh_from_db()
    assert observer.check_password(PASSWORD)
    response = observer_client.post(CHANGE, {"old_password": PASSWORD,
                                              "new_password1": NEW_PASSWORD,
                                              "new_password2": NEW_PASSWORD})
    assert response.url == reverse("accounts:password_change_done")
    observer.refresh_from_db()
    assert observer.check_password(NEW_PASSWORD)
    assert observer_client.get(LIST).status_code == 200  # this session stays signed in
    assert events(Action.PASSWORD_CHANGED, target_id=str(observer.pk)).count() == 1


def test_the_login_page_offers_the_reset(client):
    assert f'href="{RESET}"' in client.get(reverse("accounts:login")).content.decode()
