"""The writes on assignments: an entity's part (lead or supporting) in recommendations — one
or a whole filtered list at once — and in clusters. Set-based (one UPDATE, one bulk
INSERT that skips what is already there), so that 10,000 rows take about a second; each
operation is ONE audit event, with the count and the list's filters, and every assignment
row it wrote or ended points at that event, so that each recommendation's page shows it.

Whoever calls these has checked `permissions.can_assign`; these check that the change makes
sense and refuse it with a message in the reader's language (ValidationError)."""

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nmirf.audit import record
from nmirf.audit.models import Action

from .models import Assignment, AssignmentRole, Cluster, Entity
from .services import recommendation_label

BATCH_SIZE = 2000


def _person(user):
    return user if user is not None and user.is_authenticated else None


def check_entity(entity: Entity) -> None:
    """Only active implementing institutions take a part: an archived entity, the NHRI and
    civil society (observers) are refused."""
    if entity.archived:
        raise ValidationError(_("%(entity)s is archived: restore it before assigning it.")
                              % {"entity": entity.name}, code="archived_entity")
    if entity.is_observer:
        raise ValidationError(
            _("%(entity)s is an observer (%(kind)s): observers follow and comment, they are "
              "not assigned.") % {"entity": entity.name, "kind": entity.get_kind_display()},
            code="observer_entity")


def _check_role(role: str) -> None:
    if role not in AssignmentRole.values:
        raise ValidationError(_("Choose the role: lead or supporting."), code="role")


@transaction.atomic
def assign_recommendations(entity: Entity, role: str, recommendations, *, user=None,
                           source: str = "") -> dict:
    """Give `entity` the `role` in every recommendation of `recommendations` (a queryset of
    recommendations, or a list of ids). Where the entity already has that role nothing
    changes; where it had the other role, that assignment is ended and the new one made;
    naming a lead ends the recommendation's other lead. Returns
    {"assigned": new rows, "replaced": ended rows, "unchanged": rows already so}."""
    _check_role(role)
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    check_entity(entity)
    if hasattr(recommendations, "values_list"):
        # A filtered list: the database compares against (and copies from) the list's own
        # query rather than thousands of ids passed back and forth.
        selection = recommendations.order_by().values("pk")
        total = selection.count()
    else:
        selection = sorted(set(recommendations))
        total = len(selection)
    if not total:
        raise ValidationError(_("There are no recommendations to assign."), code="empty")
    current = Assignment.objects.current().filter(recommendation_id__in=selection)
    # What changes: the entity's other role; with a new lead, the other leads.
    replacing = Q(entity=entity) & ~Q(role=role)
    if role == AssignmentRole.LEAD:
        replacing |= Q(role=AssignmentRole.LEAD) & ~Q(entity=entity)
    to_end = current.filter(replacing)
    replaced = to_end.count()
    unchanged = current.filter(entity=entity, role=role).count()
    assigned = total - unchanged
    if not assigned and not replaced:
        return {"assigned": 0, "replaced": 0, "unchanged": unchanged}
    after = {"role": AssignmentRole(role).label, "recommendations_assigned": assigned,
             "assignments_replaced": replaced}
    if total == 1:
        after["recommendation"] = recommendation_label(
            selection[0] if isinstance(selection, list) else selection.get()["pk"])
    if source:
        after["source"] = source
    event = record(Action.ASSIGNED, target=entity, after=after)
    person = _person(user)
    to_end.update(ended=True, ended_at=timezone.now(), ended_by=person, ended_event=event)
    # The partial unique constraints make the database skip the rows already there.
    if isinstance(selection, list) or not _insert_from_query(selection, entity, role, person,
                                                             event):
        ids = selection if isinstance(selection, list) else selection.values_list(
            "pk", flat=True).iterator()
        Assignment.objects.bulk_create(
            (Assignment(recommendation_id=pk, entity=entity, role=role, created_by=person,
                        event=event) for pk in ids),
            batch_size=BATCH_SIZE, ignore_conflicts=True)
    return {"assigned": assigned, "replaced": replaced, "unchanged": unchanged}


def _insert_from_query(selection, entity, role, person, event) -> bool:
    """INSERT … SELECT from the list's own query, skipping conflicts, in one statement:
    building 10,000 model instances and their parameters costs seconds in Python, this
    costs the database a fraction of one. SQLite and PostgreSQL only (False elsewhere:
    the caller falls back to bulk_create)."""
    connection = connections[Assignment.objects.db]
    if connection.vendor == "sqlite":
        verb, tail = "INSERT OR IGNORE INTO", ""
    elif connection.vendor == "postgresql":
        verb, tail = "INSERT INTO", " ON CONFLICT DO NOTHING"
    else:
        return False
    # Named by an alias of ours: how Django names a bare "pk" column varies.
    select_sql, select_params = selection.annotate(selected_id=F("pk")).values(
        "selected_id").query.sql_with_params()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(Assignment._meta.get_field(name).column) for name in (
        "recommendation", "entity", "role", "ended", "created_at", "created_by", "event"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"{verb} {qn(Assignment._meta.db_table)} ({columns}) "  # noqa: S608 - identifiers from code, values bound
            f"SELECT selection.selected_id, %s, %s, %s, %s, %s, %s "
            f"FROM ({select_sql}) selection{tail}",
            (entity.pk, role, False, now, person.pk if person is not None else None,
             event.pk, *select_params))
    return True


@transaction.atomic
def assign_cluster(entity: Entity, role: str, cluster: Cluster, *, user=None) -> dict:
    """Give `entity` the `role` in a cluster (and so in each of its recommendations)."""
    _check_role(role)
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    check_entity(entity)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.archived:
        raise ValidationError(_("The cluster “%(title)s” is archived: restore it before "
                                "assigning it.") % {"title": cluster.title}, code="archived")
    current = Assignment.objects.current().filter(cluster=cluster)
    if current.filter(entity=entity, role=role).exists():
        return {"assigned": 0, "replaced": 0, "unchanged": 1}
    replacing = Q(entity=entity)
    if role == AssignmentRole.LEAD:
        replacing |= Q(role=AssignmentRole.LEAD)
    to_end = list(current.filter(replacing).select_related("entity"))
    event = record(Action.ASSIGNED, target=cluster, before={
        "assignments": [f"{a.entity} ({a.get_role_display()})" for a in to_end]} if to_end
        else None, after={"assignments": [f"{entity} ({AssignmentRole(role).label})"]})
    person = _person(user)
    current.filter(pk__in=[a.pk for a in to_end]).update(
        ended=True, ended_at=timezone.now(), ended_by=person, ended_event=event)
    Assignment.objects.create(cluster=cluster, entity=entity, role=role, created_by=person,
                              event=event)
    return {"assigned": 1, "replaced": len(to_end), "unchanged": 0}


@transaction.atomic
def end_assignment(assignment: Assignment, *, user=None) -> Assignment:
    """End one assignment (kept, with who ended it and when)."""
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related(
        "entity", "cluster").get(pk=assignment.pk)
    if assignment.ended:
        return assignment
    label = f"{assignment.entity} ({assignment.get_role_display()})"
    if assignment.cluster_id:
        event = record(Action.UNASSIGNED, target=assignment.cluster,
                       before={"assignments": [label]}, after={"assignments": []})
    else:
        event = record(Action.UNASSIGNED, target=assignment.entity, before={
            "role": assignment.get_role_display(),
            "recommendation": recommendation_label(assignment.recommendation_id)})
    assignment.ended = True
    assignment.ended_at = timezone.now()
    assignment.ended_by = _person(user)
    assignment.ended_event = event
    assignment.save(update_fields=["ended", "ended_at", "ended_by", "ended_event"])
    return assignment
