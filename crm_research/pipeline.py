"""Stage 7: run the parameterised notebooks with papermill and assemble the report.

The flow of one report (:func:`run_pipeline`)::

    inputs ──► study (computed once, cached in the build folder) ──► tables/*.csv, tables.xlsx,
               findings.json ──► notebooks 01..06 (papermill, two at a time) ──► figures/*.png,
               notebooks/*.ipynb ──► report.html (inputs hidden) ──► manifest.json

Everything is written into a temporary folder next to the output folder and moved into
place at the end, so a half-written report never exists under the output name.  A failing
notebook stops the run with :class:`NotebookFailed` (the command line prints its one-line
message and exits 1) and the build folder is kept as ``DIR.failed`` with the executed
notebook, error included, for inspection.

The notebooks only call the package: :func:`open_study` loads the shared study (or computes
it when a notebook runs alone in JupyterLab), :meth:`ReportContext.say` shows the package's
bilingual prose, and :mod:`crm_research.plots` draws the figures.

A section whose analysis the data cannot support (a table the study left out because a scale
or column is absent, factor analyses on fewer respondents than items) is still written: the
notebook guards it with :meth:`ReportContext.has` / :meth:`FactorAnalyses.ran` and shows
:meth:`ReportContext.left_out` / :meth:`FactorAnalyses.note`, one sentence in the report
language naming why.  Any other error in a notebook is a bug and still fails the run.

Quiet by default: kernels are launched with CurveZMQ transport encryption (which is what
ipykernel >= 7 asks for instead of printing "Kernel is running over TCP without
encryption"), with ``PYTHONWARNINGS=ignore`` and with their stderr discarded; papermill's
progress bars and logs appear only with ``verbose=True``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import (
    FIRST_EXCEPTION,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

from crm_research.errors import (
    InputError,
    NotIdentifiedError,
    SingularMatrixError,
    ZeroVarianceError,
)

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

#: Folder of the shipped notebooks (``notebooks/`` at the project root).
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
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
_KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying to kernel_info")
#: Seed of the D-company simulation when none is given.
DEFAULT_SEED = 20190601
LANGS = ("zh", "en")
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
#: Excel's limit on sheet-name length.
EXCEL_SHEET_CHARS = 31
#: Packages whose versions the manifest records.
RECORDED_PACKAGES = (
    "crm_research",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "factor_analyzer",
    "scikit-learn",
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
#: Loggers that are silenced unless ``verbose``.
_NOISY_LOGGERS = (
    "papermill",
    "nbclient",
    "traitlets",
    "jupyter_client",
    "nbconvert",
    "distributed",
    "asyncio",
)


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


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InputError(f"Unknown report language '{lang}': choose zh or en.")
    return lang


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


def slugify(name: str) -> str:
    """Turn a run name into a folder name (:func:`crm_research.paths.slugify`).

    Lower case, letters of every script (Chinese included), digits, ``_`` and ``-`` only;
    never empty, never a Windows device name (``CON``), never ``.``/``..``.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
        Never empty (``"unnamed"`` when nothing is left).

    Examples
    --------
    >>> slugify("Client A / 2019 (Hebei)")
    'client-a-2019-hebei'
    >>> slugify("石家庄 客户"), slugify("CON")
    ('石家庄-客户', 'con-')
    """
    from crm_research.paths import slugify as safe_slug

    return safe_slug(name)


def _one_line(text: str, limit: int = 300) -> str:
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


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def quiet(verbose: bool = False) -> Iterator[None]:
    """Silence library warnings and the logs of papermill, nbclient and jupyter_client.

    Parameters
    ----------
    verbose : bool
        When true nothing is silenced and papermill logs at INFO level to stderr.
    """
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    saved = [(lg, lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    handler: logging.Handler | None = None
    try:
        with warnings.catch_warnings():
            if verbose:
                handler = logging.StreamHandler(sys.stderr)
                handler.setFormatter(logging.Formatter("%(name)s %(levelname)s | %(message)s"))
                for lg in loggers[:1]:
                    lg.setLevel(logging.INFO)
                    lg.addHandler(handler)
            else:
                warnings.simplefilter("ignore")
                for lg in loggers:
                    lg.setLevel(logging.CRITICAL + 1)
            yield
    finally:
        for lg, level, propagate, handlers in saved:
            lg.setLevel(level)
            lg.propagate = propagate
            lg.handlers[:] = handlers


# --------------------------------------------------------------------------------------------
# Running notebooks
# --------------------------------------------------------------------------------------------


def _write_simulated_readme(folder: Path) -> None:
    """Label copied simulated inputs as simulated (the CSV files themselves cannot say it)."""
    from crm_research.cases.d_company import SIMULATED_NOTE

    (folder / "README.txt").write_text(
        f"{SIMULATED_NOTE['zh']}\n\n{SIMULATED_NOTE['en']}\n", encoding="utf-8"
    )


def _kernel_manager_class(verbose: bool) -> type:
    """A jupyter_client kernel manager that starts encrypted and (unless verbose) quiet kernels.

    ipykernel >= 7 logs "Kernel is running over TCP without encryption" when the manager
    provides no CurveZMQ keys; ``transport_encryption="auto"`` makes jupyter_client provision
    them for kernelspecs that declare support (the ipykernel spec does), so the kernel is
    encrypted and has nothing to warn about.  Kernelspecs without Curve support run as before.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if zmq.has("curve"):
                self.transport_encryption = "auto"

        async def _async_start_kernel(self, **kw: Any) -> None:
            env = dict(kw.pop("env", None) or os.environ)
            for name, value in SINGLE_THREAD_ENV.items():
                env.setdefault(name, value)
            if not verbose:
                env["PYTHONWARNINGS"] = "ignore"
                kw.setdefault("stderr", subprocess.DEVNULL)
            kw["env"] = env
            await super()._async_start_kernel(**kw)

        start_kernel = _async_start_kernel

    return ReportKernelManager


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    verbose: bool = False,
) -> float:
    """Execute one notebook with papermill in the ``python3`` kernel; return its seconds.

    Parameters
    ----------
    notebook : str or Path
        The source notebook (with a cell tagged ``parameters``).
    output : str or Path
        Where the executed notebook is written (also when a cell fails).
    parameters : mapping, optional
        Values papermill injects after the ``parameters`` cell.
    cwd : str or Path, optional
        Working directory of the kernel (default: the output notebook's folder).  It is
        given to the kernel process itself rather than through papermill's ``cwd``, which
        changes the working directory of the whole Python process and is therefore unsafe
        when several notebooks run in threads.
    timeout : float
        Seconds one cell may run (papermill's ``execution_timeout``).
    verbose : bool
        Show papermill's progress bar and the kernel's warnings.

    Returns
    -------
    float
        Wall-clock seconds, kernel start included.

    Raises
    ------
    NotebookFailed
        When a cell raises, times out or the kernel dies.
    """
    import papermill as pm

    notebook, output = Path(notebook), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    run_dir = Path(cwd) if cwd is not None else output.parent
    start = time.perf_counter()
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters or {}),
                kernel_name=KERNEL_NAME,
                progress_bar=verbose,
                log_output=False,
                start_timeout=KERNEL_START_TIMEOUT,
                execution_timeout=timeout,
                resources={"metadata": {"path": str(run_dir)}},
                kernel_manager_class=_kernel_manager_class(verbose),
            )
        except Exception as exc:  # papermill raises its own error for a failing cell
            if _is_kernel_start_failure(exc) and attempt < KERNEL_START_ATTEMPTS:
                continue
            ename = getattr(exc, "ename", type(exc).__name__)
            evalue = getattr(exc, "evalue", str(exc))
            raise NotebookFailed(
                notebook.stem, _one_line(f"{ename}: {evalue}"), output if output.exists() else None
            ) from None
        break
    return time.perf_counter() - start


def _is_kernel_start_failure(exc: BaseException) -> bool:
    """Whether papermill failed before any cell ran because the kernel did not start."""
    return (
        isinstance(exc, RuntimeError)
        and not hasattr(exc, "ename")
        and any(text in str(exc) for text in _KERNEL_START_FAILURES)
    )


def run_notebooks(
    notebooks: Sequence[str | Path],
    out_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    workers: int = DEFAULT_WORKERS,
    timeout: float = DEFAULT_TIMEOUT,
    verbose: bool = False,
) -> dict[str, float]:
    """Execute notebooks into ``out_dir/notebooks`` (``workers`` at a time).

    Each notebook runs with its working directory set to ``out_dir/notebooks``, so relative
    paths in the parameters (``output_dir=".."``) stay valid when the executed notebooks
    are opened later from the finished report.

    Parameters
    ----------
    notebooks : sequence of path
        Source notebooks.
    out_dir : str or Path
        The report folder being built.
    parameters : mapping, optional
        The same parameters for every notebook.
    workers : int
        Notebooks run at once (threads, each driving its own kernel process).
    timeout : float
        Seconds one cell may run.
    verbose : bool
        Show progress bars and kernel warnings.

    Returns
    -------
    dict
        Notebook name -> seconds, in the given order.

    Raises
    ------
    NotebookFailed
        For the first notebook that fails; notebooks not yet started are cancelled.
    """
    paths = [Path(nb) for nb in notebooks]
    for nb in paths:
        if not nb.is_file():
            raise InputError(f"{nb}: notebook not found.")
    target = Path(out_dir) / "notebooks"
    target.mkdir(parents=True, exist_ok=True)

    def one(nb: Path) -> float:
        return execute_notebook(
            nb, target / nb.name, parameters, cwd=target, timeout=timeout, verbose=verbose
        )

    seconds: dict[str, float] = {}
    if max(1, int(workers)) == 1 or len(paths) == 1:
        for nb in paths:
            seconds[nb.stem] = one(nb)
        return seconds
    with ThreadPoolExecutor(max_workers=int(workers), thread_name_prefix="notebook") as pool:
        futures = {pool.submit(one, nb): nb for nb in paths}
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in done if f.exception() is not None]
        if failed:
            for f in pending:
                f.cancel()
            wait(pending)
            first = min(failed, key=lambda f: paths.index(futures[f]))
            raise first.exception()  # type: ignore[misc]
        for f in done:
            seconds[futures[f].stem] = f.result()
    return {nb.stem: seconds[nb.stem] for nb in paths}


# --------------------------------------------------------------------------------------------
# Output folders
# --------------------------------------------------------------------------------------------


def is_report_dir(path: str | Path) -> bool:
    """Whether ``path`` holds a report written by this module (its ``manifest.json`` says so).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
    """
    manifest = Path(path) / MANIFEST_NAME
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("kind") == MANIFEST_KIND
    except (OSError, ValueError, AttributeError):
        return False


#: Files a reader's tools leave in a report folder; replacing the report may remove them.
_TOOL_LEFTOVERS = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: Folders a reader's tools (JupyterLab, a notebook rerun) leave in a report folder.
_TOOL_FOLDERS = frozenset({".ipynb_checkpoints", WORK_DIR_NAME})


def _foreign_files(out: Path) -> list[str]:
    """Files in a previous report that its manifest does not list (somebody else's work).

    A report older than the ``outputs`` list of the manifest has no such files by definition.
    """
    try:
        manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(listed, list):
        return []
    # findings.md: what ``crm-research report --no-html`` adds when rerun into a report
    known = {str(name).replace("\\", "/") for name in listed} | {"findings.md"}
    foreign = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_dir() and not path.is_symlink():
            continue
        if set(rel.parts) & _TOOL_FOLDERS or rel.name in _TOOL_LEFTOVERS:
            continue
        if rel.as_posix() not in known:
            foreign.append(rel.as_posix())
    return foreign


def check_output_dir(out_dir: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Refuse an output folder that a new report may not replace (before any work).

    Accepted: a new path, an empty folder, or a previous report of this module (its
    ``manifest.json`` says so) holding only the files its manifest lists (and what
    JupyterLab leaves: ``.ipynb_checkpoints``).  Refused with one sentence: a file, a
    symbolic link, a non-empty folder without a report manifest, a previous report holding
    files of somebody else, and a folder holding one of the input files (a new report
    replaces the folder, and an input is never deleted).

    Parameters
    ----------
    out_dir : str or Path
    inputs : sequence of path, optional
        The input files of the report.

    Returns
    -------
    Path
        The absolute output path.

    Raises
    ------
    InputError
        When the folder may not be written.
    """
    from crm_research.paths import safe_output_dir

    out = safe_output_dir(out_dir, marker=MANIFEST_NAME)
    if out.is_dir() and any(out.iterdir()):
        if not is_report_dir(out):
            raise InputError(
                f"{out}: the output folder is not empty and holds no previous report "
                f"({MANIFEST_NAME}); choose an empty or new folder."
            )
        foreign = _foreign_files(out)
        if foreign:
            raise InputError(
                f"{out}: the previous report holds '{foreign[0]}', which the report did not "
                "write and a new report would delete; move it elsewhere or choose another folder."
            )
    resolved_out = out.resolve()
    for item in inputs:
        path = Path(item).expanduser().absolute()
        if resolved_out in path.resolve().parents or path.resolve() == resolved_out:
            raise InputError(
                f"{path}: the input file lies inside the output folder {out}, which the new "
                "report replaces; the input is never deleted, so choose another folder."
            )
    return out


#: Longest file name in bytes (ext4, APFS, NTFS: 255).
_NAME_MAX_BYTES = 255


def _sibling_name(name: str, prefix: str, suffix: str) -> str:
    """``prefix + name + suffix``, ``name`` shortened so the whole stays a legal file name."""
    room = _NAME_MAX_BYTES - len((prefix + suffix).encode("utf-8"))
    while len(name.encode("utf-8")) > room:
        name = name[:-1]
    return prefix + name + suffix


def _new_build_dir(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp adds 8 characters; a long (CJK) report name must still fit in 255 bytes
    prefix = _sibling_name(out.name, ".", ".building-" + "x" * 8)[:-8]
    return Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))


def _move_into_place(build: Path, out: Path) -> None:
    """Replace ``out`` by ``build``: the old report is renamed away first, removed last."""
    previous: Path | None = None
    if out.exists():
        if any(out.iterdir()):
            if not is_report_dir(out):  # changed while we were building
                raise InputError(
                    f"{out}: the output folder was filled during the run and holds no "
                    f"previous report; the new report is left in {build}."
                )
            previous = out.with_name(
                _sibling_name(out.name, ".", f".previous-{uuid.uuid4().hex[:8]}")
            )
            os.replace(out, previous)
        else:
            out.rmdir()
    os.replace(build, out)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def _keep_failed(build: Path, out: Path, failure: NotebookFailed) -> Path:
    """Rename the build folder to ``DIR.failed`` (replacing only an earlier failed build)."""
    target = out.with_name(_sibling_name(out.name, "", ".failed"))
    n = 1
    while target.exists() and not (target / FAILED_MARKER).is_file():
        n += 1
        target = out.with_name(_sibling_name(out.name, "", f".failed-{n}"))
    # the study cache holds the screened responses (free-text background columns included);
    # only the executed notebooks and the tables are kept for inspection
    shutil.rmtree(build / WORK_DIR_NAME, ignore_errors=True)
    (build / FAILED_MARKER).write_text(
        json.dumps(
            {"notebook": failure.notebook, "error": failure.error, "time_utc": _utc_now()},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if target.exists():
        shutil.rmtree(target)
    os.replace(build, target)
    return target


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def excel_sheet_names(names: Sequence[str]) -> dict[str, str]:
    """Unique Excel sheet names (at most 31 characters, no ``[]:*?/\\``) for table names.

    Parameters
    ----------
    names : sequence of str

    Returns
    -------
    dict
        table name -> sheet name.

    Examples
    --------
    >>> excel_sheet_names(["a" * 40, "a" * 41])
    {'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa~2'}
    """
    sheets: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "table"
        sheet = base[:EXCEL_SHEET_CHARS]
        n = 1
        while sheet.casefold() in used:
            n += 1
            suffix = f"~{n}"
            sheet = base[: EXCEL_SHEET_CHARS - len(suffix)] + suffix
        used.add(sheet.casefold())
        sheets[name] = sheet
    return sheets


def write_tables_xlsx(tables: Mapping[str, Any], path: str | Path) -> dict[str, str]:
    """Write tables to one Excel workbook, one sheet per table.

    Parameters
    ----------
    tables : mapping
        Table name -> DataFrame.
    path : str or Path
        The ``.xlsx`` file.

    Returns
    -------
    dict
        Table name -> sheet name.
    """
    import pandas as pd

    sheets = excel_sheet_names(list(tables))
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
            has_index = not isinstance(frame.index, pd.RangeIndex)
            frame.to_excel(writer, sheet_name=sheets[name], index=has_index)
    _normalise_xlsx(Path(path))
    return sheets


#: Time stamp written into every workbook (its document properties and zip entries), so
#: the same tables give the same bytes.
_XLSX_TIMESTAMP = "2000-01-01T00:00:00Z"


def _normalise_xlsx(path: Path) -> None:
    """Rewrite a workbook with fixed time stamps (openpyxl writes the current time)."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _XLSX_TIMESTAMP.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    os.replace(partial, path)


def read_tables(folder: str | Path) -> dict[str, Any]:
    """Read ``folder/*.csv`` back into DataFrames (name = file stem, sorted).

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    dict
    """
    import pandas as pd

    return {p.stem: pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))}


# --------------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------------

#: Report chrome (title page, contents, appendix headings) in both languages.
REPORT_TEXT: dict[str, dict[str, str]] = {
    "title.case": {
        "zh": "D 公司客户关系管理研究报告",
        "en": "Customer relationship management at D company",
    },
    "title.generic": {
        "zh": "客户关系管理诊断报告",
        "en": "Customer relationship management diagnostic report",
    },
    "subtitle": {
        "zh": "现状 · 问题 · 优化方案 · 保障措施",
        "en": "Current state · problems · optimisation plan · safeguards",
    },
    "simulated.banner": {"zh": "模拟数据", "en": "SIMULATED DATA"},
    "contents": {"zh": "目录", "en": "Contents"},
    "facts.inputs": {"zh": "输入文件(SHA-256)", "en": "Input files (SHA-256)"},
    "facts.lang": {"zh": "报告语言", "en": "Report language"},
    "facts.seed": {"zh": "随机种子", "en": "Random seed"},
    "facts.version": {"zh": "软件版本", "en": "Software version"},
    "facts.instruments": {"zh": "问卷工具", "en": "Instruments"},
    "lang.zh": {"zh": "中文", "en": "Chinese"},
    "lang.en": {"zh": "英文", "en": "English"},
}

_REPORT_CSS = """
.crm-title-page { padding: 2.5em 1em 1.5em 1em; border-bottom: 2px solid #4C72B0; margin-bottom: 1.5em; }
.crm-title-page h1.crm-title { font-size: 2.1em; margin: 0 0 .3em 0; }
.crm-title-page .crm-subtitle { font-size: 1.15em; color: #555; margin-bottom: 1.2em; }
.crm-simulated { background: #fff3cd; border: 2px solid #C44E52; color: #6b1d1d; padding: .8em 1em;
  margin: 1em 0; font-size: 1.05em; border-radius: 4px; }
.crm-simulated strong { letter-spacing: .05em; }
.crm-facts { border-collapse: collapse; margin-top: 1em; font-size: .92em; }
.crm-facts th, .crm-facts td { text-align: left; padding: .25em .8em .25em 0; vertical-align: top; }
.crm-facts code { font-size: .9em; }
.crm-contents { padding: 0 1em 1.5em 1em; border-bottom: 1px solid #ccc; margin-bottom: 1.5em; }
.crm-contents ul { list-style: none; padding-left: 1.2em; }
.crm-contents > ul { padding-left: 0; }
.crm-contents li { margin: .15em 0; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
  -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.crm-finding { margin: .4em 0 1.2em 0; }
.crm-severity { display: inline-block; padding: 0 .45em; margin-right: .3em; border-radius: 3px;
  font-size: .85em; font-weight: bold; color: #fff; background: #8C8C8C; }
.crm-severity-major .crm-severity { background: #C44E52; }
.crm-severity-moderate .crm-severity { background: #DD8452; }
.crm-severity-minor .crm-severity { background: #4C72B0; }
table.crm-evidence { border-collapse: collapse; font-size: .9em; margin: .3em 0 .5em 1.5em; }
table.crm-evidence th, table.crm-evidence td { border-bottom: 1px solid #ddd; padding: .15em .8em;
  text-align: left; }
p.crm-references { font-size: .85em; color: #555; margin-left: 1.5em; }
"""


def report_text(key: str, lang: str, **values: object) -> str:
    """Return report chrome text ``key`` (see :data:`REPORT_TEXT`) in ``lang``."""
    return REPORT_TEXT[key][_check_lang(lang)].format(**values)


def _report_cells(nb: Any) -> list[Any]:
    """Cells of an executed notebook that belong in the report, outputs cleaned."""
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {NOTEBOOK_ONLY_TAG, "parameters", "injected-parameters", "remove-cell"}:
            continue
        if cell.cell_type == "raw":
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.get("outputs", [])
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                and (out.get("metadata", {}).get("text/markdown") or {}).get("crm-role")
                != SIMULATED_NOTE_ROLE
            ]
            if not cell.outputs:
                continue
        keep.append(cell)
    return keep


def _without_label(note: str, label: str) -> str:
    """``note`` without a leading ``label`` (the banner shows the label in bold already)."""
    if note.casefold().startswith(label.casefold()):
        return re.sub(r"^[。.:：\s]+", "", note[len(label) :])
    return note


def _title_page_html(
    soup: Any,
    *,
    lang: str,
    title: str,
    subtitle: str | None,
    simulated_note: str | None,
    facts: Sequence[tuple[str, str]],
) -> Any:
    page = soup.new_tag("section", attrs={"class": "crm-title-page", "id": "title-page"})
    h1 = soup.new_tag("h1", attrs={"class": "crm-title"})
    h1.string = title
    page.append(h1)
    if subtitle:
        sub = soup.new_tag("div", attrs={"class": "crm-subtitle"})
        sub.string = subtitle
        page.append(sub)
    if simulated_note:
        banner = soup.new_tag("div", attrs={"class": "crm-simulated", "role": "note"})
        strong = soup.new_tag("strong")
        label = report_text("simulated.banner", lang)
        strong.string = label
        banner.append(strong)
        banner.append(" — " + _without_label(simulated_note, label))
        page.append(banner)
    if facts:
        table = soup.new_tag("table", attrs={"class": "crm-facts"})
        for key, value in facts:
            row = soup.new_tag("tr")
            th, td = soup.new_tag("th"), soup.new_tag("td")
            th.string = key
            td.string = value
            row.append(th)
            row.append(td)
            table.append(row)
        page.append(table)
    return page


def _contents_html(soup: Any, main: Any, lang: str) -> Any:
    nav = soup.new_tag("nav", attrs={"class": "crm-contents", "id": "contents"})
    head = soup.new_tag("h2", attrs={"class": "crm-contents-title"})
    head.string = report_text("contents", lang)
    nav.append(head)
    top = soup.new_tag("ul")
    nav.append(top)
    current: Any = None
    used: set[str] = set()
    for n, heading in enumerate(main.find_all(["h1", "h2"])):
        for anchor in heading.find_all("a", attrs={"class": "anchor-link"}):
            anchor.decompose()
        label = heading.get_text(" ", strip=True)
        if not label:
            continue
        hid = heading.get("id") or f"section-{n}"
        while hid in used:
            hid = f"{hid}-{n}"
        used.add(hid)
        heading["id"] = hid
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{hid}")
        link.string = label
        item.append(link)
        if heading.name == "h1" or current is None:
            top.append(item)
            current = soup.new_tag("ul")
            item.append(current)
        else:
            current.append(item)
    for empty in nav.find_all("ul"):
        if not empty.find("li"):
            empty.decompose()
    return nav


def build_report(
    notebooks: Sequence[str | Path],
    path: str | Path,
    *,
    lang: str = "zh",
    title: str | None = None,
    subtitle: str | None = None,
    simulated_note: str | None = None,
    facts: Sequence[tuple[str, str]] = (),
    appendix: str | None = None,
) -> Path:
    """Turn executed notebooks into one HTML report with every code input hidden.

    The report has a title page (with a SIMULATED DATA banner when ``simulated_note`` is
    given), a table of contents built from the section headings, the notebooks' outputs in
    order (prose, tables, figures embedded as ``<img>``), and an optional appendix.  Cells
    tagged ``notebook-only`` (guidance for JupyterLab readers), the parameter cells and
    stderr output are left out; scripts are removed so the file is static and opens offline.

    Parameters
    ----------
    notebooks : sequence of path
        Executed notebooks, in report order.
    path : str or Path
        The HTML file to write.
    lang : {"zh", "en"}
        Report language (also the ``lang`` attribute of the page).
    title, subtitle : str, optional
        Title page text (default: the generic CRM report title).
    simulated_note : str, optional
        When given, the title page shows a SIMULATED DATA banner with this text.
    facts : sequence of (str, str)
        Rows of the title page's fact table (inputs, seed, version, ...).
    appendix : str, optional
        Markdown appended as the last section.

    Returns
    -------
    Path
        ``path``.
    """
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    _check_lang(lang)
    title = title or report_text("title.generic", lang)
    combined = nbformat.v4.new_notebook()
    for nb_path in notebooks:
        nb = nbformat.read(str(nb_path), as_version=4)
        if not combined.metadata:
            combined.metadata = {
                k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")
            }
        combined.cells.extend(_report_cells(nb))
    if appendix:
        cell = nbformat.v4.new_markdown_cell(appendix)
        cell.id = "methods-appendix"  # a fixed id: the same report gives the same HTML
        combined.cells.append(cell)
    # alternative text of each image output, in document order (figures carry their title)
    alts = [
        (out.get("metadata", {}).get("image/png") or {}).get("alt")
        for cell in combined.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(combined, resources={"metadata": {"name": title}})
    soup = BeautifulSoup(body, "html.parser")
    for script in soup.find_all("script"):
        script.decompose()
    if soup.html is not None:
        soup.html["lang"] = "zh-CN" if lang == "zh" else "en"
    style = soup.new_tag("style")
    style.string = _REPORT_CSS
    (soup.head or soup).append(style)
    main = soup.find("main") or soup.body or soup
    images = main.find_all("img")
    if len(images) == len(alts):
        for img, alt in zip(images, alts, strict=True):
            if alt:
                img["alt"] = alt
    contents = _contents_html(soup, main, lang)
    page = _title_page_html(
        soup, lang=lang, title=title, subtitle=subtitle, simulated_note=simulated_note, facts=facts
    )
    main.insert(0, contents)
    main.insert(0, page)
    out = Path(path)
    out.write_text(str(soup), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# Appendix: methods and thresholds, each value read from the module that applies it
# --------------------------------------------------------------------------------------------


def methods_appendix(
    lang: str = "zh",
    references: Sequence[str] = (),
    abc_cuts: Mapping[str, float] | None = None,
) -> str:
    """Markdown appendix: every method and threshold the report uses, with its citation.

    The thresholds are read from the modules' constants (not restated), so the appendix
    always shows the values the analyses applied.

    Parameters
    ----------
    lang : {"zh", "en"}
    references : sequence of str
        Further references (those the findings cite); merged with :data:`REFERENCES`,
        one entry per first author and year, sorted.
    abc_cuts : mapping, optional
        ``{"a_cut": .., "b_cut": ..}`` the study applied (its ``parameters["abc_cuts"]``);
        default those of :mod:`crm_research.segmentation`.

    Returns
    -------
    str
        Markdown text starting with a level-1 heading.

    Examples
    --------
    >>> "Nunnally" in methods_appendix("en")
    True
    """
    from crm_research import factor, reliability, segmentation, sem, study
    from crm_research.report_text import ID_LABELS

    _check_lang(lang)
    zh = lang == "zh"
    cuts = {"a_cut": segmentation.A_CUT, "b_cut": segmentation.B_CUT, **(abc_cuts or {})}
    cuts = {key: f"{float(value) * 100:.4g}%" for key, value in cuts.items()}
    kmo_bands = ", ".join(
        f"≥ {lo:g} {ID_LABELS.get(label, {}).get(lang, label)}"
        for lo, label in factor.KMO_LABELS
        if lo != float("-inf")
    )
    rows = [
        (
            "Cronbach α" + (" 及 Feldt 置信区间" if zh else " with the Feldt confidence interval"),
            f"α ≥ {reliability.NUNNALLY_MIN_ALPHA:.2f}",
            "Nunnally (1978); Feldt, Woodruff & Salih (1987)",
        ),
        (
            "McDonald ω" + ("(单因子 ML 模型)" if zh else " (one-factor ML model)"),
            "—",
            "McDonald (1999)",
        ),
        ("KMO", kmo_bands, "Kaiser (1974)"),
        (
            "Bartlett 球形检验" if zh else "Bartlett's test of sphericity",
            "p < .05",
            "Bartlett (1950)",
        ),
        (
            "平行分析(保留因子数)" if zh else "Parallel analysis (factors retained)",
            "95%" + (" 分位数" if zh else " quantile of random eigenvalues"),
            "Horn (1965)",
        ),
        (
            "探索性因子分析(minres, oblimin)"
            if zh
            else "Exploratory factor analysis (minres, oblimin)",
            f"{'载荷' if zh else 'loading'} ≥ {sem.LOADING_MIN:.2f}",
            "Revelle (psych); Hair et al. (2019)",
        ),
        (
            "验证性因子分析拟合(ML)" if zh else "Confirmatory factor analysis fit (ML)",
            f"CFI ≥ {sem.CFI_MIN:.2f}, TLI ≥ {sem.TLI_MIN:.2f}, RMSEA ≤ {sem.RMSEA_MAX:.2f}, "
            f"SRMR ≤ {sem.SRMR_MAX:.2f}",
            "Hu & Bentler (1999); lavaan (Rosseel 2012)",
        ),
        (
            "组合信度、平均方差萃取量"
            if zh
            else "Composite reliability, average variance extracted",
            f"CR ≥ {sem.CR_MIN:.2f}, AVE ≥ {sem.AVE_MIN:.2f}",
            "Fornell & Larcker (1981)",
        ),
        ("HTMT", f"< {sem.HTMT_MAX:.2f}", "Henseler, Ringle & Sarstedt (2015)"),
        (
            "重要性–表现分析" if zh else "Importance–performance analysis",
            "均值为象限分界" if zh else "quadrants cut at the means",
            "Martilla & James (1977)",
        ),
        (
            "满意度 × 忠诚度矩阵" if zh else "Satisfaction × loyalty matrix",
            f"{'高 = 均值' if zh else 'high = mean'} ≥ {study.SATISFACTION_LOYALTY_AGREE_POINT:g}",
            "Jones & Sasser (1995)",
        ),
        ("NPS", "0–6 / 7–8 / 9–10", "Reichheld (2003)"),
        (
            "ABC 客户分类" if zh else "ABC customer classification",
            f"A ≤ {cuts['a_cut']}, B ≤ {cuts['b_cut']}"
            + (" 累计销售额" if zh else " of cumulative revenue"),
            "Dickie (1951)",
        ),
        (
            "集中度(HHI)" if zh else "Concentration (HHI)",
            "1500 / 2500"
            + (
                f"(0–{segmentation.HHI_POINTS} 刻度)"
                if zh
                else f" (0–{segmentation.HHI_POINTS} scale)"
            ),
            "U.S. DoJ & FTC (2010)",
        ),
        (
            "驱动因素回归(标准化 β)" if zh else "Driver regression (standardised β)",
            "VIF",
            "Cohen, Cohen, West & Aiken (2003)",
        ),
    ]
    head = (
        ("# 附录:方法与阈值", "| 方法 | 阈值 | 文献 |")
        if zh
        else ("# Appendix: methods and thresholds", "| Method | Threshold | Reference |")
    )
    lines = [head[0], "", head[1], "|---|---|---|"]
    lines += [f"| {m} | {t} | {c} |" for m, t, c in rows]
    lines += ["", "## " + ("参考文献" if zh else "References"), ""]
    lines += [f"- {ref}" for ref in merge_references(REFERENCES, references)]
    return "\n".join(lines) + "\n"


def merge_references(*groups: Sequence[str]) -> list[str]:
    """One entry per first author and year (the first spelling wins), sorted alphabetically.

    Examples
    --------
    >>> merge_references(["Kaiser, H. F. (1974). An index."], ["Kaiser, H. (1974). Index.",
    ...                  "Cohen, J. (1960). A coefficient."])
    ['Cohen, J. (1960). A coefficient.', 'Kaiser, H. F. (1974). An index.']
    """
    seen: dict[str, str] = {}
    for group in groups:
        for ref in group:
            match = re.match(r"^([^,(]+)[^()]*\((\d{4})\)", ref)
            key = f"{match.group(1).strip().casefold()}|{match.group(2)}" if match else ref
            seen.setdefault(key, ref)
    return sorted(seen.values(), key=lambda r: unicodedata.normalize("NFKD", r).casefold())


#: Full references of the appendix (APA style, as in the modules' comments).
REFERENCES = (
    "Bartlett, M. S. (1950). Tests of significance in factor analysis. *British Journal of Psychology, Statistical Section*, 3(2), 77–85.",
    "Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied multiple regression/correlation analysis for the behavioral sciences* (3rd ed.). Erlbaum.",
    "Dickie, H. F. (1951). ABC inventory analysis shoots for dollars, not pennies. *Factory Management and Maintenance*, 109(7), 92–94.",
    "Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient alpha. *Applied Psychological Measurement*, 11(1), 93–103.",
    "Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable variables and measurement error. *Journal of Marketing Research*, 18(1), 39–50.",
    "Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2019). *Multivariate data analysis* (8th ed.). Cengage.",
    "Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant validity. *Journal of the Academy of Marketing Science*, 43, 115–135.",
    "Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis. *Psychometrika*, 30(2), 179–185.",
    "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis. *Structural Equation Modeling*, 6(1), 1–55.",
    "Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. *Harvard Business Review*, 73(6), 88–99.",
    "Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39(1), 31–36.",
    "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. *Biometrics*, 33(1), 159–174.",
    "Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological Measurement*, 20(1), 37–46.",
    "Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of Marketing*, 41(1), 77–79.",
    "McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.",
    "Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill.",
    "Peppers, D., & Rogers, M. (2004). *Managing customer relationships: A strategic framework*. Wiley.",
    "Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12), 46–54.",
    "Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and personality research* (R package version 2.2.9). Northwestern University.",
    "Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical Software*, 48(2), 1–36.",
    "U.S. Department of Justice & Federal Trade Commission (2010). *Horizontal merger guidelines*.",
)


# --------------------------------------------------------------------------------------------
# The shared study: computed once per set of inputs, loaded by every notebook
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StudyBundle:
    """A computed study with its findings and where its inputs came from.

    Attributes
    ----------
    study : StudyResult
        From :func:`crm_research.study.run_study`.
    findings : tuple of Finding
        From :func:`crm_research.findings.derive_findings`.
    inputs : dict
        Data role -> absolute path of the input file.
    sha256 : dict
        Data role -> SHA-256 of the input file.
    instruments : dict
        Instrument role (customer, employee, scorecard) -> instrument name or path.
    simulated : bool
        Whether the inputs come from the D-company simulator.
    seed : int or None
        Seed of the simulation (``None`` for real data).
    seconds : float
        Time the study and the findings took to compute.
    """

    study: Any
    findings: tuple[Any, ...]
    inputs: dict[str, str]
    sha256: dict[str, str]
    instruments: dict[str, str]
    simulated: bool
    seed: int | None
    seconds: float

    def to_frame(self) -> Any:
        """One row per input: role, path, sha256."""
        import pandas as pd

        return pd.DataFrame(
            [{"role": r, "path": p, "sha256": self.sha256[r]} for r, p in self.inputs.items()]
        )

    def __repr__(self) -> str:
        label = "SIMULATED, " if self.simulated else ""
        return (
            f"StudyBundle({label}{len(self.study.tables)} tables, {len(self.findings)} findings, "
            f"inputs={', '.join(self.inputs)})"
        )


def _instrument_roles(instruments: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(DEFAULT_INSTRUMENTS)
    for role, name in (instruments or {}).items():
        if role not in DEFAULT_INSTRUMENTS:
            raise InputError(
                f"Unknown instrument role '{role}': use {', '.join(DEFAULT_INSTRUMENTS)}."
            )
        merged[role] = str(name)
    return merged


def resolve_inputs(
    customers: str | Path | None,
    employees: str | Path | None,
    ledger: str | Path | None,
    scorecard: str | Path | None = None,
) -> dict[str, Path]:
    """Check the input files and return role -> absolute path (``scorecard`` optional).

    Parameters
    ----------
    customers, employees, ledger : str or Path
        Required input files.
    scorecard : str or Path, optional

    Returns
    -------
    dict

    Raises
    ------
    InputError
        A required input is missing or a path is not a readable file.
    """
    given = {
        "customers": customers,
        "employees": employees,
        "ledger": ledger,
        "scorecard": scorecard,
    }
    paths: dict[str, Path] = {}
    for role in INPUT_ROLES:
        value = given[role]
        if value is None or str(value) == "":
            if role == "scorecard":
                continue
            raise InputError(f"The {role} input file is required.")
        path = Path(value).expanduser().absolute()
        if not path.is_file():
            raise InputError(f"{path}: the {role} input file does not exist.")
        paths[role] = path
    return paths


def _instrument_fingerprint(name: str) -> str:
    """SHA-256 of the instrument file (resolved as :func:`load_instrument` does, not parsed)."""
    from crm_research.instrument import _resolve_path

    try:
        path = _resolve_path(name)
    except InputError:
        return str(name)
    return sha256_file(path) if Path(path).is_file() else str(name)


@contextmanager
def _study_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a no-op where ``fcntl`` is unavailable).

    The pipeline holds it while it computes the study, so notebooks started at the same
    time wait for the cache instead of computing the study again.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def study_cache_path(
    paths: Mapping[str, Path], instruments: Mapping[str, str], work_dir: str | Path
) -> Path:
    """Where :func:`prepare_study` caches the study of these inputs and instruments.

    Parameters
    ----------
    paths : mapping
        Role -> input file.
    instruments : mapping
        Role -> instrument name or path.
    work_dir : str or Path

    Returns
    -------
    Path
    """
    from crm_research import __version__

    key_source = json.dumps(
        {
            "inputs": {role: sha256_file(p) for role, p in paths.items()},
            "instruments": {r: _instrument_fingerprint(n) for r, n in instruments.items()},
            "version": __version__,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key_source.encode()).hexdigest()[:20]
    return Path(work_dir).expanduser().absolute() / f"study-{digest}.pkl"


def prepare_study(
    customers: str | Path | None = None,
    employees: str | Path | None = None,
    ledger: str | Path | None = None,
    scorecard: str | Path | None = None,
    *,
    instruments: Mapping[str, str] | None = None,
    seed: int | None = DEFAULT_SEED,
    work_dir: str | Path = WORK_DIR_NAME,
    simulated: bool | None = None,
) -> StudyBundle:
    """Compute the study and its findings once and cache them in ``work_dir``.

    The cache file is named after the SHA-256 of the inputs, the instruments and the
    package version, so a notebook that calls this with the same inputs loads the result
    computed by the pipeline (or by the first notebook) instead of computing it again.
    With no input paths the D-company case is simulated with ``seed`` (SIMULATED data),
    which lets every notebook run unchanged in JupyterLab from a clean clone.

    Parameters
    ----------
    customers, employees, ledger, scorecard : str or Path, optional
        Input files; all ``None`` = simulate the D-company case.
    instruments : mapping, optional
        Role (``customer``, ``employee``, ``scorecard``) -> instrument name or path.
    seed : int, optional
        Seed of the simulation.
    work_dir : str or Path
        Cache folder (created if absent).
    simulated : bool, optional
        Whether the inputs are simulated (inferred when the case is simulated here).

    Returns
    -------
    StudyBundle
    """
    work = Path(work_dir).expanduser().absolute()
    work.mkdir(parents=True, exist_ok=True)
    roles = _instrument_roles(instruments)
    if customers is None and employees is None and ledger is None:
        from crm_research.cases.d_company import simulate

        sim_seed = DEFAULT_SEED if seed is None else int(seed)
        written = simulate(sim_seed).write(work / f"simulated-{sim_seed}")
        customers, employees, ledger = written["customers"], written["employees"], written["ledger"]
        scorecard = written.get("scorecard")
        simulated = True if simulated is None else simulated
    paths = resolve_inputs(customers, employees, ledger, scorecard)
    cache = study_cache_path(paths, roles, work)
    with _study_lock(cache.with_suffix(".lock")):
        failed = cache.with_suffix(".failed")
        if failed.is_file():
            raise PipelineError(failed.read_text(encoding="utf-8").strip())
        if cache.is_file():
            try:
                with open(cache, "rb") as handle:
                    bundle = pickle.load(handle)
                if isinstance(bundle, StudyBundle):
                    return bundle
            except Exception:  # a stale or truncated cache is recomputed
                pass
        return _compute_study(paths, roles, seed, simulated, cache)


def _compute_study(
    paths: Mapping[str, Path],
    roles: Mapping[str, str],
    seed: int | None,
    simulated: bool | None,
    cache: Path,
) -> StudyBundle:
    from crm_research.findings import derive_findings
    from crm_research.study import run_study

    start = time.perf_counter()
    study = run_study(
        str(paths["customers"]),
        str(paths["employees"]),
        str(paths["ledger"]),
        str(paths["scorecard"]) if "scorecard" in paths else None,
        customer_instrument=roles["customer"],
        employee_instrument=roles["employee"],
        scorecard_instrument=roles["scorecard"],
    )
    findings = tuple(derive_findings(study))
    bundle = StudyBundle(
        study=study,
        findings=findings,
        inputs={role: str(p) for role, p in paths.items()},
        sha256={role: sha256_file(p) for role, p in paths.items()},
        instruments=dict(roles),
        simulated=bool(simulated),
        seed=None if seed is None else int(seed),
        seconds=time.perf_counter() - start,
    )
    partial = cache.with_name(f"{cache.name}.{uuid.uuid4().hex[:8]}.partial")
    with open(partial, "wb") as handle:
        pickle.dump(bundle, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, cache)
    return bundle


# --------------------------------------------------------------------------------------------
# What the notebooks call: prose, tables, figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prose:
    """Markdown text that a notebook displays as rendered prose."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


#: Output metadata that marks the SIMULATED DATA notice of a notebook: JupyterLab readers see
#: it in every notebook, the HTML report shows it once, as the title page's banner.
SIMULATED_NOTE_ROLE = "simulated-note"


@dataclass(frozen=True)
class SimulatedNote(Prose):
    """The SIMULATED DATA notice of a notebook (left out of the HTML report's chapters)."""

    def _repr_markdown_(self) -> tuple[str, dict[str, str]]:  # type: ignore[override]
        return self.markdown, {"crm-role": SIMULATED_NOTE_ROLE}


@dataclass(frozen=True)
class HtmlBlock:
    """Ready HTML (escaped text) that a notebook displays as is."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return re.sub(r"<[^>]+>", "", self.html)


def prose(key: str, lang: str, **values: object) -> Prose:
    """The package's prose ``key`` (:data:`NOTEBOOK_TEXT`) in ``lang`` as displayable Markdown.

    Parameters
    ----------
    key : str
    lang : {"zh", "en"}
    **values
        ``str.format`` values.

    Returns
    -------
    Prose

    Examples
    --------
    >>> prose("dq.title", "en").markdown.splitlines()[0]
    '# 1 Data and data quality'
    """
    from crm_research.report_text import NOTEBOOK_TEXT

    _check_lang(lang)
    try:
        text = NOTEBOOK_TEXT[key][lang]
    except KeyError:
        raise InputError(f"No report text '{key}'.") from None
    return Prose(text.format(**values) if values else text)


class NothingToShow:
    """What a notebook displays when a section has nothing to add: no output at all.

    (``display(None)`` would print ``None``.)  It is false in an ``if``.
    """

    def _ipython_display_(self) -> None:
        return None

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return ""


NOTHING = NothingToShow()


def _section_heading(key: str, lang: str) -> str:
    """The Markdown heading that opens the prose ``key`` (``""`` when it has none)."""
    from crm_research.report_text import NOTEBOOK_TEXT

    first = NOTEBOOK_TEXT[key][lang].split("\n", 1)[0]
    return first if first.startswith("#") else ""


def left_out_note(reason: str, lang: str, section: str | None = None) -> Prose:
    """A section that is left out: its heading (from the prose ``section``) and ``reason``.

    Parameters
    ----------
    reason : str
        One sentence in ``lang`` naming why the section cannot run on these data.
    lang : {"zh", "en"}
    section : str, optional
        Key of the section's prose (:data:`~crm_research.report_text.NOTEBOOK_TEXT`); its
        heading line is shown above the reason.

    Returns
    -------
    Prose

    Examples
    --------
    >>> print(left_out_note("It is left out.", "en", "cs.ipa").markdown)
    ## 3.3 Importance–performance analysis
    <BLANKLINE>
    It is left out.
    """
    heading = _section_heading(section, _check_lang(lang)) if section else ""
    return Prose(f"{heading}\n\n{reason}" if heading else reason)


#: Steps of :meth:`ReportContext.factor_analyses`, in report order, with their prose section.
FACTOR_STEPS = {
    "adequacy": "rv.adequacy",
    "parallel": "rv.parallel",
    "efa": "rv.efa",
    "cfa": "rv.cfa",
}
#: Fewest items a factor analysis can use (a correlation needs two variables).
FACTOR_MIN_ITEMS = 2


@dataclass(frozen=True, eq=False)
class FactorAnalyses:
    """The factor analyses of one questionnaire, or for each step left out, why.

    Made by :meth:`ReportContext.factor_analyses`.  A step that cannot run on the data
    (fewer respondents than items, an item everybody answered alike, a singular correlation
    matrix, an unidentified model) has ``None`` as its result and a one-sentence reason in
    the report language; an error of any other kind is raised as usual.

    Attributes
    ----------
    survey : str
        ``"customer"`` or ``"employee"``.
    lang : str
        Language of the reasons.
    n, k : int
        Complete respondents and items used.
    kmo, bartlett, parallel, efa, cfa
        Results of :func:`crm_research.factor.kmo`, :func:`~crm_research.factor.bartlett_sphericity`,
        :func:`~crm_research.factor.parallel_analysis`, :func:`~crm_research.factor.efa`
        (minres, oblimin, the number of factors parallel analysis retains) and
        :func:`~crm_research.factor.cfa` (the instrument's scales), or ``None``.
    reasons : dict
        Step (:data:`FACTOR_STEPS`) -> why it is left out.
    """

    survey: str
    lang: str
    n: int
    k: int
    kmo: Any = None
    bartlett: Any = None
    parallel: Any = None
    efa: Any = None
    cfa: Any = None
    reasons: dict[str, str] = field(default_factory=dict)

    def ran(self, step: str) -> bool:
        """Whether ``step`` (``adequacy``, ``parallel``, ``efa``, ``cfa``) has a result."""
        if step not in FACTOR_STEPS:
            raise InputError(
                f"Unknown factor-analysis step '{step}': use {', '.join(FACTOR_STEPS)}."
            )
        return step not in self.reasons

    def note(self, step: str) -> Prose | NothingToShow:
        """The section of a step left out: its heading and the reason (nothing otherwise).

        A reason already given for an earlier step (fewer respondents than items stops all
        four) is not repeated.
        """
        if self.ran(step):
            return NOTHING
        order = list(FACTOR_STEPS)
        earlier = {self.reasons.get(s) for s in order[: order.index(step)]}
        if self.reasons[step] in earlier:
            return NOTHING
        return left_out_note(self.reasons[step], self.lang, FACTOR_STEPS[step])

    def to_frame(self) -> Any:
        """One row per step: ``step, ran, reason``."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"step": s, "ran": self.ran(s), "reason": self.reasons.get(s, "")}
                for s in FACTOR_STEPS
            ]
        )

    def __repr__(self) -> str:
        done = [s for s in FACTOR_STEPS if self.ran(s)]
        return (
            f"FactorAnalyses({self.survey}: n={self.n}, k={self.k}, ran "
            f"{', '.join(done) or 'nothing'}; {len(self.reasons)} left out)"
        )


def _factor_reason(step: str, error: InputError, lang: str) -> tuple[str, bool]:
    """Why a factor-analysis step failed, in ``lang``; and whether it stops every later step.

    Causes in the data (an item without variance, a singular correlation matrix) make every
    step impossible; others (an unidentified CFA model) only the one step.
    """
    from crm_research.report_text import FACTOR_STEP_LABELS, NOTEBOOK_TEXT

    what = FACTOR_STEP_LABELS[step][lang]
    if isinstance(error, ZeroVarianceError):
        item = ", ".join(error.columns)
        return NOTEBOOK_TEXT["rv.fa_constant"][lang].format(item=item), True
    if isinstance(error, SingularMatrixError):
        return NOTEBOOK_TEXT["rv.fa_singular"][lang], True
    if isinstance(error, NotIdentifiedError):
        return NOTEBOOK_TEXT["rv.fa_not_identified"][lang].format(what=what), False
    text = NOTEBOOK_TEXT["rv.fa_failed"][lang]
    return text.format(what=what, message=_one_line(str(error), 200).rstrip(".")), False


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What a notebook works with: the shared study, the language and the output folder.

    Made by :func:`open_study`.  Every method only looks things up or formats them; the
    numbers come from the study's tables.
    """

    bundle: StudyBundle
    lang: str
    output_dir: Path

    @property
    def study(self) -> Any:
        return self.bundle.study

    @property
    def findings(self) -> tuple[Any, ...]:
        return self.bundle.findings

    @property
    def simulated(self) -> bool:
        return self.bundle.simulated

    @property
    def figures_dir(self) -> Path:
        return self.output_dir / "figures"

    @property
    def random_seed(self) -> int:
        """Seed of the random parts of a chapter (parallel analysis): the report's seed, or
        :data:`DEFAULT_SEED` for real data, so the same inputs give the same report."""
        return DEFAULT_SEED if self.bundle.seed is None else int(self.bundle.seed)

    def say(self, key: str, **values: object) -> Prose:
        """Show the package's prose ``key`` in the report language (see :func:`prose`)."""
        return prose(key, self.lang, **values)

    def simulated_note(self) -> Prose | None:
        """The SIMULATED DATA notice (``None`` for real data)."""
        if not self.simulated:
            return None
        from crm_research.cases.d_company import SIMULATED_NOTE

        label = report_text("simulated.banner", self.lang)
        return SimulatedNote(f"> **{label}** — {_without_label(SIMULATED_NOTE[self.lang], label)}")

    def table(self, name: str) -> Any:
        """A table of the study by name (``InputError`` listing the names otherwise)."""
        return self.study.table(name)

    def has(self, *names: str) -> bool:
        """Whether the study has every table in ``names`` (some need optional inputs).

        A notebook guards a section with it and shows :meth:`left_out` otherwise.
        """
        return all(n in self.study.tables for n in names)

    def left_out(self, name: str, section: str | None = None) -> Prose:
        """Why the table ``name`` is absent, one sentence in the report language.

        The study leaves a table out when the data cannot support it (a scale the
        questionnaire lacks, a background column that is absent, an optional input not given);
        this names the cause from what the data hold.

        Parameters
        ----------
        name : str
            Table name (:data:`crm_research.study.TABLE_NAMES`).
        section : str, optional
            Prose key of the section (its heading is shown above the sentence).

        Returns
        -------
        Prose
        """
        from crm_research.report_text import NOTEBOOK_TEXT, SKIPPED_TEXT

        key, values = self._absent_cause(name)
        text = (NOTEBOOK_TEXT[key] if key in NOTEBOOK_TEXT else SKIPPED_TEXT[key])[self.lang]
        return left_out_note(text.format(**values), self.lang, section)

    def _absent_cause(self, name: str) -> tuple[str, dict[str, object]]:
        """Text key and values of :meth:`left_out` for table ``name``."""
        from crm_research.report_text import COLUMN_LABELS, SCALE_WORDS
        from crm_research.study import IDIC_DIMENSIONS

        customers, employees = self.study.customers, self.study.employees
        scales = set(customers.scores.columns)
        drivers = [d for d in (*IDIC_DIMENSIONS, "quality") if d in scales]
        if name in ("drivers_satisfaction", "driver_fit", "ipa"):
            if "satisfaction" not in scales:
                return ("ipa_no_satisfaction" if name == "ipa" else "no_satisfaction"), {}
            if not drivers:
                return "no_drivers", {}
            if name == "ipa":
                sep = "、" if self.lang == "zh" else ", "
                names = sep.join(self._labels.get(d, d) for d in drivers)
                return "ipa", {"n": len(drivers), "scales": names}
        if name in ("satisfaction_loyalty", "satisfaction_vs_loyalty", "drivers_loyalty"):
            lacking = [
                SCALE_WORDS[s][self.lang] for s in ("satisfaction", "loyalty") if s not in scales
            ]
            if lacking:
                return "satloy", {"scales": SCALE_WORDS["and"][self.lang].join(lacking)}
        if name == "nps" and not any(s.kind == "nps" for s in customers.instrument.scales):
            return "nps", {}
        if name in ("group_comparisons", "group_means", "group_posthoc") and not (
            {"customer_type", "sector"} & set(customers.meta.columns)
        ):
            return "groups", {}
        if name.startswith("distribution_"):
            by = name.removeprefix("distribution_")
            column = "customer_type" if by == "type" else by
            label = COLUMN_LABELS.get(column, {}).get(self.lang, column)
            return "distribution", {"column": label}
        if name == "perception_gap":
            return "gap", {}
        if name == "crm_use_by_role":
            if "role" not in employees.meta.columns:
                return "no_role", {}
            if "crm_use" not in employees.scores.columns:
                return "no_crm_use", {}
        if name in ("scorecard", "scorecard_comparisons"):
            return "es.scorecard_missing", {}
        if name in ("classification_agreement", "classification_crosstab"):
            if "customer_id" not in customers.meta.columns:
                return "no_customer_id", {}
            return "cv.agreement_missing", {}
        return "table", {"name": name}

    def factor_analyses(self, survey: str = "customer", n_iter: int = 100) -> FactorAnalyses:
        """KMO, Bartlett, parallel analysis, EFA and CFA of a questionnaire's Likert items.

        The items are reverse-keyed, complete cases (:meth:`keyed_items`).  Each step that
        cannot run on these data is left out with one sentence naming why (see
        :class:`FactorAnalyses`); the EFA extracts the number of factors parallel analysis
        retains (at least one) with minres and oblimin; the CFA fits the instrument's scales
        (:meth:`measurement_model`).

        Parameters
        ----------
        survey : {"customer", "employee"}
        n_iter : int
            Random data sets of the parallel analysis (seeded with :attr:`random_seed`).

        Returns
        -------
        FactorAnalyses
        """
        from crm_research import factor
        from crm_research.report_text import NOTEBOOK_TEXT

        items = self.keyed_items(survey)
        n, k = (int(v) for v in items.shape)
        reasons: dict[str, str] = {}
        results: dict[str, Any] = {}
        stop: str | None = None
        if k < FACTOR_MIN_ITEMS:
            stop = NOTEBOOK_TEXT["rv.fa_too_few_items"][self.lang].format(k=k)
        elif n <= k:
            stop = NOTEBOOK_TEXT["rv.fa_too_few"][self.lang].format(n=n, k=k)

        def attempt(step: str, compute: Any) -> Any:
            nonlocal stop
            if stop is not None:
                reasons[step] = stop
                return None
            try:
                return compute()
            except InputError as exc:  # the data cannot support this step (one sentence)
                reasons[step], every = _factor_reason(step, exc, self.lang)
                if every:
                    stop = reasons[step]
                return None

        adequacy = attempt(
            "adequacy", lambda: (factor.kmo(items), factor.bartlett_sphericity(items))
        )
        if adequacy is not None:
            results["kmo"], results["bartlett"] = adequacy
        results["parallel"] = attempt(
            "parallel",
            lambda: factor.parallel_analysis(items, n_iter=n_iter, seed=self.random_seed),
        )
        parallel = results["parallel"]
        if parallel is None and stop is None:  # the EFA takes its number of factors from it
            reasons["efa"] = reasons["parallel"]
        else:
            results["efa"] = attempt(
                "efa",
                lambda: factor.efa(
                    items, max(parallel.n_factors, 1), method="minres", rotation="oblimin"
                ),
            )
        results["cfa"] = attempt("cfa", lambda: factor.cfa(items, self.measurement_model(survey)))
        return FactorAnalyses(survey, self.lang, n, k, reasons=reasons, **results)

    def abc_cuts(self) -> dict[str, str]:
        """The ABC cut-offs the study applied (``abc_summary``), as percentages to quote.

        Returns
        -------
        dict
            ``{"a_cut": "70%", "b_cut": "90%"}`` for the default cut-offs.
        """
        summary = self.table("abc_summary")
        return {key: f"{float(summary[key].iloc[0]) * 100:.4g}%" for key in ("a_cut", "b_cut")}

    @cached_property
    def _labels(self) -> dict[str, str]:
        return self._make_labels()

    def labels(self) -> dict[str, str]:
        """Display labels in the report language for ids used in tables and figures (cached)."""
        return dict(self._labels)

    def _make_labels(self) -> dict[str, str]:
        """Display labels in the report language for ids used in tables and figures.

        Scale ids, item ids, metadata levels (cities, customer types, sectors, roles),
        scorecard facets and a few analysis ids (segments, quadrants, phases).
        """
        from crm_research.report_text import ID_LABELS

        out: dict[str, str] = {k: v[self.lang] for k, v in ID_LABELS.items()}
        for data in (self.study.customers, self.study.employees):
            inst = data.instrument
            for scale in inst.scales:
                out[scale.id] = scale.name.get(self.lang, scale.id)
            for meta in inst.metadata:
                out[meta.id] = meta.label.get(self.lang, meta.id)
                for level in meta.levels:
                    out[level] = meta.level_label(level, self.lang)
        scorecard = self.bundle.instruments.get("scorecard")
        if scorecard:
            from crm_research.instrument import load_instrument

            inst = load_instrument(scorecard)
            for facet in inst.facets.values():
                for level in facet.levels:
                    out[level.id] = level.label.get(self.lang, level.id)
        return out

    def show(
        self,
        name: str,
        columns: Sequence[str] | None = None,
        *,
        decimals: int = 2,
        max_rows: int | None = 30,
        where: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A study table for reading: chosen columns, ids and headers in the report language.

        Parameters
        ----------
        name : str
            Table name (see :data:`crm_research.study.TABLE_NAMES`).
        columns : sequence of str, optional
            Columns to show, in order (default all).
        decimals : int
            Decimals shown for floats (the CSV files keep six).
        max_rows : int, optional
            Rows shown at most.
        where : mapping, optional
            Keep rows whose column equals the value (e.g. ``{"input": "customers"}``).
        headers : mapping, optional
            Column -> the column name whose header it should get (e.g. ``{"value": "scale"}``
            when a generic ``value`` column holds scales).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        return self.show_frame(
            self.table(name),
            columns,
            decimals=decimals,
            max_rows=max_rows,
            where=where,
            headers=headers,
        )

    def show_frame(
        self,
        frame: Any,
        columns: Sequence[str] | None = None,
        *,
        decimals: int = 2,
        max_rows: int | None = 30,
        where: Mapping[str, object] | None = None,
        index: bool = False,
        index_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Like :meth:`show` for a DataFrame produced by a package function.

        Every cell becomes text in the report language (see :func:`display_frame`): ids
        as labels, item ids with the start of their wording, booleans as yes/no, p-values
        as ``< .001``, counts without decimals.

        Parameters
        ----------
        frame : DataFrame
        columns : sequence of str, optional
            Columns to show, in order (after ``index`` has been made a column).
        decimals : int
            Decimals of other numbers.
        max_rows : int, optional
        where : mapping, optional
        index : bool
            Show the index as the first column, named ``index_name`` (default the index's
            own name, else ``"item"``).
        index_name : str, optional
        headers : mapping, optional
            Column -> the column name whose header it should get.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        data = frame.copy()
        if index:
            data = data.reset_index(names=index_name or data.index.name or "item")
        for column, value in (where or {}).items():
            data = data[data[column] == value]
        if columns is not None:
            data = data[[c for c in columns if c in data.columns]]
        if max_rows is not None:
            data = data.head(max_rows)
        shown = display_frame(data, self.lang, self._labels, self._item_labels, decimals)
        if headers:
            relabelled = display_frame(
                data.head(0).rename(columns=dict(headers)), self.lang, self._labels
            )
            shown.columns = relabelled.columns
        return shown.style.hide(axis="index")

    def show_crosstab(self, name: str, rows: str, columns: str, values: str) -> Any:
        """A long table of counts shown as a matrix (``rows`` × ``columns``), labelled.

        Parameters
        ----------
        name : str
            Table name, e.g. ``"classification_crosstab"``.
        rows, columns, values : str
            Columns of the table: row categories, column categories and the cell values.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        from crm_research.report_text import COLUMN_LABELS

        long = self.table(name)
        matrix = long.pivot(index=rows, columns=columns, values=values)
        head = COLUMN_LABELS.get(columns, {}).get(self.lang, columns)
        matrix.columns = [f"{head} {self._labels.get(str(c), c)}" for c in matrix.columns]
        shown = self.show_frame(matrix.reset_index(), max_rows=None, headers=None, decimals=0)
        return shown

    @cached_property
    def _item_labels(self) -> dict[str, str]:
        """Item id -> ``"id wording…"`` (start of the item's text in the report language)."""
        out: dict[str, str] = {}
        for data in (self.study.customers, self.study.employees):
            for item in data.instrument.items:
                wording = item.text.get(self.lang) or ""
                out[item.id] = f"{item.id} {_shorten(wording, self.lang)}".strip()
        return out

    def show_fit(self, cfa: Any) -> Any:
        """The fit table of a CFA: measures in words, cut-offs with their direction, met yes/no.

        Parameters
        ----------
        cfa : CFAResult
            From :func:`crm_research.factor.cfa`.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        import pandas as pd

        from crm_research.report_text import ID_LABELS

        fit = cfa.fit_table()
        rows = []
        for measure, value, cutoff, met in fit[["measure", "value", "cutoff", "met"]].itertuples(
            index=False
        ):
            if measure == "df":
                shown = f"{value:,.0f}"
            elif measure == "pvalue":
                shown = format_p(value)
            elif measure in ("chisq", "aic", "bic"):
                shown = f"{value:,.2f}"
            else:
                shown = f"{value:.3f}"
            limit = "—"
            if cutoff is not None and not pd.isna(cutoff):
                limit = f"{'≤' if measure in FIT_UPPER_LIMITS else '≥'} {cutoff:.2f}"
            rows.append(
                {
                    "measure": ID_LABELS.get(f"fit.{measure}", {}).get(self.lang, measure),
                    "value": shown,
                    "cutoff": limit,
                    "met": met,
                }
            )
        return self.show_frame(pd.DataFrame(rows), max_rows=None)

    def figure(self, fig: Any, name: str) -> Any:
        """Save a figure of :mod:`crm_research.plots` to ``figures/`` and show it.

        Figures of simulated data carry "SIMULATED DATA" / "模拟数据" in a corner: a figure
        is the part of a report most often copied on its own.
        """
        from crm_research import plots

        label = report_text("simulated.banner", self.lang) if self.simulated else None
        return plots.save(fig, self.figures_dir, name, label=label)

    def keyed_items(self, survey: str = "customer") -> Any:
        """Reverse-keyed item responses of the Likert scales, complete cases (for factor analysis).

        Parameters
        ----------
        survey : {"customer", "employee"}

        Returns
        -------
        DataFrame
        """
        from crm_research.scoring import keyed_items

        data = self.study.customers if survey == "customer" else self.study.employees
        inst = data.instrument
        columns = [i for s in inst.scales if s.kind != "nps" for i in inst.scale_items(s.id)]
        return keyed_items(data.items, inst)[columns].dropna()

    def measurement_model(self, survey: str = "customer") -> dict[str, list[str]]:
        """The instrument's scales as a CFA model (scale -> its items)."""
        data = self.study.customers if survey == "customer" else self.study.employees
        inst = data.instrument
        return {s.id: list(inst.scale_items(s.id)) for s in inst.scales if s.kind != "nps"}

    def satisfaction_loyalty_points(self) -> Any:
        """Per customer: satisfaction, loyalty and Jones & Sasser segment (as the study cut them)."""
        from crm_research.analysis import satisfaction_loyalty_matrix

        scores = self.study.customers.scores
        cut = self.study.parameters["satisfaction_loyalty_cut"]
        result = satisfaction_loyalty_matrix(scores["satisfaction"], scores["loyalty"], cut, cut)
        return scores[["satisfaction", "loyalty"]].assign(segment=result.segments.astype(object))

    def quality_log(self, max_rows: int = 20) -> Any:
        """The screening problems of all inputs, one row each (first ``max_rows``)."""
        import pandas as pd

        parts = []
        for role, data in (
            ("customers", self.study.customers),
            ("employees", self.study.employees),
        ):
            if len(data.quality):
                parts.append(data.quality.assign(input=role))
        if not parts:
            return None
        log = pd.concat(parts, ignore_index=True)
        first = ["input"] + [c for c in log.columns if c != "input"]
        return self.show_frame(quality_log_frame(log[first], self.lang), max_rows=max_rows)

    def findings_overview(self) -> Any:
        """One row per finding: area, severity, problem headline, framework ('current state')."""
        import pandas as pd

        from crm_research.report_text import FRAMEWORK_LABELS

        rows = []
        for f in self.findings:
            framework = " / ".join(
                FRAMEWORK_LABELS.get(part.strip(), {}).get(self.lang, part.strip())
                for part in str(f.framework).split(" / ")
            )
            rows.append(
                {
                    "area": f"area.{f.area}",
                    "severity": f"severity.{f.severity}",
                    "problem": _headline(self.finding_text(f, "problem")),
                    "framework": framework,
                }
            )
        return self.show_frame(pd.DataFrame(rows), max_rows=None)

    def evidence_label(self, key: str) -> str:
        """An evidence key of a finding in words of the report language.

        Whole keys come from :data:`~crm_research.report_text.EVIDENCE_LABELS`; keys
        ``<id>_<suffix>`` combine the id's label (scale, item, city, ...) with the suffix's
        words (:data:`~crm_research.report_text.EVIDENCE_SUFFIXES`); others stay as they are.

        Parameters
        ----------
        key : str

        Returns
        -------
        str
        """
        from crm_research.report_text import EVIDENCE_LABELS, EVIDENCE_SUFFIXES

        if key in EVIDENCE_LABELS:
            return EVIDENCE_LABELS[key][self.lang]
        for suffix in sorted(EVIDENCE_SUFFIXES, key=len, reverse=True):
            if key.endswith(suffix) and len(key) > len(suffix):
                prefix = key[: -len(suffix)]
                name = self._labels.get(prefix) or (prefix if prefix in self._item_labels else None)
                if name is None and prefix in EVIDENCE_LABELS:
                    name = EVIDENCE_LABELS[prefix][self.lang]
                if name is None:
                    continue
                sep = ":" if self.lang == "zh" else ": "
                return f"{name}{sep}{EVIDENCE_SUFFIXES[suffix][self.lang]}"
        return key

    def _evidence_rows(self, finding: Any) -> list[tuple[str, str, str]]:
        """(label, value, table file) per evidence item; ``x_ci_low``/``x_ci_high`` join ``x``."""
        evidence = dict(finding.evidence)
        rows = []
        for key, value in evidence.items():
            if key.endswith(("_ci_low", "_ci_high")):
                base = key.rsplit("_ci_", 1)[0]
                if base in evidence or key in ("ci_low", "ci_high"):
                    continue
            shown = self._evidence_value(key, value)
            low, high = evidence.get(f"{key}_ci_low"), evidence.get(f"{key}_ci_high")
            if low is not None and high is not None:
                shown += f" [{self._evidence_value(key, low)}, {self._evidence_value(key, high)}]"
            elif low is not None:
                shown += f" [≥ {self._evidence_value(key, low)}]"
            ref = finding.evidence_refs.get(key)
            rows.append((self.evidence_label(key), shown, f"{ref.table}.csv" if ref else ""))
        return rows

    def _evidence_value(self, key: str, value: Any) -> str:
        if isinstance(value, str):
            return self._labels.get(value, value)
        if isinstance(value, bool):
            return self._labels.get("yes" if value else "no", str(value))
        if isinstance(value, int) or (
            isinstance(value, float) and float(value).is_integer() and key in _COUNT_EVIDENCE
        ):
            return f"{value:,.0f}"
        if isinstance(value, float):
            if key.endswith("_share"):
                return f"{value:.1%}"
            if "percent" in key:
                return f"{value:.1f}"
            return f"{value:.3f}" if abs(value) < 100 else f"{value:,.1f}"
        return str(value)

    def finding_text(self, finding: Any, part: str = "problem") -> str:
        """A finding's ``problem`` or ``recommendation`` text in the report language.

        :mod:`crm_research.findings` already names cities, customer groups and scales by
        their instrument labels, so the text is shown as written.
        """
        return getattr(finding, part)[self.lang]

    def findings_html(self, part: str = "problem", areas: Sequence[str] | None = None) -> HtmlBlock:
        """The findings as report sections: ``part="problem"`` (with evidence) or ``"recommendation"``.

        Problem texts are inserted as :mod:`crm_research.findings` wrote them (HTML-escaped),
        in the report language (:meth:`finding_text`); each is
        followed by its evidence (named in the report language, with the table it comes
        from).  Recommendations shared by several findings of an area are shown once, and
        their references as short citations (the full list is in the appendix).

        Parameters
        ----------
        part : {"problem", "recommendation"}
        areas : sequence of str, optional
            Only these areas (default all, in the findings' order).

        Returns
        -------
        HtmlBlock
        """
        import html as _html

        from crm_research.report_text import FINDING_TEXT, ID_LABELS

        if part not in ("problem", "recommendation"):
            raise InputError(f"Unknown findings part '{part}': choose problem or recommendation.")
        labels = self._labels
        lang = self.lang
        esc = _html.escape
        # findings grouped by area, in order of first appearance
        by_area: dict[str, list[Any]] = {}
        for f in self.findings:
            if areas is None or f.area in areas:
                by_area.setdefault(f.area, []).append(f)
        blocks: list[str] = []
        for number, (area, group) in enumerate(by_area.items(), start=1):
            blocks.append(f"<h3>{number}. {esc(labels.get(f'area.{area}', area))}</h3>")
            if part == "recommendation":
                # one block per distinct recommendation text (several findings may share one)
                shared: dict[str, list[Any]] = {}
                for f in group:
                    shared.setdefault(self.finding_text(f, "recommendation"), []).append(f)
                entries = [(text, fs) for text, fs in shared.items()]
            else:
                entries = [(self.finding_text(f, "problem"), [f]) for f in group]
            for text, fs in entries:
                worst = min(fs, key=lambda f: _SEVERITY_ORDER.get(f.severity, 99)).severity
                severity = ID_LABELS.get(f"severity.{worst}", {}).get(lang, worst)
                note = ""
                if len(fs) > 1:
                    note = FINDING_TEXT["applies_to"][lang].format(n=len(fs))
                blocks.append(
                    f'<div class="crm-finding crm-severity-{esc(worst)}">'
                    f'<p><span class="crm-severity">{esc(severity)}</span> {esc(text)}'
                    f"{esc(note)}</p>"
                )
                if part == "problem" and fs[0].evidence:
                    head = FINDING_TEXT["evidence.head"][lang].split("|")
                    rows = "".join(
                        f"<tr><td>{esc(label)}</td><td>{esc(value)}</td>"
                        f"<td><code>{esc(table)}</code></td></tr>"
                        for label, value, table in self._evidence_rows(fs[0])
                    )
                    blocks.append(
                        '<table class="crm-evidence"><thead><tr>'
                        + "".join(f"<th>{esc(h)}</th>" for h in head)
                        + f"</tr></thead><tbody>{rows}</tbody></table>"
                    )
                if part == "recommendation":
                    refs = list(dict.fromkeys(r for f in fs for r in f.references))
                    if refs:
                        cites = "; ".join(short_citation(r) for r in refs)
                        blocks.append(
                            f'<p class="crm-references">{esc(FINDING_TEXT["references"][lang])}'
                            f"{':' if lang == 'zh' else ': '}{esc(cites)}</p>"
                        )
                blocks.append("</div>")
        return HtmlBlock("\n".join(blocks))

    def __repr__(self) -> str:
        return f"ReportContext(lang={self.lang!r}, output_dir={str(self.output_dir)!r}, {self.bundle!r})"


#: Fit measures whose cut-off is an upper limit (RMSEA, SRMR; Hu & Bentler 1999).
FIT_UPPER_LIMITS = frozenset({"rmsea", "srmr"})
#: Columns shown as p-values (``< .001`` style, APA 7th ed. §6.36).
P_VALUE_COLUMNS = frozenset({"p_value", "pvalue", "p_holm", "wilcoxon_p", "wilcoxon_p_holm"})
#: Columns shown as whole numbers.
COUNT_COLUMNS = frozenset(
    {"n", "k", "customers", "respondents", "problems", "n_customers", "df", "row", "groups"}
)
#: Columns of money amounts (thousands separators, no decimals).
MONEY_COLUMNS = frozenset({"revenue", "total_revenue"})
#: Columns holding percentages (one decimal).
PERCENT_COLUMNS = frozenset(
    {
        "percent",
        "percent_customers",
        "percent_revenue",
        "percent_agreement",
        "pct_promoters",
        "pct_passives",
        "pct_detractors",
        "nps",
    }
)
_COUNT_EVIDENCE = frozenset({"n", "customers", "cities", "a_customers", "mercenary_n"})
_SEVERITY_ORDER = {"major": 0, "moderate": 1, "minor": 2, "info": 3}


#: Screening rules whose ``value`` is the cell as typed in the export (the other rules write
#: a value of their own: "20 of 28 items missing", "column G", ...).
_CELL_TEXT_RULES = frozenset(
    {
        "non_numeric",
        "not_a_scale_point",
        "out_of_range",
        "undeclared_code",
        "declared_missing",
        "wjx_skip",
        "bad_date",
        "unknown_level",
        "duplicate_respondent",
    }
)
#: A cell the quality log repeats as typed: a short number (a code such as -99, 9 or 3.5).
_SHORT_NUMBER = re.compile(r"[+-]?\d{1,6}(?:\.\d{1,4})?")
#: Signs of personal data in a cell: an e-mail address, a long digit run (phone, ID-card or
#: QQ number, also with separators), an IPv4 address, a WeChat id.
_PERSONAL_DATA = re.compile(
    r"@|\d[\d\s\-()]{5,}\d|\d{1,3}(?:\.\d{1,3}){3}|wxid|https?://", re.IGNORECASE
)
#: A respondent id or unknown category the quality log repeats: a short code of ASCII
#: letters, digits, ``_`` and ``-`` (``C004``, ``R_5xyz``); a name in Chinese characters or
#: with a space (``张伟``, ``Oliver Smith``) is not repeated.
_CODE_LIKE = re.compile(r"[A-Za-z0-9_\-]{1,20}")


def quality_value(rule: str, value: Any, lang: str) -> str:
    """The ``value`` of a screening problem as the report shows it (never personal data).

    The report repeats a cell only when it cannot hold personal data: short numbers (codes
    such as ``-99`` or ``9``), Wenjuanxing skip marks, and unknown categories or repeated
    respondent ids that are short ASCII codes (``C004``) without a long digit run.
    Free text typed into an answer (``non_numeric``, ``bad_date``) is never repeated;
    ``pii`` problems have no value.  ``crm-research validate`` still lists every cell.

    Parameters
    ----------
    rule : str
        Screening rule (:data:`crm_research.screening.RULES`).
    value : object
        The problem's value as screening wrote it.
    lang : {"zh", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> quality_value("out_of_range", "9", "en"), quality_value("out_of_range", "13812345678", "en")
    ('9', '(text not shown)')
    >>> quality_value("non_numeric", "abc", "zh"), quality_value("too_many_missing", "20 of 28 items missing", "zh")
    ('(文本,不予显示)', '28 个题项中缺失 20 个')
    """
    from crm_research.report_text import QUALITY_VALUE_HIDDEN, quality_text

    text = "" if value is None or value != value else str(value).strip()
    if not text or rule == "pii":
        return ""
    if rule not in _CELL_TEXT_RULES:
        return quality_text(text, lang)
    if _SHORT_NUMBER.fullmatch(text):
        return text
    if rule == "wjx_skip" and len(text) <= 8 and not _PERSONAL_DATA.search(text):
        return text
    if rule == "duplicate_respondent" and re.fullmatch(r"row \d+", text):
        return quality_text(text, lang)
    if (
        rule in ("unknown_level", "duplicate_respondent")
        and _CODE_LIKE.fullmatch(text)
        and not _PERSONAL_DATA.search(text)
    ):
        return text
    return QUALITY_VALUE_HIDDEN[lang]


def quality_log_frame(log: Any, lang: str) -> Any:
    """The screening log as the report shows it: rules and actions in words, no personal data.

    Parameters
    ----------
    log : DataFrame
        Columns ``row, column, rule, value, action`` (and optionally ``input``).
    lang : {"zh", "en"}

    Returns
    -------
    DataFrame
        The same columns; ``value`` through :func:`quality_value`, ``rule`` and ``action``
        in the report language.
    """
    from crm_research.report_text import QUALITY_RULE_LABELS, quality_text

    out = log.copy()
    rules = [str(r) for r in log["rule"].tolist()]
    out["value"] = [
        quality_value(r, v, lang) for r, v in zip(rules, log["value"].tolist(), strict=True)
    ]
    out["action"] = [quality_text(str(a), lang) for a in log["action"].tolist()]
    out["rule"] = [QUALITY_RULE_LABELS.get(r, {}).get(lang, r) for r in rules]
    return out


def format_p(value: Any) -> str:
    """A p-value as a report shows it: ``< .001``, else three decimals without the zero.

    Parameters
    ----------
    value : float

    Returns
    -------
    str

    Examples
    --------
    >>> format_p(1e-9), format_p(0.0123), format_p(0.5), format_p(float("nan"))
    ('< .001', '.012', '.500', '—')
    """
    try:
        p = float(value)
    except (TypeError, ValueError):
        return str(value)
    if p != p:
        return "—"
    if p < 0.001:
        return "< .001"
    return f"{p:.3f}".replace("0.", ".", 1) if p < 1 else "1.000"


def _shorten(text: str, lang: str, limit: int | None = None) -> str:
    """The start of ``text`` (about 16 CJK characters or 40 Latin ones) with an ellipsis."""
    text = " ".join(str(text).split())
    limit = limit or (16 if lang == "zh" else 40)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if lang != "zh" and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:，。；：、(（") + "…"


def _headline(problem: str) -> str:
    """The part of a problem statement before its first colon (its headline)."""
    head = re.split(r"[:：]", problem, maxsplit=1)[0].strip()
    return head if 0 < len(head) <= 60 else _shorten(problem, "en", 60)


def short_citation(reference: str) -> str:
    """``"Surname & Surname, 2004"`` from an APA reference; other texts up to their first ``(``.

    Examples
    --------
    >>> short_citation("Peppers, D., & Rogers, M. (2004). Managing customer relationships.")
    'Peppers & Rogers, 2004'
    >>> short_citation("Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). Applied.")
    'Cohen et al., 2003'
    """
    match = re.match(r"^(?P<authors>[^()]+?)\s*\((?P<year>\d{4})\)", reference)
    if not match:
        return reference.split(" (")[0].strip()
    authors = match.group("authors")
    names = [a.strip() for a in re.split(r",\s*(?:&\s*)?(?=[A-Z][\w'’-]+,)|\s&\s", authors)]
    surnames = [n.split(",")[0].strip() for n in names if n.strip()]
    if len(surnames) >= 3:
        who = f"{surnames[0]} et al."
    elif len(surnames) == 2:
        who = f"{surnames[0]} & {surnames[1]}"
    else:
        who = surnames[0] if surnames else authors
    return f"{who}, {match.group('year')}"


def display_frame(
    frame: Any,
    lang: str,
    labels: Mapping[str, str],
    item_labels: Mapping[str, str] | None = None,
    decimals: int = 2,
) -> Any:
    """A table as the report shows it: every cell text in ``lang``, headers in words.

    Ids become their labels (``item`` columns: the item id with the start of its wording),
    booleans yes/no (是/否), p-value columns ``< .001`` style, counts without decimals,
    money with thousands separators, percentages with one decimal, other numbers with
    ``decimals``; missing values ``—``.  The CSV files keep the machine-readable values.

    Parameters
    ----------
    frame : DataFrame
    lang : {"zh", "en"}
    labels : mapping
        Id -> label in ``lang``.
    item_labels : mapping, optional
        Item id -> label, used in columns named ``item``.
    decimals : int

    Returns
    -------
    DataFrame
        Same shape, every cell a string, columns renamed.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": [150.0], "p_value": [1e-5], "met": [True], "mean": [2.1712]})
    >>> display_frame(t, "zh", {}).iloc[0].tolist()
    ['150', '< .001', '是', '2.17']
    """
    import numpy as np
    import pandas as pd

    from crm_research.report_text import COLUMN_LABELS

    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    item_labels = item_labels or {}
    out = pd.DataFrame(index=frame.index)

    def cell(column: str, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "—"
        if isinstance(value, bool | np.bool_):
            return yes if value else no
        if isinstance(value, str):
            if column == "item" and value in item_labels:
                return item_labels[value]
            return labels.get(value, value)
        if isinstance(value, int | float | np.integer | np.floating):
            v = float(value)
            if column in P_VALUE_COLUMNS:
                return format_p(v)
            if column in COUNT_COLUMNS and v.is_integer():
                return f"{v:,.0f}"
            if column in MONEY_COLUMNS:
                return f"{v:,.0f}"
            if column in PERCENT_COLUMNS:
                return f"{v:.1f}"
            text = f"{v:,.{decimals}f}"
            return (
                text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text
            )
        return str(value)

    for position, column in enumerate(frame.columns):
        name = str(column)
        values = frame.iloc[:, position]
        out[position] = [cell(name, v) for v in values.tolist()]
    out.columns = [
        COLUMN_LABELS.get(str(c), {}).get(lang) or labels.get(str(c), str(c)) for c in frame.columns
    ]
    return out


def open_study(
    customers: str | Path | None = None,
    employees: str | Path | None = None,
    ledger: str | Path | None = None,
    scorecard: str | Path | None = None,
    *,
    instruments: Mapping[str, str] | None = None,
    lang: str = "zh",
    seed: int | None = DEFAULT_SEED,
    output_dir: str | Path = ".",
    work_dir: str | Path | None = None,
    simulated: bool | None = None,
) -> ReportContext:
    """Open the shared study for a notebook (first line of every report notebook).

    Parameters
    ----------
    customers, employees, ledger, scorecard : str or Path, optional
        Input files; all ``None`` simulates the D-company case (SIMULATED data).
    instruments : mapping, optional
        Role -> instrument name or path.
    lang : {"zh", "en"}
        Report language.
    seed : int, optional
        Simulation seed.
    output_dir : str or Path
        The report folder; figures go to ``output_dir/figures``.
    work_dir : str or Path, optional
        Study cache (default ``output_dir/.work``).
    simulated : bool, optional
        Whether the inputs are simulated.

    Returns
    -------
    ReportContext
    """
    _check_lang(lang)
    out = Path(output_dir).expanduser().absolute()
    work = Path(work_dir) if work_dir is not None else out / WORK_DIR_NAME
    bundle = prepare_study(
        customers,
        employees,
        ledger,
        scorecard,
        instruments=instruments,
        seed=seed,
        work_dir=work,
        simulated=simulated,
    )
    return ReportContext(bundle=bundle, lang=lang, output_dir=out)


# --------------------------------------------------------------------------------------------
# The whole report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PipelineResult:
    """A finished report.

    Attributes
    ----------
    out_dir : Path
        The report folder.
    report : Path
        ``out_dir/report.html``.
    manifest : dict
        The content of ``manifest.json``.
    seconds : dict
        Notebook name -> seconds, plus ``study``, ``report`` and ``total``.
    n_findings : int
    """

    out_dir: Path
    report: Path
    manifest: dict = field(repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    n_findings: int = 0

    def to_frame(self) -> Any:
        """One row per step: ``step, seconds``."""
        import pandas as pd

        return pd.DataFrame([{"step": k, "seconds": v} for k, v in self.seconds.items()])

    def __repr__(self) -> str:
        return (
            f"PipelineResult({str(self.report)!r}, {self.n_findings} findings, "
            f"{self.seconds.get('total', float('nan')):.1f} s)"
        )


def _notebook_paths(notebooks: Sequence[str | Path] | None) -> list[Path]:
    if notebooks is None:
        return [NOTEBOOKS_DIR / f"{name}.ipynb" for name in NOTEBOOK_NAMES]
    return [Path(nb) for nb in notebooks]


def run_pipeline(
    customers: str | Path,
    employees: str | Path,
    ledger: str | Path,
    scorecard: str | Path | None = None,
    *,
    out_dir: str | Path,
    lang: str = "zh",
    seed: int | None = DEFAULT_SEED,
    simulated: bool = False,
    verbose: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    instruments: Mapping[str, str] | None = None,
    title: str | None = None,
    notebooks: Sequence[str | Path] | None = None,
    workers: int = DEFAULT_WORKERS,
    copy_inputs: bool = False,
    simulation: Mapping[str, Any] | None = None,
) -> PipelineResult:
    """Build a complete report in ``out_dir`` from the input files.

    Writes ``report.html`` (inputs hidden), ``notebooks/*.ipynb`` (executed),
    ``tables/*.csv``, ``tables.xlsx`` (one sheet per table), ``figures/*.png``,
    ``findings.json`` and ``manifest.json`` (inputs' SHA-256, parameters, package versions,
    seed, seconds per notebook; the only file with timestamps).  Everything is built in a
    temporary folder beside ``out_dir`` and moved into place at the end.

    Parameters
    ----------
    customers, employees, ledger : str or Path
        Customer questionnaire export, employee self-assessment export, customer ledger.
    scorecard : str or Path, optional
        CRM implementation scorecard.
    out_dir : str or Path
        Report folder: new, empty, or a previous report (replaced); anything else is refused.
    lang : {"zh", "en"}
        Report language.
    seed : int, optional
        Seed (of the simulation that made the inputs; recorded in the manifest).
    simulated : bool
        The inputs come from the D-company simulator: the report says so on its title page.
    verbose : bool
        Show papermill progress bars, logs and kernel warnings.
    timeout : float
        Seconds one notebook cell may run.
    instruments : mapping, optional
        Role (``customer``, ``employee``, ``scorecard``) -> instrument name or path.
    title : str, optional
        Report title (default depends on ``simulated`` and ``lang``).
    notebooks : sequence of path, optional
        Notebooks to run (default the six of :data:`NOTEBOOK_NAMES`).
    workers : int
        Notebooks run at once.
    copy_inputs : bool
        Copy the input files into ``out_dir/inputs`` (used for the simulated case).
    simulation : mapping, optional
        Parameters of the simulation, recorded in the manifest.

    Returns
    -------
    PipelineResult

    Raises
    ------
    InputError
        Bad inputs or output folder (nothing is written).
    NotebookFailed
        A notebook failed; the build is kept as ``DIR.failed``.
    """
    from crm_research import __version__

    started = _utc_now()
    t0 = time.perf_counter()
    _check_lang(lang)
    paths = resolve_inputs(customers, employees, ledger, scorecard)
    out = check_output_dir(out_dir, list(paths.values()))
    roles = _instrument_roles(instruments)
    nb_paths = _notebook_paths(notebooks)
    for nb in nb_paths:
        if not nb.is_file():
            raise InputError(f"{nb}: notebook not found.")
    build = _new_build_dir(out)
    seconds: dict[str, float] = {}
    try:
        with quiet(verbose):
            nb_inputs: dict[str, str] = {role: str(p) for role, p in paths.items()}
            if copy_inputs:
                (build / "inputs").mkdir()
                for role, p in paths.items():
                    shutil.copy2(p, build / "inputs" / p.name)
                    nb_inputs[role] = f"../inputs/{p.name}"
                if simulated:
                    _write_simulated_readme(build / "inputs")
            parameters = {
                "customers": nb_inputs["customers"],
                "employees": nb_inputs["employees"],
                "ledger": nb_inputs["ledger"],
                "scorecard": nb_inputs.get("scorecard"),
                "instruments": roles,
                "lang": lang,
                "seed": seed,
                "output_dir": "..",
                "work_dir": f"../{WORK_DIR_NAME}",
                "simulated": bool(simulated),
            }
            t = time.perf_counter()
            (build / WORK_DIR_NAME).mkdir()
            cache = study_cache_path(paths, roles, build / WORK_DIR_NAME)
            # The notebooks start (kernel start-up and imports) while the study is computed;
            # the lock makes them wait for the cached study instead of computing it again.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notebooks") as runner:
                with _study_lock(cache.with_suffix(".lock")):
                    notebooks_done = runner.submit(
                        run_notebooks,
                        nb_paths,
                        build,
                        parameters,
                        workers=workers,
                        timeout=timeout,
                        verbose=verbose,
                    )
                    try:
                        bundle = _compute_study(paths, roles, seed, simulated, cache)
                    except BaseException as exc:
                        cache.with_suffix(".failed").write_text(
                            _one_line(f"the study could not be computed: {exc}"), encoding="utf-8"
                        )
                        raise
                seconds["study"] = time.perf_counter() - t
                from crm_research.study import write_study_outputs

                write_study_outputs(bundle.study, list(bundle.findings), build)
                write_tables_xlsx(bundle.study.tables, build / "tables.xlsx")
                nb_seconds = notebooks_done.result()
            seconds.update(nb_seconds)
            t = time.perf_counter()
            note = None
            if simulated:
                from crm_research.cases.d_company import SIMULATED_NOTE

                note = SIMULATED_NOTE[lang]
            facts = [
                (
                    report_text("facts.inputs", lang),
                    "; ".join(f"{p.name} ({bundle.sha256[r][:12]}…)" for r, p in paths.items()),
                ),
                (report_text("facts.instruments", lang), ", ".join(roles.values())),
                (report_text("facts.lang", lang), report_text(f"lang.{lang}", lang)),
                (report_text("facts.version", lang), f"crm_research {__version__}"),
            ]
            if simulated and seed is not None:
                facts.insert(2, (report_text("facts.seed", lang), str(seed)))
            build_report(
                [build / "notebooks" / nb.name for nb in nb_paths],
                build / "report.html",
                lang=lang,
                title=title or report_text("title.case" if simulated else "title.generic", lang),
                subtitle=report_text("subtitle", lang),
                simulated_note=note,
                facts=facts,
                appendix=methods_appendix(
                    lang,
                    [r for f in bundle.findings for r in f.references],
                    abc_cuts=bundle.study.parameters.get("abc_cuts"),
                ),
            )
            seconds["report"] = time.perf_counter() - t
            shutil.rmtree(build / WORK_DIR_NAME, ignore_errors=True)
            seconds["total"] = time.perf_counter() - t0
            manifest = {
                "kind": MANIFEST_KIND,
                "format": 1,
                "crm_research": __version__,
                "started_utc": started,
                "finished_utc": _utc_now(),
                "lang": lang,
                "seed": seed,
                "simulated": bool(simulated),
                "simulation": dict(simulation) if simulation else None,
                "inputs": {
                    role: {
                        "path": str(p),
                        "file": f"inputs/{p.name}" if copy_inputs else None,
                        "sha256": bundle.sha256[role],
                        "bytes": p.stat().st_size,
                    }
                    for role, p in paths.items()
                },
                "instruments": roles,
                "parameters": {
                    "lang": lang,
                    "seed": seed,
                    "simulated": bool(simulated),
                    "timeout": timeout,
                    "workers": workers,
                    "kernel": KERNEL_NAME,
                    "notebook_parameters": parameters,
                },
                "notebooks": [
                    {
                        "name": nb.stem,
                        "file": f"notebooks/{nb.name}",
                        "seconds": round(nb_seconds[nb.stem], 3),
                    }
                    for nb in nb_paths
                ],
                "seconds": {k: round(v, 3) for k, v in seconds.items()},
                "findings": len(bundle.findings),
                "packages": package_versions(),
                "platform": platform.platform(),
                "outputs": sorted(
                    p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()
                )
                + [MANIFEST_NAME],
            }
            (build / MANIFEST_NAME).write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        _move_into_place(build, out)
    except NotebookFailed as failure:
        kept_dir = _keep_failed(build, out, failure)
        kept = kept_dir / "notebooks" / f"{failure.notebook}.ipynb"
        raise NotebookFailed(
            failure.notebook, failure.error, kept if kept.exists() else kept_dir
        ) from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return PipelineResult(
        out_dir=out,
        report=out / "report.html",
        manifest=manifest,
        seconds=seconds,
        n_findings=len(bundle.findings),
    )


# --------------------------------------------------------------------------------------------
# Batches: many reports through a concurrent.futures.Executor (processes or dask)
# --------------------------------------------------------------------------------------------

#: Keys allowed in one ``runs:`` entry of a batch configuration.
BATCH_RUN_KEYS = frozenset(
    {
        "name",
        "customers",
        "employees",
        "ledger",
        "scorecard",
        "lang",
        "instruments",
        "seed",
        "title",
    }
)
EXECUTORS = ("process", "dask")


@dataclass(frozen=True)
class BatchRun:
    """One report of a batch (paths already resolved against the configuration's folder)."""

    name: str
    slug: str
    customers: str
    employees: str
    ledger: str
    scorecard: str | None = None
    lang: str = "zh"
    instruments: tuple[tuple[str, str], ...] = ()
    seed: int | None = None
    title: str | None = None
    #: Notebooks to run instead of the standard six (the configuration's ``notebooks:``).
    notebooks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BatchOutcome:
    """How one run of a batch ended: ``status`` is ``"ok"`` or ``"failed"``."""

    name: str
    slug: str
    status: str
    seconds: float
    report: str | None
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class BatchResult:
    """All outcomes of a batch, in the configuration's order."""

    out_dir: Path
    outcomes: tuple[BatchOutcome, ...]
    seconds: float

    @property
    def failed(self) -> tuple[BatchOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    def to_frame(self) -> Any:
        """One row per run: ``name, folder, status, seconds, report, message``."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "name": o.name,
                    "folder": o.slug,
                    "status": o.status,
                    "seconds": round(o.seconds, 1),
                    "report": o.report or "",
                    "message": o.message,
                }
                for o in self.outcomes
            ]
        )

    def __repr__(self) -> str:
        return (
            f"BatchResult({len(self.outcomes)} runs, {len(self.failed)} failed, "
            f"{self.seconds:.1f} s, out_dir={str(self.out_dir)!r})"
        )


def load_batch_config(path: str | Path) -> list[BatchRun]:
    """Read a batch configuration: a YAML file with a ``runs:`` list.

    Each entry has ``name``, ``customers``, ``employees``, ``ledger`` and optionally
    ``scorecard``, ``lang`` (``zh``/``en``), ``instruments`` (role -> name or path),
    ``seed`` and ``title``.  An optional top-level ``notebooks:`` list replaces the six
    standard notebooks for every run.  Relative paths are taken from the configuration's folder.
    Names become folder names through :func:`slugify` and must stay distinct.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of BatchRun

    Raises
    ------
    InputError
        Unreadable file, no runs, a missing or unknown key, an unknown language, two runs
        with the same folder name, or a missing input file (naming the run).
    """
    import yaml

    config = Path(path)
    try:
        spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"{config}: cannot read the batch configuration ({exc.strerror})."
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{config}: not valid YAML ({_one_line(exc, 120)}).") from None
    runs = spec.get("runs") if isinstance(spec, dict) else None
    if not isinstance(runs, list) or not runs:
        raise InputError(f"{config}: the configuration needs a non-empty 'runs:' list.")
    base = config.resolve().parent
    notebooks = spec.get("notebooks")
    if notebooks is not None:
        if not isinstance(notebooks, list) or not notebooks:
            raise InputError(f"{config}: 'notebooks:' must be a non-empty list of notebook files.")
        resolved = []
        for nb in notebooks:
            nb_path = Path(str(nb)).expanduser()
            nb_path = nb_path if nb_path.is_absolute() else base / nb_path
            if not nb_path.is_file():
                raise InputError(f"{config}: the notebook {nb_path} does not exist.")
            resolved.append(str(nb_path))
        notebooks = tuple(resolved)
    out: list[BatchRun] = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(runs, start=1):
        where = f"{config}: run {number}"
        if not isinstance(entry, dict):
            raise InputError(f"{where} is not a mapping of keys to values.")
        unknown = sorted(set(entry) - BATCH_RUN_KEYS)
        if unknown:
            raise InputError(f"{where} has unknown key(s) {', '.join(unknown)}.")
        for key in ("name", "customers", "employees", "ledger"):
            if not entry.get(key):
                raise InputError(f"{where} has no '{key}'.")
        name = str(entry["name"])
        slug = slugify(name)
        if slug in seen:
            raise InputError(
                f"{where} ('{name}') has the same folder name '{slug}' as run '{seen[slug]}'."
            )
        seen[slug] = name
        lang = str(entry.get("lang", "zh"))
        if lang not in LANGS:
            raise InputError(f"{where} ('{name}') has language '{lang}': use zh or en.")
        files = {}
        for key in INPUT_ROLES:
            value = entry.get(key)
            if value is None:
                continue
            file = Path(str(value)).expanduser()
            file = file if file.is_absolute() else base / file
            if not file.is_file():
                raise InputError(f"{where} ('{name}'): the {key} file {file} does not exist.")
            files[key] = str(file)
        instruments = entry.get("instruments") or {}
        if not isinstance(instruments, dict):
            raise InputError(f"{where} ('{name}'): 'instruments' must map roles to names.")
        resolved_instruments = []
        for role, inst in _instrument_roles(
            {str(k): str(v) for k, v in instruments.items()}
        ).items():
            candidate = base / inst
            resolved_instruments.append((role, str(candidate) if candidate.is_file() else inst))
        seed = entry.get("seed")
        out.append(
            BatchRun(
                name=name,
                slug=slug,
                customers=files["customers"],
                employees=files["employees"],
                ledger=files["ledger"],
                scorecard=files.get("scorecard"),
                lang=lang,
                instruments=tuple(resolved_instruments),
                seed=None if seed is None else int(seed),
                title=entry.get("title"),
                notebooks=notebooks,
            )
        )
    return out


def run_batch_entry(
    run: BatchRun, out_dir: str, *, verbose: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> BatchOutcome:
    """Build one report of a batch; never raises (a failure becomes a ``failed`` outcome).

    Runs in a worker process (or a dask worker), so its notebooks run one at a time:
    the batch's parallelism is across reports.

    Parameters
    ----------
    run : BatchRun
    out_dir : str
        The batch folder; the report goes to ``out_dir/<run.slug>``.
    verbose : bool
    timeout : float

    Returns
    -------
    BatchOutcome
    """
    start = time.perf_counter()
    try:
        with _single_thread_numerics():
            result = _run_entry(run, out_dir, verbose=verbose, timeout=timeout)
    except Exception as exc:  # one failed run must not stop the others
        message = (
            str(exc)
            if isinstance(exc, InputError | PipelineError)
            else f"{type(exc).__name__}: {exc}"
        )
        return BatchOutcome(
            run.name, run.slug, "failed", time.perf_counter() - start, None, _one_line(message)
        )
    return BatchOutcome(
        run.name,
        run.slug,
        "ok",
        time.perf_counter() - start,
        str(result.report),
        f"{result.n_findings} findings",
    )


@contextmanager
def _single_thread_numerics() -> Iterator[None]:
    """One BLAS/OpenMP thread in this process (a batch worker: reports run side by side).

    The environment variables of :data:`SINGLE_THREAD_ENV` (unless set) decide the thread
    pools of libraries loaded from now on (a freshly spawned worker has not loaded numpy
    yet); ``threadpoolctl`` limits those already loaded (a long-lived dask worker).
    """
    added = [name for name in SINGLE_THREAD_ENV if name not in os.environ]
    for name in added:
        os.environ[name] = SINGLE_THREAD_ENV[name]
    try:
        import numpy  # noqa: F401  (loads OpenBLAS under the settings above)
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _run_entry(run: BatchRun, out_dir: str, *, verbose: bool, timeout: float) -> PipelineResult:
    return run_pipeline(
        run.customers,
        run.employees,
        run.ledger,
        run.scorecard,
        out_dir=Path(out_dir) / run.slug,
        lang=run.lang,
        seed=run.seed,
        simulated=False,
        verbose=verbose,
        timeout=timeout,
        instruments=dict(run.instruments),
        title=run.title,
        notebooks=run.notebooks,
        workers=1,
    )


@contextmanager
def batch_executor(
    kind: str = "process", workers: int = 2, scheduler: str | None = None
) -> Iterator[Executor]:
    """A ``concurrent.futures.Executor`` for a batch: worker processes or a dask cluster.

    Parameters
    ----------
    kind : {"process", "dask"}
        ``process``: a :class:`~concurrent.futures.ProcessPoolExecutor` (spawned workers).
        ``dask``: the executor of a ``dask.distributed`` client -- connected to
        ``scheduler`` when given (runs across machines), else to a ``LocalCluster`` with
        ``workers`` single-threaded worker processes.
    workers : int
        Worker processes (ignored with an external ``scheduler``).
    scheduler : str, optional
        Address of a dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.

    Yields
    ------
    concurrent.futures.Executor
    """
    if kind not in EXECUTORS:
        raise InputError(f"Unknown executor '{kind}': choose {' or '.join(EXECUTORS)}.")
    workers = max(1, int(workers))
    if kind == "process":
        import multiprocessing

        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            yield pool
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "The dask executor needs the 'distributed' package: pip install 'crm_research[dask]'."
        ) from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        with client.get_executor(pure=False) as pool:
            yield pool
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_batch(
    runs: Sequence[BatchRun] | str | Path,
    out_dir: str | Path,
    *,
    workers: int = 2,
    executor: str = "process",
    scheduler: str | None = None,
    progress: bool = True,
    verbose: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> BatchResult:
    """Build one report per run, ``workers`` at a time, through an executor.

    Parameters
    ----------
    runs : sequence of BatchRun, or path
        The runs, or a configuration file for :func:`load_batch_config`.
    out_dir : str or Path
        Batch folder; run ``name`` writes ``out_dir/<slug of name>/``.
    workers : int
        Reports built at once.
    executor : {"process", "dask"}
        See :func:`batch_executor`.
    scheduler : str, optional
        dask scheduler address.
    progress : bool
        Show a progress bar (tqdm, on stderr).
    verbose : bool
    timeout : float
        Seconds one notebook cell may run.

    Returns
    -------
    BatchResult
        Outcomes in the order of ``runs``; a failed run never stops the others.
    """
    from tqdm.auto import tqdm

    if isinstance(runs, str | Path):
        runs = load_batch_config(runs)
    runs = list(runs)
    out = Path(out_dir).expanduser().absolute()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    outcomes: dict[str, BatchOutcome] = {}
    with quiet(verbose), batch_executor(executor, workers, scheduler) as pool:
        futures = {
            pool.submit(run_batch_entry, run, str(out), verbose=verbose, timeout=timeout): run
            for run in runs
        }
        with tqdm(
            total=len(runs), desc="reports", unit="report", file=sys.stderr, disable=not progress
        ) as bar:
            for future in as_completed(futures):
                run = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker itself died
                    outcome = BatchOutcome(
                        run.name,
                        run.slug,
                        "failed",
                        0.0,
                        None,
                        _one_line(f"{type(exc).__name__}: {exc}"),
                    )
                outcomes[run.slug] = outcome
                bar.update(1)
                bar.set_postfix_str(f"{_one_line(run.name, 40)}: {outcome.status}", refresh=True)
    return BatchResult(
        out_dir=out,
        outcomes=tuple(outcomes[run.slug] for run in runs),
        seconds=time.perf_counter() - start,
    )
