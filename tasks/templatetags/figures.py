"""Figures as the department entered them: 16 (not 16.0000), 1000 (not 1E+3), 7.25."""

from decimal import Decimal, InvalidOperation

from django import template

from targets.numbers import fmt

register = template.Library()


@register.filter
def entered(value):
    """A stored figure, or a snapshot's string of one, without the database's trailing zeros."""
    if value is None or value == "":
        return "—"
    try:
        return fmt(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.filter
def changed(comparison, name):
    """Whether a review comparison (tasks.review.Comparison) marks field `name` as changed."""
    return comparison.field_changed(name)
