"""The report's figures (public name): the module is :mod:`crm_research.report.figures`.

``from crm_research import plots`` is what notebooks write; the figures, their style and
their texts live in the report package (``report/figures.py``, ``report/figures_models.py``,
``report/style.py``, ``report/text.py``).  Every public name of the two figure modules is
available here.
"""

from __future__ import annotations

from crm_research.report.figures import *  # noqa: F403
from crm_research.report.figures import __all__ as _figures_all
from crm_research.report.figures_models import *  # noqa: F403
from crm_research.report.figures_models import __all__ as _models_all

# the figures of the model sections (report/figures_models.py) are plots too
__all__ = [*_figures_all, *_models_all]
