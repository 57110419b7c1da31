"""The report's fixed settings, its two errors and the small helpers every room uses.

Nothing here runs a notebook or touches a report folder: the constants name the notebooks,
the kernel, the time limits and the files that mark a report; :class:`PipelineError` and
:class:`NotebookFailed` are what the command line turns into exit status 1.
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata as _metadata
from pathlib import Path

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "DEFAULT_SEED",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WORKERS",
    "EXECUTORS",
    "FAILED_MARKER",
    "INPUT_ROLES",
    "KERNEL_NAME",
    "KERNEL_START_ATTEMPTS",
    "KERNEL_START_TIMEOUT",
    "MANIFEST_KIND",
    "MANIFEST_NAME",
    "NOTEBOOKS_DIR",
    "NOTEBOOK_NAMES",
    "NOTEBOOK_ONLY_TAG",
    "NotebookFailed",
    "PipelineError",
    "RECORDED_PACKAGES",
    "SINGLE_THREAD_ENV",
    "WORK_DIR_NAME",
    "one_line",
    "package_versions",
    "sha256_file",
    "utc_now",
]


#: Folder of the shipped notebooks (``notebooks/`` at the project root).
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks"
#: The notebooks of a report, in the thesis' chapter order.
NOTEBOOK_NAMES = (
    "01_data_quality",
    "02_reliability_validity",
    "03_customer_satisfaction",
    "04_employee_self_assessment",
    "05_customer_value_abc",
    "06_findings_recommendations",
)
#: Every notebook runs in this Jupyter kernel (named explicitly, never taken from the file).
KERNEL_NAME = "python3"
#: Notebooks run at the same time within one report (2 = the cores of the target machine).
DEFAULT_WORKERS = 2
#: Seconds one notebook cell may run before the report fails.
DEFAULT_TIMEOUT = 600
#: Seconds a kernel may take to start.  A kernel starts in 1-3 s, or not at all: kernels
#: launched at once by separate processes (a batch's workers) can race for the same TCP ports
#: and then never answer (papermill#239, jupyter_client picks free ports per process), so a
#: start that does not answer within this bound is abandoned and retried.
KERNEL_START_TIMEOUT = 60
#: Attempts to start a kernel (no cell has run when a start fails, so nothing runs twice).
KERNEL_START_ATTEMPTS = 3
#: Executors of a batch (:func:`crm_research.report.batch.batch_executor`).
EXECUTORS = ("process", "dask")
#: Seed of the D-company simulation when none is given.
DEFAULT_SEED = 20190601
#: The default instruments per data role (names under ``surveys/``).
DEFAULT_INSTRUMENTS = {
    "customer": "d_company_customer",
    "employee": "d_company_employee",
    "scorecard": "crm_implementation_scorecard",
}
#: Data roles, in the order of :func:`run_pipeline`'s arguments.
INPUT_ROLES = ("customers", "employees", "ledger", "scorecard")

#: ``manifest.json`` marks a folder as a report this module wrote (and may replace).
MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "crm_research.report"
#: A kept failed build carries this file; only such a folder is ever replaced.
FAILED_MARKER = "failed.json"
#: Study cache folder inside a build (removed before the report is moved into place).
WORK_DIR_NAME = ".work"
#: Cell tag of bilingual guidance cells shown in JupyterLab but left out of the report.
NOTEBOOK_ONLY_TAG = "notebook-only"
#: Packages whose versions the manifest records.
RECORDED_PACKAGES = (
    "crm_research",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "jupyter_client",
    "openpyxl",
    "mplfonts",
)
#: Thread counts of the numeric libraries in every notebook kernel and batch worker.  The
#: pipeline's parallelism is across processes (two notebooks at a time, or one report per
#: batch worker) on a two-core machine; OpenBLAS threads of several processes on the same
#: cores spin against each other (see :func:`crm_research.correlation._single_blas_thread`).
#: A value the user set in the environment is kept.
SINGLE_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class PipelineError(RuntimeError):
    """A report could not be built for a reason other than bad input (CLI exit status 1)."""


class NotebookFailed(PipelineError):
    """A notebook raised an error; the message is one line naming the notebook and the error.

    Attributes
    ----------
    notebook : str
        Name of the failing notebook (file stem).
    error : str
        ``"ExceptionName: message"`` of the failing cell.
    kept : Path or None
        The executed notebook with the error, kept for inspection.
    """

    def __init__(self, notebook: str, error: str, kept: Path | None = None) -> None:
        self.notebook, self.error, self.kept = notebook, error, kept
        where = f" (executed notebook kept at {kept})" if kept else ""
        super().__init__(f"notebook {notebook} failed: {error}{where}")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line (ANSI colours and line breaks removed), at most ``limit`` characters."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))  # ANSI colours of IPython tracebacks
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def package_versions(names: Sequence[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (and Python), for the manifest.

    Parameters
    ----------
    names : sequence of str
        Distribution names.

    Returns
    -------
    dict
        name -> version (``"not installed"`` when absent).
    """
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (for the manifest and failure notes)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
