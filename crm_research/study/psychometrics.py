"""The factor analyses of a questionnaire, as named tables (or, per step, why not).

KMO with every item's MSA and Bartlett's test (``adequacy``), parallel analysis with the
observed and simulated eigenvalues (``parallel``), an EFA with the number of factors the
parallel analysis retains (``efa``: loadings with communalities, variance explained, factor
correlations) and a CFA of the instrument's scales (``cfa``: fit, standardized loadings,
CR/AVE, HTMT, Fornell–Larcker).  The items are the reverse-keyed Likert items, complete
cases.  A step the data cannot support (fewer respondents than items, an item everybody
answered alike, a singular correlation matrix, an unidentified model) leaves its tables out
with a reason (:class:`~crm_research.study.absent.AbsentTable`); any other error is a bug
and is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from crm_research import factor
from crm_research.errors import (
    InputError,
    NotIdentifiedError,
    SingularMatrixError,
    ZeroVarianceError,
)
from crm_research.instrument import Instrument
from crm_research.scoring import keyed_items
from crm_research.study.absent import FACTOR_STEP_LABELS, AbsentTable, absent_table

__all__ = [
    "FACTOR_MIN_ITEMS",
    "FACTOR_STEPS",
    "PARALLEL_ITERATIONS",
    "PARALLEL_SEED",
    "factor_items",
    "factor_tables",
    "measurement_model",
]

#: The steps, in report order, and the tables (name suffixes) each makes.
FACTOR_STEPS: dict[str, tuple[str, ...]] = {
    "adequacy": ("kmo", "bartlett"),
    "parallel": ("parallel_analysis",),
    "efa": ("efa_loadings", "efa_variance", "efa_correlations"),
    "cfa": ("cfa_fit", "cfa_loadings", "cfa_validity", "cfa_htmt", "cfa_fornell_larcker"),
}
#: Fewest items a factor analysis can use (a correlation needs two variables).
FACTOR_MIN_ITEMS = 2
#: Random data sets of the parallel analysis (Horn 1965; psych ``fa.parallel`` n.iter = 20,
#: more here for stabler quantiles).
PARALLEL_ITERATIONS = 100
#: Seed of the parallel analysis when the study is given none (the D-company case's seed), so
#: the same inputs give the same tables.
PARALLEL_SEED = 20190601


def factor_items(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The reverse-keyed items of the instrument's Likert scales, complete cases.

    Parameters
    ----------
    items : DataFrame
        Raw item codes (columns named by item id).
    instrument : Instrument

    Returns
    -------
    DataFrame
    """
    columns = [
        i for s in instrument.scales if s.kind != "nps" for i in instrument.scale_items(s.id)
    ]
    return keyed_items(items, instrument)[columns].dropna()


def measurement_model(instrument: Instrument) -> dict[str, list[str]]:
    """The instrument's Likert scales as a CFA model (scale -> its items)."""
    return {s.id: list(instrument.scale_items(s.id)) for s in instrument.scales if s.kind != "nps"}


def _first_column(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with its index as the first column ``name`` (a tidy table)."""
    out = frame.copy()
    out.index.name = None
    out.insert(0, name, [str(v) for v in frame.index])
    return out.reset_index(drop=True)


def _reason(step: str, error: InputError) -> tuple[str, dict[str, Any], bool]:
    """Reason code and values for a step that raised ``error``; whether later steps stop too.

    Causes in the data (an item without variance, a singular correlation matrix) make every
    step impossible; others (an unidentified CFA model) only the one step.
    """
    what = FACTOR_STEP_LABELS[step]
    if isinstance(error, ZeroVarianceError):
        return "fa_constant", {"item": ", ".join(error.columns)}, True
    if isinstance(error, SingularMatrixError):
        return "fa_singular", {}, True
    if isinstance(error, NotIdentifiedError):
        return "fa_not_identified", {"what": what}, False
    message = " ".join(str(error).split())
    message = message if len(message) <= 200 else message[:199] + "…"
    return "fa_failed", {"what": what, "message": message.rstrip(".")}, False


def factor_tables(
    items: pd.DataFrame,
    model: Mapping[str, Sequence[str]],
    prefix: str,
    *,
    n_iter: int = PARALLEL_ITERATIONS,
    seed: int | None = PARALLEL_SEED,
) -> tuple[dict[str, pd.DataFrame], dict[str, AbsentTable]]:
    """KMO/Bartlett, parallel analysis, EFA and CFA of ``items`` as tables named ``prefix_*``.

    Parameters
    ----------
    items : DataFrame
        Reverse-keyed items, complete cases (:func:`factor_items`).
    model : mapping
        Scale -> items, the CFA model (:func:`measurement_model`).
    prefix : str
        Table-name prefix, e.g. ``"customer"`` gives ``customer_kmo``.
    n_iter : int
        Random data sets of the parallel analysis.
    seed : int, optional
        Seed of the parallel analysis.

    Returns
    -------
    (dict, dict)
        Table name -> DataFrame, and table name -> :class:`AbsentTable` for each table
        left out.

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> from crm_research.instrument import load_instrument
    >>> inst = load_instrument("d_company_customer")
    >>> items = factor_items(simulate(1).customers[inst.item_ids], inst)
    >>> tables, absent = factor_tables(items.iloc[:20], measurement_model(inst), "customer")
    >>> sorted(tables), absent["customer_kmo"].code
    ([], 'fa_too_few')
    """
    n, k = (int(v) for v in items.shape)
    tables: dict[str, pd.DataFrame] = {}
    absent: dict[str, AbsentTable] = {}
    stop: tuple[str, dict[str, Any]] | None = None
    if k < FACTOR_MIN_ITEMS:
        stop = ("fa_too_few_items", {"k": k})
    elif n <= k:
        stop = ("fa_too_few", {"n": n, "k": k})

    def leave_out(step: str, code: str, values: Mapping[str, Any]) -> None:
        for suffix in FACTOR_STEPS[step]:
            name = f"{prefix}_{suffix}"
            absent[name] = absent_table(name, code, **values)

    def attempt(step: str, compute: Callable[[], Any]) -> Any:
        nonlocal stop
        if stop is not None:
            leave_out(step, *stop)
            return None
        try:
            return compute()
        except InputError as exc:  # the data cannot support this step (one sentence)
            code, values, every = _reason(step, exc)
            leave_out(step, code, values)
            if every:
                stop = (code, values)
            return None

    adequacy = attempt("adequacy", lambda: (factor.kmo(items), factor.bartlett_sphericity(items)))
    if adequacy is not None:
        kmo, bartlett = adequacy
        tables[f"{prefix}_kmo"] = _first_column(kmo.to_frame(), "item")
        tables[f"{prefix}_bartlett"] = bartlett.to_frame()
    parallel = attempt(
        "parallel", lambda: factor.parallel_analysis(items, n_iter=n_iter, seed=seed)
    )
    if parallel is not None:
        frame = _first_column(parallel.to_frame(), "number")
        frame["number"] = frame["number"].astype(int)
        tables[f"{prefix}_parallel_analysis"] = frame.assign(
            n_factors=parallel.n_factors, n_components=parallel.n_components
        )
    if parallel is None and stop is None:  # the EFA takes its number of factors from it
        first = absent[f"{prefix}_parallel_analysis"]
        for suffix in FACTOR_STEPS["efa"]:
            name = f"{prefix}_{suffix}"
            absent[name] = AbsentTable(name, first.code, dict(first.text))
    else:
        efa = attempt(
            "efa",
            lambda: factor.efa(
                items, max(parallel.n_factors, 1), method="minres", rotation="oblimin"
            ),
        )
        if efa is not None:
            tables[f"{prefix}_efa_loadings"] = _first_column(efa.to_frame(), "item")
            tables[f"{prefix}_efa_variance"] = _first_column(efa.variance, "factor")
            if efa.phi is not None:
                tables[f"{prefix}_efa_correlations"] = _first_column(efa.phi, "factor")
            else:
                name = f"{prefix}_efa_correlations"
                absent[name] = absent_table(name, "fa_one_factor")
    cfa = attempt("cfa", lambda: factor.cfa(items, dict(model)))
    if cfa is not None:
        tables[f"{prefix}_cfa_fit"] = cfa.fit_table()
        tables[f"{prefix}_cfa_loadings"] = cfa.loadings.reset_index(drop=True)
        tables[f"{prefix}_cfa_validity"] = _first_column(cfa.validity, "factor")
        tables[f"{prefix}_cfa_htmt"] = _first_column(cfa.htmt, "factor")
        tables[f"{prefix}_cfa_fornell_larcker"] = _first_column(cfa.fornell_larcker, "factor")
    return tables, absent
