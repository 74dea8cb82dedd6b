"""The writes on entities and memberships, each all-or-nothing and recorded in the audit
trail. Views check who may call them (accounts.permissions); these check that the change
makes sense, and refuse it with a message in the reader's language (ValidationError)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nmirf.accounts import permissions
from nmirf.audit import record
from nmirf.audit.changes import tracking
from nmirf.audit.models import Action

from .models import Cluster, ClusterRecommendation, Entity, Membership, person_name


def check_placement(entity: Entity, name: str, parent: Entity | None) -> None:
    """Refuse a parent that is the entity itself or lies below it, an archived parent, and
    a name that another entity under the same parent already has."""
    if parent is not None:
        if entity.pk is not None and (parent.pk == entity.pk
                                      or entity.would_be_inside_itself(parent)):
            raise ValidationError(
                _("%(entity)s cannot be placed under %(parent)s: %(parent)s is part of it.")
                % {"entity": entity.name, "parent": parent.name}, code="cycle")
        if parent.archived:
            raise ValidationError(
                _("%(parent)s is archived: choose an active entity to place it under.")
                % {"parent": parent.name}, code="archived_parent")
    siblings = Entity.objects.filter(parent=parent, name__iexact=name.strip())
    if entity.pk is not None:
        siblings = siblings.exclude(pk=entity.pk)
    if siblings.exists():
        where = parent.name if parent is not None else _("the top level")
        raise ValidationError(
            _("An entity named “%(name)s” already exists under %(where)s.")
            % {"name": name.strip(), "where": where}, code="duplicate_name")


@transaction.atomic
def save_entity(entity: Entity) -> Entity:
    """Create or change an entity (name, kind, parent: moving it is changing its parent)."""
    entity.name = entity.name.strip()
    check_placement(entity, entity.name, entity.parent)
    with tracking(entity):
        entity.save()
    return entity


def check_archivable(entity: Entity) -> None:
    """An entity is archived after its sub-entities: an active one under an archived parent
    would be shown under a parent its readers may not see."""
    active_children = entity.children.filter(archived=False).count()
    if active_children:
        raise ValidationError(
            _("%(entity)s still has %(count)d active sub-entities: archive or move them "
              "first.") % {"entity": entity.name, "count": active_children},
            code="active_children")


@transaction.atomic
def archive(entity: Entity) -> Entity:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.archived:
        return entity
    check_archivable(entity)
    with tracking(entity):
        entity.archived = True
        entity.save(update_fields=["archived", "updated_at"])
    return entity


@transaction.atomic
def restore(entity: Entity) -> Entity:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if not entity.archived:
        return entity
    if entity.parent is not None and entity.parent.archived:
        raise ValidationError(
            _("%(parent)s is archived: restore it first, or move this entity elsewhere.")
            % {"parent": entity.parent.name}, code="archived_parent")
    with tracking(entity):
        entity.archived = False
        entity.save(update_fields=["archived", "updated_at"])
    return entity


@transaction.atomic
def add_member(entity: Entity, user, *, deputy: bool = False) -> Membership:
    """Make `user` a focal point of `entity` (its deputy if asked: the former deputy stays a
    focal point). Only people with the focal-point role belong to entities, and observers
    to the NHRI and civil-society ones (permissions.can_belong_to)."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.archived:
        raise ValidationError(_("%(entity)s is archived: restore it before naming its focal "
                                "points.") % {"entity": entity.name}, code="archived")
    if not permissions.can_belong_to(user, entity):
        raise ValidationError(
            _("%(person)s is not a focal point: give them the focal-point role (or choose "
              "someone who has it) first.") % {"person": person_name(user)}, code="not_focal_point")
    with tracking(entity):
        membership = entity.memberships.filter(user=user, ended=False).first()
        if membership is None:
            membership = Membership(entity=entity, user=user)
        elif not deputy:
            already = (_("%(person)s is already a focal point of %(entity)s.")
                       if permissions.can_be_focal_point(user)
                       else _("%(person)s is already a member of %(entity)s."))
            raise ValidationError(already % {"person": person_name(user),
                                             "entity": entity.name}, code="already_member")
        if deputy:
            entity.memberships.filter(ended=False, is_deputy=True).exclude(
                pk=membership.pk).update(is_deputy=False)
            membership.is_deputy = True
        membership.save()
    return membership


@transaction.atomic
def end_membership(membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended:
        return membership
    with tracking(membership.entity):
        membership.ended = True
        membership.is_deputy = False
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended", "is_deputy", "ended_at"])
    return membership


@transaction.atomic
def make_deputy(membership: Membership) -> Membership:
    return add_member(membership.entity, membership.user, deputy=True)


# ── Clusters ────────────────────────────────────────────────────────────────────────────

def _check_cluster_title(cluster: Cluster, title: str) -> None:
    same = Cluster.objects.filter(archived=False, title__iexact=title.strip())
    if cluster.pk is not None:
        same = same.exclude(pk=cluster.pk)
    if same.exists():
        raise ValidationError(_("A cluster titled “%(title)s” already exists.")
                              % {"title": title.strip()}, code="duplicate_title")


@transaction.atomic
def save_cluster(cluster: Cluster, user=None) -> Cluster:
    cluster.title = cluster.title.strip()
    _check_cluster_title(cluster, cluster.title)
    if cluster.pk is None and user is not None and user.is_authenticated:
        cluster.created_by = user
    with tracking(cluster):
        cluster.save()
    return cluster


@transaction.atomic
def set_cluster_archived(cluster: Cluster, archived: bool) -> Cluster:
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.archived == archived:
        return cluster
    if not archived:
        _check_cluster_title(cluster, cluster.title)
    with tracking(cluster):
        cluster.archived = archived
        cluster.save(update_fields=["archived", "updated_at"])
    return cluster


def _open_cluster(cluster: Cluster) -> Cluster:
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.archived:
        raise ValidationError(_("The cluster “%(title)s” is archived: restore it before "
                                "changing its recommendations.") % {"title": cluster.title},
                              code="archived")
    return cluster


@transaction.atomic
def add_to_cluster(cluster: Cluster, recommendation_ids, *, user=None,
                   source: str = "") -> int:
    """Put recommendations (an iterable of ids, or a values queryset) into the cluster;
    those already in it stay as they are. Returns how many were added. One event records
    the count before and after, and where they came from (`source`: the list's filters)."""
    cluster = _open_cluster(cluster)
    before = cluster.links.count()
    present = set(cluster.links.values_list("recommendation_id", flat=True))
    added_by = user if user is not None and user.is_authenticated else None
    new = [ClusterRecommendation(cluster=cluster, recommendation_id=pk, added_by=added_by)
           for pk in recommendation_ids if pk not in present]
    ClusterRecommendation.objects.bulk_create(new, batch_size=2000)
    if new:
        cluster.save(update_fields=["updated_at"])
        after = {"recommendation_count": before + len(new)}
        if len(new) == 1:
            after["recommendations"] = [recommendation_label(new[0].recommendation_id)]
        if source:
            after["source"] = source
        record(Action.CHANGED, target=cluster, before={"recommendation_count": before},
               after=after)
    return len(new)


@transaction.atomic
def remove_from_cluster(cluster: Cluster, recommendation) -> None:
    cluster = _open_cluster(cluster)
    before = cluster.links.count()
    cluster.links.filter(recommendation=recommendation).delete()
    cluster.save(update_fields=["updated_at"])
    record(Action.CHANGED, target=cluster,
           before={"recommendation_count": before,
                   "recommendations": [recommendation_label(recommendation.pk)]},
           after={"recommendation_count": before - 1, "recommendations": []})


def recommendation_label(pk: int) -> str:
    """How an audit event names one recommendation (its id, then what it says of itself)."""
    from nmirf.recommendations.models import Recommendation

    rec = Recommendation.objects.filter(pk=pk).first()
    return f"#{pk} {rec}" if rec else f"#{pk}"
