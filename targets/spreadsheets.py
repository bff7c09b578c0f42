"""The admin's spreadsheet formats and upload form: formula escaping and size limits.

- Export: a text cell that a spreadsheet program would run as a formula (it begins with = + - @,
  a tab or a carriage return and is not a plain number such as "-5" or "+7.5%") is written with a
  leading apostrophe, the spreadsheet convention for "this is text". Import removes that
  apostrophe again, so a file exported and re-imported unchanged is unchanged.
- Import: such a cell without the apostrophe is refused, row by row, with a Chinese message
  (targets.resources.RowErrorsMixin); formulas in an XLSX file are read as their values.
- A CSV file saved by Excel in GBK is read as well as a UTF-8 one (as_utf8_csv).
- Limits (settings): the uploaded file's size (SPREADSHEET_IMPORT_MAX_BYTES), the size an XLSX
  file expands to (SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES: it is a zip) and the number of rows
  (SPREADSHEET_IMPORT_MAX_ROWS), checked before the rows are read into memory.
"""

import re
import zipfile
from io import BytesIO

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from import_export.forms import ImportForm, SelectableFieldsExportForm

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?%?")
ESCAPE = "'"


class SpreadsheetRefused(ValueError):
    """A file refused before its rows are read; the message is for the user."""


def is_formula(value):
    """Would a spreadsheet program run this cell as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value.strip())


def escape_cell(value):
    return ESCAPE + value if is_formula(value) else value


def unescape_cell(value):
    """Undo escape_cell: an apostrophe in front of what would be a formula."""
    if isinstance(value, str) and value.startswith(ESCAPE) and is_formula(value[1:]):
        return value[1:]
    return value


def _escaped(dataset):
    for index in range(len(dataset)):
        row = dataset[index]
        if any(is_formula(cell) for cell in row):
            dataset[index] = [escape_cell(cell) for cell in row]
    return dataset


def _too_many_rows():
    return SpreadsheetRefused(
        _("文件超过 %(rows)s 行，未导入。请分成几个文件分别导入。") % {"rows": settings.SPREADSHEET_IMPORT_MAX_ROWS}
    )


class CSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_escaped(dataset), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        # The upload's size is bounded (SpreadsheetImportForm), so reading it whole is cheap.
        dataset = super().create_dataset(in_stream, **kwargs)
        if len(dataset) > settings.SPREADSHEET_IMPORT_MAX_ROWS:
            raise _too_many_rows()
        return dataset


class XLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_escaped(dataset), **kwargs)

    def create_dataset(self, in_stream):
        """The first sheet, formulas read as their values; refused when it expands or runs too long."""
        import openpyxl
        import tablib

        try:
            archive = zipfile.ZipFile(BytesIO(in_stream))
            expanded = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise SpreadsheetRefused(_("文件不是有效的 XLSX 表格。")) from None
        if expanded > settings.SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES:
            raise SpreadsheetRefused(
                _("XLSX 文件解压后有 %(size)s，超过上限 %(limit)s，未导入。")
                % {
                    "size": filesizeformat(expanded),
                    "limit": filesizeformat(settings.SPREADSHEET_IMPORT_MAX_EXPANDED_BYTES),
                }
            )
        book = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        rows = book.active.iter_rows(values_only=True)
        dataset = tablib.Dataset()
        dataset.headers = list(next(rows, ()))
        for values in rows:
            if all(value is None for value in values):
                continue  # formatting left on empty rows below the data
            if len(dataset) == settings.SPREADSHEET_IMPORT_MAX_ROWS:
                raise _too_many_rows()
            dataset.append(list(values))
        return dataset


FORMATS = [XLSX, CSV]


class _Upload:
    """An upload's bytes in place of the upload, for import-export's write_to_tmp_storage."""

    def __init__(self, data):
        self.data = data

    def chunks(self):
        yield self.data


def as_utf8_csv(upload):
    """A CSV upload as UTF-8: Excel on Chinese Windows saves "CSV (逗号分隔)" in GBK, while the
    package reads UTF-8 only. UTF-8 (with or without BOM) is kept as is; anything else is read as
    GB18030 (a superset of GBK) when it decodes as such, or left for the reader to refuse."""
    data = b"".join(upload.chunks())
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data = data.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            pass
    return _Upload(data)


class SpreadsheetImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.SPREADSHEET_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件大小 %(size)s，超过上限 %(limit)s，未导入。请分成几个文件分别导入。")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.SPREADSHEET_IMPORT_MAX_BYTES),
                }
            )
        return upload


class SpreadsheetExportForm(SelectableFieldsExportForm):
    """The export page lists the columns by their Chinese names only (the package adds the
    resource's English attribute names: "Plan (方案)")."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


def read_failure_message(error):
    """The Chinese message for a file that could not be read (import-export's own is English)."""
    if isinstance(error, SpreadsheetRefused):
        return str(error)
    return _(
        "无法读取该文件（%(error)s）。请确认所选格式与文件一致（XLSX，或 UTF-8、GBK 编码的 CSV），且第一行是列名。"
    ) % {"error": type(error).__name__}
