"""``crm-research new-study DIR [--from EXPORT] [--instrument NAME]``: start a study folder.

Writes ``DIR/study.yaml`` (:func:`crm_research.studyfile.study_template`), the instrument --
drafted from ``--from EXPORT`` (:func:`crm_research.drafting.draft_instrument`) or a copy of a
shipped instrument (``--instrument``, default ``d_company_customer``) -- and ``DIR/README.md``
with the next three commands: draft (or edit) the instrument, validate the export, run the
report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from crm_research.errors import InputError

DEFAULT_INSTRUMENT = "d_company_customer"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``new-study`` sub-command."""
    p = subparsers.add_parser(
        "new-study",
        help="start a study folder: study.yaml, an instrument (drafted or copied), README.md",
        description=(
            "Create DIR with study.yaml, an instrument YAML (drafted from --from EXPORT, or a "
            "copy of a shipped instrument given with --instrument) and a README.md with the "
            "next three commands. DIR must be new or empty."
        ),
    )
    p.add_argument("dir", help="the study folder to create")
    p.add_argument("--from", dest="export", help="a survey export to draft the instrument from")
    p.add_argument(
        "--instrument",
        help=f"a shipped instrument name or YAML path to copy (default {DEFAULT_INSTRUMENT} "
        "without --from)",
    )
    p.add_argument("--name", help="the study's name (default: the folder name)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    p.add_argument("--prefix", default="q", help="id prefix for a drafted instrument (default q)")
    p.add_argument("--sheet", help="Excel sheet of the export (name or position from 0)")
    p.set_defaults(func=run)


def _relative(target: Path, folder: Path) -> str:
    """``target`` as a path relative to ``folder`` when possible, else absolute (POSIX form)."""
    target = target.resolve()
    try:
        return Path(os.path.relpath(target, folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return target.as_posix()


def _readme(name: str, export: str, instrument: str, drafted: bool) -> str:
    if drafted:
        first = (
            f"The instrument `{instrument}` was drafted from the export. Read it and fix what\n"
            "   its comments ask (label orders, scales, reverse-keyed items, roles). To draft it\n"
            "   again:"
        )
        draft_out = f"{instrument} --force"
    else:
        first = (
            f"`{instrument}` is a copy of a shipped instrument: edit it to match your\n"
            "   questionnaire, or draft one from your export and set `instrument: instrument.yaml`\n"
            "   in `study.yaml`:"
        )
        draft_out = "instrument.yaml"
    return f"""\
# {name}

A study folder made by `crm-research new-study`. `study.yaml` says what the report reads
(schema: docs/study-file.md of the crm_research project); paths in it are relative to this
folder. The next three commands, run from this folder:

1. {first}

   ```
   crm-research instrument draft {export} --out {draft_out}
   ```

2. Check the export against the instrument (every problem listed; only genuine data
   problems should remain):

   ```
   crm-research validate {export} --instrument {instrument}
   ```

3. Run the report (HTML, tables, findings) into `report/`:

   ```
   crm-research report study.yaml --out report
   ```

Add the optional inputs (employees, ledger, scorecard) in `study.yaml` when you have them,
and declare the roles of your scales (satisfaction, loyalty, drivers, segments) in the
instrument's `roles:` section or in `study.yaml`.
"""


def run(args: argparse.Namespace) -> int:
    """Create the study folder; return the exit status."""
    from crm_research.instrument import load_instrument
    from crm_research.studyfile import study_template

    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder.")
    if folder.is_dir() and any(folder.iterdir()):
        raise InputError(f"{folder}: is not empty; give a new or empty folder for the study.")
    export = Path(args.export) if args.export else None
    if export is not None and not export.is_file():
        raise InputError(f"{export}: no such file.")
    # everything that can fail on the inputs runs before the folder is made
    drafted = None
    source_inst = None
    if args.instrument or export is None:
        source_inst = load_instrument(args.instrument or DEFAULT_INSTRUMENT)
    elif export is not None:
        from crm_research.drafting import draft_instrument

        sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
        drafted = draft_instrument(
            export, prefix=args.prefix, sheet=sheet, instrument_id=folder.name or None
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot be created ({exc.strerror}).") from None
    if drafted is not None:
        inst_name = "instrument.yaml"
        drafted.write(folder / inst_name)
    else:
        assert source_inst is not None and source_inst.source is not None
        inst_name = f"{source_inst.id}.yaml"
        shutil.copyfile(source_inst.source, folder / inst_name)
    data = _relative(export, folder) if export is not None else "customers.csv"
    name = args.name or folder.resolve().name
    (folder / "study.yaml").write_text(
        study_template(name, data, inst_name, language=args.lang), encoding="utf-8"
    )
    (folder / "README.md").write_text(
        _readme(name, data, inst_name, drafted is not None), encoding="utf-8"
    )
    written = ["study.yaml", inst_name, "README.md"]
    print(f"{folder}: " + ", ".join(written) + " written; see README.md for the next commands.")
    if export is None:
        print(f"Put the customer export in {folder} as customers.csv, or edit study.yaml.",
              file=sys.stdout)  # fmt: skip
    return 0
