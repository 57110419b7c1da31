"""Stage 5 of the flow: generic survey analyses (SPSS-style tables and CRM diagnostics).

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): the module is a
family of small public functions (SPSS tables, group comparisons with their effect sizes
and post-hoc tests, drivers, IPA, the satisfaction x loyalty matrix, gaps, the scorecard)
that share the Holm adjustment, the effect-size intervals and the group-table helpers;
``compare_groups`` alone is about 300 lines.  Its natural split (``analysis/`` with groups,
drivers and CRM diagnostics) waits for a time when nobody else is editing it.

Every function takes pandas objects and returns a tidy DataFrame or a small frozen result
dataclass with ``to_frame()``.  The statistics follow SPSS where SPSS has them (descriptives,
frequencies, Levene on the mean) and are tested against scipy, statsmodels and pingouin.

Contents
--------
- :func:`describe`, :func:`frequencies` -- SPSS "Descriptives" and "Frequencies".
- :func:`compare_groups` -- t / Welch / ANOVA / Welch ANOVA / Kruskal-Wallis / Mann-Whitney with
  effect sizes and post-hoc tests (Tukey HSD, Games-Howell, Dunn-Holm).
- :func:`correlations`, :func:`correlation_matrix` -- Pearson / Spearman with Fisher-z CIs.
- :func:`driver_regression`, :func:`mediation_chain` -- OLS drivers with standardized beta and VIF.
- :func:`importance_performance` -- importance-performance analysis (Martilla & James 1977).
- :func:`satisfaction_loyalty_matrix` -- apostles, mercenaries, hostages, defectors
  (Jones & Sasser 1995).
- :func:`perception_gap` -- employee minus customer scores per matched dimension (Welch).
- :func:`paired_comparison`, :func:`scorecard_summary` -- the 17-metric CRM implementation
  scorecard by category and phase.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crm_research.errors import InputError
from crm_research.importance import relative_importance as relative_importance  # noqa: F401

__all__ = [
    "GroupComparison",
    "RegressionResult",
    "MediationResult",
    "SatisfactionLoyaltyResult",
    "ScorecardSummary",
    "describe",
    "frequencies",
    "compare_groups",
    "correlations",
    "correlation_matrix",
    "driver_regression",
    "mediation_chain",
    "importance_performance",
    "satisfaction_loyalty_matrix",
    "perception_gap",
    "paired_comparison",
    "scorecard_summary",
    "holm_adjust",
    "SCORECARD_CATEGORIES",
    "SCORECARD_PHASES",
]

# --------------------------------------------------------------------------------------------
# Constants (with their sources)
# --------------------------------------------------------------------------------------------

#: Significance level used by ``method="auto"`` to choose Welch ANOVA after Levene's test;
#: the conventional .05 (Fisher 1925).  SPSS ONEWAY reports Levene on the mean (Levene 1960).
LEVENE_ALPHA = 0.05

#: Significance stars for correlation matrices, the APA / SPSS convention
#: (* p < .05, ** p < .01, *** p < .001; APA Publication Manual, 7th ed., 2020).
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"))

#: Jones & Sasser (1995) segment names, in the order of their 2x2 matrix.
SEGMENTS = ("apostle", "mercenary", "hostage", "defector")

#: Martilla & James (1977) quadrant names.
QUADRANTS = ("concentrate_here", "keep_up_good_work", "low_priority", "possible_overkill")

#: The 17-metric CRM implementation scorecard (seeds/002): metric id -> category.
SCORECARD_CATEGORIES: dict[str, str] = {
    "str_objectives": "strategy",
    "str_profitability": "strategy",
    "str_change_mgmt": "strategy",
    "ppl_acceptance": "people",
    "ppl_training": "people",
    "ppl_motivation": "people",
    "prc_internal": "process",
    "prc_external": "process",
    "prc_org_change": "process",
    "tec_roi": "technology",
    "tec_impl_time": "technology",
    "tec_usability": "technology",
    "tec_problem_solving": "technology",
    "cus_loyalty": "customer",
    "cus_satisfaction": "customer",
    "cus_share_of_wallet": "customer",
    "cus_profitability": "customer",
}
#: Scorecard phases, in time order.
SCORECARD_PHASES: tuple[str, ...] = ("before", "during", "after")

#: Default number of bootstrap resamples for the nonparametric effect-size CIs and the
#: indirect effect (Efron & Tibshirani 1993 recommend >= 1000 for percentile intervals).
DEFAULT_N_BOOT = 1000

Method = Literal["auto", "t", "welch", "anova", "welch_anova", "kruskal", "mannwhitney"]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _require_frame(data: Any, what: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    return data


def _require_columns(data: pd.DataFrame, columns: Sequence[str], what: str = "data") -> None:
    for column in columns:
        if column not in data.columns:
            raise InputError(f"Column {column!r} is not in {what}.")


def _numeric(data: pd.DataFrame, column: str, what: str = "data") -> pd.Series:
    values = data[column]
    if isinstance(values, pd.DataFrame):
        raise InputError(f"Column {column!r} appears more than once in {what}.")
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & converted.isna()
        if bad.any():
            row = values.index[bad.to_numpy()][0]
            raise InputError(
                f"Column {column!r} in {what} holds a non-numeric value {values[row]!r} at row {row!r}."
            )
        values = converted
    return values.astype(float)


def _check_ci(ci: float) -> float:
    if not (isinstance(ci, int | float) and 0.0 < float(ci) < 1.0):
        raise InputError(f"The confidence level ci must be between 0 and 1, got {ci!r}.")
    return float(ci)


def holm_adjust(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (NaNs are kept and ignored).

    Parameters
    ----------
    p_values : sequence of float
        Unadjusted p-values.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, capped at 1, in the input order.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics, 6(2), 65-70.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="mergesort")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * q[order])
    adjusted = np.minimum(adjusted, 1.0)
    result = np.empty(m)
    result[order] = adjusted
    out[ok] = result
    return out


def _hedges_correction(df: float) -> float:
    """Small-sample correction J = 1 - 3 / (4 df - 1) (Hedges & Olkin 1985, eq. 5.10)."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def _d_ci(d: float, n1: int, n2: int, ci: float) -> tuple[float, float]:
    """Large-sample CI of an independent-groups standardized difference.

    SE = sqrt((n1+n2)/(n1 n2) + d^2 / (2 (n1+n2))) (Hedges & Olkin 1985) with a t critical value
    on n1+n2-2 df, as R ``effsize::cohen.d(noncentral = FALSE)`` and pingouin ``compute_esci``.
    """
    se = np.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2.0 * (n1 + n2)))
    crit = stats.t.ppf(0.5 + ci / 2.0, n1 + n2 - 2)
    return float(d - crit * se), float(d + crit * se)


def _cohen_d(x: np.ndarray, y: np.ndarray) -> float:
    n1, n2 = x.size, y.size
    pooled = ((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2)
    if pooled <= 0:
        return np.nan  # both groups constant: the standardized difference is undefined
    return float((x.mean() - y.mean()) / np.sqrt(pooled))


def _two_sample_effects(x: np.ndarray, y: np.ndarray, ci: float) -> dict[str, float]:
    """Cohen's d (pooled SD) and Hedges' g with CIs, for x minus y."""
    n1, n2 = x.size, y.size
    d = _cohen_d(x, y)
    g = d * _hedges_correction(n1 + n2 - 2)
    d_lo, d_hi = _d_ci(d, n1, n2, ci)
    g_lo, g_hi = _d_ci(g, n1, n2, ci)
    return {
        "cohen_d": d,
        "cohen_d_ci_low": d_lo,
        "cohen_d_ci_high": d_hi,
        "hedges_g": g,
        "hedges_g_ci_low": g_lo,
        "hedges_g_ci_high": g_hi,
    }


# --------------------------------------------------------------------------------------------
# Descriptives and frequencies
# --------------------------------------------------------------------------------------------


def describe(data: pd.DataFrame | pd.Series, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """SPSS "Descriptives": one row per variable.

    Skewness and kurtosis use the bias-corrected formulas SPSS and Excel report (Joanes & Gill
    1998, G1 and G2)::

        g1 = m3 / m2**1.5,   G1 = g1 * sqrt(n (n-1)) / (n-2)
        g2 = m4 / m2**2 - 3, G2 = (n-1) / ((n-2)(n-3)) * ((n+1) g2 + 6)
        se_skewness = sqrt(6 n (n-1) / ((n-2)(n+1)(n+3)))
        se_kurtosis = 2 se_skewness sqrt((n**2 - 1) / ((n-3)(n+5)))

    where ``m_r`` are central sample moments with divisor n.  Missing values are excluded per
    variable.  Statistics that are undefined for the available n are NaN (skewness needs
    n >= 3, kurtosis n >= 4).

    Parameters
    ----------
    data : DataFrame or Series
        Numeric data; a Series is treated as one variable.
    columns : sequence of str, optional
        Columns to describe; default all numeric columns.

    Returns
    -------
    DataFrame
        Columns ``variable, n, missing, mean, sd, se_mean, min, max, median, skewness,
        se_skewness, kurtosis, se_kurtosis``; ``sd`` uses n - 1.

    Examples
    --------
    >>> import pandas as pd
    >>> describe(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 10.0]}))[["n", "mean", "median"]]
       n  mean  median
    0  5   4.0     3.0

    References
    ----------
    Joanes, D. N., & Gill, C. A. (1998). Comparing measures of sample skewness and kurtosis.
    Journal of the Royal Statistical Society D, 47(1), 183-189.
    IBM (2021). SPSS Statistics Algorithms: DESCRIPTIVES.
    """
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else "value")
    data = _require_frame(data)
    if columns is None:
        columns = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
        if not columns:
            raise InputError("data has no numeric columns to describe.")
    _require_columns(data, columns)
    rows = []
    for column in columns:
        values = _numeric(data, column)
        x = values.dropna().to_numpy()
        n = x.size
        row: dict[str, Any] = {"variable": column, "n": n, "missing": int(values.isna().sum())}
        mean = x.mean() if n else np.nan
        sd = x.std(ddof=1) if n > 1 else np.nan
        row.update(
            mean=mean,
            sd=sd,
            se_mean=sd / np.sqrt(n) if n > 1 else np.nan,
            min=x.min() if n else np.nan,
            max=x.max() if n else np.nan,
            median=float(np.median(x)) if n else np.nan,
        )
        skew = se_skew = kurt = se_kurt = np.nan
        if n >= 3:
            dev = x - mean
            m2 = np.mean(dev**2)
            se_skew = np.sqrt(6.0 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
            if m2 > 0:
                g1 = np.mean(dev**3) / m2**1.5
                skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
            if n >= 4:
                se_kurt = 2.0 * se_skew * np.sqrt((n**2 - 1.0) / ((n - 3) * (n + 5)))
                if m2 > 0:
                    g2 = np.mean(dev**4) / m2**2 - 3.0
                    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
        row.update(skewness=skew, se_skewness=se_skew, kurtosis=kurt, se_kurtosis=se_kurt)
        rows.append(row)
    return pd.DataFrame(rows)


def frequencies(series: pd.Series, labels: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """SPSS "Frequencies": one row per value plus a ``Missing`` row.

    ``percent`` is out of all cases (missing included), ``valid_percent`` and
    ``cumulative_percent`` out of the non-missing cases, as in SPSS.  Values are sorted
    ascending; codes named in ``labels`` but never observed are listed with count 0 (useful for
    Likert points nobody chose).

    Parameters
    ----------
    series : Series
        The variable.
    labels : mapping, optional
        Value labels (code -> text).

    Returns
    -------
    DataFrame
        Columns ``value, label, count, percent, valid_percent, cumulative_percent``; the last
        row has ``value`` NaN and ``label`` "Missing" (valid and cumulative percent NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> f = frequencies(pd.Series([1, 2, 2, None]), labels={1: "no", 2: "yes"})
    >>> f[["label", "count", "percent", "valid_percent"]].round(1)
         label  count  percent  valid_percent
    0       no      1     25.0           33.3
    1      yes      2     50.0           66.7
    2  Missing      1     25.0            NaN

    References
    ----------
    IBM (2021). SPSS Statistics Algorithms: FREQUENCIES.
    """
    if not isinstance(series, pd.Series):
        raise InputError(f"series must be a pandas Series, got {type(series).__name__}.")
    total = len(series)
    if total == 0:
        raise InputError(f"Column {series.name!r} is empty.")
    valid = series.dropna()
    counts = valid.value_counts(sort=False)
    if labels:
        for code in labels:
            if code not in counts.index:
                counts.loc[code] = 0
    try:
        counts = counts.sort_index()
    except TypeError:
        counts = counts.loc[sorted(counts.index, key=str)]
    n_valid = int(counts.sum())
    frame = pd.DataFrame(
        {
            "value": list(counts.index),
            "label": [(labels or {}).get(v, str(v)) for v in counts.index],
            "count": counts.to_numpy().astype(int),
        }
    )
    frame["percent"] = 100.0 * frame["count"] / total
    frame["valid_percent"] = 100.0 * frame["count"] / n_valid if n_valid else np.nan
    frame["cumulative_percent"] = frame["valid_percent"].cumsum()
    n_missing = total - n_valid
    missing = pd.DataFrame(
        {
            "value": [np.nan],
            "label": ["Missing"],
            "count": [n_missing],
            "percent": [100.0 * n_missing / total],
            "valid_percent": [np.nan],
            "cumulative_percent": [np.nan],
        }
    )
    frame["value"] = frame["value"].astype(object)
    missing["value"] = missing["value"].astype(object)
    return pd.concat([frame, missing], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Group comparisons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupComparison:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    value, group : str
        The compared variable and the grouping column.
    method : str
        The test actually run (``"auto"`` is resolved).
    test : dict
        ``test, statistic, df1, df2, p_value`` (``df2`` NaN for chi-square/z based tests).
    effect_size : dict
        ``name, value, ci_low, ci_high`` plus secondary measures (Hedges' g, omega squared).
    groups : DataFrame
        Per group: ``group, n, mean, sd, median``.
    posthoc : DataFrame or None
        Pairwise comparisons (Tukey HSD, Games-Howell or Dunn-Holm), None for two groups.
    levene : dict
        Levene's test on the mean (SPSS): ``statistic, df1, df2, p_value``.
    """

    value: str
    group: str
    method: str
    test: dict[str, Any]
    effect_size: dict[str, Any]
    groups: pd.DataFrame
    posthoc: pd.DataFrame | None
    levene: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row: the test, its effect size and CI."""
        row = {"value": self.value, "group": self.group, "method": self.method}
        row.update(self.test)
        row.update({f"effect_{k}": v for k, v in self.effect_size.items()})
        return pd.DataFrame([row])

    def __repr__(self) -> str:
        t, e = self.test, self.effect_size
        df = f"{t['df1']:.4g}" + ("" if pd.isna(t["df2"]) else f", {t['df2']:.4g}")
        lines = [
            f"GroupComparison({self.value!r} by {self.group!r}, method={self.method!r})",
            f"  {t['test']}: statistic = {t['statistic']:.4f}, df = ({df}), p = {t['p_value']:.4g}",
            f"  {e['name']} = {e['value']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}]",
            "  groups: "
            + ", ".join(
                f"{g} (n={n}, M={m:.3f})"
                for g, n, m in self.groups[["group", "n", "mean"]].itertuples(index=False)
            ),
        ]
        if self.posthoc is not None:
            lines.append(f"  posthoc: {len(self.posthoc)} pairs")
        return "\n".join(lines)


def _eta_squared_ci(f_value: float, df1: float, df2: float, ci: float) -> tuple[float, float]:
    """CI of eta squared by inverting the noncentral F (Steiger 2004): eta2 = lambda/(lambda+N)."""
    n_total = df1 + df2 + 1
    alpha = 1.0 - ci
    if not np.isfinite(f_value):
        return np.nan, np.nan

    def bound(target: float) -> float:
        # find lambda with ncf.cdf(F; df1, df2, lambda) == target; cdf falls as lambda grows
        if stats.f.cdf(f_value, df1, df2) <= target:
            return 0.0
        hi = max(10.0, f_value * df1 * 2)
        while stats.ncf.cdf(f_value, df1, df2, hi) > target:
            hi *= 2.0
        return float(
            optimize.brentq(
                lambda lam: stats.ncf.cdf(f_value, df1, df2, lam) - target, 0.0, hi, xtol=1e-10
            )
        )

    lam_low = bound(1.0 - alpha / 2.0)
    lam_high = bound(alpha / 2.0)
    return lam_low / (lam_low + n_total), lam_high / (lam_high + n_total)


def _welch_anova(samples: list[np.ndarray]) -> tuple[float, float]:
    """Welch's (1951) heteroscedastic F and its denominator df."""
    k = len(samples)
    n = np.array([s.size for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    weights = n / np.array([s.var(ddof=1) for s in samples])
    weighted_mean = (weights * means).sum() / weights.sum()
    lam = np.sum((1.0 - weights / weights.sum()) ** 2 / (n - 1.0))
    numerator = (weights * (means - weighted_mean) ** 2).sum() / (k - 1)
    denominator = 1.0 + 2.0 * (k - 2) / (k**2 - 1) * lam
    return float(numerator / denominator), float((k**2 - 1) / (3.0 * lam))


@lru_cache(maxsize=512)
def _studentized_range_quantile(ci: float, k: int, df: float) -> float:
    """Quantile of the studentized range (cached: each call integrates numerically, ~0.1 s).

    A study compares many outcomes across the same groups, so the same ``(ci, k, df)``
    recurs; the cache turns those repeated root searches into one.
    """
    return float(stats.studentized_range.ppf(ci, k, df))


def _tukey_hsd(samples: list[np.ndarray], names: list[Any], ci: float) -> pd.DataFrame:
    k = len(samples)
    n = np.array([s.size for s in samples])
    df = float(n.sum() - k)
    ms_within = sum(((s - s.mean()) ** 2).sum() for s in samples) / df
    q_crit = _studentized_range_quantile(float(ci), k, df)
    pairs = list(combinations(range(k), 2))
    means = np.array([s.mean() for s in samples])
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    diff = means[first] - means[second]
    se = np.sqrt(ms_within / 2.0 * (1.0 / n[first] + 1.0 / n[second]))
    q = np.abs(diff) / se
    # one vectorised call for all pairs (the distribution's argument checks run once)
    p_values = np.atleast_1d(stats.studentized_range.sf(q, k, df)).astype(float)
    return pd.DataFrame(
        {
            "group1": [names[i] for i in first],
            "group2": [names[j] for j in second],
            "mean_diff": diff,
            "se": se,
            "statistic": q,
            "df": df,
            "p_value": p_values,
            "ci_low": diff - q_crit * se,
            "ci_high": diff + q_crit * se,
            "hedges_g": [
                _cohen_d(samples[i], samples[j]) * _hedges_correction(n[i] + n[j] - 2)
                for i, j in pairs
            ],
            "test": "tukey_hsd",
        }
    )


def _games_howell(samples: list[np.ndarray], names: list[Any], ci: float) -> pd.DataFrame:
    k = len(samples)
    rows = []
    for i, j in combinations(range(k), 2):
        x, y = samples[i], samples[j]
        vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
        diff = x.mean() - y.mean()
        se = np.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
        t_value = diff / se
        q_crit = stats.studentized_range.ppf(ci, k, df) / np.sqrt(2.0)
        rows.append(
            {
                "group1": names[i],
                "group2": names[j],
                "mean_diff": diff,
                "se": se,
                "statistic": t_value,
                "df": df,
                "p_value": float(stats.studentized_range.sf(np.sqrt(2.0) * abs(t_value), k, df)),
                "ci_low": diff - q_crit * se,
                "ci_high": diff + q_crit * se,
                "hedges_g": _cohen_d(x, y) * _hedges_correction(x.size + y.size - 2),
                "test": "games_howell",
            }
        )
    return pd.DataFrame(rows)


def _dunn_holm(samples: list[np.ndarray], names: list[Any]) -> pd.DataFrame:
    k = len(samples)
    pooled = np.concatenate(samples)
    n_total = pooled.size
    ranks = stats.rankdata(pooled)
    _, tie_counts = np.unique(pooled, return_counts=True)
    tie_term = np.sum(tie_counts**3 - tie_counts) / (12.0 * (n_total - 1))
    variance = n_total * (n_total + 1) / 12.0 - tie_term
    bounds = np.cumsum([0] + [s.size for s in samples])
    mean_ranks = [ranks[bounds[g] : bounds[g + 1]].mean() for g in range(k)]
    rows = []
    for i, j in combinations(range(k), 2):
        ni, nj = samples[i].size, samples[j].size
        se = np.sqrt(variance * (1.0 / ni + 1.0 / nj))
        z = (mean_ranks[i] - mean_ranks[j]) / se
        rows.append(
            {
                "group1": names[i],
                "group2": names[j],
                "mean_rank_diff": mean_ranks[i] - mean_ranks[j],
                "se": se,
                "statistic": z,
                "p_unadjusted": float(2.0 * stats.norm.sf(abs(z))),
                "test": "dunn_holm",
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(5, "p_value", holm_adjust(frame["p_unadjusted"].to_numpy()))
    return frame


def _bootstrap_ci(
    statistic: Any, samples: list[np.ndarray], n_boot: int, seed: int | None, ci: float
) -> tuple[float, float]:
    """Percentile bootstrap CI, resampling within each group (stratified)."""
    rng = np.random.default_rng(seed)
    values = np.empty(n_boot)
    for b in range(n_boot):
        values[b] = statistic([s[rng.integers(0, s.size, s.size)] for s in samples])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.nan, np.nan
    lo, hi = np.quantile(values, [(1.0 - ci) / 2.0, (1.0 + ci) / 2.0])
    return float(lo), float(hi)


def _epsilon_squared(samples: list[np.ndarray]) -> float:
    n_total = sum(s.size for s in samples)
    try:
        h = stats.kruskal(*samples).statistic
    except ValueError:  # all values identical
        return np.nan
    return float(h * (n_total + 1) / (n_total**2 - 1))


def _rank_biserial(samples: list[np.ndarray]) -> float:
    x, y = samples
    u_x = stats.mannwhitneyu(x, y, alternative="two-sided").statistic
    return float(2.0 * u_x / (x.size * y.size) - 1.0)


def compare_groups(
    data: pd.DataFrame,
    value: str,
    group: str,
    method: Method = "auto",
    posthoc: bool = True,
    alpha: float = LEVENE_ALPHA,
    ci: float = 0.95,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
) -> GroupComparison:
    """Compare a numeric variable across groups, with an effect size and post-hoc tests.

    ``method="auto"`` chooses: two groups -> Welch's t (robust to unequal variances at no
    real cost, Delacre, Lakens & Leys 2017); three or more -> Welch's ANOVA when Levene's test
    (on the mean, as SPSS) has p < ``alpha`` (default ``LEVENE_ALPHA`` = .05), otherwise the
    classic one-way ANOVA.  Welch's ANOVA is undefined when a group has zero variance; "auto"
    then uses the classic ANOVA.  Statistics that are undefined (e.g. all values equal) are
    NaN.

    Effect sizes (``effect_size["name"]``):

    - ``t``/``welch``: Cohen's d with the pooled SD (group 1 minus group 2) and its CI
      ``d +- t(.975, n1+n2-2) * sqrt((n1+n2)/(n1 n2) + d^2/(2(n1+n2)))``; Hedges'
      g = d (1 - 3/(4(n1+n2-2)-1)) with the same CI formula is given as ``hedges_g``.
    - ``anova``/``welch_anova``: eta squared SS_between / SS_total with a CI from the
      noncentral F of the classic ANOVA (Steiger 2004); omega squared
      (SS_b - df_b MS_w)/(SS_t + MS_w) as ``omega_squared``.
    - ``kruskal``: epsilon squared H (n+1)/(n^2-1) (Tomczak & Tomczak 2014).
    - ``mannwhitney``: rank-biserial correlation 2 U_1/(n1 n2) - 1 (Kerby 2014),
      positive when group 1 tends to be larger.

    The two rank-based effect sizes get a seeded, group-stratified percentile bootstrap CI.

    Post-hoc tests (three or more groups, ``posthoc=True``): Tukey HSD after ANOVA,
    Games-Howell after Welch ANOVA, Dunn's z tests with Holm's adjustment after
    Kruskal-Wallis.  Differences are group1 minus group2.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    value : str
        Numeric outcome column.
    group : str
        Grouping column; rows with a missing value or group are dropped.  Groups are ordered
        by their categorical order if categorical, else sorted.
    method : {"auto", "t", "welch", "anova", "welch_anova", "kruskal", "mannwhitney"}
        The test.
    posthoc : bool
        Whether to compute pairwise post-hoc tests for three or more groups.
    alpha : float
        Significance level of Levene's test in the ``method="auto"`` rule.
    ci : float
        Confidence level of the intervals.
    n_boot : int
        Bootstrap resamples for the rank-based effect-size CIs.
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    GroupComparison

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1, 2, 3, 4, 5, 6, 7, 8.0], "g": list("aaaabbbb")})
    >>> res = compare_groups(df, "y", "g")
    >>> res.method, round(res.test["statistic"], 4)
    ('welch', -4.3818)

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values. Biometrika, 38, 330-336.
    Games, P. A., & Howell, J. F. (1976). Journal of Educational Statistics, 1(2), 113-125.
    Dunn, O. J. (1964). Multiple comparisons using rank sums. Technometrics, 6(3), 241-252.
    Steiger, J. H. (2004). Beyond the F test. Psychological Methods, 9(2), 164-182.
    Tomczak, M., & Tomczak, E. (2014). Trends in Sport Sciences, 21(1), 19-25.
    Kerby, D. S. (2014). The simple difference formula. Comprehensive Psychology, 3, 1.
    """
    data = _require_frame(data)
    _require_columns(data, [value, group])
    methods = ("auto", "t", "welch", "anova", "welch_anova", "kruskal", "mannwhitney")
    if method not in methods:
        raise InputError(f"method must be one of {', '.join(methods)}; got {method!r}.")
    ci = _check_ci(ci)
    y = _numeric(data, value)
    keep = y.notna() & data[group].notna()
    y, g = y[keep], data[group][keep]
    if isinstance(g.dtype, pd.CategoricalDtype):
        names = [c for c in g.cat.categories if (g == c).any()]
    else:
        try:
            names = sorted(g.unique())
        except TypeError:
            names = sorted(g.unique(), key=str)
    samples = [y[g == name].to_numpy() for name in names]
    k = len(samples)
    if k < 2:
        raise InputError(f"Column {group!r} has fewer than two groups with {value!r} values.")
    for name, s in zip(names, samples, strict=True):
        if s.size < 2:
            raise InputError(
                f"Group {name!r} of column {group!r} has fewer than two {value!r} values."
            )

    with np.errstate(all="ignore"), warnings.catch_warnings():
        # constant groups make some statistics undefined: they come back as NaN, not warnings
        warnings.simplefilter("ignore", RuntimeWarning)
        return _compare_samples(
            value, group, names, samples, method, posthoc, alpha, ci, n_boot, seed
        )


def _compare_samples(
    value: str,
    group: str,
    names: list[Any],
    samples: list[np.ndarray],
    method: str,
    posthoc: bool,
    alpha: float,
    ci: float,
    n_boot: int,
    seed: int | None,
) -> GroupComparison:
    k = len(samples)
    lev = stats.levene(*samples, center="mean")
    n_total = int(sum(s.size for s in samples))
    levene = {
        "statistic": float(lev.statistic),
        "df1": k - 1,
        "df2": n_total - k,
        "p_value": float(lev.pvalue),
    }
    if method == "auto":
        constant_group = any(s.var() == 0 for s in samples)
        if k == 2:
            method = "welch"
        elif levene["p_value"] < alpha and not constant_group:
            method = "welch_anova"
        else:
            method = "anova"
    if method in ("t", "welch", "mannwhitney") and k != 2:
        raise InputError(f"method {method!r} needs exactly two groups but {group!r} has {k}.")

    groups = pd.DataFrame(
        {
            "group": names,
            "n": [s.size for s in samples],
            "mean": [s.mean() for s in samples],
            "sd": [s.std(ddof=1) for s in samples],
            "median": [float(np.median(s)) for s in samples],
        }
    )

    post: pd.DataFrame | None = None
    if method in ("t", "welch"):
        res = stats.ttest_ind(samples[0], samples[1], equal_var=(method == "t"))
        df1 = float(res.df)
        test = {
            "test": f"{'student' if method == 't' else 'welch'}_t",
            "statistic": float(res.statistic),
            "df1": df1,
            "df2": np.nan,
            "p_value": float(res.pvalue),
        }
        eff = _two_sample_effects(samples[0], samples[1], ci)
        effect = {
            "name": "cohen_d",
            "value": eff["cohen_d"],
            "ci_low": eff["cohen_d_ci_low"],
            "ci_high": eff["cohen_d_ci_high"],
            "hedges_g": eff["hedges_g"],
            "hedges_g_ci_low": eff["hedges_g_ci_low"],
            "hedges_g_ci_high": eff["hedges_g_ci_high"],
        }
    elif method in ("anova", "welch_anova"):
        classic = stats.f_oneway(*samples)
        df_b, df_w = k - 1, n_total - k
        grand = np.concatenate(samples).mean()
        ss_between = sum(s.size * (s.mean() - grand) ** 2 for s in samples)
        ss_within = sum(((s - s.mean()) ** 2).sum() for s in samples)
        ss_total = ss_between + ss_within
        ms_within = ss_within / df_w
        eta2 = ss_between / ss_total if ss_total > 0 else np.nan
        omega2 = (ss_between - df_b * ms_within) / (ss_total + ms_within)
        lo, hi = _eta_squared_ci(float(classic.statistic), df_b, df_w, ci)
        effect = {
            "name": "eta_squared",
            "value": float(eta2),
            "ci_low": lo,
            "ci_high": hi,
            "omega_squared": float(omega2),
        }
        if method == "anova":
            test = {
                "test": "anova",
                "statistic": float(classic.statistic),
                "df1": float(df_b),
                "df2": float(df_w),
                "p_value": float(classic.pvalue),
            }
            if posthoc and k > 2:
                post = _tukey_hsd(samples, names, ci)
        else:
            f_welch, df2 = _welch_anova(samples)
            test = {
                "test": "welch_anova",
                "statistic": f_welch,
                "df1": float(df_b),
                "df2": df2,
                "p_value": float(stats.f.sf(f_welch, df_b, df2)),
            }
            if posthoc and k > 2:
                post = _games_howell(samples, names, ci)
    elif method == "kruskal":
        res = stats.kruskal(*samples)
        lo, hi = _bootstrap_ci(_epsilon_squared, samples, n_boot, seed, ci)
        test = {
            "test": "kruskal_wallis",
            "statistic": float(res.statistic),
            "df1": float(k - 1),
            "df2": np.nan,
            "p_value": float(res.pvalue),
        }
        effect = {
            "name": "epsilon_squared",
            "value": _epsilon_squared(samples),
            "ci_low": lo,
            "ci_high": hi,
        }
        if posthoc and k > 2:
            post = _dunn_holm(samples, names)
    else:  # mannwhitney
        res = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
        lo, hi = _bootstrap_ci(_rank_biserial, samples, n_boot, seed, ci)
        test = {
            "test": "mann_whitney_u",
            "statistic": float(res.statistic),
            "df1": np.nan,
            "df2": np.nan,
            "p_value": float(res.pvalue),
        }
        effect = {
            "name": "rank_biserial",
            "value": _rank_biserial(samples),
            "ci_low": lo,
            "ci_high": hi,
        }
    return GroupComparison(
        value=value,
        group=group,
        method=method,
        test=test,
        effect_size=effect,
        groups=groups,
        posthoc=post,
        levene=levene,
    )


# --------------------------------------------------------------------------------------------
# Correlations
# --------------------------------------------------------------------------------------------


def _fisher_ci(r: float, n: int, ci: float) -> tuple[float, float]:
    if n <= 3 or not np.isfinite(r):
        return np.nan, np.nan
    if abs(r) >= 1.0:
        return float(r), float(r)
    z = np.arctanh(r)
    half = stats.norm.ppf(0.5 + ci / 2.0) / np.sqrt(n - 3.0)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def correlations(
    data: pd.DataFrame,
    columns: Sequence[str] | None = None,
    method: Literal["pearson", "spearman"] = "pearson",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Pairwise correlations as a tidy table with Fisher-z CIs and p-values.

    Each pair uses its complete cases (pairwise deletion).  The CI is
    ``tanh(atanh(r) +- z(.975) / sqrt(n - 3))`` (Fisher 1921), for Spearman's rho too, as
    pingouin and R ``cor.test`` do for Pearson; p-values are the t test of r (scipy
    ``pearsonr``/``spearmanr``).

    Parameters
    ----------
    data : DataFrame
        Numeric columns.
    columns : sequence of str, optional
        Columns to correlate (default: all numeric).
    method : {"pearson", "spearman"}
        Correlation coefficient.
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        Columns ``x, y, n, r, ci_low, ci_high, p_value``, one row per pair in column order.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 1, 4, 3, 5.0]})
    >>> correlations(df)[["x", "y", "n", "r"]]
       x  y  n    r
    0  a  b  5  0.8

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from
    a small sample. Metron, 1, 3-32.
    """
    data = _require_frame(data)
    if method not in ("pearson", "spearman"):
        raise InputError(f"method must be 'pearson' or 'spearman', got {method!r}.")
    ci = _check_ci(ci)
    if columns is None:
        columns = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    columns = list(columns)
    if len(columns) < 2:
        raise InputError("correlations need at least two numeric columns.")
    _require_columns(data, columns)
    values = {c: _numeric(data, c) for c in columns}
    rows = []
    for a, b in combinations(columns, 2):
        ok = values[a].notna() & values[b].notna()
        x, y = values[a][ok].to_numpy(), values[b][ok].to_numpy()
        n = int(x.size)
        r = p = np.nan
        if n >= 3 and x.std() > 0 and y.std() > 0:
            res = stats.pearsonr(x, y) if method == "pearson" else stats.spearmanr(x, y)
            r, p = float(res.statistic), float(res.pvalue)
        lo, hi = _fisher_ci(r, n, ci)
        rows.append({"x": a, "y": b, "n": n, "r": r, "ci_low": lo, "ci_high": hi, "p_value": p})
    return pd.DataFrame(rows)


def correlation_matrix(
    data: pd.DataFrame,
    columns: Sequence[str] | None = None,
    method: Literal["pearson", "spearman"] = "pearson",
    stars: bool = False,
    decimals: int = 2,
) -> pd.DataFrame:
    """Wide correlation matrix, optionally as text with significance stars.

    Parameters
    ----------
    data : DataFrame
        Numeric columns.
    columns : sequence of str, optional
        Columns (default: all numeric).
    method : {"pearson", "spearman"}
        Coefficient (pairwise deletion, as :func:`correlations`).
    stars : bool
        If True, return strings such as ``"0.45**"`` (``STAR_LEVELS``: * p < .05,
        ** p < .01, *** p < .001) with ``"1"`` on the diagonal.
    decimals : int
        Decimals of the starred text.

    Returns
    -------
    DataFrame
        Square matrix indexed and labelled by the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 1, 4, 3, 5.0]})
    >>> correlation_matrix(df).loc["a", "b"]
    np.float64(0.8)

    References
    ----------
    American Psychological Association (2020). Publication Manual, 7th ed. (stars convention).
    """
    tidy = correlations(data, columns, method=method)
    names = list(dict.fromkeys(list(tidy["x"]) + list(tidy["y"])))
    if columns is not None:
        names = list(columns)
    matrix = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    p_matrix = pd.DataFrame(np.zeros((len(names), len(names))), index=names, columns=names)
    for row in tidy.itertuples(index=False):
        matrix.loc[row.x, row.y] = matrix.loc[row.y, row.x] = row.r
        p_matrix.loc[row.x, row.y] = p_matrix.loc[row.y, row.x] = row.p_value
    if not stars:
        return matrix

    def star(p: float) -> str:
        for level, mark in STAR_LEVELS:
            if p < level:
                return mark
        return ""

    text = pd.DataFrame("", index=names, columns=names, dtype=object)
    for a in names:
        for b in names:
            if a == b:
                text.loc[a, b] = "1"
            elif pd.isna(matrix.loc[a, b]):
                text.loc[a, b] = ""
            else:
                text.loc[a, b] = f"{matrix.loc[a, b]:.{decimals}f}{star(p_matrix.loc[a, b])}"
    return text


# --------------------------------------------------------------------------------------------
# Driver regression and mediation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegressionResult:
    """Result of :func:`driver_regression` (OLS).

    Attributes
    ----------
    outcome : str
    predictors : tuple of str
    coefficients : DataFrame
        ``term, b, se, t, p_value, beta, ci_low, ci_high, vif, tolerance`` (the intercept row
        ``const`` has NaN beta, VIF and tolerance).
    r2, adj_r2, f, f_pvalue : float
    df_model, df_resid : float
    n : int
        Complete cases used (listwise deletion).
    """

    outcome: str
    predictors: tuple[str, ...]
    coefficients: pd.DataFrame
    r2: float
    adj_r2: float
    f: float
    f_pvalue: float
    df_model: float
    df_resid: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the model fit repeated on every row."""
        frame = self.coefficients.copy()
        frame.insert(0, "outcome", self.outcome)
        for name in ("r2", "adj_r2", "f", "f_pvalue", "n"):
            frame[name] = getattr(self, name)
        return frame

    def __repr__(self) -> str:
        lines = [
            f"RegressionResult({self.outcome!r} ~ {' + '.join(self.predictors)}; n = {self.n})",
            f"  R2 = {self.r2:.4f}, adj. R2 = {self.adj_r2:.4f}, "
            f"F({self.df_model:.0f}, {self.df_resid:.0f}) = {self.f:.3f}, p = {self.f_pvalue:.4g}",
        ]
        for row in self.coefficients.itertuples(index=False):
            beta = "" if pd.isna(row.beta) else f", beta = {row.beta:.3f}, VIF = {row.vif:.2f}"
            lines.append(
                f"  {row.term}: b = {row.b:.4f} (SE {row.se:.4f}), p = {row.p_value:.4g}{beta}"
            )
        return "\n".join(lines)


def _vif(x: np.ndarray) -> np.ndarray:
    """VIF_j = 1 / (1 - R2_j), R2_j from regressing predictor j on the others (with intercept)."""
    k = x.shape[1]
    out = np.empty(k)
    for j in range(k):
        target = x[:, j]
        others = np.column_stack([np.ones(x.shape[0]), np.delete(x, j, axis=1)])
        coef, *_ = np.linalg.lstsq(others, target, rcond=None)
        resid = target - others @ coef
        ss_tot = ((target - target.mean()) ** 2).sum()
        r2 = 1.0 - (resid @ resid) / ss_tot if ss_tot > 0 else np.nan
        out[j] = np.inf if r2 >= 1.0 else 1.0 / (1.0 - r2)
    return out


def driver_regression(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], ci: float = 0.95
) -> RegressionResult:
    """Key-driver OLS regression with standardized betas and collinearity diagnostics.

    Fitted with statsmodels OLS on the complete cases of outcome and predictors (listwise,
    as SPSS REGRESSION's default).  ``beta = b * sd(x) / sd(y)`` (the coefficient of the
    regression on z-scores); ``VIF = 1 / (1 - R2_j)`` and ``tolerance = 1 / VIF`` (SPSS).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Dependent variable (e.g. satisfaction).
    predictors : sequence of str
        Drivers (e.g. the IDIC dimensions).
    ci : float
        Confidence level of the coefficient intervals.

    Returns
    -------
    RegressionResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(50, 2)), columns=["x1", "x2"])
    >>> df["y"] = 2 * df.x1 + rng.normal(size=50)
    >>> res = driver_regression(df, "y", ["x1", "x2"])
    >>> res.coefficients["term"].tolist()
    ['const', 'x1', 'x2']

    References
    ----------
    Marquardt, D. W. (1970). Generalized inverses, ridge regression, biased linear estimation,
    and nonlinear estimation. Technometrics, 12(3), 591-612 (VIF).
    """
    import statsmodels.api as sm

    data = _require_frame(data)
    predictors = list(predictors)
    if not predictors:
        raise InputError("driver_regression needs at least one predictor column.")
    if outcome in predictors:
        raise InputError(f"Column {outcome!r} is both the outcome and a predictor.")
    _require_columns(data, [outcome, *predictors])
    ci = _check_ci(ci)
    frame = pd.DataFrame({c: _numeric(data, c) for c in [outcome, *predictors]}).dropna()
    n = len(frame)
    if n < len(predictors) + 2:
        raise InputError(
            f"Only {n} complete rows for {outcome!r} and {len(predictors)} predictors; "
            "need at least predictors + 2."
        )
    for c in [outcome, *predictors]:
        if frame[c].std(ddof=1) == 0:
            raise InputError(f"Column {c!r} is constant in the complete cases.")
    y = frame[outcome].to_numpy()
    x = frame[predictors].to_numpy()
    model = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
    conf = np.asarray(model.conf_int(alpha=1.0 - ci))
    sd_x = x.std(axis=0, ddof=1)
    sd_y = y.std(ddof=1)
    vif = _vif(x) if len(predictors) > 1 else np.ones(1)
    params = np.asarray(model.params)
    coefficients = pd.DataFrame(
        {
            "term": ["const", *predictors],
            "b": params,
            "se": np.asarray(model.bse),
            "t": np.asarray(model.tvalues),
            "p_value": np.asarray(model.pvalues),
            "beta": np.concatenate([[np.nan], params[1:] * sd_x / sd_y]),
            "ci_low": conf[:, 0],
            "ci_high": conf[:, 1],
            "vif": np.concatenate([[np.nan], vif]),
            "tolerance": np.concatenate([[np.nan], 1.0 / vif]),
        }
    )
    return RegressionResult(
        outcome=outcome,
        predictors=tuple(predictors),
        coefficients=coefficients,
        r2=float(model.rsquared),
        adj_r2=float(model.rsquared_adj),
        f=float(model.fvalue),
        f_pvalue=float(model.f_pvalue),
        df_model=float(model.df_model),
        df_resid=float(model.df_resid),
        n=n,
    )


@dataclass(frozen=True)
class MediationResult:
    """Result of :func:`mediation_chain`: predictors -> mediator -> outcome.

    Attributes
    ----------
    mediator_model : RegressionResult
        mediator ~ predictors (the *a* paths).
    outcome_model : RegressionResult
        outcome ~ mediator + predictors (the *b* path and the direct effects).
    effects : DataFrame
        Per predictor: ``predictor, a, b, indirect, ci_low, ci_high, direct, total``
        (unstandardized; indirect = a * b with a percentile bootstrap CI).
    n_boot : int
    seed : int or None
    """

    mediator_model: RegressionResult
    outcome_model: RegressionResult
    effects: pd.DataFrame
    n_boot: int
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """The per-predictor effects table."""
        return self.effects.copy()

    def __repr__(self) -> str:
        lines = [
            f"MediationResult(via {self.mediator_model.outcome!r} to {self.outcome_model.outcome!r}, "
            f"n = {self.outcome_model.n}, {self.n_boot} bootstrap resamples)"
        ]
        for row in self.effects.itertuples(index=False):
            lines.append(
                f"  {row.predictor}: indirect = {row.indirect:.4f} [{row.ci_low:.4f}, {row.ci_high:.4f}], "
                f"direct = {row.direct:.4f}"
            )
        return "\n".join(lines)


def mediation_chain(
    data: pd.DataFrame,
    predictors: Sequence[str],
    mediator: str,
    outcome: str,
    n_boot: int = 2000,
    seed: int | None = 0,
    ci: float = 0.95,
) -> MediationResult:
    """Two-regression mediation chain (e.g. IDIC dimensions -> satisfaction -> loyalty).

    ``a_j`` is predictor j's coefficient in mediator ~ predictors, ``b`` the mediator's
    coefficient in outcome ~ mediator + predictors, the indirect effect is ``a_j * b``, the
    direct effect predictor j's coefficient in the second model, total = direct + indirect.
    The CI of the indirect effect is a percentile bootstrap over respondents (Preacher & Hayes
    2008), seeded for reproducibility.  Listwise deletion over all columns.

    Parameters
    ----------
    data : DataFrame
    predictors : sequence of str
    mediator, outcome : str
    n_boot : int
        Bootstrap resamples.
    seed : int or None
        Seed of the bootstrap.
    ci : float
        Confidence level.

    Returns
    -------
    MediationResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=80)})
    >>> df["m"] = df.x + rng.normal(size=80)
    >>> df["y"] = df.m + rng.normal(size=80)
    >>> res = mediation_chain(df, ["x"], "m", "y", n_boot=200)
    >>> bool(res.effects.loc[0, "ci_low"] > 0)
    True

    References
    ----------
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing
    and comparing indirect effects in multiple mediator models. Behavior Research Methods,
    40(3), 879-891.
    """
    data = _require_frame(data)
    predictors = list(predictors)
    _require_columns(data, [*predictors, mediator, outcome])
    ci = _check_ci(ci)
    columns = [*predictors, mediator, outcome]
    frame = pd.DataFrame({c: _numeric(data, c) for c in columns}).dropna().reset_index(drop=True)
    first = driver_regression(frame, mediator, predictors, ci=ci)
    second = driver_regression(frame, outcome, [mediator, *predictors], ci=ci)
    a = first.coefficients["b"].to_numpy()[1:]
    b = float(second.coefficients["b"].to_numpy()[1])
    direct = second.coefficients["b"].to_numpy()[2:]

    values = frame.to_numpy()
    n, k = values.shape[0], len(predictors)
    rng = np.random.default_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    for i in range(n_boot):
        sample = values[rng.integers(0, n, n)]
        xs, m, y = sample[:, :k], sample[:, k], sample[:, k + 1]
        design_a = np.column_stack([np.ones(n), xs])
        design_b = np.column_stack([np.ones(n), m, xs])
        coef_a, *_ = np.linalg.lstsq(design_a, m, rcond=None)
        coef_b, *_ = np.linalg.lstsq(design_b, y, rcond=None)
        boots[i] = coef_a[1:] * coef_b[1]
    lo, hi = np.nanquantile(boots, [(1.0 - ci) / 2.0, (1.0 + ci) / 2.0], axis=0)
    effects = pd.DataFrame(
        {
            "predictor": predictors,
            "a": a,
            "b": b,
            "indirect": a * b,
            "ci_low": lo,
            "ci_high": hi,
            "direct": direct,
            "total": direct + a * b,
        }
    )
    return MediationResult(first, second, effects, n_boot=n_boot, seed=seed)


# --------------------------------------------------------------------------------------------
# Importance-performance, satisfaction x loyalty
# --------------------------------------------------------------------------------------------


#: What the importance axis of an IPA measures, by ``importance`` option (the table names it).
IPA_IMPORTANCE_DEFINITIONS = {
    "dominance": "share of explained variance in the outcome (general dominance, LMG)",
    "correlation": "Pearson correlation with the outcome",
    "beta": "standardized regression coefficient (beta) on the outcome",
}


def _cut_value(values: pd.Series, cut: str | float, name: str) -> tuple[float, str]:
    if isinstance(cut, str):
        if cut == "mean":
            return float(values.mean()), "mean of the attributes (data-centred)"
        if cut == "median":
            return float(values.median()), "median of the attributes (data-centred)"
        if cut == "equal_share" and name == "importance_cut":
            return 1.0 / len(values), "equal share of the explained variance (1/k)"
        raise InputError(
            f"{name} must be 'mean', 'median'"
            + (", 'equal_share'" if name == "importance_cut" else "")
            + f" or a number, got {cut!r}."
        )
    return float(cut), "fixed value"


def importance_performance(
    data: pd.DataFrame,
    outcome: str,
    attributes: Sequence[str],
    importance: Literal["dominance", "correlation", "beta"] = "correlation",
    performance_cut: str | float = "mean",
    importance_cut: str | float = "mean",
) -> pd.DataFrame:
    """Importance-performance analysis with derived importance (Martilla & James 1977).

    Performance is the attribute's mean rating.  Importance is derived from the data rather
    than asked: the attribute's share of the explained variance of the outcome
    (``"dominance"``: general dominance / LMG shares of R², summing to 1, via
    :func:`relative_importance`; listwise), the Pearson r of the attribute with the outcome
    (pairwise complete), or the standardized beta of a multiple regression of the outcome on
    all attributes (:func:`driver_regression`, listwise).  The table names the measure
    (``importance_definition``) so that an axis or a text can say what it shows.

    Where the cross-hairs go decides the quadrants.  Martilla & James placed them at measures
    of central tendency of the data (``"mean"``/``"median"``, the default); Bacon (2003)
    showed that data-centred lines label attributes relative to each other only, so that
    e.g. a mean of 2.5 on a 1-5 scale can land in "possible overkill" when every attribute
    is weak.  A scale-centred rule -- performance cut at a fixed value such as the scale
    midpoint, importance cut at the equal share ``1/k`` of the explained variance
    (``importance_cut="equal_share"``, with ``importance="dominance"``) -- does not.  The
    rule used is written in ``performance_cut_rule`` and ``importance_cut_rule``.  An
    attribute is "high" when its value is >= the cut.  Quadrants:

    ========================  ===========  ============
    quadrant                  importance   performance
    ========================  ===========  ============
    ``concentrate_here``      high         low
    ``keep_up_good_work``     high         high
    ``low_priority``          low          low
    ``possible_overkill``     low          high
    ========================  ===========  ============

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Overall satisfaction (or loyalty) column.
    attributes : sequence of str
        Attribute / dimension columns.
    importance : {"dominance", "correlation", "beta"}
    performance_cut : {"mean", "median"} or float
    importance_cut : {"mean", "median", "equal_share"} or float

    Returns
    -------
    DataFrame
        ``attribute, performance, importance, performance_cut, importance_cut, quadrant,
        importance_definition, performance_cut_rule, importance_cut_rule``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame(rng.normal(3, 1, size=(60, 3)), columns=["a", "b", "c"])
    >>> df["sat"] = df.a + rng.normal(size=60)
    >>> out = importance_performance(df, "sat", ["a", "b", "c"], importance="dominance",
    ...                              performance_cut=3.0, importance_cut="equal_share")
    >>> round(float(out["importance"].sum()), 6), float(out["importance_cut"].iloc[0]) * 3
    (1.0, 1.0)

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. Journal of
    Marketing, 41(1), 77-79.
    Bacon, D. R. (2003). A comparison of approaches to importance-performance analysis.
    International Journal of Market Research, 45(1), 55-71.
    Budescu, D. V. (1993). Dominance analysis: A new approach to the problem of relative
    importance of predictors in multiple regression. Psychological Bulletin, 114(3), 542-551.
    """
    data = _require_frame(data)
    attributes = list(attributes)
    if len(attributes) < 2:
        raise InputError("importance_performance needs at least two attribute columns.")
    _require_columns(data, [outcome, *attributes])
    performance = pd.Series({a: _numeric(data, a).mean() for a in attributes})
    if importance == "correlation":
        tidy = correlations(data, [outcome, *attributes])
        tidy = tidy[tidy["x"] == outcome].set_index("y")
        imp = tidy.loc[attributes, "r"]
    elif importance == "beta":
        reg = driver_regression(data, outcome, attributes).coefficients.set_index("term")
        imp = reg.loc[attributes, "beta"]
    elif importance == "dominance":
        imp = relative_importance(data, outcome, attributes).set_index("predictor")["share"]
        imp = imp.loc[attributes]
    else:
        raise InputError(
            f"importance must be 'dominance', 'correlation' or 'beta', got {importance!r}."
        )
    if importance_cut == "equal_share" and importance != "dominance":
        raise InputError("importance_cut='equal_share' needs importance='dominance' (shares).")
    imp = pd.Series(imp.to_numpy(dtype=float), index=attributes)
    p_cut, p_rule = _cut_value(performance, performance_cut, "performance_cut")
    i_cut, i_rule = _cut_value(imp, importance_cut, "importance_cut")
    high_p = performance.to_numpy() >= p_cut
    high_i = imp.to_numpy() >= i_cut
    quadrant = np.where(
        high_i,
        np.where(high_p, "keep_up_good_work", "concentrate_here"),
        np.where(high_p, "possible_overkill", "low_priority"),
    )
    return pd.DataFrame(
        {
            "attribute": attributes,
            "performance": performance.to_numpy(),
            "importance": imp.to_numpy(),
            "performance_cut": p_cut,
            "importance_cut": i_cut,
            "quadrant": quadrant,
            "importance_definition": IPA_IMPORTANCE_DEFINITIONS[importance],
            "performance_cut_rule": p_rule,
            "importance_cut_rule": i_rule,
        }
    )


@dataclass(frozen=True)
class SatisfactionLoyaltyResult:
    """Result of :func:`satisfaction_loyalty_matrix`.

    Attributes
    ----------
    segments : Series
        Per respondent: apostle / mercenary / hostage / defector (categorical; missing where
        satisfaction or loyalty is missing).
    summary : DataFrame
        ``segment, n, percent, mean_satisfaction, mean_loyalty`` for the four segments (percent
        of the classified respondents).
    satisfaction_cut, loyalty_cut : float
    """

    segments: pd.Series
    summary: pd.DataFrame
    satisfaction_cut: float
    loyalty_cut: float

    def to_frame(self) -> pd.DataFrame:
        """The segment summary."""
        return self.summary.copy()

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{r.segment} {r.n} ({r.percent:.1f}%)" for r in self.summary.itertuples(index=False)
        )
        return (
            f"SatisfactionLoyaltyResult(cuts: satisfaction >= {self.satisfaction_cut:g}, "
            f"loyalty >= {self.loyalty_cut:g}; {parts})"
        )


def satisfaction_loyalty_matrix(
    satisfaction: pd.Series,
    loyalty: pd.Series,
    satisfaction_cut: float,
    loyalty_cut: float,
) -> SatisfactionLoyaltyResult:
    """Jones & Sasser (1995) satisfaction x loyalty segments.

    "High" means >= the cut.  High satisfaction and high loyalty: ``apostle``; high
    satisfaction, low loyalty: ``mercenary`` (satisfied but not loyal, seeds/004); low
    satisfaction, high loyalty: ``hostage``; low and low: ``defector``.

    Parameters
    ----------
    satisfaction, loyalty : Series
        Per-respondent scores, aligned on their index.
    satisfaction_cut, loyalty_cut : float
        Cut-offs (e.g. the scale's "agree" point, 4 on a 1-5 scale).

    Returns
    -------
    SatisfactionLoyaltyResult

    Examples
    --------
    >>> import pandas as pd
    >>> res = satisfaction_loyalty_matrix(pd.Series([5, 5, 2, 1]), pd.Series([5, 2, 5, 1]), 4, 4)
    >>> res.segments.tolist()
    ['apostle', 'mercenary', 'hostage', 'defector']

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. Harvard Business
    Review, 73(6), 88-99.
    """
    for name, s in (("satisfaction", satisfaction), ("loyalty", loyalty)):
        if not isinstance(s, pd.Series):
            raise InputError(f"{name} must be a pandas Series, got {type(s).__name__}.")
    if not satisfaction.index.equals(loyalty.index):
        if set(satisfaction.index) != set(loyalty.index):
            raise InputError("satisfaction and loyalty do not have the same respondents (index).")
        loyalty = loyalty.reindex(satisfaction.index)
    sat = _numeric(satisfaction.to_frame("satisfaction"), "satisfaction")
    loy = _numeric(loyalty.to_frame("loyalty"), "loyalty")
    for name, cut in (("satisfaction_cut", satisfaction_cut), ("loyalty_cut", loyalty_cut)):
        if not np.isfinite(float(cut)):
            raise InputError(f"{name} must be a finite number, got {cut!r}.")
    high_s = sat >= satisfaction_cut
    high_l = loy >= loyalty_cut
    labels = np.where(
        high_s,
        np.where(high_l, "apostle", "mercenary"),
        np.where(high_l, "hostage", "defector"),
    ).astype(object)
    labels[(sat.isna() | loy.isna()).to_numpy()] = np.nan
    segments = pd.Series(
        pd.Categorical(labels, categories=list(SEGMENTS)), index=satisfaction.index, name="segment"
    )
    n_classified = int(segments.notna().sum())
    rows = []
    for seg in SEGMENTS:
        mask = (segments == seg).to_numpy()
        count = int(mask.sum())
        rows.append(
            {
                "segment": seg,
                "n": count,
                "percent": 100.0 * count / n_classified if n_classified else np.nan,
                "mean_satisfaction": float(sat[mask].mean()) if count else np.nan,
                "mean_loyalty": float(loy[mask].mean()) if count else np.nan,
            }
        )
    return SatisfactionLoyaltyResult(
        segments=segments,
        summary=pd.DataFrame(rows),
        satisfaction_cut=float(satisfaction_cut),
        loyalty_cut=float(loyalty_cut),
    )


# --------------------------------------------------------------------------------------------
# Perception gap, paired comparisons, scorecard
# --------------------------------------------------------------------------------------------


def perception_gap(
    employee_scores: pd.DataFrame,
    customer_scores: pd.DataFrame,
    dimensions: Sequence[str] | None = None,
    ci: float = 0.95,
    *,
    pairs: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Employee self-assessment minus customer rating, per matched dimension (Welch).

    For each dimension present in both tables (same column name, e.g. the IDIC scales
    ``identification``, ``differentiation``, ``interaction``, ``customization``):
    gap = mean(employee) - mean(customer), its Welch CI ``gap +- t(df) * se`` with
    ``se = sqrt(v_e/n_e + v_c/n_c)`` and Welch-Satterthwaite df, the Welch t test, and Hedges'
    g (pooled SD) with the CI of :func:`compare_groups`.  A positive gap means employees rate
    the company higher than its customers do.

    Parameters
    ----------
    employee_scores, customer_scores : DataFrame
        Scale scores, one row per respondent.
    dimensions : sequence of str, optional
        Columns to compare; default the numeric columns the two tables share, in the
        employee table's order.
    ci : float
        Confidence level.
    pairs : sequence of (employee column, customer column) or mapping, optional
        Declared mirror pairs (the employee instrument's ``roles: mirrors``,
        :attr:`crm_research.studyfile.StudySpec.mirror_pairs`), compared whatever their
        names; ``dimension`` is then the customer column.  Not together with
        ``dimensions``.

    Returns
    -------
    DataFrame
        ``dimension, employee_n, employee_mean, employee_sd, customer_n, customer_mean,
        customer_sd, gap, se, ci_low, ci_high, t, df, p_value, hedges_g, hedges_g_ci_low,
        hedges_g_ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> emp = pd.DataFrame({"interaction": [4, 5, 4, 5.0]})
    >>> cus = pd.DataFrame({"interaction": [3, 2, 3, 4, 3.0]})
    >>> round(float(perception_gap(emp, cus)["gap"].iloc[0]), 2)
    1.5

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika, 34, 28-35.
    Hedges, L. V., & Olkin, I. (1985). Statistical Methods for Meta-Analysis. Academic Press.
    """
    employee_scores = _require_frame(employee_scores, "employee_scores")
    customer_scores = _require_frame(customer_scores, "customer_scores")
    ci = _check_ci(ci)
    if pairs is not None:
        if dimensions is not None:
            raise InputError("perception_gap takes dimensions or pairs, not both.")
        matched = list(pairs.items()) if isinstance(pairs, Mapping) else [tuple(x) for x in pairs]
        if not matched:
            raise InputError("perception_gap: no mirror pairs given (declare roles: mirrors).")
        _require_columns(employee_scores, [e for e, _ in matched], "employee_scores")
        _require_columns(customer_scores, [c for _, c in matched], "customer_scores")
    elif dimensions is None:
        dimensions = [
            c
            for c in employee_scores.columns
            if c in customer_scores.columns
            and pd.api.types.is_numeric_dtype(employee_scores[c])
            and pd.api.types.is_numeric_dtype(customer_scores[c])
        ]
        if not dimensions:
            raise InputError("employee_scores and customer_scores share no numeric column.")
    if pairs is None:
        dimensions = list(dimensions)
        _require_columns(employee_scores, dimensions, "employee_scores")
        _require_columns(customer_scores, dimensions, "customer_scores")
        matched = [(d, d) for d in dimensions]
    rows = []
    for e_col, dim in matched:
        e = _numeric(employee_scores, e_col, "employee_scores").dropna().to_numpy()
        c = _numeric(customer_scores, dim, "customer_scores").dropna().to_numpy()
        if e.size < 2 or c.size < 2:
            raise InputError(f"Column {dim!r} has fewer than two values in one of the two tables.")
        ve, vc = e.var(ddof=1) / e.size, c.var(ddof=1) / c.size
        se = np.sqrt(ve + vc)
        gap = e.mean() - c.mean()
        if se > 0:
            df = (ve + vc) ** 2 / (ve**2 / (e.size - 1) + vc**2 / (c.size - 1))
            t_value = gap / se
            p = 2.0 * stats.t.sf(abs(t_value), df)
            half = stats.t.ppf(0.5 + ci / 2.0, df) * se
        else:
            df = t_value = p = half = np.nan
        effects = (
            _two_sample_effects(e, c, ci)
            if se > 0
            else dict.fromkeys(("hedges_g", "hedges_g_ci_low", "hedges_g_ci_high"), np.nan)
        )
        rows.append(
            {
                "dimension": dim,
                "employee_n": e.size,
                "employee_mean": e.mean(),
                "employee_sd": e.std(ddof=1),
                "customer_n": c.size,
                "customer_mean": c.mean(),
                "customer_sd": c.std(ddof=1),
                "gap": gap,
                "se": se,
                "ci_low": gap - half,
                "ci_high": gap + half,
                "t": t_value,
                "df": df,
                "p_value": p,
                "hedges_g": effects["hedges_g"],
                "hedges_g_ci_low": effects["hedges_g_ci_low"],
                "hedges_g_ci_high": effects["hedges_g_ci_high"],
            }
        )
    return pd.DataFrame(rows)


def paired_comparison(
    data: pd.DataFrame, before: str, after: str, ci: float = 0.95
) -> pd.DataFrame:
    """Paired t test and Wilcoxon signed-rank test of ``after - before``, with d_z.

    Complete pairs only.  ``d_z = mean(diff) / sd(diff)`` (Cohen 1988) with CI
    ``d_z +- t(.975, n-1) * sqrt(1/n + d_z^2 / (2n))`` (as pingouin for paired data).  The
    Wilcoxon test drops zero differences and gives the exact p for n <= 50 without ties or
    zeros, else the tie-corrected normal approximation (as R's ``wilcox.test(exact = NULL,
    correct = FALSE)``).

    Parameters
    ----------
    data : DataFrame
    before, after : str
        The two columns measured on the same respondents.
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``before, after, n, mean_before, mean_after, mean_diff, sd_diff, ci_low,
        ci_high, t, df, p_value, d_z, d_z_ci_low, d_z_ci_high, wilcoxon_w, wilcoxon_p``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pre": [3, 4, 2, 3, 3.0], "post": [4, 5, 4, 3, 5.0]})
    >>> float(paired_comparison(df, "pre", "post")["mean_diff"].iloc[0])
    1.2

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin, 1, 80-83.
    """
    data = _require_frame(data)
    _require_columns(data, [before, after])
    ci = _check_ci(ci)
    pair = pd.DataFrame({"b": _numeric(data, before), "a": _numeric(data, after)}).dropna()
    n = len(pair)
    if n < 2:
        raise InputError(f"Columns {before!r} and {after!r} have fewer than two complete pairs.")
    diff = (pair["a"] - pair["b"]).to_numpy()
    mean_diff, sd_diff = diff.mean(), diff.std(ddof=1)
    row: dict[str, Any] = {
        "before": before,
        "after": after,
        "n": n,
        "mean_before": pair["b"].mean(),
        "mean_after": pair["a"].mean(),
        "mean_diff": mean_diff,
        "sd_diff": sd_diff,
    }
    crit = stats.t.ppf(0.5 + ci / 2.0, n - 1)
    if sd_diff > 0:
        res = stats.ttest_rel(pair["a"], pair["b"])
        d_z = mean_diff / sd_diff
        se_dz = np.sqrt(1.0 / n + d_z**2 / (2.0 * n))
        se = sd_diff / np.sqrt(n)
        row.update(
            ci_low=mean_diff - crit * se,
            ci_high=mean_diff + crit * se,
            t=float(res.statistic),
            df=float(n - 1),
            p_value=float(res.pvalue),
            d_z=d_z,
            d_z_ci_low=d_z - crit * se_dz,
            d_z_ci_high=d_z + crit * se_dz,
        )
    else:
        row.update(
            ci_low=mean_diff,
            ci_high=mean_diff,
            t=np.nan,
            df=float(n - 1),
            p_value=np.nan,
            d_z=np.nan,
            d_z_ci_low=np.nan,
            d_z_ci_high=np.nan,
        )
    if np.any(diff != 0):
        nonzero = diff[diff != 0]
        # With ties or zeros the exact null distribution does not apply; scipy >= 1.15 then
        # runs a permutation test for n <= 13 (minutes for a 12-person scorecard), where R's
        # wilcox.test uses the tie-corrected normal approximation: so do we.
        exact = len(np.unique(np.abs(nonzero))) == len(nonzero) == len(diff) and len(diff) <= 50
        w = stats.wilcoxon(diff, method="exact" if exact else "approx")
        row.update(wilcoxon_w=float(w.statistic), wilcoxon_p=float(w.pvalue))
    else:
        row.update(wilcoxon_w=np.nan, wilcoxon_p=np.nan)
    return pd.DataFrame([row])


@dataclass(frozen=True)
class ScorecardSummary:
    """Result of :func:`scorecard_summary`.

    Attributes
    ----------
    scores : DataFrame
        Per respondent, one column per ``{category}_{phase}`` (mean of the answered items).
    means : DataFrame
        ``category, phase, n, mean, sd``.
    metric_means : DataFrame
        ``metric, category, phase, n, mean, sd``.
    comparisons : DataFrame
        Per category and phase pair (before->during, during->after, before->after): the
        :func:`paired_comparison` columns plus ``category`` and ``p_holm`` (Holm over all rows,
        and ``wilcoxon_p_holm``).
    """

    scores: pd.DataFrame
    means: pd.DataFrame
    metric_means: pd.DataFrame
    comparisons: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The paired comparisons table."""
        return self.comparisons.copy()

    def __repr__(self) -> str:
        wide = self.means.pivot(index="category", columns="phase", values="mean").reindex(
            index=list(dict.fromkeys(self.means["category"])),
            columns=list(dict.fromkeys(self.means["phase"])),
        )
        return "ScorecardSummary(category x phase means)\n" + wide.round(3).to_string()


def scorecard_summary(
    items: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    categories: Mapping[str, str] | None = None,
    phases: Sequence[str] = SCORECARD_PHASES,
    ci: float = 0.95,
) -> ScorecardSummary:
    """The 17-metric CRM implementation scorecard by category and phase (seeds/002).

    Item columns are named ``{metric}_{phase}`` (e.g. ``tec_roi_before``).  A respondent's
    category score in a phase is the mean of the category's answered metric items in that
    phase.  Category means are tabulated by phase, and each category is compared across
    consecutive phases and first-to-last (before->during, during->after, before->after) with
    :func:`paired_comparison`; p-values are Holm-adjusted over the whole table (all categories
    and phase pairs form one family).

    Parameters
    ----------
    items : DataFrame
        One row per respondent.
    metrics : sequence of str, optional
        Metric ids (default: the 17 of ``SCORECARD_CATEGORIES``).
    categories : mapping, optional
        metric id -> category (default ``SCORECARD_CATEGORIES``).
    phases : sequence of str
        Phases in time order (default before, during, after).
    ci : float
        Confidence level of the paired intervals.

    Returns
    -------
    ScorecardSummary

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> cols = [f"{m}_{p}" for m in SCORECARD_CATEGORIES for p in SCORECARD_PHASES]
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(20, len(cols))), columns=cols)
    >>> scorecard_summary(df).means.shape
    (15, 5)

    References
    ----------
    Holm, S. (1979). Scandinavian Journal of Statistics, 6(2), 65-70.
    """
    items = _require_frame(items, "items")
    categories = dict(SCORECARD_CATEGORIES if categories is None else categories)
    metrics = list(categories if metrics is None else metrics)
    phases = list(phases)
    if len(phases) < 2:
        raise InputError("scorecard_summary needs at least two phases.")
    for metric in metrics:
        if metric not in categories:
            raise InputError(f"Metric {metric!r} has no category in categories.")
    needed = [f"{m}_{p}" for m in metrics for p in phases]
    _require_columns(items, needed, "items")
    category_names = list(dict.fromkeys(categories[m] for m in metrics))
    numeric = pd.DataFrame({c: _numeric(items, c, "items") for c in needed}, index=items.index)

    scores = {}
    mean_rows, metric_rows = [], []
    for cat in category_names:
        cat_metrics = [m for m in metrics if categories[m] == cat]
        for phase in phases:
            cols = [f"{m}_{phase}" for m in cat_metrics]
            score = numeric[cols].mean(axis=1, skipna=True)
            scores[f"{cat}_{phase}"] = score
            mean_rows.append(
                {
                    "category": cat,
                    "phase": phase,
                    "n": int(score.notna().sum()),
                    "mean": score.mean(),
                    "sd": score.std(ddof=1),
                }
            )
            for m in cat_metrics:
                col = numeric[f"{m}_{phase}"]
                metric_rows.append(
                    {
                        "metric": m,
                        "category": cat,
                        "phase": phase,
                        "n": int(col.notna().sum()),
                        "mean": col.mean(),
                        "sd": col.std(ddof=1),
                    }
                )
    score_frame = pd.DataFrame(scores, index=items.index)
    pairs = list(zip(phases[:-1], phases[1:], strict=True))
    if len(phases) > 2:
        pairs.append((phases[0], phases[-1]))
    comparisons = []
    for cat in category_names:
        for first, second in pairs:
            row = paired_comparison(score_frame, f"{cat}_{first}", f"{cat}_{second}", ci=ci)
            row.insert(0, "category", cat)
            row.insert(1, "phase_from", first)
            row.insert(2, "phase_to", second)
            comparisons.append(row)
    table = pd.concat(comparisons, ignore_index=True)
    table["p_holm"] = holm_adjust(table["p_value"].to_numpy())
    table["wilcoxon_p_holm"] = holm_adjust(table["wilcoxon_p"].to_numpy())
    return ScorecardSummary(
        scores=score_frame,
        means=pd.DataFrame(mean_rows),
        metric_means=pd.DataFrame(metric_rows),
        comparisons=table,
    )
