from django.urls import path

app_name = "recommendations"

urlpatterns: list = []
