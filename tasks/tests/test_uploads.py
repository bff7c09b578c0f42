"""Evidence files: type from the content, size limit, stored outside the web root."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from tasks.models import Attachment, ProgressReport
from tasks.tests.helpers import EXE_BYTES, PDF_BYTES, PNG_BYTES, docx_bytes, report_data, task, ten_day

pytestmark = pytest.mark.django_db


def post_file(client, plan, name, content):
    url = reverse("tasks:report_edit", args=[task(1, 1, 1).pk, ten_day(plan, 14).pk])
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")  # the browser's claim is ignored
    return client.post(url, report_data(files=upload))


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("通知.pdf", PDF_BYTES, "application/pdf"),
        ("照片.PNG", PNG_BYTES, "image/png"),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("材料.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "application/vnd.ms-excel"),
    ],
)
def test_allowed_files_are_stored_with_the_sniffed_type(
    client, plan, staff_commerce, settings, name, content, expected
):
    client.force_login(staff_commerce)
    assert post_file(client, plan, name, content).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == expected
    assert attachment.original_name == name
    stored = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
    assert stored.read_bytes() == content
    assert name not in attachment.file.name  # the name on disk is random, never the user's


@pytest.mark.parametrize(
    "name, content",
    [
        ("报告.pdf", EXE_BYTES),  # an executable renamed .pdf
        ("报告.pdf", PNG_BYTES),  # a PNG called .pdf: content and name disagree
        ("程序.exe", EXE_BYTES),
        ("表格.xlsx", docx_bytes()),  # a Word file called .xlsx
        ("压缩.docx", b"PK\x03\x04not really a zip"),
        ("网页.html", b"<html><script>alert(1)</script>"),
        ("无扩展名", PDF_BYTES),
    ],
)
def test_mismatched_or_disallowed_files_are_refused(client, plan, staff_commerce, name, content):
    client.force_login(staff_commerce)
    response = post_file(client, plan, name, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已拒绝" in body or "类型不允许" in body
    assert not Attachment.objects.exists()
    assert not ProgressReport.objects.exists()  # nothing saved: the user fixes the file and saves again


def test_files_over_the_size_limit_are_refused(client, plan, staff_commerce, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    client.force_login(staff_commerce)
    response = post_file(client, plan, "大.pdf", PDF_BYTES + b"0" * 200)
    assert "超过大小上限" in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachment_download_is_404_for_another_department(client, plan, staff_commerce, departments):
    client.force_login(staff_commerce)
    post_file(client, plan, "通知.pdf", PDF_BYTES)
    attachment = Attachment.objects.get()
    client.force_login(make_user("stats", "staff", departments["stats"]))
    assert client.get(reverse("tasks:attachment_download", args=[attachment.pk])).status_code == 404
