"""A review's dates on the detail page: a UPR review imported from UPR Info or a matrix
has a session number and no date of its own, and the seeded UPR sessions have their dates,
so the page shows the session's dates (what the follow-up deadlines count from) rather
than "—"; a review's own date comes first, a document's date last."""

import datetime

import pytest
from django.urls import reverse

from nmirf.recommendations.models import Document, UprSession

from .builders import make_rec, make_review

pytestmark = pytest.mark.django_db


def date_shown(client, rec) -> str:
    html = client.get(reverse("recommendations:detail", args=[rec.pk])).content.decode()
    return html.split(">Date</dt>", 1)[1].split("</dd>", 1)[0]


def test_a_upr_review_without_a_date_shows_its_sessions_dates(coordinator_client):
    session = UprSession.objects.get(number=34)
    assert session.start_date and session.end_date  # seeded (upr_sessions.csv)
    rec = make_rec(make_review("SVN", "UPR", session=34, cycle=3), "Ratify.")
    shown = date_shown(coordinator_client, rec)
    assert "—" not in shown
    assert f"{session.start_date:%b}" in shown and str(session.end_date.year) in shown
    assert "the UPR Working Group's session" in shown


def test_a_reviews_own_date_comes_first(coordinator_client):
    rec = make_rec(make_review("SVN", "UPR", session=34, cycle=3,
                               review_date=datetime.date(2019, 11, 13)), "Ratify.")
    shown = date_shown(coordinator_client, rec)
    assert "Nov. 13, 2019" in shown and "session" not in shown


def test_a_review_without_a_date_or_session_shows_its_documents(coordinator_client):
    review = make_review("BRA", "CERD")
    rec = make_rec(review, "Adopt a plan.")
    rec.document = Document.objects.create(review=review, symbol="CERD/C/BRA/CO/18-20",
                                           date=datetime.date(2022, 12, 19))
    rec.save()
    shown = date_shown(coordinator_client, rec)
    assert "Dec. 19, 2022" in shown and "the document's date" in shown


def test_a_review_with_no_date_anywhere_says_so(coordinator_client):
    rec = make_rec(make_review("BRA", "CERD"), "Adopt a plan.")
    assert date_shown(coordinator_client, rec).strip().endswith("—")
