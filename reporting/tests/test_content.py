"""The seeded May 2023 (see conftest.py) against figures computed by hand."""

import datetime as dt

from reporting.build import build_report
from reporting.models import DispatchReport


def table(content, name):
    blocks = content["blocks"] + [b for annex in content["annexes"] for b in annex["blocks"]]
    return next(b for b in blocks if b["t"] == "table" and b["name"] == name)


def paragraphs(content):
    return [b["text"] for b in content["blocks"] if b["t"] == "p"]


def test_monthly_circular_indicator_table_matches_hand_figures(seeded, plan):
    report = build_report(plan.id, "monthly_circular", seeded["may"].id)
    assert report.status == DispatchReport.Status.READY
    rows = {r[1]: r for r in table(report.content, "主要指标完成情况")["rows"]}
    # 社零: 300 ÷ 780 = 38.46%; 序时 5/12 = 41.67%; gap −3.2 points → yellow, rank 2 of 3.
    retail = rows["社会消费品零售总额"]
    assert retail[3:10] == [780.0, 65.0, 300.0, 38.5, 41.7, -3.2, "否"]
    assert retail[10:] == [2, "黄灯", "市商务局"]
    # 高新技术企业: 90 ÷ 150 = 60.0%, +18.3 points → green, rank 1.
    assert rows["新认定高新技术企业"][6:12] == [60.0, 41.7, 18.3, "是", 1, "绿灯"]
    # GDP: Q1 growth 4.0% against 7.5% (−3.5 points, below 5.0 = two thirds of target) → red.
    assert rows["地区生产总值增长"][6] == 4.0
    assert rows["地区生产总值增长"][8:12] == [-3.5, "否", 3, "红灯"]


def test_monthly_circular_rankings_praise_criticism_and_problems(seeded, plan):
    content = build_report(plan.id, "monthly_circular", seeded["may"].id).content
    ranking = {r[0]: r for r in table(content, "单位排名")["rows"]}
    # 15 ten-day periods to the end of May; 市财政局 reported 3 of 15 on time = 20.0%.
    assert ranking["市财政局"][1] == 20.0
    assert ranking["市文化旅游广电体育局"][1:4] == [6.7, 4, 0.0]  # 1/15; returned once
    assert ranking["市发展改革委"][1] == 0.0
    assert ranking["市商务局"][1:3] == [100.0, 1]
    counties = table(content, "县市区排名：地区生产总值增长")["rows"]
    assert [(r[0], r[1], r[2]) for r in counties] == [(1, "鹤城区", 6.1), (2, "中方县", 3.2)]
    summary = content["summary"]
    assert summary["praise"] == ["市商务局", "市科技局"]
    assert sorted(summary["criticism"]) == ["市发展改革委", "市文化旅游广电体育局"]
    assert summary["quantified"] == {"total": 1, "on_schedule": 0, "laggards": ["（一）2.促进旅游消费恢复"]}
    criticised = next(p for p in paragraphs(content) if p.startswith("对以下单位予以通报批评"))
    # May: 发改委 sent none of its 3 reports, 文旅 1 of 3; 文旅's one lead task is not on schedule.
    assert "本月按时报送率低于60.0%的市发展改革委（0.0%）、市文化旅游广电体育局（33.3%）" in criticised
    assert "比例低于60.0%的市文化旅游广电体育局（0/1项）" in criticised
    # 促销资金不足 was closed by the 旬15 report; 景区配套不完善 (raised in 旬13) is still open.
    problems = table(content, "问题清单")["rows"]
    assert [(p[3], p[4], p[5], p[6]) for p in problems] == [
        ("景区配套不完善", "市文化旅游广电体育局", "2023年5月10日", "本期新提出，未销号，已持续3旬")
    ]


def test_ten_day_briefing_lists_progress_and_departments_that_did_not_report(seeded, plan):
    battle = plan.battles.get(number=1)
    content = build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id, battle.id).content
    assert content["office"].endswith("打好经济增长主动仗工作专班办公室")
    assert content["summary"]["missing"] == ["市发展改革委", "市文化旅游广电体育局"]
    assert content["summary"]["reports"] == 1
    # 旬15 of battle 1: 1.1 by 市商务局 and 市发展改革委, 1.2 by 市文化旅游广电体育局; only the first came.
    text = paragraphs(content)
    assert text[0].startswith("报送方面，2023年5月下旬应报进展报告3份，按时报送1份，按时报送率33.3%")
    assert "漏报2份：市发展改革委1份、市文化旅游广电体育局1份。" in text


def test_quarterly_summary_counts_raised_and_closed_problems_and_next_steps(seeded, plan):
    content = build_report(plan.id, "quarterly_summary", seeded["q2"].id).content
    # Q2 (to 30 June): both problems raised in May; 促销资金不足 closed on 31 May.
    assert content["summary"]["raised"] == 2
    assert content["summary"]["closed"] == 1
    assert content["summary"]["open"] == 1
    plans = table(content, "下季度工作打算")["rows"]
    assert ["（一）1.开展系列消费促进活动", "市商务局", "办好端午消费节"] in plans
    change = {r[1]: r for r in table(content, "指标较上季度变化")["rows"]}
    # Q1 had no 社零 reading; by the end of Q2 the May figure stands (38.5%).
    assert change["社会消费品零售总额"][2:5] == [38.5, None, None]


def test_warning_slips_name_each_red_item_for_the_convener(seeded, plan):
    battle = plan.battles.get(number=1)
    content = build_report(plan.id, "warning_slip", seeded["may"].id, battle.id).content
    rows = table(content, "提示单清单")["rows"]
    items = [r[2] for r in rows]
    assert items == ["指标“地区生产总值增长”", "任务“（一）2.促进旅游消费恢复”"]
    assert rows[1][3] == "市文化旅游广电体育局"
    # Issued Monday 5 June; ten days later is Thursday 15 June, written as a document writes it.
    assert [r[5] for r in rows] == ["2023年6月15日", "2023年6月15日"]
    assert any(p.startswith("市政府常务副市长") for p in paragraphs(content))
    assert content["summary"]["slips"] == 2


def test_monthly_circular_warns_what_must_change_by_when(seeded, plan):
    content = build_report(plan.id, "monthly_circular", seeded["may"].id).content
    headings = [b["text"] for b in content["blocks"] if b["t"] == "h1"]
    # In the main text before the 下步要求; the per-item table is an annex.
    assert headings[-2].endswith("、预警") and headings[-1].endswith("、下步要求")
    assert not any(b["t"] == "table" and b["name"] == "预警清单" for b in content["blocks"])
    rows = table(content, "预警清单")["rows"]
    # GDP 4.0% against 7.5% with a quarter to go; 旅游总收入 150 of 470 by 旬13 (on pace for 415):
    # both 难完成. 社零 300 by May is on pace for 720 of 780 and 接待游客 2000 by 旬13 for 5538 of
    # 5000, both within a single figure's interval: 有风险.
    assert [(r[1], r[6]) for r in rows] == [
        ("地区生产总值增长", "难完成"),
        ("（一）2.促进旅游消费恢复：旅游总收入", "难完成"),
        ("社会消费品零售总额", "有风险"),
        ("（一）2.促进旅游消费恢复：接待游客", "有风险"),
    ]
    retail = next(r for r in rows if r[1] == "社会消费品零售总额")
    # 480 still missing over the 7 months left: 68.6 a month, against 60 a month so far.
    assert retail[2:5] == ["市商务局", 780.0, 720.0]
    assert retail[7:] == ["每月68.6亿元", "每月60亿元", "6月30日前提出措施，年底前完成"]
    assert any("2项指标和量化任务难以完成、2项存在风险" in p for p in paragraphs(content))
    assert content["summary"]["warnings"] == {"unlikely": 2, "at_risk": 2}


def test_the_warning_section_renders_on_the_web_page_and_in_word_and_excel(seeded, plan, leader, client):
    import io

    import openpyxl
    from django.urls import reverse
    from docx import Document

    report = build_report(plan.id, "monthly_circular", seeded["may"].id)
    client.force_login(leader)
    page = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert "、预警" in page and "每月68.6亿元" in page
    word = client.get(reverse("reporting:download", args=[report.pk, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(word.streaming_content))).paragraphs)
    assert "、预警" in text
    excel = client.get(reverse("reporting:download", args=[report.pk, "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(excel.streaming_content)))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "每月68.6亿元" in cells


def test_warning_slips_are_numbered_one_after_another_in_the_year_without_gaps(seeded, plan):
    # Battle 1 has red items from May on (GDP, the 旅游 task): its first slip is 第1期, not 第5期,
    # and June's is the next one.
    battle = plan.battles.get(number=1)
    may = build_report(plan.id, "warning_slip", seeded["may"].id, battle.id)
    june = build_report(plan.id, "warning_slip", plan.periods.get(kind="month", number=6).id, battle.id)
    assert (may.issue_label, june.issue_label) == ("2023年第1期", "2023年第2期")
    assert june.content["issue_label"] == "2023年第2期"
    # The monthly circular of the same month keeps the month's number.
    assert build_report(plan.id, "monthly_circular", seeded["may"].id).issue_label == "2023年第5期"


def test_a_green_growth_indicator_is_praised_against_its_target_not_the_schedule(seeded, plan, departments):
    from decimal import Decimal

    from targets.models import Target, TargetReading

    q2 = seeded["q2"]
    TargetReading.objects.create(
        target=Target.objects.get(code="1.01"),
        period=q2,
        department=departments["stats"],
        cumulative_growth=Decimal("8.3"),
    )
    content = build_report(plan.id, "monthly_circular", plan.periods.get(kind="month", number=6).id).content
    praised = next(p for p in paragraphs(content) if p.startswith("指标完成较好的有"))
    # 高新技术企业: May's 90 of 150 = 60.0% against 5/12 = 41.7%: a lead over the schedule; GDP:
    # 8.3% against 7.5%, 0.8 points above its target (a growth rate is never prorated).
    assert "新认定高新技术企业（市科技局，超序时18.3个百分点）" in praised
    assert "地区生产总值增长（市发展改革委、市统计局，上半年累计增长8.3%，目标7.5%，高于目标0.8个百分点）" in praised
    assert "超序时0.8" not in praised


def test_monthly_circular_criticises_the_unit_furthest_below_the_line_first(seeded, plan, departments):
    from reporting.tests.conftest import at_noon, progress_report
    from tasks.models import ProgressReport, Task
    from tasks.summaries import rebuild

    # May: 市发展改革委 sends its 旬15 report of 1.1 on time (1 of 3 = 33.3%); 市文化旅游广电体育局's
    # only report (旬13) came a day late (0 of 3 = 0.0%): 文旅 is named first, though 发 sorts first.
    progress_report(Task.objects.get(section__battle__number=1, number=1), departments["dev"], seeded["ten_day_15"])
    late = at_noon(plan.periods.get(kind="ten_day", number=13).deadline + dt.timedelta(days=1))
    ProgressReport.objects.filter(department=departments["culture"]).update(first_submitted_at=late)
    rebuild()
    content = build_report(plan.id, "monthly_circular", seeded["may"].id).content
    criticised = next(p for p in paragraphs(content) if p.startswith("对以下单位予以通报批评"))
    assert "本月按时报送率低于60.0%的市文化旅游广电体育局（0.0%）、市发展改革委（33.3%）" in criticised


def test_year_end_reports_ask_for_an_account_of_the_shortfall_not_for_next_quarters_catch_up(seeded, plan):
    q4 = build_report(plan.id, "quarterly_summary", plan.periods.get(kind="quarter", number=4).id).content
    text = str(q4["blocks"])
    # The plan's year ends with the fourth quarter: there is no 下季度 to catch up in.
    assert "下步工作重点" in text and "下季度" not in text
    assert "年度目标未完成的指标和任务，牵头单位要逐项分析原因" in text
    titles = [a["title"] for a in q4["annexes"]]
    assert "下步工作打算" in titles and "下季度工作打算" not in titles
    december = build_report(plan.id, "monthly_circular", plan.periods.get(kind="month", number=12).id).content
    assert "在下月报告中" not in str(december["blocks"])
    # Earlier in the year the next quarter's work is asked for.
    q2 = str(build_report(plan.id, "quarterly_summary", seeded["q2"].id).content["blocks"])
    assert "下季度工作重点" in q2 and "在下季度报告中写明追赶措施" in q2
