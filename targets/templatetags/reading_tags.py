from django import template

from targets.forms import plain

register = template.Library()


@register.filter(name="plain")
def plain_number(value):
    """A stored decimal as people write it: 710.3000 → 710.3, 1000.0000 → 1000 (never 1E+3)."""
    if value is None or value == "":
        return "—"
    return plain(value)
