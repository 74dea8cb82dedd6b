"""Who may do what, page by page: every URL name of the project × every role, by direct
URL, with what each role gets (the page, a redirect to sign in, 403, or 404 for an object
it may not see) and, for every refused POST, the database unchanged. A URL name that is
neither in ROWS nor in EXEMPT fails `test_access_every_url_name_is_in_the_matrix`: a new
page cannot slip past. Named so that `pytest -k "permission or access"` selects them.

The focal point belongs to `own` (the Ministry of Justice); `other` is another entity
(the Ministry of Labour) with its own focal point. See access_matrix.py for the world."""

import pytest
from django.urls import reverse

from .access_matrix import (
    CALENDAR,
    EVERYONE_SIGNED_IN,
    FORBIDDEN,
    INDICATOR_FORM,
    LOGIN,
    NOT_FOUND,
    OBSERVERS,
    OK,
    OTHER_ENTITY,
    OWN_ENTITY,
    PROGRESS_FORM,
    PUBLIC,
    READ,
    REFUSALS,
    ROLES,
    SECRETARIAT,
    Exempt,
    Row,
    action_form,
    all_url_names,
    changed_tables,
    client_for,
    expect,
    pdf,
    snapshot,
)

# Reading a progress update depends on its state: a draft is its entity's focal points'
# own; once submitted the secretariat reads it; validated, every focal point too.
DRAFT_READERS = expect(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND)
SUBMITTED_READERS = expect(OK, OK, OK, NOT_FOUND)
OTHER_DRAFT = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
# Progress is reported by the focal points of the action's entity (the secretariat reviews
# it: it does not report to itself).
REPORTERS = expect(FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)
# What no one gets, signed in or not.
NOWHERE = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
# Someone's own things (a saved view of the focal point's): nobody else finds them.
OWNER_ONLY = expect(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND)
SIGNED_IN_NOWHERE = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)

ROWS = [
    # ── The site ──────────────────────────────────────────────────────────────────────
    Row("home", "redirect to the registry", "get", PUBLIC),
    Row("health", "for machines", "get", PUBLIC),
    Row("set_language", "choose French", "post", PUBLIC, writes=False,
        data=lambda w: {"language": "fr", "next": "/"}),
    # ── Accounts ──────────────────────────────────────────────────────────────────────
    Row("accounts:login", "the form", "get", PUBLIC),
    Row("accounts:account", "one's account", "get", EVERYONE_SIGNED_IN),
    Row("accounts:password_change", "the form", "get", EVERYONE_SIGNED_IN),
    Row("accounts:password_change", "a wrong old password", "post", expect(READ, READ, READ, READ),
        data=lambda w: {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}),
    Row("accounts:password_change_done", "the page", "get", EVERYONE_SIGNED_IN),
    Row("accounts:password_reset", "the form", "get", PUBLIC),
    Row("accounts:password_reset_done", "the page", "get", PUBLIC),
    Row("accounts:password_reset_confirm", "a forged token", "get", PUBLIC,
        kwargs=lambda w: {"uidb64": "MQ", "token": "forged-token"}),
    Row("accounts:password_reset_complete", "the page", "get", PUBLIC),
    Row("accounts:verify", "no second factor owed", "get", EVERYONE_SIGNED_IN),
    Row("accounts:enrol", "the form", "get", EVERYONE_SIGNED_IN),
    Row("accounts:recovery_codes", "without a device", "post", expect(READ, READ, READ, READ)),
    Row("accounts:disable_2fa", "without a device", "get", EVERYONE_SIGNED_IN),
    # ── The registry ──────────────────────────────────────────────────────────────────
    Row("recommendations:list", "the list", "get", EVERYONE_SIGNED_IN),
    Row("recommendations:facet", "every value of a facet", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"key": "review"}),
    Row("recommendations:detail", "a recommendation", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"pk": w.rec_own.pk}),
    Row("recommendations:detail", "an unshared one", "get",
        expect(OK, OK, OK, NOT_FOUND), kwargs=lambda w: {"pk": w.rec_other.pk}),
    Row("recommendations:detail", "one in a shared cluster", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"pk": w.rec_clustered.pk}),
    Row("recommendations:detail", "an archived unshared one", "get",
        expect(OK, OK, OK, NOT_FOUND), kwargs=lambda w: {"pk": w.rec_archived.pk}),
    # An observer's export holds only what is shared (tests/recommendations/test_exports.py).
    Row("recommendations:export", "the list as CSV", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"fmt": "csv"}),
    Row("recommendations:export", "the list as XLSX, narrowed", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"fmt": "xlsx"}, query="position=noted"),
    Row("recommendations:resolve_duplicate", "keep as separate", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_dup.pk}, data=lambda w: {"decision": "different"}),
    Row("recommendations:merge_duplicate", "what a merge would do", "get", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_dup.pk}),
    Row("recommendations:merge_duplicate", "merge", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_dup.pk}),
    Row("recommendations:undo_merge", "undo a merge", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.merge.pk}),
    Row("recommendations:settle_positions", "the position shown stands", "post",
        SECRETARIAT, kwargs=lambda w: {"pk": w.rec_positions.pk}),
    # ── Suggested labels (nmirf/assist): the secretariat decides ──────────────────────
    Row("assist:decide", "accept a suggestion", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_own.pk, "suggestion_pk": w.suggestion.pk},
        data=lambda w: {"decision": "accept"}),
    Row("assist:decide", "reject a suggestion", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_own.pk, "suggestion_pk": w.suggestion.pk},
        data=lambda w: {"decision": "reject"}),
    Row("assist:decide", "a suggestion of another recommendation", "post",
        expect(NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        kwargs=lambda w: {"pk": w.rec_other.pk, "suggestion_pk": w.suggestion.pk},
        data=lambda w: {"decision": "accept"}),
    Row("assist:review_from_list", "the preview", "get", SECRETARIAT),
    Row("assist:review_from_list", "accept a label for the whole list", "post", SECRETARIAT,
        data=lambda w: {"query": "", "label": f"term:{w.suggestion.term_id}",
                        "decision": "accept"}),
    # ── Imports and the change log ────────────────────────────────────────────────────
    Row("ingest:run_list", "the list", "get", SECRETARIAT),
    Row("ingest:run_list", "a form without files", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), data=lambda w: {"source": "upr_info"}),
    Row("ingest:run_detail", "a run", "get", SECRETARIAT, kwargs=lambda w: {"pk": w.run.pk}),
    Row("ingest:retry", "a run that is not retryable", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.run.pk}),
    Row("ingest:template", "the blank template", "get", EVERYONE_SIGNED_IN),
    Row("audit:log", "the change log", "get", SECRETARIAT),
    # ── Entities and their focal points ───────────────────────────────────────────────
    Row("tracking:entity_list", "the tree", "get", EVERYONE_SIGNED_IN),
    Row("tracking:entity_detail", "own entity", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"pk": w.own.pk}),
    Row("tracking:entity_detail", "an archived entity", "get",
        expect(OK, OK, NOT_FOUND, NOT_FOUND), kwargs=lambda w: {"pk": w.old.pk}),
    Row("tracking:entity_create", "the form", "get", SECRETARIAT),
    Row("tracking:entity_create", "a new ministry", "post", SECRETARIAT,
        data=lambda w: {"name": "Ministry of Health", "kind": "ministry", "parent": ""}),
    Row("tracking:entity_edit", "own entity", "get", SECRETARIAT,
        kwargs=lambda w: {"pk": w.own.pk}),
    Row("tracking:entity_edit", "own entity", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.own.pk},
        data=lambda w: {"name": "Ministry of Justice and Law", "kind": "ministry",
                        "parent": ""}),
    Row("tracking:entity_archive", "another entity", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.other.pk}),
    Row("tracking:entity_restore", "an archived entity", "post",
        expect(OK, OK, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.old.pk}),
    Row("tracking:member_add", "to own entity", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.own.pk}, data=lambda w: {"user": w.olga.pk}),
    Row("tracking:member_end", "another entity's focal point", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.other.pk, "membership_pk": w.other_membership.pk}),
    Row("tracking:member_deputy", "own entity's focal point", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.own.pk, "membership_pk": w.own_membership.pk}),
    # ── Clusters ──────────────────────────────────────────────────────────────────────
    Row("tracking:cluster_list", "the list", "get", EVERYONE_SIGNED_IN),
    Row("tracking:cluster_detail", "an unshared cluster", "get",
        expect(OK, OK, OK, NOT_FOUND), kwargs=lambda w: {"pk": w.cluster.pk}),
    Row("tracking:cluster_detail", "a shared cluster", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"pk": w.shared_cluster.pk}),
    Row("tracking:cluster_detail", "an archived cluster", "get",
        expect(OK, OK, NOT_FOUND, NOT_FOUND), kwargs=lambda w: {"pk": w.archived_cluster.pk}),
    Row("tracking:cluster_create", "the form", "get", SECRETARIAT),
    Row("tracking:cluster_create", "a new cluster", "post", SECRETARIAT,
        data=lambda w: {"title": "Wages", "description": ""}),
    Row("tracking:cluster_edit", "a cluster", "get", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk}),
    Row("tracking:cluster_edit", "a cluster", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk},
        data=lambda w: {"title": "Policing and justice", "description": ""}),
    Row("tracking:cluster_archive", "a cluster", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk}, data=lambda w: {"archived": "1"}),
    Row("tracking:cluster_remove", "a recommendation", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk, "recommendation_pk": w.rec_own.pk}),
    Row("tracking:cluster_add_one", "a recommendation", "post", SECRETARIAT,
        kwargs=lambda w: {"recommendation_pk": w.rec_other.pk},
        data=lambda w: {"cluster": w.cluster.pk}),
    Row("tracking:cluster_from_list", "the preview", "get", SECRETARIAT),
    Row("tracking:cluster_from_list", "the whole list", "post", SECRETARIAT,
        data=lambda w: {"query": "", "cluster": w.cluster.pk}),
    # ── Assignments and implementation status ─────────────────────────────────────────
    Row("tracking:assign_from_list", "the preview", "get", SECRETARIAT),
    Row("tracking:assign_from_list", "the whole list", "post", SECRETARIAT,
        data=lambda w: {"query": "", "entity": w.other.pk, "role": "supporting"}),
    Row("tracking:assign_one", "own entity's recommendation", "post", SECRETARIAT,
        kwargs=lambda w: {"recommendation_pk": w.rec_own.pk},
        data=lambda w: {"entity": w.other.pk, "role": "supporting"}),
    Row("tracking:assign_cluster", "a cluster", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk},
        data=lambda w: {"entity": w.own.pk, "role": "lead"}),
    Row("tracking:assignment_end", "another entity's assignment", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.assignment_other.pk}),
    Row("tracking:my_recommendations", "the page", "get", EVERYONE_SIGNED_IN),
    Row("tracking:status_edit", "own entity leads", "get", OWN_ENTITY,
        kwargs=lambda w: {"recommendation_pk": w.rec_own.pk}),
    Row("tracking:status_edit", "own entity leads", "post", OWN_ENTITY,
        kwargs=lambda w: {"recommendation_pk": w.rec_own.pk},
        data=lambda w: {"status": "in_progress", "version": 0, "reason": "Begun."}),
    Row("tracking:status_edit", "another entity leads", "get", OTHER_ENTITY,
        kwargs=lambda w: {"recommendation_pk": w.rec_other.pk}),
    Row("tracking:status_edit", "another entity leads", "post", OTHER_ENTITY,
        kwargs=lambda w: {"recommendation_pk": w.rec_other.pk},
        data=lambda w: {"status": "in_progress", "version": 0, "reason": "Begun."}),
    Row("tracking:status_edit", "an archived recommendation", "post",
        expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        kwargs=lambda w: {"recommendation_pk": w.rec_archived.pk},
        data=lambda w: {"status": "in_progress", "version": 0, "reason": "Begun."}),
    # ── Actions ───────────────────────────────────────────────────────────────────────
    Row("tracking:action_list", "the plan", "get", EVERYONE_SIGNED_IN),
    Row("tracking:action_detail", "own entity's action (shared)", "get", EVERYONE_SIGNED_IN,
        kwargs=lambda w: {"pk": w.own_action.pk}),
    Row("tracking:action_detail", "another entity's action (unshared)", "get",
        expect(OK, OK, OK, NOT_FOUND), kwargs=lambda w: {"pk": w.other_action.pk}),
    Row("tracking:action_create", "the form", "get", OWN_ENTITY),
    Row("tracking:action_create", "for own entity", "post", OWN_ENTITY,
        data=lambda w: action_form(w.own)),
    Row("tracking:action_edit", "own entity's action", "get", OWN_ENTITY,
        kwargs=lambda w: {"pk": w.own_action.pk}),
    Row("tracking:action_edit", "own entity's action", "post", OWN_ENTITY,
        kwargs=lambda w: {"pk": w.own_action.pk},
        data=lambda w: action_form(w.own, w.own_action)),
    Row("tracking:action_edit", "another entity's action", "get", OTHER_ENTITY,
        kwargs=lambda w: {"pk": w.other_action.pk}),
    Row("tracking:action_edit", "another entity's action", "post", OTHER_ENTITY,
        kwargs=lambda w: {"pk": w.other_action.pk},
        data=lambda w: action_form(w.other, w.other_action)),
    Row("tracking:action_archive", "own entity's action", "post", OWN_ENTITY,
        kwargs=lambda w: {"pk": w.own_action.pk}, data=lambda w: {"archived": "1"}),
    Row("tracking:action_archive", "another entity's action", "post", OTHER_ENTITY,
        kwargs=lambda w: {"pk": w.other_action.pk}, data=lambda w: {"archived": "1"}),
    # ── Indicators ────────────────────────────────────────────────────────────────────
    Row("tracking:indicator_create", "on own entity's action", "get", OWN_ENTITY,
        kwargs=lambda w: {"action_pk": w.own_action.pk}),
    Row("tracking:indicator_create", "on another entity's action", "get", OTHER_ENTITY,
        kwargs=lambda w: {"action_pk": w.other_action.pk}),
    Row("tracking:indicator_create", "on own entity's action", "post", OWN_ENTITY,
        kwargs=lambda w: {"action_pk": w.own_action.pk}, data=lambda w: INDICATOR_FORM),
    Row("tracking:indicator_create", "on another entity's action", "post", OTHER_ENTITY,
        kwargs=lambda w: {"action_pk": w.other_action.pk}, data=lambda w: INDICATOR_FORM),
    Row("tracking:indicator_edit", "own entity's indicator", "get", OWN_ENTITY,
        kwargs=lambda w: {"pk": w.own_indicator.pk}),
    Row("tracking:indicator_edit", "another entity's indicator", "post", OTHER_ENTITY,
        kwargs=lambda w: {"pk": w.other_indicator.pk},
        data=lambda w: {**INDICATOR_FORM, "version": w.other_indicator.version}),
    Row("tracking:indicator_archive", "own entity's indicator", "post", OWN_ENTITY,
        kwargs=lambda w: {"pk": w.own_indicator.pk}, data=lambda w: {"archived": "1"}),
    Row("tracking:indicator_archive", "another entity's indicator", "post", OTHER_ENTITY,
        kwargs=lambda w: {"pk": w.other_indicator.pk}, data=lambda w: {"archived": "1"}),
    # ── Progress updates and evidence ─────────────────────────────────────────────────
    Row("tracking:progress_list", "the queue", "get", EVERYONE_SIGNED_IN),
    Row("tracking:progress_create", "on own entity's action", "get", REPORTERS,
        kwargs=lambda w: {"action_pk": w.own_action.pk}),
    Row("tracking:progress_create", "on own entity's action", "post", REPORTERS,
        kwargs=lambda w: {"action_pk": w.own_action.pk}, data=lambda w: PROGRESS_FORM),
    Row("tracking:progress_create", "on another entity's action", "post",
        expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"action_pk": w.other_action.pk}, data=lambda w: PROGRESS_FORM),
    Row("tracking:progress_detail", "own draft", "get", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_draft.pk}),
    Row("tracking:progress_detail", "own submitted update", "get", SUBMITTED_READERS,
        kwargs=lambda w: {"pk": w.own_submitted.pk}),
    Row("tracking:progress_detail", "a validated update", "get",
        expect(OK, OK, OK, NOT_FOUND), kwargs=lambda w: {"pk": w.own_validated.pk}),
    Row("tracking:progress_detail", "another entity's draft", "get", OTHER_DRAFT,
        kwargs=lambda w: {"pk": w.other_draft.pk}),
    Row("tracking:progress_edit", "own draft", "get", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_draft.pk}),
    Row("tracking:progress_edit", "own draft", "post", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_draft.pk}, data=lambda w: PROGRESS_FORM),
    Row("tracking:progress_edit", "another entity's draft", "post", OTHER_DRAFT,
        kwargs=lambda w: {"pk": w.other_draft.pk}, data=lambda w: PROGRESS_FORM),
    Row("tracking:progress_edit", "own submitted update", "post",
        expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"pk": w.own_submitted.pk}, data=lambda w: PROGRESS_FORM),
    Row("tracking:progress_transition", "submit own draft", "post", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_draft.pk, "name": "submit"},
        data=lambda w: {"version": 0}),
    Row("tracking:progress_transition", "validate own submitted update", "post",
        expect(OK, OK, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"pk": w.own_submitted.pk, "name": "validate"},
        data=lambda w: {"version": 0}),
    Row("tracking:progress_transition", "validate another entity's update", "post",
        expect(OK, OK, NOT_FOUND, NOT_FOUND),
        kwargs=lambda w: {"pk": w.other_submitted.pk, "name": "validate"},
        data=lambda w: {"version": 0}),
    Row("tracking:progress_transition", "publish a validated update", "post",
        expect(OK, OK, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"pk": w.own_validated.pk, "name": "publish"},
        data=lambda w: {"version": 0}),
    Row("tracking:evidence_upload", "to own draft", "post", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_draft.pk}, data=lambda w: {"file": pdf()}),
    Row("tracking:evidence_upload", "to another entity's draft", "post", OTHER_DRAFT,
        kwargs=lambda w: {"pk": w.other_draft.pk}, data=lambda w: {"file": pdf()}),
    Row("tracking:evidence_download", "own draft's file", "get", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_evidence.pk}),
    Row("tracking:evidence_download", "another entity's draft's file", "get", OTHER_DRAFT,
        kwargs=lambda w: {"pk": w.other_evidence.pk}),
    Row("tracking:evidence_archive", "own draft's file", "post", DRAFT_READERS,
        kwargs=lambda w: {"pk": w.own_evidence.pk}, data=lambda w: {"archived": "1"}),
    Row("tracking:evidence_archive", "another entity's draft's file", "post", OTHER_DRAFT,
        kwargs=lambda w: {"pk": w.other_evidence.pk}, data=lambda w: {"archived": "1"}),
    # ── Consultation: sharing with observers, their comments, moderation ───────────────
    Row("consultation:comment_list", "the queue, or one's own comments", "get",
        expect(OK, OK, FORBIDDEN, OK)),
    Row("consultation:comment_list", "the rejected ones", "get",
        expect(OK, OK, FORBIDDEN, OK), query="state=rejected"),
    Row("consultation:comment_create", "the form on a shared recommendation", "get",
        OBSERVERS, kwargs=lambda w: {"pk": w.rec_own.pk}),
    Row("consultation:comment_create", "on a shared recommendation", "post", OBSERVERS,
        kwargs=lambda w: {"pk": w.rec_own.pk},
        data=lambda w: {"text": "The training has not started in Maribor."}),
    Row("consultation:comment_create", "on one in a shared cluster", "post", OBSERVERS,
        kwargs=lambda w: {"pk": w.rec_clustered.pk},
        data=lambda w: {"text": "Two defenders were threatened this year."}),
    Row("consultation:comment_create", "the form on an unshared recommendation", "get",
        expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"pk": w.rec_other.pk}),
    Row("consultation:comment_create", "on an unshared recommendation", "post",
        expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
        kwargs=lambda w: {"pk": w.rec_other.pk}, data=lambda w: {"text": "Tampered."}),
    Row("consultation:comment_moderate", "approve the observer's pending comment", "post",
        SECRETARIAT, kwargs=lambda w: {"pk": w.pending.pk},
        data=lambda w: {"decision": "approved"}),
    Row("consultation:comment_moderate", "reject another observer's pending comment",
        "post", SECRETARIAT, kwargs=lambda w: {"pk": w.others_pending.pk},
        data=lambda w: {"decision": "rejected", "reason": "Not about this recommendation."}),
    Row("consultation:comment_moderate", "reject without a reason", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.pending.pk},
        data=lambda w: {"decision": "rejected", "reason": ""}),
    Row("consultation:comment_moderate", "an approved comment again", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.approved.pk},
        data=lambda w: {"decision": "rejected", "reason": "Second thoughts."}),
    Row("consultation:comment_moderate", "a rejected comment", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN),
        kwargs=lambda w: {"pk": w.others_rejected.pk}, data=lambda w: {"decision": "approved"}),
    Row("consultation:share_recommendation", "an unshared recommendation", "post",
        SECRETARIAT, kwargs=lambda w: {"pk": w.rec_other.pk}, data=lambda w: {"shared": "1"}),
    Row("consultation:share_recommendation", "stop sharing a shared one", "post",
        SECRETARIAT, kwargs=lambda w: {"pk": w.rec_own.pk}, data=lambda w: {"shared": "0"}),
    Row("consultation:share_recommendation", "an archived one", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.rec_archived.pk},
        data=lambda w: {"shared": "1"}),
    Row("consultation:share_cluster", "an unshared cluster", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.cluster.pk}, data=lambda w: {"shared": "1"}),
    Row("consultation:share_cluster", "stop sharing a shared cluster", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.shared_cluster.pk}, data=lambda w: {"shared": "0"}),
    Row("consultation:share_cluster", "an archived cluster", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN),
        kwargs=lambda w: {"pk": w.archived_cluster.pk}, data=lambda w: {"shared": "1"}),
    Row("consultation:share_from_list", "the preview", "get", SECRETARIAT),
    Row("consultation:share_from_list", "the whole list", "post", SECRETARIAT,
        data=lambda w: {"query": "", "shared": "1"}),
    # ── The follow-up calendar ────────────────────────────────────────────────────────
    Row("followup:calendar", "the calendar", "get", CALENDAR),
    Row("followup:calendar", "one's own deadlines", "get", CALENDAR, query="mine=1"),
    Row("followup:overdue", "the overdue view", "get", CALENDAR),
    Row("followup:mark_done", "the UPR mid-term report", "post", SECRETARIAT,
        data=lambda w: {"key": w.deadline_key}),
    Row("followup:mark_done", "a key of no deadline", "post",
        expect(NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        data=lambda w: {"key": "mid_term:review:0"}),
    Row("followup:settings", "the settings per mechanism", "get", SECRETARIAT),
    Row("followup:setting_edit", "CAT's settings", "get", SECRETARIAT,
        kwargs=lambda w: {"pk": w.mechanism.pk}),
    Row("followup:setting_edit", "CAT's settings", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.mechanism.pk},
        data=lambda w: {"mid_term_years": "", "follow_up_reply_years": "1.5",
                        "periodicity_years": "4"}),
    Row("followup:setting_edit", "a negative period", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.mechanism.pk},
        data=lambda w: {"mid_term_years": "", "follow_up_reply_years": "-1",
                        "periodicity_years": "4"}),
    Row("followup:flag", "flag a recommendation", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_other.pk}, data=lambda w: {"flagged": "1"}),
    Row("followup:flag", "an archived recommendation", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.rec_archived.pk},
        data=lambda w: {"flagged": "1"}),
    Row("followup:flag", "lift a flag", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_flagged.pk}, data=lambda w: {"flagged": "0"}),
    Row("followup:replied", "a flagged recommendation", "post", SECRETARIAT,
        kwargs=lambda w: {"pk": w.rec_flagged.pk}, data=lambda w: {"replied_on": "2024-05-01"}),
    Row("followup:replied", "an unflagged recommendation", "post",
        expect(READ, READ, FORBIDDEN, FORBIDDEN), kwargs=lambda w: {"pk": w.rec_other.pk},
        data=lambda w: {"replied_on": "2024-05-01"}),
    Row("followup:flag_from_list", "the preview", "get", SECRETARIAT),
    Row("followup:flag_from_list", "the whole list", "post", SECRETARIAT,
        data=lambda w: {"query": ""}),
    Row("followup:feed", "one's feed address", "get", CALENDAR),
    Row("followup:feed", "a new address", "post", CALENDAR),
    # The secretariat's personas hold no feed: revoking it changes nothing.
    Row("followup:feed", "revoke it", "post", expect(READ, READ, OK, FORBIDDEN),
        data=lambda w: {"action": "revoke"}),
    # The feed is read by calendar programs, without a session: the secret in the address
    # is the key, whoever holds it (its owner's deadlines: test_access_a_feed_...).
    Row("followup:feed_ics", "the focal point's secret", "get", PUBLIC,
        kwargs=lambda w: {"token": w.feed_token}),
    Row("followup:feed_ics", "a secret replaced by a new one", "get", NOWHERE,
        kwargs=lambda w: {"token": w.old_token}),
    Row("followup:feed_ics", "a secret of nothing", "get", NOWHERE,
        kwargs=lambda w: {"token": "not-a-secret-of-anyone"}),
    Row("followup:feed_ics", "an observer's secret", "get", NOWHERE,
        kwargs=lambda w: {"token": w.observer_token}),
    # ── Saved views: each person's own (another's is not there for them) ─────────────
    Row("saved_views:list", "one's saved views", "get", EVERYONE_SIGNED_IN),
    Row("saved_views:create", "the list being read", "post", EVERYONE_SIGNED_IN,
        data=lambda w: {"name": "Supported", "query": "position=supported&page=2"}),
    Row("saved_views:create", "a filter the list does not have", "post",
        expect(READ, READ, READ, READ), writes=False,
        data=lambda w: {"name": "Odd", "query": "colour=red"}),
    Row("saved_views:rename", "the focal point's view", "post", OWNER_ONLY,
        kwargs=lambda w: {"pk": w.own_view.pk}, data=lambda w: {"name": "Renamed"}),
    Row("saved_views:rename", "another person's view", "post", SIGNED_IN_NOWHERE,
        kwargs=lambda w: {"pk": w.other_view.pk}, data=lambda w: {"name": "Mine now"}),
    Row("saved_views:delete", "the focal point's view", "post", OWNER_ONLY,
        kwargs=lambda w: {"pk": w.own_view.pk}),
    Row("saved_views:delete", "another person's view", "post", SIGNED_IN_NOWHERE,
        kwargs=lambda w: {"pk": w.other_view.pk}),
]

# URL names the matrix does not request, each with where it is tested instead.
EXEMPT = [
    Exempt("admin:", "the Django admin: walked by test_access_the_admin_is_the_administrators "
           "below (every admin URL name, its own rules per model in tests/core/test_admin.py)",
           prefix=True),
    Exempt("accounts:logout", "signing out lands everyone on the sign-in page and records "
           "the sign-out in the audit trail: tests/accounts/test_login.py"),
]


def request(client, row, world):
    url = reverse(row.url_name, kwargs=row.kwargs(world))
    if row.query:
        url += "?" + row.query
    if row.method == "post":
        return client.post(url, row.data(world))
    return client.get(url)


def check(response, outcome, before, after, row, role):
    where = f"{row.id} as {role}: {response.status_code} {response.get('Location', '')}"
    if outcome in (OK, READ):
        assert response.status_code in (200, 302), where
        if response.status_code == 302:
            assert "/login/" not in response["Location"], where
        wrote = changed_tables(before, after)
        if row.method == "post" and outcome == OK and row.writes:
            assert wrote, f"{where}: nothing was written"
        else:  # a GET never writes, nor a POST that shows the form again
            assert not wrote, f"{where}: wrote {wrote}"
    elif outcome == LOGIN:
        assert response.status_code == 302 and "/login/" in response["Location"], where
        assert changed_tables(before, after) == [], where
    else:
        assert response.status_code == outcome, where
        assert changed_tables(before, after) == [], where


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_permission_matrix(world, row, role):
    client = client_for(world, role)
    before = snapshot()
    response = request(client, row, world)
    check(response, row.expected[role], before, snapshot(), row, role)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_access_a_disabled_account_gets_what_anonymous_gets(world, row):
    """A coordinator whose account was disabled while signed in: every page answers as
    to someone signed out, and nothing is written."""
    client = client_for(world, "coordinator")
    world.coordinator.is_active = False
    world.coordinator.save()
    before = snapshot()
    response = request(client, row, world)
    check(response, row.expected["anonymous"], before, snapshot(), row, "disabled")


WRITES = [row for row in ROWS if row.method == "post" and row.writes
          and any(row.expected[role] == OK for role in ROLES)]


@pytest.mark.parametrize("row", WRITES, ids=lambda row: row.id)
def test_access_refused_without_a_csrf_token(world, row):
    """Every form that writes, posted without its CSRF token by someone who may post it:
    403, nothing written."""
    role = next(role for role in ROLES if row.expected[role] == OK)
    client = client_for(world, role, enforce_csrf_checks=True)
    before = snapshot()
    response = request(client, row, world)
    assert response.status_code == 403, row.id
    assert changed_tables(before, snapshot()) == []


def admin_kwargs(name: str, world) -> dict:
    """The kwargs of an admin URL name: an existing object of its model where it takes one
    (0 where the world has none: the admin answers with a message)."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    pattern = next(p for p in admin_patterns() if f"admin:{p.name}" == name)
    keys = set(pattern.pattern.regex.groupindex)
    if not keys:
        return {}
    if keys == {"app_label"}:
        return {"app_label": "tracking"}
    if keys == {"content_type_id", "object_id"}:
        return {"content_type_id": ContentType.objects.get_for_model(world.own).pk,
                "object_id": world.own.pk}
    if name == "admin:auth_user_password_change":
        return {"id": world.observer.pk}
    app_model = name.removeprefix("admin:").rsplit("_", 1)[0]
    model = next(m for m in apps.get_models()
                 if f"{m._meta.app_label}_{m._meta.model_name}" == app_model)
    first = model._default_manager.order_by("pk").first()
    return {"object_id": first.pk if first else 0}


def admin_patterns():
    from django.contrib import admin

    return [p for p in admin.site.urls[0] if getattr(p, "name", None)] + [
        p for resolver in admin.site.urls[0] if hasattr(resolver, "url_patterns")
        for p in resolver.url_patterns if p.name]


ADMIN_NAMES = sorted(name for name in all_url_names() if name.startswith("admin:"))
# The admin's own sign-in and sign-out pages answer everyone.
ADMIN_OPEN = {"admin:login", "admin:logout"}


@pytest.mark.parametrize("role", ROLES)
def test_access_the_admin_is_the_administrators(world, role):
    """Every admin URL name: only the administrator is let in (system settings, reference
    data, accounts); the coordinator, focal points and observers are sent to the admin's
    sign-in page, and a POST by them to any add, change or delete page writes nothing."""
    client = client_for(world, role)
    wrong = []
    for name in ADMIN_NAMES:
        if name in ADMIN_OPEN:
            continue
        url = reverse(name, kwargs=admin_kwargs(name, world))
        response = client.get(url)
        if role == "administrator":
            if response.status_code >= 500 or "/login/" in response.get("Location", ""):
                wrong.append(f"GET {name}: {response.status_code}")
            continue
        if response.status_code != 302 or "/login/" not in response["Location"]:
            wrong.append(f"GET {name}: {response.status_code} {response.get('Location', '')}")
        if name.endswith(("_add", "_change", "_delete")):
            before = snapshot()
            response = client.post(url, {"post": "yes", "name": "Tampered"})
            if changed_tables(before, snapshot()) or response.status_code != 302:
                wrong.append(f"POST {name}: {response.status_code} wrote something")
    assert wrong == []


def test_access_every_url_name_is_in_the_matrix():
    """A new page must say who may use it: add a Row (or an Exempt with the reason)."""
    known = {row.url_name for row in ROWS}
    missing = sorted(name for name in all_url_names()
                     if name not in known and not any(e.covers(name) for e in EXEMPT))
    assert missing == [], "add these URL names to ROWS in test_permission_matrix.py"
    stale = sorted(known - all_url_names())
    assert stale == [], "these rows name URLs that no longer exist"
    for exemption in EXEMPT:
        assert exemption.reason.strip(), exemption.url_name


def test_access_every_role_has_an_outcome_in_every_row():
    for row in ROWS:
        assert set(row.expected) == set(ROLES), row.id
        assert all(outcome in {OK, READ} | REFUSALS for outcome in row.expected.values()), row.id


# What observers may not read: nothing of `other` is shared with them, nor the `cluster`,
# nor validated (unpublished) progress, nor another observer's comments until approved.
UNSHARED_TEXTS = ["Raise the minimum wage.", "Raise the wage", "Wage level", "Policing",
                  "A validated update.", "A pending comment by otto-ombudsman.",
                  "A rejected comment by otto-ombudsman."]
OBSERVER_PAGES = [row for row in ROWS if row.method == "get" and row.expected["observer"] == OK
                  and row.url_name != "ingest:template"]  # a spreadsheet, of no one's data


@pytest.mark.parametrize("row", OBSERVER_PAGES, ids=lambda row: row.id)
def test_access_an_observer_reads_nothing_that_is_not_shared(world, row):
    """Every page an observer may open (and the page a redirect lands on) shows none of
    what is not shared with them: the rule of permissions._shared reaches each list,
    facet, detail and count, not only the 404 of a detail page."""
    client = client_for(world, "observer")
    response = request(client, row, world)
    if response.status_code == 302:
        response = client.get(response["Location"])
    # A download streams (an XLSX is compressed: its rows are tested in test_exports.py).
    html = (b"".join(response.streaming_content) if response.streaming
            else response.content).decode(errors="replace")
    assert [text for text in UNSHARED_TEXTS if text in html] == []


def comments_shown(world, role, url) -> set[str]:
    html = client_for(world, role).get(url).content.decode()
    return {f"{state} by {author}" for author in ("oscar-observer", "otto-ombudsman")
            for state in ("pending", "approved", "rejected")
            if f"A {state} comment by {author}." in html}


def test_access_comments_each_role_reads(world):
    """The secretariat reads every comment in its queue; an observer their own (pending,
    approved, rejected with the reason) and the approved ones of others on what is
    shared; a focal point the approved ones."""
    own = reverse("recommendations:detail", args=[world.rec_own.pk])
    clustered = reverse("recommendations:detail", args=[world.rec_clustered.pk])
    queue = reverse("consultation:comment_list") + "?state=all"
    assert comments_shown(world, "coordinator", queue) == {
        f"{state} by {author}" for author in ("oscar-observer", "otto-ombudsman")
        for state in ("pending", "approved", "rejected")}
    assert comments_shown(world, "observer", own) == {
        "pending by oscar-observer", "approved by oscar-observer", "rejected by oscar-observer"}
    assert comments_shown(world, "observer", clustered) == {"approved by otto-ombudsman"}
    assert comments_shown(world, "observer", queue) == {
        "pending by oscar-observer", "approved by oscar-observer", "rejected by oscar-observer"}
    assert comments_shown(world, "focal_point", own) == {"approved by oscar-observer"}
    assert comments_shown(world, "focal_point", clustered) == {"approved by otto-ombudsman"}


def test_access_a_feed_holds_its_owners_deadlines_only(world):
    """The secret address answers with the deadlines of its owner (the focal point's
    entity: its action's target date), not another entity's; whoever holds the address,
    signed in as someone else or not at all, gets the owner's feed, never their own."""
    url = reverse("followup:feed_ics", args=[world.feed_token])
    for role in ("anonymous", "coordinator", "observer"):
        response = client_for(world, role).get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        text = response.content.decode()
        assert "Train the police" in text and "Raise the wage" not in text
