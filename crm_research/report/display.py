"""How the report shows things: prose, numbers, tables, and every data value escaped once.

Numbers: :func:`display_frame` turns a table into text cells in the report language (ids as
labels, p-values ``< .001`` style, counts without decimals, money with separators, percents
with one decimal); :func:`format_p` and :func:`short_citation` are its small helpers.

Escaping: a data value (a category typed in an export, an item's wording, a city name) is
text, never markup.  :func:`display_frame` returns plain text (the path a Word document
takes); :func:`html_table` escapes each cell and header once for HTML; :func:`prose` and
:func:`left_out_note` escape the values they put into Markdown.  Nothing else in the
report writes a data value into HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# the report's one rounding rule lives where the findings can use it too (stage order)
from crm_research.findings.wording import (  # re-exported
    DECIMALS,
    fixed_text,
    format_number,
    format_p,
    format_p_apa,
)
from crm_research.report.text import (
    COLUMN_LABELS,
    ID_LABELS,
    NOTEBOOK_TEXT,
    QUALITY_RULE_LABELS,
    QUALITY_VALUE_HIDDEN,
    check_lang,
    quality_text,
)
from crm_research.report.text import text as catalogue_text
from crm_research.report.typeset import zh_punctuation  # re-exported

__all__ = [
    "COUNT_COLUMNS",
    "DECIMALS",
    "FIT_UPPER_LIMITS",
    "MONEY_COLUMNS",
    "NOTHING",
    "PERCENT_COLUMNS",
    "P_VALUE_COLUMNS",
    "SIMULATED_NOTE_ROLE",
    "HtmlBlock",
    "NothingToShow",
    "Prose",
    "SimulatedNote",
    "display_frame",
    "escape_markdown",
    "format_number",
    "format_p",
    "format_p_apa",
    "headline",
    "html_table",
    "left_out_note",
    "prose",
    "quality_log_frame",
    "quality_value",
    "short_citation",
    "shorten",
    "without_label",
    "zh_punctuation",
]

#: Characters of an item's wording shown after its id (about one line of a table).
LABEL_CHARS = {"zh": 16, "en": 40}
#: Whether a language separates words by spaces (a shortened label ends at a word).
WORD_SPACED = {"zh": False, "en": True}


def escape_markdown(value: object) -> str:
    """A data value as literal text inside Markdown prose: its HTML markup escaped.

    Markup typed into an export (``<b>``, ``<script>``) shows as text; numbers pass unchanged.

    Examples
    --------
    >>> escape_markdown("<b>Evil</b>")
    '&lt;b&gt;Evil&lt;/b&gt;'
    >>> escape_markdown(3)
    '3'
    """
    if isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    return html.escape(str(value), quote=False)


@dataclass(frozen=True)
class Prose:
    """Markdown text that a notebook displays as rendered prose."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


#: Output metadata that marks the SIMULATED DATA notice of a notebook: JupyterLab readers see
#: it in every notebook, the HTML report shows it once, as the title page's banner.
SIMULATED_NOTE_ROLE = "simulated-note"


@dataclass(frozen=True)
class SimulatedNote(Prose):
    """The SIMULATED DATA notice of a notebook (left out of the HTML report's chapters)."""

    def _repr_markdown_(self) -> tuple[str, dict[str, str]]:  # type: ignore[override]
        return self.markdown, {"crm-role": SIMULATED_NOTE_ROLE}


@dataclass(frozen=True)
class HtmlBlock:
    """Ready HTML (escaped text) that a notebook displays as is."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return re.sub(r"<[^>]+>", "", self.html)


def prose(key: str, lang: str, **values: object) -> Prose:
    """The package's prose ``key`` (:data:`NOTEBOOK_TEXT`) in ``lang`` as displayable Markdown.

    Parameters
    ----------
    key : str
    lang : {"zh", "en"}
    **values
        ``str.format`` values.

    Returns
    -------
    Prose

    Examples
    --------
    >>> prose("dq.title", "en").markdown.splitlines()[0]
    '# 1 Data and data quality'
    """
    safe = {name: escape_markdown(value) for name, value in values.items()}
    return Prose(catalogue_text(NOTEBOOK_TEXT, key, lang, **safe))


class NothingToShow:
    """What a notebook displays when a section has nothing to add: no output at all.

    (``display(None)`` would print ``None``.)  It is false in an ``if``.
    """

    def _ipython_display_(self) -> None:
        return None

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return ""


NOTHING = NothingToShow()


def _section_heading(key: str, lang: str) -> str:
    """The Markdown heading that opens the prose ``key`` (``""`` when it has none)."""
    first = NOTEBOOK_TEXT[key][lang].split("\n", 1)[0]
    return first if first.startswith("#") else ""


def left_out_note(reason: str, lang: str, section: str | None = None) -> Prose:
    """A section that is left out: its heading (from the prose ``section``) and ``reason``.

    Parameters
    ----------
    reason : str
        One sentence in ``lang`` naming why the section cannot run on these data.
    lang : {"zh", "en"}
    section : str, optional
        Key of the section's prose (:data:`~crm_research.report.text.NOTEBOOK_TEXT`); its
        heading line is shown above the reason.

    Returns
    -------
    Prose

    Examples
    --------
    >>> print(left_out_note("It is left out.", "en", "cs.ipa").markdown)
    ## 3.3 Importance–performance analysis
    <BLANKLINE>
    It is left out.
    """
    heading = _section_heading(section, check_lang(lang)) if section else ""
    reason = escape_markdown(reason)
    return Prose(f"{heading}\n\n{reason}" if heading else reason)


def without_label(note: str, label: str) -> str:
    """``note`` without a leading ``label`` (the banner shows the label in bold already)."""
    if note.casefold().startswith(label.casefold()):
        return re.sub(r"^[。.:：\s]+", "", note[len(label) :])
    return note


FIT_UPPER_LIMITS = frozenset({"rmsea", "srmr"})
#: Columns shown as p-values (``< .001`` style, APA 7th ed. §6.36).
P_VALUE_COLUMNS = frozenset(
    {"p_value", "pvalue", "p_holm", "wilcoxon_p", "wilcoxon_p_holm", "pvalue_diff",
     "observed_p_value", "pvalue_metric", "pvalue_scalar"}
)  # fmt: skip
#: Columns shown as whole numbers.
COUNT_COLUMNS = frozenset(
    {"n", "k", "customers", "respondents", "problems", "n_customers", "df", "row", "groups",
     "n_employees", "k_items", "n_groups", "n_min", "df_diff", "rank", "n_boot"}
)
#: Columns of money amounts (thousands separators, no decimals).
MONEY_COLUMNS = frozenset({"revenue", "total_revenue"})
#: Columns holding percentages (one decimal).
PERCENT_COLUMNS = frozenset(
    {
        "percent",
        "percent_customers",
        "percent_revenue",
        "percent_agreement",
        "pct_promoters",
        "pct_passives",
        "pct_detractors",
        "nps",
    }
)
COUNT_EVIDENCE = frozenset({"n", "customers", "cities", "a_customers", "mercenary_n"})
SEVERITY_ORDER = {"major": 0, "moderate": 1, "minor": 2, "info": 3}


#: Screening rules whose ``value`` is the cell as typed in the export (the other rules write
#: a value of their own: "20 of 28 items missing", "column G", ...).
_CELL_TEXT_RULES = frozenset(
    {
        "non_numeric",
        "not_a_scale_point",
        "out_of_range",
        "undeclared_code",
        "declared_missing",
        "wjx_skip",
        "bad_date",
        "unknown_level",
        "duplicate_respondent",
    }
)
#: A cell the quality log repeats as typed: a short number (a code such as -99, 9 or 3.5).
_SHORT_NUMBER = re.compile(r"[+-]?\d{1,6}(?:\.\d{1,4})?")
#: Signs of personal data in a cell: an e-mail address, a long digit run (phone, ID-card or
#: QQ number, also with separators), an IPv4 address, a WeChat id.
_PERSONAL_DATA = re.compile(
    r"@|\d[\d\s\-()]{5,}\d|\d{1,3}(?:\.\d{1,3}){3}|wxid|https?://", re.IGNORECASE
)
#: What a figure or table label shows instead of a label that looks like personal data.
HIDDEN_LABEL = "***"


def shown_label(text: Any) -> str:
    """A category label as the report shows it: ``***`` when it looks like personal data.

    The report's own check (independent of screening's), for labels that reach a figure
    or table from a file screening never reads (the ledger) or from a cell it missed.

    Examples
    --------
    >>> shown_label("Baoding"), shown_label("139-1234-5678"), shown_label("a@b.cn")
    ('Baoding', '***', '***')
    """
    label = str(text)
    return HIDDEN_LABEL if _PERSONAL_DATA.search(label) else label


#: A respondent id or unknown category the quality log repeats: a short code of ASCII
#: letters, digits, ``_`` and ``-`` (``C004``, ``R_5xyz``); a name in Chinese characters or
#: with a space (``张伟``, ``Oliver Smith``) is not repeated.
_CODE_LIKE = re.compile(r"[A-Za-z0-9_\-]{1,20}")


def quality_value(rule: str, value: Any, lang: str) -> str:
    """The ``value`` of a screening problem as the report shows it (never personal data).

    The report repeats a cell only when it cannot hold personal data: short numbers (codes
    such as ``-99`` or ``9``), Wenjuanxing skip marks, and unknown categories or repeated
    respondent ids that are short ASCII codes (``C004``) without a long digit run.
    Free text typed into an answer (``non_numeric``, ``bad_date``) is never repeated;
    ``pii`` problems have no value.  ``crm-research validate`` still lists every cell.

    Parameters
    ----------
    rule : str
        Screening rule (:data:`crm_research.screening.RULES`).
    value : object
        The problem's value as screening wrote it.
    lang : {"zh", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> quality_value("out_of_range", "9", "en"), quality_value("out_of_range", "13812345678", "en")
    ('9', '(text not shown)')
    >>> quality_value("non_numeric", "abc", "zh"), quality_value("too_many_missing", "20 of 28 items missing", "zh")
    ('(文本,不予显示)', '28 个题项中缺失 20 个')
    """
    text = "" if value is None or value != value else str(value).strip()
    if not text or rule == "pii":
        return ""
    if rule not in _CELL_TEXT_RULES:
        return quality_text(text, lang)
    if _SHORT_NUMBER.fullmatch(text):
        return text
    if rule == "wjx_skip" and len(text) <= 8 and not _PERSONAL_DATA.search(text):
        return text
    if rule == "duplicate_respondent" and re.fullmatch(r"row \d+", text):
        return quality_text(text, lang)
    if (
        rule in ("unknown_level", "duplicate_respondent")
        and _CODE_LIKE.fullmatch(text)
        and not _PERSONAL_DATA.search(text)
    ):
        return text
    return QUALITY_VALUE_HIDDEN[lang]


def quality_log_frame(log: Any, lang: str) -> Any:
    """The screening log as the report shows it: rules and actions in words, no personal data.

    Parameters
    ----------
    log : DataFrame
        Columns ``row, column, rule, value, action`` (and optionally ``input``).
    lang : {"zh", "en"}

    Returns
    -------
    DataFrame
        The same columns; ``value`` through :func:`quality_value`, ``rule`` and ``action``
        in the report language.
    """
    out = log.copy()
    rules = [str(r) for r in log["rule"].tolist()]
    out["value"] = [
        quality_value(r, v, lang) for r, v in zip(rules, log["value"].tolist(), strict=True)
    ]
    out["action"] = [quality_text(str(a), lang) for a in log["action"].tolist()]
    out["rule"] = [QUALITY_RULE_LABELS.get(r, {}).get(lang, r) for r in rules]
    return out


def shorten(text: str, lang: str, limit: int | None = None) -> str:
    """The start of ``text`` (about 16 CJK characters or 40 Latin ones) with an ellipsis."""
    text = " ".join(str(text).split())
    limit = limit or LABEL_CHARS[lang]
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if WORD_SPACED[lang] and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:，。；：、(（") + "…"


#: Longest headline of a problem or action in the summary and the plan (characters): a
#: CJK character carries about two Latin ones.
HEADLINE_CHARS = {"en": 140, "zh": 70}
_OPENING, _CLOSING = "(（[【“", ")）]】”"


def _top_level(text: str) -> list[tuple[int, str, int]]:
    """``(position, character, bracket depth)`` of each character of ``text``."""
    out, depth = [], 0
    for k, ch in enumerate(text):
        if ch in _CLOSING:
            depth = max(depth - 1, 0)
        out.append((k, ch, depth))
        if ch in _OPENING:
            depth += 1
    return out


def headline(problem: str, lang: str | None = None) -> str:
    """The headline of a problem statement or an action: its first clause.

    The text up to the first colon, semicolon or sentence end outside brackets (a colon
    inside "(thesis §4.4.1: ...)" does not end it).  A headline longer than
    :data:`HEADLINE_CHARS` loses its bracketed asides, and only then is it shortened at a
    word, so that it never ends inside an open bracket.

    Examples
    --------
    >>> headline("Customization needs work (thesis §4.4.1: per project): more text")
    'Customization needs work (thesis §4.4.1: per project)'
    >>> headline("客户沟通及互动不足:客户对“客户互动”的平均评分为 2.07。")
    '客户沟通及互动不足'
    >>> headline("The weakest item is idn3 (" + "x " * 80 + "): mean 1.74")
    'The weakest item is idn3'
    """
    text = " ".join(str(problem).split())
    if lang is None:
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
    limit = HEADLINE_CHARS.get(lang, HEADLINE_CHARS["en"])
    end = len(text)
    for k, ch, depth in _top_level(text):
        after = text[k + 1 : k + 2]
        if depth == 0 and (ch in ":：;；。" or (ch == "." and after in ("", " "))):
            end = k
            break
    head = text[:end].strip()
    if len(head) <= limit:
        return head
    # too long: without its bracketed asides, else shortened at a word
    kept = "".join(ch for _, ch, depth in _top_level(head) if depth == 0 and ch not in _OPENING + _CLOSING)
    kept = " ".join(kept.split()).replace(" ,", ",")
    return kept if len(kept) <= limit else shorten(kept, lang, limit)


def short_citation(reference: str) -> str:
    """``"Surname & Surname, 2004"`` from an APA reference; other texts up to their first ``(``.

    Examples
    --------
    >>> short_citation("Peppers, D., & Rogers, M. (2004). Managing customer relationships.")
    'Peppers & Rogers, 2004'
    >>> short_citation("Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). Applied.")
    'Cohen et al., 2003'
    >>> short_citation("Anonymous (n.d.). D公司客户关系管理优化研究 [D-company study] (Master's thesis).")
    'D公司客户关系管理优化研究, n.d.'
    """
    # no author: the title takes the author's place (APA 7th ed. §8.14)
    anonymous = re.match(r"^(?:Anonymous|佚名)\s*\((?P<year>\d{4}|n\.d\.)\)\.\s*(?P<title>[^\[(.]+)", reference)
    if anonymous:
        return f"{anonymous.group('title').strip()}, {anonymous.group('year')}"
    match = re.match(r"^(?P<authors>[^()]+?)\s*\((?P<year>\d{4})\)", reference)
    if not match:
        return reference.split(" (")[0].strip()
    authors = match.group("authors")
    names = [a.strip() for a in re.split(r",\s*(?:&\s*)?(?=[A-Z][\w'’-]+,)|\s&\s", authors)]
    surnames = [n.split(",")[0].strip() for n in names if n.strip()]
    if len(surnames) >= 3:
        who = f"{surnames[0]} et al."
    elif len(surnames) == 2:
        who = f"{surnames[0]} & {surnames[1]}"
    else:
        who = surnames[0] if surnames else authors
    return f"{who}, {match.group('year')}"


def display_frame(
    frame: Any,
    lang: str,
    labels: Mapping[str, str],
    item_labels: Mapping[str, str] | None = None,
    decimals: int = 2,
) -> Any:
    """A table as the report shows it: every cell text in ``lang``, headers in words.

    Ids become their labels (``item`` columns: the item id with the start of its wording),
    booleans yes/no (是/否), p-value columns ``< .001`` style, counts without decimals,
    money with thousands separators, percentages with one decimal, other numbers with
    ``decimals``; missing values ``—``.  The CSV files keep the machine-readable values.

    Parameters
    ----------
    frame : DataFrame
    lang : {"zh", "en"}
    labels : mapping
        Id -> label in ``lang``.
    item_labels : mapping, optional
        Item id -> label, used in columns named ``item``.
    decimals : int

    Returns
    -------
    DataFrame
        Same shape, every cell a string, columns renamed.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": [150.0], "p_value": [1e-5], "met": [True], "mean": [2.1712]})
    >>> display_frame(t, "zh", {}).iloc[0].tolist()
    ['150', '< .001', '是', '2.17']
    """
    yes, no = ID_LABELS["yes"][lang], ID_LABELS["no"][lang]
    item_labels = item_labels or {}
    out = pd.DataFrame(index=frame.index)

    def cell(column: str, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "—"
        if isinstance(value, bool | np.bool_):
            return yes if value else no
        if isinstance(value, str):
            if column == "item" and value in item_labels:
                return item_labels[value]
            return labels.get(value, value)
        if isinstance(value, int | float | np.integer | np.floating):
            v = float(value)
            if column in P_VALUE_COLUMNS:
                return format_p(v)
            if column in COUNT_COLUMNS and v.is_integer():
                return f"{v:,.0f}"
            if column in MONEY_COLUMNS:
                return f"{v:,.0f}"
            if column in PERCENT_COLUMNS:
                return f"{v:.1f}"
            return fixed_text(v, decimals) if np.isfinite(v) else str(v)  # the one rounding rule
        return str(value)

    for position, column in enumerate(frame.columns):
        name = str(column)
        values = frame.iloc[:, position]
        out[position] = [cell(name, v) for v in values.tolist()]
    out.columns = [
        COLUMN_LABELS.get(str(c), {}).get(lang) or labels.get(str(c), str(c)) for c in frame.columns
    ]
    return out


def html_table(shown: pd.DataFrame, table: str | None = None) -> Any:
    """A displayed table (:func:`display_frame`) for HTML: every cell and header escaped once.

    Parameters
    ----------
    shown : DataFrame
        Text cells, as :func:`display_frame` returns them.
    table : str, optional
        Name of the study table the cells come from; the HTML table carries it as
        ``data-crm-table`` (a reader or a test finds the numbers in ``tables/<name>.csv``).

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> styler = html_table(pd.DataFrame({"<i>x</i>": ["<b>Evil</b>"]}), "cities")
    >>> html = styler.to_html()
    >>> "&lt;b&gt;Evil&lt;/b&gt;" in html and "<b>" not in html
    True
    >>> 'data-crm-table="cities"' in html and "&lt;i&gt;x&lt;/i&gt;" in html
    True
    """
    styler = shown.style.format(escape="html").format_index(escape="html", axis=1)
    if table is not None:
        styler = styler.set_table_attributes(f'data-crm-table="{html.escape(table)}"')
    return styler.hide(axis="index")
