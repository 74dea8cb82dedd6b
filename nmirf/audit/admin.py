"""The audit log in the admin: administrators read and filter it; nobody adds, changes or
deletes an event here (not even a superuser)."""

from django.contrib import admin

from nmirf.accounts import permissions

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_username", "target_repr", "ip_address")
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "at")
    date_hierarchy = "at"
    search_fields = ("actor_username", "target_repr", "target_id")
    list_select_related = ("target_type",)
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    fields = readonly_fields
    actions = None

    def has_module_permission(self, request):
        return permissions.can_view_audit_log(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_view_audit_log(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
