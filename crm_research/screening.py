"""Stage 2 of the flow: screening survey responses and the :class:`QualityReport`.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): it holds the
screening rules of the table below, one function each, with the :class:`QualityReport` they
write; the rules share the cell parsers and the personal-data patterns, and that table is
the one place a reader finds every rule.

Every problem found while turning an export into numbers becomes one row of the quality
report (``row, column, rule, value, action``).  A flagged value is never used as a number:
it is set to missing, and every excluded row or value appears in the report with the
action taken.  The rules (see ``docs/bad-input.md`` for what the user sees):

======================  ============================================================  =====================
rule                    what                                                          action
======================  ============================================================  =====================
pii                     a column with personal data (declared, or recognised by name)  column dropped
duplicate_column        a column that appears twice under the same name               column dropped / kept
extra_header_row        a second header row naming the items (question texts, ids,     row skipped (listed
                        Qualtrics import ids) under the header                        as excluded)
non_numeric             text that is neither a number nor a point label               set to missing
not_a_scale_point       a number inside the range that is not a scale point (3.5)      set to missing
out_of_range            a number outside the item's response range (9 on 1..5)        set to missing
undeclared_code         an undeclared missing-data code (-99, -9, 99, 999 ...)        set to missing
declared_missing        a declared missing code (instrument or ``missing_values``)    treated as missing
wjx_skip                Wenjuanxing skip codes -3 (skipped) and -2 (not shown)        treated as missing
bad_date                unreadable date in a date column                              set to missing
unknown_level           a categorical value that is none of the declared levels       flagged, kept (set to
                                                                                      missing if it looks
                                                                                      like personal data)
duplicate_respondent    same respondent id, or same answers and background            row excluded
too_many_missing        more than half of the items missing                           row excluded
straight_lining         the same answer to every item of a long or mixed battery      flagged, kept
speeder                 completion time under a third of the median                   flagged, kept
zero_variance           an item every respondent answered identically                 flagged, kept
======================  ============================================================  =====================

The report never holds personal data: the ``pii`` rule names the column only.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------
# Thresholds and codes (each with its source)
# --------------------------------------------------------------------------------------

#: A respondent with more than this fraction of items missing is excluded (issue 2; the
#: same 50 % cut is the usual "at least half answered" rule, e.g. Newman 2014,
#: Organizational Research Methods 17(4), 372-411).
MAX_MISSING_FRACTION = 0.5

#: Speeders: completion time below this fraction of the median time.  Greszki, Meyer &
#: Schoen (2015), "Exploring the effects of removing 'too fast' responses and respondents
#: from web surveys", Public Opinion Quarterly 79(2), 471-503, define speeders relative to
#: the median completion time; one third of the median is the common practical cut.
SPEEDER_FRACTION_OF_MEDIAN = 1 / 3

#: The median is only meaningful with a few durations; fewer than this and no speeder check.
SPEEDER_MIN_DURATIONS = 5

#: Straight-lining: identical answers to all items of a battery of at least this many items
#: (Herzog & Bachman 1981, Public Opinion Quarterly 45(4), 549-559; Kim, Dykema, Stevenson,
#: Black & Moberg 2019, Social Science Computer Review 37(2), 214-233).  A battery with
#: reverse-keyed items on a multi-scale instrument qualifies at any length, because identical
#: answers to opposite statements are contradictory.
STRAIGHT_LINING_MIN_ITEMS = 10

#: Wenjuanxing (问卷星) numeric exports code a question skipped by jump logic as -3 and a
#: question not shown (display logic) as -2; the answer-text export writes "(跳过)" / "(空)".
WJX_SKIP_CODES = (-3.0, -2.0)
WJX_SKIP_TEXTS = ("(跳过)", "跳过", "(未显示)", "未显示")

#: Cell texts that mean "no answer" (blank cells), not a problem to report.
BLANK_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", ".", "(空)", "空", "-"})

RULES = (
    "pii",
    "duplicate_column",
    "extra_header_row",
    "non_numeric",
    "not_a_scale_point",
    "out_of_range",
    "undeclared_code",
    "declared_missing",
    "wjx_skip",
    "bad_date",
    "unknown_level",
    "duplicate_respondent",
    "too_many_missing",
    "straight_lining",
    "speeder",
    "zero_variance",
)

ACTION_SET_MISSING = "set to missing"
ACTION_TREATED_MISSING = "treated as missing"
ACTION_EXCLUDED = "row excluded"
#: A second header row under the header: removed like an excluded row (listed by
#: :meth:`QualityReport.rows_excluded`), so kept + excluded rows = the rows read.
ACTION_HEADER_ROW_SKIPPED = "row skipped (a second header row)"
ACTION_FLAGGED = "flagged, kept"
#: Identical answers mark a duplicated submission (when no respondent id does) only on at
#: least this many answered items: on short surveys different people often give the same
#: answers (a simulated 5-item 1-5 scale, N = 300, has 44 repeated patterns), and dropping
#: them would bias every statistic.  Same bar as the straight-lining rule (Kim et al. 2019).
DUPLICATE_MIN_ANSWERS = 10
ACTION_PII_DROPPED = "column dropped (personal data, values not read into the results)"
ACTION_PII_VALUE = "set to missing (looks like personal data)"
#: What the report shows instead of a cell that looks like personal data.
PERSONAL_DATA_SHOWN_AS = "(personal data, not shown)"
#: A cell that looks like personal data typed where an answer belongs: an e-mail address, a
#: Chinese mobile or landline number, any run of 9+ digits (phone, ID-card number, QQ), an
#: IPv4 address, a WeChat id.  Dates, codes like -99 and answers like 10 do not match.
_PERSONAL_DATA_VALUE = re.compile(
    r"[^@\s]+@[^@\s]+\.[^@\s]+"
    r"|(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{2,3}[\s-]\d{7,8}(?!\d)"
    r"|\d{9,}"
    r"|(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"
    r"|wxid_",
    re.IGNORECASE,
)


#: Cells that are personal data beyond doubt (a whole column of them is personal data,
#: whatever its header says): an e-mail address, a Chinese mobile or landline number, an
#: 18-digit resident ID number, an IPv4 address.  Long plain numbers (ids, revenue) are not.
_PERSONAL_DATA_CELL = re.compile(
    r"\s*(?:[^@\s]+@[^@\s]+\.[^@\s]+"
    r"|(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
    r"|0\d{2,3}[\s-]\d{7,8}"
    r"|\d{17}[\dXx]"
    r"|\d{1,3}(?:\.\d{1,3}){3})\s*",
    re.IGNORECASE,
)
#: Share of a column's answered cells that must be such values for the column to be dropped.
PERSONAL_DATA_COLUMN_SHARE = 0.5


def is_pii_column(values: pd.Series | Iterable[Any]) -> bool:
    """Whether a column's cells are mostly personal data (e-mails, phone or ID numbers, IPs).

    Catches personal data under headers no list can foresee ("Contact info", "客户代表").

    Examples
    --------
    >>> is_pii_column(["13812345678", "139-0000-1111", ""]), is_pii_column(["C001", "C002"])
    (True, False)
    """
    # each distinct text is judged once (a million-row column has few distinct texts)
    counts = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    answered = {v: n for v, n in counts.value_counts(dropna=True).items() if not is_blank(v)}
    total = sum(answered.values())
    if not total:
        return False
    hits = sum(
        n
        for v, n in answered.items()
        if _PERSONAL_DATA_CELL.fullmatch(unicodedata.normalize("NFKC", str(v))) is not None
    )
    return hits >= max(1, PERSONAL_DATA_COLUMN_SHARE * total)


def looks_like_personal_data(text: Any) -> bool:
    """Whether a cell's text looks like personal data (e-mail, phone, ID number, IP address).

    Examples
    --------
    >>> looks_like_personal_data("li.na@example.cn"), looks_like_personal_data("138-1234-5678")
    (True, True)
    >>> looks_like_personal_data("2019-06-01"), looks_like_personal_data("-99")
    (False, False)
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return False
    return _PERSONAL_DATA_VALUE.search(unicodedata.normalize("NFKC", str(text))) is not None


COLUMNS = ("row", "column", "rule", "value", "action")

# --------------------------------------------------------------------------------------
# Personal data recognised by column name
# --------------------------------------------------------------------------------------

#: Column names (normalised: case-folded, without spaces, ``_``, ``-``) that hold personal data.
PII_NAMES = frozenset(
    {
        # Chinese
        "姓名", "名字", "联系人", "联系人姓名", "手机", "手机号", "手机号码", "电话", "联系电话",
        "电话号码", "联系方式", "邮箱", "电子邮箱", "电子邮件", "邮件", "来自ip", "ip", "ip地址",
        "负责人", "填表人", "填写人",
        "地址", "详细地址", "身份证", "身份证号", "微信", "微信号", "qq", "qq号",
        # English / platform exports
        "name", "fullname", "firstname", "lastname", "contactname", "contactperson",
        "respondentname", "contact", "email", "mail", "emailaddress", "phone", "phonenumber", "mobile",
        "mobilephone", "telephone", "tel", "cellphone", "ipaddress", "address",
        "streetaddress", "recipientemail", "recipientfirstname", "recipientlastname",
        "locationlatitude", "locationlongitude", "wechat", "idcard",
        "company", "companyname", "organisation", "organization", "organisationname",
        "organizationname", "employer", "nickname", "username", "userid", "idnumber", "ssn",
        "ipv4", "ipv6", "ipaddr", "wechatid", "weixin", "mobilenumber", "mobileno",
        "telephoneno", "phoneno", "telno", "昵称", "用户名", "公司", "公司名称", "单位",
        "单位名称", "工作单位", "客户名称", "机构名称", "学校名称", "医院名称", "微信id",
        "qq号码", "微信号码", "身份证号码",
    }
)  # fmt: skip
#: Leading words of a question asking for personal data ("您的姓名", "请填写手机号").
_PII_PREFIXES = ("您的", "你的", "请填写", "请输入", "请留下", "your")
_PII_SUFFIXES = ("email", "phone", "phonenumber", "ipaddress", "emailaddress")
#: Endings that make a Chinese header personal data whatever precedes them (客户姓名,
#: 联系人手机, 负责人电话, 家庭住址...).
_PII_SUFFIXES_ZH = (
    "姓名", "手机", "手机号", "手机号码", "电话", "电话号码", "邮箱", "电子邮箱", "身份证号",
    "身份证号码", "微信号", "住址", "负责人", "联系人", "地址", "邮件", "邮件地址", "qq号",
    "qq号码", "微信号码",
)  # fmt: skip
#: Words that make a header personal data wherever they stand ("E-mail地址", "电子邮件地址").
_PII_ANYWHERE = ("e-mail", "email地址", "emailaddress", "邮箱", "电子邮件", "身份证", "ip地址")
#: A renamed duplicate header ("姓名 (2)", "Name.1", "name_2") is still that header, and a
#: trailing remark in brackets ("地址(省市区)", "Name (optional)") does not change what it asks.
_DUPLICATE_SUFFIX = re.compile(r"(?:\s*[(（][^()（）]*[)）]|\.\d+|_\d+)\s*$")
_QUESTION_NUMBER = re.compile(r"^\s*(?:q|第)?\s*\d+\s*(?:题)?\s*[、.．:：)）]\s*", re.IGNORECASE)


def _squash(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return re.sub(r"[\s_\-:：?？*.。()（）]+", "", text)


def is_pii_name(column: str) -> bool:
    """Whether a column name announces personal data (name, phone, e-mail, IP address...).

    Parameters
    ----------
    column : str
        A column header as exported; a question number prefix (``"5、"``) is ignored.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_pii_name("来自IP"), is_pii_name("5、您的手机号"), is_pii_name("city")
    (True, True, False)
    """
    raw = _QUESTION_NUMBER.sub("", str(column))
    if _squash(raw) in PII_NAMES:  # "Tel." / "ID number" before the duplicate-suffix rule
        return True
    key = _squash(_DUPLICATE_SUFFIX.sub("", unicodedata.normalize("NFKC", raw)))
    if any(word in _squash(raw) or word in raw.casefold() for word in _PII_ANYWHERE):
        return True
    for prefix in _PII_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key[len(prefix) :]
            break
    return (
        key in PII_NAMES
        or any(key.endswith(s) for s in _PII_SUFFIXES)
        or any(key.endswith(s) for s in _PII_SUFFIXES_ZH)
    )


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


class Problem(NamedTuple):
    """One row of a :class:`QualityReport` (``row`` is ``None`` for column-level problems)."""

    row: int | None
    column: str
    rule: str
    value: str
    action: str


@dataclass(frozen=True, eq=False)
class QualityReport:
    """What screening found: one row per problem (``row, column, rule, value, action``).

    ``row`` is the row as a spreadsheet shows the file (header = row 1, first data row = 2;
    Qualtrics data start at row 4); it is empty for problems that concern a whole column.
    ``value`` is the cell as written in the file, never personal data.

    Examples
    --------
    >>> rep = QualityReport.from_problems([Problem(3, "idn1", "out_of_range", "9", ACTION_SET_MISSING)])
    >>> len(rep), rep.summary().to_dict()
    (1, {'out_of_range': 1})
    """

    table: pd.DataFrame

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> QualityReport:
        """Build a report from :class:`Problem` records, ordered by row (column problems first)."""
        rows = list(problems)
        order = {r: i for i, r in enumerate(RULES)}
        rows.sort(key=lambda p: (-1 if p.row is None else p.row, order.get(p.rule, 99)))
        table = pd.DataFrame(
            {
                "row": pd.array([p.row for p in rows], dtype="Int64"),
                "column": pd.Series([p.column for p in rows], dtype=object),
                "rule": pd.Series([p.rule for p in rows], dtype=object),
                # the report never repeats personal data typed into a cell (DESIGN: personal
                # data never reaches a report); the row and column still locate it
                "value": pd.Series(
                    [
                        PERSONAL_DATA_SHOWN_AS
                        if p.rule != "pii" and looks_like_personal_data(p.value)
                        else p.value
                        for p in rows
                    ],
                    dtype=object,
                ),
                "action": pd.Series([p.action for p in rows], dtype=object),
            }
        )
        return cls(table)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table (columns ``row, column, rule, value, action``)."""
        return self.table.copy()

    def __len__(self) -> int:
        return len(self.table)

    def summary(self) -> pd.Series:
        """Number of problems per rule, in the order of :data:`RULES` (rules found only)."""
        counts = self.table["rule"].value_counts()
        ordered = [r for r in RULES if r in counts.index] + [
            r for r in counts.index if r not in RULES
        ]
        return counts.reindex(ordered).astype(int).rename("count").rename_axis("rule")

    def to_records(self) -> list[dict[str, Any]]:
        """Plain records (JSON-ready: ``row`` is an int or ``None``)."""
        out = []
        for p in self.table.itertuples(index=False):
            out.append(
                {
                    "row": None if pd.isna(p.row) else int(p.row),
                    "column": str(p.column),
                    "rule": str(p.rule),
                    "value": str(p.value),
                    "action": str(p.action),
                }
            )
        return out

    def rows_excluded(self) -> list[int]:
        """Rows removed from the results, in order: excluded respondents and skipped header rows.

        Examples
        --------
        >>> rep = QualityReport.from_problems([
        ...     Problem(2, "", "extra_header_row", "", ACTION_HEADER_ROW_SKIPPED),
        ...     Problem(5, "", "too_many_missing", "3 of 4", ACTION_EXCLUDED),
        ...     Problem(6, "a1", "non_numeric", "abc", ACTION_SET_MISSING)])
        >>> rep.rows_excluded()
        [2, 5]
        """
        t = self.table
        gone = t["action"].str.startswith(ACTION_EXCLUDED) | (
            t["action"] == ACTION_HEADER_ROW_SKIPPED
        )
        return sorted({int(r) for r in t.loc[gone & t["row"].notna(), "row"]})

    def __repr__(self) -> str:
        if not len(self):
            return "QualityReport(no problems)"
        parts = ", ".join(f"{rule} {n}" for rule, n in self.summary().items())
        return f"QualityReport({len(self)} problems: {parts})"


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def normalise_text(text: Any) -> str:
    """Text for comparing labels and headers: NFKC, case-folded, without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).casefold())


def parse_number(text: str) -> float | None:
    """A finite number written in a cell (full-width digits allowed), or ``None``.

    ``1e400`` overflows to infinity: no survey answer, so it is not a number here.
    """
    t = unicodedata.normalize("NFKC", text).strip()
    if _NUMBER.match(t):
        value = float(t)
        return value if math.isfinite(value) else None
    return None


def is_blank(text: Any) -> bool:
    """Whether a cell text means "no answer" (see :data:`BLANK_MARKERS`)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return normalise_text(text) in BLANK_MARKERS


def looks_like_missing_code(value: float) -> bool:
    """Whether an out-of-range number looks like a missing-data code.

    Negative integers (-1, -9, -99, -999) and runs of nines (99, 999, 9999, also 98/998,
    97/997 "don't know"/"refused" codes) are the codes SPSS users and survey platforms write
    for missing answers.
    """
    if not float(value).is_integer():
        return False
    v = int(value)
    return v < 0 or re.fullmatch(r"9+[789]", str(v)) is not None


# Without a declared response range only the nines family counts (-9, -99, 97, 98, 99, 999
# ...): -1 or -2 may be answers of a centred scale, and a positive 9 a point of 0-10 scales.
_CODE_DIGITS = re.compile(r"9+[789]?")
# A candidate code is treated as missing only if at least this many distinct other answers
# exist and it lies beyond their range by more than the range's width plus this margin
# (-99 or 99 next to answers 1..10; not 97 next to 93..96, nor 9 on a 1..8 scale).
_CODE_MIN_DISTINCT = 3
_CODE_MARGIN = 2.0


def _looks_like_code(value: float) -> bool:
    # the reader's notion of a missing code (screening.looks_like_missing_code: negative
    # integers, 97/98/99, 999 ...), narrowed to the nines family
    return (
        looks_like_missing_code(value)
        and abs(value) >= 9
        and _CODE_DIGITS.fullmatch(str(abs(int(value)))) is not None
    )


def undeclared_missing_codes(items: pd.DataFrame) -> dict[str, list[float]]:
    """Values of each numeric column that look like undeclared missing-value codes.

    DESIGN §5: declared codes become NaN when a file is read, and undeclared out-of-range
    values are never used as numbers.  A table handed straight to an analysis function has
    not been through the reader, so each column's extreme values are checked: an integer
    such as -99, -9, 99, 999 or 998 (not 9, a point of 0-10 scales) that lies far outside
    the column's other answers (by more than their range + 2, with at least three distinct
    other answers) is a code.

    Parameters
    ----------
    items : pandas.DataFrame
        Item columns.

    Returns
    -------
    dict
        {column: [codes]} for the columns holding such values (empty when there are none).

    Examples
    --------
    >>> undeclared_missing_codes(pd.DataFrame({"a": [1, 2, 3, 4, -99], "b": [1, 2, 3, 4, 5]}))
    {'a': [-99.0]}
    """
    found: dict[str, list[float]] = {}
    for name in items.columns:
        col = items[name]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        low, high = col.min(), col.max()
        if not (pd.notna(low) and (_looks_like_code(low) or _looks_like_code(high))):
            continue
        values = np.sort(pd.unique(col.dropna()).astype(float))
        plain = values[[not _looks_like_code(v) for v in values]]
        if plain.size < _CODE_MIN_DISTINCT:
            continue
        lo, hi = float(plain.min()), float(plain.max())
        reach = hi - lo + _CODE_MARGIN
        codes = [
            float(v) for v in values if _looks_like_code(v) and (v < lo - reach or v > hi + reach)
        ]
        if codes:
            found[str(name)] = codes
    return found


def drop_undeclared_codes(items: pd.DataFrame, stacklevel: int = 3) -> tuple[pd.DataFrame, str]:
    """``items`` with undeclared missing-value codes set to NaN, and a sentence ("" if none).

    The sentence is also issued as a :class:`UserWarning`, so that such values are flagged,
    never used as numbers (see :func:`undeclared_missing_codes`).
    """
    found = undeclared_missing_codes(items)
    if not found:
        return items, ""
    out = items.copy()
    for name, codes in found.items():
        column = next(c for c in out.columns if str(c) == name)
        out[column] = out[column].where(~out[column].isin(codes))
    listed = ", ".join(f"{n} ({', '.join(f'{v:g}' for v in c)})" for n, c in found.items())
    every = sorted({v for c in found.values() for v in c})
    sentence = (
        f"Item column(s) {listed} hold values that look like undeclared missing-value codes, "
        "far outside the other answers; they were treated as missing (declare them when "
        f"reading, e.g. read_responses(path, missing_values=[{', '.join(f'{v:g}' for v in every)}]))."
    )
    warnings.warn(sentence, UserWarning, stacklevel=stacklevel)
    return out, sentence


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class ItemRules:
    """How the cells of one item column are read."""

    low: float | None = None
    high: float | None = None
    #: normalised label text -> code (zh and en point labels)
    labels: Mapping[str, float] | None = None
    missing_codes: frozenset[float] = frozenset()
    skip_codes: frozenset[float] = frozenset()


def parse_item_column(
    raw: pd.Series, column: str, rules: ItemRules
) -> tuple[pd.Series, list[Problem]]:
    """Turn the cell texts of one item into numbers, reporting every cell not used as a number.

    Parameters
    ----------
    raw : Series of str
        Cell texts, indexed by spreadsheet row number.
    column : str
        Item id used in the report.
    rules : ItemRules
        Response range (``None`` infers it from the values that do not look like missing
        codes), point labels, declared missing codes and platform skip codes.

    Returns
    -------
    values : Series of float
        The answers, NaN where the cell was blank or flagged.
    problems : list of Problem

    Examples
    --------
    >>> vals, probs = parse_item_column(pd.Series(["1", "9", "abc"], index=[2, 3, 4]), "q1", ItemRules(1, 5))
    >>> vals.tolist(), [p.rule for p in probs]
    ([1.0, nan, nan], ['out_of_range', 'non_numeric'])
    """
    labels = rules.labels or {}
    skip_texts = {normalise_text(t) for t in WJX_SKIP_TEXTS} if rules.skip_codes else set()
    # classify each distinct text once: (number or None, rule or None, action)
    parsed: dict[str, tuple[float | None, str | None]] = {}
    for text in pd.unique(raw.astype(str)):
        key = normalise_text(text)
        if key in skip_texts:
            parsed[text] = (None, "wjx_skip")
        elif key in BLANK_MARKERS:
            parsed[text] = (None, None)
        elif key in labels:
            parsed[text] = (float(labels[key]), "")
        else:
            num = parse_number(text)
            parsed[text] = (num, "" if num is not None else "non_numeric")
    numbers = [v for v, rule in parsed.values() if rule == "" and v is not None]
    low, high = rules.low, rules.high
    if low is None or high is None:  # no instrument: the range the plain answers span
        plain = [
            v
            for v in numbers
            if v not in rules.missing_codes
            and v not in rules.skip_codes
            and not looks_like_missing_code(v)
        ]
        low = min(plain) if plain else None
        high = max(plain) if plain else None
        check_points = False
    else:
        check_points = True

    def classify(v: float) -> str:
        if v in rules.missing_codes:
            return "declared_missing"
        if v in rules.skip_codes:
            return "wjx_skip"
        if low is not None and high is not None and (v < low or v > high):
            return "undeclared_code" if looks_like_missing_code(v) else "out_of_range"
        if low is None and looks_like_missing_code(v):
            return "undeclared_code"
        if check_points and not float(v).is_integer():
            return "not_a_scale_point"
        return ""

    verdict: dict[str, tuple[float, str]] = {}
    for text, (v, rule) in parsed.items():
        if rule is None:
            verdict[text] = (np.nan, "")
        elif rule == "":
            r = classify(v)  # type: ignore[arg-type]
            verdict[text] = (np.nan if r else float(v), r)  # type: ignore[arg-type]
        else:
            verdict[text] = (np.nan, rule)
    texts = raw.astype(str)
    # each distinct text was judged once above; spread the verdicts by factorize codes
    codes, distinct = pd.factorize(texts, use_na_sentinel=False)
    value_of = np.array([verdict[t][0] for t in distinct], dtype=float)
    rule_of = np.array([verdict[t][1] for t in distinct], dtype=object)
    values = pd.Series(value_of[codes], index=raw.index, name=column)
    flagged = (rule_of != "")[codes]
    problems = []
    for row, text, rule in zip(
        texts.index[flagged], texts[flagged], rule_of[codes[flagged]], strict=True
    ):
        if rule:
            action = (
                ACTION_TREATED_MISSING
                if rule in ("declared_missing", "wjx_skip")
                else ACTION_SET_MISSING
            )
            problems.append(Problem(int(row), column, rule, text.strip(), action))
    return values, problems


_DURATION_PARTS = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*(?:小时|h|hr|hours?))?\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|m|min|minutes?))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:秒钟|秒|s|sec|seconds?))?$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def parse_duration(text: str) -> float | None:
    """Seconds from a duration cell: ``125``, ``"125秒"``, ``"2分5秒"``, ``"00:02:05"``.

    Examples
    --------
    >>> parse_duration("125秒"), parse_duration("2分5秒"), parse_duration("0:02:05")
    (125.0, 125.0, 125.0)
    """
    t = unicodedata.normalize("NFKC", str(text)).strip()
    num = parse_number(t)
    if num is not None:
        return num
    m = _CLOCK.match(t)
    if m:
        h, mi, s = m.groups()
        return float(h or 0) * 3600 + float(mi) * 60 + float(s)
    m = _DURATION_PARTS.match(t)
    if m and any(m.groups()):
        h, mi, s = (float(x) if x else 0.0 for x in m.groups())
        return h * 3600 + mi * 60 + s
    return None


def parse_meta_column(
    raw: pd.Series,
    column: str,
    kind: str | None,
    missing_codes: frozenset[float] = frozenset(),
    level_for: Any = None,
) -> tuple[pd.Series, list[Problem]]:
    """Type one background column: numeric, duration (seconds), datetime or text.

    ``kind`` is the instrument's metadata type, or ``None`` for an undeclared column (numbers
    when every answered cell is a number, text otherwise).  ``level_for`` maps a raw value to
    a declared categorical level (values matching none are kept and flagged).
    """
    texts = raw.astype(str).str.strip()
    # plain unsigned integers (ids, counts) are neither blank nor unparsable, so only the
    # other cells need the per-cell checks (a million-row id column then costs no loop)
    plain = texts.str.fullmatch(r"[0-9]{1,15}").to_numpy(dtype=bool, na_value=False)
    others = np.flatnonzero(~plain)
    other_texts = texts.iloc[others].tolist()
    blank_mask = np.zeros(len(texts), dtype=bool)
    blank_mask[others] = [is_blank(t) for t in other_texts]
    blank = pd.Series(blank_mask, index=texts.index)
    problems: list[Problem] = []
    if kind in (None, "numeric", "duration"):
        parse = parse_duration if kind == "duration" else parse_number
        number = np.full(len(texts), np.nan)
        number[plain] = texts[plain].astype(float).to_numpy()
        unparsed = np.zeros(len(texts), dtype=bool)
        for pos, text in zip(others, other_texts, strict=True):
            if not blank_mask[pos]:
                v = parse(text)
                if v is None:
                    unparsed[pos] = True
                else:
                    number[pos] = v
        if kind is None:
            kind = "numeric" if (~blank_mask).any() and not unparsed.any() else "text"
            if kind == "text":
                return texts.where(~blank, None).astype(object), problems
        declared = ~blank_mask & ~unparsed & np.isin(number, list(missing_codes))
        for pos in np.flatnonzero(unparsed | declared):
            row, text = texts.index[pos], texts.iloc[pos]
            if unparsed[pos]:
                problems.append(Problem(int(row), column, "non_numeric", text, ACTION_SET_MISSING))
            else:
                problems.append(
                    Problem(int(row), column, "declared_missing", text, ACTION_TREATED_MISSING)
                )
        kept = np.where(blank_mask | unparsed | declared, np.nan, number)
        return pd.Series(kept, index=raw.index, dtype=float, name=column), problems
    if kind == "datetime":
        stamps = pd.to_datetime(texts.where(~blank), errors="coerce", format="mixed")
        for row in texts.index[(~blank) & stamps.isna()]:
            problems.append(Problem(int(row), column, "bad_date", texts[row], ACTION_SET_MISSING))
        return stamps.rename(column), problems
    out = texts.where(~blank, None).astype(object)
    if level_for is not None:
        mapped = []
        for (row, text), empty in zip(out.items(), blank_mask, strict=True):
            if empty or text is None or (isinstance(text, float) and math.isnan(text)):
                # a blank cell is a missing answer, not an unknown level (pandas 3 gives NaN
                # here, not None)
                mapped.append(None)
                continue
            level = level_for(text)
            if level is None and looks_like_personal_data(text):
                # a phone number or e-mail typed into a category would become a group label
                # in every table
                problems.append(Problem(int(row), column, "unknown_level", text, ACTION_PII_VALUE))
                mapped.append(None)
            elif level is None:
                problems.append(Problem(int(row), column, "unknown_level", text, ACTION_FLAGGED))
                mapped.append(text)
            else:
                mapped.append(level)
        out = pd.Series(mapped, index=raw.index, dtype=object, name=column)
    return out, problems


# --------------------------------------------------------------------------------------
# Respondents and items
# --------------------------------------------------------------------------------------


def find_duplicate_respondents(
    items: pd.DataFrame,
    meta: pd.DataFrame,
    id_columns: Sequence[str] = (),
    ignore_columns: Sequence[str] = (),
    min_answers: int = 0,
) -> list[Problem]:
    """Later copies of a respondent: same id, or the same answers and background.

    The first occurrence is kept.  With ``id_columns`` (the instrument's ``id`` metadata),
    rows sharing a non-blank id are copies.  Otherwise-identical rows (every item and every
    background column except ``ignore_columns`` such as submission times and serial
    numbers) are copies too; rows without any answer are left to ``too_many_missing``.
    Identical answers are only evidence of a copy when they carry information: rows that
    answer fewer than ``min_answers`` items, or give one answer to every item (a straight
    line, reported by its own rule), are never copies by content -- different people give
    such patterns by chance (:data:`DUPLICATE_MIN_ANSWERS`).

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1.0, 2, 1], "b": [3.0, 4, 3]}, index=[2, 3, 4])
    >>> [(p.row, p.action) for p in find_duplicate_respondents(items, pd.DataFrame(index=items.index))]
    [(4, 'row excluded (same answers and background as row 2)')]
    """
    problems: list[Problem] = []
    flagged: set[int] = set()
    for col in id_columns:
        if col not in meta:
            continue
        ids = meta[col].astype(object).where(meta[col].notna(), None)
        # only an id written more than once can mark a copy: loop over those rows alone
        keys = ids.map(lambda v: None if v is None else str(v).strip())
        ids = ids[(keys.duplicated(keep=False) & keys.notna()).to_numpy(dtype=bool)]
        first: dict[Any, int] = {}
        for row, value in ids.items():
            if value is None or is_blank(value):
                continue
            key = str(value).strip()
            if key in first:
                problems.append(
                    Problem(int(row), col, "duplicate_respondent", key,
                            f"{ACTION_EXCLUDED} (same {col} as row {first[key]})")
                )  # fmt: skip
                flagged.add(int(row))
            else:
                first[key] = int(row)
    keep_meta = [c for c in meta.columns if c not in set(ignore_columns)]
    n_answered = items.notna().sum(axis=1).to_numpy()
    spread = (items.max(axis=1) - items.min(axis=1)).to_numpy(dtype=float)
    answered = (n_answered >= max(1, min_answers)) & (spread > 0)
    if not answered.any():
        return problems
    # equal rows (a missing answer equals a missing answer) share a group; the first row of a
    # group is kept and later ones are copies of it
    columns = [items.iloc[:, j] for j in range(items.shape[1])]
    columns += [meta[c].astype(object).astype(str) for c in keep_meta]
    group = pd.factorize(_row_groups(columns)[answered])[0]
    rows = items.index[answered]
    copies = pd.Series(group).duplicated(keep="first").to_numpy()
    first_row = pd.Series(rows).groupby(group).transform("first").to_numpy()
    for row, seen in zip(rows[copies], first_row[copies], strict=True):
        if int(row) not in flagged:
            problems.append(
                Problem(int(row), "", "duplicate_respondent", f"row {seen}",
                        f"{ACTION_EXCLUDED} (same answers and background as row {seen})")
            )  # fmt: skip
            flagged.add(int(row))
    return problems


def _row_groups(columns: Sequence[pd.Series]) -> np.ndarray:
    """Group number of each row over ``columns``: equal rows share one (first-seen order).

    A missing number equals a missing number; a missing text equals a blank text.
    """
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    n_codes = 1  # codes lie in [0, n_codes)
    for column in columns:
        if not pd.api.types.is_float_dtype(column):
            column = column.where(column.notna(), "")  # a missing text equals a blank one
        column_codes, uniques = pd.factorize(column, use_na_sentinel=False)
        if n_codes * (len(uniques) + 1) >= 2**62:  # renumber before the product could overflow
            codes, distinct = pd.factorize(codes)
            n_codes = len(distinct)
        codes = codes * len(uniques) + column_codes
        n_codes *= len(uniques)
    return pd.factorize(codes)[0]


def find_too_many_missing(
    items: pd.DataFrame, max_fraction: float = MAX_MISSING_FRACTION
) -> list[Problem]:
    """Respondents with more than ``max_fraction`` of the items missing (flagged cells count).

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, np.nan], "c": [3.0, 1.0]}, index=[2, 3])
    >>> [(p.row, p.value) for p in find_too_many_missing(items)]
    [(3, '2 of 3 items missing')]
    """
    n = items.shape[1]
    if n == 0:
        return []
    missing = items.isna().sum(axis=1)
    missing = missing[(missing / n > max_fraction).to_numpy(dtype=bool)]
    return [
        Problem(int(row), "", "too_many_missing", f"{int(k)} of {n} items missing",
                f"{ACTION_EXCLUDED} (more than {max_fraction:.0%} of items missing)")
        for row, k in missing.items()
    ]  # fmt: skip


def straight_lining_battery(
    items: pd.DataFrame, instrument: Any = None, min_items: int = STRAIGHT_LINING_MIN_ITEMS
) -> list[str]:
    """The items checked for straight-lining (empty when the check does not apply).

    The battery is the largest group of items sharing one response scale (an NPS item on
    0..10 is not compared with 1..5 items).  It qualifies when it has at least ``min_items``
    items, or when the instrument has several scales and the battery holds reverse-keyed
    items (identical answers to opposite statements are contradictory).
    """
    if instrument is None:
        battery = list(items.columns)
        return battery if len(battery) >= min_items else []
    groups: dict[tuple[int, int], list[str]] = {}
    for it in instrument.items:
        if it.id in items.columns:
            groups.setdefault((it.response_scale.min, it.response_scale.max), []).append(it.id)
    if not groups:
        return []
    battery = max(groups.values(), key=len)
    has_reverse = any(instrument.item(i).reverse for i in battery)
    if len(battery) >= min_items or (
        len(instrument.scales) >= 2 and has_reverse and len(battery) >= 2
    ):
        return battery
    return []


def find_straight_liners(
    items: pd.DataFrame,
    instrument: Any = None,
    min_items: int = STRAIGHT_LINING_MIN_ITEMS,
    exclude: bool = False,
) -> list[Problem]:
    """Respondents giving the same answer to every answered item of the battery.

    A respondent is flagged when they answered at least ``min(min_items, battery size)``
    items of the battery (see :func:`straight_lining_battery`) and all answers are equal.
    Flagged rows are kept unless ``exclude``.
    """
    battery = straight_lining_battery(items, instrument, min_items)
    if not battery:
        return []
    need = min(min_items, len(battery))
    sub = items if list(items.columns) == list(battery) else items[battery]
    answered = sub.notna().sum(axis=1)
    values = sub.to_numpy(dtype=float, copy=False)
    with np.errstate(invalid="ignore"):  # rows without answers: NaN spread, never flagged
        spread = pd.Series(
            np.fmax.reduce(values, axis=1) - np.fmin.reduce(values, axis=1), index=sub.index
        )
    action = f"{ACTION_EXCLUDED} (straight-lining)" if exclude else ACTION_FLAGGED
    same = sub.index[((answered >= need) & (spread == 0)).to_numpy(dtype=bool)]
    return [
        Problem(int(row), "", "straight_lining",
                f"all {int(answered[row])} answers = {_fmt(sub.loc[row].dropna().iloc[0])}", action)
        for row in same
    ]  # fmt: skip


def find_speeders(
    durations: pd.Series,
    fraction: float = SPEEDER_FRACTION_OF_MEDIAN,
    exclude: bool = False,
) -> list[Problem]:
    """Respondents faster than ``fraction`` of the median completion time (seconds).

    Needs at least :data:`SPEEDER_MIN_DURATIONS` durations.  Flagged rows are kept unless
    ``exclude``.

    References
    ----------
    Greszki, R., Meyer, M., & Schoen, H. (2015). Exploring the effects of removing "too fast"
    responses and respondents from web surveys. Public Opinion Quarterly, 79(2), 471-503.

    Examples
    --------
    >>> d = pd.Series([300.0, 310, 290, 305, 60], index=[2, 3, 4, 5, 6], name="所用时间")
    >>> [(p.row, p.value) for p in find_speeders(d)]
    [(6, '60 s (median 300 s)')]
    """
    d = pd.to_numeric(durations, errors="coerce").dropna()
    if len(d) < SPEEDER_MIN_DURATIONS:
        return []
    median = float(d.median())
    action = f"{ACTION_EXCLUDED} (speeder)" if exclude else ACTION_FLAGGED
    return [
        Problem(int(row), str(durations.name), "speeder",
                f"{_fmt(v)} s (median {_fmt(median)} s)", action)
        for row, v in d.items()
        if v < fraction * median
    ]  # fmt: skip


def find_zero_variance(items: pd.DataFrame) -> list[Problem]:
    """Items every respondent answered identically (at least two answers)."""
    problems = []
    for col in items.columns:
        vals = items[col].dropna()
        if len(vals) >= 2 and vals.nunique() == 1:
            problems.append(
                Problem(None, str(col), "zero_variance",
                        f"all {len(vals)} answers = {_fmt(vals.iloc[0])}", ACTION_FLAGGED)
            )  # fmt: skip
    return problems


def screen_respondents(
    items: pd.DataFrame,
    meta: pd.DataFrame,
    *,
    instrument: Any = None,
    id_columns: Sequence[str] = (),
    ignore_for_duplicates: Sequence[str] = (),
    duration_column: str | None = None,
    max_missing_fraction: float = MAX_MISSING_FRACTION,
    straight_lining_min_items: int = STRAIGHT_LINING_MIN_ITEMS,
    exclude_straightliners: bool = False,
    exclude_speeders: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Row- and column-level rules, in order: duplicates, too many missing, straight-lining,
    speeders (among the rows still in), zero-variance items (among the rows kept).

    Returns the kept ``items`` and ``meta`` and the problems found.
    """
    problems: list[Problem] = []

    def drop(found: list[Problem]) -> None:
        nonlocal items, meta
        problems.extend(found)
        gone = [p.row for p in found if p.action.startswith(ACTION_EXCLUDED)]
        if gone:  # (dropping nothing would still copy a million-row table)
            items = items.drop(index=gone)
            meta = meta.drop(index=gone)

    drop(
        find_duplicate_respondents(
            items, meta, id_columns, ignore_for_duplicates, min_answers=DUPLICATE_MIN_ANSWERS
        )
    )
    drop(find_too_many_missing(items, max_fraction_checked(max_missing_fraction)))
    drop(find_straight_liners(items, instrument, straight_lining_min_items, exclude_straightliners))
    if duration_column is not None and duration_column in meta:
        drop(find_speeders(meta[duration_column], exclude=exclude_speeders))
    problems.extend(find_zero_variance(items))
    return items, meta, problems


def max_fraction_checked(value: float) -> float:
    """``value`` if it is a fraction in [0, 1], else :class:`ValueError`."""
    if not 0 <= float(value) <= 1:
        raise ValueError(f"max_missing_fraction must lie in [0, 1], not {value}.")
    return float(value)
