"""The Word file in the GB/T 9704 layout and the Excel workbook, opened as a reader would."""

import zipfile

from django.conf import settings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from reporting.build import build_report


def built(plan, seeded):
    report = build_report(plan.id, "monthly_circular", seeded["may"].id)
    return report, settings.REPORTS_ROOT / report.docx_path, settings.REPORTS_ROOT / report.xlsx_path


def test_word_file_has_official_page_margins_fonts_and_title(seeded, plan):
    report, docx_path, _ = built(plan, seeded)
    doc = Document(docx_path)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.bottom_margin.mm) == 35
    assert round(section.left_margin.mm) == 28 and round(section.right_margin.mm) == 26
    title = next(p for p in doc.paragraphs if p.text == report.content["title"])
    run = title.runs[0]
    assert run.font.size == Pt(22)
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    h1 = next(p for p in doc.paragraphs if p.text.startswith("一、"))
    assert h1.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    h2 = next(p for p in doc.paragraphs if p.text.startswith("（一）"))
    assert h2.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    body = next(p for p in doc.paragraphs if p.text.startswith("任务方面，"))
    assert body.runs[0].font.size == Pt(16)
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing == Pt(28.95)
    # Every run in the body carries an East Asian font name, so Word and WPS use the right faces.
    for p in doc.paragraphs:
        for r in p.runs:
            assert r._element.rPr.rFonts.get(qn("w:eastAsia")), p.text
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # Page number: a PAGE field between dashes, 4号 宋体, right on odd pages and left on even ones.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        number = footer.paragraphs[0]
        assert number.text.startswith("— ") and number.text.endswith(" —")
        assert "PAGE" in number._p.xml
        assert number.runs[0].font.size == Pt(14)
        assert number.alignment == {"right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    # The indicator table is there with the hand-checked figure.
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "38.5%" in cells and "-3.2" in cells


def test_word_tables_fit_the_body_width_in_single_spaced_small_type(seeded, plan):
    _, docx_path, _ = built(plan, seeded)
    doc = Document(docx_path)
    # 附件1, the 13-column indicator table, is on a landscape page: 297 − 37 − 35 = 225 mm wide.
    table = doc.tables[0]
    landscape = doc.sections[1]
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert round(landscape.page_width.mm) == 297 and round(landscape.left_margin.mm + landscape.right_margin.mm) == 72
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 13
    assert abs(sum(grid) - 225 * 1440 / 25.4) < 20  # twips: the 225 mm body width, no more
    assert grid[1] > grid[0]  # the indicator name is wider than its number
    cell = table.rows[1].cells[1].paragraphs[0]
    # Off the 22-line document grid and single spaced, or each row is three lines tall.
    assert cell._p.pPr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0"
    assert cell._p.pPr.find(qn("w:spacing")).get(qn("w:lineRule")) == "auto"
    assert Pt(7.5) <= cell.runs[0].font.size <= Pt(9)
    # Figures never wrap: their cells say so, and the header row repeats on every page.
    assert table.rows[1].cells[3]._tc.tcPr.find(qn("w:noWrap")) is not None
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_workbook_keeps_numbers_as_numbers_and_escapes_formulas(seeded, plan):
    _, _, xlsx_path = built(plan, seeded)
    wb = load_workbook(xlsx_path)
    sheet = wb["附件1 主要指标完成情况"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["序号", "指标", "单位", "年度目标"]
    retail = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "社会消费品零售总额")
    assert retail[3].value == 780 and isinstance(retail[3].value, int | float)
    assert abs(retail[6].value - 0.385) < 1e-9 and retail[6].number_format == "0.0%"
    assert retail[8].value == -3.2
    assert wb["说明"]["B1"].value == "打好发展“六仗”工作通报"
    # Columns as wide as their content, the header frozen, printed landscape one page wide with
    # the header row on every page.
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet.freeze_panes == "A2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"


def test_text_starting_with_formula_characters_is_stored_as_text(tmp_path):
    from reporting.render import write_xlsx

    content = {
        "title": "t",
        "issue_label": "第1期",
        "period_label": "2023年5月",
        "office": "办",
        "date": "2023-06-02",
        "footnotes": [],
        "blocks": [
            {
                "t": "table",
                "name": "问题清单",
                "columns": ["问题", "数"],
                "formats": ["text", "num"],
                "rows": [["=1+1", 3], ["+SUM(A1)", -2.5], ["-cmd", None], ["@x", 0]],
            }
        ],
    }
    path = tmp_path / "x.xlsx"
    write_xlsx(content, path)
    sheet = load_workbook(path)["问题清单"]
    for row in range(2, 6):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert sheet["A2"].value == "=1+1"
    assert sheet["B3"].value == -2.5
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in xml  # no formula anywhere


def test_report_built_while_english_is_active_is_still_in_chinese(seeded, plan):
    import re

    from django.utils import translation

    battle = plan.battles.get(number=1)
    with translation.override("en"):
        # A warning slip carries the engine's reason sentences, which go through gettext.
        report = build_report(plan.id, "warning_slip", seeded["may"].id, battle.id)
    text = str(report.content)
    assert "百分点" in text
    assert not re.search(r"behind schedule|below target|cumulative growth|in a row", text)


def test_word_signature_stays_on_the_page_of_the_last_lines_of_the_text(seeded, plan):
    # The office and the date were left alone on a page of their own (a 月通报's page 7).
    report, docx_path, _ = built(plan, seeded)
    paragraphs = Document(docx_path).paragraphs
    office = max(i for i, p in enumerate(paragraphs) if p.text == report.content["office"])
    last_line = next(b["text"] for b in reversed(report.content["blocks"]) if b["t"] == "p")
    assert paragraphs[office - 2].text == last_line and paragraphs[office - 1].text == ""
    assert paragraphs[office + 1].text == "（待签发）"
    assert [p.paragraph_format.keep_with_next for p in paragraphs[office - 2 : office + 2]] == [True, True, True, None]


def test_workbook_figures_show_their_own_decimals_and_each_county_ranking_sheet_names_its_indicator(tmp_path):
    from reporting.render import write_xlsx

    def ranking(name, values):
        return {
            "t": "table",
            "name": f"县市区排名：{name}",
            "columns": ["排名", "县市区", "累计"],
            "formats": ["int", "text", "num"],
            "rows": [[i, "鹤城区", v] for i, v in enumerate(values, 1)],
        }

    content = {
        "title": "t",
        "issue_label": "2023年第11期",
        "period_label": "2023年11月",
        "office": "办",
        "date": "2023-12-04",
        "date_label": "2023年12月4日",
        "footnotes": [],
        "blocks": [],
        "annexes": [
            {
                "number": 7,
                "title": "县市区指标排名",
                "landscape": True,
                "blocks": [ranking("地区生产总值增长", [7.5, 2000]), ranking("社会消费品零售总额", [117.33])],
            }
        ],
    }
    path = tmp_path / "x.xlsx"
    write_xlsx(content, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", "附件7 县市区排名：地区生产总值增长", "附件7 县市区排名：社会消费品零售总额"]
    gdp, retail = wb.worksheets[1], wb.worksheets[2]
    # 2000 was "2,000." under "#,##0.##": a whole figure has no decimal point.
    assert [(c.value, c.number_format) for c in (gdp["C2"], gdp["C3"], retail["C2"])] == [
        (7.5, "#,##0.0"),
        (2000, "#,##0"),
        (117.33, "#,##0.00"),
    ]
    assert wb["说明"]["B5"].value == "2023年12月4日"


def test_an_empty_annex_says_it_has_nothing_in_word_and_on_the_page(seeded, plan, leader, client):
    from django.urls import reverse

    # Battle 2 in 5月下旬: every report came on time and none raised a problem.
    battle = plan.battles.get(number=2)
    report = build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id, battle.id)
    late = next(a for a in report.content["annexes"] if a["title"] == "未按时报送情况")
    assert late["blocks"][0]["rows"] == []
    text = [p.text for p in Document(settings.REPORTS_ROOT / report.docx_path).paragraphs]
    after = text.index("未按时报送情况") + 1
    assert "本期无相关事项。" in text[after : after + 3]
    client.force_login(leader)
    assert "本期无相关事项。" in client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
