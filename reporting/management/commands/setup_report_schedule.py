"""Create (or update) the periodic jobs of the dispatch reports in django-celery-beat's tables.

Idempotent: run at every start. The jobs show up in the admin (周期任务), where an admin may
change their times; a job whose schedule an admin changed keeps that schedule.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

JOBS = [
    # Closes each 旬/月/季 report_delay_hours after its end and builds what is due or missing.
    ("调度报告：关账并补生成", "reporting.catch_up_reports", {"minute": "5"}),
    ("进展报告：催报提醒", "reporting.send_reminders", {"minute": "0", "hour": "9"}),
]


class Command(BaseCommand):
    help = "创建调度报告的定时任务（幂等）。"

    @transaction.atomic
    def handle(self, *args, **options):
        for name, task, cron in JOBS:
            if PeriodicTask.objects.filter(name=name).exists():
                self.stdout.write(f"已存在：{name}")
                continue
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=cron.get("minute", "*"),
                hour=cron.get("hour", "*"),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Asia/Shanghai",
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=schedule, enabled=True)
            self.stdout.write(f"已创建：{name}")
