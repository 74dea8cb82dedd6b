from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .sources import ADAPTERS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:  # no file at all: FileField's own check sees only single files
                return [single(None, initial)]
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Format"), choices=[(a.name, a.label) for a in ADAPTERS.values()]
    )
    files = MultipleFileField(label=_("Files"), error_messages={
        "required": _("Choose at least one file to import."),
    })
    state = forms.CharField(
        label=_("State under review"), required=False, max_length=100,
        help_text=_("ISO code or name, only where the file does not say (OHCHR matrices, "
                    "UN documents)."),
    )
    session = forms.IntegerField(
        label=_("UPR session"), required=False, min_value=1, max_value=200,
        help_text=_("Only where the file does not say (OHCHR matrices, UN documents)."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: report what would change, write nothing"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        adapter = ADAPTERS.get(cleaned.get("source", ""))
        limit = settings.NMIRF_MAX_IMPORT_BYTES
        for upload in cleaned.get("files") or []:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(limit)s MB.")
                    % {"name": upload.name, "limit": limit // (1024 * 1024)}
                )
            if adapter and adapter.extensions and not upload.name.lower().endswith(
                adapter.extensions
            ):
                raise forms.ValidationError(
                    _("%(name)s: a %(format)s file must end in %(ext)s.")
                    % {"name": upload.name, "format": adapter.label,
                       "ext": " / ".join(adapter.extensions)}
                )
        return cleaned

    def run_options(self) -> dict:
        adapter = ADAPTERS[self.cleaned_data["source"]]
        return {key: self.cleaned_data[key] for key in adapter.accepts
                if self.cleaned_data.get(key) not in (None, "")}
