"""Fit measures and information-matrix helpers shared by `cfa`, `sem` and `invariance`.

Definitions are lavaan 0.6's (``lav_fit_rmsea``, ``lav_fit_cfi``, ``lav_fit_srmr``); see
``docs/methods.md`` ("Structural equation models").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, special

RMSEA_CI_LEVEL = 0.90  # lavaan's default confidence level for the RMSEA interval.

__all__ = [
    "RMSEA_CI_LEVEL",
    "cfi",
    "duplication",
    "h1_trace",
    "loglik",
    "numerical_hessian",
    "rmsea",
    "rmsea_ci",
    "srmr_bentler",
    "tli",
    "two_sided_p",
]


def duplication(p: int) -> np.ndarray:
    """Duplication matrix D with vec(A) = D vech(A) (vech: lower triangle, column-major)."""
    pairs = [(i, j) for j in range(p) for i in range(j, p)]
    dup = np.zeros((p * p, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        dup[i * p + j, k] = 1.0
        dup[j * p + i, k] = 1.0
    return dup


def numerical_hessian(function: Any, theta: np.ndarray) -> np.ndarray:
    """Central differences of an analytic gradient, symmetrised."""
    q = theta.size
    hessian = np.zeros((q, q))
    for k in range(q):
        h = 1e-5 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        hessian[:, k] = (function(up) - function(down)) / (2 * h)
    return (hessian + hessian.T) / 2


def h1_trace(centred: np.ndarray, sample_cov: np.ndarray) -> float:
    """tr(A₁⁻¹B₁) of the unrestricted (h1) model, as lavaan's Mplus-variant correction uses it.

    A₁ is the normal-theory information of vech(Σ) at S (``h1.information =
    "unstructured"``) and B₁ the mean outer product of the case-wise scores at S. The means
    are saturated, so their block cancels from the correction.
    """
    p = sample_cov.shape[0]
    inv = np.linalg.inv(sample_cov)
    dup = duplication(p)
    a1 = 0.5 * dup.T @ np.kron(inv, inv) @ dup
    transformed = centred @ inv  # rows: (y_i - ȳ)'S⁻¹
    outer = (transformed[:, :, None] * transformed[:, None, :]) - inv
    scores = 0.5 * outer.reshape(len(centred), p * p) @ dup
    b1 = scores.T @ scores / len(centred)
    return float(np.trace(np.linalg.solve(a1, b1)))


# --------------------------------------------------------------------------------------------
# Fit measures
# --------------------------------------------------------------------------------------------
def rmsea_ci(
    chisq: float, df: int, n: int, c_hat: float = 1.0, level: float = RMSEA_CI_LEVEL
) -> tuple[float, float]:
    """RMSEA confidence interval from the non-central χ², exactly as lavaan constructs it.

    The non-centrality λ solves P(χ²_df(λ) ≤ chisq) = 0.95 (lower) and 0.05 (upper);
    the bound is sqrt(c_hat·λ/(N·df)). A bound is 0 when no solution exists (lavaan
    ``lav_fitrmsea_ci``; the robust interval passes the scaled χ² and the scaling factor).
    """
    if not np.isfinite(chisq):
        return (math.nan, math.nan)
    if df < 1:
        return (0.0, 0.0)
    upper_tail = 1 - (1 - level) / 2  # 0.95
    lower_tail = (1 - level) / 2  # 0.05

    def cdf(ncp: float) -> float:  # scipy.special ufuncs: the stats wrappers cost 1 ms a call
        return float(special.chdtr(df, chisq) if ncp <= 0 else special.chndtr(chisq, df, ncp))

    def root(target: float, high: float) -> float:
        return optimize.brentq(lambda ncp: cdf(ncp) - target, 0.0, high, xtol=1e-12)

    lower = 0.0 if cdf(0.0) < upper_tail else root(upper_tail, chisq)
    n_rmsea = max(n, 4 * chisq)
    upper = (
        0.0 if (cdf(n_rmsea) > lower_tail or cdf(0.0) < lower_tail) else root(lower_tail, n_rmsea)
    )
    return (math.sqrt(c_hat * lower / (n * df)), math.sqrt(c_hat * upper / (n * df)))


def rmsea(chisq: float, df: int, n: int, c_hat: float = 1.0) -> float:
    """sqrt(max(chisq/(N·df) − c_hat/N, 0)); 0 when df = 0 (lavaan ``lav_fit_rmsea``)."""
    if df <= 0:
        return 0.0
    return math.sqrt(max(chisq / (n * df) - c_hat / n, 0.0))


def cfi(
    chisq: float,
    df: int,
    base_chisq: float,
    base_df: int,
    c_hat: float = 1.0,
    base_c_hat: float = 1.0,
) -> float:
    """CFI (Bentler 1990); with scaling factors, Brosseau-Liard & Savalei's robust CFI."""
    t_model = max(chisq - c_hat * df, 0.0)
    t_base = max(chisq - c_hat * df, base_chisq - base_c_hat * base_df, 0.0)
    if math.isclose(t_model, 0.0, abs_tol=1.5e-8) and math.isclose(t_base, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t_model / t_base


def tli(
    chisq: float,
    df: int,
    base_chisq: float,
    base_df: int,
    c_hat: float = 1.0,
    base_c_hat: float = 1.0,
) -> float:
    """TLI/NNFI (Tucker & Lewis 1973); with scaling factors, the robust TLI; 1 when df = 0."""
    t_model = (chisq - c_hat * df) * base_df
    t_base = (base_chisq - base_c_hat * base_df) * df
    if df > 0 and abs(t_base) > 0:
        return 1.0 - t_model / t_base
    return 1.0


def srmr_bentler(sample_cov: np.ndarray, implied: np.ndarray) -> float:
    sd = np.sqrt(np.diag(sample_cov))
    residual = (sample_cov - implied) / np.outer(sd, sd)
    lower = residual[np.tril_indices_from(residual)]
    return float(np.sqrt(np.mean(lower**2)))


def loglik(sample_cov: np.ndarray, sigma: np.ndarray, n: int) -> float:
    p = sample_cov.shape[0]
    logdet = float(np.linalg.slogdet(sigma)[1])
    trace = float(np.trace(np.linalg.solve(sigma, sample_cov)))
    return -n / 2.0 * (p * math.log(2 * math.pi) + logdet + trace)


def two_sided_p(estimate: float, se: float) -> float:
    if not (np.isfinite(se) and se > 0):
        return math.nan
    return float(2 * special.ndtr(-abs(estimate / se)))
