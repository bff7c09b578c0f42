from django.urls import path

from sixbattles import params  # noqa: F401 (registers the <id:…> path converter)
from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<id:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<id:task_pk>/report/<id:period_pk>/", views.report_edit, name="report_edit"),
    path("progress/review/", views.review_queue, name="review_queue"),
    path("progress/<id:pk>/", views.report_detail, name="report_detail"),
    path("progress/<id:pk>/versions/<id:number>/", views.report_version, name="report_version"),
    path("progress/<id:pk>/approve/", views.report_approve, name="report_approve"),
    path("progress/<id:pk>/return/", views.report_return, name="report_return"),
    path("progress/<id:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("progress/attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("progress/attachments/<id:pk>/remove/", views.attachment_remove, name="attachment_remove"),
]
