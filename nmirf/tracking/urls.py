from django.urls import path

from . import (
    action_views,
    assignment_views,
    cluster_views,
    indicator_views,
    progress_views,
    status_views,
    views,
)

app_name = "tracking"

urlpatterns = [
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/new/", views.entity_create, name="entity_create"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/<int:pk>/edit/", views.entity_edit, name="entity_edit"),
    path("entities/<int:pk>/archive/", views.entity_archive, name="entity_archive"),
    path("entities/<int:pk>/restore/", views.entity_restore, name="entity_restore"),
    path("entities/<int:pk>/members/", views.member_add, name="member_add"),
    path("entities/<int:pk>/members/<int:membership_pk>/end/", views.member_end,
         name="member_end"),
    path("entities/<int:pk>/members/<int:membership_pk>/deputy/", views.member_deputy,
         name="member_deputy"),
    path("clusters/", cluster_views.cluster_list, name="cluster_list"),
    path("clusters/new/", cluster_views.cluster_create, name="cluster_create"),
    path("clusters/from-list/", cluster_views.cluster_from_list, name="cluster_from_list"),
    path("clusters/<int:pk>/", cluster_views.cluster_detail, name="cluster_detail"),
    path("clusters/<int:pk>/edit/", cluster_views.cluster_edit, name="cluster_edit"),
    path("clusters/<int:pk>/archive/", cluster_views.cluster_archive, name="cluster_archive"),
    path("clusters/<int:pk>/recommendations/<int:recommendation_pk>/remove/",
         cluster_views.cluster_remove, name="cluster_remove"),
    path("clusters/add/<int:recommendation_pk>/", cluster_views.cluster_add_one,
         name="cluster_add_one"),
]

# Assignments, "My recommendations", implementation status.
urlpatterns += [
    path("assign/from-list/", assignment_views.assign_from_list, name="assign_from_list"),
    path("assign/recommendation/<int:recommendation_pk>/", assignment_views.assign_one,
         name="assign_one"),
    path("clusters/<int:pk>/assign/", assignment_views.assign_cluster, name="assign_cluster"),
    path("assignments/<int:pk>/end/", assignment_views.assignment_end, name="assignment_end"),
    path("my/", assignment_views.my_recommendations, name="my_recommendations"),
    path("status/<int:recommendation_pk>/", status_views.status_edit, name="status_edit"),
    path("actions/", action_views.action_list, name="action_list"),
    path("actions/new/", action_views.action_create, name="action_create"),
    path("actions/<int:pk>/", action_views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", action_views.action_edit, name="action_edit"),
    path("actions/<int:pk>/archive/", action_views.action_archive, name="action_archive"),
]

# Indicators, progress updates and their evidence.
urlpatterns += [
    path("actions/<int:action_pk>/indicators/new/", indicator_views.indicator_create,
         name="indicator_create"),
    path("indicators/<int:pk>/edit/", indicator_views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/archive/", indicator_views.indicator_archive,
         name="indicator_archive"),
    path("actions/<int:action_pk>/progress/new/", progress_views.progress_create,
         name="progress_create"),
    path("progress/", progress_views.progress_list, name="progress_list"),
    path("progress/<int:pk>/", progress_views.progress_detail, name="progress_detail"),
    path("progress/<int:pk>/edit/", progress_views.progress_edit, name="progress_edit"),
    path("progress/<int:pk>/evidence/", progress_views.evidence_upload, name="evidence_upload"),
    path("progress/<int:pk>/step/<str:name>/", progress_views.progress_transition,
         name="progress_transition"),
    path("evidence/<int:pk>/", progress_views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/archive/", progress_views.evidence_archive,
         name="evidence_archive"),
]
