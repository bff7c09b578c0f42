"""Evidence files over a report's life: removal on drafts, no orphans from refused saves,
and the lead department's access to its co-responsible departments' files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from tasks import actions
from tasks.models import Attachment, ProgressReport, ReportEvent
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import PDF_BYTES, PNG_BYTES, report_data, task, ten_day

pytestmark = pytest.mark.django_db


def files_on_disk(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def edit_url(plan, t):
    return reverse("tasks:report_edit", args=[t.pk, ten_day(plan, 14).pk])


def upload(name="通知.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft_with_file(client, plan, user, t=None, name="通知.pdf", content=PDF_BYTES):
    t = t or task(1, 1, 1)
    client.force_login(user)
    response = client.post(edit_url(plan, t), report_data(files=upload(name, content)))
    assert response.status_code == 302
    return Attachment.objects.get(report__task=t, original_name=name)


def remove(client, attachment):
    return client.post(reverse("tasks:attachment_remove", args=[attachment.pk]))


# ---------------------------------------------------------------- removal


def test_owner_removes_a_file_from_a_draft_and_it_leaves_the_disk_after_commit(
    client, plan, staff_commerce, settings, django_capture_on_commit_callbacks
):
    attachment = draft_with_file(client, plan, staff_commerce)
    stored = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = remove(client, attachment)
    assert response.status_code == 302
    assert response["Location"] == edit_url(plan, task(1, 1, 1))
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert stored.exists()  # still there until the transaction commits
    for callback in callbacks:
        callback()
    assert not stored.exists()
    assert files_on_disk(settings) == []


def test_removal_is_listed_in_the_report_history_as_a_deleted_attachment(
    client, plan, staff_commerce, django_capture_on_commit_callbacks
):
    attachment = draft_with_file(client, plan, staff_commerce, name="活动照片.png", content=PNG_BYTES)
    with django_capture_on_commit_callbacks(execute=True):
        remove(client, attachment)
    response = client.get(reverse("tasks:report_detail", args=[attachment.report_id]))
    [row] = [row for row in response.context["history"] if row.object_label == "已删除附件"]
    assert (row.before, row.who) == ("活动照片.png", staff_commerce)
    assert "已删除附件" in response.content.decode()
    # The next submission's snapshot no longer lists the file.
    client.post(edit_url(plan, task(1, 1, 1)), report_data(version=2, action="submit"))
    event = ReportEvent.objects.get(report_id=attachment.report_id, action="submitted")
    assert event.snapshot["attachments"] == []


def test_owner_may_remove_a_file_from_a_returned_report(client, plan, staff_commerce):
    attachment = draft_with_file(client, plan, staff_commerce)
    ProgressReport.objects.filter(pk=attachment.report_id).update(status=ProgressReport.Status.RETURNED)
    rebuild_summaries()
    assert remove(client, attachment).status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize("status", [ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED])
def test_a_file_of_a_submitted_or_approved_report_cannot_be_removed(client, plan, staff_commerce, settings, status):
    attachment = draft_with_file(client, plan, staff_commerce)
    ProgressReport.objects.filter(pk=attachment.report_id).update(status=status)
    rebuild_summaries()
    assert remove(client, attachment).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert (settings.PRIVATE_MEDIA_ROOT / attachment.file.name).exists()


def test_another_department_cannot_remove_a_file(client, plan, staff_commerce, office_dev, leader, departments):
    attachment = draft_with_file(client, plan, staff_commerce)
    for user in (make_user("stats", "staff", departments["stats"]), office_dev, leader):
        client.force_login(user)
        assert remove(client, attachment).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_removal_is_post_only(client, plan, staff_commerce):
    attachment = draft_with_file(client, plan, staff_commerce)
    assert client.get(reverse("tasks:attachment_remove", args=[attachment.pk])).status_code == 405
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_removal_refused_when_a_colleague_submitted_meanwhile(client, plan, staff_commerce):
    attachment = draft_with_file(client, plan, staff_commerce)
    ProgressReport.objects.filter(pk=attachment.report_id).update(status=ProgressReport.Status.SUBMITTED)
    rebuild_summaries()
    with pytest.raises(actions.ReportActionError):
        actions.remove_attachment(attachment.report_id, attachment.pk, staff_commerce)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_form_offers_removal_only_while_the_report_is_writable(client, plan, staff_commerce):
    attachment = draft_with_file(client, plan, staff_commerce)
    remove_url = reverse("tasks:attachment_remove", args=[attachment.pk])
    assert remove_url in client.get(edit_url(plan, task(1, 1, 1))).content.decode()
    ProgressReport.objects.filter(pk=attachment.report_id).update(status=ProgressReport.Status.SUBMITTED)
    rebuild_summaries()
    assert remove_url not in client.get(reverse("tasks:report_detail", args=[attachment.report_id])).content.decode()


# ---------------------------------------------------------------- refused saves leave no file


def test_a_save_refused_for_a_stale_version_leaves_no_file(client, plan, staff_commerce, settings):
    draft_with_file(client, plan, staff_commerce)
    before = files_on_disk(settings)
    response = client.post(
        edit_url(plan, task(1, 1, 1)), report_data(version=1, files=upload("第二份.pdf"))
    )  # the stored version is 2 now
    assert "保存被拒绝" in response.content.decode()
    assert files_on_disk(settings) == before
    assert Attachment.objects.count() == 1


def test_a_save_refused_because_a_colleague_submitted_leaves_no_file(client, plan, staff_commerce, settings):
    attachment = draft_with_file(client, plan, staff_commerce)
    ProgressReport.objects.filter(pk=attachment.report_id).update(status=ProgressReport.Status.SUBMITTED)
    rebuild_summaries()
    before = files_on_disk(settings)
    response = client.post(edit_url(plan, task(1, 1, 1)), report_data(version=2, files=upload("第二份.pdf")))
    assert "本次内容未保存" in response.content.decode()
    assert files_on_disk(settings) == before


def test_a_save_with_a_validation_error_leaves_no_file(client, plan, staff_commerce, settings):
    client.force_login(staff_commerce)
    response = client.post(
        edit_url(plan, task(1, 1, 1)), report_data(action="submit", progress="", files=upload("通知.pdf"))
    )
    assert "提交前请填写工作进展" in response.content.decode()
    assert files_on_disk(settings) == []


def test_a_failure_after_the_files_were_written_deletes_them(client, plan, staff_commerce, settings, monkeypatch):
    client.force_login(staff_commerce)

    def broken_snapshot(report):
        raise RuntimeError("snapshot failed")

    monkeypatch.setattr(actions, "snapshot", broken_snapshot)
    report = ProgressReport.objects.create(
        task=task(1, 1, 1), department=staff_commerce.department, period=ten_day(plan, 14)
    )
    rebuild_summaries()
    content = {"progress": "进展", "task_status": "in_progress", "problems": "", "next_steps": ""}
    with pytest.raises(RuntimeError):
        actions.submit_report(
            report.pk,
            staff_commerce,
            version=1,
            content=content,
            metric_values={},
            uploads=[(upload("甲.pdf"), "application/pdf"), (upload("乙.pdf"), "application/pdf")],
        )
    assert files_on_disk(settings) == []
    assert not Attachment.objects.exists()


# ---------------------------------------------------------------- contributions on the lead's page


@pytest.fixture
def contribution(plan, staff_commerce, staff_culture):
    """市商务局 cooperates on task 1.2 (led by 市文化旅游广电体育局) and submitted a file."""
    report = ProgressReport.objects.create(
        task=task(1, 1, 2),
        department=staff_commerce.department,
        period=ten_day(plan, 14),
        status=ProgressReport.Status.SUBMITTED,
        progress="配合开展旅游促销",
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    return report


def add_file(report, user, name="配合材料.pdf"):
    attachment = Attachment(
        report=report, original_name=name, content_type="application/pdf", size=len(PDF_BYTES), uploaded_by=user
    )
    attachment.file.save(name, SimpleUploadedFile(name, PDF_BYTES), save=False)
    attachment.save()
    return attachment


def download(client, attachment):
    return client.get(reverse("tasks:attachment_download", args=[attachment.pk]))


def test_lead_department_downloads_a_contributions_file_from_its_report_page(
    client, plan, contribution, staff_commerce, staff_culture
):
    attachment = add_file(contribution, staff_commerce)
    lead_report = ProgressReport.objects.create(
        task=task(1, 1, 2), department=staff_culture.department, period=ten_day(plan, 14), progress="牵头进展"
    )
    rebuild_summaries()
    client.force_login(staff_culture)
    page = client.get(reverse("tasks:report_detail", args=[lead_report.pk])).content.decode()
    assert reverse("tasks:attachment_download", args=[attachment.pk]) in page
    response = download(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_lead_department_cannot_download_a_contributions_draft_file(
    client, plan, contribution, staff_commerce, staff_culture
):
    ProgressReport.objects.filter(pk=contribution.pk).update(status=ProgressReport.Status.DRAFT)
    rebuild_summaries()
    attachment = add_file(contribution, staff_commerce)
    client.force_login(staff_culture)
    assert download(client, attachment).status_code == 404


def test_other_departments_still_get_404_for_a_contributions_file(
    client, plan, contribution, staff_commerce, staff_science, office_science, departments
):
    attachment = add_file(contribution, staff_commerce)
    for user in (staff_science, office_science, make_user("dev_staff", "staff", departments["dev"])):
        client.force_login(user)
        assert download(client, attachment).status_code == 404, user


def test_a_cooperating_department_cannot_download_the_leads_file(client, plan, staff_commerce, staff_culture):
    lead_report = ProgressReport.objects.create(
        task=task(1, 1, 2),
        department=staff_culture.department,
        period=ten_day(plan, 14),
        status=ProgressReport.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    attachment = add_file(lead_report, staff_culture, name="牵头材料.pdf")
    client.force_login(staff_commerce)
    assert download(client, attachment).status_code == 404


def test_lead_department_cannot_remove_a_contributions_file(client, plan, contribution, staff_commerce, staff_culture):
    ProgressReport.objects.filter(pk=contribution.pk).update(status=ProgressReport.Status.RETURNED)
    rebuild_summaries()
    attachment = add_file(contribution, staff_commerce)
    client.force_login(staff_culture)
    assert remove(client, attachment).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_admin_deleting_an_attachment_removes_its_file_and_cannot_upload_one(
    client, plan, staff_commerce, plan_admin, settings, django_capture_on_commit_callbacks
):
    attachment = draft_with_file(client, plan, staff_commerce)
    stored = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
    client.force_login(plan_admin)
    assert client.get(reverse("admin:tasks_attachment_add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:tasks_attachment_delete", args=[attachment.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
    assert Attachment.history.filter(id=attachment.pk, history_type="-").get().history_user == plan_admin
