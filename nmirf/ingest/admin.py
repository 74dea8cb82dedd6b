from django.contrib import admin

from nmirf.accounts import permissions
from nmirf.core.admin import RecordAdmin, RecordInline

from .models import ImportRowError, ImportRun


class ImportRowErrorInline(RecordInline):
    model = ImportRowError
    fields = ("file", "row", "field", "message")
    max_num = 0


@admin.register(ImportRun)
class ImportRunAdmin(RecordAdmin):
    """Import runs are a record of what happened: read-only."""

    rule = staticmethod(permissions.can_edit_reference_data)

    list_display = ("pk", "source", "status", "created", "updated", "unchanged", "rejected",
                    "created_by", "created_at")
    list_filter = ("status", "source", "dry_run")
    inlines = [ImportRowErrorInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
