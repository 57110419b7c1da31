"""Stage 2 of the flow: reading survey exports into :class:`Responses`.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): every export
format (CSV in five encodings and four delimiters, xlsx, sav, Wenjuanxing, Qualtrics) ends in
one header-matching and screening path, and the format detection, the header-row rules and
the column matching share private helpers; split by format, each part would need them.

:func:`read_responses` reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 "Unicode
text"; comma, semicolon, tab or bar delimited), Excel ``.xlsx``, SPSS ``.sav`` and the
exports of two survey platforms, Wenjuanxing (问卷星; numeric-code and answer-text exports)
and Qualtrics (CSV with three header rows).  It matches columns to the instrument's items,
screens every cell and respondent (:mod:`crm_research.screening`) and returns the numbers
with a :class:`~crm_research.screening.QualityReport` of everything that was not used.

How the platform is recognised (from the header, never from the file name):

* **Qualtrics** -- the first header row holds at least two of Qualtrics' own columns
  (``StartDate``, ``EndDate``, ``Status``, ``IPAddress``, ``Progress``,
  ``Duration (in seconds)``, ``Finished``, ``RecordedDate``, ``ResponseId``...).  The second
  row holds the question texts and the third, when its cells read ``{"ImportId": ...}``,
  the import ids; data start on row 4 (row 3 for old two-row exports).
* **Wenjuanxing** -- the header holds at least two of ``序号``, ``提交答卷时间``,
  ``所用时间``, ``来源``, ``来源详情``, ``来自IP``.  Codes -3 (skipped) and -2 (not shown)
  and the texts ``(跳过)`` become missing (rule ``wjx_skip``).  ``所用时间`` ("125秒") is the
  duration in seconds.
* **SPSS** -- a ``.sav`` file (value labels kept in :attr:`Responses.value_labels`;
  user-missing values are reported as declared missing).
* otherwise **table** (a plain CSV or Excel sheet).  One or two rows under the header are
  skipped as more header rows (rule ``extra_header_row``, listed by
  :meth:`~crm_research.screening.QualityReport.rows_excluded`) only when they name the items
  again: at least half of their answered item cells are the column's header, the item's id
  or question text, or an import id, and none is an answer.  A respondent who typed text
  into every item is a respondent with flagged cells.

Row numbers are the rows a spreadsheet shows: the header is row 1 and the first data row
is row 2 (title rows above the header shift this down; Qualtrics data start at row 4; for a
``.sav`` file case *k* is row *k* + 1, as if the file were saved as a spreadsheet).

The input file is only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.instrument import Instrument, load_instrument
from crm_research.screening import (
    ACTION_HEADER_ROW_SKIPPED,
    ACTION_PII_DROPPED,
    MAX_MISSING_FRACTION,
    STRAIGHT_LINING_MIN_ITEMS,
    WJX_SKIP_CODES,
    ItemRules,
    Problem,
    QualityReport,
    is_blank,
    is_pii_column,
    is_pii_name,
    normalise_text,
    parse_item_column,
    parse_meta_column,
    parse_number,
    screen_respondents,
)

#: Rows of an unrecognised column whose cells are checked for personal data.
PII_CONTENT_SCAN_ROWS = 2000
#: Header rows scanned for the real header (title rows above it are skipped).
HEADER_SCAN_ROWS = 10
#: Rows under the header checked for a second header row (e.g. question texts under ids).
EXTRA_HEADER_SCAN_ROWS = 2

WJX_META = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
QUALTRICS_META = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "ResponseID", "RecipientLastName",
    "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
    "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
)  # fmt: skip
#: Background columns the platforms write, with their types.
PLATFORM_META_KINDS = {
    "序号": "id",
    "提交答卷时间": "datetime",
    "所用时间": "duration",
    "来源": "text",
    "来源详情": "text",
    "StartDate": "datetime",
    "EndDate": "datetime",
    "RecordedDate": "datetime",
    "Duration (in seconds)": "duration",
    "ResponseId": "id",
    "ResponseID": "id",
    "Status": "text",
    "Finished": "text",
    "DistributionChannel": "text",
    "UserLanguage": "text",
    "ExternalReference": "text",
}
#: Serial numbers a platform gives every submission (unique by construction, so a
#: duplicated submission differs there and they are ignored when comparing answers).
SERIAL_COLUMNS = frozenset({"序号", "ResponseId", "ResponseID"})
_ID_NAME = re.compile(r"^(?:id|.+[_ ]id|respondent|编号|.+编号|.+编码)$", re.IGNORECASE)
#: Without an instrument, columns so named hold completion times (seconds), not answers.
_DURATION_NAME = re.compile(
    r"duration|所用时间|用时|时长|耗时|seconds|completion.?time", re.IGNORECASE
)
_QUESTION_PREFIX = re.compile(r"^\s*(?:Q|第)?\s*(\d+)\s*(?:题)?\s*[、.．:：)）]\s*", re.IGNORECASE)
_PAREN_QUESTION = re.compile(r"^\s*(?:Q|第)?\s*(\d+)\s*(?:题)?\s*[(（](.+)[)）]\s*$", re.IGNORECASE)
_PART_SPLIT = re.compile(r"\s+-\s+|—+|--|[:：]|…+")


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Responses:
    """Survey responses read from one file, screened and ready for scoring.

    Attributes
    ----------
    items : DataFrame
        Float answers, one column per instrument item (instrument order); flagged values
        are NaN and excluded rows are removed.  Index ``row``: the spreadsheet row.
    meta : DataFrame
        The other columns (background, platform metadata) except personal data, same index.
    quality : QualityReport
        Every problem found and the action taken.
    source : Path
        The file read.
    sha256 : str
        SHA-256 of the file's bytes (identifies exactly which export was analysed).
    instrument : Instrument or None
    platform : str
        ``"table"``, ``"wenjuanxing"``, ``"qualtrics"`` or ``"spss"``.
    value_labels : dict
        Column -> {code: label} (from SPSS files).
    dropped_pii : list of str
        Names of the columns dropped as personal data (names only, never values).
    columns : dict
        Header in the file -> item or metadata id it was read as.
    n_read : int
        Non-blank rows read under the header (before exclusions): ``n`` plus the rows of
        ``quality.rows_excluded()``, a skipped second header row included.
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    quality: QualityReport
    source: Path
    sha256: str
    instrument: Instrument | None = None
    platform: str = "table"
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    dropped_pii: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    n_read: int = 0

    @property
    def n(self) -> int:
        """Respondents kept."""
        return len(self.items)

    def to_frame(self) -> pd.DataFrame:
        """Background columns then items, one row per kept respondent (index ``row``)."""
        return pd.concat([self.meta, self.items], axis=1)

    def __repr__(self) -> str:
        inst = self.instrument.id if self.instrument is not None else "no instrument"
        excluded = self.n_read - self.n
        pii = f", {len(self.dropped_pii)} personal-data columns dropped" if self.dropped_pii else ""
        return (
            f"Responses({self.source.name!r}, {self.platform}, {inst}: {self.n} respondents kept "
            f"of {self.n_read} ({excluded} excluded), {self.items.shape[1]} items, "
            f"{self.meta.shape[1]} background columns, {len(self.quality)} problems{pii})"
        )


# --------------------------------------------------------------------------------------
# Bytes -> grid of cell texts
# --------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """One cell as text, the same whether it came from CSV, Excel or SPSS."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (_dt.datetime, pd.Timestamp)):
        if value.hour == value.minute == value.second == 0 and not value.microsecond:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return f"{value.total_seconds():g}"
    return str(value).strip()


def _decode(data: bytes, path: Path, encoding: str | None) -> str:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown text encoding '{encoding}'.") from None
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: is not valid {encoding} text (byte {exc.start}); try another --encoding."
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:8192]:
        text = _utf16_without_bom(data)
        if text is None:
            raise InputError(
                f"{path}: is not a table (binary data, not text, CSV, Excel or SPSS)."
            )
        return text
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and _rare_in_simplified_chinese(text) >= BIG5_RARE_SHARE:
            try:  # Traditional Chinese (Taiwan, Hong Kong) exports are Big5, not GBK
                return data.decode("big5hkscs")
            except UnicodeDecodeError:
                pass
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{path}: is not a table (its bytes are not text in any known encoding).")
    return str(best)


#: GB18030 decodes almost any byte sequence, so Big5 bytes "succeed" as nonsense characters.
#: Genuine simplified-Chinese text keeps nearly all of its characters inside GB2312 (its 6763
#: hanzi cover over 99 % of modern usage); Big5 bytes read as GB18030 put a third or more
#: outside it (every Big5 character whose second byte is 0x40-0x7E).  From this share of
#: non-ASCII characters outside GB2312 the text is read as Big5 instead, when it decodes.
BIG5_RARE_SHARE = 0.25


def _rare_in_simplified_chinese(text: str) -> float:
    """Share of the non-ASCII characters (first 20,000 characters) not in GB2312."""
    chars = [ch for ch in text[:20000] if ord(ch) > 127]
    if len(chars) < 20:
        return 0.0
    rare = 0
    for ch in set(chars):
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += chars.count(ch)
    return rare / len(chars)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text written without a byte-order mark, or ``None`` for other bytes with NULs.

    Text that is mostly ASCII has a NUL in every other byte in UTF-16 (the high byte of each
    code unit): odd positions for little-endian, even ones for big-endian.
    """
    head = data[:8192]
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return None
    for enc, highs, lows in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if highs.count(0) >= 0.3 * len(highs) and lows.count(0) <= 0.01 * len(lows):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                return None
            control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
            return text if control == 0 else None
    return None


def _looks_like_json(text: str) -> bool:
    """A JSON document or JSON Lines (a list or records), not a delimited table."""
    body = text.lstrip("\ufeff \t\r\n")
    if body[:1] not in ("[", "{"):
        return False
    for candidate in (body, body.split("\n", 1)[0]):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, (list, dict)):
            return True
    return False


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    head = text[:65_536]  # the first 60 lines, without splitting a million-line text
    while head.count("\n") <= 60 and len(head) < len(text):
        head = text[: 2 * len(head)]
    lines = [ln for ln in head.splitlines()[:60] if ln.strip()]
    best, best_score = ",", (0.0, 0)
    for delim in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode <= 1:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _table_text(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """The decoded text of a delimited file and its delimiter."""
    text = _decode(data, path, encoding)
    if not text.strip():
        raise InputError(f"{path}: is empty (no header and no data).")
    if _looks_like_json(text):
        raise InputError(
            f"{path}: is JSON, not a table; export the survey as CSV, Excel or SPSS and read that."
        )
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    control += text[:20000].count("\ufffd")
    if control > max(2, len(text[:20000]) // 200):
        raise InputError(f"{path}: is not a table (it contains binary data, not text).")
    return text, _sniff_delimiter(text)


def _csv_module_grid(text: str, delim: str, path: Path) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise InputError(f"{path}: is not a readable CSV table ({exc}).") from None
    return [[c.strip() for c in r] for r in rows]


#: Text files at least this large are parsed with pyarrow's multi-threaded CSV reader when
#: pyarrow is installed and the file is a plain rectangular table (see :func:`_pyarrow_cells`);
#: smaller ones with the csv module.  Both give the same cell texts.
PYARROW_MIN_BYTES = 1_000_000
#: The characters ``str.strip()`` removes (``str.isspace``), so pyarrow trims cells the same way.
_PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _pyarrow_cells(text: str, delim: str) -> pd.DataFrame | None:
    """Cell texts of a plain delimited table parsed by pyarrow, or ``None`` to use the csv module.

    Only files without quote characters and with every line holding the same number of
    fields are parsed here (there the csv module's and pyarrow's readings coincide: a line
    split at each delimiter, cells stripped of whitespace); anything else -- quoted fields,
    ragged or blank lines -- returns ``None``.  Columns are pyarrow-backed strings.
    """
    if '"' in text:
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    first_line = text.split("\n", 1)[0].rstrip("\r")
    width = len(first_line.split(delim))
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):  # ragged or blank lines
        return None
    columns = {}
    for i in range(width):
        column = table.column(i)
        trimmed = pc.utf8_trim(column, characters=_PY_WHITESPACE)
        if pc.all(pc.equal(column, trimmed)).as_py() is not False:
            trimmed = column  # nothing to trim: keep one copy
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(trimmed), copy=False)
    return pd.DataFrame(columns, copy=False)


def _cells_from_grid(grid: list[list[str]]) -> pd.DataFrame:
    """The grid as a DataFrame of cell texts, short rows padded with empty cells."""
    width = max((len(r) for r in grid), default=0)
    return pd.DataFrame(
        [r + [""] * (width - len(r)) for r in grid], columns=range(width), dtype=object
    )


def _read_text_cells(data: bytes, path: Path, encoding: str | None) -> pd.DataFrame:
    text, delim = _table_text(data, path, encoding)
    cells = _pyarrow_cells(text, delim) if len(data) >= PYARROW_MIN_BYTES else None
    if cells is None:
        cells = _cells_from_grid(_csv_module_grid(text, delim, path))
    return cells


def _read_xlsx_grid(data: bytes, path: Path, sheet: str | int | None) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except KeyError:  # a zip archive without xl/workbook.xml (e.g. a .docx or a plain .zip)
        raise InputError(
            f"{path}: is not a readable Excel workbook (a zip archive without a workbook inside)."
        ) from None
    except Exception as exc:  # BadZipFile, zlib.error, XML ParseError, EOFError...
        raise InputError(
            f"{path}: is not a readable Excel workbook ({type(exc).__name__})."
        ) from None
    try:
        names = wb.sheetnames
        if sheet is None or sheet == "":
            ws = wb.worksheets[0]
        elif isinstance(sheet, str) and sheet in names:
            ws = wb[sheet]
        else:
            try:
                index = int(sheet)
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}: has no sheet '{sheet}' (sheets: {', '.join(names)})."
                ) from None
            if not 0 <= index < len(names):
                raise InputError(
                    f"{path}: has no sheet number {index} (sheets, counted from 0: {', '.join(names)})."
                )
            ws = wb.worksheets[index]
        try:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        except Exception as exc:  # a damaged sheet: zlib.error, BadZipFile, XML ParseError...
            raise InputError(
                f"{path}: is not a readable Excel workbook (sheet '{ws.title}' is damaged: "
                f"{type(exc).__name__})."
            ) from None
    finally:
        wb.close()
    if not any(any(c for c in r) for r in rows):
        raise InputError(f"{path}: sheet '{ws.title}' is empty (no header and no data).")
    return rows


def _read_sav_grid(
    path: Path,
) -> tuple[list[list[str]], dict[str, dict[float, str]], dict[str, set[float]]]:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError/PyreadstatError types
        raise InputError(
            f"{path}: is not a readable SPSS .sav file ({type(exc).__name__})."
        ) from None
    labels = {
        str(k): {float(c): str(lab) for c, lab in v.items()}
        for k, v in (meta.variable_value_labels or {}).items()
    }
    user_missing: dict[str, set[float]] = {}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        codes: set[float] = set()
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, (int, float)) and lo == hi:
                codes.add(float(lo))
            elif isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                codes.update(float(x) for x in np.arange(np.ceil(lo), np.floor(hi) + 1))
        user_missing[str(col)] = codes
    grid = [[str(c) for c in df.columns]]
    for row in df.itertuples(index=False, name=None):
        grid.append([_cell_text(v) for v in row])
    return grid, labels, user_missing


def _file_kind(data: bytes, suffix: str) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if suffix in (".xlsx", ".xlsm", ".sav", ".zsav"):
        return "broken-" + suffix[1:]
    return "text"


# --------------------------------------------------------------------------------------
# Header: platform, header row, column matching
# --------------------------------------------------------------------------------------


def _key(text: Any) -> str:
    """Letters and digits only (NFKC, case-folded): for comparing question texts."""
    t = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] in "LN")


def _question_parts(header: str) -> tuple[int | None, list[str]]:
    """The question number of a numbered header (``3、...``) and the texts it may stand for."""
    number = None
    m = _PAREN_QUESTION.match(header)
    if m:
        return int(m.group(1)), [m.group(2)]
    m = _QUESTION_PREFIX.match(header)
    base = header
    if m:
        number = int(m.group(1))
        base = header[m.end() :]
    parts = [base] + [p for p in _PART_SPLIT.split(base) if p.strip()]
    return number, parts


@dataclass
class _Column:
    pos: int
    header: str
    texts: list[str]  # header and (Qualtrics) question text / import id
    target: str | None = None
    kind: str | None = None  # "item" or a metadata type, or None (undeclared)
    how: str = ""


def _column_letter(pos: int) -> str:
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _Targets:
    """Lookup tables for matching headers to an instrument's items and metadata."""

    def __init__(self, inst: Instrument):
        self.inst = inst
        self.items = {it.id for it in inst.items}
        self.exact: dict[str, str] = {}
        for header, target in inst.column_map.items():
            self.exact.setdefault(normalise_text(header), target)
        for it in inst.items:
            self.exact.setdefault(normalise_text(it.id), it.id)
        for m in inst.metadata:
            self.exact.setdefault(normalise_text(m.id), m.id)
            for alias in m.aliases:
                self.exact.setdefault(normalise_text(alias), m.id)
        self.text: dict[str, str] = {}
        for it in inst.items:
            for t in it.text.values():
                if _key(t):
                    self.text.setdefault(_key(t), it.id)
        for m in inst.metadata:
            for t in m.label.values():
                if _key(t):
                    self.text.setdefault(_key(t), m.id)
        for header, target in inst.column_map.items():
            _, parts = _question_parts(header)
            for p in parts:
                if _key(p):
                    self.text.setdefault(_key(p), target)

    def exact_match(self, col: _Column) -> str | None:
        for t in col.texts:
            hit = self.exact.get(normalise_text(t))
            if hit:
                return hit
        return None

    def text_match(self, col: _Column) -> str | None:
        for t in col.texts:
            _, parts = _question_parts(t)
            for p in parts:
                hit = self.text.get(_key(p))
                if hit:
                    return hit
        return None

    def contained_match(self, col: _Column, free: set[str]) -> str | None:
        hay = " ".join(_key(t) for t in col.texts)
        hits = [
            (len(k), tgt)
            for k, tgt in self.text.items()
            if tgt in free and len(k) >= 4 and k in hay
        ]
        if not hits:
            return None
        hits.sort(reverse=True)
        if len(hits) > 1 and hits[0][0] == hits[1][0] and hits[0][1] != hits[1][1]:
            return None
        return hits[0][1]

    def header_score(self, row: Sequence[str]) -> int:
        score = 0
        for cell in row:
            if not cell:
                continue
            col = _Column(0, cell, [cell])
            if (
                self.exact_match(col)
                or self.text_match(col)
                or cell in WJX_META
                or cell in QUALTRICS_META
            ):
                score += 1
        return score


def _detect_platform(grid: list[list[str]]) -> str:
    first = set(grid[0]) if grid else set()
    if len(first & set(QUALTRICS_META)) >= 2:
        return "qualtrics"
    for row in grid[:HEADER_SCAN_ROWS]:
        if len(set(row) & set(WJX_META)) >= 2:
            return "wenjuanxing"
    return "table"


def _numeric_share(values: pd.Series) -> float:
    # each distinct text is judged once (a million-row column has a handful of texts)
    counts = values.value_counts(sort=False, dropna=False).to_dict()
    answered = {v: n for v, n in counts.items() if not is_blank(v)}
    total = sum(answered.values())
    if not total:
        return 0.0
    return sum(n for v, n in answered.items() if parse_number(v) is not None) / total


#: Columns with more distinct texts than this (ids, free text) are checked for blank rows
#: last, on the rows that are still blank by then.
_BLANK_CHECK_DEFER_TEXTS = 1000


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is blank (:func:`is_blank`), judging each distinct text once."""
    blank = np.ones(len(frame), dtype=bool)
    order = list(range(frame.shape[1]))
    deferred: list[int] = []
    while order:
        pos = order.pop(0)
        rows = np.flatnonzero(blank)
        if rows.size == 0:
            break
        codes, texts = pd.factorize(frame.iloc[rows, pos], use_na_sentinel=False)
        if len(texts) > _BLANK_CHECK_DEFER_TEXTS and pos not in deferred:
            deferred.append(pos)
            order.append(pos)
            continue
        blank[rows] = np.array([is_blank(t) for t in texts], dtype=bool)[codes]
    return blank


# --------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------


def _check_path(path: str | Path) -> Path:
    try:
        p = Path(path).expanduser()
    except TypeError:
        raise InputError(f"{path!r}: is not a file path.") from None
    if not p.exists():
        raise InputError(f"{p}: no such file.")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a data file.")
    if not p.is_file():
        raise InputError(f"{p}: is not a regular file.")
    return p


def _as_codes(values: Iterable[Any] | str | None, what: str) -> frozenset[float]:
    if values is None:
        return frozenset()
    if isinstance(values, (str, bytes)):
        values = [v for v in str(values).split(",") if v.strip()]
    elif isinstance(values, (int, float)):
        values = [values]
    out = set()
    for v in values:
        try:
            out.add(float(v))
        except (TypeError, ValueError):
            raise InputError(f"{what}: missing value {v!r} is not a number.") from None
    return frozenset(out)


def read_responses(
    path: str | Path,
    instrument: Instrument | str | Path | None = None,
    missing_values: Iterable[float] | str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    *,
    max_missing_fraction: float = MAX_MISSING_FRACTION,
    exclude_straightliners: bool = False,
    exclude_speeders: bool = False,
    straight_lining_min_items: int = STRAIGHT_LINING_MIN_ITEMS,
) -> Responses:
    """Read and screen a survey export.

    Parameters
    ----------
    path : str or Path
        CSV/TSV/TXT, ``.xlsx`` or ``.sav`` (the format is taken from the file's bytes).
        Wenjuanxing and Qualtrics exports are recognised from their headers.
    instrument : Instrument, name or path, optional
        Items are matched to columns by the instrument's ``columns:`` mapping, by item id,
        by the item's zh/en text (after removing a ``3、`` question number), by a header
        containing the item text, and -- for numbered questions left over, when their count
        equals the items left over -- by question order.  Answer texts become codes through
        the items' point labels (zh and en).  Every item is required.  Without an instrument
        every numeric-looking column (except ids, durations and platform columns) is an
        item and its valid range is the range of its values that do not look like
        missing-data codes.
    missing_values : iterable of float or "a,b", optional
        Extra codes meaning "missing" (e.g. ``[-99, 999]``), added to the instrument's
        ``missing_codes``.
    encoding : str, optional
        Text encoding of a CSV; by default UTF-8 (with or without BOM), then GB18030 (a
        superset of GBK/GB2312), then a guess by charset-normalizer.
    sheet : str or int, optional
        Excel sheet name, or its position counted from 0 (default: the first sheet).
    max_missing_fraction : float
        Respondents with more than this fraction of items missing are excluded.
    exclude_straightliners, exclude_speeders : bool
        Drop flagged straight-liners / speeders instead of keeping them.
    straight_lining_min_items : int
        Battery length from which identical answers count as straight-lining.

    Returns
    -------
    Responses

    Raises
    ------
    InputError
        One sentence naming the file and the cause when the input is unusable: no such
        file, a directory, an empty file, not a table, a required item column absent.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "mini.yaml").write_text("id: mini\\nresponse_scale: {min: 1, max: 5}\\n"
    ...     "items: [{id: q1}, {id: q2}]\\nscales: [{id: s, items: [q1, q2]}]\\n", encoding="utf-8")
    >>> _ = (d / "export.csv").write_text("q1,q2\\n4,5\\n9,3\\nabc,2\\n", encoding="utf-8")
    >>> resp = read_responses(d / "export.csv", instrument=d / "mini.yaml")
    >>> resp.items.to_dict("index")  # index: the spreadsheet row; flagged cells are NaN
    {2: {'q1': 4.0, 'q2': 5.0}, 3: {'q1': nan, 'q2': 3.0}, 4: {'q1': nan, 'q2': 2.0}}
    >>> resp.quality.to_frame()[["row", "column", "rule", "value"]]
       row column          rule value
    0    3     q1  out_of_range     9
    1    4     q1   non_numeric   abc

    References
    ----------
    Greszki, R., Meyer, M., & Schoen, H. (2015). Public Opinion Quarterly, 79(2), 471-503
    (speeders).  Kim, Y. et al. (2019). Social Science Computer Review, 37(2), 214-233
    (straight-lining).
    """
    p = _check_path(path)
    inst = load_instrument(instrument) if instrument is not None else None
    extra_missing = _as_codes(missing_values, str(p))
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or type(exc).__name__}).") from None
    if not data.strip():
        raise InputError(f"{p}: is empty (no header and no data).")
    digest = hashlib.sha256(data).hexdigest()
    args = (extra_missing, encoding)
    rest = (max_missing_fraction, exclude_straightliners, exclude_speeders,
            straight_lining_min_items)  # fmt: skip
    try:
        return _read(p, data, digest, inst, *args, sheet, *rest)
    except InputError as exc:
        if inst is None or sheet not in (None, "") or _file_kind(data, p.suffix.lower()) != "xlsx":
            raise
        hint = _other_sheet(p, data, digest, inst, args, rest, exc)
        if hint is None:
            raise
        raise InputError(hint) from None
    except (ValueError, TypeError, KeyError, IndexError, OSError, UnicodeError, csv.Error) as exc:
        raise InputError(
            f"{p}: could not be read as a survey table ({type(exc).__name__}: {exc})."
        ) from None


def _other_sheet(
    p: Path, data: bytes, digest: str, inst: Instrument, args: tuple, rest: tuple, exc: InputError
) -> str | None:
    """When the first sheet of a workbook is not the survey, the sentence naming the one that is.

    ``None`` when the workbook has one sheet, is damaged, or no other sheet reads either.
    """
    from openpyxl import load_workbook

    reason = str(exc)
    if reason.startswith(f"{p}: is not a readable Excel workbook"):
        return None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        names = list(wb.sheetnames)
        wb.close()
    except Exception:  # the first attempt already said what is wrong with the file
        return None
    for index, name in enumerate(names[1:], start=1):
        try:
            _read(p, data, digest, inst, *args, index, *rest)
        except Exception:  # that sheet is no survey either: try the next one
            continue
        option = name if name.strip() == name and " " not in name else f"'{name}'"
        return (
            f"{p}: the answers are on sheet '{name}', not on the first sheet '{names[0]}'; "
            f"choose it with --sheet {option}."
        )
    return None


def _read(
    p: Path,
    data: bytes,
    digest: str,
    inst: Instrument | None,
    extra_missing: frozenset[float],
    encoding: str | None,
    sheet: str | int | None,
    max_missing_fraction: float,
    exclude_straightliners: bool,
    exclude_speeders: bool,
    straight_lining_min_items: int,
) -> Responses:
    kind = _file_kind(data, p.suffix.lower())
    value_labels: dict[str, dict[float, str]] = {}
    user_missing: dict[str, set[float]] = {}
    if kind == "xlsx":
        cells = _cells_from_grid(_read_xlsx_grid(data, p, sheet))
    elif kind == "sav":
        grid, value_labels, user_missing = _read_sav_grid(p)
        cells = _cells_from_grid(grid)
    elif kind == "xls":
        raise InputError(
            f"{p}: is an old Excel .xls workbook; save it as .xlsx or CSV and read that."
        )
    elif kind.startswith("broken-"):
        raise InputError(
            f"{p}: is not a readable .{kind[7:]} file (its bytes are not that format)."
        )
    else:
        cells = _read_text_cells(data, p, encoding)

    # cells: one column per position, one row per line; the header is in the first rows
    width = cells.shape[1]
    grid = cells.iloc[:HEADER_SCAN_ROWS].to_numpy(dtype=object).tolist()
    if not (cells != "").to_numpy().any():
        raise InputError(f"{p}: is empty (no header and no data).")
    if width < 2 and inst is not None and len(inst.items) > 1:
        if kind in ("xlsx", "sav"):
            where = "its sheet" if kind == "xlsx" else "it"
            raise InputError(f"{p}: is not a table of answers ({where} has only one column).")
        raise InputError(
            f"{p}: is not a table (no columns separated by commas, semicolons or tabs were found)."
        )
    problems: list[Problem] = []
    platform = "spss" if kind == "sav" else _detect_platform(grid)
    targets = _Targets(inst) if inst is not None else None

    # --- header row(s) ---
    if platform == "qualtrics":
        header_idx = 0
        texts_row = grid[1] if len(grid) > 1 else [""] * width
        import_row = grid[2] if len(grid) > 2 else [""] * width
        has_import = any(
            c.startswith('{"ImportId"') or c.startswith("{'ImportId'") for c in import_row
        )
        data_start = 3 if has_import else 2
        extra_texts = [[t, _import_id(i)] for t, i in zip(texts_row, import_row, strict=True)]
    else:
        candidates = [i for i, r in enumerate(grid[:HEADER_SCAN_ROWS]) if any(r)]
        header_idx = candidates[0]
        best = (0, 0)
        if targets is not None:
            best = max((targets.header_score(grid[i]), -i) for i in candidates)
            header_idx = -best[1]
        if best[0] == 0:
            filled = [sum(bool(c) for c in grid[i]) for i in candidates]
            header_idx = candidates[filled.index(max(filled))]
        data_start = header_idx + 1
        extra_texts = [[] for _ in range(width)]
    header = grid[header_idx]

    # --- columns: drop empty ones, name unnamed ones ---
    body = cells.iloc[data_start:]
    if _blank_rows(body).all():
        raise InputError(f"{p}: has a header but no data rows.")
    columns: list[_Column] = []
    for pos in range(width):
        h = header[pos]
        if not h and not (body[pos] != "").any():
            continue
        name = h or f"(unnamed column {_column_letter(pos)})"
        columns.append(_Column(pos, name, [name] + [t for t in extra_texts[pos] if t]))

    # --- duplicated column names ---
    seen: dict[str, _Column] = {}
    # item headers that differ only in case, width or spacing (``idn1`` and ``IDN1``) name
    # the same item: they are duplicates too, not an item and a stray background column
    item_seen: dict[str, _Column] = {}
    kept: list[_Column] = []
    for col in columns:
        first = seen.get(col.header)
        item = targets.exact_match(col) if targets is not None else None
        if item not in (targets.items if targets is not None else ()):
            item = None
        if first is None and item is not None:
            first = item_seen.get(item)
        if first is None:
            seen[col.header] = col
            if item is not None:
                item_seen[item] = col
            kept.append(col)
            continue
        same = bool((body[col.pos] == body[first.pos]).all())
        if same:
            problems.append(Problem(None, col.header, "duplicate_column",
                                    f"column {_column_letter(col.pos)}",
                                    f"column dropped (identical copy of column {_column_letter(first.pos)})"))  # fmt: skip
            continue
        if item is not None:
            a, b = _column_letter(first.pos), _column_letter(col.pos)
            where = (
                f"columns {a} and {b}"
                if col.header == first.header
                else f"as '{first.header}' in column {a} and '{col.header}' in column {b}"
            )
            name = col.header if col.header == first.header else item
            raise InputError(
                f"{p}: item column '{name}' appears twice ({where}) with different answers, so it is unclear which to use."
            )
        n = 2
        while f"{col.header} ({n})" in seen:
            n += 1
        new = f"{col.header} ({n})"
        problems.append(Problem(None, col.header, "duplicate_column", f"column {_column_letter(col.pos)}",
                                f"kept as '{new}' (differs from column {_column_letter(first.pos)})"))  # fmt: skip
        col.header = new
        col.texts[0] = new
        seen[new] = col
        kept.append(col)
    columns = kept

    # --- match columns to the instrument ---
    if inst is not None and targets is not None:
        _match(columns, inst, targets, body)
        missing = [i for i in inst.item_ids if not any(c.target == i for c in columns)]
        if missing:
            n_items = len(inst.item_ids)
            raise InputError(
                f"{p}: required item column{'s' if len(missing) > 1 else ''} "
                f"{'are' if len(missing) > 1 else 'is'} absent ({len(missing)} of {n_items}): "
                f"{', '.join(missing)}."
            )
        meta_types = {m.id: m.type for m in inst.metadata}
        for c in columns:
            if c.target in targets.items:
                c.kind = "item"
            elif c.target is not None:
                c.kind = meta_types.get(c.target)
    for c in columns:
        if c.kind == "item":
            continue
        if (
            c.kind == "pii"
            or (c.target is None and is_pii_name(c.header))
            or c.header in ("IPAddress", "来自IP")
            # personal data under an unforeseen header ("Contact info" full of phone numbers);
            # judged on the first rows (a million-row file has many columns to look at)
            or (c.target is None and is_pii_column(body[c.pos].iloc[:PII_CONTENT_SCAN_ROWS]))
        ):
            c.kind = "pii"
        elif c.target is None and c.header in PLATFORM_META_KINDS:
            c.kind = PLATFORM_META_KINDS[c.header]
        elif inst is None and c.target is None and _DURATION_NAME.search(c.header):
            c.kind = "duration"
        elif inst is None and not _ID_NAME.match(c.header) and _numeric_share(body[c.pos]) > 0.5:
            c.kind = "item"
            c.target = c.header
    if not any(c.kind == "item" for c in columns):
        raise InputError(f"{p}: has no item columns (no column holds numeric answers).")

    # --- rows: numbers, blank rows, extra header rows ---
    # spreadsheet rows (for SPSS the synthesised header is row 1, so case k is row k + 1)
    row_numbers = list(range(data_start + 1, len(cells) + 1))
    frame = body[[c.pos for c in columns]].set_axis([c.header for c in columns], axis=1)
    frame.index = pd.Index(row_numbers, name="row")
    del cells, body  # the cells still needed are in frame (the rest can be freed)
    if frame.empty:
        raise InputError(f"{p}: has a header but no data rows.")
    blank_rows = _blank_rows(frame)
    if blank_rows.any():
        frame = frame[~blank_rows]
    item_cols = [c for c in columns if c.kind == "item"]
    labels = {c.header: _labels_for(inst, c.target) for c in item_cols}
    n_skipped = 0
    for row in list(frame.index[:EXTRA_HEADER_SCAN_ROWS]):
        if _looks_like_header_row(frame.loc[row], item_cols, labels, targets):
            problems.append(
                Problem(int(row), "", "extra_header_row", "", ACTION_HEADER_ROW_SKIPPED)
            )
            frame = frame.drop(index=row)
            n_skipped += 1
        else:
            break
    if frame.empty:
        raise InputError(f"{p}: has a header but no data rows.")
    # a skipped header row counts as read and excluded: n_read = n + len(rows_excluded())
    n_read = len(frame) + n_skipped

    # --- personal data ---
    dropped_pii = [c.header for c in columns if c.kind == "pii"]
    for name in dropped_pii:
        problems.append(Problem(None, name, "pii", "", ACTION_PII_DROPPED))

    # --- items ---
    declared = frozenset(inst.missing_codes) if inst is not None else frozenset()
    skip = frozenset(WJX_SKIP_CODES) if platform == "wenjuanxing" else frozenset()
    item_values = {}
    for c in item_cols:
        missing_codes = declared | extra_missing | frozenset(user_missing.get(c.header, ()))
        if inst is not None:
            rs = inst.item(c.target).response_scale
            rules = ItemRules(rs.min, rs.max, labels[c.header], missing_codes, skip)
        else:
            rules = ItemRules(None, None, None, missing_codes, skip)
        values, found = parse_item_column(frame[c.header], c.target, rules)
        item_values[c.target] = values
        problems.extend(found)
    order = inst.item_ids if inst is not None else [c.target for c in item_cols]
    answers = np.empty((len(frame), len(order)), order="F")  # one float64 copy of the answers
    for j, k in enumerate(order):
        answers[:, j] = item_values.pop(k).to_numpy(dtype=float)
    items = pd.DataFrame(answers, index=frame.index, columns=order, copy=False)
    frame = frame.drop(columns=[c.header for c in item_cols])  # their texts are parsed now

    # --- background ---
    meta_values = {}
    id_columns: list[str] = []
    ignore: list[str] = []
    duration_column = None
    for c in columns:
        if c.kind in ("item", "pii"):
            continue
        name = c.target or c.header
        raw = frame[c.header]
        if c.header in value_labels and c.kind in (None, "categorical", "text"):
            vl = value_labels[c.header]
            raw = raw.map(
                lambda v, vl=vl: vl.get(parse_number(v), v) if parse_number(v) is not None else v
            )
        kind = {"categorical": "text", "id": "text", "pii": "text"}.get(c.kind or "", c.kind)
        level_for = None
        if c.kind == "categorical" and inst is not None and c.target is not None:
            mc = inst.meta(c.target) if hasattr(inst, "meta") else None
            if mc is not None and mc.levels and hasattr(mc, "level_for"):
                level_for = mc.level_for
        codes = (
            (declared | extra_missing | frozenset(user_missing.get(c.header, ())))
            if kind == "numeric"
            else frozenset()
        )
        values, found = parse_meta_column(raw, name, kind, codes, level_for)
        problems.extend(found)
        meta_values[name] = values
        if c.kind == "id":
            (ignore if c.header in SERIAL_COLUMNS else id_columns).append(name)
        elif c.kind is None and inst is None and _ID_NAME.match(c.header):
            id_columns.append(name)
        if c.kind in ("datetime", "duration"):
            ignore.append(name)
        if c.kind == "duration" and duration_column is None:
            duration_column = name
    meta = pd.DataFrame(meta_values, index=frame.index)

    items, meta, found = screen_respondents(
        items,
        meta,
        instrument=inst,
        id_columns=id_columns,
        ignore_for_duplicates=ignore,
        duration_column=duration_column,
        max_missing_fraction=max_missing_fraction,
        straight_lining_min_items=straight_lining_min_items,
        exclude_straightliners=exclude_straightliners,
        exclude_speeders=exclude_speeders,
    )
    problems.extend(found)
    mapped_labels = {}
    for c in columns:
        if c.header in value_labels and c.kind != "pii":
            mapped_labels[c.target or c.header] = value_labels[c.header]
    return Responses(
        items=items,
        meta=meta,
        quality=QualityReport.from_problems(problems),
        source=p,
        sha256=digest,
        instrument=inst,
        platform=platform,
        value_labels=mapped_labels,
        dropped_pii=dropped_pii,
        columns={c.header: (c.target or c.header) for c in columns if c.kind != "pii"},
        n_read=n_read,
    )


def _import_id(cell: str) -> str:
    if not cell.startswith("{"):
        return ""
    try:
        return str(json.loads(cell).get("ImportId", ""))
    except (ValueError, AttributeError):
        return ""


def _labels_for(inst: Instrument | None, item_id: str | None) -> dict[str, float]:
    if inst is None or item_id is None:
        return {}
    out: dict[str, float] = {}
    for code, texts in inst.item(item_id).response_scale.labels.items():
        for t in texts.values():
            out.setdefault(normalise_text(t), float(code))
    return out


def _looks_like_header_row(
    row: pd.Series,
    item_cols: list[_Column],
    labels: dict[str, dict[str, float]],
    targets: _Targets | None,
) -> bool:
    """A row under the header that names the items again, as Qualtrics' 2nd and 3rd rows do.

    Its answered item cells are all texts that are no answers, and at least half of them
    name their own column (:func:`_names_column`): the column's header, the item's id or
    question text, or a Qualtrics import id.  Any other all-text row is a respondent who
    typed text into the items: their cells are flagged (``non_numeric``), the row is kept.
    """
    cells = [(c, str(row[c.header])) for c in item_cols]
    filled = [(c, v) for c, v in cells if not is_blank(v)]
    if len(filled) < max(1, len(item_cols) // 2):
        return False
    for c, v in filled:
        if parse_number(v) is not None or normalise_text(v) in labels.get(c.header, {}):
            return False
    named = sum(_names_column(v, c, targets) for c, v in filled)
    return 2 * named >= len(filled)


def _names_column(cell: str, col: _Column, targets: _Targets | None) -> bool:
    """Whether a cell under the header names its own column (header, item id or text, import id)."""
    if _import_id(cell):
        return True
    text = unicodedata.normalize("NFKC", cell).casefold().strip()
    if not _key(text):
        return False
    for name in col.texts:
        head = unicodedata.normalize("NFKC", name).casefold().strip()
        if not _key(head):
            continue
        # the header itself, or the header then the question ("Q3. How satisfied ...")
        if _key(text) == _key(head):
            return True
        rest = text[len(head) :] if text.startswith(head) else ""
        if rest and unicodedata.category(rest[0])[0] not in "LN":
            return True
    if targets is None or col.target is None:
        return False
    probe = _Column(col.pos, cell, [cell])
    return col.target in (
        targets.exact_match(probe),
        targets.text_match(probe),
        targets.contained_match(probe, {col.target}),
    )


def _match(
    columns: list[_Column], inst: Instrument, targets: _Targets, body: list[list[str]]
) -> None:
    """Assign each column at most one target, each target at most one column."""
    taken: set[str] = set()

    def assign(col: _Column, target: str | None, how: str) -> None:
        if target is not None and target not in taken:
            col.target, col.how = target, how
            taken.add(target)

    for col in columns:
        assign(col, targets.exact_match(col), "name")
    for col in columns:
        if col.target is None:
            assign(col, targets.text_match(col), "text")
    all_targets = set(targets.items) | {m.id for m in inst.metadata}
    for col in columns:
        if col.target is None and col.header not in WJX_META and col.header not in QUALTRICS_META:
            assign(col, targets.contained_match(col, all_targets - taken), "text contained")
    # question order: numbered headers left over, when as many as the items left over
    left_items = [i for i in inst.item_ids if i not in taken]
    numbered = [
        c
        for c in columns
        if c.target is None
        and _question_parts(c.header)[0] is not None
        and not is_pii_name(c.header)
    ]
    if left_items and len(numbered) == len(left_items):
        numbered.sort(key=lambda c: (_question_parts(c.header)[0], c.pos))
        for col, item in zip(numbered, left_items, strict=True):
            assign(col, item, "question order")
