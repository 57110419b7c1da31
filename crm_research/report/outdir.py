"""The output-folder policy: which folder a report may replace, and the atomic build.

A report is built in a hidden folder beside its destination (:func:`new_build_dir`) and
moved into place at the end (:func:`move_into_place`), so a half-written report never exists
under the output name.  :func:`check_output_dir` refuses, before any work, a folder that is
not a previous report of this package or that holds somebody else's files; a failed build is
kept as ``DIR.failed`` with a ``failed.json`` note (:func:`keep_failed`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from crm_research.cases.d_company import SIMULATED_NOTE
from crm_research.errors import InputError
from crm_research.paths import safe_output_dir
from crm_research.report.base import (
    FAILED_MARKER,
    MANIFEST_KIND,
    MANIFEST_NAME,
    WORK_DIR_NAME,
    NotebookFailed,
    utc_now,
)

__all__ = [
    "check_output_dir",
    "is_report_dir",
    "keep_failed",
    "move_into_place",
    "new_build_dir",
    "write_simulated_readme",
]


def is_report_dir(path: str | Path) -> bool:
    """Whether ``path`` holds a report written by this module (its ``manifest.json`` says so).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
    """
    manifest = Path(path) / MANIFEST_NAME
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("kind") == MANIFEST_KIND
    except (OSError, ValueError, AttributeError):
        return False


#: Files a reader's tools leave in a report folder; replacing the report may remove them.
_TOOL_LEFTOVERS = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: Folders a reader's tools (JupyterLab, a notebook rerun) leave in a report folder.
_TOOL_FOLDERS = frozenset({".ipynb_checkpoints", WORK_DIR_NAME})


def _foreign_files(out: Path) -> list[str]:
    """Files in a previous report that its manifest does not list (somebody else's work).

    A report older than the ``outputs`` list of the manifest has no such files by definition.
    """
    try:
        manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(listed, list):
        return []
    # findings.md: what ``crm-research report --no-html`` adds when rerun into a report
    known = {str(name).replace("\\", "/") for name in listed} | {"findings.md"}
    foreign = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_dir() and not path.is_symlink():
            continue
        if set(rel.parts) & _TOOL_FOLDERS or rel.name in _TOOL_LEFTOVERS:
            continue
        if rel.as_posix() not in known:
            foreign.append(rel.as_posix())
    return foreign


def check_output_dir(out_dir: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Refuse an output folder that a new report may not replace (before any work).

    Accepted: a new path, an empty folder, or a previous report of this module (its
    ``manifest.json`` says so) holding only the files its manifest lists (and what
    JupyterLab leaves: ``.ipynb_checkpoints``).  Refused with one sentence: a file, a
    symbolic link, a non-empty folder without a report manifest, a previous report holding
    files of somebody else, and a folder holding one of the input files (a new report
    replaces the folder, and an input is never deleted).

    Parameters
    ----------
    out_dir : str or Path
    inputs : sequence of path, optional
        The input files of the report.

    Returns
    -------
    Path
        The absolute output path.

    Raises
    ------
    InputError
        When the folder may not be written.
    """
    out = safe_output_dir(out_dir, marker=MANIFEST_NAME)
    if out.is_dir() and any(out.iterdir()):
        if not is_report_dir(out):
            raise InputError(
                f"{out}: the output folder is not empty and holds no previous report "
                f"({MANIFEST_NAME}); choose an empty or new folder."
            )
        foreign = _foreign_files(out)
        if foreign:
            raise InputError(
                f"{out}: the previous report holds '{foreign[0]}', which the report did not "
                "write and a new report would delete; move it elsewhere or choose another folder."
            )
    resolved_out = out.resolve()
    for item in inputs:
        path = Path(item).expanduser().absolute()
        if resolved_out in path.resolve().parents or path.resolve() == resolved_out:
            raise InputError(
                f"{path}: the input file lies inside the output folder {out}, which the new "
                "report replaces; the input is never deleted, so choose another folder."
            )
    return out


#: Longest file name in bytes (ext4, APFS, NTFS: 255).
_NAME_MAX_BYTES = 255


def sibling_name(name: str, prefix: str, suffix: str) -> str:
    """``prefix + name + suffix``, ``name`` shortened so the whole stays a legal file name."""
    room = _NAME_MAX_BYTES - len((prefix + suffix).encode("utf-8"))
    while len(name.encode("utf-8")) > room:
        name = name[:-1]
    return prefix + name + suffix


def new_build_dir(out: Path) -> Path:
    """A new hidden build folder beside ``out`` (``.NAME.building-XXXXXXXX``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp adds 8 characters; a long (CJK) report name must still fit in 255 bytes
    prefix = sibling_name(out.name, ".", ".building-" + "x" * 8)[:-8]
    return Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))


def move_into_place(build: Path, out: Path) -> None:
    """Replace ``out`` by ``build``: the old report is renamed away first, removed last."""
    previous: Path | None = None
    if out.exists():
        if any(out.iterdir()):
            if not is_report_dir(out):  # changed while we were building
                raise InputError(
                    f"{out}: the output folder was filled during the run and holds no "
                    f"previous report; the new report is left in {build}."
                )
            previous = out.with_name(
                sibling_name(out.name, ".", f".previous-{uuid.uuid4().hex[:8]}")
            )
            os.replace(out, previous)
        else:
            out.rmdir()
    os.replace(build, out)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def keep_failed(build: Path, out: Path, failure: NotebookFailed) -> Path:
    """Rename the build folder to ``DIR.failed`` (replacing only an earlier failed build)."""
    target = out.with_name(sibling_name(out.name, "", ".failed"))
    n = 1
    while target.exists() and not (target / FAILED_MARKER).is_file():
        n += 1
        target = out.with_name(sibling_name(out.name, "", f".failed-{n}"))
    # the study cache holds the screened responses (free-text background columns included);
    # only the executed notebooks and the tables are kept for inspection
    shutil.rmtree(build / WORK_DIR_NAME, ignore_errors=True)
    (build / FAILED_MARKER).write_text(
        json.dumps(
            {"notebook": failure.notebook, "error": failure.error, "time_utc": utc_now()},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if target.exists():
        shutil.rmtree(target)
    os.replace(build, target)
    return target


def write_simulated_readme(folder: Path) -> None:
    """Label copied simulated inputs as simulated (the CSV files themselves cannot say it)."""
    (folder / "README.txt").write_text(
        f"{SIMULATED_NOTE['zh']}\n\n{SIMULATED_NOTE['en']}\n", encoding="utf-8"
    )
