"""The Django admin, audited: every object a person adds, changes, archives or deletes there
leaves an event with the fields before and after (changes.py)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .changes import record_change, snapshot, stored, tracking
from .models import Action


class AuditedAdmin:
    """Mix into a ModelAdmin before admin.ModelAdmin. The change is recorded after the
    related objects (many-to-many, inlines) are saved, so that they are part of it."""

    def save_model(self, request, obj, form, change):
        before = snapshot(stored(obj)) if change else None
        request._audit_before = getattr(request, "_audit_before", {})
        request._audit_before[id(obj)] = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", {}).pop(id(obj), None)
        record_change(obj, before, request=request)

    def delete_model(self, request, obj):
        before = snapshot(obj)
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk  # the event names the object that was
        from . import record

        record(Action.DELETED, target=obj, before=before, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ArchivingAdmin(AuditedAdmin):
    """For what people wrote: no delete; archive and restore instead (the model has an
    `archived` field), each recorded."""

    actions = ["archive_selected", "restore_selected"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _set_archived(self, request, queryset, archived: bool) -> int:
        count = 0
        for obj in queryset.filter(archived=not archived):
            with tracking(obj, request=request):
                obj.archived = archived
                obj.save()
            count += 1
        return count

    @admin.action(description=_("Archive the selected rows"))
    def archive_selected(self, request, queryset):
        count = self._set_archived(request, queryset, True)
        self.message_user(request, ngettext("%(count)d row archived.", "%(count)d rows archived.",
                                            count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Restore the selected rows"))
    def restore_selected(self, request, queryset):
        count = self._set_archived(request, queryset, False)
        self.message_user(request, ngettext("%(count)d row restored.", "%(count)d rows restored.",
                                            count) % {"count": count}, messages.SUCCESS)
