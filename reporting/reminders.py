"""Reminders (催报): before and after each ten-day deadline, to departments that have not submitted.

Steps per (period, department), each sent once (ReminderLog), so running the job twice is safe:

- before: from `Plan.remind_days_before` days before the deadline up to the deadline;
  (no step is sent on a day off: it waits for the next working day, see send_reminders)
- overdue: the day after the deadline onwards;
- escalated: `Plan.escalate_after_days` days after the deadline, the task-force offices of the
  battles concerned are told as well.

Only periods whose deadline lies within the last LOOKBACK_DAYS are chased, so a plan loaded late
does not flood everyone with reminders for the whole year, and none before the 旬 reports are owed
from (`first_due_ten_day`). A collective (相关成员单位 …) has no accounts and is never named, so it is
neither reminded nor escalated. Each message names the tasks not submitted and links to the page
where they are: the department's to-do list of that 旬, the office's home with its overdue list.
"""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notify import notify
from reporting.figures import expected_pairs
from reporting.models import ReminderLog
from targets.models import Department, Period, Plan
from targets.periods import first_due_ten_day, is_workday
from tasks.actions import listed_within
from tasks.models import ProgressReport, Task

LOOKBACK_DAYS = 30


def unsubmitted(plan, period):
    """department id → ids of its tasks whose expected report is not yet submitted (collectives
    left out)."""
    collectives = set(Department.objects.filter(kind=Department.Kind.COLLECTIVE).values_list("id", flat=True))
    pairs = {(t, d) for t, d in expected_pairs(plan) if d not in collectives}
    submitted = set(
        ProgressReport.objects.filter(period=period, first_submitted_at__isnull=False).values_list(
            "task_id", "department_id"
        )
    )
    out = defaultdict(set)
    for task_id, dept_id in pairs - submitted:
        out[dept_id].add(task_id)
    return out


def task_list(tasks):
    """“（一）1.标题”；… in plan order, up to about SUMMARY_LIST_CHARS (tasks.actions), counting the rest."""
    names = [f"“{task.section.label}{task}”" for task in tasks]
    return listed_within(names, lambda more: f"……（另有{more}项未列出）")


def log_once(period, department_id, step):
    """Record a step; False when it was already sent (a second run, or a parallel one)."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(period=period, department_id=department_id, step=step)
        return True
    except IntegrityError:
        return False


def send_reminders(today=None):
    """Send every reminder step due today; returns how many (department, step) were sent.

    Nothing goes out on a day off (a weekend or public holiday of the Chinese calendar, make-up
    working days counted as working): a step that falls due then goes out on the next working day,
    because its window is still open (every step is sent once, whenever the job first finds it due
    on a working day). The deadline itself is always a working day (targets.periods.deadline_for),
    so the "before" step is never skipped."""
    today = today or timezone.localdate()
    if not is_workday(today)[0]:
        return 0
    sent = 0
    home = reverse("tasks:home")
    for plan in Plan.objects.all():
        periods = Period.objects.filter(
            plan=plan,
            kind=Period.Kind.TEN_DAY,
            number__gte=first_due_ten_day(plan),
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
            tasks = Task.objects.select_related("section__battle").in_bulk({t for ids in missing.values() for t in ids})
            deadline = f"{period.deadline.month}月{period.deadline.day}日"
            link = f"{home}?{urlencode({'plan': plan.code, 'period': period.number})}"
            for dept_id, task_ids in missing.items():
                own = sorted(
                    (tasks[t] for t in task_ids), key=lambda t: (t.section.battle.number, t.section.number, t.number)
                )
                listed = f"贵单位尚有{len(own)}项任务未提交：{task_list(own)}"
                if today <= period.deadline:
                    step, kind = ReminderLog.Step.BEFORE, Notification.Kind.REMINDER
                    text = f"{period}的进展报告将于{deadline}截止，{listed}。请按时报送。"
                else:
                    step, kind = ReminderLog.Step.OVERDUE, Notification.Kind.OVERDUE
                    text = f"{period}的进展报告已于{deadline}截止，{listed}。请尽快补报。"
                if log_once(period, dept_id, step):
                    notify(staff[dept_id], kind, text, link=link, subject="进展报告催报", departments=[dept_id])
                    sent += 1
                if today >= period.deadline + dt.timedelta(days=plan.escalate_after_days) and log_once(
                    period, dept_id, ReminderLog.Step.ESCALATED
                ):
                    # Each office hears of the tasks of its own battles.
                    told = defaultdict(lambda: ({}, {}))  # office department id → (users, tasks)
                    for task in own:
                        for user in offices[task.section.battle_id]:
                            told[user.department_id][0][user.pk] = user
                            told[user.department_id][1][task.pk] = task
                    overdue = (today - period.deadline).days
                    for office_id, (users, office_tasks) in told.items():
                        listed = list(office_tasks.values())
                        notify(
                            list(users.values()),
                            Notification.Kind.ESCALATION,
                            f"{names[dept_id]}{period}的进展报告（{deadline}截止）逾期{overdue}天仍未提交"
                            f"（{len(listed)}项任务：{task_list(listed)}），请督办。",
                            link=f"{home}?{urlencode({'plan': plan.code})}",
                            subject="逾期未报告知",
                            departments=[office_id],
                        )
                    sent += 1
    return sent
