"""One whole report: :func:`run_pipeline`, from input files to ``report.html`` and the manifest.

The flow of one report::

    inputs ──► study (computed once, cached in the build folder) ──► tables/*.csv, tables.xlsx,
               findings.json ──► notebooks 01..06 (papermill, two at a time) ──► figures/*.png,
               notebooks/*.ipynb ──► report.html (inputs hidden) ──► manifest.json

Everything is written into a temporary folder next to the output folder and moved into
place at the end (:mod:`crm_research.report.outdir`), so a half-written report never exists
under the output name.  A failing notebook stops the run with
:class:`~crm_research.report.base.NotebookFailed` (the command line prints its one-line
message and exits 1) and the build folder is kept as ``DIR.failed`` with the executed
notebook, error included, for inspection.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crm_research import __version__
from crm_research.cases.d_company import SIMULATED_NOTE, SIMULATED_REPORT_NOTE
from crm_research.errors import InputError
from crm_research.report.appendix import methods_appendix
from crm_research.report.base import (
    DEFAULT_SEED,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    KERNEL_NAME,
    MANIFEST_KIND,
    MANIFEST_NAME,
    NOTEBOOK_NAMES,
    NOTEBOOKS_DIR,
    WORK_DIR_NAME,
    NotebookFailed,
    one_line,
    package_versions,
    utc_now,
)
from crm_research.report.cache import (
    compute_study,
    instrument_roles,
    resolve_inputs,
    spec_inputs,
    study_cache_path,
    study_lock,
)
from crm_research.report.document import (
    CASE_REFERENCES,
    METHOD_REFERENCES,
    document_sections,
)
from crm_research.report.execute import quiet, run_notebooks
from crm_research.report.html import build_report
from crm_research.report.outdir import (
    check_output_dir,
    keep_failed,
    move_into_place,
    new_build_dir,
    write_simulated_readme,
)
from crm_research.report.outputs import write_study_outputs, write_tables_xlsx
from crm_research.report.text import check_lang, report_text
from crm_research.report.word import html_to_docx
from crm_research.studyfile import StudySpec

__all__ = ["PipelineResult", "notebook_paths", "run_pipeline", "simulation_marker"]

#: What ``crm-research simulate`` writes beside the data it simulates (``cases/d_company``).
SIMULATION_FILE = "simulation.json"


def simulation_marker(paths: Any) -> dict | None:
    """The simulation's parameters when the input files were written by ``simulate``, else None.

    ``crm-research simulate`` writes ``simulation.json`` (every parameter of the generator,
    with its SIMULATED DATA note) beside the files; a folder holding that file with the
    note is simulated data, whichever command reports on it.

    Parameters
    ----------
    paths : iterable of Path
        The input files.

    Returns
    -------
    dict or None
    """
    for folder in dict.fromkeys(Path(p).resolve().parent for p in paths):
        marker = folder / SIMULATION_FILE
        if not marker.is_file():
            continue
        try:
            parameters = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(parameters, dict) and parameters.get("note") == SIMULATED_NOTE:
            return parameters
    return None


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
        return pd.DataFrame([{"step": k, "seconds": v} for k, v in self.seconds.items()])

    def __repr__(self) -> str:
        return (
            f"PipelineResult({str(self.report)!r}, {self.n_findings} findings, "
            f"{self.seconds.get('total', float('nan')):.1f} s)"
        )


def notebook_paths(notebooks: Sequence[str | Path] | None) -> list[Path]:
    """The given notebooks as paths, or the six report notebooks of :data:`NOTEBOOK_NAMES`."""
    if notebooks is None:
        return [NOTEBOOKS_DIR / f"{name}.ipynb" for name in NOTEBOOK_NAMES]
    return [Path(nb) for nb in notebooks]


def run_pipeline(
    customers: str | Path | None = None,
    employees: str | Path | None = None,
    ledger: str | Path | None = None,
    scorecard: str | Path | None = None,
    *,
    out_dir: str | Path,
    study: StudySpec | None = None,
    case: str | None = None,
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
    customers : str or Path, optional
        Customer questionnaire export (required unless ``study`` is given).
    employees, ledger, scorecard : str or Path, optional
        Employee self-assessment export, customer ledger, CRM implementation scorecard.
    study : StudySpec, optional
        A study file (:func:`crm_research.studyfile.load_study`) instead of the files and
        ``instruments``: its inputs, instruments, role overrides and case flow through.
    case : str, optional
        Case layer of the findings (``d_company``) for a study given as files.
    out_dir : str or Path
        Report folder: new, empty, or a previous report (replaced); anything else is refused.
    lang : {"zh", "en"}
        Report language.
    seed : int, optional
        Seed (of the simulation that made the inputs; recorded in the manifest).
    simulated : bool
        The inputs come from the D-company simulator: the report says so on its title page.
        Files written by ``crm-research simulate`` (``simulation.json`` beside them, see
        :func:`simulation_marker`) are reported as simulated even when this is False.
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
    started = utc_now()
    t0 = time.perf_counter()
    check_lang(lang)
    if study is not None:
        if any(x is not None for x in (customers, employees, ledger, scorecard, instruments)):
            raise InputError(
                "run_pipeline takes a study (StudySpec) or input files and instruments, not both."
            )
        paths, study_instruments = spec_inputs(study)
        case = study.case
    else:
        paths = resolve_inputs(customers, employees, ledger, scorecard)
    if not simulated:  # files written by `crm-research simulate` are labelled whatever the command
        marker = simulation_marker(paths.values())
        if marker is not None:
            simulated, simulation = True, simulation or marker
    out = check_output_dir(out_dir, list(paths.values()))
    roles = study_instruments if study is not None else instrument_roles(instruments)
    nb_paths = notebook_paths(notebooks)
    for nb in nb_paths:
        if not nb.is_file():
            raise InputError(f"{nb}: notebook not found.")
    build = new_build_dir(out)
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
                    write_simulated_readme(build / "inputs")
            parameters = {
                "customers": nb_inputs["customers"],
                "employees": nb_inputs.get("employees"),
                "ledger": nb_inputs.get("ledger"),
                "scorecard": nb_inputs.get("scorecard"),
                "instruments": roles,
                "lang": lang,
                "seed": seed,
                "output_dir": "..",
                "work_dir": f"../{WORK_DIR_NAME}",
                "simulated": bool(simulated),
                # a study file: the notebooks load it (role overrides, read options, case)
                "study": str(Path(study.source).resolve())
                if study is not None and study.source
                else None,
                # copied inputs are read from the report's inputs/ (by file name); else the
                # study file's own folder
                "data_dir": "../inputs" if study is not None and copy_inputs else None,
                "case": case,
            }
            t = time.perf_counter()
            (build / WORK_DIR_NAME).mkdir()
            cache = study_cache_path(paths, roles, build / WORK_DIR_NAME, study=study, case=case)
            # The notebooks start (kernel start-up and imports) while the study is computed;
            # the lock makes them wait for the cached study instead of computing it again.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notebooks") as runner:
                with study_lock(cache.with_suffix(".lock")):
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
                        bundle = compute_study(
                            paths, roles, seed, simulated, cache, study=study, case=case
                        )
                    except BaseException as exc:
                        cache.with_suffix(".failed").write_text(
                            one_line(f"the study could not be computed: {exc}"), encoding="utf-8"
                        )
                        raise
                seconds["study"] = time.perf_counter() - t
                write_study_outputs(bundle.study, list(bundle.findings), build)
                write_tables_xlsx(bundle.study.tables, build / "tables.xlsx")
                nb_seconds = notebooks_done.result()
            seconds.update(nb_seconds)
            t = time.perf_counter()
            note = None
            if simulated:
                note = SIMULATED_REPORT_NOTE[lang]
            provenance = [
                *(
                    (f"{report_text('facts.inputs', lang)} {p.name}", bundle.sha256[r])
                    for r, p in paths.items()
                ),
                (report_text("facts.instruments", lang), ", ".join(roles.values())),
                (report_text("facts.lang", lang), report_text(f"lang.{lang}", lang)),
                (report_text("facts.version", lang), f"crm_research {__version__}"),
            ]
            if seed is not None:
                provenance.insert(-2, (report_text("facts.seed", lang), str(seed)))
            case = bool(getattr(bundle.study, "case", None))  # the case layer, not the data's origin
            build_report(
                [build / "notebooks" / nb.name for nb in nb_paths],
                build / "report.html",
                lang=lang,
                title=title or report_text("title.case" if case else "title.generic", lang),
                subtitle=report_text("subtitle", lang),
                simulated_note=note,
                facts=[(report_text("facts.date", lang), started[:10])],
                appendix=methods_appendix(
                    lang,
                    [r for f in bundle.findings for r in f.references]
                    # the thesis is a source of the D-company case only
                    + list(METHOD_REFERENCES)
                    + list(CASE_REFERENCES if case else ()),
                    abc_cuts=bundle.study.parameters.get("abc_cuts"),
                ),
                sections=document_sections(
                    bundle.study,
                    bundle.findings,
                    lang,
                    simulated=bool(simulated),
                    case=case,
                    facts=provenance,
                ),
            )
            html_to_docx(build / "report.html", build / "report.docx", lang=lang)
            seconds["report"] = time.perf_counter() - t
            shutil.rmtree(build / WORK_DIR_NAME, ignore_errors=True)
            seconds["total"] = time.perf_counter() - t0
            manifest = {
                "kind": MANIFEST_KIND,
                "format": 1,
                "crm_research": __version__,
                "started_utc": started,
                "finished_utc": utc_now(),
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
        move_into_place(build, out)
    except NotebookFailed as failure:
        kept_dir = keep_failed(build, out, failure)
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
