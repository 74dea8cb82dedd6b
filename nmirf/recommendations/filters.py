"""The one read path: every screen that lists recommendations (the registry list, the API,
exports, dashboards, reports) narrows them with `RecommendationFilter`, so that a filter
means the same thing everywhere and a URL's query string is a complete, shareable view.

Query-string parameters (repeat a parameter for several values):

    q               full text (core.search: words ANDed, "phrases", `or`, -exclusion), and
                    what a word names: a state, paragraph, document, term (registry_search)
    mechanism       mechanism code (UPR, CRC, ...)                 any of the values
    state           ISO3 of the state under review, or "all"       any of the values
    review          review id                                      any of the values
    session         UPR session number                             any of the values
    cycle           UPR cycle                                      any of the values
    position        supported, supported_in_part, noted, ...       any of the values
    action_category 1-5                                            any of the values
    recommending    ISO3 of a recommending state                   any of the values
    theme           term id (UHRI themes, UPR Info issues)         all of the values
    affected        term id (affected persons)                     all of the values
    sdg             SDG goal or target code ("4" also matches 4.1) all of the values
    term            term id of any taxonomy                        all of the values
    status          implementation status (not_started, in_progress, ...)  any of the values
    lead            entity id: who leads (tracking's lead rule)    any of the values
    cluster         cluster id                                     any of the values
    assigned        "me": assigned to the signed-in person's entities (lead or supporting)
    progress        "validated": a validated or published progress update on an action that
                    implements it (directly or through a cluster)
    overdue         "yes": an open deadline of its own (a follow-up reply) or of an incomplete
                    action that implements it (target date, indicator due) has passed
                    (followup/deadlines.py says it once)
    sort            relevance, newest, oldest, state, paragraph

A recommendation has one value of a field such as position, so several values of it mean
"any of them"; it carries several terms, so several themes mean "all of them" (each one
narrows, as a click on a tag usually does). Each filter is declared once, in FILTERS below.

Values that are malformed (`review=abc`) or name nothing the registry knows (`sdg=xyz`,
`review=999999`) are both the form's errors, said the same way ("“xyz” is not a valid
value."), and the filter is then left out: the list says so above its results, an export
refuses. Whether a value is known is asked of its small reference table, once per filter
in use, from the filter's own declaration (`FilterDefinition.known`).

The home state (settings.NMIRF_HOME_STATE, with NMIRF_LIST_HOME_SCOPE on) is where the
registry *list page* opens: a visit to the plain list or a plain search (no parameter but
`q`, `sort`, `page`, `expand`) is sent to the same address with `state=<home ISO3>` added
(views.recommendation_list), and `state=all` asks for every state explicitly. A link that
names something else (a review, a cluster, a lead, "assigned to me", "overdue") is a
question of its own and is answered over every state: sending it to the home state would
show a review of another state, or a cluster's members from elsewhere, as empty.
Either way the address in the browser says its scope — a
copied link, the export links and the list operations (cluster, assign, flag, share) that
carry the list's query string select the same recommendations —, and this filter set
itself never adds a state: the API, exports and dashboards given no `state` read every
state, as they always did. `state=all` is accepted everywhere and narrows nothing
(`FilterDefinition.every`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Case, Expression, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nmirf.accounts import permissions
from nmirf.core import search as fts
from nmirf.followup import deadlines
from nmirf.tracking import queries as tracking
from nmirf.tracking.models import Cluster, ClusterRecommendation, Entity, ImplementationStatus

from . import registry_search
from .models import (
    ActionCategory,
    Mechanism,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    State,
    Term,
)
from .state_names import sort_key

THEME_TAXONOMIES = ("uhri_themes", "upr_info_issues")
AFFECTED_TAXONOMY = "affected_persons"
SDG_TAXONOMY = "sdg"
# More values than this in one parameter is not a person's request.
MAX_VALUES = 50

_ISO3 = re.compile(r"^[A-Za-z]{3}$")
_CODE = re.compile(r"^[\w.\-]{1,200}$")


def _iso3(value: str) -> str:
    if not _ISO3.match(value):
        raise ValueError(value)
    return value.upper()


# The value of `state` that asks for every state (the list page would otherwise open on the
# home state): accepted by every reader of the query string, narrowing nothing.
ALL_STATES = "all"


def _iso3_or_all(value: str) -> str:
    if value.lower() == ALL_STATES:
        return ALL_STATES
    return _iso3(value)


# Parameters that do not say which recommendations are asked for: a request with no other
# opens on the home state.
_UNSCOPED_PARAMETERS = {"q", "sort", "page", "expand"}


def opens_on_home_state(query) -> bool:
    """Whether a list request is the plain list or a plain search, which the home scope
    narrows to the home state (see the module's docstring)."""
    return not set(query) - _UNSCOPED_PARAMETERS


def home_state() -> str | None:
    """The ISO3 of the state the list page opens on, or None where it opens on every state
    (no home state, or NMIRF_LIST_HOME_SCOPE off: the test settings)."""
    if not getattr(settings, "NMIRF_LIST_HOME_SCOPE", False):
        return None
    return getattr(settings, "NMIRF_HOME_STATE", "") or None


def _code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError(value)
    return value


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 0 or number > 2**62:
        raise ValueError(value)
    return number


class MultiValueField(forms.Field):
    """A repeated query-string parameter (`?theme=3&theme=9`) as a list of coerced values,
    checked by form only (no database look-up)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, coerce=str, **kwargs):
        self.coerce = coerce
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = [value]
        cleaned = []
        for item in value:
            item = str(item).strip()
            if not item:
                continue
            try:
                coerced = self.coerce(item)
            except (TypeError, ValueError):
                raise ValidationError(
                    _("“%(value)s” is not a valid value."),
                    code="invalid", params={"value": item[:50]},
                ) from None
            if coerced not in cleaned:
                cleaned.append(coerced)
        if len(cleaned) > MAX_VALUES:
            raise ValidationError(
                _("At most %(max)s values are allowed."), code="max_values",
                params={"max": MAX_VALUES},
            )
        return cleaned


# -- what each filter means, once ------------------------------------------------------------
#
# A filter is declared below (FILTERS), once: its parameter, how a value is checked, what
# it reads — a column of the recommendation, a column of its review, or a link table —,
# how a value maps to the stored ids it stands for (a look-up on a small reference table)
# and whether several values mean "any of them" or "all of them". From that one
# declaration come both the SQL of the django-filter below (`FilterDefinition.filter`) and
# the in-memory answer of the registry index (registry_index.RegistryIndex.filter_mask);
# tests/recommendations/test_filter_parity.py holds the two together for every filter.

ANY, ALL = "any", "all"


@dataclass(frozen=True)
class Column:
    """A value stored once per recommendation: `expression` is what SQL compares (a field
    path from Recommendation, or an expression), `array` the RegistryIndex attribute that
    keeps it in memory (None: the index does not, and the filter goes to the database).
    `per_review`: the array is indexed by review id, the column is the review's. `codes`:
    the index keeps a value as its place in this list (text columns)."""

    expression: str | Expression
    array: str | None = None
    per_review: bool = False
    codes: tuple | None = None


@dataclass(frozen=True)
class Link:
    """Values a recommendation has several of, in a link table: `column` of `model` (whose
    `recommendation_id` says whose), kept in memory as the pair of arrays
    (`rec_array`, `value_array`) of RegistryIndex."""

    model: type
    column: str
    rec_array: str
    value_array: str


@dataclass(frozen=True)
class Derived:
    """Values that a rule derives from several tables rather than one column or link (who
    leads: tracking's lead rule over assignments and clusters). `condition(ids)` is the
    SQL (a Q on recommendations); the index keeps the (recommendation, value) pairs the
    rule gives as `rec_array`/`value_array`, read whole by `registry_index._tracking`
    whenever one of the tables the rule reads changes (they are logged as reference
    tables, registry_changes.py)."""

    condition: Callable[[object], Q]
    rec_array: str
    value_array: str


@dataclass(frozen=True)
class Due:
    """Dates that pass without any write: "overdue". `condition(today)` is the SQL (a Q on
    recommendations, built at each request for that day); the index keeps the
    (recommendation, date ordinal) pairs of every open deadline as `rec_array`/
    `date_array`, read whole with the reference data when a table they come from changes,
    and compares them with today's ordinal at each request — so the index is never stale
    for a date that passed since it was read."""

    condition: Callable[[object], Q]
    rec_array: str
    date_array: str


@dataclass(frozen=True)
class Lookup:
    """How one value of a filter maps to stored ids: the ids of the rows of `model` (a
    small reference table: any change to it is logged as "reference changed", see
    registry_changes.py) that `match(value)` selects."""

    model: type
    match: Callable[[object], Q]
    # False where a value's ids change with tables that are not logged, or with who asks
    # ("assigned to me"): the index asks the database on each request.
    cached: bool = True
    # The field of `model` that a value names (known values: FilterDefinition.known);
    # None where no one value is a field (a personal value, "me").
    key: str | None = None

    def ids(self, values) -> QuerySet:
        condition = Q(pk__in=[])
        for value in values:
            condition |= self.match(value)
        return self.model.objects.filter(condition).values("pk")


@dataclass(frozen=True)
class FilterDefinition:
    param: str
    label: str
    reads: Column | Link | Derived | Due
    combine: str = ANY  # ANY: any of the values; ALL: each value narrows
    coerce: Callable = str  # checks and converts one query-string value (ValueError: invalid)
    choices: list | None = None  # the values allowed, with their labels, if a fixed list
    lookup: Lookup | None = None  # value -> the stored ids it stands for
    stored: Callable = staticmethod(lambda value: value)  # value -> stored value (no lookup)
    # The value names the person who asks ("me"): the filter set binds it to the request's
    # user (Me), so that nothing in the query string can name someone else.
    personal: bool = False
    # The values the registry knows, where `lookup` does not say: (model, field), the
    # field of a reference table that a value must be found in (known()).
    domain: tuple | None = None
    # A value that asks for every value explicitly (state=all): it narrows nothing.
    every: str | None = None

    def known(self, values) -> set:
        """Which of these (cleaned) values name something the registry has: one query on
        a small reference table — the look-up's, or the `domain`'s. A fixed list of
        choices is checked by the form already. tests/recommendations/test_filters.py
        checks that every filter says it."""
        if self.choices is not None or not values:
            return set(values)
        if self.lookup is not None and self.lookup.key is not None:
            rows = self.lookup.ids(values).values_list(self.lookup.key, flat=True)
        elif self.domain is not None:
            model, column = self.domain
            rows = model.objects.filter(**{f"{column}__in": values}).values_list(column,
                                                                                 flat=True)
        else:
            # A declaration error, caught by test_filters for every filter in FILTERS.
            raise ImproperlyConfigured(f"the filter {self.param} does not say its values")
        found = {str(value) for value in rows}
        if self.lookup is not None and self.lookup.key == "iso3":
            found = {value.upper() for value in found}
        return {value for value in values if str(value) in found}

    def cleaned(self, values) -> list:
        """The form's values as the filter compares them (a choice field gives text)."""
        if self.choices is None:
            return list(values)
        return [self.coerce(value) for value in values]

    def groups(self, values) -> list[list]:
        """The values as groups that narrow one after the other: one group of every value
        for ANY, one group per value for ALL."""
        return [list(values)] if self.combine == ANY else [[value] for value in values]

    def stored_values(self, values):
        """What SQL compares the column with for these values: the stored values, or a
        subquery of the ids the look-up gives."""
        if self.lookup is not None:
            return self.lookup.ids(values)
        return [self.stored(value) for value in values]

    def filter(self, queryset: QuerySet, values) -> QuerySet:
        """The SQL meaning: the recommendations of `queryset` that these values keep."""
        for group in self.groups(values or ()):
            wanted = self.stored_values(group)
            if isinstance(self.reads, Due):
                queryset = queryset.filter(self.reads.condition(deadlines.today()) if wanted
                                           else Q(pk__in=[]))
            elif isinstance(self.reads, Derived):
                queryset = queryset.filter(self.reads.condition(wanted))
            elif isinstance(self.reads, Link):
                queryset = queryset.filter(id__in=self.reads.model.objects.filter(
                    **{f"{self.reads.column}__in": wanted}).values("recommendation_id"))
            elif isinstance(self.reads.expression, str):
                queryset = queryset.filter(**{f"{self.reads.expression}__in": wanted})
            else:
                alias = f"_filter_{self.param}"
                queryset = queryset.alias(**{alias: self.reads.expression}).filter(
                    **{f"{alias}__in": wanted})
        return queryset

    def django_filter(self) -> "DefinedFilter":
        return DefinedFilter(definition=self, label=self.label)


class DefinedFilter(django_filters.Filter):
    """The django-filter of a FilterDefinition: its form field checks the values, its
    filter is the definition's SQL."""

    def __init__(self, *args, definition: FilterDefinition, **kwargs):
        self.definition = definition
        if definition.choices is not None:
            self.field_class = forms.MultipleChoiceField
            kwargs.update(choices=definition.choices, widget=forms.MultipleHiddenInput)
        else:
            self.field_class = MultiValueField
            kwargs.update(coerce=definition.coerce)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return self.definition.filter(qs, self.definition.cleaned(value))


def _sdg_match(code) -> Q:
    # A goal ("4") also matches the recommendations tagged with one of its targets ("4.1").
    return Q(taxonomy__code=SDG_TAXONOMY) & (Q(code=code) | Q(parent__code=code))


_STATE_BY_ISO3 = Lookup(State, lambda iso3: Q(iso3=iso3), key="iso3")
_TERMS = Link(RecommendationTerm, "term_id", rec_array="term_rec", value_array="term_id")

# The values of the "To decide" filter as RegistryIndex.flagged keeps them.
FLAGGED = {"duplicate": 1, "positions": 2}

FILTERS = [
    FilterDefinition(
        "mechanism", _("Mechanism"), Column("review__mechanism_id", "mechanism_of_review",
                                            per_review=True),
        coerce=_code, lookup=Lookup(Mechanism, lambda code: Q(code=code), key="code")),
    FilterDefinition(
        "state", _("State under review"), Column("review__state_id", "review_state",
                                                 per_review=True),
        coerce=_iso3_or_all, lookup=_STATE_BY_ISO3, every=ALL_STATES),
    FilterDefinition("review", _("Review"), Column("review_id", "review"),
                     coerce=_positive_int, domain=(Review, "pk")),
    FilterDefinition("session", _("UPR session"),
                     Column("review__session", "review_session", per_review=True),
                     coerce=_positive_int, domain=(Review, "session")),
    FilterDefinition("cycle", _("Cycle"),
                     Column("review__cycle", "review_cycle", per_review=True),
                     coerce=_positive_int, domain=(Review, "cycle")),
    FilterDefinition("position", _("Position"),
                     Column("position", "position", codes=tuple(Position.values)),
                     choices=Position.choices),
    FilterDefinition("action_category", _("Action category"),
                     Column("action_category", "action"),
                     choices=[(str(value), label) for value, label in ActionCategory.choices],
                     coerce=int),
    FilterDefinition(
        "recommending", _("Recommending state"),
        Link(RecommendingState, "state_id", rec_array="state_rec", value_array="state_id"),
        coerce=_iso3, lookup=_STATE_BY_ISO3),
    FilterDefinition(
        "theme", _("Theme"), _TERMS, combine=ALL, coerce=_positive_int,
        lookup=Lookup(Term, lambda pk: Q(pk=pk, taxonomy__code__in=THEME_TAXONOMIES),
                      key="pk")),
    FilterDefinition(
        "affected", _("Affected persons"), _TERMS, combine=ALL, coerce=_positive_int,
        lookup=Lookup(Term, lambda pk: Q(pk=pk, taxonomy__code=AFFECTED_TAXONOMY),
                      key="pk")),
    FilterDefinition("sdg", _("Sustainable Development Goal"), _TERMS, combine=ALL,
                     coerce=_code, lookup=Lookup(Term, _sdg_match, key="code")),
    FilterDefinition("term", _("Term"), _TERMS, combine=ALL, coerce=_positive_int,
                     lookup=Lookup(Term, lambda pk: Q(pk=pk), key="pk")),
    # What waits for a person's decision: recommendations an import flagged as possibly
    # the same as another (recommendations/duplicates.py), and those whose sources give
    # different positions (ingest/merging.py). One value each: a possible duplicate is
    # decided first.
    FilterDefinition(
        "flagged", _("To decide"),
        Column(Case(When(possible_duplicate_of__isnull=False, then=Value(FLAGGED["duplicate"])),
                    When(positions_differ=True, then=Value(FLAGGED["positions"])),
                    default=Value(0), output_field=IntegerField()), "flagged"),
        choices=[("duplicate", _("Possible duplicate")), ("positions", _("Positions differ"))],
        stored=lambda value: FLAGGED[value]),
]

# -- tracking (nmirf/tracking): what the state does about a recommendation -----------------

class Me(str):
    """The value "me" of a filter, bound to the person who asks (RecommendationFilter sets
    `user_id` from the request, never from the query string): it reads as "me" in URLs and
    chips; without a signed-in person it selects nothing."""

    user_id: int | None = None

    @classmethod
    def of(cls, user) -> "Me":
        me = cls("me")
        me.user_id = user.pk if user is not None and user.is_authenticated else None
        return me


def _my_entities(me) -> Q:
    user_id = getattr(me, "user_id", None)
    if user_id is None:
        return Q(pk__in=[])
    return Q(memberships__user_id=user_id, memberships__ended=False)


FILTERS += [
    # A recommendation without a status row has not started (tracking.RecommendationStatus).
    FilterDefinition(
        "status", _("Implementation status"),
        Column(Coalesce(F("implementation__status"), Value(ImplementationStatus.NOT_STARTED)),
               "implementation_status", codes=tuple(ImplementationStatus.values)),
        choices=ImplementationStatus.choices),
    FilterDefinition("lead", _("Lead entity"),
                     Derived(tracking.led_by, rec_array="lead_rec", value_array="lead_entity"),
                     coerce=_positive_int, domain=(Entity, "pk")),
    FilterDefinition("cluster", _("Cluster"),
                     Link(ClusterRecommendation, "cluster_id", rec_array="cluster_rec",
                          value_array="cluster_id"),
                     coerce=_positive_int, domain=(Cluster, "pk")),
    # The person's entities come from the request's user (Me), never from the query string:
    # "me" is the only value, anything else is the form's error.
    FilterDefinition("assigned", _("Assigned"),
                     Derived(tracking.assigned_to, rec_array="assigned_rec",
                             value_array="assigned_entity"),
                     choices=[("me", _("Assigned to me"))], coerce=lambda value: value,
                     lookup=Lookup(Entity, _my_entities, cached=False), personal=True),
    # Recommendations whose implementation someone reported and the secretariat checked
    # ("has validated progress"); one value, stored as 1 in the index's pairs.
    FilterDefinition("progress", _("Progress"),
                     Derived(tracking.with_validated_progress, rec_array="progress_rec",
                             value_array="progress_value"),
                     choices=[("validated", _("Validated progress reported"))],
                     stored=lambda value: 1),
    # Recommendations with an open deadline that has passed (followup/deadlines.py:
    # its follow-up reply, or an incomplete action's target date or indicator due date).
    FilterDefinition("overdue", _("Deadline"),
                     Due(deadlines.overdue_condition, rec_array="due_rec",
                         date_array="due_date"),
                     choices=[("yes", _("Overdue"))]),
]
DEFINITIONS = {definition.param: definition for definition in FILTERS}


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"
    STATE = "state"
    PARAGRAPH = "paragraph"

    CHOICES = [
        (RELEVANCE, _("Relevance")),
        (NEWEST, _("Newest review first")),
        (OLDEST, _("Oldest review first")),
        (STATE, _("State under review")),
        (PARAGRAPH, _("Document order")),
    ]


# Every order is an order of reviews, then of each review's recommendations in the order
# of its document: by paragraph as paragraphs.py sorts them ("115.2" before "115.10",
# "140.7bis" after "140.7", none last; stored as Recommendation.paragraph_key), then by id.
# Written once, on reviews, so that the SQL ordering below and the in-memory one of the
# list page (registry_index.py) are the same order.
REVIEW_ORDERINGS = {
    Sort.NEWEST: [F("session").desc(nulls_last=True), F("date").desc(nulls_last=True), "id"],
    Sort.OLDEST: [F("session").asc(nulls_last=True), F("date").asc(nulls_last=True), "id"],
    Sort.STATE: ["state__name", F("session").desc(nulls_last=True),
                 F("date").desc(nulls_last=True), "id"],
    Sort.PARAGRAPH: ["id"],
}
# Within a review.
DOCUMENT_ORDER = ["paragraph_key", "id"]


def _on_recommendations(ordering):
    """A review ordering as an ordering of recommendations (then in document order)."""
    prefixed = []
    for item in ordering:
        if isinstance(item, str):
            prefixed.append("review_id" if item == "id" else f"review__{item}")
        else:
            expression = item.copy()
            expression.expression = F(f"review__{item.expression.name}")
            prefixed.append(expression)
    return [*prefixed, *DOCUMENT_ORDER]


_ORDERINGS = {sort: _on_recommendations(ordering) for sort, ordering in REVIEW_ORDERINGS.items()}


def localized_state_order(state_field: str):
    """An expression that orders rows by the name of their state in the active language
    (folded as name_key folds it: "Égypte" with "E"), or None in English, where the
    registry's own names already sort that way. States with the same folded name share a
    place, and the ordering that follows (English names) settles them, as the list page's
    in-memory order does (registry_index.py)."""
    language = (translation.get_language() or "en").split("-")[0]
    if language == "en":
        return None
    keys = {pk: sort_key(iso3, name)
            for pk, iso3, name in State.objects.values_list("pk", "iso3", "name")}
    place = {key: index for index, key in enumerate(sorted(set(keys.values())))}
    return Case(*[When(**{state_field: pk}, then=Value(place[key])) for pk, key in keys.items()],
                default=Value(len(place)), output_field=IntegerField())


class FilterForm(forms.Form):
    """The filters' form: a personal value ("me") is bound to the signed-in person."""

    user = None

    def clean(self):
        cleaned = super().clean()
        for definition in FILTERS:
            values = cleaned.get(definition.param)
            if not values:
                continue
            if definition.every is not None and definition.every in values:
                # "Every state" (with or without others): no narrowing.
                cleaned[definition.param] = []
                continue
            if definition.personal:
                cleaned[definition.param] = [Me.of(self.user)]
                continue
            # A value that names nothing is said as a malformed one is (review=abc):
            # the filter is left out, and the page says why.
            known = definition.known(definition.cleaned(values))
            unknown = [value for value in definition.cleaned(values) if value not in known]
            if unknown:
                self.add_error(definition.param, ValidationError(
                    _("“%(value)s” is not a valid value."), code="unknown",
                    params={"value": str(unknown[0])[:50]}))
        return cleaned


# Filters that read what only some people may read, with who may use them (everyone else
# gets the value refused like an unknown one, and no facet).
RESTRICTED_FILTERS = {
    "progress": permissions.can_filter_by_validated_progress,
    "overdue": permissions.can_filter_by_overdue,
}


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"),
                                  max_length=fts.MAX_QUERY_CHARS)
    # Every filter of FILTERS, declared by name for the form and the admin of filters.
    locals().update({definition.param: definition.django_filter() for definition in FILTERS})
    sort = django_filters.ChoiceFilter(
        choices=Sort.CHOICES, method="filter_sort", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Recommendation
        fields: list[str] = []
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        if queryset is None:
            queryset = Recommendation.objects.active()
        # No parameters is a valid request for everything, in the default order.
        super().__init__({} if data is None else data, queryset, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)

    @property
    def form(self):
        """The form, told who asks (`user`, or the `request`'s): "assigned to me" reads it."""
        if not hasattr(self, "_form"):
            form = super().form
            form.user = self.user
            if self.user is not None:
                for param, allowed in RESTRICTED_FILTERS.items():
                    if not allowed(self.user):
                        # Not theirs to ask: the value is refused as an unknown one would be.
                        form.fields[param].choices = []
        return self._form

    # -- filters ---------------------------------------------------------------------

    def filter_q(self, queryset, name, value):
        # The words of the text, and what a word names that the text does not hold (a
        # state, a paragraph, a document, a term): registry_search.py.
        return registry_search.search(queryset, value)

    def filter_sort(self, queryset, name, value):
        # Ordering is applied last, by filter_queryset, once every filter has narrowed.
        return queryset

    # -- the filtered queryset ----------------------------------------------------------

    def filter_queryset(self, queryset):
        if self.search_problem:  # a search refused selects nothing, never everything
            return queryset.none()
        return self.order(super().filter_queryset(queryset))

    def filtered(self, exclude=(), queryset: QuerySet | None = None) -> QuerySet:
        """The queryset narrowed by every valid filter except those named in `exclude`,
        unordered: what facet counts and aggregates start from. `queryset` replaces the
        starting set (the active recommendations) where the caller accounts for archived
        ones itself."""
        queryset = (self.queryset if queryset is None else queryset).all()
        if self.search_problem:
            return queryset.none()
        if self.is_bound:
            self.errors  # noqa: B018 - validates the form
            for name, value in self.form.cleaned_data.items():
                if name in exclude or name == "sort":
                    continue
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    def value(self, name):
        """The cleaned value of one parameter (empty when absent or invalid)."""
        if not self.is_bound:
            return None
        self.errors  # noqa: B018 - validates the form
        return self.form.cleaned_data.get(name)

    @property
    def query(self) -> str:
        return (self.value("q") or "").strip()

    @cached_property
    def search_problem(self) -> str | None:
        """Why the search given is answered with no results (too long, or only words as
        common as "the"), for the page to say; None otherwise. Read by every facet's
        queryset and the page: parsed once."""
        if not self.is_bound:
            return None
        return fts.query_problem(str(self.data.get("q") or ""))

    @property
    def filter_errors(self) -> dict:
        """The errors of the filters left out (the search's own is search_problem)."""
        return {name: errors for name, errors in self.errors.items() if name != "q"}

    @property
    def sort_key(self) -> str:
        sort = self.value("sort")
        if sort == Sort.RELEVANCE and not self.query:
            sort = None
        return sort or self.default_sort

    @property
    def default_sort(self) -> str:
        # Newest review first, with a search too: the order the follow-up work reads in
        # (the current cycle first), and one that needs no ranking of every match —
        # relevance is one choice away (docs/developer-guide.md, "Fast list pages").
        # The recommendations of one review are read as its document lists them.
        if len(self.value("review") or ()) == 1:
            return Sort.PARAGRAPH
        return Sort.NEWEST

    @property
    def sort_value(self) -> str:
        """The sort asked for, or "" for the default (default_sort)."""
        sort = self.sort_key
        return "" if sort == self.default_sort else sort

    @property
    def sort_options(self) -> list[tuple[str, str]]:
        """[(value, label)] for a sort menu: "" is the default order, named for what it is
        now; relevance is offered only with a search."""
        labels = dict(Sort.CHOICES)
        default = self.default_sort
        return [("", labels[default])] + [
            (key, label) for key, label in Sort.CHOICES
            if key != default and (key != Sort.RELEVANCE or self.query)
        ]

    def order(self, queryset):
        sort = self.sort_key
        if sort == Sort.RELEVANCE:
            return registry_search.order_by_relevance(queryset, self.query)
        if sort == Sort.STATE and (by_name := localized_state_order("review__state_id")):
            return queryset.order_by(by_name, *_ORDERINGS[sort])
        return queryset.order_by(*_ORDERINGS[sort])

    @property
    def every_asked(self) -> list[tuple[str, str]]:
        """[(parameter, value)] of the filters asked for every value explicitly
        (state=all), which active_filters leaves out: the list keeps them in its form."""
        if not self.is_bound:
            return []
        asked = []
        for definition in FILTERS:
            if definition.every is None:
                continue
            values = (self.data.getlist(definition.param) if hasattr(self.data, "getlist")
                      else self.data.get(definition.param) or [])
            values = [values] if isinstance(values, str) else values
            if definition.every in [str(value).strip().lower() for value in values]:
                asked.append((definition.param, definition.every))
        return asked

    @property
    def active_filters(self) -> dict[str, list]:
        """{parameter: [values]} for every filter in use (not q or sort)."""
        active = {}
        if not self.is_bound:
            return active
        self.errors  # noqa: B018 - validates the form
        for name, value in self.form.cleaned_data.items():
            if name in ("q", "sort") or not value:
                continue
            active[name] = list(value)
        return active


def registry_filter(data, user=None, *, request=None) -> RecommendationFilter:
    """The list page's filters over the active recommendations `user` may read: the list,
    the operations on a whole list and the exports all start here. `user` None is the
    command line's own access (every active recommendation); a request gives its user."""
    if request is not None:
        user = request.user
    queryset = Recommendation.objects.active()
    if user is not None:
        queryset = queryset.visible_to(user)
    return RecommendationFilter(data, queryset, user=user, request=request)
