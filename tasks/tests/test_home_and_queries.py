"""The home page (我的任务), and fixed query counts on home, form and review queue."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tasks.models import MetricValue, ProgressReport, Responsibility, Task, TaskMetric
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import task, ten_day

pytestmark = pytest.mark.django_db


def home(client, **params):
    return client.get(reverse("tasks:home"), params)


def todo_items(response):
    """(group key, item) for every item of the staff to-do list, in page order."""
    return [
        (group.key, item)
        for group in response.context["todo"].groups
        for period_group in group.period_groups
        for battle_group in period_group.battle_groups
        for item in battle_group.items
    ]


def test_staff_home_lists_current_and_open_earlier_periods_with_roles_and_status(client, plan, staff_commerce):
    t1, t2 = task(1, 1, 1), task(1, 1, 2)
    ProgressReport.objects.create(
        task=t1, department=staff_commerce.department, period=ten_day(plan, 13), status="approved"
    )
    rebuild_summaries()
    ProgressReport.objects.create(
        task=t2,
        department=staff_commerce.department,
        period=ten_day(plan, 13),
        status="returned",
        return_reason="数据不全",
    )
    rebuild_summaries()
    client.force_login(staff_commerce)
    response = home(client, as_of="2023-05-15")
    pairs = {(item.period.number, item.task.pk): (key, item) for key, item in todo_items(response)}
    # The current period 14 and the three before it, for both tasks.
    assert pairs[(14, t1.pk)][0] == "due"
    # 市商务局 only cooperates on t2: its report is offered, for the current 旬, but not owed.
    assert pairs[(14, t2.pk)][0] == "optional" and (12, t2.pk) not in pairs
    assert pairs[(13, t1.pk)][0] == "done"
    assert pairs[(13, t2.pk)][0] == "returned" and pairs[(13, t2.pk)][1].status_label == "被退回"
    assert pairs[(11, t1.pk)][0] == "overdue" and (10, t1.pk) not in pairs  # capped to 3 earlier periods
    assert pairs[(14, t1.pk)][1].role == Responsibility.Role.LEAD
    assert pairs[(14, t2.pk)][1].role == Responsibility.Role.COOPERATING
    body = response.content.decode()
    assert "未填报" in body and "已逾期" in body and "数据不全" in body
    assert "社会消费品零售总额" in body  # a target 市商务局 reports readings for
    assert "2023年5月中旬" in body


def test_staff_home_puts_returned_first_then_due_then_overdue_then_done(client, plan, staff_commerce):
    t1, t2 = task(1, 1, 1), task(1, 1, 2)
    dept = staff_commerce.department
    ProgressReport.objects.create(task=t1, department=dept, period=ten_day(plan, 13), status="approved")
    # Returned in March, long before the window (11–14): it stays on the list, at the top.
    ProgressReport.objects.create(
        task=t2, department=dept, period=ten_day(plan, 7), status="returned", return_reason="请补充佐证材料"
    )
    rebuild_summaries()
    client.force_login(staff_commerce)
    response = home(client, as_of="2023-05-15")
    keys = [key for key, _item in todo_items(response)]
    assert keys[0] == "returned" and keys == sorted(keys, key=["returned", "due", "overdue", "done", "optional"].index)
    first = todo_items(response)[0][1]
    assert (first.period.number, first.task) == (7, t2)
    body = response.content.decode()
    positions = [body.index(f'id="todo-{key}"') for key in ("returned", "due", "overdue", "done")]
    assert positions == sorted(positions)
    assert positions[0] < body.index("请补充佐证材料") < positions[1]
    # Only the items whose deadline has passed are marked overdue, with their days.
    overdue = [item for key, item in todo_items(response) if key == "overdue"]
    assert overdue and all(item.period.deadline < dt.date(2023, 5, 15) for item in overdue)
    assert body.count('class="overdue"') == len(overdue)
    assert all(item.period.number < 14 for item in overdue)


def test_staff_home_never_calls_a_task_it_only_cooperates_on_overdue(client, plan, staff_commerce):
    """Only lead and responsible units owe a report every 旬 (the dashboards, dispatch reports and
    reminders count so): the home page said 已逾期未报 for every 配合 task, in every 旬."""
    cooperating = task(1, 1, 2)
    client.force_login(staff_commerce)
    response = home(client, as_of="2023-05-15")
    rows = [(key, item.period.number) for key, item in todo_items(response) if item.task == cooperating]
    assert rows == [("optional", 14)]
    todo = response.context["todo"]
    counts = {group.key: group.total for group in todo.groups}
    assert counts["overdue"] == 3 and counts["due"] == 1  # the lead task only: 旬 11–13, and 14
    body = response.content.decode()
    assert "配合的任务（不要求每旬报送）" in body
    assert body.count('class="overdue"') == 3
    # Once begun, its draft stays on the list, still not overdue when the 旬 has passed.
    ProgressReport.objects.create(task=cooperating, department=staff_commerce.department, period=ten_day(plan, 12))
    response = home(client, as_of="2023-05-15")
    rows = [(key, item.period.number) for key, item in todo_items(response) if item.task == cooperating]
    assert rows == [("optional", 14), ("optional", 12)]


def test_staff_home_lists_no_ten_day_period_before_the_plan_was_published(client, plan, staff_commerce):
    """Reports are owed from the 旬 of the plan's publication (targets.periods.first_due_ten_day):
    two weeks after it, the home page listed January as 已逾期未报."""
    plan.published_on = dt.date(2023, 2, 9)  # 2月上旬, the 4th 旬
    plan.save()
    client.force_login(staff_commerce)
    response = home(client, as_of="2023-02-15")
    numbers = {item.period.number for _key, item in todo_items(response)}
    assert numbers == {4, 5}
    assert "2023年1月下旬" not in response.content.decode()


def test_staff_home_filters_by_battle_period_and_status_and_ignores_bad_values(client, plan, staff_commerce):
    other = task(2, 1, 1)
    Responsibility.objects.create(
        section=other.section, task=other, department=staff_commerce.department, role="cooperating"
    )
    client.force_login(staff_commerce)
    everything = todo_items(home(client, as_of="2023-05-15"))
    only_14 = todo_items(home(client, as_of="2023-05-15", period="14"))
    assert only_14 and {item.period.number for _key, item in only_14} == {14}
    overdue = todo_items(home(client, as_of="2023-05-15", status="overdue"))
    assert overdue and {key for key, _item in overdue} == {"overdue"}
    battle_2 = todo_items(home(client, as_of="2023-05-15", battle="2"))
    assert battle_2 and {item.task.section.battle.number for _key, item in battle_2} == {2}
    assert len(battle_2) < len(everything)
    for hostile in ("²", "③", "1e3", "-1", "' OR 1=1", "9" * 40):
        response = home(client, as_of="2023-05-15", battle=hostile, period=hostile, status=hostile)
        assert response.status_code == 200
        assert len(todo_items(response)) == len(everything)


def test_home_after_the_plan_year_falls_back_to_the_last_period_and_says_so(client, plan, staff_commerce):
    client.force_login(staff_commerce)
    response = home(client, as_of="2026-03-01")
    assert response.context["current"].number == 36
    assert "今天已过方案年度" in response.content.decode()


def test_home_with_an_unreadable_date_explains_and_still_works(client, plan, staff_commerce):
    client.force_login(staff_commerce)
    response = home(client, as_of="2023-13-45<script>")
    assert response.status_code == 200
    assert "无法识别" in response.content.decode()
    assert "<script>" not in response.content.decode().split("无法识别")[0][-200:]


def test_home_warns_when_deadlines_are_estimated(client, plan, staff_commerce):
    period = ten_day(plan, 14)
    period.deadline_is_estimate = True
    period.save()
    client.force_login(staff_commerce)
    assert "按周末估算" in home(client, as_of="2023-05-15").content.decode()


def test_home_plan_selector_picks_a_plan_by_code(client, plan, staff_commerce):
    from targets.models import Plan

    Plan.objects.create(code="other-2024", title="另一方案", year=2024)
    client.force_login(staff_commerce)
    assert home(client).context["plan"].code == "other-2024"  # newest by default
    assert home(client, plan="test-2023").context["plan"] == plan


def test_office_home_shows_queue_count_and_reporting_rate(client, plan, office_dev, staff_commerce):
    period = ten_day(plan, 14)
    ProgressReport.objects.create(
        task=task(1, 1, 1),
        department=staff_commerce.department,
        period=period,
        status="submitted",
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    client.force_login(office_dev)
    response = home(client, as_of="2023-05-15")
    assert response.context["queue_count"] == 1
    [rate] = response.context["rates"]
    assert (rate["due"], rate["done"], rate["pct"]) == (2, 1, 50.0)
    assert "待审核报告 1 份" in response.content.decode()


def test_leader_home_is_the_plans_overview(client, plan, leader):
    client.force_login(leader)
    response = client.get(reverse("tasks:home"), {"plan": plan.code}, follow=True)
    assert response.redirect_chain == [(reverse("dash:overview", args=[plan.code]), 302)]
    page = response.content.decode()
    assert "建设中" not in page and 'class="card battle-card"' in page


def test_admin_home_links_to_the_dashboards_and_lists_all_battles(client, plan, plan_admin):
    client.force_login(plan_admin)
    response = home(client, as_of="2023-05-15")
    assert len(response.context["rates"]) == 2
    page = response.content.decode()
    assert f'href="{reverse("dash:overview", args=[plan.code])}"' in page and "建设中" not in page


# ---------------------------------------------------------------- query counts


def add_tasks(plan, department, count, with_reports=True):
    """Add `count` tasks the department leads in battle 1, each with a metric and reports."""
    t1 = task(1, 1, 1)
    first = 100 + Task.objects.count()
    for n in range(first, first + count):
        t = Task.objects.create(section=t1.section, number=n, title=f"追加任务{n}")
        Responsibility.objects.create(section=t1.section, task=t, department=department, role="lead")
        metric = TaskMetric.objects.create(section=t1.section, task=t, name=f"指标{n}", comparator="reach", value=10)
        if with_reports:
            for number in (11, 12, 13, 14):
                report = ProgressReport.objects.create(
                    task=t,
                    department=department,
                    period=ten_day(plan, number),
                    status="submitted",
                    submitted_at=timezone.now(),
                )
                MetricValue.objects.create(report=report, metric=metric, value=number)
    rebuild_summaries()


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_home_runs_a_fixed_number_of_queries(client, plan, staff_commerce, django_assert_num_queries):
    client.force_login(staff_commerce)
    url = reverse("tasks:home")
    count_queries(client, url, {"as_of": "2023-05-15"})  # warm caches (content types, sessions)
    few = count_queries(client, url, {"as_of": "2023-05-15"})
    add_tasks(plan, staff_commerce.department, 25)
    # Returned reports long before the window are read by the same query.
    for t in Task.objects.filter(title__startswith="追加任务")[:10]:
        ProgressReport.objects.create(
            task=t, department=staff_commerce.department, period=ten_day(plan, 5), status="returned"
        )
    with django_assert_num_queries(few):
        response = client.get(url, {"as_of": "2023-05-15"})
    assert len(todo_items(response)) > 25
    assert sum(1 for key, _item in todo_items(response) if key == "returned") == 10


def test_office_home_runs_a_fixed_number_of_queries(client, plan, office_dev, departments, django_assert_num_queries):
    client.force_login(office_dev)
    url = reverse("tasks:home")
    count_queries(client, url, {"as_of": "2023-05-15"})
    few = count_queries(client, url, {"as_of": "2023-05-15"})
    add_tasks(plan, departments["commerce"], 20)
    with django_assert_num_queries(few):
        client.get(url, {"as_of": "2023-05-15"})


def test_review_queue_runs_a_fixed_number_of_queries(client, plan, office_dev, departments, django_assert_num_queries):
    add_tasks(plan, departments["commerce"], 1)
    client.force_login(office_dev)
    url = reverse("tasks:review_queue")
    count_queries(client, url)
    few = count_queries(client, url)
    add_tasks(plan, departments["culture"], 20)
    with django_assert_num_queries(few):
        response = client.get(url)
    reports = [row.report for row in response.context["queue"].rows]
    assert len(reports) == 4 + 80
    # Each is compared with the previous 旬's report, whose figure is lower: changed, not unchanged.
    assert sum(1 for row in response.context["queue"].rows if row.previous is not None) == 3 + 60
    assert not response.context["queue"].unchanged
    times = [r.submitted_at for r in reports]
    assert times == sorted(times)  # oldest first


def test_report_form_runs_a_fixed_number_of_queries(
    client, plan, staff_culture, departments, django_assert_num_queries
):
    """Contributions, previous reports and metrics are preloaded, whatever their number."""
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    url = reverse("tasks:report_edit", args=[t2.pk, period.pk])
    make_report = ProgressReport.objects.create
    make_report(task=t2, department=departments["commerce"], period=period, status="submitted")
    make_report(task=t2, department=departments["culture"], period=ten_day(plan, 13), progress="上期")
    client.force_login(staff_culture)
    count_queries(client, url)
    few = count_queries(client, url)
    for key in ("dev", "stats", "finance", "hecheng"):
        Responsibility.objects.create(section=t2.section, task=t2, department=departments[key], role="cooperating")
        report = make_report(task=t2, department=departments[key], period=period, status="approved")
        for metric in t2.metrics.all():
            MetricValue.objects.create(report=report, metric=metric, value=1)
    for number in range(1, 13):
        make_report(task=t2, department=departments["culture"], period=ten_day(plan, number))
    rebuild_summaries()
    with django_assert_num_queries(few):
        response = client.get(url)
    assert len(response.context["contributions"]) == 5


def test_home_period_logic_uses_shanghai_date(client, plan, staff_commerce, monkeypatch):
    # 2023-05-10 16:30 UTC is already 2023-05-11 00:30 in Shanghai: 中旬 (14), not 上旬 (13).
    instant = dt.datetime(2023, 5, 10, 16, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    client.force_login(staff_commerce)
    assert home(client).context["current"].number == 14


def test_report_page_with_its_history_runs_a_fixed_number_of_queries(
    client, plan, staff_culture, django_assert_num_queries
):
    """History rows preload users and foreign keys: more edits do not mean more queries."""
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    a, b = t2.metrics.all()
    url = reverse("tasks:report_edit", args=[t2.pk, period.pk])
    client.force_login(staff_culture)
    client.post(
        url, {"version": 1, "action": "draft", "progress": "一", "task_status": "in_progress", f"metric_{a.pk}": "1"}
    )
    report = ProgressReport.objects.get()
    detail = reverse("tasks:report_detail", args=[report.pk])
    count_queries(client, detail)
    few = count_queries(client, detail)
    for n in range(2, 12):
        client.post(
            url,
            {
                "version": n,
                "action": "draft",
                "progress": f"第{n}稿",
                "task_status": "lagging",
                f"metric_{a.pk}": str(n),
                f"metric_{b.pk}": str(n),
            },
        )
    assert ProgressReport.objects.get().version == 12
    with django_assert_num_queries(few):
        response = client.get(detail)
    assert len(response.context["history"]) > 20
