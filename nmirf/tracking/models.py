"""Who implements: public institutions (entities) as a tree, and the focal points who belong
to them. Later parts of tracking (clusters, assignments, actions, progress) point here.

Nothing here is deleted: an entity is archived, a membership ended, and the audit trail
keeps every change (nmirf.audit.changes). Who may read and change what is decided in
nmirf.accounts.permissions; the querysets' `visible_to(user)` call in there.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def person_name(user) -> str:
    """How tracking names a person in messages and histories: the full name, else the
    user name."""
    return user.get_full_name() or user.get_username()


class EntityKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department or directorate")
    PARLIAMENT = "parliament", _("Parliament")
    JUDICIARY = "judiciary", _("Judiciary")
    AGENCY = "agency", _("Agency or public body")
    LOCAL = "local", _("Regional or local government")
    NHRI = "nhri", _("National human rights institution")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
    OTHER = "other", _("Other")


# Institutions that follow the work as observers (consulted, commenting), not as implementers.
OBSERVER_KINDS = frozenset({EntityKind.NHRI, EntityKind.CIVIL_SOCIETY})


class EntityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def visible_to(self, user):
        """The entities `user` may read (nmirf.accounts.permissions)."""
        from nmirf.accounts.permissions import entities_visible_to

        return entities_visible_to(self, user)


class Entity(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True,
                                  help_text=_("An acronym or the name people use, if any."))
    kind = models.CharField(_("kind"), max_length=20, choices=EntityKind.choices,
                            default=EntityKind.MINISTRY)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntityQuerySet.as_manager()

    # Labels of the values audit_extra() adds to the entity's history.
    # and of those its assignments record (assigning.py: one event per bulk assignment).
    AUDIT_LABELS = {"focal_points": _("focal points"), "deputy": _("deputy"),
                    "role": _("role"), "recommendation": _("recommendation"),
                    "recommendations_assigned": _("recommendations assigned"),
                    "assignments_replaced": _("earlier assignments ended"),
                    "source": _("from the list")}

    class Meta:
        ordering = ["name"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [
            # One name once under one parent (and once among the top-level entities);
            # the form says so in words before the database has to.
            models.UniqueConstraint(Lower("name"), "parent", name="entity_unique_name",
                                    condition=models.Q(parent__isnull=False),
                                    violation_error_message=_(
                                        "An entity of this name already exists there.")),
            models.UniqueConstraint(Lower("name"), name="entity_unique_top_name",
                                    condition=models.Q(parent__isnull=True),
                                    violation_error_message=_(
                                        "An entity of this name already exists there.")),
        ]

    def __str__(self) -> str:
        return self.label_of(self.name, self.short_name)

    def get_absolute_url(self) -> str:
        return reverse("tracking:entity_detail", args=[self.pk])

    @staticmethod
    def label_of(name: str, short_name: str) -> str:
        """How an entity is named to people (from its values, without an instance)."""
        return f"{name} ({short_name})" if short_name else name

    @property
    def is_observer(self) -> bool:
        return self.kind in OBSERVER_KINDS

    def ancestors(self) -> list["Entity"]:
        """From the top of the tree down to this entity's parent (one query per level)."""
        chain, seen, node = [], {self.pk}, self.parent
        while node is not None and node.pk not in seen:  # a cycle would never end otherwise
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))

    def would_be_inside_itself(self, parent: "Entity | None") -> bool:
        """Whether putting this entity under `parent` would make it its own ancestor."""
        if parent is None or self.pk is None:
            return False
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if node.pk == self.pk:
                return True
            seen.add(node.pk)
            node = node.parent
        return False

    def current_memberships(self):
        return self.memberships.filter(ended=False).select_related("user")

    def audit_extra(self) -> dict:
        """Who belongs to the entity, for its history (audit.changes.snapshot)."""
        members = list(self.current_memberships())
        deputy = next((m for m in members if m.is_deputy), None)
        return {
            "focal_points": sorted(person_name(m.user) for m in members),
            "deputy": person_name(deputy.user) if deputy else None,
        }


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended=False)

    def visible_to(self, user):
        from nmirf.accounts.permissions import memberships_visible_to

        return memberships_visible_to(self, user)


class Membership(models.Model):
    """A focal point belongs to an entity; one of an entity's focal points is its deputy.
    Ended rather than deleted, so that who answered for an entity stays known."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="memberships",
                               verbose_name=_("entity"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="memberships", verbose_name=_("focal point"))
    is_deputy = models.BooleanField(_("deputy"), default=False)
    ended = models.BooleanField(_("ended"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-is_deputy", "user__last_name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["entity", "user"], name="membership_once",
                                    condition=models.Q(ended=False)),
            models.UniqueConstraint(fields=["entity"], name="membership_one_deputy",
                                    condition=models.Q(ended=False, is_deputy=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity}"


class ClusterQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def visible_to(self, user):
        """The clusters `user` may read (nmirf.accounts.permissions)."""
        from nmirf.accounts.permissions import clusters_visible_to

        return clusters_visible_to(self, user)


class Cluster(models.Model):
    """Recommendations the NMIRF handles together (a theme, an affected group, one law to
    change), across mechanisms and cycles; a recommendation may sit in several clusters.
    Assignments and actions will point at clusters as at recommendations."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    recommendations = models.ManyToManyField(
        "recommendations.Recommendation", through="ClusterRecommendation",
        related_name="clusters", blank=True, verbose_name=_("recommendations"))
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClusterQuerySet.as_manager()

    AUDIT_LABELS = {"recommendation_count": _("number of recommendations"),
                    "source": _("added from the list"), "assignments": _("assignments")}

    class Meta:
        ordering = ["title"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            models.UniqueConstraint(Lower("title"), name="cluster_unique_title",
                                    condition=models.Q(archived=False),
                                    violation_error_message=_(
                                        "An active cluster of this title already exists.")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracking:cluster_detail", args=[self.pk])

    def audit_extra(self) -> dict:
        # The count, not every recommendation's text: a cluster may hold thousands. Which
        # ones were added or removed is in the event of the change itself (services.py).
        return {"recommendation_count": self.links.count()}


class ClusterRecommendation(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="links")
    # Indexed by the constraint below (recommendation first), for "the clusters of this
    # recommendation".
    recommendation = models.ForeignKey("recommendations.Recommendation",
                                       on_delete=models.CASCADE, related_name="+",
                                       db_index=False)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "cluster"],
                                    name="cluster_recommendation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} ∈ {self.cluster_id}"


# ── Assignments ─────────────────────────────────────────────────────────────────────────

class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    SUPPORTING = "supporting", _("Supporting")


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended=False)

    def visible_to(self, user):
        from nmirf.accounts.permissions import assignments_visible_to

        return assignments_visible_to(self, user)

    def of_recommendation(self, recommendation):
        """Every current assignment that applies to `recommendation`: its own and those of
        the active clusters it sits in (see `lead_entity_ids` for who leads)."""
        in_clusters = ClusterRecommendation.objects.filter(
            recommendation=recommendation, cluster__archived=False).values("cluster_id")
        return self.current().filter(
            models.Q(recommendation=recommendation) | models.Q(cluster_id__in=in_clusters))

    def lead_entity_ids(self, recommendation) -> set[int]:
        """Who leads on a recommendation (see `leads_among`)."""
        return leads_among(self.of_recommendation(recommendation))


def leads_among(assignments) -> set[int]:
    """The lead entities among the current assignments that apply to one recommendation.
    The rule (docs/developer-guide.md, "Tracking"): a lead named on the recommendation
    itself wins; without one, the leads of the active clusters it sits in lead together.
    Supporting entities add up from both."""
    own, of_clusters = set(), set()
    for assignment in assignments:
        if assignment.is_lead:
            (of_clusters if assignment.cluster_id else own).add(assignment.entity_id)
    return own or of_clusters


class Assignment(models.Model):
    """An entity's part (lead or supporting) in a recommendation or in a cluster (then in
    each of the cluster's recommendations). Ended rather than deleted; `event` and
    `ended_event` point at the audit event that made and ended it, so that a bulk
    assignment of 10,000 rows is one event, yet each recommendation's page can show it."""

    recommendation = models.ForeignKey(
        "recommendations.Recommendation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="assignments", verbose_name=_("recommendation"), db_index=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="assignments", verbose_name=_("cluster"))
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="assignments",
                               verbose_name=_("entity"))
    role = models.CharField(_("role"), max_length=12, choices=AssignmentRole.choices)
    ended = models.BooleanField(_("ended"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    ended_event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role", "entity__name"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(recommendation__isnull=False, cluster__isnull=True)
                           | models.Q(recommendation__isnull=True, cluster__isnull=False)),
                name="assignment_one_target"),
            # An entity has one current part in a recommendation (or cluster), and a
            # recommendation (or cluster) one current lead of its own. Bulk assignment
            # relies on these to skip what is already there (ignore_conflicts).
            models.UniqueConstraint(fields=["recommendation", "entity"],
                                    name="assignment_once_per_recommendation",
                                    condition=models.Q(ended=False, recommendation__isnull=False)),
            models.UniqueConstraint(fields=["cluster", "entity"],
                                    name="assignment_once_per_cluster",
                                    condition=models.Q(ended=False, cluster__isnull=False)),
            models.UniqueConstraint(fields=["recommendation"],
                                    name="assignment_one_lead_per_recommendation",
                                    condition=models.Q(ended=False, role="lead",
                                                       recommendation__isnull=False)),
            models.UniqueConstraint(fields=["cluster"], name="assignment_one_lead_per_cluster",
                                    condition=models.Q(ended=False, role="lead",
                                                       cluster__isnull=False)),
        ]
        indexes = [
            # "My recommendations" and the lead-entity filter start from the entity.
            models.Index(fields=["entity", "role"], name="assignment_entity_role",
                         condition=models.Q(ended=False)),
        ]

    def __str__(self) -> str:
        target = self.cluster if self.cluster_id else f"#{self.recommendation_id}"
        return f"{self.entity} ({self.get_role_display()}) → {target}"

    @property
    def is_lead(self) -> bool:
        # An entity's part, not a person's role; templates ask this rather than compare
        # `role`, which the guard in tests/accounts/test_permissions.py reads as a person's.
        return AssignmentRole(self.role) is AssignmentRole.LEAD


# ── Implementation status ───────────────────────────────────────────────────────────────

class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


class RecommendationStatusQuerySet(models.QuerySet):
    def visible_to(self, user):
        from nmirf.accounts.permissions import statuses_visible_to

        return statuses_visible_to(self, user)


class RecommendationStatus(models.Model):
    """The current implementation status of one recommendation (one row each, so that a
    status filter is one join; a recommendation without a row has not started). `version`
    counts the changes: a form carries the version it was read at, and a save based on an
    older one is refused (services.set_status). Its history is StatusChange."""

    recommendation = models.OneToOneField(
        "recommendations.Recommendation", on_delete=models.CASCADE, primary_key=True,
        related_name="implementation", verbose_name=_("recommendation"))
    status = models.CharField(_("implementation status"), max_length=24,
                              choices=ImplementationStatus.choices,
                              default=ImplementationStatus.NOT_STARTED, db_index=True)
    reason = models.TextField(_("reason"))
    version = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))

    objects = RecommendationStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("implementation status")
        verbose_name_plural = _("implementation statuses")

    def __str__(self) -> str:
        return self.get_status_display()


class StatusChange(models.Model):
    """One change of a recommendation's implementation status, kept for good."""

    recommendation = models.ForeignKey("recommendations.Recommendation",
                                       on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("implementation status"), max_length=24,
                              choices=ImplementationStatus.choices)
    previous_status = models.CharField(_("before"), max_length=24,
                                       choices=ImplementationStatus.choices)
    reason = models.TextField(_("reason"))
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "version"],
                                    name="status_change_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"#{self.recommendation_id} v{self.version}: {self.get_status_display()}"


# ── Actions (the implementation plan) ───────────────────────────────────────────────────

class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


class ActionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def visible_to(self, user):
        from nmirf.accounts.permissions import actions_visible_to

        return actions_visible_to(self, user)


class Action(models.Model):
    """A measure an entity plans to implement recommendations (or whole clusters): who,
    from when to when, at what cost, how far along. `version` counts the saves: a form
    carries the version it was read at, and a save based on an older one is refused
    (action_services.save_action). Archived rather than deleted."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    responsible_entity = models.ForeignKey(Entity, on_delete=models.PROTECT,
                                           related_name="actions",
                                           verbose_name=_("responsible entity"))
    start_date = models.DateField(_("start date"))
    target_date = models.DateField(_("target date"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True,
                                help_text=_("The ISO 4217 code, such as EUR or USD."))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices,
                              default=ActionStatus.PLANNED)
    recommendations = models.ManyToManyField("recommendations.Recommendation",
                                             related_name="actions", blank=True,
                                             verbose_name=_("recommendations"))
    clusters = models.ManyToManyField(Cluster, related_name="actions", blank=True,
                                      verbose_name=_("clusters"))
    archived = models.BooleanField(_("archived"), default=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["target_date", "title"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(condition=models.Q(target_date__gte=models.F("start_date")),
                                   name="action_target_after_start",
                                   violation_error_message=_(
                                       "The target date cannot be before the start date.")),
            models.CheckConstraint(condition=models.Q(budget__isnull=True)
                                   | ~models.Q(currency=""),
                                   name="action_budget_has_currency",
                                   violation_error_message=_(
                                       "Give the currency of the budget.")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracking:action_detail", args=[self.pk])


# Indicators, progress updates and evidence (their own module, registered here).
from .progress_models import (  # noqa: E402,F401
    Evidence,
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    ProgressState,
    ProgressUpdate,
)
