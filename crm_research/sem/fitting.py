"""One fitted model: estimation with a start retry, standard errors, fit measures, the
standardized solution and the parameter table, as lavaan 0.6 computes them.

Shared by `crm_research.sem.sem` (one group) and `crm_research.sem.invariance` (several).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special, stats

from crm_research.errors import (
    InputError,
    NotIdentifiedError,
    SingularMatrixError,
    ZeroVarianceError,
)
from crm_research.sem import engine
from crm_research.sem.engine import CompiledModel, Moments
from crm_research.sem.indices import (
    cfi,
    duplication,
    numerical_hessian,
    rmsea,
    rmsea_ci,
    tli,
    two_sided_p,
)
from crm_research.sem.partable import Parameter
from crm_research.sem.syntax import compile_expression, evaluate_expression

__all__ = [
    "ModelFit",
    "fit_model",
    "group_moments",
    "parameter_table",
    "standardized",
    "defined_values",
]


@dataclass
class ModelFit:
    """Estimates, their covariance matrix and fit measures of one model."""

    model: CompiledModel
    moments: list[Moments]
    theta: np.ndarray
    fmin: float  # F = Σ (n_g/N) F_g  (χ² = N·F)
    converged: bool
    iterations: int
    vcov: np.ndarray
    fit: dict[str, float]
    chisq_by_group: list[float]
    srmr_by_group: list[float]
    warnings: list[str]


def group_moments(values: np.ndarray, names: Sequence[str], label: str = "") -> Moments:
    """Sample moments (divisor N) of one group's complete rows, checked for use in ML."""
    n = len(values)
    where = f" in group {label!r}" if label else ""
    if n < 2:
        raise InputError(f"Only {n} complete row(s){where}; the model needs more respondents.")
    mean = values.mean(axis=0)
    centred = values - mean
    cov = centred.T @ centred / n
    constant = [v for v, s in zip(names, np.diag(cov), strict=True) if s <= 0]
    if constant:
        raise ZeroVarianceError(
            f"Variable(s) {constant} have zero variance in the complete rows{where}.", constant
        )
    scaled = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    if np.linalg.eigvalsh(scaled)[0] <= 1e-12:
        raise SingularMatrixError(
            f"The sample covariance matrix of {list(names)}{where} is not positive definite "
            "(a variable is a linear combination of others, or there are too few rows); "
            "drop the redundant variable."
        )
    return Moments(cov=cov, mean=mean, n=n, data=values)


def _simple_start(model: CompiledModel, moments: Sequence[Moments]) -> np.ndarray:
    """lavaan's ``start = "simple"``: loadings 1, latent variances 0.05, the rest as usual."""
    theta = engine.start_values(model, moments)
    for q in model.parameters:
        if q.free < 0:
            continue
        if q.op == "=~":
            theta[q.free] = 1.0
        elif q.op == "~~" and q.lhs == q.rhs and q.lhs in model.latent:
            theta[q.free] = 0.05
    return theta


def estimate(
    model: CompiledModel, moments: Sequence[Moments], **options: object
) -> engine.BatchFit:
    """Fit from lavaan-like starts; if that does not converge, also from the simple start.

    ``options`` go to `engine.fit_batch` (``max_iterations``, ``gradient_tolerance``).
    """
    first = engine.fit_batch(
        model, [[m] for m in moments], engine.start_values(model, moments)[None], **options
    )
    if first.converged[0]:
        return first
    second = engine.fit_batch(
        model, [[m] for m in moments], _simple_start(model, moments)[None], **options
    )
    best = min((first, second), key=lambda f: (not f.converged[0], f.fmin[0]))
    best.iterations = first.iterations + second.iterations
    return best


def states(model: CompiledModel, theta: np.ndarray, moments: Sequence[Moments]) -> list:
    return [
        engine.implied(model, g, theta[None], m.cov[None], m.mean[None])
        for g, m in enumerate(moments)
    ]


def information(model: CompiledModel, theta: np.ndarray, moments: Sequence[Moments]) -> np.ndarray:
    """Expected (unit) information Σ_g (n_g/N) ½ E[∂²F_g] — lavaan's ``information="expected"``."""
    n = sum(m.n for m in moments)
    info = np.zeros((model.n_free, model.n_free))
    for g, state in enumerate(states(model, theta, moments)):
        info += moments[g].n / n * engine.expected_hessian(model, g, state)[0] / 2.0
    return info


def case_scores(model: CompiledModel, theta: np.ndarray, moments: Sequence[Moments]) -> np.ndarray:
    """Case-wise scores ∂ℓ_i/∂θ (rows: cases of all groups stacked)."""
    out = []
    for g, state in enumerate(states(model, theta, moments)):
        dsig, dmu = engine.jacobian(model, g, state)
        inv = np.linalg.inv(state.sigma[0])
        data = moments[g].data
        centre = state.mu[0] if model.meanstructure else moments[g].mean
        d = (data - centre) @ inv
        outer = d[:, :, None] * d[:, None, :] - inv
        p = model.p
        s = 0.5 * outer.reshape(len(d), p * p) @ dsig[0].reshape(model.n_free, p * p).T
        if model.meanstructure:
            s = s + d @ dmu[0].T
        out.append(s)
    return np.vstack(out)


def _h1_trace(moments: Moments, meanstructure: bool) -> float:
    """tr(A₁⁻¹B₁) of the unrestricted model (with the mean block when means are modelled)."""
    data, cov = moments.data, moments.cov
    p = cov.shape[0]
    inv = np.linalg.inv(cov)
    dup = duplication(p)
    d = (data - moments.mean) @ inv
    outer = d[:, :, None] * d[:, None, :] - inv
    scores = 0.5 * outer.reshape(len(d), p * p) @ dup
    a1 = 0.5 * dup.T @ np.kron(inv, inv) @ dup
    if meanstructure:
        scores = np.hstack([d, scores])
        k = p + dup.shape[1]
        full = np.zeros((k, k))
        full[:p, :p] = inv
        full[p:, p:] = a1
        a1 = full
    b1 = scores.T @ scores / len(d)
    return float(np.trace(np.linalg.solve(a1, b1)))


def _observed_information(model, theta, moments) -> np.ndarray:
    n = sum(m.n for m in moments)
    weights = np.array([[m.n / n] for m in moments])
    sets = [(m.cov[None], m.mean[None]) for m in moments]

    def grad(t: np.ndarray) -> np.ndarray:
        return engine.total_gradient(model, t[None], sets, weights)[0] / 2.0

    return numerical_hessian(grad, theta)


def _srmr_group(model: CompiledModel, state, mom: Moments) -> float:
    """lavaan's srmr (Bentler) of one group: covariance residuals over sqrt(s_ii s_jj) and,
    with a meanstructure, mean residuals over sqrt(s_ii)."""
    sd = np.sqrt(np.diag(mom.cov))
    residual = (mom.cov - state.sigma[0]) / np.outer(sd, sd)
    values = list(residual[np.tril_indices_from(residual)])
    if model.meanstructure:
        values += list((mom.mean - state.mu[0]) / sd)
    return float(np.sqrt(np.mean(np.square(values))))


def _loglik(model: CompiledModel, sigma: np.ndarray, mu: np.ndarray, mom: Moments) -> float:
    p = model.p
    sign, logdet = np.linalg.slogdet(sigma)
    inv = np.linalg.inv(sigma)
    value = p * math.log(2 * math.pi) + logdet + float(np.sum(mom.cov * inv))
    d = mom.mean - mu
    value += float(d @ inv @ d)
    return -mom.n / 2.0 * value


def fit_model(model: CompiledModel, moments: list[Moments], *, estimator: str = "ML") -> ModelFit:
    """Estimate ``model`` on the groups' moments and compute lavaan's fit measures and SEs."""
    engine.check_identified(model)
    est = estimate(model, moments)
    theta = est.theta[0]
    n_total = sum(m.n for m in moments)
    sts = states(model, theta, moments)
    warnings: list[str] = []
    if not est.converged[0]:
        warnings.append(
            f"The estimation did not converge after {est.iterations} iterations; the numbers "
            "are from the last iteration and should not be trusted."
        )
    chisq_by_group = []
    for g, mom in enumerate(moments):
        f_g = engine.discrepancy(
            sts[g],
            mom.cov[None],
            mom.mean[None],
            np.array([np.linalg.slogdet(mom.cov)[1]]),
            model.meanstructure,
        )[0]
        chisq_by_group.append(mom.n * float(f_g))
    chisq = float(sum(chisq_by_group))
    df = model.n_moments() - model.n_free
    n_groups = len(moments)
    # baseline (independence) model: free variances and means of non-exogenous variables,
    # exogenous covariates' block as sampled
    idx_x = [model.observed.index(v) for v in model.exogenous_x]
    idx_y = [k for k in range(model.p) if k not in idx_x]
    base_chisq = 0.0
    for mom in moments:
        logdet_b = float(np.sum(np.log(np.diag(mom.cov)[idx_y])))
        if idx_x:
            logdet_b += float(np.linalg.slogdet(mom.cov[np.ix_(idx_x, idx_x)])[1])
        base_chisq += mom.n * (logdet_b - float(np.linalg.slogdet(mom.cov)[1]))
    base_npar = n_groups * (len(idx_y) * (2 if model.meanstructure else 1))
    base_df = model.n_moments() - base_npar
    logl = sum(
        _loglik(model, sts[g].sigma[0], sts[g].mu[0] if model.meanstructure else m.mean, m)
        for g, m in enumerate(moments)
    )
    unrestricted = sum(_loglik(model, m.cov, m.mean, m) for m in moments)
    if idx_x:  # lavaan (fixed.x): the log-likelihood of y given x, the x margin taken out
        for m in moments:
            s_xx = m.cov[np.ix_(idx_x, idx_x)]
            margin = (
                -m.n
                / 2.0
                * (len(idx_x) * math.log(2 * math.pi) + np.linalg.slogdet(s_xx)[1] + len(idx_x))
            )
            logl -= margin
            unrestricted -= margin
    npar = model.n_free
    lower, upper = rmsea_ci(chisq, df, n_total)
    root_g = math.sqrt(n_groups)  # lavaan: multigroup RMSEA times sqrt(G)
    srmr_by_group = [_srmr_group(model, sts[g], m) for g, m in enumerate(moments)]
    fit: dict[str, float] = {
        "chisq": chisq,
        "df": df,
        "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
        "cfi": cfi(chisq, df, base_chisq, base_df),
        "tli": tli(chisq, df, base_chisq, base_df),
        "rmsea": rmsea(chisq, df, n_total) * root_g,
        "rmsea_ci_lower": lower * root_g,
        "rmsea_ci_upper": upper * root_g,
        "srmr": float(sum(m.n / n_total * s for m, s in zip(moments, srmr_by_group, strict=True))),
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n_total),
        "baseline_chisq": base_chisq,
        "baseline_df": base_df,
        "npar": npar,
        "n": n_total,
        "logl": logl,
        "unrestricted_logl": unrestricted,
        "fmin": est.fmin[0] / 2.0,
    }
    _check_information(model, information(model, theta, moments))
    try:
        if estimator == "MLR":
            bread = np.linalg.inv(_observed_information(model, theta, moments))
            scores = case_scores(model, theta, moments)
            meat = scores.T @ scores / n_total
            vcov = bread @ meat @ bread / n_total
            fit.update(_robust(model, theta, moments, fit, bread, meat))
        else:
            info = information(model, theta, moments)
            if np.linalg.eigvalsh(info)[0] <= 1e-10 * max(1.0, np.abs(info).max()):
                raise np.linalg.LinAlgError
            vcov = np.linalg.inv(info) / n_total
        if np.linalg.eigvalsh((vcov + vcov.T) / 2)[0] <= 0:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        vcov = np.full((npar, npar), math.nan)
        warnings.append(
            "The information matrix is singular, so the model may not be identified; "
            "standard errors are not available."
        )
    return ModelFit(
        model=model,
        moments=moments,
        theta=theta,
        fmin=float(est.fmin[0]),
        converged=bool(est.converged[0]),
        iterations=est.iterations,
        vcov=vcov,
        fit=fit,
        chisq_by_group=chisq_by_group,
        srmr_by_group=srmr_by_group,
        warnings=warnings,
    )


# The expected information is treated as singular (the model not identified) when its
# smallest eigenvalue is below this fraction of its largest (lavaan warns at a similar
# relative size when it cannot invert the information matrix).
SINGULAR_INFORMATION = 1e-12


def _check_information(model: CompiledModel, info: np.ndarray) -> None:
    """Refuse a model whose parameters are not identified (singular expected information),
    naming the parameters the null direction involves."""
    if not info.size:
        return
    values, vectors = np.linalg.eigh(info)
    if values[0] > SINGULAR_INFORMATION * max(values[-1], 1e-300):
        return
    direction = np.abs(vectors[:, 0])
    involved = np.flatnonzero(direction > 0.1 * direction.max())
    names = []
    for k in involved:
        q = next(p for p in model.parameters if p.free == k)
        names.append(f"{q.lhs} {q.op} {q.rhs}".strip())
    raise NotIdentifiedError(
        f"The model is not identified: parameters {names} can change together without "
        "changing the fit; fix one of them (e.g. a marker loading 1*x or a variance 1*f)."
    )


def _robust(model, theta, moments, fit, bread, meat) -> dict[str, float]:
    """Yuan–Bentler (Mplus variant) scaled χ², robust CFI/TLI/RMSEA, as lavaan's MLR."""
    chisq, df = fit["chisq"], int(fit["df"])
    n = int(fit["n"])
    if df <= 0:
        return {
            "chisq_scaled": chisq,
            "pvalue_scaled": math.nan,
            "scaling_factor": math.nan,
            "cfi_robust": 1.0,
            "tli_robust": 1.0,
            "rmsea_robust": 0.0,
        }
    mom = moments[0]
    trace_h1 = _h1_trace(mom, model.meanstructure)
    if model.exogenous_x:  # fixed.x: the x moments count as (saturated) free parameters
        model_x, theta_x = _exogenous_freed(model, theta, mom)
        trace_h0 = _h0_trace(model_x, theta_x, moments)
    else:
        trace_h0 = float(np.sum(meat * bread))
    scaling = (trace_h1 - trace_h0) / df
    # independence model: free variances (the x block free too) and, with means, free means
    base_model, base_theta = _independence(model, mom)
    base_trace_h0 = _h0_trace(base_model, base_theta, moments)
    base_df = int(fit["baseline_df"])
    base_scaling = (trace_h1 - base_trace_h0) / base_df
    base_chisq = fit["baseline_chisq"]
    chisq_scaled = chisq / scaling
    lower, upper = rmsea_ci(chisq_scaled, df, n, c_hat=scaling)
    return {
        "chisq_scaled": chisq_scaled,
        "pvalue_scaled": float(stats.chi2.sf(chisq_scaled, df)),
        "scaling_factor": scaling,
        "baseline_chisq_scaled": base_chisq / base_scaling,
        "baseline_scaling_factor": base_scaling,
        "cfi_robust": cfi(chisq, df, base_chisq, base_df, scaling, base_scaling),
        "tli_robust": tli(chisq, df, base_chisq, base_df, scaling, base_scaling),
        "rmsea_robust": rmsea(chisq, df, n, c_hat=scaling),
        "rmsea_ci_lower_robust": lower,
        "rmsea_ci_upper_robust": upper,
    }


def _h0_trace(model: CompiledModel, theta: np.ndarray, moments) -> float:
    """tr(E⁻¹B₀): observed information E and the mean outer product of case-wise scores."""
    bread = np.linalg.inv(_observed_information(model, theta, moments))
    scores = case_scores(model, theta, moments)
    return float(np.sum(scores.T @ scores / len(scores) * bread))


def _exogenous_freed(model: CompiledModel, theta: np.ndarray, mom: Moments):
    """The model with its fixed.x entries turned into free parameters (at their values)."""
    params, extra = [], []
    for q in model.parameters:
        q = replace(q)
        if q.exo:
            extra.append(mom.cov[q.row, q.col] if q.kind == "S" else mom.mean[q.row])
            q.free, q.exo = model.n_free + len(extra) - 1, False
        params.append(q)
    freed = replace(model, parameters=params, n_free=model.n_free + len(extra))
    freed.__dict__.pop("_arrays", None)
    freed.__dict__.pop("_row_index", None)
    return freed, np.concatenate([theta, extra])


def _independence(model: CompiledModel, mom: Moments):
    """lavaan's baseline as a model: free variances (and the exogenous block), free means."""
    x = [model.observed.index(v) for v in model.exogenous_x]
    params, values = [], []
    for k, v in enumerate(model.observed):
        if k not in x:
            params.append(Parameter(v, "~~", v, 0, free=len(values), kind="S", row=k, col=k))
            values.append(mom.cov[k, k])
    for a, i in enumerate(x):
        for j in x[a:]:
            lhs, rhs = model.observed[i], model.observed[j]
            params.append(Parameter(lhs, "~~", rhs, 0, free=len(values), kind="S", row=i, col=j))
            values.append(mom.cov[i, j])
    if model.meanstructure:
        for k, v in enumerate(model.observed):
            params.append(Parameter(v, "~1", "", 0, free=len(values), kind="M", row=k))
            values.append(mom.mean[k])
    base = CompiledModel(
        observed=list(model.observed),
        latent=[],
        exogenous_x=[],
        groups=[""],
        meanstructure=model.meanstructure,
        parameters=params,
        n_free=len(values),
    )
    return base, np.asarray(values, dtype=float)


# --------------------------------------------------------------------------------------------
# Standardized solution, defined parameters, the parameter table
# --------------------------------------------------------------------------------------------
def standardized(model: CompiledModel, theta: np.ndarray, moments: Sequence[Moments]) -> np.ndarray:
    """lavaan's std.all for every parameter row, batched over θ (shape (b, rows)).

    Loadings and regressions scale by sd(from)/sd(to) with model-implied total standard
    deviations; variances divide by the total variance; covariances divide by the square
    roots of the two (residual) variances (``cov.std = TRUE``); intercepts and means divide
    by the total standard deviation.
    """
    b = theta.shape[0]
    out = np.full((b, len(model.parameters)), math.nan)
    for g, index in _row_index(model).items():
        mom = moments[g]
        state = engine.implied(model, g, theta, mom.cov[None], mom.mean[None])
        total = np.einsum("bii->bi", state.omega)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(total)
            rows, r, c = index["A"]
            out[:, rows] = state.A[:, r, c] * sd[:, c] / sd[:, r]
            rows, r, c = index["Sd"]
            out[:, rows] = state.S[:, r, r] / total[:, r]
            rows, r, c = index["So"]
            out[:, rows] = state.S[:, r, c] / np.sqrt(state.S[:, r, r] * state.S[:, c, c])
            rows, r, c = index["M"]
            out[:, rows] = state.M[:, r] / sd[:, r]
    return out


def _row_index(model: CompiledModel) -> dict[int, dict[str, tuple[np.ndarray, ...]]]:
    """Per group and kind (A, S diagonal, S off-diagonal, M): table rows, matrix rows, cols."""
    cache = model.__dict__.setdefault("_row_index", {})
    if not cache:
        for g in range(len(model.groups)):
            parts: dict[str, list[tuple[int, int, int]]] = {"A": [], "Sd": [], "So": [], "M": []}
            for i, q in enumerate(model.parameters):
                if q.group != g:
                    continue
                kind = q.kind if q.kind != "S" else ("Sd" if q.row == q.col else "So")
                parts[kind].append((i, q.row, q.col))
            cache[g] = {
                k: tuple(np.array(x, dtype=int).reshape(-1) for x in zip(*v, strict=True))
                if v
                else (np.zeros(0, int),) * 3
                for k, v in parts.items()
            }
    return cache


def raw_values(model: CompiledModel, theta: np.ndarray, moments: Sequence[Moments]) -> np.ndarray:
    """Every parameter row's value (free from θ, fixed as given, exogenous from the data)."""
    b = theta.shape[0]
    out = np.zeros((b, len(model.parameters)))
    for i, q in enumerate(model.parameters):
        if q.free >= 0:
            out[:, i] = theta[:, q.free]
        elif q.exo:
            mom = moments[q.group]
            out[:, i] = mom.cov[q.row, q.col] if q.kind == "S" else mom.mean[q.row]
        else:
            out[:, i] = q.value
    return out


def _label_rows(model: CompiledModel) -> dict[str, int]:
    rows: dict[str, int] = {}
    for i, q in enumerate(model.parameters):
        if q.label and q.label not in rows:
            rows[q.label] = i
    return rows


def defined_values(model: CompiledModel, values: np.ndarray) -> np.ndarray:
    """The ``:=`` parameters evaluated on parameter-row values (shape (b, rows)) -> (b, d)."""
    rows = _label_rows(model)
    out = np.zeros((values.shape[0], len(model.definitions)), dtype=values.dtype)
    env: dict[str, np.ndarray] = {label: values[:, i] for label, i in rows.items()}
    for k, (name, text, line) in enumerate(model.definitions):
        tree, names = compile_expression(text, where=f"line {line}")
        unknown = [n for n in names if n not in env]
        if unknown:
            raise InputError(
                f"Defined parameter {name!r} on line {line} uses {unknown}, which label no "
                "parameter of the model."
            )
        out[:, k] = np.broadcast_to(evaluate_expression(tree, env), (values.shape[0],))
        env[name] = out[:, k]
    return out


def defined_jacobian(model: CompiledModel, theta: np.ndarray, moments) -> np.ndarray:
    """∂(defined)/∂θ by the complex step (exact to rounding), shape (d, q)."""
    q = model.n_free
    h = 1e-30
    base = raw_values(model, theta[None], moments)[0]
    jac = np.zeros((len(model.definitions), q))
    for k in range(q):
        vals = base.astype(complex)
        for i, par in enumerate(model.parameters):
            if par.free == k:
                vals[i] += 1j * h
        jac[:, k] = defined_values(model, vals[None])[0].imag / h
    return jac


def numeric_jacobian(function, theta: np.ndarray) -> np.ndarray:
    """Central differences of a batched function of θ (one call for all 2q points)."""
    q = theta.size
    steps = 1e-6 * np.maximum(1.0, np.abs(theta))
    points = np.vstack([theta + np.diag(steps), theta - np.diag(steps)])
    values = function(points)
    return ((values[:q] - values[q:]) / (2 * steps[:, None])).T


def parameter_table(fit: ModelFit, ci: float = 0.95) -> pd.DataFrame:
    """lavaan's ``parameterEstimates`` joined with ``standardizedSolution`` (std.all)."""
    model, theta, moments = fit.model, fit.theta, fit.moments
    values = raw_values(model, theta[None], moments)[0]
    se_free = np.sqrt(np.clip(np.diag(fit.vcov), 0, None))
    se = np.array([se_free[q.free] if q.free >= 0 else math.nan for q in model.parameters])
    std = standardized(model, theta[None], moments)[0]
    std_jac = numeric_jacobian(lambda t: standardized(model, t, moments), theta)
    std_se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", std_jac, fit.vcov, std_jac), 0, None))
    z_crit = stats.norm.ppf(0.5 + ci / 2)
    free = np.array([q.free >= 0 for q in model.parameters])
    se = np.where(free, se, math.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(free & (se > 0), values / se, math.nan)
    table = pd.DataFrame(
        {
            "lhs": [q.lhs for q in model.parameters],
            "op": [q.op for q in model.parameters],
            "rhs": [q.rhs for q in model.parameters],
            "group": [q.group + 1 for q in model.parameters],
            "label": [q.label for q in model.parameters],
            "est": values,
            "se": se,
            "z": z,
            "pvalue": 2 * special.ndtr(-np.abs(z)),
            "ci_low": np.where(free, values - z_crit * se, values),
            "ci_high": np.where(free, values + z_crit * se, values),
            "std_all": std,
            "std_se": std_se,
            "free": free,
        }
    )
    if model.definitions:
        d_est = defined_values(model, values[None])[0]
        jac = defined_jacobian(model, theta, moments)
        d_se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, fit.vcov, jac), 0, None))
        d_std = defined_values(model, std[None])[0]
        std_values_jac = numeric_jacobian(
            lambda t: defined_values(model, standardized(model, t, moments)), theta
        )
        d_std_se = np.sqrt(
            np.clip(np.einsum("ij,jk,ik->i", std_values_jac, fit.vcov, std_values_jac), 0, None)
        )
        extra = []
        for k, (name, text, _) in enumerate(model.definitions):
            extra.append(
                {
                    "lhs": name,
                    "op": ":=",
                    "rhs": text.replace(" ", ""),
                    "group": 0,
                    "label": name,
                    "est": d_est[k],
                    "se": d_se[k],
                    "z": d_est[k] / d_se[k] if d_se[k] > 0 else math.nan,
                    "pvalue": two_sided_p(d_est[k], d_se[k]),
                    "ci_low": d_est[k] - z_crit * d_se[k],
                    "ci_high": d_est[k] + z_crit * d_se[k],
                    "std_all": d_std[k],
                    "std_se": d_std_se[k],
                    "free": True,
                }
            )
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    return table


def r_squared(model: CompiledModel, theta: np.ndarray, moments, group: int = 0) -> dict[str, float]:
    """R² = 1 − residual variance / total variance of every variable with an incoming arrow."""
    mom = moments[group]
    state = engine.implied(model, group, theta[None], mom.cov[None], mom.mean[None])
    total = np.diag(state.omega[0])
    names = model.observed + model.latent
    targets = list(
        dict.fromkeys(names[q.row] for q in model.parameters if q.group == group and q.kind == "A")
    )
    return {
        v: float(1 - state.S[0, names.index(v), names.index(v)] / total[names.index(v)])
        for v in targets
    }


def heywood_warnings(model: CompiledModel, table: pd.DataFrame) -> list[str]:
    """lavaan-style warnings: negative variances, non-positive-definite latent covariances."""
    out = []
    variances = table[(table["op"] == "~~") & (table["lhs"] == table["rhs"])]
    negative_ov = variances[variances["lhs"].isin(model.observed) & (variances["est"] < 0)]
    negative_lv = variances[variances["lhs"].isin(model.latent) & (variances["est"] < 0)]
    if len(negative_ov):
        out.append(
            f"Some estimated observed-variable residual variances are negative "
            f"({sorted(set(negative_ov['lhs']))}): a Heywood case (improper solution)."
        )
    if len(negative_lv):
        out.append(
            f"Some estimated latent variances are negative ({sorted(set(negative_lv['lhs']))}): "
            "a Heywood case; the model is misspecified or the sample too small."
        )
    return out
