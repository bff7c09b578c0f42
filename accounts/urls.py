from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
]
