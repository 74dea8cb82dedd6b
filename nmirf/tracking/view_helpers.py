"""What tracking's views share: a one-step POST answered with a message and a redirect,
and a form's errors as one message (for the small forms on a detail page, which answer
with a redirect rather than the form again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect


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
