"""Build the dispatch reports now, without a worker: catch up every closed period of every plan."""

from django.core.management.base import BaseCommand

from reporting.tasks import catch_up_inline


class Command(BaseCommand):
    help = "立即补生成所有已到期的调度报告（不经过后台进程）。"

    def handle(self, *args, **options):
        count = catch_up_inline()
        self.stdout.write(f"已处理 {count} 个报送期。")
