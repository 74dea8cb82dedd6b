"""Saving, renaming and deleting a saved view, each checked here (one place for the web
and any later caller) and recorded in the audit trail.

Every refusal is a `Refused` with a message for the person; nothing is written then.
"""

import re

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from nmirf.audit import service as audit
from nmirf.audit.models import Action
from nmirf.core import search as fts
from nmirf.recommendations.filters import RecommendationFilter

from .models import MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_VIEWS_PER_PERSON, SavedView

# Markup and control characters have no place in a name shown in the menu.
_FORBIDDEN_IN_NAMES = re.compile(r"[<>\x00-\x1f\x7f]")
# The parameters of the list that say which list it is, in the order a saved view keeps
# them; "page" is where one was in it, not the list (dropped).
DROPPED = ("page",)


class Refused(ValueError):
    """Why a saved view was not written, in the person's words."""


def _parameters() -> list[str]:
    names = list(RecommendationFilter.base_filters)
    return ["q", *[name for name in names if name not in ("q", "sort")], "sort"]


def normalise_query(query: str, user) -> str:
    """The list page's query string `query` checked as the list would read it (the one read
    path: RecommendationFilter, as `user`) and written the same way every time: known
    parameters in a fixed order, empty and repeated values left out, the page dropped, the
    sort kept. Refused when the list would leave part of it out."""
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY_CHARS:
        raise Refused(_("This list's address is too long to save (%(count)d characters; "
                        "at most %(max)d).") % {"count": len(query), "max": MAX_QUERY_CHARS})
    data = QueryDict(query)
    known = _parameters()
    unknown = sorted(set(data) - set(known) - set(DROPPED))
    if unknown:
        shown = ", ".join(f"“{name[:30]}”" for name in unknown[:5])
        raise Refused(_("The list has no filter named %(names)s: this view cannot be saved.")
                      % {"names": shown})
    cleaned = QueryDict(mutable=True)
    for name in known:
        values = []
        for value in data.getlist(name):
            value = value.strip()
            if value and value not in values:
                values.append(value)
        if values:
            cleaned.setlist(name, values)
    filterset = RecommendationFilter(cleaned, user=user)
    if not filterset.form.is_valid():
        labels = {name: str(field.label or name) for name, field in filterset.form.fields.items()}
        problems = "; ".join(f"{labels.get(name, name)}: {' '.join(errors)}"
                             for name, errors in filterset.form.errors.items())
        raise Refused(_("This list cannot be saved because a filter is not valid (%(problems)s).")
                      % {"problems": problems})
    if problem := fts.query_problem(cleaned.get("q", "")):
        raise Refused(_("This list cannot be saved: %(problem)s") % {"problem": problem})
    return cleaned.urlencode()


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Refused(_("Give the view a name."))
    if len(name) > MAX_NAME_CHARS:
        raise Refused(_("A name has at most %(max)d characters (this one has %(count)d).")
                      % {"max": MAX_NAME_CHARS, "count": len(name)})
    if _FORBIDDEN_IN_NAMES.search(name):
        raise Refused(_("A name cannot contain < or > or control characters."))
    return name


def _check_free(user, name: str, exclude_pk=None) -> None:
    taken = SavedView.objects.filter(owner=user, name=name).exclude(pk=exclude_pk)
    if taken.exists():
        raise Refused(_("You already have a view named “%(name)s”: choose another name.")
                      % {"name": name})


def save_view(user, name: str, query: str) -> SavedView:
    name = clean_name(name)
    query = normalise_query(query, user)
    if SavedView.objects.filter(owner=user).count() >= MAX_VIEWS_PER_PERSON:
        raise Refused(_("You have %(max)d saved views, the most one may keep: delete one "
                        "first.") % {"max": MAX_VIEWS_PER_PERSON})
    _check_free(user, name)
    try:
        with transaction.atomic():
            view = SavedView.objects.create(owner=user, name=name, query=query)
            audit.record(Action.CREATED, target=view, actor=user,
                         after={"name": name, "query": query})
    except IntegrityError:  # the same name saved twice at once
        raise Refused(_("You already have a view named “%(name)s”: choose another name.")
                      % {"name": name}) from None
    return view


def rename_view(view: SavedView, user, name: str) -> SavedView:
    name = clean_name(name)
    if name == view.name:
        return view
    _check_free(user, name, exclude_pk=view.pk)
    before = view.name
    try:
        with transaction.atomic():
            view.name = name
            view.save(update_fields=["name", "updated"])
            audit.record(Action.CHANGED, target=view, actor=user,
                         before={"name": before}, after={"name": name})
    except IntegrityError:
        view.name = before
        raise Refused(_("You already have a view named “%(name)s”: choose another name.")
                      % {"name": name}) from None
    return view


def delete_view(view: SavedView, user) -> None:
    """A saved view is a bookmark, not something written about the registry: it goes, and
    the audit trail keeps what it was."""
    with transaction.atomic():
        audit.record(Action.DELETED, target=view, actor=user,
                     before={"name": view.name, "query": view.query})
        view.delete()
