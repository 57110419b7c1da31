"""``crm-research report``: run the CRM study and write the report a reader gets.

By default (issue 5) the notebook-based HTML report of :mod:`crm_research.report.run`:
``DIR/report.html``, ``DIR/notebooks``, ``DIR/figures``, ``DIR/tables``, ``DIR/tables.xlsx``,
``DIR/findings.json`` and ``DIR/manifest.json``.  With ``--no-html`` only the fast part:
``DIR/findings.json`` (both languages), ``DIR/findings.md`` (in ``--lang``) and
``DIR/tables/*.csv``, whose bytes are deterministic (no timestamps, sorted keys, fixed float
formatting).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crm_research.errors import InputError
from crm_research.instrument import LANGS
from crm_research.paths import safe_output_dir
from crm_research.report.base import PipelineError
from crm_research.studyfile import CASES, load_study


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report",
        help="run the CRM study and write the HTML report (--no-html: tables and findings only)",
        description=(
            "Read the customer survey, the employee self-assessment and the customer ledger "
            "(and optionally the implementation scorecard), run every analysis and the "
            "findings rules, run the report notebooks and write DIR/report.html with "
            "DIR/tables, DIR/tables.xlsx, DIR/figures, DIR/notebooks, DIR/findings.json and "
            "DIR/manifest.json. With --no-html only DIR/findings.json, DIR/findings.md and "
            "DIR/tables/*.csv are written (fast, byte-deterministic)."
        ),
    )
    p.add_argument(
        "study",
        nargs="?",
        help="a study file (study.yaml: inputs, instruments, roles, case; docs/study-file.md); "
        "or give the files with the options below",
    )
    p.add_argument("--customers", help="customer questionnaire export (required without a study file)")
    p.add_argument("--employees", help="employee self-assessment export (optional)")
    p.add_argument("--ledger", help="customer ledger CSV/XLSX (optional)")
    p.add_argument("--scorecard", help="CRM implementation scorecard export (optional)")
    p.add_argument(
        "--case",
        choices=CASES,
        default=None,
        help="case layer of the findings' texts (d_company); default: the client's own data",
    )
    p.add_argument("--out", help="output folder (default: the study file's output)")
    p.add_argument(
        "--lang",
        choices=LANGS,
        default=None,
        help="language of the report (report.html, findings.md; default: the study file's, "
        "else zh)",
    )
    p.add_argument("--customer-instrument", default="d_company_customer")
    p.add_argument("--employee-instrument", default="d_company_employee")
    p.add_argument("--scorecard-instrument", default="crm_implementation_scorecard")
    # The notebook-based HTML report (issue 5) is the default; --no-html skips it.
    html = p.add_mutually_exclusive_group()
    html.add_argument(
        "--no-html",
        dest="html",
        action="store_false",
        help="skip the notebooks and the HTML: write only DIR/findings.json, DIR/findings.md "
        "and DIR/tables/*.csv (fast; DIR must be new, empty or a previous such report)",
    )
    html.add_argument(
        "--html",
        dest="html",
        action="store_true",
        help="build the HTML report (the default; DIR must be new, empty or a previous report)",
    )
    p.set_defaults(html=True)
    p.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show papermill progress bars, logs and kernel warnings of the HTML report",
    )
    p.set_defaults(func=run)


def study_spec(args: argparse.Namespace) -> Any:
    """The study of the command line: the study file, or one built from the file options.

    Sets ``args.out`` and ``args.lang`` from the study file when they are not given.
    """
    if args.study is not None:
        given = [f"--{k}" for k in ("customers", "employees", "ledger", "scorecard", "case")
                 if getattr(args, k) is not None]  # fmt: skip
        if given:
            raise InputError(
                f"Give a study file or {', '.join(given)}, not both (the study file names its "
                "inputs and case)."
            )
        spec = load_study(args.study)
        if args.out is None:
            if spec.output is None:
                raise InputError(f"{args.study}: the study names no output folder; give --out DIR.")
            args.out = str(spec.output)
        if args.lang is None:
            args.lang = spec.language
        return spec
    if args.customers is None:
        raise InputError("Give a study file (study.yaml) or at least --customers FILE.")
    if args.out is None:
        raise InputError("Give the output folder with --out DIR.")
    if args.lang is None:
        args.lang = "zh"
    return None


def run_html(args: argparse.Namespace) -> int:
    """The HTML report (default) with :func:`crm_research.report.run.run_pipeline`."""
    # the CLI imports every command module to list it: the report layer loads only here
    from crm_research.report.run import run_pipeline

    spec = study_spec(args)
    files: dict[str, Any] = (
        {}
        if spec is not None
        else {
            "customers": args.customers,
            "employees": args.employees,
            "ledger": args.ledger,
            "scorecard": args.scorecard,
            "case": args.case,
            "instruments": {
                "customer": args.customer_instrument,
                "employee": args.employee_instrument,
                "scorecard": args.scorecard_instrument,
            },
        }
    )
    try:
        result = run_pipeline(
            study=spec,
            out_dir=args.out,
            lang=args.lang,
            seed=None,
            simulated=False,
            verbose=bool(getattr(args, "verbose", False)),
            **files,
        )
    except PipelineError as exc:
        print(f"crm-research: {exc}", file=sys.stderr)
        return 1
    print(f"{result.n_findings} findings, tables and the HTML report written to {result.report}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the study and write its outputs; return the exit status."""
    if getattr(args, "html", True):
        return run_html(args)
    # the CLI imports every command module to list it: the study loads only here
    from crm_research.findings import derive_findings, render_findings
    from crm_research.report.outputs import write_study_outputs
    from crm_research.study import run_study

    spec = study_spec(args)
    # refuse a non-empty folder that is not a previous report before any work (issue 7)
    out = safe_output_dir(args.out, marker="findings.json")
    if spec is not None:
        study = run_study(spec)
    else:
        study = run_study(
            args.customers,
            args.employees,
            args.ledger,
            args.scorecard,
            case=args.case,
            customer_instrument=args.customer_instrument,
            employee_instrument=args.employee_instrument,
            scorecard_instrument=args.scorecard_instrument,
        )
    findings = derive_findings(study)
    write_study_outputs(study, findings, out)
    (out / "findings.md").write_text(render_findings(findings, args.lang), encoding="utf-8")
    serious = sum(f.severity in ("moderate", "major") for f in findings)
    print(
        f"{len(findings)} findings ({serious} moderate or major) and {len(study.tables)} tables "
        f"written to {out}"
    )
    return 0
