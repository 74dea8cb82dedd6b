"""Entities in the Django admin, for the administrator; the coordinator works in the web UI
(views.py). Archived, never deleted; every change recorded."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from nmirf.accounts import permissions
from nmirf.audit.admin_mixins import ArchivingAdmin
from nmirf.core.admin import RecordAdmin

from .models import Entity
from .services import check_placement


class EntityAdminForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = ["name", "short_name", "kind", "parent", "archived"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name"):
            try:
                check_placement(self.instance, cleaned["name"], cleaned.get("parent"))
            except ValidationError as error:
                self.add_error("name" if error.code == "duplicate_name" else "parent", error)
        return cleaned


@admin.register(Entity)
class EntityAdmin(ArchivingAdmin, RecordAdmin):
    rule = staticmethod(permissions.can_edit_reference_data)
    list_display = ("name", "short_name", "kind", "parent", "archived")
    list_filter = ("kind", "archived")
    search_fields = ("name", "short_name")
    raw_id_fields = ("parent",)
    form = EntityAdminForm
