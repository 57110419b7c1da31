"""Stage 5 of the flow: run every analysis of a CRM study into named tables.

:func:`run_study` takes the customer survey, the employee self-assessment, the customer
ledger and (optionally) the CRM implementation scorecard -- as file paths, which are read
and screened with :func:`crm_research.readers.read_responses`, or as DataFrames -- and
returns a :class:`StudyResult` whose ``tables`` dict holds one tidy DataFrame per analysis
under a stable name (see :data:`TABLE_NAMES`).  The findings engine
(:mod:`crm_research.findings`) reads only these tables, so every number a finding quotes
can be found in them; :func:`write_study_outputs` writes them as ``tables/*.csv`` next to
``findings.json``.

Each analysis is also a public function (:func:`scale_summary`, :func:`item_summary`,
:func:`count_concentration`, :func:`tier_value_agreement`, ...), so notebooks can run the
pieces one by one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_research.errors import InputError
from crm_research.instrument import Instrument, load_instrument

__all__ = [
    "StudyResult",
    "SurveyData",
    "TABLE_NAMES",
    "IDIC_DIMENSIONS",
    "LEDGER_COLUMNS",
    "CSV_FLOAT_FORMAT",
    "load_survey",
    "load_ledger",
    "scale_summary",
    "item_summary",
    "count_concentration",
    "tier_value_agreement",
    "group_comparison_table",
    "run_study",
    "write_study_outputs",
    "format_table",
]

#: The four matched dimensions of the IDIC model (Peppers & Rogers 2004), named alike in the
#: customer and the employee instrument so that the perception gap pairs them by name.
IDIC_DIMENSIONS = ("identification", "differentiation", "interaction", "customization")

#: Columns a customer ledger must have (issue 4).
LEDGER_COLUMNS = ("customer_id", "city", "customer_type", "sector", "year", "revenue")

#: Cut-off for "high" satisfaction and loyalty in the Jones & Sasser (1995) matrix: the
#: "agree" point of a 1-5 agreement scale, i.e. the top-two-box convention (a respondent is
#: satisfied / loyal when the scale mean reaches "agree").
SATISFACTION_LOYALTY_AGREE_POINT = 4.0

#: Fixed float formatting of every CSV table (deterministic bytes; six decimals).
CSV_FLOAT_FORMAT = "%.6f"

#: Decimals kept in tables (and hence in finding evidence): equal to the CSV format.
TABLE_DECIMALS = 6

#: Default mapping of a company's own service tiers to the value classes they should match.
DEFAULT_TIER_MAPPING = {"key": "A", "important": "B", "regular": "B", "normal": "B", "small": "C"}

#: Stable names of the tables :func:`run_study` can produce (a study without a scorecard or
#: without a service-tier column omits the corresponding tables).
TABLE_NAMES = (
    "quality_summary",
    "customer_descriptives",
    "customer_item_summary",
    "customer_scale_scores_summary",
    "customer_correlations",
    "employee_descriptives",
    "employee_item_summary",
    "employee_scale_scores_summary",
    "reliability_customer",
    "reliability_employee",
    "group_comparisons",
    "group_means",
    "group_posthoc",
    "drivers_satisfaction",
    "drivers_loyalty",
    "driver_fit",
    "ipa",
    "satisfaction_loyalty",
    "satisfaction_vs_loyalty",
    "nps",
    "perception_gap",
    "abc",
    "abc_summary",
    "concentration_city",
    "concentration_type",
    "concentration_sector",
    "concentration_summary",
    "customer_distribution",
    "distribution_city",
    "distribution_type",
    "distribution_sector",
    "classification_agreement",
    "classification_crosstab",
    "crm_use_by_role",
    "employee_group_comparisons",
    "employee_group_posthoc",
    "scorecard",
    "scorecard_comparisons",
)


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SurveyData:
    """One survey after reading and screening.

    Attributes
    ----------
    items : DataFrame
        Raw item codes (numeric, not reverse-keyed), one row per kept respondent.
    meta : DataFrame
        Background columns (PII dropped), same index as ``items``.
    scores : DataFrame
        Scale scores (:func:`crm_research.scoring.score`).
    quality : DataFrame
        The quality report (``row, column, rule, value, action``); empty for DataFrame input.
    instrument : Instrument
    source : str
        File path, or ``"<DataFrame>"``.
    sha256 : str or None
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    scores: pd.DataFrame
    quality: pd.DataFrame
    instrument: Instrument
    source: str
    sha256: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Background, items and scale scores side by side (scores prefixed ``score_``)."""
        return pd.concat([self.meta, self.items, self.scores.add_prefix("score_")], axis=1)

    def __repr__(self) -> str:
        return (
            f"SurveyData({self.instrument.id!r} from {self.source}: {len(self.items)} respondents, "
            f"{self.items.shape[1]} items, {len(self.quality)} quality notes)"
        )


def _quality_frame(quality: Any) -> pd.DataFrame:
    if quality is None:
        return pd.DataFrame(columns=["row", "column", "rule", "value", "action"])
    if isinstance(quality, pd.DataFrame):
        return quality.copy()
    to_frame = getattr(quality, "to_frame", None)
    if callable(to_frame):
        return to_frame()
    return pd.DataFrame(quality)


def load_survey(
    source: str | Path | pd.DataFrame | Any,
    instrument: str | Instrument,
    **read_options: Any,
) -> SurveyData:
    """Read (when a path), screen and score one survey.

    Parameters
    ----------
    source : path, DataFrame or Responses
        A path is read with :func:`crm_research.readers.read_responses` (screening, PII
        dropping, quality report).  A ``Responses`` object is used as is.  A DataFrame is
        taken as already screened: its item columns are the instrument's item ids, PII
        columns declared by the instrument are dropped, and values must lie in range.
    instrument : str or Instrument
        The instrument (or its name under ``surveys/``).
    **read_options
        Passed to ``read_responses`` (``missing_values``, ``encoding``, ``sheet``).

    Returns
    -------
    SurveyData

    Raises
    ------
    InputError
        Unreadable file, or item columns of the instrument missing from the data.

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> data = load_survey(simulate(1).customers, "d_company_customer")
    >>> "identification" in data.scores.columns
    True
    """
    from crm_research.scoring import score

    inst = load_instrument(instrument)
    if isinstance(source, str | Path):
        from crm_research.readers import read_responses

        resp = read_responses(source, instrument=inst, **read_options)
        items, meta = resp.items, resp.meta
        quality = _quality_frame(getattr(resp, "quality", None))
        where, sha = str(source), getattr(resp, "sha256", None)
    elif isinstance(source, pd.DataFrame):
        missing = [i for i in inst.item_ids if i not in source.columns]
        if missing:
            raise InputError(f"The {inst.id} data lack the item columns {', '.join(missing)}.")
        items = source[inst.item_ids].apply(pd.to_numeric, errors="coerce")
        drop = set(inst.item_ids) | set(inst.pii_columns)
        meta = source[[c for c in source.columns if c not in drop]].copy()
        quality = _quality_frame(None)
        where, sha = "<DataFrame>", None
    elif hasattr(source, "items") and hasattr(source, "meta"):
        items, meta = source.items, source.meta
        quality = _quality_frame(getattr(source, "quality", None))
        where, sha = str(getattr(source, "source", "<Responses>")), getattr(source, "sha256", None)
    else:
        raise InputError(
            f"A survey must be a file path, a DataFrame or a Responses object, not "
            f"{type(source).__name__}."
        )
    if len(items) == 0:
        raise InputError(f"{where}: no respondents left to analyse.")
    scores = score(items, inst)
    return SurveyData(items, meta, scores, quality, inst, where, sha)


def load_ledger(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and check a customer ledger (``customer_id, city, customer_type, sector, year, revenue``).

    Parameters
    ----------
    source : path or DataFrame
        CSV (UTF-8, with or without BOM) or XLSX file, or a DataFrame.

    Returns
    -------
    DataFrame
        The ledger with ``customer_id`` as text and ``revenue`` as float.

    Raises
    ------
    InputError
        Unreadable file, missing columns, non-numeric revenue (naming the row); negative rows
        are refunds (netted per customer by :func:`crm_research.segmentation.abc_classification`).

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"customer_id": ["C1"], "city": ["x"], "customer_type": ["end_user"],
    ...                     "sector": ["school"], "year": [2019], "revenue": [10.0]})
    >>> load_ledger(led)["revenue"].tolist()
    [10.0]
    """
    if isinstance(source, pd.DataFrame):
        frame, where = source.copy(), "the ledger"
    else:
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise InputError(f"{path}: no such ledger file.")
        try:
            if path.suffix.lower() in (".xlsx", ".xls"):
                frame = pd.read_excel(path, dtype={"customer_id": str})
            else:
                frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
            raise InputError(
                f"{path}: not a readable ledger table ({type(exc).__name__})."
            ) from None
    missing = [c for c in LEDGER_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{where}: the ledger lacks the columns {', '.join(missing)}.")
    if frame.empty:
        raise InputError(f"{where}: the ledger has no rows.")
    frame["customer_id"] = frame["customer_id"].astype(str)
    revenue = pd.to_numeric(frame["revenue"], errors="coerce")
    # negative rows are refunds, netted per customer by the ABC classification (which
    # refuses a customer whose refunds exceed its sales)
    bad = revenue.isna() | ~np.isfinite(revenue.astype(float))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}: row {row + 1} has revenue {frame['revenue'].iloc[row]!r}, not a number."
        )
    frame["revenue"] = revenue.astype(float)
    return frame


# ---------------------------------------------------------------------------------------
# Analyses owned by the study (the others come from analysis.py and segmentation.py)
# ---------------------------------------------------------------------------------------


def _d_one_sample(values: np.ndarray, reference: float, ci: float) -> dict[str, float]:
    n = values.size
    mean, sd = float(values.mean()), float(values.std(ddof=1)) if n > 1 else np.nan
    se = sd / math.sqrt(n) if n > 1 else np.nan
    tcrit = float(stats.t.ppf(0.5 + ci / 2, n - 1)) if n > 1 else np.nan
    d = (mean - reference) / sd if sd and sd > 0 else np.nan
    d_se = math.sqrt(1 / n + d**2 / (2 * n)) if np.isfinite(d) else np.nan
    t = (mean - reference) / se if se and se > 0 else np.nan
    p = float(2 * stats.t.sf(abs(t), n - 1)) if np.isfinite(t) else np.nan
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "se": se,
        "ci_low": mean - tcrit * se,
        "ci_high": mean + tcrit * se,
        "reference": reference,
        "diff": mean - reference,
        "t": t,
        "df": n - 1,
        "p_value": p,
        "d": d,
        "d_ci_low": d - tcrit * d_se,
        "d_ci_high": d + tcrit * d_se,
    }


def scale_summary(
    scores: pd.DataFrame,
    reference: float | Mapping[str, float],
    scales: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Scale means against a reference point (usually the scale midpoint), with Cohen's d.

    For each scale: n, mean, SD (n - 1), SE, the t-based CI of the mean, the one-sample t test
    of ``mean - reference``, and the standardized difference ``d = (mean - reference) / sd``
    (Cohen 1988) with the CI ``d +- t(1 - (1 - ci)/2, n - 1) * sqrt(1/n + d^2/(2n))`` (the
    large-sample SE used by pingouin ``compute_esci`` for one sample).  Missing scores are
    dropped per scale.

    Parameters
    ----------
    scores : DataFrame
        Scale scores, one column per scale.
    reference : float or mapping of scale -> float
        The comparison point; e.g. 3, the midpoint of a 1-5 scale.
    scales : sequence of str, optional
        Scales to summarise (default all numeric columns).
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``scale, n, mean, sd, se, ci_low, ci_high, reference, diff, t, df, p_value, d,
        d_ci_low, d_ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> out = scale_summary(pd.DataFrame({"x": [2.0, 3.0, 4.0, 5.0]}), 3)
    >>> float(out["diff"].iloc[0]), round(float(out["d"].iloc[0]), 4)
    (0.5, 0.3873)

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Erlbaum.
    """
    if not 0 < ci < 1:
        raise InputError(f"The confidence level ci must be between 0 and 1, got {ci!r}.")
    cols = list(scales) if scales is not None else list(scores.select_dtypes("number").columns)
    rows = []
    for col in cols:
        if col not in scores.columns:
            raise InputError(f"Scale column {col!r} is not among the scores.")
        values = pd.to_numeric(scores[col], errors="coerce").dropna().to_numpy(float)
        if values.size < 2:
            continue
        ref = reference[col] if isinstance(reference, Mapping) else float(reference)
        rows.append({"scale": col, **_d_one_sample(values, float(ref), ci)})
    return pd.DataFrame(rows)


def _midpoint(instrument: Instrument, item_ids: Sequence[str]) -> float:
    scale = instrument.item(item_ids[0]).response_scale
    return (scale.min + scale.max) / 2


def item_summary(
    items: pd.DataFrame,
    instrument: str | Instrument,
    scales: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Raw item means against the item's scale midpoint, and their rank within the scale.

    ``mean`` and ``d`` use the raw answer (so a reverse-keyed item such as "I keep customer
    records outside the CRM" is high when agreement is high); ``keyed_mean`` is the mean after
    reverse keying and ``rank_in_scale`` ranks the keyed means within each scale, 1 = lowest
    (ties by item order).  ``d = (mean - midpoint) / sd`` with the CI of :func:`scale_summary`.

    Parameters
    ----------
    items : DataFrame
        Raw item codes, columns named by item id.
    instrument : str or Instrument
    scales : sequence of str, optional
        Scales to include (default all Likert scales of the instrument).
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``scale, item, reverse_keyed, n, mean, sd, midpoint, d, d_ci_low, d_ci_high,
        keyed_mean, rank_in_scale``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat1": [4, 5, 4], "sat2": [2, 3, 2], "sat3": [3, 3, 4]})
    >>> item_summary(df, "d_company_customer", ["satisfaction"])["rank_in_scale"].tolist()
    [3, 1, 2]

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    """
    inst = load_instrument(instrument)
    chosen = list(scales) if scales is not None else [s.id for s in inst.scales if s.kind != "nps"]
    rows = []
    for scale_id in chosen:
        try:
            ids = inst.scale_items(scale_id)
        except KeyError:
            raise InputError(f"Instrument {inst.id} has no scale {scale_id!r}.") from None
        block = []
        for item_id in ids:
            if item_id not in items.columns:
                raise InputError(f"Item column {item_id!r} of scale {scale_id!r} is missing.")
            it = inst.item(item_id)
            lo, hi = it.response_scale.min, it.response_scale.max
            values = pd.to_numeric(items[item_id], errors="coerce").dropna().to_numpy(float)
            if values.size < 2:
                continue
            mid = (lo + hi) / 2
            res = _d_one_sample(values, mid, ci)
            keyed = (lo + hi - values) if it.reverse else values
            block.append(
                {
                    "scale": scale_id,
                    "item": item_id,
                    "reverse_keyed": bool(it.reverse),
                    "n": res["n"],
                    "mean": res["mean"],
                    "sd": res["sd"],
                    "midpoint": mid,
                    "d": res["d"],
                    "d_ci_low": res["d_ci_low"],
                    "d_ci_high": res["d_ci_high"],
                    "keyed_mean": float(keyed.mean()),
                }
            )
        order = sorted(range(len(block)), key=lambda k: (block[k]["keyed_mean"], k))
        for rank, k in enumerate(order, start=1):
            block[k]["rank_in_scale"] = rank
        rows.extend(block)
    return pd.DataFrame(rows)


def count_concentration(
    frame: pd.DataFrame,
    by: str,
    customer: str = "customer_id",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Concentration of the *number of customers* over a category, HHI with a CI.

    Shares are the fractions of distinct customers per category; ``HHI = sum(share^2)``
    (Hirschman 1964; 0-1 scale).  Its standard error is the delta-method SE for a function of
    multinomial proportions, ``sqrt(4/n * (sum p^3 - (sum p^2)^2))`` (Agresti 2013, §16.1), and
    the CI is ``HHI +- z * se`` clipped to [0, 1].  ``hhi_normalized = (HHI - 1/G)/(1 - 1/G)``
    for the G observed categories.  ``cohen_w = sqrt(G * HHI - 1)`` is Cohen's (1988) effect
    size w of the shares against an even spread over the G categories
    (``w^2 = sum (p - 1/G)^2 / (1/G)``); its CI is the HHI CI mapped through the same monotone
    function (0 where ``G * HHI < 1``).  Unlike the HHI it does not grow merely because there
    are few categories (three evenly filled cities have HHI 1/3 but w 0).

    Parameters
    ----------
    frame : DataFrame
        One row per customer (or a ledger; customers are counted once per category).
    by : str
        Category column (e.g. ``city``).
    customer : str
        Customer id column (rows are counted when absent).
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``by, n, groups, hhi, se, ci_low, ci_high, hhi_normalized, cohen_w,
        cohen_w_ci_low, cohen_w_ci_high, top_group, top_share, top2_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": range(4), "city": ["a", "a", "b", "c"]})
    >>> float(count_concentration(df, "city")["hhi"].iloc[0])
    0.375

    References
    ----------
    Hirschman, A. O. (1964). The paternity of an index. American Economic Review, 54(5), 761.
    Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Wiley.
    """
    if by not in frame.columns:
        raise InputError(f"Column {by!r} is missing from the customer data.")
    data = frame.dropna(subset=[by])
    if customer in data.columns:
        data = data.drop_duplicates(subset=[customer, by])
    counts = data[by].astype(str).value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="mergesort")
    n = int(counts.sum())
    if n == 0:
        raise InputError(f"Column {by!r} has no values.")
    p = counts.to_numpy(float) / n
    hhi = float(np.sum(p**2))
    se = math.sqrt(max(4.0 / n * (np.sum(p**3) - hhi**2), 0.0))
    z = float(stats.norm.ppf(0.5 + ci / 2))
    g = p.size
    ci_low, ci_high = max(hhi - z * se, 0.0), min(hhi + z * se, 1.0)

    def cohen_w(h: float) -> float:
        return math.sqrt(max(g * h - 1.0, 0.0))

    return pd.DataFrame(
        [
            {
                "by": by,
                "n": n,
                "groups": g,
                "hhi": hhi,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "hhi_normalized": (hhi - 1 / g) / (1 - 1 / g) if g > 1 else np.nan,
                "cohen_w": cohen_w(hhi),
                "cohen_w_ci_low": cohen_w(ci_low),
                "cohen_w_ci_high": cohen_w(ci_high),
                "top_group": str(counts.index[0]),
                "top_share": float(p[0]),
                "top2_share": float(p[:2].sum()),
            }
        ]
    )


def tier_value_agreement(
    tiers: pd.Series,
    abc: pd.DataFrame,
    mapping: Mapping[str, str] | None = None,
    ci: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement (Cohen's kappa) of the company's own tiers with the value-based ABC classes.

    Tier labels are translated with ``mapping`` (default :data:`DEFAULT_TIER_MAPPING`, e.g.
    key -> A, regular -> B).  When the company uses fewer classes than ABC (e.g. only key and
    regular), the ABC classes it does not use are merged into the lowest class it does use
    (with key/regular: A versus B + C), so that kappa compares like with like.

    Parameters
    ----------
    tiers : Series
        Tier per customer, indexed by customer id.
    abc : DataFrame
        :func:`crm_research.segmentation.abc_classification` output.
    mapping : mapping, optional
        Tier label -> A/B/C.
    ci : float
        Confidence level of kappa.

    Returns
    -------
    (DataFrame, DataFrame)
        One-row summary (``n, classes, percent_agreement, kappa, se, ci_low, ci_high,
        n_unmatched``) and the crosstab in long form (``tier_class, abc_class, customers``).

    Examples
    --------
    >>> import pandas as pd
    >>> abc = pd.DataFrame({"customer_id": list("abcd"), "abc_class": list("ABCC")})
    >>> tiers = pd.Series(["key", "regular", "regular", "regular"], index=list("abcd"))
    >>> float(tier_value_agreement(tiers, abc)[0]["kappa"].iloc[0])
    1.0

    References
    ----------
    Cohen, J. (1960). Educational and Psychological Measurement, 20(1), 37-46.
    """
    from crm_research.segmentation import classification_agreement

    mapping = dict(mapping or DEFAULT_TIER_MAPPING)
    labels = tiers.dropna().astype(str)
    unknown = sorted(set(labels) - set(mapping))
    if unknown:
        raise InputError(
            f"Service tier {unknown[0]!r} has no A/B/C mapping; known tiers: "
            f"{', '.join(sorted(mapping))}."
        )
    mapped = labels.map(mapping)
    used = sorted(set(mapped))

    def merge(cls: str) -> str:
        # an ABC class the company does not use joins the nearest more valuable class it uses
        above = [u for u in used if u <= cls]
        return above[-1] if above else used[0]

    classes = pd.Series(
        abc["abc_class"].to_numpy(), index=abc["customer_id"].astype(str).to_numpy()
    )
    merged = classes.map(merge)
    res = classification_agreement(mapped, merged, ci=ci)
    summary = res.to_frame()
    summary.insert(1, "classes", "/".join(used))
    cross = res.crosstab.copy()
    cross.index.name = "tier_class"
    long = (
        cross.stack()
        .rename("customers")
        .reset_index()
        .rename(columns={cross.columns.name or "level_1": "abc_class"})
    )
    long.columns = ["tier_class", "abc_class", "customers"]
    return summary, long


#: Columns of a group-comparison table that has no test (every grouping left fewer than two
#: groups of ``min_group_size``), so that its CSV still has a header.
_TEST_COLUMNS = (
    "value", "group", "method", "test", "statistic", "df1", "df2", "p_value", "effect_name",
    "effect_value", "effect_ci_low", "effect_ci_high", "group_1", "group_2", "groups_compared",
)  # fmt: skip


def group_comparison_table(
    scores: pd.DataFrame,
    meta: pd.DataFrame,
    values: Sequence[str],
    groups: Sequence[str],
    min_group_size: int = 2,
    reference: float | Mapping[str, float] | None = None,
    ci: float = 0.95,
    posthoc: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run :func:`crm_research.analysis.compare_groups` for each value x grouping column.

    Parameters
    ----------
    scores : DataFrame
        Scale scores.
    meta : DataFrame
        Background columns, same index.
    values : sequence of str
        Score columns to compare.
    groups : sequence of str
        Grouping columns (skipped when absent).
    min_group_size : int
        Groups smaller than this are left out of the test (but kept in the means); no test
        when fewer than two groups remain.
    reference : float or mapping of value -> float, optional
        Reference point (e.g. the scale midpoint); when given each group's mean is also
        compared with it (``d`` and its CI as in :func:`scale_summary`).
    ci : float
        Confidence level of the group-level d.
    posthoc : bool
        Run the post-hoc pairwise tests of three or more groups (slow for Tukey HSD).

    Returns
    -------
    (DataFrame, DataFrame, DataFrame)
        Tests (``value, group, method, ..., effect_name, effect_value, effect_ci_low,
        effect_ci_high, group_1, group_2``; for two groups the effect is group_1 minus
        group_2; ``groups_compared``) and group means of every level (``value, group, level,
        n, mean, sd, median, reference, d, d_ci_low, d_ci_high``), and the post-hoc pairs
        (``value, group_by`` and the post-hoc columns of ``compare_groups``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]})
    >>> m = pd.DataFrame({"g": list("aaabbb")})
    >>> group_comparison_table(s, m, ["x"], ["g"])[0]["group_1"].tolist()
    ['a']
    """
    from crm_research.analysis import compare_groups

    tests, means, pairs = [], [], []
    for group in groups:
        if group not in meta.columns:
            continue
        for value in values:
            if value not in scores.columns:
                continue
            data = pd.DataFrame({"value": scores[value], "group": meta[group].astype("string")})
            data = data.dropna()
            data["group"] = data["group"].astype(str)
            ref = reference.get(value, np.nan) if isinstance(reference, Mapping) else reference
            for level, vals in data.groupby("group", sort=True)["value"]:
                arr = vals.to_numpy(float)
                row = {"value": value, "group": group, "level": level, "n": arr.size}
                row.update({"mean": float(arr.mean()), "median": float(np.median(arr))})
                if arr.size >= 2 and ref is not None and np.isfinite(ref):
                    res = _d_one_sample(arr, float(ref), ci)
                    row.update(
                        sd=res["sd"],
                        reference=float(ref),
                        d=res["d"],
                        d_ci_low=res["d_ci_low"],
                        d_ci_high=res["d_ci_high"],
                    )
                else:
                    row.update(sd=float(arr.std(ddof=1)) if arr.size > 1 else np.nan)
                    row.update(reference=ref, d=np.nan, d_ci_low=np.nan, d_ci_high=np.nan)
                means.append(row)
            sizes = data["group"].value_counts()
            keep = sizes[sizes >= min_group_size].index
            data = data[data["group"].isin(keep)]
            if data["group"].nunique() < 2:
                continue
            res = compare_groups(data, "value", "group", posthoc=posthoc, ci=ci)
            row = res.to_frame().iloc[0].to_dict()
            row["value"], row["group"] = value, group
            levels = res.groups["group"].astype(str).tolist()
            row["group_1"] = levels[0] if len(levels) == 2 else ""
            row["group_2"] = levels[1] if len(levels) == 2 else ""
            row["groups_compared"] = len(levels)
            tests.append(row)
            if res.posthoc is not None and not res.posthoc.empty:
                pairs.append(res.posthoc.assign(value=value, group_by=group))
    test_frame = pd.DataFrame(tests, columns=None if tests else list(_TEST_COLUMNS))
    columns = ["value", "group", "level", "n", "mean", "sd", "median", "reference", "d"]
    mean_frame = pd.DataFrame(means, columns=[*columns, "d_ci_low", "d_ci_high"])
    pair_frame = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    if not pair_frame.empty:
        first = ["value", "group_by"]
        pair_frame = pair_frame[first + [c for c in pair_frame.columns if c not in first]]
    return test_frame, mean_frame, pair_frame


def _alpha_table(
    keyed: pd.DataFrame, scales: Mapping[str, Sequence[str]], ci: float
) -> pd.DataFrame:
    from crm_research.reliability import cronbach_alpha

    rows = []
    for name, items in scales.items():
        if len(items) < 2:
            continue
        res = cronbach_alpha(keyed[list(items)], ci=ci)
        rows.append(
            {
                "scale": name,
                "k": res.k,
                "n": res.n,
                "alpha": res.alpha,
                "ci_low": res.ci[0],
                "ci_high": res.ci[1],
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# The study
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StudyResult:
    """All tables of one CRM study.

    Attributes
    ----------
    tables : dict of str -> DataFrame
        One tidy table per analysis under a stable name (:data:`TABLE_NAMES`).
    quality : DataFrame
        One row per input: ``input, source, instrument, respondents, problems, sha256``.
    customers, employees : SurveyData
        The screened and scored surveys.
    ledger : DataFrame
    parameters : dict
        Settings used (instrument ids, midpoints, cut-offs).
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    customers: SurveyData
    employees: SurveyData
    ledger: pd.DataFrame
    parameters: dict = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """Return a table by name (``InputError`` naming the known tables otherwise)."""
        if name not in self.tables:
            raise InputError(f"No table {name!r}; tables are {', '.join(sorted(self.tables))}.")
        return self.tables[name]

    def to_frame(self) -> pd.DataFrame:
        """One row per table: name, rows, columns."""
        return pd.DataFrame(
            [{"table": k, "rows": len(v), "columns": v.shape[1]} for k, v in self.tables.items()]
        )

    def __repr__(self) -> str:
        return (
            f"StudyResult({len(self.tables)} tables; customers n={len(self.customers.items)}, "
            f"employees n={len(self.employees.items)}, ledger customers="
            f"{self.ledger['customer_id'].nunique()})"
        )


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(TABLE_DECIMALS)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object)
    return out


def run_study(
    customers: str | Path | pd.DataFrame | Any,
    employees: str | Path | pd.DataFrame | Any,
    ledger: str | Path | pd.DataFrame,
    scorecard: str | Path | pd.DataFrame | Any | None = None,
    *,
    customer_instrument: str | Instrument = "d_company_customer",
    employee_instrument: str | Instrument = "d_company_employee",
    scorecard_instrument: str | Instrument = "crm_implementation_scorecard",
    tier_column: str = "service_tier",
    tier_mapping: Mapping[str, str] | None = None,
    a_cut: float | None = None,
    b_cut: float | None = None,
    satisfaction_loyalty_cut: float = SATISFACTION_LOYALTY_AGREE_POINT,
    ci: float = 0.95,
    posthoc: bool = True,
    reliability: str = "full",
) -> StudyResult:
    """Run every analysis of a CRM study (the D-company design) into named tables.

    Parameters
    ----------
    customers, employees : path, DataFrame or Responses
        Customer questionnaire and employee self-assessment (see :func:`load_survey`).
    ledger : path or DataFrame
        Revenue per customer and year (:data:`LEDGER_COLUMNS`).
    scorecard : path, DataFrame or Responses, optional
        The 17-metric CRM implementation scorecard.
    customer_instrument, employee_instrument, scorecard_instrument : str or Instrument
    tier_column : str
        Column of the customer data holding the company's own service tier; when present the
        tiers are compared with the ABC classes (:func:`tier_value_agreement`).
    tier_mapping : mapping, optional
        Tier label -> A/B/C (default :data:`DEFAULT_TIER_MAPPING`).
    a_cut, b_cut : float, optional
        ABC cut-offs (default those of :mod:`crm_research.segmentation`, .70 and .90).
    satisfaction_loyalty_cut : float
        "High" cut-off of the satisfaction x loyalty matrix (default 4, "agree").
    ci : float
        Confidence level of all intervals.
    posthoc : bool
        Whether group comparisons of three or more groups run post-hoc tests (kept in the
        ``posthoc`` tables); switch off for speed in simulations.
    reliability : {"full", "alpha", "none"}
        ``"full"``: :func:`crm_research.reliability.scale_reliability` (alpha with Feldt CI,
        omega, item-total r); ``"alpha"``: alpha and its Feldt CI only (fast); ``"none"``: no
        reliability tables.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> case = simulate(1, "thesis")
    >>> study = run_study(case.customers, case.employees, case.ledger, case.scorecard)
    >>> "perception_gap" in study.tables
    True
    """
    from crm_research import analysis, segmentation
    from crm_research.reliability import scale_reliability
    from crm_research.scoring import keyed_items, nps

    cus = load_survey(customers, customer_instrument)
    emp = load_survey(employees, employee_instrument)
    led = load_ledger(ledger)
    sc_data = load_survey(scorecard, scorecard_instrument) if scorecard is not None else None
    cinst, einst = cus.instrument, emp.instrument
    likert_c = [s.id for s in cinst.scales if s.kind != "nps"]
    likert_e = [s.id for s in einst.scales if s.kind != "nps"]
    mid_c = {s: _midpoint(cinst, cinst.scale_items(s)) for s in likert_c}
    mid_e = {s: _midpoint(einst, einst.scale_items(s)) for s in likert_e}
    t: dict[str, pd.DataFrame] = {}

    quality_rows = []
    for name, data in (("customers", cus), ("employees", emp), ("scorecard", sc_data)):
        if data is None:
            continue
        quality_rows.append(
            {
                "input": name,
                # the file name only: a table is the same wherever the input lies (the
                # sha256 identifies the file; full paths belong in manifest.json)
                "source": Path(data.source).name,
                "instrument": data.instrument.id,
                "respondents": len(data.items),
                "problems": len(data.quality),
                "sha256": data.sha256 or "",
            }
        )
    quality = pd.DataFrame(quality_rows)
    t["quality_summary"] = quality

    # Descriptives and scale levels
    t["customer_descriptives"] = analysis.describe(cus.items)
    t["customer_item_summary"] = item_summary(cus.items, cinst, likert_c, ci)
    t["customer_scale_scores_summary"] = scale_summary(cus.scores, mid_c, likert_c, ci)
    t["customer_correlations"] = analysis.correlations(cus.scores[likert_c], ci=ci)
    t["employee_descriptives"] = analysis.describe(emp.items)
    t["employee_item_summary"] = item_summary(emp.items, einst, likert_e, ci)
    t["employee_scale_scores_summary"] = scale_summary(emp.scores, mid_e, likert_e, ci)

    # Reliability
    if reliability not in ("full", "alpha", "none"):
        raise InputError(f"reliability must be 'full', 'alpha' or 'none', not {reliability!r}.")
    for key, data, scales in (("customer", cus, likert_c), ("employee", emp, likert_e)):
        if reliability == "none":
            break
        keyed = keyed_items(data.items, data.instrument)
        spec = {s: data.instrument.scale_items(s) for s in scales}
        if reliability == "full":
            t[f"reliability_{key}"] = scale_reliability(keyed, spec, ci=ci)
        else:
            t[f"reliability_{key}"] = _alpha_table(keyed, spec, ci)

    # Group comparisons of the customer scales
    group_cols = [c for c in ("customer_type", "sector") if c in cus.meta.columns]
    tests, means, pairs = group_comparison_table(
        cus.scores, cus.meta, likert_c, group_cols, reference=mid_c, ci=ci, posthoc=posthoc
    )
    t["group_comparisons"], t["group_means"] = tests, means
    if not pairs.empty:
        t["group_posthoc"] = pairs

    # Drivers: dimensions -> satisfaction -> loyalty
    drivers = [d for d in (*IDIC_DIMENSIONS, "quality") if d in cus.scores.columns]
    fits = []
    if "satisfaction" in cus.scores.columns and drivers:
        reg = analysis.driver_regression(cus.scores, "satisfaction", drivers, ci=ci)
        t["drivers_satisfaction"] = reg.coefficients.assign(outcome="satisfaction")
        fits.append(("satisfaction", reg))
        if len(drivers) >= 2:  # IPA places attributes relative to each other
            t["ipa"] = analysis.importance_performance(cus.scores, "satisfaction", drivers)
    if {"loyalty", "satisfaction"} <= set(cus.scores.columns):
        reg = analysis.driver_regression(cus.scores, "loyalty", ["satisfaction", *drivers], ci=ci)
        t["drivers_loyalty"] = reg.coefficients.assign(outcome="loyalty")
        fits.append(("loyalty", reg))
        slm = analysis.satisfaction_loyalty_matrix(
            cus.scores["satisfaction"],
            cus.scores["loyalty"],
            satisfaction_loyalty_cut,
            satisfaction_loyalty_cut,
        )
        t["satisfaction_loyalty"] = slm.summary.assign(
            satisfaction_cut=slm.satisfaction_cut, loyalty_cut=slm.loyalty_cut
        )
        t["satisfaction_vs_loyalty"] = analysis.paired_comparison(
            cus.scores, before="loyalty", after="satisfaction", ci=ci
        )
    if fits:
        t["driver_fit"] = pd.DataFrame(
            [
                {
                    "outcome": name,
                    "n": r.n,
                    "r2": r.r2,
                    "adj_r2": r.adj_r2,
                    "f": r.f,
                    "f_pvalue": r.f_pvalue,
                    "df_model": r.df_model,
                    "df_resid": r.df_resid,
                }
                for name, r in fits
            ]
        )
    nps_scales = [s.id for s in cinst.scales if s.kind == "nps"]
    if nps_scales:
        t["nps"] = nps(cus.scores[nps_scales[0]]).to_frame()

    # Perception gap (employees minus customers on the matched IDIC dimensions)
    matched = [d for d in IDIC_DIMENSIONS if d in cus.scores.columns and d in emp.scores.columns]
    if matched:
        t["perception_gap"] = analysis.perception_gap(emp.scores, cus.scores, matched, ci=ci)

    # Customer value: ABC, concentration, distribution, tiers
    abc_kwargs = {k: v for k, v in (("a_cut", a_cut), ("b_cut", b_cut)) if v is not None}
    abc = segmentation.abc_classification(led, **abc_kwargs)
    first = ["customer_id", "revenue", "cumulative_share", "abc_class"]
    t["abc"] = abc[first + [c for c in abc.columns if c not in first]]
    # the cut-offs used, next to the classes (findings quote them from this table)
    t["abc_summary"] = segmentation.abc_summary(abc).assign(
        a_cut=abc_kwargs.get("a_cut", segmentation.A_CUT),
        b_cut=abc_kwargs.get("b_cut", segmentation.B_CUT),
    )
    conc_rows = []
    for by, name in (("city", "city"), ("customer_type", "type"), ("sector", "sector")):
        res = segmentation.concentration(led, by)
        t[f"concentration_{name}"] = res.groups
        conc_rows.append({"by": by, **res.to_frame().set_index("measure")["value"].to_dict()})
    t["concentration_summary"] = pd.DataFrame(conc_rows)
    customer_frame = cus.meta if "customer_id" in cus.meta.columns else None
    source = customer_frame if customer_frame is not None else led
    dist_rows = []
    for by, name in (("city", "city"), ("customer_type", "type"), ("sector", "sector")):
        if by not in source.columns:
            continue
        dist_rows.append(count_concentration(source, by, ci=ci))
        t[f"distribution_{name}"] = segmentation.distribution(source, [by])
    if dist_rows:
        t["customer_distribution"] = pd.concat(dist_rows, ignore_index=True)
    if customer_frame is not None and tier_column in customer_frame.columns:
        tiers = pd.Series(
            customer_frame[tier_column].to_numpy(),
            index=customer_frame["customer_id"].astype(str).to_numpy(),
        )
        summary, cross = tier_value_agreement(tiers, abc, tier_mapping, ci=ci)
        t["classification_agreement"], t["classification_crosstab"] = summary, cross

    # CRM system use and people, by role
    if "role" in emp.meta.columns:
        e_tests, e_means, e_pairs = group_comparison_table(
            emp.scores,
            emp.meta,
            [s for s in likert_e if s not in IDIC_DIMENSIONS],
            ["role"],
            reference=mid_e,
            ci=ci,
            posthoc=posthoc,
        )
        t["employee_group_comparisons"] = e_tests
        if not e_pairs.empty:
            t["employee_group_posthoc"] = e_pairs
        if not e_means.empty:
            t["crm_use_by_role"] = e_means[e_means["value"] == "crm_use"].reset_index(drop=True)

    # Implementation scorecard
    if sc_data is not None:
        summary = analysis.scorecard_summary(sc_data.items, ci=ci)
        t["scorecard"] = summary.means
        t["scorecard_comparisons"] = summary.comparisons

    # a table without columns would be an empty file: leave it out (as absent inputs do)
    tables = {name: _rounded(frame) for name, frame in t.items() if frame.shape[1] > 0}
    params = {
        "customer_instrument": cinst.id,
        "employee_instrument": einst.id,
        "scorecard_instrument": sc_data.instrument.id if sc_data is not None else None,
        "customer_midpoints": mid_c,
        "employee_midpoints": mid_e,
        "satisfaction_loyalty_cut": satisfaction_loyalty_cut,
        "abc_cuts": {
            "a_cut": a_cut if a_cut is not None else segmentation.A_CUT,
            "b_cut": b_cut if b_cut is not None else segmentation.B_CUT,
        },
        "ci": ci,
    }
    return StudyResult(tables, quality, cus, emp, led, params)


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


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
    study: StudyResult, findings: Sequence[Any] | None, out_dir: str | Path
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
        from crm_research.findings import findings_to_records

        path = out / "findings.json"
        records = findings_to_records(findings)
        path.write_text(
            json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        written["findings.json"] = path
    return written
