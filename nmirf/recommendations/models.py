"""The registry: who recommends (mechanisms), to whom (states), when (reviews), from which
document, what (recommendations), and how it is classified (taxonomies and terms).

Reference values that sources mark UNVERIFIED (follow-up reply periods, periodicities) are
plain editable fields seeded with defaults, never constants in code.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nmirf.core.text import search_text

from .paragraphs import MISSING, paragraph_key


class MechanismKind(models.TextChoices):
    UPR = "upr", _("Universal Periodic Review")
    TREATY_BODY = "treaty_body", _("Treaty body")
    SPECIAL_PROCEDURE = "special_procedure", _("Special procedure")
    REGIONAL = "regional", _("Regional mechanism")


class Mechanism(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MechanismKind.choices, db_index=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    treaty = models.CharField(_("treaty"), max_length=200, blank=True)
    system = models.CharField(_("system"), max_length=50, blank=True)
    follow_up_reply_years = models.DecimalField(
        _("follow-up reply period (years)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    periodicity_years = models.DecimalField(
        _("reporting periodicity (years)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("mechanism")
        verbose_name_plural = _("mechanisms")

    def __str__(self) -> str:
        return f"{self.code} — {self.localized_name}"

    @property
    def localized_name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name


class Mandate(models.Model):
    """A special-procedure mandate (thematic or country)."""

    class Kind(models.TextChoices):
        THEMATIC = "thematic", _("Thematic")
        COUNTRY = "country", _("Country")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    established = models.PositiveSmallIntegerField(_("established"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")

    def __str__(self) -> str:
        return self.title


class RegionalGroup(models.TextChoices):
    AFRICAN = "african", _("African States")
    ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific States")
    EASTERN_EUROPEAN = "eastern_european", _("Eastern European States")
    GRULAC = "grulac", _("Latin American and Caribbean States")
    WEOG = "weog", _("Western European and other States")
    NONE = "", _("None")


class State(models.Model):
    """A state (ISO 3166-1), under review or recommending."""

    iso3 = models.CharField(_("ISO code"), max_length=3, unique=True)
    iso2 = models.CharField(max_length=2, blank=True)
    name = models.CharField(_("name"), max_length=200)
    regional_group = models.CharField(
        _("UN regional group"), max_length=20, choices=RegionalGroup.choices, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("state")
        verbose_name_plural = _("states")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the reader's language (the UN's short name: state_names.py)."""
        from .state_names import localized_name

        return localized_name(self.iso3, self.name)


class StateAlias(models.Model):
    """A name that real sources use for a state ("Venezuela (Bolivarian Republic of)",
    "Turkey", "DPR Korea"); `key` is the name folded by core.text.name_key."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200)
    key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["alias"]
        verbose_name = _("state alias")
        verbose_name_plural = _("state aliases")

    def __str__(self) -> str:
        return f"{self.alias} → {self.state.iso3}"


class UprSession(models.Model):
    """A UPR Working Group session: the dates that follow-up deadlines are computed from."""

    number = models.PositiveSmallIntegerField(_("session"), unique=True)
    cycle = models.PositiveSmallIntegerField(_("cycle"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    states = models.ManyToManyField(State, blank=True, related_name="upr_sessions")

    class Meta:
        ordering = ["number"]
        verbose_name = _("UPR session")
        verbose_name_plural = _("UPR sessions")

    def __str__(self) -> str:
        return _("UPR session %(n)s (cycle %(c)s)") % {"n": self.number, "c": self.cycle}


class Review(models.Model):
    """One examination of a state by a mechanism: a UPR session, a treaty body's periodic
    review, a country visit. `key` is stable across sources ("UPR:SVN:34")."""

    mechanism = models.ForeignKey(Mechanism, on_delete=models.PROTECT, related_name="reviews")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="reviews")
    key = models.CharField(max_length=120, unique=True)
    cycle = models.PositiveSmallIntegerField(_("cycle"), null=True, blank=True)
    session = models.PositiveSmallIntegerField(_("session"), null=True, blank=True, db_index=True)
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        ordering = ["mechanism__code", "state__name", "-session", "-date"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        if self.session:
            return _("%(state)s — UPR session %(session)s (cycle %(cycle)s)") % {
                "state": self.state.localized_name,
                "session": self.session,
                "cycle": self.cycle or "?",
            }
        return f"{self.state.localized_name} — {self.mechanism.code} {self.label}".strip()

    def upr_session(self) -> "UprSession | None":
        """The UPR Working Group session of this review, with its seeded dates (a UPR review
        imported from UPR Info or a matrix has a session number, no date of its own): what
        a page shows as the review's dates, as the follow-up deadlines count from it
        (followup.deadlines.review_dates). One query."""
        if not self.session:
            return None
        return UprSession.objects.filter(number=self.session).first()


class Document(models.Model):
    symbol = models.CharField(_("symbol"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )

    class Meta:
        ordering = ["symbol"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.symbol


class Taxonomy(models.Model):
    """A configurable classification. An *open* taxonomy grows when an import meets a new
    term (UHRI themes change between matrices); a closed one rejects unknown terms."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_open = models.BooleanField(_("open to new terms from imports"), default=False)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language (the shipped names are in the gettext
        catalogs: term_names.py)."""
        from .term_names import catalog_label

        return catalog_label(self.name)


class Term(models.Model):
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.CharField(_("code"), max_length=200)
    name = models.TextField(_("name"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["taxonomy", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="term_unique_code"),
        ]
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return term_label(self.code, self.name)


def term_label(code: str, name: str) -> str:
    """How a term is shown, in the reader's language (term_names.py): an SDG goal or
    target in the UN's text for that language; any other name through the gettext
    catalogs, after its code where the scheme has one of its own. UHRI themes come in
    several schemes that share names (Egypt's older "2.1", the cycle-2 matrices' "A12"),
    and without its code one would look like a duplicate of the other; the theme
    crosswalk (ThemeCrosswalk) puts the old codes' recommendations under today's
    themes."""
    from .term_names import catalog_label, sdg_name, written_label

    sdg = sdg_name(code, name)
    if sdg is not None:
        return sdg
    if not code or code == name or name.startswith(code):
        return catalog_label(name)
    return written_label(code, catalog_label(name))


class ThemeCrosswalk(models.Model):
    """An old term (a cycle-2 UHRI code such as "B31") and the term that carries its theme
    today ("Equality & non-discrimination"): an import that meets the old term labels the
    recommendation with today's (the old label stays on its source record), so that one
    theme is counted once across cycles. Seeded from seed/uhri_theme_crosswalk.csv; an
    administrator corrects or adds rows, which the next import follows."""

    old_term = models.OneToOneField(Term, on_delete=models.CASCADE, related_name="crosswalk",
                                    verbose_name=_("old term"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="crosswalked_from",
                             verbose_name=_("today's term"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["old_term__taxonomy", "old_term__code"]
        verbose_name = _("theme crosswalk row")
        verbose_name_plural = _("theme crosswalk")

    def __str__(self) -> str:
        return f"{self.old_term.label} → {self.term.label}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.old_term_id and self.old_term_id == self.term_id:
            raise ValidationError(_("A term cannot stand for itself."))
        if (self.old_term_id and self.term_id
                and self.old_term.taxonomy_id != self.term.taxonomy_id):
            raise ValidationError(_("Both terms must be of the same taxonomy."))
        if self.term_id and ThemeCrosswalk.objects.filter(old_term_id=self.term_id).exists():
            raise ValidationError(_("Today's term is itself mapped onto another: map onto "
                                    "that one."))


class Position(models.TextChoices):
    SUPPORTED = "supported", _("Supported")
    SUPPORTED_IN_PART = "supported_in_part", _("Supported in part")
    NOTED = "noted", _("Noted")
    VOLUNTARY_PLEDGE = "voluntary_pledge", _("Voluntary pledge")
    NONE = "none", _("No position")


class ActionCategory(models.IntegerChoices):
    """UPR Info's scale of how specific the requested action is."""

    MINIMAL = 1, _("1 — Minimal action")
    CONTINUING = 2, _("2 — Continuing action")
    CONSIDERING = 3, _("3 — Considering action")
    GENERAL = 4, _("4 — General action")
    SPECIFIC = 5, _("5 — Specific action")


class RecommendationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def with_related(self):
        return self.select_related("review__mechanism", "review__state", "document")

    def in_document_order(self):
        """By state under review, newest UPR session first, then each review's
        recommendations in the order of its document (paragraphs.py)."""
        return self.order_by("review__state__name", models.F("review__session").desc(
            nulls_last=True), "review_id", "paragraph_key", "pk")

    # Writes that bypass save() still derive the columns save() derives (the paragraph's
    # sort key, the folded text). A raw SQL write must do so itself (ingest/commit.py).

    def update(self, **kwargs):
        if isinstance(kwargs.get("paragraph"), str) and "paragraph_key" not in kwargs:
            kwargs["paragraph_key"] = paragraph_key(kwargs["paragraph"])
        if isinstance(kwargs.get("text"), str) and "search_text" not in kwargs:
            kwargs["search_text"] = search_text(kwargs["text"])
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.derive()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        for obj in objs:
            obj.derive()
        if "paragraph" in fields and "paragraph_key" not in fields:
            fields.append("paragraph_key")
        if "text" in fields and "search_text" not in fields:
            fields.append("search_text")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def visible_to(self, user):
        """The recommendations `user` may read (nmirf.accounts.permissions): imported late,
        the accounts app's models load after this one."""
        from nmirf.accounts.permissions import recommendations_visible_to

        return recommendations_visible_to(self, user)


class Recommendation(models.Model):
    # Indexed by rec_review_listing (review first): a separate FK index would only slow
    # bulk imports down.
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations",
                               db_index=False)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="recommendations"
    )
    paragraph = models.CharField(_("paragraph"), max_length=40, blank=True)
    # The paragraph as an integer that sorts in document order (115.2 < 115.10, 140.7 <
    # 140.7bis, a missing one last): paragraphs.py. Derived by save() and by this model's
    # bulk writes. The database's default (no paragraph) is there for the migration that
    # added it; ingest/tables.py still refuses a raw write that does not give it.
    paragraph_key = models.BigIntegerField(editable=False, db_default=MISSING)
    text = models.TextField(_("text"))
    # The text folded for full-text search (diacritics, Arabic forms): see core.text.
    search_text = models.TextField(editable=False, default="")
    # Indexed for full-text search outside this table: the FTS5 table recommendation_fts on
    # SQLite, the narrow table recommendation_search on PostgreSQL (migrations 0002, 0008),
    # both kept in step by triggers; core/search.py reads them.
    language = models.CharField(_("language"), max_length=8, default="en")
    position = models.CharField(
        _("position"), max_length=20, choices=Position.choices, default=Position.NONE,
    )
    action_category = models.PositiveSmallIntegerField(
        _("action category"), choices=ActionCategory.choices, null=True, blank=True,
    )
    # Position and action category are not indexed: they have five values each, so facet
    # counts scan anyway, and every index slows a bulk import down.
    # Stable across imports: re-importing the same source updates this row, never adds one.
    external_key = models.CharField(max_length=200, unique=True)
    recommending_states = models.ManyToManyField(
        State, through="RecommendingState", related_name="recommendations_made", blank=True
    )
    terms = models.ManyToManyField(
        Term, through="RecommendationTerm", related_name="recommendations", blank=True
    )
    # Set by an import when the same state/session/recommending state/text was already seen,
    # or nearly the same text from another source (ingest/commit.py); a person confirms or
    # clears it. Indexed only where set (rec_possible_duplicate).
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    archived = models.BooleanField(_("archived"), default=False)
    # Whose values the fields hold when several sources tell of this recommendation
    # (ingest/merging.py): the external key of that source record, empty for the one that
    # created it, or "person" once someone edited the fields in the admin.
    values_from = models.CharField(max_length=200, blank=True, default="", db_default="",
                                   editable=False)
    # Its sources give different positions (ingest/merging.py keeps the most authoritative
    # one's): for a person to check (duplicates.settle_positions clears it).
    positions_differ = models.BooleanField(_("positions differ"), default=False,
                                           db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecommendationQuerySet.as_manager()

    # Labels of values that tracking records in a recommendation's history (its
    # implementation status), so that the history reads in words.
    AUDIT_LABELS = {"implementation_status": _("implementation status"),
                    "status_reason": _("reason"),
                    # The follow-up calendar (nmirf/followup/services.py).
                    "follow_up": _("flagged for follow-up"),
                    "follow_up_replied": _("follow-up reply sent")}

    class Meta:
        ordering = ["review__state__name", "-review__session", "review_id", "paragraph_key",
                    "id"]
        indexes = [
            # Review first, for the foreign key; the other columns make it a covering index
            # for the registry index (registry_index.py), which then reads this index
            # rather than every row of the table, texts included.
            # The paragraph's sort key next to the review: a review's recommendations are
            # read in document order from the index (filters.py, registry_index.py).
            models.Index(fields=["review", "paragraph_key", "position", "action_category",
                                 "archived"], name="rec_review_listing"),
            # The few flagged rows only: the detail page's "marked as a possible duplicate
            # of this one" and the registry index's flag find them without reading the
            # table, and an import writes into it only for the rows it flags.
            models.Index(fields=["possible_duplicate_of"],
                         condition=models.Q(possible_duplicate_of__isnull=False),
                         name="rec_possible_duplicate"),
        ]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        prefix = f"{self.paragraph} " if self.paragraph else ""
        return f"{prefix}{self.text[:80]}"

    def save(self, *args, **kwargs):
        self.derive()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            update_fields = set(update_fields)
            if "text" in update_fields:
                update_fields.add("search_text")
            if "paragraph" in update_fields:
                update_fields.add("paragraph_key")
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """The columns derived from others: the folded text, the paragraph's sort key."""
        self.search_text = search_text(self.text)
        self.paragraph_key = paragraph_key(self.paragraph)


class RecommendingState(models.Model):
    # Both directions are covered by the unique constraint and the index below; the default
    # single-column FK indexes would double the cost of every bulk insert.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       db_index=False)
    state = models.ForeignKey(State, on_delete=models.PROTECT, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "state"], name="recommending_state_unique"
            ),
        ]
        indexes = [models.Index(fields=["state", "recommendation"], name="recstate_state")]

    def __str__(self) -> str:
        return f"{self.state_id} → {self.recommendation_id}"


class RecommendationTerm(models.Model):
    # As for RecommendingState: the constraint and the index cover both directions.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       db_index=False)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "term"], name="rec_term_unique"),
        ]
        indexes = [models.Index(fields=["term", "recommendation"], name="recterm_term")]

    def __str__(self) -> str:
        return f"{self.term_id} → {self.recommendation_id}"


class SourceRecord(models.Model):
    """Where a recommendation was seen: one row per source record (a UPR Info row, a matrix
    row, a template row). One recommendation, several sources."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="sources"
    )
    source = models.CharField(_("source"), max_length=30)
    key = models.CharField(max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    # A hash of every value this source gave, so that a re-import can say "unchanged"
    # without comparing field by field.
    content_hash = models.CharField(max_length=40, editable=False, default="")
    # The terms this source gave that the theme crosswalk replaced by today's, as the
    # source wrote them (term labels, one per line): the registry shows today's theme,
    # and this record what the document said.
    original_terms = models.TextField(_("terms as the source gave them"), blank=True,
                                      default="")
    # The values this source gave (paragraph, document, position, action category), kept
    # whichever source's values the recommendation shows (ingest/merging.py).
    given = models.JSONField(_("values as the source gave them"), default=dict, blank=True)
    # Not indexed: runs are never deleted, and each index slows every bulk import.
    import_run = models.ForeignKey(
        "ingest.ImportRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="source_record_unique"),
        ]
        verbose_name = _("source record")
        verbose_name_plural = _("source records")

    def __str__(self) -> str:
        return f"{self.source}: {self.location or self.key}"

    @property
    def original_term_list(self) -> list[str]:
        return [line for line in self.original_terms.splitlines() if line]

    @property
    def external_key(self) -> str:
        """The key a recommendation's values_from names this record by."""
        return f"{self.source}:{self.key}"

    @property
    def given_labels(self) -> list[tuple[str, str]]:
        """(field, value) of what this source gave, in the reader's language."""
        labels = {"paragraph": _("paragraph"), "document": _("document"),
                  "position": _("position"), "action_category": _("action category")}
        choices = {"position": dict(Position.choices),
                   "action_category": dict(ActionCategory.choices)}
        return [(str(labels[name]), str(choices.get(name, {}).get(value, value)))
                for name, value in (self.given or {}).items() if name in labels]


class Merge(models.Model):
    """A person's decision that two recommendations are one (duplicates.merge): the richer
    one is kept, filled with what only the other knew, and given the other's source
    records; the other is archived. What the merge changed is kept here, so that it can be
    undone (duplicates.undo) exactly: the kept one's fields as they were, the labels and
    recommending states it gained, the source records it took."""

    kept = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="merges")
    merged = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    # {field: value the kept one had before} for each field filled from the other.
    filled = models.JSONField(default=dict, blank=True)
    added_terms = models.JSONField(default=list, blank=True)  # term ids
    added_states = models.JSONField(default=list, blank=True)  # state ids
    moved_sources = models.JSONField(default=list, blank=True)  # source record ids
    # Which of the two the import had flagged (its possible_duplicate_of), to flag again
    # on undo.
    flagged = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("merge of duplicates")
        verbose_name_plural = _("merges of duplicates")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


class RegistryClock(models.Model):
    """One row: the tick of the last committed change to the registry, a random token
    drawn with it, and the horizon below which the change log has been pruned. Taken by
    the triggers of migration 0007 (see registry_changes.py), never written from Python
    but by the pruning."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    tick = models.BigIntegerField(default=0)
    token = models.BigIntegerField(default=0)
    horizon = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("registry clock")

    def __str__(self) -> str:
        return f"{self.tick}"


class RegistryChange(models.Model):
    """The change log that keeps each process's registry index up to date without
    rebuilding it: one row per changed recommendation per tick, with the parts of the index
    it makes stale (recommendation NULL: those parts are stale for every recommendation —
    the reviews, terms, states, mechanisms, taxonomies changed). Filled by
    database triggers (migration 0007), so no write path can miss it; read and pruned by
    registry_changes.py. No foreign key: a deleted recommendation's id must stay."""

    tick = models.BigIntegerField(db_index=True)
    token = models.BigIntegerField()
    recommendation_id = models.BigIntegerField(null=True)
    # Which parts of the index the change makes stale (registry_changes.ROW, REGISTRY,
    # ASSIGNED, ...: bits); the recommendation tables' triggers leave it at ROW.
    parts = models.SmallIntegerField(db_default=1)
    at = models.BigIntegerField()  # when, in seconds since 1970: what pruning goes by

    class Meta:
        verbose_name = _("registry change")

    def __str__(self) -> str:
        return f"{self.tick}: {self.recommendation_id}"
