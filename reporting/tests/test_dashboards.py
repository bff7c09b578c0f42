"""Dashboards through the test client: access, figures from the engine, fixed query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reporting.status import plan_status, resolve_as_of
from targets.models import Department, Period, Target, TargetReading
from tasks import summaries
from tasks.models import MetricValue, ProgressReport, Responsibility, Section, Task
from tasks.summaries import rebuild as rebuild_summaries

AS_OF = "ten_day-15"  # 2023年5月下旬


def add_readings(plan, department, months):
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    gdp = Target.objects.get(battle__plan=plan, code="1.01")
    periods = {(p.kind, p.number): p for p in Period.objects.filter(plan=plan)}
    rows = []
    for m in range(1, months + 1):
        rows.append(
            TargetReading(
                target=retail, period=periods[("month", m)], department=department, cumulative_value=Decimal(58 * m)
            )
        )
        if m % 3 == 0:
            rows.append(
                TargetReading(
                    target=gdp,
                    period=periods[("quarter", m // 3)],
                    department=department,
                    cumulative_growth=Decimal("6.9"),
                )
            )
    TargetReading.objects.bulk_create(rows, ignore_conflicts=True)


def add_reports(plan, user, upto):
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day")}
    rows = []
    for r in Responsibility.objects.filter(section__battle__plan=plan, role__in=["lead", "responsible"]):
        for n in range(1, upto + 1):
            rows.append(
                ProgressReport(
                    task=r.task, department=r.department, period=periods[n], status="approved", progress="推进中"
                )
            )
    ProgressReport.objects.bulk_create(rows, ignore_conflicts=True)
    rebuild_summaries()


def login(client, user):
    client.force_login(user)
    return client


def test_leader_overview_shows_each_battle_with_the_engines_lights(client, plan, leader, departments):
    add_readings(plan, departments["stats"], 5)
    add_reports(plan, leader, 15)
    status = plan_status(plan, resolve_as_of(plan, AS_OF))
    response = login(client, leader).get(reverse("dash:overview", args=[plan.code]), {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "打好经济增长主动仗" in html and "打好科技创新攻坚仗" in html
    b1 = status.battles[0]
    # Retail: 290/780 = 37.2% against 5/12 = 41.7% → yellow; GDP 6.9 vs 7.5 → yellow.
    assert b1.light_counts["yellow"] == 2
    assert 'data-count="yellow">2<' in html
    assert "100.0%" in html  # everyone reported for the 旬


def test_battle_page_indicator_row_matches_the_engine(client, plan, office_dev, departments):
    add_readings(plan, departments["stats"], 5)
    response = login(client, office_dev).get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "37.2%" in html and "41.7%" in html and "−4.5" in html
    assert "累计增长 6.9%" in html


def test_office_cannot_open_another_battle(client, plan, office_dev):
    assert login(client, office_dev).get(reverse("dash:battle", args=[plan.code, 2])).status_code == 404


def test_staff_sees_own_department_page_only(client, plan, staff_commerce, departments):
    c = login(client, staff_commerce)
    assert c.get(reverse("dash:department", args=[plan.code, departments["commerce"].pk])).status_code == 200
    assert c.get(reverse("dash:department", args=[plan.code, departments["culture"].pk])).status_code == 404
    assert c.get(reverse("dash:battle", args=[plan.code, 1])).status_code == 404
    # The overview sends staff to their department page.
    response = c.get(reverse("dash:overview", args=[plan.code]))
    assert response.status_code == 302 and f"/department/{departments['commerce'].pk}/" in response["Location"]


def test_staff_reads_own_target_and_task_but_not_others(client, plan, staff_commerce):
    c = login(client, staff_commerce)
    retail = Target.objects.get(code="1.02")
    hightech = Target.objects.get(code="2.01")
    assert c.get(reverse("dash:target", args=[retail.pk])).status_code == 200
    assert c.get(reverse("dash:target", args=[hightech.pk])).status_code == 404
    own = Task.objects.get(title="开展系列消费促进活动")
    other = Task.objects.get(title="实施市十大科技创新项目")
    assert c.get(reverse("dash:task", args=[own.pk])).status_code == 200
    assert c.get(reverse("dash:task", args=[other.pk])).status_code == 404


def test_target_page_draws_the_schedule_chart(client, plan, leader, departments):
    add_readings(plan, departments["stats"], 5)
    retail = Target.objects.get(code="1.02")
    response = login(client, leader).get(reverse("dash:target", args=[retail.pk]), {"as_of": AS_OF})
    html = response.content.decode()
    assert "<svg" in html and "序时进度" in html and "<polyline" in html
    assert "完成率 37.2%" in html


def test_as_of_an_earlier_month_hides_later_readings(client, plan, leader, departments):
    add_readings(plan, departments["stats"], 5)
    retail = Target.objects.get(code="1.02")
    response = login(client, leader).get(reverse("dash:target", args=[retail.pk]), {"as_of": "month-2"})
    html = response.content.decode()
    assert "1–2月累计完成 116" in html and "2023年5月" not in html.split("数据记录")[1]


def test_bad_as_of_shows_a_chinese_warning_not_an_error(client, plan, leader):
    response = login(client, leader).get(reverse("dash:overview", args=[plan.code]), {"as_of": "month-99"})
    assert response.status_code == 200
    assert "不是本方案的报送期" in response.content.decode()


def test_area_view_ranks_counties(client, plan, leader, departments):
    retail = Target.objects.get(code="1.02")
    may = Period.objects.get(plan=plan, kind="month", number=5)
    TargetReading.objects.create(
        target=retail, period=may, area=departments["hecheng"], department=departments["commerce"], cumulative_value=400
    )
    TargetReading.objects.create(
        target=retail,
        period=may,
        area=departments["zhongfang"],
        department=departments["commerce"],
        cumulative_value=200,
    )
    response = login(client, leader).get(reverse("dash:area", args=[retail.pk]), {"as_of": "month-5"})
    html = response.content.decode()
    assert html.index("鹤城区") < html.index("中方县")


def test_task_page_lists_reports_and_metric_bars(client, plan, leader, staff_culture, departments):
    task = Task.objects.get(title="促进旅游消费恢复")
    period = Period.objects.get(plan=plan, kind="ten_day", number=3)
    report = ProgressReport.objects.create(
        task=task, department=departments["culture"], period=period, status="approved", progress="举办旅游节"
    )
    MetricValue.objects.create(report=report, metric=task.metrics.get(name="接待游客"), value=500)
    rebuild_summaries()
    response = login(client, leader).get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-3"})
    html = response.content.decode()
    assert "举办旅游节" in html and "接待游客" in html and "bar-svg" in html


def grow(plan, departments_count, months):
    """Add departments (each leading a new task) and readings, to compare query counts."""
    section = Section.objects.filter(battle__plan=plan).first()
    offset = Department.objects.count()
    depts = Department.objects.bulk_create([Department(name=f"测试单位{offset + i}") for i in range(departments_count)])
    for i, dept in enumerate(depts):
        task = Task.objects.create(section=section, number=100 + offset + i, title=f"任务{offset + i}")
        Responsibility.objects.create(section=section, task=task, department=dept, role="lead")
    add_readings(plan, depts[0] if depts else Department.objects.first(), months)
    add_reports(plan, None, 15)


PAGES = ["overview", "battle", "department", "target", "area", "task"]


def page_url(name, plan, departments):
    target = Target.objects.get(battle__plan=plan, code="1.02")
    task = Task.objects.get(title="开展系列消费促进活动")
    return {
        "overview": reverse("dash:overview", args=[plan.code]),
        "battle": reverse("dash:battle", args=[plan.code, 1]),
        "department": reverse("dash:department", args=[plan.code, departments["commerce"].pk]),
        "target": reverse("dash:target", args=[target.pk]),
        "area": reverse("dash:area", args=[target.pk]),
        "task": reverse("dash:task", args=[task.pk]),
    }[name]


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_departments_or_months(
    page, client, plan, leader, departments, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login(client, leader)
    url = page_url(page, plan, departments)
    grow(plan, 1, 1)
    with CaptureQueriesContext(connection) as small:
        assert c.get(url, {"as_of": AS_OF}).status_code == 200
    grow(plan, 49, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        assert c.get(url, {"as_of": AS_OF}).status_code == 200


def test_task_page_and_battle_page_paths_judge_exactly_as_the_whole_plan(plan):
    from django.core.management import call_command

    from reporting.status import task_status
    from targets.models import Battle

    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "26")
    as_of = resolve_as_of(plan, "month-6")
    whole = plan_status(plan, as_of)
    lights = {t.judgement.light for t in whole.tasks_by_id.values()}
    assert len(lights) > 1  # demo laggards make the comparison meaningful
    for task in Task.objects.filter(section__battle__plan=plan).select_related("section__battle__plan"):
        single = task_status(task, as_of)
        expected = whole.tasks_by_id[task.pk]
        assert single.judgement == expected.judgement, task
        assert single.current == expected.current and single.latest_task_status == expected.latest_task_status
        assert [d.pk for d in single.reporters] == [d.pk for d in expected.reporters]
    for battle in Battle.objects.filter(plan=plan):
        (one,) = plan_status(plan, as_of, battles=[battle]).battles
        full = next(b for b in whole.battles if b.battle.pk == battle.pk)
        assert [t.judgement for t in one.targets] == [t.judgement for t in full.targets]
        assert [t.judgement for t in one.tasks] == [t.judgement for t in full.tasks]
        assert (one.reporting, one.review_queue) == (full.reporting, full.review_queue)


def test_department_on_time_rate_judges_first_submission_by_the_local_deadline_day(client, plan, leader, departments):
    import datetime as dt
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    task = Task.objects.get(title="开展系列消费促进活动")
    first, second = Period.objects.filter(plan=plan, kind="ten_day", number__in=[12, 13]).order_by("number")
    # 23:30 on the deadline day in Huaihua (15:30 UTC): on time. 00:30 the day after (still the
    # deadline day in UTC): late.
    in_time = dt.datetime.combine(first.deadline, dt.time(23, 30), tzinfo=shanghai)
    too_late = dt.datetime.combine(second.deadline + dt.timedelta(days=1), dt.time(0, 30), tzinfo=shanghai)
    for period, at in ((first, in_time), (second, too_late)):
        ProgressReport.objects.create(
            task=task, department=departments["commerce"], period=period, status="approved", first_submitted_at=at
        )
        rebuild_summaries()
    url = reverse("dash:department", args=[plan.code, departments["commerce"].pk])
    html = login(client, leader).get(url, {"as_of": AS_OF}).content.decode()
    on_time = html.split('data-rate="on-time">')[1]
    assert "（1/" in on_time.split("</div>")[0]


def test_after_the_plan_year_pages_open_on_the_last_reported_ten_day_period(plan, staff_commerce, departments):
    import datetime as dt

    add_reports(plan, staff_commerce, 20)
    as_of = resolve_as_of(plan, today=dt.date(2026, 11, 26))
    assert (as_of.period.kind, as_of.period.number) == ("ten_day", 20)
    # Within the year too, the pages open where the data is: 旬20, not the empty 旬24 before today.
    assert resolve_as_of(plan, today=dt.date(2023, 9, 5)).period.number == 20
    # A draft is no data: a draft of 旬22 does not move the page onto it.
    task = Task.objects.filter(section__battle__plan=plan).first()
    draft_period = Period.objects.get(plan=plan, kind="ten_day", number=22)
    ProgressReport.objects.create(task=task, department=staff_commerce.department, period=draft_period)
    assert resolve_as_of(plan, today=dt.date(2023, 9, 5)).period.number == 20
    # A period that has not ended yet is never the default, even with reports.
    assert resolve_as_of(plan, today=dt.date(2023, 7, 15)).period.number == 19


def test_before_any_report_the_pages_open_on_the_last_ended_ten_day_period(plan):
    import datetime as dt

    assert resolve_as_of(plan, today=dt.date(2023, 9, 5)).period.number == 24


def test_overview_heading_names_the_ten_day_period_and_task_bars_carry_light_and_schedule(
    client, plan, leader, departments
):
    import datetime as dt

    from tasks.models import MetricValue, TaskMetric

    add_reports(plan, None, 33)
    assert resolve_as_of(plan, today=dt.date(2023, 12, 26)).label == "2023年11月下旬"
    task = Task.objects.get(title="促进旅游消费恢复")
    metric = TaskMetric.objects.filter(task=task).order_by("order").first()
    report = ProgressReport.objects.get(task=task, period__kind="ten_day", period__number=33)
    MetricValue.objects.create(report=report, metric=metric, value=Decimal(3500))  # 70 % against 91.7 %
    summaries.rebuild_plan(plan)  # written through the ORM, not tasks.actions
    client.force_login(leader)
    overview = client.get(reverse("dash:overview", args=[plan.code]), {"as_of": "ten_day-33"}).content.decode()
    assert "<span data-ten-day>11月下旬</span>" in overview and "33 旬" not in overview
    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "ten_day-33"}).content.decode()
    row = battle[battle.index(f'data-task="{task.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="fill fill-red" width="70"' in row  # 21.7 points behind: red, not green
    assert 'class="schedule-mark" x1="91"' in row
    page = client.get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-33"}).content.decode()
    assert 'class="fill fill-red" width="70"' in page and 'class="schedule-mark" x1="91"' in page


def graded_red_tasks(plan, count):
    """`count` extra tasks in battle 1, each led by its own new department, task i reported up to
    旬 i only (so it has missed 15 - i in a row as of 旬 15); the fixture's tasks all reported."""
    add_reports(plan, None, 15)
    section = Section.objects.get(battle__plan=plan, battle__number=1, number=1)
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day")}
    tasks = []
    for i in range(1, count + 1):
        dept = Department.objects.create(name=f"滞后单位{i:02d}")
        task = Task.objects.create(section=section, number=50 + i, title=f"红灯任务{i:02d}")
        Responsibility.objects.create(section=section, task=task, department=dept, role="lead")
        ProgressReport.objects.bulk_create(
            ProgressReport(task=task, department=dept, period=periods[n], status="approved", progress="推进中")
            for n in range(1, i + 1)
        )
        rebuild_summaries()
        tasks.append(task)
    return tasks


def test_overview_groups_red_tasks_by_battle_with_the_worst_five_and_a_link_to_all(client, plan, leader):
    graded_red_tasks(plan, 8)
    status = plan_status(plan, resolve_as_of(plan, AS_OF))
    assert len(status.red_tasks) == 8 and not status.red_targets
    html = login(client, leader).get(reverse("dash:overview", args=[plan.code]), {"as_of": AS_OF}).content.decode()
    group = html.split('class="red-group" data-battle="1"')[1].split('class="red-group"')[0]
    assert "data-red-tasks>8<" in group
    # The five with the longest run of missed reports (reported least), worst first.
    shown = [f"红灯任务{i:02d}" for i in range(1, 6)]
    assert all(name in group for name in shown) and "红灯任务06" not in group
    assert group.index(shown[0]) < group.index(shown[4])
    assert "连续 14 期未报送" in group
    assert f"{reverse('dash:battle', args=[plan.code, 1])}?as_of={AS_OF}&amp;light=red" in group
    assert 'data-battle="2"' not in html.split("red-list-card")[1].split('id="missing"')[0]


def test_battle_page_filters_its_task_table_to_red(client, plan, leader):
    graded_red_tasks(plan, 8)
    url = reverse("dash:battle", args=[plan.code, 1])
    c = login(client, leader)
    everything = c.get(url, {"as_of": AS_OF}).content.decode()
    red = c.get(url, {"as_of": AS_OF, "light": "red"}).content.decode()
    assert everything.count("<tr data-task=") == 10
    assert red.count("<tr data-task=") == 8 and red.count('data-light="red"') >= 8
    assert "开展系列消费促进活动" in everything and "开展系列消费促进活动" not in red
    # An unknown light shows everything rather than an empty table or an error.
    assert c.get(url, {"as_of": AS_OF, "light": "purple"}).content.decode().count("<tr data-task=") == 10


def test_overview_lists_departments_not_reported_compactly_with_all_on_request(client, plan, leader):
    graded_red_tasks(plan, 14)
    url = reverse("dash:overview", args=[plan.code])
    c = login(client, leader)
    html = c.get(url, {"as_of": AS_OF}).content.decode()
    missing = html.split('id="missing"')[1]
    assert missing.count("<li data-department=") == 10 and "另有 4 个单位" in missing
    assert "&amp;all=1#missing" in missing and "红灯任务01" not in missing
    full = c.get(url, {"as_of": AS_OF, "all": "1"}).content.decode().split('id="missing"')[1]
    assert full.count("滞后单位") == 14 and "红灯任务01" in full


def test_target_page_shows_changes_to_definition_and_departments_in_fixed_queries(
    client, plan, leader, departments, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    retail = Target.objects.get(battle__plan=plan, code="1.02")
    url = reverse("dash:target", args=[retail.pk])
    c = login(client, leader)
    with CaptureQueriesContext(connection) as before:
        assert c.get(url, {"as_of": AS_OF}).status_code == 200
    retail.value = Decimal("800")
    retail.save()
    retail.departments.add(departments["stats"])
    for i in range(5):
        retail.departments.add(Department.objects.create(name=f"新增责任单位{i}"))
        retail.name = f"社会消费品零售总额{i}"
        retail.save()
    with django_assert_num_queries(len(before.captured_queries)):
        response = c.get(url, {"as_of": AS_OF})
    html = response.content.decode().split("修改记录")[1]
    assert "目标值" in html and "800" in html
    assert "责任单位" in html and departments["stats"].name in html and "新增责任单位4" in html
    assert "社会消费品零售总额4" in html


def test_each_departments_page_shows_its_tasks_and_targets_as_their_battles_pages_judge_them(
    client, plan, departments, leader
):
    """A department's page is put together battle by battle (each battle's rows kept apart): its
    rows are its tasks and targets in the plan's order, lit as the battle pages light them, its
    targets numbered 1, 2, 3 … across battles, and its 本期报送 counts its own reports."""
    import re

    from django.core.cache import caches
    from django.core.management import call_command
    from django.utils import translation

    from reporting.dashboards import battle_department_parts
    from targets.models import Plan

    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "26")
    # A qualitative target of commerce's is judged from the lead tasks of all its departments:
    # culture's among them, which commerce neither leads nor reports on.
    qualitative = Target.objects.filter(battle__plan=plan, departments=departments["commerce"]).first()
    qualitative.kind = "qualitative"
    qualitative.save()
    qualitative.departments.add(departments["culture"])
    as_of = resolve_as_of(plan, "month-6")
    whole = plan_status(plan, as_of)
    assert len({t.judgement.light for t in whole.tasks_by_id.values()}) > 1
    client.force_login(leader)
    lit = {}
    for number in sorted({b.battle.number for b in whole.battles}):
        html = client.get(reverse("dash:battle", args=[plan.code, number]), {"as_of": "month-6"}).content.decode()
        lit.update(re.findall(r'<tr (data-(?:task|target)="\d+") data-light="(\w+)"', html))
    compared = 0
    for dept in Department.objects.filter(responsibilities__section__battle__plan=plan).distinct():
        url = reverse("dash:department", args=[plan.code, dept.pk])
        # Judged from its own tasks and targets, then put together from its battles' kept rows (as
        # after the worker's judging): the same page.
        caches["dashboards"].clear()
        html = client.get(url, {"as_of": "month-6"}).content.decode()
        caches["dashboards"].clear()
        with translation.override("zh-hans"):
            battle_department_parts(Plan.objects.get(pk=plan.pk), as_of, [b.battle.pk for b in whole.battles])
        response = client.get(url, {"as_of": "month-6"})
        assert "dashboards/_indicator_rows.html" not in [t.name for t in response.templates]
        csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        assert csrf.sub("", response.content.decode()) == csrf.sub("", html), dept
        rows = re.findall(r'<tr (data-(?:task|target)="\d+") data-light="(\w+)"', html)
        tasks = [t for t in whole.tasks_by_id.values() if dept in t.reporters + t.leads]
        targets = [t for t in whole.targets_by_id.values() if dept in t.departments]
        assert [row for row, _ in rows] == [f'data-target="{t.target.pk}"' for t in targets] + [
            f'data-task="{t.task.pk}"' for t in tasks
        ], dept
        assert all(lit[row] == light for row, light in rows), dept
        numbers = re.findall(r'<tr data-target="\d+" data-light="\w+">\s*<td>(\d+)</td>', html)
        assert numbers == [str(n) for n in range(1, len(targets) + 1)], dept
        owed = [t for t in tasks if dept in t.reporters]
        reported = sum(1 for t in owed if t.current.get(dept.pk) in ("submitted", "approved"))
        assert f"{reported}/{len(owed)}</div>" in html, dept
        compared += len(rows)
    assert compared and whole.targets_by_id[qualitative.pk].judgement.light != "grey"


def test_department_page_of_a_department_without_tasks_or_targets_shows_empty_tables(client, plan, leader):
    add_reports(plan, None, 15)
    idle = Department.objects.create(name="无任务单位")
    response = login(client, leader).get(reverse("dash:department", args=[plan.code, idle.pk]), {"as_of": AS_OF})
    html = response.content.decode()
    assert response.status_code == 200 and "无任务单位" in html
    assert "没有任务。" in html and "没有指标。" in html and "（0/0）" in html


def test_the_two_task_pages_link_to_each_other(client, plan, leader):
    task = Task.objects.get(section__battle__number=1, number=1)
    login(client, leader)
    work_page = client.get(reverse("tasks:task_detail", args=[task.pk])).content.decode()
    assert reverse("dash:task", args=[task.pk]) in work_page
    dashboard = client.get(reverse("dash:task", args=[task.pk])).content.decode()
    assert reverse("tasks:task_detail", args=[task.pk]) in dashboard


def test_a_metric_reported_in_an_earlier_period_is_not_dated_in_the_as_of_period(client, plan, seeded, leader):
    # 1.2 was last reported (and approved) in 旬13: as of 旬15 its 150亿元 is judged against 旬15's
    # 序时进度, and said to come from 旬13, not to be 旬15's figure.
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=2)
    page = login(client, leader).get(reverse("dash:task", args=[task.pk]), {"as_of": AS_OF}).content.decode()
    assert "截至5月下旬（最近一次报告为5月上旬）累计完成 150 亿元，完成率 31.9%，序时进度 41.7%" in page
    assert "第15旬" not in page and "5月下旬累计完成" not in page
    # Reported in the as-of 旬 itself, a figure keeps the plain label.
    page = client.get(reverse("dash:task", args=[task.pk]), {"as_of": "ten_day-13"}).content.decode()
    assert "5月上旬累计完成 150 亿元" in page and "最近一次报告" not in page
