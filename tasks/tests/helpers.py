"""Small helpers shared by the progress-report tests."""

import io
import zipfile

from targets.models import Period
from tasks.models import Task

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def ten_day(plan, number):
    return Period.objects.get(plan=plan, kind=Period.Kind.TEN_DAY, number=number)


def task(battle_number, section_number, number):
    return Task.objects.get(section__battle__number=battle_number, section__number=section_number, number=number)


def report_data(version=1, action="draft", **extra):
    data = {
        "version": version,
        "action": action,
        "progress": "开展消费季活动3场。",
        "task_status": "in_progress",
        "problems": "",
        "next_steps": "",
    }
    data.update(extra)
    return data
