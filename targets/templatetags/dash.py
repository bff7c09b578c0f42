"""Template helpers for the dashboards: figures printed the way the circulars print them."""

from django import template

from targets.numbers import q1, value_text

register = template.Library()


@register.filter
def pct1(value):
    """79.1 — one decimal, or an em dash."""
    return "—" if value is None else q1(value)


@register.filter
def signed1(value):
    """+4.2 / −4.2 points."""
    if value is None:
        return "—"
    rounded = q1(value)
    if rounded == 0:
        return "0.0"  # -0.04 rounds to zero: never "−0.0", as the circulars print it
    return f"+{rounded}" if rounded > 0 else f"{rounded}".replace("-", "−")


@register.filter
def figure(value):
    """617.2, 1.09 — a value in its own unit as the circulars print it (targets.numbers.value_text)."""
    return value_text(value)


@register.filter
def bar_width(value):
    """A completion percentage clamped to 0–100 for a progress bar."""
    if value is None:
        return 0
    return max(0, min(100, int(value)))


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
