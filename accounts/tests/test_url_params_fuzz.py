"""No value in the URL, path or query string, makes a view answer 500 (sixbattles/params.py).

Every view of the URLconfs (accounts/tests/test_access_matrix.PATTERNS) is fed Hypothesis values
for each of its path parameters and for every query parameter any view reads, as an admin (who
passes every access check, so the values reach the parsing). Malformed values answer 400 with the
Chinese error page, or 404.
"""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.test_access_matrix import PATTERNS, fill, world  # noqa: F401 (a fixture)
from sixbattles.params import parse_date, parse_id, parse_period_ref

# Every query parameter a view reads: read from the source, so a parameter added later is fuzzed too.
READS = re.compile(
    r"""(?:request\.GET\.get\(|request\.GET\[|query_(?:id|period|choice|date)\(request,)\s*["']([a-z_]+)["']"""
)
APPS = ("accounts", "targets", "tasks", "reporting", "sixbattles")


def query_names():
    root = Path(django_settings.BASE_DIR)
    found = {
        name
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "tests" not in path.parts
        for name in READS.findall(path.read_text(encoding="utf-8"))
    }
    return tuple(sorted(found | {"period"}))  # query_period(request, "as_of", "period")


QUERY_NAMES = query_names()
UNICODE_DIGITS = "²³¹③⑫١٢٣۴߅०११২৩੩૪୫௬౭೮൯๙໙༢၃႓០᠑᥆᧐᪁᭒᮳᱄᱑꘡꣐꤁꧑꩒꯰０１２３𝟎𝟏𝟐"

unicode_digits = st.text(alphabet=UNICODE_DIGITS, min_size=1, max_size=4)
digits = st.one_of(
    unicode_digits,
    st.lists(st.sampled_from("0123456789" + UNICODE_DIGITS), min_size=1, max_size=25).map("".join),
)
hostile = st.one_of(
    digits,
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.builds(lambda kind, number: f"{kind}-{number}", st.sampled_from(["ten_day", "month", "quarter", "x"]), digits),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", digits, digits, digits),
    st.sampled_from(["all", "0", "-1", "1e9", "NaN", "red", "1", " 1 ", "ten_day-13", "month-5"]),
)
queries = st.one_of(
    st.builds(lambda name, value: {name: value}, st.sampled_from(QUERY_NAMES), hostile),
    st.dictionaries(st.sampled_from(QUERY_NAMES), hostile, max_size=4),
)


def _url(route, values):
    """The route with each <converter:name> replaced by its (percent-encoded) value."""
    url = route
    for name, value in values.items():
        start = url.rindex("<", 0, url.index(f":{name}>"))
        url = url[:start] + quote(str(value), safe="") + url[url.index(">", start) + 1 :]
    return "/" + url


@pytest.mark.parametrize("name, route, params", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_no_url_value_yields_a_500(world, name, route, params):  # noqa: F811 (the fixture)
    objects, users = world
    valid, _ = fill(name, route, params, objects)
    assert _url(route, valid) == reverse(name, kwargs=valid)
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    path_values = st.fixed_dictionaries({param: st.one_of(st.just(valid[param]), hostile) for param in params})

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(path=path_values, query=queries)
    def check(path, query):
        url = _url(route, path)
        response = client.get(url, query)
        assert response.status_code < 500, f"GET {url} {query!r}: {response.status_code}"
        if response.status_code == 400:
            assert "网址有误" in response.content.decode(), f"GET {url} {query!r}: 400 without the Chinese page"

    check()


# The values the issue names, on the views it names.
SUPERSCRIPTS = ["²", "③", "¹²", "１２", "٣", "9" * 30]


@pytest.mark.parametrize("value", SUPERSCRIPTS)
def test_unicode_digits_answer_the_chinese_400_page_on_dashboards_archive_and_status(world, value):  # noqa: F811
    objects, users = world
    client = Client()
    client.force_login(users["admin"])
    code = objects["plan"].code
    dashboards = [
        reverse("dash:overview", args=[code]),
        reverse("dash:battle", args=[code, 1]),
        reverse("dash:department", args=[code, objects["department"].pk]),
        reverse("dash:target", args=[objects["target"].pk]),
        reverse("dash:area", args=[objects["target"].pk]),
        reverse("dash:task", args=[objects["task"].pk]),
    ]
    for url in dashboards:
        for name in ("as_of", "period"):
            response = client.get(url, {name: value})
            assert response.status_code == 400, f"{url}?{name}={value}"
            assert "网址有误" in response.content.decode() and name in response.content.decode()
    archive = reverse("reporting:archive", args=[code])
    for name in ("battle", "period"):
        assert client.get(archive, {name: value}).status_code == 400
    status = reverse("reporting:build_status", args=[code])
    good = {"kind": "ten_day_briefing", "period": objects["ten_day"].pk, "battle": "all"}
    assert client.get(status, good).status_code == 200
    for name in ("period", "battle", "after"):
        assert client.get(status, {**good, name: value}).status_code == 400
    # The home page's date is a filter it explains and ignores.
    home = client.get(reverse("tasks:home"), {"as_of": f"{value}-05-15"})
    assert home.status_code == 200 and "无法识别" in home.content.decode()


def test_a_well_formed_period_naming_nothing_still_shows_the_page_with_a_note(world):  # noqa: F811
    objects, users = world
    client = Client()
    client.force_login(users["leader"])
    response = client.get(reverse("dash:overview", args=[objects["plan"].code]), {"as_of": "month-99"})
    assert response.status_code == 200
    assert "不是本方案的报送期" in response.content.decode()


def test_path_ids_beyond_a_bigint_or_in_other_scripts_answer_404(world):  # noqa: F811
    objects, users = world
    client = Client()
    client.force_login(users["admin"])
    for raw in (str(2**63), "0", quote("²"), quote("１２")):
        assert client.get(f"/dashboard/task/{raw}/").status_code == 404
    assert client.get(f"/dashboard/task/{objects['task'].pk}/").status_code == 200


def test_the_fuzzed_query_parameters_are_read_from_the_views():
    assert {"as_of", "period", "battle", "kind", "after", "light", "all", "plan"} <= set(QUERY_NAMES)


def test_the_parsers_take_ascii_digits_only():
    assert parse_id("57") == 57
    assert [parse_id(v) for v in ("²", "¹²", "③", "１２", "0", "-1", " 1", str(2**63), "")] == [None] * 9
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_period_ref("ten_day-8") == ("ten_day", 8)
    assert parse_period_ref("57") == ("id", 57)
    assert [parse_period_ref(v) for v in ("month-²", "month-", "-3", "month-1234", "²")] == [None] * 5
    assert parse_date("2023-05-15").isoformat() == "2023-05-15"
    assert [parse_date(v) for v in ("２０２３-05-15", "2023-02-30", "2023-5-15", "20230515")] == [None] * 4
