"""``crm-research sem FILE --model MODEL.lav``: a structural equation model in lavaan syntax.

Prints the fit measures, the parameter table (estimate, SE, z, p, standardized) with R² and
the defined effects (``:=``, e.g. indirect effects) with delta-method or, with
``--bootstrap N``, percentile bootstrap intervals; ``--json`` prints one JSON object.
Computations follow ``lavaan::sem()`` (see :func:`crm_research.sem.sem`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from crm_research.commands.validate import add_reading_options, read_from_args
from crm_research.errors import InputError

FIT_KEYS = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "srmr",
    "aic",
    "bic",
    "npar",
    "n",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sem`` sub-command."""
    p = subparsers.add_parser(
        "sem",
        help="structural equation model in lavaan syntax (fit, paths, indirect effects)",
        description=(
            "Read a survey export and fit a structural equation model written in lavaan "
            "syntax (=~, ~, ~~, :=, labels), as lavaan::sem() does: fit measures, estimates "
            "with standard errors, standardized estimates, R² and defined (indirect) effects."
        ),
    )
    add_reading_options(p)
    p.add_argument("--model", required=True, help="text file with the lavaan model syntax")
    p.add_argument(
        "--estimator", choices=("ML", "MLR"), default="ML", help="ML (default) or robust MLR"
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="percentile bootstrap intervals from N resamples (default: delta method)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap resampling")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


def read_model(path: str) -> str:
    """The model text of ``path``, or one sentence naming the file."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"--model: {path} is not a file.")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--model: {path} cannot be read as UTF-8 text ({exc}).") from None
    if not text.strip():
        raise InputError(f"--model: {path} is empty.")
    return text


def data_frame(args: argparse.Namespace) -> pd.DataFrame:
    """Item and other columns of the export in one table (model variables are checked later)."""
    resp = read_from_args(args)
    meta = resp.meta.drop(columns=[c for c in resp.meta.columns if c in resp.items.columns])
    return pd.concat([resp.items, meta], axis=1)


def number(value: object) -> float | int | None:
    """JSON-safe number (NaN/inf -> null)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (number(v) if isinstance(v, int | float) else v) for k, v in row.items()})
    return out


def run(args: argparse.Namespace) -> int:
    """Fit the model and print it; return the exit status."""
    from crm_research.sem import sem

    if args.bootstrap < 0 or args.bootstrap == 1:
        raise InputError(f"--bootstrap: {args.bootstrap} resamples; give 0 or at least 2.")
    text = read_model(args.model)
    data = data_frame(args)
    try:
        res = sem(
            data,
            text,
            estimator=args.estimator,
            se="bootstrap" if args.bootstrap else "standard",
            n_boot=args.bootstrap or 1000,
            seed=args.seed,
        )
    except InputError as exc:
        raise InputError(f"{args.model}: {exc}") from None
    if args.json:
        payload = {
            "file": str(args.file),
            "model": str(args.model),
            "estimator": res.estimator,
            "se": res.se_type,
            "n": res.n,
            "n_boot": res.n_boot,
            "converged": res.converged,
            "fit": {k: number(res.fit[k]) for k in FIT_KEYS},
            "parameters": records(res.parameters),
            "r2": {k: number(v) for k, v in res.r2.items()},
            "defined": records(res.defined),
            "warnings": list(res.warnings),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    f = res.fit
    print(
        f"{args.file}: SEM ({res.estimator}, {res.se_type} SEs"
        f"{f', {res.n_boot} resamples' if res.n_boot else ''}), n = {res.n}"
    )
    print(
        f"chi-square = {f['chisq']:.3f}, df = {int(f['df'])}, p = {f['pvalue']:.4g}; "
        f"CFI = {f['cfi']:.3f}, TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f} "
        f"[{f['rmsea_ci_lower']:.3f}, {f['rmsea_ci_upper']:.3f}], SRMR = {f['srmr']:.3f}"
    )
    print()
    table = res.parameters[res.parameters["op"] != ":="].drop(columns=["std_se"])
    print(table.round(3).to_string(index=False))
    if res.r2:
        print()
        print("R²: " + ", ".join(f"{k} {v:.3f}" for k, v in res.r2.items()))
    if len(res.defined):
        print()
        print("defined effects")
        print(res.defined.round(3).to_string(index=False))
    for note in res.warnings:
        print(f"warning: {note}", file=sys.stderr)
    return 0
