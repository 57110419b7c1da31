"""Factorability, dimensionality and exploratory factor analysis, computed as R ``psych`` does.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): KMO, Bartlett,
the eigenvalues, parallel analysis and the EFA share psych's extraction (minres, ml, pa),
reflection, rotation (the GPArotation ports) and sorting steps; that private machinery is
what makes each public result equal R's, and one module keeps it private to them
(:func:`fa_correlation` is the one piece other modules use, and it is public).

Stage 4 of the flow (DESIGN §2).  Every function takes a DataFrame of already reverse-keyed
numeric item columns and returns a frozen result dataclass with ``to_frame()``.

* :func:`kmo` – Kaiser–Meyer–Olkin measure of sampling adequacy (``psych::KMO``).
* :func:`bartlett_sphericity` – Bartlett's test that the correlation matrix is an identity
  (``psych::cortest.bartlett``).
* :func:`eigenvalues` – eigenvalues of the correlation matrix, for a scree plot.
* :func:`parallel_analysis` – Horn's parallel analysis as ``psych::fa.parallel`` reports it,
  with the random correlation matrices generated and decomposed as one batched numpy stack.
* :func:`efa` – exploratory factor analysis (``psych::fa`` for ``minres``, ``ml`` and the
  iterated principal-axis ``pa``; ``psych::principal`` for ``pca``) with varimax, promax and
  oblimin rotations (``stats::varimax``, ``psych::kaiser``/``Promax``, ``GPArotation::oblimin``)
  and an SPSS-compatible Kaiser-normalised option.
* :func:`cfa` – confirmatory factor analysis; delegates to :func:`crm_research.sem.cfa`.

Conventions (DESIGN §5)
-----------------------
Missing data are handled listwise within the analysed items by default; ``missing="pairwise"``
computes each correlation from the pairwise-complete rows, as R ``psych`` does by default.

Factor order and signs follow ``psych::fa``: after rotation every factor is reflected so that
its column sum of loadings is positive, the factors are named ``MR1..``/``ML1..``/``PA1..`` in
that (rotated) order, and the columns are then sorted by decreasing variance accounted for
(``diag(Phi %*% t(L) %*% L)``), keeping their names — so a psych table may read
``MR2 MR1 MR3``.  ``psych::principal`` names rotated components ``RC1..`` (``TC1..`` after an
oblique GPArotation rotation, ``PC1..`` unrotated), sorts them by ``colSums(L^2)`` and reflects
them after sorting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.linalg.lapack import dsyevr as _dsyevr

from crm_research._blas import single_blas_thread
from crm_research.errors import InputError, SingularMatrixError, ZeroVarianceError
from crm_research.screening import (  # re-exported: reliability and older callers use factor.*
    drop_undeclared_codes,
    undeclared_missing_codes,
)

__all__ = [
    "BartlettResult",
    "EFAResult",
    "KMOResult",
    "ParallelResult",
    "bartlett_sphericity",
    "cfa",
    "efa",
    "eigenvalues",
    "kmo",
    "kmo_label",
    "parallel_analysis",
    "rotate_loadings",
    "undeclared_missing_codes",
]

# --- thresholds and algorithm constants ------------------------------------------------------

# Kaiser (1974), "An index of factorial simplicity", Psychometrika 39, 31-36: labels of the
# overall measure of sampling adequacy.  Lower bound -> label, checked from the top.
KMO_LABELS: tuple[tuple[float, str], ...] = (
    (0.90, "marvelous"),
    (0.80, "meritorious"),
    (0.70, "middling"),
    (0.60, "mediocre"),
    (0.50, "miserable"),
    (-math.inf, "unacceptable"),
)
# psych::fa (Revelle 2022, psych 2.2.9, fac()): L-BFGS-B bounds of the uniquenesses.
PSYCH_UNIQUENESS_LOWER_BOUND = 0.005
# psych::fa defaults for the iterated principal-axis method: max.iter = 50, min.err = 0.001.
PA_MAX_ITER = 50
PA_MIN_ERR = 0.001
# R optim(method = "L-BFGS-B") defaults used by psych: factr = 1e7, pgtol = 0, maxit = 100,
# lmm = 5, and psych's parscale = 0.01 for every uniqueness.
LBFGSB_FACTR = 1e7
LBFGSB_MAXIT = 100
LBFGSB_PARSCALE = 0.01
# stats::varimax eps and GPArotation::GPFoblq eps / maxit.
VARIMAX_EPS = 1e-5
VARIMAX_MAXIT = 1000
GPA_EPS = 1e-5
GPA_MAXIT = 1000
# psych::Promax / kaiser default power (Hendrickson & White 1964: m = 4).
PROMAX_POWER = 4
# A correlation matrix is treated as singular when its smallest eigenvalue is below this
# fraction of the largest (numerical rank deficiency, e.g. a duplicated item or n <= k).
SINGULAR_RELATIVE_EIGENVALUE = 1e-10
# A communality this close to 1 (uniqueness <= this) is reported as a Heywood case
# (Heywood 1931; psych warns of an "ultra-Heywood case" when a communality exceeds 1).
HEYWOOD_UNIQUENESS = 1e-3
# Parallel analysis: largest number of random n x k normal data matrices generated at once
# when ``simulation="data"`` (bounds memory to about 64 MB per chunk).
PARALLEL_DATA_CHUNK_BYTES = 64 * 1024**2

Method = Literal["minres", "ml", "pa", "pca"]
Rotation = Literal["oblimin", "varimax", "promax"] | None

_PREFIX = {"minres": "MR", "ml": "ML", "pa": "PA"}
_ORTHOGONAL = {"varimax"}
_OBLIQUE = {"oblimin", "promax"}


# --- input handling --------------------------------------------------------------------------

def _item_frame(items: Any, *, min_items: int = 2) -> pd.DataFrame:
    """Validate an item table: numeric columns, none empty, none constant."""
    if isinstance(items, np.ndarray):
        items = pd.DataFrame(items, columns=[f"V{i + 1}" for i in range(items.shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise InputError(
            f"items must be a pandas DataFrame of item columns, not {type(items).__name__}."
        )
    if items.shape[1] < min_items:
        raise InputError(f"at least {min_items} item columns are needed, got {items.shape[1]}.")
    if items.columns.duplicated().any():
        dup = items.columns[items.columns.duplicated()][0]
        raise InputError(f"column {dup!r} appears more than once in the items.")
    items, _ = drop_undeclared_codes(items, stacklevel=5)
    if all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in items.dtypes):
        numeric = items.astype("float64")  # all numeric: one conversion, no per-column loop
        empty = numeric.isna().all()
        if empty.any():
            raise InputError(f"column {empty.idxmax()!r} has no observed values (all missing).")
        return numeric
    out = {}
    for name in items.columns:
        col = items[name]
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
        if col.isna().all():
            raise InputError(f"column {name!r} has no observed values (all missing).")
        out[name] = col
    return pd.DataFrame(out, index=items.index)


def _correlation(
    items: pd.DataFrame, missing: str = "listwise", cor: str = "pearson"
) -> tuple[np.ndarray, int, pd.DataFrame]:
    """Correlation matrix, number of observations and the frame actually used."""
    if missing not in ("listwise", "pairwise"):
        raise InputError(f"missing must be 'listwise' or 'pairwise', not {missing!r}.")
    if cor not in ("pearson", "poly"):
        raise InputError(f"cor must be 'pearson' or 'poly', not {cor!r}.")
    frame = _item_frame(items)
    if missing == "listwise":
        frame = frame.dropna(axis=0, how="any")
    n_obs = int(frame.shape[0])  # listwise: the complete rows kept above
    if frame.shape[0] < 2:
        raise InputError(
            f"only {frame.shape[0]} respondent(s) have complete answers on the items; at least 2 are needed."
        )
    sd = frame.std(ddof=1)
    for name in frame.columns:
        if not np.isfinite(sd[name]) or sd[name] == 0:
            raise ZeroVarianceError(
                f"column {name!r} has zero variance, so its correlations are undefined; drop it.",
                [str(name)],
            )
    if cor == "poly":
        from crm_research import correlation as _corr  # noqa: PLC0415  (stage-4 sibling, lazy)

        r = np.asarray(_corr.polychoric_matrix(frame), dtype=float)
    elif missing == "listwise":
        with single_blas_thread():
            r = np.corrcoef(frame.to_numpy(), rowvar=False)
    else:
        r = frame.corr(method="pearson").to_numpy()
    if not np.all(np.isfinite(r)):
        i, j = np.argwhere(~np.isfinite(r))[0]
        raise InputError(
            f"the correlation of columns {frame.columns[i]!r} and {frame.columns[j]!r} is undefined "
            "(too few pairwise-complete rows)."
        )
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    return r, n_obs, frame


def _is_singular(r: np.ndarray) -> bool:
    ev = np.linalg.eigvalsh(r)
    return bool(ev[0] <= SINGULAR_RELATIVE_EIGENVALUE * ev[-1])


def _collinear_columns(r: np.ndarray, names: list[str]) -> list[str]:
    """Names of items that are (numerically) exact linear combinations of the others."""
    ev, vec = np.linalg.eigh(r)
    null = vec[:, ev <= SINGULAR_RELATIVE_EIGENVALUE * max(ev[-1], 1.0) * 1e3]
    if null.shape[1] == 0:
        return []
    weight = np.sqrt((null**2).sum(axis=1))
    return [names[i] for i in np.flatnonzero(weight > 1e-6)]


def _singular_sentence(r: np.ndarray, names: list[str], n_obs: int, what: str) -> str:
    cause = ""
    if n_obs <= len(names):
        cause = f" because there are only {n_obs} respondents for {len(names)} items"
    else:
        cols = _collinear_columns(r, names)
        if cols:
            cause = f" because items {', '.join(map(repr, cols))} are linearly dependent"
    return f"the correlation matrix of the items is singular{cause}, so {what} is undefined."


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations as ``psych::smc`` (pseudo-inverse, clipped to [0, 1])."""
    inv = np.linalg.pinv(r, rcond=math.sqrt(np.finfo(float).eps), hermitian=True)
    smc = 1.0 - 1.0 / np.diag(inv)
    return np.clip(smc, 0.0, 1.0)


# --- KMO, Bartlett, eigenvalues --------------------------------------------------------------


def kmo_label(value: float) -> str:
    """Kaiser's (1974) verbal label of a KMO value ("marvelous" ... "unacceptable").

    Parameters
    ----------
    value : float
        A KMO / MSA value in [0, 1].

    Returns
    -------
    str
        The label of the band the value falls in (:data:`KMO_LABELS`).

    Examples
    --------
    >>> kmo_label(0.85)
    'meritorious'

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. Psychometrika, 39, 31-36.
    """
    for bound, label in KMO_LABELS:
        if value >= bound:
            return label
    return KMO_LABELS[-1][1]


@dataclass(frozen=True)
class KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy.

    Attributes
    ----------
    overall : float
        Overall MSA.
    per_item : pandas.Series
        MSA of each item.
    label : str
        Kaiser's (1974) label of the overall value.
    n : int
        Respondents used.
    """

    overall: float
    per_item: pd.Series
    label: str
    n: int

    def to_frame(self) -> pd.DataFrame:
        """One row per item plus an ``overall`` row: ``msa`` and ``label``."""
        values = pd.concat([self.per_item, pd.Series({"overall": self.overall})])
        return pd.DataFrame({"msa": values, "label": [kmo_label(v) for v in values]})

    def __repr__(self) -> str:
        return f"KMOResult(overall={self.overall:.3f} [{self.label}], k={len(self.per_item)}, n={self.n})"


def kmo(items: pd.DataFrame, *, missing: str = "listwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    ``MSA = Σ r_ij² / (Σ r_ij² + Σ q_ij²)`` over i ≠ j, where ``q`` are the anti-image
    (partial) correlations from the inverse of the correlation matrix; per item the sums run
    over that item's column.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns (respondents in rows).
    missing : {"listwise", "pairwise"}
        How incomplete rows are handled (DESIGN §5).

    Returns
    -------
    KMOResult
        ``.overall``, ``.per_item`` (Series), ``.label``, ``.n``.

    Raises
    ------
    InputError
        If a column is empty, constant or non-numeric, or the correlation matrix is singular
        (a duplicated item, fewer respondents than items): the anti-image is then undefined.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 1))
    >>> items = pd.DataFrame(f + rng.normal(size=(500, 4)), columns=list("abcd"))
    >>> round(kmo(items).overall, 2) > 0.7
    True

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9, function ``KMO``.
    """
    r, n_obs, frame = _correlation(items, missing)
    names = list(frame.columns)
    if _is_singular(r):
        raise SingularMatrixError(_singular_sentence(r, names, n_obs, "the KMO measure"))
    inv = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(inv))
    partial = inv * np.outer(d, d)
    np.fill_diagonal(partial, 0.0)
    r_off = r.copy()
    np.fill_diagonal(r_off, 0.0)
    r2 = (r_off**2).sum(axis=0)
    q2 = (partial**2).sum(axis=0)
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    per_item = pd.Series(r2 / (r2 + q2), index=names, name="msa")
    return KMOResult(overall=overall, per_item=per_item, label=kmo_label(overall), n=n_obs)


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test of sphericity.

    Attributes
    ----------
    chisq, df, p_value : float, int, float
        Test statistic, degrees of freedom ``k(k-1)/2`` and upper-tail p-value.
    n : int
        Respondents used.
    """

    chisq: float
    df: int
    p_value: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """One row: ``chisq``, ``df``, ``p_value``, ``n``."""
        return pd.DataFrame(
            [{"chisq": self.chisq, "df": self.df, "p_value": self.p_value, "n": self.n}]
        )

    def __repr__(self) -> str:
        return f"BartlettResult(chisq={self.chisq:.2f}, df={self.df}, p={self.p_value:.3g}, n={self.n})"


def bartlett_sphericity(items: pd.DataFrame, *, missing: str = "listwise") -> BartlettResult:
    """Bartlett's (1951) test that the items' correlation matrix is an identity matrix.

    As ``psych::cortest.bartlett``: ``χ² = -ln|R| · (n - 1 - (2k + 5)/6)`` with
    ``k(k-1)/2`` degrees of freedom.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns.
    missing : {"listwise", "pairwise"}
        Missing-data handling; ``n`` is the number of complete rows (listwise) or of all rows
        (pairwise).

    Returns
    -------
    BartlettResult
        ``.chisq``, ``.df``, ``.p_value``, ``.n``.

    Raises
    ------
    InputError
        If the correlation matrix is singular (its determinant is 0 and χ² infinite).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    >>> bartlett_sphericity(items).df
    3

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. Biometrika, 38, 337-344.
    Revelle, W. (2022). psych 2.2.9, function ``cortest.bartlett``.
    """
    r, n_obs, frame = _correlation(items, missing)
    k = r.shape[0]
    if _is_singular(r):
        raise SingularMatrixError(
            _singular_sentence(r, list(frame.columns), n_obs, "Bartlett's test")
        )
    sign, logdet = np.linalg.slogdet(r)
    chisq = float(-logdet * (n_obs - 1 - (2 * k + 5) / 6))
    df = k * (k - 1) // 2
    return BartlettResult(chisq=chisq, df=df, p_value=float(stats.chi2.sf(chisq, df)), n=n_obs)


def eigenvalues(
    items: pd.DataFrame, *, missing: str = "listwise", cor: str = "pearson"
) -> pd.DataFrame:
    """Eigenvalues of the items' correlation matrix, largest first, for a scree plot.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns.
    missing : {"listwise", "pairwise"}
        Missing-data handling.
    cor : {"pearson", "poly"}
        Pearson or polychoric correlations.

    Returns
    -------
    pandas.DataFrame
        Columns ``number`` (1..k), ``eigenvalue``, ``proportion`` (eigenvalue / k) and
        ``cumulative``; the Kaiser criterion is ``eigenvalue > 1``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = pd.DataFrame(rng.normal(size=(100, 4)), columns=list("abcd"))
    >>> float(eigenvalues(items)["eigenvalue"].sum())  # doctest: +ELLIPSIS
    4.0...

    References
    ----------
    Cattell, R. B. (1966). The scree test for the number of factors. Multivariate Behavioral
    Research, 1, 245-276.
    """
    r, _, _ = _correlation(items, missing, cor)
    ev = np.linalg.eigvalsh(r)[::-1]
    k = len(ev)
    return pd.DataFrame(
        {
            "number": np.arange(1, k + 1),
            "eigenvalue": ev,
            "proportion": ev / k,
            "cumulative": np.cumsum(ev) / k,
        }
    )


# --- extraction ------------------------------------------------------------------------------


def _top_loadings(
    s: np.ndarray, nf: int, floor: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Loadings from the top ``nf`` eigenpairs of a symmetric matrix (``eigen`` in R)."""
    w, v = np.linalg.eigh(s)
    w, v = w[::-1], v[:, ::-1]
    vals = w[:nf].copy()
    if floor is not None:
        vals[vals < np.finfo(float).eps] = floor
    else:
        vals = np.maximum(vals, 0.0)
    return v[:, :nf] * np.sqrt(vals), w


def _minres_objective(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    # psych fit.residuals(fm = "minres"): squared off-diagonal residuals.
    s = s.copy()
    np.fill_diagonal(s, 1.0 - psi)
    load, _ = _top_loadings(s, nf, floor=100 * np.finfo(float).eps)
    resid = s - load @ load.T
    return float((resid[np.tril_indices_from(resid, -1)] ** 2).sum())


def _minres_gradient(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    # psych FAgr.minres: diag(L L' + diag(psi) - S) with L from S - diag(psi).
    load, _ = _top_loadings(s - np.diag(psi), nf)
    g = load @ load.T + np.diag(psi) - s
    return np.diag(g).copy()


def _ml_objective(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    # psych FAfn
    sc = 1.0 / np.sqrt(psi)
    sstar = s * np.outer(sc, sc)
    e = np.linalg.eigvalsh(sstar)[::-1][nf:]
    if np.any(e <= 0):
        return math.inf
    return float(-(np.sum(np.log(e) - e) - nf + s.shape[0]))


def _ml_loadings(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    # psych FAout
    sq = np.sqrt(psi)
    sstar = s * np.outer(1.0 / sq, 1.0 / sq)
    w, v = np.linalg.eigh(sstar)
    w, v = w[::-1], v[:, ::-1]
    load = v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1.0, 0.0))
    return load * sq[:, None]


def _ml_gradient(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    # psych FAgr
    load = _ml_loadings(psi, s, nf)
    g = load @ load.T + np.diag(psi) - s
    return np.diag(g) / psi**2


def _lbfgsb(
    fun, grad, start: np.ndarray, upper: float, s: np.ndarray, nf: int
) -> optimize.OptimizeResult:
    """R ``optim(method = "L-BFGS-B")`` with psych's settings (parscale 0.01, factr 1e7)."""
    scale = LBFGSB_PARSCALE
    k = len(start)
    return optimize.minimize(
        lambda x: fun(x * scale, s, nf),
        np.clip(start, PSYCH_UNIQUENESS_LOWER_BOUND, upper) / scale,
        jac=lambda x: grad(x * scale, s, nf) * scale,
        method="L-BFGS-B",
        bounds=[(PSYCH_UNIQUENESS_LOWER_BOUND / scale, upper / scale)] * k,
        options={
            "maxiter": LBFGSB_MAXIT,
            "ftol": LBFGSB_FACTR * np.finfo(float).eps,
            "gtol": 0.0,
            "maxcor": 5,
        },
    )


@dataclass(frozen=True)
class _Extraction:
    loadings: np.ndarray  # unrotated, items x nf
    communality: np.ndarray
    values: np.ndarray  # eigenvalues of the reduced matrix (psych fa $values)
    converged: bool
    iterations: int
    message: str
    psi_at_bound: np.ndarray  # bool per item


def _extract(r: np.ndarray, nf: int, method: str, *, smc_start: bool = True) -> _Extraction:
    k = r.shape[0]
    at_bound = np.zeros(k, dtype=bool)
    if method in ("minres", "ml"):
        smc = _smc(r)
        upper = max(float(smc.max()), 1.0)
        start = np.diag(r) - smc
        if method == "minres":
            res = _lbfgsb(_minres_objective, _minres_gradient, start, upper, r, nf)
            psi = res.x * LBFGSB_PARSCALE
            s = r - np.diag(psi)
            load, _ = _top_loadings(s, nf)
        else:
            res = _lbfgsb(_ml_objective, _ml_gradient, start, upper, r, nf)
            psi = res.x * LBFGSB_PARSCALE
            load = _ml_loadings(psi, r, nf)
        at_bound = psi <= PSYCH_UNIQUENESS_LOWER_BOUND * (1 + 1e-6)
        converged = bool(res.success)
        iterations = int(res.nit)
        message = str(res.message)
    elif method == "pa":
        rm = r.copy()
        if smc_start and nf <= k:
            np.fill_diagonal(rm, _smc(r))
        comm = float(np.trace(rm))
        # psych starts with err = sum of the SMCs and never iterates when they are all 0
        # (a singular matrix, e.g. n <= k), failing with "object 'eigens' not found"; one
        # iteration at least gives the principal-axis solution instead of zero loadings
        err, i = max(comm, 2 * PA_MIN_ERR), 1
        converged = True
        load = np.zeros((k, nf))
        while err > PA_MIN_ERR:
            w, v = np.linalg.eigh(rm)
            w, v = w[::-1], v[:, ::-1]
            with np.errstate(invalid="ignore"):
                load = v[:, :nf] * np.sqrt(w[:nf])
            new = (load**2).sum(axis=1)
            comm1 = float(new.sum())
            np.fill_diagonal(rm, new)
            err = abs(comm - comm1)
            if not np.isfinite(err):
                converged = False
                break
            comm = comm1
            i += 1
            if i > PA_MAX_ITER:
                converged = False
                err = 0.0
        iterations = i - 1
        message = "converged" if converged else "maximum iterations reached or imaginary eigenvalue"
        if not np.all(np.isfinite(load)):
            raise InputError(
                "principal-axis factoring met a negative eigenvalue of the reduced correlation matrix; "
                "use fewer factors or method='minres'."
            )
    else:  # pragma: no cover - guarded by efa()
        raise InputError(f"unknown extraction method {method!r}.")
    model = load @ load.T
    reduced = r.copy()
    np.fill_diagonal(reduced, np.diag(model))
    values = np.linalg.eigvalsh(reduced)[::-1]
    return _Extraction(
        loadings=load,
        communality=np.diag(model).copy(),
        values=values,
        converged=converged,
        iterations=iterations,
        message=message,
        psi_at_bound=at_bound,
    )


def fa_correlation(
    r: np.ndarray, nf: int, method: str, rotation: str | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``psych::fa(r, nf, fm = method, rotate = rotation)`` on a correlation matrix.

    The extraction of :func:`efa` followed by fa's reflect / rotate / reflect / sort steps;
    returns the loadings and the factor correlations (None unless the rotation is oblique).
    For callers that already hold a valid correlation matrix (``reliability.mcdonald_omega``).

    Parameters
    ----------
    r : ndarray
        A correlation matrix (k x k).
    nf : int
        Factors to extract.
    method : {"minres", "ml", "pa"}
    rotation : str, optional

    Returns
    -------
    (ndarray, ndarray or None)
        Loadings (k x nf) and factor correlations.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> loadings, phi = fa_correlation(r, 1, "minres")
    >>> loadings.shape, phi is None
    ((3, 1), True)
    """
    ext = _extract(r, nf, method)
    _, load, phi, _ = _rotate_fa(ext.loadings, nf, rotation, False, _PREFIX[method])
    return load, phi


# --- rotations -------------------------------------------------------------------------------


def _kaiser_weights(a: np.ndarray) -> np.ndarray:
    return np.sqrt((a**2).sum(axis=1))


def _varimax(x: np.ndarray, normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``stats::varimax`` (Kaiser normalisation on by default, eps 1e-5)."""
    nc = x.shape[1]
    if nc < 2:
        return x.copy(), np.eye(nc)
    if normalize:
        sc = _kaiser_weights(x)
        x = x / sc[:, None]
    p = x.shape[0]
    tt = np.eye(nc)
    d = 0.0
    for _ in range(VARIMAX_MAXIT):
        z = x @ tt
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, sv, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast, d = d, float(sv.sum())
        if d < dpast * (1 + VARIMAX_EPS):
            break
    z = x @ tt
    if normalize:
        z = z * sc[:, None]
    return z, tt


def _promax_core(x: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``stats::promax`` / ``psych::Promax`` core: varimax, power target, least squares."""
    xv, rot = _varimax(x, normalize=True)
    q = xv * np.abs(xv) ** (m - 1)
    u, *_ = np.linalg.lstsq(xv, q, rcond=None)
    utu = u.T @ u
    try:
        d = np.diag(np.linalg.inv(utu))
    except np.linalg.LinAlgError:
        d = np.diag(np.linalg.pinv(utu))
    u = u @ np.diag(np.sqrt(d))
    z = xv @ u
    u = rot @ u
    ui = np.linalg.inv(u)
    phi = ui @ ui.T
    return z, u, phi


def _gpf_oblimin(
    a: np.ndarray, normalize: bool = False, gamma: float = 0.0
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``GPArotation::oblimin`` via ``GPFoblq`` (gradient projection, eps 1e-5, maxit 1000)."""
    if normalize:
        w = _kaiser_weights(a)
        a = a / w[:, None]
    p, nc = a.shape
    offdiag = ~np.eye(nc, dtype=bool)
    centre = np.eye(p) - gamma / p if gamma != 0 else None

    def vgq(lam: np.ndarray) -> tuple[np.ndarray, float]:
        x = (lam**2) @ offdiag
        if centre is not None:
            x = centre @ x
        return lam * x, float((lam**2 * x).sum() / 4)

    tmat = np.eye(nc)
    al = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = vgq(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    s = math.inf
    for _ in range(GPA_MAXIT + 1):
        gp = g - tmat @ np.diag(np.ones(nc) @ (tmat * g))
        s = math.sqrt(float(np.trace(gp.T @ gp)))
        if s < GPA_EPS:
            break
        al *= 2
        for _ in range(11):
            x = tmat - al * gp
            v = 1.0 / np.sqrt((x**2).sum(axis=0))
            tmatt = x * v
            lam = a @ np.linalg.inv(tmatt).T
            gqt, ft = vgq(lam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        tmat = tmatt
        f = ft
        g = -(lam.T @ gqt @ np.linalg.inv(tmatt)).T
    if normalize:
        lam = lam * w[:, None]
    return lam, tmat.T @ tmat, bool(s < GPA_EPS)


def rotate_loadings(
    loadings: np.ndarray | pd.DataFrame,
    rotation: str,
    *,
    spss: bool = False,
    source: Literal["fa", "principal"] = "fa",
    power: int = PROMAX_POWER,
) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Rotate a loading matrix as ``psych::fa`` / ``psych::principal`` do.

    Parameters
    ----------
    loadings : array-like, shape (k, m)
        Unrotated loadings, m ≥ 2.
    rotation : {"varimax", "promax", "oblimin"}
        ``varimax`` is ``stats::varimax`` (Kaiser-normalised, as SPSS).  ``promax`` is
        ``psych::kaiser(L, "Promax")`` for ``source="fa"`` (rows Kaiser-normalised, varimax,
        power 4 target, de-normalised) and ``stats::promax`` for ``source="principal"`` (only
        the varimax step normalised).  ``oblimin`` is ``GPArotation::oblimin`` (quartimin,
        gamma 0) *without* Kaiser normalisation.
    spss : bool
        SPSS-compatible Kaiser normalisation: ``oblimin`` becomes
        ``GPArotation::oblimin(L, normalize = TRUE)`` and ``promax`` always uses the fully
        normalised ``psych::kaiser(L, "Promax")`` form.  Varimax is unchanged.
    source : {"fa", "principal"}
        Which psych function's promax to reproduce.
    power : int
        Promax power m.

    Returns
    -------
    loadings : numpy.ndarray
        Rotated (pattern) loadings.
    phi : numpy.ndarray or None
        Factor correlations for oblique rotations.
    converged : bool
        Whether an iterative rotation converged.

    Examples
    --------
    >>> lam = np.array([[0.8, 0.3], [0.7, 0.35], [0.3, -0.6], [0.25, -0.7]])
    >>> rotated, phi, ok = rotate_loadings(lam, "varimax")
    >>> phi is None and ok
    True

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    Psychometrika, 23, 187-200.
    Hendrickson, A. E., & White, P. O. (1964). Promax. British Journal of Statistical
    Psychology, 17, 65-70.
    Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and software for
    arbitrary rotation criteria in factor analysis. Educational and Psychological Measurement,
    65, 676-696.
    """
    lam = np.asarray(loadings, dtype=float)
    if lam.shape[1] < 2:
        return lam.copy(), None, True
    if rotation == "varimax":
        z, _ = _varimax(lam, normalize=True)
        return z, None, True
    if rotation == "promax":
        if source == "fa" or spss:
            h = _kaiser_weights(lam)
            z, _, phi = _promax_core(lam / h[:, None], power)
            return z * h[:, None], phi, True
        z, u, _ = _promax_core(lam, power)
        ui = np.linalg.inv(u)
        cov = ui @ ui.T
        dd = 1.0 / np.sqrt(np.diag(cov))
        return z, cov * np.outer(dd, dd), True
    if rotation == "oblimin":
        z, phi, ok = _gpf_oblimin(lam, normalize=spss)
        return z, phi, ok
    raise InputError(
        f"rotation must be one of 'oblimin', 'varimax', 'promax' or None, not {rotation!r}."
    )


# --- EFA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EFAResult:
    """Result of :func:`efa`.

    Attributes
    ----------
    loadings : pandas.DataFrame
        Items × factors pattern loadings (psych order and signs; see the module docstring).
    communalities, uniquenesses : pandas.Series
        ``h²`` of each item from the unrotated solution (psych ``$communality``) and ``1 - h²``.
    variance : pandas.DataFrame
        One row per factor: ``ss_loadings``, ``proportion_pct`` and ``cumulative_pct`` of the
        total variance (k), and ``proportion_explained_pct`` of the common variance.  For
        oblique rotations SS loadings are ``diag(Phi L'L)`` as psych reports them.
    phi : pandas.DataFrame or None
        Factor correlations (oblique rotations), else None.
    structure : pandas.DataFrame
        Structure loadings ``L Phi`` (equal to the loadings for orthogonal solutions).
    eigenvalues : pandas.Series
        Eigenvalues of the correlation matrix.
    heywood : tuple of str
        Items whose communality is ≥ 1 (uniqueness ≤ 0, within :data:`HEYWOOD_UNIQUENESS`)
        or whose uniqueness sits at the optimiser's lower bound.  Numbers are still returned.
    warnings : tuple of str
        Plain-language notes (Heywood cases, non-convergence, singular matrix, ...).
    method, rotation, n_factors, n_obs, spss, cor, converged, iterations
        How the solution was obtained.
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    phi: pd.DataFrame | None
    structure: pd.DataFrame
    eigenvalues: pd.Series
    heywood: tuple[str, ...]
    warnings: tuple[str, ...]
    method: str
    rotation: str | None
    n_factors: int
    n_obs: int
    spss: bool = False
    cor: str = "pearson"
    converged: bool = True
    iterations: int = 0
    correlation: pd.DataFrame | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Loadings with ``communality`` and ``uniqueness`` columns, one row per item."""
        out = self.loadings.copy()
        out["communality"] = self.communalities
        out["uniqueness"] = self.uniquenesses
        return out

    def __repr__(self) -> str:
        rot = self.rotation or "none"
        lines = [
            f"EFAResult(method={self.method!r}, rotation={rot!r}{', spss' if self.spss else ''}, "
            f"n_factors={self.n_factors}, n={self.n_obs}, k={len(self.loadings)})",
            self.to_frame().round(3).to_string(),
            self.variance.round(3).to_string(),
        ]
        if self.phi is not None:
            lines.append("factor correlations:\n" + self.phi.round(3).to_string())
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def efa(
    items: pd.DataFrame,
    n_factors: int,
    method: Method = "minres",
    rotation: Rotation = "oblimin",
    *,
    cor: Literal["pearson", "poly"] = "pearson",
    spss: bool = False,
    missing: Literal["listwise", "pairwise"] = "listwise",
) -> EFAResult:
    """Exploratory factor analysis, equal to R ``psych::fa`` / ``psych::principal``.

    Extraction methods
        ``minres`` (psych default): minimum residual (unweighted least squares), uniquenesses
        found by L-BFGS-B on psych's objective and gradient; ``ml``: maximum likelihood, psych's
        objective; ``pa``: psych's *iterated principal-axis* factoring — SMCs on the diagonal,
        eigen-decompose, replace the diagonal by the communalities, repeat until the sum of
        communalities changes by less than 0.001 or 50 iterations (this is not PCA);
        ``pca``: principal components as ``psych::principal`` (the SPSS default extraction).

    Rotations
        ``varimax`` (``stats::varimax``, Kaiser-normalised), ``promax`` (``psych::kaiser`` +
        ``Promax`` for factors, ``stats::promax`` for components), ``oblimin``
        (``GPArotation::oblimin``, gamma 0, not normalised) or ``None``.

    SPSS option
        psych's/GPArotation's oblimin, and ``stats::promax`` for components, rotate the raw
        loadings; SPSS rotates Kaiser-normalised loadings (each row divided by
        ``sqrt(h²)``, rotated, multiplied back).  ``spss=True`` does that for oblimin
        (``GPArotation::oblimin(L, normalize = TRUE)``) and promax (``psych::kaiser(L,
        "Promax")``); varimax is normalised in both.  psych's ``fa(rotate = "promax")``
        already calls ``kaiser(L, "Promax")``, so for ``minres``/``ml``/``pa`` the option
        changes oblimin only; for ``pca`` it changes oblimin and promax (``principal`` uses
        ``stats::promax``, whose power target is built on de-normalised loadings).  On bfi
        the normalised and raw oblimin loadings differ by up to 0.13.  Factor order and signs
        stay psych's; SPSS itself does not sort rotated factors, so columns may appear in
        another order there.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric, already reverse-keyed item columns.
    n_factors : int
        Number of factors (1 ≤ n_factors < k).
    method : {"minres", "ml", "pa", "pca"}
        Extraction method.
    rotation : {"oblimin", "varimax", "promax", None}
        Rotation; ignored for one factor.
    cor : {"pearson", "poly"}
        Pearson correlations or polychoric ones (:func:`crm_research.correlation.polychoric_matrix`,
        as ``psych::fa(cor = "poly")``).
    spss : bool
        Kaiser-normalised oblique rotations as SPSS.
    missing : {"listwise", "pairwise"}
        Missing-data handling (listwise by default, DESIGN §5; pairwise as psych).

    Returns
    -------
    EFAResult
        ``.loadings``, ``.communalities``, ``.uniquenesses``, ``.variance``, ``.phi``,
        ``.structure``, ``.heywood``, ``.warnings``, ``to_frame()``.

    Raises
    ------
    InputError
        For an empty, constant or non-numeric column, an impossible number of factors, an
        unknown method/rotation, or ML on a singular correlation matrix.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(1000, 2))
    >>> lam = np.array([[.8, 0], [.7, 0], [.6, 0], [0, .8], [0, .7], [0, .6]])
    >>> x = f @ lam.T + rng.normal(size=(1000, 6)) * np.sqrt(1 - (lam**2).sum(1))
    >>> res = efa(pd.DataFrame(x, columns=list("abcdef")), 2, rotation="varimax")
    >>> list(res.loadings.columns)
    ['MR1', 'MR2']

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9, functions ``fa`` and ``principal``.
    Harman, H. H. (1976). Modern Factor Analysis (3rd ed.). University of Chicago Press.
    Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
    Psychometrika, 32, 443-482.
    """
    if method not in ("minres", "ml", "pa", "pca"):
        raise InputError(f"method must be one of 'minres', 'ml', 'pa', 'pca', not {method!r}.")
    if rotation is not None and rotation not in _ORTHOGONAL | _OBLIQUE:
        raise InputError(
            f"rotation must be one of 'oblimin', 'varimax', 'promax' or None, not {rotation!r}."
        )
    r, n_obs, frame = _correlation(items, missing, cor)
    names = list(frame.columns)
    k = len(names)
    if not isinstance(n_factors, (int, np.integer)) or isinstance(n_factors, bool) or n_factors < 1:
        raise InputError(f"n_factors must be a positive whole number, not {n_factors!r}.")
    n_factors = int(n_factors)
    if n_factors >= k:
        raise InputError(f"n_factors ({n_factors}) must be smaller than the number of items ({k}).")
    notes: list[str] = []
    model_df = ((k - n_factors) ** 2 - (k + n_factors)) // 2
    if method != "pca" and model_df < 0:
        notes.append(
            f"a {n_factors}-factor model of {k} items has {model_df} degrees of freedom (more "
            "parameters than correlations), so it is not identified: the loadings are one of "
            "many equally good solutions; extract fewer factors."
        )
    singular = _is_singular(r)
    if singular:
        notes.append(
            _singular_sentence(r, names, n_obs, "its inverse").replace(
                ", so its inverse is undefined", ""
            )
            + " SMCs use a pseudo-inverse."
        )
        if method == "ml":
            raise SingularMatrixError(
                _singular_sentence(r, names, n_obs, "maximum-likelihood factor analysis")
            )
    if n_obs < k:
        notes.append(
            f"fewer respondents ({n_obs}) than items ({k}): the solution is not identified from the data."
        )
    e_values = np.linalg.eigvalsh(r)[::-1]

    with single_blas_thread():
        if method == "pca":
            load, communality, converged, iterations, at_bound = _principal(r, n_factors)
            colnames, load, phi, rot_ok = _rotate_principal(load, n_factors, rotation, spss)
        else:
            ext = _extract(r, n_factors, method)
            load, communality = ext.loadings, ext.communality
            converged, iterations, at_bound = ext.converged, ext.iterations, ext.psi_at_bound
            if not ext.converged:
                notes.append(f"{method} extraction did not converge ({ext.message}).")
            colnames, load, phi, rot_ok = _rotate_fa(
                load, n_factors, rotation, spss, _PREFIX[method]
            )
    if not rot_ok:
        notes.append(f"{rotation} rotation did not converge in {GPA_MAXIT} iterations.")

    uniq = 1.0 - communality
    heywood_mask = (uniq <= HEYWOOD_UNIQUENESS) | at_bound
    heywood = tuple(n for n, h in zip(names, heywood_mask, strict=True) if h)
    if heywood:
        notes.append(
            "Heywood case: communality of "
            + ", ".join(
                f"{n!r} = {c:.3f}" for n, c in zip(names, communality, strict=True) if n in heywood
            )
            + " is at or above 1 (uniqueness at or below 0)"
            + (
                f", or its uniqueness stopped at the lower bound {PSYCH_UNIQUENESS_LOWER_BOUND}"
                " of the fit (psych's bound, communality 0.995)"
                if np.any(at_bound & (uniq > HEYWOOD_UNIQUENESS))
                else ""
            )
            + "; interpret those loadings with care."
        )
    if phi is None:
        vx = (load**2).sum(axis=0)
    else:
        vx = np.diag(phi @ load.T @ load)
    vtotal = float(k)  # sum(communality + uniqueness) of a correlation matrix
    variance = pd.DataFrame(
        {
            "ss_loadings": vx,
            "proportion_pct": 100 * vx / vtotal,
            "cumulative_pct": 100 * np.cumsum(vx) / vtotal,
            "proportion_explained_pct": 100 * vx / vx.sum(),
        },
        index=pd.Index(colnames, name="factor"),
    )
    loadings_df = pd.DataFrame(load, index=names, columns=colnames)
    phi_df = None if phi is None else pd.DataFrame(phi, index=colnames, columns=colnames)
    structure = (
        loadings_df if phi is None else pd.DataFrame(load @ phi, index=names, columns=colnames)
    )
    return EFAResult(
        loadings=loadings_df,
        communalities=pd.Series(communality, index=names, name="communality"),
        uniquenesses=pd.Series(uniq, index=names, name="uniqueness"),
        variance=variance,
        phi=phi_df,
        structure=structure,
        eigenvalues=pd.Series(e_values, index=range(1, k + 1), name="eigenvalue"),
        heywood=heywood,
        warnings=tuple(notes),
        method=method,
        rotation=rotation if n_factors > 1 else None,
        n_factors=n_factors,
        n_obs=n_obs,
        spss=spss,
        cor=cor,
        converged=converged,
        iterations=iterations,
        correlation=pd.DataFrame(r, index=names, columns=names),
    )


def _principal(r: np.ndarray, nf: int) -> tuple[np.ndarray, np.ndarray, bool, int, np.ndarray]:
    w, v = np.linalg.eigh(r)
    w, v = w[::-1], v[:, ::-1]
    w = np.maximum(w, np.finfo(float).eps)
    load = v[:, :nf] * np.sqrt(w[:nf])
    comm = (load**2).sum(axis=1)
    return load, comm, True, 0, np.zeros(r.shape[0], dtype=bool)


def _reflect(load: np.ndarray) -> np.ndarray:
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1
    return signs


def _rotate_fa(
    load: np.ndarray, nf: int, rotation: str | None, spss: bool, prefix: str
) -> tuple[list[str], np.ndarray, np.ndarray | None, bool]:
    """psych::fa's post-extraction steps: reflect, rotate, reflect, name, sort."""
    load = load * _reflect(load)
    load = np.where(load == 0, 1e-15, load)
    phi = None
    ok = True
    if rotation is not None and nf > 1:
        load, phi, ok = rotate_loadings(load, rotation, spss=spss, source="fa")
    signs = _reflect(load)
    load = load * signs
    if phi is not None:
        phi = phi * np.outer(signs, signs)
    names = [f"{prefix}{i + 1}" for i in range(nf)]
    if nf > 1:
        ev = (load**2).sum(axis=0) if phi is None else np.diag(phi @ load.T @ load)
        order = np.argsort(-ev, kind="stable")
        load = load[:, order]
        names = [names[i] for i in order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    return names, load, phi, ok


def _rotate_principal(
    load: np.ndarray, nf: int, rotation: str | None, spss: bool
) -> tuple[list[str], np.ndarray, np.ndarray | None, bool]:
    """psych::principal's steps: reflect, rotate (RC/TC names), sort by SS, reflect."""
    load = load * _reflect(load)
    prefix = "PC"
    phi = None
    ok = True
    if rotation is not None and nf > 1:
        prefix = "TC" if rotation == "oblimin" else "RC"
        load, phi, ok = rotate_loadings(load, rotation, spss=spss, source="principal")
    names = [f"{prefix}{i + 1}" for i in range(nf)]
    if nf > 1:
        order = np.argsort(-(load**2).sum(axis=0), kind="stable")
        load = load[:, order]
        names = [names[i] for i in order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    signs = _reflect(load)
    load = load * signs
    if phi is not None:
        phi = phi * np.outer(signs, signs)
    return names, load, phi, ok


# --- parallel analysis -----------------------------------------------------------------------


@dataclass(frozen=True)
class ParallelResult:
    """Result of :func:`parallel_analysis`.

    Attributes
    ----------
    n_factors, n_components : int
        psych's suggested numbers: how many leading observed factor (component) eigenvalues
        exceed the ``quantile`` of the simulated ones before the first that does not.
    observed : pandas.DataFrame
        One row per position 1..k: ``factor`` (eigenvalues of the reduced correlation matrix of
        a ``fm`` fit with ``nfactors`` factors, psych ``fa.values``) and ``component``
        (eigenvalues of the correlation matrix, psych ``pc.values``).
    simulated : pandas.DataFrame
        One row per position: ``factor_mean``, ``factor_quantile``, ``component_mean``,
        ``component_quantile`` over the random normal data sets of the same n × k.
    n_iter, n_obs, quantile, seed, fm, simulation
        How the simulation was run.
    """

    n_factors: int
    n_components: int
    observed: pd.DataFrame
    simulated: pd.DataFrame
    n_iter: int
    n_obs: int
    quantile: float
    seed: int | None
    fm: str
    simulation: str

    def to_frame(self) -> pd.DataFrame:
        """Observed and simulated eigenvalues side by side, one row per position."""
        return self.observed.join(self.simulated)

    def __repr__(self) -> str:
        return (
            f"ParallelResult(n_factors={self.n_factors}, n_components={self.n_components}, "
            f"n_iter={self.n_iter}, n={self.n_obs}, k={len(self.observed)}, fm={self.fm!r}, "
            f"quantile={self.quantile})"
        )


def _random_correlations(
    rng: np.random.Generator, n_iter: int, n: int, k: int, simulation: str
) -> np.ndarray:
    """A stack of ``n_iter`` correlation matrices of n × k independent standard-normal data."""
    if simulation == "wishart":
        # Bartlett decomposition: the centred cross-product matrix of n iid N(0, I_k) rows is
        # Wishart(n - 1, I_k) = A A' with A lower triangular, A_ii ~ sqrt(chi2(n - i)) and
        # A_ij ~ N(0, 1) below the diagonal (Bartlett 1933; Anderson 2003, Thm 7.2.1).  The
        # correlation matrices therefore have exactly the distribution of cor(rnorm(n*k)).
        if n - 1 < k:
            simulation = "data"
        else:
            a = np.zeros((n_iter, k, k))
            rows, cols = np.tril_indices(k, -1)
            a[:, rows, cols] = rng.standard_normal((n_iter, rows.size))
            dof = (n - 1) - np.arange(k)
            a[:, np.arange(k), np.arange(k)] = np.sqrt(rng.chisquare(dof, size=(n_iter, k)))
            cov = a @ a.transpose(0, 2, 1)
    if simulation == "data":
        chunk = max(1, int(PARALLEL_DATA_CHUNK_BYTES // (8 * n * k)))
        parts = []
        for start in range(0, n_iter, chunk):
            m = min(chunk, n_iter - start)
            x = rng.standard_normal((m, n, k))
            x -= x.mean(axis=1, keepdims=True)
            parts.append(x.transpose(0, 2, 1) @ x)
        cov = np.concatenate(parts, axis=0)
    elif simulation != "wishart":
        raise InputError(f"simulation must be 'wishart' or 'data', not {simulation!r}.")
    d = 1.0 / np.sqrt(np.einsum("bii->bi", cov))
    corr = cov * d[:, :, None] * d[:, None, :]
    idx = np.arange(k)
    corr[:, idx, idx] = 1.0
    return corr


def _batched_minres_one_factor(
    r: np.ndarray, max_iter: int = 30, tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """One-factor minres (ULS) loadings for a stack of correlation matrices.

    Damped Newton on the loadings ``λ`` of ``f(λ) = Σ_{i≠j} (r_ij - λ_i λ_j)²`` — the
    objective psych's minres minimises — started from the first principal axis of the
    SMC-reduced matrix.  Returns the loadings and a mask of matrices that converged (largest
    gradient component below ``tol``) with all uniquenesses inside psych's bounds; the caller
    refits the others with psych's own optimiser.
    """
    b, k, _ = r.shape
    idx = np.arange(k)
    off = ~np.eye(k, dtype=bool)
    inv = np.linalg.inv(r)
    red = r.copy()
    red[:, idx, idx] = np.clip(1.0 - 1.0 / np.einsum("bii->bi", inv), 0.0, 1.0)
    # the top eigenpair alone (LAPACK dsyevr), several times faster than a batched full eigh
    lam = np.empty((b, k))
    for i in range(b):
        w, v, *_ = _dsyevr(red[i], compute_v=1, range="I", il=k, iu=k)
        lam[i] = v[:, 0] * np.sqrt(max(w[0], 0.0))

    def objective(rr: np.ndarray, ll: np.ndarray) -> np.ndarray:
        e = (rr - ll[:, :, None] * ll[:, None, :]) * off
        return (e**2).sum(axis=(1, 2))

    f = objective(r, lam)
    converged = np.zeros(b, dtype=bool)
    active = np.ones(b, dtype=bool)
    eye = np.eye(k)
    for _ in range(max_iter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        rr, ll, fa = r[a], lam[a], f[a]
        e = (rr - ll[:, :, None] * ll[:, None, :]) * off
        grad = -4.0 * np.einsum("bij,bj->bi", e, ll)
        small = np.abs(grad).max(axis=1) < tol
        converged[a[small]] = True
        active[a[small]] = False
        keep = ~small
        if not keep.any():
            break
        a, rr, ll, fa, e, grad = a[keep], rr[keep], ll[keep], fa[keep], e[keep], grad[keep]
        hess = 4.0 * (ll[:, :, None] * ll[:, None, :] - e) * off
        hess[:, idx, idx] = 4.0 * ((ll**2).sum(axis=1)[:, None] - ll**2)
        # Levenberg-type shift keeps the Newton system positive definite.  A Cholesky
        # factorisation of hess - 1e-8 I proves every smallest eigenvalue exceeds 1e-8 (no
        # shift, the usual case); only when it fails are the eigenvalues computed.
        try:
            np.linalg.cholesky(hess - 1e-8 * eye)
            shift = np.zeros(a.size)
        except np.linalg.LinAlgError:
            min_ev = np.linalg.eigvalsh(hess)[:, 0]
            shift = np.where(min_ev < 1e-8, 1e-6 - min_ev, 0.0)
        step = -np.linalg.solve(hess + shift[:, None, None] * eye, grad[:, :, None])[:, :, 0]
        t = np.ones(a.size)
        new = ll + step
        fn = objective(rr, new)
        worse = fn > fa
        for _ in range(20):
            if not worse.any():
                break
            t[worse] /= 2
            new[worse] = ll[worse] + t[worse, None] * step[worse]
            fn[worse] = objective(rr[worse], new[worse])
            worse = fn > fa
        accepted = ~worse
        lam[a[accepted]] = new[accepted]
        f[a[accepted]] = fn[accepted]
        active[a[worse]] = False  # no descent found: leave it to the exact optimiser
        # a communality far above 1 (a Heywood case) cannot end inside psych's bounds:
        # stop iterating and leave it to the bounded optimiser too
        active[a[(lam[a] ** 2).max(axis=1) > 2.0]] = False
    ok = converged & ((1.0 - lam**2) > PSYCH_UNIQUENESS_LOWER_BOUND).all(axis=1)
    return lam, ok


def _batched_pa(r: np.ndarray, nf: int) -> np.ndarray:
    """psych's iterated principal axis (SMC = FALSE start as in fa.parallel) on a stack."""
    b, k, _ = r.shape
    idx = np.arange(k)
    rm = r.copy()
    comm = np.full(b, float(k))
    active = np.ones(b, dtype=bool)
    load = np.zeros((b, k, nf))
    for _ in range(PA_MAX_ITER):
        w, v = np.linalg.eigh(rm[active])
        with np.errstate(invalid="ignore"):
            lam = v[:, :, ::-1][:, :, :nf] * np.sqrt(w[:, ::-1][:, :nf])[:, None, :]
        load[active] = lam
        new = (lam**2).sum(axis=2)
        sub = rm[active]
        sub[:, idx, idx] = new
        rm[active] = sub
        comm1 = new.sum(axis=1)
        err = np.abs(comm[active] - comm1)
        comm[active] = comm1
        still = np.flatnonzero(active)[~(err <= PA_MIN_ERR)]
        active[:] = False
        active[still] = True
        if not active.any():
            break
    return load


def _factor_values_stack(r: np.ndarray, fm: str, nf: int) -> np.ndarray:
    """psych ``fa(r, nfactors = nf, fm = fm, SMC = FALSE)$values`` for each matrix in a stack."""
    b, k, _ = r.shape
    idx = np.arange(k)
    if fm == "minres" and nf == 1:
        lam, ok = _batched_minres_one_factor(r)
        comm = lam**2
        for i in np.flatnonzero(~ok):
            # psych's bounded optimiser (a uniqueness at its bound, or no Newton descent),
            # started from the Newton loadings: the same optimum in a fraction of the
            # L-BFGS-B iterations of the SMC start
            start = np.clip(1.0 - comm[i], PSYCH_UNIQUENESS_LOWER_BOUND, 1.0)
            upper = max(float(_smc(r[i]).max()), 1.0)
            res = _lbfgsb(_minres_objective, _minres_gradient, start, upper, r[i], nf)
            load, _ = _top_loadings(r[i] - np.diag(res.x * LBFGSB_PARSCALE), nf)
            comm[i] = (load**2).sum(axis=1)
    elif fm == "pa":
        comm = (_batched_pa(r, nf) ** 2).sum(axis=2)
    else:
        comm = np.stack([_extract(r[i], nf, fm).communality for i in range(b)])
    red = r.copy()
    red[:, idx, idx] = comm
    return np.linalg.eigvalsh(red)[:, ::-1]


def parallel_analysis(
    items: pd.DataFrame,
    n_iter: int = 100,
    seed: int | None = None,
    fm: Literal["minres", "ml", "pa"] = "minres",
    quantile: float = 0.95,
    *,
    nfactors: int = 1,
    missing: Literal["listwise", "pairwise"] = "listwise",
    simulation: Literal["wishart", "data"] = "wishart",
) -> ParallelResult:
    """Horn's parallel analysis as ``psych::fa.parallel`` (``fa = "both"``) reports it.

    Observed component eigenvalues are those of the correlation matrix; observed factor
    eigenvalues are psych's ``fa(r, nfactors = 1, fm = "minres", rotate = "none")$values``:
    the eigenvalues of the correlation matrix with the communalities of that fit on its
    diagonal.  The same two sets are computed for ``n_iter`` correlation matrices of random
    standard-normal data of the same n × k, all generated as one stacked array and decomposed
    with a batched ``numpy.linalg.eigvalsh`` (the one-factor minres fits are a batched damped
    Newton solve of psych's objective).  The suggested number of factors (components) is, as
    in psych, the number of leading observed eigenvalues greater than the ``quantile`` of the
    simulated ones, counted up to the first that is not.

    With ``simulation="wishart"`` (default) the random correlation matrices are drawn from
    their exact sampling distribution via the Bartlett decomposition of the Wishart matrix —
    the same distribution as correlating n × k normal data, at O(k²) instead of O(nk) cost;
    ``simulation="data"`` generates the n × k normal data themselves (in memory-bounded
    chunks).  Random numbers differ from R's, so simulated values agree with psych only in
    distribution; the same ``seed`` always gives the identical result.  psych's additional
    resampled-data curves (``fa.simr``) are not computed.

    Parameters
    ----------
    items : pandas.DataFrame
        Numeric item columns.
    n_iter : int
        Number of random data sets (psych ``n.iter``).
    seed : int or None
        Seed of :func:`numpy.random.default_rng`.
    fm : {"minres", "ml", "pa"}
        Factoring method for the factor eigenvalues (psych ``fm``).
    quantile : float
        Quantile of the simulated eigenvalues to beat (psych ``quant``).
    nfactors : int
        Factors fitted to obtain the factor eigenvalues (psych ``nfactors``, default 1).
    missing : {"listwise", "pairwise"}
        Missing-data handling; n is the number of complete rows (listwise) or all rows.
    simulation : {"wishart", "data"}
        How the random correlation matrices are generated.

    Returns
    -------
    ParallelResult
        ``.n_factors``, ``.n_components``, ``.observed``, ``.simulated``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(800, 2))
    >>> x = np.repeat(f, 3, axis=1) * 0.7 + rng.normal(size=(800, 6)) * 0.7
    >>> parallel_analysis(pd.DataFrame(x), n_iter=50, seed=1).n_factors
    2

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30, 179-185.
    Revelle, W. (2022). psych 2.2.9, function ``fa.parallel``.
    Bartlett, M. S. (1933). On the theory of statistical regression. Proceedings of the Royal
    Society of Edinburgh, 53, 260-283.
    """
    if fm not in ("minres", "ml", "pa"):
        raise InputError(f"fm must be 'minres', 'ml' or 'pa', not {fm!r}.")
    if not 0 < quantile < 1:
        raise InputError(f"quantile must lie strictly between 0 and 1, not {quantile!r}.")
    if int(n_iter) < 1:
        raise InputError(f"n_iter must be at least 1, not {n_iter!r}.")
    n_iter = int(n_iter)
    r, n_obs, frame = _correlation(items, missing)
    k = r.shape[0]
    if not 1 <= nfactors < k:
        raise InputError(
            f"nfactors ({nfactors}) must be between 1 and the number of items minus 1 ({k - 1})."
        )
    if n_obs <= k:
        raise SingularMatrixError(
            f"parallel analysis needs more respondents than items: with {n_obs} respondents "
            f"for {k} items the observed and the simulated correlation matrices are singular."
        )
    with single_blas_thread():
        pc_values = np.linalg.eigvalsh(r)[::-1]
        fa_values = _extract(r, nfactors, fm).values
        rng = np.random.default_rng(seed)
        sims = _random_correlations(rng, n_iter, n_obs, k, simulation)
        sim_pc = np.linalg.eigvalsh(sims)[:, ::-1]
        sim_fa = _factor_values_stack(sims, fm, nfactors)

    def suggested(observed: np.ndarray, threshold: np.ndarray) -> int:
        below = np.flatnonzero(~(observed > threshold))
        return int(below[0]) if below.size else len(observed)

    # R quantile(type = 7) is numpy's default "linear" method.
    pc_q = np.quantile(sim_pc, quantile, axis=0)
    fa_q = np.quantile(sim_fa, quantile, axis=0)
    position = pd.Index(np.arange(1, k + 1), name="number")
    observed = pd.DataFrame({"factor": fa_values, "component": pc_values}, index=position)
    simulated = pd.DataFrame(
        {
            "factor_mean": sim_fa.mean(axis=0),
            "factor_quantile": fa_q,
            "component_mean": sim_pc.mean(axis=0),
            "component_quantile": pc_q,
        },
        index=position,
    )
    return ParallelResult(
        n_factors=suggested(fa_values, fa_q),
        n_components=suggested(pc_values, pc_q),
        observed=observed,
        simulated=simulated,
        n_iter=n_iter,
        n_obs=n_obs,
        quantile=quantile,
        seed=seed,
        fm=fm,
        simulation=simulation,
    )


# --- CFA -------------------------------------------------------------------------------------


def cfa(
    data: pd.DataFrame, model: dict[str, list[str]], estimator: str = "ML", **kwargs: Any
) -> Any:
    """Confirmatory factor analysis with lavaan's definitions; see :func:`crm_research.sem.cfa`.

    Parameters
    ----------
    data : pandas.DataFrame
        Item responses.
    model : dict
        ``{"factor": ["item", ...], ...}``.
    estimator : {"ML", "MLR"}
        Estimator, as lavaan.
    **kwargs
        Passed on to :func:`crm_research.sem.cfa`.

    Returns
    -------
    object
        The result of :func:`crm_research.sem.cfa` (``.fit``, ``.loadings``,
        ``.composite_reliability``, ``.ave``, ``.htmt``, ``.fornell_larcker``, ``.warnings``).

    Examples
    --------
    >>> from crm_research import factor
    >>> callable(factor.cfa)
    True

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36.
    """
    from crm_research import sem  # noqa: PLC0415  (sibling stage-4 module, loaded on use)

    return sem.cfa(data, model, estimator=estimator, **kwargs)


# --- common-method-bias checks ---------------------------------------------------------------

# Harman's single-factor test flags common-method variance when one unrotated factor accounts
# for the majority (more than half) of the items' variance (Podsakoff, MacKenzie, Lee &
# Podsakoff 2003, J. Applied Psychology 88(5), 879-903, p. 889).
HARMAN_SHARE_THRESHOLD = 0.50
# Kock (2015), "Common method bias in PLS-SEM: A full collinearity assessment approach",
# International Journal of e-Collaboration 11(4), 1-10: a full-collinearity VIF above 3.3
# signals pathological collinearity / common-method contamination (Kock & Lynn 2012, JAIS 13(7)).
KOCK_VIF_THRESHOLD = 3.3


def harman_single_factor(
    items: pd.DataFrame, *, missing: Literal["listwise", "pairwise"] = "listwise"
) -> dict[str, Any]:
    """Harman's single-factor test for common-method variance.

    All items of a questionnaire (every scale together) are fitted by **one unrotated
    factor**; the share of their total standardized variance it captures is
    ``SS loadings / k``.  ``share_factor`` uses psych's iterated principal-axis factor
    (``psych::fa(items, nfactors = 1, fm = "pa", rotate = "none")``: SMCs as starting
    communalities, at most 50 iterations, stop when the sum of communalities changes by less
    than 0.001 -- the same iteration as :func:`efa` with ``method="pa"``); ``share_component``
    the first principal component (``psych::principal(items, nfactors = 1)``, the SPSS
    "unrotated factor solution" many papers report), its eigenvalue / k.  The usual reading
    (Podsakoff et al. 2003): common-method variance is a concern when one factor accounts for
    more than half of the variance (:data:`HARMAN_SHARE_THRESHOLD`).  The test is known to be
    insensitive; report it beside, not instead of, :func:`full_collinearity_vif`.

    Parameters
    ----------
    items : pandas.DataFrame
        Every item of the instrument (numeric; reverse keying does not change the shares).
    missing : {"listwise", "pairwise"}
        Missing-data handling of the correlation matrix (as :func:`efa`).

    Returns
    -------
    dict
        ``share_factor``, ``share_component`` (fractions of k), ``exceeds_half``
        (``share_factor > 0.5``), ``exceeds_half_component``, ``threshold``, ``n``, ``k``,
        ``loadings_factor`` and ``loadings_component`` (pandas.Series, psych's signs),
        ``iterations`` (principal-axis iterations), ``converged``, ``warnings`` (tuple).

    Raises
    ------
    InputError
        As :func:`efa` (fewer than 2 items, a constant or non-numeric column, ...).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(400, 2))
    >>> x = np.repeat(f, 3, axis=1) * 0.7 + rng.normal(size=(400, 6)) * 0.7
    >>> res = harman_single_factor(pd.DataFrame(x, columns=list("abcdef")))
    >>> bool(res["share_factor"] < res["share_component"]), res["exceeds_half"]
    (True, False)

    References
    ----------
    Harman, H. H. (1976). *Modern Factor Analysis* (3rd ed.). University of Chicago Press.
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research. *Journal of Applied Psychology*, 88(5), 879-903.
    Revelle, W. (2022). psych 2.2.9, functions ``fa`` and ``principal``.
    """
    fa = efa(items, 1, method="pa", rotation=None, missing=missing)
    pc = efa(items, 1, method="pca", rotation=None, missing=missing)
    k = len(fa.loadings)
    share_factor = float(fa.variance["ss_loadings"].iloc[0]) / k
    share_component = float(pc.variance["ss_loadings"].iloc[0]) / k
    return {
        "share_factor": share_factor,
        "share_component": share_component,
        "exceeds_half": share_factor > HARMAN_SHARE_THRESHOLD,
        "exceeds_half_component": share_component > HARMAN_SHARE_THRESHOLD,
        "threshold": HARMAN_SHARE_THRESHOLD,
        "n": fa.n_obs,
        "k": k,
        "loadings_factor": fa.loadings.iloc[:, 0].rename("loading"),
        "loadings_component": pc.loadings.iloc[:, 0].rename("loading"),
        "iterations": fa.iterations,
        "converged": fa.converged,
        "warnings": fa.warnings,
    }


def full_collinearity_vif(
    scores: pd.DataFrame, *, missing: Literal["listwise", "pairwise"] = "listwise"
) -> pd.DataFrame:
    """Kock's (2015) full-collinearity VIFs of scale (latent-variable) scores.

    Every scale score -- predictors and outcomes alike -- is regressed on all the others;
    ``VIF_j = 1 / (1 - R²_j)``, the j-th diagonal element of the inverse correlation matrix.
    A VIF above :data:`KOCK_VIF_THRESHOLD` (3.3) suggests the model is contaminated by
    common-method bias (or by redundant constructs).

    Parameters
    ----------
    scores : pandas.DataFrame
        One numeric column per scale (e.g. :func:`crm_research.score` output).
    missing : {"listwise", "pairwise"}
        Missing-data handling of the correlation matrix.

    Returns
    -------
    pandas.DataFrame
        Index = scale; columns ``vif``, ``r2`` (of the scale on the others) and
        ``exceeds`` (``vif > 3.3``).  ``attrs``: ``threshold``, ``n``.

    Raises
    ------
    InputError
        Fewer than two scales, a constant or non-numeric column, or scores whose correlation
        matrix is singular (one scale a linear combination of others).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(300, 3))
    >>> full_collinearity_vif(pd.DataFrame(z, columns=["sat", "trust", "loyal"]))["exceeds"].any()
    np.False_

    References
    ----------
    Kock, N. (2015). Common method bias in PLS-SEM: A full collinearity assessment approach.
    *International Journal of e-Collaboration*, 11(4), 1-10.
    Kock, N., & Lynn, G. S. (2012). Lateral collinearity and misleading results in
    variance-based SEM. *Journal of the Association for Information Systems*, 13(7), 546-580.
    """
    r, n_obs, frame = _correlation(scores, missing)
    names = [str(c) for c in frame.columns]
    if _is_singular(r):
        raise SingularMatrixError(_singular_sentence(r, names, n_obs, "the full-collinearity VIF"))
    vif = np.diag(np.linalg.inv(r))
    out = pd.DataFrame(
        {"vif": vif, "r2": 1.0 - 1.0 / vif, "exceeds": vif > KOCK_VIF_THRESHOLD},
        index=pd.Index(names, name="scale"),
    )
    out.attrs.update({"threshold": KOCK_VIF_THRESHOLD, "n": n_obs})
    return out
