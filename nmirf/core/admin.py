"""Base classes for the Django admin that know no role: whether a person may see or change a
model is asked of a predicate that each app's admin names (`rule`, from
nmirf.accounts.permissions), so that the base never reaches up into an app."""

from django.contrib import admin


def _deny(user) -> bool:
    return False


class RuledAdmin(admin.ModelAdmin):
    """One predicate (`rule(user)`) opens the model for reading and writing; none shuts it.
    Where the model's queryset can narrow (`visible_to`), the admin lists only what the
    person may see."""

    rule = staticmethod(_deny)

    def _allowed(self, request) -> bool:
        return bool(type(self).rule(request.user))

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset


class RecordAdmin(RuledAdmin):
    """What people and imports wrote: never deleted here (archive instead)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class RecordInline(admin.TabularInline):
    """Rows that an import wrote beside a record (its sources, its errors): shown, never
    edited or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
