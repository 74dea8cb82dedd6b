"""The Django admin for reference data, under the one write rule: whether a person may see
or change a model here is asked of core.permissions, like everywhere else."""

from django.contrib import admin

from . import permissions


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data (mechanisms, states, taxonomies …): administrators edit it."""

    def has_module_permission(self, request):
        return permissions.can_edit_reference_data(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_edit_reference_data(request.user)

    def has_add_permission(self, request):
        return permissions.can_edit_reference_data(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_reference_data(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_edit_reference_data(request.user)


class RecordAdmin(ReferenceDataAdmin):
    """What people and imports wrote: never deleted here (archive instead)."""

    def has_delete_permission(self, request, obj=None):
        return False


class RecordInline(admin.TabularInline):
    """Rows that an import wrote beside a record (its sources, its errors): shown, never
    edited or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
