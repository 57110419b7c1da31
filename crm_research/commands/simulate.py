"""``crm-research simulate d-company``: write a seeded, SIMULATED D-company data set."""

from __future__ import annotations

import argparse
import sys

from crm_research.errors import InputError

CASES = ("d-company",)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    p = subparsers.add_parser(
        "simulate",
        help="write a seeded SIMULATED case data set (customers, employees, scorecard, ledger)",
        description=(
            "Write a SIMULATED replica of a case study: customers.csv, employees.csv, "
            "scorecard.csv, ledger.csv, simulation.json (every parameter) and README.txt."
        ),
    )
    p.add_argument("case", choices=CASES, help="the case to simulate")
    p.add_argument("--scenario", choices=("thesis", "healthy"), default="thesis")
    p.add_argument("--seed", type=int, default=1, help="random seed (non-negative integer)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n-customers", type=int, default=150, dest="n_customers")
    p.add_argument("--n-employees", type=int, default=30, dest="n_employees")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and write the case; return the exit status."""
    from crm_research.cases.d_company import simulate

    if args.case != "d-company":  # pragma: no cover - argparse restricts the choices
        raise InputError(f"Unknown case '{args.case}'.")
    case = simulate(
        args.seed,
        scenario=args.scenario,
        n_customers=args.n_customers,
        n_employees=args.n_employees,
    )
    written = case.write(args.out)
    print(
        f"SIMULATED D-company data ({args.scenario}, seed {args.seed}) written to {args.out}: "
        + ", ".join(p.name for p in written.values()),
        file=sys.stdout,
    )
    return 0
