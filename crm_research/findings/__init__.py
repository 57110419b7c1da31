"""Stage 7 of the flow: findings -- explicit rules with cited thresholds, evidence, and
bilingual problem statements and recommendations.

:func:`derive_findings` reads the tables of a :class:`crm_research.study.StudyResult` and
returns :class:`Finding` records.  Every number a finding quotes comes from a table through
:func:`evidence_ref`, which records the table, the row (its key columns) and the column, so
that a reader (or a test) can find it again in ``tables/*.csv``.

Severity comes from effect sizes and their confidence intervals, never from p-values
alone.  For a standardized effect *e* oriented so that larger is worse (e.g. ``-d`` for a
scale mean below the midpoint), with CI ``[e_low, e_high]``:

==========  ================================================================
severity    rule
==========  ================================================================
major       the whole CI lies beyond a medium effect: ``e_low > 0.5``
moderate    the estimate is at least medium (``e >= 0.5``) and the CI excludes 0
minor       the estimate is at least small (``e >= 0.2``) and the CI excludes 0
info        otherwise (nothing to act on)
==========  ================================================================

with Cohen's (1988) benchmarks d = .2 / .5 / .8.  Concentration uses the HHI bands of the
2010 US Horizontal Merger Guidelines and agreement the kappa bands of Landis & Koch (1977);
see the constants below.

The five problems of the D-company thesis (chapter 3) have their own areas:
``identification``, ``classification``, ``interaction``, ``customization`` and
``crm_system``; each always gets at least one finding (``info`` when nothing is wrong).
Other areas (``perception_gap``, ``loyalty``, ``concentration``, ``reliability``,
``people``, ``implementation``) appear when the data show something.  Recommendations
follow thesis chapter 4 (the answer to each problem) and chapter 5 (institutional, funding,
technology, personnel and customer-support safeguards), and quote the evidence.

The sentences name what they quote in the reader's language -- scales by ``Scale.name``,
cities, customer types and roles by ``MetaColumn.level_label``, scorecard categories by their
facet label (石家庄 / Shijiazhuang, 终端用户 / end-user customers) -- from the study's own
instruments, then the shipped ones (:data:`SHIPPED_INSTRUMENTS`), else the id itself.
``evidence`` keeps the machine-readable ids, exactly as they are in ``tables/*.csv``.

The rooms of this package: :mod:`~crm_research.findings.severity` (thresholds and severity
rules), :mod:`~crm_research.findings.evidence` (records and the cells they cite),
:mod:`~crm_research.findings.wording` (how numbers and names are quoted),
:mod:`~crm_research.findings.rules` (one rule per area, :func:`derive_findings`) and
:mod:`~crm_research.findings.records` (``findings.json``, a table, ``findings.md``).
"""

from __future__ import annotations

from crm_research.findings.evidence import EvidenceRef, Finding, evidence_ref
from crm_research.findings.records import (
    RENDER_TEXT,
    findings_to_frame,
    findings_to_records,
    render_findings,
)
from crm_research.findings.rules import derive_findings
from crm_research.findings.severity import (
    ALPHA_ADEQUATE,
    ALPHA_POOR,
    D_LARGE,
    D_MEDIUM,
    D_SMALL,
    HHI_HIGH,
    HHI_MODERATE,
    KAPPA_FAIR,
    KAPPA_MODERATE,
    KAPPA_SLIGHT,
    KAPPA_SUBSTANTIAL,
    PARETO_TOP_SHARE,
    REFERENCES,
    SEVERITIES,
    THESIS_AREAS,
    W_LARGE,
    W_MEDIUM,
    W_SMALL,
    alpha_severity,
    effect_severity,
    hhi_severity,
    kappa_severity,
    spread_severity,
)
from crm_research.findings.wording import SHIPPED_INSTRUMENTS

__all__ = [
    "Finding",
    "EvidenceRef",
    "evidence_ref",
    "effect_severity",
    "hhi_severity",
    "spread_severity",
    "kappa_severity",
    "alpha_severity",
    "derive_findings",
    "findings_to_records",
    "findings_to_frame",
    "render_findings",
    "RENDER_TEXT",
    "SEVERITIES",
    "THESIS_AREAS",
    "SHIPPED_INSTRUMENTS",
    "REFERENCES",
    "ALPHA_ADEQUATE",
    "ALPHA_POOR",
    "D_LARGE",
    "D_MEDIUM",
    "D_SMALL",
    "HHI_HIGH",
    "HHI_MODERATE",
    "KAPPA_FAIR",
    "KAPPA_MODERATE",
    "KAPPA_SLIGHT",
    "KAPPA_SUBSTANTIAL",
    "PARETO_TOP_SHARE",
    "W_LARGE",
    "W_MEDIUM",
    "W_SMALL",
]
