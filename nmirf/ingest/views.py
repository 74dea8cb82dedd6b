"""Import pages: upload files, follow the background run, read its errors, retry a run
that was interrupted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions

from . import liveness, uploads
from .forms import ImportForm
from .models import ImportRun
from .pipeline import PHASES, InputFile, start_run
from .progress import progress_of, waiting_hint
from .tasks import run_import_task
from .uploads import upload_dir


def _require_import_rights(user):
    if not permissions.can_import(user):
        raise PermissionDenied


@login_required
def run_list(request):
    _require_import_rights(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = _enqueue(request, form)
        return redirect(run)
    liveness.reap_abandoned()
    runs = Paginator(ImportRun.objects.visible_to(request.user).select_related("created_by"), 25)
    page = runs.get_page(request.GET.get("page"))
    return render(request, "ingest/run_list.html", {"form": form, "page": page})


def _enqueue(request, form) -> ImportRun:
    uploads = form.cleaned_data["files"]
    files = [InputFile(path=None, name=upload.name) for upload in uploads]
    run = start_run(form.cleaned_data["source"], files, options=form.run_options(),
                    dry_run=form.cleaned_data["dry_run"], user=request.user)
    folder = upload_dir(run.pk)
    folder.mkdir(parents=True, exist_ok=True)
    for index, upload in enumerate(uploads):
        with open(folder / f"{index:02d}", "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    names = [upload.name for upload in uploads]
    transaction.on_commit(lambda: run_import_task.enqueue(run.pk, names))
    return run


@login_required
def run_detail(request, pk: int):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun.objects.visible_to(request.user)
                            .select_related("created_by", "retry_of"), pk=pk)
    if not permissions.can_view_import_run(request.user, run):
        raise PermissionDenied
    if run.status == ImportRun.Status.RUNNING and liveness.reap_abandoned():
        run.refresh_from_db()
    context = {"run": run, "progress": _progress(run)}
    if request.htmx and request.GET.get("fragment") == "progress":
        # Polled every second while the run goes on: the progress bar alone, no errors.
        response = render(request, "ingest/_progress.html", context)
        if run.is_finished:
            # Reload the whole page once the run ends, to show its counts and errors.
            response["HX-Refresh"] = "true"
        return response
    # Read once, for both is_retryable and the page's "Retried as".
    prefetch_related_objects([run], "retries")
    context["errors"] = Paginator(run.errors.all(), 100).get_page(request.GET.get("page"))
    context["can_retry"] = permissions.can_import(request.user) and run.is_retryable
    return render(request, "ingest/run_detail.html", context)


@login_required
@require_POST
def retry(request, pk: int):
    """Run an interrupted run's files again, as a new run that takes them over."""
    _require_import_rights(request.user)
    with transaction.atomic():
        run = get_object_or_404(ImportRun.objects.visible_to(request.user).select_for_update(),
                                pk=pk)
        if not run.is_retryable:
            messages.error(request, _("This import cannot be retried: only an import that "
                                      "was interrupted, and not yet retried, can be."))
            return redirect(run)
        again = start_run(run.source, [InputFile(path=None, name=name) for name in run.files],
                          options=run.options, dry_run=run.dry_run, user=request.user)
        again.retry_of = run
        again.save(update_fields=["retry_of"])
        uploads.move(run.pk, again.pk)
        names = list(run.files)
        transaction.on_commit(lambda: run_import_task.enqueue(again.pk, names))
    return redirect(again)


def _progress(run: ImportRun) -> dict:
    progress = dict(progress_of(run))
    progress["label"] = PHASES.get(progress.get("phase"), progress.get("phase"))
    progress["waiting_hint"] = waiting_hint(run)
    return progress


@login_required
def blank_template(request):
    """The blank import template, for mechanisms with no machine-readable source."""
    from .sources import template as template_source

    if not permissions.can_view_registry(request.user):
        raise PermissionDenied
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_source.blank_template_csv(),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="nmirf-import-template.csv"'
        return response
    response = HttpResponse(
        template_source.blank_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="nmirf-import-template.xlsx"'
    return response
