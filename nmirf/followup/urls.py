from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("overdue/", views.overdue, name="overdue"),
    path("done/", views.mark_done, name="mark_done"),
    path("settings/", views.settings_list, name="settings"),
    path("settings/<int:pk>/", views.setting_edit, name="setting_edit"),
    path("recommendations/<int:pk>/flag/", views.flag, name="flag"),
    path("recommendations/<int:pk>/replied/", views.replied, name="replied"),
    path("flag-from-list/", views.flag_from_list, name="flag_from_list"),
    path("feed/", views.feed, name="feed"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed_ics"),
]
