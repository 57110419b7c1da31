"""``crm-research reproduce d-company``: rebuild the whole (SIMULATED) D-company case report."""

from __future__ import annotations

import argparse
import sys
import tempfile

from crm_research.instrument import LANGS
from crm_research.report.base import (
    DEFAULT_SEED,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    PipelineError,
)

CASES = ("d-company",)
#: The study file of the case, under ``surveys/`` (resolved like the shipped instruments).
STUDY_FILE = "d_company_study.yaml"
DEFAULT_OUT = "reports/d-company"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` sub-command."""
    p = subparsers.add_parser(
        "reproduce",
        help="rebuild a case study report (data, tables, figures, findings) in one command",
        description=(
            "Simulate the D-company case with a seed (SIMULATED data), run the six report "
            "notebooks with papermill and write DIR/report.html, the executed notebooks, "
            "tables (CSV and Excel), figures, findings.json and manifest.json."
        ),
    )
    p.add_argument("case", choices=CASES, help="the case to reproduce")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})")
    p.add_argument("--lang", choices=LANGS, default="zh", help="report language (default zh)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="simulation seed")
    p.add_argument(
        "--scenario",
        choices=("thesis", "healthy"),
        default="thesis",
        help="'thesis' plants the thesis' five problems; 'healthy' is the negative control",
    )
    p.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="notebooks run at once (default 2)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one notebook cell may run (default {DEFAULT_TIMEOUT})",
    )
    p.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show papermill progress bars, logs and kernel warnings",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate the case, build the report; return the exit status (1 if a notebook failed)."""
    # the CLI imports every command module to list it: simulation and report load only here
    from crm_research.cases.d_company import simulate
    from crm_research.instrument import SURVEYS_DIR
    from crm_research.report.outdir import check_output_dir
    from crm_research.report.run import run_pipeline
    from crm_research.studyfile import load_study

    verbose = bool(getattr(args, "verbose", False))
    out = check_output_dir(args.out)  # refuse a bad folder before any work
    case = simulate(args.seed, scenario=args.scenario)
    with tempfile.TemporaryDirectory(prefix="crm-research-d-company-") as data_dir:
        case.write(data_dir)
        # the shipped study file (surveys/d_company_study.yaml, case: d_company) on the
        # freshly simulated files
        study = load_study(SURVEYS_DIR / STUDY_FILE, data_dir=data_dir)
        try:
            result = run_pipeline(
                study=study,
                out_dir=out,
                lang=args.lang,
                seed=args.seed,
                simulated=True,
                verbose=verbose,
                timeout=args.timeout,
                workers=args.workers,
                copy_inputs=True,
                simulation=case.parameters,
            )
        except PipelineError as exc:
            print(f"crm-research: {exc}", file=sys.stderr)
            return 1
    print(
        f"SIMULATED D-company report ({args.lang}, seed {args.seed}) written to {result.report} "
        f"({result.n_findings} findings, {result.seconds['total']:.1f} s)."
    )
    return 0
