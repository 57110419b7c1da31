"""Importance–performance map analysis (IPMA) of a PLS path model (Ringle & Sarstedt 2016).

Steps (Ringle & Sarstedt 2016; Hair et al. 2022, ch. 8; SmartPLS' IPMA):

1. every item is rescaled to 0-100 with its scale's minimum and maximum,
   ``x̃ = (x − min) / (max − min) · 100`` (the observed range unless ``scale`` is given);
2. the standardised outer weights become unstandardised weights on the rescaled items,
   ``w / sd(x̃)``, and are normalised to sum to one within each construct, so that the
   rescaled construct scores ``Σ w̃ x̃`` lie on 0-100;
3. **performance** of a construct is the mean of its rescaled scores;
4. **importance** is its *unstandardised* total effect on the target:
   ``T_std · sd(target score) / sd(construct score)`` on the rescaled scores (the total
   effect of the standardised model in the rescaled metric).

``level="item"`` gives the indicator IPMA: performance the item's rescaled mean, importance
its rescaled weight times its construct's importance.

A negative outer weight makes the 0-100 bound fail (Ringle & Sarstedt 2016); the table's
``attrs["warnings"]`` says so.

References
----------
Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: the
importance-performance map analysis. *Industrial Management & Data Systems*, 116(9),
1865-1886.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.pls.algorithm import total_effects
from crm_research.pls.result import PLSResult

__all__ = ["ipma", "rescaled_scores"]

ScaleSpec = tuple[float, float] | Mapping[str, tuple[float, float]] | None


def _ranges(result: PLSResult, scale: ScaleSpec) -> tuple[np.ndarray, np.ndarray]:
    items = list(result.model.items)
    data = result.data
    lo = data.min().to_numpy(dtype=float).copy()
    hi = data.max().to_numpy(dtype=float).copy()
    if scale is None:
        pass
    elif isinstance(scale, Mapping):
        for i, it in enumerate(items):
            if it in scale:
                lo[i], hi[i] = map(float, scale[it])
    else:
        try:
            a, b = map(float, scale)
        except (TypeError, ValueError):
            raise InputError(
                "scale: give (min, max) or a mapping item -> (min, max), e.g. (1, 7)."
            ) from None
        lo[:], hi[:] = a, b
    for i, it in enumerate(items):
        if not hi[i] > lo[i]:
            raise InputError(f"scale: item {it!r} has maximum {hi[i]:g} <= minimum {lo[i]:g}.")
        if data[it].min() < lo[i] or data[it].max() > hi[i]:
            raise InputError(
                f"scale: item {it!r} has answers outside its scale {lo[i]:g}-{hi[i]:g}."
            )
    return lo, hi


def rescaled_scores(
    result: PLSResult, scale: ScaleSpec = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items rescaled to 0-100 and construct scores on 0-100 (rescaled unstandardised weights).

    Returns
    -------
    (items, scores) : DataFrames
        ``items`` respondents x items on 0-100; ``scores`` respondents x constructs.
        ``scores.attrs["weights"]`` holds the rescaled weights (Series indexed by item).
    """
    lo, hi = _ranges(result, scale)
    model = result.model
    items = list(model.items)
    xt = (result.data[items].to_numpy(dtype=float) - lo) / (hi - lo) * 100
    sd = xt.std(axis=0, ddof=1)
    w = result.weights.set_index("item").loc[items, "estimate"].to_numpy()
    unstd = w / sd
    rescaled = np.empty_like(unstd)
    scores = {}
    pos = 0
    for c in model.constructs:
        k = len(model.blocks[c])
        block = slice(pos, pos + k)
        rescaled[block] = unstd[block] / unstd[block].sum()
        scores[c] = xt[:, block] @ rescaled[block]
        pos += k
    items_df = pd.DataFrame(xt, index=result.data.index, columns=items)
    scores_df = pd.DataFrame(scores, index=result.data.index)
    scores_df.attrs["weights"] = pd.Series(rescaled, index=items)
    return items_df, scores_df


def ipma(
    result: PLSResult,
    target: str,
    *,
    scale: ScaleSpec = None,
    level: str = "construct",
) -> pd.DataFrame:
    """Importance–performance map table for ``target`` (Ringle & Sarstedt 2016).

    Parameters
    ----------
    result : PLSResult
    target : str
        Endogenous construct whose drivers are mapped (e.g. ``"Loyalty"``).
    scale : (min, max) or mapping item -> (min, max), optional
        The answer scale of the items (e.g. ``(1, 7)``); default the observed range.
    level : {"construct", "item"}
        Constructs with a total effect on the target, or their items.

    Returns
    -------
    DataFrame
        ``construct, importance, performance`` (``level="item"``: ``construct, item,
        importance, performance``), sorted by importance, largest first.
        ``attrs``: ``target``, ``target_performance``, ``warnings``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crm_research.pls import pls
    >>> rng = np.random.default_rng(0)
    >>> f = rng.integers(1, 8, size=(200, 1)); g = np.clip(f + rng.integers(-1, 2, (200, 1)), 1, 7)
    >>> df = pd.DataFrame(np.hstack([np.clip(f + rng.integers(-1, 2, (200, 2)), 1, 7),
    ...                              np.clip(g + rng.integers(-1, 2, (200, 2)), 1, 7)]),
    ...                   columns=["x1", "x2", "y1", "y2"])
    >>> t = ipma(pls(df, {"X": ["x1", "x2"], "Y": ["y1", "y2"]}, "Y ~ X"), "Y", scale=(1, 7))
    >>> list(t.columns), bool(0 < t.loc[0, "performance"] < 100)
    (['construct', 'importance', 'performance'], True)
    """
    model = result.model
    if target not in model.constructs:
        raise InputError(f"ipma: {target!r} is not a construct of the model.")
    if target not in model.endogenous:
        raise InputError(f"ipma: {target!r} has no antecedents, so nothing drives it.")
    if level not in ("construct", "item"):
        raise InputError(f"ipma: level {level!r} is not 'construct' or 'item'.")
    items_df, scores = rescaled_scores(result, scale)
    names = list(model.constructs)
    idx = {c: i for i, c in enumerate(names)}
    b = np.zeros((len(names), len(names)))
    for _, r in result.paths.iterrows():
        b[idx[r["from"]], idx[r["to"]]] = r["estimate"]
    tot = total_effects(b)
    sd = scores.std(ddof=1)
    t = idx[target]
    warnings = []
    negative = result.weights.query("estimate < 0")
    if len(negative):
        warnings.append(
            f"negative outer weight(s) ({', '.join(negative['item'])}): rescaled scores can "
            "leave the 0-100 range (Ringle & Sarstedt 2016)."
        )
    drivers = [c for c in names if c != target and tot[idx[c], t] != 0]
    importance = {c: float(tot[idx[c], t] * sd[target] / sd[c]) for c in drivers}
    if level == "construct":
        out = pd.DataFrame(
            [(c, importance[c], float(scores[c].mean())) for c in drivers],
            columns=["construct", "importance", "performance"],
        )
    else:
        w = scores.attrs["weights"]
        rows = []
        for c in drivers:
            for it in model.blocks[c]:
                rows.append((c, it, float(w[it] * importance[c]), float(items_df[it].mean())))
        out = pd.DataFrame(rows, columns=["construct", "item", "importance", "performance"])
    out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["target"] = target
    out.attrs["target_performance"] = float(scores[target].mean())
    out.attrs["warnings"] = warnings
    return out
