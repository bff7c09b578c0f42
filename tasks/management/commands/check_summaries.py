from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.models import Plan
from tasks import summaries
from tasks.models import Task


class Command(BaseCommand):
    help = _("核对任务旬汇总：逐行与进展报告重新统计的结果比较，有差异时列出并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("plan_code", nargs="?", help=_("只核对该方案（默认全部方案）"))
        parser.add_argument("--rebuild", action="store_true", help=_("核对后按重新统计的结果重建有差异的任务"))

    def handle(self, plan_code=None, rebuild=False, **options):
        task_ids = None
        if plan_code:
            plan = Plan.objects.filter(code=plan_code).first()
            if plan is None:
                raise CommandError(_("没有代码为 %(code)s 的方案。") % {"code": plan_code})
            task_ids = list(Task.objects.filter(section__battle__plan=plan).values_list("pk", flat=True))
        found = summaries.differences(task_ids)
        for task_id, period_id, stored, recounted in found[:50]:
            self.stdout.write(
                _("任务 %(task)s 期 %(period)s：存储 %(stored)s，重新统计 %(recounted)s")
                % {"task": task_id, "period": period_id, "stored": _show(stored), "recounted": _show(recounted)}
            )
        if found and rebuild:
            summaries.rebuild({row[0] for row in found})
            self.stdout.write(_("已重建 %(n)d 个任务的汇总。") % {"n": len({row[0] for row in found})})
        if found:
            raise CommandError(_("任务旬汇总与重新统计不一致：%(n)d 行。") % {"n": len(found)})
        self.stdout.write(self.style.SUCCESS(_("任务旬汇总与进展报告重新统计的结果一致。")))


def _show(values):
    if values is None:
        return _("（无）")
    return "，".join(
        f"{name}={value!r}" for name, value in zip((*summaries.FIELDS, "metric_values"), values, strict=True)
    )
