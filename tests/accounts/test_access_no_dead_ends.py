"""No dead ends: every link a page shows its reader is one that reader may follow. Each
persona reads the main pages of the world (access_matrix.py) and follows every link of
this site on them: none may end on 403 or 404 (a link hidden is better than a refusal)."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .access_matrix import client_for

HREF = re.compile(r'href="([^"]+)"')
# Links that do something else than show a page (a download, a feed for programs, the
# admin's own pages, which test_access_the_admin_is_the_administrators covers).
SKIPPED = ("/static/", "/admin/", ".ics", "/export.")


def links_on(html: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if any(skip in parts.path for skip in SKIPPED):
            continue
        found.add(href)
    return found


def pages(w) -> list[str]:
    return [
        reverse("recommendations:list"),
        reverse("recommendations:detail", args=[w.rec_own.pk]),
        reverse("recommendations:detail", args=[w.rec_other.pk]),
        reverse("saved_views:list"),
        reverse("tracking:action_detail", args=[w.own_action.pk]),
        reverse("tracking:cluster_detail", args=[w.cluster.pk]),
        reverse("tracking:entity_detail", args=[w.own.pk]),
        reverse("tracking:progress_detail", args=[w.own_validated.pk]),
        reverse("ingest:run_list"),
        reverse("ingest:run_detail", args=[w.run.pk]),
        reverse("followup:calendar"),
        reverse("consultation:comment_list"),
    ]


@pytest.fixture
def sourced(world):
    """`rec_own` was brought by an import run (its sources table links to the run)."""
    from nmirf.recommendations.models import SourceRecord

    SourceRecord.objects.create(recommendation=world.rec_own, source="upr_info",
                                key="SVN-34-1", import_run=world.run)
    return world


@pytest.mark.parametrize("role", ["administrator", "coordinator", "focal_point", "observer"])
def test_access_every_link_shown_may_be_followed(sourced, role):
    client = client_for(sourced, role)
    dead = []
    followed = set()
    for page in pages(sourced):
        response = client.get(page)
        if response.status_code != 200:
            continue  # a page this persona may not read shows no links to judge
        for link in links_on(response.content.decode()) - followed:
            followed.add(link)
            status = client.get(link).status_code
            if status in (403, 404):
                dead.append(f"{page} → {link}: {status}")
    assert followed, "no link was followed"
    assert dead == []


def test_access_the_import_run_of_a_source_is_linked_for_those_who_may_read_it(sourced):
    run_url = reverse("ingest:run_detail", args=[sourced.run.pk])
    detail = reverse("recommendations:detail", args=[sourced.rec_own.pk])
    for role, linked in [("administrator", True), ("coordinator", True),
                         ("focal_point", False), ("observer", False)]:
        html = client_for(sourced, role).get(detail).content.decode()
        assert (f'href="{run_url}"' in html) is linked, role
        assert f"#{sourced.run.pk}" in html, role  # the run is named, as plain text
