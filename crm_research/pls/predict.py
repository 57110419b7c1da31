"""Predictive relevance of a PLS path model: blindfolding Q² and PLSpredict.

``blindfolding`` is the construct cross-validated redundancy of SmartPLS (Hair et al. 2022,
ch. 6): the data points of an endogenous construct's items are numbered row by row
(respondent 1 item 1, respondent 1 item 2, ...); with omission distance D every D-th point is
left out in turn (D rounds), replaced by the item mean of the points kept, the model is
re-estimated, and each omitted point is predicted from the construct's antecedents,
``x̂ = mean + sd · λ · Σ β_a Y_a`` (scores and coefficients of that round).  With SSE the
squared prediction errors and SSO the squared deviations of the omitted points from the item
mean (standardised data), ``Q² = 1 − ΣSSE / ΣSSO``.

``predict`` is PLSpredict (Shmueli et al. 2016, 2019): k-fold cross-validation; the model is
estimated on the training folds, the hold-out items are standardised with the training means
and SDs, construct scores are ``Z W`` and each endogenous construct is predicted from its
direct antecedents' scores (``technique="DA"``, seminr's default) or through the structural
model from the exogenous constructs only (``"EA"``); items are predicted by their loadings
and put back on the raw scale.  The linear-model (LM) benchmark regresses each endogenous
item, by OLS with an intercept on the training folds, on all items of the exogenous
constructs.  ``Q²_predict = 1 − Σ(x − x̂)² / Σ(x − x̄_train)²``.

References
----------
Shmueli, G., Ray, S., Velasquez Estrada, J. M., & Chatla, S. B. (2016). The elephant in the
room: predictive performance of PLS models. *Journal of Business Research*, 69, 4552-4564.
Shmueli, G., Sarstedt, M., Hair, J. F., et al. (2019). Predictive model assessment in PLS-SEM:
guidelines for using PLSpredict. *European Journal of Marketing*, 53(11), 2322-2347.
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on PLS-SEM*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_research._blas import single_blas_thread
from crm_research.errors import InputError
from crm_research.pls.algorithm import correlation, design, estimate
from crm_research.pls.result import PLSResult

__all__ = ["OMISSION_DISTANCE", "blindfolding", "predict"]

OMISSION_DISTANCE = 7  # Hair et al. (2022), ch. 6: D between 5 and 12, 7 the usual choice.
TECHNIQUES = ("DA", "EA")


def _fit(result: PLSResult, x: np.ndarray):
    des = design(result.model)
    est = estimate(
        correlation(x),
        des,
        scheme=result.scheme,
        tol=result.tol,
        max_iter=result.max_iter,
        consistent=result.consistent,
    )
    if not est.ok[0]:
        raise InputError("prediction: a training sample gave a singular matrix; use fewer folds.")
    return est


def blindfolding(result: PLSResult, *, distance: int = OMISSION_DISTANCE) -> pd.DataFrame:
    """Stone–Geisser Q² (construct cross-validated redundancy) by blindfolding.

    Parameters
    ----------
    result : PLSResult
        A fitted model (its data, scheme and options are reused).
    distance : int
        Omission distance D (default 7).

    Returns
    -------
    DataFrame
        One row per endogenous construct: ``construct, sse, sso, q2``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crm_research.pls import pls
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(150, 1)); g = 0.7 * f + 0.7 * rng.normal(size=(150, 1))
    >>> df = pd.DataFrame(np.hstack([f + rng.normal(scale=.5, size=(150, 2)),
    ...                              g + rng.normal(scale=.5, size=(150, 2))]),
    ...                   columns=["x1", "x2", "y1", "y2"])
    >>> q = blindfolding(pls(df, {"X": ["x1", "x2"], "Y": ["y1", "y2"]}, "Y ~ X"))
    >>> bool(q.loc[0, "q2"] > 0)
    True
    """
    if not isinstance(distance, (int, np.integer)) or distance < 2:
        raise InputError(f"distance: give a whole number >= 2, not {distance!r}.")
    model = result.model
    x = result.data.to_numpy(dtype=float)
    n = x.shape[0]
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    des = design(model)
    idx = {c: k for k, c in enumerate(model.constructs)}
    rows = []
    with single_blas_thread():
        for c in model.endogenous:
            j = idx[c]
            blk = des.blocks[j]
            k = len(blk)
            point = (np.arange(n)[:, None] * k + np.arange(k)[None, :]) % distance
            sse = sso = 0.0
            for rnd in range(distance):
                omit = point == rnd
                if not omit.any():
                    continue
                zr = z.copy()
                sub = zr[:, blk]
                keep_mean = np.nanmean(np.where(omit, np.nan, sub), axis=0)
                sub[omit] = np.broadcast_to(keep_mean, sub.shape)[omit]
                zr[:, blk] = sub
                est = _fit(result, zr)
                mu = zr.mean(axis=0)
                sd = zr.std(axis=0, ddof=1)
                scores = ((zr - mu) / sd) @ est.weights[0]
                inner = scores @ est.paths[0][:, j]
                lam = est.loadings[0][blk, j]
                pred = mu[blk] + sd[blk] * (inner[:, None] * lam[None, :])
                actual = z[:, blk]
                sse += float(((actual - pred)[omit] ** 2).sum())
                sso += float((actual[omit] ** 2).sum())
            rows.append((c, sse, sso, 1 - sse / sso))
    return pd.DataFrame(rows, columns=["construct", "sse", "sso", "q2"])


def _folds(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(n)
    fold = np.empty(n, dtype=int)
    fold[order] = np.arange(n) % k
    return fold


def predict(
    result: PLSResult,
    *,
    k: int = 10,
    repetitions: int = 1,
    seed: int | None = None,
    technique: str = "DA",
) -> pd.DataFrame:
    """PLSpredict: k-fold out-of-sample prediction of the endogenous items, with the LM benchmark.

    Parameters
    ----------
    result : PLSResult
    k : int
        Folds (default 10, Shmueli et al. 2019).
    repetitions : int
        Repeated random fold splits; predictions are averaged over repetitions.
    seed : int, optional
        Seed of the fold assignment.
    technique : {"DA", "EA"}
        Predict each endogenous construct from its direct antecedents' scores (seminr's
        default), or from the exogenous constructs through the structural model.

    Returns
    -------
    DataFrame
        One row per item of an endogenous construct: ``construct, item, pls_rmse, pls_mae,
        lm_rmse, lm_mae, q2_predict`` (``q2_predict`` of the PLS predictions).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crm_research.pls import pls
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(150, 1)); g = 0.7 * f + 0.7 * rng.normal(size=(150, 1))
    >>> df = pd.DataFrame(np.hstack([f + rng.normal(scale=.5, size=(150, 2)),
    ...                              g + rng.normal(scale=.5, size=(150, 2))]),
    ...                   columns=["x1", "x2", "y1", "y2"])
    >>> p = predict(pls(df, {"X": ["x1", "x2"], "Y": ["y1", "y2"]}, "Y ~ X"), seed=1)
    >>> list(p["item"]), bool((p["q2_predict"] > 0).all())
    (['y1', 'y2'], True)
    """
    if technique not in TECHNIQUES:
        raise InputError(f"technique: {technique!r} is not one of DA, EA.")
    x = result.data.to_numpy(dtype=float)
    n = x.shape[0]
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= n // 2:
        raise InputError(f"k: give a number of folds between 2 and {n // 2}, not {k!r}.")
    if not isinstance(repetitions, (int, np.integer)) or repetitions < 1:
        raise InputError(f"repetitions: give a whole number >= 1, not {repetitions!r}.")
    model = result.model
    names = list(model.constructs)
    idx = {c: i for i, c in enumerate(names)}
    endo = [c for c in model.endogenous]
    exo = [c for c in names if c not in endo]
    endo_items = [(c, it, p) for c, it, p in _item_positions(model) if c in endo]
    exo_pos = [p for c, _, p in _item_positions(model) if c in exo]
    order = _topological(model)
    rng = np.random.default_rng(seed)
    pls_pred = np.zeros((n, len(endo_items)))
    lm_pred = np.zeros((n, len(endo_items)))
    naive = np.zeros((n, len(endo_items)))
    target_pos = [p for _, _, p in endo_items]
    with single_blas_thread():
        for _ in range(repetitions):
            fold = _folds(n, k, rng)
            for f in range(k):
                test = fold == f
                train = ~test
                xt = x[train]
                mu = xt.mean(axis=0)
                sd = xt.std(axis=0, ddof=1)
                est = _fit(result, xt)
                w = est.weights[0]
                b = est.paths[0]
                lam = est.loadings[0]
                scores = ((x[test] - mu) / sd) @ w
                if technique == "EA":
                    for c in order:
                        j = idx[c]
                        if c in endo:
                            scores[:, j] = scores @ b[:, j]
                pred_scores = scores @ b
                for col, (c, _, p) in enumerate(endo_items):
                    j = idx[c]
                    pls_pred[test, col] += mu[p] + sd[p] * lam[p, j] * pred_scores[:, j]
                design_train = np.column_stack([np.ones(train.sum()), xt[:, exo_pos]])
                design_test = np.column_stack([np.ones(test.sum()), x[test][:, exo_pos]])
                coef = np.linalg.lstsq(design_train, xt[:, target_pos], rcond=None)[0]
                lm_pred[test] += design_test @ coef
                naive[test] += mu[target_pos]
    pls_pred /= repetitions
    lm_pred /= repetitions
    naive /= repetitions
    actual = x[:, target_pos]
    e_pls = actual - pls_pred
    e_lm = actual - lm_pred
    rows = []
    for col, (c, it, _) in enumerate(endo_items):
        rows.append(
            (
                c,
                it,
                float(np.sqrt((e_pls[:, col] ** 2).mean())),
                float(np.abs(e_pls[:, col]).mean()),
                float(np.sqrt((e_lm[:, col] ** 2).mean())),
                float(np.abs(e_lm[:, col]).mean()),
                float(
                    1 - (e_pls[:, col] ** 2).sum() / ((actual[:, col] - naive[:, col]) ** 2).sum()
                ),
            )
        )
    return pd.DataFrame(
        rows,
        columns=["construct", "item", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae", "q2_predict"],
    )


def _item_positions(model) -> list[tuple[str, str, int]]:
    out = []
    pos = 0
    for c in model.constructs:
        for it in model.blocks[c]:
            out.append((c, it, pos))
            pos += 1
    return out


def _topological(model) -> list[str]:
    done: list[str] = []
    remaining = list(model.constructs)
    while remaining:
        for c in remaining:
            if all(a in done for a in model.antecedents(c)):
                done.append(c)
                remaining.remove(c)
                break
    return done
