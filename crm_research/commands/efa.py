"""``crm-research efa FILE --items A1,A2,... --factors N``: exploratory factor analysis.

Prints the loadings table (items x factors, with communality and uniqueness), the variance
accounted for (SS loadings, % of variance, cumulative %) and, for oblique rotations, the
factor correlations; ``--json`` prints the same as one JSON object.  Computations follow
R ``psych::fa`` / ``psych::principal`` (see :func:`crm_research.factor.efa`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from crm_research.commands.validate import add_reading_options, read_from_args
from crm_research.errors import InputError

METHODS = ("minres", "ml", "pa", "pca")
ROTATIONS = ("oblimin", "varimax", "promax", "none")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``efa`` sub-command."""
    p = subparsers.add_parser(
        "efa",
        help="exploratory factor analysis of chosen items (loadings and variance table)",
        description=(
            "Read a survey export and run an exploratory factor analysis of the given items "
            "(listwise complete respondents), as R psych::fa does: loadings, communalities, "
            "SS loadings with %% of variance and factor correlations."
        ),
    )
    add_reading_options(p)
    p.add_argument("--items", required=True, help="item columns, comma separated (e.g. A1,A2,A3)")
    p.add_argument("--factors", required=True, type=int, help="number of factors to extract")
    p.add_argument(
        "--method", choices=METHODS, default="minres", help="extraction (default minres)"
    )
    p.add_argument(
        "--rotation", choices=ROTATIONS, default="oblimin", help="rotation (default oblimin)"
    )
    p.add_argument(
        "--spss",
        action="store_true",
        help="Kaiser-normalised oblimin/promax as SPSS rotates them",
    )
    p.add_argument("--cor", choices=("pearson", "poly"), default="pearson", help="correlation type")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


def _parse_items(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if len(names) < 2:
        raise InputError(
            f"--items: give at least two item columns separated by commas, not {text!r}."
        )
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"--items: column {name!r} is listed twice.")
        seen.add(name)
    return names


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def run(args: argparse.Namespace) -> int:
    """Run the EFA and print it; return the exit status."""
    from crm_research.factor import efa

    names = _parse_items(args.items)
    resp = read_from_args(args)
    table = resp.items
    missing = [n for n in names if n not in table.columns]
    if missing:
        from crm_research.commands.reliability import blank_columns

        blank = blank_columns(resp, missing)
        if blank:
            raise InputError(
                f"{args.file}: column {blank[0]!r} has no answers (every cell is blank)."
            )
        extra = resp.meta.columns if hasattr(resp, "meta") else []
        where = "is not a numeric item column" if missing[0] in extra else "is not in the file"
        raise InputError(
            f"{args.file}: column {missing[0]!r} {where} (item columns: {', '.join(map(str, table.columns[:12]))}"
            f"{', ...' if len(table.columns) > 12 else ''})."
        )
    from crm_research.commands.reliability import quality_notes

    for note in quality_notes(resp, names, args.file):
        print(f"note: {note}", file=sys.stderr)
    rotation = None if args.rotation == "none" else args.rotation
    res = efa(
        table[names],
        args.factors,
        method=args.method,
        rotation=rotation,
        cor=args.cor,
        spss=args.spss,
    )
    if args.json:
        payload = {
            "file": str(args.file),
            "method": res.method,
            "rotation": res.rotation,
            "spss": res.spss,
            "n": res.n_obs,
            "n_factors": res.n_factors,
            "factors": list(res.loadings.columns),
            "loadings": {
                item: {f: _number(v) for f, v in row.items()}
                for item, row in res.loadings.iterrows()
            },
            "communalities": {k: _number(v) for k, v in res.communalities.items()},
            "uniquenesses": {k: _number(v) for k, v in res.uniquenesses.items()},
            "variance": [
                {"factor": f, **{c: _number(v) for c, v in row.items()}}
                for f, row in res.variance.iterrows()
            ],
            "phi": None
            if res.phi is None
            else {f: {g: _number(v) for g, v in row.items()} for f, row in res.phi.iterrows()},
            "heywood": list(res.heywood),
            "warnings": list(res.warnings),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    rot = res.rotation or "none"
    print(
        f"{args.file}: EFA of {len(names)} items, {res.n_factors} factor(s), method {res.method}, "
        f"rotation {rot}{' (SPSS Kaiser-normalised)' if res.spss else ''}, n = {res.n_obs}"
    )
    print()
    print(res.to_frame().round(3).to_string())
    print()
    print(res.variance.round(3).to_string())
    if res.phi is not None:
        print()
        print("factor correlations")
        print(res.phi.round(3).to_string())
    for note in res.warnings:
        print(f"warning: {note}")
    return 0
