from django.urls import path

from . import views

app_name = "consultation"

urlpatterns = [
    path("comments/", views.comment_list, name="comment_list"),
    path("comments/<int:pk>/moderate/", views.comment_moderate, name="comment_moderate"),
    path("recommendations/<int:pk>/comment/", views.comment_create, name="comment_create"),
    path("recommendations/<int:pk>/share/", views.share_recommendation,
         name="share_recommendation"),
    path("share/from-list/", views.share_from_list, name="share_from_list"),
    path("clusters/<int:pk>/share/", views.share_cluster, name="share_cluster"),
]
