"""``crm-research drivers FILE --outcome COL --predictors A,B,C``: key-driver importance.

Prints one row per predictor: its share of R² (general dominance by default, or Johnson's
relative weights), the share in %, its rank and, with ``--bootstrap N``, the percentile
interval of the weight; ``--json`` prints the same as one JSON object.  Computations:
:func:`crm_research.analysis.relative_importance` (equal to R ``lm()`` over all subsets).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from crm_research.commands.validate import add_reading_options, read_from_args
from crm_research.errors import InputError

METHODS = ("dominance", "relative_weights")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``drivers`` sub-command."""
    p = subparsers.add_parser(
        "drivers",
        help="key-driver importance: each predictor's share of R² (dominance / relative weights)",
        description=(
            "Read a survey export and split the R² of the OLS regression of the outcome on "
            "the predictors among the predictors: general dominance (Shapley/LMG over all "
            "subsets, Budescu 1993) or Johnson's (2000) relative weights, with seeded "
            "percentile bootstrap intervals. Rows with a missing value on any of the "
            "columns are left out (listwise)."
        ),
    )
    add_reading_options(p)
    p.add_argument("--outcome", required=True, help="the outcome column (e.g. overall satisfaction)")
    p.add_argument(
        "--predictors", required=True, help="predictor columns, comma separated (e.g. A,B,C)"
    )
    p.add_argument(
        "--method", choices=METHODS, default="dominance", help="importance measure (default dominance)"
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="bootstrap resamples for percentile intervals (default 0: none)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    p.add_argument("--ci", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def _parse_predictors(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError(
            f"--predictors: give the predictor columns separated by commas, not {text!r}."
        )
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"--predictors: column {name!r} is listed twice.")
        seen.add(name)
    return names


def _number(value: Any) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _check_columns(resp: Any, wanted: list[str], file: Any) -> None:
    table = resp.items
    absent = [c for c in wanted if c not in table.columns]
    if not absent:
        return
    from crm_research.commands.reliability import blank_columns

    blank = blank_columns(resp, absent)
    if blank:
        raise InputError(f"{file}: column {blank[0]!r} has no answers (every cell is blank).")
    meta = resp.meta.columns if hasattr(resp, "meta") else []
    where = "is not a numeric column" if absent[0] in meta else "is not in the file"
    cols = ", ".join(map(str, table.columns[:12])) + (", ..." if len(table.columns) > 12 else "")
    raise InputError(f"{file}: column {absent[0]!r} {where} (numeric columns: {cols}).")


def run(args: argparse.Namespace) -> int:
    """Run the importance analysis and print it; return the exit status."""
    from crm_research.analysis import relative_importance
    from crm_research.commands.reliability import quality_notes

    predictors = _parse_predictors(args.predictors)
    outcome = args.outcome.strip()
    if outcome in predictors:
        raise InputError(
            f"--outcome {outcome!r} is also listed in --predictors; leave it out of them."
        )
    if args.bootstrap < 0:
        raise InputError(f"--bootstrap {args.bootstrap}: the number of resamples must be 0 or more.")
    if not 0 < args.ci < 1:
        raise InputError(f"--ci {args.ci}: the confidence level must be between 0 and 1.")
    resp = read_from_args(args)
    wanted = [outcome, *predictors]
    _check_columns(resp, wanted, args.file)
    for note in quality_notes(resp, wanted, args.file):
        print(f"note: {note}", file=sys.stderr)
    try:
        res = relative_importance(
            resp.items[wanted],
            outcome,
            predictors,
            method=args.method,
            n_boot=args.bootstrap,
            seed=args.seed,
            ci=args.ci,
        )
    except InputError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    attrs = res.attrs
    if args.json:
        payload = {
            "file": str(args.file),
            "outcome": outcome,
            "method": attrs["method"],
            "n": attrs["n"],
            "r2": _number(attrs["r2"]),
            "r2_ci": [_number(v) for v in attrs["r2_ci"]],
            "n_boot": attrs["n_boot"],
            "n_boot_valid": attrs["n_boot_valid"],
            "seed": attrs["seed"],
            "ci": attrs["ci"],
            "predictors": [
                {
                    "predictor": row["predictor"],
                    "weight": _number(row["weight"]),
                    "share": _number(row["share"]),
                    "rank": int(row["rank"]),
                    "ci_low": _number(row["ci_low"]),
                    "ci_high": _number(row["ci_high"]),
                }
                for row in res.to_dict(orient="records")
            ],
        }
        if "conditional_dominance" in attrs:
            payload["conditional_dominance"] = attrs["conditional_dominance"]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    label = "general dominance" if attrs["method"] == "dominance" else "relative weights"
    print(
        f"{args.file}: {label} of {len(predictors)} predictor(s) of {outcome!r}, "
        f"n = {attrs['n']}, R² = {attrs['r2']:.4f}"
        + (
            f" ({100 * attrs['ci']:g}% CI {attrs['r2_ci'][0]:.4f} to {attrs['r2_ci'][1]:.4f}, "
            f"{attrs['n_boot_valid']} bootstrap resamples)"
            if attrs["n_boot"]
            else ""
        )
    )
    print()
    table = res.set_index("predictor").sort_values("rank", kind="stable")
    table = table.assign(share=100 * table["share"]).rename(columns={"share": "share_pct"})
    if not attrs["n_boot"]:
        table = table.drop(columns=["ci_low", "ci_high"])
    print(table.round(4).to_string())
    return 0
