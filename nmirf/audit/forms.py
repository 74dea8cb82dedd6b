"""The filters of the log of changes: by person, by kind of object, by date range."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _


class ChangeLogFilter(forms.Form):
    person = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                    label=_("Person"), empty_label=_("Anyone"))
    kind = forms.ModelChoiceField(queryset=ContentType.objects.none(), required=False,
                                  label=_("Kind of object"), empty_label=_("Any"))
    since = forms.DateField(required=False, label=_("From"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("To"),
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, events):
        """`events`: the events the reader may see; the choices are the people and kinds
        found in them, so that no filter offers what leads nowhere."""
        super().__init__(data)
        self.events = events
        users = get_user_model().objects.filter(
            pk__in=events.exclude(actor=None).values("actor")).order_by("username")
        self.fields["person"].queryset = users
        self.fields["kind"].queryset = ContentType.objects.filter(
            pk__in=events.exclude(target_type=None).values("target_type"))
        self.fields["kind"].label_from_instance = lambda ct: str(ct.name).capitalize()
        for field in self.fields.values():
            field.widget.attrs["class"] = ("form-select" if isinstance(field.widget, forms.Select)
                                           else "form-control")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def filtered(self):
        events = self.events
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data.get("person"):
            events = events.filter(actor=data["person"])
        if data.get("kind"):
            events = events.filter(target_type=data["kind"])
        if data.get("since"):
            events = events.filter(at__date__gte=data["since"])
        if data.get("until"):
            events = events.filter(at__date__lte=data["until"])
        return events
