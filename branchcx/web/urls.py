from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from branchcx.web import views

urlpatterns = [
    path("", views.root, name="root"),
    path("home/", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
]
