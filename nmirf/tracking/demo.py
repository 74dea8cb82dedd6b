"""The demo's institutions and people (`nmirf load_demo`): real Slovenian institutions as
entities, and one account per role with a password printed for the person trying the demo.
Safe to run again: what exists is kept as it is (passwords included)."""

from django.db import transaction

from nmirf.accounts.models import Role, User

from .models import Entity, EntityKind, Membership

# (name, short name, kind, [departments (name, kind)])
ENTITIES = [
    ("Ministry of Foreign and European Affairs", "MZEZ", EntityKind.MINISTRY, []),
    ("Ministry of Justice", "MP", EntityKind.MINISTRY,
     [("Directorate for Criminal Law", EntityKind.DEPARTMENT)]),
    ("Ministry of Labour, Family, Social Affairs and Equal Opportunities", "MDDSZ",
     EntityKind.MINISTRY, []),
    ("Ministry of the Interior", "MNZ", EntityKind.MINISTRY, [("Police", EntityKind.AGENCY)]),
    ("National Assembly of the Republic of Slovenia", "DZ", EntityKind.PARLIAMENT, []),
    ("Supreme Court of the Republic of Slovenia", "", EntityKind.JUDICIARY, []),
    ("Statistical Office of the Republic of Slovenia", "SURS", EntityKind.AGENCY, []),
    ("Human Rights Ombudsman of the Republic of Slovenia", "", EntityKind.NHRI, []),
    ("Amnesty International Slovenia", "", EntityKind.CIVIL_SOCIETY, []),
]

# (user name, password, role, first name, last name, [(entity name, deputy)])
ACCOUNTS = [
    ("admin", "demo-admin-2026", Role.ADMINISTRATOR, "Demo", "Administrator", []),
    ("focal-justice", "demo-focal-2026", Role.FOCAL_POINT, "Maja", "Kovač",
     [("Ministry of Justice", True), ("Directorate for Criminal Law", False)]),
    ("focal-labour", "demo-focal-2026", Role.FOCAL_POINT, "Luka", "Novak",
     [("Ministry of Labour, Family, Social Affairs and Equal Opportunities", True),
      ("Ministry of Justice", False)]),
    ("observer", "demo-observer-2026", Role.OBSERVER, "Ana", "Horvat", []),
    # An observer who writes for the NHRI: reads what the coordinator shares, comments.
    ("observer-nhri", "demo-observer-2026", Role.OBSERVER, "Nina", "Zupan",
     [("Human Rights Ombudsman of the Republic of Slovenia", False)]),
]


@transaction.atomic
def load_entities() -> int:
    """The institutions, created where missing; returns how many were created."""
    created = 0
    for name, short_name, kind, departments in ENTITIES:
        parent, new = Entity.objects.get_or_create(
            name=name, parent=None, defaults={"short_name": short_name, "kind": kind})
        created += new
        for department, department_kind in departments:
            created += Entity.objects.get_or_create(
                name=department, parent=parent, defaults={"kind": department_kind})[1]
    return created


@transaction.atomic
def load_accounts() -> list[tuple[str, str, str, bool]]:
    """The accounts and their memberships; [(user name, password, role label, created)]."""
    result = []
    for username, password, role, first, last, memberships in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "first_name": first, "last_name": last})
        if created:
            user.set_password(password)
            user.save()
        for entity_name, deputy in memberships:
            entity = Entity.objects.filter(name=entity_name).order_by("pk").first()
            if entity is None or entity.memberships.filter(user=user, ended=False).exists():
                continue
            deputy = deputy and not entity.memberships.filter(is_deputy=True,
                                                              ended=False).exists()
            Membership.objects.create(entity=entity, user=user, is_deputy=deputy)
        result.append((username, password, Role(role).label, created))
    return result


# (title, description, the registry list's filters that fill it)
CLUSTERS = [
    ("Roma inclusion", "Recommendations on the rights of Roma: education, housing, "
     "employment and protection from discrimination.", {"q": "Roma"}),
    ("Violence against women", "Domestic violence, the Istanbul Convention, and support for "
     "victims.", {"q": "violence women"}),
    ("Rights of the child", "Recommendations on children's rights, whatever the mechanism "
     "or cycle.", {"q": "child or children"}),
]


def load_clusters() -> list[tuple[str, int]]:
    """Clusters filled from the registry's list, as the coordinator would (created where
    missing); [(title, number of recommendations)]."""
    from nmirf.recommendations.filters import RecommendationFilter
    from nmirf.recommendations.models import Recommendation

    from . import services
    from .models import Cluster

    result = []
    for title, description, filters in CLUSTERS:
        cluster = Cluster.objects.filter(title=title, archived=False).first()
        if cluster is None:
            cluster = services.save_cluster(Cluster(title=title, description=description))
            selection = RecommendationFilter(
                filters, queryset=Recommendation.objects.active()).filtered()
            services.add_to_cluster(cluster, selection.values_list("pk", flat=True),
                                    source="&".join(f"{k}={v}" for k, v in filters.items()))
        result.append((title, cluster.links.count()))
    return result


# Who does what in the demo, written as the coordinator would: a cluster's assignments
# (cluster title, entity name, role), and whole filtered lists of the registry assigned
# in one step (the list's filters, entity name, role).
CLUSTER_ASSIGNMENTS = [
    ("Roma inclusion", "Ministry of Labour, Family, Social Affairs and Equal Opportunities",
     "lead"),
    ("Roma inclusion", "Ministry of Justice", "supporting"),
    ("Violence against women",
     "Ministry of Labour, Family, Social Affairs and Equal Opportunities", "lead"),
    ("Violence against women", "Police", "supporting"),
    ("Rights of the child", "Ministry of Labour, Family, Social Affairs and Equal Opportunities",
     "lead"),
]
LIST_ASSIGNMENTS = [
    ({"q": "ratify"}, "Ministry of Foreign and European Affairs", "lead"),
    ({"q": "torture or judicial or judiciary or courts"}, "Ministry of Justice", "lead"),
    ({"q": "torture"}, "Police", "supporting"),
    ({"q": "trafficking"}, "Ministry of the Interior", "lead"),
    ({"q": "trafficking"}, "Ministry of Justice", "supporting"),
]
# Statuses set on the first recommendations the Ministry of Justice leads, in turn.
STATUSES = [
    ("implemented", "The measures were adopted and are in force, as the Government's "
     "mid-term report sets out."),
    ("partially_implemented", "The act is adopted; its implementing regulations are still "
     "being drafted."),
    ("in_progress", "An inter-ministerial working group was set up and meets monthly."),
    ("not_implemented", "The Government decided not to pursue this measure for now; the "
     "position will be reviewed before the next cycle."),
]


# (title, responsible entity, start, target, budget, currency, status, cluster title or
# None, search words of the recommendations it implements)
ACTIONS = [
    ("Amend the Criminal Code to define torture in line with the Convention",
     "Ministry of Justice", "2025-03-01", "2027-06-30", None, "", "in_progress", None,
     "torture"),
    ("Training for police officers on the prohibition of ill-treatment", "Police",
     "2025-09-01", "2026-03-31", 48000, "EUR", "completed", None, "torture"),
    ("Scholarships and Roma teaching assistants in primary schools",
     "Ministry of Labour, Family, Social Affairs and Equal Opportunities", "2025-01-15",
     "2027-12-31", 1200000, "EUR", "delayed", "Roma inclusion", ""),
    ("National programme for the prevention of domestic violence 2025–2030",
     "Ministry of Labour, Family, Social Affairs and Equal Opportunities", "2025-06-01",
     "2030-12-31", None, "", "planned", "Violence against women", ""),
]


def load_actions() -> None:
    from nmirf.recommendations.filters import RecommendationFilter
    from nmirf.recommendations.models import Recommendation

    from . import action_services
    from .models import Action, Cluster

    for title, entity_name, start, target, budget, currency, status, cluster_title, words \
            in ACTIONS:
        entity = Entity.objects.filter(name=entity_name, archived=False).first()
        if entity is None or Action.objects.filter(title=title).exists():
            continue
        recommendations = list(RecommendationFilter(
            {"q": words}, queryset=Recommendation.objects.active()).filtered()[:3]) \
            if words else []
        clusters = list(Cluster.objects.filter(title=cluster_title, archived=False))
        action_services.save_action(
            Action(title=title, responsible_entity=entity, start_date=start, target_date=target,
                   budget=budget, currency=currency, status=status),
            recommendations=recommendations, clusters=clusters)


def load_tracking() -> None:
    """The actions, their indicators and progress (progress_demo.py), assignments (through
    the demo's clusters and filtered lists, as the coordinator would in bulk) and
    implementation statuses with reasons; each only on the first run, so that a second
    `load_demo` changes nothing."""
    from nmirf.recommendations.filters import RecommendationFilter
    from nmirf.recommendations.models import Recommendation

    from . import assigning, statuses
    from .models import Assignment, Cluster, RecommendationStatus
    from .progress_demo import load_progress

    load_actions()
    load_progress()
    if Assignment.objects.exists():
        return
    entity = {e.name: e for e in Entity.objects.filter(archived=False)}
    for title, name, role in CLUSTER_ASSIGNMENTS:
        cluster = Cluster.objects.filter(title=title, archived=False).first()
        if cluster is not None and name in entity:
            assigning.assign_cluster(entity[name], role, cluster)
    for filters, name, role in LIST_ASSIGNMENTS:
        selection = RecommendationFilter(filters, queryset=Recommendation.objects.active()
                                         ).filtered()
        if name in entity and selection.exists():
            assigning.assign_recommendations(
                entity[name], role, selection,
                source="&".join(f"{k}={v}" for k, v in filters.items()))
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    led = Assignment.objects.current().filter(
        entity__name="Ministry of Justice", role="lead", recommendation__isnull=False
    ).order_by("recommendation_id").values_list("recommendation_id", flat=True)
    for rec_id, (status, reason) in zip(led, STATUSES, strict=False):
        rec = Recommendation.objects.get(pk=rec_id)
        if not RecommendationStatus.objects.filter(recommendation=rec).exists():
            statuses.set_status(rec, status, reason, read_version=0, user=coordinator)
