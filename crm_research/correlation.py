"""Stage 4 of the flow: correlation matrices for Likert items (Pearson and polychoric).

Polychoric correlations follow R ``psych::polychoric`` (Revelle, psych 2.2.9) step by step:

1. every item is shifted so that its smallest observed code is 1; the number of categories
   ``n_values`` is the largest shifted code over all items;
2. thresholds are the normal quantiles of each item's cumulative marginal proportions, taken
   from all of that item's answered rows (``global=TRUE``);
3. for every pair, the contingency table of the rows answering both items is divided by its
   total and empty cells are set to ``correct / total`` (``correct = 0.5``);
4. rho maximises ``sum(table * log(P(rho)))`` on (-1, 1), where ``P`` are bivariate-normal
   rectangle probabilities (cells of probability 0 are skipped, as psych does);
5. a matrix that is not positive definite is smoothed (``psych::cor.smooth``).

psych optimises with ``optimize()`` (tolerance about 1.2e-4 in rho); here every pair is solved
together by a vectorised golden-section search to 1e-10, so the two agree to about 1e-4.
The bivariate normal CDF is Genz's (2004) BVNU algorithm, vectorised over all cells and pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from crm_research._blas import single_blas_thread as _single_blas_thread
from crm_research.errors import InputError

#: psych::polychoric's default continuity correction for empty cells (``correct = .5``).
DEFAULT_CORRECTION = 0.5
#: psych stops above 8 categories (``max.cat = 8``); we accept 0-10 (NPS) and 1-10 items.
MAX_CATEGORIES = 11
#: psych::cor.smooth replaces eigenvalues below machine epsilon by 100 * epsilon.
_EPS = np.finfo(float).eps

# Gauss-Legendre nodes/weights on [-1, 1] (20 points) used by Genz's BVNU for every |rho|;
# Genz uses 6, 12 or 20 points depending on |rho|; 20 everywhere is at least as accurate.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_X = _GL_X[:10]  # the negative half; Genz evaluates at 1 -/+ x
_GL_W = _GL_W[:10]


def _as_frame(items: pd.DataFrame | np.ndarray, what: str = "items") -> pd.DataFrame:
    if isinstance(items, pd.DataFrame):
        frame = items
    else:
        array = np.asarray(items)
        if array.ndim != 2:
            raise InputError(f"The {what} must be a two-dimensional table of item columns.")
        frame = pd.DataFrame(array, columns=[f"V{i + 1}" for i in range(array.shape[1])])
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise InputError(f"Column(s) {', '.join(bad)} of the {what} are not numeric.")
    return frame


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Standard bivariate normal CDF ``P(X <= h, Y <= k)`` with correlation ``rho``.

    Vectorised version of Genz's BVNU algorithm (Drezner & Wesolowsky 1990 with Genz's
    refinements); arguments broadcast against each other; ``h`` and ``k`` may be +/-inf.

    Parameters
    ----------
    h, k : array_like
        Upper integration limits.
    rho : array_like
        Correlations in [-1, 1].

    Returns
    -------
    numpy.ndarray
        Probabilities, accurate to about 1e-15 absolute.

    Examples
    --------
    >>> float(bivariate_normal_cdf(0.0, 0.0, 0.5))  # 1/4 + asin(.5)/(2 pi) = 1/3
    0.3333333333333333

    References
    ----------
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and
    t probabilities. Statistics and Computing, 14, 251-260.
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (h, k, rho)))
    out = np.empty(h.shape, dtype=float)
    lo = np.isneginf(h) | np.isneginf(k)
    hinf = np.isposinf(h)
    kinf = np.isposinf(k)
    out[lo] = 0.0
    only_k = hinf & ~lo
    out[only_k] = ndtr(k[only_k])
    only_h = kinf & ~lo & ~hinf
    out[only_h] = ndtr(h[only_h])
    finite = ~(lo | hinf | kinf)
    if finite.any():
        out[finite] = _bvnu(-h[finite], -k[finite], rho[finite])
    return out


def _bvnu(dh: np.ndarray, dk: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Genz's BVNU: ``P(X > dh, Y > dk)`` for finite limits (flat arrays)."""
    h = dh
    k = dk.copy()
    bvn = np.zeros_like(h)
    low = np.abs(r) < 0.925
    if low.any():
        hl, kl, rl = h[low], k[low], r[low]
        hs = (hl * hl + kl * kl) / 2.0
        asr = np.arcsin(rl)
        acc = np.zeros_like(hl)
        for x, w in zip(_GL_X, _GL_W, strict=True):
            for sign in (-1.0, 1.0):
                sn = np.sin(asr * (1.0 + sign * x) / 2.0)
                acc += w * np.exp((sn * hl * kl - hs) / (1.0 - sn * sn))
        bvn[low] = acc * asr / (4.0 * np.pi) + ndtr(-hl) * ndtr(-kl)
    high = ~low
    if high.any():
        hh, kh, rh = h[high], k[high], r[high]
        neg = rh < 0
        kh = np.where(neg, -kh, kh)
        hkh = hh * kh
        res = np.zeros_like(hh)
        inner = np.abs(rh) < 1.0
        if inner.any():
            hi, ki, hki, ri = hh[inner], kh[inner], hkh[inner], rh[inner]
            a_s = (1.0 - ri) * (1.0 + ri)
            a = np.sqrt(a_s)
            bs = (hi - ki) ** 2
            c = (4.0 - hki) / 8.0
            d = (12.0 - hki) / 16.0
            val = (
                a
                * np.exp(-(bs / a_s + hki) / 2.0)
                * (1.0 - c * (bs - a_s) * (1.0 - d * bs / 5.0) / 3.0 + c * d * a_s * a_s / 5.0)
            )
            ok = hki > -160.0
            b = np.sqrt(bs)
            with np.errstate(over="ignore", invalid="ignore"):
                corr = (
                    np.exp(-hki / 2.0)
                    * np.sqrt(2.0 * np.pi)
                    * ndtr(-b / a)
                    * b
                    * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0)
                )
            val = val - np.where(ok, corr, 0.0)
            a2 = a / 2.0
            for x, w in zip(_GL_X, _GL_W, strict=True):
                for sign in (-1.0, 1.0):
                    xs = (a2 * (sign * x + 1.0)) ** 2
                    rs = np.sqrt(1.0 - xs)
                    asr = -(bs / xs + hki) / 2.0
                    with np.errstate(over="ignore", invalid="ignore"):
                        term = (
                            a2
                            * w
                            * np.exp(asr)
                            * (
                                np.exp(-hki * (1.0 - rs) / (2.0 * (1.0 + rs))) / rs
                                - (1.0 + c * xs * (1.0 + d * xs))
                            )
                        )
                    val = val + np.where(asr > -100.0, term, 0.0)
            res[inner] = -val / (2.0 * np.pi)
        # Genz: r > 0 adds Phi(-max(h, k)); r < 0 (k already negated) gives
        # -bvn + max(0, Phi(-h) - Phi(-k)).
        positive = res + ndtr(-np.maximum(hh, kh))
        negative = -res + np.maximum(0.0, ndtr(-hh) - ndtr(-kh))
        bvn[high] = np.where(neg, negative, positive)
    return bvn


def _categorise(frame: pd.DataFrame, max_categories: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Codes shifted by the overall minimum to 0.. (``-1`` = missing), as psych does.

    Returns the codes, the number of categories and each item's highest code.
    """
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    empty = [str(c) for c, m in zip(frame.columns, missing.all(axis=0), strict=True) if m]
    if empty:
        raise InputError(f"Column(s) {', '.join(empty)} have no answered rows.")
    finite = np.where(missing, 0.0, values)
    fractional = np.any(finite != np.round(finite), axis=0)
    if fractional.any():
        bad = [str(c) for c, f in zip(frame.columns, fractional, strict=True) if f]
        raise InputError(
            f"Column(s) {', '.join(bad)} hold non-integer values; polychoric correlations need ordered categories."
        )
    constant = np.nanmax(values, axis=0) == np.nanmin(values, axis=0)
    if constant.any():
        bad = [str(c) for c, f in zip(frame.columns, constant, strict=True) if f]
        raise InputError(
            f"Column(s) {', '.join(bad)} have a single observed value, so their polychoric correlations are undefined."
        )
    codes = np.where(missing, -1, finite - np.nanmin(values)).astype(np.int64)
    n_values = int(codes.max()) + 1
    if n_values > max_categories:
        raise InputError(
            f"The items span {n_values} categories, more than max_categories={max_categories} for polychoric correlations."
        )
    return codes, n_values, codes.max(axis=0)


def _thresholds(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Global thresholds (``n_values - 1`` x items), psych's ``qnorm(cumsum(freq))``."""
    n_items = codes.shape[1]
    freq = np.zeros((n_values, n_items))
    for j in range(n_items):
        col = codes[:, j]
        freq[:, j] = np.bincount(col[col >= 0], minlength=n_values)
    return _cuts(freq / freq.sum(axis=0), axis=0)


def _cuts(proportions: np.ndarray, axis: int) -> np.ndarray:
    """``qnorm(cumsum(p))`` without the last cut, exact ``inf`` once the sum reaches 1."""
    cum = np.cumsum(proportions, axis=axis)
    cum = np.take(cum, np.arange(proportions.shape[axis] - 1), axis=axis)
    cum = np.where(cum >= 1.0 - 1e-13, 1.0, cum)
    return ndtri(cum)


def _pair_tables(codes: np.ndarray, n_values: int, pairs: np.ndarray) -> np.ndarray:
    """Contingency tables (pairs x n_values x n_values) over rows answering both items.

    All tables come from one indicator cross-product, accumulated over row chunks.
    """
    n_rows, n_items = codes.shape
    width = n_items * n_values
    cross = np.zeros((width, width))
    chunk = max(1, 2_000_000 // max(width, 1))
    offsets = np.arange(n_items) * n_values
    for start in range(0, n_rows, chunk):
        block = codes[start : start + chunk]
        indicator = np.zeros((block.shape[0], width))
        rows, cols = np.nonzero(block >= 0)
        indicator[rows, offsets[cols] + block[rows, cols]] = 1.0
        cross += indicator.T @ indicator
    cube = cross.reshape(n_items, n_values, n_items, n_values)
    return cube[pairs[:, 0], :, pairs[:, 1], :]


def _local_tables(
    tables: np.ndarray, totals: np.ndarray, correct: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """psych's ``global=FALSE`` branch of ``polyc`` for every pair.

    Empty rows and columns are dropped (packed to the front and padded with weight 0 and
    threshold ``+inf``), empty cells get ``correct / total``, and the thresholds come from the
    corrected table's margins.
    """
    n_pairs, n_values, _ = tables.shape
    weights = np.zeros_like(tables)
    tx = np.full((n_pairs, n_values - 1), np.inf)
    ty = np.full((n_pairs, n_values - 1), np.inf)
    corrected = 0
    for p in range(n_pairs):
        tab = tables[p] / totals[p]
        tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
        if min(tab.shape) < 2:
            weights[p] = np.nan
            continue
        if correct > 0 and (tab == 0).any():
            corrected += 1
            tab = np.where(tab == 0, correct / totals[p], tab)
        nr, nc = tab.shape
        weights[p, :nr, :nc] = tab
        tx[p, : nr - 1] = _cuts(tab.sum(axis=1), axis=0)
        ty[p, : nc - 1] = _cuts(tab.sum(axis=0), axis=0)
    return weights, tx, ty, corrected


def _neg_loglik(rho: np.ndarray, tx: np.ndarray, ty: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """psych's polyF for many pairs at once: -sum(tab * log P), cells with P <= 0 skipped."""
    n_pairs, n_values = weights.shape[0], weights.shape[1]
    inf = np.full((n_pairs, 1), np.inf)
    bx = np.concatenate([-inf, tx, inf], axis=1)  # pairs x (n_values + 1)
    by = np.concatenate([-inf, ty, inf], axis=1)
    grid = bivariate_normal_cdf(bx[:, :, None], by[:, None, :], rho[:, None, None])
    cells = grid[:, 1:, 1:] - grid[:, :-1, 1:] - grid[:, 1:, :-1] + grid[:, :-1, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(cells > 0, np.log(np.where(cells > 0, cells, 1.0)), 0.0)
    return -(weights * logp).reshape(n_pairs, n_values * n_values).sum(axis=1)


def _solve_rho(
    tx: np.ndarray, ty: np.ndarray, weights: np.ndarray, tol: float = 1e-10
) -> np.ndarray:
    """Golden-section search on (-1, 1) for every pair simultaneously."""
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    n_pairs = weights.shape[0]
    lo = np.full(n_pairs, -1.0)
    hi = np.full(n_pairs, 1.0)
    c = hi - golden * (hi - lo)
    d = lo + golden * (hi - lo)
    fc = _neg_loglik(c, tx, ty, weights)
    fd = _neg_loglik(d, tx, ty, weights)
    while np.max(hi - lo) > tol:
        left = fc <= fd  # minimum in [lo, d]
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new_c = hi - golden * (hi - lo)
        new_d = lo + golden * (hi - lo)
        # reuse the surviving interior point, evaluate the other
        c_next = np.where(left, new_c, d)
        d_next = np.where(left, c, new_d)
        probe = np.where(left, c_next, d_next)
        fprobe = _neg_loglik(probe, tx, ty, weights)
        fc, fd = np.where(left, fprobe, fd), np.where(left, fc, fprobe)
        c, d = c_next, d_next
    return (lo + hi) / 2.0


def cor_smooth(r: np.ndarray) -> np.ndarray:
    """Smooth a non-positive-definite correlation matrix as ``psych::cor.smooth`` does.

    Eigenvalues below machine epsilon become ``100 * eps``, the eigenvalues are rescaled to sum
    to the number of variables, and the rebuilt matrix is rescaled to unit diagonal.

    Parameters
    ----------
    r : numpy.ndarray
        Symmetric correlation matrix.

    Returns
    -------
    numpy.ndarray
        The smoothed matrix (``r`` itself when it is already positive definite).

    Examples
    --------
    >>> import numpy as np
    >>> cor_smooth(np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research (version 2.2.9), ``cor.smooth``.
    """
    values, vectors = np.linalg.eigh(r)
    if values.min() > _EPS:
        return r
    values = np.where(values < _EPS, 100 * _EPS, values)
    values = values * len(values) / values.sum()
    rebuilt = (vectors * values) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(rebuilt))
    return rebuilt * np.outer(scale, scale)


@dataclass(frozen=True)
class PolychoricResult:
    """A polychoric correlation matrix with its thresholds.

    Attributes
    ----------
    rho : pandas.DataFrame
        Items x items polychoric correlations.
    thresholds : pandas.DataFrame
        Thresholds (rows ``t1..``) x items; ``inf`` for cuts above an item's highest code.
    smoothed : bool
        True when the matrix was not positive definite and was smoothed (psych ``cor.smooth``).
    corrected_pairs : int
        Number of pairs whose table had empty cells filled by the continuity correction
        (only when thresholds are per pair).
    global_thresholds : bool
        True when every item has the same number of categories, so thresholds come from each
        item's marginal (psych ``global=TRUE``); otherwise per-pair thresholds are used.
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    smoothed: bool
    corrected_pairs: int
    global_thresholds: bool

    def to_frame(self) -> pd.DataFrame:
        """The correlation matrix."""
        return self.rho.copy()

    def __repr__(self) -> str:
        k = self.rho.shape[0]
        note = ", smoothed" if self.smoothed else ""
        return f"PolychoricResult({k} items, {self.corrected_pairs} corrected pairs{note})\n{self.rho.round(3)}"


def polychoric_result(
    items: pd.DataFrame,
    correct: float = DEFAULT_CORRECTION,
    smooth: bool = True,
    max_categories: int = MAX_CATEGORIES,
    global_thresholds: bool = True,
) -> PolychoricResult:
    """Polychoric correlation matrix with thresholds, as ``psych::polychoric`` computes it.

    Parameters
    ----------
    items : pandas.DataFrame
        Integer-coded ordinal items (one column each); NaN is missing and is handled pairwise
        for the tables and per item for the (global) thresholds.
    correct : float, default 0.5
        Continuity correction: with per-pair thresholds, empty cells of a pair's table count as
        ``correct`` observations (psych's default; psych 2.2.9 applies it only there).
        0 switches it off.
    smooth : bool, default True
        Smooth a non-positive-definite result (``psych::cor.smooth``).
    max_categories : int, default 11
        Largest number of categories accepted per item.
    global_thresholds : bool, default True
        psych's ``global``: thresholds from each item's marginal. psych (and this function)
        switches to per-pair thresholds when the items have different numbers of categories.

    Returns
    -------
    PolychoricResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 2, 3, 3, 1], "b": [1, 2, 3, 3, 2, 1]})
    >>> round(float(polychoric_result(df).rho.loc["a", "b"]), 3)  # psych::polychoric: 0.8587626
    0.859

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
    Psychometrika, 44, 443-460. Revelle, W. (2022). psych 2.2.9, ``polychoric``.
    """
    frame = _as_frame(items)
    names = [str(c) for c in frame.columns]
    if len(names) < 2:
        raise InputError("Polychoric correlations need at least two item columns.")
    codes, n_values, item_max = _categorise(frame, max_categories)
    tau = _thresholds(codes, n_values)  # (n_values - 1) x items
    k = len(names)
    pairs = np.array([(i, j) for i in range(k) for j in range(i + 1, k)])
    with _single_blas_thread():
        tables = _pair_tables(codes, n_values, pairs)
    totals = tables.sum(axis=(1, 2))
    empty_pairs = totals == 0
    if empty_pairs.any():
        first = pairs[np.argmax(empty_pairs)]
        raise InputError(
            f"Columns {names[first[0]]} and {names[first[1]]} are never answered in the same row, so their polychoric correlation is undefined."
        )
    # psych: items with different numbers of alternatives switch global thresholds off
    use_global = global_thresholds and bool(np.all(item_max == item_max[0]))
    if use_global:
        weights = tables / totals[:, None, None]
        tx = tau[:, pairs[:, 0]].T
        ty = tau[:, pairs[:, 1]].T
        corrected = 0
    else:
        weights, tx, ty, corrected = _local_tables(tables, totals, correct)
    undefined = np.isnan(weights).any(axis=(1, 2))
    rho_pairs = _solve_rho(tx, ty, np.nan_to_num(weights))
    rho_pairs[undefined] = np.nan  # a pair whose common rows use one category of an item
    rho = np.eye(k)
    rho[pairs[:, 0], pairs[:, 1]] = rho_pairs
    rho[pairs[:, 1], pairs[:, 0]] = rho_pairs
    smoothed = False
    if smooth and not undefined.any():  # psych turns smoothing off when a value is missing
        fixed = cor_smooth(rho)
        smoothed = fixed is not rho
        rho = fixed
    return PolychoricResult(
        rho=pd.DataFrame(rho, index=names, columns=names),
        thresholds=pd.DataFrame(
            tau, index=[f"t{i + 1}" for i in range(n_values - 1)], columns=names
        ),
        smoothed=smoothed,
        corrected_pairs=corrected,
        global_thresholds=use_global,
    )


def polychoric_matrix(
    items: pd.DataFrame,
    correct: float = DEFAULT_CORRECTION,
    smooth: bool = True,
    max_categories: int = MAX_CATEGORIES,
) -> pd.DataFrame:
    """Polychoric correlation matrix of ordinal items (``psych::polychoric(x)$rho``).

    Parameters
    ----------
    items : pandas.DataFrame
        Integer-coded ordinal items; NaN is missing (pairwise tables, per-item thresholds).
    correct : float, default 0.5
        Continuity correction for empty cells (psych's default).
    smooth : bool, default True
        Smooth a non-positive-definite result as ``psych::cor.smooth`` does.
    max_categories : int, default 11
        Largest number of categories accepted per item (psych stops above 8).

    Returns
    -------
    pandas.DataFrame
        Items x items correlations.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> z = rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], size=4000)
    >>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
    >>> bool(abs(polychoric_matrix(df).loc["a", "b"] - 0.6) < 0.05)
    True

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
    Psychometrika, 44, 443-460. Revelle, W. (2022). psych 2.2.9, ``polychoric``.
    """
    return polychoric_result(
        items, correct=correct, smooth=smooth, max_categories=max_categories
    ).rho


def polychoric(
    x: pd.Series | np.ndarray,
    y: pd.Series | np.ndarray,
    correct: float = DEFAULT_CORRECTION,
    max_categories: int = MAX_CATEGORIES,
) -> float:
    """Polychoric correlation of two ordinal variables (two-step ML, psych defaults).

    Parameters
    ----------
    x, y : array_like
        Integer-coded ordinal variables of equal length; NaN is missing.
    correct : float, default 0.5
        Continuity correction for empty cells.
    max_categories : int, default 11
        Largest number of categories accepted.

    Returns
    -------
    float
        The polychoric correlation.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, -.4], [-.4, 1]], size=5000)
    >>> x, y = np.digitize(z[:, 0], [-.5, .5]), np.digitize(z[:, 1], [0, 1, 2])
    >>> abs(polychoric(x, y) + 0.4) < 0.05
    True

    References
    ----------
    Olsson, U. (1979). Psychometrika, 44, 443-460.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise InputError("x and y must be one-dimensional and of the same length.")
    frame = pd.DataFrame({"x": xa, "y": ya})
    rho = polychoric_matrix(frame, correct=correct, smooth=False, max_categories=max_categories)
    return float(rho.iloc[0, 1])


def pearson_matrix(items: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Pearson correlation matrix with pairwise or listwise deletion of missing values.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns; NaN is missing.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``pairwise`` uses, for every pair, the rows answering both (R ``use="pairwise"``);
        ``listwise`` first keeps the rows answering every item.

    Returns
    -------
    pandas.DataFrame
        Items x items correlations (NaN where a column has no variance).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 5, 9]})
    >>> round(float(pearson_matrix(df).loc["a", "b"]), 4)
    0.9648

    References
    ----------
    Pearson, K. (1896). Philosophical Transactions of the Royal Society A, 187, 253-318.
    """
    frame = _as_frame(items)
    if missing == "listwise":
        frame = frame.dropna()
    elif missing != "pairwise":
        raise InputError(f"missing must be 'pairwise' or 'listwise', not {missing!r}.")
    return frame.astype(float).corr()
