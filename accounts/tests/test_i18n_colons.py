"""A translated label is followed by the colon of its language: "退回理由：" in Chinese, "Reason for
return: " in English (targets/templatetags/colon.py), on the pages staff use every day."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from targets.models import Period, Target, TargetReading
from tasks.models import ProgressReport, ReportEvent, Task
from tasks.summaries import rebuild as rebuild_summaries

pytestmark = pytest.mark.django_db

# A word of English (or a closing bracket) followed by a full-width colon: the look this removes.
ENGLISH_THEN_FULL_WIDTH_COLON = re.compile(r"[A-Za-z0-9)\]] ?：")


@pytest.fixture
def pages(plan, departments, staff_commerce):
    """The staff's daily pages with every label the colon filter serves: a returned report with a
    submitted version listing a file, the task, the readings list and a reading's entry page."""
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    period = Period.objects.get(plan=plan, kind="ten_day", number=13)
    report = ProgressReport.objects.create(
        task=task,
        department=departments["commerce"],
        period=period,
        status="returned",
        progress="开展消费季活动3场。",
        return_reason="请补充活动照片",
        submitted_at=timezone.now(),
        times_returned=1,
    )
    ReportEvent.objects.create(
        report=report,
        action="submitted",
        actor=staff_commerce,
        at=timezone.now(),
        version_number=1,
        snapshot={"progress": "开展消费季活动3场。", "attachments": [{"id": 1, "name": "照片.pdf", "size": 9}]},
    )
    rebuild_summaries()
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    march, april = (Period.objects.get(plan=plan, kind="month", number=n) for n in (3, 4))
    TargetReading.objects.create(target=retail, period=march, department=departments["commerce"], cumulative_value=180)
    return {
        "home": reverse("tasks:home") + f"?plan={plan.code}&as_of=2023-05-10",
        "form": reverse("tasks:report_edit", args=[task.pk, period.pk]),
        "report": reverse("tasks:report_detail", args=[report.pk]),
        "version": reverse("tasks:report_version", args=[report.pk, 1]),
        "task": reverse("tasks:task_detail", args=[task.pk]),
        "readings": reverse("targets:reading_list"),
        "reading": reverse("targets:reading_entry", args=[retail.pk, april.pk]),
    }


EXPECTED = {
    "home": ["Reason for return: "],
    "form": ["Report progress: ", "Reason for return: "],
    "report": ["Progress report: ", "Reason for return: "],
    "version": ["Version 1: ", "Evidence files: "],
    "task": ["Responsibility as written: "],
    "readings": ["Mar 2023: "],
    "reading": ["Target: ", "Type: ", "Reporting frequency: ", "Deadline: ", "Reporting period: ", "Previous period ("],
}


def test_english_labels_take_an_english_colon(client, pages, staff_commerce):
    client.force_login(staff_commerce)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        for label in EXPECTED[name]:
            assert label in html, (name, label)
        assert ENGLISH_THEN_FULL_WIDTH_COLON.findall(html) == [], name


def test_chinese_keeps_its_full_width_colon(client, pages, staff_commerce):
    client.force_login(staff_commerce)
    html = {name: client.get(url).content.decode() for name, url in pages.items()}
    assert "<strong>退回理由：</strong>请补充活动照片" in html["home"]
    assert "填报进展：（一）1.开展系列消费促进活动" in html["form"]
    assert "进展报告：（一）1.开展系列消费促进活动" in html["report"]
    assert "第1版：1.开展系列消费促进活动" in html["version"] and "佐证材料：照片.pdf" in html["version"]
    assert "责任分工原文：市商务局牵头" in html["task"]
    assert "2023年3月：" in html["readings"]
    assert "目标：" in html["reading"] and "报送期：" in html["reading"] and "上期（2023年3月）：" in html["reading"]


# A full-width bracket holding no Chinese ("（3）", "（Responsible）", "（commerce）") or touching an
# English word: brackets the pages write follow the language too (the catalogue's "（" and "）").
FULL_WIDTH_BRACKET_IN_ENGLISH = re.compile(
    r"（[^（）\u4e00-\u9fff]*）|[A-Za-z0-9%]（(?![一二三四五六七八九十]+）)|）[A-Za-z]"
)


def visible(html):
    text = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))


def test_english_staff_pages_take_english_brackets(client, pages, staff_commerce):
    client.force_login(staff_commerce)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = {name: visible(client.get(url).content.decode()) for name, url in pages.items()}
    assert "Returned, awaiting revision (1)" in text["home"]
    assert "Progress (Required to submit)" in text["form"]
    assert "市商务局 (Lead)" in text["task"] and "测试方案 (2023)" in text["home"]
    for name, page in text.items():
        assert FULL_WIDTH_BRACKET_IN_ENGLISH.findall(page) == [], (name, FULL_WIDTH_BRACKET_IN_ENGLISH.findall(page))


def test_chinese_staff_pages_keep_full_width_brackets(client, pages, staff_commerce):
    client.force_login(staff_commerce)
    text = {name: visible(client.get(url).content.decode()) for name, url in pages.items()}
    assert "被退回，待修改（1）" in text["home"] and "测试方案（2023）" in text["home"]
    assert "工作进展（提交时必填）" in text["form"] and "市商务局（牵头）" in text["task"]


def test_english_staff_pages_write_deadlines_in_english(client, pages, staff_commerce):
    client.force_login(staff_commerce)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = {name: visible(client.get(url).content.decode()) for name, url in pages.items()}
    assert "deadline May 10, 2023" in text["home"]
    assert "Deadline May 10, 2023" in text["form"]
    for name, page in text.items():
        assert re.findall(r"\d+月\d+日", page) == [], name
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "报送截止 2023年5月10日" in visible(client.get(pages["home"]).content.decode())


def test_form_labels_end_in_the_colon_of_the_language(client, plan, plan_admin):
    client.force_login(plan_admin)
    url = reverse("reporting:archive", args=[plan.code])
    assert '<label for="id_kind">报告类型：</label>' in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<label for="id_kind">Report type:</label>' in client.get(url).content.decode()
