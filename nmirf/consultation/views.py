"""Consultation's pages: sharing a recommendation or a cluster with observers, an
observer's comment, and the coordinator's moderation queue. Thin views: who may is
accounts.permissions, what a change must respect is services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.recommendations.models import Recommendation
from nmirf.tracking.models import Cluster
from nmirf.tracking.selection import list_operation
from nmirf.tracking.view_helpers import form_errors_text, refusal_or

from . import services
from .forms import CommentForm, ModerationForm, ShareListForm
from .models import Comment, CommentState

PAGE_SIZE = 25


def _shared_flag(request) -> bool:
    return request.POST.get("shared", "1") == "1"


@login_required
@require_POST
def share_recommendation(request, pk):
    permissions.require(permissions.can_share_with_observers(request.user))
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user), pk=pk)
    shared = _shared_flag(request)
    return refusal_or(
        request, reverse("recommendations:detail", args=[rec.pk]) + "#consultation-heading",
        lambda: services.set_shared(rec, shared, user=request.user),
        _("Shared with observers.") if shared else _("No longer shared with observers."))


@login_required
@require_POST
def share_cluster(request, pk):
    permissions.require(permissions.can_share_with_observers(request.user))
    cluster = get_object_or_404(Cluster.objects.visible_to(request.user), pk=pk)
    shared = _shared_flag(request)
    return refusal_or(
        request, cluster.get_absolute_url(),
        lambda: services.set_shared(cluster, shared, user=request.user),
        _("The cluster and its recommendations are shared with observers.") if shared
        else _("The cluster is no longer shared with observers."))


@login_required
def share_from_list(request):
    """Share every recommendation of a filtered list with observers (or stop sharing them)
    in one step: the page says how many the list holds, one POST writes them all."""
    operation = list_operation(request, permissions.can_share_with_observers(request.user))
    if isinstance(operation, HttpResponse):
        return operation
    form = ShareListForm(request.POST or None)
    if operation.ready(request, form, _("The list is empty: there is nothing to share.")):
        shared = form.cleaned_data["shared"]
        changed = services.share_recommendations(
            operation.selection, shared, user=request.user, source=operation.query.urlencode())
        messages.success(request, (ngettext(
            "%(count)d recommendation is now shared with observers.",
            "%(count)d recommendations are now shared with observers.", changed) if shared
            else ngettext("%(count)d recommendation is no longer shared with observers.",
                          "%(count)d recommendations are no longer shared with observers.",
                          changed)) % {"count": changed})
        return redirect(operation.context(form)["list_url"])
    return render(request, "consultation/share_from_list.html", operation.context(
        form, shared_already=operation.selection.filter(sharing__shared=True).count()
        if operation.count else 0))


@login_required
def comment_create(request, pk):
    """An observer's comment on a recommendation they read (404 for one they do not)."""
    permissions.require(permissions.can_comment(request.user))
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user).with_related(),
                            pk=pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = permissions.commenting_memberships(request.user).select_related(
            "entity").first()
        try:
            services.submit_comment(rec, form.cleaned_data["text"], user=request.user,
                                    entity=membership.entity if membership else None)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Thank you: your comment is sent. The coordinator "
                                        "reads it before it is shown to others."))
            return redirect(reverse("recommendations:detail", args=[rec.pk])
                            + "#comments-heading")
    return render(request, "consultation/comment_form.html", {"rec": rec, "form": form},
                  status=400 if form.errors else 200)


@login_required
def comment_list(request):
    """The coordinator's moderation queue (pending first, with the count of each state);
    for an observer, their own comments and what became of them."""
    moderator = permissions.can_moderate_comments(request.user)
    permissions.require(moderator or permissions.can_comment(request.user))
    comments = Comment.objects.visible_to(request.user)
    if not moderator:
        comments = comments.filter(author=request.user)
    counts = dict(comments.order_by().values_list("state").annotate(n=Count("pk")))
    state = request.GET.get("state", CommentState.PENDING if moderator else "")
    if state not in CommentState.values:
        state = ""
    if state:
        comments = comments.filter(state=state)
    page = Paginator(comments.select_related(
        "author", "entity", "moderated_by", "recommendation__review__mechanism",
        "recommendation__review__state").order_by("-created_at", "-pk"),
        PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultation/comment_list.html", {
        "page": page, "state": state, "moderator": moderator,
        "states": [(value, label, counts.get(value, 0))
                   for value, label in CommentState.choices],
        "total": sum(counts.values()), "form": ModerationForm(auto_id=False)})


@login_required
@require_POST
def comment_moderate(request, pk):
    permissions.require(permissions.can_moderate_comments(request.user))
    comment = get_object_or_404(Comment.objects.visible_to(request.user), pk=pk)
    form = ModerationForm(request.POST)
    return_state = request.POST.get("return_state")
    back = reverse("consultation:comment_list") + "?state=" + (
        return_state if return_state in [*CommentState.values, "all"] else CommentState.PENDING)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(back)
    decision = form.cleaned_data["decision"]
    return refusal_or(
        request, back,
        lambda: services.moderate(comment, decision, form.cleaned_data["reason"],
                                  user=request.user),
        _("Comment approved: it is shown with the recommendation.")
        if decision == CommentState.APPROVED
        else _("Comment rejected: its author reads your reason."))
