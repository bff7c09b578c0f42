"""Target readings: the department's list of targets and the entry form per target and period."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sixbattles.history import SKIPPED_FIELDS, history_rows
from targets.access import can_write_target, target_for_user, targets_for_user
from targets.current import pick_date, pick_plan
from targets.forms import grid_columns, reading_forms
from targets.models import Department, Period, Target, TargetReading
from targets.readings import (
    StaleReadings,
    due_period,
    reading_deadline,
    reading_period_kind,
    record_readings,
    value_fields_for,
)

HISTORY_LIMIT = 200


@login_required
def reading_list(request):
    plan, plans = pick_plan(request)
    today = pick_date(request)
    rows = []
    if plan is not None:
        targets = list(
            targets_for_user(request.user)
            .filter(battle__plan=plan)
            .select_related("battle")
            .prefetch_related(Prefetch("departments", queryset=Department.objects.only("id", "name")))
        )
        writable = set(
            targets_for_user(request.user, write=True).filter(battle__plan=plan).values_list("pk", flat=True)
        )
        periods = list(
            Period.objects.filter(plan=plan, kind__in=[Period.Kind.MONTH, Period.Kind.QUARTER, Period.Kind.YEAR])
        )
        by_kind = {}
        for period in periods:
            by_kind.setdefault(period.kind, []).append(period)
        latest, entered = {}, set()
        readings = (
            TargetReading.objects.filter(target__in=[t.pk for t in targets], area__isnull=True)
            .select_related("period", "entered_by")
            .order_by("target_id", "-period__end")
        )
        for reading in readings:
            latest.setdefault(reading.target_id, reading)
            entered.add((reading.target_id, reading.period_id))
        for target in targets:
            due = due_period(by_kind.get(reading_period_kind(target.frequency), []), today.date)
            done = due is not None and (target.pk, due.pk) in entered
            deadline = reading_deadline(plan, due) if due is not None else None
            rows.append(
                {
                    "target": target,
                    "latest": latest.get(target.pk),
                    "due": due,
                    "deadline": deadline,
                    "done": done,
                    "overdue": due is not None and not done and deadline < today.date,
                    "writable": target.pk in writable,
                }
            )
    context = {"plan": plan, "plans": plans, "rows": rows, "today": today}
    return render(request, "targets/reading_list.html", context)


@login_required
def reading_entry(request, target_id, period_id):
    # Reading the page needs read access; posting needs to be staff of a responsible department.
    target = target_for_user(request.user, target_id, write=request.method == "POST")
    period = get_object_or_404(
        Period, pk=period_id, plan_id=target.battle.plan_id, kind=reading_period_kind(target.frequency)
    )
    can_write = request.method == "POST" or can_write_target(request.user, target)
    areas = list(Department.objects.filter(kind=Department.Kind.COUNTY)) if target.by_area else []
    existing = {
        reading.area_id: reading
        for reading in TargetReading.objects.filter(target=target, period=period).select_related("entered_by", "area")
    }
    data = request.POST.copy() if request.method == "POST" else None
    forms = reading_forms(target, areas, existing, data)

    if request.method == "POST":
        if all(form.is_valid() for form in forms):
            rows = [(form.area, form.cleaned_data.get("version"), form.values()) for form in forms if not form.skipped]
            try:
                record_readings(target, period, request.user, rows)
            except StaleReadings as stale:
                for form in forms:
                    area_id = form.area.pk if form.area else None
                    if area_id not in stale.current_by_area:
                        continue
                    current = stale.current_by_area[area_id]
                    form.current = current
                    form.stale = True
                    if current is None:
                        form.add_error(None, _("这条数据已被他人删除，你的输入尚未保存。请核对后再次提交。"))
                        data[form.add_prefix("version")] = ""
                    else:
                        who = current.entered_by or _("他人")
                        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
                        form.add_error(
                            None,
                            _(
                                "保存失败：%(who)s 已于 %(when)s 修改了这条数据，你的输入尚未保存。"
                                "请对照下方“当前已保存”的数值核对后再次提交。"
                            )
                            % {"who": who, "when": when},
                        )
                        # The next submit is a deliberate decision made with the current figures in view.
                        data[form.add_prefix("version")] = str(current.version)
                messages.error(request, _("有数据已被他人修改，本次未保存任何内容，你填写的内容保留在表单中。"))
            else:
                messages.success(
                    request, _("已保存 %(target)s %(period)s 的数据。") % {"target": target.name, "period": period}
                )
                return redirect("targets:reading_entry", target_id=target.pk, period_id=period.pk)
        else:
            messages.error(request, _("请按提示修改后再保存，本次未保存任何内容。"))

    periods = list(Period.objects.filter(plan_id=target.battle.plan_id, kind=period.kind))
    # The city-wide figures of the whole year, so cumulative values can be checked against earlier months.
    series = {
        reading.period_id: reading
        for reading in TargetReading.objects.filter(
            target=target, period__in=periods, area__isnull=True
        ).select_related("period")
    }
    year_rows = [{"period": p, "reading": series.get(p.pk)} for p in periods]
    earlier = [row["reading"] for row in year_rows if row["period"].end < period.start and row["reading"]]
    previous = earlier[-1] if earlier else None
    area_names = {area.pk: area.name for area in areas}
    area_names.update({r.area_id: r.area.name for r in existing.values() if r.area_id})
    context = {
        "target": target,
        "period": period,
        "deadline": reading_deadline(target.battle.plan, period),
        "periods": periods,
        "forms": forms,
        "city_form": forms[0],
        "area_forms": forms[1:],
        "can_write": can_write,
        "existing": sorted(existing.values(), key=lambda r: (r.area_id is not None, area_names.get(r.area_id, ""))),
        "previous": previous,
        "year_rows": year_rows,
        "value_fields": value_fields_for(target),
        "columns": grid_columns(target),
        "is_growth": target.kind == Target.Kind.GROWTH_RATE,
        "history": history_rows(
            TargetReading.history.filter(target_id=target.pk, period_id=period.pk),
            label=lambda record: area_names.get(record.area_id, _("全市")),
            # Target, period and area are fixed on this page (the area is the row's label).
            skip=SKIPPED_FIELDS | {"target", "period", "area", "department"},
        )[:HISTORY_LIMIT],
        "list_url": reverse("targets:reading_list") + f"?plan={target.battle.plan.code}",
    }
    return render(request, "targets/reading_entry.html", context)
