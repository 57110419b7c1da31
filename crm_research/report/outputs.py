"""What a report writes besides the page: ``tables/*.csv``, ``tables.xlsx``, ``findings.json``.

The bytes are deterministic: tables as CSV with fixed float formatting
(:data:`crm_research.study.CSV_FLOAT_FORMAT`), the workbook with fixed time stamps, the
findings as JSON with sorted keys.  The findings records are written here, by the output
layer, from :func:`crm_research.findings.findings_to_records` (the study never imports the
findings stage).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crm_research.errors import InputError
from crm_research.findings import findings_to_records
from crm_research.study import CSV_FLOAT_FORMAT

__all__ = [
    "EXCEL_SHEET_CHARS",
    "XLSX_TIMESTAMP",
    "excel_sheet_names",
    "format_table",
    "read_tables",
    "write_study_outputs",
    "write_tables_xlsx",
]

#: Excel's limit on sheet-name length.
EXCEL_SHEET_CHARS = 31


def excel_sheet_names(names: Sequence[str]) -> dict[str, str]:
    """Unique Excel sheet names (at most 31 characters, no ``[]:*?/\\``) for table names.

    Parameters
    ----------
    names : sequence of str

    Returns
    -------
    dict
        table name -> sheet name.

    Examples
    --------
    >>> excel_sheet_names(["a" * 40, "a" * 41])
    {'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa~2'}
    """
    sheets: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "table"
        sheet = base[:EXCEL_SHEET_CHARS]
        n = 1
        while sheet.casefold() in used:
            n += 1
            suffix = f"~{n}"
            sheet = base[: EXCEL_SHEET_CHARS - len(suffix)] + suffix
        used.add(sheet.casefold())
        sheets[name] = sheet
    return sheets


def write_tables_xlsx(tables: Mapping[str, Any], path: str | Path) -> dict[str, str]:
    """Write tables to one Excel workbook, one sheet per table.

    Parameters
    ----------
    tables : mapping
        Table name -> DataFrame.
    path : str or Path
        The ``.xlsx`` file.

    Returns
    -------
    dict
        Table name -> sheet name.
    """
    sheets = excel_sheet_names(list(tables))
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
            has_index = not isinstance(frame.index, pd.RangeIndex)
            frame.to_excel(writer, sheet_name=sheets[name], index=has_index)
    normalise_xlsx(Path(path))
    return sheets


#: Time stamp written into every workbook (its document properties and zip entries), so
#: the same tables give the same bytes.
XLSX_TIMESTAMP = "2000-01-01T00:00:00Z"


def normalise_xlsx(path: Path) -> None:
    """Rewrite a workbook with fixed time stamps (openpyxl writes the current time)."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + XLSX_TIMESTAMP.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    os.replace(partial, path)


def read_tables(folder: str | Path) -> dict[str, Any]:
    """Read ``folder/*.csv`` back into DataFrames (name = file stem, sorted).

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    dict
    """
    return {p.stem: pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))}


def format_table(frame: pd.DataFrame) -> str:
    """CSV text of a table with deterministic formatting (floats as ``%.6f``, ``\\n`` lines).

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> format_table(pd.DataFrame({"x": [0.5]}))
    'x\\n0.500000\\n'
    """
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


def write_study_outputs(
    study: Any, findings: Sequence[Any] | None, out_dir: str | Path
) -> dict[str, Path]:
    """Write ``tables/*.csv`` and (when findings are given) ``findings.json``.

    Bytes are deterministic: no timestamps, sorted JSON keys, floats in tables as ``%.6f``.

    Parameters
    ----------
    study : StudyResult
    findings : sequence of Finding, optional
        From :func:`crm_research.findings.derive_findings`.
    out_dir : str or Path
        Output folder (created if absent).

    Returns
    -------
    dict
        ``"tables/<name>.csv"`` and ``"findings.json"`` -> path written.
    """
    out = Path(out_dir)
    tables_dir = out / "tables"
    try:
        tables_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror}).") from None
    written: dict[str, Path] = {}
    for name in sorted(study.tables):
        path = tables_dir / f"{name}.csv"
        path.write_text(format_table(study.tables[name]), encoding="utf-8")
        written[f"tables/{name}.csv"] = path
    if findings is not None:
        path = out / "findings.json"
        records = findings_to_records(findings)
        path.write_text(
            json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        written["findings.json"] = path
    return written
