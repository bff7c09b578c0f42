"""Admin spreadsheets round-trip: every resource exports, and its own export re-imported unchanged
changes nothing; formula cells are escaped on export and refused on import; size and row limits;
errors in Chinese (targets/spreadsheets.py, targets/resources.py, tasks/resources.py)."""

import io
import zipfile

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.admin import ImportMixin

from targets.models import Department, DepartmentAlias, Target
from tasks.models import Responsibility, Task
from tasks.plan_file import load_plan, read_plan_file
from tasks.tests.plan_files import REAL_PLAN

pytestmark = pytest.mark.django_db

FORMATS = {"xlsx": "0", "csv": "1"}  # positions in targets.spreadsheets.FORMATS
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}

SPREADSHEET_ADMINS = sorted(
    (f"{model._meta.app_label}_{model._meta.model_name}", model_admin)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, ImportMixin)
)


def export(client, model, model_admin, fmt):
    resource = model_admin.resource_classes[0]
    selected = {f"{resource.__name__.lower()}_{name}": "on" for name in resource.Meta.fields}
    response = client.post(reverse(f"admin:{model}_export"), {"format": FORMATS[fmt], "resource": "0", **selected})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(CONTENT_TYPES[fmt]), response.content.decode(errors="replace")[:2000]
    return response.content


def preview(client, model, content, fmt):
    upload = SimpleUploadedFile(f"export.{fmt}", content)
    return client.post(reverse(f"admin:{model}_import"), {"import_file": upload, "format": FORMATS[fmt]})


def totals(response):
    result = response.context["result"]
    return {key: value for key, value in result.totals.items() if value}


def confirm(client, model, response):
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:{model}_process_import"), form.initial, follow=True)


def xlsx_rows(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_every_importable_model_is_covered():
    assert {name for name, _ in SPREADSHEET_ADMINS} == {"targets_department", "targets_target", "tasks_task"}


@pytest.mark.parametrize("model, model_admin", SPREADSHEET_ADMINS, ids=[name for name, _ in SPREADSHEET_ADMINS])
def test_reimporting_an_unchanged_export_of_the_real_plan_changes_nothing(client, plan_admin, model, model_admin):
    load_plan(read_plan_file(REAL_PLAN))
    department = Department.objects.get(name="市商务局")
    DepartmentAlias.objects.create(department=department, name="商务局")
    DepartmentAlias.objects.create(department=department, name="-商务-")  # would be a formula unescaped
    client.force_login(plan_admin)
    for fmt in FORMATS:
        content = export(client, model, model_admin, fmt)
        rows = model_admin.model.objects.count()
        checked = preview(client, model, content, fmt)
        assert "confirm_form" in checked.context, checked.content.decode()[:3000]
        assert totals(checked) == {"skip": rows}, fmt
        done = confirm(client, model, checked)
        assert done.status_code == 200
        assert f"忽略{rows}条记录" in done.content.decode()
        assert export(client, model, model_admin, fmt) == content or fmt == "xlsx"  # xlsx embeds a timestamp
        if fmt == "xlsx":
            assert xlsx_rows(export(client, model, model_admin, fmt))[0] == xlsx_rows(content)[0]


def test_an_edited_cell_is_one_update_and_relations_count_as_changes(client, plan, plan_admin):
    client.force_login(plan_admin)
    model_admin = admin.site._registry[Task]
    content = export(client, "tasks_task", model_admin, "csv").decode("utf-8-sig")
    edited = content.replace(",市商务局,市发展改革委,", ",市商务局,市发展改革委、鹤城区,", 1)
    assert edited != content
    checked = preview(client, "tasks_task", edited.encode("utf-8-sig"), "csv")
    assert totals(checked) == {"update": 1, "skip": Task.objects.count() - 1}
    confirm(client, "tasks_task", checked)
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    assert task.responsibilities.filter(department__name="鹤城区", role="responsible").exists()


def test_formula_cells_are_escaped_on_export_and_come_back_unchanged(client, plan, plan_admin):
    target = Target.objects.get(battle__plan=plan, code="1.01")
    target.source = '=HYPERLINK("http://evil.example","点击")'
    target.general_plan_source = "@SUM(1+1)"
    target.unit = "+1"
    target.save()
    task = Task.objects.get(section__battle__plan=plan, title="促进旅游消费恢复")
    task.text = "-2+3 的任务内容"
    task.save()
    client.force_login(plan_admin)
    model_admin = admin.site._registry[Target]
    csv = export(client, "targets_target", model_admin, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and ",'@SUM(1+1)," in csv
    assert ",'+1," not in csv  # a plain number stays as it is
    book = export(client, "targets_target", model_admin, "xlsx")
    rows, sheet = xlsx_rows(book)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert '\'=HYPERLINK("http://evil.example","点击")' in rows[1]
    for fmt, content in (("csv", csv.encode("utf-8-sig")), ("xlsx", book)):
        checked = preview(client, "targets_target", content, fmt)
        assert totals(checked) == {"skip": Target.objects.count()}, checked.content.decode()[:3000]
    task_csv = export(client, "tasks_task", admin.site._registry[Task], "csv")
    assert "'-2+3 的任务内容" in task_csv.decode("utf-8-sig")
    assert totals(preview(client, "tasks_task", task_csv, "csv")) == {"skip": Task.objects.count()}
    target.refresh_from_db()
    assert target.source.startswith("=HYPERLINK")


TARGET_HEADER = "方案,仗序号,编号,指标,比较,目标值,单位,类型,报送频次,责任单位,原文\n"


def test_a_formula_cell_in_an_import_is_refused_with_a_chinese_message(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        TARGET_HEADER + "test-2023,1,1.09,外贸进出口,以上/不低于,100,亿元,累计量,每月,市商务局,=1+1\n"
        "test-2023,1,1.10,单位能耗增长,达到,-5,%,增速,每季,市商务局,'=原文以等号开头\n"
    ).encode()
    checked = preview(client, "targets_target", content, "csv")
    html = checked.content.decode()
    assert "“原文”以“=”开头，会被电子表格软件当作公式执行，已拒绝导入" in html
    assert "confirm_form" not in checked.context
    assert totals(checked) == {"invalid": 1, "new": 1}
    assert not Target.objects.filter(code__in=["1.09", "1.10"]).exists()
    # Without the formula row, the escaped text and the negative number are accepted.
    fine = (TARGET_HEADER + content.decode().splitlines()[2] + "\n").encode()
    confirm(client, "targets_target", preview(client, "targets_target", fine, "csv"))
    saved = Target.objects.get(battle__plan=plan, code="1.10")
    assert saved.source == "=原文以等号开头" and saved.value == -5


def test_too_many_rows_are_refused_before_anything_is_read_into_the_database(client, plan, plan_admin, settings):
    settings.SPREADSHEET_IMPORT_MAX_ROWS = 3
    client.force_login(plan_admin)
    rows = "".join(f"市新单位{n},市直部门\n" for n in range(4))
    response = preview(client, "targets_department", ("名称,类别\n" + rows).encode(), "csv")
    assert "文件超过 3 行，未导入" in response.content.decode()
    book = openpyxl.Workbook()
    book.active.append(["名称", "类别"])
    for n in range(4):
        book.active.append([f"市新单位{n}", "市直部门"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = preview(client, "targets_department", buffer.getvalue(), "xlsx")
    assert "文件超过 3 行，未导入" in response.content.decode()
    assert not Department.objects.filter(name__startswith="市新单位").exists()


def test_an_oversized_file_and_an_xlsx_that_expands_too_far_are_refused(client, plan, plan_admin, settings):
    settings.SPREADSHEET_IMPORT_MAX_BYTES = 1000
    settings.SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES = 200_000
    client.force_login(plan_admin)
    response = preview(client, "targets_department", ("名称,类别\n" + "市新单位,市直部门\n" * 100).encode(), "csv")
    assert "超过上限 1000" in response.content.decode()
    settings.SPREADSHEET_IMPORT_MAX_BYTES = 100_000
    # A valid workbook whose sheet is padded with a megabyte of spaces: small zipped, large unzipped.
    book = openpyxl.Workbook()
    book.active.append(["名称", "类别"])
    book.active.append(["市新单位", "市直部门"])
    buffer = io.BytesIO()
    book.save(buffer)
    padded = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * 1_000_000)
            target.writestr(info, data)
    assert len(padded.getvalue()) < 100_000
    response = preview(client, "targets_department", padded.getvalue(), "xlsx")
    assert "XLSX 文件解压后有" in response.content.decode() and "未导入" in response.content.decode()
    assert not Department.objects.filter(name="市新单位").exists()


def test_a_file_that_is_not_a_spreadsheet_gets_a_chinese_message(client, plan, plan_admin):
    client.force_login(plan_admin)
    response = preview(client, "targets_department", b"not a zip at all", "xlsx")
    assert "文件不是有效的 XLSX 表格" in response.content.decode()


def test_rows_the_database_would_refuse_are_invalid_rows_in_chinese(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = (
        "方案,仗序号,板块序号,任务序号,任务,任务内容,责任依据,牵头单位,负责单位,配合单位\n"
        "test-2023,1,1,9,,内容。,task,市商务局,,\n"
        "test-2023,1,1,10," + "长" * 300 + ",内容。,task,市商务局,,\n"
    ).encode()
    checked = preview(client, "tasks_task", content, "csv")
    html = checked.content.decode()
    assert totals(checked) == {"invalid": 2}
    assert "这个字段不能为空" in html or "此字段不能为空" in html
    assert "200" in html  # the title's length limit, in Django's Chinese message
    assert "NOT NULL" not in html and "constraint" not in html.lower() and "IntegrityError" not in html
    assert not Task.objects.filter(number__in=[9, 10]).exists()
    assert Responsibility.objects.filter(task__number__in=[9, 10]).count() == 0


def test_figures_are_number_cells_in_the_excel_export(client, plan, plan_admin):
    client.force_login(plan_admin)
    rows, _ = xlsx_rows(export(client, "targets_target", admin.site._registry[Target], "xlsx"))
    header = rows[0]
    gdp = next(row for row in rows[1:] if row[header.index("编号")] == "1.01")
    retail = next(row for row in rows[1:] if row[header.index("编号")] == "1.02")
    assert gdp[header.index("目标值")] == 7.5 and retail[header.index("目标值")] == 780
    assert isinstance(gdp[header.index("排序")], int)


def test_a_csv_saved_by_excel_in_gbk_is_previewed_and_imported_like_a_utf8_one(client, plan, plan_admin):
    client.force_login(plan_admin)
    content = "名称,类别,别名,排序\n市林业局,市直部门,林业局,5\n".encode("gbk")
    response = preview(client, "targets_department", content, "csv")
    assert "confirm_form" in response.context, response.content.decode()[:2000]
    assert not Department.objects.filter(name="市林业局").exists()  # the preview wrote nothing
    confirm(client, "targets_department", response)
    forestry = Department.objects.get(name="市林业局")
    assert [alias.name for alias in forestry.aliases.all()] == ["林业局"]


def test_a_csv_with_the_header_row_only_is_refused_in_chinese(client, plan, plan_admin):
    client.force_login(plan_admin)
    response = preview(client, "targets_department", "名称,类别,别名,排序\n".encode(), "csv")
    page = response.content.decode()
    assert "文件中没有可导入的数据" in page
    assert "No valid data" not in page
