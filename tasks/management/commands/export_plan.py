from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.models import Plan
from tasks.plan_file import dump_plan, export_plan


class Command(BaseCommand):
    help = _("把方案导出为规划文件（与 load_plan 读取的格式相同），默认输出到标准输出。")

    def add_arguments(self, parser):
        parser.add_argument("code", help=_("方案代码，如 huaihua-2023"))
        parser.add_argument("-o", "--output", help=_("输出文件路径"))

    def handle(self, *args, **options):
        plan = Plan.objects.filter(code=options["code"]).first()
        if plan is None:
            codes = "、".join(Plan.objects.values_list("code", flat=True)) or _("（无）")
            raise CommandError(
                _("没有代码为“%(code)s”的方案。已有：%(codes)s") % {"code": options["code"], "codes": codes}
            )
        text = dump_plan(export_plan(plan))
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(_("已导出到 %s") % options["output"])
        else:
            self.stdout.write(text, ending="")
