from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.AccountView.as_view(), name="account"),
    path("two-factor/verify/", views.VerifyView.as_view(), name="verify"),
    path("two-factor/enrol/", views.EnrolView.as_view(), name="enrol"),
    path("two-factor/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("two-factor/turn-off/", views.DisableView.as_view(), name="disable_2fa"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
]
