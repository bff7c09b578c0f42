"""The review queue an office clears in one sitting: filters with counts, the previous 旬 beside
each report, "approve and next", bulk approval of unchanged reports, falling cumulative figures."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tasks.models import MetricValue, ProgressReport, TaskMetric
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import task, ten_day

pytestmark = pytest.mark.django_db

TEXT = {"progress": "开展消费季活动3场。", "problems": "", "next_steps": "继续推进。", "task_status": "in_progress"}


def report(plan, department, number, period, status="submitted", values=None, **text):
    t = task(1, 1, number)
    row = ProgressReport.objects.create(
        task=t,
        department=department,
        period=ten_day(plan, period),
        status=status,
        submitted_at=timezone.now(),
        **{**TEXT, **text},
    )
    for metric, value in zip(t.metrics.all(), values or [], strict=False):
        MetricValue.objects.create(report=row, metric=metric, value=Decimal(value))
    rebuild_summaries()  # written through the ORM, as a bulk loader: the summaries are recounted
    return row


def queue(client, **params):
    return client.get(reverse("tasks:review_queue"), params)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_queue_filters_by_battle_department_period_and_status_with_counts(client, plan, departments, office_dev):
    a = report(plan, departments["commerce"], 1, 14)
    b = report(plan, departments["culture"], 2, 13)
    report(plan, departments["culture"], 2, 12, status="approved")
    client.force_login(office_dev)
    response = queue(client)
    q = response.context["queue"]
    assert [row.report for row in q.rows] == [a, b] or {row.report for row in q.rows} == {a, b}
    assert dict((key, n) for key, _label, n in q.status_counts) == {"submitted": 2, "returned": 0, "approved": 1}
    assert {d["department__name"]: d["n"] for d in q.departments} == {"市商务局": 1, "市文化旅游广电体育局": 1}
    assert [p["label"] for p in q.periods] == ["2023年5月中旬", "2023年5月上旬"]
    body = response.content.decode()
    assert "市商务局（1）" in body and "2023年5月中旬（1）" in body and "待审核（2）" in body
    only = queue(client, department=str(departments["culture"].pk)).context["queue"]
    assert [row.report for row in only.rows] == [b]
    assert [row.report for row in queue(client, period="14").context["queue"].rows] == [a]
    assert [row.report.status for row in queue(client, status="approved").context["queue"].rows] == ["approved"]
    assert queue(client, battle="2").context["queue"].total == 0  # no report in battle 2
    for hostile in ("²", "③", "1e3", "-1", "9" * 40, "approved' OR 1=1"):
        response = queue(client, battle=hostile, department=hostile, period=hostile, status=hostile)
        assert response.status_code == 200 and response.context["queue"].total == 2


def test_approve_and_next_opens_the_next_report_of_the_same_filtered_queue(client, plan, departments, office_dev):
    first = report(plan, departments["culture"], 2, 13)
    second = report(plan, departments["culture"], 2, 14)
    report(plan, departments["commerce"], 1, 14)  # filtered out by department
    client.force_login(office_dev)
    queue_qs = f"plan={plan.code}&status=submitted&department={departments['culture'].pk}"
    response = client.post(reverse("tasks:report_approve", args=[first.pk]), {"next": "1", "queue": queue_qs})
    target = urlsplit(response.url)
    assert target.path == reverse("tasks:report_detail", args=[second.pk])
    assert parse_qs(target.query)["queue"] == [queue_qs]
    assert said(response) == ["已通过：（一）2.促进旅游消费恢复 市文化旅游广电体育局 2023年5月上旬"]
    response = client.post(
        reverse("tasks:report_return", args=[second.pk]), {"next": "1", "queue": queue_qs, "reason": "数据不全"}
    )
    assert response.url == f"{reverse('tasks:review_queue')}?{queue_qs}"  # cleared: back to the queue
    assert said(response)[-2:] == [
        "已退回：（一）2.促进旅游消费恢复 市文化旅游广电体育局 2023年5月中旬（理由：数据不全）",
        "这一队列的报告已全部审核完毕。",
    ]
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "returned")


def test_report_page_sets_the_previous_report_beside_it_with_changes_marked(client, plan, departments, office_dev):
    report(plan, departments["culture"], 2, 13, values=["1200", "80"], progress="举办旅游节。")
    current = report(plan, departments["culture"], 2, 14, values=["1500", "80"], progress="举办旅游节。")
    client.force_login(office_dev)
    page = client.get(reverse("tasks:report_detail", args=[current.pk]))
    comparison = page.context["comparison"]
    assert comparison.changed_fields == [] and [m.changed for m in comparison.metrics] == [True, False]
    body = page.content.decode()
    assert "与上期对照（2023年5月上旬）" in body
    assert "1500" in body and "（+300）" in body and "累计值低于上期" not in body
    assert "通过并审核下一份" in body and "退回并审核下一份" in body


def test_a_falling_cumulative_figure_is_flagged_but_a_falling_rate_is_not(client, plan, departments, office_dev):
    t2 = task(1, 1, 2)
    TaskMetric.objects.create(
        section=t2.section, task=t2, name="游客满意度", comparator="at_least", value=90, unit="%", order=2
    )
    report(plan, departments["culture"], 2, 13, values=["1200", "80", "95"], status="approved")
    current = report(plan, departments["culture"], 2, 14, values=["1100", "80", "93"])
    client.force_login(office_dev)
    body = client.get(reverse("tasks:report_detail", args=[current.pk])).content.decode()
    assert "累计值低于上期，请核实：" in body and "接待游客 1200 → 1100万人次" in body
    assert "游客满意度 95 → 93" not in body
    row = queue(client).context["queue"].rows[0]
    assert [m.metric.name for m in row.falls] == ["接待游客"]
    assert "接待游客累计值下降：1200 → 1100" in queue(client).content.decode()


def test_bulk_approval_approves_only_reports_unchanged_from_the_previous_period(client, plan, departments, office_dev):
    report(plan, departments["culture"], 2, 13, values=["1200", "80"], status="approved")
    same = report(plan, departments["culture"], 2, 14, values=["1200", "80"])
    report(plan, departments["commerce"], 1, 13, status="approved")
    changed = report(plan, departments["commerce"], 1, 14, progress="新增活动2场。")
    first_time = report(plan, departments["dev"], 1, 14)  # no previous report: never "unchanged"
    client.force_login(office_dev)
    q = queue(client).context["queue"]
    assert [row.report for row in q.unchanged] == [same]
    assert "1 份报告与上期内容、数据完全相同" in queue(client).content.decode()
    # A forged list including changed reports: only the unchanged one is approved.
    response = client.post(
        reverse("tasks:review_approve_unchanged"),
        {"report": [same.pk, changed.pk, first_time.pk, "x²"], "queue": f"plan={plan.code}"},
    )
    assert response.status_code == 302
    statuses = dict(ProgressReport.objects.filter(period__number=14).values_list("pk", "status"))
    assert statuses == {same.pk: "approved", changed.pk: "submitted", first_time.pk: "submitted"}
    messages = said(response)
    assert messages[0] == "已通过 1 份与上期相同的报告：（一）2.促进旅游消费恢复 市文化旅游广电体育局 2023年5月中旬"
    assert "未批量通过" in messages[1] and "市商务局" in messages[1]


def test_staff_cannot_use_the_queue_or_bulk_approval(client, plan, departments, staff_culture):
    same = report(plan, departments["culture"], 2, 14)
    client.force_login(staff_culture)
    assert queue(client).status_code == 404
    assert client.post(reverse("tasks:review_approve_unchanged"), {"report": [same.pk]}).status_code == 404
    same.refresh_from_db()
    assert same.status == "submitted"


def test_a_hostile_queue_value_never_reaches_the_redirect(client, plan, departments, office_dev):
    first = report(plan, departments["culture"], 2, 13)
    client.force_login(office_dev)
    hostile = "plan=test-2023&status=submitted\r\nSet-Cookie: x=1&evil=//example.org&battle=1"
    response = client.post(reverse("tasks:report_approve", args=[first.pk]), {"next": "1", "queue": hostile})
    assert response.status_code == 302
    assert response.url == f"{reverse('tasks:review_queue')}?plan=test-2023&battle=1"
    second = report(plan, departments["culture"], 2, 14)
    page = client.get(reverse("tasks:report_detail", args=[second.pk]), {"queue": hostile}).content.decode()
    assert 'name="queue" value="plan=test-2023&amp;battle=1"' in page


def test_report_page_with_its_comparison_runs_a_fixed_number_of_queries(
    client, plan, departments, office_dev, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report(plan, departments["culture"], 2, 13, values=["1200", "80"], status="approved")
    current = report(plan, departments["culture"], 2, 14, values=["1100", "90"])
    url = reverse("tasks:report_detail", args=[current.pk])
    client.force_login(office_dev)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    t2 = task(1, 1, 2)
    for n in range(5):
        metric = TaskMetric.objects.create(section=t2.section, task=t2, name=f"指标{n}", comparator="reach", value=10)
        MetricValue.objects.create(report=current, metric=metric, value=n)
    rebuild_summaries()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["comparison"].metrics) == 7
