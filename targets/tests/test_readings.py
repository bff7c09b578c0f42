"""Target readings: departments enter monthly or quarterly figures for the targets they answer for."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import make_user
from targets.models import Period, Plan, Target, TargetReading


def target(plan, code):
    return Target.objects.get(battle__plan=plan, code=code)


def period(plan, kind, number):
    return Period.objects.get(plan=plan, kind=kind, number=number)


def entry_url(t, p):
    return reverse("targets:reading_entry", args=[t.pk, p.pk])


@pytest.fixture
def staff_stats(plan, departments):
    """Reporting staff of 市统计局, responsible for the GDP growth target."""
    return make_user("stats", "staff", departments["stats"])


def login(client, user):
    client.force_login(user)
    return client


def retail_post(area_ids=(), **city):
    data = {"city-cumulative_value": "", "city-period_value": "", "city-data_source": "", "city-note": ""}
    data.update({f"city-{k}": v for k, v in city.items()})
    for area_id in area_ids:
        data.update({f"area{area_id}-period_value": "", f"area{area_id}-cumulative_value": ""})
    return data


def test_staff_sees_only_targets_of_their_department_with_fixed_queries(
    client, plan, staff_commerce, django_assert_num_queries
):
    login(client, staff_commerce)
    # session, user, plans, targets + departments, writable ids, periods, readings; base.html: department,
    # unread notifications (the session is written only when it changes)
    with django_assert_num_queries(10):
        response = client.get(reverse("targets:reading_list"))
    text = response.content.decode()
    assert "社会消费品零售总额" in text
    assert "新认定高新技术企业" not in text
    assert "地区生产总值增长" not in text


def test_reading_list_query_count_does_not_grow_with_readings(
    client, plan, staff_commerce, departments, django_assert_num_queries
):
    retail = target(plan, "1.02")
    for number in range(1, 6):
        TargetReading.objects.create(
            target=retail,
            period=period(plan, "month", number),
            department=departments["commerce"],
            cumulative_value=Decimal(number * 60),
        )
    login(client, staff_commerce)
    with django_assert_num_queries(10):  # no session write per request
        response = client.get(reverse("targets:reading_list"))
    # The latest reading (May, 300) is the one shown.
    assert "累计 300亿元" in response.content.decode()


def test_leader_reads_every_target_but_has_no_entry_buttons(client, plan, leader):
    login(client, leader)
    text = client.get(reverse("targets:reading_list")).content.decode()
    for name in ("社会消费品零售总额", "新认定高新技术企业", "地区生产总值增长"):
        assert name in text
    assert "填报 " not in text


def test_office_reads_the_targets_of_its_battle_only(client, plan, office_science):
    login(client, office_science)
    text = client.get(reverse("targets:reading_list")).content.decode()
    assert "新认定高新技术企业" in text
    assert "社会消费品零售总额" not in text


def test_staff_saves_citywide_and_county_readings_in_one_form(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    hecheng, zhongfang = departments["hecheng"], departments["zhongfang"]
    data = retail_post(
        [hecheng.pk, zhongfang.pk], period_value="65.5", cumulative_value="250.2", data_source="市统计局"
    )
    data[f"area{hecheng.pk}-cumulative_value"] = "80"
    response = client.post(entry_url(retail, april), data)
    assert response.status_code == 302
    city = TargetReading.objects.get(target=retail, period=april, area__isnull=True)
    assert city.cumulative_value == Decimal("250.2") and city.period_value == Decimal("65.5")
    assert city.entered_by == staff_commerce and city.department == departments["commerce"] and city.version == 1
    area = TargetReading.objects.get(target=retail, period=april, area=hecheng)
    assert area.cumulative_value == Decimal("80")
    # The county left blank is not saved as an empty reading.
    assert not TargetReading.objects.filter(target=retail, period=april, area=zhongfang).exists()


def test_numbers_typed_with_full_width_digits_and_separators_are_understood(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    client.post(entry_url(retail, april), retail_post(cumulative_value="１,２３４.５"))
    assert TargetReading.objects.get(target=retail, period=april).cumulative_value == Decimal("1234.5")


@pytest.mark.parametrize("value", ["7,5", "1001,5", "１２３，５", "12,34"])
def test_a_decimal_comma_is_refused_in_chinese_not_read_as_a_thousands_separator(client, plan, staff_commerce, value):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value=value, note="我的说明"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "逗号只能用作千位分隔符" in text
    assert f'value="{value}"' in text and "我的说明" in text
    assert not TargetReading.objects.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "请输入数字"),
        ("NaN", "请输入数字"),
        ("Infinity", "请输入数字"),
        ("-5", "不能小于 0"),
        ("1e20", "不能大于"),
        ("1.123456", "小数最多 4 位"),
    ],
)
def test_bad_numbers_are_refused_in_chinese_and_nothing_is_saved(client, plan, staff_commerce, value, message):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value=value, note="我的说明"))
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "我的说明" in text  # the user's input is redisplayed
    assert not TargetReading.objects.exists()


def test_an_empty_citywide_row_asks_for_a_figure(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post())
    assert "请至少填写本期值或累计值" in response.content.decode()
    assert not TargetReading.objects.exists()


def test_a_figure_over_the_limit_is_refused_with_the_limit_written_out(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value="99999999999999999999"))
    page = response.content.decode()
    assert "不能大于 10000000000000。" in page and "E+" not in page
    assert not TargetReading.objects.exists()


@pytest.mark.parametrize(
    "value, ok", [("7.8", True), ("-100", True), ("1000", True), ("-100.5", False), ("1001", False)]
)
def test_growth_targets_take_the_cumulative_growth_within_bounds(client, plan, staff_stats, value, ok):
    gdp, q1 = target(plan, "1.01"), period(plan, "quarter", 1)
    login(client, staff_stats)
    response = client.post(entry_url(gdp, q1), {"city-cumulative_growth": value, "city-cumulative_value": ""})
    assert (response.status_code == 302) is ok
    assert TargetReading.objects.filter(target=gdp, period=q1, cumulative_growth=Decimal(value)).exists() is ok


def test_growth_target_requires_the_growth_rate(client, plan, staff_stats):
    gdp, q1 = target(plan, "1.01"), period(plan, "quarter", 1)
    login(client, staff_stats)
    response = client.post(entry_url(gdp, q1), {"city-cumulative_value": "900"})
    assert "请填写累计同比增速" in response.content.decode()


def test_growth_target_is_entered_by_quarter_not_by_month(client, plan, staff_stats):
    gdp = target(plan, "1.01")
    login(client, staff_stats)
    assert client.get(entry_url(gdp, period(plan, "month", 3))).status_code == 404
    assert client.get(entry_url(gdp, period(plan, "quarter", 1))).status_code == 200


def test_period_of_another_plan_answers_404(client, plan, staff_commerce):
    other = Plan.objects.create(code="other", title="其他", year=2024)
    foreign = Period.objects.create(
        plan=other, kind="month", number=4, start="2024-04-01", end="2024-04-30", deadline="2024-05-06"
    )
    login(client, staff_commerce)
    assert client.get(entry_url(target(plan, "1.02"), foreign)).status_code == 404


def test_second_save_of_a_stale_version_is_refused_and_keeps_both_texts(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    colleague = make_user("commerce2", "staff", departments["commerce"])
    first = TargetReading.objects.create(
        target=retail, period=april, department=departments["commerce"], cumulative_value=Decimal("100")
    )
    # Both load the form at version 1; the colleague saves first.
    from django.test import Client

    other = Client()
    other.force_login(colleague)
    assert other.post(entry_url(retail, april), retail_post(cumulative_value="200", version="1")).status_code == 302
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value="300", note="我的口径", version="1"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "已于" in text and "你的输入尚未保存" in text and "commerce2" in text
    assert 'value="300"' in text and "我的口径" in text
    first.refresh_from_db()
    assert first.cumulative_value == Decimal("200") and first.version == 2
    # Having seen the current figure, a deliberate resubmit carries the new version and saves.
    assert 'name="city-version" value="2"' in text
    assert client.post(entry_url(retail, april), retail_post(cumulative_value="300", version="2")).status_code == 302
    first.refresh_from_db()
    assert first.cumulative_value == Decimal("300") and first.version == 3


def test_a_stale_county_row_rolls_back_the_whole_save(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    hecheng = departments["hecheng"]
    TargetReading.objects.create(
        target=retail,
        period=april,
        area=hecheng,
        department=departments["commerce"],
        cumulative_value=Decimal("5"),
        version=3,
    )
    login(client, staff_commerce)
    data = retail_post([hecheng.pk], cumulative_value="250")
    data[f"area{hecheng.pk}-cumulative_value"] = "9"
    data[f"area{hecheng.pk}-version"] = "2"
    response = client.post(entry_url(retail, april), data)
    assert response.status_code == 200
    assert not TargetReading.objects.filter(target=retail, period=april, area__isnull=True).exists()


def test_saving_an_unchanged_form_makes_no_new_version(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    reading = TargetReading.objects.create(
        target=retail, period=april, department=departments["commerce"], cumulative_value=Decimal("100")
    )
    login(client, staff_commerce)
    client.post(entry_url(retail, april), retail_post(cumulative_value="100", version="1"))
    reading.refresh_from_db()
    assert reading.version == 1


def test_changes_are_shown_with_before_and_after_on_the_page(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    client.post(entry_url(retail, april), retail_post(cumulative_value="100"))
    client.post(entry_url(retail, april), retail_post(cumulative_value="120", version="1"))
    text = client.get(entry_url(retail, april)).content.decode()
    assert "修改记录" in text
    assert "<td>累计值</td><td>100</td><td>120</td>" in text
    assert "<td>累计值</td><td>—</td><td>100</td>" in text
    assert "commerce" in text


@pytest.mark.parametrize("edits", [1, 6])
def test_entry_page_query_count_is_fixed(client, plan, staff_commerce, departments, django_assert_num_queries, edits):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    areas = [departments["hecheng"].pk, departments["zhongfang"].pk]
    login(client, staff_commerce)
    client.post(entry_url(retail, period(plan, "month", 3)), retail_post(cumulative_value="90"))
    for version in range(edits):
        data = retail_post(areas, cumulative_value=str(100 + version), version=str(version) if version else "")
        for area_id in areas:
            data[f"area{area_id}-cumulative_value"] = str(10 + version)
            data[f"area{area_id}-version"] = str(version) if version else ""
        assert client.post(entry_url(retail, april), data).status_code == 302
    # session, user, target, period, can-write, areas, readings, periods, the year's readings, history + users;
    # base.html: department, unread notifications (no session write)
    with django_assert_num_queries(13):
        assert client.get(entry_url(retail, april)).status_code == 200


def test_other_department_gets_404_for_reading_and_posting(client, plan, staff_science):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_science)
    assert client.get(entry_url(retail, april)).status_code == 404
    assert client.post(entry_url(retail, april), retail_post(cumulative_value="1")).status_code == 404
    assert not TargetReading.objects.exists()


def test_office_of_the_battle_reads_but_cannot_post(client, plan, office_dev):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, office_dev)
    response = client.get(entry_url(retail, april))
    assert response.status_code == 200
    assert 'name="city-cumulative_value"' not in response.content.decode()
    assert client.post(entry_url(retail, april), retail_post(cumulative_value="1")).status_code == 404


def test_office_of_another_battle_gets_404(client, plan, office_science):
    login(client, office_science)
    assert client.get(entry_url(target(plan, "1.02"), period(plan, "month", 4))).status_code == 404


def test_leader_reads_but_cannot_post(client, plan, leader):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, leader)
    assert client.get(entry_url(retail, april)).status_code == 200
    assert client.post(entry_url(retail, april), retail_post(cumulative_value="1")).status_code == 404


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(entry_url(target(plan, "1.02"), period(plan, "month", 4)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_posted_rows_for_areas_not_offered_are_ignored(client, plan, staff_science, departments):
    hightech, april = target(plan, "2.01"), period(plan, "month", 4)  # not a by-area target
    login(client, staff_science)
    data = {"city-cumulative_value": "30", f"area{departments['hecheng'].pk}-cumulative_value": "999"}
    assert client.post(entry_url(hightech, april), data).status_code == 302
    assert list(TargetReading.objects.values_list("area", "cumulative_value")) == [(None, Decimal("30"))]


def test_emptying_a_county_row_one_has_seen_is_refused(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    hecheng = departments["hecheng"]
    TargetReading.objects.create(
        target=retail, period=april, area=hecheng, department=departments["commerce"], cumulative_value=Decimal("5")
    )
    login(client, staff_commerce)
    data = retail_post([hecheng.pk], cumulative_value="250")
    data[f"area{hecheng.pk}-version"] = "1"
    response = client.post(entry_url(retail, april), data)
    assert "已报送的数据不能清空" in response.content.decode()
    assert TargetReading.objects.get(area=hecheng).cumulative_value == Decimal("5")


def test_a_county_row_a_colleague_filled_meanwhile_is_kept_when_left_empty(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    hecheng = departments["hecheng"]
    # Saved by a colleague after this user loaded the (then empty) form.
    TargetReading.objects.create(
        target=retail, period=april, area=hecheng, department=departments["commerce"], cumulative_value=Decimal("5")
    )
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post([hecheng.pk], cumulative_value="250"))
    assert response.status_code == 302
    assert TargetReading.objects.get(area=hecheng).cumulative_value == Decimal("5")


def test_stored_figures_are_shown_as_people_write_them(client, plan, staff_commerce, departments):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    TargetReading.objects.create(
        target=retail, period=april, department=departments["commerce"], cumulative_value=Decimal("710.3000")
    )
    login(client, staff_commerce)
    text = client.get(entry_url(retail, april)).content.decode()
    assert 'value="710.3"' in text


def test_list_shows_the_period_due_and_marks_it_overdue_until_entered(client, plan, staff_commerce, departments):
    login(client, staff_commerce)
    url = reverse("targets:reading_list") + "?as_of=2023-05-15"
    text = client.get(url).content.decode()
    # Mid-May the April figures are due (deadline early May) and missing.
    assert "2023年4月" in text and "逾期未报" in text
    april = period(plan, "month", 4)
    assert reverse("targets:reading_entry", args=[target(plan, "1.02").pk, april.pk]) in text
    TargetReading.objects.create(
        target=target(plan, "1.02"), period=april, department=departments["commerce"], cumulative_value=Decimal("1")
    )
    text = client.get(url).content.decode()
    assert "逾期未报" not in text and "已填报" in text


def test_a_months_figures_are_not_overdue_the_day_after_the_month(client, plan, staff_commerce, departments):
    """November's figures were due on November 30 (the month's own last day, the progress reports'
    deadline): on December 1, before any November figure exists, they showed 逾期未报."""
    login(client, staff_commerce)
    url = reverse("targets:reading_list")
    text = client.get(url, {"as_of": "2023-12-01"}).content.decode()
    # Due Plan.reading_deadline_days (10) after the month: December 10 is a Sunday.
    assert "2023年11月" in text and "截止 2023-12-11" in text and "逾期未报" not in text
    november = period(plan, "month", 11)
    entry = client.get(entry_url(target(plan, "1.02"), november)).content.decode()
    assert "报送截止：2023-12-11" in entry
    assert "逾期未报" in client.get(url, {"as_of": "2023-12-12"}).content.decode()
    plan.reading_deadline_days = 20
    plan.save()
    assert "截止 2023-12-20" in client.get(url, {"as_of": "2023-12-12"}).content.decode()


def test_an_unreadable_as_of_date_is_explained_not_an_error(client, plan, staff_commerce):
    login(client, staff_commerce)
    response = client.get(reverse("targets:reading_list") + "?as_of=2023-13-45")
    assert response.status_code == 200
    assert "无法识别" in response.content.decode()


@pytest.mark.parametrize(
    "frequency, good_kind, bad_kind",
    [("ten_day", "month", "ten_day"), ("monthly", "month", "quarter"), ("yearly", "year", "month")],
)
def test_each_frequency_is_entered_for_its_own_kind_of_period(
    client, plan, staff_science, frequency, good_kind, bad_kind
):
    hightech = target(plan, "2.01")
    hightech.frequency = frequency
    hightech.save(update_fields=["frequency"])
    login(client, staff_science)
    assert client.get(entry_url(hightech, period(plan, good_kind, 1))).status_code == 200
    assert client.get(entry_url(hightech, period(plan, bad_kind, 1))).status_code == 404


def test_a_tampered_version_is_refused_with_a_message(client, plan, staff_commerce):
    retail, april = target(plan, "1.02"), period(plan, "month", 4)
    login(client, staff_commerce)
    response = client.post(entry_url(retail, april), retail_post(cumulative_value="5", version="abc"))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not TargetReading.objects.exists()


def test_qualitative_targets_take_a_note_instead_of_figures(client, plan, staff_science):
    hightech, april = target(plan, "2.01"), period(plan, "month", 4)
    hightech.kind = Target.Kind.QUALITATIVE
    hightech.save(update_fields=["kind"])
    hightech.value = None
    hightech.save(update_fields=["value"])
    login(client, staff_science)
    url = entry_url(hightech, april)
    page = client.get(url).content.decode()
    assert 'name="city-cumulative_value"' not in page
    # No figure to reach: the target is a dash, not a dangling "目标：达到 ".
    assert "目标：—" in page and "目标：达到" not in page
    target_page = client.get(reverse("dash:target", args=[hightech.pk])).content.decode()
    assert "年度目标：—" in target_page and "达到 —" not in target_page
    assert "定性指标请在说明中填写完成情况" in client.post(url, {"city-note": ""}).content.decode()
    assert client.post(url, {"city-note": "已完成年度化债任务的 60%。"}).status_code == 302
    assert TargetReading.objects.get().note == "已完成年度化债任务的 60%。"


def test_entry_page_shows_the_years_citywide_figures_and_the_previous_one(client, plan, staff_commerce, departments):
    retail = target(plan, "1.02")
    for number, value in [(2, "120"), (3, "190")]:
        TargetReading.objects.create(
            target=retail,
            period=period(plan, "month", number),
            department=departments["commerce"],
            cumulative_value=Decimal(value),
        )
    login(client, staff_commerce)
    text = client.get(entry_url(retail, period(plan, "month", 4))).content.decode()
    assert "全年数据" in text and ">120<" in text and ">190<" in text
    assert "上期</span>" in text or "上期" in text
    assert "累计值 190" in text  # the previous period's figure beside the form


def test_a_decrease_target_takes_the_year_on_year_change_and_is_judged_from_it(client, plan, staff_science):
    # 森林火灾数量同比减少30%: the change is what the schedule engine judges, so it is what the form asks.
    fires, april = target(plan, "2.01"), period(plan, "month", 4)
    Target.objects.filter(pk=fires.pk).update(
        kind=Target.Kind.DECREASE, comparator="decrease", value=Decimal("30"), unit="%", name="森林火灾数量同比减少"
    )
    login(client, staff_science)
    url = entry_url(fires, april)
    page = client.get(url).content.decode()
    assert 'name="city-cumulative_growth"' in page and "下降填负数" in page
    assert 'name="city-cumulative_value"' not in page
    assert "请填写累计同比增速" in client.post(url, {"city-cumulative_growth": ""}).content.decode()
    assert client.post(url, {"city-cumulative_growth": "-31.6"}).status_code == 302
    assert TargetReading.objects.get(target=fires).cumulative_growth == Decimal("-31.6")
    dashboard = client.get(reverse("dash:target", args=[fires.pk])).content.decode()
    assert "同比下降 31.6%" in dashboard
