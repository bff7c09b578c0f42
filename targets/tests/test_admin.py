"""Every admin page opens; spreadsheet import with preview and confirmation, for permitted users only."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import GroupRobot, Notification
from conftest import make_user
from targets.models import Department, DepartmentAlias, Plan, Target, TargetReading
from tasks.models import Attachment, MetricValue, ProgressReport, ReportEvent, Responsibility, Task, TaskMetric
from tasks.plan_file import load_plan, read_plan_file
from tasks.tests.plan_files import REAL_PLAN

pytestmark = pytest.mark.django_db


def fill_every_model(plan, user):
    """One row of each model the shared `plan` fixture does not create, so every change page has an object."""
    department = Department.objects.get(name="市商务局")
    DepartmentAlias.objects.get_or_create(department=department, name="商务局")
    target = Target.objects.filter(battle__plan=plan).first()
    period = plan.periods.get(kind="month", number=3)
    TargetReading.objects.create(target=target, period=period, department=department, cumulative_value=Decimal("12"))
    task = Task.objects.filter(section__battle__plan=plan, metrics__isnull=False).first()
    lead = task.responsibilities.filter(role="lead").first().department
    ten_day = plan.periods.get(kind="ten_day", number=7)
    report = ProgressReport.objects.create(task=task, department=lead, period=ten_day, progress="进展顺利")
    MetricValue.objects.create(report=report, metric=task.metrics.first(), value=Decimal("10"))
    ReportEvent.objects.create(report=report, action="submitted", actor=user, at=timezone.now(), version_number=1)
    Attachment.objects.create(
        report=report,
        file="attachments/x/evidence",
        original_name="佐证.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_by=user,
    )
    Notification.objects.create(user=user, kind="returned", text="报告被退回", link="/")
    GroupRobot.objects.create(department=department, kind="wecom", webhook_url="https://qyapi.weixin.qq.com/x?key=k")


def assert_every_admin_page_opens(client):
    failures = []
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(_request_for(client)):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            if hasattr(model_admin, "history_view"):
                pages.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
        elif model._meta.app_label in {"targets", "tasks", "accounts"}:
            failures.append(f"{model.__name__}: no object to open")
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{url}: {response.status_code}")
    assert failures == []


def _request_for(client):
    from django.test import RequestFactory

    from accounts.models import User

    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


def test_every_admin_page_opens_with_the_mini_plan(client, plan, plan_admin):
    fill_every_model(plan, plan_admin)
    client.force_login(plan_admin)
    assert_every_admin_page_opens(client)


def test_every_admin_page_opens_with_the_real_plan(client, plan_admin):
    real = load_plan(read_plan_file(REAL_PLAN)).plan
    fill_every_model(real, plan_admin)
    client.force_login(plan_admin)
    assert_every_admin_page_opens(client)


def test_task_change_page_shows_responsibilities_and_metrics_inline(client, plan, plan_admin):
    task = Task.objects.get(section__battle__plan=plan, title="促进旅游消费恢复")
    client.force_login(plan_admin)
    response = client.get(reverse("admin:tasks_task_change", args=[task.pk]))
    html = response.content.decode()
    assert "责任分工" in html and "任务量化指标" in html
    assert "接待游客" in html and "旅游总收入" in html
    assert "市文化旅游广电体育局" in html


def test_admin_changelists_do_not_query_per_row(client, plan, plan_admin):
    client.force_login(plan_admin)
    urls = [reverse(f"admin:{name}_changelist") for name in ("tasks_task", "targets_target", "tasks_responsibility")]

    def queries():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx))
        return counts

    small = queries()
    load_plan(read_plan_file(REAL_PLAN))
    assert queries() == small


def test_history_cannot_be_reverted_from_the_admin(client, plan, plan_admin):
    task = Task.objects.filter(section__battle__plan=plan).first()
    task.title = "改过的标题"
    task.save()
    record = task.history.order_by("history_id").first()
    client.force_login(plan_admin)
    url = reverse("admin:tasks_task_simple_history", args=[task.pk, record.history_id])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_continue"' not in page.content.decode()
    assert (
        client.post(url, {"title": record.title, "section": task.section_id, "number": task.number}).status_code == 403
    )
    task.refresh_from_db()
    assert task.title == "改过的标题"


def test_user_admin_edits_department_and_role(client, plan, plan_admin, departments):
    user = make_user("someone", "staff", departments["commerce"])
    client.force_login(plan_admin)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    html = client.get(url).content.decode()
    assert "所属单位" in html and "角色" in html


def new_user_form(username, role, department):
    """The admin's add-user form as filled in."""
    password = "Long-enough-pass-123"
    return {
        "username": username,
        "password1": password,
        "password2": password,
        "usable_password": "true",
        "role": role,
        "department": department,
    }


def test_user_admin_refuses_a_staff_account_without_a_department_in_chinese(client, plan, plan_admin):
    from accounts.models import User

    client.force_login(plan_admin)
    data = new_user_form("nodept", "staff", "")
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert "部门填报员和专班办公室账号须选择所属单位。" in response.content.decode()
    assert not User.objects.filter(username="nodept").exists()
    response = client.post(reverse("admin:accounts_user_add"), {**data, "role": "leader"})
    assert response.status_code == 302
    assert User.objects.get(username="nodept").department is None


def test_user_admin_refuses_an_office_account_of_a_department_that_hosts_no_office(client, plan, plan_admin):
    from accounts.models import User

    client.force_login(plan_admin)
    data = new_user_form("notanoffice", "office", str(Department.objects.get(name="市商务局").pk))
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“市商务局”不是任何工作专班的办公室所在单位" in page
    assert "市发展改革委、市科技局" in page  # the departments that host an office, offered instead
    assert not User.objects.filter(username="notanoffice").exists()
    office = Department.objects.get(name="市发展改革委")
    response = client.post(reverse("admin:accounts_user_add"), {**data, "department": str(office.pk)})
    assert response.status_code == 302
    assert User.objects.get(username="notanoffice").office_battle_ids()


# --- import ---


def import_preview(client, model, content, filename, fmt):
    url = reverse(f"admin:{model}_import")
    upload = SimpleUploadedFile(filename, content)
    return client.post(url, {"import_file": upload, "format": fmt})


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:{model}_process_import"), form.initial, follow=True)


CSV, XLSX = "1", "0"  # positions in SpreadsheetAdmin.import_formats


def test_department_import_previews_then_confirms_with_aliases(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = "名称,类别,别名,排序\n市林业局,市直部门,林业局、市林业部门,5\n鹤城区,county,鹤城,0\n".encode()
    preview = import_preview(client, "targets_department", content, "departments.csv", CSV)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    assert not Department.objects.filter(name="市林业局").exists()  # the preview wrote nothing
    done = confirm(client, "targets_department", preview)
    assert done.status_code == 200
    forestry = Department.objects.get(name="市林业局")
    assert forestry.kind == "municipal" and forestry.order == 5
    assert sorted(forestry.aliases.values_list("name", flat=True)) == ["市林业部门", "林业局"]
    assert Department.objects.get(name="鹤城区").aliases.get().name == "鹤城"


def test_target_import_with_unknown_department_shows_a_chinese_row_error_and_writes_nothing(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,编号,指标,比较,目标值,单位,类型,报送频次,责任单位\n"
        "test-2023,1,1.09,外贸进出口,以上/不低于,100,亿元,累计量,每月,市商务局、市不存在局\n"
        "test-2023,1,1.10,实际利用外资,达到,5,亿美元,累计量,每季,市商务局\n"
    ).encode()
    preview = import_preview(client, "targets_target", content, "targets.csv", CSV)
    html = preview.content.decode()
    assert "未知单位：市不存在局" in html
    assert "confirm_form" not in preview.context
    assert not Target.objects.filter(code__in=["1.09", "1.10"]).exists()


def test_target_import_with_a_unit_but_no_value_names_the_row_and_writes_nothing(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,编号,指标,比较,目标值,单位,类型,报送频次,责任单位\n"
        "test-2023,1,1.09,外贸进出口,以上/不低于,100,亿元,累计量,每月,市商务局\n"
        "test-2023,1,1.10,实际利用外资,达到,,亿美元,累计量,每季,市商务局\n"
    ).encode()
    preview = import_preview(client, "targets_target", content, "targets.csv", CSV)
    html = preview.content.decode()
    assert "累计量指标须有目标值" in html
    assert "confirm_form" not in preview.context
    assert not Target.objects.filter(code__in=["1.09", "1.10"]).exists()


def test_department_import_with_text_in_the_order_column_names_the_row_in_chinese_and_writes_nothing(
    client, plan, plan_admin
):
    client.force_login(plan_admin)
    content = "名称,类别,别名,排序\n市林业局,市直部门,,5\n市新局,市直部门,,abc\n".encode()
    preview = import_preview(client, "targets_department", content, "departments.csv", CSV)
    html = preview.content.decode()
    assert "不是整数：“abc”" in html
    assert "ConversionSyntax" not in html
    assert "confirm_form" not in preview.context
    assert not Department.objects.filter(name__in=["市林业局", "市新局"]).exists()


def test_target_import_with_a_yes_no_cell_it_does_not_understand_is_refused_not_read_as_no(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,编号,指标,比较,目标值,单位,类型,报送频次,责任单位,分县市区\n"
        "test-2023,1,1.09,外贸进出口,以上/不低于,100,亿元,累计量,每月,市商务局,对\n"
    ).encode()
    preview = import_preview(client, "targets_target", content, "targets.csv", CSV)
    html = preview.content.decode()
    assert "“对”应填“是”或“否”" in html
    # The error is labelled with the column's Chinese name, not the attribute.
    assert '<span class="validation-error-field-label">分县市区</span>' in html
    assert "by_area" not in html
    assert "confirm_form" not in preview.context
    assert not Target.objects.filter(code="1.09").exists()


def test_import_without_the_key_column_names_the_missing_column_in_chinese_without_a_traceback(
    client, plan, plan_admin
):
    client.force_login(plan_admin)
    preview = import_preview(client, "targets_department", b"name,kind\nX,municipal\n", "departments.csv", CSV)
    html = preview.content.decode()
    assert "缺少列：名称" in html
    assert "Traceback" not in html and "import_id_fields" not in html
    assert "confirm_form" not in preview.context
    assert not Department.objects.filter(name="X").exists()


def test_target_import_from_xlsx_sets_departments_by_name_and_alias(client, plan, plan_admin):
    DepartmentAlias.objects.create(department=Department.objects.get(name="市统计局"), name="统计局")
    client.force_login(plan_admin)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["方案", "仗序号", "编号", "指标", "比较", "目标值", "单位", "类型", "报送频次", "责任单位"])
    sheet.append(
        ["test-2023", 1, "1.09", "外贸进出口", "at_least", 100, "亿元", "cumulative", "monthly", "市商务局、统计局"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    preview = import_preview(client, "targets_target", buffer.getvalue(), "targets.xlsx", XLSX)
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm(client, "targets_target", preview)
    target = Target.objects.get(battle__plan=plan, code="1.09")
    assert target.value == Decimal("100")
    assert [d.name for d in target.departments.order_by("name")] == ["市商务局", "市统计局"]


def test_task_import_updates_responsibilities_from_columns(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,板块序号,任务序号,任务,任务内容,责任依据,牵头单位,负责单位,配合单位\n"
        "test-2023,1,1,1,开展系列消费促进活动,积极开展消费季活动。,任务写明,市商务局,市发展改革委、鹤城区,市统计局\n"
        "test-2023,1,1,9,新增任务,内容。,task,市文化旅游广电体育局,,\n"
    ).encode()
    preview = import_preview(client, "tasks_task", content, "tasks.csv", CSV)
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm(client, "tasks_task", preview)
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    roles = [(r.department.name, r.role) for r in task.responsibilities.select_related("department").order_by("order")]
    assert roles == [
        ("市商务局", "lead"),
        ("市发展改革委", "responsible"),
        ("鹤城区", "responsible"),
        ("市统计局", "cooperating"),
    ]
    new = Task.objects.get(section__battle__plan=plan, title="新增任务")
    assert new.responsibilities.get().department.name == "市文化旅游广电体育局"
    assert new.responsibilities.get().section == new.section


def test_task_import_without_a_lead_is_refused(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,板块序号,任务序号,任务,任务内容,责任依据,牵头单位,负责单位,配合单位\n"
        "test-2023,1,1,9,新增任务,内容。,task,,市商务局,\n"
    ).encode()
    preview = import_preview(client, "tasks_task", content, "tasks.csv", CSV)
    assert "每个任务至少要有一个牵头单位" in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert not Task.objects.filter(title="新增任务").exists()


def test_export_writes_departments_of_tasks_as_names(client, plan, plan_admin):
    from tasks.resources import TaskResource

    client.force_login(plan_admin)
    selected = {f"taskresource_{name}": "on" for name in TaskResource.Meta.fields}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("admin:tasks_task_export"), {"format": CSV, "resource": "0", **selected})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[-3:] == ["牵头单位", "负责单位", "配合单位"]
    assert "test-2023,1,1,1,开展系列消费促进活动,积极开展消费季活动。" in lines[1]
    assert lines[1].endswith(",市商务局,市发展改革委,")
    # Responsibilities are prefetched: the export does not query once per task.
    assert len(ctx) < 20, "\n".join(q["sql"][:150] for q in ctx.captured_queries)


def test_staff_without_import_permission_gets_403(client, plan, departments):
    user = make_user("clerk", "admin", None, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_department", "change_department", "add_department"])
    )
    client.force_login(user)
    assert client.get(reverse("admin:targets_department_changelist")).status_code == 200
    assert client.get(reverse("admin:targets_department_import")).status_code == 403
    upload = SimpleUploadedFile("d.csv", "名称,类别\n市新局,市直部门\n".encode())
    response = client.post(reverse("admin:targets_department_import"), {"import_file": upload, "format": CSV})
    assert response.status_code == 403
    assert not Department.objects.filter(name="市新局").exists()
    user.user_permissions.add(Permission.objects.get(codename="import_department"))
    client.force_login(type(user).objects.get(pk=user.pk))
    assert client.get(reverse("admin:targets_department_import")).status_code == 200


def test_period_deadline_of_the_mini_plan_is_a_workday(plan):
    # Sanity check of the shared fixture the admin tests open: periods exist with deadlines.
    assert plan.periods.filter(deadline__lt=dt.date(2023, 1, 10)).count() == 0
    assert Plan.objects.count() == 1
    assert Responsibility.objects.exists() and TaskMetric.objects.exists()


def test_a_plan_or_battle_with_reports_cannot_be_deleted_in_the_admin_but_one_without_can(client, plan, plan_admin):
    client.force_login(plan_admin)
    empty = Plan.objects.create(code="empty-2024", title="空方案", year=2024, document_number="测试〔2024〕1号")
    assert client.get(reverse("admin:targets_plan_delete", args=[empty.pk])).status_code == 200
    assert client.get(reverse("admin:targets_plan_delete", args=[plan.pk])).status_code == 200
    fill_every_model(plan, plan_admin)  # a progress report and a reading
    battle = ProgressReport.objects.get().task.section.battle
    for url in [
        reverse("admin:targets_plan_delete", args=[plan.pk]),
        reverse("admin:targets_battle_delete", args=[battle.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:targets_plan_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert Plan.objects.filter(pk=plan.pk).exists() and ProgressReport.objects.count() == 1


def test_export_with_every_column_unticked_asks_in_chinese_for_a_column(client, plan, plan_admin):
    client.force_login(plan_admin)
    response = client.post(reverse("admin:targets_department_export"), {"format": XLSX, "resource": "0"})
    html = response.content.decode()
    assert "请至少勾选“单位”的一列再导出。" in html
    assert "Select at least" not in html and "DepartmentResource" not in html


def test_admin_header_and_titles_follow_the_readers_language(client, plan, plan_admin, settings):
    client.force_login(plan_admin)
    chinese = client.get(reverse("admin:index")).content.decode()
    assert "<title>管理 | 六仗调度系统</title>" in chinese
    assert "怀化市打好发展“六仗”调度系统" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("admin:index")).content.decode()
    assert "<title>Administration | Six battles tracker</title>" in english
    assert "Huaihua six battles for development tracker" in english
    assert "调度系统" not in english
