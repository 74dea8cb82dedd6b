from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("", views.entity_list, name="entity_list"),
    path("new/", views.entity_create, name="entity_create"),
    path("<int:pk>/", views.entity_detail, name="entity_detail"),
    path("<int:pk>/edit/", views.entity_edit, name="entity_edit"),
    path("<int:pk>/archive/", views.entity_archive, name="entity_archive"),
    path("<int:pk>/restore/", views.entity_restore, name="entity_restore"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_pk>/end/", views.member_end, name="member_end"),
    path("<int:pk>/members/<int:membership_pk>/deputy/", views.member_deputy,
         name="member_deputy"),
]
