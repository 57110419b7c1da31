"""PLS path model specification: parsing and validation (stage 4, ``crm_research.pls``).

A model is a measurement part (construct -> its items, each block estimated in mode A,
correlation weights, or mode B, regression weights) and a structural part (directed paths
between constructs, which must form an acyclic graph).  :func:`specify` turns the user's
mapping / list / lavaan-like text into a frozen :class:`PLSModel` and refuses, in one
sentence, every specification the algorithm cannot estimate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crm_research.errors import InputError

__all__ = ["PLSModel", "specify", "parse_structural"]

MODES = ("A", "B")
_ARROW = re.compile(r"\s*(->|<-|~)\s*")
_SPLIT = re.compile(r"[;\n]")


@dataclass(frozen=True)
class PLSModel:
    """A validated PLS path model.

    Attributes
    ----------
    constructs : tuple of str
        Constructs in the order of the measurement mapping.
    blocks : dict
        Construct -> tuple of its items.
    modes : dict
        Construct -> ``"A"`` (correlation weights) or ``"B"`` (regression weights).
    paths : tuple of (str, str)
        Structural paths ``(from, to)`` in the order given.
    """

    constructs: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]

    @property
    def items(self) -> tuple[str, ...]:
        """All items, block by block."""
        return tuple(i for c in self.constructs for i in self.blocks[c])

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one incoming path, in construct order."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    def antecedents(self, construct: str) -> tuple[str, ...]:
        """Constructs with a path into ``construct``, in construct order."""
        sources = {f for f, t in self.paths if t == construct}
        return tuple(c for c in self.constructs if c in sources)

    def adjacency(self) -> np.ndarray:
        """K x K 0/1 matrix ``A[from, to] = 1`` in construct order."""
        idx = {c: k for k, c in enumerate(self.constructs)}
        a = np.zeros((len(self.constructs), len(self.constructs)))
        for f, t in self.paths:
            a[idx[f], idx[t]] = 1.0
        return a

    def mask(self) -> np.ndarray:
        """p x K 0/1 matrix: item i belongs to construct k."""
        items = self.items
        m = np.zeros((len(items), len(self.constructs)))
        pos = 0
        for k, c in enumerate(self.constructs):
            n = len(self.blocks[c])
            m[pos : pos + n, k] = 1.0
            pos += n
        return m

    def without_path(self, path: tuple[str, str]) -> PLSModel:
        """The same model without one path; constructs left with no path are dropped."""
        paths = tuple(p for p in self.paths if p != tuple(path))
        used = {c for p in paths for c in p}
        constructs = tuple(c for c in self.constructs if c in used)
        return PLSModel(
            constructs=constructs,
            blocks={c: self.blocks[c] for c in constructs},
            modes={c: self.modes[c] for c in constructs},
            paths=paths,
        )


def parse_structural(structural: str | Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """Read structural paths from pairs or lavaan-like text.

    Parameters
    ----------
    structural : str or iterable of (from, to)
        Pairs ``("Image", "Loyalty")``, or text with one statement per line or ``;``:
        ``Loyalty ~ Satisfaction + Image`` (lavaan regression) or ``Image -> Loyalty``.

    Returns
    -------
    list of (str, str)
        The paths in the order written.

    Examples
    --------
    >>> parse_structural("Loyalty ~ Satisfaction + Image; Image -> Satisfaction")
    [('Satisfaction', 'Loyalty'), ('Image', 'Loyalty'), ('Image', 'Satisfaction')]
    """
    if isinstance(structural, str):
        pairs: list[tuple[str, str]] = []
        for raw in _SPLIT.split(structural):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = _ARROW.split(line)
            if len(parts) != 3:
                raise InputError(
                    f"structural model: cannot read {line!r} (write 'Y ~ X1 + X2' or 'X -> Y')."
                )
            left, op, right = parts
            lhs = [s.strip() for s in left.split("+") if s.strip()]
            rhs = [s.strip() for s in right.split("+") if s.strip()]
            if not lhs or not rhs:
                raise InputError(f"structural model: {line!r} has an empty side.")
            if op in ("~", "<-"):
                pairs.extend((x, y) for y in lhs for x in rhs)
            else:
                pairs.extend((x, y) for x in lhs for y in rhs)
        return pairs
    pairs = []
    try:
        items = list(structural)
    except TypeError:
        raise InputError(
            "structural model: give a list of (from, to) pairs or lavaan-like text."
        ) from None
    for p in items:
        if isinstance(p, str) or len(p) != 2:
            raise InputError(f"structural model: {p!r} is not a (from, to) pair.")
        pairs.append((str(p[0]), str(p[1])))
    return pairs


def _find_cycle(constructs: Sequence[str], paths: Sequence[tuple[str, str]]) -> list[str] | None:
    succ: dict[str, list[str]] = {c: [] for c in constructs}
    for f, t in paths:
        succ[f].append(t)
    state = dict.fromkeys(constructs, 0)  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(c: str) -> list[str] | None:
        state[c] = 1
        stack.append(c)
        for s in succ[c]:
            if state[s] == 1:
                return stack[stack.index(s) :] + [s]
            if state[s] == 0:
                found = visit(s)
                if found:
                    return found
        stack.pop()
        state[c] = 2
        return None

    for c in constructs:
        if state[c] == 0:
            found = visit(c)
            if found:
                return found
    return None


def specify(
    measurement: Mapping[str, Sequence[str] | str],
    structural: str | Iterable[Sequence[str]],
    *,
    mode: Mapping[str, str] | None = None,
    columns: Iterable[str] | None = None,
) -> PLSModel:
    """Validate a PLS path model and return it as a :class:`PLSModel`.

    Parameters
    ----------
    measurement : mapping
        Construct -> list of item columns (a single string is a single-item construct), or
        construct -> ``{"items": [...], "mode": "B"}``.
    structural : list of (from, to) or str
        Structural paths, see :func:`parse_structural`.
    mode : mapping, optional
        Construct -> ``"A"`` or ``"B"``; constructs not named use mode A.
    columns : iterable of str, optional
        Columns of the data; when given, every item must be one of them.

    Returns
    -------
    PLSModel

    Raises
    ------
    InputError
        An item in two constructs, an unknown item, an empty block, a construct with no
        path, a path naming an unknown construct, a self-loop, a repeated path, a cycle or
        an unknown mode — one sentence each.

    Examples
    --------
    >>> m = specify({"X": ["x1", "x2"], "Y": ["y1"]}, "Y ~ X")
    >>> m.paths, m.endogenous
    ((('X', 'Y'),), ('Y',))
    """
    if not isinstance(measurement, Mapping) or not measurement:
        raise InputError("measurement model: give a mapping construct -> list of items.")
    blocks: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    mode = dict(mode or {})
    for construct, items in measurement.items():
        name = str(construct)
        if isinstance(items, Mapping):
            if "mode" in items and name not in mode:
                mode[name] = items["mode"]
            items = items.get("items", [])
        if isinstance(items, str):
            items = [items]
        items = [str(i) for i in items]
        if not items:
            raise InputError(f"measurement model: construct {name!r} has no items.")
        for item in items:
            if item in owner:
                where = "twice" if owner[item] == name else f"in {owner[item]!r} and {name!r}"
                raise InputError(f"measurement model: item {item!r} is listed {where}.")
            owner[item] = name
        blocks[name] = tuple(items)
    for item in owner:
        if item in blocks:
            raise InputError(f"measurement model: {item!r} is both a construct and an item.")
    if columns is not None:
        cols = set(map(str, columns))
        for item, construct in owner.items():
            if item not in cols:
                raise InputError(
                    f"measurement model: item {item!r} of construct {construct!r} is not a "
                    "column of the data."
                )
    modes = {c: "A" for c in blocks}
    for construct, m in mode.items():
        if construct not in blocks:
            raise InputError(f"mode: {construct!r} is not a construct of the measurement model.")
        m = str(m).upper()
        if m not in MODES:
            raise InputError(f"mode: construct {construct!r} has mode {m!r}; use 'A' or 'B'.")
        modes[construct] = m
    paths = parse_structural(structural)
    if not paths:
        raise InputError("structural model: no paths given.")
    seen: set[tuple[str, str]] = set()
    for f, t in paths:
        for c in (f, t):
            if c not in blocks:
                raise InputError(
                    f"structural model: construct {c!r} is not in the measurement model."
                )
        if f == t:
            raise InputError(f"structural model: path {f} -> {t} points to itself.")
        if (f, t) in seen:
            raise InputError(f"structural model: path {f} -> {t} is given twice.")
        seen.add((f, t))
    used = {c for p in paths for c in p}
    for c in blocks:
        if c not in used:
            raise InputError(f"structural model: construct {c!r} has no path to or from it.")
    constructs = tuple(blocks)
    cycle = _find_cycle(constructs, paths)
    if cycle:
        raise InputError(
            f"structural model: the paths form a cycle ({' -> '.join(cycle)}); PLS needs a "
            "recursive model."
        )
    return PLSModel(constructs=constructs, blocks=blocks, modes=modes, paths=tuple(paths))
