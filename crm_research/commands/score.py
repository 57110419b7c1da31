"""``crm-research score FILE --instrument NAME --out FILE``: scale scores as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_research.commands.validate import add_reading_options, read_from_args
from crm_research.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` sub-command."""
    p = subparsers.add_parser(
        "score",
        help="score a survey export into scale scores (CSV)",
        description=(
            "Read and screen a survey export, then write one row per kept respondent with "
            "one column per scale (mean of the keyed items; NPS item as answered). The index "
            "'row' is the row of the respondent in the input file."
        ),
    )
    add_reading_options(p)
    p.add_argument("--out", required=True, help="CSV file to write the scores to")
    p.add_argument(
        "--kind",
        choices=("mean", "sum", "index"),
        default="mean",
        help="mean of items (default), sum, or 0-100 index",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score the file and write the CSV; return the exit status."""
    from crm_research.scoring import score

    if not args.instrument:
        raise InputError("score needs --instrument NAME (the scales come from the instrument).")
    out = Path(args.out)
    src = Path(args.file)
    if src.exists() and out.exists() and out.resolve() == src.resolve():
        raise InputError(f"{out}: --out is the input file; the input is never overwritten.")
    if out.is_dir():
        raise InputError(f"{out}: --out is a directory; give a file name such as scores.csv.")
    resp = read_from_args(args)
    scores = score(resp, resp.instrument, kind=args.kind)
    scores.index.name = "row"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scores.to_csv(out, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"{out}: cannot be written ({exc.strerror or type(exc).__name__})."
        ) from None
    print(
        f"{resp.source}: {resp.n} respondents scored on {scores.shape[1]} scales "
        f"({resp.n_read - resp.n} excluded, {len(resp.quality)} problems; see "
        f"crm-research validate); written to {out}.",
        file=sys.stdout,
    )
    return 0
