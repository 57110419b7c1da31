"""``pls()``: estimate a PLS path model and collect every table theses report (PLSResult)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_research._blas import single_blas_thread
from crm_research.errors import InputError
from crm_research.pls import bootstrap as boot
from crm_research.pls.algorithm import (
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    correlation,
    design,
    estimate,
    prepare_data,
    total_effects,
)
from crm_research.pls.model import PLSModel, specify
from crm_research.pls.quality import (
    effects_frame,
    fornell_larcker_table,
    htmt_matrix,
    indirect_reachability,
    r2_adjusted,
    reachability,
    reliability_table,
    vif_table,
)

__all__ = ["PLSResult", "pls", "fit_r2"]

# seminr's names for the inner weighting functions.
SCHEME_ALIASES = {"path_weighting": "path", "path_factorial": "factorial"}
_BOOT_COLUMNS = ("se", "t", "pvalue", "ci_low", "ci_high", "bca_low", "bca_high")


@dataclass(frozen=True)
class PLSResult:
    """Everything a PLS-SEM chapter reports.

    Attributes
    ----------
    paths : DataFrame
        ``from, to, estimate`` (+ ``se, t, pvalue, ci_low, ci_high, bca_low, bca_high`` with
        a bootstrap).
    loadings, weights : DataFrame
        ``construct, item, estimate`` (+ bootstrap columns).
    cross_loadings : DataFrame
        Items x constructs correlations.
    r2, r2_adj : dict
        Over endogenous constructs.
    reliability : DataFrame
        Index construct; ``alpha`` (standardised), ``rhoA``, ``rhoC``, ``ave``.
    htmt : DataFrame
        Construct x construct, symmetric, NaN diagonal.
    htmt_intervals : DataFrame or None
        ``construct_1, construct_2, estimate`` + bootstrap columns.
    fornell_larcker : DataFrame
        sqrt(AVE) on the diagonal, composite correlations below.
    vif : DataFrame
        ``kind, construct, variable, vif``.
    f2 : DataFrame
        ``from, to, f2``.
    total_effects, indirect_effects : DataFrame
        ``from, to, estimate`` (+ bootstrap columns).
    scores : DataFrame
        Construct scores (mean 0, SD 1), index of the rows used.
    construct_correlations : DataFrame
    n : int
        Respondents used.
    iterations : int
        seminr's count (0-based round at which the weights converged).
    converged : bool
    warnings : tuple of str
    """

    model: PLSModel
    paths: pd.DataFrame
    loadings: pd.DataFrame
    weights: pd.DataFrame
    cross_loadings: pd.DataFrame
    r2: dict[str, float]
    r2_adj: dict[str, float]
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    fornell_larcker: pd.DataFrame
    vif: pd.DataFrame
    f2: pd.DataFrame
    total_effects: pd.DataFrame
    indirect_effects: pd.DataFrame
    scores: pd.DataFrame
    construct_correlations: pd.DataFrame
    n: int
    iterations: int
    converged: bool
    scheme: str
    consistent: bool
    n_boot: int
    seed: int | None
    ci: float
    data: pd.DataFrame = field(repr=False)
    htmt_intervals: pd.DataFrame | None = None
    boot_draws: Any = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER

    def to_frame(self) -> pd.DataFrame:
        """All parameters in one long table: ``kind, lhs, rhs, estimate`` (+ bootstrap)."""
        parts = []
        for kind, frame, lhs, rhs in (
            ("path", self.paths, "from", "to"),
            ("loading", self.loadings, "construct", "item"),
            ("weight", self.weights, "construct", "item"),
            ("total", self.total_effects, "from", "to"),
            ("indirect", self.indirect_effects, "from", "to"),
        ):
            f = frame.rename(columns={lhs: "lhs", rhs: "rhs"}).copy()
            f.insert(0, "kind", kind)
            parts.append(f)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        """Plain-text report: paths, R², reliability, HTMT and warnings."""
        lines = [
            f"PLS path model: {len(self.model.constructs)} constructs, "
            f"{len(self.model.items)} items, n = {self.n}, {self.scheme} weighting"
            + (", consistent (PLSc)" if self.consistent else "")
            + (f", bootstrap {self.n_boot} (seed {self.seed})" if self.n_boot else ""),
            "",
            "Path coefficients",
            self.paths.round(3).to_string(index=False),
            "",
            "R²: " + ", ".join(f"{k} {v:.3f}" for k, v in self.r2.items()),
            "",
            "Reliability and convergent validity",
            self.reliability.round(3).to_string(),
            "",
            "HTMT",
            self.htmt.round(3).to_string(),
        ]
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        paths = ", ".join(
            f"{r['from']}->{r['to']} {r['estimate']:.3f}" for _, r in self.paths.iterrows()
        )
        return (
            f"PLSResult(n={self.n}, constructs={len(self.model.constructs)}, "
            f"paths=[{paths}], converged={self.converged}, warnings={len(self.warnings)})"
        )


def _pairs_index(model: PLSModel, pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
    idx = {c: k for k, c in enumerate(model.constructs)}
    return [(idx[a], idx[b]) for a, b in pairs]


def _item_index(model: PLSModel) -> list[tuple[str, str, int, int]]:
    out = []
    pos = 0
    for k, c in enumerate(model.constructs):
        for item in model.blocks[c]:
            out.append((c, item, pos, k))
            pos += 1
    return out


def _attach(
    frame: pd.DataFrame,
    draws: np.ndarray | None,
    jack: np.ndarray | None,
    ci: float,
) -> pd.DataFrame:
    if draws is None:
        return frame
    theta = frame["estimate"].to_numpy(dtype=float)
    stats_ = boot.summarise(draws, theta, jack, ci)
    frame = frame.copy()
    for col in _BOOT_COLUMNS:
        frame[col] = stats_[col]
    return frame


def fit_r2(
    r: np.ndarray,
    model: PLSModel,
    *,
    scheme: str = "path",
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    consistent: bool = False,
) -> dict[str, float]:
    """R² of each endogenous construct of ``model`` estimated on correlation matrix ``r``.

    ``r`` is in ``model.items`` order.  Used for f² (re-estimation without one path).
    """
    des = design(model)
    est = estimate(r, des, scheme=scheme, tol=tol, max_iter=max_iter, consistent=consistent)
    idx = {c: k for k, c in enumerate(model.constructs)}
    return {c: float(est.r2[0, idx[c]]) for c in model.endogenous}


def _f2_table(r: np.ndarray, model: PLSModel, r2: Mapping[str, float], **kw: Any) -> pd.DataFrame:
    pos = {item: i for i, item in enumerate(model.items)}
    rows = []
    for f, t in model.paths:
        reduced = model.without_path((f, t))
        if t in reduced.endogenous:
            ix = [pos[i] for i in reduced.items]
            excl = fit_r2(r[np.ix_(ix, ix)], reduced, **kw)[t]
        else:
            excl = 0.0
        incl = r2[t]
        rows.append((f, t, (incl - excl) / (1 - incl)))
    return pd.DataFrame(rows, columns=["from", "to", "f2"])


def pls(
    data: pd.DataFrame,
    measurement: Mapping[str, Sequence[str] | str | Mapping[str, Any]],
    structural: str | Iterable[Sequence[str]],
    *,
    scheme: str = "path",
    mode: Mapping[str, str] | None = None,
    n_boot: int = 0,
    seed: int | None = None,
    ci: float = 0.95,
    missing: str = "listwise",
    missing_values: Sequence[float] | None = None,
    consistent: bool = False,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> PLSResult:
    """Estimate a PLS path model (PLS-SEM) as seminr and SmartPLS do.

    Parameters
    ----------
    data : DataFrame
        One column per item (other columns are ignored).
    measurement : mapping
        Construct -> list of items; a string is a single-item construct;
        ``{"items": [...], "mode": "B"}`` selects regression weights.
    structural : list of (from, to) or str
        Paths, or lavaan-like text ``"Loyalty ~ Satisfaction + Image"``.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting (seminr's default: path weighting; seminr's names
        ``"path_weighting"`` and ``"path_factorial"`` are accepted).
    mode : mapping, optional
        Construct -> ``"A"`` (correlation weights, default) or ``"B"`` (regression weights).
    n_boot : int
        Bootstrap resamples (0: none; 5,000 is the usual choice, ``DEFAULT_N_BOOT``).
    seed : int, optional
        Seed of the resampling; the same seed gives the same results.
    ci : float
        Level of the percentile and BCa intervals.
    missing : {"listwise", "mean"}
        Listwise deletion (default) or item-mean replacement (seminr's default).
    missing_values : sequence of float, optional
        Answer codes to treat as missing before that (e.g. ``[-99]``).
    consistent : bool
        Consistent PLS (PLSc, Dijkstra & Henseler 2015) for every multi-item mode-A construct.
    tol, max_iter : float, int
        Stop when the sum of absolute outer-weight changes is below ``tol`` (seminr's
        ``stopCriterion = 7``), at most ``max_iter`` (300) + 1 rounds.

    Returns
    -------
    PLSResult

    Raises
    ------
    InputError
        Unusable model or data (one sentence naming the construct, item or row).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(200, 1)); g = 0.6 * f + 0.8 * rng.normal(size=(200, 1))
    >>> df = pd.DataFrame(np.hstack([f + rng.normal(scale=.6, size=(200, 3)),
    ...                              g + rng.normal(scale=.6, size=(200, 3))]),
    ...                   columns=["x1", "x2", "x3", "y1", "y2", "y3"])
    >>> res = pls(df, {"X": ["x1", "x2", "x3"], "Y": ["y1", "y2", "y3"]}, "Y ~ X")
    >>> bool(abs(res.paths.loc[0, "estimate"] - np.sqrt(res.r2["Y"])) < 1e-12)
    True

    References
    ----------
    Lohmöller (1989); Tenenhaus et al. (2005), CSDA 48, 159-205; Dijkstra & Henseler (2015),
    MIS Quarterly 39(2); Henseler, Ringle & Sarstedt (2015), JAMS 43; Hair et al. (2022),
    A Primer on PLS-SEM, 3rd ed.
    """
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 0:
        raise InputError(f"n_boot: give a whole number >= 0, not {n_boot!r}.")
    if 0 < n_boot < 50:
        raise InputError(f"n_boot: {n_boot} resamples are too few for intervals; use >= 50.")
    if not (0 < ci < 1):
        raise InputError(f"ci: give a level between 0 and 1, not {ci!r}.")
    if not isinstance(data, pd.DataFrame):
        raise InputError("data: give a pandas DataFrame with one column per item.")
    scheme = SCHEME_ALIASES.get(str(scheme), str(scheme))
    model = specify(measurement, structural, mode=mode, columns=data.columns)
    frame, notes = prepare_data(data, model, missing, missing_values)
    x = frame.to_numpy()
    n = x.shape[0]
    des = design(model)
    kw = {"scheme": scheme, "tol": tol, "max_iter": max_iter, "consistent": consistent}
    warnings: list[str] = []
    with single_blas_thread():
        r = correlation(x)
        est = estimate(r, des, **kw)
    if not est.ok[0]:
        raise InputError(
            "data: the PLS estimation met a singular matrix (perfectly redundant items or "
            "constructs); remove the duplicated item or construct."
        )
    converged = bool(est.converged[0])
    if not converged:
        warnings.append(
            f"the outer weights did not converge in {max_iter} iterations "
            f"(tolerance {tol:g}); estimates are from the last iteration."
        )
    names = list(model.constructs)
    items = _item_index(model)
    w = est.weights[0]
    lam = est.loadings[0]
    c = est.construct_cor[0]
    b = est.paths[0]
    rho = est.rho_a[0]
    if consistent:
        for k, cname in enumerate(names):
            if rho[k] > 1 or rho[k] <= 0:
                warnings.append(
                    f"PLSc: construct {cname!r} has rhoA = {rho[k]:.3f} outside (0, 1]; its "
                    "corrected loadings and paths are not interpretable."
                )
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    scores = pd.DataFrame(z @ w, index=frame.index, columns=names)
    pidx = _pairs_index(model, model.paths)
    paths = pd.DataFrame(
        [(f, t, float(b[i, j])) for (f, t), (i, j) in zip(model.paths, pidx, strict=True)],
        columns=["from", "to", "estimate"],
    )
    loadings = pd.DataFrame(
        [(cn, it, float(lam[p, k])) for cn, it, p, k in items],
        columns=["construct", "item", "estimate"],
    )
    weights = pd.DataFrame(
        [(cn, it, float(w[p, k])) for cn, it, p, k in items],
        columns=["construct", "item", "estimate"],
    )
    tot = total_effects(b)
    reach = reachability(model)
    ind_reach = indirect_reachability(model)
    total_tab = effects_frame(model, tot, reach)
    indirect_tab = effects_frame(model, tot - b, ind_reach)
    idx = {cn: k for k, cn in enumerate(names)}
    r2 = {cn: float(est.r2[0, idx[cn]]) for cn in model.endogenous}
    r2_adj = {cn: r2_adjusted(r2[cn], n, len(model.antecedents(cn))) for cn in model.endogenous}
    reliability = reliability_table(model, des, r, lam, rho)
    htmt = htmt_matrix(model, des, r)
    fl = fornell_larcker_table(model, c, reliability["ave"])
    vif = vif_table(model, des, r, c)
    with single_blas_thread():
        f2 = _f2_table(r, model, r2, **kw)
    htmt_iv = None
    draws = None
    if n_boot:
        draws = boot.draw(x, des, n_boot, seed, **kw)
        jack = boot.jackknife(x, des, **kw)
        if draws.n_failed:
            warnings.append(
                f"bootstrap: {draws.n_failed} of {n_boot} resamples could not be estimated "
                "(singular matrix) and are left out."
            )
        if draws.n_nonconverged:
            warnings.append(
                f"bootstrap: {draws.n_nonconverged} resamples reached {max_iter} iterations "
                "without converging; they are kept (as seminr does)."
            )
        if draws.paths.shape[0] < 2:
            raise InputError("bootstrap: fewer than two resamples could be estimated.")
        jk = jack if jack.n_failed == 0 else None

        def col(stack: np.ndarray, pos: list[tuple[int, int]]) -> np.ndarray:
            ii = np.array([p[0] for p in pos], dtype=int)
            jj = np.array([p[1] for p in pos], dtype=int)
            return stack[:, ii, jj]

        item_pos = [(p, k) for _, _, p, k in items]
        paths = _attach(paths, col(draws.paths, pidx), col(jk.paths, pidx) if jk else None, ci)
        loadings = _attach(
            loadings,
            col(draws.loadings, item_pos),
            col(jk.loadings, item_pos) if jk else None,
            ci,
        )
        weights = _attach(
            weights,
            col(draws.weights, item_pos),
            col(jk.weights, item_pos) if jk else None,
            ci,
        )
        tpos = _pairs_index(model, zip(total_tab["from"], total_tab["to"], strict=True))
        total_tab = _attach(
            total_tab, col(draws.total, tpos), col(jk.total, tpos) if jk else None, ci
        )
        ipos = _pairs_index(model, zip(indirect_tab["from"], indirect_tab["to"], strict=True))
        ind_draws = draws.total - draws.paths
        ind_jack = (jk.total - jk.paths) if jk else None
        indirect_tab = _attach(
            indirect_tab,
            col(ind_draws, ipos),
            col(ind_jack, ipos) if ind_jack is not None else None,
            ci,
        )
        hpos = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
        htmt_iv = pd.DataFrame(
            [(names[i], names[j], float(htmt.iloc[i, j])) for i, j in hpos],
            columns=["construct_1", "construct_2", "estimate"],
        )
        htmt_iv = _attach(htmt_iv, col(draws.htmt, hpos), col(jk.htmt, hpos) if jk else None, ci)
    return PLSResult(
        model=model,
        paths=paths,
        loadings=loadings,
        weights=weights,
        cross_loadings=pd.DataFrame(est.cross_loadings[0], index=list(model.items), columns=names),
        r2=r2,
        r2_adj=r2_adj,
        reliability=reliability,
        htmt=htmt,
        fornell_larcker=fl,
        vif=vif,
        f2=f2,
        total_effects=total_tab,
        indirect_effects=indirect_tab,
        scores=scores,
        construct_correlations=pd.DataFrame(c, index=names, columns=names),
        n=n,
        iterations=int(est.iterations[0]),
        converged=converged,
        scheme=scheme,
        consistent=consistent,
        n_boot=int(n_boot),
        seed=seed,
        ci=ci,
        data=frame,
        htmt_intervals=htmt_iv,
        boot_draws=draws,
        warnings=tuple(warnings),
        notes=tuple(notes),
        tol=tol,
        max_iter=max_iter,
    )
