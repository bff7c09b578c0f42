"""Filters for the admin templates the project overrides (templates/simple_history/…)."""

from django import template

register = template.Library()


@register.filter
def any_change_reason(records):
    """Whether any history record on the page carries a change reason (the column is hidden otherwise)."""
    return any(getattr(record, "history_change_reason", None) for record in records)
