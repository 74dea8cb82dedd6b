"""Entities in the Django admin, for the administrator; the coordinator works in the web UI
(views.py). Archived, never deleted; every change recorded."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from nmirf.accounts import permissions
from nmirf.audit.admin_mixins import ArchivingAdmin
from nmirf.core.admin import RecordAdmin

from . import services
from .models import Entity, Evidence, Indicator, ProgressUpdate
from .services import check_archivable, check_placement


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
        # In clean() the instance still holds the stored values (the form's are set after).
        if cleaned.get("archived") and self.instance.pk is not None \
                and not self.instance.archived:
            try:
                check_archivable(self.instance)
            except ValidationError as error:
                self.add_error("archived", error)
        return cleaned


@admin.register(Entity)
class EntityAdmin(ArchivingAdmin, RecordAdmin):
    rule = staticmethod(permissions.can_edit_reference_data)
    list_display = ("name", "short_name", "kind", "parent", "archived")
    list_filter = ("kind", "archived")
    search_fields = ("name", "short_name")
    raw_id_fields = ("parent",)
    form = EntityAdminForm

    def _set_archived(self, request, queryset, archived: bool) -> int:
        """Through services.archive/restore, so that the admin keeps the web UI's rules;
        each refusal is said, the others still done."""
        change = services.archive if archived else services.restore
        count = 0
        for entity in queryset.filter(archived=not archived):
            try:
                change(entity)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                count += 1
        return count


class ReadOnlyRecordAdmin(RecordAdmin):
    """Indicators, progress updates and evidence are read here by the administrator;
    they are written in the web UI only, where the version check, the workflow and the
    audit trail apply."""

    rule = staticmethod(permissions.can_edit_reference_data)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyRecordAdmin):
    list_display = ("title", "action", "kind", "frequency", "next_due_date", "archived")
    list_filter = ("kind", "frequency", "archived")
    search_fields = ("title", "action__title")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyRecordAdmin):
    list_display = ("action", "period_start", "period_end", "state", "updated_at")
    list_filter = ("state",)
    search_fields = ("action__title", "narrative")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyRecordAdmin):
    list_display = ("original_name", "update", "kind", "size", "archived", "uploaded_at")
    list_filter = ("kind", "archived")
    search_fields = ("original_name",)
