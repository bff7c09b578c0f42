"""What staff see of their own figures, files and history: as entered, once, in plain words."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import Attachment, ProgressReport, Responsibility
from tasks.tests.helpers import PDF_BYTES, report_data, task, ten_day

pytestmark = pytest.mark.django_db


def edit_url(plan, number=1):
    return reverse("tasks:report_edit", args=[task(1, 1, number).pk, ten_day(plan, 14).pk])


def test_saved_figures_show_as_entered_not_with_the_columns_four_decimals(client, plan, staff_culture):
    metric = task(1, 1, 2).metrics.first()
    client.force_login(staff_culture)
    client.post(edit_url(plan, 2), report_data(**{f"metric_{metric.pk}": "16"}))
    form_page = client.get(edit_url(plan, 2)).content.decode()
    assert 'value="16"' in form_page and "16.0000" not in form_page
    client.post(edit_url(plan, 2), report_data(version=2, action="submit", **{f"metric_{metric.pk}": "1000"}))
    report = ProgressReport.objects.get()
    page = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    assert ">1000<" in page and "1E+3" not in page and "1000.0000" not in page
    version = client.get(reverse("tasks:report_version", args=[report.pk, 1])).content.decode()
    assert ">1000<" in version and "1000.0000" not in version
    history = page[page.index("修改记录") :]
    assert "接待游客 5000万人次" not in history and "5000.0000" not in history  # the metric key is not repeated
    assert "<td>累计完成</td>" in history


def test_the_same_file_uploaded_twice_is_one_attachment(client, plan, staff_commerce):
    client.force_login(staff_commerce)
    first = SimpleUploadedFile("通知.pdf", PDF_BYTES)
    assert client.post(edit_url(plan), report_data(files=first)).status_code == 302
    # Again, under another name, and twice in one save: the content is what counts.
    again = [SimpleUploadedFile("通知（再传）.pdf", PDF_BYTES), SimpleUploadedFile("副本.pdf", PDF_BYTES)]
    response = client.post(edit_url(plan), report_data(version=2, files=again), follow=True)
    assert Attachment.objects.count() == 1
    body = response.content.decode()
    assert "“通知（再传）.pdf”与已有附件内容相同，未重复保存" in body and "“副本.pdf”" in body
    other = SimpleUploadedFile("另一份.pdf", PDF_BYTES + b"\n% another file")
    client.post(edit_url(plan), report_data(version=3, files=other))
    assert Attachment.objects.count() == 2
    assert len(set(Attachment.objects.values_list("sha256", flat=True))) == 2


def test_history_shows_human_field_names_and_hides_technical_fields(client, plan, staff_commerce):
    t1 = task(1, 1, 1)
    resp = Responsibility.objects.get(task=t1, department=staff_commerce.department)
    resp.role = "responsible"
    resp.save()
    client.force_login(staff_commerce)
    client.post(edit_url(plan), report_data(action="submit"))
    report = ProgressReport.objects.get()
    page = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    task_page = client.get(reverse("tasks:task_detail", args=[t1.pk])).content.decode()
    for body in (page, task_page):
        history = body[body.index("修改记录") :]
        for technical in ("排序", "版本", "首次提交时间", "退回次数", "内容摘要", "演示数据"):
            assert f"<td>{technical}</td>" not in history
    assert "<td>工作进展</td>" in page[page.index("修改记录") :]
    assert "<td>角色</td>" in task_page[task_page.index("修改记录") :]
