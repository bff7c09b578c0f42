from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("调度报告与通知")

    def ready(self):
        # A kept target page names who changed the target (reporting/dashboards.py): a user's
        # new name renews every plan's figures token. Logins (last_login only) do not.
        from accounts.models import User
        from reporting.tasks import queue_warm_dashboards
        from targets.changes import battles_renewed, watch

        watch(User, lambda user: None, deletes=False, only_fields={"username", "first_name", "last_name"})
        # After a report the worker judges its battle again for the readers to come.
        battles_renewed.connect(queue_warm_dashboards, dispatch_uid="reporting.warm_dashboards")
