"""Clusters in the web UI: the list, one cluster with its recommendations and history, the
coordinator's forms, and putting recommendations into a cluster by hand or from any
filtered list of the registry in one step (the list's own RecommendationFilter).

An object one may not see answers 404; an operation one may not do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.audit.history import history_of
from nmirf.recommendations.models import Recommendation

from . import services
from .forms import ClusterChoiceForm, ClusterForm
from .models import Cluster, ClusterRecommendation
from .selection import list_operation
from .view_helpers import form_errors_text, refusal_or

PAGE_SIZE = 25


def _visible_cluster(request, pk) -> Cluster:
    return get_object_or_404(Cluster.objects.visible_to(request.user), pk=pk)


@login_required
def cluster_list(request):
    permissions.require(permissions.can_view_clusters(request.user))
    clusters = Cluster.objects.visible_to(request.user).annotate(size=Count("links"))
    show_archived = request.GET.get("archived") == "1" and permissions.can_manage_clusters(
        request.user)
    if not show_archived:
        clusters = clusters.filter(archived=False)
    return render(request, "tracking/cluster_list.html", {
        "clusters": clusters, "show_archived": show_archived,
        "can_manage": permissions.can_manage_clusters(request.user)})


@login_required
def cluster_detail(request, pk):
    permissions.require(permissions.can_view_clusters(request.user))
    cluster = _visible_cluster(request, pk)
    recommendations = (Recommendation.objects.visible_to(request.user).with_related()
                       .filter(clusters=cluster).in_document_order())
    page = Paginator(recommendations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracking/cluster_detail.html", {
        "cluster": cluster, "page": page,
        "can_manage": permissions.can_manage_clusters(request.user),
        "history": history_of(cluster) if permissions.can_view_history(request.user, cluster)
        else None,
    })


def _cluster_form(request, cluster: Cluster, title: str):
    form = ClusterForm(request.POST or None, instance=cluster)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_cluster(form.save(commit=False), request.user)
        except ValidationError as error:
            form.add_error("title", error)
        else:
            messages.success(request, _("Saved the cluster “%(title)s”.") % {"title": saved.title})
            return redirect(saved)
    return render(request, "tracking/cluster_form.html",
                  {"form": form, "cluster": cluster, "object": cluster, "title": title,
                   "list_url": reverse("tracking:cluster_list")})


@login_required
def cluster_create(request):
    permissions.require(permissions.can_manage_clusters(request.user))
    return _cluster_form(request, Cluster(), _("New cluster"))


@login_required
def cluster_edit(request, pk):
    permissions.require(permissions.can_manage_clusters(request.user))
    cluster = _visible_cluster(request, pk)
    return _cluster_form(request, cluster, _("Edit the cluster “%(title)s”") % {
        "title": cluster.title})


@login_required
@require_POST
def cluster_archive(request, pk):
    permissions.require(permissions.can_manage_clusters(request.user))
    cluster = _visible_cluster(request, pk)
    archived = request.POST.get("archived", "1") == "1"
    return refusal_or(request, cluster,
                       lambda: services.set_cluster_archived(cluster, archived),
                       _("Archived.") if archived else _("Restored."))


@login_required
@require_POST
def cluster_remove(request, pk, recommendation_pk):
    permissions.require(permissions.can_manage_clusters(request.user))
    cluster = _visible_cluster(request, pk)
    link = get_object_or_404(ClusterRecommendation.objects.select_related("recommendation"),
                             cluster=cluster, recommendation_id=recommendation_pk)
    return refusal_or(request, cluster,
                       lambda: services.remove_from_cluster(cluster, link.recommendation),
                       _("Removed from the cluster."))


def _target_cluster(request, form) -> Cluster:
    """The chosen cluster, or a new one with the title given (created here)."""
    if form.cleaned_data.get("cluster"):
        return form.cleaned_data["cluster"]
    return services.save_cluster(Cluster(title=form.cleaned_data["new_title"]), request.user)


@login_required
@require_POST
def cluster_add_one(request, recommendation_pk):
    """From a recommendation's page: put it into a cluster."""
    permissions.require(permissions.can_manage_clusters(request.user))
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user),
                            pk=recommendation_pk)
    form = ClusterChoiceForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("recommendations:detail", pk=rec.pk)
    try:
        with transaction.atomic():
            cluster = _target_cluster(request, form)
            added = services.add_to_cluster(cluster, [rec.pk], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("recommendations:detail", pk=rec.pk)
    if added:
        messages.success(request, _("Added to the cluster “%(title)s”.") % {"title": cluster.title})
    else:
        messages.info(request, _("Already in the cluster “%(title)s”.") % {"title": cluster.title})
    return redirect("recommendations:detail", pk=rec.pk)


@login_required
def cluster_from_list(request):
    """Put every recommendation of a filtered list into a cluster, in one step: the page
    says how many the list holds (and how many each cluster already has), the person
    chooses the cluster, and one POST adds them all."""
    operation = list_operation(request, permissions.can_manage_clusters(request.user))
    if isinstance(operation, HttpResponse):
        return operation
    form = ClusterChoiceForm(request.POST or None, user=request.user)
    if operation.ready(request, form, _("The list is empty: there is nothing to add.")):
        try:
            with transaction.atomic():
                cluster = _target_cluster(request, form)
                added = services.add_to_cluster(
                    cluster, operation.selection.values_list("pk", flat=True).iterator(),
                    user=request.user, source=operation.query.urlencode())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, ngettext(
                "%(count)d recommendation added to the cluster “%(title)s”.",
                "%(count)d recommendations added to the cluster “%(title)s”.",
                added) % {"count": added, "title": cluster.title})
            return redirect(cluster)
    already = {}
    if operation.count:
        already = dict(ClusterRecommendation.objects.filter(
            recommendation__in=operation.selection,
            cluster__in=form.fields["cluster"].queryset)
            .values_list("cluster").annotate(n=Count("pk")).values_list("cluster", "n"))
    return render(request, "tracking/cluster_from_list.html", operation.context(
        form, already=[(cluster, already.get(cluster.pk, 0))
                       for cluster in form.fields["cluster"].queryset]))
