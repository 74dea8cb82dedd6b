"""Who may do what: the one module that views, forms, exports, imports, templates, the admin
and (later) the API ask. Nothing else reads a person's role.

Two kinds of answers, both here:

- **Predicates** (`can_<operation>(user[, obj])` → bool) decide a write or a page. Templates
  reach them as `{% if user|can:"manage_entities" %}` (templatetags/permissions.py), so a
  button shows only to those whom the view lets in.
- **Narrowing** (`<things>_visible_to(queryset, user)` → queryset) decides which rows a person
  may read. Each model's queryset exposes it as `.visible_to(user)`, so that a list, a
  detail page (404 for a row one may not see), an export and the API all get the same rows.

Plain functions rather than the `rules` library: every predicate is a line or two over the
role, they are found by name (`can_<operation>`) without a registry of strings, and
narrowing — which `rules` does not do — needs plain queryset code anyway (see
docs/developer-guide.md, "Permissions").

The module knows other apps' models only by their field names (`archived`,
`memberships__user`), never by import: the apps' querysets call in here, not the reverse.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from .models import Role

SECRETARIAT = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})


def role_of(user) -> str | None:
    """The role that counts: None for anonymous and disabled accounts; a superuser is an
    administrator whatever the field says."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def is_secretariat(user) -> bool:
    """The NMIRF's own staff: the administrator and the coordinator(s)."""
    return role_of(user) in SECRETARIAT


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def is_focal_point(user) -> bool:
    return role_of(user) == Role.FOCAL_POINT


def is_observer(user) -> bool:
    return role_of(user) == Role.OBSERVER


def has_role_among(user, roles) -> bool:
    """Whether the person's role is one of `roles` (role names as text, from settings such
    as NMIRF_REQUIRE_2FA_ROLES)."""
    role = role_of(user)
    return role is not None and role in set(roles)


def require(allowed: bool) -> None:
    """A view's gate: `require(can_<operation>(user))` answers 403 where it is refused."""
    if not allowed:
        raise PermissionDenied


# ── The registry ─────────────────────────────────────────────────────────────────────────

def can_view_registry(user) -> bool:
    """Everyone with an account reads the registry's pages (the public portal comes later):
    the NMIRF's staff and the focal points all of it, observers what is shared with them
    (`recommendations_visible_to`)."""
    return role_of(user) is not None


def reads_whole_registry(user) -> bool:
    """The secretariat and the focal points read every recommendation (shared internally);
    observers — the NHRI and civil society — only what the coordinator shared with them.
    The list page asks this before narrowing its in-memory selection to the rows
    `recommendations_visible_to` gives (recommendations/facets.selection_base)."""
    return is_secretariat(user) or is_focal_point(user)


def _shared(recommendations):
    """The recommendations shared with observers (nmirf.consultation.Sharing): by their own
    sharing, or as members of an active cluster that is shared."""
    model = recommendations.model
    in_shared_clusters = model.objects.filter(
        clusters__archived=False, clusters__sharing__shared=True).values("pk")
    return recommendations.filter(Q(sharing__shared=True) | Q(pk__in=in_shared_clusters))


def _shared_recommendations_of(queryset, field: str):
    """All the recommendations shared with observers, reached from a queryset of a model
    whose `field` points at recommendations."""
    return _shared(queryset.model._meta.get_field(field).related_model.objects.all())


def recommendations_visible_to(queryset, user):
    """The secretariat and focal points read every recommendation; observers the shared
    ones (archived ones too, as everyone: lists show the active ones); anonymous none."""
    if reads_whole_registry(user):
        return queryset
    if role_of(user) is not None:
        return _shared(queryset)
    return queryset.none()


def can_export_registry(user) -> bool:
    """Any list one reads, one may take away (CSV, XLSX, JSON): the export is narrowed by
    `recommendations_visible_to` as the list is, and carries tracking's columns only for
    whoever `can_view_assignments`."""
    return can_view_registry(user)


def can_edit_recommendations(user) -> bool:
    """Changing what a recommendation says (the admin) is the administrator's: the text came
    from a source, and an import is the usual way to correct it."""
    return is_administrator(user)


def can_resolve_duplicates(user) -> bool:
    """Deciding that two recommendations are one is the secretariat's call."""
    return is_secretariat(user)


def can_review_suggestions(user) -> bool:
    """Accepting or rejecting the labels a model suggests (nmirf/assist) writes the
    registry's classification: the secretariat, as for duplicates."""
    return is_secretariat(user)


def can_edit_reference_data(user) -> bool:
    return is_administrator(user)


# ── Imports ──────────────────────────────────────────────────────────────────────────────

def can_import(user) -> bool:
    """Imports change the registry: only the NMIRF secretariat runs them."""
    return is_secretariat(user)


def can_view_import_run(user, run) -> bool:
    return can_import(user)


def import_runs_visible_to(queryset, user):
    return queryset if can_import(user) else queryset.none()


# ── Accounts and the audit trail ────────────────────────────────────────────────────────

def can_manage_accounts(user) -> bool:
    """Creating people, giving roles and unlocking sign-in are the administrator's."""
    return is_administrator(user)


def can_view_audit_log(user) -> bool:
    """The whole audit trail (sign-ins, addresses, accounts) in the admin: the administrator."""
    return is_administrator(user)


def can_view_change_log(user) -> bool:
    """The log of what people changed in the registry and in tracking (no sign-ins, no
    addresses): the secretariat."""
    return is_secretariat(user)


def audit_events_visible_to(queryset, user, *, change_actions=(), narrowed_targets=()):
    """The administrator reads every event; a coordinator the changes people made to the
    registry and to tracking (`change_actions`, given by the audit app), not the security
    events of accounts, and not the changes to an object the coordinator may not read
    (`narrowed_targets`: (content type, model) of the models whose readers are fewer than
    the secretariat, given by the audit app — a draft progress update is its entity's own
    until it is submitted, and its text must not show in the log either); everyone else
    none."""
    if is_administrator(user):
        return queryset
    if not can_view_change_log(user):
        return queryset.none()
    queryset = queryset.filter(action__in=list(change_actions))
    for content_type, model in narrowed_targets:
        objects = model._default_manager
        hidden = objects.exclude(pk__in=objects.visible_to(user).values("pk")).annotate(
            target_key=Cast("pk", CharField())).values("target_key")
        queryset = queryset.exclude(target_type=content_type, target_id__in=hidden)
    return queryset


def can_view_history(user, obj) -> bool:
    """An object's history is shown to whoever may read the object itself."""
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


# ── Tracking: entities and the people who belong to them ────────────────────────────────

def _active_unless_secretariat(queryset, user):
    """The tracking objects that are archived rather than deleted (entities, clusters,
    actions): the secretariat sees them all, everyone else signed in the active ones."""
    if is_secretariat(user):
        return queryset
    if role_of(user) is not None:
        return queryset.filter(archived=False)
    return queryset.none()


def can_view_entities(user) -> bool:
    """Everyone with an account reads the directory of institutions."""
    return role_of(user) is not None


def can_manage_entities(user) -> bool:
    """Creating, editing, moving and archiving institutions, and naming their focal points,
    is the secretariat's."""
    return is_secretariat(user)


def entities_visible_to(queryset, user):
    """The secretariat sees every entity, archived ones too; focal points and observers the
    active ones (they work with, and comment on, what other institutions do)."""
    return _active_unless_secretariat(queryset, user)


def memberships_visible_to(queryset, user):
    if is_secretariat(user):
        return queryset
    if role_of(user) is not None:
        return queryset.filter(ended=False, entity__archived=False)
    return queryset.none()


def can_be_focal_point(user) -> bool:
    """Only an active account with the focal-point role belongs to an entity as its focal
    point or deputy."""
    return is_focal_point(user)


def can_belong_to(user, entity) -> bool:
    """Focal points belong to any entity; an observer to an NHRI or civil-society entity,
    on whose behalf they comment (nothing else of an entity's work is theirs to do)."""
    if is_focal_point(user):
        return True
    return is_observer(user) and entity.kind in OBSERVER_ENTITY_KINDS


def is_member_of(user, entity) -> bool:
    """Whether `user` is a (current) focal point or deputy of `entity`."""
    if role_of(user) is None:
        return False
    return entity.memberships.filter(user=user, ended=False).exists()


# ── Tracking: clusters ──────────────────────────────────────────────────────────────────

def can_manage_clusters(user) -> bool:
    """Grouping recommendations into clusters is the secretariat's."""
    return is_secretariat(user)


def can_view_clusters(user) -> bool:
    return role_of(user) is not None


def clusters_visible_to(queryset, user):
    """Clusters are shared internally: the secretariat reads them all, archived ones too;
    focal points the active ones; observers the active ones shared with them."""
    if is_observer(user):
        return queryset.filter(archived=False, sharing__shared=True)
    return _active_unless_secretariat(queryset, user)


# ── Tracking: assignments and implementation status ─────────────────────────────────────

def can_assign(user) -> bool:
    """Naming the lead and supporting entities (one by one or in bulk) is the secretariat's."""
    return is_secretariat(user)


def can_view_assignments(user) -> bool:
    """Who does what is shared internally: everyone signed in reads it."""
    return role_of(user) is not None


def assignments_visible_to(queryset, user):
    """Who does what: everyone inside reads it all; an observer only for the
    recommendations and clusters shared with them."""
    if reads_whole_registry(user):
        return queryset
    if role_of(user) is not None:
        return queryset.filter(
            Q(recommendation__in=_shared_recommendations_of(queryset, "recommendation"))
            | Q(cluster__archived=False, cluster__sharing__shared=True))
    return queryset.none()


def statuses_visible_to(queryset, user):
    """A recommendation's status is read with the recommendation."""
    if reads_whole_registry(user):
        return queryset
    if role_of(user) is not None:
        return queryset.filter(
            recommendation__in=_shared_recommendations_of(queryset, "recommendation"))
    return queryset.none()


def can_view_my_recommendations(user) -> bool:
    """The page of what one's entities must do: the focal points' (others belong to none)."""
    return role_of(user) is not None


def can_set_status(user, recommendation) -> bool:
    """The secretariat, and the focal points of the recommendation's lead entity (its own
    lead, or without one the leads of its clusters: tracking's
    `Assignment.objects.lead_entity_ids`, reached through the related manager so that
    this module imports no app)."""
    if is_secretariat(user):
        return True
    if not is_focal_point(user):
        return False
    leads = recommendation.assignments.model.objects.lead_entity_ids(recommendation)
    return bool(leads) and user.memberships.filter(
        ended=False, entity_id__in=leads, entity__archived=False).exists()


# ── Tracking: actions (the implementation plan) ─────────────────────────────────────────

def can_view_actions(user) -> bool:
    """The plan is shared internally: everyone signed in reads it."""
    return role_of(user) is not None


def actions_visible_to(queryset, user):
    """Everyone inside reads the active actions, the secretariat the archived ones too; an
    observer the active actions that implement a recommendation or cluster shared with
    them (the context of the published progress they read)."""
    if is_observer(user):
        shared = queryset.model.objects.filter(
            Q(recommendations__in=_shared_recommendations_of(queryset, "recommendations"))
            | Q(clusters__archived=False, clusters__sharing__shared=True))
        return queryset.filter(archived=False, pk__in=shared.values("pk"))
    return _active_unless_secretariat(queryset, user)


def can_plan_actions(user) -> bool:
    """The secretariat, and focal points (for the entities they belong to: see
    `entities_for_actions`)."""
    return is_secretariat(user) or is_focal_point(user)


def entities_for_actions(queryset, user):
    """The entities `user` may make responsible for an action: any active one for the
    secretariat, the focal point's own (current membership) for a focal point."""
    if is_secretariat(user):
        return queryset.filter(archived=False)
    if is_focal_point(user):
        return queryset.filter(archived=False, memberships__user=user,
                               memberships__ended=False).distinct()
    return queryset.none()


def can_edit_action(user, action) -> bool:
    """The secretariat, and the focal points of the action's responsible entity."""
    if is_secretariat(user):
        return True
    return is_focal_point(user) and not action.responsible_entity.archived and \
        is_member_of(user, action.responsible_entity)


# ── Tracking: indicators, progress updates and their evidence ───────────────────────────

def indicators_visible_to(queryset, user):
    """An indicator is read with its action: everyone signed in reads the active ones of
    the active actions; the secretariat the archived ones too."""
    if is_secretariat(user):
        return queryset
    if is_observer(user):
        actions = queryset.model._meta.get_field("action").related_model.objects.all()
        return queryset.filter(archived=False, action__in=actions_visible_to(actions, user))
    if role_of(user) is not None:
        return queryset.filter(archived=False, action__archived=False)
    return queryset.none()


def can_edit_indicators(user, action) -> bool:
    """Those who may edit the action define what it measures."""
    return can_edit_action(user, action)


def can_write_progress(user, action) -> bool:
    """Progress on an action is reported by the focal points of its responsible entity (the
    secretariat reviews it: it does not report to itself)."""
    return is_focal_point(user) and not action.archived and \
        not action.responsible_entity.archived and is_member_of(user, action.responsible_entity)


def can_edit_progress(user, update) -> bool:
    """A draft, or an update returned for changes, by the focal points of its action's
    entity; once submitted it waits for the secretariat."""
    return update.state in ("draft", "returned") and can_write_progress(user, update.action)


def can_submit_progress(user, update) -> bool:
    return can_edit_progress(user, update)


def can_review_progress(user, update=None) -> bool:
    """Returning or validating a submitted update, and the review queue: the secretariat."""
    return is_secretariat(user)


def can_publish_progress(user, update=None) -> bool:
    """Publishing a validated update (observers then read it): the secretariat."""
    return is_secretariat(user)


def can_filter_by_validated_progress(user) -> bool:
    """The registry's "has validated progress" filter and facet count validated updates,
    which are internal until published: the secretariat and the focal points (who read
    every validated update). For observers the value is refused like an unknown one, so
    that typing it in the address tells nothing of what is not published."""
    return reads_whole_registry(user)


def progress_updates_visible_to(queryset, user):
    """The secretariat reads every update once submitted (a draft is its author's entity's
    own); the focal points of the action's entity every one of theirs, and the validated
    and published updates of others; observers the published ones of the actions they may
    read (those of what is shared with them). Only on the actions the person may read."""
    role = role_of(user)
    if role is None:
        return queryset.none()
    if is_secretariat(user):
        return queryset.exclude(state="draft")
    queryset = queryset.filter(action__archived=False)
    if is_focal_point(user):
        own = Q(action__responsible_entity__memberships__user=user,
                action__responsible_entity__memberships__ended=False)
        return queryset.filter(
            Q(state__in=("validated", "published"))
            | Q(pk__in=queryset.model.objects.filter(own).values("pk")))
    actions = queryset.model._meta.get_field("action").related_model.objects.all()
    return queryset.filter(state="published", action__in=actions_visible_to(actions, user))


def can_view_progress_history(user, update) -> bool:
    """The drafting and review of an update (its earlier texts, the secretariat's comments
    when it returned it) are between the focal points of its action's entity and the
    secretariat: those who read it once validated or published (other entities' focal
    points, observers) read it as it is, without that history."""
    if is_secretariat(user):
        return True
    return is_focal_point(user) and is_member_of(user, update.action.responsible_entity)


def can_view_progress(user, update) -> bool:
    return type(update)._default_manager.visible_to(user).filter(pk=update.pk).exists()


def evidence_visible_to(queryset, user):
    """A file is read by whoever reads its update; an archived one by the secretariat."""
    updates = progress_updates_visible_to(
        queryset.model._meta.get_field("update").related_model.objects.all(), user)
    queryset = queryset.filter(update__in=updates)
    return queryset if is_secretariat(user) else queryset.filter(archived=False)


def can_attach_evidence(user, update) -> bool:
    return can_edit_progress(user, update)


# ── Follow-up calendar (nmirf/followup) ─────────────────────────────────────────────────

def can_view_calendar(user) -> bool:
    """The deadlines (calendar, overdue view, feed): the secretariat and the focal points,
    who plan the work; observers follow what is shared with them, not the internal dates."""
    return is_secretariat(user) or is_focal_point(user)


def can_filter_by_overdue(user) -> bool:
    """The registry's "overdue" filter and facet read the internal calendar's dates: those
    who see the calendar. For anyone else the value is refused like an unknown one."""
    return can_view_calendar(user)


def can_manage_follow_up(user) -> bool:
    """Per-mechanism follow-up settings, flagging recommendations for a treaty body's
    follow-up procedure and marking a report as submitted: the secretariat."""
    return is_secretariat(user)


def deadline_entities_of(user):
    """Whose deadlines are `user`'s own ("mine", the feed, reminders): None for the
    secretariat (every deadline), the ids of the entities a focal point currently belongs
    to (a queryset of ids), nothing for anyone else."""
    if is_secretariat(user):
        return None
    if is_focal_point(user):
        return set(user.memberships.filter(ended=False, entity__archived=False)
                   .values_list("entity_id", flat=True))
    return set()


# ── Consultation: what is shared with observers, and their comments ─────────────────────

# The kinds of entity whose members follow the work as observers (tracking.OBSERVER_KINDS,
# by value: this module imports no app; a test keeps the two the same).
OBSERVER_ENTITY_KINDS = ("nhri", "civil_society")


def can_share_with_observers(user) -> bool:
    """Deciding what the NHRI and civil society read is the secretariat's."""
    return is_secretariat(user)


def sharings_visible_to(queryset, user):
    """Whether something is shared, and who shared it: the secretariat's own record."""
    return queryset if is_secretariat(user) else queryset.none()


def commenting_memberships(user):
    """The person's current memberships of an active NHRI or civil-society entity (those a
    comment is sent on behalf of)."""
    return user.memberships.filter(ended=False, entity__archived=False,
                                   entity__kind__in=OBSERVER_ENTITY_KINDS)


def can_comment(user, recommendation=None) -> bool:
    """Observers comment: an account with the observer role, or a member of an NHRI or
    civil-society entity; on a recommendation they can read (a role observer: one shared
    with them). Whether that recommendation takes comments now (shared, not archived) is
    the consultation service's check, which says why in words."""
    role = role_of(user)
    if role is None:
        return False
    if role != Role.OBSERVER and not commenting_memberships(user).exists():
        return False
    if recommendation is None:
        return True
    return type(recommendation)._default_manager.visible_to(user).filter(
        pk=recommendation.pk).exists()


def can_moderate_comments(user, comment=None) -> bool:
    """The coordinator (and the administrator) decide which comments become visible."""
    return is_secretariat(user)


def can_view_comment_list(user) -> bool:
    """The "Comments" page in the menu: the moderation queue of the secretariat, an
    observer's own comments. (A member of an NHRI or civil-society entity with another
    role reaches it from a recommendation's page: asking their memberships on every page
    would cost each page a query.)"""
    return is_secretariat(user) or is_observer(user)


def comments_visible_to(queryset, user):
    """The secretariat reads every comment, whatever its state; everyone else signed in the
    approved comments on the recommendations they read, and their own (pending, rejected
    with the reason) there too. Nobody else sees a pending comment."""
    if is_secretariat(user):
        return queryset
    if role_of(user) is None:
        return queryset.none()
    recommendations = queryset.model._meta.get_field("recommendation").related_model.objects
    return queryset.filter(
        Q(state="approved") | Q(author=user),
        recommendation__in=recommendations_visible_to(recommendations.all(), user))


# ── Saved views (nmirf/saved_views): a person's own named lists ─────────────────────────

def can_save_views(user) -> bool:
    """Whoever reads the registry's list may name a list of it for later."""
    return can_view_registry(user)


def saved_views_visible_to(queryset, user):
    """Saved views are their owner's alone: nobody else reads them, not even the
    secretariat (another person's id is "not found")."""
    if not can_save_views(user):
        return queryset.none()
    return queryset.filter(owner=user)


def can_edit_saved_view(user, view) -> bool:
    return can_save_views(user) and view.owner_id == user.pk
