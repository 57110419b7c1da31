"""``crm-research pls FILE --model MODEL.yaml [--bootstrap N] [--seed S] [--json]``: PLS-SEM.

The model file (YAML)::

    measurement:
      Image: [IMAG1, IMAG2, IMAG3]
      Value: {items: [PERV1, PERV2], mode: B}     # regression weights
      Complaints: CUSCO                           # single item
    structural: |
      Satisfaction ~ Image + Value
      Loyalty ~ Satisfaction + Image
    scheme: path            # optional: path (default), factorial, centroid
    consistent: false       # optional: PLSc
    ipma: Loyalty           # optional: importance-performance table for this construct
    scale: [1, 7]           # optional: the items' answer scale for the IPMA

Prints the path coefficients (with bootstrap intervals when asked), R², reliability, HTMT,
f², VIF and warnings, or one JSON object with ``--json``.  Exit 0 on success, 2 with one
sentence on bad input (file, model or data).  Estimation: :func:`crm_research.pls.pls`.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from crm_research.commands.validate import add_reading_options, read_from_args
from crm_research.errors import InputError

_KEYS = {"measurement", "structural", "mode", "scheme", "consistent", "ipma", "scale"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``pls`` sub-command."""
    p = subparsers.add_parser(
        "pls",
        help="PLS path model (PLS-SEM) as seminr/SmartPLS: paths, reliability, HTMT, bootstrap",
        description=(
            "Read a survey export and estimate the PLS path model of a YAML model file "
            "(measurement, structural, optional scheme/consistent/ipma), as seminr and "
            "SmartPLS do; --bootstrap adds percentile and BCa intervals."
        ),
    )
    add_reading_options(p)
    p.add_argument("--model", required=True, help="the model file (YAML), see the docs")
    p.add_argument(
        "--bootstrap",
        nargs="?",
        type=int,
        const=5000,
        default=0,
        metavar="N",
        help="bootstrap resamples (default 5000 when given without N)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap resampling")
    p.add_argument("--ci", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


def read_model(path: str | Path) -> dict[str, Any]:
    """Read and check the model YAML; one sentence on any problem."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: model file not found.")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise InputError(f"{path}: not valid YAML{line}.") from None
    if not isinstance(spec, dict):
        raise InputError(
            f"{path}: the model file must be a mapping with measurement and structural."
        )
    unknown = sorted(set(map(str, spec)) - _KEYS)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (use {', '.join(sorted(_KEYS))}).")
    for key in ("measurement", "structural"):
        if key not in spec:
            raise InputError(f"{path}: the model file has no {key!r} section.")
    if not isinstance(spec["measurement"], dict):
        raise InputError(f"{path}: 'measurement' must map each construct to its items.")
    return spec


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(frame) -> list[dict[str, Any]]:
    return [{k: _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _matrix(frame) -> dict[str, dict[str, Any]]:
    return {str(i): {str(j): _num(float(v)) for j, v in row.items()} for i, row in frame.iterrows()}


def run(args: argparse.Namespace) -> int:
    """Estimate the model and print it; return the exit status."""
    from crm_research.pls import ipma, pls

    spec = read_model(args.model)
    resp = read_from_args(args)
    table = resp.items
    wanted = []
    for items in spec["measurement"].values():
        if isinstance(items, dict):
            items = items.get("items", [])
        wanted.extend([items] if isinstance(items, str) else list(items or []))
    for item in wanted:
        if str(item) not in table.columns:
            raise InputError(
                f"{args.file}: item {item!r} of the model is not a numeric item column of the file."
            )
    structural = spec["structural"]
    if isinstance(structural, list) and all(isinstance(s, str) for s in structural):
        structural = "\n".join(structural)
    consistent = spec.get("consistent", False)
    if not isinstance(consistent, bool):
        raise InputError(f"{args.model}: 'consistent' must be true or false.")
    res = pls(
        table,
        spec["measurement"],
        structural,
        scheme=str(spec.get("scheme", "path")),
        mode=spec.get("mode"),
        n_boot=args.bootstrap,
        seed=args.seed,
        ci=args.ci,
        consistent=consistent,
    )
    ip = None
    if spec.get("ipma"):
        scale = spec.get("scale")
        ip = ipma(res, str(spec["ipma"]), scale=tuple(scale) if isinstance(scale, list) else scale)
    if args.json:
        payload = {
            "file": str(args.file),
            "model": str(args.model),
            "n": res.n,
            "scheme": res.scheme,
            "consistent": res.consistent,
            "iterations": res.iterations,
            "converged": res.converged,
            "n_boot": res.n_boot,
            "seed": res.seed,
            "paths": _records(res.paths),
            "loadings": _records(res.loadings),
            "weights": _records(res.weights),
            "r2": res.r2,
            "r2_adj": res.r2_adj,
            "reliability": _matrix(res.reliability),
            "htmt": _matrix(res.htmt),
            "fornell_larcker": _matrix(res.fornell_larcker),
            "vif": _records(res.vif),
            "f2": _records(res.f2),
            "total_effects": _records(res.total_effects),
            "indirect_effects": _records(res.indirect_effects),
            "ipma": None if ip is None else _records(ip),
            "warnings": list(res.warnings),
            "notes": list(res.notes),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.file}: {res.summary()}")
    print()
    print("f²")
    print(res.f2.round(3).to_string(index=False))
    print()
    print("VIF")
    print(res.vif.round(3).to_string(index=False))
    if ip is not None:
        print()
        print(f"IPMA for {ip.attrs['target']} (performance {ip.attrs['target_performance']:.1f})")
        print(ip.round(3).to_string(index=False))
        for w in ip.attrs["warnings"]:
            print(f"warning: {w}")
    for note in res.notes:
        print(f"note: {note}")
    return 0
