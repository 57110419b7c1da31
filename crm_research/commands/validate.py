"""``crm-research validate FILE``: read a survey export and list every data problem.

Exit 0 when the file is readable (problems, if any, are listed as a table, or as JSON with
``--json``); exit 2 with one sentence naming the file and the cause when it is unusable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from crm_research.errors import InputError

#: argparse takes "-99,999" for an option; values like it are data here.
_NEGATIVE_LIST = re.compile(r"^-\d")


def add_reading_options(p: argparse.ArgumentParser) -> None:
    """Options shared by the commands that read a survey export."""
    p.add_argument("file", help="the survey export: CSV, XLSX, SAV, Wenjuanxing or Qualtrics")
    p.add_argument(
        "--instrument",
        help="instrument name under surveys/ (e.g. d_company_customer) or a YAML path",
    )
    p.add_argument(
        "--missing-values",
        dest="missing_values",
        help="extra codes meaning 'missing', comma separated (e.g. -99,999)",
    )
    p.add_argument("--sheet", help="Excel sheet name or position counted from 0")
    p.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    p.add_argument(
        "--exclude-straightliners",
        action="store_true",
        dest="exclude_straightliners",
        help="drop respondents flagged for straight-lining (default: flag and keep)",
    )
    p.add_argument(
        "--exclude-speeders",
        action="store_true",
        dest="exclude_speeders",
        help="drop respondents flagged as speeders (default: flag and keep)",
    )
    p.add_argument(
        "--max-missing",
        type=float,
        default=None,
        dest="max_missing",
        help="exclude respondents with more than this fraction of items missing (default 0.5)",
    )
    p._negative_number_matcher = _NEGATIVE_LIST  # accept "--missing-values -99,999"


def parse_missing_values(text: str | None) -> list[float] | None:
    """``"-99, 999"`` -> ``[-99.0, 999.0]``; one sentence on a bad code."""
    if text is None:
        return None
    codes = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            codes.append(float(part))
        except ValueError:
            raise InputError(
                f"--missing-values: '{part}' is not a number (give codes like -99,999)."
            ) from None
    return codes


def read_from_args(args: argparse.Namespace) -> Any:
    """Run :func:`crm_research.readers.read_responses` with the command's options.

    Every failure while reading becomes an :class:`InputError` sentence naming the file.
    """
    from crm_research.instrument import load_instrument
    from crm_research.readers import read_responses
    from crm_research.screening import MAX_MISSING_FRACTION

    missing = parse_missing_values(args.missing_values)
    instrument = load_instrument(args.instrument) if args.instrument else None
    max_missing = MAX_MISSING_FRACTION if args.max_missing is None else args.max_missing
    if not 0 <= max_missing <= 1:
        raise InputError(f"--max-missing: {max_missing} is not a fraction between 0 and 1.")
    try:
        return read_responses(
            args.file,
            instrument=instrument,
            missing_values=missing,
            encoding=args.encoding,
            sheet=args.sheet,
            max_missing_fraction=max_missing,
            exclude_straightliners=args.exclude_straightliners,
            exclude_speeders=args.exclude_speeders,
        )
    except InputError:
        raise
    except Exception as exc:  # never a traceback for a bad input file
        detail = " ".join(str(exc).split())[:200]
        raise InputError(
            f"{args.file}: could not be read as a survey table ({type(exc).__name__}"
            f"{': ' + detail if detail else ''})."
        ) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = subparsers.add_parser(
        "validate",
        help="check a survey export and list every data problem",
        description=(
            "Read a survey export, match it to an instrument and list every problem found "
            "(row, column, rule, value, action). Exit 0 when the file is readable, 2 when not."
        ),
    )
    add_reading_options(p)
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the file; print the problems; return the exit status."""
    resp = read_from_args(args)
    report = resp.quality
    summary = {str(k): int(v) for k, v in report.summary().items()}
    if args.json:
        doc = {
            "file": str(resp.source),
            "sha256": resp.sha256,
            "platform": resp.platform,
            "instrument": resp.instrument.id if resp.instrument is not None else None,
            "rows_read": resp.n_read,
            "rows_kept": resp.n,
            "items": int(resp.items.shape[1]),
            "dropped_pii": list(resp.dropped_pii),
            "problems": report.to_records(),
            "summary": summary,
        }
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(
        f"{resp.source}: {resp.platform}, {resp.n_read} rows read, {resp.n} kept, "
        f"{resp.items.shape[1]} items, {len(report)} problem{'s' if len(report) != 1 else ''}.\n"
    )
    if len(report):
        table = report.to_frame()
        table["row"] = table["row"].astype(object).where(table["row"].notna(), "")
        out.write(table.to_string(index=False) + "\n")
        out.write("by rule: " + ", ".join(f"{k} {v}" for k, v in summary.items()) + "\n")
    else:
        out.write("No problems found.\n")
    return 0
