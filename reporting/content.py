"""Report content: pure functions from the facts (reporting/figures.py) to a report's content.

A content dict has a header (title, 期号, issuing office, date), `blocks` — headings ("h1" 一、,
"h2" (一)), paragraphs ("p") and tables ("table": columns, per-column formats, rows) —,
footnotes, the 主送/抄送 footer and a `summary` of the key figures. The web page, the Word
document and the Excel workbook are all rendered from it.

Column formats: "text"; "int"; "num" (a plain number); "pct" (a number in percent, 41.7 = 41.7%);
"points" (百分点).

Praise and criticism rules (monthly circular; thresholds are per-plan settings):

- 通报表扬: a unit that, over the year to the period's end, reported every due report on time
  (按时报送率 100%), had every approved report pass at first submission (一次通过率 100%, at
  least one approved), and whose lead tasks are all completed or on schedule (任务完成率 100%,
  or no lead task).
- 通报批评: a unit that missed at least `Plan.missed_periods_red` ten-day reports within the
  month, or whose 任务完成率 (lead tasks completed or on schedule ÷ its lead tasks) is below
  `Plan.laggard_completion_pct` percent.

Problem list rule (问题清单, 销号): a problem is raised by an approved report's 存在问题; it is
closed when a later approved report of the same task and department lists no problem or reports
the task completed.
"""

import datetime as dt

from reporting.forecasts import warning_block
from targets.periods import next_workday
from targets.schedule import LIGHT_LABELS, RED

NUMERALS = "一二三四五六七八九十"
KIND_TITLES = {
    "ten_day_briefing": "工作简报",
    "monthly_circular": "工作通报",
    "quarterly_summary": "季度工作总结",
    "warning_slip": "工作提示单",
}
INDICATOR_COLUMNS = [
    ("序号", "int"),
    ("指标", "text"),
    ("单位", "text"),
    ("年度目标", "num"),
    ("本期", "num"),
    ("累计完成", "num"),
    ("完成率或累计增速", "pct"),
    ("序时进度", "pct"),
    ("差值(百分点)", "points"),
    ("是否达序时", "text"),
    ("排位", "int"),
    ("亮灯", "text"),
    ("牵头单位", "text"),
]


def cn(n):
    """1 → 一, 12 → 十二 (headings)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[units - 1] if units else "")


def pct_text(value):
    return "—" if value is None else f"{value:.1f}%"


def city_of(issuer):
    """怀化市人民政府办公室 → 怀化市 (the prefix of the issuing office names)."""
    if issuer and "市" in issuer:
        return issuer[: issuer.index("市") + 1]
    return ""


class Doc:
    """Collects blocks with automatic 一、 / (一) numbering."""

    def __init__(self):
        self.blocks = []
        self._h1 = 0
        self._h2 = 0

    def h1(self, text):
        self._h1 += 1
        self._h2 = 0
        self.blocks.append({"t": "h1", "text": f"{cn(self._h1)}、{text}"})

    def h2(self, text):
        self._h2 += 1
        self.blocks.append({"t": "h2", "text": f"（{cn(self._h2)}）{text}"})

    def p(self, text):
        self.blocks.append({"t": "p", "text": text})

    def table(self, name, columns, rows):
        self.blocks.append(
            {
                "t": "table",
                "name": name,
                "columns": [c for c, _ in columns],
                "formats": [f for _, f in columns],
                "rows": rows,
            }
        )


def battles_in_scope(facts, battle_id):
    return [b for b in facts["battles"] if battle_id is None or b["id"] == battle_id]


def header(facts, kind, battle_id, issue_number, issued_on):
    city = city_of(facts["plan"]["issuer"])
    battle = next((b for b in facts["battles"] if b["id"] == battle_id), None)
    if battle:
        office = f"{city}{battle['name']}工作专班办公室"
        scope = battle["name"]
        main_to = f"{battle['convener']}；{battle['task_force'] or '工作专班'}各成员单位"
    else:
        office = f"{city}打好发展“六仗”工作调度办公室"
        scope = f"{city}打好发展“六仗”"
        main_to = "市委、市人民政府领导；各工作专班、各成员单位"
    return {
        "kind": kind,
        "title": f"{scope}{KIND_TITLES[kind]}",
        "issue_number": issue_number,
        "issue_label": f"第{issue_number}期",
        "office": office,
        "date": issued_on.isoformat(),
        "date_label": f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        "period_label": facts["period"]["label"],
        "main_to": main_to,
        "cc": "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室",
    }


def indicator_rows(targets):
    rows = []
    for i, t in enumerate(targets, 1):
        on = {True: "是", False: "否"}.get(t["on_schedule"], "—")
        rows.append(
            [
                i,
                t["name"],
                t["unit"],
                t["target_value"],
                t["period_value"],
                t["cumulative"],
                t["rate"],
                t["schedule_pct"],
                t["gap"],
                on,
                t.get("rank"),
                LIGHT_LABELS[t["light"]],
                t["lead"],
            ]
        )
    return rows


def light_counts(items):
    counts = {"green": 0, "yellow": 0, "red": 0, "grey": 0}
    for item in items:
        counts[item["light"]] += 1
    return counts


def light_sentence(counts, noun):
    total = sum(counts.values())
    return (
        f"共{total}项{noun}，其中绿灯{counts['green']}项、黄灯{counts['yellow']}项、"
        f"红灯{counts['red']}项、灰灯（暂无数据）{counts['grey']}项。"
    )


def in_battles(items, battles):
    ids = {b["id"] for b in battles}
    return [i for i in items if i["battle_id"] in ids]


def departments_in_scope(facts, battle_id):
    if battle_id is None:
        return facts["departments"]
    names = set(facts["battle_departments"].get(str(battle_id), []))
    return [d for d in facts["departments"] if d["name"] in names]


def quantified_summary(tasks):
    quantified = [t for t in tasks if t["quantified"] and t["status"] != "not_due"]
    good = [t for t in quantified if t["status"] in ("completed", "on_schedule")]
    laggards = [t for t in quantified if t not in good]
    return {"total": len(quantified), "on_schedule": len(good), "laggards": [t["label"] for t in laggards]}


def _rank(values, key):
    """Competition ranking (1, 2, 2, 4) by `key` descending; None ranks last, unranked."""
    ordered = sorted((v for v in values if v[key] is not None), key=lambda v: -v[key])
    ranks = {}
    for i, v in enumerate(ordered):
        if i and v[key] == ordered[i - 1][key]:
            ranks[v["name"]] = ranks[ordered[i - 1]["name"]]
        else:
            ranks[v["name"]] = i + 1
    return ranks


def department_ranking(doc, departments):
    on_time = _rank(departments, "on_time_pct")
    first = _rank(departments, "first_pass_pct")
    task = _rank(departments, "task_pct")
    ordered = sorted(departments, key=lambda d: (on_time.get(d["name"], 999), first.get(d["name"], 999), d["name"]))
    doc.table(
        "单位排名",
        [
            ("单位", "text"),
            ("按时报送率", "pct"),
            ("排名", "int"),
            ("一次审核通过率", "pct"),
            ("排名", "int"),
            ("任务完成率", "pct"),
            ("排名", "int"),
        ],
        [
            [
                d["name"],
                d["on_time_pct"],
                on_time.get(d["name"]),
                d["first_pass_pct"],
                first.get(d["name"]),
                d["task_pct"],
                task.get(d["name"]),
            ]
            for d in ordered
        ],
    )


def area_ranking(doc, areas):
    for area in areas:
        doc.table(
            f"县市区排名：{area['target']}",
            [("排名", "int"), ("县市区", "text"), (f"{area['measure']}（{area['unit']}）", "num"), ("数据期", "text")],
            [[a["rank"], a["area"], a["value"], a["period"]] for a in area["rows"]],
        )


def praise_and_criticism(departments, rules):
    praise, criticism = [], []
    for d in departments:
        if d["expected"] == 0:
            continue
        if (
            d["on_time_pct"] == 100.0
            and d["first_pass_pct"] == 100.0
            and (d["task_pct"] is None or d["task_pct"] == 100.0)
        ):
            praise.append(d["name"])
        reasons = []
        if d["missed_in_span"] >= rules["missed_periods_red"]:
            reasons.append(f"本期漏报{d['missed_in_span']}份")
        if d["task_pct"] is not None and d["task_pct"] < rules["laggard_completion_pct"]:
            reasons.append(f"任务完成率{d['task_pct']:.1f}%，低于{rules['laggard_completion_pct']:.0f}%")
        if reasons:
            criticism.append({"name": d["name"], "reasons": reasons})
    return praise, criticism


def rules_footnotes(rules):
    return [
        "序时进度按月计算（月数÷12），季度指标按季数÷4；差值=完成率（或累计增速）−序时进度（或目标增速），单位为百分点。",
        f"亮灯：达到或超过序时为绿灯，落后不超过{rules['yellow_gap_points']:.0f}个百分点为黄灯，落后更多为红灯，暂无数据为灰灯。",
        "排位：按差值由高到低排列。",
        "按时报送率=期末截止日前首次提交的进展报告数÷应报数（牵头、负责单位每旬每项任务一份）；"
        "一次审核通过率=未被退回即通过的报告数÷已通过报告数；任务完成率=牵头任务中已完成或按序时推进的项数÷牵头任务数。",
        "通报表扬：按时报送率、一次审核通过率均为100%且牵头任务全部完成或按序时推进的单位。"
        f"通报批评：本月漏报达到{rules['missed_periods_red']}份，或任务完成率低于{rules['laggard_completion_pct']:.0f}%的单位。",
        "问题销号：同一单位同一任务此后审核通过的报告不再列出问题，或报告任务已完成，即视为销号。",
    ]


def problem_table(doc, name, problems, battles):
    names = {b["id"]: b["short_name"] for b in battles}
    doc.table(
        name,
        [
            ("序号", "int"),
            ("所属仗", "text"),
            ("任务", "text"),
            ("存在问题", "text"),
            ("责任单位", "text"),
            ("提出时间", "text"),
            ("销号情况", "text"),
        ],
        [
            [
                i,
                names.get(p["battle_id"], ""),
                p["task"],
                p["text"],
                p["owner"],
                p["raised_on"],
                p["closed_on"] or "未销号",
            ]
            for i, p in enumerate(problems, 1)
        ],
    )


def ten_day_briefing(facts, battle_id, issue_number, issued_on):
    battles = battles_in_scope(facts, battle_id)
    doc = Doc()
    moved = in_battles(facts["moved"], battles)
    missing_all = sorted({n for b in battles for n in facts["missing"].get(str(b["id"]), [])})
    new_problems = [p for p in in_battles(facts["problems"], battles) if p["raised_on"] >= facts["period"]["start"]]
    doc.h1("总体情况")
    task_count = len({m["task"] for m in moved})
    doc.p(
        f"{facts['period']['label']}，共收到审核通过的进展报告{len(moved)}份，涉及任务{task_count}项；"
        f"新发现问题{len(new_problems)}个；{len(missing_all)}个单位未按期报送。"
    )
    for b in battles:
        if battle_id is None:
            doc.h1(b["name"])
        targets = [t for t in facts["targets"] if t["battle_id"] == b["id"]]
        b_moved = [m for m in moved if m["battle_id"] == b["id"]]
        heading = doc.h2 if battle_id is None else doc.h1
        heading("工作进展")
        if b_moved:
            for m in b_moved:
                doc.p(f"{m['task']}（{m['department']}）：{m['progress'] or '无文字说明。'}")
        else:
            doc.p("本旬无审核通过的进展报告。")
        heading("指标完成情况")
        doc.p(light_sentence(light_counts(targets), "指标"))
        doc.table(f"{b['short_name']}指标完成情况", INDICATOR_COLUMNS, indicator_rows(targets))
        heading("新发现问题")
        b_problems = [p for p in new_problems if p["battle_id"] == b["id"]]
        for p in b_problems:
            doc.p(f"{p['task']}（{p['owner']}）：{p['text']}")
        if not b_problems:
            doc.p("本旬未报告新问题。")
        heading("未报送单位")
        names = facts["missing"].get(str(b["id"]), [])
        doc.p("、".join(names) + "。" if names else "各单位均已按期报送。")
    return {
        **header(facts, "ten_day_briefing", battle_id, issue_number, issued_on),
        "blocks": doc.blocks,
        "footnotes": rules_footnotes(facts["rules"])[:3],
        "summary": {"reports": len(moved), "new_problems": len(new_problems), "missing": missing_all},
    }


def monthly_circular(facts, battle_id, issue_number, issued_on):
    battles = battles_in_scope(facts, battle_id)
    targets = in_battles(facts["targets"], battles)
    tasks = in_battles(facts["tasks"], battles)
    departments = departments_in_scope(facts, battle_id)
    rules = facts["rules"]
    doc = Doc()
    doc.h1("主要指标完成情况")
    counts = light_counts(targets)
    doc.p(
        f"截至{facts['period']['label']}，序时进度{pct_text(facts['schedule_pct'])}。" + light_sentence(counts, "指标")
    )
    doc.table("主要指标完成情况", INDICATOR_COLUMNS, indicator_rows(targets))
    doc.h1("量化任务推进情况")
    q = quantified_summary(tasks)
    text = f"纳入调度的量化任务共{q['total']}项，达到序时进度{q['on_schedule']}项，未达序时进度{len(q['laggards'])}项"
    doc.p(text + ("：" + "；".join(q["laggards"]) + "。" if q["laggards"] else "。"))
    doc.h1("单位排名")
    doc.h2("成员单位报送和推进情况")
    department_ranking(doc, departments)
    areas = [a for a in facts["areas"] if a["battle_id"] in {b["id"] for b in battles}]
    if areas:
        doc.h2("县市区指标排名")
        area_ranking(doc, areas)
    praise, criticism = praise_and_criticism(departments, rules)
    doc.h1("通报表扬和通报批评")
    doc.h2("通报表扬")
    doc.p("、".join(praise) + "。" if praise else "本月无符合通报表扬条件的单位。")
    doc.h2("通报批评")
    if criticism:
        for c in criticism:
            doc.p(f"{c['name']}：{'；'.join(c['reasons'])}。")
    else:
        doc.p("本月无符合通报批评条件的单位。")
    doc.h1("问题清单")
    open_problems = [p for p in in_battles(facts["problems"], battles) if p["closed_on"] is None]
    doc.p(f"截至本期，尚未销号的问题{len(open_problems)}个，请责任单位限期解决。")
    problem_table(doc, "问题清单", open_problems, battles)
    # 预警 (reporting/forecasts.py): what is forecast to miss its target and the pace it needs.
    warnings = warning_block(doc, facts.get("warnings", []), {b["id"] for b in battles})
    return {
        **header(facts, "monthly_circular", battle_id, issue_number, issued_on),
        "blocks": doc.blocks,
        "footnotes": rules_footnotes(rules),
        "summary": {
            "lights": counts,
            "quantified": q,
            "praise": praise,
            "criticism": [c["name"] for c in criticism],
            "open_problems": len(open_problems),
            "warnings": warnings,
        },
    }


def quarterly_summary(facts, previous, battle_id, issue_number, issued_on):
    """`previous` is the facts of the quarter before (None for the first quarter)."""
    battles = battles_in_scope(facts, battle_id)
    targets = in_battles(facts["targets"], battles)
    before = {t["id"]: t for t in (previous or {}).get("targets", [])}
    doc = Doc()
    doc.h1("总体情况")
    doc.p(f"截至{facts['period']['label']}末，序时进度{pct_text(facts['schedule_pct'])}。")
    rows = []
    for b in battles:
        now = light_counts([t for t in targets if t["battle_id"] == b["id"]])
        prev = light_counts([before[t["id"]] for t in targets if t["battle_id"] == b["id"] and t["id"] in before])
        rows.append([b["short_name"], now["green"], now["yellow"], now["red"], now["grey"], prev["green"], prev["red"]])
    doc.table(
        "各仗指标亮灯情况",
        [
            ("仗", "text"),
            ("绿灯", "int"),
            ("黄灯", "int"),
            ("红灯", "int"),
            ("灰灯", "int"),
            ("上季度绿灯", "int"),
            ("上季度红灯", "int"),
        ],
        rows,
    )
    doc.h2("指标较上季度变化")
    change_rows = []
    for i, t in enumerate(targets, 1):
        prev = before.get(t["id"])
        prev_rate = prev["rate"] if prev else None
        change = round(t["rate"] - prev_rate, 1) if t["rate"] is not None and prev_rate is not None else None
        change_rows.append([i, t["name"], t["rate"], prev_rate, change, LIGHT_LABELS[t["light"]], t["lead"]])
    doc.table(
        "指标较上季度变化",
        [
            ("序号", "int"),
            ("指标", "text"),
            ("本季末完成率或增速", "pct"),
            ("上季末", "pct"),
            ("变化(百分点)", "points"),
            ("亮灯", "text"),
            ("牵头单位", "text"),
        ],
        change_rows,
    )
    doc.table("主要指标完成情况", INDICATOR_COLUMNS, indicator_rows(targets))
    doc.h1("单位排名")
    department_ranking(doc, departments_in_scope(facts, battle_id))
    areas = [a for a in facts["areas"] if a["battle_id"] in {b["id"] for b in battles}]
    area_ranking(doc, areas)
    doc.h1("问题提出和销号情况")
    start = facts["period"]["start"]
    problems = in_battles(facts["problems"], battles)
    raised = [p for p in problems if p["raised_on"] >= start]
    closed = [p for p in problems if p["closed_on"] and p["closed_on"] >= start]
    still_open = [p for p in problems if p["closed_on"] is None]
    doc.p(f"本季度新提出问题{len(raised)}个，销号{len(closed)}个，累计尚未销号{len(still_open)}个。")
    problem_table(
        doc,
        "本季度问题清单",
        sorted({id(p): p for p in raised + closed}.values(), key=lambda p: p["raised_on"]),
        battles,
    )
    doc.h1("下季度工作重点")
    latest = {}
    for m in in_battles(facts["moved"], battles):
        if m["next_steps"].strip():
            latest[(m["task"], m["department"])] = m
    if latest:
        for m in latest.values():
            doc.p(f"{m['task']}（{m['department']}）：{m['next_steps'].strip()}")
    else:
        doc.p("各单位本季度未报送下步打算。")
    return {
        **header(facts, "quarterly_summary", battle_id, issue_number, issued_on),
        "blocks": doc.blocks,
        "footnotes": rules_footnotes(facts["rules"]),
        "summary": {
            "lights": light_counts(targets),
            "raised": len(raised),
            "closed": len(closed),
            "open": len(still_open),
            "focus": len(latest),
        },
    }


def red_items(facts, battle_id):
    """(battle, item, responsible units, reason) of every red target and task in scope: what a
    warning slip is issued for. No red item, no slip (reporting.build skips it)."""
    items = []
    for b in battles_in_scope(facts, battle_id):
        for t in facts["targets"]:
            if t["battle_id"] == b["id"] and t["light"] == RED:
                items.append((b, f"指标“{t['name']}”", t["lead"], t["reason"]))
        for t in facts["tasks"]:
            if t["battle_id"] == b["id"] and t["light"] == RED:
                items.append((b, f"任务“{t['label']}”", t["lead"], t["reason"]))
    return items


def warning_slips(facts, battle_id, issue_number, issued_on, days=10):
    """One slip per red target or task, to the battle's convener, with a working-day deadline."""
    deadline, _certain = next_workday(issued_on + dt.timedelta(days=days))
    doc = Doc()
    slips = red_items(facts, battle_id)
    for i, (b, item, dept, gap) in enumerate(slips, 1):
        doc.h1(f"提示事项{cn(i)}")
        doc.p(f"{b['convener']}：")
        doc.p(
            f"{b['name']}{item}亮红灯。责任单位：{dept or '待明确'}。差距：{gap}。"
            f"请督促责任单位于{deadline.year}年{deadline.month}月{deadline.day}日前报送整改措施和进展。"
        )
    if not slips:
        doc.h1("提示事项")
        doc.p("本期无亮红灯事项。")
    doc.table(
        "提示单清单",
        [
            ("序号", "int"),
            ("仗", "text"),
            ("事项", "text"),
            ("责任单位", "text"),
            ("差距", "text"),
            ("整改时限", "text"),
        ],
        [
            [i, b["short_name"], item, dept, gap, deadline.isoformat()]
            for i, (b, item, dept, gap) in enumerate(slips, 1)
        ],
    )
    return {
        **header(facts, "warning_slip", battle_id, issue_number, issued_on),
        "blocks": doc.blocks,
        "footnotes": [f"整改时限为出具之日起{days}日后的第一个工作日。"],
        "summary": {"slips": len(slips), "deadline": deadline.isoformat()},
    }
