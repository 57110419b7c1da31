"""``crm-research batch CONFIG.yaml``: one report per run, several at a time."""

from __future__ import annotations

import argparse
import sys

from crm_research.errors import InputError
from crm_research.report.base import DEFAULT_TIMEOUT, EXECUTORS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``batch`` sub-command."""
    p = subparsers.add_parser(
        "batch",
        help="build one report per run of a YAML configuration, several at a time",
        description=(
            "CONFIG is one or more study files (study.yaml; each one report named after the "
            "study), or a YAML file with a 'runs:' list; each run has name, customers and "
            "optionally employees, ledger, scorecard, lang (zh|en), instruments, seed, title, "
            "or a 'study:' file (paths relative to CONFIG).  Run NAME writes "
            "OUT/<name as a folder name>/. "
            "A failed run does not stop the others; the exit status is 1 if any failed."
        ),
    )
    p.add_argument(
        "config", nargs="+", help="study files (study.yaml), or one batch configuration (YAML)"
    )
    p.add_argument("--out", required=True, help="batch folder (one report folder per run)")
    p.add_argument("--workers", type=int, default=2, help="reports built at once (default 2)")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="process",
        help="'process': local worker processes; 'dask': a dask.distributed cluster",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="dask scheduler address (e.g. tcp://host:8786); default a local cluster",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one notebook cell may run (default {DEFAULT_TIMEOUT})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show papermill progress bars, logs and kernel warnings",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the batch, print the summary table; return 1 if any run failed."""
    # the CLI imports every command module to list it: the report layer loads only here
    from crm_research.report.batch import (
        is_study_file,
        load_batch_config,
        run_batch,
        study_batch,
    )

    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler needs --executor dask.")
    if args.workers < 1:
        raise InputError(f"--workers must be at least 1 (got {args.workers}).")
    configs = list(args.config)
    if all(is_study_file(c) for c in configs):
        runs = study_batch(configs)
    elif len(configs) == 1:
        runs = load_batch_config(configs[0])
    else:
        raise InputError(
            "Give study files (study.yaml) or one batch configuration with a 'runs:' list, "
            "not several configurations."
        )
    from crm_research.paths import safe_batch_dir

    # a batch folder is new, empty or a previous batch; never somebody else's folder (issue 7)
    out = safe_batch_dir(args.out)
    result = run_batch(
        runs,
        out,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        verbose=bool(getattr(args, "verbose", False)),
        timeout=args.timeout,
    )
    table = result.to_frame()
    for column in ("name", "folder"):  # a long run name must not stretch every row
        table[column] = [_shorten(str(v)) for v in table[column]]
    print(table.to_string(index=False))
    failed = len(result.failed)
    print(
        f"{len(result.outcomes) - failed} of {len(result.outcomes)} reports written to "
        f"{result.out_dir} in {result.seconds:.1f} s" + (f"; {failed} failed." if failed else "."),
        file=sys.stderr if failed else sys.stdout,
    )
    return 1 if failed else 0


#: Characters of a run name shown in the summary table.
SUMMARY_NAME_CHARS = 40


def _shorten(text: str, limit: int = SUMMARY_NAME_CHARS) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis) for the summary table."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
