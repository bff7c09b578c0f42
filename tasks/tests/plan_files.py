"""Helpers for the plan-file tests: the real 2023 file and a small valid file to break."""

from pathlib import Path

from django.conf import settings

REAL_PLAN = Path(settings.BASE_DIR) / "fixtures" / "huaihua-2023.yaml"
# The plan as published sits beside the checkout (../shared); a worktree one level deeper looks one further up.
DOCUMENT = next(
    (
        base / "shared" / "plan" / "huaihua-2023-six-battles.txt"
        for base in (Path(settings.BASE_DIR).parent, Path(settings.BASE_DIR).parent.parent)
        if (base / "shared" / "plan" / "huaihua-2023-six-battles.txt").exists()
    ),
    Path(settings.BASE_DIR).parent / "shared" / "plan" / "huaihua-2023-six-battles.txt",
)

MINI_YAML = """\
plan:
  code: mini-2023
  title: 迷你方案
  document_number: 测试〔2023〕1号
  issuer: 测试办
  year: 2023
  issued_on: 2023-01-30
departments:
  - name: 市商务局
    kind: municipal
    aliases: []
  - name: 市交警支队
    kind: municipal
    aliases: [市公安局交警支队]
  - name: 鹤城区
    kind: county
    aliases: [鹤城]
battles:
  - number: 1
    name: 打好经济增长主动仗
    short_name: 经济增长
    task_force:
      name: 经济增长专班
      convener: 市政府常务副市长
      deputy_conveners: [市政府各分管副市长]
      office: 市商务局
      members: [市商务局, 市交警支队]
    targets:
      - code: '1.01'
        name: 社会消费品零售总额
        comparator: reach
        value: 780
        unit: 亿元
        kind: cumulative
        frequency: monthly
        departments: [市商务局]
        by_area: true
        source: 力争社会消费品零售总额达到780亿元
    sections:
      - number: 1
        title: 激发释放消费潜力
        text: 力争社会消费品零售总额达到780亿元。
        lead: []
        responsible: []
        cooperating: []
        metrics: []
        tasks:
          - number: 1
            title: 开展系列消费促进活动
            text: 积极开展消费季活动。
            basis: task
            lead: [市商务局]
            responsible: [市公安局交警支队]
            cooperating: []
            metrics:
              - {name: 接待游客, comparator: at_least, value: 5000, unit: 万人次, kind: cumulative,
                 source: 接待游客5000万人次}
          - number: 2
            title: 推进夜间经济
            text: 打造夜间消费街区。
            basis: task
            lead: [鹤城区]
            responsible: []
            cooperating: [市商务局]
            metrics: []
"""


def history_rows():
    """Total number of django-simple-history rows of every tracked model."""
    from django.apps import apps

    return sum(m.objects.count() for m in apps.get_models() if m.__name__.startswith("Historical"))
