"""The department fills in a report, the task-force office returns or approves it."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from conftest import make_user
from tasks.models import Attachment, MetricValue, ProgressReport, ReportEvent
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import PDF_BYTES, PNG_BYTES, report_data, task, ten_day

pytestmark = pytest.mark.django_db


def edit_url(t, period):
    return reverse("tasks:report_edit", args=[t.pk, period.pk])


def detail_url(report):
    return reverse("tasks:report_detail", args=[report.pk])


def test_lead_saves_a_draft_with_metric_values_and_sees_the_share(client, plan, staff_culture):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    client.force_login(staff_culture)
    metrics = list(t2.metrics.all())
    response = client.post(
        edit_url(t2, period),
        report_data(**{f"metric_{metrics[0].pk}": "312", f"metric_{metrics[1].pk}": ""}),
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=t2, department=staff_culture.department, period=period)
    assert report.status == ProgressReport.Status.DRAFT
    assert report.version == 2
    assert MetricValue.objects.get(report=report, metric=metrics[0]).value == 312
    page = client.get(edit_url(t2, period))
    assert "312 / 5000 = 6.2%" in page.content.decode()


def test_submit_requires_progress_text(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    response = client.post(edit_url(t1, period), report_data(action="submit", progress="   "))
    assert response.status_code == 200
    assert "提交前请填写工作进展" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_negative_and_non_numeric_metric_values_are_refused_in_chinese(client, plan, staff_culture):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    a, b = t2.metrics.all()
    client.force_login(staff_culture)
    response = client.post(edit_url(t2, period), report_data(**{f"metric_{a.pk}": "-1", f"metric_{b.pk}": "三百"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "不能为负数" in body and "请输入数字" in body
    assert not ProgressReport.objects.exists()


def test_metric_values_are_read_as_typed_on_the_readings_page_and_a_decimal_comma_is_refused(
    client, plan, staff_culture
):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    a, b = t2.metrics.all()
    client.force_login(staff_culture)
    response = client.post(edit_url(t2, period), report_data(**{f"metric_{a.pk}": "7,5", f"metric_{b.pk}": "12"}))
    assert response.status_code == 200
    assert "逗号只能用作千位分隔符" in response.content.decode()
    assert not ProgressReport.objects.exists()
    response = client.post(
        edit_url(t2, period), report_data(**{f"metric_{a.pk}": "１,２３４.５", f"metric_{b.pk}": "0.30000"})
    )
    assert response.status_code == 302
    values = dict(MetricValue.objects.values_list("metric_id", "value"))
    assert values == {a.pk: Decimal("1234.5"), b.pk: Decimal("0.3")}
    page = client.get(edit_url(t2, period)).content.decode()
    assert 'value="1234.5"' in page and 'value="0.3"' in page


def test_too_long_text_is_refused(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    response = client.post(edit_url(t1, period), report_data(problems="问" * 2001))
    assert response.status_code == 200
    assert "不能超过 2000 个字" in response.content.decode()


def test_full_flow_submit_return_resubmit_approve_keeps_every_version(
    client, plan, staff_culture, office_dev, plan_admin
):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    metric = t2.metrics.first()
    client.force_login(staff_culture)
    upload = SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="application/octet-stream")
    client.post(
        edit_url(t2, period),
        report_data(action="submit", progress="第一版进展", files=upload, **{f"metric_{metric.pk}": "312"}),
    )
    report = ProgressReport.objects.get(task=t2, period=period)
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.attachments.get().content_type == "image/png"
    # Submitted: the department can no longer edit it.
    assert client.get(edit_url(t2, period)).status_code == 302
    assert client.post(reverse("tasks:report_approve", args=[report.pk])).status_code == 404

    client.force_login(office_dev)
    queue = client.get(reverse("tasks:review_queue"))
    assert "促进旅游消费恢复" in queue.content.decode()
    refused = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": " "})
    assert refused.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED  # no reason, no return
    client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充游客人数来源"})
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED
    assert report.times_returned == 1

    client.force_login(staff_culture)
    assert "请补充游客人数来源" in client.get(edit_url(t2, period)).content.decode()
    client.post(edit_url(t2, period), report_data(version=report.version, action="submit", progress="第二版进展"))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED

    client.force_login(office_dev)
    client.post(reverse("tasks:report_approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    assert report.reviewed_by == office_dev

    versions = ReportEvent.objects.filter(report=report, action=ReportEvent.Action.SUBMITTED).order_by("at")
    assert [e.version_number for e in versions] == [1, 2]
    assert versions[0].snapshot["progress"] == "第一版进展"
    assert versions[0].snapshot["metrics"][0]["value"] == "312.0000"
    first = client.get(reverse("tasks:report_version", args=[report.pk, 1]))
    assert "第一版进展" in first.content.decode()
    page = client.get(detail_url(report)).content.decode()
    assert "第二版进展" in page and "请补充游客人数来源" in page and "修改记录" in page

    # Approved is locked for the department; an admin reopens it with a reason.
    client.force_login(staff_culture)
    locked = client.post(edit_url(t2, period), report_data(version=report.version, progress="偷偷改"))
    assert locked.status_code == 200
    assert "本次内容未保存" in locked.content.decode() and "偷偷改" in locked.content.decode()
    report.refresh_from_db()
    assert report.progress == "第二版进展"
    client.force_login(plan_admin)
    client.post(reverse("tasks:report_reopen", args=[report.pk]), {"reason": ""})
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    client.post(reverse("tasks:report_reopen", args=[report.pk]), {"reason": "数据口径调整，请更新"})
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED
    assert report.events.filter(action=ReportEvent.Action.REOPENED, reason="数据口径调整，请更新").exists()


def test_office_cannot_reopen_an_approved_report(client, plan, staff_commerce, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    report = ProgressReport.objects.create(
        task=t1, department=staff_commerce.department, period=period, status="approved"
    )
    rebuild_summaries()
    client.force_login(office_dev)
    assert client.post(reverse("tasks:report_reopen", args=[report.pk]), {"reason": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.status == "approved"


def test_second_save_with_an_older_version_is_refused_and_first_text_kept(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    colleague = Client()
    client.force_login(staff_commerce)
    colleague.force_login(make_user("commerce2", "staff", staff_commerce.department))
    # Two colleagues, two sessions, open the empty form (version 1); the first saves.
    assert 'name="version" value="1"' in client.get(edit_url(t1, period)).content.decode()
    assert 'name="version" value="1"' in colleague.get(edit_url(t1, period)).content.decode()
    colleague.post(edit_url(t1, period), report_data(version=1, progress="甲的文字"))
    response = client.post(edit_url(t1, period), report_data(version=1, progress="乙的文字"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "保存被拒绝" in body
    assert "乙的文字" in body  # the refused text is still in the form, nothing lost
    assert "甲的文字" in body  # and the stored text is shown beside it
    report = ProgressReport.objects.get(task=t1, period=period)
    assert report.progress == "甲的文字"
    assert report.version == 2
    # The redisplayed form carries the stored version, so saving again is deliberate and works.
    assert 'name="version" value="2"' in body
    client.post(edit_url(t1, period), report_data(version=2, progress="乙的文字"))
    report.refresh_from_db()
    assert report.progress == "乙的文字"


def test_lead_sees_cooperating_departments_contribution(client, plan, staff_culture, staff_commerce):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    client.force_login(staff_commerce)  # 市商务局 cooperates on task 1.2
    client.post(edit_url(t2, period), report_data(action="submit", progress="商务局配合开展促消费活动"))
    client.force_login(staff_culture)
    assert "商务局配合开展促消费活动" in client.get(edit_url(t2, period)).content.decode()


def test_previous_report_is_shown_beside_the_form(client, plan, staff_commerce):
    t1 = task(1, 1, 1)
    ProgressReport.objects.create(
        task=t1, department=staff_commerce.department, period=ten_day(plan, 13), progress="上一旬的进展"
    )
    rebuild_summaries()
    client.force_login(staff_commerce)
    body = client.get(edit_url(t1, ten_day(plan, 14))).content.decode()
    assert "上一旬的进展" in body and "2023年5月上旬" in body


def test_attachment_is_downloaded_with_its_original_name(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(files=SimpleUploadedFile("进展.png", PNG_BYTES)))
    attachment = Attachment.objects.get()
    response = client.get(reverse("tasks:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "%E8%BF%9B%E5%B1%95.png" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["Content-Type"] == "image/png"


def test_saving_after_a_colleague_submitted_keeps_the_users_text_on_screen(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, action="submit", progress="同事已提交的文字"))
    response = client.post(edit_url(t1, period), report_data(version=1, progress="我还没保存的文字"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "本次内容未保存" in body and "我还没保存的文字" in body and "同事已提交的文字" in body
    assert ProgressReport.objects.get().progress == "同事已提交的文字"


def test_history_rows_show_who_changed_what(client, plan, staff_commerce):
    from sixbattles.history import history_rows

    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, progress="初稿"))
    client.post(edit_url(t1, period), report_data(version=2, progress="修改稿", task_status="lagging"))
    report = ProgressReport.objects.get()
    rows = history_rows(report.history.all())
    changed = {(row.field, row.before, row.after) for row in rows if row.change == "修改"}
    assert ("工作进展", "初稿", "修改稿") in changed
    assert ("推进状态", "推进中", "滞后") in changed
    assert all(row.who == staff_commerce for row in rows)
    page = client.get(detail_url(report)).content.decode()
    assert "修改稿" in page and "滞后" in page


def test_a_refused_first_save_leaves_no_empty_report_behind(client, plan, staff_commerce):
    """A first save makes the report inside the save's own transaction: refused, nothing stays."""
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    response = client.post(edit_url(t1, period), report_data(version=5, progress="我的文字"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "保存被拒绝" in body and "我的文字" in body
    assert not ProgressReport.objects.exists()


def test_a_first_save_that_meets_a_colleagues_submission_shows_the_stored_report(
    client, plan, staff_commerce, monkeypatch
):
    """The report did not exist when this save began; a colleague's submission got in first."""
    from tasks import access

    t1, period = task(1, 1, 1), ten_day(plan, 14)
    ProgressReport.objects.create(
        task=t1, department=staff_commerce.department, period=period, status="submitted", progress="同事先提交的文字"
    )
    rebuild_summaries()
    original, calls = access.report_for_department, []

    def not_there_yet(*args, **kwargs):
        calls.append(kwargs.get("create", False))
        return None if len(calls) == 1 else original(*args, **kwargs)

    monkeypatch.setattr(access, "report_for_department", not_there_yet)
    client.force_login(staff_commerce)
    response = client.post(edit_url(t1, period), report_data(version=1, action="submit", progress="我的文字"))
    body = response.content.decode()
    assert calls[:2] == [False, True]  # the save itself found the colleague's report and refused
    assert response.status_code == 200
    assert "不能修改" in body and "我的文字" in body and "同事先提交的文字" in body
    report = ProgressReport.objects.get()
    assert (report.progress, report.version, report.events.count()) == ("同事先提交的文字", 1, 0)


@pytest.mark.parametrize("version", [None, "abc", "99999999999999999999"])
def test_a_post_without_a_readable_version_says_so_and_keeps_the_text(client, plan, staff_commerce, version):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, progress="已保存的文字"))
    data = report_data(progress="新写的文字")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = client.post(edit_url(t1, period), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "页面不完整或已过期，本次内容未保存" in body
    assert "新写的文字" in body and "已保存的文字" in body  # the user's text, the stored one beside it
    assert ProgressReport.objects.get(task=t1, period=period).progress == "已保存的文字"
    # The redisplayed form carries the stored version: saving again works.
    assert 'name="version" value="2"' in body
    client.post(edit_url(t1, period), report_data(version=2, progress="新写的文字"))
    assert ProgressReport.objects.get(task=t1, period=period).progress == "新写的文字"


def test_text_pasted_with_invisible_nul_characters_is_saved_without_them(client, plan, staff_commerce, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    response = client.post(
        edit_url(t1, period), report_data(progress="开展\x00消费季活动", problems="资金\x00不足", action="submit")
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=t1, period=period)
    assert (report.progress, report.problems, report.status) == ("开展消费季活动", "资金不足", "submitted")
    client.force_login(office_dev)
    client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充\x00照片"})
    report.refresh_from_db()
    assert (report.status, report.return_reason) == ("returned", "请补充照片")


def test_a_refused_return_keeps_the_reason_the_reviewer_typed(client, plan, staff_culture, office_dev, office_science):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    client.force_login(staff_culture)
    client.post(edit_url(t2, period), report_data(action="submit"))
    report = ProgressReport.objects.get(task=t2, period=period)

    # Too long: refused, and the page shows the text again under the error.
    client.force_login(office_dev)
    long_reason = "请补充游客人数的统计口径和来源。" * 70  # 1,120 characters
    response = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": long_reason}, follow=True)
    page = response.content.decode()
    assert "理由不能超过 1000 个字" in page and long_reason in page
    # Shown once: the next visit starts empty.
    assert long_reason not in client.get(detail_url(report)).content.decode()

    # Approved by someone else meanwhile: the return is refused and the reason is still there.
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    other = Client()
    other.force_login(office_dev)
    other.post(reverse("tasks:report_approve", args=[report.pk]))
    response = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充来源"}, follow=True)
    assert "请补充来源" in response.content.decode()


def test_a_report_posted_after_the_session_expired_is_offered_again_after_logging_in(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, progress="已保存的文字"))
    client.get(edit_url(t1, period))
    client.cookies["sessionid"] = "expired-while-typing"  # 8 hours idle: the server forgot it
    long_text = "三季度完成消费季活动十二场，带动销售额增长。" * 200
    response = client.post(edit_url(t1, period), report_data(version=2, progress=long_text, problems="资金缺口"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert ProgressReport.objects.get(task=t1, period=period).progress == "已保存的文字"  # nothing saved
    login_page = client.get(response["Location"])
    assert "您填写的内容已保留" in login_page.content.decode()
    response = client.post(
        response["Location"],
        {"username": staff_commerce.username, "password": staff_commerce.raw_password, "next": edit_url(t1, period)},
        follow=True,
    )
    body = response.content.decode()
    assert response.request["PATH_INFO"] == edit_url(t1, period)
    assert "登录已过期，您刚才填写的内容尚未保存，已恢复在下方" in body
    assert long_text in body and "资金缺口" in body and 'name="version" value="2"' in body
    assert "已保存的文字" in body  # the stored text beside it
    client.post(edit_url(t1, period), report_data(version=2, progress=long_text, problems="资金缺口"))
    assert ProgressReport.objects.get(task=t1, period=period).progress == long_text
    assert "已恢复在下方" not in client.get(edit_url(t1, period)).content.decode()  # offered once


def test_an_upload_cut_off_by_a_dropped_connection_saves_nothing(client, plan, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, progress="已保存的文字"))
    upload = SimpleUploadedFile("现场照片.png", PNG_BYTES + b"\0" * 200_000, content_type="image/png")
    # As a browser sends it: the text, then the file, then the button pressed.
    data = report_data(version=2, progress="新写的文字")
    action = data.pop("action")
    body = encode_multipart(BOUNDARY, {**data, "files": upload, "action": "submit"})
    cut = body[: body.index(b"\0" * 1000) + 50_000]  # the connection dropped mid-file
    assert action == "draft" and b"submit" not in cut
    response = client.generic(
        "POST",
        edit_url(t1, period),
        **{"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(cut)},
    )
    assert response.status_code == 400
    report = ProgressReport.objects.get(task=t1, period=period)
    assert (report.progress, report.version, report.attachments.count()) == ("已保存的文字", 2, 0)
    # The whole body saves.
    response = client.generic(
        "POST",
        edit_url(t1, period),
        **{"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.progress, report.status, report.attachments.count()) == ("新写的文字", "submitted", 1)


def test_a_double_clicked_submit_lands_on_the_submitted_report(client, plan, staff_culture):
    """The browser sends the same submit twice (a double click, a slow network): the second post
    found the report submitted and said 不能再修改，本次内容未保存, though it had been submitted."""
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    metric = t2.metrics.first()
    client.force_login(staff_culture)
    data = report_data(version=1, action="submit", progress="举办旅游节。", **{f"metric_{metric.pk}": "312"})
    data["files"] = SimpleUploadedFile("照片.png", PNG_BYTES, content_type="image/png")
    first = client.post(edit_url(t2, period), data)
    data["files"] = SimpleUploadedFile("照片.png", PNG_BYTES, content_type="image/png")
    second = client.post(edit_url(t2, period), data, follow=True)
    report = ProgressReport.objects.get(task=t2, period=period)
    assert first.status_code == 302 and second.redirect_chain[-1][0] == detail_url(report)
    body = second.content.decode()
    assert "报告已提交，等待专班办公室审核。" in body and "未保存" not in body
    assert report.status == "submitted" and report.version == 2
    assert report.events.filter(action=ReportEvent.Action.SUBMITTED).count() == 1
    assert Attachment.objects.filter(report=report).count() == 1


def test_a_double_clicked_draft_save_says_saved_not_refused(client, plan, staff_commerce):
    """The second of two identical draft saves met the version the first one made and said 保存被拒绝：
    此报告已被 <the user himself> 修改."""
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=1, progress="开展消费季活动3场。"))
    second = client.post(edit_url(t1, period), report_data(version=1, progress="开展消费季活动3场。"), follow=True)
    body = second.content.decode()
    assert "草稿已保存。" in body and "保存被拒绝" not in body
    assert ProgressReport.objects.get().version == 2
    # A different text posted on the old version is still refused: it would overwrite the saved one.
    third = client.post(edit_url(t1, period), report_data(version=1, progress="另一段文字"))
    assert "保存被拒绝" in third.content.decode()


def test_files_chosen_for_a_refused_save_are_named_to_choose_again(client, plan, staff_culture):
    """A save refused for a bad figure showed the text again, but the file field empty and no word
    about the file: the user fixed the figure, submitted, and the evidence was missing."""
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    metric = t2.metrics.first()
    client.force_login(staff_culture)
    data = report_data(version=1, **{f"metric_{metric.pk}": "三百"})
    data["files"] = [
        SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png"),
        SimpleUploadedFile("台账.pdf", PDF_BYTES, content_type="application/pdf"),
    ]
    body = client.post(edit_url(t2, period), data).content.decode()
    assert "请输入数字" in body
    assert "本次选择的文件未保存：现场照片.png、台账.pdf。保存时请重新选择。" in body
    assert not Attachment.objects.exists()


def withdraw_url(report):
    return reverse("tasks:report_withdraw", args=[report.pk])


def test_staff_withdraws_a_submitted_report_before_review_and_submits_it_again(client, plan, staff_commerce):
    """A report submitted with a wrong figure could only be corrected by phoning the office to
    return it: the department takes it back (撤回) itself while it waits for review."""
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(action="submit", progress="开展消费季活动30场。"))
    report = ProgressReport.objects.get()
    page = client.get(detail_url(report)).content.decode()
    assert "撤回修改" in page and withdraw_url(report) in page
    response = client.post(withdraw_url(report), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(t1, period)
    assert "修改后请重新提交" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DRAFT
    # Not submitted any more: not counted as sent (漏报 until sent again, 迟报 if after the deadline).
    assert report.first_submitted_at is None and report.submitted_at is None
    assert report.progress == "开展消费季活动30场。"
    assert "撤回" in client.get(detail_url(report)).content.decode()  # in the report's record
    client.post(
        edit_url(t1, period), report_data(version=report.version, action="submit", progress="开展消费季活动3场。")
    )
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED and report.first_submitted_at is not None
    versions = report.events.filter(action=ReportEvent.Action.SUBMITTED).order_by("at")
    assert [e.snapshot["progress"] for e in versions] == ["开展消费季活动30场。", "开展消费季活动3场。"]


def test_a_resubmitted_report_withdrawn_goes_back_to_returned_with_its_reason(client, plan, staff_commerce, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(action="submit"))
    report = ProgressReport.objects.get()
    first_sent = report.first_submitted_at
    client.force_login(office_dev)
    client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充活动场次"})
    report.refresh_from_db()
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(version=report.version, action="submit", progress="补充后"))
    client.post(withdraw_url(report))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED and report.return_reason == "请补充活动场次"
    assert report.first_submitted_at == first_sent  # the first submission was reviewed: it stands
    assert "请补充活动场次" in client.get(edit_url(t1, period)).content.decode()


def test_only_the_department_withdraws_and_only_before_review(client, plan, staff_commerce, staff_culture, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, period), report_data(action="submit"))
    report = ProgressReport.objects.get()
    client.force_login(office_dev)
    assert "撤回修改" not in client.get(detail_url(report)).content.decode()
    assert client.post(withdraw_url(report)).status_code == 404
    client.force_login(staff_culture)  # another department
    assert client.post(withdraw_url(report)).status_code == 404
    assert client.get(withdraw_url(report)).status_code in (404, 405)
    client.force_login(office_dev)
    client.post(reverse("tasks:report_approve", args=[report.pk]))
    client.force_login(staff_commerce)
    assert "撤回修改" not in client.get(detail_url(report)).content.decode()
    refused = client.post(withdraw_url(report), follow=True)
    assert "不能撤回" in refused.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED


def test_a_new_report_starts_from_the_last_reports_task_status(client, plan, staff_commerce):
    """The form of a new 旬 offered 推进中 after a report of 已完成: a report submitted without
    touching the choice turned a completed task back into one in progress."""
    t1 = task(1, 1, 1)
    client.force_login(staff_commerce)
    client.post(edit_url(t1, ten_day(plan, 13)), report_data(action="submit", task_status="completed"))
    page = client.get(edit_url(t1, ten_day(plan, 14))).content.decode()
    assert '<option value="completed" selected>' in page
    assert '<option value="in_progress" selected>' not in page


def test_a_report_for_a_ten_day_period_not_yet_begun_cannot_be_submitted(client, plan, staff_commerce, monkeypatch):
    """Any 旬 of the year could be submitted from its URL, weeks ahead, and counted as on time."""
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2023, 5, 15))
    t1 = task(1, 1, 1)
    client.force_login(staff_commerce)
    response = client.post(edit_url(t1, ten_day(plan, 16)), report_data(action="submit", progress="提前写好的进展"))
    body = response.content.decode()
    assert "2023年6月上旬尚未开始，不能提前提交；可以先保存草稿。" in body and "提前写好的进展" in body
    assert not ProgressReport.objects.exists()
    client.post(edit_url(t1, ten_day(plan, 16)), report_data(progress="提前写好的进展"))
    assert ProgressReport.objects.get().status == ProgressReport.Status.DRAFT
    # The current 旬 (5月中旬) is submitted as before.
    assert client.post(edit_url(t1, ten_day(plan, 14)), report_data(action="submit")).status_code == 302
