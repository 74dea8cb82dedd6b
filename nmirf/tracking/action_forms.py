"""The action form: what it offers is narrowed to what the person may choose (entities they
answer for, recommendations and clusters they may read); whether a change makes sense is
checked by action_services.py, whose message the form shows."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nmirf.accounts import permissions
from nmirf.recommendations.models import Recommendation

from .forms import _styled
from .models import Action, Cluster, Entity

CURRENCY = re.compile(r"^[A-Z]{3}$")


class ActionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False,
                                 error_messages={key: _(
                                     "This form was altered or is incomplete: open the page "
                                     "again and retry.") for key in ("invalid", "min_value")})

    class Meta:
        model = Action
        fields = ["title", "description", "responsible_entity", "start_date", "target_date",
                  "budget", "currency", "status", "recommendations", "clusters"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "recommendations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, offered_recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_entity"].queryset = permissions.entities_for_actions(
            Entity.objects.all(), user)
        # The recommendations already linked and those the person came from: a list of
        # 40,000 checkboxes would help no one (more are linked from each one's page). A new
        # link goes to an active recommendation only (an archived one was merged into
        # another or withdrawn: an id of one, posted by hand, is not a choice); one linked
        # before it was archived stays offered, so that saving the form keeps it.
        linked = list(self.instance.recommendations.values_list("pk", flat=True)) \
            if self.instance.pk else []
        self.fields["recommendations"].queryset = Recommendation.objects.visible_to(
            user).filter(Q(pk__in=linked) | Q(pk__in=offered_recommendations, archived=False)
                         ).order_by("pk")
        self.fields["recommendations"].required = False
        self.fields["clusters"].queryset = Cluster.objects.visible_to(user).active()
        self.fields["clusters"].required = False
        self.fields["budget"].min_value = 0
        self.fields["budget"].validators.append(_not_negative)
        _styled(self)
        self.fields["recommendations"].widget.attrs["class"] = "form-check-input"

    def clean_clusters(self):
        """The clusters chosen, and the linked ones the form does not offer (archived since,
        or not readable by this person): the form cannot show them, so saving it must not
        unlink them."""
        chosen = list(self.cleaned_data["clusters"])
        if self.instance.pk is None:
            return chosen
        offered = self.fields["clusters"].queryset.values("pk")
        return chosen + list(self.instance.clusters.exclude(pk__in=offered))

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the action a title."), code="required")
        return title

    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if currency and not CURRENCY.match(currency):
            raise ValidationError(_("Give the currency as its three-letter ISO 4217 code, "
                                    "such as EUR or USD."), code="currency")
        return currency

    def clean(self):
        cleaned = super().clean()
        start, target = cleaned.get("start_date"), cleaned.get("target_date")
        if start and target and target < start:
            self.add_error("target_date", _("The target date cannot be before the start "
                                            "date."))
        if cleaned.get("budget") is not None and not cleaned.get("currency"):
            self.add_error("currency", _("Give the currency of the budget."))
        return cleaned


def _not_negative(value):
    if value is not None and value < 0:
        raise ValidationError(_("The budget cannot be negative."), code="negative")
