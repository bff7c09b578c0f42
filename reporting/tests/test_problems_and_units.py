"""Who is judged and how problems are followed, on the seeded May 2023 (see conftest.py)."""

import datetime as dt

from reporting import figures
from reporting.build import build_report
from targets.models import Department
from tasks.models import ProgressReport, Responsibility, Task


def paragraphs(content):
    return [b["text"] for b in content["blocks"] if b["t"] == "p"]


def table(content, name):
    blocks = content["blocks"] + [b for annex in content["annexes"] for b in annex["blocks"]]
    return next(b for b in blocks if b["t"] == "table" and b["name"] == name)


def test_a_problem_keeps_the_identity_of_the_report_that_raised_it(seeded, plan, departments):
    commerce_13 = ProgressReport.objects.get(department=departments["commerce"], period__number=13)
    culture_13 = ProgressReport.objects.get(department=departments["culture"], period__number=13)
    problems = figures.collect(plan, seeded["ten_day_15"])["problems"]
    # 促销资金不足 (旬13, 旬14) was closed by 旬15's report that lists none; 景区配套不完善 is open.
    assert [(p["id"], p["text"], p["closed_ten_day"], p["open_ten_days"]) for p in problems] == [
        (commerce_13.pk, "促销资金不足", 15, None),
        (culture_13.pk, "景区配套不完善", None, 3),
    ]
    # A later report naming a problem again, after the close, raises a new one.
    later = ProgressReport.objects.get(department=departments["commerce"], period__number=15)
    later.problems = "场地审批慢"
    later.save(update_fields=["problems"])
    problems = figures.collect(plan, seeded["ten_day_15"])["problems"]
    assert [(p["id"], p["text"], p["open_ten_days"]) for p in problems] == [
        (commerce_13.pk, "场地审批慢", 3),  # still listed in 旬15: the same problem, latest wording
        (culture_13.pk, "景区配套不完善", 3),
    ]


def test_briefing_counts_new_and_closed_problems_of_its_own_ten_days(seeded, plan):
    content = build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id).content
    # 旬15: nothing new, 促销资金不足 closed, 景区配套不完善 open for 3 旬, the oldest open first.
    assert content["summary"]["new_problems"] == 0
    assert content["summary"]["closed_problems"] == 1
    assert content["summary"]["open_problems"] == 1
    rows = table(content, "问题清单（本旬销号和未销号）")["rows"]
    assert [r[3] for r in rows] == ["促销资金不足", "景区配套不完善"]
    assert rows[0][6] == "2023年5月31日销号" and rows[1][6] == "未销号，已持续3旬"


def test_late_reports_are_counted_apart_from_missing_ones(seeded, plan, departments):
    late = ProgressReport.objects.get(department=departments["finance"], period__number=15)
    late.first_submitted_at = dt.datetime(2023, 6, 9, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    late.save(update_fields=["first_submitted_at"])
    battle = plan.battles.get(number=2)
    content = build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id, battle.id).content
    assert content["summary"]["late"] == 1 and content["summary"]["missing_reports"] == 0
    assert content["summary"]["late_units"] == ["市财政局"] and content["summary"]["missing"] == []
    assert "迟报1份：市财政局1份。" in paragraphs(content)
    assert not any(p.startswith("漏报") for p in paragraphs(content))


def test_collectives_and_units_with_nothing_due_are_never_ranked_praised_or_criticised(seeded, plan):
    collective = Department.objects.create(name="各事项涉及单位", kind=Department.Kind.COLLECTIVE)
    idle = Department.objects.create(name="市审计局")
    task = Task.objects.get(section__battle__number=1, number=1)
    Responsibility.objects.create(section=task.section, task=task, department=collective, role="responsible")
    content = build_report(plan.id, "monthly_circular", seeded["may"].id).content
    ranked = [r[0] for r in table(content, "单位排名")["rows"]]
    assert "各事项涉及单位" not in ranked and "市审计局" not in ranked and idle.name not in content["summary"]["praise"]
    assert "各事项涉及单位" not in content["summary"]["criticism"]
    # Its missing reports are counted, never named.
    text = "".join(paragraphs(content))
    assert "各事项涉及单位" not in text
    assert content["summary"]["criticism"] == ["市发展改革委", "市文化旅游广电体育局"]


def test_quarterly_summary_reads_first_half_and_counts_tasks(seeded, plan):
    content = build_report(plan.id, "quarterly_summary", seeded["q2"].id).content
    assert content["period_label"] == "2023年上半年"
    q1 = build_report(plan.id, "quarterly_summary", seeded["q1"].id).content
    assert q1["period_label"] == "2023年一季度"
    assert content["issue_label"] == "2023年第2期"


def test_cumulative_quarters_read_as_a_circular_says_them():
    from reporting.content import plain

    assert plain("1–3季度累计增长 7.2%，目标 7.5%") == "前三季度累计增长7.2%，目标7.5%"
    assert plain("1–2季度为 16.6%") == "上半年为16.6%"
