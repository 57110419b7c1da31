"""Stage 5 of the flow: run every analysis of a CRM study into named tables.

:func:`run_study` takes the customer survey, the employee self-assessment, the customer
ledger and (optionally) the CRM implementation scorecard -- as file paths, which are read
and screened with :func:`crm_research.readers.read_responses`, or as DataFrames -- and
returns a :class:`StudyResult` whose ``tables`` dict holds one tidy DataFrame per analysis
under a stable name (see :data:`TABLE_NAMES`).  The findings engine
(:mod:`crm_research.findings`) reads only these tables, and the report shows only these
tables, so every number a finding quotes or the report shows can be found in them
(``tables/*.csv``, written by :mod:`crm_research.report.outputs`).  For each table it
could not make, the study records why (``StudyResult.absent``: a reason code and one
sentence in each language).

The rooms of this package:

- :mod:`~crm_research.study.inputs`: read, screen and score a survey; check a ledger.
- :mod:`~crm_research.study.tables`: the analyses the study owns (levels against the
  midpoint, customer concentration, tier agreement, group comparisons).
- :mod:`~crm_research.study.psychometrics`: the factor analyses as tables.
- :mod:`~crm_research.study.absent`: why a table is left out (reason codes, zh/en).
- :mod:`~crm_research.study.run`: :func:`run_study` and :class:`StudyResult`.

Each analysis is also a public function (:func:`scale_summary`, :func:`item_summary`,
:func:`count_concentration`, :func:`tier_value_agreement`, ...), so notebooks can run the
pieces one by one.
"""

from __future__ import annotations

from crm_research.study.absent import ABSENT_TEXT, AbsentTable, absent_frame, absent_table
from crm_research.study.inputs import LEDGER_COLUMNS, SurveyData, load_ledger, load_survey
from crm_research.study.psychometrics import factor_items, factor_tables, measurement_model
from crm_research.study.run import (
    CSV_FLOAT_FORMAT,
    IDIC_DIMENSIONS,
    SATISFACTION_LOYALTY_AGREE_POINT,
    TABLE_DECIMALS,
    TABLE_NAMES,
    StudyResult,
    run_study,
)
from crm_research.study.tables import (
    DEFAULT_TIER_MAPPING,
    alpha_table,
    count_concentration,
    group_comparison_table,
    item_summary,
    scale_summary,
    tier_value_agreement,
)

__all__ = [
    "ABSENT_TEXT",
    "AbsentTable",
    "CSV_FLOAT_FORMAT",
    "DEFAULT_TIER_MAPPING",
    "IDIC_DIMENSIONS",
    "LEDGER_COLUMNS",
    "SATISFACTION_LOYALTY_AGREE_POINT",
    "StudyResult",
    "SurveyData",
    "TABLE_DECIMALS",
    "TABLE_NAMES",
    "absent_frame",
    "absent_table",
    "alpha_table",
    "count_concentration",
    "factor_items",
    "factor_tables",
    "group_comparison_table",
    "item_summary",
    "load_ledger",
    "load_survey",
    "measurement_model",
    "run_study",
    "scale_summary",
    "tier_value_agreement",
]
