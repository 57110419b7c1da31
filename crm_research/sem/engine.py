"""The maximum-likelihood engine of `sem` and `invariance`: lavaan's parameter table, model
matrices, fit function, analytic gradient, expected information and batched Fisher scoring.

Representation (RAM, McArdle & McDonald 1984; equivalent to lavaan's LISREL matrices): all
observed then latent variables in one vector v = A v + u with Cov(u) = S and E(u) = m, so
Σ = F B S B' F' and μ = F B m with B = (I − A)⁻¹ and F selecting the observed variables.
The discrepancy is lavaan's ML one per group,
F_g = log|Σ| + tr(S_g Σ⁻¹) − log|S_g| − p + (m_g − μ)'Σ⁻¹(m_g − μ) (means only with a
meanstructure), F = Σ_g (n_g/N) F_g and χ² = N·F. Every function works on a leading batch
axis, so that one call fits 1,000 bootstrap samples at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from crm_research.errors import NotIdentifiedError
from crm_research.sem.partable import CompiledModel, Moments

__all__ = [
    "BatchFit",
    "CompiledModel",
    "FitState",
    "Moments",
    "check_identified",
    "discrepancy",
    "expected_hessian",
    "fit_batch",
    "gradient",
    "implied",
    "jacobian",
    "matrices",
    "observed_hessian",
    "start_values",
    "total_gradient",
]

# Fisher scoring stops when the relative change of F is below this and the largest gradient
# element below _GRADIENT_TOLERANCE (lavaan's nlminb: rel.tol = 1e-10).
FIT_TOLERANCE = 1e-12
GRADIENT_TOLERANCE = 1e-10
MAX_ITERATIONS = 500
# Fisher scoring switches to Newton steps (observed information) once F changes by less
# than this relative amount between iterations.
NEWTON_SWITCH = 1e-6


# --------------------------------------------------------------------------------------------
# Model matrices, implied moments, discrepancy, gradient, information (batched)
# --------------------------------------------------------------------------------------------
@dataclass
class FitState:
    """Implied moments and their building blocks for one group, batch axis first."""

    A: np.ndarray
    S: np.ndarray
    M: np.ndarray
    B: np.ndarray  # (I − A)⁻¹
    omega: np.ndarray  # B S B'
    sigma: np.ndarray
    mu: np.ndarray


def matrices(
    model: CompiledModel, group: int, theta: np.ndarray, cov: np.ndarray, mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, S, m of one group for a batch of θ (shape (b, q)); exogenous (fixed.x) entries
    from the sample moments ``cov`` (b, p, p) and ``mean`` (b, p), or one set for all."""
    t = model.t
    b = theta.shape[0]
    ar = model.arrays(group)
    A = np.zeros((b, t, t))
    S = np.zeros((b, t, t))
    M = np.zeros((b, t))
    for kind, target in (("A", A), ("S", S), ("M", M)):
        rows, cols, free = ar[kind + "_row"], ar[kind + "_col"], ar[kind + "_free"]
        if not rows.size:
            continue
        vals = np.broadcast_to(np.where(free >= 0, 0.0, ar[kind + "_value"]), (b, rows.size)).copy()
        sel = free >= 0
        if sel.any():
            vals[:, sel] = theta[:, free[sel]]
        exo = ar[kind + "_exo"]
        if exo.any():
            if kind == "S":
                src = cov[..., rows[exo], cols[exo]]
            else:
                src = mean[..., rows[exo]]
            vals[:, exo] = src
        if kind == "M":
            target[:, rows] = vals
        else:
            target[:, rows, cols] = vals
            if kind == "S":
                target[:, cols, rows] = vals
    return A, S, M


def implied(
    model: CompiledModel, group: int, theta: np.ndarray, cov: np.ndarray, mean: np.ndarray
) -> FitState:
    """Σ, μ and the matrices behind them, batched over θ."""
    A, S, M = matrices(model, group, theta, cov, mean)
    t, p = model.t, model.p
    B = np.linalg.inv(np.eye(t)[None] - A)
    omega = B @ S @ np.swapaxes(B, 1, 2)
    mu = np.einsum("bij,bj->bi", B, M)[:, :p]
    return FitState(A, S, M, B, omega, omega[:, :p, :p], mu)


def discrepancy(
    state: FitState, cov: np.ndarray, mean: np.ndarray, logdet_s: np.ndarray, means: bool
) -> np.ndarray:
    """F per batch member (inf where Σ is not positive definite)."""
    sigma = state.sigma
    try:
        chol = np.linalg.cholesky(sigma)
        ok = np.ones(sigma.shape[0], dtype=bool)
    except np.linalg.LinAlgError:  # some members not positive definite: find them
        ok = np.linalg.eigvalsh(sigma)[:, 0] > 0
        chol = np.zeros_like(sigma)
        if ok.any():
            chol[ok] = np.linalg.cholesky(sigma[ok])
    out = np.full(sigma.shape[0], math.inf)
    if not ok.any():
        return out
    logdet = 2.0 * np.log(np.einsum("bii->bi", chol[ok])).sum(axis=1)
    inv = np.linalg.inv(sigma[ok])
    p = cov.shape[-1]
    value = logdet + (cov[ok] * inv).sum(axis=(1, 2)) - logdet_s[ok] - p
    if means:
        d = mean[ok] - state.mu[ok]
        value = value + ((d[:, None, :] @ inv)[:, 0, :] * d).sum(axis=1)
    out[ok] = value
    return out


def gradient(
    model: CompiledModel, group: int, state: FitState, cov: np.ndarray, mean: np.ndarray
) -> np.ndarray:
    """∂F_g/∂θ for a batch (shape (b, q))."""
    p = model.p
    b = cov.shape[0]
    inv = np.linalg.inv(state.sigma)
    if model.meanstructure:
        d = mean - state.mu
        s_tilde = cov + d[:, :, None] * d[:, None, :]
    else:
        s_tilde = cov
    G = inv - inv @ s_tilde @ inv
    FB = state.B[:, :p, :]  # (b, p, t)
    FO = state.omega[:, :p, :]
    FBt = np.swapaxes(FB, 1, 2)
    GA = 2.0 * FBt @ G @ FO
    GS = FBt @ G @ FB
    GM = None
    if model.meanstructure:
        w = np.einsum("btp,bpq,bq->bt", FBt, inv, d)
        Bm = np.einsum("bij,bj->bi", state.B, state.M)
        GA = GA - 2.0 * w[:, :, None] * Bm[:, None, :]
        GM = -2.0 * w
    ar = model.arrays(group)
    grad = np.zeros((b, model.n_free))
    for kind in "ASM":
        free = ar[kind + "_free"]
        sel = free >= 0
        if not sel.any():
            continue
        rows, cols = ar[kind + "_row"][sel], ar[kind + "_col"][sel]
        if kind == "A":
            vals = GA[:, rows, cols]
        elif kind == "S":
            vals = GS[:, rows, cols] * np.where(rows == cols, 1.0, 2.0)[None, :]
        else:
            vals = GM[:, rows]
        grad += vals @ ar[kind + "_incidence"]
    return grad


def jacobian(model: CompiledModel, group: int, state: FitState) -> tuple[np.ndarray, np.ndarray]:
    """∂Σ/∂θ (b, q, p, p) and ∂μ/∂θ (b, q, p) of one group."""
    p = model.p
    b = state.B.shape[0]
    FB = state.B[:, :p, :]
    FO = state.omega[:, :p, :]
    Bm = np.einsum("bij,bj->bi", state.B, state.M)
    ar = model.arrays(group)
    dsig = np.zeros((b, model.n_free, p, p))
    dmu = np.zeros((b, model.n_free, p))
    for kind in "ASM":
        free = ar[kind + "_free"]
        sel = free >= 0
        if not sel.any():
            continue
        rows, cols = ar[kind + "_row"][sel], ar[kind + "_col"][sel]
        if kind == "A":
            d = (
                FB[:, :, rows].transpose(0, 2, 1)[:, :, :, None]
                * FO[:, :, cols].transpose(0, 2, 1)[:, :, None, :]
            )
            d = d + np.swapaxes(d, 2, 3)
            m = FB[:, :, rows].transpose(0, 2, 1) * Bm[:, cols][:, :, None]
        elif kind == "S":
            d = (
                FB[:, :, rows].transpose(0, 2, 1)[:, :, :, None]
                * FB[:, :, cols].transpose(0, 2, 1)[:, :, None, :]
            )
            off = rows != cols
            d[:, off] = d[:, off] + np.swapaxes(d[:, off], 2, 3)
            m = None
        else:
            d = None
            m = FB[:, :, rows].transpose(0, 2, 1)
        inc = ar[kind + "_incidence"]
        if d is not None:
            e = d.shape[1]
            dsig += (
                (d.reshape(b, e, p * p).transpose(0, 2, 1) @ inc)
                .transpose(0, 2, 1)
                .reshape(b, model.n_free, p, p)
            )
        if m is not None and model.meanstructure:
            dmu += (m.transpose(0, 2, 1) @ inc).transpose(0, 2, 1)
    return dsig, dmu


def expected_hessian(model: CompiledModel, group: int, state: FitState) -> np.ndarray:
    """E[∂²F_g/∂θ∂θ'] = tr(Σ⁻¹Σ_kΣ⁻¹Σ_l) + 2 μ_k'Σ⁻¹μ_l, batched (b, q, q).

    Each matrix entry moves Σ by a rank-two term Σ_k = a b' + b a' (a loading or regression
    A_rc: a = (FB)_r, b = (FΩ)_c; a (co)variance S_rc: a = (FB)_r, b = (FB)_c, halved on the
    diagonal), so tr(Σ⁻¹Σ_kΣ⁻¹Σ_l) = 2[(a_k'Σ⁻¹a_l)(b_k'Σ⁻¹b_l) + (a_k'Σ⁻¹b_l)(b_k'Σ⁻¹a_l)]
    needs only e × e inner products instead of the q × p × p Jacobian.
    """
    p = model.p
    FB = state.B[:, :p, :]
    FO = state.omega[:, :p, :]
    inv = np.linalg.inv(state.sigma)
    ar = model.arrays(group)
    us, vs, incs, mus = [], [], [], []
    Bm = np.einsum("bij,bj->bi", state.B, state.M) if model.meanstructure else None
    for kind in "AS":
        sel = ar[kind + "_free"] >= 0
        if not sel.any():
            continue
        rows, cols = ar[kind + "_row"][sel], ar[kind + "_col"][sel]
        u = FB[:, :, rows]
        v = FO[:, :, cols] if kind == "A" else FB[:, :, cols] * np.where(rows == cols, 0.5, 1.0)
        us.append(u)
        vs.append(v)
        incs.append(ar[kind + "_incidence"])
        if model.meanstructure:
            mus.append(u * Bm[:, None, cols] if kind == "A" else np.zeros_like(u))
    sel = ar["M_free"] >= 0
    if model.meanstructure and sel.any():
        u = FB[:, :, ar["M_row"][sel]]
        us.append(np.zeros_like(u))
        vs.append(np.zeros_like(u))
        incs.append(ar["M_incidence"])
        mus.append(u)
    if not us:
        return np.zeros((state.B.shape[0], model.n_free, model.n_free))
    U = np.concatenate(us, axis=2)  # (b, p, e)
    V = np.concatenate(vs, axis=2)
    E = np.concatenate(incs, axis=0)  # (e, q)
    iu = inv @ U
    iv = inv @ V
    Ut = U.transpose(0, 2, 1)
    Vt = V.transpose(0, 2, 1)
    P, Q, R = Ut @ iu, Vt @ iv, Ut @ iv
    h = 2.0 * (P * Q + R * R.transpose(0, 2, 1))
    if model.meanstructure:
        W = np.concatenate(mus, axis=2)
        h = h + 2.0 * W.transpose(0, 2, 1) @ inv @ W
    return E.T @ h @ E


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------
def start_values(model: CompiledModel, moments: Sequence[Moments]) -> np.ndarray:
    """Starting values in the spirit of lavaan's: loadings from each factor's first
    principal axis rescaled to the marker, latent variances from the marker, regressions
    and covariances 0, residual variances half the observed variances, intercepts the
    sample means."""
    theta = np.full(model.n_free, math.nan)
    index = model.index()
    p = model.p
    for g, mom in enumerate(moments):
        loading_start: dict[tuple[str, str], float] = {}
        lv_var: dict[str, float] = {}
        for f in model.latent:
            members = [
                q
                for q in model.parameters
                if q.group == g and q.op == "=~" and q.lhs == f and q.rhs in model.observed
            ]
            if not members:
                continue
            rows = [index[q.rhs] for q in members]
            block = mom.cov[np.ix_(rows, rows)]
            values, vectors = np.linalg.eigh(block)
            vector = vectors[:, -1] * math.sqrt(max(values[-1], 1e-8))
            if vector.sum() < 0:
                vector = -vector
            marker = next((k for k, q in enumerate(members) if q.free < 0), None)
            scale = vector[marker] if marker is not None else 1.0
            if abs(scale) < 1e-3:
                scale = 1e-3
            fixed_value = members[marker].value if marker is not None else 1.0
            for k, q in enumerate(members):
                loading_start[(f, q.rhs)] = vector[k] / scale * fixed_value
            lv_var[f] = (scale / fixed_value) ** 2 if marker is not None else 1.0
        for q in model.parameters:
            if q.group != g or q.free < 0 or not math.isnan(theta[q.free]):
                continue
            if q.op == "=~":
                value = loading_start.get((q.lhs, q.rhs), 1.0)
            elif q.op == "~":
                value = 0.0
            elif q.op == "~~" and q.lhs == q.rhs:
                if q.lhs in model.latent:
                    value = lv_var.get(q.lhs, 0.05)
                else:
                    value = 0.5 * mom.cov[index[q.lhs], index[q.lhs]]
            elif q.op == "~~":
                value = 0.0
            else:
                value = float(mom.mean[index[q.lhs]]) if q.lhs in model.observed else 0.0
            theta[q.free] = value
    theta[np.isnan(theta)] = 0.0
    del p
    return theta


@dataclass
class BatchFit:
    theta: np.ndarray  # (b, q)
    fmin: np.ndarray  # (b,) F = Σ w_g F_g
    converged: np.ndarray  # (b,)
    iterations: int
    active_counts: list[int] = field(default_factory=list)  # members iterated, per iteration


def fit_batch(
    model: CompiledModel,
    moments: Sequence[Sequence[Moments]],
    start: np.ndarray,
    *,
    max_iterations: int | None = None,
    gradient_tolerance: float | None = None,
    fit_tolerance: float | None = None,
    step_tolerance: float | None = None,
    newton_after: int = 0,
    hessian: np.ndarray | None = None,
) -> BatchFit:
    """Minimise F for a batch of data sets (``moments[g][b]``) by Fisher scoring with step
    halving, every member from its own start (rows of ``start``, shape (b, q)).

    A member whose F changed by less than `NEWTON_SWITCH` (relative) in its last step, after
    ``newton_after`` iterations, takes Newton steps with the observed information (central
    differences of the analytic gradient) instead: Fisher scoring converges only linearly
    when the model does not fit exactly.

    With ``hessian`` (q × q, e.g. the observed information at the full-sample estimate, for
    bootstrap samples that start there) no information matrix is computed per member: the
    given one starts quasi-Newton iterations whose BFGS updates use each member's own
    gradients (superlinear convergence at the cost of one gradient per iteration).
    """
    max_iterations = MAX_ITERATIONS if max_iterations is None else max_iterations
    tolerance = GRADIENT_TOLERANCE if gradient_tolerance is None else gradient_tolerance
    f_tolerance = FIT_TOLERANCE if fit_tolerance is None else fit_tolerance
    n_groups = len(model.groups)
    b = start.shape[0]
    sets = []
    for g in range(n_groups):
        members = list(moments[g])
        cov = np.stack([m.cov for m in members])
        mean = np.stack([m.mean for m in members])
        sets.append((cov, mean))
    n_g = np.array([[m.n for m in moments[g]] for g in range(n_groups)], dtype=float)  # (G, b)
    weights = n_g / n_g.sum(axis=0)
    logdets = [np.linalg.slogdet(s[0])[1] for s in sets]

    def subset(idx):
        return [(cov[idx], mean[idx]) for cov, mean in sets]

    theta = start.copy()
    value = _objective_w(model, theta, sets, logdets, weights)
    converged = np.zeros(b, dtype=bool)
    close = np.zeros(b, dtype=bool)
    active = np.arange(b)
    iteration = 0
    counts: list[int] = []
    last_grad = last_step = approx = None
    if hessian is not None:
        approx = np.repeat(hessian[None], b, axis=0)
        last_grad = np.zeros_like(theta)
        last_step = np.zeros_like(theta)
    while iteration < max_iterations and active.size:
        iteration += 1
        counts.append(int(active.size))
        sub = subset(active)
        th = theta[active]
        grad = np.zeros_like(th)
        quasi = hessian is not None
        hess = np.zeros((0,)) if quasi else np.zeros((active.size, model.n_free, model.n_free))
        for g in range(n_groups):
            cov, mean = sub[g]
            state = implied(model, g, th, cov, mean)
            w = weights[g, active][:, None]
            grad += w * gradient(model, g, state, cov, mean)
            if not quasi:
                hess += w[:, :, None] * expected_hessian(model, g, state)
        if quasi:
            if last_grad is not None:  # BFGS update with each member's secant pair
                y = grad - last_grad[active]
                s_ = last_step[active]
                sy = np.einsum("bi,bi->b", s_, y)
                hs = np.einsum("bij,bj->bi", approx[active], s_)
                shs = np.einsum("bi,bi->b", s_, hs)
                upd = (sy > 1e-12 * np.linalg.norm(s_, axis=1) * np.linalg.norm(y, axis=1)) & (
                    shs > 0
                )
                if upd.any():
                    u = np.flatnonzero(upd)
                    approx[active[u]] += (
                        y[u, :, None] * y[u, None, :] / sy[u, None, None]
                        - hs[u, :, None] * hs[u, None, :] / shs[u, None, None]
                    )
            hess = approx[active].copy()
        near = close[active] & (iteration > newton_after)
        if near.any():  # Newton with the observed information: quadratic convergence
            idx = np.flatnonzero(near)
            observed = observed_hessian(
                model, th[idx], [_take(x, idx) for x in sub], weights[:, active][:, idx]
            )
            pd_ok = np.linalg.eigvalsh(observed)[:, 0] > 0
            hess[idx[pd_ok]] = observed[pd_ok]
        try:
            step = -np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -np.stack(
                [np.linalg.lstsq(h, gr, rcond=None)[0] for h, gr in zip(hess, grad, strict=True)]
            )
        bad = ~np.all(np.isfinite(step), axis=1)
        step[bad] = 0.0
        size = np.ones(active.size)
        old = value[active]
        new = np.full(active.size, math.inf)
        todo = np.arange(active.size)
        for _ in range(30):
            cand = th[todo] + size[todo, None] * step[todo]
            vals = _objective_w(
                model,
                cand,
                [(c[todo], m[todo]) for c, m in sub],
                [ld[active][todo] for ld in logdets],
                weights[:, active][:, todo],
            )
            ok = vals <= old[todo] + 1e-14 * np.maximum(1.0, np.abs(old[todo]))
            new[todo[ok]] = vals[ok]
            todo = todo[~ok]
            if not todo.size:
                break
            size[todo] /= 2.0
        stuck = np.isinf(new)
        new_theta = th + size[:, None] * step
        new_theta[stuck] = th[stuck]
        new[stuck] = old[stuck]
        theta[active] = new_theta
        value[active] = new
        if hessian is not None:
            last_grad[active] = grad
            last_step[active] = new_theta - th

        change = old - new
        close[active] = np.abs(change) <= NEWTON_SWITCH * np.maximum(1.0, np.abs(new))
        small = np.abs(change) <= f_tolerance * np.maximum(1.0, np.abs(new))
        done = (small & (np.max(np.abs(grad), axis=1) < tolerance * 10)) | stuck | bad
        if step_tolerance is not None:  # parameters stable: accept without the gradient test
            moved = np.max(np.abs(size[:, None] * step) / (1.0 + np.abs(new_theta)), axis=1)
            tiny = (moved < step_tolerance) & ~stuck & ~bad
            converged[active[tiny]] = True
            done = done & ~tiny
            active, done, stuck, bad = active[~tiny], done[~tiny], stuck[~tiny], bad[~tiny]
        # confirm with the gradient at the new point
        if done.any():
            idx = active[done]
            g_new = total_gradient(model, theta[idx], subset(idx), weights[:, idx])
            conv = np.max(np.abs(g_new), axis=1) < tolerance
            converged[idx] = conv
            finished = conv | stuck[done] | bad[done]
            keep = np.ones(active.size, dtype=bool)
            keep[np.flatnonzero(done)[finished]] = False
            active = active[keep]
    return BatchFit(
        theta=theta, fmin=value, converged=converged, iterations=iteration, active_counts=counts
    )


def _take(moment_set, idx):
    cov, mean = moment_set
    return (cov[idx], mean[idx])


def observed_hessian(model, theta, sets, weights) -> np.ndarray:
    """∂²F/∂θ∂θ' by central differences of the analytic gradient, all members at once."""
    k, q = theta.shape
    steps = 1e-5 * np.maximum(1.0, np.abs(theta))  # (k, q)
    eye = np.eye(q)
    points = np.concatenate(
        [theta[:, None, :] + steps[:, :, None] * eye, theta[:, None, :] - steps[:, :, None] * eye],
        axis=1,
    ).reshape(k * 2 * q, q)
    rep = np.repeat(np.arange(k), 2 * q)
    grads = total_gradient(model, points, [_take(x, rep) for x in sets], weights[:, rep])
    grads = grads.reshape(k, 2, q, q)
    hess = (grads[:, 0] - grads[:, 1]) / (2 * steps[:, :, None])
    return (hess + hess.transpose(0, 2, 1)) / 2


def _objective_w(model, theta, sets, logdets, weights) -> np.ndarray:
    total = np.zeros(theta.shape[0])
    for g in range(len(model.groups)):
        cov, mean = sets[g]
        state = implied(model, g, theta, cov, mean)
        total = total + weights[g] * discrepancy(state, cov, mean, logdets[g], model.meanstructure)
    return total


def total_gradient(model, theta, sets, weights) -> np.ndarray:
    grad = np.zeros_like(theta)
    for g in range(len(model.groups)):
        cov, mean = sets[g]
        state = implied(model, g, theta, cov, mean)
        grad += weights[g][:, None] * gradient(model, g, state, cov, mean)
    return grad


def check_identified(model: CompiledModel) -> None:
    """Refuse a model with more free parameters than sample moments (negative df)."""
    df = model.n_moments() - model.n_free
    if df < 0:
        raise NotIdentifiedError(
            f"The model has {model.n_free} free parameters but only {model.n_moments()} "
            f"sample moments (df = {df}); it is not identified — fix or drop parameters."
        )
