"""What tracking's views share: a one-step POST answered with a message and a redirect,
and a form's errors as one message (for the small forms on a detail page, which answer
with a redirect rather than the form again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def form_errors_text(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def refusal_or(request, target, change, success: str):
    """Run `change()`; a ValidationError it raises becomes the error message (nothing
    changed), else `success` is shown. Either way, back to `target`'s page."""
    try:
        change()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(target)


def archive_toggle(request, set_archived, target):
    """The Archive / Restore button of an object's page (`archived` posted as 1 or 0):
    `set_archived(bool)` does it; back to `target`'s page with what was done."""
    archived = request.POST.get("archived", "1") == "1"
    set_archived(archived)
    messages.success(request, _("Archived.") if archived else _("Restored."))
    return redirect(target)
