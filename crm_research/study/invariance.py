"""Comparisons of means checked for measurement invariance first (part of the study's models).

- :func:`perception_gap_models`: for each declared mirror pair (an employee scale mirroring a
  customer scale) a one-factor model of the items the two scales share by position is fitted
  to customers and employees as two groups (:func:`crm_research.sem.invariance`,
  configural -> metric -> scalar); when scalar invariance holds the latent mean difference
  (employees minus customers) is reported, otherwise which level failed and the observed
  gap (:func:`crm_research.analysis.perception_gap`) with a caveat.
- :func:`segment_invariance`: the same sequence for each customer scale across the groups of
  each declared segment, so the report can say whether comparing the groups' means is
  meaningful.

:mod:`crm_research.study.models` runs these with the structural models for
:func:`crm_research.study.run_study`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_research import analysis, sem
from crm_research.instrument import Instrument
from crm_research.scoring import keyed_items
from crm_research.study.inputs import SurveyData

__all__ = [
    "DELTA_FIT_MIN_DF",
    "INVARIANCE_LEVELS",
    "MIN_FACTOR_ITEMS",
    "RULES",
    "decision",
    "likert_scales",
    "mirror_items",
    "mirror_pairs",
    "perception_gap_models",
    "segment_invariance",
]

#: Levels fitted before a comparison of means: equal loadings (metric) and equal intercepts
#: (scalar) are what a comparison of latent or observed means needs (Meredith 1993;
#: Vandenberg & Lance 2000); strict invariance (equal residuals) is not needed for it.
INVARIANCE_LEVELS = ("configural", "metric", "scalar")
#: Fewest items of a one-factor model identified in each group on its own: three indicators
#: (Bollen 1989, *Structural Equations with Latent Variables*, the three-indicator rule).
MIN_FACTOR_ITEMS = 3
#: Degrees of freedom of the configural model below which a level is judged by the χ²
#: difference test (lavaan's ``lavTestLRT``, α = .05) instead of Chen's (2007) ΔCFI/ΔRMSEA
#: rule: with few degrees of freedom the RMSEA is misleading (Kenny, D. A., Kaniskan, B., &
#: McCoach, D. B. (2015). The performance of RMSEA in models with small degrees of freedom.
#: *Sociological Methods & Research*, 44(3), 486-507) -- a three-item scale in two groups
#: has df 0, and 2 per step, where ΔRMSEA exceeds .015 by chance in large samples.
DELTA_FIT_MIN_DF = 10
#: Names of the two decision rules (the tables' ``rule`` column).
RULES = ("chisq_difference", "delta_fit")


def likert_scales(inst: Instrument) -> list[str]:
    """The instrument's scales that are not 0-10 recommendation scales, in order."""
    return [s.id for s in inst.scales if s.kind != "nps"]


def mirror_pairs(customer: Instrument, employee: Instrument) -> list[tuple[str, str]]:
    """Declared (employee scale, customer scale) pairs whose scales both instruments have.

    From the employee instrument's ``roles: mirrors`` (own scale -> customer scale) and the
    customer instrument's (own scale -> employee scale), in that order, each once; a pair
    naming a 0-10 or unknown scale is left out.

    Examples
    --------
    >>> from crm_research.instrument import load_instrument
    >>> pairs = mirror_pairs(load_instrument("d_company_customer"),
    ...                      load_instrument("d_company_employee"))
    >>> pairs[0]
    ('identification', 'identification')
    """
    pairs = list(employee.roles.mirrors.items())
    pairs += [(emp, cus) for cus, emp in customer.roles.mirrors.items()]
    cl, el = set(likert_scales(customer)), set(likert_scales(employee))
    return [p for p in dict.fromkeys(pairs) if p[0] in el and p[1] in cl]


def mirror_items(
    customer: Instrument, employee: Instrument, customer_scale: str, employee_scale: str
) -> tuple[list[str], list[str], list[str]]:
    """The items of two mirrored scales compared with each other, paired by position.

    The roles declare mirrors at scale level; item ``i`` of the customer scale is compared
    with item ``i`` of the employee scale.  When the scales have different numbers of items
    the first ``min(k_c, k_e)`` of each are used, in order, and the caveat
    ``items_by_position`` says so.

    Returns
    -------
    (list, list, list)
        Customer items, employee items (same length) and caveat codes.

    Examples
    --------
    >>> from crm_research.instrument import load_instrument
    >>> c, e, caveats = mirror_items(load_instrument("d_company_customer"),
    ...     load_instrument("d_company_employee"), "interaction", "interaction")
    >>> c, e, caveats
    (['int1', 'int2', 'int3'], ['e_int1', 'e_int2', 'e_int3'], ['items_by_position'])
    """
    ci, ei = list(customer.scale_items(customer_scale)), list(employee.scale_items(employee_scale))
    k = min(len(ci), len(ei))
    caveats = ["items_by_position"] if len(ci) != len(ei) else []
    return ci[:k], ei[:k], caveats


def _response_range(inst: Instrument, items: Sequence[str]) -> set[tuple[float, float]]:
    return {(inst.item(i).response_scale.min, inst.item(i).response_scale.max) for i in items}


def _one_factor(k: int) -> str:
    return "f =~ " + " + ".join(f"m{i}" for i in range(1, k + 1))


def decision(res: sem.InvarianceResult) -> dict[str, Any]:
    """Which invariance level holds, by the rule that suits the model's degrees of freedom.

    Configural df below :data:`DELTA_FIT_MIN_DF`: the χ² difference tests
    (``res.verdict["chisq_level"]``); otherwise Chen's ΔCFI/ΔRMSEA rule
    (``res.verdict["level"]``).  Both readings are returned.

    Returns
    -------
    dict
        ``rule`` (one of :data:`RULES`), ``level`` (highest level held by it), ``failed``
        (the first level not held, or ``""``), ``chen_level``, ``chisq_level``.
    """
    levels = list(res.fits.index)
    small = float(res.fits.loc[levels[0], "df"]) < DELTA_FIT_MIN_DF
    chen, chisq = res.verdict["level"], res.verdict["chisq_level"]
    level = chisq if small else chen
    if level == "none":
        failed = levels[0]
    else:
        after = levels[levels.index(level) + 1 :]
        failed = after[0] if after else ""
    return {
        "rule": RULES[0] if small else RULES[1],
        "level": level,
        "failed": failed,
        "chen_level": chen,
        "chisq_level": chisq,
    }


def _level_rows(res: sem.InvarianceResult) -> pd.DataFrame:
    frame = res.to_frame().reset_index()
    keep = ["level", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
    keep += ["chisq_diff", "df_diff", "pvalue_diff", "delta_cfi", "delta_rmsea", "holds"]
    frame = frame[keep].copy()
    frame["holds"] = [None if v is None or v != v else bool(v) for v in frame["holds"]]
    return frame


def perception_gap_models(
    customers: SurveyData,
    employees: SurveyData,
    *,
    ci: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, dict[str, Any]]]]:
    """The perception gap after checking the mirrored items for measurement invariance.

    For each declared mirror pair (:func:`mirror_pairs`): the items the two scales share by
    position (:func:`mirror_items`), reverse-keyed, customers and employees stacked with
    customers first (the reference group, latent mean 0), the one-factor model
    ``f =~ m1 + ... + mk`` fitted at :data:`INVARIANCE_LEVELS` by
    :func:`crm_research.sem.invariance`.  When the scalar level holds (:func:`decision`:
    the χ² difference tests for models with few degrees of freedom, else Chen's rule) the
    employees' latent mean is the gap (employees minus customers, in
    units of the first item), with its SE, z, p and a normal interval ``est ± z·SE``;
    otherwise ``method`` is ``observed`` and the observed gap of the whole scales
    (:func:`crm_research.analysis.perception_gap`, Welch) is the one to read, with the
    caveat ``not_scalar`` (and which level failed).

    Parameters
    ----------
    customers, employees : SurveyData
    ci : float
        Level of the intervals.

    Returns
    -------
    (DataFrame, DataFrame, dict)
        ``perception_gap_invariance`` (one row per pair and level: ``dimension,
        employee_scale, level, chisq, df, pvalue, cfi, tli, rmsea, srmr, aic, bic,
        chisq_diff, df_diff, pvalue_diff, delta_cfi, delta_rmsea, holds``),
        ``perception_gap_latent`` (one row per pair: ``dimension, employee_scale, k_items,
        customer_items, employee_items, n_customers, n_employees, rule, level_held,
        failed_level, chen_level, chisq_level, method, estimate, se, z, p_value, ci_low,
        ci_high,
        std_all, observed_gap, observed_ci_low, observed_ci_high, observed_p_value,
        caveats``) and, when neither can be made, table -> (reason code, values).
    """
    cinst, einst = customers.instrument, employees.instrument
    pairs = mirror_pairs(cinst, einst)
    if not pairs:
        return pd.DataFrame(), pd.DataFrame(), _both_absent("gap", {})
    ckeyed, ekeyed = keyed_items(customers.items, cinst), keyed_items(employees.items, einst)
    z_crit = float(stats.norm.ppf((1 + ci) / 2))
    fits, latent, skipped = [], [], []
    for emp_scale, cus_scale in pairs:
        citems, eitems, caveats = mirror_items(cinst, einst, cus_scale, emp_scale)
        if len(citems) < MIN_FACTOR_ITEMS:
            skipped.append(cus_scale)
            continue
        if _response_range(cinst, citems) != _response_range(einst, eitems):
            skipped.append(cus_scale)
            continue
        k = len(citems)
        names = [f"m{i}" for i in range(1, k + 1)]
        stacked = pd.concat(
            [
                ckeyed[citems].set_axis(names, axis=1).assign(group="customers"),
                ekeyed[eitems].set_axis(names, axis=1).assign(group="employees"),
            ],
            ignore_index=True,
        )
        res = sem.invariance(stacked, _one_factor(k), "group", levels=INVARIANCE_LEVELS)
        ident = {"dimension": cus_scale, "employee_scale": emp_scale}
        fits.append(_level_rows(res).assign(**ident))
        verdict = decision(res)
        held = verdict["level"]
        observed = analysis.perception_gap(
            employees.scores, customers.scores, pairs=[(emp_scale, cus_scale)], ci=ci
        ).iloc[0]
        row: dict[str, Any] = {
            **ident,
            "k_items": k,
            "customer_items": ", ".join(citems),
            "employee_items": ", ".join(eitems),
            "n_customers": res.n_by_group.get("customers", 0),
            "n_employees": res.n_by_group.get("employees", 0),
            "rule": verdict["rule"],
            "level_held": held,
            "failed_level": verdict["failed"],
            "chen_level": verdict["chen_level"],
            "chisq_level": verdict["chisq_level"],
        }
        lm = res.latent_means
        if held == "scalar" and len(lm):
            est, se = float(lm["est"].iloc[0]), float(lm["se"].iloc[0])
            row.update(
                method="latent",
                estimate=est,
                se=se,
                z=float(lm["z"].iloc[0]),
                p_value=float(lm["pvalue"].iloc[0]),
                ci_low=est - z_crit * se,
                ci_high=est + z_crit * se,
                std_all=float(lm["std_all"].iloc[0]),
            )
        else:
            caveats.append("not_scalar")
            row.update(
                method="observed",
                estimate=np.nan,
                se=np.nan,
                z=np.nan,
                p_value=np.nan,
                ci_low=np.nan,
                ci_high=np.nan,
                std_all=np.nan,
            )
        if verdict["chen_level"] != verdict["chisq_level"]:
            caveats.append("rules_differ")
        if res.warnings:
            caveats.append("warnings")
        row.update(
            observed_gap=float(observed["gap"]),
            observed_ci_low=float(observed["ci_low"]),
            observed_ci_high=float(observed["ci_high"]),
            observed_p_value=float(observed["p_value"]),
            caveats=";".join(caveats),
        )
        latent.append(row)
    if not latent:
        return (
            pd.DataFrame(),
            pd.DataFrame(),
            _both_absent("gap_few_items", {"k": MIN_FACTOR_ITEMS, "scales": ", ".join(skipped)}),
        )
    inv = pd.concat(fits, ignore_index=True)
    first = ["dimension", "employee_scale"]
    inv = inv[first + [c for c in inv.columns if c not in first]]
    return inv, pd.DataFrame(latent), {}


def _both_absent(code: str, values: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {name: (code, values) for name in ("perception_gap_invariance", "perception_gap_latent")}


def segment_invariance(customers: SurveyData) -> tuple[pd.DataFrame, tuple[str, dict] | None]:
    """Invariance of each customer scale across the groups of each declared segment.

    For each segment column (``roles: segments``) and each Likert scale with at least
    :data:`MIN_FACTOR_ITEMS` items: the groups with more complete rows than the free
    parameters of their one-factor model (``3k``: k-1 loadings, k residual variances, the
    factor variance and k intercepts) are fitted at :data:`INVARIANCE_LEVELS`; smaller
    groups are left out and named (``groups_left_out``).  ``comparable`` is whether the
    scalar level holds, i.e. whether the groups' means may be compared.

    Returns
    -------
    (DataFrame, tuple or None)
        One row per segment and scale: ``segment, scale, k_items, n_groups, n_min,
        groups_left_out, cfi_configural, cfi_metric, cfi_scalar, rmsea_configural,
        rmsea_metric, rmsea_scalar, delta_cfi_metric, delta_cfi_scalar, delta_rmsea_metric,
        delta_rmsea_scalar, pvalue_metric, pvalue_scalar, rule, level_held, failed_level,
        chen_level, chisq_level, comparable``; and the reason (code, values) when no row can
        be made.  The level held is judged by :func:`decision`.
    """
    inst = customers.instrument
    segments = [s for s in inst.roles.segments if s in customers.meta.columns]
    if not segments:
        return pd.DataFrame(), ("groups", {})
    keyed = keyed_items(customers.items, inst)
    rows = []
    for segment in segments:
        for scale in likert_scales(inst):
            items = list(inst.scale_items(scale))
            k = len(items)
            if k < MIN_FACTOR_ITEMS:
                continue
            data = keyed[items].set_axis([f"m{i}" for i in range(1, k + 1)], axis=1)
            data = data.assign(group=customers.meta[segment].to_numpy()).dropna()
            data["group"] = data["group"].astype(str)
            counts = data["group"].value_counts(sort=False)
            small = [str(g) for g, n in counts.items() if n <= 3 * k]
            data = data[~data["group"].isin(small)]
            if data["group"].nunique() < 2:
                continue
            res = sem.invariance(data, _one_factor(k), "group", levels=INVARIANCE_LEVELS)
            f, tests = res.fits, res.tests
            row: dict[str, Any] = {
                "segment": segment,
                "scale": scale,
                "k_items": k,
                "n_groups": len(res.groups),
                "n_min": min(res.n_by_group.values()),
                "groups_left_out": ", ".join(small),
            }
            for level in INVARIANCE_LEVELS:
                row[f"cfi_{level}"] = float(f.loc[level, "cfi"])
            for level in INVARIANCE_LEVELS:
                row[f"rmsea_{level}"] = float(f.loc[level, "rmsea"])
            for col in ("delta_cfi", "delta_rmsea", "pvalue"):
                for level in INVARIANCE_LEVELS[1:]:
                    row[f"{col}_{level}"] = float(tests.loc[level, col])
            verdict = decision(res)
            row.update(
                rule=verdict["rule"],
                level_held=verdict["level"],
                failed_level=verdict["failed"],
                chen_level=verdict["chen_level"],
                chisq_level=verdict["chisq_level"],
                comparable=verdict["level"] == "scalar",
            )
            rows.append(row)
    if not rows:
        return pd.DataFrame(), ("segments_too_small", {"k": MIN_FACTOR_ITEMS})
    return pd.DataFrame(rows), None
