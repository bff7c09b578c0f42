"""Server-rendered SVG charts: no JavaScript, nothing loaded from the internet, prints as is."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from targets.numbers import fmt, q1, round_half_up

WIDTH, HEIGHT = 640, 260
# The right margin leaves room for the last x label and the target line's name.
LEFT, RIGHT, TOP, BOTTOM = 48, 40, 16, 40


def _figure(value):
    return fmt(q1(value))


def _nice_range(values):
    low = min(values + [0])
    high = max(values + [1])
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    return low - (pad if low < 0 else 0), high + pad


def line_chart(labels, series, unit="%", title="", target=None, projection=None, xs=None):
    """A line chart of one or more series over the same x labels.

    `series` is a list of (name, css_class, values) where values may contain None (gaps).
    `target`: (name, value), a horizontal line across the chart (the year's target).
    `projection`: (name, from_index, to_index, value, low, high): a dashed line from the last
    actual figure (at `from_index` of the first series) to the year-end projection at
    `to_index`, with its interval drawn as a fan from that figure to low–high.
    `xs`: the labels' positions on the x axis (months, say), when they are not evenly spaced.
    Returns safe SVG markup with a <title> and a legend, readable without colour too (markers differ).
    """
    numbers = [float(v) for _, _, values in series for v in values if v is not None]
    if target is not None and target[1] is not None:
        numbers.append(float(target[1]))
    if projection is not None:
        numbers.extend(float(v) for v in projection[3:] if v is not None)
    if not labels or not numbers:
        return ""
    low, high = _nice_range(numbers)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    positions = [float(v) for v in xs] if xs and len(xs) == len(labels) else list(range(len(labels)))
    origin, span = positions[0], (positions[-1] - positions[0]) or 1

    def x(i):
        return LEFT + ((positions[i] - origin) / span * plot_w if len(labels) > 1 else plot_w / 2)

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
            # The last label ends at its point so that it is never cut at the chart's edge.
            anchor = "end" if i == len(labels) - 1 and len(labels) > 1 else "middle"
            parts.append(
                f'<text class="axis" x="{x(i) + (6 if anchor == "end" else 0):.1f}" y="{HEIGHT - BOTTOM + 16}"'
                f' text-anchor="{anchor}">{escape(label)}</text>'
            )
    legend = []
    if target is not None and target[1] is not None:
        name, value = target
        ty = y(value)
        parts.append(
            f'<line class="target-line" x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}">'
            f"<title>{escape(name)} {_figure(value)}{escape(unit)}</title></line>"
        )
        legend.append((name, "target-line"))
    if projection is not None:
        name, start, end, value, band_low, band_high = projection
        first = series[0][2]
        if 0 <= start < len(first) and first[start] is not None and value is not None:
            sx, sy = x(start), y(first[start])
            ex = x(end)
            if band_low is not None and band_high is not None:
                parts.append(
                    f'<polygon class="projection-band" points="{sx:.1f},{sy:.1f} {ex:.1f},{y(band_high):.1f} '
                    f'{ex:.1f},{y(band_low):.1f}"><title>{escape(name)} {_figure(band_low)}–{_figure(band_high)}'
                    f"{escape(unit)}</title></polygon>"
                )
            parts.append(
                f'<line class="series projection" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{y(value):.1f}"/>'
            )
            parts.append(
                f'<circle class="dot projection" cx="{ex:.1f}" cy="{y(value):.1f}" r="4">'
                f"<title>{escape(name)} {_figure(value)}{escape(unit)}</title></circle>"
            )
            legend.append((name, "projection"))
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
            parts.append(f"{shape}<title>{escape(name)} {_figure(v)}{escape(unit)}</title></{tag}>")
    entries = [(name, f"series {css}") for name, css, _ in series] + [
        (name, "target-line" if css == "target-line" else f"series {css}") for name, css in legend
    ]
    step_legend = (WIDTH - LEFT) / max(len(entries), 1)
    for index, (name, css) in enumerate(entries):
        lx = LEFT + index * min(step_legend, 180)
        parts.append(
            f'<line class="{escape(css)}" x1="{lx:.0f}" y1="{HEIGHT - 8}" x2="{lx + 24:.0f}" y2="{HEIGHT - 8}"/>'
        )
        parts.append(f'<text class="legend" x="{lx + 30:.0f}" y="{HEIGHT - 4}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
