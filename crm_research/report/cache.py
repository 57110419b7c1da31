"""The study a report's notebooks share: computed once per set of inputs, cached in the build.

:func:`prepare_study` computes the study and its findings (:class:`StudyBundle`) and pickles
them in the build's ``.work`` folder under a name made of the inputs' and instruments'
SHA-256 and the package version; every notebook kernel then loads the same bundle
instead of computing it again.  A lock (:func:`study_lock`) makes notebooks that start
while the study is being computed wait for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crm_research import __version__
from crm_research.cases.d_company import simulate
from crm_research.errors import InputError
from crm_research.findings import derive_findings
from crm_research.instrument import resolve_instrument_path
from crm_research.report.base import (
    DEFAULT_INSTRUMENTS,
    DEFAULT_SEED,
    INPUT_ROLES,
    WORK_DIR_NAME,
    PipelineError,
    sha256_file,
)
from crm_research.study import run_study
from crm_research.studyfile import StudySpec, load_study

try:  # POSIX file locks; elsewhere notebooks may compute the study twice (still correct)
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "StudyBundle",
    "compute_study",
    "instrument_roles",
    "prepare_study",
    "resolve_inputs",
    "spec_inputs",
    "study_cache_path",
    "study_lock",
]


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
        return pd.DataFrame(
            [{"role": r, "path": p, "sha256": self.sha256[r]} for r, p in self.inputs.items()]
        )

    def __repr__(self) -> str:
        label = "SIMULATED, " if self.simulated else ""
        return (
            f"StudyBundle({label}{len(self.study.tables)} tables, {len(self.findings)} findings, "
            f"inputs={', '.join(self.inputs)})"
        )


def instrument_roles(instruments: Mapping[str, str] | None) -> dict[str, str]:
    """The default instruments (:data:`DEFAULT_INSTRUMENTS`) with ``instruments`` applied.

    Raises
    ------
    InputError
        For a role other than ``customer``, ``employee`` or ``scorecard``.
    """
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
    customers : str or Path
        The customer survey (required).
    employees, ledger, scorecard : str or Path, optional

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
            if role != "customers":  # every input but the customer survey is optional
                continue
            raise InputError(f"The {role} input file is required.")
        path = Path(value).expanduser().absolute()
        if not path.is_file():
            raise InputError(f"{path}: the {role} input file does not exist.")
        paths[role] = path
    return paths


def spec_inputs(spec: StudySpec) -> tuple[dict[str, Path], dict[str, str]]:
    """A study's input files (data role -> absolute path) and instruments (role -> file).

    Examples
    --------
    >>> import tempfile
    >>> from crm_research.instrument import SURVEYS_DIR
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("customers", "employees", "ledger", "scorecard"):
    ...     _ = (folder / f"{name}.csv").write_text("id")
    >>> spec = load_study(SURVEYS_DIR / "d_company_study.yaml", data_dir=folder)
    >>> paths, instruments = spec_inputs(spec)
    >>> sorted(paths), sorted(instruments)
    (['customers', 'employees', 'ledger', 'scorecard'], ['customer', 'employee', 'scorecard'])
    """
    paths = {kind: Path(inp.file).expanduser().absolute() for kind, inp in spec.inputs.items()}
    for kind, path in paths.items():
        if not path.is_file():
            raise InputError(f"{path}: the {kind} input file does not exist.")
    names = {"customers": "customer", "employees": "employee", "scorecard": "scorecard"}
    instruments = {
        names[kind]: str(inp.instrument.source or inp.instrument.id)
        for kind, inp in spec.inputs.items()
        if kind in names and inp.instrument is not None
    }
    return paths, instruments


def _study_key(spec: StudySpec | None, case: str | None) -> dict[str, Any]:
    """What besides files and instruments makes a study differ: case, role overrides, options."""
    if spec is None:
        return {"case": case}
    return {
        "case": spec.case,
        "inputs": {
            kind: {
                "roles": inp.roles_override,
                "missing_values": list(inp.missing_values),
                "sheet": inp.sheet,
                "encoding": inp.encoding,
            }
            for kind, inp in spec.inputs.items()
        },
        "models": getattr(spec, "models", None),
    }


def _instrument_fingerprint(name: str) -> str:
    """SHA-256 of the instrument file (resolved as :func:`load_instrument` does, not parsed)."""
    try:
        path = resolve_instrument_path(name)
    except InputError:
        return str(name)
    return sha256_file(path) if Path(path).is_file() else str(name)


@contextmanager
def study_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a no-op where ``fcntl`` is unavailable).

    The pipeline holds it while it computes the study, so notebooks started at the same
    time wait for the cache instead of computing the study again.
    """
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def study_cache_path(
    paths: Mapping[str, Path],
    instruments: Mapping[str, str],
    work_dir: str | Path,
    study: StudySpec | None = None,
    case: str | None = None,
) -> Path:
    """Where :func:`prepare_study` caches the study of these inputs and instruments.

    Parameters
    ----------
    paths : mapping
        Role -> input file.
    instruments : mapping
        Role -> instrument name or path.
    work_dir : str or Path
    study : StudySpec, optional
        The study file's settings (case, role overrides, read options) enter the key.
    case : str, optional
        Case layer of a study given as files.

    Returns
    -------
    Path
    """
    key_source = json.dumps(
        {
            "inputs": {role: sha256_file(p) for role, p in paths.items()},
            "instruments": {r: _instrument_fingerprint(n) for r, n in instruments.items()},
            "study": _study_key(study, case),
            "version": __version__,
        },
        sort_keys=True,
        default=str,
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
    study: str | Path | StudySpec | None = None,
    data_dir: str | Path | None = None,
    case: str | None = None,
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
    study : str, Path or StudySpec, optional
        A study file (``study.yaml``) or a loaded one: its inputs, instruments, role
        overrides and case are used and the file arguments ignored.
    data_dir : str or Path, optional
        Folder the study file's inputs are relative to (default: its own folder).
    case : str, optional
        Case layer of the findings for a study given as files (``d_company``).

    Returns
    -------
    StudyBundle
    """
    work = Path(work_dir).expanduser().absolute()
    work.mkdir(parents=True, exist_ok=True)
    spec = study if isinstance(study, StudySpec) or study is None else load_study(
        study, data_dir=data_dir
    )
    if spec is not None:
        paths, roles = spec_inputs(spec)
        cache = study_cache_path(paths, roles, work, study=spec)
        with study_lock(cache.with_suffix(".lock")):
            bundle = _cached(cache)
            if bundle is not None:
                return bundle
            return compute_study(paths, roles, seed, simulated, cache, study=spec)
    roles = instrument_roles(instruments)
    if customers is None and employees is None and ledger is None:
        sim_seed = DEFAULT_SEED if seed is None else int(seed)
        written = simulate(sim_seed).write(work / f"simulated-{sim_seed}")
        customers, employees, ledger = written["customers"], written["employees"], written["ledger"]
        scorecard = written.get("scorecard")
        simulated = True if simulated is None else simulated
        case = "d_company" if case is None else case
    paths = resolve_inputs(customers, employees, ledger, scorecard)
    cache = study_cache_path(paths, roles, work, case=case)
    with study_lock(cache.with_suffix(".lock")):
        bundle = _cached(cache)
        if bundle is not None:
            return bundle
        return compute_study(paths, roles, seed, simulated, cache, case=case)


def _cached(cache: Path) -> StudyBundle | None:
    """The bundle cached at ``cache`` (``None`` if absent or stale); a recorded failure raises."""
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
    return None


def compute_study(
    paths: Mapping[str, Path],
    roles: Mapping[str, str],
    seed: int | None,
    simulated: bool | None,
    cache: Path,
    *,
    study: StudySpec | None = None,
    case: str | None = None,
) -> StudyBundle:
    """Run the study and the findings rules on the inputs and write the cache file ``cache``.

    ``seed`` is the simulation's (recorded in the bundle).  The study's one random step, the
    parallel analysis, has its own fixed seed
    (:data:`crm_research.study.psychometrics.PARALLEL_SEED`): the same data give the same
    tables whether they come from ``reproduce`` or ``report``.
    """
    start = time.perf_counter()
    if study is not None:
        result = run_study(study)
    else:
        result = run_study(
            str(paths["customers"]),
            str(paths["employees"]) if "employees" in paths else None,
            str(paths["ledger"]) if "ledger" in paths else None,
            str(paths["scorecard"]) if "scorecard" in paths else None,
            case=case,
            customer_instrument=roles["customer"],
            employee_instrument=roles["employee"],
            scorecard_instrument=roles["scorecard"],
        )
    findings = tuple(derive_findings(result))
    bundle = StudyBundle(
        study=result,
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
