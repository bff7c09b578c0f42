"""Forecasts on the dashboards: target page chart and summary, the overview's and battle page's
年末预警 list and column, the predecessor's profile, and the queries they cost."""

from decimal import Decimal

from django.urls import reverse

from reporting.forecasts import plan_forecasts, warning_items
from reporting.status import plan_status, resolve_as_of
from targets import forecast as fc
from targets.models import Battle, Period, Plan, Target, TargetReading
from tasks.models import MetricValue, ProgressReport, Task, TaskMetric
from tasks.summaries import rebuild_plan


def readings(plan, code, values, department, attr="cumulative_value", kind="month"):
    target = Target.objects.get(battle__plan=plan, code=code)
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind=kind)}
    TargetReading.objects.bulk_create(
        [
            TargetReading(target=target, period=periods[n], department=department, **{attr: Decimal(str(v))})
            for n, v in enumerate(values, 1)
        ]
    )
    return target


def test_target_page_shows_the_forecast_and_draws_target_schedule_and_projection(client, plan, leader, departments):
    # 社零 780: 40 a month for six months is on pace for 480 — far short.
    retail = readings(plan, "1.02", [40 * m for m in range(1, 7)], departments["commerce"])
    client.force_login(leader)
    page = client.get(reverse("dash:target", args=[retail.pk]), {"as_of": "month-6"}).content.decode()
    assert 'data-verdict="unlikely"' in page
    assert "预计全年 480亿元" in page and "今后每月需完成 90亿元，此前每月平均 40亿元" in page
    assert 'class="target-line"' in page  # the year's target (100 %)
    assert 'class="series schedule"' in page  # the 序时 line
    assert 'class="projection-band"' in page and 'class="dot projection"' in page
    # The last x label ("年末") ends at its point instead of being cut at the edge.
    assert 'text-anchor="end">年末</text>' in page


def test_growth_target_page_draws_its_target_rate_and_the_projection(client, plan, leader, departments):
    gdp = readings(plan, "1.01", ["6.0", "6.1"], departments["stats"], attr="cumulative_growth", kind="quarter")
    client.force_login(leader)
    page = client.get(reverse("dash:target", args=[gdp.pk]), {"as_of": "month-6"}).content.decode()
    assert 'class="target-line"' in page and 'class="projection-band"' in page
    assert "预计全年 6.1%" in page and "其余月份需平均 8.9%" in page


def test_overview_and_battle_list_targets_at_risk_with_a_forecast_column(client, plan, leader, departments):
    retail = readings(plan, "1.02", [40 * m for m in range(1, 7)], departments["commerce"])
    readings(plan, "2.01", [20 * m for m in range(1, 7)], departments["science"])  # 240 of 150: likely
    client.force_login(leader)
    overview = client.get(reverse("dash:overview", args=[plan.code]), {"as_of": "month-6"}).content.decode()
    assert 'id="at-risk"' in overview
    at_risk = overview[overview.index('id="at-risk"') : overview.index('id="missing"')]
    assert "社会消费品零售总额" in at_risk and "新认定高新技术企业" not in at_risk
    assert f'href="/dashboard/target/{retail.pk}/?as_of=month-6"' in at_risk
    # Battle 1's card counts its targets' forecasts.
    card = overview[overview.index('data-battle="1"') : overview.index('data-battle="2"')]
    assert '<b data-verdict="unlikely">1</b>' in card
    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "month-6"}).content.decode()
    assert 'data-col="forecast"' in battle and "年末预计" in battle
    assert 'id="at-risk"' in battle and "社会消费品零售总额" in battle


def test_a_task_metric_behind_its_pace_is_in_the_at_risk_list(client, plan, leader, departments):
    task = Task.objects.get(title="促进旅游消费恢复")
    metric = TaskMetric.objects.filter(task=task).order_by("order").first()  # 接待游客 5000 万人次
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day")}
    for n in (12, 13, 14, 15):
        report = ProgressReport.objects.create(
            task=task, department=departments["culture"], period=periods[n], status="approved", progress="推进"
        )
        MetricValue.objects.create(report=report, metric=metric, value=Decimal(100 * n))
    rebuild_plan(plan)  # written through the ORM, not tasks.actions
    status = plan_status(plan, resolve_as_of(plan, "ten_day-15"))
    forecasts = plan_forecasts(status)
    f = forecasts.metrics[metric.pk]
    assert f.step == "ten_day" and float(f.projected) == 1500 * 36 / 15 and f.verdict == fc.UNLIKELY
    item = next(i for i in forecasts.at_risk if i.kind == "metric")
    assert item.metric == metric and item.departments == ["市文化旅游广电体育局"]
    client.force_login(leader)
    page = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "ten_day-15"}).content.decode()
    assert "促进旅游消费恢复：接待游客" in page and "今后每旬需完成" in page
    task_page = client.get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-15"}).content.decode()
    note = task_page[task_page.index(f'data-forecast="{metric.pk}"') :]
    assert "难完成" in note[:200] and "预计全年 3600万人次" in note[:300]


def test_forecasts_cost_one_query_and_two_with_a_predecessor(plan, departments, django_assert_num_queries):
    readings(plan, "1.02", [60, 120, 180], departments["commerce"])
    status = plan_status(plan, resolve_as_of(plan, "month-3"))
    with django_assert_num_queries(1):  # the metrics' values (the readings come with the status)
        plan_forecasts(status)
    last_year = Plan.objects.create(code="test-2022", title="测试方案", year=2022)
    from conftest import build_periods

    build_periods(last_year)
    b1 = Battle.objects.create(plan=last_year, number=1, name="打好经济增长主动仗", short_name="经济增长")
    old = Target.objects.create(
        battle=b1, code="1.02", name="社零", comparator="reach", value=700, kind="cumulative", frequency="monthly"
    )
    # Last year the first quarter brought a tenth of the year.
    months = {p.number: p for p in Period.objects.filter(plan=last_year, kind="month")}
    TargetReading.objects.bulk_create(
        [
            TargetReading(target=old, period=months[3], department=departments["commerce"], cumulative_value=70),
            TargetReading(target=old, period=months[12], department=departments["commerce"], cumulative_value=700),
        ]
    )
    plan.predecessor = last_year
    plan.save(update_fields=["predecessor"])
    status = plan_status(plan, resolve_as_of(plan, "month-3"))
    with django_assert_num_queries(2):  # and last year's readings
        forecasts = plan_forecasts(status)
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    f = forecasts.targets[retail.pk]
    assert f.basis == "previous_year" and round(f.projected) == 1800 and f.verdict == fc.LIKELY


def test_a_targets_own_profile_shapes_its_forecast(plan, departments):
    retail = readings(plan, "1.02", [60, 120, 180], departments["commerce"])
    # The engine's 序时进度 curve: a tenth of the year by March.
    retail.profile = {"quarter": [10, 40, 70, 100]}
    retail.save(update_fields=["profile"])
    f = plan_forecasts(plan_status(plan, resolve_as_of(plan, "month-3"))).targets[retail.pk]
    assert f.basis == "profile" and round(f.projected) == 1800


def test_warning_items_say_what_must_change_by_when(plan, departments):
    readings(plan, "1.02", [40 * m for m in range(1, 7)], departments["commerce"])
    items = warning_items(plan, resolve_as_of(plan, "month-6"))
    (item,) = items
    assert item["name"] == "社会消费品零售总额" and item["verdict_label"] == "难完成"
    assert item["departments"] == "市商务局"
    assert item["pace_needed"] == 90.0 and item["pace_so_far"] == 40.0
    assert item["checkpoint"] == "2023-07-31" and item["deadline"] == "2023-12-31"


def test_overview_shows_the_fifteen_most_serious_and_sends_to_the_battle_pages_for_the_rest(
    client, plan, leader, departments
):
    battle = Battle.objects.get(plan=plan, number=1)
    months = {p.number: p for p in Period.objects.filter(plan=plan, kind="month")}
    for i in range(17):
        target = Target.objects.create(
            battle=battle, code=f"9.{i:02d}", name=f"落后指标{i:02d}", comparator="at_least", value=100,
            unit="个", kind="cumulative", frequency="monthly", order=10 + i,
        )  # fmt: skip
        TargetReading.objects.bulk_create(
            TargetReading(target=target, period=months[m], department=departments["dev"], cumulative_value=3 * m)
            for m in range(1, 7)
        )
    client.force_login(leader)
    page = client.get(reverse("dash:overview", args=[plan.code]), {"as_of": "month-6"}).content.decode()
    at_risk = page[page.index('id="at-risk"') : page.index('id="missing"')]
    assert "17 项有风险或难完成" in at_risk
    assert at_risk.count('<tr data-verdict="unlikely"') == 15
    assert "另有 2 项，见各仗页面" in at_risk and "/battle/1/?as_of=month-6#at-risk" in at_risk
    battle_page = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "month-6"}).content.decode()
    assert battle_page.count('<tr data-verdict="unlikely"') == 17


def test_paces_that_differ_never_print_alike(client, plan, departments, seeded, leader):
    # 0.9 of 2万人 by 旬15: 0.9 ÷ 15 = 0.06 a 旬 so far, (2 − 0.9) ÷ 21 = 0.052 needed — one decimal
    # would print both as 0.1.
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=2, number=1)
    metric = TaskMetric.objects.create(
        section=task.section, task=task, name="新增就业创业高校毕业生", comparator="at_least", value=2, unit="万人"
    )
    report = ProgressReport.objects.get(task=task, department=departments["science"], period__number=15)
    MetricValue.objects.create(report=report, metric=metric, value=Decimal("0.9"))
    rebuild_plan(plan)
    client.force_login(leader)
    page = client.get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-15"}).content.decode()
    assert "今后每旬需完成 0.05万人，此前每旬平均 0.06万人" in page
    assert "今后每旬需完成 0.1万人，此前每旬平均 0.1万人" not in page


def test_a_metric_whose_target_is_already_reached_is_not_at_risk(client, plan, leader, departments):
    # 1 of 1 counted since 旬3: the pace strayed (nothing more after), but the year cannot end under
    # the 1 already counted, so the forecast is 可完成, not 有风险 with an interval from 0.5.
    task = Task.objects.get(title="促进旅游消费恢复")
    metric = TaskMetric.objects.create(
        section=task.section, task=task, name="建成旅游集散中心", comparator="at_least", value=1, unit="个", order=2
    )
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day")}
    for n in (3, 15):
        report = ProgressReport.objects.create(
            task=task, department=departments["culture"], period=periods[n], status="approved", progress="推进"
        )
        MetricValue.objects.create(report=report, metric=metric, value=Decimal(1))
    rebuild_plan(plan)
    client.force_login(leader)
    task_page = client.get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-15"}).content.decode()
    note = task_page[task_page.index(f'data-forecast="{metric.pk}"') :][:400]
    assert "已完成年度目标" in note and "可完成" in note and "有风险" not in note
    assert Decimal(note.split("区间 ", 1)[1].split("–", 1)[0]) >= 1
    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "ten_day-15"}).content.decode()
    start = battle.index('id="at-risk"')
    assert "建成旅游集散中心" not in battle[start : battle.index("</section>", start)]
