"""Structural equation models with lavaan's definitions (stage 4, psychometrics).

- `cfa`: confirmatory factor analysis (measurement models, validity tables);
- `sem`: structural equation models in lavaan syntax (``=~``, ``~``, ``~~``, ``:=``, labels,
  fixed values, intercepts), indirect effects with delta-method or bootstrap intervals;
- `invariance`: the configural / metric / scalar / strict sequence of multigroup models.

All three share one maximum-likelihood engine (`crm_research.sem.engine`) and the fit
measures of `crm_research.sem.indices`; each number is checked against lavaan 0.6-14 in
``tests/test_sem.py`` and ``tests/test_sem_models.py``. The subpackage depends on nothing
later than screening (stage 2).
"""

from crm_research.sem.confirmatory import cfa
from crm_research.sem.indices import RMSEA_CI_LEVEL
from crm_research.sem.invariance import InvarianceResult, invariance
from crm_research.sem.measurement import parse_measurement_model
from crm_research.sem.results import (
    AVE_MIN,
    CFI_MIN,
    CR_MIN,
    HTMT_MAX,
    LOADING_MIN,
    RMSEA_MAX,
    SRMR_MAX,
    TLI_MIN,
    CFAResult,
)
from crm_research.sem.structural import SEMResult, sem
from crm_research.sem.validity import htmt

__all__ = [
    "AVE_MIN",
    "CFAResult",
    "SEMResult",
    "CFI_MIN",
    "CR_MIN",
    "HTMT_MAX",
    "InvarianceResult",
    "LOADING_MIN",
    "RMSEA_CI_LEVEL",
    "RMSEA_MAX",
    "SRMR_MAX",
    "TLI_MIN",
    "cfa",
    "htmt",
    "invariance",
    "parse_measurement_model",
    "sem",
]
