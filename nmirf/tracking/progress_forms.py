"""Forms for indicators, progress updates (with a typed field per indicator of the action),
evidence uploads and the secretariat's review. Whether a change makes sense is checked by
indicators.py, progress.py and progress_workflow.py, whose messages the forms show."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import _styled
from .progress_models import Indicator, ProgressUpdate

ALTERED = _("This form was altered or is incomplete: open the page again and retry.")
# Values as the indicator columns keep them (16 digits, 4 after the point).
VALUE_LIMITS = {"max_digits": 16, "decimal_places": 4}


def typed(value: Decimal | None) -> Decimal | None:
    """A stored value as the person typed it (20, not 20.0000), for a form's initial value."""
    return None if value is None else Decimal(f"{value.normalize():f}")


def version_field():
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False,
                              error_messages={"invalid": ALTERED, "min_value": ALTERED})


def _number_messages(label) -> dict:
    return {"invalid": _("“%(label)s” must be a number, such as 12 or 3.5.") % {"label": label},
            "max_digits": _("“%(label)s” has too many digits.") % {"label": label},
            "max_decimal_places": _("“%(label)s” has more than 4 decimal places.") % {
                "label": label},
            "max_whole_digits": _("“%(label)s” is too large.") % {"label": label}}


class IndicatorForm(forms.ModelForm):
    version = version_field()

    class Meta:
        model = Indicator
        fields = ["kind", "title", "unit", "baseline_value", "baseline_year", "target_value",
                  "data_source", "disaggregation", "frequency", "first_due_date"]
        widgets = {"disaggregation": forms.Textarea(attrs={"rows": 2}),
                   "first_due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("baseline_value", "target_value"):
            self.fields[name].error_messages.update(_number_messages(self.fields[name].label))
            self.initial[name] = typed(self.initial.get(name))
        self.fields["title"].error_messages["required"] = _("Give the indicator a title.")
        self.fields["baseline_year"].validators += [
            _between(1900, 2200, _("Give the baseline year as four digits, such as 2024."))]
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("baseline_value") is not None and not cleaned.get("baseline_year"):
            self.add_error("baseline_year", _("Give the year of the baseline value."))
        return cleaned


def _between(low, high, message):
    def check(value):
        if value is not None and not low <= value <= high:
            raise ValidationError(message, code="year")
    return check


class ProgressUpdateForm(forms.ModelForm):
    """The update and one number field per active indicator of its action
    (`value_<indicator id>`), empty for no value."""

    version = version_field()

    class Meta:
        model = ProgressUpdate
        fields = ["period_start", "period_end", "narrative"]
        widgets = {"period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "narrative": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.fields["narrative"].error_messages["required"] = _("Describe what was done in "
                                                                "this period.")
        for name in ("period_start", "period_end"):
            self.fields[name].error_messages["required"] = _("Give the period the update "
                                                             "reports on.")
        current = {value.indicator_id: typed(value.value) for value in self.instance.values.all()} \
            if self.instance.pk else {}
        for indicator in self.indicators:
            label = indicator.title + (f" ({indicator.unit})" if indicator.unit else "")
            self.fields[f"value_{indicator.pk}"] = forms.DecimalField(
                label=label, required=False, initial=current.get(indicator.pk),
                error_messages=_number_messages(indicator.title), **VALUE_LIMITS)
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return cleaned

    def indicator_values(self) -> dict[Indicator, Decimal | None]:
        return {indicator: self.cleaned_data.get(f"value_{indicator.pk}")
                for indicator in self.indicators}

    def value_fields(self):
        return [self[f"value_{indicator.pk}"] for indicator in self.indicators]

    def update_fields(self):
        return [self[name] for name in self.Meta.fields]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), allow_empty_file=True,
                           error_messages={"required": _("Choose a file to attach.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class ReviewForm(forms.Form):
    """A transition's form: the version the page was read at and, for a return, the
    comment sent back."""

    version = forms.IntegerField(min_value=0, error_messages={
        "required": ALTERED, "invalid": ALTERED, "min_value": ALTERED})
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
