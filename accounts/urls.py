from django.urls import re_path

from accounts import views

# Every path answers with and without a trailing slash (API.md).
auth_urlpatterns = [
    re_path(r"^register/?$", views.RegisterView.as_view(), name="register"),
    re_path(r"^verifyemail/resend/?$", views.VerificationResendView.as_view(), name="verifyemail-resend"),
    re_path(r"^verifyemail/(?P<token>[^/]+)/?$", views.VerifyEmailView.as_view(), name="verifyemail"),
    re_path(r"^login/?$", views.LoginView.as_view(), name="login"),
    re_path(r"^refresh/?$", views.RefreshView.as_view(), name="refresh"),
    re_path(r"^logout/?$", views.LogoutView.as_view(), name="logout"),
    re_path(r"^forgotpassword/?$", views.ForgotPasswordView.as_view(), name="forgotpassword"),
    re_path(r"^resetpassword/(?P<token>[^/]+)/?$", views.ResetPasswordView.as_view(), name="resetpassword"),
]

users_urlpatterns = [
    re_path(r"^me/?$", views.MeView.as_view(), name="me"),
]
