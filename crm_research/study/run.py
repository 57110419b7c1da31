"""The study: every analysis of a CRM study into named tables, and why any table is absent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crm_research import analysis, segmentation
from crm_research.errors import InputError
from crm_research.instrument import LANGS, Instrument
from crm_research.reliability import scale_reliability
from crm_research.roles import Roles
from crm_research.scoring import keyed_items, nps
from crm_research.study.absent import (
    COLUMN_WORDS,
    SCALE_WORDS,
    AbsentTable,
    absent_table,
)
from crm_research.study.inputs import SurveyData, load_ledger, load_survey
from crm_research.study.models import MODEL_TABLE_NAMES, model_tables
from crm_research.study.psychometrics import (
    FACTOR_STEPS,
    PARALLEL_SEED,
    factor_items,
    factor_tables,
    measurement_model,
)
from crm_research.study.tables import (
    alpha_table,
    count_concentration,
    group_comparison_table,
    item_summary,
    midpoint,
    scale_summary,
    tier_value_agreement,
)
from crm_research.studyfile import StudySpec

__all__ = [
    "CSV_FLOAT_FORMAT",
    "IDIC_DIMENSIONS",
    "SATISFACTION_LOYALTY_AGREE_POINT",
    "TABLE_DECIMALS",
    "TABLE_NAMES",
    "StudyResult",
    "run_study",
]

#: The four IDIC scales of the shipped D-company instruments (Peppers & Rogers 2004).  Kept
#: for reference only: the study reads the instruments' declared roles (``roles: idic`` and
#: ``roles: mirrors``), never these ids.
IDIC_DIMENSIONS = ("identification", "differentiation", "interaction", "customization")

#: Table-name suffix of a grouping column (``concentration_<suffix>``, ``distribution_<suffix>``);
#: a column not listed is its own suffix.
COLUMN_TABLE_SUFFIX = {"customer_type": "type"}


def column_suffix(column: str) -> str:
    """The suffix of the concentration/distribution tables of a grouping ``column``.

    Examples
    --------
    >>> column_suffix("customer_type"), column_suffix("province")
    ('type', 'province')
    """
    return COLUMN_TABLE_SUFFIX.get(column, column)

#: Cut-off for "high" satisfaction and loyalty in the Jones & Sasser (1995) matrix: the
#: "agree" point of a 1-5 agreement scale, i.e. the top-two-box convention (a respondent is
#: satisfied / loyal when the scale mean reaches "agree").
SATISFACTION_LOYALTY_AGREE_POINT = 4.0

#: Fixed float formatting of every CSV table (deterministic bytes; six decimals).
CSV_FLOAT_FORMAT = "%.6f"

#: Decimals kept in tables (and hence in finding evidence): equal to the CSV format.
TABLE_DECIMALS = 6

#: Stable names of the tables :func:`run_study` can produce (a study without a scorecard or
#: without a service-tier column omits the corresponding tables).
TABLE_NAMES = (
    "quality_summary",
    "customer_descriptives",
    "customer_item_summary",
    "customer_scale_scores_summary",
    "customer_correlations",
    "employee_descriptives",
    "employee_item_summary",
    "employee_scale_scores_summary",
    "reliability_customer",
    "reliability_employee",
    "group_comparisons",
    "group_means",
    "group_posthoc",
    "drivers_satisfaction",
    "drivers_loyalty",
    "driver_fit",
    "ipa",
    "satisfaction_loyalty",
    "satisfaction_vs_loyalty",
    "nps",
    "perception_gap",
    "abc",
    "abc_summary",
    "concentration_city",
    "concentration_type",
    "concentration_sector",
    "concentration_summary",
    "revenue_concentration",
    "customer_distribution",
    "distribution_city",
    "distribution_type",
    "distribution_sector",
    "classification_agreement",
    "classification_crosstab",
    "crm_use_by_role",
    "employee_group_comparisons",
    "employee_group_posthoc",
    "scorecard",
    "scorecard_comparisons",
    "satisfaction_loyalty_points",
    *(f"customer_{suffix}" for tables in FACTOR_STEPS.values() for suffix in tables),
    *MODEL_TABLE_NAMES,
)


@dataclass(frozen=True, eq=False)
class StudyResult:
    """All tables of one CRM study.

    Attributes
    ----------
    tables : dict of str -> DataFrame
        One tidy table per analysis under a stable name (:data:`TABLE_NAMES`).
    quality : DataFrame
        One row per input: ``input, source, instrument, respondents, problems, sha256``.
    customers : SurveyData
        The screened and scored customer survey.
    employees : SurveyData or None
        The employee self-assessment (``None`` when the study has none).
    ledger : DataFrame or None
        The customer ledger (``None`` when the study has none).
    parameters : dict
        Settings used (instrument ids, midpoints, cut-offs, the parallel analysis' seed).
    absent : dict of str -> AbsentTable
        For each table of :data:`TABLE_NAMES` the study did not make: the reason code and
        one sentence per language (the report shows it where the table would be).
    case : str or None
        The case layer whose texts the findings use (``d_company``), or ``None``: findings
        then speak only of the client's data and the frameworks' literature.
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    customers: SurveyData
    employees: SurveyData | None
    ledger: pd.DataFrame | None
    parameters: dict = field(default_factory=dict)
    absent: dict[str, AbsentTable] = field(default_factory=dict)
    case: str | None = None

    @property
    def customer_roles(self) -> Roles:
        """Declared roles of the customer instrument (with the study's overrides)."""
        return self.customers.instrument.roles

    @property
    def employee_roles(self) -> Roles:
        """Declared roles of the employee instrument (empty without employees)."""
        return self.employees.instrument.roles if self.employees is not None else Roles()

    @property
    def mirror_pairs(self) -> tuple[tuple[str, str], ...]:
        """Declared (employee scale, customer scale) pairs compared as a perception gap."""
        return mirror_pairs(self.customers, self.employees)

    def table(self, name: str) -> pd.DataFrame:
        """Return a table by name (``InputError`` naming the known tables otherwise)."""
        if name not in self.tables:
            raise InputError(f"No table {name!r}; tables are {', '.join(sorted(self.tables))}.")
        return self.tables[name]

    def to_frame(self) -> pd.DataFrame:
        """One row per table: name, rows, columns."""
        return pd.DataFrame(
            [{"table": k, "rows": len(v), "columns": v.shape[1]} for k, v in self.tables.items()]
        )

    def __repr__(self) -> str:
        emp = "none" if self.employees is None else f"n={len(self.employees.items)}"
        led = "none" if self.ledger is None else str(self.ledger["customer_id"].nunique())
        return (
            f"StudyResult({len(self.tables)} tables; customers n={len(self.customers.items)}, "
            f"employees {emp}, ledger customers={led})"
        )


def mirror_pairs(
    customers: SurveyData, employees: SurveyData | None
) -> tuple[tuple[str, str], ...]:
    """(employee scale, customer scale) pairs declared by either instrument's ``mirrors``.

    Equal scale ids pair nothing unless declared (as
    :attr:`crm_research.studyfile.StudySpec.mirror_pairs`); pairs naming a scale the other
    instrument lacks are dropped.
    """
    if employees is None:
        return ()
    cinst, einst = customers.instrument, employees.instrument
    pairs = list(einst.roles.mirrors.items())
    pairs += [(emp, cus) for cus, emp in cinst.roles.mirrors.items()]
    return tuple(
        (e, c)
        for e, c in dict.fromkeys(pairs)
        if e in employees.scores.columns and c in customers.scores.columns
    )


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(TABLE_DECIMALS)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object)
    return out


def run_study(
    customers: str | Path | pd.DataFrame | Any,
    employees: str | Path | pd.DataFrame | Any | None = None,
    ledger: str | Path | pd.DataFrame | None = None,
    scorecard: str | Path | pd.DataFrame | Any | None = None,
    *,
    case: str | None = None,
    customer_instrument: str | Instrument = "d_company_customer",
    employee_instrument: str | Instrument = "d_company_employee",
    scorecard_instrument: str | Instrument = "crm_implementation_scorecard",
    tier_column: str = "service_tier",
    tier_mapping: Mapping[str, str] | None = None,
    a_cut: float | None = None,
    b_cut: float | None = None,
    satisfaction_loyalty_cut: float = SATISFACTION_LOYALTY_AGREE_POINT,
    ci: float = 0.95,
    posthoc: bool = True,
    reliability: str = "full",
    factor_analyses: bool | None = None,
    seed: int | None = None,
    models: Mapping[str, Any] | None = None,
) -> StudyResult:
    """Run every analysis of a CRM study into named tables.

    Which scale is satisfaction, loyalty, a driver, which item the recommendation question,
    which columns are segments and region, which employee scale mirrors which customer scale:
    all are read from the instruments' declared roles (:class:`crm_research.roles.Roles`),
    never from scale ids.  Only the customer survey is required; a table needing a missing
    input or an undeclared role is left out and :attr:`StudyResult.absent` says why.

    Parameters
    ----------
    customers : path, DataFrame, Responses or StudySpec
        Customer questionnaire (see :func:`load_survey`), or a whole study
        (:func:`crm_research.studyfile.load_study`): its inputs, instruments with the
        study's role overrides, read options and case are used, and ``employees``,
        ``ledger``, ``scorecard``, ``case`` and the instrument arguments must not be given.
    employees : path, DataFrame or Responses, optional
        Employee self-assessment.
    ledger : path or DataFrame, optional
        Revenue per customer and year (:data:`LEDGER_COLUMNS`).
    scorecard : path, DataFrame or Responses, optional
        The 17-metric CRM implementation scorecard.
    case : str, optional
        Case layer of the findings' texts (``d_company``); recorded on the result.
    customer_instrument, employee_instrument, scorecard_instrument : str or Instrument
    tier_column : str
        Column of the customer data holding the company's own service tier; when present the
        tiers are compared with the ABC classes (:func:`tier_value_agreement`).
    tier_mapping : mapping, optional
        Tier label -> A/B/C (default :data:`DEFAULT_TIER_MAPPING`).
    a_cut, b_cut : float, optional
        ABC cut-offs (default those of :mod:`crm_research.segmentation`, .70 and .90).
    satisfaction_loyalty_cut : float
        "High" cut-off of the satisfaction x loyalty matrix (default 4, "agree").
    ci : float
        Confidence level of all intervals.
    posthoc : bool
        Whether group comparisons of three or more groups run post-hoc tests (kept in the
        ``posthoc`` tables); switch off for speed in simulations.
    reliability : {"full", "alpha", "none"}
        ``"full"``: :func:`crm_research.reliability.scale_reliability` (alpha with Feldt CI,
        omega, item-total r); ``"alpha"``: alpha and its Feldt CI only (fast); ``"none"``: no
        reliability tables.
    factor_analyses : bool, optional
        Run the factor analyses of the customer questionnaire (KMO, Bartlett, parallel
        analysis, EFA, CFA: the ``customer_kmo`` ... ``customer_cfa_fornell_larcker`` tables of
        :mod:`crm_research.study.psychometrics`); default: with ``reliability="full"``.
    seed : int, optional
        Seed of the parallel analysis and of the bootstrap intervals of the models (default
        :data:`~crm_research.study.psychometrics.PARALLEL_SEED`).
    models : mapping, optional
        ``{"structural": "sem" | "pls" | "both"}`` (a study file's ``models:``; a StudySpec
        brings its own): :mod:`crm_research.study.models`.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> case = simulate(1, "thesis")
    >>> study = run_study(case.customers, case.employees, case.ledger, case.scorecard)
    >>> "perception_gap" in study.tables
    True
    """
    if isinstance(customers, StudySpec):
        spec = customers
        if any(x is not None for x in (employees, ledger, scorecard, case)):
            raise InputError(
                "run_study takes a StudySpec or input files, not both (the study file names "
                "the employees, ledger, scorecard and case)."
            )

        def survey(inp: Any) -> SurveyData | None:
            if inp is None:
                return None
            opts = {k: v for k, v in inp.read_options().items() if k != "instrument"}
            opts = {k: v for k, v in opts.items() if v is not None}
            return load_survey(str(inp.file), inp.instrument, **opts)

        cus = survey(spec.customers)
        emp = survey(spec.employees)
        led = load_ledger(spec.ledger.file) if spec.ledger is not None else None
        sc_data = survey(spec.scorecard)
        case = spec.case
        models = spec.models
    else:
        cus = load_survey(customers, customer_instrument)
        emp = load_survey(employees, employee_instrument) if employees is not None else None
        led = load_ledger(ledger) if ledger is not None else None
        sc_data = load_survey(scorecard, scorecard_instrument) if scorecard is not None else None
    assert cus is not None
    cinst = cus.instrument
    croles = cinst.roles
    eroles = emp.instrument.roles if emp is not None else Roles()
    likert_c = [s.id for s in cinst.scales if s.kind != "nps"]
    mid_c = {s: midpoint(cinst, cinst.scale_items(s)) for s in likert_c}
    if emp is not None:
        einst = emp.instrument
        likert_e = [s.id for s in einst.scales if s.kind != "nps"]
        mid_e = {s: midpoint(einst, einst.scale_items(s)) for s in likert_e}
    else:
        likert_e, mid_e = [], {}
    t: dict[str, pd.DataFrame] = {}
    absent: dict[str, AbsentTable] = {}

    def leave_out(names: tuple[str, ...] | str, code: str, **values: object) -> None:
        for name in (names,) if isinstance(names, str) else names:
            absent[name] = absent_table(name, code, **values)

    quality_rows = []
    for name, data in (("customers", cus), ("employees", emp), ("scorecard", sc_data)):
        if data is None:
            continue
        quality_rows.append(
            {
                "input": name,
                # the file name only: a table is the same wherever the input lies (the
                # sha256 identifies the file; full paths belong in manifest.json)
                "source": Path(data.source).name,
                "instrument": data.instrument.id,
                "respondents": len(data.items),
                "problems": len(data.quality),
                "sha256": data.sha256 or "",
            }
        )
    quality = pd.DataFrame(quality_rows)
    t["quality_summary"] = quality

    # Descriptives and scale levels
    t["customer_descriptives"] = analysis.describe(cus.items)
    if likert_c:
        t["customer_item_summary"] = item_summary(cus.items, cinst, likert_c, ci)
        t["customer_scale_scores_summary"] = scale_summary(cus.scores, mid_c, likert_c, ci)
    else:
        leave_out(("customer_item_summary", "customer_scale_scores_summary"), "no_scales_levels")
    if len(likert_c) >= 2:
        t["customer_correlations"] = analysis.correlations(cus.scores[likert_c], ci=ci)
    else:
        leave_out("customer_correlations", "few_scales", n=len(likert_c))
    if emp is not None:
        t["employee_descriptives"] = analysis.describe(emp.items)
        t["employee_item_summary"] = item_summary(emp.items, einst, likert_e, ci)
        t["employee_scale_scores_summary"] = scale_summary(emp.scores, mid_e, likert_e, ci)
    else:
        leave_out(
            (
                "employee_descriptives",
                "employee_item_summary",
                "employee_scale_scores_summary",
                "reliability_employee",
                "perception_gap",
                "crm_use_by_role",
                "employee_group_comparisons",
                "employee_group_posthoc",
            ),
            "no_employees",
        )

    # Reliability
    if reliability not in ("full", "alpha", "none"):
        raise InputError(f"reliability must be 'full', 'alpha' or 'none', not {reliability!r}.")
    for key, data, scales in (("customer", cus, likert_c), ("employee", emp, likert_e)):
        if reliability == "none":
            break
        if data is None:
            continue
        if not scales:
            leave_out(f"reliability_{key}", "no_scales")
            continue
        keyed = keyed_items(data.items, data.instrument)
        spec = {s: data.instrument.scale_items(s) for s in scales}
        if reliability == "full":
            t[f"reliability_{key}"] = scale_reliability(keyed, spec, ci=ci)
        else:
            t[f"reliability_{key}"] = alpha_table(keyed, spec, ci)

    # Group comparisons of the customer scales, by the declared segments
    group_cols = [c for c in croles.segments if c in cus.meta.columns]
    if group_cols and likert_c:
        tests, means, pairs = group_comparison_table(
            cus.scores, cus.meta, likert_c, group_cols, reference=mid_c, ci=ci, posthoc=posthoc
        )
        t["group_comparisons"], t["group_means"] = tests, means
        if not pairs.empty:
            t["group_posthoc"] = pairs
    if not group_cols:
        leave_out(("group_comparisons", "group_means", "group_posthoc"), "groups")

    # Drivers: declared drivers -> satisfaction -> loyalty
    drivers = [d for d in croles.drivers if d in cus.scores.columns]
    sat = next((x for x in croles.satisfaction if x in cus.scores.columns), None)
    loy = next((x for x in croles.loyalty if x in cus.scores.columns), None)
    if sat is None:
        leave_out(("drivers_satisfaction", "driver_fit"), "no_satisfaction")
        leave_out("ipa", "ipa_no_satisfaction")
    elif not drivers:
        leave_out(("drivers_satisfaction", "driver_fit", "ipa"), "no_drivers")
    elif len(drivers) < 2:
        scales = {
            lang: SCALE_WORDS["list"][lang].join(cinst.scale(d).name.get(lang, d) for d in drivers)
            for lang in LANGS
        }
        leave_out("ipa", "ipa", n=len(drivers), scales=scales)
    fits = []
    if sat is not None and drivers:
        reg = analysis.driver_regression(cus.scores, sat, drivers, ci=ci)
        t["drivers_satisfaction"] = reg.coefficients.assign(outcome=sat)
        fits.append((sat, reg))
        if len(drivers) >= 2:  # IPA places attributes relative to each other
            # importance = share of R² (what the axis says); lines at the scale midpoint and
            # the equal share 1/k, not at the data means (Bacon 2003; docs/methods.md)
            t["ipa"] = analysis.importance_performance(
                cus.scores, sat, drivers, importance="dominance",
                performance_cut=float(mid_c[drivers[0]]), importance_cut="equal_share",
            ).assign(performance_cut_rule="scale midpoint")  # fmt: skip
    if sat is not None and loy is not None:
        reg = analysis.driver_regression(cus.scores, loy, [sat, *drivers], ci=ci)
        t["drivers_loyalty"] = reg.coefficients.assign(outcome=loy)
        fits.append((loy, reg))
        slm = analysis.satisfaction_loyalty_matrix(
            cus.scores[sat],
            cus.scores[loy],
            satisfaction_loyalty_cut,
            satisfaction_loyalty_cut,
        )
        t["satisfaction_loyalty"] = slm.summary.assign(
            satisfaction_cut=slm.satisfaction_cut, loyalty_cut=slm.loyalty_cut
        )
        t["satisfaction_vs_loyalty"] = analysis.paired_comparison(
            cus.scores, before=loy, after=sat, ci=ci
        )
        # each customer's point of the matrix (the report's figure draws these)
        t["satisfaction_loyalty_points"] = pd.DataFrame(
            {
                "respondent": [str(i) for i in cus.scores.index],
                "satisfaction": cus.scores[sat].to_numpy(),
                "loyalty": cus.scores[loy].to_numpy(),
                "segment": slm.segments.astype(object).to_numpy(),
            }
        )
    else:
        lacking = [r for r, x in (("satisfaction", sat), ("loyalty", loy)) if x is None]
        words = {
            lang: SCALE_WORDS["and"][lang].join(SCALE_WORDS[s][lang] for s in lacking)
            for lang in LANGS
        }
        leave_out(
            (
                "satisfaction_loyalty",
                "satisfaction_vs_loyalty",
                "drivers_loyalty",
                "satisfaction_loyalty_points",
            ),
            "satloy",
            scales=words,
        )
    if fits:
        t["driver_fit"] = pd.DataFrame(
            [
                {
                    "outcome": name,
                    "n": r.n,
                    "r2": r.r2,
                    "adj_r2": r.adj_r2,
                    "f": r.f,
                    "f_pvalue": r.f_pvalue,
                    "df_model": r.df_model,
                    "df_resid": r.df_resid,
                }
                for name, r in fits
            ]
        )
    rec = croles.recommendation
    if rec is not None and rec in cus.items.columns:
        # the 0-10 answers; a one-item recommendation scale scores exactly these
        holder = next(
            (sc.id for sc in cinst.scales if sc.kind == "nps" and list(sc.items) == [rec]),
            None,
        )
        answers = cus.scores[holder] if holder is not None else cus.items[rec]
        t["nps"] = nps(answers).to_frame()
    else:
        leave_out("nps", "nps")

    # Perception gap: employees minus customers on the declared mirror pairs only
    pairs = mirror_pairs(cus, emp)
    if emp is None:
        pass  # left out above (no employee survey)
    elif pairs:
        gap = analysis.perception_gap(emp.scores, cus.scores, pairs=pairs, ci=ci)
        # comparability (issue 13): the item sets and sample sizes behind each pair, so that
        # a gap between e.g. 4 customer items (n = 150) and 3 employee items (n = 30) says so
        e_of = {c: e for e, c in pairs}
        gap["employee_scale"] = [e_of.get(d, d) for d in gap["dimension"]]
        gap["customer_items"] = [len(cus.instrument.scale_items(d)) for d in gap["dimension"]]
        gap["employee_items"] = [
            len(emp.instrument.scale_items(e)) for e in gap["employee_scale"]
        ]
        gap["same_items"] = gap["customer_items"] == gap["employee_items"]
        t["perception_gap"] = gap
    else:
        leave_out("perception_gap", "gap")

    # Customer value: ABC, concentration, distribution, tiers
    value_cols = [c for c in (croles.region, *croles.segments) if c is not None]
    value_cols = list(dict.fromkeys(value_cols))
    customer_frame = cus.meta if "customer_id" in cus.meta.columns else None
    abc = None
    if led is not None:
        abc_kwargs = {k: v for k, v in (("a_cut", a_cut), ("b_cut", b_cut)) if v is not None}
        abc = segmentation.abc_classification(led, **abc_kwargs)
        first = ["customer_id", "revenue", "cumulative_share", "abc_class"]
        t["abc"] = abc[first + [c for c in abc.columns if c not in first]]
        # the cut-offs used, next to the classes (findings quote them from this table)
        t["abc_summary"] = segmentation.abc_summary(abc).assign(
            a_cut=abc_kwargs.get("a_cut", segmentation.A_CUT),
            b_cut=abc_kwargs.get("b_cut", segmentation.B_CUT),
        )
        conc_rows = []
        for by in value_cols:
            name = column_suffix(by)
            if by not in led.columns:
                leave_out(f"concentration_{name}", "ledger_column", column=by)
                continue
            res = segmentation.concentration(led, by)
            t[f"concentration_{name}"] = res.groups
            # one HHI per row, its basis named, on 0-1; the customer-level measures (top-20%
            # share, Gini) are the same for every grouping: their own one-row table
            conc_rows.append({**res.summary_row(), "by": by})
        if conc_rows:
            t["concentration_summary"] = pd.DataFrame(conc_rows)
        t["revenue_concentration"] = pd.DataFrame(
            [segmentation.concentration(led.assign(all_customers="all"), "all_customers")
             .customer_row()]
        )
    else:
        leave_out(
            ("abc", "abc_summary", "concentration_summary", "revenue_concentration",
             "classification_agreement", "classification_crosstab"),
            "no_ledger",
        )  # fmt: skip
        for by in value_cols:
            leave_out(f"concentration_{column_suffix(by)}", "no_ledger")
    source = customer_frame if customer_frame is not None else led
    dist_rows = []
    for by in value_cols:
        name = column_suffix(by)
        if source is None or by not in source.columns:
            label = {lang: _column_label(cinst, by, lang) for lang in LANGS}
            leave_out(f"distribution_{name}", "distribution", column=label)
            continue
        dist_rows.append(count_concentration(source, by, ci=ci))
        t[f"distribution_{name}"] = segmentation.distribution(source, [by])
    if dist_rows:
        t["customer_distribution"] = pd.concat(dist_rows, ignore_index=True)
    if abc is None:
        pass  # left out above (no ledger)
    elif customer_frame is not None and tier_column in customer_frame.columns:
        tiers = pd.Series(
            customer_frame[tier_column].to_numpy(),
            index=customer_frame["customer_id"].astype(str).to_numpy(),
        )
        summary, cross = tier_value_agreement(tiers, abc, tier_mapping, ci=ci)
        t["classification_agreement"], t["classification_crosstab"] = summary, cross
    else:
        code = "no_customer_id" if customer_frame is None else "no_tiers"
        leave_out(("classification_agreement", "classification_crosstab"), code)

    # CRM system use and people, by the employees' declared segments (e.g. role)
    e_groups = [c for c in eroles.segments if emp is not None and c in emp.meta.columns]
    use = eroles.system_use[0] if eroles.system_use else None
    if emp is None:
        pass  # left out above (no employee survey)
    elif e_groups:
        mirrored = set(eroles.idic) | set(eroles.mirrors) | {e for e, _ in pairs}
        e_tests, e_means, e_pairs = group_comparison_table(
            emp.scores,
            emp.meta,
            [s for s in likert_e if s not in mirrored],
            e_groups,
            reference=mid_e,
            ci=ci,
            posthoc=posthoc,
        )
        t["employee_group_comparisons"] = e_tests
        if not e_pairs.empty:
            t["employee_group_posthoc"] = e_pairs
        if use is not None and not e_means.empty:
            keep = (e_means["value"] == use) & (e_means["group"] == e_groups[0])
            t["crm_use_by_role"] = e_means[keep].reset_index(drop=True)
        elif use is None:
            leave_out("crm_use_by_role", "no_crm_use")
    else:
        leave_out(("crm_use_by_role", "employee_group_comparisons"), "no_role")

    # Implementation scorecard
    if sc_data is not None:
        summary = analysis.scorecard_summary(sc_data.items, ci=ci)
        t["scorecard"] = summary.means
        t["scorecard_comparisons"] = summary.comparisons
    else:
        leave_out(("scorecard", "scorecard_comparisons"), "no_scorecard")

    # Factor analyses of the customer questionnaire (KMO ... CFA), or why each step is out
    if factor_analyses if factor_analyses is not None else reliability == "full":
        fa_tables, fa_absent = factor_tables(
            factor_items(cus.items, cinst),
            measurement_model(cinst),
            "customer",
            seed=PARALLEL_SEED if seed is None else int(seed),
        )
        t.update(fa_tables)
        absent.update(fa_absent)

    # Invariance-checked comparisons, structural model, driver importance, common-method
    # checks, NPS interval (study/models.py; it completes the ipa and nps tables)
    m_tables, m_absent, m_used = model_tables(cus, emp, t, seed=seed, ci=ci, models=models)
    t.update(m_tables)
    absent.update(m_absent)

    # a table without columns would be an empty file: leave it out (as absent inputs do)
    tables = {name: _rounded(frame) for name, frame in t.items() if frame.shape[1] > 0}
    # grouping tables of the D-company design whose column the instrument does not declare
    declared = {column_suffix(c) for c in value_cols}
    for name in TABLE_NAMES:
        kind, _, suffix = name.partition("_")
        if kind in ("distribution", "concentration") and suffix not in declared | {"summary"}:
            if name not in t and name not in absent:
                leave_out(name, "undeclared_column", column=suffix)
    if not value_cols:
        leave_out("customer_distribution", "no_grouping")
    # one reason per table not made: the rule that skipped it, else that the data could not
    for name in TABLE_NAMES:
        if name in tables:
            absent.pop(name, None)
        elif name not in absent:
            leave_out(name, "table", name=name)
    params = {
        "customer_instrument": cinst.id,
        "employee_instrument": emp.instrument.id if emp is not None else None,
        "scorecard_instrument": sc_data.instrument.id if sc_data is not None else None,
        "customer_midpoints": mid_c,
        "employee_midpoints": mid_e,
        "satisfaction_loyalty_cut": satisfaction_loyalty_cut,
        "abc_cuts": {
            "a_cut": a_cut if a_cut is not None else segmentation.A_CUT,
            "b_cut": b_cut if b_cut is not None else segmentation.B_CUT,
        },
        "ci": ci,
        "parallel_seed": PARALLEL_SEED if seed is None else int(seed),
        "models": m_used,
    }
    absent = {name: absent[name] for name in TABLE_NAMES if name in absent}
    return StudyResult(tables, quality, cus, emp, led, params, absent, case)


def _column_label(instrument: Instrument, column: str, lang: str) -> str:
    """The label of a metadata column in ``lang`` (the id when the instrument has none)."""
    for meta in instrument.metadata:
        if meta.id == column:
            label = getattr(meta, "label", None)
            if isinstance(label, Mapping) and label.get(lang):
                return str(label[lang])
    return COLUMN_WORDS.get(column, {}).get(lang, column)
