"""``crm-research invariance FILE --model MODEL.lav --group COLUMN``: measurement invariance.

Fits the configural, metric, scalar and strict multigroup models (lavaan ``group.equal``),
prints their fit, the χ² difference tests and ΔCFI/ΔRMSEA, the latent mean differences of
the scalar model and the verdict under Chen's (2007) rule; ``--json`` prints one JSON
object. Computations follow lavaan (see :func:`crm_research.sem.invariance`).
"""

from __future__ import annotations

import argparse
import json
import sys

from crm_research.commands.sem import data_frame, number, read_model, records
from crm_research.commands.validate import add_reading_options
from crm_research.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``invariance`` sub-command."""
    p = subparsers.add_parser(
        "invariance",
        help="measurement invariance across groups (configural, metric, scalar, strict)",
        description=(
            "Read a survey export and test measurement invariance of a lavaan measurement "
            "model across the groups of a column: the four multigroup fits, chi-square "
            "difference tests, delta CFI/RMSEA, latent mean differences and the verdict."
        ),
    )
    add_reading_options(p)
    p.add_argument("--model", required=True, help="text file with the lavaan model syntax")
    p.add_argument("--group", required=True, help="the column whose values are the groups")
    p.add_argument(
        "--partial",
        default="",
        help="parameters left free across groups, comma separated (e.g. 'x3~1,x7~1')",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the invariance sequence and print it; return the exit status."""
    from crm_research.sem import invariance

    text = read_model(args.model)
    data = data_frame(args)
    if args.group not in data.columns:
        raise InputError(f"{args.file}: group column {args.group!r} is not in the file.")
    partial = [p.strip() for p in args.partial.split(",") if p.strip()]
    try:
        res = invariance(data, text, args.group, partial=partial)
    except InputError as exc:
        raise InputError(f"{args.model}: {exc}") from None
    if args.json:
        payload = {
            "file": str(args.file),
            "model": str(args.model),
            "group": args.group,
            "groups": list(res.groups),
            "n_by_group": res.n_by_group,
            "fits": {
                level: {k: number(v) for k, v in row.items()} for level, row in res.fits.iterrows()
            },
            "tests": {
                level: {k: (number(v) if not isinstance(v, bool) else v) for k, v in row.items()}
                for level, row in res.tests.iterrows()
            },
            "latent_means": records(res.latent_means),
            "verdict": res.verdict,
            "warnings": list(res.warnings),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=_plain))
        return 0
    print(
        f"{args.file}: measurement invariance across {args.group!r} "
        + ", ".join(f"{g} (n = {n})" for g, n in res.n_by_group.items())
    )
    print()
    print(res.fits.round(3).to_string())
    print()
    print(res.tests.round(4).to_string())
    if len(res.latent_means):
        print()
        print(f"latent means (scalar model; {res.groups[0]} = 0)")
        print(res.latent_means.round(3).to_string(index=False))
    print()
    v = res.verdict
    print(
        f"verdict: {v['level']} invariance holds ({v['rule']}); chi-square tests: {v['chisq_level']}"
    )
    for note in res.warnings:
        print(f"warning: {note}", file=sys.stderr)
    return 0


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
