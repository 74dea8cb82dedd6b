"""Registry counts: the figures `nmirf stats` prints and dashboards will build on."""

from django.db.models import Count

from nmirf.recommendations.models import Recommendation


def _counts(queryset, field: str) -> dict[str, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("id")).values_list(field, "n")
    return {str(key) if key is not None else "none": n for key, n in sorted(
        rows, key=lambda pair: (pair[0] is None, pair[0] if pair[0] is not None else 0))}


def registry_stats(queryset=None) -> dict:
    queryset = Recommendation.objects.active() if queryset is None else queryset
    return {
        "recommendations": queryset.count(),
        "by_mechanism": _counts(queryset, "review__mechanism__code"),
        "by_state": _counts(queryset, "review__state__iso3"),
        "by_position": _counts(queryset, "position"),
        "by_session": _counts(queryset.filter(review__session__isnull=False),
                              "review__session"),
    }
