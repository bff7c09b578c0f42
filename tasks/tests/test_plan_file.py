"""Loading, validating and exporting plan files (docs/plan-format.md)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from targets.models import Battle, Department, Period, Plan, Target, TaskForce
from tasks.models import Responsibility, Section, Task, TaskMetric
from tasks.plan_file import PlanFileError, dump_plan, export_plan, load_plan, parse_plan, read_plan_file
from tasks.tests.plan_files import MINI_YAML, REAL_PLAN, history_rows

pytestmark = pytest.mark.django_db


def load_text(text, filename="mini.yaml", dry_run=False):
    return load_plan(parse_plan(text, filename), dry_run=dry_run, filename=filename)


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Plan, Department, Battle, TaskForce, Target, Section, Task, Responsibility, TaskMetric, Period)
    }


def test_real_plan_round_trips_through_export_unchanged():
    original = read_plan_file(REAL_PLAN)
    plan = load_plan(original).plan
    exported = dump_plan(export_plan(plan))
    assert parse_plan(exported, "exported.yaml") == original
    # The export is the fixture itself, but for the header comment.
    body = [line for line in REAL_PLAN.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert [line for line in exported.splitlines() if not line.startswith("#")] == body


def test_every_metric_of_the_real_plan_carries_a_kind_from_its_words():
    plan = load_plan(read_plan_file(REAL_PLAN)).plan
    metrics = TaskMetric.objects.filter(section__battle__plan=plan)
    assert metrics.count() == 146
    kind = {
        (m.task.section.battle.number, m.task.section.number, m.task.number, m.name): m.kind
        for m in metrics.select_related("task__section__battle").exclude(task=None)
    }
    assert kind[(4, 2, 6, "不良贷款率")] == "ceiling"
    assert kind[(1, 4, 5, "园区规模工业增加值增长")] == "growth_rate"
    assert kind[(1, 4, 1, "制造业增加值占GDP比重")] == "level"
    assert kind[(3, 1, 4, "全市存贷比")] == "level"
    assert kind[(5, 2, 14, "森林火灾数量同比减少")] == "decrease"
    assert kind[(5, 2, 11, "较大以上电力人身伤亡责任事故")] == "zero_tolerance"
    assert kind[(1, 2, 4, "新建5G基站")] == "cumulative"
    assert Target.objects.get(battle__plan=plan, code="1.02").kind == "cumulative"
    # The words decide the kind: no ceiling, zero, decrease, rate or share is judged as an amount
    # against the 旬 schedule.
    by_words = {"at_most": "ceiling", "zero": "zero_tolerance", "decrease": "decrease", "about": "approximate"}
    for m in metrics:
        assert m.kind == by_words.get(m.comparator, m.kind), m.name
        if m.unit in ("%", "‰", "个百分点"):
            assert m.kind != "cumulative", m.name


def test_a_metric_without_a_kind_takes_the_kind_its_words_give():
    text = (
        MINI_YAML.replace("unit: 万人次, kind: cumulative,", "unit: 万人次,")
        .replace(
            "{name: 接待游客, comparator: at_least, value: 5000",
            "{name: 接待游客增长, comparator: at_least, value: 8",
            1,
        )
        .replace("unit: 万人次,", "unit: '%',", 1)
    )
    plan = load_text(text).plan
    assert TaskMetric.objects.get(section__battle__plan=plan).kind == "growth_rate"
    assert "kind: growth_rate" in dump_plan(export_plan(plan))


def test_a_target_profile_loads_and_exports_unchanged():
    text = MINI_YAML.replace(
        "frequency: monthly", "frequency: monthly\n        profile: {quarter: [22.6, 47.3, 72.4, 100]}", 1
    )
    plan = load_text(text).plan
    target = Target.objects.get(battle__plan=plan, code="1.01")
    assert target.profile == {"quarter": [22.6, 47.3, 72.4, 100]}
    exported = dump_plan(export_plan(plan))
    assert "profile:" in exported
    assert parse_plan(exported, "exported.yaml") == parse_plan(text, "mini.yaml")
    assert not load_plan(parse_plan(exported, "exported.yaml")).changed


def test_reloading_the_real_plan_changes_nothing_and_writes_no_history():
    data = read_plan_file(REAL_PLAN)
    first = load_plan(data)
    assert first.totals()["created"] > 1000
    counts, histories = table_counts(), history_rows()
    second = load_plan(read_plan_file(REAL_PLAN))
    assert not second.changed
    assert second.totals()["unchanged"] == first.totals()["created"]
    assert second.periods_created == 0
    assert table_counts() == counts
    assert history_rows() == histories


def test_loading_creates_the_plan_year_periods_with_deadlines():
    result = load_text(MINI_YAML)
    plan = result.plan
    assert result.periods_created == 53
    assert plan.periods.filter(kind="ten_day").count() == 36
    first_dekad = plan.periods.get(kind="ten_day", number=1)
    assert (first_dekad.start, first_dekad.end) == (dt.date(2023, 1, 1), dt.date(2023, 1, 10))
    # 2023-01-10 was a Tuesday, a working day; the 2023 holiday calendar is known.
    assert first_dekad.deadline == dt.date(2023, 1, 10)
    assert not first_dekad.deadline_is_estimate
    # Late January 2023 was the Spring Festival holiday: the deadline moves to the next working day.
    assert plan.periods.get(kind="ten_day", number=3).deadline == dt.date(2023, 1, 31)
    assert plan.ensure_periods() == 0


def test_periods_of_a_year_the_holiday_calendar_does_not_know_are_estimates():
    result = load_text(MINI_YAML.replace("year: 2023", "year: 2099"))
    assert result.plan.periods.count() == 53
    assert result.plan.periods.filter(deadline_is_estimate=True).exists()


def test_aliases_resolve_to_the_canonical_department():
    load_text(MINI_YAML)
    task = Task.objects.get(section__battle__plan__code="mini-2023", number=1)
    roles = {(r.department.name, r.role) for r in task.responsibilities.select_related("department")}
    assert roles == {("市商务局", "lead"), ("市交警支队", "responsible")}
    exported = dump_plan(export_plan(Plan.objects.get(code="mini-2023")))
    assert "responsible: [市交警支队]" in exported
    assert Department.objects.get(name="市交警支队").aliases.get().name == "市公安局交警支队"


def test_changed_file_updates_rows_in_place_and_deletes_what_is_gone():
    load_text(MINI_YAML)
    task = Task.objects.get(number=1)
    metric = TaskMetric.objects.get(task=task)
    histories = history_rows()
    changed = MINI_YAML.replace("积极开展消费季活动。", "积极开展消费季和汽博会活动。").replace(
        "value: 5000", "value: 5200"
    )
    removed_task = changed[: changed.index("          - number: 2")]
    result = load_text(removed_task)
    task.refresh_from_db()
    metric.refresh_from_db()
    assert task.text == "积极开展消费季和汽博会活动。"
    assert metric.value == Decimal("5200")
    assert not Task.objects.filter(number=2).exists()
    assert result.changes["任务"]["updated"] == 1
    assert result.changes["任务"]["deleted"] == 1
    assert result.changes["任务量化指标"]["updated"] == 1
    # One history row each for the changed task and metric, and deletion rows for the task and its roles.
    assert history_rows() == histories + 2 + 1 + 2


def test_removing_a_task_that_has_reports_is_refused_and_nothing_changes():
    from tasks.models import ProgressReport

    plan = load_text(MINI_YAML).plan
    task = Task.objects.get(number=2)
    lead = task.responsibilities.filter(role="lead").first().department
    period = plan.periods.get(kind="ten_day", number=1)
    ProgressReport.objects.create(task=task, department=lead, period=period, progress="已开展")
    before = table_counts()
    with pytest.raises(PlanFileError) as excinfo:
        load_text(MINI_YAML[: MINI_YAML.index("          - number: 2")])
    assert "1 份进展报告" in str(excinfo.value) and "不能删除" in str(excinfo.value)
    assert table_counts() == before
    assert Task.objects.filter(pk=task.pk).exists()


def test_reordered_task_force_members_are_stored_in_file_order():
    load_text(MINI_YAML)
    load_text(MINI_YAML.replace("members: [市商务局, 市交警支队]", "members: [市交警支队, 市商务局]"))
    exported = export_plan(Plan.objects.get(code="mini-2023"))
    assert exported["battles"][0]["task_force"]["members"] == ["市交警支队", "市商务局"]


def test_dry_run_validates_and_writes_nothing():
    result = load_text(MINI_YAML, dry_run=True)
    assert result.totals()["created"] > 0
    assert table_counts() == dict.fromkeys(table_counts(), 0)
    assert history_rows() == 0


def test_a_second_plan_lives_beside_the_first_without_touching_it():
    first = load_plan(read_plan_file(REAL_PLAN)).plan
    before = dump_plan(export_plan(first))
    departments = Department.objects.count()
    text = REAL_PLAN.read_text(encoding="utf-8")
    text = text.replace("code: huaihua-2023", "code: huaihua-2024").replace("year: 2023", "year: 2024", 1)
    text = text.replace("title: 促进旅游消费恢复", "title: 促进旅游消费全面恢复")
    second = load_plan(parse_plan(text, "huaihua-2024.yaml")).plan
    assert Plan.objects.count() == 2
    assert second.year == 2024 and second.battles.count() == 6
    assert Task.objects.filter(section__battle__plan=second).count() == 170
    assert Task.objects.filter(section__battle__plan=second, title="促进旅游消费全面恢复").exists()
    assert not Task.objects.filter(section__battle__plan=first, title="促进旅游消费全面恢复").exists()
    assert second.periods.filter(start__year=2024).count() == 53
    assert Department.objects.count() == departments  # the department registry is shared
    assert dump_plan(export_plan(first)) == before


BAD_FILES = [
    pytest.param(
        ("lead: [鹤城区]", "lead: [市不存在局]"),
        ["battles[0].sections[0].tasks[1]", "任务 2.推进夜间经济", "“lead”", "未知单位“市不存在局”"],
        id="unknown-department",
    ),
    pytest.param(
        ("          - number: 2\n", "          - number: 1\n"),
        ["battles[0].sections[0].tasks[1]", "“number”", "任务序号 1 在本板块重复"],
        id="duplicate-task-number",
    ),
    pytest.param(
        (
            "        lead: []\n        responsible: []\n        cooperating: []\n        metrics: []\n        tasks:",
            "        tasks: []\n      - number: 1\n        title: 重复板块\n        tasks:",
        ),
        ["battles[0].sections[1]", "板块序号 1 重复"],
        id="duplicate-section-number",
    ),
    pytest.param(
        (
            "    sections:\n",
            "      - {code: '1.01', name: 又一个, comparator: reach, value: 1, unit: 个, kind: level,"
            " frequency: yearly}\n    sections:\n",
        ),
        ["battles[0].targets[1]", "“code”", "指标编号“1.01”重复"],
        id="duplicate-target-code",
    ),
    pytest.param(
        ("value: 780", "value: 七百八十"),
        ["battles[0].targets[0]", "指标 1.01", "“value”", "不是数字：“七百八十”"],
        id="value-not-a-number",
    ),
    pytest.param(
        ("value: 780", "value: null"),
        ["battles[0].targets[0]", "指标 1.01", "“value”", "累计量指标须有目标值"],
        id="target-with-a-unit-but-no-value",
    ),
    pytest.param(
        ("issued_on: 2023-01-30", "issued_on: 2023-02-30"),
        ["第 7 行", "不是有效日期：“2023-02-30”"],
        id="date-that-does-not-exist",
    ),
    pytest.param(
        ("value: 5000", "value: 很多"),
        ["battles[0].sections[0].tasks[0].metrics[0]", "量化指标 接待游客", "“value”", "不是数字"],
        id="metric-value-not-a-number",
    ),
    pytest.param(
        ("comparator: reach", "comparator: greater"),
        ["battles[0].targets[0]", "“comparator”", "未知的比较方式“greater”"],
        id="unknown-comparator",
    ),
    pytest.param(
        ("kind: cumulative", "kind: cumulativ"),
        ["battles[0].targets[0]", "“kind”", "未知的指标类型“cumulativ”"],
        id="unknown-target-kind",
    ),
    pytest.param(
        ("unit: 万人次, kind: cumulative", "unit: 万人次, kind: qualitative"),
        ["battles[0].sections[0].tasks[0].metrics[0]", "“kind”", "未知的量化指标类型“qualitative”"],
        id="metric-kind-qualitative",
    ),
    pytest.param(
        ("frequency: monthly", "frequency: monthly\n        profile: {quarter: [30, 20, 75, 100]}"),
        ["battles[0].targets[0]", "“profile”", "逐期不减"],
        id="profile-decreasing",
    ),
    pytest.param(
        ("frequency: monthly", "frequency: monthly\n        profile: {quarter: [25, 50, 100]}"),
        ["battles[0].targets[0]", "“profile”", "4 个累计占比"],
        id="profile-wrong-length",
    ),
    pytest.param(
        (
            "kind: cumulative\n        frequency: monthly",
            "kind: level\n        frequency: monthly\n        profile: {quarter: [25, 50, 75, 100]}",
        ),
        ["battles[0].targets[0]", "“profile”", "只有累计量和约数指标"],
        id="profile-on-a-level-target",
    ),
    pytest.param(
        ("frequency: monthly", "frequency: daily"),
        ["“frequency”", "未知的调度频次“daily”"],
        id="unknown-frequency",
    ),
    pytest.param(
        ("            basis: task\n            lead: [鹤城区]", "            basis: guess\n            lead: [鹤城区]"),
        ["battles[0].sections[0].tasks[1]", "“basis”", "未知的责任依据“guess”"],
        id="unknown-basis",
    ),
    pytest.param(
        ("kind: county", "kind: village"),
        ["departments[2]", "单位 鹤城区", "“kind”", "未知的单位类别“village”"],
        id="unknown-department-kind",
    ),
    pytest.param(
        ("    short_name: 经济增长\n", ""),
        ["battles[0]", "仗 1 打好经济增长主动仗", "“short_name”", "缺少必填字段"],
        id="missing-required-field",
    ),
    pytest.param(
        ("            lead: [鹤城区]", "            lead: []"),
        ["tasks[1]", "“lead”", "至少要有一个牵头单位"],
        id="task-without-lead",
    ),
    pytest.param(
        ("title: 迷你方案", "title: [迷你方案"),
        ["第 4 行", "YAML 格式错误：方括号 [ ] 中的列表未闭合", "!expected"],
        id="malformed-yaml",
    ),
    pytest.param(
        ("  issuer: 测试办\n", "  issuer: 测试办\n\tyear: 2023\n"),
        ["第 6 行", "YAML 格式错误：含有制表符（Tab）：YAML 只能用空格缩进", "!cannot start"],
        id="tab-indent",
    ),
    pytest.param(
        ("  title: 迷你方案\n", "  title: 迷你方案\n   subtitle: 说明: 有冒号\n"),
        ["YAML 格式错误：此处不能出现“键: 值”", "!not allowed"],
        id="unquoted-colon",
    ),
    pytest.param(
        ("value: 780", "value: -780"),
        ["battles[0].targets[0]", "指标 1.01 社会消费品零售总额", "“value”", "累计量指标的目标值不能为负数"],
        id="negative-cumulative-target",
    ),
    pytest.param(
        ("    aliases: [鹤城]", "    aliases: [鹤城]\n  - name: 市商务局\n    kind: municipal\n    aliases: []"),
        ["departments[3]", "“name”", "“市商务局”重复"],
        id="duplicate-department-name",
    ),
    pytest.param(
        ("    aliases: [鹤城]", "    aliases: [鹤城, 市公安局交警支队]"),
        ["departments[2]", "“aliases”", "“市公安局交警支队”重复"],
        id="duplicate-alias",
    ),
    pytest.param(
        ("  year: 2023\n", "  year: 2023\n  year: 2024\n"),
        ["第 7 行", "重复的键“year”"],
        id="duplicate-yaml-key",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BAD_FILES)
def test_bad_file_is_refused_with_a_message_naming_file_record_and_field(change, expected):
    old, new = change
    assert old in MINI_YAML
    with pytest.raises(PlanFileError) as excinfo:
        load_text(MINI_YAML.replace(old, new, 1), filename="bad-plan.yaml")
    message = str(excinfo.value)
    assert "bad-plan.yaml" in message
    assert "未写入任何数据" in message
    for fragment in expected:
        if fragment.startswith("!"):  # PyYAML's English words must not reach the admin
            assert fragment[1:] not in message
        else:
            assert fragment in message
    assert table_counts() == dict.fromkeys(table_counts(), 0)
    assert history_rows() == 0


def test_several_errors_are_reported_together():
    text = MINI_YAML.replace("value: 780", "value: abc").replace("lead: [鹤城区]", "lead: [无名局]")
    with pytest.raises(PlanFileError) as excinfo:
        parse_plan(text, "bad.yaml")
    assert len(excinfo.value.errors) == 2


def test_an_alias_that_names_another_department_in_the_database_is_refused(departments):
    # 市统计局 exists (shared fixture) as a department of its own; a file may not make it an alias.
    text = MINI_YAML.replace("aliases: [鹤城]", "aliases: [鹤城, 市统计局]")
    before = table_counts()
    with pytest.raises(PlanFileError, match="别名“市统计局”"):
        load_text(text)
    assert table_counts() == before


def test_load_plan_command_prints_a_summary(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    out = StringIO()
    call_command("load_plan", str(path), stdout=out)
    text = out.getvalue()
    assert "仗 1，任务板块 1，任务 2，目标指标 1，量化指标 1" in text
    assert "单位 3" in text
    assert "新建报送期 53" in text
    out = StringIO()
    call_command("load_plan", str(path), stdout=out)
    assert "新建 0，更新 0" in out.getvalue()


def test_load_plan_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    out = StringIO()
    call_command("load_plan", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue()
    assert "任务 2" in out.getvalue()
    assert not Plan.objects.exists()
    assert not Department.objects.exists()


def test_load_plan_command_refuses_an_excel_file_saying_what_it_is_and_loads_nothing(tmp_path):
    import openpyxl

    path = tmp_path / "plan.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编号", "指标"])
    book.save(path)
    with pytest.raises(CommandError, match="是 Excel 或 Word 文件，不是规划文件"):
        call_command("load_plan", str(path))
    assert table_counts() == dict.fromkeys(table_counts(), 0)


def test_load_plan_command_refuses_a_bad_file_with_the_reasons(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINI_YAML.replace("value: 780", "value: 许多"), encoding="utf-8")
    with pytest.raises(CommandError, match="不是数字"):
        call_command("load_plan", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("load_plan", str(tmp_path / "missing.yaml"))
    assert not Plan.objects.exists()


def test_export_plan_command_writes_the_plan_to_stdout_or_a_file(tmp_path):
    load_text(MINI_YAML)
    out = StringIO()
    call_command("export_plan", "mini-2023", stdout=out)
    assert parse_plan(out.getvalue(), "stdout") == parse_plan(MINI_YAML)
    target = tmp_path / "out.yaml"
    call_command("export_plan", "mini-2023", "-o", str(target), stderr=StringIO())
    assert read_plan_file(target) == parse_plan(MINI_YAML)
    with pytest.raises(CommandError, match="没有代码为“nope”的方案"):
        call_command("export_plan", "nope")


def test_in_english_a_refused_file_names_the_line_and_the_field_in_english():
    text = MINI_YAML.replace("value: 780", "value: abc")
    with translation.override("en"):
        with pytest.raises(PlanFileError) as excinfo:
            parse_plan(text, "bad.yaml")
        message = str(excinfo.value)  # its header is worded when printed
    assert "bad.yaml line 29 battles[0].targets[0]" in message
    assert 'Field "value": Not a number: "abc"' in message
    assert "第" not in message and "：" not in message


def test_in_english_the_load_summary_separates_its_counts_with_english_commas(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    out = StringIO()
    with translation.override("en"):
        call_command("load_plan", str(path), stdout=out)
    text = out.getvalue()
    assert "Battle 1, Task section 1, Task 2, Targets 1, Metric 1" in text
    assert "0 deleted; 53 reporting periods created." in text
    assert "，" not in text and "：" not in text
