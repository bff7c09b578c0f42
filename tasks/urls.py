from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:task_pk>/report/<int:period_pk>/", views.report_edit, name="report_edit"),
    path("progress/review/", views.review_queue, name="review_queue"),
    path("progress/review/approve-unchanged/", views.review_approve_unchanged, name="review_approve_unchanged"),
    path("progress/<int:pk>/", views.report_detail, name="report_detail"),
    path("progress/<int:pk>/versions/<int:number>/", views.report_version, name="report_version"),
    path("progress/<int:pk>/approve/", views.report_approve, name="report_approve"),
    path("progress/<int:pk>/return/", views.report_return, name="report_return"),
    path("progress/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("progress/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("progress/attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
]
