"""The readings form as a grid: counties × figures, numbers as people type them, units in the
header, and each error beside its own cell."""

import re
from decimal import Decimal

import pytest

from conftest import make_user
from targets.models import TargetReading
from targets.tests.test_readings import entry_url, login, period, retail_post, target


@pytest.fixture
def staff_stats(plan, departments):
    return make_user("stats", "staff", departments["stats"])


def cell(html, input_name):
    """The <td> that holds the input named `input_name`."""
    for match in re.finditer(r"<td\b[^>]*>.*?</td>", html, flags=re.S):
        if f'name="{input_name}"' in match.group(0):
            return match.group(0)
    raise AssertionError(f"no cell holds {input_name}")


def test_growth_rate_accepts_a_percent_sign_full_width_digits_and_thousands_separators(client, plan, staff_stats):
    gdp, q1 = target(plan, "1.01"), period(plan, "quarter", 1)
    login(client, staff_stats)
    response = client.post(
        entry_url(gdp, q1), {"city-cumulative_growth": "７.５％", "city-cumulative_value": "１，２３４．５"}
    )
    assert response.status_code == 302
    reading = TargetReading.objects.get(target=gdp, period=q1, area__isnull=True)
    assert reading.cumulative_growth == Decimal("7.5")
    assert reading.cumulative_value == Decimal("1234.5")


def test_a_percent_sign_is_refused_in_a_column_that_is_not_in_percent(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value="62.5%"))
    assert response.status_code == 200
    assert "请输入数字" in cell(response.content.decode(), "city-cumulative_value")
    assert not TargetReading.objects.exists()


def test_the_header_shows_each_columns_unit_including_a_growth_rates_amount(client, plan, staff_stats):
    gdp, q1 = target(plan, "1.01"), period(plan, "quarter", 1)
    gdp.amount_unit = "亿元"
    gdp.save(update_fields=["amount_unit"])
    login(client, staff_stats)
    html = client.get(entry_url(gdp, q1)).content.decode()
    thead = re.search(r"<table class=\"entry-grid\">\s*<thead>(.*?)</thead>", html, flags=re.S).group(1)
    assert '累计同比增速<span class="unit">（%）</span>' in thead
    assert '累计值<span class="unit">（亿元）</span>' in thead


def test_a_county_error_is_shown_in_that_countys_cell_and_nothing_is_saved(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    hecheng = departments["hecheng"]
    login(client, staff_commerce)
    data = retail_post(area_ids=[hecheng.pk], cumulative_value="710.3")
    data[f"area{hecheng.pk}-cumulative_value"] = "十八"
    response = client.post(entry_url(retail, april), data)
    html = response.content.decode()
    county_cell = cell(html, f"area{hecheng.pk}-cumulative_value")
    assert "cell-error" in county_cell and "请输入数字" in county_cell
    # The city row's cell carries no error, and the typed figures stay in their inputs.
    assert "cell-error" not in cell(html, "city-cumulative_value")
    assert 'value="710.3"' in cell(html, "city-cumulative_value")
    assert 'value="十八"' in county_cell
    assert not TargetReading.objects.exists()


def test_every_county_is_a_row_of_the_grid_with_a_total_row(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    html = client.get(entry_url(retail, april)).content.decode()
    tbody = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<th scope=\"row\">([^<]+)", tbody)
    counties = [d.name for d in departments.values() if d.kind == "county"]
    assert rows[0] == "全市" and sorted(rows[1:]) == sorted(counties)
    assert "县市区合计" in html and "readings-grid.js" in html
