from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy

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
    path("public/", include("reporting.public_urls")),
]

handler400 = "sixbattles.params.bad_request"

# Lazy: the admin shows them in the reader's language, like every other string of the site.
admin.site.site_header = gettext_lazy("怀化市打好发展“六仗”调度系统")
admin.site.site_title = gettext_lazy("六仗调度系统")
admin.site.index_title = gettext_lazy("管理")
