"""Every figure the app shows is rounded here, so that a dashboard, a circular's web page, its Word
file and its Excel file cannot disagree: half up (never Python's float rounding, which turns
101.25 into 101.2), one decimal for percentages and 百分点 (rates, gaps, 序时进度), and
``VALUE_PLACES`` (two) for reported values and targets in their own unit, so that 不良贷款率 1.09%
reads 1.09 everywhere, not 1.1 on one page and 1.09 in the circular. Pure functions, no ORM.
"""

from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

HUNDRED = Decimal(100)
VALUE_PLACES = 2  # reported values and targets in their own unit (617.2 亿元, 1.09 %, 57.77 公里)


def round_half_up(value, places=1):
    """A Decimal rounded half up to `places` decimals; None stays None. Floats go through str() so
    that 0.1 + 0.2 is not 0.30000000000000004."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def q1(value):
    """One decimal place, half up: how the circulars print percentages and points."""
    return round_half_up(value, 1)


def percent(part, whole, places=1):
    """part ÷ whole in percent, rounded half up; None when whole is 0 or either is None."""
    if part is None or whole in (None, 0):
        return None
    return round_half_up(Decimal(part) * HUNDRED / Decimal(whole), places)


def as_float(value, places=1):
    """Rounded half up, then a float for JSON content (the float prints the same digits). A value
    that rounds to zero from below is 0.0, not -0.0 (which a page would print as "-0.0")."""
    rounded = round_half_up(value, places)
    return None if rounded is None else float(rounded) + 0.0


def value_text(value):
    """A reported value or target for a page: ``VALUE_PLACES`` decimals half up, trailing zeros
    dropped (617.2, 1.09, 150); an em dash for none."""
    return "—" if value is None else fmt(round_half_up(value, VALUE_PLACES))


def fmt(value):
    """A figure for a sentence: trailing zeros dropped (617.2, 7.5, 150)."""
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f")


def apart(*values, most=3):
    """Figures for one sentence, trailing zeros dropped: one decimal half up, or more (up to
    `most`) where figures that differ would print alike — "needed 0.1 a 旬, 0.1 so far" for 0.14
    and 0.06 under an 难完成 verdict reads as a contradiction. None is an em dash."""
    present = [v if isinstance(v, Decimal) else Decimal(str(v)) for v in values if v is not None]
    places = 1
    while places < most and any(
        a != b and round_half_up(a, places) == round_half_up(b, places) for a, b in combinations(present, 2)
    ):
        places += 1
    return tuple("—" if v is None else fmt(round_half_up(v, places)) for v in values)
