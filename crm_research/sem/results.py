"""Result objects of the model functions, and the cut-offs their fit tables quote."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "AVE_MIN",
    "CFAResult",
    "CFI_MIN",
    "CR_MIN",
    "HTMT_MAX",
    "LOADING_MIN",
    "RMSEA_MAX",
    "SRMR_MAX",
    "TLI_MIN",
]

# Cut-offs used by `CFAResult.fit_table` and by the findings stage.
CFI_MIN = 0.95  # Hu & Bentler (1999), Structural Equation Modeling 6(1), 1-55.
TLI_MIN = 0.95  # Hu & Bentler (1999).
RMSEA_MAX = 0.06  # Hu & Bentler (1999).
SRMR_MAX = 0.08  # Hu & Bentler (1999).
LOADING_MIN = 0.50  # Hair, Black, Babin & Anderson (2019), Multivariate Data Analysis, 8th ed.
CR_MIN = 0.70  # Fornell & Larcker (1981), J. Marketing Research 18(1), 39-50; Hair et al. (2019).
AVE_MIN = 0.50  # Fornell & Larcker (1981).
HTMT_MAX = 0.85  # Henseler, Ringle & Sarstedt (2015), J. Acad. Marketing Science 43, 115-135.


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CFAResult:
    """A fitted confirmatory factor analysis (lavaan definitions).

    Attributes
    ----------
    fit : dict
        chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, srmr, aic, bic,
        plus baseline_chisq, baseline_df, npar, n, logl, unrestricted_logl, fmin; with
        ``estimator="MLR"`` also chisq_scaled, pvalue_scaled, scaling_factor,
        baseline_chisq_scaled, baseline_scaling_factor, cfi_robust, tli_robust, rmsea_robust.
    loadings : pandas.DataFrame
        One row per (factor, item): ``loading`` (standardized, lavaan std.all), its
        delta-method ``loading_se``, the unstandardized ``estimate``, ``se``, ``z``, ``pvalue``.
    parameters : pandas.DataFrame
        All parameters (loadings, residual variances, factor variances and covariances):
        ``lhs, op, rhs, estimate, se, z, pvalue, std_all, std_se``.
    factor_correlations, factor_covariances : pandas.DataFrame
        Factors × factors.
    residual_variances : pandas.DataFrame
        Per item: unstandardized ``estimate``, ``se`` and standardized ``std_all``.
    composite_reliability, ave : pandas.Series
        Per factor, as ``semTools::compRelSEM`` and ``semTools::AVE`` compute them
        (``obs.var = TRUE``): CR = (Σλ)²φ / 1'S1 and AVE = Σλ²φ / Σ diag(S) over the
        factor's items, with λ, φ the unstandardized loadings and factor variance and S the
        sample covariance matrix.
    htmt : pandas.DataFrame
        Factors × factors HTMT (semTools default, geometric mean; see `htmt`).
    fornell_larcker : pandas.DataFrame
        Factors × factors: √AVE on the diagonal, factor correlations off it.
    validity : pandas.DataFrame
        Per factor: cr, ave (semTools), cr_standardized = (Σλ*)²/((Σλ*)² + Σθ*) and
        ave_standardized = mean(λ*²) from the standardized solution (Fornell & Larcker 1981),
        sqrt_ave and the largest absolute correlation with another factor.
    warnings : tuple of str
        Sentences: non-convergence, non-positive-definite latent covariance matrix, Heywood
        cases. The numbers are returned regardless.
    """

    model: dict[str, list[str]]
    estimator: str
    n: int
    fit: dict[str, float]
    loadings: pd.DataFrame
    parameters: pd.DataFrame
    factor_correlations: pd.DataFrame
    factor_covariances: pd.DataFrame
    residual_variances: pd.DataFrame
    composite_reliability: pd.Series
    ave: pd.Series
    htmt: pd.DataFrame
    fornell_larcker: pd.DataFrame
    validity: pd.DataFrame
    implied_covariance: pd.DataFrame
    sample_covariance: pd.DataFrame
    converged: bool
    iterations: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def loading_matrix(self) -> pd.DataFrame:
        """Standardized loadings as items × factors (0 where an item does not load)."""
        wide = self.loadings.pivot(index="item", columns="factor", values="loading")
        items = list(dict.fromkeys(self.loadings["item"]))
        return wide.reindex(index=items, columns=list(self.model)).fillna(0.0)

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy of `parameters`).

        Columns ``lhs, op, rhs, estimate, se, z, pvalue, std_all, std_se`` as lavaan's
        ``parameterEstimates`` joined with ``standardizedSolution``; fixed parameters have
        ``se`` NaN.
        """
        return self.parameters.copy()

    def fit_table(self) -> pd.DataFrame:
        """Fit measures with their cited cut-offs (Hu & Bentler 1999) and whether each is met."""
        rows = [
            ("chisq", self.fit["chisq"], None, None),
            ("df", self.fit["df"], None, None),
            ("pvalue", self.fit["pvalue"], None, None),
            ("cfi", self.fit["cfi"], CFI_MIN, "min"),
            ("tli", self.fit["tli"], TLI_MIN, "min"),
            ("rmsea", self.fit["rmsea"], RMSEA_MAX, "max"),
            ("rmsea_ci_lower", self.fit["rmsea_ci_lower"], None, None),
            ("rmsea_ci_upper", self.fit["rmsea_ci_upper"], None, None),
            ("srmr", self.fit["srmr"], SRMR_MAX, "max"),
            ("aic", self.fit["aic"], None, None),
            ("bic", self.fit["bic"], None, None),
        ]
        if self.estimator == "MLR":
            rows[3:3] = [
                ("chisq_scaled", self.fit["chisq_scaled"], None, None),
                ("scaling_factor", self.fit["scaling_factor"], None, None),
                ("cfi_robust", self.fit["cfi_robust"], CFI_MIN, "min"),
                ("tli_robust", self.fit["tli_robust"], TLI_MIN, "min"),
                ("rmsea_robust", self.fit["rmsea_robust"], RMSEA_MAX, "max"),
            ]
        records = []
        for name, value, cutoff, kind in rows:
            met = None
            if cutoff is not None and np.isfinite(value):
                met = bool(value >= cutoff) if kind == "min" else bool(value <= cutoff)
            records.append({"measure": name, "value": value, "cutoff": cutoff, "met": met})
        return pd.DataFrame(records)

    def summary(self) -> str:
        """A lavaan-like text summary (returned, not printed)."""
        f = self.fit
        lines = [
            f"CFA ({self.estimator}), N = {self.n}, {len(self.model)} factor(s), "
            f"{int(f['npar'])} free parameters" + ("" if self.converged else " — DID NOT CONVERGE"),
            f"  chi-square = {f['chisq']:.3f}, df = {int(f['df'])}, p = {f['pvalue']:.4g}",
        ]
        if self.estimator == "MLR":
            lines.append(
                f"  scaled chi-square = {f['chisq_scaled']:.3f} "
                f"(scaling factor {f['scaling_factor']:.3f}), p = {f['pvalue_scaled']:.4g}"
            )
        lines += [
            f"  CFI = {f['cfi']:.3f}, TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f} "
            f"[{f['rmsea_ci_lower']:.3f}, {f['rmsea_ci_upper']:.3f}], SRMR = {f['srmr']:.3f}",
            f"  AIC = {f['aic']:.2f}, BIC = {f['bic']:.2f}",
            "Standardized loadings:",
        ]
        for r in self.loadings.itertuples():
            lines.append(f"  {r.factor:>12} =~ {r.item:<12} {r.loading:7.3f}")
        lines.append("Composite reliability / AVE:")
        for name in self.model:
            lines.append(
                f"  {name:>12}  CR = {self.composite_reliability[name]:.3f}"
                f"  AVE = {self.ave[name]:.3f}"
            )
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        f = self.fit
        text = (
            f"CFAResult(estimator={self.estimator!r}, n={self.n}, factors={list(self.model)}, "
            f"chisq={f['chisq']:.3f}, df={int(f['df'])}, cfi={f['cfi']:.3f}, "
            f"tli={f['tli']:.3f}, rmsea={f['rmsea']:.3f}, srmr={f['srmr']:.3f}"
        )
        if self.estimator == "MLR":
            text += f", chisq_scaled={f['chisq_scaled']:.3f}"
        return text + f", warnings={len(self.warnings)})"
