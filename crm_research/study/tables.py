"""The analyses the study owns (the others come from analysis.py and segmentation.py).

Scale and item levels against the scale midpoint with Cohen's d, the concentration of the
number of customers, the agreement of the company's tiers with the ABC classes, group
comparisons of every scale by every background column, and a fast alpha table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_research.analysis import compare_groups, holm_adjust
from crm_research.errors import InputError
from crm_research.instrument import Instrument, load_instrument
from crm_research.reliability import cronbach_alpha
from crm_research.segmentation import ABC_CLASSES, classification_agreement

__all__ = [
    "DEFAULT_TIER_MAPPING",
    "alpha_table",
    "count_concentration",
    "group_comparison_table",
    "item_summary",
    "midpoint",
    "scale_summary",
    "tier_value_agreement",
]

#: Default mapping of a company's own service tiers to the value classes they should match.
DEFAULT_TIER_MAPPING = {"key": "A", "important": "B", "regular": "B", "normal": "B", "small": "C"}


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
        d_ci_low, d_ci_high, share_below, share_above`` (the shares of respondents whose score
        lies strictly below / above the reference).

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
        row = {"scale": col, **_d_one_sample(values, float(ref), ci)}
        # the share of respondents below / above the reference: the reach of a finding
        # (crm_research.findings.plan)
        row["share_below"] = float(np.mean(values < float(ref)))
        row["share_above"] = float(np.mean(values > float(ref)))
        rows.append(row)
    return pd.DataFrame(rows)


def midpoint(instrument: Instrument, item_ids: Sequence[str]) -> float:
    """The midpoint of the response scale of the first of ``item_ids`` (3 on a 1-5 scale)."""
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
        One row: ``by, basis, n, groups, hhi, se, ci_low, ci_high, hhi_normalized, cohen_w,
        cohen_w_ci_low, cohen_w_ci_high, top_group, top_share, top2_share``; ``basis`` is
        ``"customer_count"`` (the revenue HHI of :func:`crm_research.segmentation.concentration`
        says ``"revenue_share"``), so that two HHIs of one grouping are never confused.

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
                "basis": "customer_count",
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
        One-row summary (``n, classes, merged_classes, percent_agreement, kappa, se, ci_low,
        ci_high, n_unmatched``; ``merged_classes`` e.g. ``"C→B"`` states the merge) and the
        crosstab in long form (``tier_class, abc_class, compared_as, customers``): the tiers
        the company uses against every ABC class, unmerged.

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
    # which value classes were counted as which for kappa, e.g. "C→B" (empty: none merged)
    moves = [f"{c}→{merge(c)}" for c in ABC_CLASSES if merge(c) != c]
    summary.insert(2, "merged_classes", ", ".join(moves))
    # the crosstab shows every value class as it is (class C is not hidden in B): rows are
    # the tiers the company uses, columns A, B, C; ``compared_as`` names the class each
    # column counted as in kappa
    common = mapped.index.intersection(classes.index)
    left = pd.Categorical(mapped.loc[common], categories=used)
    right = pd.Categorical(classes.loc[common], categories=list(ABC_CLASSES))
    cross = pd.crosstab(left, right, dropna=False).reindex(
        index=used, columns=list(ABC_CLASSES), fill_value=0
    )
    long = pd.DataFrame(
        [
            {"tier_class": t, "abc_class": c, "compared_as": merge(c),
             "customers": int(cross.loc[t, c])}
            for t in used
            for c in ABC_CLASSES
        ]
    )  # fmt: skip
    return summary, long


#: Columns of a group-comparison table that has no test (every grouping left fewer than two
#: groups of ``min_group_size``), so that its CSV still has a header.
_TEST_COLUMNS = (
    "value", "group", "method", "test", "statistic", "df1", "df2", "p_value", "effect_name",
    "effect_value", "effect_ci_low", "effect_ci_high", "group_1", "group_2", "groups_compared",
    "p_holm",
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
        group_2; ``groups_compared``; ``p_holm``, Holm-adjusted within the table's family of
        tests) and group means of every level (``value, group, level,
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
    if tests:
        # one multiplicity rule everywhere: Holm (1979) within the family of tests of this
        # table (every value x grouping it compares); the post-hoc pairs control their own
        test_frame["p_holm"] = holm_adjust(test_frame["p_value"].to_numpy(float))
    columns = ["value", "group", "level", "n", "mean", "sd", "median", "reference", "d"]
    mean_frame = pd.DataFrame(means, columns=[*columns, "d_ci_low", "d_ci_high"])
    pair_frame = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    if not pair_frame.empty:
        first = ["value", "group_by"]
        pair_frame = pair_frame[first + [c for c in pair_frame.columns if c not in first]]
    return test_frame, mean_frame, pair_frame


def alpha_table(
    keyed: pd.DataFrame, scales: Mapping[str, Sequence[str]], ci: float
) -> pd.DataFrame:
    """Cronbach's alpha with its Feldt CI per scale (``scale, k, n, alpha, ci_low, ci_high``).

    The fast reliability table of :func:`~crm_research.study.run_study` (``reliability="alpha"``);
    scales with fewer than two items are left out.
    """
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
