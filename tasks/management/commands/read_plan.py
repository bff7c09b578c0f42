from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks.plan_file import PlanFileError, dump_plan, parse_plan, read_plan_file
from tasks.plan_reader import ReadError, departments_from_plan, known_departments, read_document, summary_lines


class Command(BaseCommand):
    help = _(
        "读取印发的方案（.docx 或 .txt）并写出规划文件草稿（YAML，格式见 docs/plan-format.md）；"
        "不写数据库，读者不确定之处列在输出中。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("方案文件：.docx 或 UTF-8 文本 .txt"))
        parser.add_argument("-o", "--output", required=True, help=_("写出的规划文件路径（.yaml）"))
        parser.add_argument("--code", default="", help=_("规划代码（英文字母、数字、-、_），默认 plan-年度"))
        parser.add_argument(
            "--departments",
            default="",
            help=_("用这个规划文件的单位名录识别单位名称（默认用数据库中的单位及别名）"),
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["departments"]:
            try:
                registry = departments_from_plan(read_plan_file(options["departments"]))
            except PlanFileError as exc:
                raise CommandError(str(exc)) from None
        else:
            registry = known_departments()
        try:
            with path.open("rb") as handle:
                reading = read_document(handle, path.name, registry, code=options["code"] or None)
        except FileNotFoundError:
            raise CommandError(_("文件不存在：%s") % path) from None
        except ReadError as exc:
            raise CommandError(str(exc)) from None
        text = dump_plan(reading.plan_file())
        Path(options["output"]).write_text(text, encoding="utf-8")
        for line in summary_lines(reading):
            self.stdout.write(line)
        try:
            parse_plan(text, options["output"])
        except PlanFileError as exc:
            self.stdout.write(_("草稿尚不能载入，请先修改：") + "\n" + str(exc))
        else:
            self.stdout.write(_("已写出 %s；可用 manage.py load_plan 载入（建议先 --dry-run）。") % options["output"])
