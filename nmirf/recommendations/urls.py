from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.recommendation_list, name="list"),
    path("export.<str:fmt>", views.recommendation_export, name="export"),
    path("facets/<slug:key>/", views.facet_values, name="facet"),
    path("<int:pk>/", views.recommendation_detail, name="detail"),
    path("<int:pk>/duplicate/", views.resolve_duplicate, name="resolve_duplicate"),
]
