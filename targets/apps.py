from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("方案与指标")

    def ready(self):
        from targets.changes import watch_targets_models

        watch_targets_models()
