"""Read a plan as issued (Word or text from the government website) into a plan-file draft.

    reading = read_plan(blocks, departments=known)       # blocks: paragraphs (str) and tables
    reading.plan       # dict in the plan-file format (docs/plan-format.md), ready for dump_plan
    reading.records    # one entry per record read: path, kind, source sentence, basis, flags

The reader is a pure function of the text and the known departments: no database, no network.
`known_departments()` builds the registry from the database, `departments_from_plan()` from a
plan file (a reader run standalone against a fixture's department list).

Each record carries the sentence it came from and its basis — `stated` (the document says it),
`inherited` (from the section heading), `inferred` (the reader decided: a first-named unit taken
as lead, the task-force office, a guessed comparator, an abbreviated name matched). What the
reader is unsure of is a flag on the record; the review page lists flagged records first.
"""

import codecs
import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from targets.schedule import kind_from_words

# Both the full-width punctuation of Word documents and the ASCII forms of web copies.
LP, RP = "(（", ")）"
COMMA = ",，"
SEMI = ";；"
COLON = ":："
PERIOD = "。"
CN_NUMERALS = "一二三四五六七八九十"

SECTION_RE = re.compile(rf"^[{LP}]([{CN_NUMERALS}]+)[{RP}]\s*(.*)$", re.S)
TASK_RE = re.compile(r"^(\d{1,3})\s*[.．、]\s*(?!\d)(.*)$", re.S)
CHAPTER_RE = re.compile(rf"^([{CN_NUMERALS}]+)、\s*(.+)$")
ANNEX_RE = re.compile(r"^附件\s*(\d+)\s*[:：]?\s*$")
# 打好经济增长主动仗工作方案, also with the issuing city or county in front (怀化市打好…, 某某县打好…).
WORK_PLAN_TITLE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,10}?(?:市|县|区|州))?(打好.+?仗)(?:工作|实施)?方案$")
GOAL_RE = re.compile(rf"^[{LP}]([{CN_NUMERALS}]+)[{RP}]")

BATTLE_SUFFIXES = ("主动", "攻坚", "持久", "阻击", "狙击", "翻身", "保卫", "歼灭", "突围", "总体", "整体")

ROLE_LEAD, ROLE_RESP, ROLE_COOP = "lead", "responsible", "cooperating"
# Role words at the end of a clause, longest first.
ROLE_SUFFIXES = [
    ("依职责牵头", ROLE_LEAD),
    ("牵头负责", ROLE_LEAD),
    ("牵头", ROLE_LEAD),
    ("按职责分工负责", ROLE_RESP),
    ("依职责负责", ROLE_RESP),
    ("负责", ROLE_RESP),
    ("配合", ROLE_COOP),
    ("协同", ROLE_COOP),
]
# Labelled forms: 牵头单位：…；责任单位：…
ROLE_LABELS = [
    ("牵头责任单位", ROLE_LEAD),
    ("牵头单位", ROLE_LEAD),
    ("牵头部门", ROLE_LEAD),
    ("责任单位", ROLE_RESP),
    ("负责单位", ROLE_RESP),
    ("责任部门", ROLE_RESP),
    ("配合单位", ROLE_COOP),
    ("协同单位", ROLE_COOP),
    ("配合部门", ROLE_COOP),
]
ORG_ENDINGS = (
    "局",
    "委",
    "办",
    "部",
    "会",
    "中心",
    "支队",
    "分局",
    "公司",
    "政府",
    "单位",
    "专班",
    "院",
    "所",
    "联",
    "站",
    "集团",
    "管委会",
    "办公室",
    "处",
    "队",
    "投",
    "行",
    "海关",
    "机场",
    "县",
    "区",
    "市",
    "组",
    "社",
)

COMPARATOR_WORDS = {
    "at_least": "以上、不低于、不少于",
    "more_than": "超过、突破",
    "at_most": "以内、不高于、控制在",
    "about": "左右",
    "reach": "达到、达、只写数字",
    "zero": "杜绝、不发生、严禁新增",
    "decrease": "下降、减少",
}

# Units as plans write them, longest first so 万平方米 wins over 万 and 平方米.
UNITS = sorted(
    [
        "%",
        "‰",
        "个百分点",
        "亿元",
        "万元",
        "元/月·人",
        "元/月",
        "元/年",
        "元",
        "万亩",
        "亩",
        "万人次",
        "人次",
        "万人",
        "人(个)",
        "人",
        "名",
        "家",
        "个月",
        "万个",
        "个",
        "场次",
        "场",
        "公里",
        "平方公里",
        "万平方米",
        "平方米",
        "座",
        "列",
        "件",
        "类",
        "项",
        "万户",
        "户",
        "套",
        "所",
        "支",
        "万千瓦",
        "千瓦",
        "亿斤",
        "万斤",
        "吨",
        "万吨",
        "台",
        "辆",
        "起",
        "次",
        "批",
        "万",
    ],
    key=len,
    reverse=True,
)
NUMBER = r"\d+(?:\.\d+)?"
RANGE_SEP = "-—–~～至到"
METRIC_RE = re.compile(
    rf"(?P<value>{NUMBER})(?:\s*[%‰]?\s*[{RANGE_SEP}]{{1,2}}\s*(?P<upper>{NUMBER}))?\s*"
    r"(?P<unit>" + "|".join(re.escape(u) for u in UNITS) + r")"
    r"(?P<after>以上|以内|以下|左右|及以上)?"
)
CLAUSE_SPLIT = re.compile(rf"[{COMMA}{SEMI}。:：]")
NAME_LEAD_WORDS = ("力争", "确保", "实现", "争取", "开展", "完成", "其中", "全年", "累计", "年底前", "年内")
ZERO_RE = re.compile(r"(杜绝|不发生|严禁新增|严禁|零发生|不出现)")
DECREASE_RE = re.compile(r"(下降|减少|降低)")
DEADLINE_RE = re.compile(
    r"((?:\d{4}年)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?(?:底|末|中旬|上旬|下旬)?前|"
    r"(?:[一二三四1-4])季度(?:末|底)?(?:前)?|年底前|年内|年底|上半年|下半年|全年)"
)


# --- departments ------------------------------------------------------------------------------


@dataclass
class Registry:
    """Known departments: canonical name -> (kind, aliases); resolves names as written."""

    departments: dict = field(default_factory=dict)  # name -> {"kind": ..., "aliases": [...]}

    def __post_init__(self):
        self.lookup = {}
        for name, info in self.departments.items():
            self.lookup[name] = name
            for alias in info.get("aliases", []):
                self.lookup[alias] = name

    def resolve(self, written):
        """(canonical name, how, candidates): how is 'known', 'abbreviation', 'county' or 'unknown'."""
        if written in self.lookup:
            return self.lookup[written], "known", []
        for variant in _name_variants(written):
            if variant in self.lookup:
                return self.lookup[variant], "known", []
        matches = sorted({name for key, name in self.lookup.items() if _is_abbreviation(written, key)})
        if len(matches) == 1:
            return matches[0], "abbreviation", matches
        return written, "unknown", self.closest(written, exclude=()) if not matches else matches

    def closest(self, written, exclude=(), n=5):
        keys = [k for k in self.lookup if k not in exclude]
        scored = difflib.get_close_matches(written, keys, n=n * 2, cutoff=0.3)
        seen, result = set(), []
        for key in scored:
            entry = key if self.lookup[key] == key else f"{self.lookup[key]}（{key}）"
            if self.lookup[key] not in seen:
                seen.add(self.lookup[key])
                result.append(entry)
        return result[:n]


def _name_variants(written):
    yield written.removesuffix("政府")
    yield written.removeprefix("怀化") if written.startswith("怀化市") else written
    if not written.startswith(("市", "怀化", "省", "各", "相关")):
        yield "市" + written


def _is_abbreviation(short, full):
    """发改委 ⊂ 市发展改革委, 市工信局 ⊂ 市工业和信息化局: characters in order, same ending."""
    if len(short) < 2 or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    if short[0] != full[0] and not (full.startswith("市") and short[0] == full[1]):
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def guess_kind(name):
    if name.startswith(("各", "相关")) or name.endswith(("成员单位", "涉及单位", "专班", "相关部门")):
        return "collective"
    if name.endswith(("法院", "检察院")):
        return "judicial"
    if name.endswith(("管委会", "园区")):
        return "park"
    if name.endswith(("公司", "集团", "投", "机场")):
        return "enterprise"
    if name.endswith(("县", "区", "县政府", "区政府")) or (name.endswith("市") and len(name) <= 4):
        return "county"
    if name.startswith(("省", "人民银行")) or name.endswith(("海关", "银保监分局", "税务局", "气象局", "火车站")):
        return "central_provincial"
    return "municipal"


def departments_from_plan(data):
    """Registry from a parsed or raw plan file's departments list."""
    return Registry(
        {
            d["name"]: {"kind": d.get("kind") or "municipal", "aliases": list(d.get("aliases") or [])}
            for d in data.get("departments", [])
        }
    )


def known_departments():
    """Registry of the departments in the database (names and aliases)."""
    from targets.models import Department

    return Registry(
        {
            d.name: {"kind": d.kind, "aliases": [a.name for a in d.aliases.all()]}
            for d in Department.objects.prefetch_related("aliases")
        }
    )


# --- result -----------------------------------------------------------------------------------


@dataclass
class Reading:
    plan: dict
    records: list  # {"path", "kind", "label", "source", "basis", "flags": [{"code", "message", ...}]}

    def flagged(self):
        return [r for r in self.records if r["flags"]]

    def plan_file(self):
        return plan_file_data(self.plan)


class ReadError(Exception):
    """A document the reader cannot open; the message is for the user."""


def _flag(code, message, **extra):
    return {"code": code, "message": message, **extra}


# --- text helpers -----------------------------------------------------------------------------


def _clean(text):
    text = text.replace("\u3000", " ").replace("\u2002", " ").replace("\xa0", " ")
    return text.strip()


def _parentheses(text):
    """(start, end, inner, closed) of each top-level parenthesis; an unclosed one runs to the end."""
    spans, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch in LP:
            if depth == 0:
                start = i
            depth += 1
        elif ch in RP and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1, text[start + 1 : i], True))
    if depth and start is not None:
        spans.append((start, len(text), text[start + 1 :], False))
    return spans


def _strip_etc(name):
    for suffix in ("等部门", "等单位", "等"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _looks_like_org(name):
    return 2 <= len(name) <= 40 and name.endswith(ORG_ENDINGS) and not re.search(r"\d|[“”《》]", name)


def parse_roles(inner):
    """Roles named in a responsibility parenthesis: [(role, [names as written])] or None if it is not one."""
    inner = inner.strip()
    if not inner:
        return None
    result = []
    # Labelled form: 牵头单位：A、B；责任单位：C
    label_re = "|".join(re.escape(label) for label, _role in ROLE_LABELS)
    if re.match(rf"^({label_re})\s*[{COLON}]", inner):
        for part in re.split(rf"[{SEMI}]|[{COMMA}](?=\s*(?:{label_re}))", inner):
            m = re.match(rf"^\s*({label_re})\s*[{COLON}]\s*(.*)$", part.strip())
            if not m:
                return None
            role = dict(ROLE_LABELS)[m.group(1)]
            names = _split_names(m.group(2))
            if not names:
                return None
            result.append((role, names))
        return result
    pending = []
    for clause in re.split(rf"[{COMMA}{SEMI}]", inner):
        clause = clause.strip().rstrip("。")
        if not clause:
            continue
        found = None
        # 工业企业由市工业和信息化局牵头、商贸企业由市商务局牵头
        by = re.findall(r"由(.+?)(牵头负责|牵头|负责)", clause)
        if by:
            names = [n for written, _w in by for n in _split_names(written)]
            role = ROLE_LEAD if all(w.startswith("牵头") for _n, w in by) else ROLE_RESP
            found = (role, names)
        else:
            for word, role in ROLE_SUFFIXES:
                if clause.endswith(word):
                    names = _split_names(clause[: -len(word)])
                    found = (role, names)
                    break
        if found is None:
            names = _split_names(clause)
            if not names or not all(_looks_like_org(n) for n in names):
                return None
            pending.extend(names)
            continue
        role, names = found
        if not names or not all(len(n) <= 40 and not re.search(r"[“”《》。]", n) for n in names):
            return None
        result.append((role, pending + names))
        pending = []
    if pending:
        if not result:
            return None
        # A trailing list without a role word (an unclosed or cut parenthesis): read as responsible.
        result.append((ROLE_RESP, pending))
    return result or None


def _split_names(text):
    text = text.strip()
    for prefix in ("由",):
        text = text.removeprefix(prefix)
    text = re.sub(r"(按职责分工|依职责|按职责|分别)$", "", text.strip())
    names = [_strip_etc(n.strip()) for n in re.split(r"[、]", text)]
    names = [n for n in names if n]
    # 市安委会、市减灾委相关成员单位: the collective ending belongs to every name of the list.
    for suffix in ("相关成员单位", "各成员单位", "成员单位"):
        if len(names) > 1 and names[-1].endswith(suffix):
            names = [n if n.endswith(suffix) or not re.search("[会委]$", n) else n + suffix for n in names]
            break
    return names


# --- metrics ----------------------------------------------------------------------------------


def _number(text):
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def read_metrics(text):
    """Quantitative figures in a task or section text: [(metric dict, flags)]."""
    results = []
    inside = [(a, b) for a, b, _inner, _closed in _parentheses(text)]
    bounds = [-1] + [i for i, ch in enumerate(text) if ch in CLAUSE_SEPARATORS] + [len(text)]
    matches = list(METRIC_RE.finditer(text))
    for index, m in enumerate(matches):
        if any(a < m.start() < b for a, b in inside):
            continue  # 新建2个燃气场站(接气门站1个,调压站1个): the parenthesis details the figure
        clause_start = max(b for b in bounds if b < m.start()) + 1
        clause_end = min(b for b in bounds if b >= m.end())
        following = [n for n in matches[index + 1 :] if n.start() < clause_end]
        results.extend(_metric_from_match(text, m, clause_start, clause_end, bool(following)))
    for m in UNITLESS_RE.finditer(text):
        clause_start = max(b for b in bounds if b < m.start()) + 1
        before = text[clause_start : m.start()]
        results.append(
            (
                {
                    "name": _metric_name(before),
                    "comparator": "at_most" if m.group("after") in ("以内", "以下") else "at_least",
                    "value": _number(m.group("value")),
                    "unit": "",
                    "source": text[clause_start : m.end()],
                },
                [],
            )
        )
    # Zero-tolerance clauses without a figure: 杜绝较大以上电力人身伤亡责任事故.
    for clause in _clauses(text):
        zm = re.search(r"(杜绝|不发生)(.+?(事故|事件))$", clause)
        if zm and not METRIC_RE.search(clause):
            start = 0 if clause.startswith("确保") else zm.start()
            results.append(
                ({"name": zm.group(2), "comparator": "zero", "value": 0, "unit": "起", "source": clause[start:]}, [])
            )
    for metric, _flags in results:
        # Judged as a target of this kind (targets/schedule.py); the reviewer can change it.
        metric["kind"] = kind_from_words(metric["comparator"], metric["unit"], metric["name"])
    return results


CLAUSE_SEPARATORS = set(COMMA + SEMI + "。" + COLON)
UNITLESS_RE = re.compile(rf"(?:控制在|压降至|不高于|不超过)(?P<value>{NUMBER})(?P<after>以内|以下)")


def _clauses(text):
    return [c for c in CLAUSE_SPLIT.split(text) if c.strip()]


NOT_METRIC_BEFORE = re.compile(r"(第|年产|G|\+|排名前|全省前|前)$")
NAME_SPLIT_RE = re.compile(
    r"^(?P<head>.*?)(?P<a>[\u4e00-\u9fff“”]+)、(?P<b>[\u4e00-\u9fff“”]+)均(?P<verb>增长|提高|下降)$"
)


def _metric_from_match(text, m, clause_start, clause_end, more_in_clause):
    before = text[clause_start : m.start()]
    after = text[m.end() : clause_end]
    unit = m.group("unit")
    word = m.group("after") or ""
    rest = after[len(word) :] if after.startswith(word) else after
    if NOT_METRIC_BEFORE.search(before) and not re.search(r"(季度前|年底前|月底前|月前)$", before):
        return []
    if re.match(r"^(年|届|号|大|条)", rest) or (unit == "个" and rest.startswith(("县市", "县", "一"))):
        return []
    # 10亿元以上重大项目20个以上, 深化20户以上自然村: the figure qualifies what follows.
    segment = rest.split("、")[0]
    if (
        word in ("以上", "以下", "以内")
        and segment
        and (METRIC_RE.search(segment) or re.search(r"\d+[A-Za-z]", segment))
    ):
        return []
    if word and rest.startswith("的"):
        return []
    if unit == "万" and rest[:1] and rest[:1] not in "以左":
        return []
    # 从不低于600元每月提高到不低于650元/月: the figure after 提高到 is the target.
    if re.search(r"从[^从]*$", before) and re.match(r"^(每月|/月|/年)?提高到", rest or ""):
        return []
    value = _number(m.group("value"))
    upper = m.group("upper")
    flags = []
    comparator = None
    if upper:
        comparator = "at_least"
        flags.append(
            _flag(
                "range",
                _("区间 %(low)s—%(high)s%(unit)s：按下限 %(low)s 记为“不低于”，请核对")
                % {"low": m.group("value"), "high": upper, "unit": unit},
            )
        )
    elif word in ("以上", "及以上"):
        comparator = "at_least"
    elif word in ("以内", "以下"):
        comparator = "at_most"
    elif word == "左右":
        comparator = "about"
    head = before[-8:]
    if re.search(r"(减少|下降|降低)[^,，]{0,4}$", before):
        comparator = "decrease"
    elif comparator is None and re.search(r"(不少于|不低于)", head):
        comparator = "at_least"
    elif comparator is None and re.search(r"(超过|突破)$", before):
        comparator = "more_than"
    elif comparator is None and re.search(r"(控制在|压降至|不高于|不超过)", head):
        comparator = "at_most"
    if comparator is None:
        comparator = "reach"  # a plain figure (docs/plan-format.md)
    # Source: the clause, up to the figure when another figure follows in the same clause.
    source_start = clause_start
    previous_sep = max(
        (i for i in range(clause_start, m.start()) if text[i] == "、" and re.search(r"\d", text[clause_start:i])),
        default=None,
    )
    if previous_sep is not None:
        source_start = previous_sep + 1
    source_end = m.end() + len(word) if more_in_clause else clause_end
    source = text[source_start:source_end].strip()
    name_before = text[source_start : m.start()]
    split = NAME_SPLIT_RE.match(name_before)
    if split:
        # 亩均生产总值、税收均增长15%以上: one figure for two subjects.
        head = split.group("head")
        names = [head + split.group("a") + split.group("verb"), head + split.group("b") + split.group("verb")]
    else:
        names = [_metric_name(name_before, rest)]
    return [
        ({"name": name, "comparator": comparator, "value": value, "unit": unit, "source": source}, list(flags))
        for name in names
        if name
    ]


def _metric_name(before, after=""):
    name = before.strip()
    name = re.sub(
        r"(提高到|达到|达|为|控制在|压降至|不少于|不低于|超过|突破|同比去年减少|同比减少|减少|下降)$", "", name
    )
    name = re.sub(r"(提高到|达到|控制在|压降至|不少于|不低于|超过|突破|同比去年减少|减少|下降)$", "", name)
    for word in NAME_LEAD_WORDS:
        if name.startswith(word):
            name = name[len(word) :]
    if not name or len(name) < 2:
        tail = re.match(r"^[\u4e00-\u9fff“”A-Za-z0-9]{2,20}", re.sub(r"^(以上|左右|以内)", "", after))
        name = (before.strip() + (tail.group(0) if tail else "")).strip()
    return name[:200]


# --- the document -----------------------------------------------------------------------------


def blocks_from_text(text):
    """Paragraphs of pasted text: one per non-empty line."""
    return [_clean(line) for line in text.splitlines() if _clean(line)]


class _Reader:
    def __init__(self, registry, code=None):
        self.registry = registry or Registry({})
        self.code = code
        self.records = []
        self.used = {}  # canonical name -> kind
        self.unknown = {}  # written name -> record flags use

    # departments

    def dept(self, written, path, label, source, role=""):
        name, how, candidates = self.registry.resolve(written)
        flags = []
        if how == "unknown":
            flags.append(
                _flag(
                    "unknown_department",
                    _("单位“%s”不在单位名录中") % written,
                    written=written,
                    name=name,
                    candidates=candidates,
                    role=role,
                )
            )
        elif how == "abbreviation":
            flags.append(
                _flag(
                    "abbreviated_department",
                    _("“%(written)s”按简称读作“%(name)s”，请确认") % {"written": written, "name": name},
                    written=written,
                    name=name,
                    candidates=candidates,
                    role=role,
                )
            )
        if name in self.registry.departments:
            self.used[name] = self.registry.departments[name]
        else:
            self.used.setdefault(name, {"kind": guess_kind(name), "aliases": []})
        return name, flags

    def record(self, path, kind, label, source, basis, flags):
        self.records.append(
            {"path": path, "kind": kind, "label": label, "source": source, "basis": basis, "flags": flags}
        )

    # document

    def read(self, blocks):
        paragraphs = []
        for block in blocks:
            if isinstance(block, str):
                paragraphs.extend(blocks_from_text(block))
            else:
                paragraphs.append(block)  # a table: list of rows
        self.plan_header = self.read_header(paragraphs)
        annexes = self.split_annexes(paragraphs)
        general = annexes.pop(0)[1] if annexes and annexes[0][0] is None else []
        goals = self.general_goals(general)
        battles = []
        for number, body in annexes:
            battle = self.read_battle(number, body, goals, len(battles))
            if battle:
                battles.append(battle)
        plan = {
            "plan": self.plan_header,
            "departments": [
                {"name": name, "kind": info.get("kind") or guess_kind(name), "aliases": list(info.get("aliases", []))}
                for name, info in self.used.items()
            ],
            "battles": battles,
        }
        return Reading(plan=plan, records=self.records)

    def read_header(self, paragraphs):
        text = "\n".join(p for p in paragraphs[:40] if isinstance(p, str))
        header = {"code": self.code or "", "title": "", "document_number": "", "issuer": "", "year": None}
        flags = []
        for p in paragraphs[:60]:
            if isinstance(p, str) and p.endswith("总体方案") and len(p) < 40 and "印发" not in p:
                header["title"] = p
                break
        if not header["title"]:
            m = re.search(r"《(.+?)》", text)
            header["title"] = m.group(1) if m else ""
        m = re.search(r"([\u4e00-\u9fff]{2,8}发)\s*〔(\d{4})〕\s*(\d+)\s*号", text)
        if m:
            header["document_number"] = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
        else:
            m = re.search(r"([\u4e00-\u9fff]{2,8}发)\s*〔?(\d{4})〕?\s*(\d+)\s*号", text)
            if m:
                header["document_number"] = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
                flags.append(
                    _flag(
                        "document_number",
                        _("文号原文不完整（%(text)s），读作“%(number)s”，请核对")
                        % {"text": m.group(0), "number": header["document_number"]},
                    )
                )
        m = re.search(r"信息来源[:：]\s*(\S+)", text)
        if m:
            header["issuer"] = m.group(1)
        else:
            m = re.search(r"^(.+?(?:人民政府办公室|人民政府|办公厅))\s*$", text, re.M)
            header["issuer"] = m.group(1) if m else ""
        m = re.search(r"发布时间[:：]\s*(\d{4})-(\d{2})-(\d{2})", text)
        if m:
            header["published_on"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
        if m:
            header["issued_on"] = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        year = re.search(r"〔(\d{4})〕", header["document_number"]) or re.search(
            r"(\d{4})", header.get("issued_on", "")
        )
        header["year"] = int(year.group(1)) if year else None
        if not header["code"]:
            header["code"] = f"plan-{header['year'] or 'draft'}"
        if not header["title"]:
            flags.append(_flag("title", _("未找到总体方案标题，请填写")))
        self.record("plan", "plan", header["title"], header["document_number"], "stated", flags)
        return header

    def split_annexes(self, paragraphs):
        """[(None, general plan paragraphs), (1, annex 1 paragraphs), …]."""
        parts = [(None, [])]
        i = 0
        while i < len(paragraphs):
            p = paragraphs[i]
            if isinstance(p, str):
                m = ANNEX_RE.match(p)
                if m:
                    parts.append((int(m.group(1)), []))
                    i += 1
                    continue
                # A work plan without an "附件N" line: its title starts a new part.
                if (
                    WORK_PLAN_TITLE_RE.match(p)
                    and (len(parts) == 1 or parts[-1][1])
                    and self._starts_plan(paragraphs, i)
                ):
                    parts.append((len(parts), []))
            parts[-1][1].append(p)
            i += 1
        return parts

    def _starts_plan(self, paragraphs, i):
        following = [p for p in paragraphs[i + 1 : i + 4] if isinstance(p, str)]
        return any(CHAPTER_RE.match(p) for p in following) or any("特制定" in p for p in following)

    def general_goals(self, paragraphs):
        goals, in_goals = [], False
        for p in paragraphs:
            if not isinstance(p, str):
                continue
            m = CHAPTER_RE.match(p)
            if m:
                in_goals = "目标" in m.group(2)
                continue
            if in_goals and GOAL_RE.match(p):
                goals.append(p)
        return goals

    def read_battle(self, number, body, goals, index):
        strings = [p for p in body if isinstance(p, str)]
        title = next((p for p in strings if WORK_PLAN_TITLE_RE.match(p)), None)
        if title is None:
            return None
        name = WORK_PLAN_TITLE_RE.match(title).group(1)
        short = name.removeprefix("打好").removesuffix("仗")
        for suffix in BATTLE_SUFFIXES:
            if short.endswith(suffix) and len(short) > len(suffix) + 1:
                short = short[: -len(suffix)]
                break
        path = f"battles[{index}]"
        general_goal = goals[number - 1] if 0 < number <= len(goals) else ""
        battle = {
            "number": number,
            "name": name,
            "short_name": short[:20],
            "work_plan_title": title,
            "general_goal": general_goal,
            "task_force": None,
            "targets": [],
            "sections": [],
        }
        chapters = self.chapters(body)
        task_force = None
        for _heading, paragraphs in chapters:
            for p in paragraphs:
                if isinstance(p, str) and "成立" in p and "专班" in p and task_force is None:
                    task_force = self.read_task_force(p, f"{path}.task_force", name)
        battle_flags = []
        if task_force is None:
            battle_flags.append(_flag("no_task_force", _("未找到工作专班（成立……工作专班）；请补写召集人和专班办公室")))
            task_force = {
                "name": "",
                "convener": "",
                "deputy_conveners": [],
                "office": None,
                "members": [],
                "source": "",
            }
        battle["task_force"] = task_force
        self.record(path, "battle", name, title, "stated", battle_flags)
        office = task_force["office"]

        goal_paragraphs = []
        task_blocks = []
        for heading, paragraphs in chapters:
            if heading and "目标" in heading:
                goal_paragraphs = [p for p in paragraphs if isinstance(p, str)]
            elif heading and "任务" in heading:
                task_blocks = paragraphs
        if not task_blocks:
            # No 工作任务 chapter heading: take every section-looking paragraph of the work plan.
            task_blocks = [p for _h, ps in chapters for p in ps]
        battle["sections"] = self.read_sections(task_blocks, path, office, battle_flags)
        if not any(section["tasks"] for section in battle["sections"]):
            battle_flags.append(_flag("no_tasks", _("这份工作方案没有读出任务（(一)…下的 1. 2. …），请核对原文")))
        battle["targets"] = self.read_targets(number, goal_paragraphs, general_goal, battle, path)
        return battle

    def chapters(self, body):
        chapters = [(None, [])]
        for p in body:
            if isinstance(p, str):
                m = CHAPTER_RE.match(p)
                if m and len(p) < 30:
                    chapters.append((m.group(2), []))
                    continue
            chapters[-1][1].append(p)
        return chapters

    def read_task_force(self, paragraph, path, battle_name):
        found = re.search(r"成立[^,，。]*专班(?=[,，])", paragraph) or re.search(r"成立[^,，。]*专班", paragraph)
        source = paragraph[found.start() if found else paragraph.find("成立") :]
        name_m = re.search(r"成立([^,，。]+?专班)", source)
        convener = re.search(r"由(.+?)任召集人", source)
        deputy = re.search(rf"[{COMMA}]([^{COMMA}]+?)任副召集人", source)
        members_m = re.search(
            rf"成员单位包括(.+?)(?:等)?(?:[{COMMA}。]\s*(?:工作)?专班办公室|。|$)", source
        ) or re.search(
            rf"[{COMMA}]([^{COMMA}]*?(?:[{COMMA}][^{COMMA}]*?)*?)为成员单位", source.split("副召集人", 1)[-1]
        )
        office_m = re.search(rf"办公室设(?:在)?(.+?)(?:[{COMMA}。]|$)", source)
        flags = []
        members = []
        if members_m:
            written = members_m.group(1)
            for n in re.split(rf"[、{COMMA}]", written):
                n = _strip_etc(n.strip())
                if n:
                    canonical, f = self.dept(n, path, "", source, "members")
                    flags += f
                    if canonical not in members:
                        members.append(canonical)
        else:
            flags.append(_flag("no_members", _("未读出成员单位")))
        office = None
        if office_m:
            office, f = self.dept(office_m.group(1).strip(), path, "", source, "office")
            flags += f
        else:
            flags.append(_flag("no_office", _("未读出专班办公室所在单位")))
        tf = {
            "name": name_m.group(1) if name_m else f"{battle_name}工作专班",
            "convener": convener.group(1).strip() if convener else "",
            "deputy_conveners": [d.strip() for d in re.split("、", deputy.group(1))] if deputy else [],
            "office": office,
            "members": members,
            "source": source,
        }
        if not convener:
            flags.append(_flag("no_convener", _("未读出召集人")))
        self.record(path, "task_force", tf["name"], source, "stated", flags)
        return tf

    # sections and tasks

    def read_sections(self, blocks, path, office, battle_flags):
        sections = []
        current = None
        for block in blocks:
            if not isinstance(block, str):
                if current is None:
                    current = self.new_section(None, "", len(sections), path)
                    sections.append(current)
                self.read_table(block, current, path, len(sections) - 1, office)
                continue
            m = SECTION_RE.match(block)
            if m:
                current = self.new_section(m, block, len(sections), path)
                sections.append(current)
                continue
            t = TASK_RE.match(block)
            if t and current is not None:
                current["_tasks"].append({"number": int(t.group(1)), "raw": t.group(2), "source": block})
                continue
            if current is None:
                continue
            if current["_tasks"]:
                # A paragraph continuing the last task.
                current["_tasks"][-1]["raw"] += block
                current["_tasks"][-1]["source"] += block
            else:
                current["text"] += block
                current["_source"] += block
        result = []
        for j, section in enumerate(sections):
            result.append(self.finish_section(section, f"{path}.sections[{j}]", office))
        self.check_numbers(result, path)
        return result

    def new_section(self, match, block, j, path):
        number = _cn_number(match.group(1)) if match else j + 1
        body = match.group(2) if match else ""
        title, text, parens = _split_title(body)
        return {
            "number": number,
            "title": title,
            "text": text,
            "_parens": parens,
            "_source": block,
            "_tasks": [],
        }

    def finish_section(self, section, spath, office):
        flags = []
        roles, note = self.roles_of(section["_parens"], spath, section["_source"], flags)
        metrics = self.metrics_of(section["text"], spath, flags)
        out = {
            "number": section["number"],
            "title": section["title"],
            "text": section["text"],
            "lead": roles[ROLE_LEAD],
            "responsible": roles[ROLE_RESP],
            "cooperating": roles[ROLE_COOP],
            "metrics": metrics,
            "tasks": [],
        }
        self.record(
            spath, "section", f"{section_label(out['number'])}{out['title']}", section["_source"], "stated", flags
        )
        for k, raw in enumerate(section["_tasks"]):
            out["tasks"].append(self.read_task(raw, out, f"{spath}.tasks[{k}]", office))
        return out

    def read_task(self, raw, section, tpath, office):
        flags = []
        if "_table" in raw:
            title, text, parens = raw["title"], raw["text"], []
            roles = raw["roles"]
            note = raw["note"]
            for f in raw["flags"]:
                flags.append(f)
        else:
            title, text, parens = _split_title(raw["raw"])
            roles, note = self.roles_of(parens, tpath, raw["source"], flags)
        lead, resp, coop = roles[ROLE_LEAD], roles[ROLE_RESP], roles[ROLE_COOP]
        if lead:
            basis = "task"
        elif section["lead"]:
            basis = "section"
            lead = list(section["lead"])
            resp = _merge(section["responsible"], resp)
            coop = _merge(section["cooperating"], coop)
        elif resp or coop:
            basis = "first_named"
            first = (resp or coop)[0]
            lead = [first]
            flags.append(
                _flag("inferred_lead", _("未写牵头单位，取第一个负责单位“%s”为牵头，请确认") % first, department=first)
            )
        else:
            basis = "task_force_office"
            lead = [office] if office else []
            flags.append(
                _flag(
                    "inferred_lead",
                    _("任务未写责任单位，按专班办公室“%s”牵头，请确认") % office
                    if office
                    else _("任务未写责任单位，且未读出专班办公室"),
                    department=office,
                )
            )
        resp = [n for n in resp if n not in lead]
        coop = [n for n in coop if n not in lead and n not in resp]
        metrics = self.metrics_of(title + "。" + text if text else title, tpath, flags)
        deadline = raw.get("deadline") or _deadline(title + text)
        task = {
            "number": raw["number"],
            "title": title,
            "text": text,
            "responsibility_note": note,
            "basis": basis,
            "lead": lead,
            "responsible": resp,
            "cooperating": coop,
            "metrics": metrics,
        }
        if deadline:
            task["deadline"] = deadline
        reading_basis = {"task": "stated", "section": "inherited"}.get(basis, "inferred")
        self.record(tpath, "task", f"{raw['number']}.{title}", raw["source"], reading_basis, flags)
        return task

    def roles_of(self, parens, path, source, flags):
        roles = {ROLE_LEAD: [], ROLE_RESP: [], ROLE_COOP: []}
        notes = []
        for inner, closed, parsed in parens:
            notes.append(inner.strip())
            if not closed:
                flags.append(
                    _flag("unclosed_parenthesis", _("责任括号未闭合：“(%s”，已按括号读到段末") % _short(inner))
                )
            for role, names in parsed:
                for written in names:
                    name, f = self.dept(written, path, "", source, role)
                    flags.extend(f)
                    if name not in roles[role]:
                        roles[role].append(name)
        # One role per unit (lead > responsible > cooperating).
        roles[ROLE_RESP] = [n for n in roles[ROLE_RESP] if n not in roles[ROLE_LEAD]]
        roles[ROLE_COOP] = [n for n in roles[ROLE_COOP] if n not in roles[ROLE_LEAD] and n not in roles[ROLE_RESP]]
        return roles, " / ".join(notes)

    def metrics_of(self, text, path, flags):
        metrics = []
        for metric, mflags in read_metrics(text):
            metrics.append(metric)
            for f in mflags:
                flags.append({**f, "metric": metric["source"]})
        return metrics

    def check_numbers(self, sections, path):
        expected = 1
        for j, section in enumerate(sections):
            if section["number"] != expected:
                self._flag_record(
                    f"{path}.sections[{j}]",
                    _flag(
                        "number_jump",
                        _("板块序号从 %(previous)s 跳到 %(number)s，请核对是否漏读")
                        % {"previous": expected - 1, "number": section["number"]},
                    ),
                )
            expected = section["number"] + 1
        # Tasks: numbered per section, or continuously across the work plan (battle 4 of 2023).
        previous = 0
        for j, section in enumerate(sections):
            for k, task in enumerate(section["tasks"]):
                n = task["number"]
                if n not in (1, previous + 1) or (k > 0 and n != previous + 1):
                    self._flag_record(
                        f"{path}.sections[{j}].tasks[{k}]",
                        _flag(
                            "number_jump",
                            _("任务序号从 %(previous)s 跳到 %(number)s，请核对是否漏读或顺序有误")
                            % {"previous": previous, "number": n},
                        ),
                    )
                previous = n

    def _flag_record(self, path, flag):
        for record in self.records:
            if record["path"] == path:
                record["flags"].append(flag)
                return

    # tables: 序号 | 任务 | 牵头单位 | 责任单位 | 配合单位 | 完成时限

    def read_table(self, rows, section, path, j, office):
        if not rows:
            return
        header = [_clean(c) for c in rows[0]]
        columns = {}
        for i, cell in enumerate(header):
            c = cell.replace(" ", "")
            if re.search(r"序号|编号", c):
                columns["number"] = i
            elif re.search(r"牵头", c):
                columns[ROLE_LEAD] = i
            elif re.search(r"配合|协同", c):
                columns[ROLE_COOP] = i
            elif re.search(r"责任|负责", c):
                columns[ROLE_RESP] = i
            elif re.search(r"时限|时间|完成时", c):
                columns["deadline"] = i
            elif re.search(r"任务|措施|内容|事项", c) and "task" not in columns:
                columns["task"] = i
        if "task" not in columns:
            return
        for row in rows[1:]:
            cells = [_clean(c) for c in row]
            if not any(cells):
                continue
            body = cells[columns["task"]]
            if not body:
                continue
            number_cell = cells[columns["number"]] if "number" in columns else ""
            nm = re.match(r"^(\d+)", number_cell)
            tm = TASK_RE.match(body)
            if nm:
                number = int(nm.group(1))
            elif tm:
                number, body = int(tm.group(1)), tm.group(2)
            else:
                number = len(section["_tasks"]) + 1
            title, text, parens = _split_title(body)
            roles = {ROLE_LEAD: [], ROLE_RESP: [], ROLE_COOP: []}
            flags = []
            notes = []
            for role in (ROLE_LEAD, ROLE_RESP, ROLE_COOP):
                if role in columns and cells[columns[role]]:
                    written = cells[columns[role]]
                    notes.append(f"{header[columns[role]]}：{written}")
                    for n in _split_names(re.sub(rf"[{COMMA}{SEMI}\s]+", "、", written)):
                        name, f = self.dept(n, path, "", body, role)
                        flags += f
                        if name not in roles[role]:
                            roles[role].append(name)
            extra_roles, extra_note = self.roles_of(parens, path, body, flags)
            for role in roles:
                roles[role] = _merge(roles[role], extra_roles[role])
            if extra_note:
                notes.append(extra_note)
            task = {
                "_table": True,
                "number": number,
                "title": title,
                "text": text,
                "roles": roles,
                "note": "；".join(notes),
                "flags": flags,
                "source": " | ".join(cells),
            }
            section["_tasks"].append(task)
            if "deadline" in columns and cells[columns["deadline"]]:
                task["deadline"] = cells[columns["deadline"]]

    # targets

    def read_targets(self, number, goal_paragraphs, general_goal, battle, path):
        targets = []
        general_text = general_goal.split("。", 1)[-1] if general_goal else ""
        general_clauses = _goal_clauses(general_text)
        work_clauses = _goal_clauses("".join(goal_paragraphs))
        office = battle["task_force"]["office"]

        def add(metric, general_source, flags, basis="stated"):
            code = f"{number}.{len(targets) + 1:02d}"
            source = metric["source"]
            target = {
                "code": code,
                "name": metric["name"],
                "comparator": metric["comparator"],
                "value": metric["value"],
                "unit": metric["unit"],
                "kind": _target_kind(metric, source),
                "frequency": _target_frequency(metric, source),
                "departments": [office] if office else [],
                "departments_inferred": True,
                "by_area": False,
                "source": source,
            }
            if general_source:
                target["general_plan_source"] = general_source
            flags = list(flags) + [
                _flag(
                    "inferred_departments",
                    _("指标未写责任单位，暂定专班办公室“%s”，请核对") % office,
                    department=office,
                )
            ]
            targets.append(target)
            self.record(
                f"{path}.targets[{len(targets) - 1}]", "target", f"{code} {target['name']}", source, basis, flags
            )

        general_found = [(c, metric, flags) for c in general_clauses for metric, flags in _clause_targets(c)]
        used_general = set()
        for clause in work_clauses:
            for metric, flags in _clause_targets(clause):
                match = next(
                    (
                        i
                        for i, (_c, other, _f) in enumerate(general_found)
                        if i not in used_general and _same_target(metric, other)
                    ),
                    None,
                )
                general_source = ""
                if match is not None:
                    used_general.add(match)
                    general_source = general_found[match][1]["source"]
                add(
                    metric,
                    general_source,
                    flags,
                    "inferred" if metric["value"] is None and metric["comparator"] != "decrease" else "stated",
                )
        # Goals of the general plan that the work plan does not repeat.
        for i, (_clause, metric, flags) in enumerate(general_found):
            if i not in used_general:
                add(
                    metric,
                    metric["source"],
                    flags + [_flag("general_plan_only", _("只见于总体方案“主要目标”，工作方案未重复，请确认"))],
                    "inferred" if metric["value"] is None else "stated",
                )
        # Ceilings and decreases stated only in task text (不良贷款率, 森林火灾受害率) are targets too.
        for section in battle["sections"]:
            for task in section["tasks"]:
                for metric in task["metrics"]:
                    if metric["comparator"] in ("at_most", "decrease") and metric["unit"] in ("%", "‰"):
                        add(dict(metric), "", [_flag("from_task", _("指标取自任务原文，请确认是否列为目标"))])
        return targets


def _merge(first, second):
    return list(first) + [n for n in second if n not in first]


def _short(text, n=16):
    return text if len(text) <= n else text[:n] + "…"


def _deadline(text):
    m = DEADLINE_RE.search(text)
    return m.group(1) if m else ""


def section_label(number):
    return f"（{_cn(number)}）" if number else ""


def _cn(n):
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def _cn_number(text):
    values = {ch: i for i, ch in enumerate("零一二三四五六七八九")}
    if text == "十":
        return 10
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (values.get(tens, 1) if tens else 1) * 10 + (values.get(ones, 0) if ones else 0)
    return values.get(text, 0)


def _split_title(body):
    """(title, text without the final responsibility parenthesis, [(inner, closed, roles)])."""
    body = body.strip()
    spans = _parentheses(body)
    parens = []
    for start, end, inner, closed in spans:
        roles = parse_roles(inner)
        if roles:
            parens.append((start, end, inner, closed, roles))
    # The final responsibility parenthesis (the last one, ending the paragraph or before a final 。).
    text_end = len(body)
    if parens:
        start, end, *_rest = parens[-1]
        tail = body[end:].strip()
        if tail in ("", "。"):
            text_end = start
    period = body.find(PERIOD)
    # A parenthesis before the first 。 ends the title when it is a responsibility or closes the heading.
    cut = None
    for start, end, _inner, _closed in spans:
        if period != -1 and start > period:
            break
        is_resp = any(p[0] == start for p in parens)
        if is_resp or end >= len(body.rstrip("。")):
            cut = start
            break
    if cut is not None and (period == -1 or cut < period):
        title = body[:cut].strip()
        text = body[cut:text_end].strip()
    elif period != -1:
        title = body[:period].strip()
        text = body[period + 1 : text_end].strip()
    else:
        title = body[:text_end].strip()
        text = ""
    # A trailing responsibility parenthesis may have ended the text; what remains of it is text.
    return title, text, [(inner, closed, roles) for _s, _e, inner, closed, roles in parens]


def _goal_clauses(text):
    return [c.strip() for c in re.split(rf"[{COMMA}{SEMI}。:：]", text) if c.strip()]


QUALITATIVE_START = re.compile(r"^(确保|坚决|力争|完成|高质量完成|办好)")


def _clause_targets(clause):
    """Targets a goal clause states: figures with comparators, zero tolerance, decreases, commitments."""
    found = read_metrics(clause)
    if found:
        return found
    zm = ZERO_RE.search(clause)
    if zm:
        name = clause[zm.end() :]
        return [
            (
                {
                    "name": name,
                    "comparator": "zero",
                    "value": 0,
                    "unit": "起" if "事故" in name else "",
                    "source": clause,
                },
                [],
            )
        ]
    if clause.endswith(("持续下降", "逐步下降")):
        subject = re.sub(r"^(确保|全市)+", "", clause[:-4])
        first, sep, second = subject.partition("和")
        if sep and re.search(r"(起数|人数|数量)$", first) and len(second) <= 6:
            base = re.sub(r"(起数|人数|数量)$", "", first)
            subjects = [first, base + second]
        else:
            subjects = [subject]
        return [
            (
                {
                    "name": s + "持续下降",
                    "comparator": "decrease",
                    "value": None,
                    "unit": "起" if s.endswith("起数") else "人" if s.endswith("人数") else "",
                    "source": clause,
                },
                [_flag("comparator_guessed", _("“持续下降”未写幅度：下降幅度留空，请核对"))],
            )
            for s in subjects
        ]
    if QUALITATIVE_START.match(clause) and len(clause) >= 6:
        name = re.sub(r"^(确保|力争)", "", clause)
        return [
            (
                {"name": name, "comparator": "reach", "value": None, "unit": "", "source": clause},
                [_flag("qualitative", _("定性目标（无数值）：由任务进展判断，请确认是否列为指标"))],
            )
        ]
    return []


def _same_target(a, b):
    if a["value"] is None or b["value"] is None:
        return (
            a["value"] is None
            and b["value"] is None
            and (a["source"] in b["source"] or b["source"] in a["source"] or a["name"] == b["name"])
        )
    same = a["comparator"] == b["comparator"] and a["value"] == b["value"] and a["unit"] == b["unit"]
    if a["comparator"] == "zero":
        return same and (a["name"] in b["name"] or b["name"] in a["name"])
    return same


def _target_kind(metric, source):
    comparator = metric["comparator"]
    if metric["value"] is None and comparator != "decrease":
        return "qualitative"
    if comparator == "zero":
        return "zero_tolerance"
    if comparator == "decrease":
        return "decrease"
    if comparator == "about":
        return "approximate"
    if comparator == "at_most":
        return "ceiling"
    if metric["unit"] in ("%", "‰"):
        return "growth_rate" if "增长" in source else "level"
    if re.search(r"(新增|新认定|新建|引进|培育|完成)", source):
        return "cumulative"
    return "level"


def _target_frequency(metric, source):
    if metric["comparator"] in ("zero", "decrease"):
        return "monthly"
    if metric["unit"] == "%" and "增长" in source:
        return "monthly"
    return "quarterly" if metric["unit"] not in ("%", "‰") else "yearly"


# --- entry points -----------------------------------------------------------------------------


def read_plan(blocks, departments=None, code=None):
    """Read paragraphs (str) and tables (list of rows of cell text) into a Reading."""
    if isinstance(blocks, str):
        blocks = blocks_from_text(blocks)
    return _Reader(departments, code=code).read(blocks)


def docx_blocks(file):
    """Paragraphs and tables of a .docx in document order (python-docx)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(file)
    blocks = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = _clean(Paragraph(child, document).text)
            if text:
                blocks.extend(blocks_from_text(text))
        elif tag == "tbl":
            table = Table(child, document)
            blocks.append([[cell.text for cell in row.cells] for row in table.rows])
    return blocks


def read_document(file, filename, registry=None, code=None):
    """Read an uploaded or opened file (.docx or text) into a Reading; ReadError if it cannot be opened."""
    head = file.read(8)
    file.seek(0)
    name = filename.lower()
    if head.startswith(b"PK"):
        try:
            blocks = docx_blocks(file)
        except Exception:  # python-docx raises several types for a damaged or foreign zip
            # The exception's type (ValueError, KeyError…) tells the reader nothing: say what to check.
            raise ReadError(
                _("无法读取 Word 文件“%(file)s”：不是有效的 .docx 文件（可能已损坏，或是改了扩展名的其他文件）")
                % {"file": filename}
            ) from None
    elif head.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".doc"):
        raise ReadError(_("“%s”是旧版 Word（.doc）文件：请在 Word 中另存为 .docx 后上传") % filename)
    else:
        raw = file.read()
        text = None
        # Notepad's "Unicode" is UTF-16 with a byte-order mark; without one, UTF-8 or else GBK.
        encodings = ("utf-16",) if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ()
        for encoding in (*encodings, "utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None or "\x00" in text:
            raise ReadError(_("无法读取“%s”：既不是 .docx，也不是 UTF-8 或 GB18030 编码的文本") % filename)
        blocks = blocks_from_text(text)
    reading = read_plan(blocks, registry, code=code)
    tasks = sum(len(s["tasks"]) for b in reading.plan["battles"] for s in b["sections"])
    if not reading.plan["battles"] or not tasks:
        raise ReadError(
            _("在“%s”中没有找到工作方案（“附件N”后的“打好……仗工作方案”及其“工作任务”）：请确认上传的是方案全文")
            % filename
        )
    return reading


def summary_lines(reading):
    """What was read and what needs a look, for the command line."""
    plan = reading.plan
    tasks = sum(len(s["tasks"]) for b in plan["battles"] for s in b["sections"])
    lines = [
        _(
            "《%(title)s》（%(number)s）：仗 %(battles)d，任务板块 %(sections)d，任务 %(tasks)d，"
            "目标指标 %(targets)d，单位 %(departments)d。"
        )
        % {
            "title": plan["plan"]["title"],
            "number": plan["plan"]["document_number"],
            "battles": len(plan["battles"]),
            "sections": sum(len(b["sections"]) for b in plan["battles"]),
            "tasks": tasks,
            "targets": sum(len(b["targets"]) for b in plan["battles"]),
            "departments": len(plan["departments"]),
        }
    ]
    flagged = reading.flagged()
    lines.append(_("需要核对的记录 %d 条：") % len(flagged))
    for record in flagged:
        for flag in record["flags"]:
            lines.append(f"  {record['path']}（{record['label'][:24]}）：{flag['message']}")
    return lines


def plan_file_data(reading_plan):
    """The plan-file part of a draft: drop the reader's extra keys (deadline)."""
    import copy

    data = copy.deepcopy(reading_plan)
    for battle in data["battles"]:
        for section in battle["sections"]:
            for task in section["tasks"]:
                task.pop("deadline", None)
    return data
