"""Issue 8, "done when": for every month of 2023, each target's and each quantified task's light,
gap and rate read the same on the battle dashboards, the monthly circular's web page, its Word file
and its Excel file (one decimal, half up: targets.numbers).

The real plan is loaded once and seeded for the whole year; for each month the plan-wide circular
is built (which writes its Word and Excel files) and the four surfaces are reduced to the text a
reader sees: (name, rate "41.7%", gap "+1.2" / "-1.2" / "0.0", light "红灯"). The web page prints a
rate without "%" and a gap without "+" (the raw content values): only the sign and % are normalised,
never the digits.
"""

import html
import io
import re
from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from reporting.build import build_report
from reporting.content import INDICATOR_COLUMNS, TASK_COLUMNS
from reporting.status import plan_status, resolve_as_of
from reporting.tests.test_dashboard_agreement import assert_circulars_match_dashboards
from targets import schedule
from targets.models import Period, Plan
from targets.numbers import round_half_up

MONTHS = range(1, 13)
INDICATORS, TASKS = "主要指标完成情况", "量化任务推进情况"
IND = [c for c, _ in INDICATOR_COLUMNS]
IND_NAME, IND_RATE, IND_GAP, IND_LIGHT = (IND.index(c) for c in ("指标", "完成率或累计增速", "差值(百分点)", "亮灯"))
TSK = [c for c, _ in TASK_COLUMNS]
TSK_NAME, TSK_RATE, TSK_SCHEDULE, TSK_GAP, TSK_STATUS = (
    TSK.index(c) for c in ("任务", "完成率（最低项）", "序时进度", "差值(百分点)", "状态")
)
DASH = "—"


def pct(value):
    """A rate as displayed: 41.7%, or —."""
    return DASH if value is None else f"{round_half_up(value, 1)}%"


def signed(value):
    """A gap in points as displayed: +1.2, -1.2, 0.0, or —."""
    if value is None:
        return DASH
    rounded = round_half_up(value, 1)
    return f"+{rounded}" if rounded > 0 else f"{abs(rounded)}" if rounded == 0 else f"{rounded}"


def text_number(text):
    """A printed figure ("41.7%", "−3.0", "+1.2") back to a Decimal, or None for —."""
    text = text.strip().replace("−", "-").rstrip("%").replace(",", "")
    assert text != "-0.0", "a gap or rate printed as -0.0"
    return None if text in (DASH, "") else Decimal(text)


def table_block(content, name):
    return next(b for a in content["annexes"] for b in a["blocks"] if b["t"] == "table" and b["name"] == name)


# The dashboards: each battle page's indicator table as printed (data-col cells), and the task
# judgements the battle and task pages show.
ROW = re.compile(r'<tr data-target="\d+" data-light="(\w+)">(.*?)</tr>', re.S)


def cell(row_html, col):
    m = re.search(rf'<td class="num" data-col="{col}">(.*?)</td>', row_html, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def dashboard_indicators(client, plan, month):
    rows = []
    for battle in plan.battles.order_by("number"):
        page = client.get(reverse("dash:battle", args=[plan.code, battle.number]), {"as_of": f"month-{month}"})
        assert page.status_code == 200
        text = page.content.decode()
        for light, row_html in ROW.findall(text):
            name = html.unescape(re.search(r'<a href="[^"]*">(.*?)</a>', row_html, re.S).group(1)).strip()
            rows.append(
                (
                    name,
                    pct(text_number(cell(row_html, "rate"))),
                    signed(text_number(cell(row_html, "gap"))),
                    schedule.LIGHT_LABELS[light],
                )
            )
    return rows


def dashboard_tasks(status):
    rows = {}
    for ts in status.tasks_by_id.values():
        if not ts.metrics:
            continue
        j = ts.judgement
        lowest = min(
            (p.judgement.completion_pct for _, p in ts.metrics if p.judgement.completion_pct is not None), default=None
        )
        label = f"{ts.task.section.label}{ts.task.number}.{ts.task.title}"
        rows[label] = (pct(lowest), pct(j.schedule_pct), signed(j.metric_gap_points), j.status_label)
    return rows


# The circular, four ways.
def content_indicators(content):
    return [
        (r[IND_NAME], pct(r[IND_RATE]), signed(r[IND_GAP]), r[IND_LIGHT])
        for r in table_block(content, INDICATORS)["rows"]
    ]


def content_tasks(content):
    rows = table_block(content, TASKS)["rows"]
    assert len({r[TSK_NAME] for r in rows}) == len(rows)  # a task's label names one row
    return {r[TSK_NAME]: (pct(r[TSK_RATE]), pct(r[TSK_SCHEDULE]), signed(r[TSK_GAP]), r[TSK_STATUS]) for r in rows}


def web_tables(page):
    """Each table of the detail page by caption: rows of cell texts."""
    tables = {}
    for caption, body in re.findall(r"<caption>(.*?)</caption>.*?<tbody>(.*?)</tbody>", page, re.S):
        tables[html.unescape(caption)] = [
            [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
    return tables


def web_indicators(tables):
    return [
        (r[IND_NAME], pct(text_number(r[IND_RATE])), signed(text_number(r[IND_GAP])), r[IND_LIGHT])
        for r in tables[INDICATORS]
    ]


def web_tasks(tables):
    return {
        r[TSK_NAME]: (
            pct(text_number(r[TSK_RATE])),
            pct(text_number(r[TSK_SCHEDULE])),
            signed(text_number(r[TSK_GAP])),
            r[TSK_STATUS],
        )
        for r in tables[TASKS]
    }


def xlsx_rows(workbook, name, columns):
    sheet = next(s for s in workbook.worksheets if s.title.endswith(name[:20]) and s.title.startswith("附件"))
    header = [c.value for c in sheet[1]]
    assert header == columns, sheet.title
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def xlsx_pct(value):
    # Stored as a fraction under the "0.0%" format: what Excel shows is value × 100, one decimal.
    return DASH if value is None else pct(Decimal(str(value)) * 100)


def xlsx_indicators(workbook):
    return [
        (r[IND_NAME], xlsx_pct(r[IND_RATE]), signed(r[IND_GAP]), r[IND_LIGHT])
        for r in xlsx_rows(workbook, INDICATORS, IND)
    ]


def xlsx_tasks(workbook):
    return {
        r[TSK_NAME]: (xlsx_pct(r[TSK_RATE]), xlsx_pct(r[TSK_SCHEDULE]), signed(r[TSK_GAP]), r[TSK_STATUS])
        for r in xlsx_rows(workbook, TASKS, TSK)
    }


def docx_rows(document, columns):
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == columns)
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def docx_indicators(document):
    return [
        (r[IND_NAME], pct(text_number(r[IND_RATE])), signed(text_number(r[IND_GAP])), r[IND_LIGHT])
        for r in docx_rows(document, IND)
    ]


def docx_tasks(document):
    return {
        r[TSK_NAME]: (
            pct(text_number(r[TSK_RATE])),
            pct(text_number(r[TSK_SCHEDULE])),
            signed(text_number(r[TSK_GAP])),
            r[TSK_STATUS],
        )
        for r in docx_rows(document, TSK)
    }


def download(client, report, fmt):
    response = client.get(reverse("reporting:download", args=[report.pk, fmt]))
    assert response.status_code == 200, fmt
    return io.BytesIO(b"".join(response.streaming_content))


def test_every_month_of_2023_lights_gaps_and_rates_agree_on_every_surface(client, leader):
    call_command("load_plan", "fixtures/huaihua-2023.yaml", verbosity=0)
    call_command("seed_demo", "huaihua-2023", verbosity=0)
    plan = Plan.objects.get(code="huaihua-2023")
    client.force_login(leader)
    lights_seen, tasks_seen = set(), 0
    for month in MONTHS:
        period = Period.objects.get(plan=plan, kind="month", number=month)
        status = plan_status(plan, resolve_as_of(plan, f"month-{month}"))
        report = build_report(plan.id, "monthly_circular", period.id)
        content = report.content

        dashboard = dashboard_indicators(client, plan, month)
        assert len(dashboard) == len(status.targets_by_id) > 30
        assert content_indicators(content) == dashboard, f"content vs dashboard, month {month}"

        page = client.get(reverse("reporting:detail", args=[report.pk]))
        assert page.status_code == 200
        tables = web_tables(page.content.decode())
        assert web_indicators(tables) == dashboard, f"web page vs dashboard, month {month}"

        workbook = load_workbook(download(client, report, "xlsx"), read_only=True)
        assert xlsx_indicators(workbook) == dashboard, f"Excel vs dashboard, month {month}"

        document = Document(download(client, report, "docx"))
        assert docx_indicators(document) == dashboard, f"Word vs dashboard, month {month}"

        # Quantified tasks: the circular's 量化任务 annex against the dashboards' task judgements.
        tasks = dashboard_tasks(status)
        assert content_tasks(content) == tasks, f"task annex vs dashboard, month {month}"
        assert web_tasks(tables) == tasks, f"web task annex vs dashboard, month {month}"
        assert xlsx_tasks(workbook) == tasks, f"Excel task annex vs dashboard, month {month}"
        assert docx_tasks(document) == tasks, f"Word task annex vs dashboard, month {month}"
        workbook.close()

        lights_seen |= {row[3] for row in dashboard}
        tasks_seen += len(tasks)

    # The light counts and on-schedule task count too, per battle, for a mid-year and the last month.
    for month in (6, 12):
        assert_circulars_match_dashboards(client, plan, month)
    # Not a comparison of empty tables: the year shows every light, and quantified tasks every month.
    assert {"红灯", "黄灯", "绿灯"} <= lights_seen
    assert tasks_seen > 12 * 50
