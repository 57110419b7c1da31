"""Confirmatory factor analysis with lavaan's definitions (stage 4, psychometrics).

`cfa` fits a measurement model (each factor measured by a list of items) by normal-theory
maximum likelihood exactly as R ``lavaan::cfa()`` does with its defaults, and reports the fit
measures, standardized loadings, factor correlations and the validity tables that theses copy
(composite reliability, AVE, HTMT, the Fornell–Larcker table).

Conventions (all checked against lavaan 0.6-14 / semTools 0.5-6 in ``tests/test_sem.py``):

- identification by a marker variable (first loading of each factor fixed to 1) unless
  ``std_lv=True`` (factor variances fixed to 1); factor covariances free; residual variances
  free and *unbounded* (so a Heywood case shows up as a negative variance, as in lavaan);
- the sample covariance matrix ``S`` divides by N; the fit function is
  ``F = log|Σ| + tr(SΣ⁻¹) − log|S| − p``; ``chisq = N·F_min`` (lavaan's ``2·N·fmin``);
- RMSEA uses N; its 90 % CI inverts the non-central χ² distribution; SRMR is Bentler's
  (residual covariances divided by the sample standard deviations); CFI/TLI use the
  independence (diagonal) baseline; AIC/BIC use the full normal log-likelihood;
- ``estimator="MLR"``: the Yuan–Bentler (Mplus variant) scaled χ² with observed information
  (Hessian) in the bread and case-wise scores of the structured h1 model in the meat, the
  robust CFI/TLI of Brosseau-Liard & Savalei (2014) and the robust RMSEA of Brosseau-Liard,
  Savalei & Li (2012), as ``lavaan`` reports ``*.robust``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from crm_research._blas import single_blas_thread
from crm_research.errors import (
    InputError,
    NotIdentifiedError,
    SingularMatrixError,
    ZeroVarianceError,
)
from crm_research.sem import engine, partable
from crm_research.sem.data import numeric_items, unique_items
from crm_research.sem.engine import matrices as engine_matrices
from crm_research.sem.fitting import estimate as estimate_model
from crm_research.sem.indices import (
    cfi,
    h1_trace,
    loglik,
    numerical_hessian,
    rmsea,
    rmsea_ci,
    srmr_bentler,
    tli,
    two_sided_p,
)
from crm_research.sem.measurement import parse_measurement_model
from crm_research.sem.partable import Moments
from crm_research.sem.results import CFAResult
from crm_research.sem.syntax import parse_model
from crm_research.sem.validity import htmt_from_correlation

__all__ = [
    "cfa",
    "parse_measurement_model",
]

# Convergence of the shared engine's iterations (largest absolute gradient element of F,
# iteration cap), the same as `sem` uses; set here so that a test can force non-convergence.
_GRADIENT_TOLERANCE = engine.GRADIENT_TOLERANCE
_MAX_ITERATIONS = engine.MAX_ITERATIONS
# Eigenvalues of the latent covariance matrix below this count as "not positive definite"
# (lavaan checks the sign of the smallest eigenvalue).
_PD_TOLERANCE = 0.0

_ESTIMATORS = ("ML", "MLR")


@dataclass(frozen=True)
class _Spec:
    """Free-parameter layout of Σ = ΛΦΛ' + Θ (Θ diagonal)."""

    n_items: int
    n_factors: int
    pattern: np.ndarray  # items x factors booleans: item loads on factor
    free_loadings: tuple[tuple[int, int], ...]
    fixed_loadings: tuple[tuple[int, int], ...]  # fixed to 1 (markers)
    free_phi: tuple[tuple[int, int], ...]  # (f, g) with f >= g
    fixed_phi_diag: bool  # std_lv: factor variances fixed to 1
    #: items whose residual variance is fixed at 0: the single indicator of a factor
    #: (lavaan's ``auto.fix.single = TRUE``)
    fixed_psi: tuple[int, ...] = ()

    @property
    def free_psi(self) -> np.ndarray:
        """Indices of the items whose residual variance is estimated."""
        return np.array([j for j in range(self.n_items) if j not in self.fixed_psi], dtype=int)

    @property
    def n_free(self) -> int:
        return len(self.free_loadings) + len(self.free_phi) + len(self.free_psi)

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lam = np.zeros((self.n_items, self.n_factors))
        for j, f in self.fixed_loadings:
            lam[j, f] = 1.0
        k = 0
        for j, f in self.free_loadings:
            lam[j, f] = theta[k]
            k += 1
        phi = np.eye(self.n_factors) if self.fixed_phi_diag else np.zeros((self.n_factors,) * 2)
        for f, g in self.free_phi:
            phi[f, g] = phi[g, f] = theta[k]
            k += 1
        psi = np.zeros(self.n_items)
        psi[self.free_psi] = theta[k : k + len(self.free_psi)]
        return lam, phi, psi

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        lam, phi, psi = self.unpack(theta)
        return lam @ phi @ lam.T + np.diag(psi)

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """∂vec(Σ)/∂θ' as a (p², q) matrix."""
        lam, phi, _ = self.unpack(theta)
        p = self.n_items
        lam_phi = lam @ phi
        columns = []
        eye = np.eye(p)
        for j, f in self.free_loadings:
            d = np.outer(eye[j], lam_phi[:, f])
            columns.append((d + d.T).ravel())
        for f, g in self.free_phi:
            d = np.outer(lam[:, f], lam[:, g])
            columns.append((d if f == g else d + d.T).ravel())
        for j in self.free_psi:
            columns.append(np.outer(eye[j], eye[j]).ravel())
        if not columns:
            return np.zeros((p * p, 0))
        return np.column_stack(columns)


def _build_spec(factors: dict[str, list[str]], items: list[str], std_lv: bool) -> _Spec:
    index = {item: j for j, item in enumerate(items)}
    n_factors = len(factors)
    pattern = np.zeros((len(items), n_factors), dtype=bool)
    free_loadings: list[tuple[int, int]] = []
    fixed_loadings: list[tuple[int, int]] = []
    for f, indicators in enumerate(factors.values()):
        for position, item in enumerate(indicators):
            pattern[index[item], f] = True
            if position == 0 and not std_lv:
                fixed_loadings.append((index[item], f))
            else:
                free_loadings.append((index[item], f))
    free_phi = [(f, g) for f in range(n_factors) for g in range(f + 1) if not (std_lv and f == g)]
    # lavaan auto.fix.single: the residual variance of a factor's only indicator is fixed at 0
    # (unless the item also indicates another factor)
    counts = {item: sum(item in members for members in factors.values()) for item in items}
    fixed_psi = tuple(
        index[members[0]]
        for members in factors.values()
        if len(members) == 1 and counts[members[0]] == 1
    )
    # lavaan orders free parameters loadings, residual variances, latent (co)variances; the
    # order here is internal only.
    return _Spec(
        n_items=len(items),
        n_factors=n_factors,
        pattern=pattern,
        free_loadings=tuple(free_loadings),
        fixed_loadings=tuple(fixed_loadings),
        free_phi=tuple(free_phi),
        fixed_phi_diag=std_lv,
        fixed_psi=fixed_psi,
    )


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------
def _gradient(spec: _Spec, theta: np.ndarray, sample_cov: np.ndarray) -> np.ndarray:
    sigma = spec.sigma(theta)
    inv = np.linalg.inv(sigma)
    weight = inv - inv @ sample_cov @ inv
    return spec.jacobian(theta).T @ weight.ravel()


def _expected_hessian(spec: _Spec, theta: np.ndarray) -> np.ndarray:
    """E[∂²F/∂θ∂θ'] = Δ'(Σ⁻¹⊗Σ⁻¹)Δ (twice the unit expected information)."""
    inv = np.linalg.inv(spec.sigma(theta))
    p = spec.n_items
    derivatives = spec.jacobian(theta).T.reshape(-1, p, p)  # ∂Σ/∂θ_k, stacked
    weighted = inv @ derivatives @ inv  # (Σ⁻¹⊗Σ⁻¹) vec(∂Σ/∂θ_k) = vec(Σ⁻¹ ∂Σ/∂θ_k Σ⁻¹)
    return derivatives.reshape(len(derivatives), -1) @ weighted.reshape(len(weighted), -1).T


@dataclass(frozen=True)
class _Estimate:
    theta: np.ndarray
    fmin: float  # F (not F/2)
    converged: bool
    iterations: int


def _estimate_shared(
    spec: _Spec,
    factors: dict[str, list[str]],
    items: list[str],
    sample_cov: np.ndarray,
    n: int,
    std_lv: bool,
) -> _Estimate:
    """Estimate with the engine `sem` and `invariance` use, returned in this spec's order.

    The measurement model is written as lavaan syntax (``NA*`` markers and ``1*`` factor
    variances under ``std_lv``), fitted by `crm_research.sem.engine` (Fisher scoring with a
    Newton finish, lavaan's simple start as the fallback) and read back from its matrices.
    """
    alias = {item: f"v{j}" for j, item in enumerate(items)}  # any column name is allowed
    lines = []
    for f, members in enumerate(factors.values()):
        names = [alias[m] for m in members]
        terms = [f"NA*{names[0]}", *names[1:]] if std_lv else names
        lines.append(f"f{f} =~ " + " + ".join(terms))
        if std_lv:
            lines.append(f"f{f} ~~ 1*f{f}")
    model = partable.build_model(parse_model("\n".join(lines)))
    order = [model.observed.index(alias[item]) for item in items]
    cov = np.empty_like(sample_cov)
    cov[np.ix_(order, order)] = sample_cov
    moments = [Moments(cov=cov, mean=np.zeros(len(items)), n=n)]
    fit = estimate_model(
        model, moments, max_iterations=_MAX_ITERATIONS, gradient_tolerance=_GRADIENT_TOLERANCE
    )
    A, S, _ = engine_matrices(model, 0, fit.theta, cov[None], moments[0].mean[None])
    p = len(items)
    lv = [p + model.latent.index(f"f{f}") for f in range(len(factors))]
    theta = [A[0, order[j], lv[f]] for j, f in spec.free_loadings]
    theta += [S[0, lv[f], lv[g]] for f, g in spec.free_phi]
    theta += [S[0, order[j], order[j]] for j in spec.free_psi]
    return _Estimate(
        theta=np.asarray(theta, dtype=float),
        fmin=float(fit.fmin[0]),
        converged=bool(fit.converged[0]),
        iterations=fit.iterations,
    )


def _h0_trace(spec: _Spec, theta: np.ndarray, centred: np.ndarray, sample_cov: np.ndarray) -> float:
    """tr(E⁻¹B₀): observed (Hessian) information E and first-order information B₀ of the model."""
    information = numerical_hessian(lambda t: _gradient(spec, t, sample_cov) / 2.0, theta)
    first_order = _score_crossproduct(spec, theta, centred)
    return float(np.sum(first_order * np.linalg.inv(information)))


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------
def cfa(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]] | str,
    estimator: Literal["ML", "MLR"] = "ML",
    missing: Literal["listwise"] = "listwise",
    std_lv: bool = False,
) -> CFAResult:
    """Confirmatory factor analysis with the defaults and definitions of ``lavaan::cfa()``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents × items; numeric, already reverse-keyed. Columns not in the model are
        ignored.
    model : dict of str to list of str, or str
        ``{"factor": ["item", ...]}`` or lavaan syntax (``"visual =~ x1 + x2 + x3"``, one
        factor per line). The first item of each factor is its marker.
    estimator : {"ML", "MLR"}, default "ML"
        ``"ML"``: normal-theory maximum likelihood. ``"MLR"``: same estimates plus the
        Yuan–Bentler scaled χ² and robust CFI/TLI/RMSEA, as lavaan's ``estimator="MLR"``.
    missing : {"listwise"}, default "listwise"
        Rows with any missing value among the model's items are dropped.
    std_lv : bool, default False
        Identify factors by fixing their variances to 1 (all loadings free) instead of by
        marker variables. Fit and standardized results are the same either way.

    Returns
    -------
    CFAResult
        ``.fit`` (dict of fit measures), ``.loadings`` (standardized, tidy),
        ``.factor_correlations``, ``.composite_reliability``, ``.ave``, ``.htmt``,
        ``.fornell_larcker``, ``.warnings``; see `CFAResult`.

    Raises
    ------
    InputError
        Data not a DataFrame, items missing or non-numeric, a model with negative degrees of
        freedom, too few complete rows, or a singular sample covariance matrix (e.g. a
        constant item).  A factor with a single indicator is fitted as lavaan does
        (``auto.fix.single``: that item's residual variance is fixed at 0), with a warning.

    Notes
    -----
    Definitions (lavaan 0.6): S is the biased sample covariance (divisor N);
    ``chisq = N·F_min`` with ``F = log|Σ| + tr(SΣ⁻¹) − log|S| − p``;
    ``rmsea = sqrt(max(chisq − df, 0)/(df·N))`` with a 90 % CI from the non-central χ²;
    ``srmr`` is Bentler's SRMR on residual covariances scaled by the sample standard
    deviations; CFI and TLI use the independence model; ``logl`` is the full normal
    log-likelihood ``−N/2 (p log 2π + log|Σ| + tr(SΣ⁻¹))`` (means saturated), ``aic =
    −2 logl + 2 npar``, ``bic = −2 logl + npar log N``. Composite reliability and AVE
    follow ``semTools::compRelSEM``/``AVE``: ``(Σλ)²φ / 1'S1`` and ``Σλ²φ / tr(S)`` over a
    factor's items (``.validity`` also gives the standardized-loading forms). HTMT is
    semTools' default (geometric means of absolute correlations). Standard errors use the expected information (ML) or the
    Huber–White sandwich with observed information (MLR).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(2000, 1))
    >>> items = pd.DataFrame(0.8 * f + 0.6 * rng.normal(size=(2000, 4)), columns=list("abcd"))
    >>> result = cfa(items, "f =~ a + b + c + d")
    >>> result.fit["df"], round(float(result.loadings["loading"].mean()), 1)
    (2, 0.8)

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36.
    Bollen, K. A. (1989). Structural Equations with Latent Variables. Wiley.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30.
    Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
    nonnormality. Multivariate Behavioral Research, 49(5), 460-470.
    Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the sample
    performance of two nonnormality corrections for RMSEA. MBR, 47(6), 904-930.
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. J. Marketing Research, 18(1), 39-50.
    """
    with single_blas_thread():  # multi-threaded BLAS only slows these small matrices down
        return _fit_cfa(data, model, estimator, missing, std_lv)


def _fit_cfa(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]] | str,
    estimator: str,
    missing: str,
    std_lv: bool,
) -> CFAResult:
    estimator_name = str(estimator).upper()
    if estimator_name not in _ESTIMATORS:
        raise InputError(f"Estimator {estimator!r} is not supported; use 'ML' or 'MLR'.")
    if missing != "listwise":
        raise InputError(f"missing={missing!r} is not supported; only 'listwise' is available.")
    factors = parse_measurement_model(model)
    items = unique_items(factors)
    frame = numeric_items(data, items)
    complete = frame.dropna()
    n, p = len(complete), len(items)
    if n <= p:
        raise InputError(
            f"Only {n} complete row(s) for {p} items; the CFA needs more complete respondents "
            "than items."
        )
    values = complete.to_numpy(float)
    centred = values - values.mean(axis=0)
    sample_cov = centred.T @ centred / n
    constant = [item for item, v in zip(items, np.diag(sample_cov), strict=True) if v <= 0]
    if constant:
        raise ZeroVarianceError(
            f"Item column(s) {constant} have zero variance in the complete rows.", constant
        )
    if (
        np.linalg.eigvalsh(
            sample_cov / np.sqrt(np.outer(np.diag(sample_cov), np.diag(sample_cov)))
        )[0]
        <= 1e-12
    ):
        raise SingularMatrixError(
            f"The sample covariance matrix of items {items} is singular (an item is a linear "
            "combination of others); drop the redundant item."
        )
    spec = _build_spec(factors, items, std_lv)
    n_moments = p * (p + 1) // 2
    df = n_moments - spec.n_free
    if df < 0:
        raise NotIdentifiedError(
            f"The model has {spec.n_free} free parameters but only {n_moments} variances and "
            f"covariances (df = {df}); it is not identified — add indicators."
        )

    estimate = _estimate_shared(spec, factors, items, sample_cov, n, std_lv)
    theta = estimate.theta
    lam, phi, psi = spec.unpack(theta)
    implied = spec.sigma(theta)
    warnings: list[str] = []
    if not estimate.converged:
        warnings.append(
            f"The estimation did not converge after {estimate.iterations} iterations; "
            "the numbers below are from the last iteration and should not be trusted."
        )

    # ---- fit measures ------------------------------------------------------------------
    chisq = n * estimate.fmin
    baseline_chisq = n * float(
        np.sum(np.log(np.diag(sample_cov))) - np.linalg.slogdet(sample_cov)[1]
    )
    baseline_df = p * (p - 1) // 2
    logl = loglik(sample_cov, implied, n)
    unrestricted_logl = loglik(sample_cov, sample_cov, n)
    npar = spec.n_free
    rmsea_lower, rmsea_upper = rmsea_ci(chisq, df, n)
    fit: dict[str, float] = {
        "chisq": chisq,
        "df": df,
        "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
        "cfi": cfi(chisq, df, baseline_chisq, baseline_df),
        "tli": tli(chisq, df, baseline_chisq, baseline_df),
        "rmsea": rmsea(chisq, df, n),
        "rmsea_ci_lower": rmsea_lower,
        "rmsea_ci_upper": rmsea_upper,
        "srmr": srmr_bentler(sample_cov, implied),
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n),
        "baseline_chisq": baseline_chisq,
        "baseline_df": baseline_df,
        "npar": npar,
        "n": n,
        "logl": logl,
        "unrestricted_logl": unrestricted_logl,
        "fmin": estimate.fmin / 2.0,
    }

    # ---- standard errors -----------------------------------------------------------------
    observed_info = None
    try:
        if estimator_name == "MLR":
            observed_info = numerical_hessian(lambda t: _gradient(spec, t, sample_cov) / 2.0, theta)
            bread = np.linalg.inv(observed_info)
            meat = _score_crossproduct(spec, theta, centred)
            vcov = bread @ meat @ bread / n
        else:
            vcov = np.linalg.inv(_expected_hessian(spec, theta) / 2.0) / n
        if np.linalg.eigvalsh((vcov + vcov.T) / 2)[0] <= 0:
            raise np.linalg.LinAlgError
        se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    except np.linalg.LinAlgError:
        vcov = np.full((spec.n_free, spec.n_free), math.nan)
        se = np.full(spec.n_free, math.nan)
        warnings.append(
            "The information matrix is singular, so the model may not be identified; "
            "standard errors are not available."
        )

    if estimator_name == "MLR":
        fit.update(_robust_fit(spec, theta, centred, sample_cov, fit, n))

    # ---- standardized solution (lavaan std.all) with delta-method standard errors ----------
    m = spec.n_factors
    factor_pairs = [(f, g) for f in range(m) for g in range(f, m)]

    def standardized(t: np.ndarray) -> np.ndarray:
        lam_, phi_, psi_ = spec.unpack(t)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_lv = np.sqrt(np.abs(np.diag(phi_))) * np.sign(np.diag(phi_))
            sd_ov = np.sqrt(np.diag(lam_ @ phi_ @ lam_.T + np.diag(psi_)))
            std_loadings = lam_ * sd_lv[None, :] / sd_ov[:, None]
            std_phi = [phi_[f, g] / (sd_lv[f] * sd_lv[g]) for f, g in factor_pairs]
        return np.concatenate([std_loadings[spec.pattern], psi_ / sd_ov**2, std_phi])

    std = standardized(theta)
    steps = [1e-6 * max(1.0, abs(value)) for value in theta]
    jac = np.column_stack(
        [
            (standardized(theta + h * e) - standardized(theta - h * e)) / (2 * h)
            for e, h in zip(np.eye(spec.n_free), steps, strict=True)
        ]
    )
    std_se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    n_loadings = int(spec.pattern.sum())
    std_residual = std[n_loadings : n_loadings + p]

    factor_names = list(factors)
    index = {item: j for j, item in enumerate(items)}
    free_se = {}
    for k, (j, f) in enumerate(spec.free_loadings):
        free_se[("=~", j, f)] = se[k]
    for k, (f, g) in enumerate(spec.free_phi):
        free_se[("lv", min(f, g), max(f, g))] = se[len(spec.free_loadings) + k]
    offset = len(spec.free_loadings) + len(spec.free_phi)
    psi_se = np.full(p, math.nan)  # fixed residual variances (single indicators) have no SE
    psi_se[spec.free_psi] = se[offset:]
    std_pattern = np.full_like(lam, math.nan)
    std_pattern[spec.pattern] = std[:n_loadings]
    std_se_pattern = np.full_like(lam, math.nan)
    std_se_pattern[spec.pattern] = std_se[:n_loadings]

    parameter_rows = []
    for f, name in enumerate(factor_names):
        for item in factors[name]:
            j = index[item]
            parameter_rows.append(
                (name, "=~", item, lam[j, f], free_se.get(("=~", j, f), math.nan))
                + (std_pattern[j, f], std_se_pattern[j, f])
            )
    for j, item in enumerate(items):
        parameter_rows.append(
            (item, "~~", item, psi[j], psi_se[j], std_residual[j], std_se[n_loadings + j])
        )
    for k, (f, g) in enumerate(factor_pairs):
        parameter_rows.append(
            (factor_names[f], "~~", factor_names[g], phi[f, g])
            + (free_se.get(("lv", f, g), math.nan), std[n_loadings + p + k])
            + (std_se[n_loadings + p + k] if f != g else math.nan,)
        )
    parameters = pd.DataFrame(
        parameter_rows, columns=["lhs", "op", "rhs", "estimate", "se", "std_all", "std_se"]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        parameters.insert(5, "z", parameters["estimate"] / parameters["se"])
    parameters.insert(
        6,
        "pvalue",
        [two_sided_p(e, s) for e, s in zip(parameters["estimate"], parameters["se"], strict=True)],
    )

    is_loading = parameters["op"].eq("=~")
    loadings = (
        parameters.loc[
            is_loading, ["lhs", "rhs", "std_all", "std_se", "estimate", "se", "z", "pvalue"]
        ]
        .rename(
            columns={"lhs": "factor", "rhs": "item", "std_all": "loading", "std_se": "loading_se"}
        )
        .reset_index(drop=True)
    )
    residual_variances = pd.DataFrame(
        {"estimate": psi, "se": psi_se, "std_all": std_residual},
        index=pd.Index(items, name="item"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_lv = np.sqrt(np.diag(phi))
        correlations = phi / np.outer(sd_lv, sd_lv)
    factor_correlations = pd.DataFrame(correlations, index=factor_names, columns=factor_names)
    factor_covariances = pd.DataFrame(phi, index=factor_names, columns=factor_names)

    # ---- reliability and validity -----------------------------------------------------------
    # semTools 0.5-6 compRelSEM() and AVE() (obs.var = TRUE): common variance over the
    # observed variance of the sum (CR) or the sum of observed variances (AVE).
    # The Fornell–Larcker forms from the standardized solution are kept alongside.
    index_of = {item: j for j, item in enumerate(items)}
    validity_rows = []
    for f, name in enumerate(factor_names):
        rows = [index_of[item] for item in factors[name]]
        lam_f = lam[rows, f]
        common = lam_f.sum() ** 2 * phi[f, f]
        lam_std = std_pattern[rows, f]
        theta_std = std_residual[rows]
        row = {
            "factor": name,
            "cr": common / sample_cov[np.ix_(rows, rows)].sum(),
            "ave": float(np.sum(lam_f**2) * phi[f, f] / np.trace(sample_cov[np.ix_(rows, rows)])),
            "cr_standardized": lam_std.sum() ** 2 / (lam_std.sum() ** 2 + theta_std.sum()),
            "ave_standardized": float(np.mean(lam_std**2)),
        }
        if len(rows) == 1:  # semTools leaves single-indicator factors out of CR and AVE
            row.update(
                cr=math.nan, ave=math.nan, cr_standardized=math.nan, ave_standardized=math.nan
            )
        validity_rows.append(row)
    validity = pd.DataFrame(validity_rows).set_index("factor")
    with np.errstate(invalid="ignore"):
        validity["sqrt_ave"] = np.sqrt(validity["ave"])
    others = factor_correlations.abs().where(~np.eye(len(factor_names), dtype=bool))
    validity["max_factor_correlation"] = others.max(axis=1) if len(factor_names) > 1 else math.nan
    composite_reliability = validity["cr"].rename("composite_reliability")
    ave_series = validity["ave"].rename("ave")
    corr_items = np.corrcoef(values, rowvar=False)
    htmt_table = htmt_from_correlation(corr_items, factors, items, mean="geometric")
    fornell = factor_correlations.copy()
    for name in factor_names:
        fornell.loc[name, name] = math.sqrt(ave_series[name]) if ave_series[name] >= 0 else math.nan

    # ---- warnings ----------------------------------------------------------------------------
    warnings += _diagnose(spec, factors, items, factor_names, phi, psi, loadings)

    return CFAResult(
        model=factors,
        estimator=estimator_name,
        n=n,
        fit=fit,
        loadings=loadings,
        parameters=parameters,
        factor_correlations=factor_correlations,
        factor_covariances=factor_covariances,
        residual_variances=residual_variances,
        composite_reliability=composite_reliability,
        ave=ave_series,
        validity=validity,
        htmt=htmt_table,
        fornell_larcker=fornell,
        implied_covariance=pd.DataFrame(implied, index=items, columns=items),
        sample_covariance=pd.DataFrame(sample_cov, index=items, columns=items),
        converged=estimate.converged,
        iterations=estimate.iterations,
        warnings=tuple(warnings),
    )


def _score_crossproduct(spec: _Spec, theta: np.ndarray, centred: np.ndarray) -> np.ndarray:
    """Mean outer product of case-wise score vectors of the model parameters (the meat)."""
    p = spec.n_items
    inv = np.linalg.inv(spec.sigma(theta))
    transformed = centred @ inv
    outer = (transformed[:, :, None] * transformed[:, None, :]) - inv
    # ∂ℓ_i/∂θ = ½ vec(Σ⁻¹ d dᵀ Σ⁻¹ − Σ⁻¹)' ∂vec(Σ)/∂θ'
    scores = 0.5 * outer.reshape(len(centred), p * p) @ spec.jacobian(theta)
    return scores.T @ scores / len(centred)


def _robust_fit(
    spec: _Spec,
    theta: np.ndarray,
    centred: np.ndarray,
    sample_cov: np.ndarray,
    fit: dict[str, float],
    n: int,
) -> dict[str, float]:
    chisq, df = fit["chisq"], int(fit["df"])
    base_chisq, base_df = fit["baseline_chisq"], int(fit["baseline_df"])
    p = spec.n_items
    if df <= 0:  # lavaan: no correction for a saturated model
        return {
            "chisq_scaled": chisq,
            "pvalue_scaled": math.nan,
            "scaling_factor": math.nan,
            "cfi_robust": 1.0,
            "tli_robust": 1.0,
            "rmsea_robust": 0.0,
            "rmsea_ci_lower_robust": 0.0,
            "rmsea_ci_upper_robust": 0.0,
        }
    trace_h1 = h1_trace(centred, sample_cov)
    trace_h0 = _h0_trace(spec, theta, centred, sample_cov)
    scaling = (trace_h1 - trace_h0) / df
    # The independence model (diagonal Σ at diag(S)) is corrected the same way.
    baseline_spec = _Spec(
        n_items=p,
        n_factors=0,
        pattern=np.zeros((p, 0), dtype=bool),
        free_loadings=(),
        fixed_loadings=(),
        free_phi=(),
        fixed_phi_diag=False,
    )
    base_trace_h0 = _h0_trace(baseline_spec, np.diag(sample_cov).copy(), centred, sample_cov)
    base_scaling = (trace_h1 - base_trace_h0) / base_df
    chisq_scaled = chisq / scaling
    base_scaled = base_chisq / base_scaling
    # robust CFI / TLI: Brosseau-Liard & Savalei (2014); robust RMSEA: Brosseau-Liard,
    # Savalei & Li (2012) — lavaan's *.robust for complete data.
    cfi_robust = cfi(chisq, df, base_chisq, base_df, scaling, base_scaling)
    tli_robust = tli(chisq, df, base_chisq, base_df, scaling, base_scaling)
    rmsea_robust = rmsea(chisq, df, n, c_hat=scaling)
    robust_lower, robust_upper = rmsea_ci(chisq_scaled, df, n, c_hat=scaling)
    return {
        "chisq_scaled": chisq_scaled,
        "pvalue_scaled": float(stats.chi2.sf(chisq_scaled, df)),
        "scaling_factor": scaling,
        "baseline_chisq_scaled": base_scaled,
        "baseline_scaling_factor": base_scaling,
        "cfi_scaled": cfi(chisq_scaled, df, base_scaled, base_df),
        "tli_scaled": tli(chisq_scaled, df, base_scaled, base_df),
        "rmsea_scaled": rmsea(chisq_scaled, df, n),
        "cfi_robust": cfi_robust,
        "tli_robust": tli_robust,
        "rmsea_robust": rmsea_robust,
        "rmsea_ci_lower_robust": robust_lower,
        "rmsea_ci_upper_robust": robust_upper,
        "scaling_factor_h1": trace_h1 / (p * (p + 1) // 2),
        "scaling_factor_h0": trace_h0 / spec.n_free,
    }


def _diagnose(
    spec: _Spec,
    factors: dict[str, list[str]],
    items: list[str],
    factor_names: list[str],
    phi: np.ndarray,
    psi: np.ndarray,
    loadings: pd.DataFrame,
) -> list[str]:
    sentences: list[str] = []
    negative_lv = [name for name, v in zip(factor_names, np.diag(phi), strict=True) if v < 0]
    if negative_lv:
        sentences.append(
            f"Some estimated latent variances are negative ({negative_lv}): a Heywood case; "
            "the model is misspecified or the sample too small."
        )
    if len(factor_names) and np.linalg.eigvalsh(phi)[0] < _PD_TOLERANCE:
        with np.errstate(invalid="ignore"):
            sd = np.sqrt(np.abs(np.diag(phi)))
            corr = phi / np.outer(sd, sd)
        pairs = [
            f"{factor_names[a]}–{factor_names[b]} (r = {corr[a, b]:.3f})"
            for a in range(len(factor_names))
            for b in range(a)
            if abs(corr[a, b]) > 1
        ]
        detail = f"; factor correlations beyond ±1: {', '.join(pairs)}" if pairs else ""
        sentences.append(
            "The covariance matrix of the latent variables is not positive definite"
            f"{detail}; the factors are not empirically distinct."
        )
    negative_ov = [item for item, v in zip(items, psi, strict=True) if v < 0]
    if negative_ov:
        sentences.append(
            f"Some estimated residual variances are negative ({negative_ov}): a Heywood case "
            "(improper solution)."
        )
    beyond_one = loadings.loc[loadings["loading"].abs() > 1, ["factor", "item"]]
    if len(beyond_one):
        pairs = [f"{r.factor} =~ {r.item}" for r in beyond_one.itertuples()]
        sentences.append(
            f"Standardized loading(s) exceed 1 in absolute value ({', '.join(pairs)}): "
            "a Heywood case."
        )
    single = [name for name, its in factors.items() if len(its) == 1]
    if single:
        sentences.append(
            f"Factor(s) {single} have a single indicator: as lavaan does (auto.fix.single), "
            "that item's residual variance is fixed at 0, so the factor is the item itself, "
            "measured without error; composite reliability, AVE and HTMT are not defined for it."
        )
    two_indicator = [name for name, its in factors.items() if len(its) == 2]
    if two_indicator:
        sentences.append(
            f"Factor(s) {two_indicator} have only two indicators and are identified only "
            "through their covariances with other factors (Bollen 1989); treat their "
            "estimates with caution."
        )
    return sentences
