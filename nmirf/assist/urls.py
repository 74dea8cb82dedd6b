from django.urls import path

from . import views

app_name = "assist"

urlpatterns = [
    path("recommendations/<int:pk>/suggestions/<int:suggestion_pk>/", views.decide,
         name="decide"),
    path("suggestions/from-list/", views.review_from_list, name="review_from_list"),
]
