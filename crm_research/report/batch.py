"""Batches: many reports through a ``concurrent.futures.Executor`` (processes or dask).

:func:`load_batch_config` reads a YAML file with a ``runs:`` list; :func:`run_batch` builds
one report per run, ``workers`` at a time, in spawned worker processes or on a dask cluster
(:func:`batch_executor`); a failed run becomes a ``failed`` outcome and never stops the
others.  Each worker runs its notebooks one at a time with one BLAS thread: the batch's
parallelism is across reports.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm.auto import tqdm

from crm_research.errors import InputError
from crm_research.instrument import LANGS
from crm_research.paths import slugify
from crm_research.report.base import (
    DEFAULT_TIMEOUT,
    EXECUTORS,
    INPUT_ROLES,
    SINGLE_THREAD_ENV,
    PipelineError,
    one_line,
)
from crm_research.report.cache import instrument_roles
from crm_research.report.execute import quiet
from crm_research.report.run import PipelineResult, run_pipeline
from crm_research.studyfile import load_study

__all__ = [
    "BATCH_RUN_KEYS",
    "EXECUTORS",
    "BatchOutcome",
    "BatchResult",
    "BatchRun",
    "batch_executor",
    "is_study_file",
    "load_batch_config",
    "study_batch",
    "run_batch",
    "run_batch_entry",
]

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
        "study",
    }
)


@dataclass(frozen=True)
class BatchRun:
    """One report of a batch (paths already resolved against the configuration's folder)."""

    name: str
    slug: str
    customers: str | None = None
    employees: str | None = None
    ledger: str | None = None
    scorecard: str | None = None
    lang: str = "zh"
    instruments: tuple[tuple[str, str], ...] = ()
    seed: int | None = None
    title: str | None = None
    #: Notebooks to run instead of the standard six (the configuration's ``notebooks:``).
    notebooks: tuple[str, ...] | None = None
    #: A study file (``study.yaml``) giving the inputs, instruments, roles and case instead.
    study: str | None = None


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

    Each entry has ``name``, ``customers`` and optionally ``employees``, ``ledger``,
    ``scorecard``, ``lang`` (``zh``/``en``), ``instruments`` (role -> name or path),
    ``seed`` and ``title``; or ``study`` (a study file, :func:`crm_research.studyfile.load_study`)
    with optionally ``name``, ``lang``, ``seed`` and ``title``.  A list of study files
    (:func:`study_batch`) is a batch too.  An optional top-level ``notebooks:`` list replaces the six
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
    config = Path(path)
    try:
        spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"{config}: cannot read the batch configuration ({exc.strerror})."
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{config}: not valid YAML ({one_line(exc, 120)}).") from None
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
        if entry.get("study"):
            both = sorted(set(entry) & {*INPUT_ROLES, "instruments"})
            if both:
                raise InputError(
                    f"{where} names a study file and {', '.join(both)}; the study file names "
                    "its inputs."
                )
            study_path = Path(str(entry["study"])).expanduser()
            study_path = study_path if study_path.is_absolute() else base / study_path
            spec = load_study(study_path)
            name = str(entry.get("name") or spec.name)
            slug = slugify(name)
            if slug in seen:
                raise InputError(
                    f"{where} ('{name}') has the same folder name '{slug}' as run '{seen[slug]}'."
                )
            seen[slug] = name
            lang = str(entry.get("lang", spec.language))
            if lang not in LANGS:
                raise InputError(f"{where} ('{name}') has language '{lang}': use zh or en.")
            seed = entry.get("seed", spec.seed)
            out.append(
                BatchRun(
                    name=name,
                    slug=slug,
                    lang=lang,
                    seed=None if seed is None else int(seed),
                    title=entry.get("title"),
                    notebooks=notebooks,
                    study=str(study_path.resolve()),
                )
            )
            continue
        for key in ("name", "customers"):
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
        for role, inst in instrument_roles(
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
                employees=files.get("employees"),
                ledger=files.get("ledger"),
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
            run.name, run.slug, "failed", time.perf_counter() - start, None, one_line(message)
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
    try:  # numpy loads OpenBLAS only now, under the settings above
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is optional (comes with scipy stacks)
        yield
        return
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _run_entry(run: BatchRun, out_dir: str, *, verbose: bool, timeout: float) -> PipelineResult:
    common: dict[str, Any] = {
        "out_dir": Path(out_dir) / run.slug,
        "lang": run.lang,
        "seed": run.seed,
        "simulated": False,
        "verbose": verbose,
        "timeout": timeout,
        "title": run.title,
        "notebooks": run.notebooks,
        "workers": 1,
    }
    if run.study is not None:
        return run_pipeline(study=load_study(run.study), **common)
    return run_pipeline(
        run.customers,
        run.employees,
        run.ledger,
        run.scorecard,
        instruments=dict(run.instruments),
        **common,
    )


def study_batch(paths: Sequence[str | Path]) -> list[BatchRun]:
    """A batch of study files (``crm-research batch a/study.yaml b/study.yaml``).

    Each study is one run named after the study (``name:``), in its own language.

    Parameters
    ----------
    paths : sequence of str or Path

    Returns
    -------
    list of BatchRun

    Raises
    ------
    InputError
        An invalid study file, or two studies with the same folder name.
    """
    runs: list[BatchRun] = []
    seen: dict[str, str] = {}
    for path in paths:
        spec = load_study(path)
        slug = slugify(spec.name)
        if slug in seen:
            raise InputError(
                f"{path}: the study '{spec.name}' has the same folder name '{slug}' as the "
                f"study '{seen[slug]}'; give the studies distinct names."
            )
        seen[slug] = spec.name
        runs.append(
            BatchRun(
                name=spec.name,
                slug=slug,
                lang=spec.language,
                seed=spec.seed,
                study=str(Path(path).expanduser().resolve()),
            )
        )
    return runs


def is_study_file(path: str | Path) -> bool:
    """Whether a YAML file is a study file (``inputs:``) rather than a batch (``runs:``)."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(spec, dict) and "inputs" in spec and "runs" not in spec


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
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            yield pool
        return
    try:  # dask is an optional extra (crm_research[dask])
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
                        one_line(f"{type(exc).__name__}: {exc}"),
                    )
                outcomes[run.slug] = outcome
                bar.update(1)
                bar.set_postfix_str(f"{one_line(run.name, 40)}: {outcome.status}", refresh=True)
    return BatchResult(
        out_dir=out,
        outcomes=tuple(outcomes[run.slug] for run in runs),
        seconds=time.perf_counter() - start,
    )
