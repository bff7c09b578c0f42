"""The complete 2023 plan file against the document it was taken from."""

from decimal import Decimal

import pytest

from targets.models import Battle, Plan, Target
from tasks.models import Responsibility, Section, Task, TaskMetric
from tasks.plan_file import load_plan, read_plan_file
from tasks.tests.plan_files import DOCUMENT, REAL_PLAN

OFFICES = ["市发展改革委", "市科技局", "市优化办", "市财政局", "市应急局", "市人力资源社会保障局"]


@pytest.fixture
def real_plan(db):
    return load_plan(read_plan_file(REAL_PLAN)).plan


@pytest.fixture
def document():
    if not DOCUMENT.exists():
        pytest.skip(f"the plan document is not beside the checkout ({DOCUMENT})")
    return DOCUMENT.read_text(encoding="utf-8")


def roles_of(task):
    result = {"lead": [], "responsible": [], "cooperating": []}
    for r in task.responsibilities.select_related("department").order_by("order", "id"):
        result[r.role].append(r.department.name)
    return result


def test_real_plan_has_six_battles_26_sections_and_170_tasks(real_plan):
    assert real_plan.document_number == "怀政办发〔2023〕4号"
    assert list(real_plan.battles.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert Section.objects.filter(battle__plan=real_plan).count() == 26
    assert Task.objects.filter(section__battle__plan=real_plan).count() == 170
    per_battle = [
        Task.objects.filter(section__battle__plan=real_plan, section__battle__number=n).count() for n in range(1, 7)
    ]
    assert per_battle == [36, 24, 19, 40, 29, 22]


def test_every_real_task_has_at_least_one_lead(real_plan):
    tasks = Task.objects.filter(section__battle__plan=real_plan)
    led = tasks.filter(responsibilities__role=Responsibility.Role.LEAD).distinct()
    assert tasks.count() == led.count() == 170


def test_real_task_force_offices(real_plan):
    battles = Battle.objects.filter(plan=real_plan).select_related("task_force__office").order_by("number")
    assert [b.task_force.office.name for b in battles] == OFFICES
    assert all(b.task_force.members.exists() for b in battles)


# (battle, section, task) -> title, lead, responsible (first ones), basis; read off the document by hand.
SAMPLE_TASKS = [
    ((1, 1, 1), "开展系列消费促进活动", ["市商务局"], ["市发展改革委"], "task"),
    ((1, 1, 3), "促进旅游消费恢复", ["市文化旅游广电体育局"], [], "task"),
    ((1, 2, 4), "加快信息基础设施建设", ["市工业和信息化局"], [], "task"),
    ((1, 2, 5), "加强农业基础设施建设", ["市农业农村局"], ["市发展改革委"], "task"),
    (
        (1, 3, 1),
        "加快建设一流国际陆港",
        ["怀化国际陆港经开区管委会"],
        ["市商务局", "市交通运输局", "市发展改革委", "怀化海关"],
        "task",
    ),
    (
        (1, 5, 3),
        "发挥新型城镇化的带动引领作用",
        ["市住房城乡建设局"],
        ["市发展改革委", "市水利局", "市生态环境局"],
        "first_named",
    ),
    ((2, 1, 1), "新型显示产业链", None, None, "section"),
    ((4, 1, 1), "严格遏制新增政府隐性债务", ["市财政局"], None, "section"),
    ((5, 3, 1), "强化源头管控", ["市应急局"], None, "task_force_office"),
    ((6, None, None), "加快城镇老旧小区改造", ["市住房城乡建设局", "国网怀化供电分公司"], None, "task"),
]


def find_task(plan, key, title):
    battle, section, number = key
    tasks = Task.objects.filter(section__battle__plan=plan, section__battle__number=battle, title=title)
    if section is not None:
        tasks = tasks.filter(section__number=section, number=number)
    return tasks.get()


def test_sample_tasks_match_the_document_word_for_word(real_plan, document):
    for key, title, lead, responsible, basis in SAMPLE_TASKS:
        task = find_task(real_plan, key, title)
        # The task sentence up to its responsibility parenthesis is in the document exactly.
        assert f"{task.number}.{task.title}。{task.text}" in document, title
        assert task.basis == basis, title
        roles = roles_of(task)
        assert roles["lead"], title
        if lead is not None:
            assert roles["lead"] == lead, title
        if responsible is not None:
            assert roles["responsible"][: len(responsible)] == responsible, title


# Metrics named in the issue and others, read off the document: (task title, name fragment, comparator, value, unit).
SAMPLE_METRICS = [
    ("加快信息基础设施建设", "5G基站", "reach", "800", "个"),
    ("促进旅游消费恢复", "接待游客", "reach", "5000", "万人次"),
    ("促进旅游消费恢复", "旅游总收入", "reach", "470", "亿元"),
    ("加强农业基础设施建设", "高标准农田", "reach", "34.88", "万亩"),
    ("加快建设一流国际陆港", "国际班列", "at_least", "300", "列"),
    ("发挥新型城镇化的带动引领作用", "老旧小区", "reach", "461", "个"),
]


def test_sample_metrics_match_the_document(real_plan, document):
    for title, name, comparator, value, unit in SAMPLE_METRICS:
        metric = TaskMetric.objects.get(
            task__section__battle__plan=real_plan,
            task__section__battle__number=1,
            task__title=title,
            name__contains=name,
        )
        assert (metric.comparator, metric.value, metric.unit) == (comparator, Decimal(value), unit), name
        assert metric.source in document, name
        assert value in metric.source and unit in metric.source, name


def test_every_real_task_and_metric_is_verbatim_in_the_document(real_plan, document):
    missing = [
        f"{t.section.battle.number}.{t.section.number}.{t.number} {t.title}"
        for t in Task.objects.filter(section__battle__plan=real_plan).select_related("section__battle")
        if f"{t.number}.{t.title}。{t.text}" not in document
    ]
    assert missing == []
    metrics = TaskMetric.objects.filter(section__battle__plan=real_plan).select_related("task", "section")
    # A metric's source is a fragment of its own task (title included) or section paragraph.
    own_text = {
        m.pk: f"{m.task.title}。{m.task.text}" if m.task else f"{m.section.title}。{m.section.text}" for m in metrics
    }
    assert [m.source for m in metrics if m.source not in own_text[m.pk]] == []


def test_real_targets_keep_their_source_sentences(real_plan, document):
    gdp = Target.objects.get(battle__plan=real_plan, code="1.01")
    assert (gdp.comparator, gdp.value, gdp.unit, gdp.kind) == ("at_least", Decimal("7.5"), "%", "growth_rate")
    assert "地区生产总值增长7.5%以上" in gdp.general_plan_source
    targets = Target.objects.filter(battle__plan=real_plan)
    assert targets.count() == 42
    assert [t.code for t in targets if t.source and t.source not in document] == []
    assert Plan.objects.get(code="huaihua-2023").periods.count() == 53
