from django.urls import path

from tasks import draft_views, views

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
    path("plans/drafts/", draft_views.draft_list, name="draft_list"),
    path("plans/drafts/<int:pk>/", draft_views.draft_review, name="draft_review"),
    path("plans/drafts/<int:pk>/department/", draft_views.draft_department, name="draft_department"),
    path("plans/drafts/<int:pk>/lead/", draft_views.draft_lead, name="draft_lead"),
    path("plans/drafts/<int:pk>/task-force/", draft_views.draft_task_force, name="draft_task_force"),
    path("plans/drafts/<int:pk>/target/", draft_views.draft_target, name="draft_target"),
    path("plans/drafts/<int:pk>/metric/", draft_views.draft_metric, name="draft_metric"),
    path("plans/drafts/<int:pk>/dismiss/", draft_views.draft_dismiss, name="draft_dismiss"),
    path("plans/drafts/<int:pk>/download/", draft_views.draft_download, name="draft_download"),
    path("plans/drafts/<int:pk>/load/", draft_views.draft_load, name="draft_load"),
    path("plans/drafts/<int:pk>/delete/", draft_views.draft_delete, name="draft_delete"),
]
