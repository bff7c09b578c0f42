"""Reminders (催报): before and after each ten-day deadline, to departments that have not submitted.

Steps per (period, department), each sent once (ReminderLog), so running the job twice is safe:

- before: from `Plan.remind_days_before` days before the deadline up to the deadline;
- overdue: the day after the deadline onwards;
- escalated: `Plan.escalate_after_days` days after the deadline, the task-force offices of the
  battles concerned are told as well.

Only periods whose deadline lies within the last LOOKBACK_DAYS are chased, so a plan loaded late
does not flood everyone with reminders for the whole year.
"""

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notify import notify
from reporting.figures import expected_pairs
from reporting.models import ReminderLog
from targets.models import Department, Period, Plan
from tasks.models import ProgressReport, Task

LOOKBACK_DAYS = 30


def unsubmitted(plan, period):
    """department id → battle ids with at least one expected report not yet submitted."""
    pairs = expected_pairs(plan)
    submitted = set(
        ProgressReport.objects.filter(period=period, first_submitted_at__isnull=False).values_list(
            "task_id", "department_id"
        )
    )
    battle_of_task = dict(Task.objects.filter(section__battle__plan=plan).values_list("id", "section__battle_id"))
    out = defaultdict(set)
    for task_id, dept_id in pairs - submitted:
        out[dept_id].add(battle_of_task[task_id])
    return out


def log_once(period, department_id, step):
    """Record a step; False when it was already sent (a second run, or a parallel one)."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(period=period, department_id=department_id, step=step)
        return True
    except IntegrityError:
        return False


def send_reminders(today=None):
    """Send every reminder step due today; returns how many (department, step) were sent."""
    today = today or timezone.localdate()
    sent = 0
    link = reverse("tasks:home")
    for plan in Plan.objects.all():
        periods = Period.objects.filter(
            plan=plan,
            kind=Period.Kind.TEN_DAY,
            deadline__gte=today - dt.timedelta(days=LOOKBACK_DAYS),
            deadline__lte=today + dt.timedelta(days=plan.remind_days_before),
        )
        for period in periods:
            if today < period.deadline - dt.timedelta(days=plan.remind_days_before):
                continue
            missing = unsubmitted(plan, period)
            if not missing:
                continue
            staff = defaultdict(list)
            for user in User.objects.filter(department_id__in=missing, is_active=True, role=User.Role.STAFF):
                staff[user.department_id].append(user)
            offices = defaultdict(list)  # battle id → office users
            for user in User.objects.filter(
                is_active=True, role=User.Role.OFFICE, department__task_force_offices__battle__plan=plan
            ).prefetch_related("department__task_force_offices"):
                for tf in user.department.task_force_offices.all():
                    offices[tf.battle_id].append(user)
            names = dict(Department.objects.filter(id__in=missing).values_list("id", "name"))
            deadline = f"{period.deadline.month}月{period.deadline.day}日"
            for dept_id, battle_ids in missing.items():
                if today <= period.deadline:
                    step, kind = ReminderLog.Step.BEFORE, Notification.Kind.REMINDER
                    text = f"{period}的进展报告将于{deadline}截止，贵单位尚有任务未提交，请按时报送。"
                else:
                    step, kind = ReminderLog.Step.OVERDUE, Notification.Kind.OVERDUE
                    text = f"{period}的进展报告已于{deadline}截止，贵单位尚有任务未提交，请尽快补报。"
                if log_once(period, dept_id, step):
                    notify(staff[dept_id], kind, text, link=link, subject="进展报告催报", departments=[dept_id])
                    sent += 1
                if today >= period.deadline + dt.timedelta(days=plan.escalate_after_days) and log_once(
                    period, dept_id, ReminderLog.Step.ESCALATED
                ):
                    name = names[dept_id]
                    users = {u.pk: u for b in battle_ids for u in offices[b]}.values()
                    notify(
                        list(users),
                        Notification.Kind.ESCALATION,
                        f"{name}{period}的进展报告逾期{(today - period.deadline).days}天仍未提交，请督办。",
                        link=reverse("reporting:notifications"),
                        subject="逾期未报告知",
                        departments={u.department_id for u in users},
                    )
                    sent += 1
    return sent
