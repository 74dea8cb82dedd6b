"""Comments: an observer sends a comment or information on a recommendation shared with
them; it waits, pending, for the coordinator, who approves it (everyone who reads the
recommendation then reads it) or rejects it with a reason (its author reads why). Each
decision is in the audit trail with who, when, before → after; nothing is deleted. Bad
input is refused with a message and nothing written."""

import pytest
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.consultation import services
from nmirf.consultation.models import MAX_COMMENT_CHARS, Comment

from .helpers import comment, messages_of, signed_in, state

pytestmark = pytest.mark.django_db

QUEUE = reverse("consultation:comment_list")


def detail(rec) -> str:
    return reverse("recommendations:detail", args=[rec.pk])


def send(client, rec, text, **kwargs):
    return client.post(reverse("consultation:comment_create", args=[rec.pk]), {"text": text},
                       **kwargs)


def moderate(client, item, decision, reason="", **kwargs):
    return client.post(reverse("consultation:comment_moderate", args=[item.pk]),
                       {"decision": decision, "reason": reason}, **kwargs)


def test_the_whole_consultation_from_comment_to_approval_or_rejection(
        r, nhri, nhri_observer, observer, focal_point, coordinator):
    writer, other = signed_in(nhri_observer), signed_in(observer)
    reviewer, inside = signed_in(coordinator), signed_in(focal_point)
    page = writer.get(detail(r.torture)).content.decode()
    assert 'id="comments-heading"' in page and "Send the comment" in page

    response = send(writer, r.torture, "The draft law leaves out police custody.", follow=True)
    assert "your comment is sent" in messages_of(response)
    first = Comment.objects.get()
    assert (first.state, first.author, first.entity) == ("pending", nhri_observer, nhri)
    # Pending: its author and the secretariat read it, nobody else.
    assert "leaves out police custody" in writer.get(detail(r.torture)).content.decode()
    assert "Pending moderation" in writer.get(detail(r.torture)).content.decode()
    for reader in (other, inside):
        assert "leaves out police custody" not in reader.get(detail(r.torture)).content.decode()
    queue = reviewer.get(QUEUE)
    assert "leaves out police custody" in queue.content.decode()
    assert ("pending", "Pending moderation", 1) in queue.context["states"]

    response = moderate(reviewer, first, "approved", follow=True)
    assert "Comment approved" in messages_of(response)
    for reader in (other, inside, writer):
        assert "leaves out police custody" in reader.get(detail(r.torture)).content.decode()
    assert "leaves out police custody" not in reviewer.get(QUEUE).content.decode()  # done

    send(writer, r.torture, "Our own report is attached to the annual report.")
    second = Comment.objects.get(state="pending")
    response = moderate(reviewer, second, "rejected", "Name the report: it cannot be found.",
                        follow=True)
    assert "Comment rejected" in messages_of(response)
    own = writer.get(detail(r.torture)).content.decode()
    assert "Our own report" in own and "Name the report: it cannot be found." in own
    for reader in (other, inside):
        assert "Our own report" not in reader.get(detail(r.torture)).content.decode()
    mine = writer.get(QUEUE).content.decode()
    assert "Our own report" in mine and "leaves out police custody" in mine

    # Each decision: one event, who and when, state and reason before → after.
    decision = AuditEvent.objects.for_target(second).order_by("pk").last()
    assert decision.actor == coordinator and decision.at is not None
    assert decision.before["state"] == "Pending moderation"
    assert decision.after["state"] == "Rejected"
    assert decision.after["moderation_reason"] == "Name the report: it cannot be found."
    assert Comment.objects.count() == 2  # nothing deleted


def test_a_focal_point_of_the_nhri_comments_for_it(r, nhri, nhri_focal_point):
    send(signed_in(nhri_focal_point), r.torture, "The Ombudsman visited three prisons.")
    assert Comment.objects.get().entity == nhri


@pytest.mark.parametrize("text, message", [
    ("", "Write your comment: it is empty."),
    ("   \n ", "Write your comment: it is empty."),
    ("x" * (MAX_COMMENT_CHARS + 1),
     f"A comment has at most {MAX_COMMENT_CHARS} characters; this one has "
     f"{MAX_COMMENT_CHARS + 1}."),
])
def test_bad_comment_text_is_refused_with_a_message(r, observer, text, message):
    before = state()
    response = send(signed_in(observer), r.torture, text)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_the_service_checks_the_text_too(r, observer):
    from django.core.exceptions import ValidationError

    before = state()
    with pytest.raises(ValidationError, match="at most"):
        services.submit_comment(r.torture, "x" * (MAX_COMMENT_CHARS + 1), user=observer)
    assert state() == before


def test_a_comment_on_an_archived_recommendation_is_refused(r, observer, coordinator):
    services.set_shared(r.archived, False, user=coordinator)
    from nmirf.consultation.models import Sharing

    Sharing.objects.create(recommendation=r.archived, shared=True)  # shared, then archived
    before = state()
    response = send(signed_in(observer), r.archived, "Too late?")
    assert response.status_code == 400
    assert "This recommendation is archived: it no longer takes comments." in \
        response.content.decode()
    assert state() == before
    assert "Send the comment" not in signed_in(observer).get(detail(r.archived)).content.decode()


def test_a_comment_on_a_recommendation_not_shared_is_refused(r, nhri_focal_point, observer):
    before = state()
    # A member of the NHRI with the focal-point role reads it, but it takes no comments.
    response = send(signed_in(nhri_focal_point), r.roma, "About Roma children.")
    assert response.status_code == 400
    assert "not shared with observers: it takes no comments" in response.content.decode()
    # An observer does not even read it.
    assert send(signed_in(observer), r.roma, "About Roma children.").status_code == 404
    assert state() == before


def test_moderating_needs_a_decision_and_a_reason_to_reject(r, observer, coordinator):
    pending = comment(r.torture, observer)
    client = signed_in(coordinator)
    before = state()
    response = moderate(client, pending, "rejected", "", follow=True)
    assert "Say why the comment is rejected: its author will read it." in messages_of(response)
    response = moderate(client, pending, "deleted", follow=True)
    assert "Choose whether to approve or reject the comment." in messages_of(response)
    assert state() == before


def test_a_comment_is_moderated_once(r, observer, coordinator, administrator):
    pending = comment(r.torture, observer)
    moderate(signed_in(coordinator), pending, "approved")
    before = state()
    response = moderate(signed_in(administrator), pending, "rejected", "Changed my mind.",
                        follow=True)
    assert "This comment was already moderated (Approved): nothing was changed." in \
        messages_of(response)
    assert state() == before


def test_posts_without_a_csrf_token_are_refused(r, observer, coordinator):
    pending = comment(r.torture, observer)
    before = state()
    assert send(signed_in(observer, csrf=True), r.torture, "Hello").status_code == 403
    assert moderate(signed_in(coordinator, csrf=True), pending, "approved").status_code == 403
    assert signed_in(coordinator, csrf=True).post(
        reverse("consultation:share_recommendation", args=[r.roma.pk]),
        {"shared": "1"}).status_code == 403
    assert state() == before


def test_the_recommendation_page_queries_do_not_grow_with_the_comments(
        r, observer, focal_point, coordinator, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    comment(r.torture, observer, state="approved")
    counts, clients = {}, {user.pk: signed_in(user) for user in (observer, focal_point,
                                                                  coordinator)}
    for key, client in clients.items():
        client.get(detail(r.torture))
        with CaptureQueriesContext(connection) as one:
            client.get(detail(r.torture))
        counts[key] = len(one)
    for n in range(10):
        comment(r.torture, observer, text=f"Comment {n}", state="approved")
    for key, client in clients.items():
        with django_assert_max_num_queries(counts[key]):
            html = client.get(detail(r.torture)).content.decode()
        assert "Comment 9" in html


def test_the_moderation_queue_queries_do_not_grow_with_the_comments(
        r, observer, coordinator, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(coordinator)
    comment(r.torture, observer)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for n in range(10):
        comment(r.torture, observer, text=f"Pending {n}")
    with django_assert_max_num_queries(len(one)):
        html = client.get(QUEUE).content.decode()
    assert "Pending 9" in html
