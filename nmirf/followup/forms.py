from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from nmirf.tracking.models import Entity

from .deadlines import Kind
from .models import FollowUpSetting

MAX_YEARS = 20


class SettingForm(forms.ModelForm):
    class Meta:
        model = FollowUpSetting
        fields = ["mid_term_years", "follow_up_reply_years", "periodicity_years"]

    def clean(self):
        cleaned = super().clean()
        for name in self.Meta.fields:
            value = cleaned.get(name)
            if value is not None and not 0 < value <= MAX_YEARS:
                self.add_error(name, _("Give a number of years above 0 and at most %(max)s, "
                                       "or leave it empty.") % {"max": MAX_YEARS})
        return cleaned


class CalendarFilterForm(forms.Form):
    """The calendar's and the overdue view's filters (GET)."""

    kind = forms.MultipleChoiceField(label=_("Kind"), choices=Kind.CHOICES, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    entity = forms.ModelChoiceField(label=_("Responsible entity"), required=False,
                                    queryset=Entity.objects.none(),
                                    empty_label=_("Any entity"))
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.visible_to(user).filter(archived=False)

    def entity_options(self):
        """The <option>s of the entity select, written in one pass: read as values, not as
        an instance per entity, and not through a template loop (a government has
        thousands of units: 2,000 options cost a template ~80 ms, this ~3 ms)."""
        field = self.fields["entity"]
        chosen = str(self["entity"].value() or "")
        options = [("", str(field.empty_label), not chosen)]
        options += [(str(pk), Entity.label_of(name, short_name), str(pk) == chosen)
                    for pk, name, short_name in field.queryset.values_list(
                        "pk", "name", "short_name")]
        return format_html_join("", '<option value="{}"{}>{}</option>',
                                ((value, mark_safe(" selected") if selected else "", label)
                                 for value, label, selected in options))


class RepliedForm(forms.Form):
    replied_on = forms.DateField(label=_("Replied on"),
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def clean_replied_on(self):
        day = self.cleaned_data["replied_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The reply cannot have been sent in the future."))
        return day
