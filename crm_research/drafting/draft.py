"""The draft itself: columns classified, scales and ids made, YAML written (see the package)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from crm_research.drafting.grid import layout, read_grid
from crm_research.drafting.labels import (
    LIKERT_SETS,
    fit_label_set,
    is_zh,
    norm_label,
    numbered_labels,
)
from crm_research.errors import InputError
from crm_research.readers import PLATFORM_META_KINDS, QUALTRICS_META
from crm_research.screening import (
    WJX_SKIP_CODES,
    WJX_SKIP_TEXTS,
    is_blank,
    is_pii_column,
    is_pii_name,
    looks_like_missing_code,
    normalise_text,
    parse_number,
)

__all__ = ["Draft", "draft_instrument"]

#: Exploratory factor analysis suggests scales only with at least this many complete
#: respondents per item (the 5:1 rule of thumb; Gorsuch 1983, *Factor Analysis*, 2nd ed.;
#: Hair et al. 2010, *Multivariate Data Analysis*, 7th ed.).
EFA_MIN_RESPONDENTS_PER_ITEM = 5
#: An item is suggested for the factor on which it loads highest when that loading reaches
#: .40 (Hair et al. 2010: loadings of +-.40 are the minimum for interpretation; Stevens 2002).
EFA_SALIENT_LOADING = 0.40
#: A text column with more distinct answers than this is free text, not a categorical question.
MAX_CATEGORY_LEVELS = 30
#: Numeric answers with at most this many distinct whole values in 0..10 are scale points.
MAX_SCALE_POINTS = 11
#: A text answer given by at most this share of a question's respondents (or once) may be a
#: stray answer, left out when the others form a known scale.
RARE_LABEL_SHARE = 0.02

_RECOMMEND = re.compile(r"推荐|净推荐|recommend|\bnps\b|net promoter", re.IGNORECASE)
_DATETIME_VALUE = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
#: Background questions whose numeric codes are categories, not scale points.
_BACKGROUND = re.compile(
    r"性别|年龄段|城市|地区|省份|所在地|行业|单位类型|客户类型|类型|学历|职位|岗位|部门|收入|"
    r"gender|\bsex\b|city|region|province|country|sector|industry|type|education|role|"
    r"department|position|income",
    re.IGNORECASE,
)
_NUMERIC_META = re.compile(r"年龄|年限|工龄|人数|age\b|years|tenure|number of", re.IGNORECASE)
_DATETIME_NAME = re.compile(r"时间|日期|date|time", re.IGNORECASE)
_DURATION_NAME = re.compile(r"所用时间|用时|时长|耗时|duration|seconds", re.IGNORECASE)
_ID_NAME = re.compile(r"^(?:id|respondent|编号|序号|.+[_ ]id|.+编号)$", re.IGNORECASE)
_WJX_HEADER = re.compile(
    r"^\s*(?:Q|第)?\s*(\d+)\s*(?:题)?\s*[、.．:：]\s*(.*)$", re.IGNORECASE | re.S
)
_WJX_MATRIX = re.compile(
    r"^\s*(?:Q|第)?\s*(\d+)\s*(?:题)?\s*[(（](.+)[)）]\s*$", re.IGNORECASE | re.S
)
_QUALTRICS_ID = re.compile(r"^Q(?:ID)?(\d+)(?:[_.](\d+))?$", re.IGNORECASE)
_STEM_SPLIT = re.compile(r"\s+-\s+|—+|－+|--")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_WJX_META_IDS = {
    "序号": ("respondent", "id"),
    "提交答卷时间": ("submitted_at", "datetime"),
    "所用时间": ("duration_seconds", "duration"),
    "来源": ("source", "text"),
    "来源详情": ("source_detail", "text"),
    "来自IP": ("ip_address", "pii"),
}
_QUALTRICS_PII = {"IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                  "LocationLatitude", "LocationLongitude"}  # fmt: skip


@dataclass(frozen=True)
class Draft:
    """A drafted instrument: its YAML text and what was recognised.

    Attributes
    ----------
    text : str
        The instrument YAML, with comments marking what the user must check.
    platform : str
        ``wenjuanxing``, ``qualtrics`` or ``table``.
    n_respondents : int
        Data rows of the export.
    columns : DataFrame
        One row per export column: ``header``, ``id``, ``kind`` (``item`` or a metadata type),
        ``response_scale`` (items) and ``levels`` (categorical columns).
    notes : tuple of str
        Sentences on what to check (label orders unknown, numeric scales, ...).
    """

    text: str
    platform: str
    n_respondents: int
    columns: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def items(self) -> list[str]:
        """Item ids, in export order."""
        return self.columns.loc[self.columns["kind"] == "item", "id"].tolist()

    def write(self, path: str | Path) -> Path:
        """Write the YAML to ``path`` (UTF-8) and return it."""
        p = Path(path)
        try:
            p.write_text(self.text, encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"{p}: cannot be written ({exc.strerror or type(exc).__name__})."
            ) from None
        return p

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`columns`."""
        return self.columns.copy()

    def __repr__(self) -> str:
        kinds = Counter(self.columns["kind"])
        parts = ", ".join(f"{n} {k}" for k, n in kinds.items())
        return f"Draft({self.platform}, {self.n_respondents} respondents: {parts})"


@dataclass
class _Col:
    pos: int
    header: str
    question: str
    cells: list[str]
    number: int | None = None
    sub: str | None = None
    stem: str = ""
    id: str = ""
    kind: str = ""  # "item" or a metadata type
    scale: str | None = None  # response scale id (items)
    levels: list[str] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # level -> codes (twin)


# --------------------------------------------------------------------------------------
# The draft
# --------------------------------------------------------------------------------------


def _flow(value: Any) -> str:
    """``value`` as one line of flow-style YAML."""
    text = yaml.safe_dump(
        value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10**9
    )
    return text.strip().removesuffix("...").strip()


def _slug(text: str) -> str:
    s = re.sub(r"[^0-9a-zA-Z]+", "_", unicodedata.normalize("NFKC", text)).strip("_").lower()
    return s or "x"


def _parse_header(col: _Col, platform: str) -> None:
    """Question number, sub-question and stem of a column, from its header and text."""
    if platform == "qualtrics":
        m = _QUALTRICS_ID.match(col.header)
        if m:
            col.number = int(m.group(1))
            col.sub = m.group(2)
        parts = _STEM_SPLIT.split(col.question, maxsplit=1)
        col.stem = parts[0].strip() if len(parts) == 2 else ""
        return
    m = _WJX_MATRIX.match(col.header)
    if m:
        col.number, col.sub = int(m.group(1)), m.group(2).strip()
        col.question = col.sub
        return
    m = _WJX_HEADER.match(col.header)
    if m:
        col.number = int(m.group(1))
        col.question = m.group(2).strip() or col.header
    parts = _STEM_SPLIT.split(col.question, maxsplit=1)
    if len(parts) == 2:
        col.stem, col.sub = parts[0].strip(), parts[1].strip()


def _meta_kind(col: _Col, platform: str, answered: list[str]) -> tuple[str, str] | None:
    """(id, type) of a platform or personal-data column, else ``None``."""
    h = col.header
    if platform == "wenjuanxing" and h in _WJX_META_IDS:
        return _WJX_META_IDS[h]
    if platform == "qualtrics" and h in QUALTRICS_META:
        if h in _QUALTRICS_PII:
            return _slug(re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", h)), "pii"
        kind = PLATFORM_META_KINDS.get(h, "numeric" if h == "Progress" else "text")
        name = (
            "duration_seconds"
            if kind == "duration"
            else _slug(re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", h))
        )
        return name, kind
    if is_pii_name(h) or (answered and is_pii_column(pd.Series(answered))):
        return "", "pii"
    return None


def draft_instrument(
    path: str | Path,
    *,
    prefix: str = "q",
    sheet: str | int | None = None,
    encoding: str | None = None,
    instrument_id: str | None = None,
    efa_seed: int = 0,
    labels_from: str | Path | None = None,
) -> Draft:
    """Draft an instrument YAML from a survey export.

    Parameters
    ----------
    path : str or Path
        Wenjuanxing (answer-text or numeric-code), Qualtrics (three header rows) or plain
        CSV/XLSX export.
    prefix : str
        Start of the ids made from question numbers (``q`` gives ``q3``, ``q5_1``).
    sheet : str or int, optional
        Excel sheet (name or position from 0).
    encoding : str, optional
        CSV text encoding (default UTF-8, then GB18030).
    instrument_id : str, optional
        The instrument's id (default: the file name as an id).
    efa_seed : int
        Seed of the parallel analysis that picks the number of factors for suggestions.
    labels_from : str or Path, optional
        The answer-text twin of a numeric-code export (Wenjuanxing exports both: same
        columns, same rows): each code gets the label written in the same cell of the twin,
        so the draft keeps the export's codes and knows their labels (and reads both files).

    Returns
    -------
    Draft
        ``.text`` is the YAML; ``.write(path)`` saves it.

    Raises
    ------
    InputError
        One sentence naming the file: unreadable, empty, no question columns, a bad prefix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.csv").write_text(
    ...     "序号,提交答卷时间,1、服务很及时,2、我愿意推荐给朋友\\n"
    ...     "1,2024/5/1 10:00,同意,9\\n2,2024/5/1 11:00,非常同意,10\\n", encoding="utf-8")
    >>> draft = draft_instrument(folder / "x.csv")
    >>> draft.columns[["id", "kind", "response_scale"]].values.tolist()[2:]
    [['q1', 'item', 'agree5'], ['q2', 'item', 'nps']]
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file.")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", prefix or ""):
        raise InputError(
            f"--prefix '{prefix}' is not an id start (letters, digits, _; a letter first)."
        )
    grid = [r for r in read_grid(p, sheet, encoding)]
    if not any(any(c for c in r) for r in grid):
        raise InputError(f"{p}: is empty (no header and no data).")
    platform, header, texts, start = layout(grid)
    body = [r + [""] * (len(header) - len(r)) for r in grid[start:]]
    body = [r for r in body if any(c for c in r)]
    if not body:
        raise InputError(f"{p}: has a header but no data rows.")
    skip_texts = {normalise_text(t) for t in WJX_SKIP_TEXTS}
    skip_codes = set(WJX_SKIP_CODES) if platform == "wenjuanxing" else set()
    twin = _twin_labels(p, header, body, labels_from, sheet, encoding, skip_texts)
    cols: list[_Col] = []
    for pos, h in enumerate(header):
        cells = [r[pos] for r in body]
        if not h and not any(cells):
            continue
        q = texts[pos] if platform == "qualtrics" and texts[pos] else h
        col = _Col(pos, h or f"column {pos + 1}", q, cells)
        twice = next(
            (c for c in cols if normalise_text(c.header) == normalise_text(col.header)), None
        )
        if twice is not None:
            raise InputError(
                f"{p}: has two columns named '{col.header}' (columns {twice.pos + 1} and "
                f"{pos + 1}); rename one in the export before drafting."
            )
        _parse_header(col, platform)
        cols.append(col)

    notes: list[str] = []
    missing: set[float] = set()
    skips_seen = False
    answered_of: dict[int, list[str]] = {}
    for col in cols:
        answered = []
        for c in col.cells:
            if is_blank(c):
                skips_seen |= normalise_text(c) == normalise_text("(空)")
                continue
            if normalise_text(c) in skip_texts:
                skips_seen = True
                continue
            answered.append(c)
        answered_of[col.pos] = answered
        meta = _meta_kind(col, platform, answered)
        if meta is not None:
            col.id, col.kind = meta
            continue
        nums = [parse_number(c) for c in answered]
        if answered and all(v is not None for v in nums):
            values = [float(v) for v in nums if v is not None]
            codes = {v for v in values if v in skip_codes or looks_like_missing_code(v)}
            if codes & skip_codes:
                skips_seen = True
            plain = sorted({v for v in values if v not in codes})
            whole = all(v.is_integer() for v in plain)
            if _DATETIME_NAME.search(col.header) and not whole:
                col.kind = "numeric"
            elif _DURATION_NAME.search(col.header):
                col.kind = "duration"
            elif _ID_NAME.match(col.header):
                col.kind = "id"
            elif _NUMERIC_META.search(col.question) or not whole or not plain:
                col.kind = "numeric"
            elif _BACKGROUND.search(col.question) and not _RECOMMEND.search(col.question):
                col.kind = "categorical"
                col.levels = [str(int(v)) for v in plain]
                if twin.get(col.pos):
                    names = twin[col.pos]
                    col.levels = [names.get(int(v), str(int(v))) for v in plain]
                    col.aliases = {names[int(v)]: [str(int(v))] for v in plain if int(v) in names}
            elif len(plain) <= MAX_SCALE_POINTS and plain[0] >= 0 and plain[-1] <= 10:
                col.kind = "item"
                missing |= codes - skip_codes
                col.levels = [str(int(v)) for v in plain]  # codes seen
            else:
                col.kind = "numeric"
            continue
        if any(v is None for v in nums) and any(v is not None for v in nums):
            # numbers mixed with words: labels carrying numbers, else free text
            pass
        distinct = list(dict.fromkeys(answered))
        if not distinct:
            col.kind = "text"
        elif all(_DATETIME_VALUE.match(v) for v in distinct) or (
            _DATETIME_NAME.search(col.header)
            and pd.to_datetime(pd.Series(distinct), errors="coerce", format="mixed").notna().all()
        ):
            col.kind = "datetime"
        elif _DURATION_NAME.search(col.header):
            col.kind = "duration"
        elif _ID_NAME.match(col.header):
            col.kind = "id"
        else:
            col.kind = "labels"  # decided below, with the other columns of its question
            col.levels = distinct

    # --- text answers: a known scale, numbered labels, a shared unknown set, or categories ---
    groups: dict[Any, list[_Col]] = {}
    for col in cols:
        if col.kind == "labels":
            key = ("n", col.number) if col.number is not None else ("s", col.stem or col.pos)
            groups.setdefault(key, []).append(col)
    set_count = Counter(frozenset(c.levels) for c in cols if c.kind == "labels")
    scales: dict[str, dict[str, Any]] = {}
    unknown_sets: dict[frozenset[str], str] = {}
    for members in groups.values():
        pooled = list(dict.fromkeys(lab for c in members for lab in c.levels))
        fit = fit_label_set(pooled)
        if fit is None and len(pooled) > 3:
            # a stray answer ("不知道", a typo) must not hide a scale: retry without rare texts
            counts = Counter(a for c in members for a in answered_of[c.pos] if a in set(c.levels))
            total = sum(counts.values())
            common = [lab for lab in pooled if counts[lab] > max(1, RARE_LABEL_SHARE * total)]
            fit = fit_label_set(common) if len(common) >= 3 else None
            if fit is not None:
                stray = [lab for lab in pooled if lab not in common]
                notes.append(
                    f"The answers {', '.join(stray)} of {members[0].header} are not points of "
                    f"its scale: reading flags them (non_numeric); declare them or fix the data."
                )
        numbered = numbered_labels(pooled) if fit is None else None
        shared = len(members) > 1 or set_count[frozenset(members[0].levels)] > 1
        if fit is not None:
            name, codes = fit
            points = LIKERT_SETS[name]
            labels = {}
            for i, (zh, en, _other) in enumerate(points, start=1):
                lab = {"zh": zh, "en": en}
                seen = next((t for t, c in codes.items() if c == i), None)
                if seen is not None and norm_label(seen) not in (norm_label(zh), norm_label(en)):
                    lab["zh" if is_zh(seen) else "en"] = seen
                labels[i] = lab
            sid = name
            if sid in scales and scales[sid]["labels"] != labels:
                sid = f"{name}_{sum(k.startswith(name) for k in scales) + 1}"
            scales.setdefault(sid, {"min": 1, "max": len(points), "labels": labels,
                                    "note": f"ordered as the known {name[:-1]} {name[-1]}-point set"})  # fmt: skip
        elif numbered is not None and len(numbered) >= 2:
            lo, hi = min(min(numbered.values()), 1), max(numbered.values())
            sid = f"points{lo}_{hi}"
            labels = {c: lab for lab, c in sorted(numbered.items(), key=lambda x: x[1])}
            if sid in scales and scales[sid]["labels"] != labels:
                sid = f"{sid}_{len(scales) + 1}"
            scales.setdefault(sid, {"min": lo, "max": hi, "labels": labels,
                                    "note": "codes taken from the numbers in the labels"})  # fmt: skip
        elif shared and len(pooled) <= MAX_SCALE_POINTS:
            key = frozenset(pooled)
            if key not in unknown_sets:
                unknown_sets[key] = f"labels{len(unknown_sets) + 1}"
                scales[unknown_sets[key]] = {
                    "min": 1, "max": len(pooled), "labels": dict(enumerate(pooled, start=1)),
                    "note": "ORDER UNKNOWN: not a known Likert set; put these labels in order "
                            "(1 = lowest) before scoring",
                }  # fmt: skip
                notes.append(
                    f"The answer labels {', '.join(pooled)} are not a known scale: order them in "
                    f"response scale '{unknown_sets[key]}'."
                )
            sid = unknown_sets[key]
        else:
            for c in members:
                c.kind = "categorical" if len(c.levels) <= MAX_CATEGORY_LEVELS else "text"
                if c.kind == "text":
                    c.levels = []
            continue
        for c in members:
            c.kind, c.scale = "item", sid

    # --- numeric items: 0-10 recommendation, or numeric scales with unknown labels ---
    num_groups: dict[Any, list[_Col]] = {}
    for col in cols:
        if col.kind == "item" and col.scale is None:
            key = ("n", col.number) if col.number is not None else ("p", col.pos)
            num_groups.setdefault(key, []).append(col)
    numeric_note = False
    # the range most unnumbered items span: an item whose answers lie inside it shares it
    # (nobody chose 5 on one item of a 1..5 battery)
    spans = Counter(
        (0 if int(m[0].levels[0]) == 0 else 1, int(m[0].levels[-1]))
        for k, m in num_groups.items()
        if k[0] == "p" and m[0].levels and not _RECOMMEND.search(m[0].question)
    )
    common = spans.most_common(1)[0][0] if spans else None
    for members in num_groups.values():
        seen = sorted({int(x) for c in members for x in c.levels})
        if common is not None and members[0].number is None and seen:
            if common[0] <= seen[0] and seen[-1] <= common[1]:
                seen = sorted({*seen, *common})
        known = [twin.get(c.pos) for c in members]
        if all(known) and not (len(members) == 1 and _RECOMMEND.search(members[0].question)):
            pooled = {k: v for m in known for k, v in m.items()}  # type: ignore[union-attr]
            sid = _twin_scale(pooled, seen, scales, labels_from)
            for c in members:
                c.scale = sid
            continue
        if len(members) == 1 and _RECOMMEND.search(members[0].question):
            scales["nps"] = {"min": 0, "max": 10, "labels": {
                0: {"zh": "完全不可能", "en": "Not at all likely"},
                10: {"zh": "极有可能", "en": "Extremely likely"}},
                "note": "the 0-10 recommendation question"}  # fmt: skip
            members[0].scale = "nps"
            continue
        lo = 0 if seen[0] == 0 else 1
        hi = max(seen[-1], lo + 1)
        sid = f"codes{lo}_{hi}"
        scales.setdefault(sid, {"min": lo, "max": hi, "labels": {},
                                "note": f"labels unknown: the export holds codes only; range "
                                        f"{lo}..{hi} from the answers seen (widen it if the scale "
                                        f"has points nobody chose, add the labels)"})  # fmt: skip
        numeric_note = True
        for c in members:
            c.scale = sid
    if numeric_note:
        notes.append(
            "Numeric answers without labels got numeric response scales (labels unknown); draft "
            "from the answer-text export for labels, or add them."
        )

    # --- ids ---
    used: set[str] = set()

    def unique(base: str) -> str:
        base = base or "x"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        return name

    for col in cols:
        if col.id:
            col.id = unique(col.id)
    by_number = Counter(c.number for c in cols if not c.id and c.number is not None)
    sub_index: Counter[int] = Counter()
    loose = 0
    for col in cols:
        if col.id:
            continue
        if col.number is not None:
            if by_number[col.number] > 1:
                sub_index[col.number] += 1
                col.id = unique(f"{prefix}{col.number}_{sub_index[col.number]}")
            elif col.sub and col.sub.isdigit():
                col.id = unique(f"{prefix}{col.number}_{col.sub}")
            else:
                col.id = unique(f"{prefix}{col.number}")
        elif _IDENT.match(col.header):
            col.id = unique(col.header.lower())
        elif col.kind == "pii":
            col.id = unique(f"pii_{_slug(col.header)}" if _slug(col.header) != "x" else "pii")
        else:
            loose += 1
            col.id = unique(f"{prefix}{loose}")
    items = [c for c in cols if c.kind == "item"]
    if not items:
        raise InputError(f"{p}: has no question columns with answers to draft items from.")

    text = _render(p, platform, len(body), cols, items, scales, missing, skips_seen,
                   instrument_id, notes, efa_seed)  # fmt: skip
    frame = pd.DataFrame(
        [
            {
                "header": c.header,
                "id": c.id,
                "kind": c.kind,
                "response_scale": c.scale or "",
                "levels": "|".join(c.levels) if c.kind == "categorical" else "",
            }
            for c in cols
        ]
    )
    return Draft(text, platform, len(body), frame, tuple(notes))


def _twin_labels(
    p: Path,
    header: list[str],
    body: list[list[str]],
    labels_from: str | Path | None,
    sheet: str | int | None,
    encoding: str | None,
    skip_texts: set[str],
) -> dict[int, dict[int, str]]:
    """Column position -> {code: label} from the answer-text twin of a code export."""
    if labels_from is None:
        return {}
    t = Path(labels_from)
    if not t.is_file():
        raise InputError(f"{t}: no such file.")
    grid = read_grid(t, sheet, encoding)
    _platform, t_header, _texts, start = layout(grid)
    t_body = [r + [""] * (len(t_header) - len(r)) for r in grid[start:]]
    t_body = [r for r in t_body if any(c for c in r)]
    if [h for h in t_header if h] != [h for h in header if h] or len(t_body) != len(body):
        raise InputError(
            f"{t}: is not the answer-text twin of {p.name} (the columns or the number of rows "
            "differ); export both from the same survey and the same responses."
        )
    out: dict[int, dict[int, str]] = {}
    for pos in range(len(header)):
        pairs: dict[int, str] = {}
        for code_cell, text_cell in zip(
            (r[pos] for r in body), (r[pos] for r in t_body), strict=True
        ):
            v = parse_number(code_cell)
            if v is None or not float(v).is_integer() or is_blank(text_cell):
                continue
            if normalise_text(text_cell) in skip_texts or parse_number(text_cell) is not None:
                continue
            if pairs.setdefault(int(v), text_cell) != text_cell:
                pairs = {}
                break
        if pairs:
            out[pos] = pairs
    return out


def _twin_scale(
    pooled: dict[int, str], seen: list[int], scales: dict[str, dict[str, Any]], twin: Any
) -> str:
    """The response scale of codes labelled by the text twin (the export's codes kept)."""
    lo = min(0 if seen and seen[0] == 0 else 1, min(pooled))
    hi = max(max(pooled), seen[-1] if seen else lo + 1)
    ordered = [pooled[c] for c in sorted(pooled)]
    fit = fit_label_set(ordered)
    labels: dict[int, Any] = {}
    name = "labels"
    # the known set names the labels when its order matches the codes (a constant shift)
    shifts = {fit[1][pooled[c]] - c for c in pooled} if fit is not None else set()
    if fit is not None and len(shifts) == 1:
        name = fit[0]
        points = LIKERT_SETS[name]
        shift = -shifts.pop()
        for i, (zh, en, _other) in enumerate(points, start=1):
            code = i + shift
            if lo <= code <= hi:
                lab = {"zh": zh, "en": en}
                if code in pooled and norm_label(pooled[code]) not in (
                    norm_label(zh),
                    norm_label(en),
                ):
                    lab["zh" if is_zh(pooled[code]) else "en"] = pooled[code]
                labels[code] = lab
    else:
        labels = {c: pooled[c] for c in sorted(pooled)}
    spec = {"min": lo, "max": hi, "labels": labels,
            "note": f"codes of the export, labels from its answer-text twin {Path(twin).name}"}  # fmt: skip
    for sid, other in scales.items():
        if {k: other[k] for k in ("min", "max", "labels")} == {
            k: spec[k] for k in ("min", "max", "labels")
        }:
            return sid
    sid = name if name not in scales else f"{name}{len(scales) + 1}"
    scales[sid] = spec
    return sid


def _suggestions(items: list[_Col], platform: str, efa_seed: int, notes: list[str]) -> list[str]:
    """Comment lines suggesting scales: shared questions, then an EFA where it is allowed."""
    out: list[str] = []
    groups: dict[Any, list[_Col]] = {}
    for c in items:
        if c.scale == "nps":
            continue
        if c.number is not None:
            key: Any = ("n", c.number)
        elif c.stem:
            key = ("s", c.stem)
        else:
            m = re.match(r"^([A-Za-z]+)_?\d+$", c.header)
            key = ("p", m.group(1).lower()) if m else None
        if key is not None:
            groups.setdefault(key, []).append(c)
    stems = [g for g in groups.values() if len(g) > 1]
    if stems:
        out.append("# Items sharing a question (stem):")
        for g in stems:
            key = next(k for k, v in groups.items() if v is g)
            if key[0] == "p":  # sat1, sat2, sat3 -> sat
                name = sid = key[1]
            else:
                name = g[0].stem or f"question {g[0].number}"
                sid = (
                    _slug(g[0].stem)
                    if g[0].stem and not is_zh(g[0].stem)
                    else g[0].id.rsplit("_", 1)[0]
                )
            out.append("# - " + _flow({"id": sid, "name": name, "items": [c.id for c in g]}))
    likert = [c for c in items if c.scale != "nps"]
    frame = pd.DataFrame({c.id: [_code(v, c) for v in c.cells] for c in likert}).dropna()
    k = len(likert)
    if k >= 3 and len(frame) >= EFA_MIN_RESPONDENTS_PER_ITEM * k:
        from crm_research import factor

        try:
            frame = frame.loc[:, frame.std() > 0]
            pa = factor.parallel_analysis(frame, n_iter=20, seed=efa_seed)
            n = max(1, int(pa.n_factors))
            res = factor.efa(frame, n, rotation="oblimin" if n > 1 else None)
        except InputError as exc:
            out.append(f"# (no factor analysis: {exc})")
            return out
        signed = res.loadings
        load = signed.abs()
        out.append(
            f"# By exploratory factor analysis ({len(frame)} complete respondents, {n} factor"
            f"{'s' if n > 1 else ''} by parallel analysis, minres, "
            f"{'oblimin' if n > 1 else 'unrotated'}; items loading >= {EFA_SALIENT_LOADING:.2f}):"
        )
        for j, fac in enumerate(load.columns, start=1):
            members = [i for i in load.index if load.loc[i].idxmax() == fac
                       and load.loc[i, fac] >= EFA_SALIENT_LOADING]  # fmt: skip
            if members:
                out.append("# - " + _flow({"id": f"factor{j}", "items": members}))
                main_sign = 1.0 if signed.loc[members, fac].sum() >= 0 else -1.0
                against = [i for i in members if signed.loc[i, fac] * main_sign < 0]
                if against:
                    out.append(
                        f"#   (loading against the others: {', '.join(against)}; "
                        "reverse-keyed? then reverse: true)"
                    )
        weak = [i for i in load.index if load.loc[i].max() < EFA_SALIENT_LOADING]
        if weak:
            out.append(f"#   (no salient loading: {', '.join(weak)})")
    elif k >= 3:
        out.append(
            f"# (no factor analysis: {len(frame)} complete respondents for {k} items; it needs "
            f"{EFA_MIN_RESPONDENTS_PER_ITEM} per item)"
        )
    return out


def _code(cell: str, col: _Col) -> float:
    """An item cell as its code (NaN when missing or not an answer), for the EFA only."""
    v = parse_number(cell)
    if v is not None:
        return v if col.levels and str(int(v)) in col.levels else float("nan")
    return float(col.__dict__.get("_codes", {}).get(norm_label(cell), float("nan")))


def _render(
    p: Path,
    platform: str,
    n: int,
    cols: list[_Col],
    items: list[_Col],
    scales: dict[str, dict[str, Any]],
    missing: set[float],
    skips_seen: bool,
    instrument_id: str | None,
    notes: list[str],
    efa_seed: int,
) -> str:
    for c in items:  # label -> code, for the EFA of text exports
        labels = scales[c.scale or ""]["labels"]
        c.__dict__["_codes"] = {
            norm_label(t): float(code)
            for code, lab in labels.items()
            for t in (lab.values() if isinstance(lab, dict) else [lab])
        }
    iid = instrument_id or _slug(p.stem)
    lines = [
        f"# Drafted by `crm-research instrument draft` from {p.name} ({platform} export, {n} "
        "respondents).",
        "# CHECK before use: item wording (one language only: add the other as {zh: ..., en: ...}),",
        "# the order of every response scale marked below, reverse-keyed items (reverse: true),",
        "# the scales (suggestions at the end) and the roles.  Schema: surveys/README.md.",
        f"id: {_flow(iid)}",
        f"title: {_flow(p.stem)}",
        "",
        "response_scales:",
    ]
    for sid, spec in scales.items():
        lines.append(f"  # {spec['note']}")
        entry = {"min": spec["min"], "max": spec["max"]}
        lines.append(f"  {sid}:")
        lines.append(f"    min: {entry['min']}")
        lines.append(f"    max: {entry['max']}")
        if spec["labels"]:
            lines.append("    labels:")
            for code, lab in spec["labels"].items():
                lines.append(f"      {code}: {_flow(lab)}")
    lines.append("")
    wjx_skip = sorted(set(WJX_SKIP_CODES)) if platform == "wenjuanxing" and skips_seen else []
    codes = sorted(missing | set(wjx_skip))
    if codes or skips_seen:
        lines.append(
            "# Skipped or unanswered: Wenjuanxing (跳过)/-3 and (空)/-2, and codes such as -99, "
            "are read as missing."
        )
    if codes:
        lines.append(
            f"missing_codes: {_flow([int(c) if float(c).is_integer() else c for c in codes])}"
        )
        lines.append("")
    lines.append("items:")
    for c in items:
        entry: dict[str, Any] = {"id": c.id, "text": c.question, "response_scale": c.scale}
        lines.append(f"  - {_flow(entry)}")
    lines.append("")
    rec = next((c.id for c in items if c.scale == "nps"), None)
    if rec is not None:
        lines.append("scales:")
        lines.append(
            f"  - {_flow({'id': rec, 'name': {'zh': '净推荐值', 'en': 'Net Promoter Score'}, 'items': [rec], 'kind': 'nps'})}"
        )
    else:
        lines.append("scales: []")
    lines.append("# Suggested scales: uncomment, name them (zh/en) and check them before scoring.")
    lines.extend(_suggestions(items, platform, efa_seed, notes))
    lines.append("")
    meta = [c for c in cols if c.kind != "item"]
    if meta:
        lines.append("metadata:")
        for c in meta:
            entry = {"id": c.id, "type": c.kind, "label": c.question if c.question else c.header}
            if c.kind == "categorical" and c.levels:
                entry["levels"] = [
                    {"id": lv, "aliases": c.aliases[lv]} if lv in c.aliases else lv
                    for lv in c.levels
                ]
            comment = (
                "  # personal data: dropped on reading, never shown" if c.kind == "pii" else ""
            )
            lines.append(f"  - {_flow(entry)}{comment}")
        lines.append("")
    lines.append("# Export header -> id (reads this export back as it is).")
    lines.append("columns:")
    for c in cols:
        lines.append(f"  {_flow(c.header)}: {_flow(c.id)}")
    lines.append("")
    lines.append("roles:  # what the scales stand for (surveys/README.md, Roles); fill in:")
    if rec is not None:
        lines.append(f"  recommendation: {rec}")
    lines.extend(
        [
            "  # satisfaction: [satisfaction scale id]",
            "  # loyalty: [loyalty scale id]",
            "  # drivers: [scale ids that drive satisfaction]",
        ]
    )
    cats = [c.id for c in meta if c.kind == "categorical"]
    lines.append(f"  # segments: {_flow(cats)}" if cats else "  # segments: [categorical columns]")
    if rec is None:
        lines.append("  {}")
    return "\n".join(lines) + "\n"
