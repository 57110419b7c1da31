"""Safe file names and output folders for names that come from data or configs.

Two rules every command that writes files follows:

* A name taken from data or a config (a client name in a batch file, a table name, a
  scale id) goes through :func:`slugify` before it becomes part of a path, so it can never
  climb out of the output folder (``../../evil``), name a device (``CON``, ``NUL``) or hide
  a file (``.bashrc``).
* An output folder given with ``--out`` goes through :func:`safe_output_dir`: it must be
  new, empty or a previous report (it holds the report's marker file, ``manifest.json``);
  anything else is refused before a byte is written, so a mistyped ``--out`` never
  replaces somebody's folder.  :func:`safe_child` keeps slugged names inside that folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from crm_research.errors import InputError

#: Longest slug in characters (file systems allow 255 bytes; a CJK character takes 3 bytes
#: in UTF-8, so 80 characters stay below 255 bytes with room for a suffix).
SLUG_MAX_CHARS = 80
#: Slug used when nothing usable is left of a name.
SLUG_FALLBACK = "unnamed"
#: Names Windows reserves for devices (with any extension), Microsoft "Naming Files, Paths,
#: and Namespaces"; refused on every platform so that reports can be copied anywhere.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
#: The file a previous report holds (written last, so its presence means a finished report).
REPORT_MARKER = "manifest.json"
#: The file a failed report build kept for inspection holds (``DIR.failed``).
FAILED_MARKER = "failed.json"
#: Work folders a report build leaves beside its report while it runs (``.NAME.building-*``,
#: ``.NAME.previous-*``); a batch folder may hold them after an interrupted run.
_BUILD_LEFTOVER = re.compile(r"^\..+\.(?:building|previous)-[0-9A-Za-z_]+$")

_NOT_SLUG = re.compile(r"[^\w]+")
_DASHES = re.compile(r"-{2,}")


def slugify(name: object, max_chars: int = SLUG_MAX_CHARS) -> str:
    """Turn a name from data or a config into a safe file or folder name.

    Letters of every script (Chinese included) and digits are kept, lower-cased (NFKC
    normalised, so full-width ``Ａ１`` becomes ``a1``); every other run of characters
    (path separators, dots, spaces, control characters, punctuation) becomes one ``-``.
    The result never is empty, ``.`` or ``..``, never starts with ``.`` or ``-``, is not a
    Windows device name and has at most ``max_chars`` characters.

    Parameters
    ----------
    name : object
        The name (converted with ``str``).
    max_chars : int, default 80
        Longest result in characters (at least 8).

    Returns
    -------
    str
        Only ``[\\w-]`` characters; ``"unnamed"`` when nothing usable is left.

    Examples
    --------
    >>> slugify("Client A / 2019 (Hebei)")
    'client-a-2019-hebei'
    >>> slugify("../../evil")
    'evil'
    >>> slugify("石家庄 客户.csv")
    '石家庄-客户-csv'
    >>> slugify("CON"), slugify("..")
    ('con-', 'unnamed')

    References
    ----------
    Microsoft. Naming files, paths, and namespaces (reserved device names).
    """
    if max_chars < 8:
        raise InputError(f"max_chars must be at least 8 (got {max_chars}).")
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    text = _NOT_SLUG.sub("-", text)
    text = _DASHES.sub("-", text).strip("-_")
    text = text[:max_chars].rstrip("-_")
    if not text:
        return SLUG_FALLBACK
    if text in WINDOWS_RESERVED:
        text += "-"
    return text


def unique_slugs(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Slug each name, numbering repeats so that two names never share a file.

    Parameters
    ----------
    names : sequence of str

    Returns
    -------
    dict
        name -> slug (``-2``, ``-3``... added to later names whose slug is taken).

    Examples
    --------
    >>> unique_slugs(["A b", "a/b", "c"])
    {'A b': 'a-b', 'a/b': 'a-b-2', 'c': 'c'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        if name in out:
            continue
        base = slugify(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base[: SLUG_MAX_CHARS - len(str(n)) - 1]}-{n}"
        taken.add(slug)
        out[name] = slug
    return out


def is_previous_report(folder: str | Path, marker: str = REPORT_MARKER) -> bool:
    """Whether ``folder`` holds a finished report (its marker file is a regular file).

    Parameters
    ----------
    folder : str or Path
    marker : str, default "manifest.json"

    Returns
    -------
    bool
    """
    return (Path(folder) / marker).is_file()


def safe_output_dir(out: str | Path, marker: str = REPORT_MARKER) -> Path:
    """Check an output folder before anything is written into it.

    Accepted: a path that does not exist yet, an empty folder, or a previous report (a
    folder holding ``marker``; the caller may replace that report).  Refused with one
    sentence: a file, a symbolic link, or a non-empty folder without the marker.  Nothing is
    created or deleted here.

    Parameters
    ----------
    out : str or Path
        The ``--out`` folder.
    marker : str, default "manifest.json"
        The file every finished report holds.

    Returns
    -------
    Path
        The absolute output path.

    Raises
    ------
    InputError
        When the folder may not be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> safe_output_dir(base / "new").name
    'new'
    >>> _ = (base / "mine").mkdir(); _ = (base / "mine" / "thesis.docx").write_text("x")
    >>> safe_output_dir(base / "mine")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    crm_research.errors.InputError: ...
    """
    path = Path(out).expanduser()
    if path.is_symlink():
        raise InputError(
            f"{path}: the output folder is a symbolic link; give a real folder so that "
            "nothing outside the report is replaced."
        )
    path = path.absolute()
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: the output path is a file, not a folder.")
    if path.is_dir():
        try:
            non_empty = any(path.iterdir())
        except OSError as exc:
            raise InputError(
                f"{path}: the output folder cannot be read ({exc.strerror or type(exc).__name__})."
            ) from None
        if non_empty and not is_previous_report(path, marker):
            raise InputError(
                f"{path}: the output folder is not empty and holds no previous report "
                f"({marker}); choose an empty or new folder."
            )
    return path


def safe_batch_dir(out: str | Path, marker: str = REPORT_MARKER) -> Path:
    """Check a batch folder (one report folder per run) before anything is written.

    Accepted: a new or empty folder, or a previous batch -- a folder whose every entry is a
    report folder (holding ``marker``), a failed build kept for inspection (holding
    ``failed.json``) or a build's work folder (``.NAME.building-*``).  Anything else is
    refused with one sentence naming the first foreign entry; nothing is created or deleted.

    Parameters
    ----------
    out : str or Path
        The ``batch --out`` folder.
    marker : str, default "manifest.json"

    Returns
    -------
    Path
        The absolute batch path.

    Raises
    ------
    InputError
        When the folder holds anything that is not a report of a previous batch.
    """
    path = Path(out).expanduser()
    if path.is_symlink():
        raise InputError(
            f"{path}: the batch folder is a symbolic link; give a real folder so that "
            "nothing outside the reports is replaced."
        )
    path = path.absolute()
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: the output path is a file, not a folder.")
    if path.is_dir():
        for entry in sorted(path.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                if (entry / marker).is_file() or (entry / FAILED_MARKER).is_file():
                    continue
                if _BUILD_LEFTOVER.match(entry.name):
                    continue
            raise InputError(
                f"{path}: the batch folder holds '{entry.name}', which is not a report of a "
                f"previous batch; choose an empty or new folder."
            )
    return path


def safe_child(parent: str | Path, name: object, suffix: str = "") -> Path:
    """``parent / (slugify(name) + suffix)``, guaranteed to lie inside ``parent``.

    Parameters
    ----------
    parent : str or Path
        The folder the file belongs in.
    name : object
        A name from data or a config.
    suffix : str, default ""
        A fixed extension such as ``".csv"`` (letters, digits and dots only).

    Returns
    -------
    Path

    Examples
    --------
    >>> safe_child("/reports", "../../etc/passwd", ".csv").as_posix()
    '/reports/etc-passwd.csv'
    """
    if suffix and not re.fullmatch(r"(\.[A-Za-z0-9]+)+", suffix):
        raise InputError(f"'{suffix}' is not a file extension such as .csv.")
    base = Path(parent)
    child = base / f"{slugify(name)}{suffix}"
    if child.parent != base:  # pragma: no cover - slugify leaves no separators
        raise InputError(f"'{name}' does not name a file inside {base}.")
    return child
