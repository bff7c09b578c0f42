"""Word (GB/T 9704 layout) and Excel renderings of a report's content, written atomically."""

import os
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(10.5)  # 5号: tables of 13 columns do not fit in 3号
WIDE_TABLE_SIZE = Pt(9)  # 小五, for tables of more than eight columns
BODY_WIDTH = Mm(156)  # GB/T 9704 body area width
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm body area


def atomic_write(path, write):
    """Write through `write(tmp_path)` to a temp file beside `path`, then os.replace it in.

    A worker killed mid-write leaves only a stray temp file, never a half-written report.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_run_font(run, name, size=None, bold=None):
    """Latin and East Asian face: python-docx's font.name sets only the Latin one."""
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold


def set_style_font(style, name, size):
    style.font.name = name
    style.font.size = size
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def exact_spacing(paragraph, pitch=LINE_PITCH):
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = pitch
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def add_text(doc, text, font, size, *, align=None, indent=True, bold=None, color=None):
    paragraph = doc.add_paragraph()
    exact_spacing(paragraph)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)  # 首行缩进2字
    run = paragraph.add_run(text)
    set_run_font(run, font, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return paragraph


def red_rule(paragraph):
    """A red bottom border under the header paragraph (版头中的分隔线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C8102E")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def page_number_footer(section):
    """ "— N —" centred in 4号 宋体, from a PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run("— ")
    set_run_font(run, PAGE_FONT, PAGE_SIZE)
    field_run = paragraph.add_run()
    set_run_font(field_run, PAGE_FONT, PAGE_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        field_run._r.append(element)
    run = paragraph.add_run(" —")
    set_run_font(run, PAGE_FONT, PAGE_SIZE)


def fast_run(text, font, size):
    """A <w:r> with its fonts (East Asian included) and size, built directly: tables have
    thousands of cells and python-docx's run/font API re-searches the XML on every setter."""
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    rfonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)
    rpr.append(rfonts)
    half_points = str(int(size.pt * 2))
    for tag in ("w:sz", "w:szCs"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), half_points)
        rpr.append(element)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def cell_paragraph_props(right):
    """Single line spacing in table cells (the body's exact 28.95 pt pitch would make every
    row three lines tall), and right alignment for figures."""
    ppr = OxmlElement("w:pPr")
    # The body's 22-lines-per-page document grid would otherwise snap each cell line to 28.95 pt.
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.append(snap)
    spacing = OxmlElement("w:spacing")
    for attr, value in (("w:before", "0"), ("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")):
        spacing.set(qn(attr), value)
    ppr.append(spacing)
    if right:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right")
        ppr.append(jc)
    return ppr


def column_widths(texts_by_column, total=BODY_WIDTH):
    """Share the body width between columns by how much text each holds (capped, so one long
    task name does not squeeze the figures into slivers)."""
    weights = [min(max(max((len(t) for t in texts), default=0) + 1, 4), 14) for texts in texts_by_column]
    return [Emu(int(total * w / sum(weights))) for w in weights]


def cell_text(value, fmt):
    if value is None:
        return "—"
    if fmt == "pct":
        return f"{value:.1f}%"
    if fmt == "points":
        return f"{value:+.1f}"
    if fmt == "num":
        return f"{value:g}"
    return str(value)


def write_docx(content, path):
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(7)
    set_style_font(doc.styles["Normal"], BODY_FONT, BODY_SIZE)
    # Document grid: 22 lines of 28 characters on the 156 × 225 mm body area.
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(int(LINE_PITCH.pt * 20)))
    grid.set(qn("w:charSpace"), "0")

    office = add_text(doc, content["office"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    office.runs[0].font.color.rgb = RGBColor(0xC8, 0x10, 0x2E)
    add_text(doc, content["issue_label"], BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    dateline = add_text(doc, content["date_label"], BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    red_rule(dateline)
    add_text(doc, "", BODY_FONT, BODY_SIZE, indent=False)
    title = add_text(doc, content["title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    title.paragraph_format.line_spacing = Pt(35)
    add_text(doc, f"（{content['period_label']}）", H2_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for block in content["blocks"]:
        kind = block["t"]
        if kind == "h1":
            add_text(doc, block["text"], H1_FONT, BODY_SIZE)
        elif kind == "h2":
            add_text(doc, block["text"], H2_FONT, BODY_SIZE)
        elif kind == "p":
            add_text(doc, block["text"], BODY_FONT, BODY_SIZE)
        elif kind == "table":
            add_table(doc, block)
    if content.get("footnotes"):
        add_text(doc, "说明：", H1_FONT, Pt(14), indent=False)
        for i, note in enumerate(content["footnotes"], 1):
            add_text(doc, f"{i}. {note}", BODY_FONT, Pt(14))
    footer = add_text(doc, f"主送：{content['main_to']}。", BODY_FONT, Pt(14), indent=False)
    red_rule(footer)
    add_text(doc, f"抄送：{content['cc']}。", BODY_FONT, Pt(14), indent=False)
    page_number_footer(section)
    atomic_write(path, lambda tmp: doc.save(tmp))


def add_table(doc, block):
    add_text(doc, block["name"], H2_FONT, Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    table = doc.add_table(rows=1 + len(block["rows"]), cols=len(block["columns"]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table._cells  # one pass over the XML, far faster than table.cell(i, j) per cell
    width = len(block["columns"])
    texts = [
        [value if i == 0 else cell_text(value, block["formats"][j]) for j, value in enumerate(row)]
        for i, row in enumerate([block["columns"], *block["rows"]])
    ]
    widths = column_widths(list(zip(*texts, strict=True)))
    size = TABLE_SIZE if width <= 8 else WIDE_TABLE_SIZE
    # Narrow cell margins (1 mm): the default 1.9 mm each side would take a third of the width.
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margin = OxmlElement(side)
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)
    # Word reads the cells' widths, LibreOffice and WPS the table grid: set both.
    for grid_col, column_width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid_col.w = column_width
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            cell = cells[i * width + j]
            cell.width = widths[j]
            paragraph = cell._tc.p_lst[0]
            paragraph.append(cell_paragraph_props(right=i > 0 and block["formats"][j] != "text"))
            paragraph.append(fast_run(text, H1_FONT if i == 0 else BODY_FONT, size))


FORMULA_START = ("=", "+", "-", "@")
EXCEL_FORMATS = {"int": "0", "num": "#,##0.##", "pct": "0.0%", "points": "+0.0;-0.0;0.0"}


def excel_value(value, fmt):
    """Numbers stay numbers (percent as a fraction with a % format); text never becomes a formula."""
    if value is None:
        return None, None
    if fmt == "pct":
        return value / 100, EXCEL_FORMATS["pct"]
    if fmt in EXCEL_FORMATS and isinstance(value, int | float):
        return value, EXCEL_FORMATS[fmt]
    text = str(value)
    if text.startswith(FORMULA_START):
        return text, "quote"
    return text, None


def put(cell, value, number_format):
    cell.value = value
    if number_format == "quote":
        # Text starting with = + - @ stays text: string type plus Excel's quote prefix (the
        # apostrophe Excel shows), so neither Excel nor WPS evaluates it as a formula.
        cell.data_type = "s"
        cell.quotePrefix = True
    elif number_format:
        cell.number_format = number_format


def safe_sheet_title(name, used):
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "表"
    base, n = title, 2
    while title in used:
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def write_xlsx(content, path):
    workbook = Workbook()
    info = workbook.active
    info.title = "说明"
    rows = [
        ["标题", content["title"]],
        ["期号", content["issue_label"]],
        ["期间", content["period_label"]],
        ["出具单位", content["office"]],
        ["日期", content["date"]],
    ] + [["说明", note] for note in content.get("footnotes", [])]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            put(info.cell(row=r, column=c), *excel_value(value, "text"))
    used = {"说明"}
    for block in content["blocks"]:
        if block["t"] != "table":
            continue
        sheet = workbook.create_sheet(safe_sheet_title(block["name"], used))
        sheet.append(block["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True)
        for r, row in enumerate(block["rows"], start=2):
            for c, (value, fmt) in enumerate(zip(row, block["formats"], strict=True), start=1):
                stored, number_format = excel_value(value, fmt)
                put(sheet.cell(row=r, column=c), stored, number_format)
        sheet.freeze_panes = "A2"
    atomic_write(path, lambda tmp: workbook.save(tmp))
