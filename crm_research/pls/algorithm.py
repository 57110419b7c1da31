"""Lohmöller's PLS path-modelling algorithm on correlation matrices, one or many at once.

Everything the algorithm needs is a function of the indicators' correlation matrix ``R``:
with standardised indicators ``Z`` and outer weights ``W`` (items x constructs, zero
outside each block) the composites are ``Y = Z W``, ``cov(Y) = W'RW`` and
``cov(Z, Y) = RW``.  Working on ``R`` makes the result independent of the standard-deviation
convention (n or n - 1) and lets the bootstrap estimate thousands of resamples as one stack
of ``(B, p, p)`` matrices.

The iteration is seminr's ``simplePLS`` (and SmartPLS'), step for step:

1. start from unit weights; composites ``Y = ZW`` standardised to variance 1;
2. inner weights ``E`` from the composites' correlations ``C``: *path* weighting
   (successors by correlation, predecessors by the OLS coefficients of the construct on its
   antecedents), *factorial* (correlations of adjacent constructs) or *centroid* (their
   signs);
3. inner proxies ``Ỹ = YE`` standardised; new outer weights ``cov(Z_b, Ỹ)`` (mode A) or
   ``R_bb⁻¹ cor(Z_b, Ỹ)`` (mode B), rescaled so that every composite has variance 1;
4. stop when the sum of absolute changes of all outer weights is below ``tol`` (seminr's
   ``stopCriterion = 7``: 1e-7), at most ``max_iter`` (300) + 1 rounds.

Then loadings ``RW`` (within block), path coefficients by OLS of each endogenous composite
on its antecedents, R² and adjusted R².  Consistent PLS (PLSc, Dijkstra & Henseler 2015)
corrects the composite correlations by ``sqrt(rhoA_i rhoA_j)`` and the mode-A loadings to
``w sqrt(rhoA) / w'w``.

References
----------
Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*. Physica.
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path modeling.
*Computational Statistics & Data Analysis*, 48, 159-205.
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling.
*MIS Quarterly*, 39(2), 297-316.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_research.errors import InputError, ZeroVarianceError
from crm_research.pls.model import PLSModel

__all__ = [
    "DEFAULT_TOL",
    "DEFAULT_MAX_ITER",
    "SCHEMES",
    "Design",
    "Estimates",
    "design",
    "prepare_data",
    "correlation",
    "weighted_correlations",
    "estimate",
    "rho_a",
    "consistent_paths",
    "total_effects",
]

# seminr estimate_pls(stopCriterion = 7): stop when sum |W_new - W_old| < 10^-7; maxIt = 300.
DEFAULT_TOL = 1e-7
DEFAULT_MAX_ITER = 300
SCHEMES = ("path", "factorial", "centroid")
MISSING = ("listwise", "mean")


@dataclass(frozen=True)
class Design:
    """Index arrays of a :class:`PLSModel` used by the numeric core.

    Attributes
    ----------
    mask : ndarray (p, K)
        1 where item i belongs to construct k.
    adjacency : ndarray (K, K)
        ``A[from, to] = 1`` for each structural path.
    blocks : tuple of ndarray
        Item positions of each construct.
    mode_b : tuple of int
        Constructs estimated in mode B.
    endogenous : tuple of (int, ndarray)
        Each endogenous construct with the positions of its antecedents.
    """

    mask: np.ndarray
    adjacency: np.ndarray
    blocks: tuple[np.ndarray, ...]
    mode_b: tuple[int, ...]
    endogenous: tuple[tuple[int, np.ndarray], ...]


def design(model: PLSModel) -> Design:
    """Index arrays of ``model`` for :func:`estimate`."""
    idx = {c: k for k, c in enumerate(model.constructs)}
    blocks = []
    pos = 0
    for c in model.constructs:
        n = len(model.blocks[c])
        blocks.append(np.arange(pos, pos + n))
        pos += n
    endo = tuple(
        (idx[c], np.array([idx[a] for a in model.antecedents(c)])) for c in model.endogenous
    )
    return Design(
        mask=model.mask(),
        adjacency=model.adjacency(),
        blocks=tuple(blocks),
        mode_b=tuple(idx[c] for c in model.constructs if model.modes[c] == "B"),
        endogenous=endo,
    )


def prepare_data(
    data: pd.DataFrame,
    model: PLSModel,
    missing: str = "listwise",
    missing_values: Sequence[float] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Select, check and complete the item columns of ``data``.

    Parameters
    ----------
    data : DataFrame
        Respondents x columns; must contain every item of ``model``.
    model : PLSModel
    missing : {"listwise", "mean"}
        Drop respondents with any missing item (default), or replace missing values by the
        item mean (seminr's ``mean_replacement``).
    missing_values : sequence of float, optional
        Codes that mean "no answer" (e.g. ``[-99]``, seminr's ``missing_value``).

    Returns
    -------
    (DataFrame, list of str)
        Float item columns in model order, and notes on what was done (rows dropped).

    Raises
    ------
    InputError
        Non-numeric item, too few complete rows, or an item with zero variance.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError("data: give a pandas DataFrame with one column per item.")
    if missing not in MISSING:
        raise InputError(f"missing: {missing!r} is not one of {', '.join(MISSING)}.")
    items = list(model.items)
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise InputError(f"data: item column {absent[0]!r} is not in the data.")
    frame = data[items]
    if missing_values:
        frame = frame.mask(frame.isin(list(missing_values)))
    out = {}
    for col in items:
        s = frame[col]
        if s.dtype == bool or not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s.notna() & conv.isna()
            if bad.any():
                row = s.index[np.argmax(bad.to_numpy())]
                raise InputError(
                    f"data: item {col!r} has a non-numeric value {s.loc[row]!r} in row {row!r}."
                )
            s = conv
        out[col] = s.astype(float)
    frame = pd.DataFrame(out, index=data.index)
    frame = frame.replace([np.inf, -np.inf], np.nan)
    notes: list[str] = []
    if missing == "listwise":
        keep = frame.notna().all(axis=1)
        dropped = int((~keep).sum())
        frame = frame.loc[keep]
        if dropped:
            notes.append(f"{dropped} respondent(s) with a missing item left out (listwise).")
    else:
        empty = [c for c in items if frame[c].isna().all()]
        if empty:
            raise InputError(f"data: item {empty[0]!r} has no values.")
        n_missing = int(frame.isna().sum().sum())
        frame = frame.fillna(frame.mean())
        if n_missing:
            notes.append(f"{n_missing} missing value(s) replaced by the item mean.")
    n = len(frame)
    k_max = max(
        [len(model.antecedents(c)) for c in model.endogenous]
        + [len(model.blocks[c]) for c in model.constructs if model.modes[c] == "B"]
    )
    need = max(3, k_max + 2)
    if n < need:
        raise InputError(
            f"data: {n} complete respondent(s) for this model; PLS needs at least {need}."
        )
    sd = frame.std(ddof=1).to_numpy()
    zero = [c for c, s in zip(items, sd, strict=True) if not (s > 0)]
    if zero:
        raise ZeroVarianceError(
            f"data: item {zero[0]!r} has no variance (every respondent gave the same answer).",
            zero,
        )
    return frame, notes


def correlation(x: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``x`` (n x p).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0]])
    >>> bool(np.allclose(correlation(x), np.corrcoef(x.T)))
    True
    """
    z = x - x.mean(axis=0)
    z = z / np.sqrt((z * z).sum(axis=0))
    r = z.T @ z
    np.fill_diagonal(r, 1.0)
    return r


def weighted_correlations(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Correlation matrices of ``x`` (n x p) for each row of case weights ``counts`` (B x n).

    A bootstrap resample is a row of counts (how often each respondent is drawn); a
    jackknife sample has a zero for the one left out.  All ``B`` correlation matrices come
    from one matrix product of the counts with the row-wise outer products of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(20, 3))
    >>> idx = rng.integers(0, 20, 20)
    >>> counts = np.bincount(idx, minlength=20)[None, :].astype(float)
    >>> bool(np.allclose(weighted_correlations(x, counts)[0], np.corrcoef(x[idx].T)))
    True
    """
    n, p = x.shape
    xc = x - x.mean(axis=0)
    xc = xc / xc.std(axis=0)
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=1)
    means = counts @ xc / total[:, None]
    outer = (xc[:, :, None] * xc[:, None, :]).reshape(n, p * p)
    cross = (counts @ outer).reshape(-1, p, p) / total[:, None, None]
    cov = cross - means[:, :, None] * means[:, None, :]
    sd = np.sqrt(np.einsum("bii->bi", cov))
    r = cov / sd[:, :, None] / sd[:, None, :]
    idx = np.arange(p)
    r[:, idx, idx] = 1.0
    return r


@dataclass(frozen=True)
class Estimates:
    """Raw PLS estimates for one correlation matrix or a stack of ``B`` of them.

    Arrays carry a leading batch axis of length ``B``.

    Attributes
    ----------
    weights : ndarray (B, p, K)
        Outer weights (zero outside each block), composites of variance 1.
    loadings : ndarray (B, p, K)
        Outer loadings (within block).
    cross_loadings : ndarray (B, p, K)
        Correlations of every item with every composite.
    construct_cor : ndarray (B, K, K)
        Composite correlations (PLSc: disattenuated).
    paths : ndarray (B, K, K)
        ``paths[from, to]`` coefficients, zero where there is no path.
    r2 : ndarray (B, K)
        R² of each construct (zero for exogenous ones).
    rho_a : ndarray (B, K)
        Dijkstra–Henseler rhoA (1 for single items and mode B).
    iterations : ndarray (B,)
        Rounds of the weight iteration (seminr's count: the break round, 0-based).
    converged : ndarray (B,) of bool
    ok : ndarray (B,) of bool
        False where a matrix was singular and the estimates are NaN.
    """

    weights: np.ndarray
    loadings: np.ndarray
    cross_loadings: np.ndarray
    construct_cor: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    ok: np.ndarray


def _quad(w: np.ndarray, r: np.ndarray) -> np.ndarray:
    """diag(W' R W) for stacks: (B, p, K), (B, p, p) -> (B, K)."""
    return np.einsum("bpk,bpk->bk", w, r @ w)


def _solve(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched solve that marks singular systems instead of raising."""
    try:
        return np.linalg.solve(a, b), np.ones(a.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        ok = np.zeros(a.shape[0], dtype=bool)
        for i in range(a.shape[0]):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
                ok[i] = True
            except np.linalg.LinAlgError:
                pass
        return out, ok


def _inner(c: np.ndarray, des: Design, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    a = des.adjacency
    if scheme == "factorial":
        return c * (a + a.T), np.ones(c.shape[0], dtype=bool)
    if scheme == "centroid":
        return np.sign(c) * (a + a.T), np.ones(c.shape[0], dtype=bool)
    e = c * a.T
    ok = np.ones(c.shape[0], dtype=bool)
    for j, ante in des.endogenous:
        beta, good = _solve(c[:, ante[:, None], ante[None, :]], c[:, ante, j][..., None])
        e[:, ante, j] = beta[..., 0]
        ok &= good
    return e, ok


def _path_coefficients(c: np.ndarray, des: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bsz, k = c.shape[0], c.shape[1]
    paths = np.zeros((bsz, k, k))
    r2 = np.zeros((bsz, k))
    ok = np.ones(bsz, dtype=bool)
    for j, ante in des.endogenous:
        rhs = c[:, ante, j]
        beta, good = _solve(c[:, ante[:, None], ante[None, :]], rhs[..., None])
        beta = beta[..., 0]
        paths[:, ante, j] = beta
        r2[:, j] = np.einsum("ba,ba->b", beta, rhs)
        ok &= good
    return paths, r2, ok


def rho_a(weights: np.ndarray, r: np.ndarray, des: Design) -> np.ndarray:
    """Dijkstra–Henseler rhoA of each construct from its weights (stacked).

    ``rhoA = (w'w)² · w'(S − diag S)w / w'(ww' − diag(ww'))w`` with ``S`` the block's
    correlation matrix and ``w`` scaled so that ``w'Sw = 1`` (seminr ``rho_A``); 1 for
    single-item and mode-B constructs.

    Parameters
    ----------
    weights : ndarray (B, p, K)
    r : ndarray (B, p, p)
    des : Design

    Returns
    -------
    ndarray (B, K)
    """
    out = np.ones((weights.shape[0], len(des.blocks)))
    for k, blk in enumerate(des.blocks):
        if len(blk) < 2 or k in des.mode_b:
            continue
        w = weights[:, blk, k]
        s = r[:, blk[:, None], blk[None, :]]
        ww = np.einsum("bi,bi->b", w, w)
        off = np.einsum("bi,bij,bj->b", w, s, w) - np.einsum("bi,bii->b", w * w, s)
        denom = ww**2 - np.einsum("bi->b", w**4)
        out[:, k] = ww**2 * off / denom
    return out


def consistent_paths(
    c: np.ndarray, rho: np.ndarray, des: Design
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PLSc: disattenuated composite correlations, path coefficients and R².

    Parameters
    ----------
    c : ndarray (B, K, K)
        Composite correlations.
    rho : ndarray (B, K)
        rhoA of each construct (1 for composites).
    des : Design

    Returns
    -------
    (corrected correlations, paths, r2, ok)
    """
    adj = np.sqrt(rho[:, :, None] * rho[:, None, :])
    k = c.shape[1]
    adj[:, np.arange(k), np.arange(k)] = 1.0
    cc = c / adj
    paths, r2, ok = _path_coefficients(cc, des)
    return cc, paths, r2, ok


def estimate(
    r: np.ndarray,
    des: Design,
    *,
    scheme: str = "path",
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    consistent: bool = False,
) -> Estimates:
    """Run the PLS algorithm on one ``(p, p)`` or a stack ``(B, p, p)`` of correlation matrices.

    Parameters
    ----------
    r : ndarray
        Indicator correlation matrix (or stack), items in model order.
    des : Design
        From :func:`design`.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme.
    tol : float
        Stop when the sum of absolute weight changes is below ``tol``.
    max_iter : int
        At most ``max_iter + 1`` rounds (seminr's ``0:maxIt`` loop).
    consistent : bool
        Apply PLSc to every multi-item mode-A construct.

    Returns
    -------
    Estimates
    """
    if scheme not in SCHEMES:
        raise InputError(f"scheme: {scheme!r} is not one of {', '.join(SCHEMES)}.")
    r = np.asarray(r, dtype=float)
    if r.ndim == 2:
        r = r[None]
    bsz = r.shape[0]
    mask = des.mask
    w = np.broadcast_to(mask, (bsz,) + mask.shape).copy()
    ok = np.ones(bsz, dtype=bool)
    # Mode B: the block's inverse correlation matrix does not change during the iteration.
    inv_b = {}
    for k in des.mode_b:
        blk = des.blocks[k]
        sub = r[:, blk[:, None], blk[None, :]]
        try:
            inv_b[k] = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            inv = np.full(sub.shape, np.nan)
            for i in range(bsz):
                try:
                    inv[i] = np.linalg.inv(sub[i])
                except np.linalg.LinAlgError:
                    ok[i] = False
            inv_b[k] = inv
    active = np.ones(bsz, dtype=bool)
    iterations = np.zeros(bsz, dtype=int)
    for it in range(max_iter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ra = r[idx]
        wa = w[idx]
        sd = np.sqrt(_quad(wa, ra))
        ws = wa / sd[:, None, :]
        rw = ra @ ws
        c = np.einsum("bpk,bpl->bkl", ws, rw)
        e, good = _inner(c, des, scheme)
        ok[idx] &= good
        ce = c @ e
        v = np.sqrt(np.einsum("bkl,bkl->bl", e, ce))
        cov_zy = (rw @ e) / v[:, None, :]
        new = cov_zy * mask
        for k in des.mode_b:
            blk = des.blocks[k]
            new[:, blk, k] = np.einsum("bij,bj->bi", inv_b[k][idx], cov_zy[:, blk, k])
        new = new / np.sqrt(_quad(new, ra))[:, None, :]
        diff = np.abs(new - wa).sum(axis=(1, 2))
        w[idx] = new
        iterations[idx] = it
        done = ~(diff >= tol)  # NaN counts as done (and not ok)
        ok[idx[np.isnan(diff)]] = False
        active[idx[done]] = False
    converged = ~active
    rw = r @ w
    loadings = rw * mask
    c = np.einsum("bpk,bpl->bkl", w, rw)
    rho = rho_a(w, r, des)
    if consistent:
        c_out, paths, r2, good = consistent_paths(c, rho, des)
        for k, blk in enumerate(des.blocks):
            if k in des.mode_b or len(blk) < 2:
                continue
            wk = w[:, blk, k]
            scale = np.sqrt(rho[:, k]) / np.einsum("bi,bi->b", wk, wk)
            loadings[:, blk, k] = wk * scale[:, None]
    else:
        c_out = c
        paths, r2, good = _path_coefficients(c, des)
    ok &= good & np.isfinite(paths).all(axis=(1, 2)) & np.isfinite(w).all(axis=(1, 2))
    return Estimates(
        weights=w,
        loadings=loadings,
        cross_loadings=rw,
        construct_cor=c_out,
        paths=paths,
        r2=r2,
        rho_a=rho,
        iterations=iterations,
        converged=converged,
        ok=ok,
    )


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects ``B + B² + ...`` of a (stack of) acyclic path matrices ``B[from, to]``.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.array([[0, 0.5, 0.2], [0, 0, 0.4], [0, 0, 0]])
    >>> float(total_effects(b)[0, 2])  # 0.2 + 0.5 * 0.4
    0.4
    """
    out = paths.copy()
    term = paths.copy()
    for _ in range(paths.shape[-1]):
        term = term @ paths
        if not np.any(term):
            break
        out = out + term
    return out
