"""The Word files as printed: rendered through LibreOffice to PDF and read back with pdftotext.

On the real 2023 plan with a year's demo data to November: the ten-day briefing's main text
(everything before 附件1) is at most four pages and the monthly circular's at most eight; body
lines hold 28 characters; no table cell breaks a figure across lines.
"""

import os
import re
import shutil
import subprocess
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command

from conftest import require_service
from reporting.build import build_report, issue_report, scheduled_issue_date
from targets.models import Period, Plan

FIGURE = re.compile(r"[-+]?\d[\d.,]*%?")


def render_pdf(docx, workdir):
    """(pages as text) of `docx` converted by LibreOffice, laid out by pdftotext."""
    env = {**os.environ, "HOME": str(workdir)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{workdir}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    pdf = workdir / (docx.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def main_text_pages(pages):
    """Pages before the one that starts with 附件1."""
    return next(i for i, page in enumerate(pages) if re.sub(r"\s", "", page).startswith("附件1"))


def is_wide(ch):
    return ord(ch) >= 0x2E80


def table_figures(content):
    """Every figure the annex tables print (as the Word file prints them), counted."""
    from reporting.render import NUMERIC_FORMATS, cell_text

    figures = Counter()
    for annex in content["annexes"]:
        for block in annex["blocks"]:
            if block["t"] != "table":
                continue
            for row in block["rows"]:
                for value, fmt in zip(row, block["formats"], strict=True):
                    if fmt in NUMERIC_FORMATS and value is not None:
                        figures[cell_text(value, fmt)] += 1
    return figures


@pytest.fixture
def november(db, tmp_path):
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        require_service("LibreOffice (soffice) and pdftotext")
    call_command("load_plan", "fixtures/huaihua-2023.yaml", verbosity=0)
    plan = Plan.objects.get(code="huaihua-2023")
    call_command("seed_demo", plan.code, "--until", "2023-11-30", verbosity=0)
    return plan


def test_briefing_and_circular_fit_their_pages_28_characters_a_line_and_no_figure_wraps(november, tmp_path):
    plan = november
    cases = [
        ("ten_day_briefing", Period.objects.get(plan=plan, kind="ten_day", number=33), 4),
        ("monthly_circular", Period.objects.get(plan=plan, kind="month", number=11), 8),
    ]
    measured = {}
    for kind, period, most in cases:
        report = issue_report(build_report(plan.id, kind, period.id).pk, on=scheduled_issue_date(plan, period))
        pages = render_pdf(settings.REPORTS_ROOT / report.docx_path, tmp_path)
        main = main_text_pages(pages)
        measured[kind] = (main, len(pages))
        assert 2 <= main <= most, (kind, main)
        # Every annex is in the document, each starting a page.
        starts = {re.match(r"附件\d+", re.sub(r"\s", "", page)) for page in pages}
        assert {f"附件{a['number']}" for a in report.content["annexes"]} <= {m.group() for m in starts if m}

        # 28 characters a line: body lines of Chinese text only are 28 characters, none longer.
        body = []
        for page in pages[:main]:
            for line in page.splitlines():
                chars = line.strip()
                if len(chars) >= 20 and all(is_wide(ch) for ch in chars):
                    body.append(len(chars))
        assert body, kind
        assert max(body) == 28, (kind, Counter(body))
        # 28 is the commonest length (tied or not: a line a character short before "，" or before a
        # figure that does not fit is ordinary typesetting, and most_common() breaks ties by order).
        assert Counter(body)[28] == max(Counter(body).values()), (kind, Counter(body))

        # No figure broken across lines: each figure of the tables is found whole as often as the
        # tables print it (a wrapped "2000" would show as "200" and "0").
        printed = Counter(FIGURE.findall("\n".join(pages[main:])))
        figures = table_figures(report.content)
        assert sum(figures.values()) > 100, kind
        short = {f: (n, printed[f]) for f, n in figures.items() if printed[f] < n}
        assert not short, (kind, short)

        # Page numbers: "— 1 —" right on odd pages, "— 2 —" left on even ones.
        first, second = (page.rstrip().splitlines()[-1] for page in pages[:2])
        # (pdftotext drops the narrow spaces inside "— 1 —".)
        assert re.sub(r"\s", "", first) == "—1—" and re.sub(r"\s", "", second) == "—2—"
        assert len(first) - len(first.lstrip()) > len(second) - len(second.lstrip()) + 10
    print("main text pages / all pages:", measured)
