"""The forms of consultation: what they accept is checked again by services.py, whose
message a form shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_COMMENT_CHARS, CommentState


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment or information"), max_length=MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control", "dir": "auto"}),
        help_text=_("The coordinator reads it before it is shown to others (at most "
                    "%(limit)s characters).") % {"limit": MAX_COMMENT_CHARS},
        error_messages={"required": _("Write your comment: it is empty."),
                        "max_length": _("A comment has at most %(limit_value)d characters; "
                                        "this one has %(show_value)d.")})


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(CommentState.APPROVED, _("Approve")), (CommentState.REJECTED, _("Reject"))],
        error_messages={"required": _("Choose whether to approve or reject the comment."),
                        "invalid_choice": _("Choose whether to approve or reject the comment.")})
    reason = forms.CharField(label=_("Reason (required to reject)"), required=False,
                             max_length=2000,
                             widget=forms.TextInput(attrs={"class": "form-control"}))


class ShareListForm(forms.Form):
    shared = forms.TypedChoiceField(
        label=_("Observers"), coerce=lambda value: value == "1", initial="1",
        choices=[("1", _("Share these recommendations with observers")),
                 ("0", _("Stop sharing these recommendations (those shared one by one)"))],
        widget=forms.Select(attrs={"class": "form-select"}))
