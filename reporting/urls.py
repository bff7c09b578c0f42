from django.urls import path

from reporting import public, views
from sixbattles import params  # noqa: F401 (registers the <id:…> path converter)

app_name = "reporting"

urlpatterns = [
    path("", views.index, name="index"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_notifications_read, name="notifications_read"),
    path("notifications/<id:pk>/open/", views.open_notification, name="notification_open"),
    path("report/<id:pk>/", views.detail, name="detail"),
    path("report/<id:pk>/download/<str:fmt>/", views.download, name="download"),
    path("report/<id:pk>/issue/", views.issue, name="issue"),
    path("plan/<slug:plan_code>/", views.archive, name="archive"),
    path("plan/<slug:plan_code>/generate/", views.generate, name="generate"),
    path("plan/<slug:plan_code>/status/", views.build_status, name="build_status"),
    path("plan/<slug:plan_code>/publish/", public.publish_view, name="publish"),
    path("plan/<slug:plan_code>/publications/<id:pk>/withdraw/", public.withdraw_view, name="withdraw"),
]
