"""Report content: pure functions from the facts (reporting/figures.py) to a report's content.

A content dict has a header (title, 期号 "2023年第11期", issuing office; the date is empty until
the report is issued, see `issue`), the main text `blocks` — headings ("h1" 一、, "h2" (一)),
paragraphs ("p") and tables ("table": columns, per-column formats, rows) —, numbered `annexes`
(附件1, 附件2 … each a title, its blocks and whether it needs a landscape page), the 说明
(`footnotes`: every rule the report applies), the 版记 (主送, 抄送, 印发机关) and a `summary` of
the key figures. The web page, the Word document and the Excel workbook are all rendered from it.

The main text is a summary a leader reads in minutes — 总体情况 (counts, rates and the change
since the last period), 进展亮点, 滞后与问题 (red and yellow items by battle with unit, gap and
reason), 未按时报送 (late and missing counted apart) and 下步要求 —; every list goes to an annex
and to the workbook.

Column formats: "text"; "int"; "num" (a plain number); "pct" (a number in percent, 41.7 = 41.7%);
"points" (百分点).

Rules (every report repeats those it applies in its 说明; thresholds are per-plan settings or
Django settings, named there):

- Only accountable units are judged: a collective body (Department.Kind.COLLECTIVE: 相关市直部门,
  各事项涉及单位, 各县市区人民政府 …) is never ranked, praised or criticised, and a unit is
  judged only in a period in which it had reports due.
- 迟报 (late): first submitted after the 旬's deadline; 漏报 (missing): not submitted at all.
- 通报表扬 (monthly): a unit that leads at least one task, all of whose lead tasks are completed or
  on schedule, that sent every report due in the month on time and whose approved reports all
  passed review the first time.
- 通报批评 (monthly): a unit whose on-time rate in the month is under
  `settings.DISPATCH_CRITICISM_ON_TIME_PCT` (default 60%), or whose lead tasks completed or on
  schedule are under `Plan.laggard_completion_pct` (default 60%) of its lead tasks.
- Problems: identified by the approved report that first raised them (figures.problem_facts);
  closed (销号) when a later approved report of the same task and unit lists none or reports the
  task completed.
"""

import datetime as dt
import re
from decimal import Decimal

from reporting.forecasts import WARNING_COLUMNS, warning_block
from targets.numbers import fmt, round_half_up
from targets.periods import next_workday
from targets.schedule import LIGHT_LABELS, RED, YELLOW

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
# How many items a main-text sentence names before "等N项" (the full lists are in the annexes).
NAMED = 3
# A problem open this many 旬 or more is called out as long-standing.
LONG_OPEN_TEN_DAYS = 3


def cn(n):
    """1 → 一, 12 → 十二 (headings)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[units - 1] if units else "")


def p1(value):
    """A figure with one decimal, half up (targets.numbers): 41.7, 100.0."""
    return format(round_half_up(value, 1), "f")


def pct_text(value):
    return "—" if value is None else f"{p1(value)}%"


def share(part, whole):
    return pct_text(part * 100 / whole) if whole else "—"


def change_text(now, before, unit="个百分点", noun=""):
    """ "上升2.0个百分点" / "下降1项" / "持平"; empty without a previous figure."""
    if now is None or before is None:
        return ""
    diff = round_half_up(now - before, 1)
    if diff == 0:
        return "持平"
    figure = format(abs(diff), "f") if unit == "个百分点" else str(int(abs(diff)))
    return f"{'上升' if diff > 0 else '下降'}{figure}{unit}{noun}"


# Cumulative quarters as a circular says them (the engine labels them 1–N季度).
QUARTER_SPANS = {"1–2季度": "上半年", "1–3季度": "前三季度", "1–4季度": "全年"}


def plain(reason):
    """The engine's reason sentence as a circular prints it: no spaces around its figures (Chinese
    typesetting), cumulative quarters read 上半年, 前三季度, 全年."""
    text = (reason or "").replace(" ", "")
    for label, span in QUARTER_SPANS.items():
        text = text.replace(label, span)
    return text


# The engine's clause for a task whose metrics are all met (targets/schedule.py judge_task_summary):
# it never explains a red or yellow light.
ALL_METRICS_MET = "量化指标均达到要求"


# The engine's label of a figure older than the as-of 旬 (targets/schedule.py ReadingPoint.label).
STALE_FIGURE = re.compile(r"截至\d+月[上中下]旬（最近一次报告为\d+月[上中下]旬）")


def brief(task, limit=30):
    """Why a task is lit, in the main text: the clause of the metric furthest behind with the task's
    own light, else the missed reports, else the first clause other than "all metrics met" (a red
    task listed as "量化指标均达到要求" reads as a contradiction). Cut at a comma, never inside a
    figure: whole parts of the clause while they fit in `limit` characters, at least the first
    part (the annex gives the whole reason, metric by metric)."""
    clauses = [c for c in plain(task["reason"]).split("；") if c]
    lit = [
        plain(f"{m['name']}：{m['reason']}")
        for m in sorted(task.get("metrics", []), key=lambda m: m["gap"] if m["gap"] is not None else 0)
        if m["light"] == task["light"]
    ]
    missed = [c for c in clauses if "未报送" in c]
    telling = [c for c in clauses if c != ALL_METRICS_MET]
    clause = (lit or missed or telling or clauses or [""])[0]
    if len(clause) <= limit:
        return clause
    # Too long for the main text: the annex keeps which 旬 an older figure is from, the brief its
    # completion rate and gap.
    clause = STALE_FIGURE.sub("", clause)
    if len(clause) <= limit:
        return clause
    parts = clause.split("，")
    kept = parts[0]
    for part in parts[1:]:
        if len(kept) + 1 + len(part) > limit - 1:
            break
        kept += "，" + part
    return kept + "…"


def city_of(issuer):
    """怀化市人民政府办公室 → 怀化市 (the prefix of the issuing office names)."""
    if issuer and "市" in issuer:
        return issuer[: issuer.index("市") + 1]
    return ""


def names(items, limit=NAMED, counted="项"):
    """ "甲、乙、丙等5项" style list of at most `limit` names; `counted` is the measure word of
    the total ("个单位" for units: "8项黄灯任务，牵头单位为甲、乙、丙等16项" reads as 16 tasks)."""
    items = list(items)
    shown = "、".join(items[:limit])
    return shown + (f"等{len(items)}{counted}" if len(items) > limit else "")


class Doc:
    """Collects blocks with automatic 一、 / (一) numbering, and the numbered annexes."""

    def __init__(self):
        self.blocks = []
        self.annexes = []
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

    def table(self, name, columns, rows, into=None):
        (self.blocks if into is None else into).append(
            {
                "t": "table",
                "name": name,
                "columns": [c for c, _ in columns],
                "formats": [f for _, f in columns],
                "rows": rows,
            }
        )

    def annex(self, title, columns, rows, *, landscape=False, note=""):
        """A numbered 附件 holding one table; returns its label ("附件2") for the main text."""
        number = len(self.annexes) + 1
        blocks = [{"t": "p", "text": note}] if note else []
        self.table(title, columns, rows, into=blocks)
        if not rows:
            # An annex announced in the text is never a bare header row: it says it has nothing.
            blocks.append({"t": "p", "text": "本期无相关事项。"})
        self.annexes.append({"number": number, "title": title, "landscape": landscape, "blocks": blocks})
        return f"附件{number}"


def battles_in_scope(facts, battle_id):
    return [b for b in facts["battles"] if battle_id is None or b["id"] == battle_id]


def header(facts, kind, battle_id, issue_number):
    city = city_of(facts["plan"]["issuer"])
    battle = next((b for b in facts["battles"] if b["id"] == battle_id), None)
    year = facts["plan"]["year"]
    if battle:
        office = f"{city}{battle['name']}工作专班办公室"
        scope = battle["name"]
        main_to = f"{battle['convener']}，{battle['task_force'] or '工作专班'}各成员单位"
    else:
        office = f"{city}打好发展“六仗”工作调度办公室"
        scope = f"{city}打好发展“六仗”"
        main_to = "市委、市人民政府领导，各工作专班，各成员单位"
    return {
        "kind": kind,
        "title": f"{scope}{KIND_TITLES[kind]}",
        "issue_number": issue_number,
        "issue_label": f"{year}年第{issue_number}期",
        "office": office,
        # Set when the report is issued (签发): a draft carries no date.
        "date": None,
        "date_label": "",
        "issued": False,
        "period_label": facts["period"]["span_label"],
        "main_to": main_to,
        "cc": "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室",
        "printer": office,
    }


def day_label(day):
    """A date as an official document writes it (2023年3月13日), never 2023-03-13; `day` is a date
    or its ISO string (as the facts store it)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def issue(content, issued_on):
    """The content as issued on `issued_on`: dated, with the 印发 date of the 版记."""
    label = day_label(issued_on)
    return {
        **content,
        "date": issued_on.isoformat(),
        "date_label": label,
        "print_date_label": f"{label}印发",
        "issued": True,
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


def in_battles(items, battles):
    ids = {b["id"] for b in battles}
    return [i for i in items if i["battle_id"] in ids]


def departments_in_scope(facts, battle_id):
    if battle_id is None:
        return facts["departments"]
    names_ = set(facts["battle_departments"].get(str(battle_id), []))
    return [d for d in facts["departments"] if d["name"] in names_]


def accountable(departments):
    """Units that may be ranked, praised or criticised: not a collective, and with reports due."""
    return [d for d in departments if not d["collective"] and d["span_due"]]


def task_groups(tasks):
    """Tasks by where they stand: 已完成, 超进度 (on schedule and ahead on their metrics), 达进度,
    欠进度 (lagging), 未按期报送, 未到报送期."""
    groups = {"completed": [], "ahead": [], "on": [], "lagging": [], "not_reported": [], "not_due": []}
    for t in tasks:
        if t["status"] == "on_schedule":
            groups["ahead" if (t["gap"] or 0) > 0 else "on"].append(t)
        elif t["status"] == "completed":
            groups["completed"].append(t)
        elif t["status"] == "lagging":
            groups["lagging"].append(t)
        elif t["status"] == "not_due":
            groups["not_due"].append(t)
        else:
            groups["not_reported"].append(t)
    return groups


def quantified_summary(tasks):
    quantified = [t for t in tasks if t["quantified"] and t["status"] != "not_due"]
    good = [t for t in quantified if t["status"] in ("completed", "on_schedule")]
    laggards = [t for t in quantified if t not in good]
    return {"total": len(quantified), "on_schedule": len(good), "laggards": [t["label"] for t in laggards]}


def span_reporting(facts, battles):
    """(due, on time, late, missing, late by unit, missing by unit) over the report's span."""
    rows = in_battles(facts["span_reporting"], battles)
    late, missing = {}, {}
    for r in rows:
        if r["late"]:
            late[r["department"]] = late.get(r["department"], 0) + r["late"]
        if r["missing"]:
            missing[r["department"]] = missing.get(r["department"], 0) + r["missing"]
    due = sum(r["due"] for r in rows)
    n_late, n_missing = sum(late.values()), sum(missing.values())
    collectives = {r["department"] for r in rows if r["collective"]}
    return {
        "due": due,
        "on_time": due - n_late - n_missing,
        "late": n_late,
        "missing": n_missing,
        "late_by_unit": late,
        "missing_by_unit": missing,
        "collectives": collectives,
    }


def on_time_pct(reporting):
    return reporting["on_time"] * 100 / reporting["due"] if reporting["due"] else None


# How many units a 迟报 or 漏报 sentence names (most reports first); the rest are in the annex.
NAMED_UNITS = 6


def unit_counts(by_unit, collectives):
    """市林业局4份、市交通运输局2份等12个单位: most first, at most NAMED_UNITS; collectives are
    counted, never named."""
    named = sorted(((n, u) for u, n in by_unit.items() if u not in collectives), key=lambda x: (-x[0], x[1]))
    text = "、".join(f"{u}{n}份" for n, u in named[:NAMED_UNITS])
    return text + (f"等{len(named)}个单位" if len(named) > NAMED_UNITS else "")


def problem_counts(problems, facts):
    ten_days = set(facts["period"]["ten_days"])
    new = [p for p in problems if p["raised_ten_day"] in ten_days]
    closed = [p for p in problems if p["closed_ten_day"] in ten_days]
    still_open = [p for p in problems if p["closed_on"] is None]
    long_open = [p for p in still_open if p["open_ten_days"] >= LONG_OPEN_TEN_DAYS]
    return new, closed, still_open, long_open


def overall(doc, facts, previous, battles, period_word):
    """一、总体情况: reporting, tasks, indicators and problems, each with the change since the
    previous period."""
    rep = span_reporting(facts, battles)
    rep_before = span_reporting(previous, battles) if previous else None
    rate = on_time_pct(rep)
    rate_before = on_time_pct(rep_before) if rep_before else None
    change = change_text(rate, rate_before)
    doc.p(
        f"报送方面，{facts['period']['label']}应报进展报告{rep['due']}份，按时报送{rep['on_time']}份，"
        f"按时报送率{pct_text(rate)}" + (f"，较上{period_word}{change}" if change else "") + "；"
        f"迟报{rep['late']}份，漏报{rep['missing']}份。"
    )
    tasks = in_battles(facts["tasks"], battles)
    g = task_groups(tasks)
    judged = len(tasks) - len(g["not_due"])
    lag_before = None
    if previous:
        before = task_groups(in_battles(previous["tasks"], battles))
        lag_before = len(before["lagging"]) + len(before["not_reported"])
    behind = len(g["lagging"]) + len(g["not_reported"])
    lag_change = change_text(behind, lag_before, unit="项")
    doc.p(
        f"任务方面，{judged}项任务中，已完成{len(g['completed'])}项（占{share(len(g['completed']), judged)}），"
        f"超进度{len(g['ahead'])}项，达进度{len(g['on'])}项，欠进度{len(g['lagging'])}项，"
        f"未按期报送{len(g['not_reported'])}项"
        + (f"；欠进度和未按期报送合计较上{period_word}{lag_change}" if lag_change else "")
        + (f"；另有{len(g['not_due'])}项未到报送期" if g["not_due"] else "")
        + "。"
    )
    targets = in_battles(facts["targets"], battles)
    counts = light_counts(targets)
    red_change = ""
    if previous:
        red_change = change_text(
            counts["red"], light_counts(in_battles(previous["targets"], battles))["red"], unit="项"
        )
    doc.p(
        f"指标方面，序时进度{pct_text(facts['schedule_pct'])}，{len(targets)}项主要指标中，"
        f"绿灯{counts['green']}项、黄灯{counts['yellow']}项、红灯{counts['red']}项、暂无数据{counts['grey']}项"
        + (f"，红灯较上{period_word}{red_change}" if red_change else "")
        + "。"
    )
    new, closed, still_open, long_open = problem_counts(in_battles(facts["problems"], battles), facts)
    doc.p(
        f"问题方面，本{period_word}新提出问题{len(new)}个，销号{len(closed)}个，"
        f"累计未销号{len(still_open)}个，其中持续{LONG_OPEN_TEN_DAYS}旬以上{len(long_open)}个。"
    )
    return {"reporting": rep, "groups": g, "lights": counts, "problems": (new, closed, still_open, long_open)}


def highlights(doc, facts, battles, period_word):
    """二、进展亮点: tasks reported completed this period and the quantified tasks furthest ahead."""
    done = {}
    for m in in_battles(facts["moved"], battles):
        if m["task_status"] == "completed":
            done.setdefault(m["task"], m["department"])
    if done:
        doc.p(f"本{period_word}报告完成任务{len(done)}项：" + names(f"{t}（{u}）" for t, u in done.items()) + "。")
    tasks = in_battles(facts["tasks"], battles)
    ahead = sorted(
        (t for t in tasks if t["status"] == "on_schedule" and (t["gap"] or 0) > 0),
        key=lambda t: (-t["gap"], t["label"]),
    )
    if ahead:
        doc.p(
            f"量化任务超序时进度{len(ahead)}项，领先较多的有："
            + "；".join(f"{t['label']}（{t['lead']}，超序时{p1(t['gap'])}个百分点）" for t in ahead[:3])
            + "。"
        )
    targets = sorted(
        (t for t in in_battles(facts["targets"], battles) if t["light"] == "green" and (t["gap"] or 0) > 0),
        key=lambda t: (-t["gap"], t["name"]),
    )
    if targets:
        doc.p(
            "指标完成较好的有："
            + "；".join(f"{t['name']}（{t['lead']}，{ahead_of_target(t)}）" for t in targets[:3])
            + "。"
        )
    if not (done or ahead or targets):
        doc.p(f"本{period_word}暂无提前完成或超序时推进的事项。")


def ahead_of_target(target):
    """How far a green indicator is ahead, in its own terms: a cumulative one against 序时进度, a
    growth rate, share, level or decrease against its target, as the engine's reason says it
    (their 差值 is never a lead over the schedule)."""
    if target["schedule_pct"] is not None:
        return f"超序时{p1(target['gap'])}个百分点"
    return plain(target["reason"])


def laggards(doc, facts, battles, per_battle_heading, yellow_targets_named=True):
    """三、滞后与问题: red and yellow targets and tasks by battle — red ones with unit and reason,
    yellow ones with unit and gap (a briefing only counts its yellow targets: their figures are
    monthly and the circular names them) —; the full list with every reason is an annex.
    Returns the red and yellow items for the annex."""
    items = []
    for b in battles:
        targets = [t for t in facts["targets"] if t["battle_id"] == b["id"] and t["light"] in (RED, YELLOW)]
        tasks = [t for t in facts["tasks"] if t["battle_id"] == b["id"] and t["light"] in (RED, YELLOW)]
        targets.sort(key=lambda t: (t["light"] != RED, t["gap"] if t["gap"] is not None else 0))
        tasks.sort(key=lambda t: (t["light"] != RED, t["gap"] if t["gap"] is not None else 0, t["label"]))
        for t in targets:
            items.append(
                [b["short_name"], "指标", t["name"], t["lead"], LIGHT_LABELS[t["light"]], t["gap"], plain(t["reason"])]
            )
        for t in tasks:
            items.append(
                [b["short_name"], "任务", t["label"], t["lead"], LIGHT_LABELS[t["light"]], t["gap"], plain(t["reason"])]
            )
        if not (targets or tasks):
            continue
        parts = []
        for light, word in ((RED, "红灯"), (YELLOW, "黄灯")):
            lit_targets = [t for t in targets if t["light"] == light]
            lit_tasks = [t for t in tasks if t["light"] == light]
            # Red items are named with unit and reason; yellow ones by name and unit (their gaps
            # and reasons are in the annex).
            if lit_targets and light == YELLOW and not yellow_targets_named:
                parts.append(f"{word}指标{len(lit_targets)}项")
            elif lit_targets:
                if light == RED:
                    listed = [f"{t['name']}（{t['lead'] or '待明确'}，{plain(t['reason'])}）" for t in lit_targets]
                else:
                    listed = [
                        f"{t['name']}（{t['lead'] or '待明确'}"
                        + (f"，差{p1(-t['gap'])}个百分点）" if t["gap"] is not None and t["gap"] < 0 else "）")
                        for t in lit_targets
                    ]
                parts.append(f"{word}指标{len(lit_targets)}项：" + "；".join(listed))
            if lit_tasks:
                text = f"{word}任务{len(lit_tasks)}项"
                if light == RED:
                    shown = lit_tasks[:NAMED]
                    text += "：" + "；".join(f"{t['label']}（{t['lead'] or '待明确'}，{brief(t)}）" for t in shown)
                    if len(lit_tasks) > NAMED:
                        text += f"等{len(lit_tasks)}项"
                else:
                    units = sorted({u for t in lit_tasks for u in t["lead"].split("、") if u})
                    text += "，牵头单位为" + names(units, counted="个单位")
                parts.append(text)
        text = "。".join(parts) + "。"
        if per_battle_heading:
            doc.p(f"{b['short_name']}：{text}")
        else:
            doc.p(text)
    if not items:
        doc.p("本期无亮红灯、黄灯的指标和任务。")
    return items


def problems_paragraph(doc, facts, battles, period_word):
    new, closed, still_open, long_open = problem_counts(in_battles(facts["problems"], battles), facts)
    oldest = still_open[:2]
    if oldest:
        doc.p(
            "未销号问题中持续时间最长的有："
            + "；".join(
                f"{p['task']}（{p['owner']}，已持续{p['open_ten_days']}旬）：{p['text'].rstrip('。；;.')}"
                for p in oldest
            )
            + "。"
        )
    elif not new:
        doc.p(f"本{period_word}无新提出和未销号的问题。")
    return new, closed, still_open


def not_on_time(doc, facts, battles, period_word, rep):
    """四、未按时报送: late and missing counted apart, by unit; collectives counted, not named."""
    if not (rep["late"] or rep["missing"]):
        doc.p(f"本{period_word}各单位均按时报送。")
        return
    if rep["late"]:
        doc.p(f"迟报{rep['late']}份：{unit_counts(rep['late_by_unit'], rep['collectives'])}。")
    if rep["missing"]:
        named = unit_counts(rep["missing_by_unit"], rep["collectives"])
        doc.p(f"漏报{rep['missing']}份：{named or '均为集合主体'}。")


def closes_the_year(facts):
    """Whether the report's period ends the plan year (12月下旬, 12月, 四季度): there is no next
    旬, month or quarter of the plan to speak of."""
    return dt.date.fromisoformat(facts["period"]["end"]) == dt.date(facts["plan"]["year"], 12, 31)


def next_steps(doc, facts, stats, period_word, extra=None):
    """五、下步要求, three or four points built from what this report found."""
    points = []
    g = stats["groups"]
    behind = len(g["lagging"]) + len(g["not_reported"])
    if (stats["lights"]["red"] or behind) and closes_the_year(facts):
        # The plan's year is over: nothing is left to catch up on, the shortfall is explained.
        points.append(
            "做好未完成事项说明。年度目标未完成的指标和任务，牵头单位要逐项分析原因，"
            "形成书面说明报专班办公室，作为年度考核的依据。"
        )
    elif stats["lights"]["red"] or behind:
        points.append(
            "抓好滞后事项追赶。红灯、黄灯指标和欠进度任务的牵头单位要逐项分析原因，"
            f"在下{period_word}报告中写明追赶措施和完成时限，各专班办公室跟踪督办。"
        )
    rep = stats["reporting"]
    if rep["late"] or rep["missing"]:
        points.append("严肃报送纪律。迟报、漏报单位要及时补报，按时报送情况纳入月度通报。")
    long_open = stats["problems"][3]
    if long_open:
        points.append(
            f"加快问题销号。持续{LONG_OPEN_TEN_DAYS}旬以上未销号的{len(long_open)}个问题，"
            "责任单位要明确解决时限，专班办公室协调解决。"
        )
    if extra:
        points.append(extra)
    deadline = facts["period"].get("next_deadline")
    if deadline:
        day = dt.date.fromisoformat(deadline)
        points.append(
            f"按时报送进展。{facts['period']['next_label']}进展报告请于{day.month}月{day.day}日前报送，"
            "量化指标如实填写累计完成数。"
        )
    for i, point in enumerate(points[:4], 1):
        doc.p(f"{i}. {point}")


LAGGARD_COLUMNS = [
    ("仗", "text"),
    ("类别", "text"),
    ("事项", "text"),
    ("牵头单位", "text"),
    ("亮灯", "text"),
    ("差值(百分点)", "points"),
    ("原因", "text"),
]


def problem_rows(problems, battles, facts):
    short = {b["id"]: b["short_name"] for b in battles}
    ten_days = set(facts["period"]["ten_days"])
    rows = []
    for i, p in enumerate(problems, 1):
        if p["closed_on"] is None:
            state = f"未销号，已持续{p['open_ten_days']}旬"
        else:
            state = f"{day_label(p['closed_on'])}销号"
        if p["raised_ten_day"] in ten_days:
            state = "本期新提出，" + state
        rows.append(
            [i, short.get(p["battle_id"], ""), p["task"], p["text"], p["owner"], day_label(p["raised_on"]), state]
        )
    return rows


PROBLEM_COLUMNS = [
    ("序号", "int"),
    ("仗", "text"),
    ("任务", "text"),
    ("存在问题", "text"),
    ("责任单位", "text"),
    ("提出时间", "text"),
    ("状态", "text"),
]


def reporting_rows(facts, battles):
    rows = {}
    for r in in_battles(facts["span_reporting"], battles):
        if r["collective"]:
            continue
        row = rows.setdefault(r["department"], [r["department"], 0, 0, 0, 0])
        row[1] += r["due"]
        row[2] += r["due"] - r["late"] - r["missing"]
        row[3] += r["late"]
        row[4] += r["missing"]
    out = [row + [row[2] * 100 / row[1] if row[1] else None] for row in rows.values() if row[3] or row[4]]
    out.sort(key=lambda r: (r[5], -r[4], r[0]))
    return [[*r[:5], float(round_half_up(r[5], 1)) if r[5] is not None else None] for r in out]


REPORTING_COLUMNS = [
    ("单位", "text"),
    ("应报", "int"),
    ("按时", "int"),
    ("迟报", "int"),
    ("漏报", "int"),
    ("按时报送率", "pct"),
]


def rules_footnotes(facts, kind):
    rules = facts["rules"]
    notes = [
        "序时进度按已过月数÷12计算（季度指标按季数÷4，任务量化指标按已过旬数÷36，取最近一次审核通过的报告数）；"
        "差值=完成率或累计增速−序时进度或目标增速，单位为百分点，数字按四舍五入保留一位小数。",
        f"亮灯：达到或超过序时为绿灯，落后不超过{p1(rules['yellow_gap_points'])}个百分点为黄灯，落后更多为红灯，暂无数据为灰灯。"
        "增速、比重类指标与目标值比较，不按序时折算。",
        "任务：已完成=报告完成并经审核；超进度=按序时推进且量化指标超过序时；达进度=按序时推进；"
        f"欠进度=自报滞后或量化指标落后序时；未按期报送=牵头单位最近一期未报送（连续{rules['missed_periods_red']}期亮红灯）。",
        "迟报=在报送截止日后首次提交；漏报=截至本期末仍未提交；按时报送率=按时报送数÷应报数（牵头、负责单位每旬每项任务一份）。",
        "问题以首次提出问题的审核通过报告为准；此后同一单位同一任务的报告不再列出问题或报告任务已完成，即为销号。",
        "集合主体（如相关市直部门、各事项涉及单位、各县市区人民政府）只统计，不排名、不表扬、不批评；本期无应报报告的单位不作评价。",
    ]
    if rules.get("kinds"):
        # How each kind of indicator is judged (targets.schedule.rule_text), one sentence each.
        notes.append(
            "各类指标的判断规则：" + "；".join(plain(text).rstrip("。") for text in rules["kinds"].values()) + "。"
        )
    if kind in ("monthly_circular", "quarterly_summary"):
        notes.append(
            "通报表扬：牵头至少一项任务且全部完成或按序时推进、本月应报报告全部按时报送、审核通过的报告均一次通过的单位。"
            f"通报批评：本月按时报送率低于{p1(rules['criticism_on_time_pct'])}%，"
            f"或牵头任务中完成和按序时推进的比例低于{p1(rules['laggard_completion_pct'])}%的单位。"
            "单位排名按年度按时报送率、一次审核通过率由高到低。"
        )
    return notes


def praise_and_criticism(departments, rules):
    praise, criticism = [], []
    for d in accountable(departments):
        if (
            d["lead_tasks"]
            and d["task_pct"] == 100.0
            and d["span_on_time_pct"] == 100.0
            and d["first_pass_pct"] in (100.0, None)
        ):
            praise.append(d["name"])
        late = d["span_on_time_pct"] is not None and d["span_on_time_pct"] < rules["criticism_on_time_pct"]
        behind = d["task_pct"] is not None and d["task_pct"] < rules["laggard_completion_pct"]
        if late or behind:
            criticism.append(
                {
                    "name": d["name"],
                    "on_time_pct": d["span_on_time_pct"] if late else None,
                    "task_pct": d["task_pct"] if behind else None,
                    "good": d["lead_tasks_good"],
                    "led": d["lead_tasks"],
                }
            )
    return praise, criticism


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


RANKING_COLUMNS = [
    ("单位", "text"),
    ("年度按时报送率", "pct"),
    ("排名", "int"),
    ("一次审核通过率", "pct"),
    ("排名", "int"),
    ("本月应报", "int"),
    ("迟报", "int"),
    ("漏报", "int"),
    ("牵头任务", "int"),
    ("任务完成率", "pct"),
]


def ranking_rows(departments):
    """Accountable units only (collectives and units with nothing due are not ranked)."""
    units = accountable(departments)
    on_time = _rank(units, "on_time_pct")
    first = _rank(units, "first_pass_pct")
    ordered = sorted(units, key=lambda d: (on_time.get(d["name"], 999), first.get(d["name"], 999), d["name"]))
    return [
        [
            d["name"],
            d["on_time_pct"],
            on_time.get(d["name"]),
            d["first_pass_pct"],
            first.get(d["name"]),
            d["span_due"],
            d["span_late"],
            d["span_missing"],
            d["lead_tasks"],
            d["task_pct"],
        ]
        for d in ordered
    ]


def area_tables(doc, areas):
    """County rankings: one annex, a table per by-area indicator. Returns its label, or none."""
    if not areas:
        return []
    blocks = []
    for area in areas:
        doc.table(
            f"县市区排名：{area['target']}",
            [
                ("排名", "int"),
                ("县市区", "text"),
                (f"{area['measure']}（{area['unit']}）", "num"),
                ("数据期", "text"),
            ],
            [[a["rank"], a["area"], a["value"], a["period"]] for a in area["rows"]],
            into=blocks,
        )
    number = len(doc.annexes) + 1
    doc.annexes.append({"number": number, "title": "县市区指标排名", "landscape": False, "blocks": blocks})
    return [f"附件{number}"]


def finish(doc, facts, kind, battle_id, issue_number, summary):
    """The content dict. The 说明 (every rule applied) follows the annexes, so that the main text
    stays what a leader reads."""
    return {
        **header(facts, kind, battle_id, issue_number),
        "blocks": doc.blocks,
        "annexes": doc.annexes,
        "footnotes": rules_footnotes(facts, kind),
        "summary": summary,
    }


def ten_day_briefing(facts, previous, battle_id, issue_number):
    """旬简报: two to four pages of main text; lists in three annexes."""
    battles = battles_in_scope(facts, battle_id)
    doc = Doc()
    doc.h1("总体情况")
    stats = overall(doc, facts, previous, battles, "旬")
    doc.h1("进展亮点")
    highlights(doc, facts, battles, "旬")
    doc.h1("滞后与问题")
    items = laggards(doc, facts, battles, per_battle_heading=battle_id is None, yellow_targets_named=False)
    new, closed, still_open = problems_paragraph(doc, facts, battles, "旬")
    rep = stats["reporting"]
    doc.h1("未按时报送")
    not_on_time(doc, facts, battles, "旬", rep)
    doc.h1("下步要求")
    next_steps(doc, facts, stats, "旬")
    listed = [p for p in in_battles(facts["problems"], battles) if p["closed_on"] is None or p in closed]
    annexes = [
        doc.annex("红灯黄灯事项清单", LAGGARD_COLUMNS, items),
        doc.annex("未按时报送情况", REPORTING_COLUMNS, reporting_rows(facts, battles)),
        doc.annex("问题清单（本旬销号和未销号）", PROBLEM_COLUMNS, problem_rows(listed, battles, facts)),
    ]
    doc.p(f"详见{'、'.join(annexes)}。")
    moved = in_battles(facts["moved"], battles)
    return finish(
        doc,
        facts,
        "ten_day_briefing",
        battle_id,
        issue_number,
        {
            "reports": len(moved),
            "due": rep["due"],
            "late": rep["late"],
            "missing_reports": rep["missing"],
            "new_problems": len(new),
            "closed_problems": len(closed),
            "open_problems": len(still_open),
            "missing": sorted(u for u in rep["missing_by_unit"] if u not in rep["collectives"]),
            "late_units": sorted(u for u in rep["late_by_unit"] if u not in rep["collectives"]),
        },
    )


def monthly_circular(facts, previous, battle_id, issue_number):
    """月通报: at most eight pages of main text; tables in annexes."""
    battles = battles_in_scope(facts, battle_id)
    targets = in_battles(facts["targets"], battles)
    tasks = in_battles(facts["tasks"], battles)
    departments = departments_in_scope(facts, battle_id)
    rules = facts["rules"]
    doc = Doc()
    doc.h1("总体情况")
    stats = overall(doc, facts, previous, battles, "月")
    doc.h1("进展亮点")
    highlights(doc, facts, battles, "月")
    doc.h1("滞后与问题")
    items = laggards(doc, facts, battles, per_battle_heading=battle_id is None)
    new, closed, still_open = problems_paragraph(doc, facts, battles, "月")
    doc.h1("报送情况和通报")
    doc.h2("未按时报送")
    not_on_time(doc, facts, battles, "月", stats["reporting"])
    praise, criticism = praise_and_criticism(departments, rules)
    doc.h2("通报表扬")
    doc.p(("对以下单位予以通报表扬：" + "、".join(praise) + "。") if praise else "本月无符合通报表扬条件的单位。")
    doc.h2("通报批评")
    # The worst first: a criticism names the unit furthest below the line before the others.
    late = sorted((c for c in criticism if c["on_time_pct"] is not None), key=lambda c: c["on_time_pct"])
    behind = sorted((c for c in criticism if c["task_pct"] is not None), key=lambda c: c["task_pct"])
    parts = []
    if late:
        parts.append(
            f"本月按时报送率低于{p1(rules['criticism_on_time_pct'])}%的"
            + "、".join(f"{c['name']}（{pct_text(c['on_time_pct'])}）" for c in late)
        )
    if behind:
        parts.append(
            f"牵头任务完成和按序时推进比例低于{p1(rules['laggard_completion_pct'])}%的"
            + "、".join(f"{c['name']}（{c['good']}/{c['led']}项）" for c in behind)
        )
    if parts:
        doc.p("对以下单位予以通报批评：" + "；".join(parts) + "。各单位迟报、漏报份数见单位排名附件。")
    else:
        doc.p("本月无符合通报批评条件的单位。")
    # 预警 (reporting/forecasts.py): what is forecast to miss its target and the pace it needs.
    warnings, warning_rows = warning_block(doc, facts.get("warnings", []), {b["id"] for b in battles})
    doc.h1("下步要求")
    next_steps(doc, facts, stats, "月")
    annexes = [
        doc.annex("主要指标完成情况", INDICATOR_COLUMNS, indicator_rows(targets), landscape=True),
        doc.annex("红灯黄灯事项清单", LAGGARD_COLUMNS, items),
        doc.annex("量化任务推进情况", TASK_COLUMNS, task_rows(tasks)),
        doc.annex("单位排名", RANKING_COLUMNS, ranking_rows(departments), landscape=True),
        doc.annex("问题清单", PROBLEM_COLUMNS, problem_rows(still_open, battles, facts)),
    ]
    if warning_rows:
        annexes.append(doc.annex("预警清单", WARNING_COLUMNS, warning_rows, landscape=True))
    annexes += area_tables(doc, [a for a in facts["areas"] if a["battle_id"] in {b["id"] for b in battles}])
    doc.p(f"详见附件1至附件{len(annexes)}。")
    q = quantified_summary(tasks)
    return finish(
        doc,
        facts,
        "monthly_circular",
        battle_id,
        issue_number,
        {
            "lights": light_counts(targets),
            "quantified": q,
            "praise": praise,
            "criticism": [c["name"] for c in criticism],
            "criticism_detail": criticism,
            "new_problems": len(new),
            "closed_problems": len(closed),
            "open_problems": len(still_open),
            "warnings": warnings,
        },
    )


TASK_COLUMNS = [
    ("任务", "text"),
    ("牵头单位", "text"),
    ("量化指标", "text"),
    ("完成率（最低项）", "pct"),
    ("序时进度", "pct"),
    ("差值(百分点)", "points"),
    ("状态", "text"),
]


def figure(value):
    """A figure in a sentence or a text cell: trailing zeros dropped (5000, 5.38), — if none."""
    return "—" if value is None else fmt(Decimal(str(value)))


def task_rows(tasks):
    """Quantified tasks, the laggards first; 完成率 is that of the task's least advanced metric."""
    order = {"lagging": 0, "not_reported": 1, "on_schedule": 2, "completed": 3, "not_due": 4}
    quantified = sorted((t for t in tasks if t["quantified"]), key=lambda t: (order.get(t["status"], 5), t["gap"] or 0))
    rows = []
    for t in quantified:
        metrics = "；".join(f"{m['name']}{figure(m['value'])}/{figure(m['target'])}{m['unit']}" for m in t["metrics"])
        rows.append(
            [
                t["label"],
                t["lead"],
                metrics,
                min((m["completion_pct"] for m in t["metrics"] if m["completion_pct"] is not None), default=None),
                t["schedule_pct"],
                t["gap"],
                t["status_label"],
            ]
        )
    return rows


def quarterly_summary(facts, previous, battle_id, issue_number):
    """`previous` is the facts of the quarter before (None for the first quarter)."""
    battles = battles_in_scope(facts, battle_id)
    targets = in_battles(facts["targets"], battles)
    tasks = in_battles(facts["tasks"], battles)
    before = {t["id"]: t for t in (previous or {}).get("targets", [])}
    doc = Doc()
    doc.h1("总体情况")
    stats = overall(doc, facts, previous, battles, "季度")
    doc.h1("进展亮点")
    highlights(doc, facts, battles, "季度")
    doc.h1("滞后与问题")
    items = laggards(doc, facts, battles, per_battle_heading=battle_id is None)
    problems = in_battles(facts["problems"], battles)
    new, closed, still_open = problems_paragraph(doc, facts, battles, "季度")
    doc.h1("未按时报送")
    not_on_time(doc, facts, battles, "季度", stats["reporting"])
    doc.h1("下步工作重点" if closes_the_year(facts) else "下季度工作重点")
    next_steps(doc, facts, stats, "季度")
    battle_rows = []
    for b in battles:
        now = light_counts([t for t in targets if t["battle_id"] == b["id"]])
        prev = light_counts([before[t["id"]] for t in targets if t["battle_id"] == b["id"] and t["id"] in before])
        battle_rows.append(
            [b["short_name"], now["green"], now["yellow"], now["red"], now["grey"], prev["green"], prev["red"]]
        )
    change_rows = []
    for i, t in enumerate(targets, 1):
        prev = before.get(t["id"])
        prev_rate = prev["rate"] if prev else None
        change = (
            float(round_half_up(t["rate"] - prev_rate, 1)) if t["rate"] is not None and prev_rate is not None else None
        )
        change_rows.append([i, t["name"], t["rate"], prev_rate, change, LIGHT_LABELS[t["light"]], t["lead"]])
    focus = {}
    for m in in_battles(facts["moved"], battles):
        if m["next_steps"].strip():
            focus[(m["task"], m["department"])] = m
    doc.annex(
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
        battle_rows,
    )
    doc.annex(
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
    doc.annex("主要指标完成情况", INDICATOR_COLUMNS, indicator_rows(targets), landscape=True)
    doc.annex("红灯黄灯事项清单", LAGGARD_COLUMNS, items)
    doc.annex("单位排名", RANKING_COLUMNS, ranking_rows(departments_in_scope(facts, battle_id)), landscape=True)
    raised_or_closed = [p for p in problems if p in new or p in closed]
    doc.annex("本季度问题提出和销号情况", PROBLEM_COLUMNS, problem_rows(raised_or_closed, battles, facts))
    doc.annex(
        "下步工作打算" if closes_the_year(facts) else "下季度工作打算",
        [("任务", "text"), ("单位", "text"), ("下步打算", "text")],
        [[m["task"], m["department"], m["next_steps"].strip()] for m in focus.values()],
    )
    area_tables(doc, [a for a in facts["areas"] if a["battle_id"] in {b["id"] for b in battles}])
    doc.p(f"详见附件1至附件{len(doc.annexes)}。")
    return finish(
        doc,
        facts,
        "quarterly_summary",
        battle_id,
        issue_number,
        {
            "lights": light_counts(targets),
            "tasks": {k: len(v) for k, v in task_groups(tasks).items()},
            "raised": len(new),
            "closed": len(closed),
            "open": len(still_open),
            "focus": len(focus),
        },
    )


def red_items(facts, battle_id):
    """(battle, item, responsible units, reason) of every red target and task in scope: what a
    warning slip is issued for. No red item, no slip (reporting.build skips it)."""
    items = []
    for b in battles_in_scope(facts, battle_id):
        for t in facts["targets"]:
            if t["battle_id"] == b["id"] and t["light"] == RED:
                items.append((b, f"指标“{t['name']}”", t["lead"], plain(t["reason"])))
        for t in facts["tasks"]:
            if t["battle_id"] == b["id"] and t["light"] == RED:
                items.append((b, f"任务“{t['label']}”", t["lead"], plain(t["reason"])))
    return items


def warning_slips(facts, battle_id, issue_number, issued_on, days=10):
    """One slip listing every red target or task, to the battle's convener, with a working-day
    deadline counted from the day the slip is built (`issued_on`)."""
    deadline, _certain = next_workday(issued_on + dt.timedelta(days=days))
    doc = Doc()
    slips = red_items(facts, battle_id)
    if slips:
        b = slips[0][0]
        doc.p(f"{b['convener']}：")
        doc.p(
            f"截至{facts['period']['label']}，{b['name']}有{len(slips)}项指标和任务亮红灯（见下表）。"
            f"请督促责任单位于{day_label(deadline)}前报送整改措施和进展。"
        )
    else:
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
        [[i, b["short_name"], item, dept, gap, day_label(deadline)] for i, (b, item, dept, gap) in enumerate(slips, 1)],
    )
    return {
        **header(facts, "warning_slip", battle_id, issue_number),
        "blocks": doc.blocks,
        "annexes": [],
        "footnotes": [f"整改时限为出具之日起{days}日后的第一个工作日。"],
        "summary": {"slips": len(slips), "deadline": deadline.isoformat()},
    }
