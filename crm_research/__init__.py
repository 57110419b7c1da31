"""crm_research: survey instruments in, thesis-style CRM findings and recommendations out.

The flow (DESIGN §2), one module per stage, each importing only from earlier stages::

    instrument -> readers/screening -> scoring -> reliability, factor, sem, pls
               -> analysis, segmentation -> study -> findings -> report (notebooks -> page)

(the stage map: tests/test_imports.py and docs/DEVELOPING.md)

Public entry points::

    import crm_research as crm
    inst = crm.load_instrument("d_company_customer")
    resp = crm.read_responses("export.xlsx", instrument=inst)
    scores = crm.score(resp, inst)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from crm_research.errors import InputError, InstrumentError
from crm_research.instrument import Instrument, load_instrument

__version__ = "0.1.0"

# Later stages are imported on first use so that `import crm_research` stays fast.
_LAZY = {
    "read_responses": ("crm_research.readers", "read_responses"),
    "Responses": ("crm_research.readers", "Responses"),
    "QualityReport": ("crm_research.screening", "QualityReport"),
    "score": ("crm_research.scoring", "score"),
}
_SUBMODULES = {
    "reliability",
    "correlation",
    "factor",
    "sem",
    "pls",
    "analysis",
    "segmentation",
    "study",
    "findings",
    "report",
    "pipeline",
    "readers",
    "screening",
    "scoring",
    "cases",
    "plots",
}

__all__ = [
    "Instrument",
    "InputError",
    "InstrumentError",
    "load_instrument",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    if name in _SUBMODULES:
        return import_module(f"crm_research.{name}")
    raise AttributeError(f"module 'crm_research' has no attribute {name!r}")
