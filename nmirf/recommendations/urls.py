from django.urls import path

from . import duplicate_views, views

app_name = "recommendations"

urlpatterns = [
    path("", views.recommendation_list, name="list"),
    path("export.<str:fmt>", views.recommendation_export, name="export"),
    path("facets/<slug:key>/", views.facet_values, name="facet"),
    path("<int:pk>/", views.recommendation_detail, name="detail"),
    path("<int:pk>/duplicate/", duplicate_views.resolve_duplicate, name="resolve_duplicate"),
    path("<int:pk>/duplicate/merge/", duplicate_views.merge_duplicate, name="merge_duplicate"),
    path("merges/<int:pk>/undo/", duplicate_views.undo_merge, name="undo_merge"),
    path("<int:pk>/positions/", duplicate_views.settle_positions, name="settle_positions"),
]
