"""Reading an uploaded table (CSV or XLSX) into rows keyed by our column names, with their line numbers.

Spreadsheets made in China are often saved as GB18030 CSV, and headers are written in Chinese: both are
accepted. A file that is neither a readable CSV nor an XLSX is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

from app.core.errors import InvalidInput

MAX_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class TableRow:
    line: int  # as the person sees it in their spreadsheet, header = line 1
    values: dict[str, str]


def _cells_to_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 511923001001 typed into Excel comes back as a float
    return str(value).strip()


def _raw_rows(content: bytes) -> list[list[str]]:
    if content[:4] == b"PK\x03\x04":
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InvalidInput("无法读取该 Excel 文件", field="file") from exc
        sheet = wb.worksheets[0]
        return [[_cells_to_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise InvalidInput("文件应为 CSV（UTF-8 或 GBK 编码）或 XLSX", field="file")


def read_table(content: bytes, aliases: dict[str, str], required: set[str]) -> list[TableRow]:
    """Rows as {column: text}; `aliases` maps any accepted header (Chinese or English) to our column name."""
    raw = _raw_rows(content)
    if not raw:
        raise InvalidInput("文件是空的", field="file")
    header = [aliases.get(h.strip().lower(), aliases.get(h.strip(), "")) for h in raw[0]]
    missing = required - set(header)
    if missing:
        raise InvalidInput("缺少列：" + "、".join(sorted(missing)), field="file")
    rows = []
    for i, cells in enumerate(raw[1:], start=2):
        if not any(cells):
            continue
        rows.append(TableRow(i, {h: (cells[j] if j < len(cells) else "") for j, h in enumerate(header) if h}))
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行", field="file")
    return rows
