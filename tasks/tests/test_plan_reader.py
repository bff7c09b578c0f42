"""Reading a plan as issued (text or .docx) into the plan-file format: tasks/plan_reader.py."""

import io

import docx
import pytest
import yaml

from tasks.plan_file import dump_plan, load_plan, parse_plan
from tasks.plan_reader import Registry, departments_from_plan, docx_blocks, plan_file_data, read_plan
from tasks.tests.plan_files import DOCUMENT, REAL_PLAN

STRUCTURE_TASK_KEYS = ("number", "title", "text", "responsibility_note", "basis", "lead", "responsible", "cooperating")
STRUCTURE_SECTION_KEYS = ("number", "title", "text", "lead", "responsible", "cooperating")
BATTLE_KEYS = ("number", "name", "short_name", "work_plan_title", "general_goal")


@pytest.fixture(scope="module")
def fixture_plan():
    return yaml.safe_load(REAL_PLAN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def document_text():
    assert DOCUMENT.exists(), f"the 2023 plan text is missing: {DOCUMENT}"
    return DOCUMENT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def registry(fixture_plan):
    return departments_from_plan(fixture_plan)


def structure_differences(expected, actual):
    """Every difference in battles, task forces, sections, tasks and their departments."""
    diffs = []
    if len(expected["battles"]) != len(actual["battles"]):
        diffs.append(f"battles: {len(expected['battles'])} != {len(actual['battles'])}")
    for eb, ab in zip(expected["battles"], actual["battles"], strict=False):
        where = f"battle {eb['number']}"
        diffs += [f"{where} {k}: {eb[k]!r} != {ab[k]!r}" for k in BATTLE_KEYS if eb[k] != ab[k]]
        diffs += [
            f"{where} task_force.{k}: {eb['task_force'][k]!r} != {ab['task_force'][k]!r}"
            for k in eb["task_force"]
            if eb["task_force"][k] != ab["task_force"][k]
        ]
        if len(eb["sections"]) != len(ab["sections"]):
            diffs.append(f"{where} sections: {len(eb['sections'])} != {len(ab['sections'])}")
        for es, as_ in zip(eb["sections"], ab["sections"], strict=False):
            swhere = f"{where} section {es['number']}"
            diffs += [f"{swhere} {k}: {es[k]!r} != {as_[k]!r}" for k in STRUCTURE_SECTION_KEYS if es[k] != as_[k]]
            if len(es["tasks"]) != len(as_["tasks"]):
                diffs.append(f"{swhere} tasks: {len(es['tasks'])} != {len(as_['tasks'])}")
            for et, at in zip(es["tasks"], as_["tasks"], strict=False):
                twhere = f"{swhere} task {et['number']}"
                diffs += [f"{twhere} {k}: {et[k]!r} != {at[k]!r}" for k in STRUCTURE_TASK_KEYS if et[k] != at[k]]
    return diffs


def _same_figure(a, b):
    if a["comparator"] != b["comparator"] or a["unit"] != b["unit"]:
        return False
    if a["value"] is None or b["value"] is None:
        return a["value"] is None and b["value"] is None
    return abs(float(a["value"]) - float(b["value"])) < 1e-9


def figure_matches(expected, actual):
    """(matched, total, differences) of targets and metrics.

    A metric matches one of the reader's metrics of the same task (or section) with the same
    comparator, value and unit; a target matches one of the reader's targets of the same battle
    with the same comparator, value and unit whose source overlaps the file's source or its
    general-plan source. Names, kinds and frequencies are editorial and not compared.
    """
    total = matched = 0
    diffs = []
    for eb, ab in zip(expected["battles"], actual["battles"], strict=False):
        for es, as_ in zip(eb["sections"], ab["sections"], strict=False):
            pairs = [(es, as_, f"{eb['number']}.{es['number']}")]
            pairs += [
                (et, at, f"{eb['number']}.{es['number']}.{et['number']}")
                for et, at in zip(es["tasks"], as_["tasks"], strict=False)
            ]
            for erecord, arecord, where in pairs:
                pool = list(arecord["metrics"])
                for metric in erecord["metrics"]:
                    total += 1
                    hit = next((m for m in pool if _same_figure(metric, m)), None)
                    if hit:
                        pool.remove(hit)
                        matched += 1
                    else:
                        diffs.append(f"missing metric {where}: {metric['source']} ({metric['comparator']})")
                diffs += [f"extra metric {where}: {m['source']} ({m['comparator']})" for m in pool]
        pool = list(ab["targets"])
        for target in eb["targets"]:
            total += 1
            sources = [target["source"], target.get("general_plan_source") or target["source"]]
            hit = next(
                (
                    t
                    for t in pool
                    if _same_figure(target, t) and any(s in t["source"] or t["source"] in s for s in sources)
                ),
                None,
            )
            if hit:
                pool.remove(hit)
                matched += 1
            else:
                diffs.append(f"missing target {target['code']}: {target['source']} ({target['comparator']})")
        diffs += [f"extra target {t['code']}: {t['source']} ({t['comparator']})" for t in pool]
    return matched, total, diffs


def docx_bytes(paragraphs, tables_at=None):
    """A .docx with one paragraph per line; tables_at: {index: rows} inserts a table before that line."""
    document = docx.Document()
    tables_at = tables_at or {}
    for i, line in enumerate(paragraphs):
        if i in tables_at:
            rows = tables_at[i]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return buffer


def lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- the 2023 plan ------------------------------------------------------------------------------


def test_reading_the_2023_text_gives_the_fixture_battles_sections_tasks_and_departments(
    fixture_plan, document_text, registry
):
    reading = read_plan(document_text, registry, code="huaihua-2023")

    assert structure_differences(fixture_plan, reading.plan) == []
    assert sum(len(s["tasks"]) for b in reading.plan["battles"] for s in b["sections"]) == 170


def test_reading_the_2023_text_matches_at_least_90_percent_of_targets_and_metrics(
    fixture_plan, document_text, registry
):
    reading = read_plan(document_text, registry, code="huaihua-2023")

    matched, total, diffs = figure_matches(fixture_plan, reading.plan)

    print(f"targets and metrics matched: {matched}/{total} = {matched / total:.1%}")
    print("\n".join(diffs))
    assert total == 188
    assert matched / total >= 0.9, "\n".join(diffs)


def test_reading_the_2023_text_gets_the_plan_header_and_flags_the_garbled_document_number(document_text, registry):
    reading = read_plan(document_text, registry, code="huaihua-2023")

    assert reading.plan["plan"] == {
        "code": "huaihua-2023",
        "title": "怀化市打好发展“六仗”总体方案",
        "document_number": "怀政办发〔2023〕4号",
        "issuer": "怀化市人民政府办公室",
        "year": 2023,
        "published_on": "2023-02-09",
        "issued_on": "2023-01-30",
    }
    plan_record = next(r for r in reading.records if r["path"] == "plan")
    assert [f["code"] for f in plan_record["flags"]] == ["document_number"]


def test_every_record_carries_its_source_sentence_and_basis(document_text, registry):
    reading = read_plan(document_text, registry)
    tasks = [r for r in reading.records if r["kind"] == "task"]

    assert len(tasks) == 170
    assert all(r["source"] for r in reading.records if r["kind"] in ("task", "section", "target", "task_force"))
    by_path = {r["path"]: r for r in reading.records}
    # battle 1 (一) task 1: the lead is stated; battle 2 (一) task 1: inherited from the section's
    # unclosed parenthesis; battle 1 (二) task 6: the first named unit, inferred.
    assert by_path["battles[0].sections[0].tasks[0]"]["basis"] == "stated"
    assert by_path["battles[0].sections[0].tasks[0]"]["source"].startswith("1.开展系列消费促进活动。")
    assert by_path["battles[1].sections[0].tasks[0]"]["basis"] == "inherited"
    inferred = by_path["battles[0].sections[1].tasks[5]"]
    assert inferred["basis"] == "inferred"
    assert [f["code"] for f in inferred["flags"]] == ["inferred_lead"]
    # The section heading's parenthesis is not closed in the document: flagged, still read.
    section = by_path["battles[1].sections[0]"]
    assert "unclosed_parenthesis" in [f["code"] for f in section["flags"]]
    # Every department name of the 2023 text is known: nothing flagged as unknown.
    assert not [f for r in reading.records for f in r["flags"] if f["code"] == "unknown_department"]


def test_reading_a_docx_made_from_the_2023_text_gives_the_same_plan(document_text, registry):
    from_text = read_plan(document_text, registry, code="huaihua-2023")

    from_docx = read_plan(docx_blocks(docx_bytes(lines(document_text))), registry, code="huaihua-2023")

    assert from_docx.plan == from_text.plan


@pytest.mark.django_db
def test_the_reading_of_the_2023_text_is_a_valid_plan_file_that_loads(document_text, registry):
    reading = read_plan(document_text, registry, code="huaihua-2023")

    data = parse_plan(dump_plan(plan_file_data(reading.plan)), "read.yaml")
    result = load_plan(data, dry_run=True)

    assert (result.contents["仗"], result.contents["任务板块"], result.contents["任务"]) == (6, 26, 170)
    assert result.plan.code == "huaihua-2023"


# --- variants -------------------------------------------------------------------------------------

BATTLE_1_SECTION_1_START = "(一)激发释放消费潜力。"
BATTLE_1_SECTION_2_START = "(二)着力扩大有效投资。"
BATTLE_1_SECTION_3_START = "(三)推进高水平对外开放。"


def _task(plan, battle, section, number):
    b = next(b for b in plan["battles"] if b["number"] == battle)
    s = next(s for s in b["sections"] if s["number"] == section)
    return next(t for t in s["tasks"] if t["number"] == number)


def _record(reading, battle, section, number):
    for bi, b in enumerate(reading.plan["battles"]):
        if b["number"] != battle:
            continue
        for si, s in enumerate(b["sections"]):
            if s["number"] != section:
                continue
            for ti, t in enumerate(s["tasks"]):
                if t["number"] == number:
                    return next(r for r in reading.records if r["path"] == f"battles[{bi}].sections[{si}].tasks[{ti}]")
    raise AssertionError("no such task")


def test_sections_in_another_order_read_the_same_and_the_jump_is_flagged(fixture_plan, document_text, registry):
    one = document_text.index(BATTLE_1_SECTION_1_START)
    two = document_text.index(BATTLE_1_SECTION_2_START)
    three = document_text.index(BATTLE_1_SECTION_3_START)
    swapped = document_text[:one] + document_text[two:three] + document_text[one:two] + document_text[three:]

    reading = read_plan(swapped, registry)

    sections = reading.plan["battles"][0]["sections"]
    assert [s["number"] for s in sections] == [2, 1, 3, 4, 5, 6]
    expected = {s["number"]: s for s in fixture_plan["battles"][0]["sections"]}
    reordered = {
        **fixture_plan,
        "battles": [{**fixture_plan["battles"][0], "sections": [expected[n] for n in (2, 1, 3, 4, 5, 6)]}],
    }
    actual = {**reading.plan, "battles": reading.plan["battles"][:1]}
    assert structure_differences(reordered, actual) == []
    flagged = [r["path"] for r in reading.flagged() if any(f["code"] == "number_jump" for f in r["flags"])]
    assert "battles[0].sections[0]" in flagged


def test_the_other_parenthesis_forms_read_as_the_same_departments(document_text, registry):
    variant = (
        document_text.replace("(市商务局牵头,市发展改革委等负责)", "(牵头单位:市商务局;责任单位:市发展改革委)", 1)
        .replace("(市住房城乡建设局牵头)\n", "(由市住房城乡建设局牵头)\n", 1)
        .replace("(市商务局牵头,市文化旅游广电体育局等负责)", "(牵头单位：市商务局；配合单位：市文化旅游广电体育局)", 1)
        # The parenthesis of task 5 left unclosed at the end of its paragraph.
        .replace("(市商务局牵头负责)\n", "(市商务局牵头负责\n", 1)
    )

    reading = read_plan(variant, registry)

    plan = reading.plan
    assert _task(plan, 1, 1, 1)["lead"] == ["市商务局"]
    assert _task(plan, 1, 1, 1)["responsible"] == ["市发展改革委"]
    assert _task(plan, 1, 1, 1)["responsibility_note"] == "牵头单位:市商务局;责任单位:市发展改革委"
    assert _task(plan, 1, 1, 2)["lead"] == ["市住房城乡建设局"]
    assert _task(plan, 1, 1, 4)["lead"] == ["市商务局"]
    assert _task(plan, 1, 1, 4)["cooperating"] == ["市文化旅游广电体育局"]
    task5 = _task(plan, 1, 1, 5)
    assert (task5["lead"], task5["basis"]) == (["市商务局"], "task")
    assert task5["text"].endswith("规范发展直播电商、社区电商。")
    assert [f["code"] for f in _record(reading, 1, 1, 5)["flags"]] == ["unclosed_parenthesis"]


def test_a_section_level_parenthesis_covers_its_tasks_and_several_parentheses_add_up(document_text, registry):
    reading = read_plan(document_text, registry)

    # Battle 4 (一)防范化解政府债务风险(市财政局牵头): every task inherits the lead.
    debt = reading.plan["battles"][3]["sections"][0]
    assert debt["lead"] == ["市财政局"]
    assert {t["basis"] for t in debt["tasks"]} == {"section"}
    assert all(t["lead"] == ["市财政局"] for t in debt["tasks"])
    # Battle 3 (四) task 3: four parentheses, their leads in document order, the middle ones kept in the text.
    justice = _task(reading.plan, 3, 4, 3)
    assert justice["lead"] == ["市中级人民法院", "市人民检察院", "市司法局", "市公安局"]
    assert justice["responsibility_note"].count(" / ") == 3
    assert "(市中级人民法院、市司法局牵头)" in justice["text"]


def test_annex_lines_with_a_colon_and_titles_with_the_city_in_front_read_the_same(
    fixture_plan, document_text, registry
):
    variant = document_text
    for n in range(1, 7):
        variant = variant.replace(f"\n附件{n}\n", f"\n附件{n}：\n", 1)
    variant = variant.replace("\n打好经济增长主动仗工作方案\n", "\n怀化市打好经济增长主动仗实施方案\n", 1)

    reading = read_plan(variant, registry)

    assert [b["number"] for b in reading.plan["battles"]] == [1, 2, 3, 4, 5, 6]
    assert reading.plan["battles"][0]["work_plan_title"] == "怀化市打好经济增长主动仗实施方案"
    assert reading.plan["battles"][0]["name"] == "打好经济增长主动仗"
    expected = {**fixture_plan, "battles": fixture_plan["battles"][1:]}
    assert structure_differences(expected, {**reading.plan, "battles": reading.plan["battles"][1:]}) == []


def test_abbreviated_and_unknown_department_names_are_resolved_or_flagged(document_text, registry):
    variant = document_text.replace(
        "(市商务局牵头,市发展改革委等负责)", "(市商务局牵头,发改委、市工信局、市大数据局等负责)", 1
    )

    reading = read_plan(variant, registry)

    task = _task(reading.plan, 1, 1, 1)
    assert task["responsible"] == ["市发展改革委", "市工业和信息化局", "市大数据局"]
    flags = _record(reading, 1, 1, 1)["flags"]
    assert [(f["code"], f["written"]) for f in flags] == [
        ("abbreviated_department", "发改委"),
        ("abbreviated_department", "市工信局"),
        ("unknown_department", "市大数据局"),
    ]
    unknown = flags[2]
    assert unknown["candidates"], "closest known names are offered"
    # Flagged records come first in the review list.
    assert _record(reading, 1, 1, 1) in reading.flagged()


def test_a_task_table_with_lead_responsible_and_deadline_columns_reads_like_parentheses(registry):
    text_before = [
        "附件1",
        "打好经济增长主动仗工作方案",
        "一、工作目标",
        "地区生产总值增长7.5%以上。",
        "二、工作任务",
        "(一)激发释放消费潜力。把恢复和扩大消费摆在优先位置。",
    ]
    text_after = [
        "三、推进机制",
        "成立怀化市打好经济增长主动仗工作专班,由市政府常务副市长任召集人,市政府各分管副市长任副召集人,"
        "成员单位包括市商务局、市发展改革委等,专班办公室设在市发展改革委,负责日常协调和调度工作。",
    ]
    rows = [
        ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"],
        [
            "1",
            "开展系列消费促进活动。新建便民生活圈试点社区15个。",
            "市商务局",
            "发改委、市文化旅游广电体育局",
            "6月底前",
        ],
        ["2", "支持刚性和改善性住房消费。全面实施新建商品房“交房即交证”。", "市住房城乡建设局", "", "年内"],
        ["4", "大力发展夜间经济。鼓励夜间延时经营。", "", "市商务局、市文化旅游广电体育局", "三季度"],
    ]

    reading = read_plan(docx_blocks(docx_bytes(text_before + text_after, {len(text_before): rows})), registry)

    battle = reading.plan["battles"][0]
    tasks = battle["sections"][0]["tasks"]
    assert [(t["number"], t["title"], t["lead"], t["responsible"], t["basis"]) for t in tasks] == [
        (1, "开展系列消费促进活动", ["市商务局"], ["市发展改革委", "市文化旅游广电体育局"], "task"),
        (2, "支持刚性和改善性住房消费", ["市住房城乡建设局"], [], "task"),
        (4, "大力发展夜间经济", ["市商务局"], ["市文化旅游广电体育局"], "first_named"),
    ]
    assert [t["deadline"] for t in tasks] == ["6月底前", "年内", "三季度"]
    assert tasks[0]["metrics"] == [
        {
            "name": "新建便民生活圈试点社区",
            "comparator": "reach",
            "value": 15,
            "unit": "个",
            "source": "新建便民生活圈试点社区15个",
            "kind": "cumulative",
        }
    ]
    assert battle["task_force"]["office"] == "市发展改革委"
    codes = {r["path"]: [f["code"] for f in r["flags"]] for r in reading.records}
    assert codes["battles[0].sections[0].tasks[0]"] == ["abbreviated_department"]
    assert codes["battles[0].sections[0].tasks[2]"] == ["inferred_lead", "number_jump"]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("新增高价值发明专利35件左右", ("about", 35, "件")),
        ("不良贷款率压降至1.5%以内", ("at_most", 1.5, "%")),
        ("争取落地1-2个外资项目", ("at_least", 1, "个")),
        ("基层医疗卫生机构按照服务人口数的15%—20%动态准备", ("at_least", 15, "%")),
        ("森林火灾数量同比去年减少30%以上", ("decrease", 30, "%")),
        ("杜绝较大以上电力人身伤亡责任事故", ("zero", 0, "起")),
        ("新认定高新技术企业150家以上", ("at_least", 150, "家")),
        ("用户数突破200万", ("more_than", 200, "万")),
    ],
)
def test_comparators_are_read_from_the_words_around_the_figure(clause, expected):
    from tasks.plan_reader import read_metrics

    found = read_metrics(clause)

    assert [(m["comparator"], m["value"], m["unit"]) for m, _flags in found] == [expected]


def test_a_range_is_read_as_its_lower_bound_and_flagged():
    from tasks.plan_reader import read_metrics

    [(metric, flags)] = read_metrics("争取落地1-2个外资项目")

    assert metric["source"] == "争取落地1-2个外资项目"
    assert [f["code"] for f in flags] == ["range"]


def test_an_empty_registry_flags_every_department_as_unknown_and_guesses_kinds(document_text):
    reading = read_plan(document_text, Registry({}))

    unknown = {f["written"] for r in reading.records for f in r["flags"] if f["code"] == "unknown_department"}
    assert "市商务局" in unknown
    kinds = {d["name"]: d["kind"] for d in reading.plan["departments"]}
    assert kinds["怀化国际陆港经开区管委会"] == "park"
    assert kinds["市中级人民法院"] == "judicial"
    assert kinds["市安委会相关成员单位"] == "collective"


# --- manage.py read_plan --------------------------------------------------------------------------


@pytest.mark.django_db
def test_read_plan_command_writes_a_plan_file_that_load_plan_accepts(document_text, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from targets.models import Plan

    source = tmp_path / "方案.docx"
    source.write_bytes(docx_bytes(lines(document_text)).getvalue())
    output = tmp_path / "plan.yaml"
    out = StringIO()

    call_command(
        "read_plan",
        str(source),
        "-o",
        str(output),
        "--code",
        "huaihua-2023",
        "--departments",
        str(REAL_PLAN),
        stdout=out,
    )

    assert "仗 6，任务板块 26，任务 170" in out.getvalue()
    assert "可用 manage.py load_plan 载入" in out.getvalue()
    written = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert structure_differences(yaml.safe_load(REAL_PLAN.read_text(encoding="utf-8")), written) == []
    load_out = StringIO()
    call_command("load_plan", str(output), "--dry-run", stdout=load_out)
    assert "任务 170" in load_out.getvalue()
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_read_plan_command_refuses_an_old_word_file_and_a_document_without_work_plans(tmp_path):
    from django.core.management import CommandError, call_command

    old = tmp_path / "方案.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(CommandError, match="旧版 Word"):
        call_command("read_plan", str(old), "-o", str(tmp_path / "a.yaml"))

    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要\n一、会议议定事项\n", encoding="utf-8")
    with pytest.raises(CommandError, match="没有找到工作方案"):
        call_command("read_plan", str(notes), "-o", str(tmp_path / "b.yaml"))
    assert not (tmp_path / "b.yaml").exists()
