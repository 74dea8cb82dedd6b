"""The one read path: every screen that lists recommendations (the registry list, the API,
exports, dashboards, reports) narrows them with `RecommendationFilter`, so that a filter
means the same thing everywhere and a URL's query string is a complete, shareable view.

Query-string parameters (repeat a parameter for several values):

    q               full text (core.search: words ANDed, "phrases", `or`, -exclusion)
    mechanism       mechanism code (UPR, CRC, ...)                 any of the values
    state           ISO3 of the state under review                 any of the values
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
    sort            relevance, newest, oldest, state, paragraph

A recommendation has one value of a field such as position, so several values of it mean
"any of them"; it carries several terms, so several themes mean "all of them" (each one
narrows, as a click on a tag usually does). Invalid values are form errors and the
filter is then ignored; unknown ids simply match nothing (no look-up queries).
"""

import re
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nmirf.core import search as fts

from .models import (
    ActionCategory,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    State,
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


class AnyOfFilter(django_filters.Filter):
    """Keeps the rows whose field is any of the given values."""

    field_class = MultiValueField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class AllTermsFilter(django_filters.Filter):
    """Keeps the recommendations that carry every given term (each value narrows).
    `condition(value)` builds the Q on RecommendationTerm that one value means."""

    field_class = MultiValueField

    def __init__(self, *args, condition, **kwargs):
        self.condition = condition
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        for item in value or ():
            qs = qs.filter(
                id__in=RecommendationTerm.objects.filter(self.condition(item)).values(
                    "recommendation_id"
                )
            )
        return qs


class RecommendingStateFilter(django_filters.Filter):
    """Keeps the recommendations made by any of the given states (a subquery on the link
    table, so a joint recommendation is not listed twice)."""

    field_class = MultiValueField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(
            id__in=RecommendingState.objects.filter(state__iso3__in=value).values(
                "recommendation_id"
            )
        )


def _theme(term_id):
    return Q(term_id=term_id, term__taxonomy__code__in=THEME_TAXONOMIES)


def _affected(term_id):
    return Q(term_id=term_id, term__taxonomy__code=AFFECTED_TAXONOMY)


def _sdg(code):
    # A goal ("4") also matches the recommendations tagged with one of its targets ("4.1").
    return Q(term__taxonomy__code=SDG_TAXONOMY) & (Q(term__code=code) | Q(term__parent__code=code))


def _term(term_id):
    return Q(term_id=term_id)


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


# Every order is an order of reviews, then of recommendations by id within a review
# (imports create a review's recommendations in the order of the document, and paragraph
# numbers such as "118.12" after "118.2" sort neither as text nor as numbers). Written once,
# on reviews, so that the SQL ordering below and the in-memory one of the list page
# (registry_index.py) are the same order.
REVIEW_ORDERINGS = {
    Sort.NEWEST: [F("session").desc(nulls_last=True), F("date").desc(nulls_last=True), "id"],
    Sort.OLDEST: [F("session").asc(nulls_last=True), F("date").asc(nulls_last=True), "id"],
    Sort.STATE: ["state__name", F("session").desc(nulls_last=True),
                 F("date").desc(nulls_last=True), "id"],
    Sort.PARAGRAPH: ["id"],
}


def _on_recommendations(ordering):
    """A review ordering as an ordering of recommendations (then by id)."""
    prefixed = []
    for item in ordering:
        if isinstance(item, str):
            prefixed.append("review_id" if item == "id" else f"review__{item}")
        else:
            expression = item.copy()
            expression.expression = F(f"review__{item.expression.name}")
            prefixed.append(expression)
    return [*prefixed, "id"]


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


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"),
                                  max_length=fts.MAX_QUERY_CHARS)
    mechanism = AnyOfFilter(
        field_name="review__mechanism__code", coerce=_code, label=_("Mechanism")
    )
    state = AnyOfFilter(field_name="review__state__iso3", coerce=_iso3,
                        label=_("State under review"))
    review = AnyOfFilter(field_name="review_id", coerce=_positive_int, label=_("Review"))
    session = AnyOfFilter(field_name="review__session", coerce=_positive_int,
                          label=_("UPR session"))
    cycle = AnyOfFilter(field_name="review__cycle", coerce=_positive_int, label=_("Cycle"))
    position = django_filters.MultipleChoiceFilter(
        choices=Position.choices, label=_("Position"), widget=forms.MultipleHiddenInput,
        distinct=False,  # one value per recommendation: no duplicates to remove
    )
    action_category = django_filters.MultipleChoiceFilter(
        choices=[(str(value), label) for value, label in ActionCategory.choices],
        label=_("Action category"), widget=forms.MultipleHiddenInput, distinct=False,
    )
    recommending = RecommendingStateFilter(coerce=_iso3, label=_("Recommending state"))
    theme = AllTermsFilter(condition=_theme, coerce=_positive_int, label=_("Theme"))
    affected = AllTermsFilter(condition=_affected, coerce=_positive_int,
                              label=_("Affected persons"))
    sdg = AllTermsFilter(condition=_sdg, coerce=_code, label=_("Sustainable Development Goal"))
    term = AllTermsFilter(condition=_term, coerce=_positive_int, label=_("Term"))
    # What waits for a person's decision: recommendations an import flagged as possibly
    # the same as another (recommendations/duplicates.py).
    flagged = django_filters.MultipleChoiceFilter(
        choices=[("duplicate", _("Possible duplicate"))], method="filter_flagged",
        label=_("To decide"), widget=forms.MultipleHiddenInput,
    )
    sort = django_filters.ChoiceFilter(
        choices=Sort.CHOICES, method="filter_sort", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Recommendation
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Recommendation.objects.active()
        # No parameters is a valid request for everything, in the default order.
        super().__init__({} if data is None else data, queryset, **kwargs)

    # -- filters ---------------------------------------------------------------------

    def filter_q(self, queryset, name, value):
        return fts.search(queryset, value)

    def filter_flagged(self, queryset, name, value):
        if "duplicate" in value:
            queryset = queryset.filter(possible_duplicate_of__isnull=False)
        return queryset

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
        return Sort.NEWEST

    @property
    def sort_value(self) -> str:
        """The sort asked for, or "" for the default (the newest reviews first)."""
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
            return fts.order_by_relevance(queryset, self.query)
        if sort == Sort.STATE and (by_name := localized_state_order("review__state_id")):
            return queryset.order_by(by_name, *_ORDERINGS[sort])
        return queryset.order_by(*_ORDERINGS[sort])

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
