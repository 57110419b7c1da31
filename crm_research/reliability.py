"""Stage 4 of the flow: reliability of multi-item scales.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): every
coefficient here reads its items through one path -- listwise or pairwise item sets, the
undeclared-code screen, psych's and SPSS's conventions for n -- and the Feldt and bootstrap
intervals, omega's factor fits and the split-half set build on the same private helpers.
Split by coefficient, each part would import those helpers across modules (the private
imports the stage test refuses) or copy them; the family stays together until the shared
path is its own public module.

Cronbach's alpha (raw and standardized, Feldt or bootstrap CI), SPSS-style item-total
statistics, McDonald's omega (total and hierarchical), split-half coefficients, Guttman's
lambda 6, ordinal alpha, composite reliability and AVE, and a one-row-per-scale table.

Conventions (DESIGN §5)
-----------------------
* ``items`` is a DataFrame of already reverse-keyed numeric item columns; NaN is missing.
  Values that look like undeclared missing-value codes (-99, 999, ... far outside a column's
  other answers; :func:`crm_research.factor.undeclared_missing_codes`) are set to NaN with a
  warning, never used as numbers (DESIGN §5).
* ``missing="listwise"`` (default) keeps the rows answering every item of the analysed set,
  as SPSS RELIABILITY does; ``missing="pairwise"`` uses pairwise-complete covariances and all
  rows for n (psych's ``nsub = nrow(x)``), as R ``psych::alpha`` does.  Correlation-based
  models fitted to raw data (``mcdonald_omega``) use pairwise-complete Pearson correlations
  there, as psych ``omega``/``fa`` (``cor(x, use = "pairwise")``) do.
* Means and covariances are accumulated over row chunks from the raw array (``X^T X`` with a
  shift), so a million-row int8 table is never copied whole into float64.
* Every value follows R psych 2.2.9 (Revelle 2022) where psych has it; where a value is
  mathematically undefined it is NaN and the result's ``notes`` say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, islice
from math import comb
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist

from crm_research._blas import single_blas_thread as _single_blas_thread
from crm_research.errors import InputError
from crm_research.factor import (
    PSYCH_UNIQUENESS_LOWER_BOUND,
    drop_undeclared_codes,
    fa_correlation,
    rotate_loadings,
)

# --- cited thresholds ----------------------------------------------------------------------
#: Alpha bands of George, D., & Mallery, P. (2003). SPSS for Windows step by step: A simple
#: guide and reference (4th ed., p. 231): >= .9 excellent, >= .8 good, >= .7 acceptable,
#: >= .6 questionable, >= .5 poor, below .5 unacceptable.
GEORGE_MALLERY_BANDS: tuple[tuple[float, str], ...] = (
    (0.9, "excellent"),
    (0.8, "good"),
    (0.7, "acceptable"),
    (0.6, "questionable"),
    (0.5, "poor"),
)
GEORGE_MALLERY_LOWEST = "unacceptable"
#: Nunnally, J. C. (1978). Psychometric theory (2nd ed.). McGraw-Hill: alpha >= .70 is the
#: usual bar for an acceptable research scale.
NUNNALLY_MIN_ALPHA = 0.70
#: Rows per chunk when accumulating moments (bounded float64 working memory: chunk x k x 8 B).
CHUNK_ROWS = 65_536
#: Splits drawn at random when there are more than this many (psych::splitHalf n.sample).
SPLIT_HALF_SAMPLES = 10_000
#: Eigenvalue below which a correlation matrix is treated as singular.
_SINGULAR_EIGENVALUE = 1e-10

MISSING_MODES = ("listwise", "pairwise")


# --- input handling ------------------------------------------------------------------------
def _validate_items(items: pd.DataFrame | np.ndarray, min_items: int = 2) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        array = np.asarray(items)
        if array.ndim != 2:
            raise InputError("items must be a two-dimensional table with one column per item.")
        items = pd.DataFrame(array, columns=[f"V{i + 1}" for i in range(array.shape[1])])
    if items.shape[1] < min_items:
        raise InputError(
            f"At least {min_items} item columns are needed, got {items.shape[1]} ({', '.join(map(str, items.columns))})."
        )
    if items.columns.duplicated().any():
        dup = sorted({str(c) for c in items.columns[items.columns.duplicated()]})
        raise InputError(f"Item column(s) {', '.join(dup)} appear more than once.")
    items, _ = drop_undeclared_codes(items, stacklevel=4)  # -99 etc.: flagged, set to NaN
    dtypes = items.dtypes
    bad = [
        str(c)
        for c, dt in dtypes.items()
        if not pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)
    ]
    if bad:
        raise InputError(f"Item column(s) {', '.join(bad)} are not numeric.")
    floats = [c for c, dt in dtypes.items() if pd.api.types.is_float_dtype(dt)]
    if floats:
        infinite = np.isinf(items[floats].to_numpy(dtype=float, na_value=np.nan)).any(axis=0)
        if infinite.any():
            named = ", ".join(str(c) for c, flag in zip(floats, infinite, strict=True) if flag)
            raise InputError(f"Item column(s) {named} contain infinite values.")
    maybe_missing = [
        c
        for c, dt in dtypes.items()
        if not pd.api.types.is_integer_dtype(dt) or not isinstance(dt, np.dtype)
    ]
    if maybe_missing:
        all_missing = items[maybe_missing].isna().all()
        empty = [str(c) for c, flag in all_missing.items() if flag]
        if empty:
            raise InputError(
                f"Item column(s) {', '.join(empty)} have no answered rows (all missing)."
            )
    return items


def _check_missing(missing: str) -> None:
    if missing not in MISSING_MODES:
        raise InputError(f"missing must be 'listwise' or 'pairwise', not {missing!r}.")


def _item_array(items: pd.DataFrame) -> np.ndarray:
    """The items as one 2-D array, keeping a common integer dtype (e.g. int8) when there is one."""
    dtypes = set(items.dtypes)
    if len(dtypes) == 1:
        dtype = next(iter(dtypes))
        if isinstance(dtype, np.dtype):
            return items.to_numpy(dtype=dtype, copy=False)
    return items.to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class _Moments:
    n: int  # rows used (listwise: complete rows; pairwise: every row, as psych's nsub)
    n_item: np.ndarray  # answered rows per item
    mean: np.ndarray
    cov: np.ndarray  # n - 1 denominators (pairwise: per pair)


def _moments(items: pd.DataFrame, missing: str) -> _Moments:
    """Means and covariance matrix, accumulated over row chunks."""
    with _single_blas_thread():
        return _moments_unthreaded(items, missing)


def _moments_unthreaded(items: pd.DataFrame, missing: str) -> _Moments:
    array = _item_array(items)
    k = array.shape[1]
    can_miss = np.issubdtype(array.dtype, np.floating)
    shift = None
    if missing == "listwise" or not can_miss:
        n = 0
        total = np.zeros(k)
        cross = np.zeros((k, k))
        buffers: dict[np.dtype, np.ndarray] = {}  # reused across chunks
        for start in range(0, array.shape[0], CHUNK_ROWS):
            raw = array[start : start + CHUNK_ROWS]
            if can_miss:
                raw = raw[~np.isnan(raw).any(axis=1)]
            if raw.shape[0] == 0:
                continue
            if shift is None:
                shift = np.round(raw.mean(axis=0))  # exact for integer codes
            block = _shifted_block(raw, shift, buffers)
            n += block.shape[0]
            products = (block.T @ block).astype(float)  # the last column of block is ones
            cross += products[:k, :k]
            total += products[k, :k]
        if n == 0:
            raise InputError(
                f"No row answers all of the items {', '.join(map(str, items.columns))} (listwise deletion leaves nothing)."
            )
        centred = total / n
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (cross - n * np.outer(centred, centred)) / (n - 1)
        return _Moments(n=n, n_item=np.full(k, n), mean=centred + shift, cov=cov)
    # pairwise-complete moments
    count = np.zeros((k, k))
    sums = np.zeros((k, k))  # sums[i, j] = sum of x_i over rows answering i and j
    cross = np.zeros((k, k))
    shift = np.round(np.nanmean(np.asarray(array[:CHUNK_ROWS], dtype=float), axis=0))
    shift = np.where(np.isnan(shift), 0.0, shift)
    for start in range(0, array.shape[0], CHUNK_ROWS):
        block = np.asarray(array[start : start + CHUNK_ROWS], dtype=float) - shift
        present = ~np.isnan(block)
        m = present.astype(float)
        x = np.where(present, block, 0.0)
        count += m.T @ m
        sums += x.T @ m
        cross += x.T @ x
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (cross - sums * sums.T / count) / (count - 1)
        mean = np.diag(sums) / np.diag(count) + shift
    # psych::alpha uses nsub = nrow(x) (every row, even one with no answer) for its Feldt
    # interval; so does the pairwise bootstrap, which resamples all rows
    return _Moments(n=int(array.shape[0]), n_item=np.diag(count).astype(int), mean=mean, cov=cov)


def _shifted_block(
    raw: np.ndarray, shift: np.ndarray, buffers: dict[np.dtype, np.ndarray] | None = None
) -> np.ndarray:
    """``[raw - shift, 1]``: the shifted chunk and a column of ones, in one pass.

    ``block.T @ block`` then holds the cross-products and (last row) the column sums.
    Integer codes minus an integer shift are small integers; when every partial sum of the
    product stays below 2**24 (rows x widest**2, which also bounds the sums and the count)
    the single-precision product is exact, and twice as fast as double precision.
    Otherwise (floats, wide ranges) float64 is used.  ``buffers`` (dtype -> array) lets
    successive chunks reuse one block, written in place without temporaries.
    """
    rows, k = raw.shape
    dtype = np.dtype(float)
    if np.issubdtype(raw.dtype, np.integer) and rows:
        widest = max(float(np.max(raw.max(axis=0) - shift)), float(np.max(shift - raw.min(axis=0))))
        if rows * max(widest, 1.0) ** 2 < 2**24:
            dtype = np.dtype(np.float32)
    buffers = {} if buffers is None else buffers
    block = buffers.get(dtype)
    if block is None or block.shape[0] < rows:
        block = np.empty((rows, k + 1), dtype=dtype, order="F")
        block[:, k] = 1.0
        buffers[dtype] = block
    out = block[:rows]
    np.subtract(raw, shift.astype(dtype), out=out[:, :k], casting="unsafe")
    return out


def _cov2cor(cov: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diag(cov))
        sd = np.where(sd > 0, sd, np.nan)
        return cov / np.outer(sd, sd)


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlation of each item with the others, ``1 - 1/diag(R^-1)``.

    Items with an undefined correlation (zero variance) get NaN and are left out of the
    others' regressions; a singular matrix is handled item by item with a pseudo-inverse
    (an item that is an exact linear combination of the others gets 1).
    """
    k = r.shape[0]
    out = np.full(k, np.nan)
    idx = np.flatnonzero(~np.isnan(np.diag(r)))  # items with a defined (positive) variance
    if idx.size < 2:
        return out
    sub = r[np.ix_(idx, idx)]
    if np.isnan(sub).any():
        return out
    if np.linalg.eigvalsh(sub).min() > _SINGULAR_EIGENVALUE:
        out[idx] = 1.0 - 1.0 / np.diag(np.linalg.inv(sub))
        return out
    for pos, i in enumerate(idx):
        others = np.delete(np.arange(idx.size), pos)
        rio = sub[pos, others]
        out[i] = float(rio @ np.linalg.pinv(sub[np.ix_(others, others)], rcond=1e-10) @ rio)
    return np.clip(out, 0.0, 1.0)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    if k < 2:
        return float("nan")
    total = cov.sum()
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def _std_alpha_from_cor(r: np.ndarray) -> tuple[float, float]:
    """Standardized alpha and mean inter-item correlation (psych ``alpha.1``)."""
    k = r.shape[0]
    total = r.sum()
    if k < 2 or not np.isfinite(total):
        return float("nan"), float("nan")
    return float((1.0 - k / total) * k / (k - 1)), float((total - k) / (k * (k - 1)))


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval for Cronbach's alpha, as ``psych::alpha.ci``.

    ``1 - (1 - alpha) F`` with the F quantiles on ``n - 1`` and ``(n - 1)(k - 1)`` df.

    Parameters
    ----------
    alpha : float
        The sample coefficient alpha.
    n : int
        Respondents.
    k : int
        Items.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple of float
        (lower, upper).

    Examples
    --------
    >>> lo, hi = feldt_ci(0.8, 200, 10)
    >>> round(lo, 4), round(hi, 4)
    (0.756, 0.8389)

    References
    ----------
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. Psychometrika, 30, 357-370.
    """
    if not np.isfinite(alpha) or n < 2 or k < 2:
        return (float("nan"), float("nan"))
    tail = (1.0 - level) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * f_dist.ppf(1.0 - tail, df1, df2)
    high = 1.0 - (1.0 - alpha) * f_dist.ppf(tail, df1, df2)
    return (float(low), float(high))


# --- Cronbach's alpha ----------------------------------------------------------------------
@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one set of items.

    Attributes
    ----------
    alpha : float
        Raw alpha from the covariance matrix.
    std_alpha : float
        Standardized alpha from the correlation matrix (NaN when an item has no variance).
    ci : tuple of float
        (lower, upper) confidence limits of raw alpha.
    n : int
        Respondents used (listwise: complete rows; pairwise: all rows, psych's ``nrow(x)``,
        which is also the n of the Feldt interval).
    k : int
        Items.
    average_r : float
        Mean inter-item correlation.
    method : str
        ``"feldt"`` or ``"bootstrap"``.
    missing : str
        ``"listwise"`` or ``"pairwise"``.
    ci_level : float
        Confidence level.
    n_boot : int
        Bootstrap resamples (0 for Feldt).
    notes : tuple of str
        Why a value is NaN, when one is.
    """

    alpha: float
    std_alpha: float
    ci: tuple[float, float]
    n: int
    k: int
    average_r: float
    method: str
    missing: str
    ci_level: float = 0.95
    n_boot: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One-row table: alpha, std_alpha, ci_low, ci_high, average_r, n, k, method, missing."""
        return pd.DataFrame(
            [
                {
                    "alpha": self.alpha,
                    "std_alpha": self.std_alpha,
                    "ci_low": self.ci[0],
                    "ci_high": self.ci[1],
                    "ci_level": self.ci_level,
                    "average_r": self.average_r,
                    "n": self.n,
                    "k": self.k,
                    "method": self.method,
                    "missing": self.missing,
                }
            ]
        )

    def __repr__(self) -> str:
        pct = round(self.ci_level * 100)
        text = (
            f"AlphaResult(alpha={self.alpha:.3f}, std_alpha={self.std_alpha:.3f}, "
            f"{pct}% CI [{self.ci[0]:.3f}, {self.ci[1]:.3f}] ({self.method}), "
            f"average_r={self.average_r:.3f}, n={self.n}, k={self.k}, missing={self.missing})"
        )
        if self.notes:
            text += "\n  notes: " + "; ".join(self.notes)
        return text


def _notes_for_cov(cov: np.ndarray, names: Sequence[str]) -> list[str]:
    notes = []
    zero = [str(names[i]) for i in np.flatnonzero(~(np.diag(cov) > 0))]
    if zero:
        notes.append(
            f"item(s) {', '.join(zero)} have zero variance, so correlation-based values "
            "(standardized alpha, average r, item-total r, SMC) involving them are NaN"
        )
    return notes


def cronbach_alpha(
    items: pd.DataFrame,
    ci: float = 0.95,
    method: str = "feldt",
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    missing: str = "listwise",
) -> AlphaResult:
    """Cronbach's alpha, raw and standardized, with a Feldt or bootstrap confidence interval.

    Raw alpha is ``k/(k-1) (1 - tr(C)/sum(C))`` for the item covariance matrix ``C``;
    standardized alpha uses the correlation matrix. ``missing="listwise"`` (SPSS RELIABILITY)
    keeps complete rows; ``missing="pairwise"`` uses pairwise-complete covariances as R
    ``psych::alpha`` does (its Feldt interval then uses every row, ``nrow(x)``, as psych).

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed numeric items, one column each; NaN is missing.
    ci : float, default 0.95
        Confidence level.
    method : {"feldt", "bootstrap"}, default "feldt"
        Feldt's F-based interval (psych ``alpha.ci``) or a percentile bootstrap of raw
        alpha over respondents.
    n_boot : int, default 1000
        Bootstrap resamples; all are drawn at once (multinomial row counts) and alpha is
        computed from weighted moments, without a Python loop over resamples.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap; the same seed gives the same interval.
    missing : {"listwise", "pairwise"}, default "listwise"
        Missing-data handling.

    Returns
    -------
    AlphaResult

    Raises
    ------
    InputError
        Fewer than two items, a non-numeric or all-missing column, no complete row, fewer
        than two respondents, or an unknown ``method``/``missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 5]})
    >>> round(cronbach_alpha(df).alpha, 4)
    0.9451

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334. Feldt, L. S. (1965). Psychometrika, 30, 357-370.
    Efron, B., & Tibshirani, R. (1993). An introduction to the bootstrap. Chapman & Hall.
    Revelle, W. (2022). psych 2.2.9, ``alpha``.
    """
    _check_missing(missing)
    if method not in ("feldt", "bootstrap"):
        raise InputError(f"method must be 'feldt' or 'bootstrap', not {method!r}.")
    if not 0 < ci < 1:
        raise InputError(f"ci must be a confidence level between 0 and 1, not {ci!r}.")
    items = _validate_items(items)
    names = [str(c) for c in items.columns]
    mom = _moments(items, missing)
    k = len(names)
    if mom.n < 2:
        raise InputError(f"Cronbach's alpha needs at least two respondents, got {mom.n}.")
    notes = _notes_for_cov(mom.cov, names)
    if np.isnan(mom.cov).any():
        notes.append("some pairs of items are never answered together, so alpha is NaN")
    alpha = _alpha_from_cov(mom.cov)
    if np.isnan(alpha) and not np.isnan(mom.cov).any():
        notes.append("the total score has zero variance, so alpha is undefined")
    r = _cov2cor(mom.cov)
    std_alpha, average_r = _std_alpha_from_cor(r)
    if method == "feldt":
        interval = feldt_ci(alpha, mom.n, k, ci)
        used_boot = 0
    else:
        if n_boot < 2:
            raise InputError(f"n_boot must be at least 2, not {n_boot}.")
        boot = bootstrap_alpha(items, n_boot=n_boot, seed=seed, missing=missing)
        tail = (1.0 - ci) / 2.0
        finite = boot[np.isfinite(boot)]
        if finite.size < n_boot:
            notes.append(
                f"{n_boot - finite.size} bootstrap resamples gave an undefined alpha and were left out"
            )
        if finite.size == 0:
            interval = (float("nan"), float("nan"))
        else:
            low, high = np.quantile(finite, [tail, 1.0 - tail])  # R quantile type 7
            interval = (float(low), float(high))
        used_boot = n_boot
    return AlphaResult(
        alpha=alpha,
        std_alpha=std_alpha,
        ci=interval,
        n=mom.n,
        k=k,
        average_r=average_r,
        method=method,
        missing=missing,
        ci_level=ci,
        n_boot=used_boot,
        notes=tuple(notes),
    )


def _resample_counts(rng: np.random.Generator, n_rows: int, n_resamples: int) -> np.ndarray:
    """Row counts (resamples x rows) of ``n_resamples`` bootstrap samples of size ``n_rows``.

    Indices are drawn at once; they are counted in small slices so that each ``bincount``
    output stays in cache (about 15x faster than one large call).
    """
    draws = rng.integers(0, n_rows, size=(n_resamples, n_rows))
    counts = np.empty((n_resamples, n_rows))
    step = max(1, 262_144 // n_rows)
    for start in range(0, n_resamples, step):
        part = draws[start : start + step]
        size = part.shape[0]
        flat = (part + (np.arange(size) * n_rows)[:, None]).ravel()
        counts[start : start + size] = np.bincount(flat, minlength=size * n_rows).reshape(
            size, n_rows
        )
    return counts


def bootstrap_alpha(
    items: pd.DataFrame,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    missing: str = "listwise",
) -> np.ndarray:
    """Raw alpha of ``n_boot`` bootstrap resamples of the respondents, computed in batches.

    Each batch of resamples is a matrix of multinomial row counts ``W`` (resamples x rows);
    item and total-score variances of every resample follow from ``W @ [X, X**2, T, T**2]``
    (pairwise: from the pair-wise sums of products), so no Python loop runs over resamples.

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed numeric items; NaN is missing.
    n_boot : int, default 1000
        Resamples.
    seed : int or numpy.random.Generator, optional
        The same seed gives identical results.
    missing : {"listwise", "pairwise"}, default "listwise"
        Listwise: resample complete rows. Pairwise: resample all rows (as psych does) and use
        pairwise-complete covariances in each resample.

    Returns
    -------
    numpy.ndarray
        ``n_boot`` alphas (NaN for a degenerate resample).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> df = pd.DataFrame(f + rng.normal(size=(300, 4)))
    >>> boots = bootstrap_alpha(df, n_boot=200, seed=1)
    >>> boots.shape, bool(np.all(boots > 0.6))
    ((200,), True)

    References
    ----------
    Efron, B., & Tibshirani, R. (1993). An introduction to the bootstrap. Chapman & Hall.
    """
    _check_missing(missing)
    items = _validate_items(items)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = items.to_numpy(dtype=float, na_value=np.nan)
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n < 2:
        raise InputError(f"The bootstrap needs at least two respondents, got {n}.")
    shift = np.nanmean(x, axis=0)
    x = x - shift
    if missing == "listwise" or not np.isnan(x).any():
        # sums needed per resample: each item's sum, the sum of all squared items, and the
        # squared total score (sum of item variances and variance of the total follow)
        features = np.hstack(
            [x, (x * x).sum(axis=1, keepdims=True), x.sum(axis=1, keepdims=True) ** 2]
        )
        pair_mode = False
    else:
        present = ~np.isnan(x)
        x0 = np.where(present, x, 0.0)
        iu, ju = np.triu_indices(k)
        m = present.astype(float)
        both = m[:, iu] * m[:, ju]
        features = np.hstack(
            [both, x0[:, iu] * m[:, ju], x0[:, ju] * m[:, iu], x0[:, iu] * x0[:, ju]]
        )
        pair_mode = True
    batch = max(1, int(1_000_000 // n))  # about 8 MB of counts per batch
    out = np.empty(n_boot)
    with _single_blas_thread():
        _bootstrap_batches(rng, features, out, n, k, batch, (iu, ju) if pair_mode else None)
    return out


def _bootstrap_batches(
    rng: np.random.Generator,
    features: np.ndarray,
    out: np.ndarray,
    n: int,
    k: int,
    batch: int,
    pairs: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Fill ``out`` with the alphas of successive batches of resamples (pairwise: ``pairs``)."""
    n_boot = out.size
    for start in range(0, n_boot, batch):
        size = min(batch, n_boot - start)
        weights = _resample_counts(rng, n, size)
        moments = weights @ features
        if pairs is None:
            s1 = moments[:, :k]
            item_var = moments[:, k] - (s1 * s1).sum(axis=1) / n
            t1 = s1.sum(axis=1)
            total_var = moments[:, k + 1] - t1 * t1 / n
        else:
            iu, ju = pairs
            p = iu.size
            cnt, si, sj, sij = (moments[:, i * p : (i + 1) * p] for i in range(4))
            with np.errstate(invalid="ignore", divide="ignore"):
                cov = (sij - si * sj / cnt) / (cnt - 1)
            diag = iu == ju
            item_var = cov[:, diag].sum(axis=1)
            total_var = item_var + 2.0 * cov[:, ~diag].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = k / (k - 1) * (1.0 - item_var / total_var)
        alpha[~(total_var > 0)] = np.nan
        out[start : start + size] = alpha


# --- item analysis ---------------------------------------------------------------------------
def item_analysis(items: pd.DataFrame, missing: str = "listwise") -> pd.DataFrame:
    """SPSS "Item-Total Statistics" with item means and standard deviations.

    For each item: ``n`` (answered rows used), ``mean``, ``sd`` (n - 1), scale mean and
    variance if the item is deleted (the scale is the sum of items), corrected item-total
    correlation (item with the sum of the *other* items; psych ``r.drop``), squared multiple
    correlation with the other items, and alpha if the item is deleted.

    Undefined values are NaN: alpha if deleted for a two-item scale (alpha of one item is
    undefined), correlations of a zero-variance item. SMC of a two-item scale is r squared.
    Moments are accumulated in row chunks, so a 1,000,000 x 50 int8 table needs no float64
    copy of the data.

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed numeric items; NaN is missing.
    missing : {"listwise", "pairwise"}, default "listwise"
        Listwise (SPSS) or pairwise-complete covariances (psych).

    Returns
    -------
    pandas.DataFrame
        One row per item (index: item names) with columns n, mean, sd, scale_mean_if_deleted,
        scale_variance_if_deleted, corrected_item_total_r, squared_multiple_r, alpha_if_deleted.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 5]})
    >>> item_analysis(df)["alpha_if_deleted"].round(3).tolist()
    [0.853, 0.978, 0.909]

    References
    ----------
    IBM Corp. (2021). IBM SPSS Statistics 28 Algorithms: RELIABILITY. Revelle, W. (2022).
    psych 2.2.9, ``alpha`` (``r.drop``, ``alpha.drop``).
    """
    _check_missing(missing)
    items = _validate_items(items)
    mom = _moments(items, missing)
    return _item_table(mom, [str(c) for c in items.columns])


def _item_table(mom: _Moments, names: list[str]) -> pd.DataFrame:
    cov = mom.cov
    k = len(names)
    var = np.diag(cov)
    total_var = cov.sum()
    rest_var = total_var - 2.0 * cov.sum(axis=1) + var
    rest_cov = cov.sum(axis=1) - var
    with np.errstate(invalid="ignore", divide="ignore"):
        citc = rest_cov / np.sqrt(var * rest_var)
        citc = np.where((var > 0) & (rest_var > 0), citc, np.nan)
        if k > 2:
            alpha_del = (k - 1) / (k - 2) * (1.0 - (np.trace(cov) - var) / rest_var)
            alpha_del = np.where(rest_var > 0, alpha_del, np.nan)
        else:
            alpha_del = np.full(k, np.nan)
    smc = _smc(_cov2cor(cov))
    return pd.DataFrame(
        {
            "n": mom.n_item,
            "mean": mom.mean,
            "sd": np.sqrt(var),
            "scale_mean_if_deleted": mom.mean.sum() - mom.mean,
            "scale_variance_if_deleted": rest_var,
            "corrected_item_total_r": citc,
            "squared_multiple_r": smc,
            "alpha_if_deleted": alpha_del,
        },
        index=pd.Index(names, name="item"),
    )


def guttman_lambda6(items: pd.DataFrame, missing: str = "listwise") -> float:
    """Guttman's lambda 6, ``1 - sum(1 - SMC) / sum(R)`` on the correlation matrix (psych G6).

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed numeric items; NaN is missing.
    missing : {"listwise", "pairwise"}, default "listwise"
        Missing-data handling.

    Returns
    -------
    float
        Lambda 6 (NaN if an item has zero variance).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 5]})
    >>> round(guttman_lambda6(df), 4)
    0.959

    References
    ----------
    Guttman, L. (1945). A basis for analyzing test-retest reliability. Psychometrika, 10,
    255-282. Revelle, W. (2022). psych 2.2.9, ``alpha`` (``G6(smc)``).
    """
    _check_missing(missing)
    items = _validate_items(items)
    r = _cov2cor(_moments(items, missing).cov)
    k = r.shape[0]
    return float(1.0 - (k - _smc(r).sum()) / r.sum())


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega.

    Attributes
    ----------
    total : float
        Omega total (NaN when undefined; see ``notes``).
    hierarchical : float or None
        Omega hierarchical (Schmid-Leiman general factor) when ``n_factors >= 2``, else None
        (two group factors: psych's ``option = "equal"``, see :func:`mcdonald_omega`).
    n_factors : int
        Factors extracted.
    fm : str
        Factoring method (``"ml"`` or ``"minres"``).
    loadings : pandas.Series
        One-factor loadings, or the general-factor loadings of the Schmid-Leiman solution.
    n : int
        Respondents used.
    k : int
        Items.
    notes : tuple of str
        Why a value is NaN, when one is.
    """

    total: float
    hierarchical: float | None
    n_factors: int
    fm: str
    loadings: pd.Series
    n: int
    k: int
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One-row table: omega_total, omega_hierarchical, n_factors, fm, n, k."""
        return pd.DataFrame(
            [
                {
                    "omega_total": self.total,
                    "omega_hierarchical": np.nan
                    if self.hierarchical is None
                    else self.hierarchical,
                    "n_factors": self.n_factors,
                    "fm": self.fm,
                    "n": self.n,
                    "k": self.k,
                }
            ]
        )

    def __repr__(self) -> str:
        hier = "None" if self.hierarchical is None else f"{self.hierarchical:.3f}"
        text = (
            f"OmegaResult(total={self.total:.3f}, hierarchical={hier}, "
            f"n_factors={self.n_factors}, fm={self.fm!r}, n={self.n}, k={self.k})"
        )
        if self.notes:
            text += "\n  notes: " + "; ".join(self.notes)
        return text


def mcdonald_omega(
    items: pd.DataFrame,
    n_factors: int = 1,
    fm: str | None = None,
    missing: str = "listwise",
    total_variance: str | None = None,
) -> OmegaResult:
    """McDonald's omega total (and omega hierarchical with ``n_factors >= 2``).

    One factor (default): a maximum-likelihood factor analysis of the correlation matrix
    gives loadings ``l`` and uniquenesses ``u = 1 - l**2``; omega total is
    ``(sum(l))**2 / ((sum(l))**2 + sum(u))`` (DESIGN §5; McDonald 1999, eq. 6.20b), the
    model-implied total variance. psych ``omega`` divides by the *observed* total
    ``sum(R)`` instead: ``1 - sum(u)/sum(R)``; ``total_variance`` chooses (by default
    "model" for ``fm="ml"``, "observed" -- psych's ``omega(fm="minres")`` -- otherwise).
    Several factors (psych ``omega`` defaults): a minres solution rotated by oblimin, a
    one-factor solution of the factor correlations, then the Schmid-Leiman transformation;
    omega hierarchical is ``(sum(g))**2 / sum(R)`` and omega total ``1 - sum(u)/sum(R)``.
    With two group factors the general factor is not identified; as psych ``schmid``
    (``option = "equal"``) both group factors then load ``sqrt(|phi_12|)`` on it (a note
    says so).  A model needs non-negative degrees of freedom,
    ``((k - m)**2 - (k + m)) / 2 >= 0`` (k >= 3 items for one factor, 5 for two, 6 for three),
    else the result is NaN with a note.  With ``missing="pairwise"`` the correlations are
    pairwise-complete Pearson correlations, ``cor(x, use = "pairwise")`` as psych ``omega``
    and ``fa`` compute them from raw data.

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed numeric items; NaN is missing.
    n_factors : int, default 1
        1 for omega total only; 2 or more for omega hierarchical (2: psych's equal
        general-factor loadings of the two group factors).
    fm : {"ml", "minres"}, optional
        Factoring method; default "ml" for one factor, "minres" for several (psych omega).
    missing : {"listwise", "pairwise"}, default "listwise"
        Missing-data handling for the correlation matrix.
    total_variance : {"model", "observed"}, optional
        Denominator of omega total for one factor: ``(sum l)**2 + sum(u)`` or ``sum(R)``.
        Several factors always use ``sum(R)`` (psych).

    Returns
    -------
    OmegaResult
        ``total`` is NaN (with a note) for fewer than three items, a zero-variance item, or a
        singular correlation matrix with ``fm="ml"`` (e.g. fewer respondents than items).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(2000, 1))
    >>> df = pd.DataFrame(f * [0.8, 0.7, 0.6, 0.5] + rng.normal(size=(2000, 4)) * [0.6, 0.714, 0.8, 0.866])
    >>> round(mcdonald_omega(df).total, 1)
    0.8

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum. Schmid, J., & Leiman,
    J. M. (1957). Psychometrika, 22, 53-61. Zinbarg, R. E., Revelle, W., Yovel, I., & Li, W.
    (2005). Psychometrika, 70, 123-133. Revelle, W. (2022). psych 2.2.9, ``omega``.
    """
    _check_missing(missing)
    if fm is None:
        fm = "ml" if n_factors == 1 else "minres"
    if fm not in ("ml", "minres"):
        raise InputError(f"fm must be 'ml' or 'minres', not {fm!r}.")
    if n_factors < 1:
        raise InputError(f"n_factors must be at least 1, not {n_factors}.")
    if total_variance is None:
        total_variance = "model" if fm == "ml" else "observed"
    if total_variance not in ("model", "observed"):
        raise InputError(f"total_variance must be 'model' or 'observed', not {total_variance!r}.")
    items = _validate_items(items)
    names = [str(c) for c in items.columns]
    k = len(names)
    mom = _moments(items, missing)
    if missing == "pairwise":
        # psych omega / fa on raw data: cor(x, use = "pairwise"), each correlation from the
        # rows answering both items (means and SDs over those rows), not cov2cor(cov)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = items.astype(float).corr(method="pearson", min_periods=2).to_numpy(copy=True)
        r[~np.isfinite(r)] = np.nan
        np.fill_diagonal(r, np.where(np.diag(mom.cov) > 0, 1.0, np.nan))
    else:
        r = _cov2cor(mom.cov)
    nan_loadings = pd.Series(np.nan, index=names, name="loading")

    def undefined(note: str) -> OmegaResult:
        hier = None if n_factors < 2 else float("nan")
        return OmegaResult(float("nan"), hier, n_factors, fm, nan_loadings, mom.n, k, (note,))

    if np.isnan(r).any():
        return undefined(
            "an item has zero variance or a pair is never answered together, so the correlation matrix is undefined"
        )
    min_k = _min_items_for(n_factors)
    if k < min_k:
        return undefined(
            f"{k} items are too few to identify a {n_factors}-factor model (at least {min_k} are needed for non-negative degrees of freedom)"
        )
    min_eig = np.linalg.eigvalsh(r).min()
    if fm == "ml" and min_eig < _SINGULAR_EIGENVALUE:
        return undefined(
            f"the correlation matrix is singular (smallest eigenvalue {min_eig:.2g}; e.g. fewer respondents than items or a duplicated item), so the ML factor model cannot be fitted"
        )
    try:
        return _omega_fit(r, names, n_factors, fm, total_variance, mom.n)
    except (np.linalg.LinAlgError, FloatingPointError) as exc:
        return undefined(f"the factor model could not be fitted ({type(exc).__name__}: {exc})")


def _min_items_for(n_factors: int) -> int:
    """Fewest items k giving an exploratory m-factor model ``((k-m)**2 - (k+m))/2 >= 0`` df."""
    k = max(3, n_factors + 1)
    while (k - n_factors) ** 2 < k + n_factors:
        k += 1
    return k


def _omega_fit(
    r: np.ndarray, names: list[str], n_factors: int, fm: str, total_variance: str, n: int
) -> OmegaResult:
    """Fit the factor model(s) of :func:`mcdonald_omega` to a valid correlation matrix."""
    k = len(names)
    if n_factors == 1:
        lam = fa_correlation(r, 1, fm)[0][:, 0]
        if lam.sum() < 0:
            lam = -lam
        uniq = 1.0 - lam**2
        if total_variance == "model":
            total = float(lam.sum() ** 2 / (lam.sum() ** 2 + uniq.sum()))
        else:
            total = float(1.0 - uniq.sum() / r.sum())
        notes = ()
        if np.any(uniq < PSYCH_UNIQUENESS_LOWER_BOUND * 1.0001):
            notes = ("a Heywood case: an item's uniqueness reached the lower bound .005",)
        return OmegaResult(
            total, None, 1, fm, pd.Series(lam, index=names, name="loading"), n, k, notes
        )
    orth = fa_correlation(r, n_factors, fm, rotation="varimax")[0]
    h2 = np.sum(orth**2, axis=1)
    u2 = 1.0 - h2
    vt = r.sum()
    total = float((vt - u2.sum()) / vt)
    pattern, phi, _ = rotate_loadings(orth, "oblimin")  # GPArotation::oblimin, as psych schmid
    notes: tuple[str, ...] = ()
    if n_factors == 2:
        # psych schmid(option = "equal"): the general factor is not identified by two group
        # factors, so both load sqrt(|phi_12|) on it (the second with phi_12's sign)
        root = float(np.sqrt(abs(phi[0, 1])))
        gload = np.array([root, np.sign(phi[0, 1]) * root])
        notes = (
            "two group factors do not identify the general factor: their general-factor "
            "loadings are set equal (psych schmid option 'equal'); use three or more factors "
            "where possible",
        )
    else:
        gload = fa_correlation(phi, 1, fm)[0][:, 0]
    general = pattern @ gload
    key = np.where(general < 0, -1.0, 1.0)
    if key.sum() < k:  # psych omega flips items loading negatively on g
        r = r * np.outer(key, key)
        general = general * key
        vt = r.sum()
        total = float((vt - u2.sum()) / vt)
    hierarchical = float(general.sum() ** 2 / vt)
    return OmegaResult(
        total,
        hierarchical,
        n_factors,
        fm,
        pd.Series(general, index=names, name="g_loading"),
        n,
        k,
        notes,
    )


# --- split-half --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SplitHalfResult:
    """Split-half reliabilities over splits of the items into two halves (psych splitHalf).

    Attributes
    ----------
    max, min, mean : float
        Largest (beta's complement: the maximum split-half, lambda 4), smallest (Revelle's
        beta) and mean split-half reliability ``4 r_AB / sum(R)``.
    n_splits : int
        Splits evaluated.
    exhaustive : bool
        True when every split was evaluated, False for a random sample.
    alpha, lambda6 : float
        Standardized alpha and Guttman's lambda 6 of the (keyed) correlation matrix.
    keys : pandas.Series
        +1/-1 per item: items with a negative loading on the first principal component are
        reversed (psych ``check.keys=TRUE``).
    """

    max: float
    min: float
    mean: float
    n_splits: int
    exhaustive: bool
    alpha: float
    lambda6: float
    keys: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the coefficients."""
        return pd.DataFrame(
            [
                {
                    "max": self.max,
                    "min": self.min,
                    "mean": self.mean,
                    "alpha": self.alpha,
                    "lambda6": self.lambda6,
                    "n_splits": self.n_splits,
                    "exhaustive": self.exhaustive,
                }
            ]
        )

    def __repr__(self) -> str:
        how = "all" if self.exhaustive else "random"
        return (
            f"SplitHalfResult(max={self.max:.3f}, min={self.min:.3f}, mean={self.mean:.3f}, "
            f"{how} {self.n_splits} splits, alpha={self.alpha:.3f}, lambda6={self.lambda6:.3f})"
        )


def _split_coefficients(r: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``4 r_AB / sum(R)`` for indicator rows ``a`` (splits x items, 1 = half A)."""
    ra = a @ r
    within_a = np.sum(ra * a, axis=1)
    row_a = ra.sum(axis=1)
    r_ab = row_a - within_a
    return 4.0 * r_ab / r.sum()


def _enumerate_splits(k: int, chunk: int = 1 << 21) -> Iterable[np.ndarray]:
    """Every split into halves of sizes floor(k/2) and the rest, each once (indicator rows).

    Bit masks with ``floor(k/2)`` bits set are enumerated in chunks (for even k the first
    item is always in half A, so a split and its mirror image are not both counted).
    """
    m = k // 2
    fixed_first = k % 2 == 0
    free = k - 1 if fixed_first else k
    need = m - 1 if fixed_first else m
    bits = np.arange(free, dtype=np.int64)
    for start in range(0, 1 << free, chunk):
        masks = np.arange(start, min(start + chunk, 1 << free), dtype=np.int64)
        masks = masks[np.bitwise_count(masks) == need]
        if masks.size == 0:
            continue
        ind = ((masks[:, None] >> bits) & 1).astype(float)
        if fixed_first:
            ind = np.hstack([np.ones((ind.shape[0], 1)), ind])
        yield ind


def _psych_splits(k: int, count: int, chunk: int = 1 << 16) -> Iterable[np.ndarray]:
    """Indicator rows of the first ``count`` lexicographic ``floor(k/2)``-subsets (psych), in chunks."""
    combos = islice(combinations(range(k), k // 2), count)
    while True:
        block = np.array(list(islice(combos, chunk)), dtype=np.intp)
        if block.size == 0:
            return
        ind = np.zeros((block.shape[0], k))
        np.put_along_axis(ind, block, 1.0, axis=1)
        yield ind


def split_half(
    items: pd.DataFrame,
    n_sample: int = SPLIT_HALF_SAMPLES,
    brute: bool | None = None,
    seed: int | np.random.Generator | None = None,
    check_keys: bool = True,
    missing: str = "listwise",
    splits: str = "psych",
) -> SplitHalfResult:
    """Split-half reliabilities over all (or a random sample of) splits, as psych splitHalf.

    Each split of the items into halves A and B (sizes ``floor(k/2)`` and the rest) gives the
    standardized split-half coefficient ``4 r_AB / sum(R)``, with ``r_AB`` the sum of the
    correlations between the halves. All splits are evaluated when there are at most
    ``n_sample`` of them (every split for k <= 16), otherwise ``n_sample`` random splits.
    For odd k, psych enumerates only the first ``ceil(C/2)`` of the ``C = choose(k, floor(k/2))``
    lexicographic combinations; ``splits="psych"`` (default) evaluates the same splits, so max
    and min equal psych's, ``splits="all"`` evaluates every split (the true maximum/minimum
    split-half coefficients; for even k both are the same).  The mean is the mean of the
    splits evaluated; psych divides their sum by ``C/2`` instead, which for odd ``C``
    (k = 3, 7, 15) is not a mean (for k = 3 it exceeds the maximum), so there the mean
    differs from psych's ``meanr`` by the factor ``ceil(C/2) / (C/2)``.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric items; NaN is missing.
    n_sample : int, default 10000
        Random splits drawn when there are more splits than this.
    brute : bool, optional
        True forces the exhaustive enumeration (vectorised bit masks; the 5.2 million splits
        of 25 items take a few seconds; refused above 30 items); False forces sampling.
    seed : int or numpy.random.Generator, optional
        Seed for the random splits.
    check_keys : bool, default True
        Reverse items with a negative loading on the first principal component (psych).
    missing : {"listwise", "pairwise"}, default "listwise"
        Missing-data handling for the correlation matrix.
    splits : {"psych", "all"}, default "psych"
        Which splits an exhaustive run evaluates for odd k (see above).

    Returns
    -------
    SplitHalfResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 1))
    >>> res = split_half(pd.DataFrame(f + rng.normal(size=(500, 6))))
    >>> res.n_splits, res.exhaustive
    (10, True)

    References
    ----------
    Revelle, W. (1979). Hierarchical cluster analysis and the internal structure of tests.
    Multivariate Behavioral Research, 14, 57-74. Revelle, W. (2022). psych 2.2.9,
    ``splitHalf``.
    """
    _check_missing(missing)
    items = _validate_items(items, min_items=2)
    names = [str(c) for c in items.columns]
    k = len(names)
    r = _cov2cor(_moments(items, missing).cov)
    if np.isnan(r).any():
        raise InputError(
            "Split-half reliability needs every item to vary and every pair of items to be answered together."
        )
    keys = np.ones(k)
    if check_keys:
        values, vectors = np.linalg.eigh(r)
        first = vectors[:, np.argmax(values)]
        if first.sum() < 0:  # psych principal orients components to a positive sum
            first = -first
        keys = np.where(first < 0, -1.0, 1.0)
    r = r * np.outer(keys, keys)
    m = k // 2
    if splits not in ("psych", "all"):
        raise InputError(f"splits must be 'psych' or 'all', not {splits!r}.")
    psych_odd = splits == "psych" and k % 2 == 1
    n_total = comb(k, m) // (2 if k % 2 == 0 else 1)
    if psych_odd:
        n_total = -(-comb(k, m) // 2)  # psych: the first ceil(C/2) combinations
    exhaustive = (comb(k, m) / 2 <= n_sample) if brute is None else bool(brute)
    if exhaustive and k > 30:
        raise InputError(
            f"Enumerating all {n_total} splits of {k} items is not feasible; use brute=False."
        )
    if exhaustive:
        count, total, hi, lo = 0, 0.0, -np.inf, np.inf
        with _single_blas_thread():
            if psych_odd:
                blocks = [_split_coefficients(r, block) for block in _psych_splits(k, n_total)]
            else:
                blocks = [_split_coefficients(r, block) for block in _enumerate_splits(k)]
        for coef in blocks:
            count += coef.size
            total += coef.sum()
            hi, lo = max(hi, coef.max()), min(lo, coef.min())
        mean = total / count
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        order = np.argsort(rng.random((n_sample, k)), axis=1)[:, :m]
        ind = np.zeros((n_sample, k))
        np.put_along_axis(ind, order, 1.0, axis=1)
        coef = _split_coefficients(r, ind)
        count, mean, hi, lo = n_sample, float(coef.mean()), float(coef.max()), float(coef.min())
    std_alpha, _ = _std_alpha_from_cor(r)
    lambda6 = float(1.0 - (k - _smc(r).sum()) / r.sum())
    return SplitHalfResult(
        max=float(hi),
        min=float(lo),
        mean=float(mean),
        n_splits=int(count),
        exhaustive=exhaustive,
        alpha=std_alpha,
        lambda6=lambda6,
        keys=pd.Series(keys.astype(int), index=names, name="key"),
    )


# --- ordinal alpha ---------------------------------------------------------------------------
def ordinal_alpha(
    items: pd.DataFrame, missing: str = "listwise", **polychoric_options: Any
) -> float:
    """Ordinal alpha: standardized alpha of the polychoric correlation matrix.

    ``k/(k-1) (1 - k/sum(P))`` for the polychoric matrix ``P`` (psych:
    ``alpha(polychoric(x)$rho)``).

    Parameters
    ----------
    items : pandas.DataFrame
        Reverse-keyed, integer-coded ordinal items; NaN is missing.
    missing : {"listwise", "pairwise"}, default "listwise"
        Listwise keeps complete rows before the polychoric step; pairwise lets
        :func:`crm_research.correlation.polychoric_matrix` use all answered pairs.
    **polychoric_options
        Passed to :func:`crm_research.correlation.polychoric_matrix`.

    Returns
    -------
    float
        Ordinal alpha.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(3000, 1)) * 0.8 + rng.normal(size=(3000, 4)) * 0.6
    >>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1)
    >>> round(ordinal_alpha(df), 2)  # population: 4 * .64 / (1 + 3 * .64) = .877
    0.87

    References
    ----------
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients
    alpha and theta for Likert rating scales. Journal of Modern Applied Statistical Methods,
    6, 21-29.
    """
    from crm_research.correlation import polychoric_matrix

    _check_missing(missing)
    items = _validate_items(items)
    if missing == "listwise":
        items = items.dropna()
        if items.shape[0] == 0:
            raise InputError("No row answers all items, so ordinal alpha (listwise) is undefined.")
    rho = polychoric_matrix(items, **polychoric_options).to_numpy()
    return _std_alpha_from_cor(rho)[0]


# --- loadings-based coefficients ----------------------------------------------------------------
def _loading_vector(loadings: Any, what: str) -> np.ndarray:
    if isinstance(loadings, Mapping):
        loadings = list(loadings.values())
    lam = np.asarray(loadings, dtype=float).ravel()
    lam = lam[~np.isnan(lam)]
    if lam.size == 0:
        raise InputError(f"{what} needs at least one standardized loading.")
    if np.any(np.abs(lam) > 1.0):
        raise InputError(
            f"{what} needs standardized loadings in [-1, 1]; got {lam[np.abs(lam) > 1].round(3).tolist()} (a Heywood case)."
        )
    return lam


def _per_factor(loadings: Any, fn: Any) -> Any:
    if isinstance(loadings, pd.DataFrame):
        return pd.Series(
            {c: fn(loadings[c].where(loadings[c] != 0)) for c in loadings.columns}, name=fn.__name__
        )
    if isinstance(loadings, Mapping) and not all(np.isscalar(v) for v in loadings.values()):
        return pd.Series({name: fn(vals) for name, vals in loadings.items()}, name=fn.__name__)
    return fn(loadings)


def composite_reliability(loadings: Any) -> float | pd.Series:
    """Composite (construct) reliability from standardized loadings (Fornell & Larcker 1981).

    ``CR = (sum l)**2 / ((sum l)**2 + sum(1 - l**2))``. This is the standardized-loading
    formula; semTools ``compRelSEM``/``AVE`` divide by the *observed* variances instead, and
    differ from it when the model does not reproduce the item variances exactly.

    Parameters
    ----------
    loadings : array_like, pandas.Series, mapping or pandas.DataFrame
        Standardized loadings of one factor (a sequence, Series or {item: loading}); a
        mapping {factor: loadings} or an items x factors DataFrame gives one value per factor
        (zeros and NaN in a DataFrame column are items not loading on that factor).

    Returns
    -------
    float or pandas.Series

    Examples
    --------
    >>> round(composite_reliability([0.7, 0.8, 0.9]), 4)
    0.8446

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18, 39-50.
    """

    def composite_reliability(values: Any) -> float:
        lam = _loading_vector(values, "Composite reliability")
        s = lam.sum() ** 2
        return float(s / (s + np.sum(1.0 - lam**2)))

    return _per_factor(loadings, composite_reliability)


def average_variance_extracted(loadings: Any) -> float | pd.Series:
    """Average variance extracted, the mean squared standardized loading (Fornell & Larcker 1981).

    Parameters
    ----------
    loadings : array_like, pandas.Series, mapping or pandas.DataFrame
        As for :func:`composite_reliability`.

    Returns
    -------
    float or pandas.Series

    Examples
    --------
    >>> round(average_variance_extracted([0.7, 0.8, 0.9]), 4)
    0.6467

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Journal of Marketing Research, 18, 39-50.
    """

    def ave(values: Any) -> float:
        lam = _loading_vector(values, "AVE")
        return float(np.mean(lam**2))

    return _per_factor(loadings, ave)


ave = average_variance_extracted


# --- one row per scale -------------------------------------------------------------------------
def alpha_band(alpha: float) -> str:
    """George & Mallery (2003) label of an alpha value ("undefined" for NaN).

    Parameters
    ----------
    alpha : float
        Cronbach's alpha.

    Returns
    -------
    str
        "excellent", "good", "acceptable", "questionable", "poor", "unacceptable" or
        "undefined".

    Examples
    --------
    >>> alpha_band(0.72), alpha_band(0.45)
    ('acceptable', 'unacceptable')

    References
    ----------
    George, D., & Mallery, P. (2003). SPSS for Windows step by step (4th ed.). Allyn & Bacon.
    """
    if alpha is None or not np.isfinite(alpha):
        return "undefined"
    for bound, label in GEORGE_MALLERY_BANDS:
        if alpha >= bound:
            return label
    return GEORGE_MALLERY_LOWEST


def _scales_from(scales: Any) -> dict[str, list[str]]:
    if hasattr(scales, "scales") and hasattr(scales, "items"):  # an Instrument
        # single-item scales (e.g. an NPS question) have no internal consistency: skipped
        return {s.id: list(s.items) for s in scales.scales if len(s.items) >= 2}
    if not isinstance(scales, Mapping) or not scales:
        raise InputError(
            "scales must be a non-empty mapping {scale name: [item, ...]} or an Instrument."
        )
    return {str(name): [str(i) for i in members] for name, members in scales.items()}


def reverse_items(
    items: pd.DataFrame, reverse: Iterable[str], instrument: Any = None
) -> pd.DataFrame:
    """Reverse-key items as ``low + high - x``.

    ``low``/``high`` are the item's response-scale bounds when ``instrument`` defines the item,
    else its observed minimum and maximum (alpha, omega and item-total r do not depend on the
    constant; only item means do).

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric items.
    reverse : iterable of str
        Columns to reverse.
    instrument : Instrument, optional
        Source of the response-scale bounds.

    Returns
    -------
    pandas.DataFrame
        A copy with the named columns reversed.

    Examples
    --------
    >>> import pandas as pd
    >>> reverse_items(pd.DataFrame({"a": [1, 3, 5]}), ["a"])["a"].tolist()
    [5, 3, 1]

    References
    ----------
    Nunnally, J. C. (1978). Psychometric theory (2nd ed.). McGraw-Hill.
    """
    reverse = [str(c) for c in reverse]
    absent = [c for c in reverse if c not in items.columns]
    if absent:
        raise InputError(f"Reverse-keyed column(s) {', '.join(absent)} are not in the data.")
    out, _ = drop_undeclared_codes(items, stacklevel=3)  # -99 would set the observed range
    out = out.copy()
    for col in reverse:
        low = high = None
        if instrument is not None:
            try:
                scale = instrument.item(col).response_scale
                low, high = scale.min, scale.max
            except Exception:  # item not in the instrument: fall back to the observed range
                low = high = None
        if low is None:
            low, high = out[col].min(), out[col].max()
        out[col] = low + high - out[col]
    return out


def scale_reliability(
    items: pd.DataFrame,
    scales: Mapping[str, Sequence[str]] | Any,
    ci: float = 0.95,
    missing: str = "listwise",
    omega_fm: str = "ml",
    reverse: Iterable[str] | None = None,
    instrument: Any = None,
) -> pd.DataFrame:
    """One row per scale: k, n, alpha with its Feldt CI, omega, item-total r and a cited label.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns (reverse-keyed, or name the reversed ones in ``reverse``).
    scales : mapping or Instrument
        {scale name: [item, ...]} or an :class:`crm_research.instrument.Instrument` (its
        scales of two or more items are used).
    ci : float, default 0.95
        Confidence level of the Feldt interval.
    missing : {"listwise", "pairwise"}, default "listwise"
        Missing-data handling within each scale.
    omega_fm : {"ml", "minres"}, default "ml"
        Factoring method of omega total (NaN for scales of fewer than three items).
    reverse : iterable of str, optional
        Items to reverse-key first (``low + high - x``; see :func:`reverse_items`).
    instrument : Instrument, optional
        Source of the response-scale bounds used by ``reverse`` (taken from ``scales`` when
        that is an Instrument).

    Returns
    -------
    pandas.DataFrame
        Columns scale, k, n, alpha, ci_low, ci_high, omega, mean_citc, min_citc, flag
        (George & Mallery 2003 band of alpha) and meets_nunnally (alpha >= .70,
        Nunnally 1978).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 1))
    >>> df = pd.DataFrame(f + rng.normal(size=(400, 4)), columns=list("abcd"))
    >>> scale_reliability(df, {"s": ["a", "b", "c", "d"]})["flag"].tolist()
    ['acceptable']

    References
    ----------
    George, D., & Mallery, P. (2003). SPSS for Windows step by step (4th ed.). Allyn & Bacon.
    Nunnally, J. C. (1978). Psychometric theory (2nd ed.). McGraw-Hill.
    """
    _check_missing(missing)
    if not isinstance(items, pd.DataFrame):
        raise InputError("items must be a DataFrame with one column per item.")
    if instrument is None and hasattr(scales, "scales") and hasattr(scales, "items"):
        instrument = scales
    spec = _scales_from(scales)
    wanted = list(dict.fromkeys(c for members in spec.values() for c in members))
    absent = [c for c in wanted if c not in items.columns]
    if absent:
        raise InputError(
            f"Item column(s) {', '.join(absent)} named in the scales are not in the data."
        )
    reverse = [str(c) for c in reverse or ()]
    data = items[list(dict.fromkeys(wanted + [c for c in reverse if c in items.columns]))]
    # undeclared codes (-99, ...) must go before reversing, or low + high - x turns them into
    # ordinary-looking numbers
    data, _ = drop_undeclared_codes(data, stacklevel=3)
    if reverse:
        data = reverse_items(data, reverse, instrument)
    rows = []
    for name, members in spec.items():
        subset = data[members]
        if len(members) < 2:
            raise InputError(
                f"Scale {name} has {len(members)} item; reliability needs at least two."
            )
        try:
            res = cronbach_alpha(subset, ci=ci, missing=missing)
        except InputError as exc:
            raise InputError(f"Scale {name}: {exc}") from None
        table = item_analysis(subset, missing=missing)
        omega = (
            mcdonald_omega(subset, fm=omega_fm, missing=missing).total
            if len(members) >= 3
            else float("nan")
        )
        citc = table["corrected_item_total_r"]
        rows.append(
            {
                "scale": name,
                "k": res.k,
                "n": res.n,
                "alpha": res.alpha,
                "ci_low": res.ci[0],
                "ci_high": res.ci[1],
                "omega": omega,
                "mean_citc": float(citc.mean()),
                "min_citc": float(citc.min()),
                "flag": alpha_band(res.alpha),
                "meets_nunnally": bool(np.isfinite(res.alpha) and res.alpha >= NUNNALLY_MIN_ALPHA),
            }
        )
    return pd.DataFrame(rows)
