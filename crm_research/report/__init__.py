"""Stage 7: the report -- notebooks run by papermill, one HTML page, tables, manifest, batches.

One job per module; the file names say where a change goes:

==============  ==============================================================================
module          job
==============  ==============================================================================
``run``         :func:`~crm_research.report.run.run_pipeline`: one whole report, the manifest
``execute``     papermill runs of the notebooks: kernels, retries, silencing
``outdir``      the output-folder policy: what may be replaced, atomic build, kept failures
``cache``       the study the notebooks share (:class:`~crm_research.report.cache.StudyBundle`)
``outputs``     ``tables/*.csv``, ``tables.xlsx``, ``findings.json``
``context``     what notebooks call (:func:`~crm_research.report.context.open_study`): look up
``display``     numbers and tables as text; every data value escaped once
``html``        ``report.html``: title page, contents, CSS
``appendix``    the methods appendix (thresholds read from the modules that apply them)
``text``        every piece of prose and every label, zh and en (the one language mechanism)
``batch``       many reports through a process pool or dask
``printing``    the print stylesheet and a PDF of the page (headless Chromium)
``base``        constants, the two errors, small helpers
==============  ==============================================================================

The walk from ``crm-research report`` to ``report.html`` is written out in
``docs/DEVELOPING.md``.  :mod:`crm_research.pipeline` is the old single-module name, kept
as a thin alias of the public names.

Importing this package imports none of its modules: a notebook kernel loads only what it
uses (``context`` and what it needs), never papermill, nbconvert or dask.
"""

from __future__ import annotations

__all__ = [
    "appendix",
    "base",
    "batch",
    "cache",
    "context",
    "display",
    "execute",
    "html",
    "outdir",
    "outputs",
    "printing",
    "run",
    "text",
]
