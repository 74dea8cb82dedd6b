from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("template/", views.blank_template, name="template"),
]
