"""Forms for entities and their focal points. What they offer is narrowed to what the person
may see (visible_to); whether a change makes sense is checked by services.py, whose message
the form shows."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AssignmentRole, Cluster, Entity, ImplementationStatus
from .services import check_placement


def _styled(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class EntityForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = ["name", "short_name", "kind", "parent"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Archived entities are offered too (to those who see them) so that choosing one
        # is refused with a message that says why, not "not one of the choices".
        self.fields["parent"].queryset = Entity.objects.visible_to(user)
        self.fields["parent"].empty_label = _("— none (a top-level institution) —")
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        name, parent = cleaned.get("name"), cleaned.get("parent")
        if name:
            try:
                check_placement(self.instance, name, parent)
            except ValidationError as error:
                field = "name" if error.code == "duplicate_name" else "parent"
                self.add_error(field, error)
        return cleaned


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(),
                                  label=_("Person"))
    deputy = forms.BooleanField(required=False, label=_("Deputy of this entity"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every active account, so that choosing someone without the focal-point role is
        # refused with a message that says so (services.add_member).
        self.fields["user"].queryset = get_user_model().objects.filter(
            is_active=True).order_by("last_name", "first_name", "username")
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name()
            else u.get_username())
        _styled(self)


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the cluster a title."), code="required")
        return title


class ClusterChoiceForm(forms.Form):
    """Which cluster receives recommendations: one of the active clusters the person sees,
    or a new one (its title)."""

    cluster = forms.ModelChoiceField(queryset=Cluster.objects.none(), required=False,
                                     label=_("Add to the cluster"),
                                     empty_label=_("— a new cluster —"))
    new_title = forms.CharField(required=False, max_length=200, label=_("Title of the new cluster"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = Cluster.objects.visible_to(user).active()
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("cluster") and not (cleaned.get("new_title") or "").strip():
            raise ValidationError(_("Choose a cluster, or give the title of a new one."),
                                  code="no_cluster")
        return cleaned


class AssignForm(forms.Form):
    """Which entity takes which part. Every active entity the person sees is offered, so
    that choosing an observer is refused with a message that says why (assigning.py)."""

    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), label=_("Entity"))
    role = forms.ChoiceField(choices=AssignmentRole.choices, label=_("Role"),
                             initial=AssignmentRole.LEAD)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.visible_to(user).active()
        _styled(self)


class StatusForm(forms.Form):
    """A recommendation's implementation status and why. `version` is the version the
    page was read at: statuses.set_status refuses a save based on an older one."""

    status = forms.ChoiceField(choices=ImplementationStatus.choices,
                               label=_("Implementation status"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"),
                             max_length=4000, error_messages={
                                 "required": _("Say why: the reason is kept with the status.")})
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages={
        key: _("This form was altered or is incomplete: open the page again and retry.")
        for key in ("required", "invalid", "min_value")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
