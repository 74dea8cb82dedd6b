"""A person's decision on a possible duplicate (duplicates.py): "different" at once; "same"
after a page that says which recommendation stays and what it takes from the other, and
a button that confirms it; and the undoing of a merge."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts.permissions import can_resolve_duplicates, require

from . import duplicates
from .facets import review_label
from .models import Merge, Recommendation, SourceRecord, State, Term, term_label


def _flagged(request, pk) -> Recommendation:
    require(can_resolve_duplicates(request.user))
    return get_object_or_404(Recommendation.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def resolve_duplicate(request, pk):
    """The two buttons of a flagged recommendation: "different" clears the flag; "same"
    leads to the confirmation page."""
    rec = _flagged(request, pk)
    decision = request.POST.get("decision")
    if decision not in ("same", "different"):
        messages.error(request, _("Choose whether the two are the same recommendation."))
        return redirect("recommendations:detail", pk=pk)
    if decision == "same":
        return redirect("recommendations:merge_duplicate", pk=pk)
    try:
        duplicates.clear(rec)
    except duplicates.NotADuplicate:
        messages.info(request, _("This recommendation is no longer flagged as a duplicate."))
        return redirect("recommendations:detail", pk=pk)
    messages.success(request, _("Kept as a separate recommendation."))
    return redirect("recommendations:detail", pk=pk)


@login_required
def merge_duplicate(request, pk):
    """GET: what "Same recommendation" would do. POST: do it."""
    rec = _flagged(request, pk)
    if rec.archived:
        messages.info(request, _("This recommendation is archived: there is nothing to merge."))
        return redirect("recommendations:detail", pk=pk)
    try:
        plan = duplicates.plan_merge(rec)
    except duplicates.NotADuplicate:
        messages.info(request, _("This recommendation is no longer flagged as a duplicate."))
        return redirect("recommendations:detail", pk=pk)
    if request.method == "POST":
        record = duplicates.merge(rec, request.user)
        messages.success(request, _("The two are now one recommendation. The other one is "
                                    "archived; you can undo this below."))
        return redirect("recommendations:detail", pk=record.kept_id)
    return render(request, "recommendations/merge_confirm.html", {
        "rec": rec, "plan": plan,
        "kept_label": review_label(plan.kept.review), "merged_label": review_label(
            plan.merged.review),
        "added_terms": [term_label(code, name) for code, name in Term.objects.filter(
            pk__in=plan.added_terms).values_list("code", "name")],
        "added_states": [state.localized_name for state in State.objects.filter(
            pk__in=plan.added_states)],
        "moved_sources": SourceRecord.objects.filter(pk__in=plan.moved_sources),
        "comparison": duplicates.compare(plan.kept.text, plan.merged.text),
    })


@login_required
@require_POST
def undo_merge(request, pk):
    require(can_resolve_duplicates(request.user))
    record = get_object_or_404(Merge, pk=pk)
    # Only someone who may read the recommendation kept may undo its merge.
    get_object_or_404(Recommendation.objects.visible_to(request.user), pk=record.kept_id)
    try:
        duplicates.undo(record, request.user)
    except duplicates.NotUndoable:
        messages.info(request, _("This merge was undone already, or the archived "
                                 "recommendation was restored since: nothing was changed."))
        return redirect("recommendations:detail", pk=record.kept_id)
    messages.success(request, _("The merge is undone: both recommendations are as they were, "
                                "and flagged again as possible duplicates."))
    return redirect("recommendations:detail", pk=record.kept_id)


@login_required
@require_POST
def settle_positions(request, pk):
    """"The position shown is right": the mark that its sources give different positions
    goes."""
    rec = _flagged(request, pk)
    try:
        duplicates.settle_positions(rec, request.user)
    except duplicates.NotADuplicate:
        messages.info(request, _("Its sources' positions were already checked."))
    else:
        messages.success(request, _("The position shown stands; the mark is gone."))
    return redirect("recommendations:detail", pk=pk)

