from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("任务与进展报告")

    def ready(self):
        # A change to a task's definition changes the dashboards (targets/changes.py). Reports are
        # not watched: their one write path (tasks/actions.py) and the summaries' refresh and
        # rebuilds renew the token themselves, before taking any report or task row.
        from targets.changes import watch
        from targets.models import Battle
        from tasks.models import Responsibility, Section, Task, TaskMetric

        def section_plan(instance):
            return Battle.objects.filter(sections=instance.section_id).values("plan_id")

        watch(Section, lambda section: Battle.objects.filter(pk=section.battle_id).values("plan_id"))
        for model in (Task, Responsibility, TaskMetric):
            watch(model, section_plan)
