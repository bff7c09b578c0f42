"""Reading a plan document in the browser: upload → review → resolve → load (tasks/draft_views.py)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from targets.models import Battle, Department, DepartmentAlias, Plan
from tasks.models import PlanDraft, Task
from tasks.plan_file import parse_plan
from tasks.tests.plan_documents import NEXT_YEAR, as_docx

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, plan_admin):
    client.force_login(plan_admin)
    return client


def upload(client, content=None, name="2024年方案.docx", text="", code="ceshi-2024"):
    data = {"code": code, "text": text}
    if content is not None:
        data["document"] = SimpleUploadedFile(name, content)
    return client.post(reverse("tasks:draft_list"), data)


def review(client, draft):
    return client.get(reverse("tasks:draft_review", args=[draft.pk]))


def post(client, view, draft, **data):
    return client.post(reverse(f"tasks:{view}", args=[draft.pk]), data)


def test_admin_uploads_a_docx_and_sees_the_uncertain_records_first(admin_client):
    response = upload(admin_client, as_docx(NEXT_YEAR))

    draft = PlanDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:draft_review", args=[draft.pk])
    page = review(admin_client, draft).content.decode()
    # Unknown and abbreviated names, with the closest known names offered, come before the task list.
    assert page.index("市大数据局") < page.index("读出的任务")
    assert "“发改委”按简称读作“市发展改革委”" in page
    assert "单位“市大数据局”不在单位名录中" in page
    assert "未写牵头单位，取第一个负责单位“市商务局”为牵头" in page
    assert draft.data["plan"]["title"] == "测试市打好发展“两仗”总体方案"
    assert draft.status == PlanDraft.Status.REVIEWING
    assert not Plan.objects.filter(code="ceshi-2024").exists()


def test_admin_resolves_names_confirms_the_inferred_lead_and_loads_the_plan(admin_client, departments):
    upload(admin_client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()

    post(admin_client, "draft_department", draft, written="发改委", department="市发展改革委")
    post(admin_client, "draft_department", draft, written="市大数据局", new_name="市数据局", kind="municipal")
    post(admin_client, "draft_lead", draft, path="battles[0].sections[0].tasks[2]", lead="市商务局")
    response = post(admin_client, "draft_load", draft)

    plan = Plan.objects.get(code="ceshi-2024")
    assert response.status_code == 302
    assert response["Location"] == reverse("dash:overview", kwargs={"code": "ceshi-2024"})
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    assert [r.department.name for r in task.responsibilities.order_by("order")] == [
        "市商务局",
        "市发展改革委",
        "市数据局",
    ]
    inferred = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=3)
    assert inferred.basis == Task.Basis.FIRST_NAMED
    assert Department.objects.get(name="市数据局").kind == "municipal"
    # The abbreviation is remembered: next year's reading knows 发改委.
    assert DepartmentAlias.objects.get(name="发改委").department == departments["dev"]
    draft.refresh_from_db()
    assert (draft.status, draft.loaded_plan) == (PlanDraft.Status.LOADED, plan)
    dashboard = admin_client.get(response["Location"])
    assert dashboard.status_code == 200
    assert "打好经济增长主动仗" in dashboard.content.decode()


def test_loading_a_draft_with_errors_shows_them_in_chinese_and_loads_nothing(admin_client):
    # No task force, so task 3 has nobody named as lead and no office to fall back on.
    text = NEXT_YEAR.split("三、推进机制")[0] + "附件2" + NEXT_YEAR.split("附件2")[1]
    upload(admin_client, text=text)
    draft = PlanDraft.objects.get()

    response = post(admin_client, "draft_load", draft)

    assert response.status_code == 422
    page = response.content.decode()
    assert "未能载入，数据库未做任何改动" in page
    assert "battles[0].task_force（工作专班） 字段“office”" in page
    assert not Plan.objects.filter(code="ceshi-2024").exists()
    assert not Department.objects.filter(name="市大数据局").exists()
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.REVIEWING


def test_a_missing_task_force_is_written_in_the_browser_and_the_plan_then_loads(admin_client, departments):
    text = NEXT_YEAR.split("三、推进机制")[0] + "附件2" + NEXT_YEAR.split("附件2")[1]
    upload(admin_client, text=text)
    draft = PlanDraft.objects.get()
    assert "未找到工作专班" in review(admin_client, draft).content.decode()

    post(
        admin_client,
        "draft_task_force",
        draft,
        battle="0",
        name="测试市打好经济增长主动仗工作专班",
        convener="市政府常务副市长",
        office="市发展改革委",
        members="市发展改革委、市商务局",
    )
    post(admin_client, "draft_department", draft, written="市大数据局", new_name="市大数据局", kind="municipal")
    response = post(admin_client, "draft_load", draft)

    assert response.status_code == 302
    battle = Battle.objects.get(plan__code="ceshi-2024", number=1)
    assert (battle.task_force.office.name, battle.task_force.convener) == ("市发展改革委", "市政府常务副市长")
    assert [d.name for d in battle.task_force.members.order_by("name")] == sorted(["市发展改革委", "市商务局"])


def test_the_draft_is_kept_and_a_reviewer_can_come_back_to_it(client, plan_admin):
    client.force_login(plan_admin)
    upload(client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()
    post(client, "draft_department", draft, written="发改委", department="市发展改革委")
    client.logout()

    client.force_login(plan_admin)
    listing = client.get(reverse("tasks:draft_list")).content.decode()
    page = review(client, draft).content.decode()

    assert "2024年方案.docx" in listing
    assert "“发改委”按简称读作" not in page
    assert "单位“市大数据局”不在单位名录中" in page
    draft.refresh_from_db()
    task = draft.data["battles"][0]["sections"][0]["tasks"][0]
    assert task["responsible"] == ["市发展改革委", "市大数据局"]


def test_the_draft_downloads_as_a_valid_plan_file(admin_client):
    upload(admin_client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()

    response = admin_client.get(reverse("tasks:draft_download", args=[draft.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="ceshi-2024.yaml"'
    data = parse_plan(response.content.decode("utf-8"), "ceshi-2024.yaml")
    assert [b["name"] for b in data["battles"]] == ["打好经济增长主动仗", "打好科技创新攻坚仗"]


def test_editing_a_target_and_dropping_one_the_reader_proposed(admin_client):
    upload(admin_client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()

    post(
        admin_client,
        "draft_target",
        draft,
        path="battles[0].targets[1]",
        name="社会消费品零售总额增长",
        comparator="at_least",
        value="8.5",
        unit="%",
        kind="growth_rate",
        frequency="monthly",
        departments="市统计局、市商务局",
    )
    post(admin_client, "draft_target", draft, path="battles[0].targets[0]", delete="1")
    bad = post(
        admin_client,
        "draft_target",
        draft,
        path="battles[0].targets[0]",
        name="x",
        comparator="at_least",
        value="很多",
        unit="%",
        kind="growth_rate",
        frequency="monthly",
        departments="",
    )

    draft.refresh_from_db()
    [target] = draft.data["battles"][0]["targets"]
    assert (target["code"], target["value"], target["departments"], target["departments_inferred"]) == (
        "1.01",
        8.5,
        ["市统计局", "市商务局"],
        False,
    )
    assert bad.status_code == 302
    assert "数值“很多”不是数字" in admin_client.get(bad["Location"]).content.decode()


def test_an_old_word_file_or_an_empty_form_is_refused_in_chinese(admin_client):
    old = upload(admin_client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, name="方案.doc")
    empty = upload(admin_client)

    assert "请在 Word 中另存为 .docx 后上传" in old.content.decode()
    assert "请上传方案文件，或粘贴方案全文" in empty.content.decode()
    assert not PlanDraft.objects.exists()


def test_staff_and_leaders_cannot_read_plan_documents(client, staff_commerce, leader, plan_admin):
    client.force_login(plan_admin)
    upload(client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()
    for user in (staff_commerce, leader):
        client.force_login(user)
        assert client.get(reverse("tasks:draft_list")).status_code == 404
        assert review(client, draft).status_code == 404
        assert post(client, "draft_load", draft).status_code == 404
    assert not Plan.objects.filter(code="ceshi-2024").exists()


def test_an_office_reads_only_its_own_battle_and_sees_only_its_drafts(client, plan_admin, office_dev, office_science):
    client.force_login(plan_admin)
    upload(client, as_docx(NEXT_YEAR))
    admin_draft = PlanDraft.objects.get()
    client.force_login(office_dev)

    upload(client, as_docx(NEXT_YEAR), code="test-2023")

    office_draft = PlanDraft.objects.exclude(pk=admin_draft.pk).get()
    assert office_draft.office.name == "市发展改革委"
    assert [b["number"] for b in office_draft.data["battles"]] == [1]
    assert all(not r["path"].startswith("battles[1]") for r in office_draft.records)
    assert review(client, admin_draft).status_code == 404
    client.force_login(office_science)
    assert review(client, office_draft).status_code == 404
    listing = client.get(reverse("tasks:draft_list")).content.decode()
    assert reverse("tasks:draft_review", args=[office_draft.pk]) not in listing
    assert reverse("tasks:draft_review", args=[admin_draft.pk]) not in listing


def test_an_office_without_a_work_plan_in_the_document_is_told_so(client, departments):
    other = Department.objects.create(name="市民政局", kind="municipal")
    client.force_login(make_user("civiloffice", "office", other))

    response = upload(client, as_docx(NEXT_YEAR))

    assert "方案中没有专班办公室设在“市民政局”的工作方案" in response.content.decode()
    assert not PlanDraft.objects.exists()


def test_an_office_loads_its_battle_into_the_existing_plan_leaving_the_other_battles(client, plan, office_dev):
    client.force_login(office_dev)
    upload(client, as_docx(NEXT_YEAR), code="test-2023")
    draft = PlanDraft.objects.get()
    post(client, "draft_department", draft, written="发改委", department="市发展改革委")
    post(client, "draft_department", draft, written="市大数据局", new_name="市大数据局", kind="municipal")
    battle2_tasks = list(Task.objects.filter(section__battle__number=2).values_list("title", flat=True))

    response = post(client, "draft_load", draft)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "测试方案"  # the plan header is the admin's, not the office's
    battle1 = Battle.objects.get(plan=plan, number=1)
    assert list(Task.objects.filter(section__battle=battle1).order_by("number").values_list("title", flat=True)) == [
        "开展系列消费促进活动",
        "促进旅游消费恢复",
        "优化提升消费环境",
    ]
    assert list(Task.objects.filter(section__battle__number=2).values_list("title", flat=True)) == battle2_tasks


def test_an_office_cannot_load_a_plan_that_does_not_exist_yet(client, office_dev):
    client.force_login(office_dev)
    upload(client, as_docx(NEXT_YEAR), code="ceshi-2024")
    draft = PlanDraft.objects.get()

    response = post(client, "draft_load", draft)

    assert response.status_code == 422
    assert "新方案须由管理员载入" in response.content.decode()
    assert not Plan.objects.filter(code="ceshi-2024").exists()


def test_the_draft_list_takes_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    for _i in range(3):
        upload(admin_client, as_docx(NEXT_YEAR))
    admin_client.get(reverse("tasks:draft_list"))  # shows (and clears) the upload messages
    # session, user, unread notifications, drafts with uploader, office and loaded plan (the
    # session is written only when it changes).
    with django_assert_num_queries(4):
        response = admin_client.get(reverse("tasks:draft_list"))
    assert response.content.decode().count("2024年方案.docx") == 3


def test_pasted_text_reads_like_the_document(admin_client):
    upload(admin_client, text=NEXT_YEAR)
    upload(admin_client, as_docx(NEXT_YEAR))

    pasted, word = PlanDraft.objects.order_by("id")
    assert pasted.data == word.data
    assert pasted.filename == "粘贴的文本"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_a_text_file_saved_by_notepad_in_any_of_its_encodings_reads_like_the_document(admin_client, encoding):
    # Notepad on Chinese Windows saves ANSI (GBK), "Unicode" (UTF-16 with a BOM) or UTF-8.
    upload(admin_client, NEXT_YEAR.encode(encoding), name="2024年方案.txt")
    upload(admin_client, as_docx(NEXT_YEAR))

    text, word = PlanDraft.objects.order_by("id")
    assert text.data == word.data


@pytest.mark.parametrize(
    ("view", "data"),
    [
        ("draft_lead", {"path": "battles[0]", "lead": "市商务局"}),
        ("draft_lead", {"path": "battles[9].sections[0].tasks[0]", "lead": "市商务局"}),
        ("draft_metric", {"path": "plan", "index": "0", "name": "x", "comparator": "reach", "value": "1", "unit": ""}),
        (
            "draft_metric",
            {
                "path": "battles[0].sections[0].tasks[0]",
                "index": "-1",
                "name": "x",
                "comparator": "reach",
                "value": "1",
            },
        ),
        ("draft_dismiss", {"path": "battles[0].targets[0]", "index": "-1"}),
        ("draft_dismiss", {"path": "nowhere", "index": "0"}),
        (
            "draft_target",
            {
                "path": "battles[0].task_force",
                "name": "x",
                "comparator": "reach",
                "value": "",
                "unit": "",
                "kind": "qualitative",
                "frequency": "yearly",
            },
        ),
    ],
)
def test_a_tampered_record_path_answers_404_and_leaves_the_draft_unchanged(admin_client, view, data):
    upload(admin_client, as_docx(NEXT_YEAR))
    draft = PlanDraft.objects.get()
    before = (draft.data, draft.records)

    response = post(admin_client, view, draft, **data)

    draft.refresh_from_db()
    assert response.status_code == 404
    assert (draft.data, draft.records) == before


def spreadsheet_bytes():
    """An Excel workbook (a zip python-docx refuses with a ValueError), to be renamed .docx."""
    import io

    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("方案.txt", bytes(range(256)) * 4, "既不是 .docx，也不是 UTF-8 或 GB18030 编码的文本"),
        ("方案.docx", b"PK\x03\x04" + b"\x00" * 200, "不是有效的 .docx 文件（可能已损坏，或是改了扩展名的其他文件）"),
        ("方案.docx", spreadsheet_bytes(), "不是有效的 .docx 文件（可能已损坏，或是改了扩展名的其他文件）"),
        ("方案.txt", "附件1\n打好经济增长主动仗工作方案\n一、工作目标\n".encode(), "没有找到工作方案"),
    ],
)
def test_unreadable_documents_are_refused_with_a_chinese_message(admin_client, name, content, message):
    response = upload(admin_client, content, name=name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Error" not in response.content.decode()  # never the exception's type
    assert not PlanDraft.objects.exists()


def test_a_word_table_layout_uploads_and_its_uncertain_records_are_listed_first(admin_client, departments):
    import docx as python_docx

    document = python_docx.Document()
    for line in NEXT_YEAR.split("(一)激发释放消费潜力")[0].splitlines():
        document.add_paragraph(line)
    document.add_paragraph("(一)激发释放消费潜力。力争社会消费品零售总额达到820亿元。")
    rows = [
        ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"],
        ["1", "开展系列消费促进活动。开展消费季活动。", "市商务局", "发改委", "6月底前"],
        ["3", "优化提升消费环境。改造升级农贸市场12个。", "", "市商务局、市统计局", "三季度"],
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    for line in ("三、推进机制" + NEXT_YEAR.split("三、推进机制")[1]).splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)

    upload(admin_client, buffer.getvalue(), name="表格版.docx")

    page = review(admin_client, PlanDraft.objects.get()).content.decode()
    tasks_at = page.index("读出的任务")
    for text in ("“发改委”按简称读作“市发展改革委”", "任务序号从 1 跳到 3", "取第一个负责单位“市商务局”为牵头"):
        assert text in page[:tasks_at]
    assert "<td>6月底前</td>" in page[tasks_at:]


def test_the_2023_plan_as_docx_reviews_in_a_fixed_number_of_queries_and_loads_whole(
    admin_client, django_assert_num_queries
):
    from tasks.tests.plan_files import DOCUMENT

    upload(admin_client, as_docx(DOCUMENT.read_text(encoding="utf-8")), name="2023.docx", code="huaihua-2023")
    draft = PlanDraft.objects.get()
    admin_client.get(reverse("tasks:draft_list"))  # shows (and clears) the upload message

    # session, user, notifications, the draft, the department registry (no session write)
    with django_assert_num_queries(5):
        page = review(admin_client, draft).content.decode()
    response = post(admin_client, "draft_load", draft)

    assert "开展系列消费促进活动" in page
    assert response.status_code == 302
    plan = Plan.objects.get(code="huaihua-2023")
    assert Task.objects.filter(section__battle__plan=plan).count() == 170
    assert plan.document_number == "怀政办发〔2023〕4号"
