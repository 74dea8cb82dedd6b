"""Deciding on suggestions in the web UI: one at a time from a recommendation's page
(its "Suggested labels" section: templatetags/assist_tags.py), or one label at a time
for a whole filtered list (the list's "Review suggested labels"). Thin views: what a
decision writes is decisions.py's; who may decide, accounts.permissions'."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.recommendations.models import ActionCategory, Recommendation, Term
from nmirf.tracking.selection import list_operation

from . import decisions
from .models import Kind, Suggestion

DECISIONS = [("accept", gettext_lazy("Accept")), ("reject", gettext_lazy("Reject"))]
LABEL = re.compile(r"(term|category):(\d{1,9})")


@login_required
@require_POST
def decide(request, pk, suggestion_pk):
    permissions.require(permissions.can_review_suggestions(request.user))
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user), pk=pk)
    # A suggestion of another recommendation is not there for this one.
    suggestion = get_object_or_404(Suggestion, pk=suggestion_pk, recommendation=rec)
    decision = request.POST.get("decision")
    back = reverse("recommendations:detail", args=[rec.pk]) + "#suggestions-heading"
    if decision not in dict(DECISIONS):
        messages.error(request, _("Choose Accept or Reject."))
        return redirect(back)
    try:
        decided = decisions.decide(suggestion, decision == "accept", user=request.user,
                                   request=request)
    except decisions.DecisionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, (_("Accepted: %(label)s.") if decision == "accept"
                                   else _("Rejected: %(label)s.")) % {"label": decided.label})
    return redirect(back)


class BulkDecisionForm(forms.Form):
    label = forms.CharField(max_length=30)
    decision = forms.ChoiceField(choices=DECISIONS)

    def clean_label(self):
        match = LABEL.fullmatch(self.cleaned_data["label"])
        if match is None:
            raise forms.ValidationError(_("Choose one of the labels listed."))
        kind, value = match.group(1), int(match.group(2))
        return ("term", value) if kind == "term" else ("category", value)


@login_required
def review_from_list(request):
    operation = list_operation(request, permissions.can_review_suggestions(request.user))
    if isinstance(operation, HttpResponse):
        return operation
    form = BulkDecisionForm(request.POST or None)
    pending = Suggestion.objects.pending().filter(recommendation__in=operation.selection)
    if operation.ready(request, form, _("The list is empty: there is nothing to decide.")):
        kind, value = form.cleaned_data["label"]
        chosen = (pending.filter(kind=Kind.TERM, term_id=value) if kind == "term"
                  else pending.filter(kind=Kind.ACTION_CATEGORY, action_category=value))
        if chosen.exists():
            accept = form.cleaned_data["decision"] == "accept"
            outcome = decisions.decide_many(chosen, accept, user=request.user)
            _report(request, outcome, accept)
            return redirect(f"{reverse('assist:review_from_list')}?{operation.query.urlencode()}")
        form.add_error(None, _("No suggestion of this label waits in the list any more."))
    return render(request, "assist/review_from_list.html", operation.context(
        form, groups=_groups(pending)))


def _report(request, outcome, accept: bool) -> None:
    if accept:
        messages.success(request, ngettext(
            "%(count)d suggestion accepted: the label is on its recommendation.",
            "%(count)d suggestions accepted: the label is on their recommendations.",
            outcome.decided) % {"count": outcome.decided})
    else:
        messages.success(request, ngettext("%(count)d suggestion rejected.",
                                           "%(count)d suggestions rejected.",
                                           outcome.decided) % {"count": outcome.decided})
    if outcome.left:
        messages.warning(request, ngettext(
            "%(count)d suggestion left waiting: its recommendation has another action "
            "category now.",
            "%(count)d suggestions left waiting: their recommendations have another action "
            "category now.", outcome.left) % {"count": outcome.left})


def _groups(pending) -> list[dict]:
    """The pending suggestions of the list by label: how many, the best score."""
    rows = list(pending.values("kind", "term_id", "action_category")
                .annotate(count=Count("pk"), best=Max("score")).order_by("-count", "kind"))
    terms = Term.objects.in_bulk([row["term_id"] for row in rows if row["term_id"]])
    groups = []
    for row in rows:
        if row["kind"] == Kind.TERM:
            term = terms[row["term_id"]]
            label, key, kind = term.label, f"term:{term.pk}", Kind.TERM.label
        else:
            category = row["action_category"]
            label, key = ActionCategory(category).label, f"category:{category}"
            kind = Kind.ACTION_CATEGORY.label
        groups.append({"kind": kind, "label": label, "key": key, "count": row["count"],
                       "best": row["best"]})
    return groups
