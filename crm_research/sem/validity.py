"""Discriminant-validity tables (HTMT) for measurement models."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.sem.data import numeric_items, unique_items
from crm_research.sem.measurement import parse_measurement_model

__all__ = ["htmt", "htmt_from_correlation"]


# --------------------------------------------------------------------------------------------
# Validity tables
# --------------------------------------------------------------------------------------------
def htmt(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]] | str,
    mean: Literal["geometric", "arithmetic"] = "geometric",
    absolute: bool = True,
) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations, as ``semTools::htmt`` computes it.

    For factors i and j, HTMT is the average correlation between the items of i and the
    items of j (heterotrait) divided by the geometric mean of the average off-diagonal
    correlation within i and within j (monotrait). Correlations are Pearson correlations of
    the listwise-complete item columns. ``mean="geometric"`` (semTools 0.5-6 default,
    ``htmt2 = TRUE``; Roemer, Schuberth & Henseler 2021) averages with geometric means of
    absolute correlations; ``mean="arithmetic"`` is the original HTMT of Henseler et al.
    (2015), with absolute correlations when ``absolute=True`` (semTools' default).

    Parameters
    ----------
    data : pandas.DataFrame
        Numeric item columns (extra columns are ignored).
    model : dict or str
        Measurement model, as for `cfa`.
    mean : {"geometric", "arithmetic"}, default "geometric"
        How correlations are averaged (semTools ``htmt2``).
    absolute : bool, default True
        Use absolute correlations with the arithmetic mean (the geometric mean always does).

    Returns
    -------
    pandas.DataFrame
        Factors × factors, symmetric, 1 on the diagonal.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(100_000, 1))  # one construct measured by all four items
    >>> d = pd.DataFrame(f + rng.normal(size=(100_000, 4)), columns=list("abcd"))
    >>> round(float(htmt(d, {"f1": ["a", "b"], "f2": ["c", "d"]}).iloc[0, 1]), 1)
    1.0

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. Journal of the
    Academy of Marketing Science, 43, 115-135.
    Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 – an improved criterion for
    assessing discriminant validity in structural equation modeling. Industrial Management
    & Data Systems, 121(12), 2637-2650.
    """
    if mean not in ("geometric", "arithmetic"):
        raise InputError(f"HTMT mean {mean!r} is not supported; use 'geometric' or 'arithmetic'.")
    factors = parse_measurement_model(model)
    items = unique_items(factors)
    complete = numeric_items(data, items).dropna()
    if len(complete) < 3:
        raise InputError(f"Only {len(complete)} complete row(s) for items {items}; HTMT needs 3.")
    corr = np.corrcoef(complete.to_numpy(float), rowvar=False)
    return htmt_from_correlation(corr, factors, items, mean=mean, absolute=absolute)


def htmt_from_correlation(
    corr: np.ndarray,
    factors: dict[str, list[str]],
    items: list[str],
    mean: str = "geometric",
    absolute: bool = True,
) -> pd.DataFrame:
    index = {item: j for j, item in enumerate(items)}
    geometric = mean == "geometric"
    values = np.abs(corr) if (absolute or geometric) else corr.copy()
    np.fill_diagonal(values, np.nan)

    def average(block: np.ndarray) -> float:
        block = block[np.isfinite(block)]
        if block.size == 0:
            return math.nan
        with np.errstate(divide="ignore"):
            return float(np.exp(np.mean(np.log(block)))) if geometric else float(np.mean(block))

    names = list(factors)
    rows = {name: [index[item] for item in factors[name]] for name in names}
    monotrait = [average(values[np.ix_(rows[name], rows[name])]) for name in names]
    # semTools: a factor without within-factor correlations (one indicator) has NA throughout
    table = np.diag([1.0 if np.isfinite(m) else math.nan for m in monotrait])
    for a in range(len(names)):
        for b in range(a):
            hetero = average(values[np.ix_(rows[names[a]], rows[names[b]])])
            with np.errstate(invalid="ignore"):
                table[a, b] = table[b, a] = hetero / math.sqrt(monotrait[a] * monotrait[b])
    return pd.DataFrame(table, index=names, columns=names)
