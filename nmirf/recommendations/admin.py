"""Reference data and records in the Django admin: the administrator's (accounts.permissions);
every change recorded in the audit trail; nothing a person or an import wrote deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nmirf.accounts import permissions
from nmirf.audit.admin_mixins import ArchivingAdmin, AuditedAdmin
from nmirf.core.admin import RecordAdmin, RecordInline, RuledAdmin
from nmirf.ingest import merging

from .models import (
    Document,
    Mandate,
    Mechanism,
    Recommendation,
    Review,
    SourceRecord,
    State,
    StateAlias,
    Taxonomy,
    Term,
    ThemeCrosswalk,
    UprSession,
)


class ReferenceDataAdmin(AuditedAdmin, RuledAdmin):
    rule = staticmethod(permissions.can_edit_reference_data)


class KeptRecordAdmin(AuditedAdmin, RecordAdmin):
    """Records that stay (reviews, documents, labels): changed, never deleted."""

    rule = staticmethod(permissions.can_edit_reference_data)


@admin.register(Mechanism)
class MechanismAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "kind", "follow_up_reply_years", "periodicity_years")
    list_filter = ("kind", "system")
    list_editable = ("follow_up_reply_years", "periodicity_years")
    search_fields = ("code", "name", "name_fr", "name_es", "name_ar")


@admin.register(Mandate)
class MandateAdmin(ReferenceDataAdmin):
    list_display = ("code", "title", "kind", "established")
    list_filter = ("kind",)
    search_fields = ("code", "title")


class StateAliasInline(admin.TabularInline):
    model = StateAlias
    fields = ("alias", "key")
    readonly_fields = ("key",)
    extra = 1


@admin.register(State)
class StateAdmin(ReferenceDataAdmin):
    list_display = ("iso3", "name", "regional_group")
    list_filter = ("regional_group",)
    search_fields = ("iso3", "name", "aliases__alias")
    inlines = [StateAliasInline]


@admin.register(StateAlias)
class StateAliasAdmin(ReferenceDataAdmin):
    list_display = ("alias", "state")
    search_fields = ("alias", "state__name", "state__iso3")
    autocomplete_fields = ("state",)
    readonly_fields = ("key",)

    def save_model(self, request, obj, form, change):
        from nmirf.core.text import name_key

        obj.key = name_key(obj.alias)
        super().save_model(request, obj, form, change)


@admin.register(UprSession)
class UprSessionAdmin(ReferenceDataAdmin):
    list_display = ("number", "cycle", "start_date", "end_date")
    list_filter = ("cycle",)
    filter_horizontal = ("states",)


@admin.register(Taxonomy)
class TaxonomyAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "is_open")


@admin.register(Term)
class TermAdmin(KeptRecordAdmin):
    """Labels that recommendations carry: renamed or moved, never deleted."""

    list_display = ("code", "name", "taxonomy", "parent")
    list_filter = ("taxonomy",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(ThemeCrosswalk)
class ThemeCrosswalkAdmin(ReferenceDataAdmin):
    """Which old theme is today's which: the next import follows an edit here; the links
    already made move with `nmirf seed` (seeding.apply_crosswalk)."""

    list_display = ("old_term", "term", "note")
    list_select_related = ("old_term", "term")
    search_fields = ("old_term__code", "old_term__name", "term__name")
    raw_id_fields = ("old_term", "term")


@admin.register(Review)
class ReviewAdmin(KeptRecordAdmin):
    list_display = ("key", "mechanism", "state", "cycle", "session", "label", "date")
    list_filter = ("mechanism", "cycle")
    search_fields = ("key", "state__name", "label")
    raw_id_fields = ("state", "mandate")


@admin.register(Document)
class DocumentAdmin(KeptRecordAdmin):
    list_display = ("symbol", "title", "date", "language")
    search_fields = ("symbol", "title")
    raw_id_fields = ("review",)


class SourceRecordInline(RecordInline):
    model = SourceRecord
    fields = ("source", "key", "location", "original_terms", "import_run")


class RecommendingStateInline(admin.TabularInline):
    """Who recommended it: edited here, each change recorded with the recommendation's."""

    model = Recommendation.recommending_states.through
    raw_id_fields = ("state",)
    extra = 0
    verbose_name = _("recommending state")
    verbose_name_plural = _("recommending states")


class RecommendationTermInline(admin.TabularInline):
    """Its labels (terms of every taxonomy), likewise."""

    model = Recommendation.terms.through
    raw_id_fields = ("term",)
    extra = 0
    verbose_name = _("label")
    verbose_name_plural = _("labels")


@admin.register(Recommendation)
class RecommendationAdmin(ArchivingAdmin, RecordAdmin):
    """Changes, archiving and restoring are recorded; deleting is not offered."""

    rule = staticmethod(permissions.can_edit_recommendations)
    list_display = ("__str__", "review", "position", "action_category", "archived")
    list_filter = ("position", "archived", "review__mechanism")
    search_fields = ("text", "paragraph", "external_key")
    raw_id_fields = ("review", "document", "possible_duplicate_of")
    readonly_fields = ("external_key",)
    exclude = ("recommending_states", "terms")
    inlines = [RecommendingStateInline, RecommendationTermInline, SourceRecordInline]
    list_select_related = ("review__state", "review__mechanism")

    def save_model(self, request, obj, form, change):
        # A person's values beat every source's: later imports only fill what is blank
        # (ingest/merging.py).
        if change and set(form.changed_data) & merging.VALUE_FIELDS:
            obj.values_from = merging.PERSON
            if "position" in form.changed_data:
                obj.positions_differ = False  # a person chose it
        super().save_model(request, obj, form, change)
