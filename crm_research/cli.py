"""The ``crm-research`` command line.

Each sub-command lives in its own module under :mod:`crm_research.commands`; a module
exposes ``register(subparsers)`` which adds its parser and sets ``func`` to a callable
``func(args) -> int``.  Input problems raise :class:`crm_research.errors.InputError`,
which is printed as one sentence with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from crm_research.errors import InputError

# Order is the order shown in --help; it follows the flow of DESIGN §2.
COMMAND_MODULES = (
    "validate",
    "instrument",
    "score",
    "reliability",
    "efa",
    "sem",
    "invariance",
    "drivers",
    "pls",
    "simulate",
    "new_study",
    "report",
    "reproduce",
    "batch",
)


def build_parser() -> argparse.ArgumentParser:
    from crm_research import __version__

    parser = argparse.ArgumentParser(
        prog="crm-research",
        description="Survey scoring, psychometrics and CRM research reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show warnings from libraries and kernels")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"crm_research.commands.{name}")
        except ModuleNotFoundError as exc:  # a stage not built yet
            if exc.name == f"crm_research.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.verbose:
        warnings.simplefilter("ignore")
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"crm-research: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("crm-research: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


if __name__ == "__main__":
    sys.exit(main())
