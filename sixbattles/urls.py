from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sixbattles.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("tasks.urls")),
    path("", include("targets.urls")),
    path("", include("accounts.urls")),
    path("reports/", include("reporting.urls")),
    path("dashboard/", include("reporting.dashboard_urls")),
]

admin.site.site_header = "怀化市打好发展“六仗”调度系统"
admin.site.site_title = "六仗调度系统"
admin.site.index_title = "管理"
