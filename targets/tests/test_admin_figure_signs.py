"""What an admin enters is kept to what it can be. A negative figure is refused where it cannot be
negative: a target's or a task metric's value (only a growth rate may be below zero) and a reading's
period and cumulative values (a growth or decrease is the year-on-year change, which may be negative
down to -100%). A reading sits on a period and area its target is read for."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from targets.models import Target, TargetReading
from tasks.models import TaskMetric
from tasks.tests.plan_files import REAL_PLAN

pytestmark = pytest.mark.django_db


def change_form_data(client, url):
    """The admin change form's fields as the browser would post them back unchanged."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    return data


def gdp_reading(plan, departments, **figures):
    """市统计局's first-quarter reading of the growth target 1.01, city-wide."""
    return TargetReading.objects.create(
        target=Target.objects.get(battle__plan=plan, code="1.01"),
        period=plan.periods.get(kind="quarter", number=1),
        department=departments["stats"],
        cumulative_growth=Decimal("7.2"),
        **figures,
    )


@pytest.mark.parametrize(
    "code, kind, value, refused",
    [
        ("1.02", Target.Kind.CUMULATIVE, "-780", True),
        ("1.02", Target.Kind.LEVEL, "-5", True),
        ("1.02", Target.Kind.CEILING, "-1.5", True),
        ("1.02", Target.Kind.DECREASE, "-30", True),
        ("1.01", Target.Kind.GROWTH_RATE, "-3", False),
        ("1.02", Target.Kind.CUMULATIVE, "0", False),
    ],
)
def test_admin_refuses_a_negative_target_value_unless_it_is_a_growth_rate(
    client, plan, plan_admin, code, kind, value, refused
):
    target = Target.objects.get(battle__plan=plan, code=code)
    client.force_login(plan_admin)
    url = reverse("admin:targets_target_change", args=[target.pk])
    data = {**change_form_data(client, url), "kind": kind, "value": value}
    response = client.post(url, data)
    target.refresh_from_db()
    if refused:
        assert response.status_code == 200
        assert "指标的目标值不能为负数" in response.content.decode()
        assert target.value != Decimal(value)
    else:
        assert response.status_code == 302
        assert target.value == Decimal(value)


def test_admin_refuses_a_negative_metric_value_but_takes_a_negative_growth(client, plan, plan_admin):
    metric = TaskMetric.objects.get(name="接待游客")
    client.force_login(plan_admin)
    url = reverse("admin:tasks_taskmetric_change", args=[metric.pk])
    response = client.post(url, {**change_form_data(client, url), "value": "-5000"})
    assert "累计量指标的目标值不能为负数" in response.content.decode()
    metric.refresh_from_db()
    assert metric.value == Decimal("5000")
    response = client.post(url, {**change_form_data(client, url), "kind": "growth_rate", "value": "-2"})
    assert response.status_code == 302
    metric.refresh_from_db()
    assert metric.value == Decimal("-2")


def test_spreadsheet_import_refuses_a_negative_cumulative_target_naming_the_row_and_writes_nothing(
    client, plan, plan_admin
):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,编号,指标,比较,目标值,单位,类型,报送频次,责任单位\n"
        "test-2023,1,1.09,地方财政收入增长,以上/不低于,-2,%,增速,每月,市商务局\n"
        "test-2023,1,1.10,外贸进出口,以上/不低于,-100,亿元,累计量,每月,市商务局\n"
    ).encode()
    upload = SimpleUploadedFile("targets.csv", content)
    preview = client.post(reverse("admin:targets_target_import"), {"import_file": upload, "format": "1"})
    html = preview.content.decode()
    assert "累计量指标的目标值不能为负数" in html
    assert "目标值" in html  # the column is named, not the attribute
    assert "confirm_form" not in preview.context
    assert not Target.objects.filter(code__in=["1.09", "1.10"]).exists()


def test_plan_file_with_a_negative_cumulative_target_names_the_target_and_loads_nothing(tmp_path, db):
    text = REAL_PLAN.read_text(encoding="utf-8").replace("        value: 2000\n", "        value: -2000\n", 1)
    broken = tmp_path / "negative.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("load_plan", str(broken))
    message = str(raised.value)
    assert "指标 1.02 地区生产总值总量" in message
    assert "累计量指标的目标值不能为负数" in message
    assert not Target.objects.exists()


def test_plan_file_takes_a_negative_growth_target(tmp_path, db):
    text = REAL_PLAN.read_text(encoding="utf-8").replace("        value: 7.5\n", "        value: -1.5\n", 1)
    file = tmp_path / "falling.yaml"
    file.write_text(text, encoding="utf-8")
    call_command("load_plan", str(file), "--dry-run")
    assert not Target.objects.exists()  # the dry run wrote nothing
    call_command("load_plan", str(file))
    assert Target.objects.get(code="1.01").value == Decimal("-1.5")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("cumulative_value", "-12", "不能为负数"),
        ("period_value", "-1", "不能为负数"),
        ("cumulative_growth", "-100.5", "不能小于 -100。"),
        ("cumulative_growth", "1000.5", "不能大于 1000。"),
        ("cumulative_growth", "-8.2", None),
    ],
)
def test_admin_keeps_a_readings_figures_within_what_they_can_be(
    client, plan, plan_admin, departments, field, value, message
):
    reading = gdp_reading(plan, departments, cumulative_value=Decimal("450"))
    client.force_login(plan_admin)
    url = reverse("admin:targets_targetreading_change", args=[reading.pk])
    response = client.post(url, {**change_form_data(client, url), field: value})
    reading.refresh_from_db()
    if message:
        assert response.status_code == 200
        assert message in response.content.decode()
        assert getattr(reading, field) != Decimal(value)
    else:
        assert response.status_code == 302
        assert getattr(reading, field) == Decimal(value)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"period": ("month", 3)}, "该指标按“季”报送，报送期应为季。"),
        ({"area": "commerce"}, "“市商务局”不是县市区。"),
        ({"target": "2.01", "area": "hecheng"}, "该指标不分县市区，县市区应留空（全市数据）。"),
        ({"area": "hecheng"}, None),
    ],
)
def test_admin_keeps_a_reading_on_a_period_and_area_its_target_is_read_for(
    client, plan, plan_admin, departments, change, message
):
    reading = gdp_reading(plan, departments)
    client.force_login(plan_admin)
    url = reverse("admin:targets_targetreading_change", args=[reading.pk])
    data = change_form_data(client, url)
    if "period" in change:
        data["period"] = str(plan.periods.get(kind=change["period"][0], number=change["period"][1]).pk)
    if "area" in change:
        data["area"] = str(departments[change["area"]].pk)
    if "target" in change:
        data["target"] = str(Target.objects.get(battle__plan=plan, code=change["target"]).pk)
        data["period"] = str(plan.periods.get(kind="month", number=3).pk)
    response = client.post(url, data)
    if message:
        assert response.status_code == 200
        assert message in response.content.decode()
        assert TargetReading.objects.get(pk=reading.pk).area_id is None
    else:
        assert response.status_code == 302
        assert TargetReading.objects.get(pk=reading.pk).area == departments["hecheng"]


def test_admin_refuses_a_reading_on_a_period_of_another_plan(client, plan, plan_admin, departments):
    from conftest import build_periods
    from targets.models import Plan

    other = Plan.objects.create(code="other-2024", title="另一方案", year=2024)
    build_periods(other)
    reading = gdp_reading(plan, departments)
    client.force_login(plan_admin)
    url = reverse("admin:targets_targetreading_change", args=[reading.pk])
    data = {**change_form_data(client, url), "period": str(other.periods.get(kind="quarter", number=1).pk)}
    response = client.post(url, data)
    assert "报送期不属于该指标所在的方案。" in response.content.decode()
    assert TargetReading.objects.get(pk=reading.pk).period.plan == plan
