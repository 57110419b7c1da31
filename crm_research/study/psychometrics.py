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

import numpy as np
import pandas as pd

from crm_research import factor, sem
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
    "CROSS_LOADING_MIN",
    "HTMT_LIBERAL",
    "SALIENT_LOADING",
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
    "cfa": (
        "cfa_fit", "cfa_loadings", "cfa_validity", "cfa_htmt", "cfa_htmt_pairs",
        "cfa_fornell_larcker",
    ),
}  # fmt: skip

#: A salient EFA loading: |loading| >= .40 (Stevens, J. P. (2002). Applied Multivariate
#: Statistics for the Social Sciences (4th ed.), Erlbaum; Hair, J. F., Black, W. C., Babin,
#: B. J., & Anderson, R. E. (2019). Multivariate Data Analysis (8th ed.), Cengage: .40 for
#: samples of about 200).
SALIENT_LOADING = 0.40
#: A cross-loading: a second |loading| >= .32 besides the item's largest (Tabachnick, B. G., &
#: Fidell, L. S. (2013). Using Multivariate Statistics (6th ed.), Pearson; Costello &
#: Osborne 2005).
CROSS_LOADING_MIN = 0.32
#: HTMT: .85 (sem.HTMT_MAX) for conceptually distinct constructs, .90 for similar ones
#: (Henseler, Ringle & Sarstedt 2015, J. Acad. Marketing Science 43, 115-135).
HTMT_LIBERAL = 0.90
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


def validity_verdicts(validity: pd.DataFrame) -> pd.DataFrame:
    """CR/AVE with their verdicts: ``cr_ok`` (CR >= .70), ``ave_ok`` (AVE >= .50) and
    ``fornell_larcker_ok`` (sqrt(AVE) above the factor's largest correlation with another).

    Examples
    --------
    >>> v = pd.DataFrame({"factor": ["a"], "cr": [0.76], "ave": [0.48], "sqrt_ave": [0.69],
    ...                   "max_factor_correlation": [0.5]})
    >>> validity_verdicts(v)[["cr_ok", "ave_ok", "fornell_larcker_ok"]].iloc[0].tolist()
    [True, False, True]

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1), 39-50.
    Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2019). Multivariate Data
    Analysis (8th ed.). Cengage.
    """
    out = validity.copy()
    out["cr_ok"] = out["cr"] >= sem.CR_MIN
    out["ave_ok"] = out["ave"] >= sem.AVE_MIN
    out["fornell_larcker_ok"] = out["sqrt_ave"] > out["max_factor_correlation"]
    return out


def htmt_pairs(htmt: pd.DataFrame) -> pd.DataFrame:
    """The HTMT matrix as pairs with their flags: ``factor_1, factor_2, htmt, above_085,
    above_090`` (Henseler et al. 2015: .85 for distinct, .90 for similar constructs).

    Examples
    --------
    >>> m = pd.DataFrame([[1, 0.88], [0.88, 1]], index=["a", "b"], columns=["a", "b"])
    >>> row = htmt_pairs(m).iloc[0]
    >>> float(row["htmt"]), bool(row["above_085"]), bool(row["above_090"])
    (0.88, True, False)
    """
    names = [str(c) for c in htmt.columns]
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            value = float(htmt.loc[a, b])
            rows.append(
                {"factor_1": a, "factor_2": b, "htmt": value,
                 "above_085": bool(value >= sem.HTMT_MAX), "above_090": bool(value >= HTMT_LIBERAL)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["factor_1", "factor_2", "htmt", "above_085", "above_090"])


def name_factors(loadings: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each EFA factor named after the instrument scale holding most of its salient items.

    A factor's salient items are those whose largest |loading| is on it and is at least
    :data:`SALIENT_LOADING`; ties go to the scale listed first in ``model``.  Names are made
    unique (a second factor of one scale gets ``_2``); a factor without salient items keeps
    its own label.

    Examples
    --------
    >>> L = pd.DataFrame({"MR1": [0.8, 0.7, 0.1], "MR2": [0.1, 0.0, 0.6]}, index=["x1", "x2", "y1"])
    >>> name_factors(L, {"x": ["x1", "x2"], "y": ["y1"]})
    {'MR1': 'x', 'MR2': 'y'}
    """
    scale_of = {item: scale for scale, items in model.items() for item in items}
    order = {scale: k for k, scale in enumerate(model)}
    absval = loadings.abs()
    primary = absval.idxmax(axis=1)
    names: dict[str, str] = {}
    used: dict[str, int] = {}
    for fac in loadings.columns:
        mine = [i for i in loadings.index if primary[i] == fac and absval.loc[i, fac] >= SALIENT_LOADING]
        counts: dict[str, int] = {}
        for item in mine:
            if item in scale_of:
                counts[scale_of[item]] = counts.get(scale_of[item], 0) + 1
        if not counts:
            names[str(fac)] = str(fac)
            continue
        best = min(counts, key=lambda sc: (-counts[sc], order[sc]))
        used[best] = used.get(best, 0) + 1
        names[str(fac)] = best if used[best] == 1 else f"{best}_{used[best]}"
    return names


def loading_flags(loadings: pd.DataFrame) -> pd.DataFrame:
    """Per item: ``primary_factor``, ``primary_loading``, ``salient`` (|largest| >= .40) and
    ``cross_loading`` (another |loading| >= .32).

    Examples
    --------
    >>> L = pd.DataFrame({"F1": [0.8, 0.5], "F2": [0.1, 0.4]}, index=["a", "b"])
    >>> loading_flags(L)[["salient", "cross_loading"]].to_numpy().tolist()
    [[True, False], [True, True]]
    """
    values = loadings.to_numpy(float)
    absval = np.abs(values)
    order = np.argsort(-absval, axis=1)
    first = absval[np.arange(len(values)), order[:, 0]]
    second = absval[np.arange(len(values)), order[:, 1]] if values.shape[1] > 1 else np.zeros(len(values))
    return pd.DataFrame(
        {
            "primary_factor": [str(loadings.columns[j]) for j in order[:, 0]],
            "primary_loading": values[np.arange(len(values)), order[:, 0]],
            "salient": first >= SALIENT_LOADING,
            "cross_loading": second >= CROSS_LOADING_MIN,
        },
        index=loadings.index,
    )


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
            # factors named after the scale holding most of their salient items (MR2 ->
            # loyalty); salient loadings and cross-loadings flagged per item
            names = name_factors(efa.loadings, model)
            frame = efa.to_frame().rename(columns=names)
            flags = loading_flags(efa.loadings)
            flags["primary_factor"] = flags["primary_factor"].map(names)
            frame = pd.concat([frame, flags], axis=1)
            tables[f"{prefix}_efa_loadings"] = _first_column(frame, "item")
            variance = efa.variance.rename(index=names)
            salient = flags[flags["salient"]].groupby("primary_factor").size()
            variance["extraction_label"] = [
                next(k for k, v in names.items() if v == f) for f in variance.index
            ]
            variance["salient_items"] = [int(salient.get(f, 0)) for f in variance.index]
            tables[f"{prefix}_efa_variance"] = _first_column(variance, "factor")
            if efa.phi is not None:
                phi = efa.phi.rename(index=names, columns=names)
                tables[f"{prefix}_efa_correlations"] = _first_column(phi, "factor")
            else:
                name = f"{prefix}_efa_correlations"
                absent[name] = absent_table(name, "fa_one_factor")
    cfa = attempt("cfa", lambda: factor.cfa(items, dict(model)))
    if cfa is not None:
        tables[f"{prefix}_cfa_fit"] = cfa.fit_table()
        tables[f"{prefix}_cfa_loadings"] = cfa.loadings.reset_index(drop=True)
        tables[f"{prefix}_cfa_validity"] = validity_verdicts(_first_column(cfa.validity, "factor"))
        tables[f"{prefix}_cfa_htmt"] = _first_column(cfa.htmt, "factor")
        tables[f"{prefix}_cfa_htmt_pairs"] = htmt_pairs(cfa.htmt)
        tables[f"{prefix}_cfa_fornell_larcker"] = _first_column(cfa.fornell_larcker, "factor")
    return tables, absent
