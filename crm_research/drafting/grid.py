"""Reading an export's cells for drafting, and where its header and data are.

Part of :mod:`crm_research.drafting`: CSV (UTF-8, then GB18030, or a given encoding; comma,
tab, semicolon or bar) and ``.xlsx`` as text cells; Qualtrics (three header rows),
Wenjuanxing (its own background columns) and plain tables told apart from the header, as
:mod:`crm_research.readers` does.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
from pathlib import Path
from typing import Any

from crm_research.errors import InputError
from crm_research.readers import QUALTRICS_META, WJX_META

__all__ = ["cell_text", "import_id", "layout", "read_grid"]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def read_grid(path: Path, sheet: str | int | None, encoding: str | None) -> list[list[str]]:
    """The export's cells as text, one list per row (CSV or XLSX)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    if not data.strip():
        raise InputError(f"{path}: is empty (no header and no data).")
    if data.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # BadZipFile, KeyError, XML errors...
            raise InputError(
                f"{path}: is not a readable Excel workbook ({type(exc).__name__})."
            ) from None
        try:
            names = wb.sheetnames
            if sheet in (None, ""):
                ws = wb.worksheets[0]
            elif isinstance(sheet, str) and sheet in names:
                ws = wb[sheet]
            else:
                try:
                    ws = wb.worksheets[int(sheet)]  # type: ignore[arg-type]
                except (TypeError, ValueError, IndexError):
                    raise InputError(
                        f"{path}: has no sheet '{sheet}' (sheets: {', '.join(names)})."
                    ) from None
            return [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    if data[:4] in (b"$FL2", b"$FL3") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{path}: drafting reads CSV and .xlsx exports; save this file as .xlsx or CSV first."
        )
    text = None
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            codecs.lookup(enc)
            text = data.decode(enc)
            break
        except LookupError:
            raise InputError(f"{path}: unknown text encoding '{enc}'.") from None
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError(f"{path}: is not {encoding or 'UTF-8 or GBK'} text; give --encoding.")
    first = text.split("\n", 1)[0]
    delim = max((",", "\t", ";", "|"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    return [[c.strip() for c in r] for r in rows]


def import_id(cell: str) -> bool:
    return cell.startswith(('{"ImportId"', "{'ImportId'"))


def layout(grid: list[list[str]]) -> tuple[str, list[str], list[str], int]:
    """Platform, header row, question texts and the first data row."""
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    if len(set(grid[0]) & set(QUALTRICS_META)) >= 2:
        texts = grid[1] if len(grid) > 1 else grid[0]
        start = 3 if len(grid) > 2 and any(import_id(c) for c in grid[2]) else 2
        return "qualtrics", grid[0], texts, start
    for i, row in enumerate(grid[:10]):
        if len(set(row) & set(WJX_META)) >= 2:
            return "wenjuanxing", row, row, i + 1
    filled = [sum(bool(c) for c in r) for r in grid[:10]]
    i = filled.index(max(filled))
    return "table", grid[i], grid[i], i + 1
