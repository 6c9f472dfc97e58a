from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import apis, views
from core.throttles import throttled

# Django's auth pages, mounted one by one (not django.contrib.auth.urls wholesale):
# the password-reset pages only where mail can be sent, or users would be told
# of a mail that never leaves.
urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

if settings.EMAIL_HOST:
    urlpatterns += [
        path(
            "accounts/password_reset/",
            throttled("password_reset", by_address=True)(auth_views.PasswordResetView.as_view()),
            name="password_reset",
        ),
        path(
            "accounts/password_reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "accounts/reset/<uidb64>/<token>/",
            views.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "accounts/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]

api_urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view()),
    path("auth/token/", apis.TokenApi.as_view()),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view()),
]
