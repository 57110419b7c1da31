"""``crm-research reliability FILE --scale NAME=item1,item2,...``: one reliability row per scale.

Prints scale, k, n, alpha, ci_low, ci_high (Feldt), omega (one-factor ML), and flag (the
George & Mallery 2003 band of alpha); ``--json`` prints a list of those records.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd

from crm_research.errors import InputError

OUTPUT_COLUMNS = ("scale", "k", "n", "alpha", "ci_low", "ci_high", "omega", "flag")
#: Quality-report rules that change an analysed answer (set it to missing); the commands say
#: so on stderr, so that an undeclared code such as -99 is never silently dropped or used.
NOTED_RULES = {
    "undeclared_code": "look like missing-value codes that were not declared",
    "out_of_range": "lie outside the item's response scale",
    "non_numeric": "are not numbers",
    "not_a_scale_point": "are not points of the response scale",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reliability`` sub-command."""
    from crm_research.commands.validate import add_reading_options

    p = subparsers.add_parser(
        "reliability",
        help="Cronbach's alpha (Feldt CI), omega and a cited label per scale",
        description=(
            "Read a survey export (declared and detected missing-value codes become missing) "
            "and print one row per scale: items k, complete respondents n, Cronbach's alpha "
            "with its Feldt 95% interval, McDonald's omega total (one-factor ML; blank for "
            "two-item scales) and the George & Mallery (2003) band of alpha. Missing answers "
            "are deleted listwise within each scale (SPSS RELIABILITY) unless --missing pairwise."
        ),
    )
    add_reading_options(p)
    p.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="NAME=ITEM,ITEM,...",
        help="a scale and its item columns (repeat for several scales); default: the instrument's scales",
    )
    p.add_argument(
        "--reverse",
        action="append",
        default=[],
        metavar="ITEM,...",
        help="reverse-keyed items, recoded as low + high - x (the instrument's response scale, "
        "else the observed range); with --instrument its reversed items are used by default",
    )
    p.add_argument("--missing", choices=("listwise", "pairwise"), default="listwise")
    p.add_argument("--ci", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.set_defaults(func=run)


def parse_scales(specs: list[str]) -> dict[str, list[str]]:
    """``["sat=q1,q2,q3"]`` -> ``{"sat": ["q1", "q2", "q3"]}``; one sentence on a bad spec."""
    scales: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, members = spec.partition("=")
        name = name.strip()
        items = [m.strip() for m in members.split(",") if m.strip()]
        if not sep or not name or not items:
            raise InputError(
                f"--scale {spec!r}: expected NAME=item1,item2,... (for example sat=q1,q2,q3)."
            )
        if name in scales:
            raise InputError(f"--scale {name} is given twice.")
        if len(items) < 2:
            raise InputError(
                f"--scale {name} has one item ({items[0]}); reliability needs at least two."
            )
        scales[name] = items
    return scales


def read_table(args: argparse.Namespace) -> tuple[pd.DataFrame, set[str], Any]:
    """The numeric item table, the names of non-numeric columns, and the instrument."""
    resp = _read(args)
    non_numeric = {str(c) for c in resp.meta.columns} | {str(c) for c in resp.dropped_pii}
    return resp.items, non_numeric, resp.instrument


def _read(args: argparse.Namespace) -> Any:
    from crm_research.commands.validate import read_from_args

    resp = read_from_args(args)
    args._responses = resp  # kept for quality_notes()
    return resp


def blank_columns(resp: Any, columns: list[str]) -> list[str]:
    """Those of ``columns`` that the reader kept as non-item columns because every cell is blank."""
    meta = getattr(resp, "meta", None)
    if meta is None:
        return []
    return [c for c in columns if c in meta.columns and meta[c].isna().all()]


def quality_notes(resp: Any, columns: list[str], file: Any) -> list[str]:
    """One sentence per quality rule that set answers of ``columns`` to missing.

    For example ``data.csv: 6 answers in q1, q2 (-99) look like missing-value codes that were
    not declared; they were treated as missing (declare them with --missing-values -99).``
    """
    quality = getattr(resp, "quality", None)
    if quality is None:
        return []
    frame = quality.to_frame() if hasattr(quality, "to_frame") else pd.DataFrame(quality)
    if frame.empty or not {"column", "rule", "value"} <= set(frame.columns):
        return []
    notes = []
    if "action" in frame.columns:
        # respondents the reader left out (e.g. --max-missing): they change n against a tool
        # run on the raw file, so say so once per reason
        excluded = frame[frame["action"].astype(str).str.startswith("row excluded")]
        for action, group in excluded.groupby("action", sort=False):
            reason = str(action).removeprefix("row excluded").strip(" ()")
            reason = reason or str(group["rule"].iloc[0])
            notes.append(
                f"{file}: {group['row'].nunique()} respondent(s) were excluded before the "
                f"analysis ({reason}; see --max-missing, --exclude-straightliners, "
                "--exclude-speeders)."
            )
    wanted = {str(c) for c in columns}
    frame = frame[frame["column"].astype(str).isin(wanted) & frame["rule"].isin(NOTED_RULES)]
    for rule, group in frame.groupby("rule", sort=False):
        cols = list(dict.fromkeys(group["column"].astype(str)))
        values = list(dict.fromkeys(group["value"].astype(str)))
        shown = ", ".join(values[:5]) + (", ..." if len(values) > 5 else "")
        where = ", ".join(cols[:8]) + (", ..." if len(cols) > 8 else "")
        text = (
            f"{file}: {len(group)} answer(s) in {where} ({shown}) {NOTED_RULES[rule]}; "
            "they were treated as missing"
        )
        if rule == "undeclared_code":
            text += f" (declare them with --missing-values {','.join(values[:5])})"
        notes.append(text + ".")
    return notes


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in table.to_dict(orient="records"):
        rec = {}
        for col in OUTPUT_COLUMNS:
            value = row[col]
            if isinstance(value, float) and math.isnan(value):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            rec[col] = value
        records.append(rec)
    return records


def _text(records: list[dict[str, Any]]) -> str:
    def fmt(value: Any, col: str) -> str:
        if value is None:
            return "NA"
        if col in ("alpha", "ci_low", "ci_high", "omega"):
            return f"{value:.3f}"
        return str(value)

    rows = [list(OUTPUT_COLUMNS)] + [[fmt(r[c], c) for c in OUTPUT_COLUMNS] for r in records]
    widths = [max(len(r[i]) for r in rows) for i in range(len(OUTPUT_COLUMNS))]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:-1], widths[1:-1], strict=True)
        ]
        cells.append(r[-1].ljust(widths[-1]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Compute and print the table; return the exit status."""
    from crm_research.reliability import scale_reliability

    if not 0 < args.ci < 1:
        raise InputError(f"--ci {args.ci}: the confidence level must be between 0 and 1.")
    scales = parse_scales(args.scale)
    reverse = [r.strip() for spec in args.reverse for r in spec.split(",") if r.strip()]
    items, non_numeric, instrument = read_table(args)
    if not scales:
        if instrument is None:
            raise InputError(
                "reliability needs at least one --scale NAME=item1,item2,... (or --instrument)."
            )
        scales = {s.id: list(s.items) for s in instrument.scales if len(s.items) >= 2}
    if instrument is not None and not args.reverse:
        reverse = [i.id for i in instrument.items if i.reverse and i.id in items.columns]
    wanted = list(dict.fromkeys(c for members in scales.values() for c in members + reverse))
    not_numeric = [c for c in wanted if c not in items.columns and c in non_numeric]
    blank = blank_columns(getattr(args, "_responses", None), not_numeric)
    if blank:
        raise InputError(
            f"{args.file}: column(s) {', '.join(blank)} have no answers (every cell is blank)."
        )
    if not_numeric:
        raise InputError(
            f"{args.file}: column(s) {', '.join(not_numeric)} are not numeric item answers."
        )
    absent = [c for c in wanted if c not in items.columns]
    if absent:
        raise InputError(f"{args.file}: column(s) {', '.join(absent)} are not in the file.")
    table = scale_reliability(
        items, scales, ci=args.ci, missing=args.missing, reverse=reverse, instrument=instrument
    )
    for note in quality_notes(getattr(args, "_responses", None), wanted, args.file):
        print(f"note: {note}", file=sys.stderr)
    records = _records(table)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2), file=sys.stdout)
    else:
        print(_text(records), file=sys.stdout)
    return 0
