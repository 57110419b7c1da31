"""Stage 3 of the flow: item keying and scale scores.

Turns item responses (a :class:`~crm_research.readers.Responses` object or a DataFrame of item
columns) into reverse-keyed items, scale scores (means, sums or a 0-100 index), top-box shares
and the Net Promoter Score.  Every function checks its input against the instrument first:
missing item columns and values outside an item's response range raise
:class:`~crm_research.errors.InputError` instead of being used as numbers (screening normally
removes such values before scoring).

Scoring rules
-------------
* **Reverse keying** recodes an item flagged ``reverse: true`` as ``min + max - x`` using the
  item's own response scale (on 1..5, 1 <-> 5, 2 <-> 4, 3 stays).
* **Mean score** (default): the mean of the answered keyed items of a scale, or NaN when fewer
  than ``min_items`` are answered.  ``min_items`` defaults to the scale's ``min_items`` in the
  instrument, else to at least half the scale's items, ``ceil(k / 2)`` (the "half rule" of
  proration; Schafer & Graham 2002; Mazza, Enders & Ruehlman 2015).
* **Sum score**: the plain sum of the keyed items, only when *every* item of the scale is
  answered (NaN otherwise).  Sums are not prorated, so a sum always means the same number of
  items; use the mean or the index when items are missing.
* **Index**: the mean rescaled to 0-100, ``(mean - min) / (max - min) * 100``, with the same
  min-items rule as the mean.
* **NPS scales** (``kind: nps`` in the instrument) are scored as the 0-10 answer itself under
  every ``kind``; :func:`nps` turns those answers into the Net Promoter Score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.instrument import Instrument, Scale, load_instrument

#: Score kinds accepted by :func:`score`.
SCORE_KINDS = ("mean", "sum", "index")
#: Upper end of the 0-100 index of :func:`score` (``kind="index"``).
INDEX_MAX = 100.0
#: Default number of top response points counted by :func:`top_box`: the "top-two-box"
#: convention of satisfaction research (e.g. Morgan & Rego 2006, Marketing Science 25(5)).
TOP_BOXES = 2
#: Net Promoter classes on the 0-10 recommendation question: promoters answer 9-10,
#: passives 7-8, detractors 0-6 (Reichheld 2003, "The one number you need to grow",
#: Harvard Business Review 81(12)).
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
NPS_SCALE_MIN, NPS_SCALE_MAX = 0, 10


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------
def _item_frame(data: Any) -> tuple[pd.DataFrame, str]:
    """The item DataFrame of ``data`` and a phrase naming where it came from."""
    if isinstance(data, pd.DataFrame):
        return data, "the item data"
    items = getattr(data, "items", None)
    if isinstance(items, pd.DataFrame):
        source = getattr(data, "source", None)
        return items, (f"the items of {source}" if source else "the item data")
    raise InputError(
        f"Expected a Responses object or a DataFrame of item columns, got {type(data).__name__}."
    )


def _show(value: Any) -> str:
    """A cell value for an error message: numbers as 7 or 2.5, text quoted."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(str(value))


def _row(label: Any) -> str:
    """A row label for an error message: text quoted, numbers plain."""
    return repr(label) if isinstance(label, str) else str(label)


def _instrument(instrument: Instrument | str) -> Instrument:
    return instrument if isinstance(instrument, Instrument) else load_instrument(instrument)


def _require_columns(frame: pd.DataFrame, needed: Iterable[str], where: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{where} lacks the item column(s) {', '.join(missing)}.")


def _checked_item(
    frame: pd.DataFrame, column: str, instrument: Instrument, where: str
) -> pd.Series:
    """One item column as floats, refusing non-numeric, non-integer and out-of-range codes."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & raw.notna()
    if bad.any():
        row = bad.idxmax()
        raise InputError(
            f"Column '{column}' of {where} holds the non-numeric value {_show(raw[row])} "
            f"in row {_row(row)}."
        )
    rs = instrument.item(column).response_scale
    answered = values.notna()
    outside = answered & ((values < rs.min) | (values > rs.max))
    if outside.any():
        row = outside.idxmax()
        value = values[row]
        hint = (
            " (a declared missing code: read the file with read_responses or set it to NaN)"
            if value in instrument.missing_codes
            else " (screen the data first)"
        )
        raise InputError(
            f"Column '{column}' of {where} holds {value:g} in row {_row(row)}, outside its "
            f"response range {rs.min}..{rs.max}{hint}."
        )
    fractional = answered & (values != np.round(values))
    if fractional.any():
        row = fractional.idxmax()
        raise InputError(
            f"Column '{column}' of {where} holds {values[row]:g} in row {_row(row)}, not one of the "
            f"integer codes {rs.min}..{rs.max}."
        )
    return values


def _scale_bounds(scale: Scale, instrument: Instrument) -> tuple[int, int]:
    bounds = {
        (instrument.item(i).response_scale.min, instrument.item(i).response_scale.max)
        for i in scale.items
    }
    if len(bounds) != 1:
        ranges = " and ".join(f"{lo}..{hi}" for lo, hi in sorted(bounds))
        raise InputError(
            f"Scale '{scale.id}' of instrument '{instrument.id}' mixes response ranges "
            f"{ranges}, so its score is undefined."
        )
    return bounds.pop()


def _default_min_items(n_items: int) -> int:
    # The half rule: a score needs at least half of the scale's items (module docstring).
    return math.ceil(n_items / 2)


def _resolve_min_items(
    scales: Sequence[Scale], min_items: int | Mapping[str, int] | None
) -> dict[str, int]:
    if isinstance(min_items, Mapping):
        known = {sc.id for sc in scales}
        unknown = [k for k in min_items if k not in known]
        if unknown:
            raise InputError(f"min_items names unknown scale '{unknown[0]}'.")
    rule: dict[str, int] = {}
    for sc in scales:
        k = len(sc.items)
        if isinstance(min_items, Mapping):
            wanted = min_items.get(sc.id)
        elif sc.kind == "nps":
            wanted = None  # a one-item scale: answered or not
        else:
            wanted = min_items
        if wanted is None:
            wanted = sc.min_items if sc.min_items is not None else _default_min_items(k)
        if isinstance(wanted, bool) or not isinstance(wanted, (int, np.integer)):
            raise InputError(f"min_items for scale '{sc.id}' must be an integer, got {wanted!r}.")
        if not 1 <= wanted <= k:
            raise InputError(
                f"min_items {wanted} for scale '{sc.id}' is outside 1..{k}, its number of items."
            )
        rule[sc.id] = int(wanted)
    return rule


def _select_scales(instrument: Instrument, scales: Sequence[str] | None) -> list[Scale]:
    if scales is None:
        return list(instrument.scales)
    chosen = []
    for sid in scales:
        try:
            chosen.append(instrument.scale(sid))
        except KeyError:
            raise InputError(
                f"Instrument '{instrument.id}' has no scale '{sid}' "
                f"(it has {', '.join(instrument.scale_ids)})."
            ) from None
    return chosen


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------
def keyed_items(
    responses_or_items: Any,
    instrument: Instrument | str,
    items: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Item columns with reverse-keyed items recoded as ``min + max - x``.

    Parameters
    ----------
    responses_or_items : Responses or pandas.DataFrame
        A :class:`~crm_research.readers.Responses` object (its ``.items`` are used) or a
        DataFrame whose columns are item ids of ``instrument``.
    instrument : Instrument or str
        The instrument (or its name) that says which items are reversed and their ranges.
    items : sequence of str, optional
        The items to return, in this order.  By default every column of the data, each of
        which must then be an item of ``instrument``.

    Returns
    -------
    pandas.DataFrame
        Float columns, same index as the input; reverse-keyed items recoded on their own
        response scale, the others unchanged, missing answers left as NaN.

    Raises
    ------
    InputError
        When a requested item column is missing, a column is not an item of the instrument,
        or a value is non-numeric, not an integer code or outside the item's response range.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = load_instrument("d_company_customer")
    >>> keyed_items(pd.DataFrame({"loy1": [5, 2], "loy4": [1, 4]}), inst)
       loy1  loy4
    0   5.0   5.0
    1   2.0   2.0

    References
    ----------
    .. [1] Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill (reverse-scored
       items are recoded before summing a scale).
    """
    inst = _instrument(instrument)
    frame, where = _item_frame(responses_or_items)
    return _keyed(frame, where, inst, items)


def _keyed(
    frame: pd.DataFrame, where: str, inst: Instrument, items: Sequence[str] | None
) -> pd.DataFrame:
    if items is None:
        known = set(inst.item_ids)
        unknown = [str(c) for c in frame.columns if c not in known]
        if unknown:
            raise InputError(
                f"Column '{unknown[0]}' of {where} is not an item of instrument '{inst.id}'."
            )
        items = [str(c) for c in frame.columns]
    else:
        items = [str(c) for c in items]
        unknown = [c for c in items if c not in set(inst.item_ids)]
        if unknown:
            raise InputError(f"'{unknown[0]}' is not an item of instrument '{inst.id}'.")
        _require_columns(frame, items, where)
    out = {}
    for column in items:
        values = _checked_item(frame, column, inst, where)
        item = inst.item(column)
        if item.reverse:
            rs = item.response_scale
            values = (rs.min + rs.max) - values
        out[column] = values
    return pd.DataFrame(out, index=frame.index, columns=items)


def score(
    responses: Any,
    instrument: Instrument | str,
    min_items: int | Mapping[str, int] | None = None,
    kind: str = "mean",
    scales: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Scale scores, one column per scale, one row per respondent.

    Parameters
    ----------
    responses : Responses or pandas.DataFrame
        Item responses: a Responses object or a DataFrame holding the item columns of the
        scored scales (other columns are ignored).  Raw codes, not yet reverse-keyed.
    instrument : Instrument or str
        The instrument (or its name) defining scales, reverse items and response ranges.
    min_items : int or mapping of scale id to int, optional
        Minimum number of answered items for a mean or index score.  An integer applies to
        every Likert (``kind: mean``) scale; a mapping sets it per scale.  Default: the scale's
        ``min_items`` in the instrument, else ``ceil(k / 2)`` (at least half of its k items).
        Not allowed with ``kind="sum"``, which needs every item.
    kind : {"mean", "sum", "index"}
        ``"mean"``: mean of the answered keyed items.  ``"sum"``: plain sum, only when all
        items are answered (no proration).  ``"index"``: the mean on 0-100,
        ``(mean - min) / (max - min) * 100``.  Scales of kind ``nps`` keep their 0-10 answer
        under every kind.
    scales : sequence of str, optional
        Scale ids to score (default: every scale of the instrument).

    Returns
    -------
    pandas.DataFrame
        Float columns named by scale id, the index of the responses; NaN where the
        min-items (or all-items) rule is not met.

    Raises
    ------
    InputError
        Missing item columns (all named), values outside an item's response range, unknown
        scales or ``kind``, or an impossible ``min_items``.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = load_instrument("d_company_customer")
    >>> data = pd.DataFrame({"sat1": [5, 4, 2], "sat2": [4, None, None], "sat3": [3, 4, None]})
    >>> score(data, inst, scales=["satisfaction"])
       satisfaction
    0           4.0
    1           4.0
    2           NaN

    References
    ----------
    .. [1] Schafer, J. L., & Graham, J. W. (2002). Missing data: Our view of the state of the
       art. *Psychological Methods*, 7(2), 147-177.
    .. [2] Mazza, G. L., Enders, C. K., & Ruehlman, L. S. (2015). Addressing item-level missing
       data: A comparison of proration and full information maximum likelihood estimation.
       *Multivariate Behavioral Research*, 50(5), 504-519.
    """
    if kind not in SCORE_KINDS:
        raise InputError(f"Score kind '{kind}' is not one of {', '.join(SCORE_KINDS)}.")
    if kind == "sum" and min_items is not None:
        raise InputError("min_items does not apply to kind='sum', which needs every item answered.")
    inst = _instrument(instrument)
    frame, where = _item_frame(responses)
    chosen = _select_scales(inst, scales)
    needed = list(dict.fromkeys(i for sc in chosen for i in sc.items))
    _require_columns(frame, needed, where)
    keyed = _keyed(frame, where, inst, needed)
    rule = _resolve_min_items(chosen, min_items)

    out: dict[str, pd.Series] = {}
    for sc in chosen:
        lo, hi = _scale_bounds(sc, inst)
        block = keyed[list(sc.items)]
        if sc.kind == "nps":
            out[sc.id] = block.iloc[:, 0]
            continue
        n_answered = block.notna().sum(axis=1)
        if kind == "sum":
            values = block.sum(axis=1, min_count=1).where(n_answered == len(sc.items))
        else:
            values = block.mean(axis=1).where(n_answered >= rule[sc.id])
            if kind == "index":
                values = (values - lo) / (hi - lo) * INDEX_MAX
        out[sc.id] = values.astype(float)
    return pd.DataFrame(out, index=frame.index, columns=[sc.id for sc in chosen])


def top_box(
    items: Any,
    instrument: Instrument | str,
    boxes: int = TOP_BOXES,
    level: str = "item",
    keyed: bool = True,
) -> pd.DataFrame:
    """Share of respondents answering in the top ``boxes`` points, per item or per scale.

    Parameters
    ----------
    items : Responses or pandas.DataFrame
        Raw item responses (columns are item ids of ``instrument``).
    instrument : Instrument or str
        The instrument (or its name).
    boxes : int, default 2
        How many of the highest response points count (2 = "top-two-box": 4-5 on a 1..5
        scale, 9-10 on 0..10).  Must be below the number of points of each scale used.
    level : {"item", "scale"}
        ``"item"``: one row per item column of the data.  ``"scale"``: one row per scale whose
        items are all present; a respondent is in the top box when the scale's mean score
        (:func:`score`, default min-items rule) is at least ``max - boxes + 1``, so the
        denominator is the respondents with a scale score.
    keyed : bool, default True
        Count reverse-keyed items after recoding (so the top box is always the favourable
        end).  ``False`` counts raw answers (only allowed with ``level="item"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by item (or scale) id, columns ``n`` (answered), ``n_top`` (in the top box)
        and ``top_box`` (``n_top / n``, between 0 and 1; NaN when ``n`` is 0).

    Examples
    --------
    >>> import pandas as pd
    >>> inst = load_instrument("d_company_customer")
    >>> table = top_box(pd.DataFrame({"sat1": [5, 4, 3, 2], "loy4": [1, 2, 5, None]}), inst)
    >>> table[["n", "n_top"]].to_dict("index")
    {'sat1': {'n': 4, 'n_top': 2}, 'loy4': {'n': 3, 'n_top': 2}}
    >>> table["top_box"].round(3).tolist()
    [0.5, 0.667]

    References
    ----------
    .. [1] Morgan, N. A., & Rego, L. L. (2006). The value of different customer satisfaction
       and loyalty metrics in predicting business performance. *Marketing Science*, 25(5),
       426-439.
    """
    inst = _instrument(instrument)
    frame, where = _item_frame(items)
    if level not in ("item", "scale"):
        raise InputError(f"top_box level '{level}' is not 'item' or 'scale'.")
    if isinstance(boxes, bool) or not isinstance(boxes, (int, np.integer)) or boxes < 1:
        raise InputError(f"top_box boxes must be a positive integer, got {boxes!r}.")
    rows = []
    if level == "item":
        data = _keyed(frame, where, inst, None)
        if not keyed:
            data = pd.DataFrame(
                {c: _checked_item(frame, c, inst, where) for c in data.columns}, index=frame.index
            )
        for column in data.columns:
            rs = inst.item(column).response_scale
            rows.append((column, *_count_top(data[column], rs.min, rs.max, boxes, column)))
        index_name = "item"
    else:
        if not keyed:
            raise InputError("top_box with level='scale' scores keyed items; keyed must be True.")
        present = [sc for sc in inst.scales if all(i in frame.columns for i in sc.items)]
        if not present:
            raise InputError(f"{where} holds all items of none of the scales of '{inst.id}'.")
        scores = score(items, inst, scales=[sc.id for sc in present])
        for sc in present:
            lo, hi = _scale_bounds(sc, inst)
            rows.append((sc.id, *_count_top(scores[sc.id], lo, hi, boxes, sc.id)))
        index_name = "scale"
    table = pd.DataFrame(rows, columns=[index_name, "n", "n_top", "top_box"])
    return table.set_index(index_name)


def _count_top(values: pd.Series, lo: int, hi: int, boxes: int, name: str) -> tuple:
    if boxes >= hi - lo + 1:
        raise InputError(
            f"top_box boxes={boxes} covers every point of '{name}' ({lo}..{hi}); use fewer."
        )
    answered = values.dropna()
    n = int(answered.size)
    n_top = int((answered >= hi - boxes + 1).sum())
    return n, n_top, (n_top / n if n else float("nan"))


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score of a set of 0-10 answers.

    Attributes
    ----------
    nps : float
        Percentage of promoters minus percentage of detractors, on -100..100 (NaN if n = 0).
    n : int
        Number of answered (non-missing) values.
    n_promoters, n_passives, n_detractors : int
        Counts of answers 9-10, 7-8 and 0-6.
    se : float
        Standard error of ``nps`` (in NPS points) from the trinomial variance
        ``(p_P + p_D - (p_P - p_D)**2) / n``.
    """

    nps: float
    n: int
    n_promoters: int
    n_passives: int
    n_detractors: int
    se: float

    @property
    def pct_promoters(self) -> float:
        return 100.0 * self.n_promoters / self.n if self.n else float("nan")

    @property
    def pct_passives(self) -> float:
        return 100.0 * self.n_passives / self.n if self.n else float("nan")

    @property
    def pct_detractors(self) -> float:
        return 100.0 * self.n_detractors / self.n if self.n else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """One-row table: nps, se, n, counts and percentages of the three classes."""
        return pd.DataFrame(
            [
                {
                    "nps": self.nps,
                    "se": self.se,
                    "n": self.n,
                    "n_promoters": self.n_promoters,
                    "n_passives": self.n_passives,
                    "n_detractors": self.n_detractors,
                    "pct_promoters": self.pct_promoters,
                    "pct_passives": self.pct_passives,
                    "pct_detractors": self.pct_detractors,
                }
            ]
        )

    def __repr__(self) -> str:
        return (
            f"NPSResult(nps={self.nps:+.1f} (se {self.se:.1f}), n={self.n}: "
            f"{self.n_promoters} promoters, {self.n_passives} passives, "
            f"{self.n_detractors} detractors)"
        )


def nps(series: pd.Series | Sequence[float] | np.ndarray) -> NPSResult:
    """Net Promoter Score of answers to the 0-10 "how likely to recommend" question.

    Parameters
    ----------
    series : pandas.Series or array-like
        Answers coded 0..10; missing values (NaN/None) are left out.

    Returns
    -------
    NPSResult
        ``nps`` = % promoters (9-10) - % detractors (0-6), between -100 and 100, with n,
        the three counts and the standard error; ``nps`` and ``se`` are NaN when nothing
        was answered.

    Raises
    ------
    InputError
        When a value is not an integer in 0..10 (the message names the series).

    Examples
    --------
    >>> nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 5])
    NPSResult(nps=+0.0 (se 28.3), n=10: 4 promoters, 2 passives, 4 detractors)

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
       Review*, 81(12), 46-54.
    """
    name = getattr(series, "name", None)
    label = f"'{name}'" if name is not None else "the NPS answers"
    raw = pd.Series(series)
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & raw.notna()
    bad |= values.notna() & (
        (values < NPS_SCALE_MIN) | (values > NPS_SCALE_MAX) | (values != np.round(values))
    )
    if bad.any():
        row = bad.idxmax()
        raise InputError(
            f"Column {label} holds {_show(raw[row])} in row {_row(row)}, not an integer "
            f"{NPS_SCALE_MIN}..{NPS_SCALE_MAX} answer."
        )
    answered = values.dropna()
    n = int(answered.size)
    n_promoters = int((answered >= NPS_PROMOTER_MIN).sum())
    n_detractors = int((answered <= NPS_DETRACTOR_MAX).sum())
    n_passives = n - n_promoters - n_detractors
    if n == 0:
        return NPSResult(float("nan"), 0, 0, 0, 0, float("nan"))
    p_promoters, p_detractors = n_promoters / n, n_detractors / n
    variance = (p_promoters + p_detractors - (p_promoters - p_detractors) ** 2) / n
    return NPSResult(
        nps=100.0 * (p_promoters - p_detractors),
        n=n,
        n_promoters=n_promoters,
        n_passives=n_passives,
        n_detractors=n_detractors,
        se=100.0 * math.sqrt(variance),
    )


# --------------------------------------------------------------------------------------------
# NPS intervals (Rocks 2016)
# --------------------------------------------------------------------------------------------
#: Pseudo-observations (detractors, passives, promoters) added by the adjusted Wald interval of
#: Rocks (2016, The American Statistician 70(4), 365-372); the defaults of his R package
#: ``NPS::nps_test(test = "adjusted.wald")``: 3 in all, in the spirit of Agresti & Coull's (1998)
#: "add two successes and two failures" for one proportion.
NPS_PSEUDO_OBSERVATIONS = (0.75, 1.5, 0.75)
#: Interval methods of :func:`nps_interval` and :func:`nps_difference`.
NPS_INTERVAL_METHODS = ("adjusted_wald", "wald")


def _nps_parts(answers: Any, method: str, ci: float, what: str) -> tuple[NPSResult, float, float, float]:
    """Counts of ``answers`` and the (possibly adjusted) n, NPS and variance on the -1..1 scale."""
    if method not in NPS_INTERVAL_METHODS:
        raise InputError(f"method must be 'adjusted_wald' or 'wald', not {method!r}.")
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise InputError(f"ci must be a confidence level between 0 and 1, not {ci!r}.")
    counts = nps(answers)
    if counts.n == 0:
        raise InputError(f"{what} hold no answered 0..10 value, so the NPS has no interval.")
    det, pas, pro = float(counts.n_detractors), float(counts.n_passives), float(counts.n_promoters)
    if method == "adjusted_wald":
        det, pas, pro = (c + w for c, w in zip((det, pas, pro), NPS_PSEUDO_OBSERVATIONS, strict=True))
    n = det + pas + pro
    p_pro, p_det = pro / n, det / n
    centre = p_pro - p_det
    variance = p_pro + p_det - centre**2
    return counts, n, centre, variance


def _z(ci: float) -> float:
    from statistics import NormalDist  # noqa: PLC0415  (AS241, the algorithm of R's qnorm)

    return NormalDist().inv_cdf(0.5 + ci / 2)


def nps_interval(
    answers: pd.Series | Sequence[float] | np.ndarray,
    *,
    ci: float = 0.95,
    method: str = "adjusted_wald",
) -> dict[str, Any]:
    """Net Promoter Score with its confidence interval, on the -100..100 scale.

    ``method="adjusted_wald"`` (default) is Rocks' (2016) adjusted Wald interval: add the
    pseudo-observations :data:`NPS_PSEUDO_OBSERVATIONS` (0.75 detractor, 1.5 passive, 0.75
    promoter) to the counts, ``n~ = n + 3``, ``p~ = (n_pro + 0.75) / n~``,
    ``d~ = (n_det + 0.75) / n~``, ``NPS~ = p~ - d~``, ``Var~ = p~ + d~ - NPS~²``,
    ``SE = sqrt(Var~ / n~)`` and ``CI = NPS~ ∓ z SE`` with ``z = Φ⁻¹((1 + ci) / 2)``.  The
    interval is centred on the adjusted ``NPS~`` (``nps_adjusted``), not on the reported raw
    ``nps``, and is not truncated to [-100, 100] (as Rocks' ``NPS::nps_test``).  Rocks shows
    that it keeps close to nominal coverage where the plain Wald interval (``method="wald"``:
    no pseudo-observations, centred on the raw NPS; zero width when every answer is a
    promoter) falls short in small samples or near ±100.

    Parameters
    ----------
    answers : pandas.Series or array-like
        Answers to the 0-10 recommendation question; missing values are left out.
    ci : float
        Confidence level.
    method : {"adjusted_wald", "wald"}
        Interval method.

    Returns
    -------
    dict
        ``nps`` (raw: % promoters - % detractors), ``ci_low``, ``ci_high``, ``n`` (answered),
        ``nps_adjusted`` (centre of the interval), ``se``, ``n_promoters``, ``n_passives``,
        ``n_detractors``, ``ci``, ``method``; NPS values in points (-100..100).

    Raises
    ------
    InputError
        An answer that is not an integer 0..10 (the message names the value and the row), no
        answered value, an unknown method or a confidence level outside (0, 1).

    Examples
    --------
    >>> res = nps_interval([10, 9, 9, 8, 7, 6, 0, 3, 10, 5])
    >>> res["nps"], round(res["nps_adjusted"], 2), round(res["ci_low"], 1), round(res["ci_high"], 1)
    (0.0, 0.0, -46.5, 46.5)

    References
    ----------
    .. [1] Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
       Statistician*, 70(4), 365-372.
    .. [2] Agresti, A., & Coull, B. A. (1998). Approximate is better than "exact" for interval
       estimation of binomial proportions. *The American Statistician*, 52(2), 119-126.
    """
    counts, n, centre, variance = _nps_parts(answers, method, ci, "the NPS answers")
    se = math.sqrt(variance / n)
    z = _z(ci)
    return {
        "nps": counts.nps,
        "ci_low": 100.0 * (centre - z * se),
        "ci_high": 100.0 * (centre + z * se),
        "n": counts.n,
        "nps_adjusted": 100.0 * centre,
        "se": 100.0 * se,
        "n_promoters": counts.n_promoters,
        "n_passives": counts.n_passives,
        "n_detractors": counts.n_detractors,
        "ci": float(ci),
        "method": method,
    }


def nps_difference(
    a: pd.Series | Sequence[float] | np.ndarray,
    b: pd.Series | Sequence[float] | np.ndarray,
    *,
    ci: float = 0.95,
    method: str = "adjusted_wald",
) -> dict[str, Any]:
    """Difference between the NPS of two independent samples (groups or waves), ``a - b``.

    Two-sample Wald test and interval on the adjusted estimates, as Rocks' (2016) R package
    ``NPS::nps_test(x, y, test = "adjusted.wald")`` computes them: each sample gets the
    pseudo-observations of :func:`nps_interval` (0.75, 1.5, 0.75), then
    ``Δ~ = NPS~_a - NPS~_b``, ``SE = sqrt(Var~_a / n~_a + Var~_b / n~_b)``,
    ``CI = Δ~ ∓ z SE``, ``z = Δ~ / SE`` and the two-sided ``p = 2 (1 - Φ(|z|))`` (the
    Agresti & Caffo 2000 approach for two proportions, carried to the trinomial).  Unlike the
    package, which reports ``|Δ|``, the difference keeps its sign.  ``method="wald"`` uses the
    raw counts.  The samples must be independent (different respondents).

    Parameters
    ----------
    a, b : pandas.Series or array-like
        0-10 answers of the two groups; missing values are left out.
    ci : float
        Confidence level.
    method : {"adjusted_wald", "wald"}
        Interval method.

    Returns
    -------
    dict
        ``difference`` (raw NPS of a minus raw NPS of b), ``ci_low``, ``ci_high``, ``z``,
        ``p``, ``difference_adjusted`` (centre of the interval), ``se``, ``nps_a``, ``nps_b``,
        ``n_a``, ``n_b``, ``ci``, ``method``; NPS values in points.

    Raises
    ------
    InputError
        As :func:`nps_interval`, naming the sample.

    Examples
    --------
    >>> res = nps_difference([10, 9, 9, 9, 8, 7, 10, 6], [6, 5, 9, 3, 7, 8, 2, 10])
    >>> round(res["difference"], 1), round(res["ci_low"], 1), round(res["ci_high"], 1)
    (75.0, -10.1, 119.2)
    >>> round(res["difference_adjusted"], 2), round(res["p"], 4)
    (54.55, 0.0984)

    References
    ----------
    .. [1] Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
       Statistician*, 70(4), 365-372; R package NPS 1.1 (``nps_test``).
    .. [2] Agresti, A., & Caffo, B. (2000). Simple and effective confidence intervals for
       proportions and differences of proportions result from adding two successes and two
       failures. *The American Statistician*, 54(4), 280-288.
    """
    ca, na, centre_a, var_a = _nps_parts(a, method, ci, "the first sample's NPS answers")
    cb, nb, centre_b, var_b = _nps_parts(b, method, ci, "the second sample's NPS answers")
    delta = centre_a - centre_b
    se = math.sqrt(var_a / na + var_b / nb)
    z = _z(ci)
    if se > 0:
        stat = delta / se
        p = math.erfc(abs(stat) / math.sqrt(2.0))
    else:  # plain Wald with both samples all promoters (or all detractors)
        stat = math.copysign(math.inf, delta) if delta else math.nan
        p = 0.0 if delta else 1.0
    return {
        "difference": ca.nps - cb.nps,
        "ci_low": 100.0 * (delta - z * se),
        "ci_high": 100.0 * (delta + z * se),
        "z": stat,
        "p": p,
        "difference_adjusted": 100.0 * delta,
        "se": 100.0 * se,
        "nps_a": ca.nps,
        "nps_b": cb.nps,
        "n_a": ca.n,
        "n_b": cb.n,
        "ci": float(ci),
        "method": method,
    }
