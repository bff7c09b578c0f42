"""Word (GB/T 9704 layout) and Excel renderings of a report's content, written atomically."""

import os
import tempfile
from copy import deepcopy
from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from targets.numbers import round_half_up

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
NOTE_SIZE = Pt(14)  # 4号: 说明 and 版记
NOTE_PITCH = Pt(20)
ANNEX_TITLE_SIZE = Pt(18)  # 小二: an annex table's title
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm body area
CHAR_SPACING_TWIPS = -5  # 28 characters a line: see write_docx


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
        paragraph.paragraph_format.first_line_indent = Pt((size.pt + CHAR_SPACING_TWIPS / 20) * 2)  # 首行缩进2字
    run = paragraph.add_run(text)
    set_run_font(run, font, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return paragraph


def off_grid(paragraph):
    """Take a paragraph off the 28.95 pt line grid, so its own line spacing holds."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    paragraph._p.get_or_add_pPr().insert(0, snap)


def red_rule(paragraph):
    """A red bottom border under the header paragraph (版头中的分隔线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C8102E")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def page_number_paragraph(paragraph, align):
    """ "— N —" in 4号 宋体 from a PAGE field, one character in from the body's edge."""
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = PAGE_SIZE
    else:
        fmt.left_indent = PAGE_SIZE
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


def page_number_footer(doc, section):
    """Page numbers right on odd pages and left on even ones (GB/T 9704 7.5): different odd and
    even footers (settings evenAndOddHeaders)."""
    doc.settings.odd_and_even_pages_header_footer = True
    page_number_paragraph(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number_paragraph(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


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


def cell_paragraph_props(right, center=False):
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
    if right or center:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right" if right else "center")
        ppr.append(jc)
    return ppr


NUMERIC_FORMATS = frozenset({"int", "num", "pct", "points"})
CELL_MARGIN_PT = 57 / 20  # the 1 mm left and right cell margins below, in points
SMALLEST_TABLE_SIZE = 7.5  # 六号 and a half: the least a printed table may use


def is_wide(ch):
    """CJK and full-width characters take a full em; Latin letters, digits and signs about half."""
    return ord(ch) >= 0x2E80 or ch in "—…“”‘’"


# Widths of Latin characters in ems where the fonts differ most from a digit's half em.
LATIN_WIDTHS = {"%": 0.95, "‰": 1.0, "—": 1.0, "-": 0.4, "+": 0.6, ".": 0.3, "/": 0.4}


def text_width(text, size):
    """Printed width in points, erring wide: CJK one em, digits about 0.56 em."""
    return sum(size if is_wide(ch) else size * LATIN_WIDTHS.get(ch, 0.56) for ch in text)


def longest_token(text):
    """The longest run of Latin characters (a figure, a date, "1.5%"): a line break may fall
    between CJK characters but never inside such a run."""
    best, run = "", ""
    for ch in text:
        if is_wide(ch) or ch.isspace():
            best, run = max(best, run, key=len), ""
        else:
            run += ch
    return max(best, run, key=len)


def column_widths(texts_by_column, formats, total, size):
    """Column widths in points for a table `total` points wide at `size` pt, or None when its
    figures cannot all fit unbroken at this size.

    A figure column gets the width of its widest figure (never wrapped); a text column at least
    its longest Latin run and two characters (it may wrap between CJK characters); what is left is
    shared between the text columns by how much text they hold.
    """
    pad = 2 * CELL_MARGIN_PT + 3
    minimum, natural = [], []
    for j, texts in enumerate(texts_by_column):
        header, values = texts[0], texts[1:]
        if formats[j] in NUMERIC_FORMATS:
            need = max([text_width(v, size) for v in values] + [2 * size]) + pad
            need = max(need, min(text_width(header, size), 4 * size) + pad)
            minimum.append(need)
            natural.append(need)
        else:
            token = max((text_width(longest_token(v), size) for v in texts), default=0)
            longest = max((text_width(v, size) for v in texts), default=0)
            # Short labels (红灯, 按序时推进) keep up to four characters a line.
            minimum.append(max(token, min(longest, 4 * size), 2 * size) + pad)
            natural.append(max(min(longest, 24 * size), 2 * size) + pad)
    if sum(minimum) > total:
        return None
    if sum(natural) <= total:
        extra = total - sum(natural)
        return [w + extra * w / sum(natural) for w in natural]
    # Shrink the text columns from their natural width towards their minimum, in proportion.
    spare = total - sum(minimum)
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    return [m + spare * w / sum(wants) if sum(wants) else m for m, w in zip(minimum, wants, strict=True)]


def cell_text(value, fmt):
    if value is None:
        return "—"
    if fmt in ("pct", "points"):
        rounded = round_half_up(value, 1)
        text = format(abs(rounded) if rounded == 0 else rounded, "f")  # never "-0.0"
        if fmt == "pct":
            return text + "%"
        return ("+" if value > 0 else "") + text
    if fmt == "num":
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def add_paragraph_break_section(doc, landscape):
    """A new section on a new page, portrait (the GB/T 9704 body) or landscape (a wide annex
    table: the same margins turned with the page)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
        section.footer_distance = Mm(14)
    else:
        portrait(section)
    return section


def portrait(section):
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(7)


def body_width(section):
    return (section.page_width - section.left_margin - section.right_margin) / 12700  # EMU → pt


def write_docx(content, path):
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    portrait(section)
    set_style_font(doc.styles["Normal"], BODY_FONT, BODY_SIZE)
    # 22 lines of 28 characters on the 156 × 225 mm body area. Lines: a line grid of 28.95 pt
    # (and exact line spacing). Characters: 28 × 16 pt = 448 pt would not fit the 442.2 pt line,
    # so characters are set 0.25 pt closer (w:spacing −5 twips on the Normal style): 28 × 15.75 pt
    # = 441 pt. A "linesAndChars" character grid would say the same to Word, but LibreOffice and
    # WPS lay that grid out differently (16 characters a line in LibreOffice).
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE_PITCH.pt * 20)))
    condensed = OxmlElement("w:spacing")
    condensed.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    doc.styles["Normal"].element.get_or_add_rPr().append(condensed)

    office = add_text(doc, content["office"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    office.runs[0].font.color.rgb = RGBColor(0xC8, 0x10, 0x2E)
    add_text(doc, content["issue_label"], BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    dateline = add_text(
        doc,
        content["date_label"] or "（草稿，待签发）",
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=False,
    )
    red_rule(dateline)
    add_text(doc, "", BODY_FONT, BODY_SIZE, indent=False)
    title = add_text(doc, content["title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    title.paragraph_format.line_spacing = Pt(35)
    add_text(doc, f"（{content['period_label']}）", H2_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_blocks(doc, content["blocks"], body_width(section))
    # Signature: the issuing office and the issue date, right-aligned (a draft has no date). Kept
    # on one page with the last lines of the text (GB/T 9704 7.3.5): the date never stands alone
    # on a page, nor the office and date without the text they sign.
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    add_text(doc, "", BODY_FONT, BODY_SIZE, indent=False).paragraph_format.keep_with_next = True
    for line in (content["office"], content["date_label"] or "（待签发）"):
        signed = add_text(doc, line, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        signed.paragraph_format.right_indent = BODY_SIZE * 2
        if line == content["office"]:
            signed.paragraph_format.keep_with_next = True
    page_number_footer(doc, section)
    for annex in content.get("annexes", []):
        annex_section = add_paragraph_break_section(doc, annex["landscape"])
        add_text(doc, f"附件{annex['number']}", H1_FONT, BODY_SIZE, indent=False)
        title = add_text(
            doc, annex["title"], TITLE_FONT, ANNEX_TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
        )
        title.paragraph_format.space_after = Pt(6)
        tables = sum(1 for block in annex["blocks"] if block["t"] == "table")
        add_blocks(doc, annex["blocks"], body_width(annex_section), captions=tables > 1)
    if content.get("footnotes"):
        if content.get("annexes"):
            add_paragraph_break_section(doc, landscape=False)
        else:
            add_text(doc, "", BODY_FONT, NOTE_SIZE, indent=False)
        # In 4号 on a tighter pitch than the body: rules, read when a figure is questioned.
        notes = [add_text(doc, "说明：", H1_FONT, NOTE_SIZE, indent=False)]
        for i, note in enumerate(content["footnotes"], 1):
            notes.append(add_text(doc, f"{i}. {note}", BODY_FONT, NOTE_SIZE))
        for paragraph in notes:
            exact_spacing(paragraph, NOTE_PITCH)
            off_grid(paragraph)
    elif content.get("annexes") and content["annexes"][-1]["landscape"]:
        add_paragraph_break_section(doc, landscape=False)
    colophon(doc, content)
    atomic_write(path, lambda tmp: doc.save(tmp))


def add_blocks(doc, blocks, width, captions=True):
    for block in blocks:
        kind = block["t"]
        if kind == "h1":
            add_text(doc, block["text"], H1_FONT, BODY_SIZE)
        elif kind == "h2":
            add_text(doc, block["text"], H2_FONT, BODY_SIZE)
        elif kind == "p":
            add_text(doc, block["text"], BODY_FONT, BODY_SIZE)
        elif kind == "table":
            add_table(doc, block, width, caption=captions)


def colophon(doc, content):
    """版记 (GB/T 9704 7.4): 主送, 抄送, then the 印发机关 left and the 印发日期 right, between
    rules, in 4号 仿宋, at the end of the document."""
    add_text(doc, "", BODY_FONT, NOTE_SIZE, indent=False)
    lines = [f"主送：{content['main_to']}。", f"抄送：{content['cc']}。"]
    first = None
    for line in lines:
        paragraph = add_text(doc, line, BODY_FONT, NOTE_SIZE, indent=False)
        paragraph.paragraph_format.left_indent = NOTE_SIZE
        paragraph.paragraph_format.right_indent = NOTE_SIZE
        first = first or paragraph
        rule(paragraph, "top" if paragraph is first else "bottom", "8" if paragraph is first else "4")
    printed = add_text(doc, "", BODY_FONT, NOTE_SIZE, indent=False)
    printed.paragraph_format.left_indent = NOTE_SIZE
    printed.paragraph_format.right_indent = NOTE_SIZE
    tab_stops = printed.paragraph_format.tab_stops
    tab_stops.add_tab_stop(Mm(156) - NOTE_SIZE * 2, WD_TAB_ALIGNMENT.RIGHT)
    run = printed.add_run(
        f"{content.get('printer') or content['office']}\t{content.get('print_date_label') or '（待签发）'}"
    )
    set_run_font(run, BODY_FONT, NOTE_SIZE)
    rule(printed, "bottom", "8")


def rule(paragraph, side, size):
    """A black rule above or below a 版记 line (the first and last are thicker)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", size), ("w:space", "1"), ("w:color", "000000")):
        line.set(qn(key), value)
    borders.append(line)


def add_table(doc, block, width, caption=True):
    if caption:
        add_text(doc, block["name"], H2_FONT, NOTE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    columns = len(block["columns"])
    formats = block["formats"]
    texts = [
        [value if i == 0 else cell_text(value, formats[j]) for j, value in enumerate(row)]
        for i, row in enumerate([block["columns"], *block["rows"]])
    ]
    by_column = list(zip(*texts, strict=True))
    # The largest type (5号 down to 7.5 pt) at which every figure fits its column unbroken.
    size = TABLE_SIZE.pt if columns <= 8 else WIDE_TABLE_SIZE.pt
    widths = column_widths(by_column, formats, width, size)
    while widths is None and size > SMALLEST_TABLE_SIZE:
        size -= 0.5
        widths = column_widths(by_column, formats, width, size)
    if widths is None:  # even the smallest type cannot hold every figure: share by need anyway
        widths = column_widths(by_column, ["text"] * columns, width, size)
    widths = [Emu(int(w * 12700)) for w in widths]
    table = doc.add_table(rows=len(texts), cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table._cells  # one pass over the XML, far faster than table.cell(i, j) per cell
    # Narrow cell margins (1 mm): the default 1.9 mm each side would take a third of the width.
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margin = OxmlElement(side)
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # In schema order (before tblLook), or LibreOffice ignores it and keeps its 1.9 mm margins.
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        table._tbl.tblPr.append(margins)
    # Word reads the cells' widths, LibreOffice and WPS the table grid: set both.
    for grid_col, column_width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid_col.w = column_width
    # The header row repeats on every page the table runs to.
    header_props = table.rows[0]._tr.get_or_add_trPr()
    header_props.append(OxmlElement("w:tblHeader"))
    # Cells are filled through lxml directly (copies of one prepared run per kind of cell): a
    # circular's annexes have thousands of cells and python-docx's setters re-search the XML.
    point = Pt(size)
    header_run, body_run = fast_run("", H1_FONT, point), fast_run("", BODY_FONT, point)
    props = {
        key: cell_paragraph_props(right=key == "right", center=key == "center") for key in ("right", "center", "left")
    }
    no_wrap = OxmlElement("w:noWrap")
    twips = [str(int(w / 635)) for w in widths]  # EMU → twentieths of a point
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            tc = cells[i * columns + j]._tc
            width = tc.tcPr.find(qn("w:tcW"))
            width.set(qn("w:w"), twips[j])
            width.set(qn("w:type"), "dxa")
            numeric = i > 0 and formats[j] in NUMERIC_FORMATS
            if numeric:
                tc.tcPr.append(deepcopy(no_wrap))
            paragraph = tc.p_lst[0]
            paragraph.append(deepcopy(props["right" if numeric else "center" if i == 0 else "left"]))
            run = deepcopy(header_run if i == 0 else body_run)
            run[-1].text = text
            paragraph.append(run)


FORMULA_START = ("=", "+", "-", "@")
EXCEL_FORMATS = {"int": "0", "pct": "0.0%", "points": "+0.0;-0.0;0.0"}


def excel_value(value, fmt):
    """Numbers stay numbers (percent as a fraction with a % format); text never becomes a formula."""
    if value is None:
        return None, None
    if fmt == "pct":
        return value / 100, EXCEL_FORMATS["pct"]
    if fmt == "num" and isinstance(value, int | float):
        # As many decimals as the figure has (as the Word cell prints it): "#,##0.##" showed
        # 2000 as "2,000." with a stray point in Excel and LibreOffice.
        places = max(0, -Decimal(str(value)).normalize().as_tuple().exponent)
        return value, "#,##0" + ("." + "0" * places if places else "")
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


def excel_width(texts):
    """A column width (in characters of the default font) to fit its longest line of text,
    CJK counted double, capped so a long task name wraps instead of running off."""
    longest = max((sum(2 if is_wide(ch) else 1 for ch in t) for t in texts), default=4)
    return min(max(longest + 2, 6), 60)


def print_setup(sheet, header_rows="1:1"):
    """Landscape, fitted to one page wide (as many tall as it needs), header rows repeated."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if header_rows:
        sheet.print_title_rows = header_rows


def tables_of(content):
    """The main text's tables, then each annex's (named "附件N title", or "附件N table name" for an
    annex of several tables, so that each county ranking's sheet names its indicator)."""
    for block in content["blocks"]:
        if block["t"] == "table":
            yield block["name"], block
    for annex in content.get("annexes", []):
        tables = [block for block in annex["blocks"] if block["t"] == "table"]
        for block in tables:
            name = annex["title"] if len(tables) == 1 else block["name"]
            yield f"附件{annex['number']} {name}", block


def write_xlsx(content, path):
    workbook = Workbook()
    info = workbook.active
    info.title = "说明"
    rows = [
        ["标题", content["title"]],
        ["期号", content["issue_label"]],
        ["期间", content["period_label"]],
        ["出具单位", content["office"]],
        ["日期", content.get("date_label") or "草稿，待签发"],
    ] + [["说明", note] for note in content.get("footnotes", [])]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            put(info.cell(row=r, column=c), *excel_value(value, "text"))
    info.column_dimensions["A"].width = 10
    info.column_dimensions["B"].width = 100
    for row in info.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(info, header_rows=None)
    used = {"说明"}
    for name, block in tables_of(content):
        sheet = workbook.create_sheet(safe_sheet_title(name, used))
        sheet.append(block["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        wrap = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(block["rows"], start=2):
            for c, (value, fmt) in enumerate(zip(row, block["formats"], strict=True), start=1):
                stored, number_format = excel_value(value, fmt)
                cell = sheet.cell(row=r, column=c)
                put(cell, stored, number_format)
                if fmt == "text":
                    cell.alignment = wrap
        for c, (column, fmt) in enumerate(zip(block["columns"], block["formats"], strict=True), start=1):
            texts = [cell_text(row[c - 1], fmt) for row in block["rows"]]
            width = excel_width(texts)
            # A header wraps (CJK) rather than widening a column of short figures too much.
            width = max(width, min(excel_width([column]), 12))
            sheet.column_dimensions[get_column_letter(c)].width = width
        sheet.freeze_panes = "A2"
        print_setup(sheet)
    atomic_write(path, lambda tmp: workbook.save(tmp))
