"""What the tests of consultation share: a signed-in client, the rows a refusal must leave
as they were, a comment made directly, the messages of a response."""

from django.test import Client

from nmirf.audit.models import AuditEvent
from nmirf.consultation.models import Comment, Sharing


def signed_in(user, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def state() -> list:
    """Every row consultation writes, and the audit events: a refusal changes none."""
    return [sorted(Comment.objects.values_list("pk", "recommendation", "author", "text",
                                               "state", "moderation_reason", "moderated_by")),
            sorted(Sharing.objects.values_list("pk", "recommendation", "cluster", "shared")),
            AuditEvent.objects.changes().count()]


def comment(rec, author, text="The law is still in draft.", state="pending", **fields):
    return Comment.objects.create(recommendation=rec, author=author, text=text, state=state,
                                  **fields)


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])
