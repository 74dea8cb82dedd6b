"""The iCalendar feed: a secret address per person (made, regenerated and revoked from
the feed page), RFC 5545 text (CRLF, folded lines, escaped text), and only the deadlines
the person answers for (the coordinator: all)."""

import pytest
from django.test import Client
from django.urls import reverse

from nmirf.followup import ical, services
from nmirf.followup.deadlines import Deadline

from .builders import action, days, entity_with_people

pytestmark = pytest.mark.django_db


def feed_text(token) -> tuple[int, str]:
    response = Client().get(reverse("followup:feed_ics", args=[token]))
    return response.status_code, response.content.decode() if response.status_code == 200 \
        else ""


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_text_is_rfc_5545_crlf_folded_and_escaped():
    long_title = "Adopt; the law, on\\ rights " + "é" * 80
    text = ical.calendar([Deadline("action", days(3), "action:action:7", long_title,
                                   "/actions/7/", ())], name="Mine", base_url="https://x.org",
                         host="x.org")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary == "SUMMARY:Action target date: Adopt\\; the law\\, on\\\\ rights " + "é" * 80
    assert f"DTSTART;VALUE=DATE:{days(3):%Y%m%d}" in lines
    assert "UID:action-action-7@x.org" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1


def test_a_focal_point_sees_only_their_entitys_deadlines_the_coordinator_all(coordinator):
    health = entity_with_people("Ministry of Health")
    justice = entity_with_people("Ministry of Justice")
    action(health, days(5), title="Health plan")
    action(justice, days(5), title="Justice plan")
    status, text = feed_text(services.regenerate_feed(health.focal).token)
    assert status == 200 and "Health plan" in text and "Justice plan" not in text
    status, text = feed_text(services.regenerate_feed(coordinator).token)
    assert "Health plan" in text and "Justice plan" in text


def test_access_with_a_revoked_or_replaced_secret_is_404():
    health = entity_with_people()
    old = services.regenerate_feed(health.focal).token
    new = services.regenerate_feed(health.focal).token
    assert feed_text(old)[0] == 404
    assert feed_text(new)[0] == 200
    services.revoke_feed(health.focal)
    assert feed_text(new)[0] == 404
    assert feed_text("not-a-token")[0] == 404


def test_access_to_the_feed_of_an_observer_or_disabled_account_is_404(observer):
    token = services.regenerate_feed(observer).token
    assert feed_text(token)[0] == 404
    health = entity_with_people()
    token = services.regenerate_feed(health.focal).token
    health.focal.is_active = False
    health.focal.save()
    assert feed_text(token)[0] == 404


def test_the_feed_page_makes_renews_and_revokes_the_address():
    health = entity_with_people()
    client = Client()
    client.force_login(health.focal)
    url = reverse("followup:feed")
    assert "You have no calendar address." in client.get(url).content.decode()
    client.post(url, {"action": "regenerate"})
    token = health.focal.calendar_feed.token
    page = client.get(url).content.decode()
    assert reverse("followup:feed_ics", args=[token]) in page
    client.post(url, {"action": "revoke"})
    health.focal.calendar_feed.refresh_from_db()
    assert health.focal.calendar_feed.token is None
    assert feed_text(token)[0] == 404


def test_access_to_the_feed_page_needs_a_sign_in_and_the_calendar(observer):
    assert Client().get(reverse("followup:feed")).status_code == 302
    client = Client()
    client.force_login(observer)
    assert client.post(reverse("followup:feed"), {"action": "regenerate"}).status_code == 403
    assert not hasattr(observer, "calendar_feed") or observer.calendar_feed.token is None
