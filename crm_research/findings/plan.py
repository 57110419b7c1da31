"""The ranked plan: a unique priority, an owner, a horizon and a KPI for every finding.

:func:`rank_plan` runs after the rules (:func:`crm_research.findings.derive_findings` calls
it) and fills the plan fields of each :class:`~crm_research.findings.evidence.Finding`:

``priority``
    1 = first, unique over all findings.  The **ranking rule** is severity x reach:
    ``score = SEVERITY_WEIGHT[severity] * reach`` with weights info 0, minor 1, moderate 2,
    major 3 (:data:`SEVERITY_WEIGHT`), where *reach* is the share (0-1) of the population a
    finding touches, read from a table (:func:`finding_reach`; e.g. the share of customers
    rating a dimension below the scale midpoint, the share of customers whose service tier
    disagrees with their value class, the share of revenue brought by class-A customers).
    Findings are sorted by score (descending), then by severity, then by the thesis' order
    of the areas, then by id.  A risk-priority number of this kind (severity x exposure) is
    the usual basis of a ranked action list (ISO 31000:2018 risk evaluation; the FMEA risk
    priority number, IEC 60812:2018); reach replaces probability because every finding is an
    observed, not a possible, problem.
``owner``
    A role id of :data:`OWNERS` (the role that carries the action; the case may relabel it).
``horizon``
    ``"0-3"``, ``"3-6"`` or ``"6-12"`` months (:data:`HORIZONS`): rules and communication
    first, process changes next, structural changes (regions, offers, systems) last; a
    finding with nothing to act on (``info``) is monitored at the next survey (6-12).
``kpi``
    One of the 17 CRM metrics of the implementation scorecard (:data:`KPIS`: Li 2009,
    5 categories x 17 metrics) that would show the action working, or None where none fits
    (a measurement caveat).
``safeguards``
    Ids of :data:`SAFEGUARDS`.  The safeguards are written once (the report's safeguards
    chapter) and linked to the recommendations that rely on them, never repeated in each.

Every reach value is quoted from a table: :func:`rank_plan` adds it to the finding's
evidence (``reach``) with its reference, like any other number a finding uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.findings.evidence import EvidenceRef, Finding, evidence_ref
from crm_research.findings.severity import SEVERITY_RANK, THESIS_AREAS
from crm_research.instrument import LANGS

#: Severity weights of the ranking rule (ordinal: each band one step).
SEVERITY_WEIGHT = {"info": 0, "minor": 1, "moderate": 2, "major": 3}

#: The planning horizons, in months.
HORIZONS: dict[str, dict[str, str]] = {
    "0-3": {"zh": "0–3 个月", "en": "0–3 months"},
    "3-6": {"zh": "3–6 个月", "en": "3–6 months"},
    "6-12": {"zh": "6–12 个月", "en": "6–12 months"},
}

#: The roles that own actions.
OWNERS: dict[str, dict[str, str]] = {
    "general_manager": {"zh": "总经理", "en": "General manager"},
    "head_of_sales": {"zh": "销售负责人", "en": "Head of sales"},
    "sales_manager": {"zh": "销售经理", "en": "Sales manager"},
    "key_account_manager": {"zh": "大客户经理", "en": "Key-account manager"},
    "customer_service_manager": {"zh": "客户服务负责人", "en": "Customer-service manager"},
    "solutions_manager": {"zh": "产品与解决方案负责人", "en": "Products and solutions manager"},
    "crm_administrator": {"zh": "CRM 系统管理员", "en": "CRM administrator"},
    "hr_training_lead": {"zh": "人力资源与培训负责人", "en": "HR and training lead"},
    "crm_project_lead": {"zh": "CRM 项目负责人", "en": "CRM project lead"},
    "research_team": {"zh": "调研团队", "en": "Research team"},
}

#: The 17 CRM metrics in 5 categories (Li Yiwei 2009, "Metrics for a successful CRM
#: implementation"; the metric facet of the shipped ``crm_implementation_scorecard``).
KPIS: dict[str, dict[str, str]] = {
    "str_objectives": {"category": "strategy", "zh": "CRM目标", "en": "CRM objectives"},
    "str_profitability": {"category": "strategy", "zh": "收益率", "en": "Profitability"},
    "str_change_mgmt": {"category": "strategy", "zh": "变革管理", "en": "Change management"},
    "ppl_acceptance": {"category": "people", "zh": "用户接受度", "en": "User acceptance"},
    "ppl_training": {"category": "people", "zh": "培训", "en": "Training"},
    "ppl_motivation": {"category": "people", "zh": "激励", "en": "Motivation"},
    "prc_internal": {"category": "process", "zh": "内部流程", "en": "Internal processes"},
    "prc_external": {"category": "process", "zh": "外部流程", "en": "External processes"},
    "prc_org_change": {
        "category": "process", "zh": "组织变革", "en": "Organisational change",
    },
    "tec_roi": {"category": "technology", "zh": "投资回报", "en": "Return on investment"},
    "tec_impl_time": {"category": "technology", "zh": "实施时间", "en": "Implementation time"},
    "tec_usability": {"category": "technology", "zh": "用户友好性", "en": "User friendliness"},
    "tec_problem_solving": {
        "category": "technology", "zh": "解决问题的能力", "en": "Problem-solving capability",
    },
    "cus_loyalty": {"category": "customer", "zh": "客户忠诚度", "en": "Customer loyalty"},
    "cus_satisfaction": {"category": "customer", "zh": "客户满意度", "en": "Customer satisfaction"},
    "cus_share_of_wallet": {"category": "customer", "zh": "客户份额", "en": "Share of wallet"},
    "cus_profitability": {"category": "customer", "zh": "客户收益率", "en": "Customer profitability"},
}  # fmt: skip

#: The safeguards, written once; recommendations link to them by id.  Generic wording: a case
#: (e.g. the D-company thesis, chapter 5: institutional 5.1, funding 5.2, technology 5.3,
#: personnel 5.4, customer support 5.5) supplies its own text under the same ids.
SAFEGUARDS: dict[str, dict[str, str]] = {
    "institutional": {
        "en": "Institutional: a fixed reporting cycle (daily, weekly, monthly) and customer "
        "satisfaction, loyalty and conversion among the KPIs of staff appraisal.",
        "zh": "制度保障:建立日、周、月汇报制度,并将客户满意度、忠诚度、转化率纳入员工绩效考核。",
    },
    "training": {
        "en": "Training: a plan on customer development and maintenance, sales skills, product "
        "knowledge and after-sales service.",
        "zh": "培训保障:制定客户开发与维护、销售技巧、产品知识与售后服务的培训计划。",
    },
    "funding": {
        "en": "Funding: a capped budget for the CRM, customer-relationship and travel costs.",
        "zh": "资金保障:为 CRM 维护、客情费用与差旅费用划拨专项资金并设定额度。",
    },
    "technology": {
        "en": "Technology: a CRM that records and analyses customer needs, and delivery that can "
        "follow customised orders.",
        "zh": "技术保障:能记录并分析客户需求的 CRM 系统,以及能满足定制需求的交付方式。",
    },
    "personnel": {
        "en": "Personnel: management backing, trained trainers and a dedicated CRM team.",
        "zh": "人员保障:管理层全力支持、专业培训人员与专门的客户关系管理团队。",
    },
    "customer": {
        "en": "Customer feedback: collect customers' views of the changes and feed them back "
        "into the plan.",
        "zh": "客户支持:收集客户对改进措施的反馈并持续改进。",
    },
}

#: Owner, horizon and KPI per finding: the finding id's row, else its area's row.
PLAN_TABLE: dict[str, tuple[str, str, str | None]] = {
    "identification": ("sales_manager", "0-3", "prc_external"),
    "classification.tiers_vs_value": ("head_of_sales", "3-6", "cus_profitability"),
    "classification.distribution_city": ("head_of_sales", "6-12", "str_objectives"),
    "classification.customer_differentiation": (
        "customer_service_manager", "3-6", "cus_profitability",
    ),
    "classification": ("head_of_sales", "3-6", "cus_profitability"),
    "interaction": ("sales_manager", "0-3", "prc_external"),
    "customization": ("solutions_manager", "6-12", "cus_satisfaction"),
    "crm_system": ("crm_administrator", "0-3", "ppl_acceptance"),
    "perception_gap": ("head_of_sales", "0-3", "prc_external"),
    "loyalty": ("customer_service_manager", "3-6", "cus_loyalty"),
    "concentration": ("key_account_manager", "3-6", "cus_profitability"),
    "people.training": ("hr_training_lead", "3-6", "ppl_training"),
    "people.motivation": ("hr_training_lead", "3-6", "ppl_motivation"),
    "people.acceptance": ("hr_training_lead", "3-6", "ppl_acceptance"),
    "people": ("hr_training_lead", "3-6", "ppl_training"),
    "implementation.strategy": ("crm_project_lead", "3-6", "str_objectives"),
    "implementation.people": ("crm_project_lead", "3-6", "ppl_acceptance"),
    "implementation.process": ("crm_project_lead", "3-6", "prc_internal"),
    "implementation.technology": ("crm_project_lead", "3-6", "tec_problem_solving"),
    "implementation.customer": ("crm_project_lead", "3-6", "cus_satisfaction"),
    "implementation": ("crm_project_lead", "3-6", None),
    "reliability": ("research_team", "6-12", None),
}  # fmt: skip

#: Where no row of :data:`PLAN_TABLE` applies.
DEFAULT_PLAN = ("general_manager", "6-12", None)

#: The horizon of a finding with nothing to act on: watch it at the next survey.
MONITOR_HORIZON = "6-12"


def plan_entry(finding: Finding) -> tuple[str, str, str | None]:
    """``(owner, horizon, kpi)`` of a finding from :data:`PLAN_TABLE` (most specific key).

    Examples
    --------
    >>> from crm_research.findings.evidence import Finding
    >>> f = Finding("loyalty.satisfied_not_loyal", "loyalty", "major", {}, {}, {}, {}, "")
    >>> plan_entry(f)
    ('customer_service_manager', '3-6', 'cus_loyalty')
    """
    owner, horizon, kpi = DEFAULT_PLAN
    for key in (finding.id, finding.area):
        if key in PLAN_TABLE:
            owner, horizon, kpi = PLAN_TABLE[key]
            break
    if finding.severity == "info":
        horizon = MONITOR_HORIZON
    return owner, horizon, kpi


def _share(study: Any, table: str, column: str, per: float = 1.0, **row: Any):
    """A share (0-1) from a table cell (``per`` 100 for a percent), with its reference."""
    try:
        value, ref = evidence_ref(study, table, column, **row)
    except KeyError:
        return None
    if value is None or not np.isfinite(float(value)):
        return None
    return float(value) / per, value, ref


def _segment_share(study: Any, level: str):
    """The share of customers in the segment ``level`` from a ``distribution_*`` table."""
    for name in sorted(study.tables):
        frame = study.tables[name]
        if not name.startswith("distribution_") or "percent" not in frame.columns:
            continue
        column = frame.columns[0]
        if (frame[column].astype(str) == level).sum() == 1:
            return _share(study, name, "percent", 100.0, **{column: level})
    return None


def finding_reach(finding: Finding, study: Any) -> tuple[float, Any, EvidenceRef | None]:
    """The reach of a finding: the share (0-1) of customers, employees or revenue it touches.

    ========================================  ==============================================
    finding                                   reach (table, column)
    ========================================  ==============================================
    a customer scale below its midpoint       share of customers below the midpoint
    (identification, differentiation,         (``customer_scale_scores_summary``,
    interaction, customization, loyalty)      ``share_below``); an item finding uses its
                                              scale's share
    an employee scale (CRM use, people)       share of employees below the midpoint
                                              (``employee_scale_scores_summary``)
    a customer segment served worse           that segment's share of customers
                                              (``distribution_*``, ``percent``)
    tiers against value classes               share of customers classified differently
                                              (1 - ``percent_agreement``)
    customers over regions (cities)           share of customers outside the largest one
                                              (1 - ``customer_distribution.top_share``)
    revenue concentration                     class-A share of revenue (``abc_summary``)
    perception gap on a dimension             share of customers below the midpoint on it;
                                              on several: the smallest of their shares
    implementation scorecard                  1 (the whole implementation)
    measurement reliability                   0 (a caveat for the reader, not an action)
    ========================================  ==============================================

    Returns
    -------
    (reach, quoted value, EvidenceRef or None)
        The share, the table value it comes from (None for the fixed 0 and 1) and where.

    Examples
    --------
    >>> from crm_research.findings.evidence import Finding
    >>> class S: tables = {}
    >>> finding_reach(Finding("reliability.customer_x", "reliability", "minor",
    ...                       {}, {}, {}, {}, ""), S())
    (0.0, None, None)
    """
    fid, area = finding.id, finding.area
    rest = fid.split(".", 1)[-1]
    found = None
    if area == "reliability":
        return 0.0, None, None
    if area == "implementation":
        return 1.0, None, None
    cus, emp = "customer_scale_scores_summary", "employee_scale_scores_summary"
    if area in ("identification", "interaction", "customization") and (
        rest == "customer_rating" or rest.startswith("item_")
    ):
        found = _share(study, cus, "share_below", scale=area)
    elif fid == "classification.customer_differentiation":
        found = _share(study, cus, "share_below", scale="differentiation")
    elif area == "customization":
        found = _segment_share(study, rest)
    elif fid == "classification.tiers_vs_value":
        hit = _share(study, "classification_agreement", "percent_agreement", 100.0)
        found = (1.0 - hit[0], hit[1], hit[2]) if hit else None
    elif fid.startswith("classification.distribution_"):
        by = fid.removeprefix("classification.distribution_")
        hit = _share(study, "customer_distribution", "top_share", by=by)
        found = (1.0 - hit[0], hit[1], hit[2]) if hit else None
    elif area == "loyalty":
        found = _share(study, cus, "share_below", scale="loyalty")
    elif area == "concentration":
        found = _share(study, "abc_summary", "percent_revenue", 100.0, abc_class="A")
    elif area == "perception_gap":
        dims = [k.removesuffix("_hedges_g") for k in finding.evidence if k.endswith("_hedges_g")]
        hits = [h for d in (dims or [rest]) if (h := _share(study, cus, "share_below", scale=d))]
        found = min(hits, key=lambda h: h[0]) if hits else None
    elif area == "crm_system":
        found = _share(study, emp, "share_below", scale="crm_use")
    elif area == "people":
        found = _share(study, emp, "share_below", scale=rest)
    if found is None:
        return 1.0, None, None
    return found


def rank_plan(findings: Sequence[Finding], study: Any) -> list[Finding]:
    """Give every finding its plan: priority (severity x reach), owner, horizon, KPI.

    Parameters
    ----------
    findings : sequence of Finding
        From the rules (any order; the order is kept).
    study : StudyResult
        The tables the reach is read from.

    Returns
    -------
    list of Finding
        The same findings, in the same order, with ``priority`` (1..N, unique), ``owner``,
        ``horizon``, ``kpi``, ``reach`` and ``score`` set, and the reach cell added to the
        evidence as ``reach``.

    Examples
    --------
    >>> from crm_research.findings.evidence import Finding
    >>> class S: tables = {}
    >>> fs = [Finding(f"reliability.x{k}", "reliability", "minor", {}, {}, {}, {}, "")
    ...       for k in range(2)] + [Finding("implementation.people", "implementation",
    ...                                    "moderate", {}, {}, {}, {}, "")]
    >>> [f.priority for f in rank_plan(fs, S())]
    [2, 3, 1]

    References
    ----------
    ISO 31000:2018 Risk management -- Guidelines (risk evaluation: level = consequence x
    likelihood); IEC 60812:2018 Failure modes and effects analysis (risk priority number).
    """
    if not hasattr(study, "tables"):
        raise InputError("rank_plan needs a StudyResult (an object with .tables).")
    area_order = {a: k for k, a in enumerate(THESIS_AREAS)}
    staged = []
    for k, f in enumerate(findings):
        reach, value, ref = finding_reach(f, study)
        reach = float(min(max(reach, 0.0), 1.0))
        evidence, refs = dict(f.evidence), dict(f.evidence_refs)
        if ref is not None:
            evidence["reach"], refs["reach"] = value, ref
        score = SEVERITY_WEIGHT[f.severity] * reach
        owner, horizon, kpi = plan_entry(f)
        staged.append(
            (
                (-score, -SEVERITY_RANK[f.severity], area_order.get(f.area, len(area_order)),
                 f.id, k),
                k,
                dataclasses.replace(
                    f, evidence=evidence, evidence_refs=refs, owner=owner, horizon=horizon,
                    kpi=kpi, reach=reach, score=score,
                ),
            )
        )  # fmt: skip
    ranked = sorted(staged, key=lambda s: s[0])
    priority = {k: p for p, (_, k, _) in enumerate(ranked, start=1)}
    return [dataclasses.replace(f, priority=priority[k]) for _, k, f in staged]


def plan_frame(findings: Sequence[Finding], lang: str = "en") -> pd.DataFrame:
    """The plan as a table in priority order, in the reader's language.

    Columns: ``priority, area, severity, recommendation, owner, horizon, kpi, safeguards``
    (labels from :data:`OWNERS`, :data:`HORIZONS`, :data:`KPIS`; safeguards as ids).

    Examples
    --------
    >>> plan_frame([]).columns.tolist()[:3]
    ['priority', 'area', 'severity']
    """
    if lang not in LANGS:
        raise InputError(f"Language must be 'zh' or 'en', not {lang!r}.")
    cols = ["priority", "area", "severity", "recommendation", "owner", "horizon", "kpi",
            "safeguards"]  # fmt: skip
    rows = [
        [
            f.priority,
            f.area,
            f.severity,
            f.recommendation.get(lang, ""),
            OWNERS.get(f.owner or "", {}).get(lang, f.owner),
            HORIZONS.get(f.horizon or "", {}).get(lang, f.horizon),
            KPIS[f.kpi][lang] if f.kpi in KPIS else None,
            ", ".join(f.safeguards),
        ]
        for f in sorted(findings, key=lambda f: (f.priority is None, f.priority or 0))
    ]
    return pd.DataFrame(rows, columns=cols)
