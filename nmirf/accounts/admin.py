from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nmirf.accounts import permissions

from . import lockout, twofactor
from .models import User


class AccountsAdminMixin:
    """People and their sign-in are the administrator's (accounts.permissions)."""

    def has_module_permission(self, request):
        return permissions.can_manage_accounts(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)

    def has_add_permission(self, request):
        return permissions.can_manage_accounts(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)


@admin.register(User)
class UserAdmin(AccountsAdminMixin, BaseUserAdmin):
    list_display = ("username", "email", "role", "is_active", "is_staff", "sign_in_locked",
                    "two_factor")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role"), {"fields": ("role", "preferred_language")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role"), {"fields": ("role",)}),)
    actions = ["unlock_sign_in", "turn_off_two_factor"]

    def get_queryset(self, request):
        # The two columns below, for every row in one query (not two queries a row).
        return super().get_queryset(request).annotate(
            _sign_in_failures=lockout.account_failures(OuterRef("username")),
            _has_2fa=Exists(twofactor.authenticators(OuterRef("pk"))),
        )

    @admin.display(description=_("sign-in locked"), boolean=True)
    def sign_in_locked(self, user):
        return user._sign_in_failures >= lockout.account_limit()

    @admin.display(description=_("two-factor"), boolean=True)
    def two_factor(self, user):
        return user._has_2fa

    @admin.action(description=_("Unlock sign-in of the selected people"))
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            lockout.unlock(username=user.username, request=request)
        self.message_user(request, ngettext("%(count)d person may sign in again.",
                                            "%(count)d people may sign in again.",
                                            len(queryset)) % {"count": len(queryset)},
                          messages.SUCCESS)

    @admin.action(description=_("Turn off two-factor authentication (lost phone)"))
    def turn_off_two_factor(self, request, queryset):
        for user in queryset:
            twofactor.turn_off(user)  # audited where the device is deleted
        self.message_user(request, _("Two-factor authentication is off for the selected "
                                     "people; those whose role requires it enrol again at "
                                     "their next sign-in."), messages.SUCCESS)


@admin.register(AccessAttempt)
class FailedSignInAdmin(AccountsAdminMixin, admin.ModelAdmin):
    """Failed sign-ins that django-axes counts, by account and address; unlocking forgets
    them (through lockout.unlock, which leaves an audit event)."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time",
                    "user_agent")
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    readonly_fields = ("username", "ip_address", "user_agent", "failures_since_start",
                       "attempt_time", "path_info")
    fields = readonly_fields
    actions = ["unlock_accounts", "unlock_addresses"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # unlock with the actions instead, so that it is audited

    @admin.action(description=_("Unlock the accounts of the selected rows"))
    def unlock_accounts(self, request, queryset):
        for username in {attempt.username for attempt in queryset if attempt.username}:
            lockout.unlock(username=username, request=request)
        self.message_user(request, _("Unlocked."), messages.SUCCESS)

    @admin.action(description=_("Unlock the addresses of the selected rows"))
    def unlock_addresses(self, request, queryset):
        for address in {attempt.ip_address for attempt in queryset if attempt.ip_address}:
            lockout.unlock(ip_address=address, request=request)
        self.message_user(request, _("Unlocked."), messages.SUCCESS)
