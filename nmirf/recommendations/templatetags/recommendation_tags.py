"""Template helpers for the registry: links that add or remove one filter value while
keeping every other parameter, so that each facet click is a bookmarkable URL; the name of
a text's language; a text with the words a search matched marked; lists of names joined as
the reader's language joins them; a source format in words."""

from html import escape
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from nmirf.core import search
from nmirf.recommendations.filters import DEFINITIONS, home_state
from nmirf.recommendations.state_names import join_names as _join_names
from nmirf.recommendations.state_names import list_separator as _list_separator

register = template.Library()


def _query(params: QueryDict) -> str:
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _parameters(request) -> dict[str, list[str]]:
    """The request's parameters without the page number, read once per request: a list
    page makes a hundred facet links from them (a QueryDict copy each cost 30 µs)."""
    parameters = getattr(request, "_nmirf_parameters", None)
    if parameters is None:
        parameters = {key: request.GET.getlist(key) for key in request.GET if key != "page"}
        request._nmirf_parameters = parameters
    return parameters


@register.simple_tag(takes_context=True)
def toggle_url(context, param: str, value) -> str:
    """The current query string with `value` added to `param`, or removed if it is there;
    the page number is dropped, since the results change."""
    parameters = _parameters(context["request"])
    value = str(value)
    values = parameters.get(param, [])
    values = [item for item in values if item != value] if value in values else [*values, value]
    every = getattr(DEFINITIONS.get(param), "every", None)
    if every is not None:
        # A value chosen replaces "every state"; the last one removed leaves every state
        # asked for explicitly where the list would otherwise open on the home state.
        values = [item for item in values if item.lower() != every]
        if not values and home_state():
            values = [every]
    pairs = []  # in the order of the address, as QueryDict.urlencode gives them
    for key, items in parameters.items():
        pairs += [(key, item) for item in (values if key == param else items)]
    if param not in parameters:
        pairs += [(param, item) for item in values]
    encoded = urlencode(pairs)
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def facet_items(context, facet) -> str:
    """The <li> links of one facet's values: each adds its value to the filter, or removes
    it when selected. Made here rather than in a template loop, with the standard
    library's escape (what Django's calls, without its lazy-string checks): a list page
    shows a hundred of them, and the template engine took four times as long."""
    removal = escape(" " + str(_("(selected: remove this filter)")))
    items = []
    for item in facet.values:
        url = escape(toggle_url(context, facet.param, item.value))
        label, count = escape(str(item.label)), escape(intcomma(item.count))
        if item.selected:
            items.append(f'<li><a href="{url}" hx-get="{url}" class="selected">'
                         f'<span class="facet-label"><bdi>{label}</bdi><span '
                         f'class="visually-hidden">{removal}</span></span> '
                         f'<span class="facet-count">{count}</span></a></li>')
        else:
            items.append(f'<li><a href="{url}" hx-get="{url}"><span class="facet-label">'
                         f'<bdi>{label}</bdi></span> <span class="facet-count">{count}'
                         '</span></a></li>')
    return mark_safe("\n".join(items))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def without_filters_url(context) -> str:
    """The current query string with the search and the sort kept, and every filter of
    the page's filterset (whatever filters.py defines) and the page number removed."""
    query = context["request"].GET.copy()
    for param in [*context["filterset"].filters, "page"]:
        if param not in ("q", "sort"):
            query.pop(param, None)
    if home_state():  # every state, not the home state the list would open on
        for definition in DEFINITIONS.values():
            if definition.every is not None:
                query[definition.param] = definition.every
    return _query(query)


@register.filter
def review_label(review) -> str:
    """A short name for a review: "UPR 34 · Slovenia"."""
    from nmirf.recommendations.facets import review_label as label

    return label(review)


POSITION_BADGES = {
    "supported": "text-bg-success",
    "supported_in_part": "text-bg-info",
    "noted": "text-bg-secondary",
    "voluntary_pledge": "text-bg-dark",
}


@register.filter
def position_badge(position: str) -> str:
    """The Bootstrap badge classes for a position (each pair has a contrast of 4.5:1 or
    more)."""
    return POSITION_BADGES.get(position, "text-bg-light border")


@register.filter
def language_name(code: str) -> str:
    """The name of a language, in the reader's language ("French", "français", "الفرنسية"),
    from its code; the code itself where Django does not know it."""
    if not code:
        return ""
    for candidate in (code, code.split("-")[0]):
        try:
            return get_language_info(candidate)["name_translated"]
        except KeyError:
            continue
    return code


@register.filter
def highlight(text: str, words) -> str:
    """`{{ rec.text|highlight:search_words }}`: escaped, matched words in <mark>."""
    return search.highlight(text or "", words or set())


@register.simple_tag
def list_separator() -> str:
    """`{% list_separator %}` between the items of a list written out in a loop (links,
    say): what the reader's language puts there ("، " in Arabic, ", " otherwise)."""
    return _list_separator()


@register.filter
def join_names(names) -> str:
    """`{{ names|join_names }}`: the names joined as the reader's language joins a list
    (Arabic with its own comma "، ", the others with ", "). Escaped by the template."""
    return _join_names(names or ())


@register.filter
def source_format(code: str) -> str:
    """The name of a source format in words ("OHCHR recommendations matrix") from the
    code a source record stores ("ohchr_matrix")."""
    from nmirf.ingest.sources import source_title

    return source_title(code or "")
