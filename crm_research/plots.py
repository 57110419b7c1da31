"""The report's figures (public name): the module is :mod:`crm_research.report.figures`.

``from crm_research import plots`` is what notebooks write; the figures, their style and
their texts live in the report package (``report/figures.py``, ``report/style.py``,
``report/text.py``).  Every public name of the figures module is available here.
"""

from __future__ import annotations

from crm_research.report.figures import *  # noqa: F403
from crm_research.report.figures import __all__  # noqa: F401
