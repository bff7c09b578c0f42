"""Plan files (docs/plan-format.md): parse and validate, load in one transaction, export back.

    data = parse_plan(text, filename)          # normalized dicts, or PlanFileError listing every problem
    result = load_plan(data)                   # atomic; update in place by natural keys
    text = dump_plan(export_plan(plan))        # the same YAML shape

`parse_plan` touches no database. Its output is the normalized form (every optional field filled
in, values as Decimal, department references as canonical names), and `export_plan` returns the
same form, so `parse_plan(dump_plan(export_plan(plan))) == parse_plan(original)` is the round trip.

Loading twice changes nothing: each row is compared with the file before it is saved, so an
unchanged file writes no row and no history record. Departments are a registry shared by all
plans: a file updates the kind and aliases of the departments it lists and never deletes one,
and the export writes the whole registry (the counties a plan breaks targets down by are named
in no task, yet belong in the file).
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from targets.models import (
    Battle,
    Comparator,
    Department,
    DepartmentAlias,
    Frequency,
    Plan,
    Target,
    TaskForce,
    target_value_error,
)
from targets.schedule import kind_from_words
from tasks import summaries
from tasks.models import Responsibility, Section, Task, TaskMetric, section_label

ROLES = ("lead", "responsible", "cooperating")
VALUE_MAX_DIGITS = 16
VALUE_DECIMAL_PLACES = 4


class PlanFileError(Exception):
    """A plan file that cannot be loaded; `errors` lists every problem found, one line each."""

    def __init__(self, filename, errors):
        self.filename = filename
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self):
        header = _("规划文件 %(file)s 有 %(count)d 处错误，未写入任何数据：") % {
            "file": self.filename,
            "count": len(self.errors),
        }
        return "\n".join([header, *("  " + error for error in self.errors)])


# --- YAML with line numbers -------------------------------------------------------------------


class LineDict(dict):
    """A mapping that remembers the line of the file it came from."""

    line = None


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in mapping
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, _("键不能是列表或映射"), key_node.start_mark) from None
        if duplicate:
            # PyYAML would silently keep the last value; a repeated key is almost always a mistake.
            raise yaml.constructor.ConstructorError(None, None, _("重复的键“%s”") % key, key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader, node):
    # PyYAML raises a bare ValueError for a date that looks right but does not exist (2023-02-30).
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, _("不是有效日期：“%s”") % node.value, node.start_mark
        ) from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


# --- validation -------------------------------------------------------------------------------


@dataclass
class Where:
    """A record of the file: its path (battles[0].sections[1]), a readable label and its line."""

    path: str
    label: str = ""
    line: int | None = None

    def child(self, path, label, record):
        return Where(f"{self.path}.{path}" if self.path else path, label, getattr(record, "line", None))


def _short(text, length=12):
    text = str(text or "")
    return text if len(text) <= length else text[:length] + "…"


def _limit(model, name):
    return model._meta.get_field(name).max_length


def _choice_codes(choices):
    return {value for value, _label in choices}


DEPARTMENT_KINDS = _choice_codes(Department.Kind.choices)
COMPARATORS = _choice_codes(Comparator.choices)
TARGET_KINDS = _choice_codes(Target.Kind.choices)
# A metric is a figure in the task text: every kind but "qualitative" (judged from task reports).
METRIC_KINDS = TARGET_KINDS - {Target.Kind.QUALITATIVE.value}
# Kinds a profile (expected cumulative share per period) applies to: those judged against 序时进度.
PROFILE_KINDS = {Target.Kind.CUMULATIVE.value, Target.Kind.APPROXIMATE.value}
PROFILE_PERIODS = {"month": 12, "quarter": 4}
FREQUENCIES = _choice_codes(Frequency.choices)
BASES = _choice_codes(Task.Basis.choices)


class _Checker:
    """Walks the raw YAML, collecting every error and building the normalized form."""

    def __init__(self, filename):
        self.filename = filename
        self.errors = []
        self.canonical = {}  # name or alias -> canonical name

    def error(self, where, key, message):
        line = _("第 %(line)d 行") % {"line": where.line} + " " if where.line else ""
        label = f"（{where.label}）" if where.label else ""
        fieldname = _("字段“%s”：") % key if key else ""
        self.errors.append(f"{self.filename} {line}{where.path}{label} {fieldname}{message}")

    # Field readers: each returns a usable value even after an error, so checking goes on.

    def mapping(self, value, where, key=None):
        if isinstance(value, dict):
            return value
        self.error(where, key, _("应为映射（键: 值），实际是 %s") % _type_name(value))
        return LineDict()

    def items(self, record, key, where, required=True):
        if key not in record or record[key] is None:
            if required and key not in record:
                self.error(where, key, _("缺少必填字段"))
            return []
        value = record[key]
        if not isinstance(value, list):
            self.error(where, key, _("应为列表，实际是 %s") % _type_name(value))
            return []
        return value

    def text(self, record, key, where, required=False, default="", limit=None):
        if key not in record:
            if required:
                self.error(where, key, _("缺少必填字段"))
            return default
        value = record[key]
        if value is None:
            if required:
                self.error(where, key, _("不能为空"))
            return default
        if isinstance(value, bool) or isinstance(value, (list, dict)):
            self.error(where, key, _("应为文字，实际是 %s") % _type_name(value))
            return default
        value = str(value).strip()
        if required and not value:
            self.error(where, key, _("不能为空"))
        if limit and len(value) > limit:
            self.error(where, key, _("过长：%(n)d 个字，至多 %(limit)d 个") % {"n": len(value), "limit": limit})
        return value

    def integer(self, record, key, where, required=True):
        if key not in record:
            if required:
                self.error(where, key, _("缺少必填字段"))
            return None
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, key, _("应为整数，实际是“%s”") % value)
            return None
        if value < 1:
            self.error(where, key, _("应为正整数，实际是 %s") % value)
            return None
        return value

    def boolean(self, record, key, where):
        value = record.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(where, key, _("应为 true 或 false，实际是“%s”") % value)
            return False
        return value

    def number(self, record, key, where, nullable):
        if key not in record:
            self.error(where, key, _("缺少必填字段"))
            return None
        value = record[key]
        if value is None:
            if not nullable:
                self.error(where, key, _("不能为空，应为数字"))
            return None
        if isinstance(value, bool):
            self.error(where, key, _("不是数字：“%s”") % value)
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(where, key, _("不是数字：“%s”") % value)
            return None
        if not number.is_finite():
            self.error(where, key, _("不是数字：“%s”") % value)
            return None
        sign, digits, exponent = number.normalize().as_tuple()
        decimals = max(-exponent, 0)
        integer_digits = max(len(digits) + exponent, 0)
        if decimals > VALUE_DECIMAL_PLACES or integer_digits > VALUE_MAX_DIGITS - VALUE_DECIMAL_PLACES:
            self.error(
                where,
                key,
                _("数值“%(value)s”超出范围（至多 %(int)d 位整数、%(dec)d 位小数）")
                % {"value": value, "int": VALUE_MAX_DIGITS - VALUE_DECIMAL_PLACES, "dec": VALUE_DECIMAL_PLACES},
            )
            return None
        return number.normalize() if decimals else number.quantize(Decimal(1))

    def choice(self, record, key, where, codes, what, default=None):
        if key not in record or record[key] is None:
            if default is not None:
                return default
            self.error(where, key, _("缺少必填字段"))
            return None
        value = record[key]
        if not isinstance(value, str) or value not in codes:
            self.error(
                where,
                key,
                _("未知的%(what)s“%(value)s”，可用：%(codes)s")
                % {"what": what, "value": value, "codes": "、".join(sorted(codes))},
            )
            return None
        return value

    def date(self, record, key, where):
        value = record.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(where, key, _("不是日期（应写作 2023-01-30）：“%s”") % value)
            return None

    def strings(self, record, key, where):
        result = []
        for value in self.items(record, key, where, required=False):
            if isinstance(value, (list, dict)) or value is None:
                self.error(where, key, _("列表中应为文字，实际是 %s") % _type_name(value))
                continue
            result.append(str(value).strip())
        return result

    def department(self, value, where, key):
        if not isinstance(value, str) or not value.strip():
            self.error(where, key, _("单位应为名称文字，实际是 %s") % _type_name(value))
            return None
        name = self.canonical.get(value.strip())
        if name is None:
            self.error(where, key, _("未知单位“%s”（不在 departments 名录中）") % value)
        return name

    def departments(self, record, key, where, required=False):
        names = []
        for value in self.items(record, key, where, required=required):
            name = self.department(value, where, key)
            if name is None:
                continue
            if name in names:
                self.error(where, key, _("单位“%s”重复") % name)
                continue
            names.append(name)
        return names


def _type_name(value):
    if value is None:
        return _("空值")
    if isinstance(value, list):
        return _("列表")
    if isinstance(value, dict):
        return _("映射")
    return f"“{value}”"


# PyYAML states its problems in English; the ones a hand edit of a plan file runs into, in Chinese
# with the likely cause. Any other is shown as PyYAML words it, after a Chinese lead.
YAML_PROBLEMS = [
    (
        "mapping values are not allowed here",
        gettext_noop("此处不能出现“键: 值”：多半是缩进不对，或文字中有未加引号的冒号"),
    ),
    ("could not find expected ':'", gettext_noop("缺少“键: 值”的冒号（冒号后须有空格），或上一行的引号未闭合")),
    ("'\\t' that cannot start any token", gettext_noop("含有制表符（Tab）：YAML 只能用空格缩进")),
    ("that cannot start any token", gettext_noop("此处的字符不能作为开头：以 @、` 等符号开头的文字请加引号")),
    ("expected <block end>", gettext_noop("缩进不一致：同一层的各项应左对齐")),
    ("expected ',' or ']'", gettext_noop("方括号 [ ] 中的列表未闭合，或各项之间缺少逗号")),
    ("expected ',' or '}'", gettext_noop("花括号 { } 未闭合，或各项之间缺少逗号")),
    ("found unexpected end of stream", gettext_noop("文件意外结束：有引号或括号未闭合")),
    ("found undefined alias", gettext_noop("引用了未定义的锚点（*名称）")),
    (
        "could not determine a constructor",
        gettext_noop("不支持的标签（!!…）：规划文件只能含文字、数字、日期、列表和映射"),
    ),
    (
        "found unknown escape character",
        gettext_noop("双引号文字中有无法识别的转义（\\…）：反斜杠请写两个，或改用单引号"),
    ),
    ("expected a single document", gettext_noop("文件中有多个文档（---）：一个规划文件只能有一个")),
    ("special characters are not allowed", gettext_noop("含有不允许的控制字符")),
]


def _yaml_problem(exc):
    problem = getattr(exc, "problem", None) or str(exc)
    for words, explained in YAML_PROBLEMS:
        if words in problem:
            return _(explained)
    return problem


def parse_plan(text, filename="<plan>"):
    """Parse and validate a plan file's text; the normalized data or PlanFileError."""
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = _("第 %(line)d 行第 %(column)d 列") % {"line": mark.line + 1, "column": mark.column + 1} if mark else ""
        problem = _yaml_problem(exc)
        raise PlanFileError(filename, [f"{filename} {where} " + _("YAML 格式错误：%s") % problem]) from None
    checker = _Checker(filename)
    data = _check_plan(checker, raw)
    if checker.errors:
        raise PlanFileError(filename, checker.errors)
    return data


def read_plan_file(path):
    """Read and parse a plan file from disk."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError(str(path), [_("文件不存在：%s") % path]) from None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        # A zip (.xlsx, .docx) or an old Office file: say what it is, not "not UTF-8".
        raise PlanFileError(
            str(path),
            [
                _(
                    "%s 是 Excel 或 Word 文件，不是规划文件：规划文件是 UTF-8 编码的 YAML 文本"
                    "（格式见 docs/plan-format.md）；Word 方案请先用 read_plan 读取为规划文件"
                )
                % path
            ],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileError(str(path), [_("文件不是 UTF-8 编码：%s") % path]) from None
    return parse_plan(text, str(path))


def _check_plan(c, raw):
    top = Where(_("文件"))
    if not isinstance(raw, dict):
        c.error(top, None, _("顶层应为映射，包含 plan、departments、battles"))
        return None
    plan_raw = c.mapping(raw["plan"], Where("plan")) if "plan" in raw else None
    if plan_raw is None:
        c.error(top, "plan", _("缺少必填字段"))
        plan_raw = LineDict()
    where = Where("plan", "", getattr(plan_raw, "line", None))
    code = c.text(plan_raw, "code", where, required=True, limit=_limit(Plan, "code"))
    if code and not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        c.error(where, "code", _("代码只能用英文字母、数字、- 和 _：“%s”") % code)
    plan = {
        "code": code,
        "title": c.text(plan_raw, "title", where, required=True, limit=_limit(Plan, "title")),
        "document_number": c.text(plan_raw, "document_number", where, limit=_limit(Plan, "document_number")),
        "issuer": c.text(plan_raw, "issuer", where, limit=_limit(Plan, "issuer")),
        "year": c.integer(plan_raw, "year", where),
        "issued_on": c.date(plan_raw, "issued_on", where),
        "published_on": c.date(plan_raw, "published_on", where),
    }
    if plan["year"] is not None and not 2000 <= plan["year"] <= 2100:
        c.error(where, "year", _("年度应在 2000–2100 之间：%s") % plan["year"])

    departments = _check_departments(c, c.items(raw, "departments", top))
    battles = []
    numbers = {}
    target_codes = {}
    for i, battle_raw in enumerate(c.items(raw, "battles", top)):
        battle = _check_battle(c, battle_raw, Where(f"battles[{i}]"), target_codes)
        if battle["number"] is not None:
            if battle["number"] in numbers:
                c.error(
                    Where(f"battles[{i}]", battle["name"], getattr(battle_raw, "line", None)),
                    "number",
                    _("仗序号 %(n)s 重复（与 battles[%(other)d] 相同）")
                    % {"n": battle["number"], "other": numbers[battle["number"]]},
                )
            numbers.setdefault(battle["number"], i)
        battles.append(battle)
    return {"plan": plan, "departments": departments, "battles": battles}


def _check_departments(c, items):
    departments = []
    seen = {}  # name or alias -> where first used
    for i, raw in enumerate(items):
        where = Where(f"departments[{i}]", "", getattr(raw, "line", None))
        raw = c.mapping(raw, where)
        name = c.text(raw, "name", where, required=True, limit=_limit(Department, "name"))
        where.label = _("单位 %s") % name if name else ""
        kind = c.choice(raw, "kind", where, DEPARTMENT_KINDS, _("单位类别"))
        aliases = c.strings(raw, "aliases", where)
        for alias in aliases:
            if len(alias) > _limit(DepartmentAlias, "name"):
                c.error(where, "aliases", _("别名“%s”过长") % alias)
        for key, value in [("name", name)] + [("aliases", alias) for alias in aliases]:
            if not value:
                continue
            if value in seen:
                c.error(where, key, _("名称或别名“%(v)s”重复（已见于 %(other)s）") % {"v": value, "other": seen[value]})
                continue
            seen[value] = f"departments[{i}]"
            if name:
                c.canonical[value] = name
        departments.append({"name": name, "kind": kind, "aliases": [a for a in aliases if a]})
    return departments


def _check_battle(c, raw, where, target_codes):
    where = Where(where.path, "", getattr(raw, "line", None))
    raw = c.mapping(raw, where)
    number = c.integer(raw, "number", where)
    name = c.text(raw, "name", where, required=True, limit=_limit(Battle, "name"))
    where.label = _("仗 %(n)s %(name)s") % {"n": number, "name": name}
    battle = {
        "number": number,
        "name": name,
        "short_name": c.text(raw, "short_name", where, required=True, limit=_limit(Battle, "short_name")),
        "work_plan_title": c.text(raw, "work_plan_title", where, limit=_limit(Battle, "work_plan_title")),
        "general_goal": c.text(raw, "general_goal", where),
        "task_force": None,
        "targets": [],
        "sections": [],
    }
    if "task_force" not in raw:
        c.error(where, "task_force", _("缺少必填字段"))
    else:
        tf_where = where.child("task_force", _("工作专班"), raw["task_force"])
        tf_raw = c.mapping(raw["task_force"], tf_where)
        battle["task_force"] = {
            "name": c.text(tf_raw, "name", tf_where, required=True, limit=_limit(TaskForce, "name")),
            "convener": c.text(tf_raw, "convener", tf_where, required=True, limit=_limit(TaskForce, "convener")),
            "deputy_conveners": c.strings(tf_raw, "deputy_conveners", tf_where),
            "office": c.department(tf_raw.get("office"), tf_where, "office") if "office" in tf_raw else None,
            "members": c.departments(tf_raw, "members", tf_where),
            "source": c.text(tf_raw, "source", tf_where),
        }
        if "office" not in tf_raw:
            c.error(tf_where, "office", _("缺少必填字段"))

    for j, target_raw in enumerate(c.items(raw, "targets", where, required=False)):
        target = _check_target(c, target_raw, where.child(f"targets[{j}]", "", target_raw))
        if target["code"]:
            t_where = where.child(f"targets[{j}]", _("指标 %s") % target["code"], target_raw)
            if target["code"] in target_codes:
                c.error(
                    t_where,
                    "code",
                    _("指标编号“%(code)s”重复（已见于 %(other)s）")
                    % {"code": target["code"], "other": target_codes[target["code"]]},
                )
            target_codes.setdefault(target["code"], t_where.path)
        battle["targets"].append(target)

    section_numbers = {}
    for j, section_raw in enumerate(c.items(raw, "sections", where, required=False)):
        s_where = where.child(f"sections[{j}]", "", section_raw)
        section = _check_section(c, section_raw, s_where)
        if section["number"] is not None:
            if section["number"] in section_numbers:
                c.error(
                    s_where,
                    "number",
                    _("板块序号 %(n)s 重复（与 sections[%(other)d] 相同）")
                    % {"n": section["number"], "other": section_numbers[section["number"]]},
                )
            section_numbers.setdefault(section["number"], j)
        battle["sections"].append(section)
    return battle


def _check_target(c, raw, where):
    raw = c.mapping(raw, where)
    code = c.text(raw, "code", where, required=True, limit=_limit(Target, "code"))
    name = c.text(raw, "name", where, required=True, limit=_limit(Target, "name"))
    where.label = _("指标 %(code)s %(name)s") % {"code": code, "name": _short(name)}
    kind = c.choice(raw, "kind", where, TARGET_KINDS, _("指标类型"))
    value = c.number(raw, "value", where, nullable=True)
    # A figure that failed to parse is reported already; judge only a given one or an explicit null.
    if value is not None or raw.get("value", 0) is None:
        value_error = target_value_error(kind, value)
        if value_error:
            c.error(where, "value", value_error)
    return {
        "code": code,
        "name": name,
        "comparator": c.choice(raw, "comparator", where, COMPARATORS, _("比较方式")),
        "value": value,
        "unit": c.text(raw, "unit", where, limit=_limit(Target, "unit")),
        "amount_unit": c.text(raw, "amount_unit", where, limit=_limit(Target, "amount_unit")),
        "kind": kind,
        "frequency": c.choice(raw, "frequency", where, FREQUENCIES, _("调度频次")),
        "profile": _check_profile(c, raw, where),
        "departments": c.departments(raw, "departments", where),
        "departments_inferred": c.boolean(raw, "departments_inferred", where),
        "by_area": c.boolean(raw, "by_area", where),
        "source": c.text(raw, "source", where),
        "general_plan_source": c.text(raw, "general_plan_source", where),
    }


def _check_profile(c, raw, where):
    """Optional expected cumulative shares of the year (percent) at the end of each month or
    quarter, e.g. {quarter: [22.6, 47.3, 72.4, 100]}; only for kinds judged against 序时进度.
    Stored as numbers in a JSON field, so returned as ints and floats."""
    value = raw.get("profile")
    if value is None:
        return None
    if raw.get("kind") not in PROFILE_KINDS:
        c.error(where, "profile", _("只有累计量和约数指标可以设序时进度曲线"))
        return None
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in PROFILE_PERIODS:
        c.error(where, "profile", _("应写作 {quarter: [4个数]} 或 {month: [12个数]}"))
        return None
    kind, shares = next(iter(value.items()))
    count = PROFILE_PERIODS[kind]
    if not isinstance(shares, list) or len(shares) != count:
        c.error(where, "profile", _("%(kind)s 应有 %(n)d 个累计占比（%%）") % {"kind": kind, "n": count})
        return None
    numbers = []
    for share in shares:
        number = None if isinstance(share, bool) else share
        if not isinstance(number, (int, float)) or not 0 < number <= 100:
            c.error(where, "profile", _("累计占比应为 0–100 之间的数，实际是“%s”") % share)
            return None
        numbers.append(number)
    if numbers != sorted(numbers) or numbers[-1] != 100:
        c.error(where, "profile", _("累计占比应逐期不减，最后一期为 100"))
        return None
    return {kind: numbers}


def _check_roles(c, raw, where):
    roles = {role: c.departments(raw, role, where) for role in ROLES}
    seen = {}
    for role in ROLES:
        for name in roles[role]:
            if name in seen:
                c.error(
                    where,
                    role,
                    _("单位“%(name)s”已列为 %(other)s，同一单位只能有一个角色") % {"name": name, "other": seen[name]},
                )
            seen.setdefault(name, role)
    return roles


def _check_metrics(c, raw, where):
    metrics = []
    for k, metric_raw in enumerate(c.items(raw, "metrics", where, required=False)):
        m_where = where.child(f"metrics[{k}]", "", metric_raw)
        metric_raw = c.mapping(metric_raw, m_where)
        name = c.text(metric_raw, "name", m_where, required=True, limit=_limit(TaskMetric, "name"))
        m_where.label = _("量化指标 %s") % _short(name)
        metric = {
            "name": name,
            "comparator": c.choice(metric_raw, "comparator", m_where, COMPARATORS, _("比较方式")),
            "value": c.number(metric_raw, "value", m_where, nullable=False),
            "unit": c.text(metric_raw, "unit", m_where, limit=_limit(TaskMetric, "unit")),
            # Omitted (a hand-written or older file): the kind the words give (docs/plan-format.md).
            "kind": c.choice(
                metric_raw,
                "kind",
                m_where,
                METRIC_KINDS,
                _("量化指标类型"),
                default=kind_from_words(
                    metric_raw.get("comparator"), str(metric_raw.get("unit") or ""), str(name or "")
                ),
            ),
            "source": c.text(metric_raw, "source", m_where),
        }
        if metric["value"] is not None:
            value_error = target_value_error(metric["kind"], metric["value"])
            if value_error:
                c.error(m_where, "value", value_error)
        metrics.append(metric)
    return metrics


def _check_section(c, raw, where):
    raw = c.mapping(raw, where)
    number = c.integer(raw, "number", where)
    title = c.text(raw, "title", where, required=True, limit=_limit(Section, "title"))
    where.label = _("板块 %(label)s%(title)s") % {
        "label": section_label(number) if number else "",
        "title": _short(title),
    }
    section = {"number": number, "title": title, "text": c.text(raw, "text", where)}
    section.update(_check_roles(c, raw, where))
    section["metrics"] = _check_metrics(c, raw, where)
    section["tasks"] = []
    task_numbers = {}
    for k, task_raw in enumerate(c.items(raw, "tasks", where, required=False)):
        t_where = where.child(f"tasks[{k}]", "", task_raw)
        task_raw = c.mapping(task_raw, t_where)
        task_number = c.integer(task_raw, "number", t_where)
        task_title = c.text(task_raw, "title", t_where, required=True, limit=_limit(Task, "title"))
        t_where.label = _("任务 %(n)s.%(title)s") % {"n": task_number, "title": _short(task_title)}
        task = {
            "number": task_number,
            "title": task_title,
            "text": c.text(task_raw, "text", t_where),
            "responsibility_note": c.text(task_raw, "responsibility_note", t_where),
            "basis": c.choice(task_raw, "basis", t_where, BASES, _("责任依据"), default=Task.Basis.TASK.value),
        }
        task.update(_check_roles(c, task_raw, t_where))
        if "lead" in task_raw and not task["lead"] and isinstance(task_raw.get("lead"), list) and not task_raw["lead"]:
            c.error(t_where, "lead", _("每个任务至少要有一个牵头单位"))
        elif "lead" not in task_raw:
            c.error(t_where, "lead", _("缺少必填字段（每个任务至少要有一个牵头单位）"))
        task["metrics"] = _check_metrics(c, task_raw, t_where)
        if task_number is not None:
            if task_number in task_numbers:
                c.error(
                    t_where,
                    "number",
                    _("任务序号 %(n)s 在本板块重复（与 tasks[%(other)d] 相同）")
                    % {"n": task_number, "other": task_numbers[task_number]},
                )
            task_numbers.setdefault(task_number, k)
        section["tasks"].append(task)
    return section


# --- loading ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """What a load did: the plan, how much it holds and, per model, rows created/updated/unchanged/deleted."""

    plan: Plan
    dry_run: bool
    contents: dict = field(default_factory=dict)
    changes: dict = field(default_factory=lambda: defaultdict(Counter))
    periods_created: int = 0

    @property
    def changed(self):
        return any(c["created"] or c["updated"] or c["deleted"] for c in self.changes.values())

    def totals(self):
        total = Counter()
        for counts in self.changes.values():
            total.update(counts)
        return total

    def summary_lines(self):
        contents = _("，").join(f"{label} {count}" for label, count in self.contents.items())
        total = self.totals()
        lines = [
            _("方案 %(code)s《%(title)s》：%(contents)s。")
            % {"code": self.plan.code, "title": self.plan.title, "contents": contents},
            _("合计：新建 %(created)d，更新 %(updated)d，未变 %(unchanged)d，删除 %(deleted)d；")
            % {k: total[k] for k in ("created", "updated", "unchanged", "deleted")}
            + _("新建报送期 %(periods)d。") % {"periods": self.periods_created},
        ]
        for label, counts in self.changes.items():
            lines.append(
                "  "
                + _("%(model)s：新建 %(created)d，更新 %(updated)d，未变 %(unchanged)d，删除 %(deleted)d")
                % {"model": label, **{k: counts[k] for k in ("created", "updated", "unchanged", "deleted")}}
            )
        if self.dry_run:
            lines.append(_("试运行（--dry-run）：以上改动已全部撤销，数据库未改变。"))
        return lines


def load_plan(data, dry_run=False, filename="<plan>"):
    """Load parsed plan data (from `parse_plan`) in one transaction: all or nothing."""
    with transaction.atomic():
        result = _Loader(filename).load(data)
        result.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return result


def load_plan_file(path, dry_run=False):
    """Read, validate and load a plan file."""
    return load_plan(read_plan_file(path), dry_run=dry_run, filename=str(path))


def _reported_data(obj):
    """What departments have already reported on a plan item, as words; "" when nothing."""
    from targets.models import TargetReading
    from tasks.models import MetricValue, ProgressReport

    if isinstance(obj, Battle):
        reports = ProgressReport.objects.filter(task__section__battle=obj)
        readings = TargetReading.objects.filter(target__battle=obj)
    elif isinstance(obj, Section):
        reports, readings = ProgressReport.objects.filter(task__section=obj), TargetReading.objects.none()
    elif isinstance(obj, Task):
        reports, readings = ProgressReport.objects.filter(task=obj), TargetReading.objects.none()
    elif isinstance(obj, Target):
        reports, readings = ProgressReport.objects.none(), TargetReading.objects.filter(target=obj)
    elif isinstance(obj, TaskMetric):
        values = MetricValue.objects.filter(metric=obj, value__isnull=False).count()
        return _("%(n)d 个填报值") % {"n": values} if values else ""
    else:
        return ""
    parts = []
    if count := reports.count():
        parts.append(_("%(n)d 份进展报告") % {"n": count})
    if count := readings.count():
        parts.append(_("%(n)d 条指标数据") % {"n": count})
    return "、".join(parts)


def _ordered_m2m_ids(obj, name):
    descriptor = getattr(type(obj), name)
    m2m = descriptor.field
    return list(
        descriptor.through.objects.filter(**{m2m.m2m_field_name(): obj})
        .order_by("id")
        .values_list(m2m.m2m_reverse_field_name() + "_id", flat=True)
    )


def _set_ordered_m2m(obj, name, ids):
    """Replace a many-to-many list keeping the given order (the through rows' ids carry it).

    `add()` inserts from a set, losing the order, so the rows are created here and the add
    signals sent once, as `add()` would: django-simple-history records one change.
    """
    descriptor = getattr(type(obj), name)
    m2m = descriptor.field
    through = descriptor.through
    getattr(obj, name).clear()
    if not ids:
        return
    signal = {"sender": through, "instance": obj, "reverse": False, "model": m2m.related_model, "pk_set": set(ids)}
    m2m_changed.send(action="pre_add", using=obj._state.db, **signal)
    through.objects.bulk_create(
        through(**{m2m.m2m_field_name(): obj, m2m.m2m_reverse_field_name() + "_id": pk}) for pk in ids
    )
    m2m_changed.send(action="post_add", using=obj._state.db, **signal)


class _Loader:
    def __init__(self, filename):
        self.filename = filename
        self.changes = defaultdict(Counter)

    def note(self, model, status):
        self.changes[str(model._meta.verbose_name)][status] += 1

    def upsert(self, obj, model, keys, values, m2m=None, changed_elsewhere=False):
        """Make a row's fields equal `values` (obj None = create); save only when something differs.

        `m2m` maps a many-to-many field to department ids in file order; order is kept by the
        through rows' ids, so a reordered list is rewritten.
        """
        if obj is None:
            obj = model(**keys, **values)
            obj.save()
            status = "created"
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.save()
            status = "updated" if changed or changed_elsewhere else "unchanged"
        for name, ids in (m2m or {}).items():
            if _ordered_m2m_ids(obj, name) != ids:
                _set_ordered_m2m(obj, name, ids)
                if status == "unchanged":
                    status = "updated"
        self.note(model, status)
        return obj

    def delete(self, objs):
        for obj in objs:
            reported = _reported_data(obj)
            if reported:
                # Removing a task, target or metric from the file must never take departments'
                # reports with it: the whole load is refused instead.
                raise PlanFileError(
                    self.filename,
                    [
                        _(
                            "文件中已删除的%(what)s“%(name)s”已有%(reported)s，不能删除；请保留该条目或先由管理员处理这些数据"
                        )
                        % {"what": type(obj)._meta.verbose_name, "name": obj, "reported": reported}
                    ],
                )
            self.note(type(obj), "deleted")
            obj.delete()

    # --- departments ---

    def load_departments(self, departments):
        file_names = {d["name"] for d in departments}
        all_aliases = {alias for d in departments for alias in d["aliases"]}
        clashes = Department.objects.filter(name__in=all_aliases).exclude(name__in=file_names)
        errors = [
            _("%(file)s departments：别名“%(name)s”在数据库中已是另一个单位的名称；请把它列为单位，或改用该单位")
            % {"file": self.filename, "name": d.name}
            for d in clashes
        ]
        if errors:
            raise PlanFileError(self.filename, errors)
        existing = {d.name: d for d in Department.objects.filter(name__in=file_names)}
        aliases = defaultdict(list)
        for alias in DepartmentAlias.objects.filter(department__in=existing.values()).order_by("id"):
            aliases[alias.department_id].append(alias.name)
        next_order = (Department.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        # A canonical name of this file that the database knows as some department's alias is stale.
        DepartmentAlias.objects.filter(name__in=file_names).delete()
        by_name = {}
        for d in departments:
            obj = existing.get(d["name"])
            values = {"kind": d["kind"]}
            if obj is None:
                values["order"] = next_order
                next_order += 1
            aliases_changed = aliases.get(obj.pk if obj else None, []) != d["aliases"]
            obj = self.upsert(obj, Department, {"name": d["name"]}, values, changed_elsewhere=aliases_changed)
            if aliases_changed:
                # Aliases have no history; rewrite them in file order (an alias may move between departments).
                DepartmentAlias.objects.filter(Q(department=obj) | Q(name__in=d["aliases"])).delete()
                DepartmentAlias.objects.bulk_create(DepartmentAlias(department=obj, name=a) for a in d["aliases"])
            by_name[obj.name] = obj
        return by_name

    # --- the plan ---

    def load(self, data):
        depts = self.load_departments(data["departments"])
        ids = {name: d.pk for name, d in depts.items()}
        p = data["plan"]
        plan = Plan.objects.filter(code=p["code"]).first()
        plan = self.upsert(plan, Plan, {"code": p["code"]}, {k: v for k, v in p.items() if k != "code"})

        battles = {b.number: b for b in Battle.objects.filter(plan=plan)}
        task_forces = {tf.battle_id: tf for tf in TaskForce.objects.filter(battle__plan=plan)}
        targets = defaultdict(dict)
        for t in Target.objects.filter(battle__plan=plan):
            targets[t.battle_id][t.code] = t
        sections = defaultdict(dict)
        for s in Section.objects.filter(battle__plan=plan):
            sections[s.battle_id][s.number] = s
        tasks = defaultdict(dict)
        for t in Task.objects.filter(section__battle__plan=plan):
            tasks[t.section_id][t.number] = t
        resps = defaultdict(list)
        for r in Responsibility.objects.filter(section__battle__plan=plan).order_by("order", "id"):
            resps[(r.section_id, r.task_id)].append(r)
        metrics = defaultdict(list)
        for m in TaskMetric.objects.filter(section__battle__plan=plan).order_by("order", "id"):
            metrics[(m.section_id, m.task_id)].append(m)

        contents = Counter()
        for b in data["battles"]:
            battle = self.upsert(
                battles.pop(b["number"], None),
                Battle,
                {"plan": plan, "number": b["number"]},
                {k: b[k] for k in ("name", "short_name", "work_plan_title", "general_goal")},
            )
            contents["battles"] += 1
            tf = b["task_force"]
            self.upsert(
                task_forces.get(battle.pk),
                TaskForce,
                {"battle": battle},
                {
                    "name": tf["name"],
                    "convener": tf["convener"],
                    "deputy_conveners": tf["deputy_conveners"],
                    "office_id": ids[tf["office"]],
                    "source": tf["source"],
                },
                m2m={"members": [ids[n] for n in tf["members"]]},
            )
            existing_targets = targets[battle.pk]
            for order, t in enumerate(b["targets"], start=1):
                values = {k: v for k, v in t.items() if k not in ("code", "departments")}
                values["order"] = order
                self.upsert(
                    existing_targets.pop(t["code"], None),
                    Target,
                    {"battle": battle, "code": t["code"]},
                    values,
                    m2m={"departments": [ids[n] for n in t["departments"]]},
                )
                contents["targets"] += 1
            self.delete(existing_targets.values())

            existing_sections = sections[battle.pk]
            for s in b["sections"]:
                section = self.upsert(
                    existing_sections.pop(s["number"], None),
                    Section,
                    {"battle": battle, "number": s["number"]},
                    {"title": s["title"], "text": s["text"]},
                )
                contents["sections"] += 1
                contents["responsibilities"] += self.sync_roles(section, None, s, ids, resps)
                contents["metrics"] += self.sync_metrics(section, None, s["metrics"], metrics)
                existing_tasks = tasks[section.pk]
                for t in s["tasks"]:
                    task = self.upsert(
                        existing_tasks.pop(t["number"], None),
                        Task,
                        {"section": section, "number": t["number"]},
                        {k: t[k] for k in ("title", "text", "responsibility_note", "basis")},
                    )
                    contents["tasks"] += 1
                    contents["responsibilities"] += self.sync_roles(section, task, t, ids, resps)
                    contents["metrics"] += self.sync_metrics(section, task, t["metrics"], metrics)
                self.delete(existing_tasks.values())
            self.delete(existing_sections.values())
        self.delete(battles.values())

        result = LoadResult(plan=plan, dry_run=False, changes=self.changes)
        result.contents = {
            _("仗"): contents["battles"],
            _("任务板块"): contents["sections"],
            _("任务"): contents["tasks"],
            _("目标指标"): contents["targets"],
            _("量化指标"): contents["metrics"],
            _("责任分工"): contents["responsibilities"],
            _("单位"): len(depts),
        }
        result.periods_created = plan.ensure_periods()
        # Who leads a task decides its summaries' lead columns: recount when responsibilities or
        # tasks (a task moved to another section takes the section's units) changed.
        if any(self.changes[str(model._meta.verbose_name)].keys() - {"unchanged"} for model in (Responsibility, Task)):
            summaries.rebuild_plan(plan)
        return result

    def sync_roles(self, section, task, record, ids, existing):
        desired = [(ids[name], role) for role in ROLES for name in record[role]]
        current = {(r.department_id, r.role): r for r in existing.pop((section.pk, task.pk if task else None), [])}
        for order, (dept_id, role) in enumerate(desired):
            self.upsert(
                current.pop((dept_id, role), None),
                Responsibility,
                {"section": section, "task": task, "department_id": dept_id, "role": role},
                {"order": order},
            )
        self.delete(current.values())
        return len(desired)

    def sync_metrics(self, section, task, desired, existing):
        # Metrics have no natural key: they are matched by position, so reported values stay attached.
        current = existing.pop((section.pk, task.pk if task else None), [])
        for order, m in enumerate(desired):
            self.upsert(
                current[order] if order < len(current) else None,
                TaskMetric,
                {"section": section, "task": task},
                {**m, "order": order},
            )
        self.delete(current[len(desired) :])
        return len(desired)


# --- export -----------------------------------------------------------------------------------


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def export_plan(plan):
    """The plan as normalized plan-file data (the shape `parse_plan` returns)."""
    departments = []
    names = {}
    for d in Department.objects.order_by("order", "id"):
        names[d.pk] = d.name
        departments.append({"name": d.name, "kind": d.kind, "aliases": []})
    by_id = {d["name"]: d for d in departments}
    for alias in DepartmentAlias.objects.select_related("department").order_by("id"):
        by_id[alias.department.name]["aliases"].append(alias.name)

    def m2m_names(through, source, pks):
        result = defaultdict(list)
        rows = (
            through.objects.filter(**{f"{source}_id__in": pks})
            .order_by("id")
            .values_list(f"{source}_id", "department_id")
        )
        for owner, dept in rows:
            result[owner].append(names[dept])
        return result

    battles = list(Battle.objects.filter(plan=plan).select_related("task_force").order_by("number"))
    targets = defaultdict(list)
    for t in Target.objects.filter(battle__plan=plan).order_by("order", "code"):
        targets[t.battle_id].append(t)
    target_depts = m2m_names(Target.departments.through, "target", [t.pk for ts in targets.values() for t in ts])
    members = m2m_names(TaskForce.members.through, "taskforce", [b.task_force.pk for b in battles])
    sections = defaultdict(list)
    for s in Section.objects.filter(battle__plan=plan).order_by("number"):
        sections[s.battle_id].append(s)
    tasks = defaultdict(list)
    for t in Task.objects.filter(section__battle__plan=plan).order_by("number"):
        tasks[t.section_id].append(t)
    roles = defaultdict(lambda: {role: [] for role in ROLES})
    for r in Responsibility.objects.filter(section__battle__plan=plan).order_by("order", "id"):
        roles[(r.section_id, r.task_id)][r.role].append(names[r.department_id])
    metrics = defaultdict(list)
    for m in TaskMetric.objects.filter(section__battle__plan=plan).order_by("order", "id"):
        metrics[(m.section_id, m.task_id)].append(
            {
                "name": m.name,
                "comparator": m.comparator,
                "value": _number(m.value),
                "unit": m.unit,
                "kind": m.kind,
                "source": m.source,
            }
        )

    data_battles = []
    for b in battles:
        tf = b.task_force
        data_battles.append(
            {
                "number": b.number,
                "name": b.name,
                "short_name": b.short_name,
                "work_plan_title": b.work_plan_title,
                "general_goal": b.general_goal,
                "task_force": {
                    "name": tf.name,
                    "convener": tf.convener,
                    "deputy_conveners": list(tf.deputy_conveners or []),
                    "office": names[tf.office_id],
                    "members": members[tf.pk],
                    "source": tf.source,
                },
                "targets": [
                    {
                        "code": t.code,
                        "name": t.name,
                        "comparator": t.comparator,
                        "value": _number(t.value),
                        "unit": t.unit,
                        # Only growth rates have one: written where set, so the file stays short.
                        **({"amount_unit": t.amount_unit} if t.amount_unit else {}),
                        "kind": t.kind,
                        "frequency": t.frequency,
                        "profile": t.profile,
                        "departments": target_depts[t.pk],
                        "departments_inferred": t.departments_inferred,
                        "by_area": t.by_area,
                        "source": t.source,
                        "general_plan_source": t.general_plan_source,
                    }
                    for t in targets[b.pk]
                ],
                "sections": [
                    {
                        "number": s.number,
                        "title": s.title,
                        "text": s.text,
                        **roles[(s.pk, None)],
                        "metrics": metrics[(s.pk, None)],
                        "tasks": [
                            {
                                "number": t.number,
                                "title": t.title,
                                "text": t.text,
                                "responsibility_note": t.responsibility_note,
                                "basis": t.basis,
                                **roles[(s.pk, t.pk)],
                                "metrics": metrics[(s.pk, t.pk)],
                            }
                            for t in tasks[s.pk]
                        ],
                    }
                    for s in sections[b.pk]
                ],
            }
        )
    plan_data = {
        "code": plan.code,
        "title": plan.title,
        "document_number": plan.document_number,
        "issuer": plan.issuer,
        "year": plan.year,
        "issued_on": plan.issued_on,
        "published_on": plan.published_on,
    }
    return {"plan": plan_data, "departments": departments, "battles": data_battles}


def _for_yaml(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _for_yaml(v) for k, v in value.items() if not _omitted(k, v)}
    if isinstance(value, list):
        return [_for_yaml(v) for v in value]
    return value


def _omitted(key, value):
    # Optional fields the format says to leave out when empty.
    return (key in ("general_plan_source", "profile") and not value) or (
        key in ("issued_on", "published_on") and value is None
    )


class _Dumper(yaml.SafeDumper):
    # Indent list items under their key, as people write YAML (and as the fixture is written).
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_list(dumper, data):
    # Lists of names (departments, aliases) read best on one line: [市商务局, 市财政局].
    flow = bool(data) and all(isinstance(item, str) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump_plan(data):
    """Normalized plan data as plan-file YAML text."""
    header = "# {title}（{number}）\n# 格式见 docs/plan-format.md;由 manage.py export_plan 导出。\n".format(
        title=data["plan"]["title"], number=data["plan"]["document_number"]
    )
    body = yaml.dump(
        _for_yaml(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False
    )
    return header + body
