"""Publishing a period's summary to the public progress page, and reading what is published.

- ``can_publish(user, plan, battle)``: offices publish their battles, admins the whole plan (and
  any battle); nobody else.
- ``publishable_periods(plan, today)``: the ended 旬, months and quarters of the plan.
- ``publish(plan, battle, period, highlights, user)``: one atomic action: the snapshot of what
  the public may read as of the period, stored in a ``Publication`` (replacing an earlier one
  of the same scope and period).
- ``withdraw(publication, user)`` (撤回): takes it off the public pages, keeping the row with who
  withdrew it and when; ``can_publish`` decides who may, as for publishing that scope.
- ``public_version(plan)`` → (version string, last modified): changes whenever a publication is
  made, replaced or withdrawn; the public pages' cache key, ETag and Last-Modified.
- ``public_state(plan)`` → ``PublicState``: the latest publication of the whole plan and of each
  published battle, in battle order.

What a snapshot holds, and only this: the targets of the scope with their year's target, latest
figure, completion or growth, 序时进度, light and the engine's one-line reason (figures only);
the counts of tasks by status and the titles of the tasks completed (from approved reports); the
office's highlights; the latest plan-wide (or the battle's) ten-day briefing built by the period's
end, its 期号 and its 总体情况 paragraph (counts of approved reports). Never a report's text,
a return reason, a draft, a person's name or account, or anything of a battle not published.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import User
from reporting.models import DispatchReport, Publication
from reporting.status import plan_status, resolve_as_of
from targets import schedule
from targets.models import Period
from targets.numbers import as_float

PUBLISHABLE_KINDS = ("ten_day", "month", "quarter")


def can_publish(user, plan, battle):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_plan_admin:
        return True
    return battle is not None and user.role == User.Role.OFFICE and battle.pk in user.office_battle_ids()


def publishable_battles(user, plan):
    battles = plan.battles.order_by("number")
    if user.is_plan_admin:
        return battles
    return battles.filter(pk__in=user.office_battle_ids())


def publishable_periods(plan, today=None):
    today = today or timezone.localdate()
    return Period.objects.filter(plan=plan, kind__in=PUBLISHABLE_KINDS, end__lt=today).order_by("-end", "kind")


def _target_rows(battle_statuses):
    rows = []
    for b in battle_statuses:
        for ts in b.targets:
            t, j = ts.target, ts.judgement
            rows.append(
                {
                    "battle": b.battle.number,
                    "code": t.code,
                    "name": t.name,
                    "unit": t.unit,
                    "kind": t.kind,
                    "comparator": t.get_comparator_display(),
                    "target_value": as_float(t.value, 2),
                    "latest_value": as_float(j.latest_value, 2),
                    "latest_label": j.latest_label,
                    "completion_pct": as_float(j.completion_pct),
                    "growth_pct": as_float(j.growth_pct),
                    "schedule_pct": as_float(j.schedule_pct),
                    "light": j.light,
                    "light_label": str(schedule.LIGHT_LABELS[j.light]),
                    "reason": j.reason,
                }
            )
    return rows


def _task_summary(battle_statuses):
    counts = {key: 0 for key in schedule.TASK_STATUS_LABELS}
    completed = []
    for b in battle_statuses:
        for t in b.tasks:
            counts[t.judgement.status] += 1
            if t.judgement.status == schedule.COMPLETED:
                completed.append(
                    {"battle": b.battle.number, "label": f"{t.task.section.label}{t.task.number}.{t.task.title}"}
                )
    return {"counts": counts, "total": sum(counts.values()), "completed": completed}


def _briefing(plan, battle, period):
    """The latest current ten-day briefing of the scope issued (签发) for a 旬 ending by the period's
    end: its 期号, 旬 and 总体情况 paragraph (counts only). A built but unissued briefing is a draft
    of the office's and never public."""
    report = (
        DispatchReport.objects.filter(
            plan=plan,
            kind=DispatchReport.Kind.TEN_DAY_BRIEFING,
            battle=battle,
            is_current=True,
            status=DispatchReport.Status.READY,
            issued_on__isnull=False,
            period__end__lte=period.end,
        )
        .select_related("period")
        .order_by("-period__end")
        .first()
    )
    if report is None:
        return None
    blocks = report.content.get("blocks", [])
    overall = next((b["text"] for b in blocks if b.get("t") == "p"), "")
    return {
        "title": report.content.get("title", ""),
        "issue_label": report.content.get("issue_label", ""),
        "period_label": str(report.period),
        "date_label": report.content.get("date_label", ""),
        "overall": overall,
    }


def snapshot(plan, battle, period):
    status = plan_status(plan, resolve_as_of(plan, str(period.pk)), battles=None if battle is None else [battle])
    lights = {schedule.GREEN: 0, schedule.YELLOW: 0, schedule.RED: 0, schedule.GREY: 0}
    for b in status.battles:
        for light, n in b.light_counts.items():
            lights[light] += n
    tasks = _task_summary(status.battles)
    content = {
        "period": {"label": str(period), "kind": period.kind, "end": period.end.isoformat()},
        "lights": lights,
        "tasks": tasks,
        "briefing": _briefing(plan, battle, period),
    }
    if battle is not None:
        content["battle"] = {"number": battle.number, "name": battle.name}
        content["targets"] = _target_rows(status.battles)
    else:
        # The whole plan's summary carries counts only: a battle whose office has published
        # nothing never shows by name, target or task.
        tasks["completed"] = []
    return content


@transaction.atomic
def publish(plan, battle, period, highlights, user):
    """Publish (or publish again) the summary of `battle` (None: the whole plan) as of `period`."""
    content = snapshot(plan, battle, period)
    publication, _ = Publication.objects.update_or_create(
        plan=plan,
        battle=battle,
        period=period,
        withdrawn_at__isnull=True,
        defaults={
            "highlights": highlights.strip(),
            "content": content,
            "published_at": timezone.now(),
            "published_by": user,
        },
    )
    return publication


@transaction.atomic
def withdraw(publication, user):
    """撤回: take `publication` off the public pages; False when it was withdrawn already. The row
    stays, with who withdrew it and when (the record, and the public pages' Last-Modified)."""
    row = Publication.objects.select_for_update().get(pk=publication.pk)
    if row.withdrawn_at is not None:
        return False
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = user
    row.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return True


LIVE = Q(withdrawn_at__isnull=True)


def public_version(plan):
    """(version, last modified): one aggregate query. The version changes when a publication is
    added, replaced (its time changes), withdrawn (the count, the newest id and the newest
    withdrawal change) or deleted in the admin; last modified is the newest publication or
    withdrawal, None when nothing is published."""
    row = Publication.objects.filter(plan=plan).aggregate(
        n=Count("id", filter=LIVE),
        top=Max("id", filter=LIVE),
        published=Max("published_at", filter=LIVE),
        withdrawn=Count("id", filter=~LIVE),
        last_withdrawn=Max("withdrawn_at"),
    )
    if not row["n"]:
        last = None
    else:
        last = max(t for t in (row["published"], row["last_withdrawn"]) if t is not None)
    stamps = [t.isoformat() if t else "" for t in (row["published"], row["last_withdrawn"])]
    raw = f"{plan.pk}:{row['n']}:{row['top']}:{row['withdrawn']}:{':'.join(stamps)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20], last


@dataclass
class PublicState:
    plan: object
    overall: Publication | None
    battles: list  # Publication, the latest of each published battle, in battle order
    last_modified: dt.datetime | None

    @property
    def publications(self):
        return ([self.overall] if self.overall else []) + self.battles


def public_state(plan, last_modified=None):
    """The latest publication of the whole plan and of each battle (one query); withdrawn ones
    are not public."""
    latest = {}
    for pub in (
        Publication.objects.filter(LIVE, plan=plan)
        .select_related("period", "battle")
        .order_by("-period__end", "-published_at")
    ):
        latest.setdefault(pub.battle_id, pub)
    overall = latest.pop(None, None)
    battles = sorted(latest.values(), key=lambda p: p.battle.number)
    return PublicState(plan, overall, battles, last_modified)
