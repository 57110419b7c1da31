"""The study's models: invariance-checked comparisons, the structural model, driver importance.

Everything here reads the instruments' declared roles (:class:`crm_research.roles.Roles`),
never scale ids, so it runs for any study:

- **Perception gap, invariance first** (:func:`perception_gap_models`): for each declared
  mirror pair (an employee scale mirroring a customer scale) a one-factor model of the items
  the two scales share by position is fitted to customers and employees as two groups
  (:func:`crm_research.sem.invariance`, configural -> metric -> scalar).  When scalar
  invariance holds the latent mean difference (employees minus customers) is reported;
  otherwise the table says which level failed and falls back to the observed scale means
  (:func:`crm_research.analysis.perception_gap`) with a caveat.
- **Group differences by segment** (:func:`segment_invariance`): the same sequence for each
  customer scale across the groups of each declared segment (customer type, sector...), so
  that the report says whether the group comparison of means is interpretable.
- **Structural model** (:func:`structural_sem`, :func:`structural_pls`): satisfaction ->
  loyalty with the declared antecedents (quality, the IDIC dimensions, the drivers) as
  causes of satisfaction and direct causes of loyalty; indirect and total effects through
  satisfaction (``:=``).  Covariance SEM (:func:`crm_research.sem.sem`), PLS-SEM
  (:func:`crm_research.pls.pls` with the importance-performance map,
  :func:`crm_research.pls.ipma`), or both -- the study file's ``models: structural:``.
- **Key-driver importance with intervals** (:func:`driver_importance`): general dominance
  weights (:func:`crm_research.analysis.relative_importance`) with bootstrap intervals; the
  IPA table gets them as its derived importance (:func:`ipa_importance`); per value class
  (A against the rest) where respondents link to the ledger by customer id
  (:func:`driver_importance_by_value`).
- **Common-method checks** (:func:`common_method_tables`): Harman's single-factor test and
  Kock's full-collinearity VIFs.
- **NPS with its interval** (:func:`nps_table`): Rocks' adjusted Wald interval.

:func:`model_tables` runs them all for :func:`crm_research.study.run_study` and says, for
each table it cannot make, why (:mod:`crm_research.study.absent`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_research import analysis, factor, pls, sem
from crm_research.errors import InputError
from crm_research.instrument import Instrument
from crm_research.scoring import keyed_items, nps, nps_interval
from crm_research.study.absent import MODEL_STEP_LABELS, AbsentTable, absent_table
from crm_research.study.inputs import SurveyData
from crm_research.study.invariance import (
    INVARIANCE_LEVELS,
    likert_scales,
    perception_gap_models,
    segment_invariance,
)
from crm_research.study.psychometrics import PARALLEL_SEED
from crm_research.studyfile import MODEL_SETTINGS, STRUCTURAL_ESTIMATORS

__all__ = [
    "IMPORTANCE_BOOT",
    "IMPORTANCE_DEFINITION",
    "MIN_ROWS_PER_PREDICTOR",
    "MODEL_TABLE_NAMES",
    "PLS_BOOT",
    "common_method_tables",
    "driver_importance",
    "driver_importance_by_value",
    "ipa_importance",
    "model_settings",
    "model_tables",
    "nps_table",
    "structural_model",
    "structural_pls",
    "structural_sem",
]

#: Tables this module makes (added to :data:`crm_research.study.TABLE_NAMES`).
MODEL_TABLE_NAMES = (
    "perception_gap_invariance",
    "perception_gap_latent",
    "segment_invariance",
    "sem_fit",
    "sem_paths",
    "sem_r2",
    "sem_indirect",
    "driver_importance",
    "driver_importance_by_value",
    "common_method_harman",
    "common_method_vif",
    "pls_paths",
    "pls_r2",
    "pls_reliability",
    "ipma",
)
#: Bootstrap resamples of the driver-importance intervals.
IMPORTANCE_BOOT = 1000
#: Bootstrap resamples of the PLS-SEM intervals (moderate: a report is rebuilt often).
PLS_BOOT = 500
#: Rows per predictor a group needs for its driver importance: Austin & Steyerberg (2015,
#: *Journal of Clinical Epidemiology* 68(6), 627-636) found two subjects per variable enough
#: for accurate linear-regression coefficients and R²; five keep bootstrap resamples of full
#: rank.
MIN_ROWS_PER_PREDICTOR = 5
#: What the importance of the driver tables and of the IPA's importance axis is.
IMPORTANCE_DEFINITION = "general_dominance"
#: Value class compared with the rest (ABC classification of the ledger).
VALUE_CLASS = "A"


# --------------------------------------------------------------------------------------------
# Settings and roles
# --------------------------------------------------------------------------------------------


def model_settings(models: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``models:`` settings of a study with their defaults (``structural: sem``).

    Parameters
    ----------
    models : mapping, optional
        ``{"structural": "sem" | "pls" | "both"}`` (a study file's ``models:`` section).

    Returns
    -------
    dict

    Raises
    ------
    InputError
        An unknown setting or estimator (one sentence).

    Examples
    --------
    >>> model_settings(None)
    {'structural': 'sem'}
    >>> model_settings({"structural": "both"})["structural"]
    'both'
    """
    out: dict[str, Any] = {"structural": "sem"}
    for key, value in dict(models or {}).items():
        if key not in MODEL_SETTINGS:
            raise InputError(
                f"Unknown models setting '{key}'; the settings are {', '.join(MODEL_SETTINGS)}."
            )
        out[key] = value
    if out["structural"] not in STRUCTURAL_ESTIMATORS:
        raise InputError(
            f"models: structural is {out['structural']!r}, not one of "
            f"{', '.join(STRUCTURAL_ESTIMATORS)}."
        )
    return out


def structural_model(customer: Instrument) -> dict[str, Any] | None:
    """The satisfaction -> loyalty model the customer instrument's roles declare.

    Satisfaction and loyalty are the first scales of those roles; the antecedents are the
    declared ``antecedents``, the IDIC scales and the ``drivers`` (once each, Likert scales
    only, never satisfaction or loyalty).

    Returns
    -------
    dict or None
        ``satisfaction``, ``loyalty``, ``antecedents`` (list) and ``measurement`` (scale ->
        items), or ``None`` when satisfaction or loyalty is not declared.

    Examples
    --------
    >>> from crm_research.instrument import load_instrument
    >>> spec = structural_model(load_instrument("d_company_customer"))
    >>> spec["satisfaction"], spec["loyalty"], spec["antecedents"][-1]
    ('satisfaction', 'loyalty', 'quality')
    """
    roles, likert = customer.roles, set(likert_scales(customer))
    sat = next((s for s in roles.satisfaction if s in likert), None)
    loy = next((s for s in roles.loyalty if s in likert), None)
    if sat is None or loy is None:
        return None
    ordered = [*roles.drivers, *roles.idic, *roles.antecedents]
    antecedents = [s for s in dict.fromkeys(ordered) if s in likert and s not in (sat, loy)]
    scales = [*antecedents, sat, loy]
    return {
        "satisfaction": sat,
        "loyalty": loy,
        "antecedents": antecedents,
        "measurement": {s: list(customer.scale_items(s)) for s in scales},
    }


# --------------------------------------------------------------------------------------------
# Structural model: covariance SEM and PLS-SEM
# --------------------------------------------------------------------------------------------


def _sem_syntax(spec: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
    """lavaan syntax of the model with safe names; alias -> scale and alias -> item."""
    scales = list(spec["measurement"])
    lv = {s: f"f{i}" for i, s in enumerate(scales, start=1)}
    items: dict[str, str] = {}
    lines = []
    for s in scales:
        names = []
        for it in spec["measurement"][s]:
            items.setdefault(it, f"x{len(items) + 1}")
            names.append(items[it])
        if len(names) == 1:  # a single item measures its scale without error
            lines += [f"{lv[s]} =~ 1*{names[0]}", f"{names[0]} ~~ 0*{names[0]}"]
        else:
            lines.append(f"{lv[s]} =~ " + " + ".join(names))
    sat, loy, ante = lv[spec["satisfaction"]], lv[spec["loyalty"]], spec["antecedents"]
    if ante:
        lines.append(f"{sat} ~ " + " + ".join(f"a{i}*{lv[s]}" for i, s in enumerate(ante, 1)))
    lines.append(f"{loy} ~ b*{sat}" + "".join(f" + c{i}*{lv[s]}" for i, s in enumerate(ante, 1)))
    for i, _ in enumerate(ante, start=1):
        lines += [f"ind{i} := a{i}*b", f"tot{i} := c{i} + a{i}*b"]
    return "\n".join(lines), {v: k for k, v in lv.items()}, {v: k for k, v in items.items()}


def structural_sem(
    customers: SurveyData, spec: Mapping[str, Any], *, ci: float = 0.95
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """The satisfaction -> loyalty model by covariance SEM (ML, lavaan's definitions).

    Each scale is a latent variable measured by its reverse-keyed items; satisfaction is
    regressed on the antecedents (paths ``a``), loyalty on satisfaction (``b``) and on the
    antecedents (direct paths ``c``); for each antecedent ``ind := a*b`` (indirect effect
    through satisfaction) and ``tot := c + a*b`` (total effect), with delta-method standard
    errors (:func:`crm_research.sem.sem`, ``se="standard"``) and normal intervals.

    Returns
    -------
    (dict, tuple)
        Tables ``sem_fit`` (``measure, value, cutoff, met``), ``sem_paths`` (``outcome,
        predictor, label, est, se, z, pvalue, std_all, ci_low, ci_high``), ``sem_r2``
        (``outcome, r2, n``) and, with antecedents, ``sem_indirect`` (``predictor,
        mediator, outcome, effect, est, se, z, pvalue, ci_low, ci_high, std_all``); and the
        fit's warnings.
    """
    syntax, scales, items = _sem_syntax(spec)
    data = keyed_items(customers.items, customers.instrument)[list(items.values())]
    data.columns = list(items)
    res = sem.sem(data, syntax, ci=ci)
    par = res.parameters
    reg = par[par["op"] == "~"]
    paths = pd.DataFrame(
        {
            "outcome": [scales[v] for v in reg["lhs"]],
            "predictor": [scales[v] for v in reg["rhs"]],
            "label": reg["label"].to_numpy(),
        }
    )
    for col in ("est", "se", "z", "pvalue", "std_all", "ci_low", "ci_high"):
        paths[col] = reg[col].to_numpy(dtype=float)
    endogenous = (
        [spec["satisfaction"], spec["loyalty"]] if spec["antecedents"] else [spec["loyalty"]]
    )
    alias = {v: k for k, v in scales.items()}
    r2 = pd.DataFrame(
        {
            "outcome": endogenous,
            "r2": [float(res.r2[alias[s]]) for s in endogenous],
            "n": res.n,
        }
    )
    tables = {"sem_fit": res.fit_table(), "sem_paths": paths, "sem_r2": r2}
    if spec["antecedents"]:
        d = res.defined
        rows = []
        for i, ante in enumerate(spec["antecedents"], start=1):
            for effect, name in (("indirect", f"ind{i}"), ("total", f"tot{i}")):
                r = d[d["name"] == name].iloc[0]
                rows.append(
                    {
                        "predictor": ante,
                        "mediator": spec["satisfaction"],
                        "outcome": spec["loyalty"],
                        "effect": effect,
                        **{
                            c: float(r[c])
                            for c in ("est", "se", "z", "pvalue", "ci_low", "ci_high", "std_all")
                        },
                    }
                )
        tables["sem_indirect"] = pd.DataFrame(rows)
    return tables, tuple(res.warnings)


def structural_pls(
    customers: SurveyData,
    spec: Mapping[str, Any],
    *,
    seed: int,
    n_boot: int = PLS_BOOT,
    ci: float = 0.95,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """The satisfaction -> loyalty model by PLS-SEM, with the importance-performance map.

    The same constructs and paths as :func:`structural_sem`, estimated by
    :func:`crm_research.pls.pls` (mode A, path weighting, bootstrap percentile intervals
    from ``n_boot`` seeded resamples); :func:`crm_research.pls.ipma` maps the drivers of
    loyalty (importance = unstandardised total effect, performance = construct score on
    0-100 over the items' answer scales).

    Returns
    -------
    (dict, tuple)
        Tables ``pls_paths`` (``from, to, estimate, se, t, pvalue, ci_low, ci_high``),
        ``pls_r2`` (``construct, r2, r2_adj``), ``pls_reliability`` (``construct, alpha,
        rhoA, rhoC, ave``), ``ipma`` (``construct, importance, performance, target,
        target_performance``); and the warnings.
    """
    keyed = keyed_items(customers.items, customers.instrument)
    sat, loy, ante = spec["satisfaction"], spec["loyalty"], spec["antecedents"]
    paths = [(a, sat) for a in ante] + [(a, loy) for a in (*ante, sat)]
    res = pls.pls(keyed, spec["measurement"], paths, n_boot=n_boot, seed=seed, ci=ci)
    cols = ["from", "to", "estimate", "se", "t", "pvalue", "ci_low", "ci_high"]
    inst = customers.instrument
    scale = {
        it: (inst.item(it).response_scale.min, inst.item(it).response_scale.max)
        for items in spec["measurement"].values()
        for it in items
    }
    imap = pls.ipma(res, loy, scale=scale)
    rel = res.reliability[["alpha", "rhoA", "rhoC", "ave"]]
    tables = {
        "pls_paths": res.paths[cols].reset_index(drop=True),
        "pls_r2": pd.DataFrame(
            {
                "construct": list(res.r2),
                "r2": [float(res.r2[c]) for c in res.r2],
                "r2_adj": [float(res.r2_adj[c]) for c in res.r2],
            }
        ),
        "pls_reliability": rel.rename_axis("construct").reset_index(),
        "ipma": imap.assign(
            target=loy, target_performance=float(imap.attrs["target_performance"])
        ).reset_index(drop=True),
    }
    return tables, tuple(res.warnings) + tuple(imap.attrs.get("warnings", ()))


# --------------------------------------------------------------------------------------------
# Driver importance, IPA, value classes
# --------------------------------------------------------------------------------------------


def _importance(
    scores: pd.DataFrame, outcome: str, predictors: Sequence[str], seed: int, ci: float
) -> pd.DataFrame:
    res = analysis.relative_importance(
        scores, outcome, list(predictors), method="dominance", n_boot=IMPORTANCE_BOOT,
        seed=seed, ci=ci,
    )  # fmt: skip
    share_ci = res.attrs["share_ci"]
    return res.assign(
        outcome=outcome,
        share_ci_low=[share_ci[p][0] for p in res["predictor"]],
        share_ci_high=[share_ci[p][1] for p in res["predictor"]],
        r2=float(res.attrs["r2"]),
        n=int(res.attrs["n"]),
        n_boot=int(res.attrs["n_boot"]),
        n_boot_valid=int(res.attrs["n_boot_valid"]),
        definition=IMPORTANCE_DEFINITION,
    )[["outcome", "predictor", "weight", "share", "rank", "ci_low", "ci_high", "share_ci_low",
       "share_ci_high", "r2", "n", "n_boot", "n_boot_valid", "definition"]]  # fmt: skip


def _drivers(customer: Instrument, scores: pd.DataFrame) -> tuple[str | None, str | None, list]:
    roles, likert = customer.roles, set(likert_scales(customer))
    sat = next((s for s in roles.satisfaction if s in likert and s in scores), None)
    loy = next((s for s in roles.loyalty if s in likert and s in scores), None)
    drivers = [d for d in roles.drivers if d in likert and d in scores and d not in (sat, loy)]
    return sat, loy, drivers


def driver_importance(customers: SurveyData, *, seed: int, ci: float = 0.95) -> pd.DataFrame:
    """General dominance weights of the declared drivers, with bootstrap intervals.

    Satisfaction on the drivers (``roles: drivers``) and, when loyalty is declared, loyalty
    on satisfaction and the drivers: :func:`crm_research.analysis.relative_importance`
    (``method="dominance"``, :data:`IMPORTANCE_BOOT` resamples seeded with ``seed``).

    Returns
    -------
    DataFrame
        ``outcome, predictor, weight, share, rank, ci_low, ci_high`` (interval of the
        weight), ``share_ci_low, share_ci_high`` (interval of the share), ``r2, n, n_boot,
        n_boot_valid, definition`` (empty when satisfaction or drivers are not declared).
    """
    sat, loy, drivers = _drivers(customers.instrument, customers.scores)
    if sat is None or not drivers:
        return pd.DataFrame()
    parts = [_importance(customers.scores, sat, drivers, seed, ci)]
    if loy is not None:
        parts.append(_importance(customers.scores, loy, [sat, *drivers], seed, ci))
    return pd.concat(parts, ignore_index=True)


def ipa_importance(ipa: pd.DataFrame, importance: pd.DataFrame) -> pd.DataFrame:
    """The IPA table with the bootstrap interval of each attribute's importance.

    The IPA's importance is the attribute's share of the explained variance of satisfaction
    (general dominance, ``importance_definition`` of the IPA table); this adds
    ``importance_ci_low`` and ``importance_ci_high``, the percentile interval of that share
    over the bootstrap resamples of :func:`driver_importance` (``share_ci_low``,
    ``share_ci_high`` of its first outcome), and ``importance_source`` (the table they come
    from).  The other columns are kept as they are.
    """
    outcome = importance["outcome"].iloc[0]
    shares = importance[importance["outcome"] == outcome].set_index("predictor")
    out = ipa.copy()
    attrs = out["attribute"].astype(str)
    out["importance_ci_low"] = attrs.map(shares["share_ci_low"]).to_numpy(dtype=float)
    out["importance_ci_high"] = attrs.map(shares["share_ci_high"]).to_numpy(dtype=float)
    out["importance_source"] = "driver_importance"
    return out


def driver_importance_by_value(
    customers: SurveyData, abc: pd.DataFrame, *, seed: int, ci: float = 0.95
) -> tuple[pd.DataFrame, tuple[str, dict[str, Any]] | None]:
    """Driver importance for the customers of value class A and for the rest, with intervals.

    Respondents are linked to the ledger's ABC classes by customer id; in each group
    (``A``, ``rest`` = B and C) satisfaction is decomposed over the drivers as in
    :func:`driver_importance`.  A group needs :data:`MIN_ROWS_PER_PREDICTOR` rows per driver.

    Returns
    -------
    (DataFrame, tuple or None)
        ``value_class, outcome, predictor, weight, share, rank, ci_low, ci_high, r2, n,
        n_boot, n_boot_valid, definition``; or the reason (code, values) it cannot be made.
    """
    sat, _, drivers = _drivers(customers.instrument, customers.scores)
    if sat is None or not drivers:
        return pd.DataFrame(), ("no_drivers" if sat is not None else "no_satisfaction", {})
    if "customer_id" not in customers.meta.columns:
        return pd.DataFrame(), ("value_no_link", {})
    classes = pd.Series(
        abc["abc_class"].astype(str).to_numpy(), index=abc["customer_id"].astype(str).to_numpy()
    )
    linked = customers.meta["customer_id"].astype(str).map(classes)
    if linked.notna().sum() == 0:
        return pd.DataFrame(), ("value_no_link", {})
    group = np.where(linked == VALUE_CLASS, VALUE_CLASS, "rest")
    group = pd.Series(group, index=customers.scores.index).where(linked.notna().to_numpy())
    need = MIN_ROWS_PER_PREDICTOR * len(drivers)
    parts = []
    for name in (VALUE_CLASS, "rest"):
        rows = customers.scores[group == name][[sat, *drivers]].dropna()
        if len(rows) < need:
            return pd.DataFrame(), (
                "value_too_few",
                {
                    "group": MODEL_STEP_LABELS[name],
                    "n": len(rows),
                    "need": need,
                    "k": len(drivers),
                },  # fmt: skip
            )
        parts.append(_importance(rows, sat, drivers, seed, ci).assign(value_class=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["value_class", *[c for c in out.columns if c != "value_class"]]], None


# --------------------------------------------------------------------------------------------
# Common-method checks, NPS
# --------------------------------------------------------------------------------------------


def common_method_tables(customers: SurveyData) -> dict[str, pd.DataFrame]:
    """Harman's single-factor test over every Likert item and Kock's VIFs over the scales.

    Returns
    -------
    dict
        ``common_method_harman`` (one row: ``n, k, share_factor, share_component,
        exceeds_half, exceeds_half_component, threshold``) and ``common_method_vif``
        (``scale, vif, r2, exceeds, threshold, n``), each when the data allow it.
    """
    inst = customers.instrument
    out: dict[str, pd.DataFrame] = {}
    columns = [i for s in likert_scales(inst) for i in inst.scale_items(s)]
    items = keyed_items(customers.items, inst)[list(dict.fromkeys(columns))].dropna()
    h = factor.harman_single_factor(items)
    out["common_method_harman"] = pd.DataFrame(
        [
            {
                k: h[k]
                for k in (
                    "n",
                    "k",
                    "share_factor",
                    "share_component",
                    "exceeds_half",
                    "exceeds_half_component",
                    "threshold",
                )
            }
        ]  # fmt: skip
    )
    scales = [s for s in likert_scales(inst) if s in customers.scores.columns]
    vif = factor.full_collinearity_vif(customers.scores[scales].dropna())
    out["common_method_vif"] = (
        vif.rename_axis("scale")
        .reset_index()
        .assign(threshold=float(vif.attrs["threshold"]), n=int(vif.attrs["n"]))
    )
    return out


def nps_table(customers: SurveyData, *, ci: float = 0.95) -> pd.DataFrame | None:
    """The NPS table with Rocks' (2016) adjusted Wald interval (``ci_low``, ``ci_high``).

    The answers are the declared recommendation item (``roles: recommendation``), as the
    study's ``nps`` table takes them.  Columns: those of :meth:`crm_research.scoring.NPSResult.to_frame`,
    then ``ci_low, ci_high, nps_adjusted, ci, method``; ``None`` without a recommendation
    question.
    """
    inst = customers.instrument
    rec = inst.roles.recommendation
    if rec is None or rec not in customers.items.columns:
        return None
    # the 0-10 answers; a one-item recommendation scale scores exactly these
    holder = next(
        (sc.id for sc in inst.scales if sc.kind == "nps" and list(sc.items) == [rec]), None
    )
    answers = customers.scores[holder] if holder is not None else customers.items[rec]
    interval = nps_interval(answers, ci=ci)
    return (
        nps(answers)
        .to_frame()
        .assign(**{k: interval[k] for k in ("ci_low", "ci_high", "nps_adjusted", "ci", "method")})
    )


# --------------------------------------------------------------------------------------------
# All of it, for run_study
# --------------------------------------------------------------------------------------------


def _message(error: Exception) -> str:
    text = " ".join(str(error).split()).rstrip(".")
    return text if len(text) <= 200 else text[:199] + "…"


def model_tables(
    customers: SurveyData,
    employees: SurveyData | None,
    tables: Mapping[str, pd.DataFrame],
    *,
    seed: int | None = None,
    ci: float = 0.95,
    models: Mapping[str, Any] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, AbsentTable], dict[str, Any]]:
    """Every table of this module for :func:`crm_research.study.run_study`, or why not.

    Parameters
    ----------
    customers : SurveyData
    employees : SurveyData, optional
        ``None`` for a study without the employee self-assessment.
    tables : mapping
        The study's tables so far (``abc`` for the value classes, ``ipa`` and ``nps`` are
        completed here).
    seed : int, optional
        The study's seed (bootstrap of the importance and PLS intervals); default
        :data:`~crm_research.study.psychometrics.PARALLEL_SEED`.
    ci : float
    models : mapping, optional
        The study's ``models:`` settings (:func:`model_settings`).

    Returns
    -------
    (dict, dict, dict)
        New or completed tables (``ipa`` and ``nps`` replaced by themselves plus the
        interval columns), absent tables with their reasons, and the settings used
        (``structural``, ``seed``, ``importance_boot``, ``pls_boot``, warnings).

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> from crm_research.study.inputs import load_survey
    >>> case = simulate(1, n_customers=80)
    >>> cus = load_survey(case.customers, "d_company_customer")
    >>> made, absent, used = model_tables(cus, None, {})
    >>> absent["perception_gap_latent"].code, "sem_paths" in made
    ('no_employees', True)
    """
    settings = model_settings(models)
    seed = PARALLEL_SEED if seed is None else int(seed)
    out: dict[str, pd.DataFrame] = {}
    reasons: dict[str, tuple[str, dict[str, Any]]] = {}
    warnings: dict[str, list[str]] = {}

    def attempt(names: Sequence[str], what: str, compute: Any) -> Any:
        try:
            return compute()
        except InputError as exc:  # the data cannot support this model (one sentence)
            for name in names:
                reasons[name] = (
                    "model_failed", {"what": MODEL_STEP_LABELS[what], "message": _message(exc)}
                )  # fmt: skip
            return None

    # perception gap, invariance first
    gap_names = ("perception_gap_invariance", "perception_gap_latent")
    if employees is None:
        reasons.update({n: ("no_employees", {}) for n in gap_names})
    else:
        made = attempt(gap_names, "gap", lambda: perception_gap_models(customers, employees, ci=ci))
        if made is not None:
            inv, lat, why = made
            reasons.update(why)
            if not why:
                out["perception_gap_invariance"], out["perception_gap_latent"] = inv, lat

    # segments
    made = attempt(("segment_invariance",), "segments", lambda: segment_invariance(customers))
    if made is not None:
        frame, why = made
        if why is None:
            out["segment_invariance"] = frame
        else:
            reasons["segment_invariance"] = why

    # structural model
    spec = structural_model(customers.instrument)
    sem_names = ("sem_fit", "sem_paths", "sem_r2", "sem_indirect")
    pls_names = ("pls_paths", "pls_r2", "pls_reliability", "ipma")
    if spec is None:
        reasons.update({n: ("sem_no_outcomes", {}) for n in (*sem_names, *pls_names)})
    else:
        if settings["structural"] in ("sem", "both"):
            made = attempt(sem_names, "sem", lambda: structural_sem(customers, spec, ci=ci))
            if made is not None:
                out.update(made[0])
                warnings["sem"] = list(made[1])
                if not spec["antecedents"]:
                    reasons["sem_indirect"] = ("sem_no_antecedents", {})
        else:
            reasons.update({n: ("sem_not_requested", {}) for n in sem_names})
        if settings["structural"] in ("pls", "both"):
            made = attempt(
                pls_names, "pls", lambda: structural_pls(customers, spec, seed=seed, ci=ci)
            )
            if made is not None:
                out.update(made[0])
                warnings["pls"] = list(made[1])
                if not spec["antecedents"]:
                    reasons["ipma"] = ("sem_no_antecedents", {})
                    out.pop("ipma", None)
        else:
            reasons.update({n: ("pls_not_requested", {}) for n in pls_names})

    # driver importance, IPA, value classes
    importance = attempt(
        ("driver_importance",), "drivers", lambda: driver_importance(customers, seed=seed, ci=ci)
    )
    if importance is not None and len(importance):
        out["driver_importance"] = importance
        if "ipa" in tables:
            out["ipa"] = ipa_importance(tables["ipa"], importance)
    elif importance is not None:
        has_sat = _drivers(customers.instrument, customers.scores)[0] is not None
        reasons["driver_importance"] = ("no_drivers" if has_sat else "no_satisfaction", {})
    if "abc" not in tables:
        reasons["driver_importance_by_value"] = ("no_ledger", {})
    else:
        made = attempt(
            ("driver_importance_by_value",),
            "drivers",
            lambda: driver_importance_by_value(customers, tables["abc"], seed=seed, ci=ci),
        )
        if made is not None:
            frame, why = made
            if why is None:
                out["driver_importance_by_value"] = frame
            else:
                reasons["driver_importance_by_value"] = why

    # common-method checks, NPS
    made = attempt(
        ("common_method_harman", "common_method_vif"), "cmb",
        lambda: common_method_tables(customers),
    )  # fmt: skip
    if made is not None:
        out.update(made)
    nps_frame = nps_table(customers, ci=ci)
    if nps_frame is not None:
        out["nps"] = nps_frame

    absent = {name: absent_table(name, code, **values) for name, (code, values) in reasons.items()}
    used = {
        "structural": settings["structural"],
        "seed": seed,
        "importance_boot": IMPORTANCE_BOOT,
        "importance_definition": IMPORTANCE_DEFINITION,
        "pls_boot": PLS_BOOT,
        "invariance_levels": list(INVARIANCE_LEVELS),
        "warnings": warnings,
    }
    return out, absent, used
