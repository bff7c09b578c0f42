"""Server-rendered SVG charts: no JavaScript, nothing loaded from the internet, prints as is."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from targets.numbers import q1, round_half_up

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def _nice_range(values):
    low = min(values + [0])
    high = max(values + [1])
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    return low - (pad if low < 0 else 0), high + pad


def line_chart(labels, series, unit="%", title=""):
    """A line chart of one or more series over the same x labels.

    `series` is a list of (name, css_class, values) where values may contain None (gaps).
    Returns safe SVG markup with a <title> and a legend, readable without colour too (markers differ).
    """
    numbers = [float(v) for _, _, values in series for v in values if v is not None]
    if not labels or not numbers:
        return ""
    low, high = _nice_range(numbers)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i):
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v):
        return TOP + plot_h - (float(v) - low) / (high - low) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg"'
        f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    # Horizontal grid lines with their values.
    for k in range(5):
        value = low + (high - low) * k / 4
        gy = y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{round_half_up(value, 0)}{escape(unit)}</text>"
        )
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for index, (name, css, values) in enumerate(series):
        coords = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
            parts.append(f'<polyline class="series {escape(css)}" points="{path}"/>')
        for (cx, cy), v in zip(coords, [v for v in values if v is not None], strict=True):
            shape = (
                f'<circle class="dot {escape(css)}" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5">'
                if index % 2 == 0
                else f'<rect class="dot {escape(css)}" x="{cx - 3:.1f}" y="{cy - 3:.1f}" width="6" height="6">'
            )
            tag = "circle" if index % 2 == 0 else "rect"
            parts.append(f"{shape}<title>{escape(name)} {q1(v)}{escape(unit)}</title></{tag}>")
        lx = LEFT + index * 180
        parts.append(
            f'<line class="series {escape(css)}" x1="{lx}" y1="{HEIGHT - 8}" x2="{lx + 24}" y2="{HEIGHT - 8}"/>'
        )
        parts.append(f'<text class="legend" x="{lx + 30}" y="{HEIGHT - 4}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
