"""``crm-research instrument draft EXPORT --out my.yaml``: draft an instrument from an export.

Writes the instrument YAML drafted by :func:`crm_research.drafting.draft_instrument`, then
loads it and reads the export back with it, and prints what was recognised, what to check
and the problems the read-back found (only genuine data problems should remain: skipped
answers, personal-data columns dropped).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_research.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``instrument`` sub-command (with its ``draft`` action)."""
    p = subparsers.add_parser(
        "instrument",
        help="draft an instrument YAML from a survey export (instrument draft EXPORT --out X)",
        description="Work with instrument definitions (surveys/README.md).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    d = actions.add_parser(
        "draft",
        help="draft an instrument YAML from a Wenjuanxing, Qualtrics or plain CSV/XLSX export",
        description=(
            "Draft an instrument from a survey export: items from the question headers, "
            "response scales from the answer labels (known zh/en Likert sets), the 0-10 "
            "recommendation question, platform metadata and personal data (pii), background "
            "questions with their levels, skipped answers as missing, and suggested scales as "
            "comments. The draft is loaded and the export read back with it to check."
        ),
    )
    d.add_argument("export", help="the survey export (CSV or XLSX)")
    d.add_argument("--out", required=True, help="the instrument YAML to write")
    d.add_argument(
        "--prefix", default="q", help="start of ids made from question numbers (default q)"
    )
    d.add_argument("--sheet", help="Excel sheet name or position counted from 0")
    d.add_argument("--encoding", help="CSV text encoding (default: UTF-8, then GBK)")
    d.add_argument("--id", dest="instrument_id", help="instrument id (default: from the file name)")
    d.add_argument(
        "--labels-from",
        dest="labels_from",
        help="the answer-text twin of a numeric-code export (labels for its codes)",
    )
    d.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    d.set_defaults(func=run_draft)
    p.set_defaults(func=lambda args: _no_action(p))


def _no_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_draft(args: argparse.Namespace) -> int:
    """Draft, write, load and read back; return the exit status."""
    from crm_research.drafting import draft_instrument
    from crm_research.instrument import load_instrument
    from crm_research.readers import read_responses

    out = Path(args.out)
    if out.exists() and not args.force:
        raise InputError(
            f"{out}: already exists; choose another --out or add --force to replace it."
        )
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"{out}: an instrument file ends in .yaml.")
    if not out.parent.exists():
        raise InputError(f"{out.parent}: no such folder for --out.")
    sheet = args.sheet
    if sheet is not None and sheet.isdigit():
        sheet = int(sheet)
    draft = draft_instrument(
        args.export,
        prefix=args.prefix,
        sheet=sheet,
        encoding=args.encoding,
        instrument_id=args.instrument_id,
        labels_from=args.labels_from,
    )
    draft.write(out)
    inst = load_instrument(out)
    resp = read_responses(args.export, inst, encoding=args.encoding, sheet=sheet)
    kinds = draft.columns["kind"].value_counts()
    w = sys.stdout.write
    w(
        f"{out}: drafted from {args.export} ({draft.platform}, {draft.n_respondents} respondents): "
        f"{int(kinds.get('item', 0))} items, {len(inst.response_scales)} response scales, "
        f"{len(inst.metadata)} metadata columns ({int(kinds.get('pii', 0))} personal data).\n"
    )
    for note in draft.notes:
        w(f"check: {note}\n")
    summary = resp.quality.summary()
    w(
        f"read back: {resp.n} of {resp.n_read} respondents kept, {resp.items.shape[1]} items; "
        + (
            "problems by rule: " + ", ".join(f"{k} {v}" for k, v in summary.items())
            if len(summary)
            else "no problems"
        )
        + ".\n"
    )
    w(
        "next: edit the scales and roles in the draft, then "
        f"crm-research validate {args.export} --instrument {out}\n"
    )
    return 0
