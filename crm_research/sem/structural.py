"""`sem`: structural equation models in lavaan syntax, with indirect effects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from crm_research._blas import single_blas_thread
from crm_research.errors import InputError
from crm_research.sem import engine, fitting, partable
from crm_research.sem.data import numeric_items
from crm_research.sem.results import CFI_MIN, RMSEA_MAX, SRMR_MAX, TLI_MIN
from crm_research.sem.syntax import parse_model

__all__ = ["SEMResult", "sem", "PARAMETER_COLUMNS"]

#: Columns of `SEMResult.parameters` (lavaan's parameterEstimates + std.all).
PARAMETER_COLUMNS = [
    "lhs",
    "op",
    "rhs",
    "label",
    "est",
    "se",
    "z",
    "pvalue",
    "std_all",
    "ci_low",
    "ci_high",
    "std_se",
]
_ESTIMATORS = ("ML", "MLR")
# Bootstrap samples are fitted to a looser gradient tolerance than the point estimate: a
# percentile interval does not move at 1e-7.
_BOOT_GRADIENT_TOLERANCE = 1e-7
_BOOT_FIT_TOLERANCE = 1e-10  # relative change of F (lavaan's nlminb rel.tol)
# ... or once the last step moved no parameter by more than this (relative to 1 + |θ|)
_BOOT_STEP_TOLERANCE = 1e-5
# ... and take Newton steps (finite-difference observed information) only after this many
# quasi-Newton iterations: almost every sample converges before (measured: all 1,000
# PoliticalDemocracy resamples within 25), and Newton steps cost 2q gradients per sample.
_BOOT_NEWTON_AFTER = 50


@dataclass(frozen=True)
class SEMResult:
    """A fitted structural equation model (lavaan definitions).

    Attributes
    ----------
    fit : dict
        chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, srmr, aic, bic,
        plus baseline_chisq, baseline_df, npar, n, logl, unrestricted_logl, fmin; with MLR
        also chisq_scaled, pvalue_scaled, scaling_factor, cfi_robust, tli_robust,
        rmsea_robust.
    parameters : pandas.DataFrame
        One row per parameter in lavaan's order, columns ``lhs, op, rhs, label, est, se, z,
        pvalue, std_all, ci_low, ci_high, std_se`` (fixed parameters: se, z, pvalue NaN;
        ``:=`` rows last).
    r2 : dict
        R² of every variable with an incoming arrow (indicators, outcomes, mediators).
    defined : pandas.DataFrame
        The ``:=`` rows (indirect and total effects): ``name, expression, est, se, z,
        pvalue, ci_low, ci_high, std_all``; delta-method SEs and normal intervals, or the
        bootstrap SD and percentile intervals with ``se="bootstrap"``.
    warnings : tuple of str
        Non-convergence, Heywood cases, a singular information matrix, failed bootstrap
        samples. The numbers are returned regardless.
    """

    model: str
    estimator: str
    se_type: str
    n: int
    fit: dict[str, float]
    parameters: pd.DataFrame
    r2: dict[str, float]
    defined: pd.DataFrame
    implied_covariance: pd.DataFrame
    sample_covariance: pd.DataFrame
    converged: bool
    iterations: int
    n_boot: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy of `parameters`)."""
        return self.parameters.copy()

    def fit_table(self) -> pd.DataFrame:
        """Fit measures with their cited cut-offs (Hu & Bentler 1999) and whether each is met."""
        rows = [
            ("chisq", None, None),
            ("df", None, None),
            ("pvalue", None, None),
            ("cfi", CFI_MIN, "min"),
            ("tli", TLI_MIN, "min"),
            ("rmsea", RMSEA_MAX, "max"),
            ("rmsea_ci_lower", None, None),
            ("rmsea_ci_upper", None, None),
            ("srmr", SRMR_MAX, "max"),
            ("aic", None, None),
            ("bic", None, None),
        ]
        records = []
        for name, cutoff, kind in rows:
            value = self.fit[name]
            met = None
            if cutoff is not None and np.isfinite(value):
                met = bool(value >= cutoff) if kind == "min" else bool(value <= cutoff)
            records.append({"measure": name, "value": value, "cutoff": cutoff, "met": met})
        return pd.DataFrame(records)

    def summary(self) -> str:
        """A lavaan-like text summary (returned, not printed)."""
        f = self.fit
        lines = [
            f"SEM ({self.estimator}, se = {self.se_type}), N = {self.n}, "
            f"{int(f['npar'])} free parameters" + ("" if self.converged else " — DID NOT CONVERGE"),
            f"  chi-square = {f['chisq']:.3f}, df = {int(f['df'])}, p = {f['pvalue']:.4g}",
            f"  CFI = {f['cfi']:.3f}, TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f} "
            f"[{f['rmsea_ci_lower']:.3f}, {f['rmsea_ci_upper']:.3f}], SRMR = {f['srmr']:.3f}",
            f"  AIC = {f['aic']:.2f}, BIC = {f['bic']:.2f}",
            "Parameters (est, se, std.all):",
        ]
        for r in self.parameters.itertuples():
            lines.append(
                f"  {r.lhs:>10} {r.op:<2} {r.rhs:<12} {r.est:9.3f} {r.se:8.3f} {r.std_all:7.3f}"
            )
        if self.r2:
            lines.append("R²: " + ", ".join(f"{k} {v:.3f}" for k, v in self.r2.items()))
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        f = self.fit
        return (
            f"SEMResult(estimator={self.estimator!r}, se={self.se_type!r}, n={self.n}, "
            f"chisq={f['chisq']:.3f}, df={int(f['df'])}, cfi={f['cfi']:.3f}, "
            f"rmsea={f['rmsea']:.3f}, srmr={f['srmr']:.3f}, defined={len(self.defined)}, "
            f"warnings={len(self.warnings)})"
        )


def prepare(data: pd.DataFrame, model: str, missing: str) -> tuple[object, list[str]]:
    """Parse the model and check the data's columns (shared with `invariance`)."""
    if missing != "listwise":
        raise InputError(f"missing={missing!r} is not supported; only 'listwise' is available.")
    parsed = parse_model(model)
    latent = set(parsed.latent)
    names = []
    for s in parsed.statements:
        for v in (s.lhs, s.rhs):
            if v and v not in latent:
                names.append(v)
    names = list(dict.fromkeys(names))
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"The data must be a pandas DataFrame with one column per variable, got "
            f"{type(data).__name__}."
        )
    absent = [v for v in names if v not in data.columns]
    if absent:
        raise InputError(
            f"Variable(s) {absent} named in the model are neither columns of the data nor "
            "latent variables (defined with '=~')."
        )
    return parsed, names


def sem(
    data: pd.DataFrame,
    model: str,
    *,
    estimator: Literal["ML", "MLR"] = "ML",
    se: Literal["standard", "bootstrap"] = "standard",
    n_boot: int = 1000,
    seed: int | None = None,
    missing: Literal["listwise"] = "listwise",
    ci: float = 0.95,
) -> SEMResult:
    """Structural equation model with the defaults and definitions of ``lavaan::sem()``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents × variables (numeric). Columns not in the model are ignored.
    model : str
        lavaan syntax: ``=~`` (measurement), ``~`` (regression; ``~ 1`` intercept), ``~~``
        (variances, residual covariances), ``:=`` (defined parameters such as ``ind := a*b``),
        labels ``a*x``, fixed values ``1*x``/``0*x``, ``NA*x`` to free a marker, comments.
    estimator : {"ML", "MLR"}, default "ML"
        ``"MLR"``: the same estimates with Huber–White standard errors and the Yuan–Bentler
        scaled χ² and robust CFI/TLI/RMSEA (as lavaan's ``estimator = "MLR"``).
    se : {"standard", "bootstrap"}, default "standard"
        ``"standard"``: expected information (ML) or sandwich (MLR); defined parameters by
        the delta method. ``"bootstrap"``: SDs of ``n_boot`` ordinary (row) bootstrap
        estimates; all intervals are percentile intervals.
    n_boot : int, default 1000
        Bootstrap resamples (with ``se="bootstrap"``).
    seed : int, optional
        Seed of the resampling (same seed, same result).
    missing : {"listwise"}, default "listwise"
        Rows with a missing value in a model variable are dropped.
    ci : float, default 0.95
        Level of ``ci_low``/``ci_high``.

    Returns
    -------
    SEMResult
        ``.fit``, ``.parameters``, ``.r2``, ``.defined``, ``.warnings``; see `SEMResult`.

    Raises
    ------
    InputError
        One sentence: a model syntax error (line and token), a variable not in the data, a
        non-numeric column, too few complete rows, a non-positive-definite sample covariance
        matrix, a model with more parameters than moments (``NotIdentifiedError``).

    Notes
    -----
    lavaan conventions: S divides by N; ``chisq = N·F_min``; marker-variable identification
    (first loading 1); exogenous latent variables covary, purely endogenous variables'
    residuals covary (``auto.cov.y``), exogenous observed covariates are fixed at their
    sample (co)variances (``fixed.x``, not counted in ``npar``); intercepts only when the
    model mentions ``~ 1``; RMSEA with N and its 90 % CI; SRMR as lavaan's ``srmr``;
    AIC/BIC from the full log-likelihood; std_all completely standardized with residual
    covariances as correlations of residuals (``cov.std``); defined parameters' std_all from
    the standardized values of their labels. See ``docs/methods.md``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=2000)
    >>> m = 0.5 * x + rng.normal(size=2000)
    >>> y = 0.4 * m + rng.normal(size=2000)
    >>> res = sem(pd.DataFrame({"x": x, "m": m, "y": y}), "m ~ a*x\\ny ~ b*m\\nab := a*b")
    >>> round(float(res.defined.loc[0, "est"]), 1), int(res.fit["df"])
    (0.2, 1)

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36.
    Bollen, K. A. (1989). Structural Equations with Latent Variables. Wiley.
    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
    equation models. Sociological Methodology, 13, 290-312.
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
    """
    estimator_name = str(estimator).upper()
    if estimator_name not in _ESTIMATORS:
        raise InputError(f"Estimator {estimator!r} is not supported; use 'ML' or 'MLR'.")
    if se not in ("standard", "bootstrap"):
        raise InputError(f"se={se!r} is not supported; use 'standard' or 'bootstrap'.")
    if not 0 < ci < 1:
        raise InputError(f"ci={ci!r} must lie strictly between 0 and 1.")
    if se == "bootstrap" and (not isinstance(n_boot, int | np.integer) or n_boot < 2):
        raise InputError(f"n_boot={n_boot!r} must be an integer of at least 2.")
    with single_blas_thread():
        return _sem(data, model, estimator_name, se, int(n_boot), seed, missing, ci)


def _sem(data, model, estimator, se, n_boot, seed, missing, ci) -> SEMResult:
    parsed, names = prepare(data, model, missing)
    meanstructure = any(s.op == "~1" for s in parsed.statements)
    compiled = partable.build_model(parsed, meanstructure=meanstructure)
    frame = numeric_items(data, compiled.observed).dropna()
    n = len(frame)
    if n <= compiled.p:
        raise InputError(
            f"Only {n} complete row(s) for {compiled.p} observed variables; the model needs "
            "more complete respondents than variables."
        )
    moments = [fitting.group_moments(frame.to_numpy(float), compiled.observed)]
    result = fitting.fit_model(compiled, moments, estimator=estimator)
    table = fitting.parameter_table(result, ci=ci)
    warnings = list(result.warnings) + fitting.heywood_warnings(compiled, table)
    n_ok = 0
    if se == "bootstrap":
        table, n_ok, boot_warnings = _bootstrap(result, table, n_boot, seed, ci)
        warnings += boot_warnings
    table = table[PARAMETER_COLUMNS].reset_index(drop=True)
    defined = (
        table[table["op"] == ":="]
        .rename(columns={"lhs": "name", "rhs": "expression"})[
            ["name", "expression", "est", "se", "z", "pvalue", "ci_low", "ci_high", "std_all"]
        ]
        .reset_index(drop=True)
    )
    state = fitting.states(compiled, result.theta, moments)[0]
    return SEMResult(
        model=model,
        estimator=estimator,
        se_type=se,
        n=n,
        fit=result.fit,
        parameters=table,
        r2=fitting.r_squared(compiled, result.theta, moments),
        defined=defined,
        implied_covariance=pd.DataFrame(
            state.sigma[0], index=compiled.observed, columns=compiled.observed
        ),
        sample_covariance=pd.DataFrame(
            moments[0].cov, index=compiled.observed, columns=compiled.observed
        ),
        converged=result.converged,
        iterations=result.iterations,
        n_boot=n_ok,
        warnings=tuple(warnings),
    )


def bootstrap_estimates(
    fit: fitting.ModelFit, n_boot: int, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Row-bootstrap refits of a one-group model, all at once (batched Fisher scoring from
    the full-sample estimate, as lavaan starts them). Returns (θ per sample, converged)."""
    model, mom = fit.model, fit.moments[0]
    data = mom.data
    n = len(data)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    sample = data[draws]  # (B, n, p)
    means = sample.mean(axis=1)
    centred = sample - means[:, None, :]
    covs = np.einsum("bni,bnj->bij", centred, centred) / n
    boot_moments = [engine.Moments(cov=covs[b], mean=means[b], n=n) for b in range(n_boot)]
    start = np.repeat(fit.theta[None], n_boot, axis=0)
    hessian = engine.observed_hessian(
        model, fit.theta[None], [(mom.cov[None], mom.mean[None])], np.ones((1, 1))
    )[0]
    batch = engine.fit_batch(
        model,
        [boot_moments],
        start,
        gradient_tolerance=_BOOT_GRADIENT_TOLERANCE,
        fit_tolerance=_BOOT_FIT_TOLERANCE,
        step_tolerance=_BOOT_STEP_TOLERANCE,
        newton_after=_BOOT_NEWTON_AFTER,
        hessian=hessian,
    )
    # a sample whose S is singular (e.g. a constant column) cannot be fitted
    ok = batch.converged & np.isfinite(batch.fmin)
    return batch.theta, ok, covs, means


def _bootstrap(fit, table, n_boot, seed, ci):
    model = fit.model
    thetas, ok, covs, means = bootstrap_estimates(fit, n_boot, seed)
    warnings = []
    n_ok = int(ok.sum())
    if n_ok < n_boot:
        warnings.append(
            f"{n_boot - n_ok} of {n_boot} bootstrap samples did not converge and were left "
            "out (as lavaan does)."
        )
    thetas = thetas[ok]
    values = np.zeros((n_ok, len(model.parameters)))
    for i, q in enumerate(model.parameters):
        if q.free >= 0:
            values[:, i] = thetas[:, q.free]
        elif q.exo:
            values[:, i] = covs[ok][:, q.row, q.col] if q.kind == "S" else means[ok][:, q.row]
        else:
            values[:, i] = q.value
    if model.definitions:
        values = np.hstack([values, fitting.defined_values(model, values)])
    alpha = (1 - ci) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha], axis=0)
    sd = values.std(axis=0, ddof=1)
    table = table.copy()
    free = table["free"].to_numpy()
    est = table["est"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["se"] = np.where(free, sd, math.nan)
        table["z"] = np.where(free, est / sd, math.nan)
    table["pvalue"] = np.where(
        free, 2 * stats.norm.sf(np.abs(table["z"].to_numpy(float))), math.nan
    )
    table["ci_low"] = np.where(free, low, est)
    table["ci_high"] = np.where(free, high, est)
    return table, n_ok, warnings
