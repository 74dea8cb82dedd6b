"""The personas every permission test of tracking walks through, and a client signed in as
one of them (by fixture name; "anonymous" signs in as nobody)."""

from django.test import Client

ROLES = ["administrator", "coordinator", "focal_point", "observer", "anonymous"]
MANAGERS = {"administrator", "coordinator"}


def client_for(request, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client
