from django.urls import path

from sixbattles import params  # noqa: F401 (registers the <id:…> path converter)
from tasks import draft_views, views

app_name = "tasks"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<id:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<id:task_pk>/report/<id:period_pk>/", views.report_edit, name="report_edit"),
    path("progress/review/", views.review_queue, name="review_queue"),
    path("progress/review/approve-unchanged/", views.review_approve_unchanged, name="review_approve_unchanged"),
    path("progress/<id:pk>/", views.report_detail, name="report_detail"),
    path("progress/<id:pk>/versions/<id:number>/", views.report_version, name="report_version"),
    path("progress/<id:pk>/approve/", views.report_approve, name="report_approve"),
    path("progress/<id:pk>/return/", views.report_return, name="report_return"),
    path("progress/<id:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("progress/<id:pk>/withdraw/", views.report_withdraw, name="report_withdraw"),
    path("progress/attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("progress/attachments/<id:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("plans/drafts/", draft_views.draft_list, name="draft_list"),
    path("plans/drafts/<id:pk>/", draft_views.draft_review, name="draft_review"),
    path("plans/drafts/<id:pk>/department/", draft_views.draft_department, name="draft_department"),
    path("plans/drafts/<id:pk>/lead/", draft_views.draft_lead, name="draft_lead"),
    path("plans/drafts/<id:pk>/task-force/", draft_views.draft_task_force, name="draft_task_force"),
    path("plans/drafts/<id:pk>/target/", draft_views.draft_target, name="draft_target"),
    path("plans/drafts/<id:pk>/metric/", draft_views.draft_metric, name="draft_metric"),
    path("plans/drafts/<id:pk>/dismiss/", draft_views.draft_dismiss, name="draft_dismiss"),
    path("plans/drafts/<id:pk>/download/", draft_views.draft_download, name="draft_download"),
    path("plans/drafts/<id:pk>/load/", draft_views.draft_load, name="draft_load"),
    path("plans/drafts/<id:pk>/delete/", draft_views.draft_delete, name="draft_delete"),
]
