"""Entities in the web UI: the tree, one entity with its focal points and history, and the
coordinator's forms (create, edit and move, archive and restore, name focal points).

Thin views: who may do what is asked of accounts.permissions, what a change must respect of
services.py. An entity one may not see answers 404; an operation one may not do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.audit.history import history_of

from . import services
from .forms import EntityForm, MemberForm
from .models import Entity, Membership, person_name
from .tree import build_tree
from .view_helpers import refusal_or


def _visible_entity(request, pk) -> Entity:
    return get_object_or_404(Entity.objects.visible_to(request.user).select_related("parent"),
                             pk=pk)


@login_required
def entity_list(request):
    permissions.require(permissions.can_view_entities(request.user))
    show_archived = request.GET.get("archived") == "1" and permissions.can_manage_entities(
        request.user)
    entities = Entity.objects.visible_to(request.user).annotate(
        focal_point_count=Count("memberships", filter=Q(memberships__ended=False)))
    if not show_archived:
        entities = entities.filter(archived=False)
    return render(request, "tracking/entity_list.html", {
        "roots": build_tree(entities), "show_archived": show_archived,
        "can_manage": permissions.can_manage_entities(request.user),
    })


@login_required
def entity_detail(request, pk):
    permissions.require(permissions.can_view_entities(request.user))
    entity = _visible_entity(request, pk)
    can_manage = permissions.can_manage_entities(request.user)
    return render(request, "tracking/entity_detail.html", {
        "entity": entity,
        "ancestors": entity.ancestors(),
        "children": entity.children.visible_to(request.user).order_by("name"),
        "memberships": Membership.objects.visible_to(request.user).filter(
            entity=entity, ended=False).select_related("user"),
        "can_manage": can_manage,
        "member_form": MemberForm() if can_manage and not entity.archived else None,
        "history": history_of(entity) if permissions.can_view_history(request.user, entity)
        else None,
    })


def _entity_form(request, entity: Entity, template_title: str):
    form = EntityForm(request.POST or None, instance=entity, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_entity(form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved %(entity)s.") % {"entity": saved.name})
            return redirect(saved)
    return render(request, "tracking/entity_form.html",
                  {"form": form, "entity": entity, "object": entity, "title": template_title,
                   "list_url": reverse("tracking:entity_list")})


@login_required
def entity_create(request):
    permissions.require(permissions.can_manage_entities(request.user))
    entity = Entity()
    parent_id = request.GET.get("parent")
    if request.method == "GET" and parent_id and parent_id.isdigit():
        entity.parent = Entity.objects.visible_to(request.user).filter(pk=parent_id).first()
    return _entity_form(request, entity, _("New entity"))


@login_required
def entity_edit(request, pk):
    permissions.require(permissions.can_manage_entities(request.user))
    entity = _visible_entity(request, pk)
    return _entity_form(request, entity, _("Edit %(entity)s") % {"entity": entity.name})


def _change_entity(request, pk, change, success: str):
    """A coordinator's one-step change to an entity (`change(entity)`), then back to its
    page; `success` is formatted with the entity's name."""
    permissions.require(permissions.can_manage_entities(request.user))
    entity = _visible_entity(request, pk)
    return refusal_or(request, entity, lambda: change(entity),
                      success % {"entity": entity.name})


@login_required
@require_POST
def entity_archive(request, pk):
    return _change_entity(request, pk, services.archive, _("Archived %(entity)s."))


@login_required
@require_POST
def entity_restore(request, pk):
    return _change_entity(request, pk, services.restore, _("Restored %(entity)s."))


@login_required
@require_POST
def member_add(request, pk):
    permissions.require(permissions.can_manage_entities(request.user))
    entity = _visible_entity(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person to name as focal point."))
        return redirect(entity)
    user, deputy = form.cleaned_data["user"], form.cleaned_data["deputy"]
    # Focal points answer for the entity; an observer belongs to an NHRI or civil-society
    # entity as a member who comments on its behalf (permissions.can_belong_to).
    success = (_("%(person)s is now a focal point of %(entity)s.")
               if permissions.can_be_focal_point(user)
               else _("%(person)s is now a member of %(entity)s, as an observer."))
    return refusal_or(request, entity, lambda: services.add_member(entity, user, deputy=deputy),
                      success % {"person": person_name(user), "entity": entity.name})


def _change_membership(request, pk, membership_pk, change, success: str):
    """A coordinator's one-step change to one focal point of an entity: the membership
    named in the form must be a current one of *this* entity (an id of another entity's
    membership, tampered with, answers 404 and changes nothing)."""
    permissions.require(permissions.can_manage_entities(request.user))
    entity = _visible_entity(request, pk)
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("user"),
        pk=membership_pk, entity=entity, ended=False)
    return refusal_or(request, entity, lambda: change(membership),
                      success % {"person": person_name(membership.user), "entity": entity.name})


@login_required
@require_POST
def member_end(request, pk, membership_pk):
    return _change_membership(request, pk, membership_pk, services.end_membership,
                              _("%(person)s no longer answers for %(entity)s."))


@login_required
@require_POST
def member_deputy(request, pk, membership_pk):
    return _change_membership(request, pk, membership_pk, services.make_deputy,
                              _("%(person)s is now the deputy of %(entity)s."))
