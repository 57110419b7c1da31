"""Running notebooks: papermill in a quiet, encrypted ``python3`` kernel, with retries.

:func:`execute_notebook` runs one notebook (a kernel that does not start is retried, no cell
having run); :func:`run_notebooks` runs several, ``workers`` at a time, and stops at the
first failure with :class:`~crm_research.report.base.NotebookFailed`; :func:`quiet` silences
library warnings and the logs of papermill, nbclient and jupyter_client unless ``verbose``.

Kernels are launched with CurveZMQ transport encryption (what ipykernel >= 7 asks for
instead of printing "Kernel is running over TCP without encryption"), with
``PYTHONWARNINGS=ignore`` and their stderr discarded, and with one BLAS thread each.

papermill, jupyter_client and zmq are imported inside the functions that use them: the
notebook kernels import this package too (through :mod:`crm_research.pipeline`) and need
none of them, so a kernel starts without loading them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crm_research.errors import InputError
from crm_research.report.base import (
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    KERNEL_NAME,
    KERNEL_START_ATTEMPTS,
    KERNEL_START_TIMEOUT,
    SINGLE_THREAD_ENV,
    NotebookFailed,
    one_line,
)

__all__ = ["execute_notebook", "quiet", "run_notebooks"]

#: What papermill's error says when the kernel did not start (no cell has run).
KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying to kernel_info")
#: Loggers that are silenced unless ``verbose``.
NOISY_LOGGERS = (
    "papermill",
    "nbclient",
    "traitlets",
    "jupyter_client",
    "nbconvert",
    "distributed",
    "asyncio",
)


@contextmanager
def quiet(verbose: bool = False) -> Iterator[None]:
    """Silence library warnings and the logs of papermill, nbclient and jupyter_client.

    Parameters
    ----------
    verbose : bool
        When true nothing is silenced and papermill logs at INFO level to stderr.
    """
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
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


def _kernel_manager_class(verbose: bool) -> type:
    """A jupyter_client kernel manager that starts encrypted and (unless verbose) quiet kernels.

    ipykernel >= 7 logs "Kernel is running over TCP without encryption" when the manager
    provides no CurveZMQ keys; ``transport_encryption="auto"`` makes jupyter_client provision
    them for kernelspecs that declare support (the ipykernel spec does), so the kernel is
    encrypted and has nothing to warn about.  Kernelspecs without Curve support run as before.
    """
    # jupyter_client and zmq load only where notebooks are run (never in a notebook kernel)
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
    import papermill as pm  # papermill loads in the process that runs notebooks, not in kernels

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
                notebook.stem, one_line(f"{ename}: {evalue}"), output if output.exists() else None
            ) from None
        break
    return time.perf_counter() - start


def _is_kernel_start_failure(exc: BaseException) -> bool:
    """Whether papermill failed before any cell ran because the kernel did not start."""
    return (
        isinstance(exc, RuntimeError)
        and not hasattr(exc, "ename")
        and any(text in str(exc) for text in KERNEL_START_FAILURES)
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
