"""Vectorised bootstrap of a PLS path model: percentile and BCa intervals.

A resample is a row of case counts drawn with ``numpy.random.default_rng(seed)``
(``rng.integers(0, n, size=(n_boot, n))``, so the same seed gives the same resamples).
All resamples' correlation matrices come from one matrix product
(:func:`crm_research.pls.algorithm.weighted_correlations`) and the PLS iteration runs on
the whole ``(n_boot, p, p)`` stack at once, each resample stopping at its own convergence.

Conventions (seminr ``bootstrap_model`` and SmartPLS):

- no sign-change correction: each resample's weights are taken as estimated (seminr's only
  behaviour; SmartPLS' default "no sign changes");
- resamples whose estimation fails (a singular matrix) are left out and counted in a
  warning, as seminr drops failed iterations; resamples that reach ``max_iter`` are kept
  (seminr keeps them silently) and counted in a warning;
- ``se`` is the standard deviation (n_boot − 1) of the estimates, ``t = estimate / se``,
  ``pvalue`` two-sided from Student's t with ``n_boot − 1`` degrees of freedom;
- percentile interval: R's default quantile (type 7, numpy's "linear");
- BCa (Efron 1987): bias correction ``z0 = Φ⁻¹(#{θ* < θ̂} / B)`` and acceleration from the
  jackknife (leave-one-out) estimates, ``a = Σ(θ̄ − θᵢ)³ / (6 (Σ(θ̄ − θᵢ)²)^{3/2})``.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82(397), 171-185.
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on PLS-SEM*
(3rd ed.). Sage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from crm_research._blas import single_blas_thread
from crm_research.pls.algorithm import (
    Design,
    estimate,
    total_effects,
    weighted_correlations,
)
from crm_research.pls.quality import htmt_stack

__all__ = [
    "DEFAULT_N_BOOT",
    "BootDraws",
    "resample_counts",
    "draw",
    "jackknife",
    "percentile_interval",
    "bca_interval",
    "summarise",
]

DEFAULT_N_BOOT = 5000  # Hair et al. (2022), ch. 5: 5,000 bootstrap samples for final results.
# Resamples per stacked block: bounds memory (a block of 1000 x 24 x 24 doubles is 4.6 MB).
_CHUNK = 1000


@dataclass(frozen=True)
class BootDraws:
    """Bootstrap (or jackknife) estimates, one row per kept resample.

    Attributes
    ----------
    paths, total, loadings, weights, htmt : ndarray
        Stacks of the K x K / p x K / K x K matrices.
    r2 : ndarray (B, K)
    n_requested, n_failed : int
    """

    paths: np.ndarray
    total: np.ndarray
    loadings: np.ndarray
    weights: np.ndarray
    htmt: np.ndarray
    r2: np.ndarray
    n_requested: int
    n_failed: int
    n_nonconverged: int = 0


def resample_counts(n: int, n_boot: int, seed: int | None) -> np.ndarray:
    """Case counts of ``n_boot`` resamples of ``n`` rows (B x n), reproducible by ``seed``.

    Examples
    --------
    >>> c = resample_counts(5, 3, seed=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5.0, 5.0, 5.0])
    """
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = (idx + n * np.arange(n_boot)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)


def _run(
    x: np.ndarray,
    counts: np.ndarray,
    des: Design,
    *,
    scheme: str,
    tol: float,
    max_iter: int,
    consistent: bool,
) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("paths", "total", "loadings", "weights", "htmt", "r2")
    }
    keep = []
    slow = 0
    with single_blas_thread():
        for start in range(0, counts.shape[0], _CHUNK):
            r = weighted_correlations(x, counts[start : start + _CHUNK])
            est = estimate(r, des, scheme=scheme, tol=tol, max_iter=max_iter, consistent=consistent)
            parts["paths"].append(est.paths)
            parts["total"].append(total_effects(est.paths))
            parts["loadings"].append(est.loadings)
            parts["weights"].append(est.weights)
            parts["htmt"].append(htmt_stack(r, des))
            parts["r2"].append(est.r2)
            keep.append(est.ok)
            slow += int((est.ok & ~est.converged).sum())
    good = np.concatenate(keep)
    return {k: np.concatenate(v)[good] for k, v in parts.items()}, good, slow


def draw(
    x: np.ndarray,
    des: Design,
    n_boot: int,
    seed: int | None,
    *,
    scheme: str,
    tol: float,
    max_iter: int,
    consistent: bool,
) -> BootDraws:
    """Estimate the model on ``n_boot`` resamples of the rows of ``x`` (n x p items)."""
    counts = resample_counts(x.shape[0], n_boot, seed)
    arrays, good, slow = _run(
        x, counts, des, scheme=scheme, tol=tol, max_iter=max_iter, consistent=consistent
    )
    return BootDraws(**arrays, n_requested=n_boot, n_failed=int((~good).sum()), n_nonconverged=slow)


def jackknife(
    x: np.ndarray,
    des: Design,
    *,
    scheme: str,
    tol: float,
    max_iter: int,
    consistent: bool,
) -> BootDraws:
    """Leave-one-out estimates (for the BCa acceleration)."""
    n = x.shape[0]
    counts = 1.0 - np.eye(n)
    arrays, good, slow = _run(
        x, counts, des, scheme=scheme, tol=tol, max_iter=max_iter, consistent=consistent
    )
    return BootDraws(**arrays, n_requested=n, n_failed=int((~good).sum()), n_nonconverged=slow)


def percentile_interval(boot: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column of ``boot`` (B x m), R's type-7 quantiles.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = percentile_interval(np.arange(101.0)[:, None], 0.9)
    >>> round(float(lo[0]), 9), round(float(hi[0]), 9)
    (5.0, 95.0)
    """
    a = (1 - ci) / 2
    q = np.quantile(boot, [a, 1 - a], axis=0)
    return q[0], q[1]


def bca_interval(
    boot: np.ndarray, theta: np.ndarray, jack: np.ndarray, ci: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval of each column (Efron 1987).

    Parameters
    ----------
    boot : ndarray (B, m)
        Bootstrap estimates.
    theta : ndarray (m,)
        Full-sample estimates.
    jack : ndarray (n, m)
        Leave-one-out estimates.
    ci : float
        Confidence level.

    Returns
    -------
    (low, high) : ndarrays (m,)
        NaN where the bootstrap distribution is degenerate (all draws on one side).
    """
    bsz = boot.shape[0]
    prop = (boot < theta[None, :]).sum(axis=0) / bsz
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = stats.norm.ppf(prop)
        d = jack.mean(axis=0)[None, :] - jack
        num = (d**3).sum(axis=0)
        den = 6.0 * ((d**2).sum(axis=0)) ** 1.5
        acc = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        a = (1 - ci) / 2
        out = []
        for z in (stats.norm.ppf(a), stats.norm.ppf(1 - a)):
            level = stats.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
            vals = np.full(theta.shape, np.nan)
            fine = np.isfinite(level)
            for j in np.flatnonzero(fine):
                vals[j] = np.quantile(boot[:, j], level[j])
            out.append(vals)
    return out[0], out[1]


def summarise(
    boot: np.ndarray, theta: np.ndarray, jack: np.ndarray | None, ci: float
) -> dict[str, np.ndarray]:
    """se, t, p-value, percentile and BCa limits of each column.

    Returns
    -------
    dict
        ``boot_mean, se, t, pvalue, ci_low, ci_high, bca_low, bca_high`` (arrays of m).
    """
    bsz = boot.shape[0]
    se = boot.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = theta / se
    p = 2 * stats.t.sf(np.abs(t), df=max(bsz - 1, 1))
    lo, hi = percentile_interval(boot, ci)
    if jack is not None:
        blo, bhi = bca_interval(boot, theta, jack, ci)
    else:
        blo = bhi = np.full(theta.shape, np.nan)
    return {
        "boot_mean": boot.mean(axis=0),
        "se": se,
        "t": t,
        "pvalue": p,
        "ci_low": lo,
        "ci_high": hi,
        "bca_low": blo,
        "bca_high": bhi,
    }
