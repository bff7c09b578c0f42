"""Evidence-file checks: the type comes from the file's first bytes, never its name or the browser.

A file is accepted only when its content is one of the allowed types AND its extension names
that same type, so an .exe renamed .pdf or a PNG called .pdf is refused.
"""

import zipfile
from pathlib import PurePath

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

EXTENSIONS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".doc": DOC,
    ".xls": XLS,
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(fileobj, extension):
    """The MIME type the content proves, or None. Reads from the start and rewinds."""
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
        return None
    if head.startswith(OLE2_MAGIC):
        # Old Word and Excel share the OLE2 container; the extension picks between the two.
        return EXTENSIONS.get(extension) if extension in {".doc", ".xls"} else None
    return None


def check_upload(upload, max_bytes):
    """(content type, None) for an acceptable file, or (None, Chinese error message)."""
    from django.utils.translation import gettext as _

    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if upload.size == 0:
        return None, _("文件“%(name)s”是空文件。") % {"name": name}
    if upload.size > max_bytes:
        return None, _("文件“%(name)s”超过大小上限 %(limit)s MB。") % {
            "name": name,
            "limit": round(max_bytes / 1024 / 1024, 1),
        }
    if extension not in EXTENSIONS:
        return None, _("文件“%(name)s”类型不允许：只接受 PDF、Word、Excel、JPEG、PNG 文件。") % {"name": name}
    found = sniff(upload, extension)
    if found is None or found != EXTENSIONS[extension]:
        return None, _("文件“%(name)s”的内容与扩展名不符或不是允许的类型，已拒绝。") % {"name": name}
    return found, None
