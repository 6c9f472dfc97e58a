from django.urls import path

from accounts import apis, views

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.ThrottledLoginView.as_view(), name="login"),
]

api_urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view()),
    path("auth/token/", apis.TokenApi.as_view()),
]
