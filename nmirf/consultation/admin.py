"""Consultation in the admin, read-only for the administrator: sharing and moderation
happen on the site's pages, where they are checked and recorded in the audit trail."""

from django.contrib import admin

from nmirf.tracking.admin import ReadOnlyRecordAdmin

from .models import Comment, Sharing


@admin.register(Sharing)
class SharingAdmin(ReadOnlyRecordAdmin):
    list_display = ("__str__", "shared", "changed_by", "changed_at")
    list_filter = ("shared",)


@admin.register(Comment)
class CommentAdmin(ReadOnlyRecordAdmin):
    list_display = ("__str__", "recommendation", "state", "created_at", "moderated_by")
    list_filter = ("state",)
    search_fields = ("text",)
