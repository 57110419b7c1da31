"""Relative importance of correlated predictors: general dominance and relative weights.

Stage 5 of the flow (analyses); imports only stage 0 (errors, BLAS limiter).  The functions
take a DataFrame, an outcome column and predictor columns and return a tidy DataFrame.

* :func:`relative_importance` -- how much of a regression's R² each predictor accounts for,
  by general dominance (Budescu 1993; Azen & Budescu 2003; the Shapley value of R², equal to
  LMG, Lindeman, Merenda & Gold 1980) or by Johnson's (2000) relative weights, with seeded
  percentile bootstrap intervals.
* :func:`all_subsets_r2` -- R² of the OLS regression (with intercept) of the outcome on every
  subset of the predictors.

Computation
-----------
Every subset's R² comes from the covariance matrix ``C`` of (predictors, outcome) without
refitting: sweeping (Gaussian elimination without row exchanges, i.e. a Schur complement) a
predictor ``j`` out of the residual covariance of a subset ``S`` gives the residual
covariance of ``S ∪ {j}``, and the outcome's residual variance ``c_yy·S`` gives
``R²(S) = 1 - c_yy·S / c_yy``.  The 2^p subsets are built level by level: after step ``j``
the array holds one residual matrix per subset of the first ``j`` predictors (excluded: the
matrix with row/column ``j`` dropped; included: its Schur complement), so the whole lattice
costs p vectorised numpy steps, each subset is reached by at most p eliminations (no
add-then-remove drift as in a Gray-code walk), and bootstrap resamples are stacked along a
second axis.  Bootstrap resamples enter as multinomial counts: the weighted first and
second moments of every resample are one matrix product ``counts @ [x, x_i x_j]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_research._blas import single_blas_thread
from crm_research.errors import InputError

__all__ = [
    "MAX_DOMINANCE_PREDICTORS",
    "all_subsets_r2",
    "relative_importance",
]

#: Largest number of predictors for the exact dominance analysis: 2^20 = 1,048,576 subset
#: regressions (about a second for the point estimate).  Budescu (1993) and Azen & Budescu
#: (2003) define general dominance over all 2^p subsets; no approximation is used here.
MAX_DOMINANCE_PREDICTORS = 20
#: A predictor whose residual variance given other predictors is below this fraction of its
#: variance (tolerance 1 - R²_j < 1e-10, VIF > 1e10) is treated as a linear combination of
#: them: perfectly collinear predictors are refused, and inside a bootstrap resample such a
#: predictor adds nothing to R².  The same relative bound as factor.SINGULAR_RELATIVE_EIGENVALUE.
COLLINEAR_TOLERANCE = 1e-10
#: Bootstrap work is chunked so that no intermediate array holds more than this many doubles
#: (about 32 MB).
CHUNK_DOUBLES = 4 * 1024**2
#: Resample counts are built in blocks of at most this many doubles (16 MB), small enough to
#: stay in cache while the block's moments are one matrix product.
BOOT_COUNT_DOUBLES = 2 * 1024**2

Method = Literal["dominance", "relative_weights"]
_METHODS = ("dominance", "relative_weights")


# --- input -----------------------------------------------------------------------------------


def _numeric_column(frame: pd.DataFrame, name: str) -> pd.Series:
    col = frame[name]
    if isinstance(col, pd.DataFrame):
        raise InputError(f"column {name!r} appears more than once in the data.")
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        converted = pd.to_numeric(col, errors="coerce")
        bad = col.notna() & converted.isna()
        if bad.any():
            row = bad.idxmax()
            raise InputError(
                f"column {name!r} holds a non-numeric value {col[row]!r} at row {row!r}."
            )
        col = converted
    col = col.astype("float64")
    inf = np.isinf(col.to_numpy())
    if inf.any():
        raise InputError(
            f"column {name!r} holds an infinite value at row {col.index[np.argmax(inf)]!r}."
        )
    return col


def _prepare(
    data: Any,
    outcome: str,
    predictors: Sequence[str],
    missing: str,
    max_predictors: int | None,
) -> tuple[np.ndarray, list[str], str]:
    """Validated listwise-complete array with the outcome as its last column."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    if missing != "listwise":
        raise InputError(
            f"missing must be 'listwise' (regressions on pairwise correlations have no sample), not {missing!r}."
        )
    if isinstance(predictors, str):
        predictors = [p.strip() for p in predictors.split(",") if p.strip()]
    predictors = list(predictors)
    if not predictors:
        raise InputError("relative importance needs at least one predictor column.")
    columns = list(data.columns)
    shown = ", ".join(map(str, columns[:12])) + (", ..." if len(columns) > 12 else "")
    for name in [outcome, *predictors]:
        if name not in data.columns:
            raise InputError(f"column {name!r} is not in the data (columns: {shown}).")
    if outcome in predictors:
        raise InputError(
            f"the outcome {outcome!r} is also listed among the predictors; leave it out of them."
        )
    seen: set[str] = set()
    for name in predictors:
        if name in seen:
            raise InputError(f"predictor {name!r} is listed twice.")
        seen.add(name)
    p = len(predictors)
    if max_predictors is not None and p > max_predictors:
        raise InputError(
            f"dominance analysis of {p} predictors would need 2^{p} subset regressions; at most "
            f"{max_predictors} predictors are supported (method='relative_weights' has no limit)."
        )
    frame = pd.DataFrame({name: _numeric_column(data, name) for name in [*predictors, outcome]})
    frame = frame.dropna(axis=0, how="any")
    n = int(frame.shape[0])
    if n < p + 2:
        raise InputError(
            f"only {n} rows have complete values on {outcome!r} and the {p} predictor(s); "
            f"at least {p + 2} (predictors + 2) are needed."
        )
    x = frame.to_numpy(dtype=np.float64)
    sd = x.std(axis=0)
    scale = np.maximum(np.abs(x).max(axis=0), 1.0)
    for j, name in enumerate([*predictors, outcome]):
        if not sd[j] > 1e-12 * scale[j]:
            role = "the outcome" if j == p else "predictor"
            raise InputError(
                f"{role} {name!r} is constant in the {n} complete rows (zero variance), "
                "so its share of R² is undefined; drop it."
            )
    if p > 1:
        r = np.corrcoef(x[:, :p], rowvar=False)
        ev, vec = np.linalg.eigh(r)
        if ev[0] <= COLLINEAR_TOLERANCE * ev[-1]:
            null = vec[:, ev <= COLLINEAR_TOLERANCE * ev[-1] * 1e3]
            weight = np.sqrt((null**2).sum(axis=1))
            names = [predictors[i] for i in np.flatnonzero(weight > 1e-6)]
            raise InputError(
                f"predictors {', '.join(map(repr, names))} are perfectly collinear (one is a "
                "linear combination of the others), so their shares of R² are not identified; "
                "drop one of them."
            )
    return x, predictors, str(outcome)


def _covariance(x: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=0)
    return (xc.T @ xc) / (x.shape[0] - 1)


# --- all-subsets R² --------------------------------------------------------------------------


def _subset_peak(m: int) -> int:
    """Largest number of doubles per stacked matrix held at one step of :func:`_subset_r2`."""
    p = m - 1
    return max((2 ** (j + 1)) * (m - j - 1) ** 2 for j in range(p)) if p else 1


def _subset_r2(cov: np.ndarray) -> np.ndarray:
    """R² of every subset for a stack of covariance matrices (outcome last).

    ``cov`` has shape (B, m, m) with m = p + 1; returns (B, 2^p) where column ``mask`` holds
    the R² of the predictors whose bits are set in ``mask`` (bit j = predictor j).  The work
    arrays are laid out (k, k, subsets, B) so that every elementwise step runs over long
    contiguous rows.
    """
    b, m, _ = cov.shape
    p = m - 1
    var = np.diagonal(cov, axis1=1, axis2=2).copy()  # (B, m)
    # residual covariances of the variables not yet decided (+ outcome), one per subset
    states = np.ascontiguousarray(cov.transpose(1, 2, 0))[:, :, None, :]
    for j in range(p):
        pivot = states[0, 0]  # (subsets, B)
        rest = states[1:, 1:]
        col = states[1:, 0]
        ok = pivot > COLLINEAR_TOLERANCE * var[None, :, j]
        if ok.all():
            scaled = col / pivot
        else:  # j is a linear combination of the subset: adding it changes nothing
            scaled = np.where(ok, col / np.where(ok, pivot, 1.0), 0.0)
        included = rest - col[:, None] * scaled[None, :]
        states = np.concatenate([rest, included], axis=2)
    resid = states[0, 0]  # (2^p, B)
    return (1.0 - resid / var[None, :, p]).T


@lru_cache(maxsize=8)
def _sizes(p: int) -> np.ndarray:
    masks = np.arange(2**p, dtype=np.int64)
    size = np.zeros(2**p, dtype=np.int64)
    for j in range(p):
        size += (masks >> j) & 1
    size.setflags(write=False)
    return size


@lru_cache(maxsize=8)
def _size_weights(p: int) -> np.ndarray:
    """w(k) = 1 / (p * C(p-1, k)): the weight of a subset of size k in general dominance."""
    w = np.array([1.0 / (p * math.comb(p - 1, k)) for k in range(p)] + [0.0])
    w.setflags(write=False)
    return w


def _increments(r2: np.ndarray, p: int, j: int) -> np.ndarray:
    """R²(S ∪ {j}) - R²(S) for every S without j: shape (B, 2^(p-1)), in mask order."""
    b = r2.shape[0]
    block = r2.reshape(b, 2 ** (p - 1 - j), 2, 2**j)
    return (block[:, :, 1, :] - block[:, :, 0, :]).reshape(b, -1)


def _without(values: np.ndarray, p: int, j: int) -> np.ndarray:
    """Entries of a per-mask vector at the masks without bit j (same order as _increments)."""
    return values.reshape(2 ** (p - 1 - j), 2, 2**j)[:, 0, :].ravel()


def _general_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """General dominance weights (B, p) from all-subset R² (B, 2^p)."""
    wmask = _size_weights(p)[_sizes(p)]
    out = np.empty((r2.shape[0], p))
    for j in range(p):
        out[:, j] = _increments(r2, p, j) @ _without(wmask, p, j)
    return out


def _conditional_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """(p, p) matrix: row j, column k = mean increment of predictor j over subsets of size k."""
    size = _sizes(p)
    out = np.empty((p, p))
    counts = np.array([math.comb(p - 1, k) for k in range(p)], dtype=float)
    for j in range(p):
        inc = _increments(r2[None, :], p, j)[0]
        out[j] = np.bincount(_without(size, p, j), weights=inc, minlength=p)[:p] / counts
    return out


# --- relative weights ------------------------------------------------------------------------


def _relative_weights(cov: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights (B, p) for a stack of covariance matrices."""
    p = cov.shape[1] - 1
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    corr = cov / sd[:, :, None] / sd[:, None, :]
    rxx, rxy = corr[:, :p, :p], corr[:, :p, p]
    ev, q = np.linalg.eigh(rxx)
    ok = ev > COLLINEAR_TOLERANCE * ev[:, -1:]
    root = np.sqrt(np.where(ok, ev, 0.0))
    inv_root = np.where(ok, 1.0 / np.where(ok, root, 1.0), 0.0)
    qt = np.swapaxes(q, 1, 2)
    lam = (q * root[:, None, :]) @ qt  # Rxx^(1/2)
    beta = ((q * inv_root[:, None, :]) @ qt @ rxy[..., None])[..., 0]  # Lambda^-1 r_xy
    return np.einsum("bjk,bk->bj", lam**2, beta**2)


# --- bootstrap -------------------------------------------------------------------------------


def _bootstrap_covariances(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Covariance matrices (n_boot, m, m) of ``n_boot`` resamples of the rows of ``x``.

    Resample ``b`` draws ``rng.integers(0, n, size=n)`` (the b-th call); its row counts
    weight the first and second moments of the standardised data, computed for a block of
    resamples as one matrix product with ``[z, z_i z_j]``.
    """
    n, m = x.shape
    z0 = (x - x.mean(axis=0)) / x.std(axis=0)
    iu, ju = np.triu_indices(m)
    z = np.concatenate([z0, z0[:, iu] * z0[:, ju]], axis=1)  # (n, m + m(m+1)/2)
    block = max(1, min(n_boot, BOOT_COUNT_DOUBLES // n))
    counts = np.empty((block, n))
    mom = np.empty((n_boot, z.shape[1]))
    for start in range(0, n_boot, block):
        c = min(block, n_boot - start)
        for i in range(c):
            counts[i] = np.bincount(rng.integers(0, n, size=n), minlength=n)
        mom[start : start + c] = counts[:c] @ z
    mom /= n
    mean = mom[:, :m]
    upper = (mom[:, m:] - mean[:, iu] * mean[:, ju]) * (n / (n - 1))
    cov = np.empty((n_boot, m, m))
    cov[:, iu, ju] = upper
    cov[:, ju, iu] = upper
    return cov


# --- public functions ------------------------------------------------------------------------


def all_subsets_r2(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    missing: Literal["listwise"] = "listwise",
) -> pd.Series:
    """R² of the OLS regression (with intercept) of ``outcome`` on every subset of predictors.

    Parameters
    ----------
    data : pandas.DataFrame
        The outcome and predictor columns (numeric).
    outcome : str
        Outcome column.
    predictors : sequence of str
        Predictor columns (at most :data:`MAX_DOMINANCE_PREDICTORS`).
    missing : {"listwise"}
        Rows with a missing value on any of the columns are left out.

    Returns
    -------
    pandas.Series
        ``2^p`` values indexed by tuples of predictor names (the empty tuple has R² = 0), in
        binary order: subset ``mask`` holds predictor ``j`` when bit ``j`` of ``mask`` is set.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(50, 3)), columns=["y", "a", "b"])
    >>> r2 = all_subsets_r2(df, "y", ["a", "b"])
    >>> list(r2.index)
    [(), ('a',), ('b',), ('a', 'b')]
    >>> bool(r2[("a", "b")] >= r2[("a",)])
    True
    """
    x, names, _ = _prepare(data, outcome, predictors, missing, MAX_DOMINANCE_PREDICTORS)
    p = len(names)
    with single_blas_thread():
        r2 = _subset_r2(_covariance(x)[None])[0]
    r2[0] = 0.0
    index = [tuple(names[j] for j in range(p) if (mask >> j) & 1) for mask in range(2**p)]
    return pd.Series(r2, index=pd.Index(index, tupleize_cols=False), name="r2")


def relative_importance(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    method: Method = "dominance",
    n_boot: int = 0,
    seed: int | None = None,
    ci: float = 0.95,
    missing: Literal["listwise"] = "listwise",
) -> pd.DataFrame:
    """Share of R² owed to each of several correlated predictors (key-driver importance).

    ``method="dominance"`` (default) gives each predictor's *general dominance* weight
    (Budescu 1993; Azen & Budescu 2003): the mean, over subset sizes k = 0 .. p-1, of the mean
    increase in R² when the predictor is added to a subset of k other predictors, over all
    2^p subsets.  This is the Shapley value of R² and equals LMG (Lindeman, Merenda & Gold
    1980; R ``relaimpo::calc.relimp(type = "lmg")``, ``domir``); the weights sum to the full
    R².  Exact for up to :data:`MAX_DOMINANCE_PREDICTORS` predictors.

    ``method="relative_weights"`` gives Johnson's (2000) relative weights: with
    ``Rxx = Q diag(l) Q'`` and ``Λ = Q diag(√l) Q'`` (the symmetric square root),
    ``β = Λ⁻¹ r_xy`` and ``raw_j = Σ_k Λ_jk² β_k²``, which also sum to R².  They are close to
    the dominance weights and cost one eigen-decomposition.

    Bootstrap (``n_boot > 0``): percentile intervals over ``n_boot`` resamples of the complete
    rows, drawn with replacement; resample ``b`` is the ``b``-th call
    ``rng.integers(0, n, size=n)`` of ``numpy.random.default_rng(seed)``, so a seed fixes the
    result.  Quantiles are ``numpy.quantile``'s default (R type 7).  A resample in which a
    column is constant gives no weights and is left out (``attrs["n_boot_valid"]``).

    Parameters
    ----------
    data : pandas.DataFrame
        Outcome and predictor columns (numeric or boolean).
    outcome : str
        The outcome column (e.g. overall satisfaction or loyalty).
    predictors : sequence of str
        Predictor columns (drivers); a comma-separated string is accepted too.
    method : {"dominance", "relative_weights"}
        Importance measure.
    n_boot : int
        Bootstrap resamples for the intervals (0 = none; ``ci_low``/``ci_high`` are NaN).
    seed : int or None
        Seed of the bootstrap.
    ci : float
        Confidence level of the percentile intervals.
    missing : {"listwise"}
        Rows with a missing value on the outcome or any predictor are left out (SPSS
        REGRESSION's default); pairwise deletion is not offered.

    Returns
    -------
    pandas.DataFrame
        One row per predictor, in the given order: ``predictor``, ``weight`` (share of R² in
        R² units), ``share`` (= weight / R², summing to 1), ``rank`` (1 = largest weight,
        ties share the smaller rank), ``ci_low``, ``ci_high`` (percentile interval of the
        weight).  ``attrs``: ``r2`` (full-model R²), ``n`` (complete rows), ``method``,
        ``outcome``, ``n_boot``, ``n_boot_valid``, ``ci``, ``seed``, ``r2_ci`` (bootstrap
        interval of R², or NaNs), ``share_ci`` (predictor -> percentile interval of the
        share, ``weight_b / R²_b`` over the resamples with R²_b > 0, or NaNs), and for dominance ``conditional_dominance``: for each
        predictor the list of mean increments over subsets of size 0, 1, ..., p-1 (Azen &
        Budescu 2003).

    Raises
    ------
    InputError
        A column not in the data or not numeric, the outcome among the predictors, a
        predictor listed twice, a constant column, perfectly collinear predictors, fewer
        complete rows than predictors + 2, more than :data:`MAX_DOMINANCE_PREDICTORS`
        predictors for dominance, or a bad ``method``/``n_boot``/``ci``.

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> x = rng.normal(size=(500, 3))
    >>> y = x @ np.array([0.5, 0.3, 0.0]) + rng.normal(size=500)
    >>> df = pd.DataFrame(np.column_stack([y, x]), columns=["sat", "price", "service", "noise"])
    >>> res = relative_importance(df, "sat", ["price", "service", "noise"])
    >>> res[["predictor", "rank"]].to_string(index=False)
    'predictor  rank\\n    price     1\\n  service     2\\n    noise     3'
    >>> bool(abs(res["weight"].sum() - res.attrs["r2"]) < 1e-12)
    True

    References
    ----------
    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. *Psychological Methods*, 8(2), 129-148.
    Budescu, D. V. (1993). Dominance analysis: A new approach to the problem of relative
    importance of predictors in multiple regression. *Psychological Bulletin*, 114(3), 542-551.
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research*, 35(1), 1-19.
    Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*. Scott, Foresman.
    """
    if method not in _METHODS:
        raise InputError(f"method must be 'dominance' or 'relative_weights', not {method!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InputError(f"n_boot must be a whole number of resamples (0 or more), not {n_boot!r}.")
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise InputError(f"ci must be a confidence level between 0 and 1, not {ci!r}.")
    limit = MAX_DOMINANCE_PREDICTORS if method == "dominance" else None
    x, names, outcome = _prepare(data, outcome, predictors, missing, limit)
    n, p = x.shape[0], len(names)
    n_boot = int(n_boot)

    def weights_of(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if method == "dominance":
            r2_all = _subset_r2(cov)
            r2_all[:, 0] = 0.0
            return _general_dominance(r2_all, p), r2_all[:, -1], r2_all
        raw = _relative_weights(cov)
        return raw, raw.sum(axis=1), None

    with single_blas_thread():
        cov = _covariance(x)
        weight, r2_full, r2_all = weights_of(cov[None])
        weight = weight[0]
        if method == "relative_weights":
            rxx = np.corrcoef(x[:, :p], rowvar=False).reshape(p, p)
            rxy = (cov[:p, p] / np.sqrt(np.diag(cov)[:p] * cov[p, p])).reshape(p)
            r2 = float(rxy @ np.linalg.solve(rxx, rxy))
        else:
            r2 = float(r2_full[0])
        low = np.full(p, np.nan)
        high = np.full(p, np.nan)
        r2_ci = (math.nan, math.nan)
        share_low = np.full(p, np.nan)
        share_high = np.full(p, np.nan)
        n_valid = 0
        if n_boot > 0:
            rng = np.random.default_rng(seed)
            covs_all = _bootstrap_covariances(x, n_boot, rng)
            per = _subset_peak(p + 1) * 3 if method == "dominance" else (p + 1) ** 2 * 8
            chunk = max(1, CHUNK_DOUBLES // per)
            boot_w, boot_r2 = [], []
            for start in range(0, n_boot, chunk):
                covs = covs_all[start : start + chunk]
                d = np.diagonal(covs, axis1=1, axis2=2)
                bad = ~(d > 1e-12).all(axis=1)  # a column constant in the resample
                if bad.any():
                    covs = covs.copy()
                    covs[bad] = np.eye(p + 1)
                w, r, _ = weights_of(covs)
                w[bad] = np.nan
                r = np.where(bad, np.nan, r)
                boot_w.append(w)
                boot_r2.append(r)
            bw = np.concatenate(boot_w)
            br = np.concatenate(boot_r2)
            valid = np.isfinite(bw).all(axis=1)
            n_valid = int(valid.sum())
            if n_valid:
                q = [(1 - ci) / 2, (1 + ci) / 2]
                low, high = np.quantile(bw[valid], q, axis=0)
                lo_r2, hi_r2 = np.quantile(br[valid], q)
                r2_ci = (float(lo_r2), float(hi_r2))
                # the share of R² in each resample (weight_b / R²_b), for IPA's share axis; a
                # resample with R²_b = 0 has no shares (0/0) and is left out of this interval
                explained = valid & (br > 0)
                if explained.any():
                    share_low, share_high = np.quantile(
                        bw[explained] / br[explained][:, None], q, axis=0
                    )
    out = pd.DataFrame(
        {
            "predictor": names,
            "weight": weight,
            # no variance explained: the shares of nothing are undefined (NaN, not 0/0)
            "share": weight / r2 if r2 > 0 else np.full(len(names), np.nan),
            "rank": pd.Series(weight).rank(ascending=False, method="min").astype(int).to_numpy(),
            "ci_low": low,
            "ci_high": high,
        }
    )
    attrs: dict[str, Any] = {
        "r2": r2,
        "n": n,
        "method": method,
        "outcome": outcome,
        "n_boot": n_boot,
        "n_boot_valid": n_valid,
        "ci": float(ci),
        "seed": seed,
        "r2_ci": r2_ci,
        "share_ci": {
            name: (float(share_low[j]), float(share_high[j])) for j, name in enumerate(names)
        },
    }
    if r2_all is not None:
        cond = _conditional_dominance(r2_all[0], p)
        attrs["conditional_dominance"] = {
            name: [float(v) for v in cond[j]] for j, name in enumerate(names)
        }
    out.attrs.update(attrs)
    return out
