"""Log in and out with Django's own views; the templates live in nmirf/templates/registration.

Logging out is a POST (Django 5 refuses GET), so the navbar carries a small form.
"""

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    # A signed-in person who opens the login page goes on to the registry.
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
