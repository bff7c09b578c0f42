"""Plan drafts: a document read by tasks/plan_reader.py, reviewed in the browser, then loaded.

Every change a reviewer makes is one function here that edits the draft's JSON and saves it;
loading goes through the plan-file validator and loader (tasks/plan_file.py), all or nothing.
"""

import copy
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from targets.models import Department, Plan
from tasks.models import PlanDraft
from tasks.plan_file import PlanFileError, dump_plan, export_plan, load_plan, parse_plan
from tasks.plan_reader import ReadError, guess_kind, known_departments, plan_file_data, read_document

PATH_PART = re.compile(r"(\w+)(?:\[(\d+)\])?")
TASK_PATH = re.compile(r"^battles\[\d+\]\.sections\[\d+\]\.tasks\[\d+\]$")
TARGET_PATH = re.compile(r"^battles\[\d+\]\.targets\[\d+\]$")
METRIC_OWNER_PATH = re.compile(r"^battles\[\d+\]\.sections\[\d+\](?:\.tasks\[\d+\])?$")

# Review groups, in the order the review page lists them.
FLAG_GROUPS = [
    ("departments", _("单位名称"), ("unknown_department", "abbreviated_department")),
    ("leads", _("推定的牵头单位"), ("inferred_lead",)),
    ("figures", _("比较方式与区间"), ("range", "comparator_guessed")),
    ("numbers", _("序号跳跃"), ("number_jump",)),
    ("other", _("其他待核对"), None),
]


def _resolve(data, path):
    node = data
    for key, index in PATH_PART.findall(path):
        node = node[key]
        if index != "":
            node = node[int(index)]
    return node


def record_object(draft, path):
    """The draft's dict at `path` (battles[0].sections[1].tasks[2]); KeyError/IndexError if none."""
    if path == "plan":
        return draft.data["plan"]
    return _resolve(draft.data, path)


def _record(draft, path):
    for record in draft.records:
        if record["path"] == path:
            return record
    raise KeyError(path)


# --- creating -----------------------------------------------------------------------------------


def create_draft(user, file, filename, code=""):
    """Read an uploaded file (or pasted text as bytes) into a new draft; ReadError if unreadable.

    An office keeps only the work plans whose task-force office is its own department.
    """
    reading = read_document(file, filename, known_departments(), code=code or None)
    data, records = reading.plan, reading.records
    office = None
    if user.role == User.Role.OFFICE and not user.is_plan_admin:
        office = user.department
        if office is None:
            raise ReadError(_("您的账号没有所属单位，不能上传方案"))
        data, records = _only_battles_of(data, records, office.name)
    draft = PlanDraft.objects.create(
        filename=filename[:200],
        code=data["plan"]["code"],
        data=data,
        records=records,
        created_by=user,
        office=office,
    )
    return draft


def _only_battles_of(data, records, office_name):
    keep = [i for i, b in enumerate(data["battles"]) if (b["task_force"] or {}).get("office") == office_name]
    if not keep:
        raise ReadError(_("方案中没有专班办公室设在“%s”的工作方案；专班办公室只能上传本专班的工作方案") % office_name)
    renumber = {old: new for new, old in enumerate(keep)}
    data = {**data, "battles": [data["battles"][i] for i in keep]}
    kept_records = []
    for record in records:
        m = re.match(r"battles\[(\d+)\](.*)", record["path"])
        if m is None:
            kept_records.append(record)
        elif int(m.group(1)) in renumber:
            kept_records.append({**record, "path": f"battles[{renumber[int(m.group(1))]}]{m.group(2)}"})
    return data, kept_records


# --- review ---------------------------------------------------------------------------------------


def grouped_flags(draft, battle_numbers=None):
    """[(key, title, [(record, flag, index)])] — what the reader was unsure of, by kind."""
    groups = {key: [] for key, _title, _codes in FLAG_GROUPS}
    for record in draft.records:
        if battle_numbers is not None and not _in_battles(draft, record["path"], battle_numbers):
            continue
        for index, flag in enumerate(record["flags"]):
            key = next((k for k, _t, codes in FLAG_GROUPS if codes and flag["code"] in codes), "other")
            groups[key].append((record, flag, index))
    return [(key, title, groups[key]) for key, title, _codes in FLAG_GROUPS]


def _in_battles(draft, path, battle_numbers):
    m = re.match(r"battles\[(\d+)\]", path)
    if m is None:
        return True
    return draft.data["battles"][int(m.group(1))]["number"] in battle_numbers


def department_names(draft):
    """Every department name the reviewer may choose: the registry and the draft's own."""
    names = list(Department.objects.order_by("kind", "name").values_list("name", flat=True))
    return names + [d["name"] for d in draft.data["departments"] if d["name"] not in names]


ROLE_KEYS = ("lead", "responsible", "cooperating")


def _replace_in(obj, old, new):
    """Replace a department name in a task, section, task force or target; keep one role per unit."""
    for key in (*ROLE_KEYS, "members", "departments"):
        if key in obj and isinstance(obj[key], list):
            obj[key] = list(dict.fromkeys(new if n == old else n for n in obj[key]))
    if obj.get("office") == old:
        obj["office"] = new
    if all(k in obj for k in ROLE_KEYS):
        obj["responsible"] = [n for n in obj["responsible"] if n not in obj["lead"]]
        obj["cooperating"] = [n for n in obj["cooperating"] if n not in obj["lead"] + obj["responsible"]]


def _referenced(data):
    names = []
    for battle in data["battles"]:
        tf = battle["task_force"] or {}
        names += tf.get("members", []) + ([tf["office"]] if tf.get("office") else [])
        for target in battle["targets"]:
            names += target["departments"]
        for section in battle["sections"]:
            for obj in [section, *section["tasks"]]:
                for key in ROLE_KEYS:
                    names += obj[key]
    return list(dict.fromkeys(names))


def _rebuild_departments(data, extra_alias=None, kinds=None):
    """The departments list: every name referenced, with kind and aliases from the registry."""
    kinds = kinds or {}
    previous = {d["name"]: d for d in data["departments"]}
    registry = {
        d.name: {"kind": d.kind, "aliases": [a.name for a in d.aliases.all()]}
        for d in Department.objects.filter(name__in=_referenced(data)).prefetch_related("aliases")
    }
    result = []
    for name in _referenced(data):
        info = registry.get(name) or previous.get(name) or {"kind": guess_kind(name), "aliases": []}
        aliases = list(dict.fromkeys(info["aliases"] + previous.get(name, {}).get("aliases", [])))
        entry = {"name": name, "kind": kinds.get(name, info["kind"]), "aliases": aliases}
        if extra_alias and extra_alias[1] == name and extra_alias[0] not in entry["aliases"] and extra_alias[0] != name:
            entry["aliases"].append(extra_alias[0])
        result.append(entry)
    # An alias may not equal another department's name or alias (docs/plan-format.md).
    taken = {e["name"] for e in result}
    for entry in result:
        entry["aliases"] = [a for a in entry["aliases"] if a not in taken]
        taken.update(entry["aliases"])
    data["departments"] = result


@transaction.atomic
def resolve_department(draft, written, department_name, kind=None):
    """Every flagged use of `written` becomes `department_name` (existing or new, of `kind`)."""
    department_name = department_name.strip()
    exists = Department.objects.filter(name=department_name).exists()
    for record in draft.records:
        remaining = []
        for flag in record["flags"]:
            if flag["code"] in ("unknown_department", "abbreviated_department") and flag.get("written") == written:
                obj = record_object(draft, record["path"]) if record["path"] != "plan" else None
                if obj is not None:
                    _replace_in(obj, flag.get("name", written), department_name)
                continue
            remaining.append(flag)
        record["flags"] = remaining
    alias = (written, department_name) if exists and written != department_name else None
    _rebuild_departments(draft.data, extra_alias=alias, kinds={department_name: kind} if kind else None)
    draft.save(update_fields=["data", "records", "updated_at"])


@transaction.atomic
def set_lead(draft, path, lead_names):
    """Confirm or change the lead of a task whose lead the reader inferred."""
    if not TASK_PATH.match(path):
        raise KeyError(path)
    task = record_object(draft, path)
    lead = list(dict.fromkeys(n for n in lead_names if n))
    if not lead:
        raise ValueError(_("请至少选择一个牵头单位"))
    task["lead"] = lead
    task["responsible"] = [n for n in task["responsible"] if n not in lead]
    task["cooperating"] = [n for n in task["cooperating"] if n not in lead]
    record = _record(draft, path)
    record["flags"] = [f for f in record["flags"] if f["code"] != "inferred_lead"]
    record["reviewed"] = True
    _rebuild_departments(draft.data)
    draft.save(update_fields=["data", "records", "updated_at"])


@transaction.atomic
def update_task_force(draft, battle_index, values, members):
    """Name, convener and office of a battle's task force (when the reader found none or misread it).

    Tasks whose lead was the old office by default (nobody named in the document) follow the new office.
    """
    battle = draft.data["battles"][battle_index]
    old = battle["task_force"] or {}
    office = values["office"]
    battle["task_force"] = {
        "name": values["name"],
        "convener": values["convener"],
        "deputy_conveners": old.get("deputy_conveners", []),
        "office": office,
        "members": members,
        "source": old.get("source", ""),
    }
    for section in battle["sections"]:
        for task in section["tasks"]:
            if task["basis"] == "task_force_office":
                task["lead"] = [office]
    path = f"battles[{battle_index}]"
    for record in draft.records:
        if record["path"] in (path, f"{path}.task_force"):
            record["flags"] = [
                f
                for f in record["flags"]
                if f["code"] not in ("no_task_force", "no_office", "no_convener", "no_members")
            ]
    _rebuild_departments(draft.data)
    draft.save(update_fields=["data", "records", "updated_at"])


TARGET_FIELDS = ("name", "comparator", "value", "unit", "kind", "frequency")


@transaction.atomic
def update_target(draft, path, values, departments):
    if not TARGET_PATH.match(path):
        raise KeyError(path)
    target = record_object(draft, path)
    for key in TARGET_FIELDS:
        target[key] = values[key]
    target["departments"] = departments
    target["departments_inferred"] = values.get("departments_inferred", target["departments_inferred"])
    record = _record(draft, path)
    record["flags"] = []
    record["reviewed"] = True
    _rebuild_departments(draft.data)
    draft.save(update_fields=["data", "records", "updated_at"])


@transaction.atomic
def delete_target(draft, path):
    """Drop a target the reader proposed (e.g. a commitment that is not an indicator)."""
    m = re.match(r"(battles\[(\d+)\])\.targets\[(\d+)\]$", path)
    if m is None:
        raise KeyError(path)
    battle = draft.data["battles"][int(m.group(2))]
    index = int(m.group(3))
    del battle["targets"][index]
    number = battle["number"]
    for i, target in enumerate(battle["targets"]):
        target["code"] = f"{number}.{i + 1:02d}"
    prefix = f"{m.group(1)}.targets["
    records = []
    for record in draft.records:
        if record["path"].startswith(prefix):
            i = int(record["path"][len(prefix) : -1])
            if i == index:
                continue
            if i > index:
                record = {**record, "path": f"{prefix}{i - 1}]"}
        records.append(record)
    draft.records = records
    draft.save(update_fields=["data", "records", "updated_at"])


@transaction.atomic
def update_metric(draft, path, index, values):
    if not METRIC_OWNER_PATH.match(path) or index < 0:
        raise KeyError(path)
    obj = record_object(draft, path)
    metric = obj["metrics"][index]
    for key in ("name", "comparator", "value", "unit"):
        metric[key] = values[key]
    record = _record(draft, path)
    record["flags"] = [
        f
        for f in record["flags"]
        if not (f["code"] in ("range", "comparator_guessed") and f.get("metric") == metric["source"])
    ]
    draft.save(update_fields=["data", "records", "updated_at"])


@transaction.atomic
def dismiss_flag(draft, path, index):
    if index < 0:
        raise IndexError(index)
    record = _record(draft, path)
    del record["flags"][index]
    draft.save(update_fields=["records", "updated_at"])


# --- output ---------------------------------------------------------------------------------------


def plan_file_text(draft):
    return dump_plan(plan_file_data(draft.data))


def _plan_data_to_load(draft):
    """What is loaded: the draft, or for an office the existing plan with its battle replaced."""
    if draft.office is None:
        return plan_file_data(draft.data)
    plan = Plan.objects.filter(code=draft.code).first()
    if plan is None:
        raise PlanFileError(
            draft.filename,
            [_("方案“%s”尚未载入：新方案须由管理员载入，专班办公室只能更新本专班的工作方案") % draft.code],
        )
    current = parse_plan(dump_plan(export_plan(plan)), draft.code)
    current = plan_file_data(current)
    mine = {b["number"]: b for b in plan_file_data(draft.data)["battles"]}
    current["battles"] = [mine.get(b["number"], b) for b in current["battles"]]
    for number, battle in mine.items():
        if number not in {b["number"] for b in current["battles"]}:
            current["battles"].append(battle)
    names = {d["name"] for d in current["departments"]}
    current["departments"] += [d for d in draft.data["departments"] if d["name"] not in names]
    return current


@transaction.atomic
def load_draft(draft, user):
    """Validate and load the draft through the plan-file loader: all or nothing; PlanFileError lists why not."""
    text = dump_plan(_for_dump(_plan_data_to_load(draft)))
    data = parse_plan(text, draft.filename)
    result = load_plan(data, filename=draft.filename)
    draft.status = PlanDraft.Status.LOADED
    draft.loaded_at = timezone.now()
    draft.loaded_plan = result.plan
    draft.save(update_fields=["status", "loaded_at", "loaded_plan", "updated_at"])
    return result


def _for_dump(data):
    data = copy.deepcopy(data)
    for key in ("issued_on", "published_on"):
        if data["plan"].get(key) is not None:
            data["plan"][key] = str(data["plan"][key])
    return data
