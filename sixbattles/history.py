"""Change history (django-simple-history) as rows a page can show: who, when, field, before, after.

Usage in a view:  rows = history_rows(report.history.all())
and in a template: {% include "_history.html" with rows=rows %}

The records may belong to several objects (a report and its metric values); each object's
records are compared with that object's previous record. Users and foreign keys are loaded
with one query per related model, never one per row.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

# Technical fields a reader of the history has no use for: row ids, sort keys ("排序 0"),
# optimistic-lock versions, counters and hashes the app keeps for itself.
SKIPPED_FIELDS = {
    "id",
    "updated_at",
    "version",
    "is_demo",
    "order",
    "first_submitted_at",
    "times_returned",
    "sha256",
}


@dataclass
class HistoryRow:
    when: object
    who: object
    change: str
    object_label: str
    field: str
    before: str
    after: str


def _tracked_fields(history_model, skip):
    model = history_model.instance_type
    names = {f.name for f in history_model._meta.get_fields()}
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in skip and (f.attname in names or f.name in names) and not isinstance(f, models.FileField)
    ]


def _display(field, value, related):
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        obj = related.get(field.related_model, {}).get(value)
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        # 1520.0000 → 1520; 12.50 → 12.5 (no exponent for round numbers such as 1E+3).
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def history_rows(records, *, skip=SKIPPED_FIELDS, label=None, newest_first=True):
    """Rows for the changes in `records` (a queryset of one model's historical records).

    `label(record)` names the object a row is about (default: the record's string form).
    """
    records = list(records.select_related("history_user").order_by("history_date", "history_id"))
    if not records:
        return []
    history_model = type(records[0])
    fields = _tracked_fields(history_model, set(skip))

    # One query per related model for every foreign-key value shown.
    wanted = defaultdict(set)
    for field in fields:
        if isinstance(field, models.ForeignKey):
            for record in records:
                value = getattr(record, field.attname)
                if value is not None:
                    wanted[field.related_model].add(value)
    related = {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}

    kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    previous = {}
    rows = []
    for record in records:
        key = getattr(record, "id", None)
        before = previous.get(key)
        object_label = label(record) if label else str(record.instance_type._meta.verbose_name)
        for field in fields:
            new = getattr(record, field.attname)
            old = getattr(before, field.attname) if before is not None else None
            if before is None and record.history_type == "+" and new in (None, ""):
                continue
            if before is not None and old == new:
                continue
            if before is None and record.history_type != "+":
                # The first record we hold is not the creation: no "before" to compare with.
                continue
            rows.append(
                HistoryRow(
                    when=record.history_date,
                    who=record.history_user,
                    change=kinds.get(record.history_type, record.history_type),
                    object_label=object_label,
                    field=str(field.verbose_name),
                    before=_display(field, old, related) if before is not None else "—",
                    after=_display(field, new, related),
                )
            )
        previous[key] = record
    if newest_first:
        rows.reverse()
    return rows
