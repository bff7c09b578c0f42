from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks.plan_file import PlanFileError, load_plan_file


class Command(BaseCommand):
    help = _("载入规划文件（YAML，格式见 docs/plan-format.md）：全部成功或全部不写入；重复载入不产生改动。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("规划文件路径"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查并统计，撤销全部改动"))

    def handle(self, *args, **options):
        try:
            result = load_plan_file(options["file"], dry_run=options["dry_run"])
        except PlanFileError as exc:
            raise CommandError(str(exc)) from None
        for line in result.summary_lines():
            self.stdout.write(line)
