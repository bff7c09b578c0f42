"""Figures a leader recomputes by hand: the value a sentence quotes is the value the table shows
(targets.numbers: reported values to two places), so that value ÷ target gives the rate printed."""

import re
from decimal import Decimal

from django.urls import reverse

from reporting.build import build_report
from targets.models import Battle, Period, Target, TargetReading
from tasks.models import MetricValue, ProgressReport, Task, TaskMetric
from tasks.summaries import rebuild_plan


def report_metric(task, department, number, metric, value):
    period = Period.objects.get(plan=task.section.battle.plan, kind="ten_day", number=number)
    report = ProgressReport.objects.create(
        task=task, department=department, period=period, status="approved", progress="推进"
    )
    MetricValue.objects.create(report=report, metric=metric, value=Decimal(value))


def test_a_metric_reason_quotes_the_value_as_the_table_shows_it(client, plan, leader, departments):
    # 1.75 of 2万人 is 87.5 %: a reason reading "累计完成 1.8 万人，完成率 87.5%" does not add up.
    task = Task.objects.get(title="促进旅游消费恢复")
    metric = TaskMetric.objects.create(
        section=task.section, task=task, name="新增就业创业高校毕业生", comparator="at_least", value=2, unit="万人"
    )
    report_metric(task, departments["culture"], 33, metric, "1.75")
    rebuild_plan(plan)
    client.force_login(leader)
    for url in (reverse("dash:battle", args=[plan.code, 1]), reverse("dash:task", args=[task.pk])):
        page = client.get(url, {"as_of": "ten_day-33"}).content.decode()
        assert "累计完成 1.75 万人，完成率 87.5%" in page, url
        assert "1.8 万人" not in page


def test_the_circulars_warning_annex_prints_the_forecast_as_the_target_page_does(client, plan, leader, departments):
    # 高新技术产业增加值占GDP比重 at 17.42, 17.9 and 17.89: the annex printed "17.3–18.5" and
    # "最新17.9%" (figures rounded to two places, then to one) where the page says "17.3–18.4" and
    # the indicator table 17.89.
    share = Target.objects.create(
        battle=Battle.objects.get(plan=plan, number=2),
        code="2.07",
        name="高新技术产业增加值占GDP比重",
        comparator="at_least",
        value=Decimal("18.5"),
        unit="%",
        kind=Target.Kind.LEVEL,
        frequency="yearly",
        order=7,
    )
    share.departments.set([departments["stats"]])
    quarters = {p.number: p for p in Period.objects.filter(plan=plan, kind="quarter")}
    for n, value in ((1, "17.42"), (2, "17.9"), (3, "17.89")):
        TargetReading.objects.create(
            target=share, period=quarters[n], department=departments["stats"], cumulative_value=Decimal(value)
        )
    client.force_login(leader)
    page = client.get(reverse("dash:target", args=[share.pk]), {"as_of": "month-11"}).content.decode()
    sentence = re.search(r"<span data-forecast>([^<]*)</span>", page).group(1)
    projected, low, high = re.search(r"预计全年 ([\d.]+)%（区间 ([\d.]+)–([\d.]+)）", sentence).groups()

    period = Period.objects.get(plan=plan, kind="month", number=11)
    content = build_report(plan.id, "monthly_circular", period.id, share.battle_id).content
    blocks = [b for annex in content["annexes"] for b in annex["blocks"] if b["t"] == "table"]
    table = next(b for b in blocks if b["name"] == "预警清单")
    row = next(r for r in table["rows"] if r[1] == share.name)
    assert row[4] == float(projected) and row[5] == f"{low}–{high}"
    assert row[7:9] == ["达到18.5%", "最新17.89%"]


def test_a_growth_targets_records_show_no_schedule_as_the_indicator_table(client, plan, leader, departments):
    # 地区生产总值增长 is compared with 7.5% itself, never prorated: its quarterly records showed a
    # 序时进度 of 25.0 and 50.0 that the battle page's table (—) and the rule do not apply.
    gdp = Target.objects.get(battle__plan=plan, code="1.01")
    quarters = {p.number: p for p in Period.objects.filter(plan=plan, kind="quarter")}
    for n in (1, 2):
        TargetReading.objects.create(
            target=gdp, period=quarters[n], department=departments["stats"], cumulative_growth=Decimal("6.9")
        )
    client.force_login(leader)
    page = client.get(reverse("dash:target", args=[gdp.pk]), {"as_of": "month-6"}).content.decode()
    assert re.findall(r'<td class="num" data-col="schedule">([^<]*)</td>', page) == ["—", "—"]
    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "month-6"}).content.decode()
    row = battle[battle.index(f'data-target="{gdp.pk}"') :]
    assert re.search(r'data-col="schedule">([^<]*)<', row).group(1) == "—"
    # A cumulative amount keeps the schedule it is judged against.
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    TargetReading.objects.create(
        target=retail,
        period=Period.objects.get(plan=plan, kind="month", number=6),
        department=departments["commerce"],
        cumulative_value=Decimal(400),
    )
    page = client.get(reverse("dash:target", args=[retail.pk]), {"as_of": "month-6"}).content.decode()
    assert re.findall(r'<td class="num" data-col="schedule">([^<]*)</td>', page) == ["50.0"]


def test_a_countys_amount_is_ranked_by_its_value_not_judged_against_the_citys_target(client, plan, leader, departments):
    # 社零 780亿元 is the city's: 鹤城区's 100 by June is not "12.8% complete, 37.2 points behind",
    # red like every county; the counties are ranked by their amounts, without a light.
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    june = Period.objects.get(plan=plan, kind="month", number=6)
    for area, value in (("zhongfang", 60), ("hecheng", 100)):
        TargetReading.objects.create(
            target=retail,
            period=june,
            area=departments[area],
            department=departments["commerce"],
            cumulative_value=Decimal(value),
        )
    client.force_login(leader)
    page = client.get(reverse("dash:area", args=[retail.pk]), {"as_of": "month-6"}).content.decode()
    rows = re.findall(r'<tr data-light="(\w+)"><td class="num">(\d+)</td><td>([^<]+)</td>', page)
    assert rows == [("grey", "1", "鹤城区"), ("grey", "2", "中方县")]
    assert "红灯" not in page and "12.8%" not in page
    # The circular's county annex ranks them alike.
    content = build_report(plan.id, "monthly_circular", june.id).content
    blocks = [b for annex in content["annexes"] for b in annex["blocks"] if b["t"] == "table"]
    table = next(b for b in blocks if b["name"] == "县市区排名：社会消费品零售总额")
    assert [r[:3] for r in table["rows"]] == [[1, "鹤城区", 100.0], [2, "中方县", 60.0]]
