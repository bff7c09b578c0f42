"""Ids, periods and dates read from the URL: the one parser every view uses.

Only ASCII digits count. ``str.isdigit()`` also accepts "²", "③", "¹²" and full-width "１２",
which ``int()`` then rejects (a 500) or reads as another number; lengths are bounded so that no
value reaches the database as an integer it cannot hold. A value that is present but malformed
raises ``BadParameter``, which Django answers with the 400 page (templates/400.html, in Chinese);
a well-formed value naming nothing is for the view to answer (usually 404).
"""

import datetime as dt
import re

from django.core.exceptions import BadRequest
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import register_converter
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # PostgreSQL bigint
_ID = re.compile(r"[0-9]{1,19}")
_PERIOD = re.compile(r"([a-z_]{1,16})-([0-9]{1,3})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
SHOWN = 40  # characters of a rejected value repeated in the message


class BadParameter(BadRequest):
    """A malformed value in the URL; the message names the parameter, in the user's language."""

    def __init__(self, name, value):
        self.name = name
        self.value = value
        super().__init__(_("网址中的参数“%(name)s”的值“%(value)s”无法识别。") % {"name": name, "value": value[:SHOWN]})


def parse_id(value):
    """A database id (1 … 2⁶³−1) written in ASCII digits, or None for anything else."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_period_ref(value):
    """A period as the dashboards write it: an id ("57") → ("id", 57); "kind-number"
    ("ten_day-8", "month-11") → ("ten_day", 8); None when it is neither."""
    if not isinstance(value, str):
        return None
    if (number := parse_id(value)) is not None:
        return ("id", number)
    match = _PERIOD.fullmatch(value)
    if match is None:
        return None
    return (match.group(1), int(match.group(2)))


def parse_date(value):
    """A calendar date written YYYY-MM-DD in ASCII digits; None when malformed or not a real date."""
    if not isinstance(value, str) or (match := _DATE.fullmatch(value)) is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _raw(request, name):
    return request.GET.get(name, "").strip()


def query_id(request, name, *, allow=()):
    """`?name=` as an id; None when absent; one of `allow` (e.g. "all") as it is; BadParameter otherwise."""
    raw = _raw(request, name)
    if not raw:
        return None
    if raw in allow:
        return raw
    number = parse_id(raw)
    if number is None:
        raise BadParameter(name, raw)
    return number


def query_period(request, *names):
    """The first of `names` present, as parse_period_ref reads it (None when absent); BadParameter
    when malformed."""
    for name in names:
        raw = _raw(request, name)
        if raw:
            ref = parse_period_ref(raw)
            if ref is None:
                raise BadParameter(name, raw)
            return ref
    return None


def query_date(request, name):
    """`?name=YYYY-MM-DD` as (date, raw): (None, "") when absent, (None, raw) when it is not a real
    date in ASCII digits — a date is a filter the page can explain and ignore, not an id."""
    raw = _raw(request, name)
    return (parse_date(raw) if raw else None), raw


def query_choice(request, name, choices):
    """`?name=` when it is one of `choices`; "" when absent; BadParameter otherwise."""
    raw = _raw(request, name)
    if raw and raw not in choices:
        raise BadParameter(name, raw)
    return raw


class IdConverter:
    """Path converter `<id:pk>`: ASCII digits within a bigint; anything larger does not match (404)."""

    regex = "[0-9]+"

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


def bad_request(request, exception):
    """handler400: the Chinese 400 page, naming the parameter when it was one of ours (other
    exceptions' messages may hold internals and stay unsaid)."""
    message = str(exception) if isinstance(exception, BadParameter) else ""
    return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))
