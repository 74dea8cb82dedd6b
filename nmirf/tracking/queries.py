"""Conditions on the recommendation queryset that tracking's pages (and, after the merge
with the one filter table, the registry's filters) share. Each is one EXISTS subquery, so
it combines with any other filter and needs no DISTINCT."""

from django.db.models import Exists, OuterRef, Q

from .models import Assignment, AssignmentRole, ClusterRecommendation


def assigned_to(entity_ids, role: str | None = None) -> Q:
    """Recommendations in which one of `entity_ids` has a part (`role`: only that part),
    given on the recommendation itself or through an active cluster it sits in.

    One `pk IN (… UNION …)` read from the assignment side (the index on entity and role),
    not an EXISTS per recommendation: "My recommendations" and "assigned to me" stay a
    look-up of the entity's few thousand ids however large the registry is."""
    parts = Assignment.objects.current().filter(entity_id__in=entity_ids)
    if role:
        parts = parts.filter(role=role)  # the same assignment row: one join, not two
    own = parts.filter(recommendation__isnull=False)
    through_cluster = ClusterRecommendation.objects.filter(cluster_id__in=parts.filter(
        cluster__isnull=False, cluster__archived=False).values("cluster_id"))
    return Q(pk__in=own.order_by().values("recommendation_id").union(
        through_cluster.order_by().values("recommendation_id")))


def led_by(entity_ids) -> Q:
    """Recommendations that one of `entity_ids` leads, by the lead rule
    (`models.leads_among`): its own lead, or — where it has none — the lead of an active
    cluster it sits in. The registry's `lead` filter (recommendations/filters.py)."""
    lead = AssignmentRole.LEAD
    own_lead = Assignment.objects.current().filter(recommendation=OuterRef("pk"), role=lead)
    through_cluster = ClusterRecommendation.objects.filter(
        recommendation=OuterRef("pk"), cluster__archived=False,
        cluster__assignments__ended=False, cluster__assignments__role=lead,
        cluster__assignments__entity_id__in=entity_ids)
    return Q(Exists(own_lead.filter(entity_id__in=entity_ids))) | (
        ~Q(Exists(own_lead)) & Q(Exists(through_cluster)))


def parts_on_page(recommendation_ids, entity_ids) -> dict[int, list[dict]]:
    """For the recommendations shown on one page: the parts `entity_ids` have in each
    ({"entity", "role", "cluster"}; cluster None when given directly). Two queries
    whatever the page's length."""
    parts: dict[int, list[dict]] = {}
    for rec_id, entity, role in Assignment.objects.current().filter(
            recommendation_id__in=recommendation_ids, entity_id__in=entity_ids).values_list(
            "recommendation_id", "entity__name", "role"):
        parts.setdefault(rec_id, []).append({"entity": entity, "role": role, "cluster": None})
    for rec_id, entity, role, cluster in ClusterRecommendation.objects.filter(
            recommendation_id__in=recommendation_ids, cluster__archived=False,
            cluster__assignments__ended=False,
            cluster__assignments__entity_id__in=entity_ids).values_list(
            "recommendation_id", "cluster__assignments__entity__name",
            "cluster__assignments__role", "cluster__title"):
        parts.setdefault(rec_id, []).append({"entity": entity, "role": role,
                                             "cluster": cluster})
    return parts


def implementing(recommendation_ref) -> Q:
    """Actions that implement a recommendation (`recommendation_ref`: its id, or an
    OuterRef): linked to it, or to an active cluster it sits in."""
    return Q(recommendations=recommendation_ref) | Q(
        clusters__archived=False, clusters__links__recommendation=recommendation_ref)


def with_validated_progress(values) -> Q:
    """Recommendations with at least one validated (or published) progress update on an
    active action that implements them (`implementing`). The registry's `progress` filter
    (recommendations/filters.py): `values` are its stored values, 1 for "validated"."""
    if 1 not in list(values):
        return Q(pk__in=[])
    from .progress_models import ProgressUpdate

    validated = ProgressUpdate.objects.validated().filter(action__archived=False)
    direct = validated.filter(action__recommendations=OuterRef("pk"))
    through_cluster = validated.filter(action__clusters__archived=False,
                                       action__clusters__links__recommendation=OuterRef("pk"))
    return Q(Exists(direct)) | Q(Exists(through_cluster))
