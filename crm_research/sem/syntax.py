"""A reader for lavaan model syntax (the subset structural models in survey research use).

Supported: ``=~`` (measured by), ``~`` (regressed on; ``~ 1`` an intercept), ``~~``
(variance/covariance), ``:=`` (defined parameter), modifiers ``label*x``, ``1*x`` (fixed
value), ``NA*x`` (free), ``start(0.5)*x`` (ignored), ``label("a")*x``, ``equal("a")*x`` and
``c(a, b)*x`` (one modifier per group), comments after ``#`` or ``!``, statements separated
by new lines or ``;``, and a statement continued on the next line after a trailing ``+``
or operator. Other operators (``==``, ``<``, ``>``, ``<~``, ``|``) are refused by name.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

from crm_research.errors import InputError

__all__ = ["Modifier", "Statement", "ParsedModel", "parse_model", "compile_expression"]

_NAME = re.compile(r"^[^\W\d][\w.]*$|^\.[^\W\d][\w.]*$")  # R-style names, Unicode letters too
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# lavaan's operators, longest first so that "=~" is not read as "=" + "~".
_OPERATORS = ("=~", "~~", ":=", "~")
_REFUSED = ("==", "<~", "<", ">", "|", "%")


@dataclass(frozen=True)
class Modifier:
    """One group's modifier of a term: a fixed value, a label, or an explicit free (NA)."""

    fixed: float | None = None
    label: str | None = None
    free: bool = False


@dataclass(frozen=True)
class Statement:
    """One parameter statement: ``lhs op rhs`` with per-group modifiers (empty if none)."""

    lhs: str
    op: str  # "=~", "~", "~~", "~1"
    rhs: str  # "" for intercepts
    modifiers: tuple[Modifier, ...]
    line: int


@dataclass(frozen=True)
class ParsedModel:
    """Statements in the order written and the ``:=`` definitions (name, expression, line)."""

    statements: tuple[Statement, ...]
    definitions: tuple[tuple[str, str, int], ...]

    @property
    def latent(self) -> list[str]:
        """Latent variables: the left-hand sides of ``=~``, in order of appearance."""
        return list(dict.fromkeys(s.lhs for s in self.statements if s.op == "=~"))


def _error(line: int, token: str, text: str, why: str) -> InputError:
    return InputError(f"Model syntax error on line {line} at {token!r} in {text!r}: {why}.")


def _parse_modifier(text: str, line: int, statement: str) -> tuple[Modifier, ...]:
    text = text.strip()
    if not text:
        raise _error(line, "*", statement, "'*' needs a modifier (a number, NA or a label)")
    if text.startswith("c(") and text.endswith(")"):
        parts = [p.strip() for p in text[2:-1].split(",")]
        return tuple(m for p in parts for m in _parse_modifier(p, line, statement))
    for function in ("label", "equal"):
        match = re.fullmatch(function + r"\(\s*[\"']?([^\W\d][\w.]*)[\"']?\s*\)", text)
        if match:
            return (Modifier(label=match.group(1)),)
    if re.fullmatch(r"start\(.*\)", text):
        return (Modifier(),)
    if text == "NA":
        return (Modifier(free=True),)
    if _NUMBER.match(text):
        return (Modifier(fixed=float(text)),)
    if _NAME.match(text):
        return (Modifier(label=text),)
    raise _error(line, text, statement, "a modifier must be a number, NA, a label or c(...)")


def _terms(rhs: str, line: int, statement: str) -> list[tuple[str, tuple[Modifier, ...]]]:
    out: list[tuple[str, tuple[Modifier, ...]]] = []
    for raw in rhs.split("+"):
        term = raw.strip()
        if not term:
            raise _error(line, "+", statement, "an empty term between '+' signs")
        pieces = [p.strip() for p in _split_star(term)]
        name = pieces[-1]
        modifiers: tuple[Modifier, ...] = ()
        for piece in pieces[:-1]:
            parsed = _parse_modifier(piece, line, statement)
            modifiers = _merge(modifiers, parsed)
        if name != "1" and not _NAME.match(name):
            raise _error(line, name, statement, "not a variable name")
        out.append((name, modifiers))
    return out


def _split_star(term: str) -> list[str]:
    """Split on '*' outside parentheses (``start(0.5)*x``, ``c(a,b)*x``)."""
    parts, depth, current = [], 0, ""
    for char in term:
        depth += char == "("
        depth -= char == ")"
        if char == "*" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _merge(first: tuple[Modifier, ...], second: tuple[Modifier, ...]) -> tuple[Modifier, ...]:
    """Combine ``a*0.5*x``-style chains (a label and a value) group by group."""
    if not first:
        return second
    if len(first) == 1 and len(second) > 1:
        first = first * len(second)
    if len(second) == 1 and len(first) > 1:
        second = second * len(first)
    return tuple(
        Modifier(
            fixed=b.fixed if b.fixed is not None else a.fixed,
            label=b.label or a.label,
            free=a.free or b.free,
        )
        for a, b in zip(first, second, strict=False)
    )


def _logical_lines(model: str) -> list[tuple[int, str]]:
    """(first line number, statement) pairs after comments, ';' and continuation lines."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(model.splitlines(), start=1):
        text = re.split(r"[#!]", raw, maxsplit=1)[0]
        for piece in text.split(";"):
            piece = piece.strip()
            if not piece:
                continue
            if pending:
                pending = f"{pending} {piece}"
            else:
                pending, start = piece, number
            if pending.endswith(("+", "=~", "~", ":=", "*")):
                continue  # continued on the next line
            out.append((start, pending))
            pending = ""
    if pending:
        raise _error(start, pending.split()[-1], pending, "the statement ends with an operator")
    return out


def parse_model(model: str) -> ParsedModel:
    """Read lavaan model syntax into statements and definitions.

    Parameters
    ----------
    model : str
        lavaan model text, e.g. ``"f =~ x1 + x2 + x3\\ny ~ a*f\\nind := a*b"``.

    Returns
    -------
    ParsedModel
        ``.statements`` (lhs, op, rhs, modifiers, line) and ``.definitions``.

    Raises
    ------
    InputError
        One sentence naming the line and the token: an unknown or unsupported operator, a
        malformed name or modifier, an empty model.

    Examples
    --------
    >>> m = parse_model("f =~ x1 + b*x2 + x3  # comment\\ny ~ f + 1\\nab := b*2")
    >>> [(s.lhs, s.op, s.rhs) for s in m.statements]
    [('f', '=~', 'x1'), ('f', '=~', 'x2'), ('f', '=~', 'x3'), ('y', '~', 'f'), ('y', '~1', '')]
    >>> m.definitions
    (('ab', 'b*2', 3),)

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1-36 (section "The model syntax").
    """
    if not isinstance(model, str):
        raise InputError(f"The model must be lavaan syntax text, got {type(model).__name__}.")
    statements: list[Statement] = []
    definitions: list[tuple[str, str, int]] = []
    for line, text in _logical_lines(model):
        op = next((o for o in _OPERATORS if o in text), None)
        refused = next((o for o in _REFUSED if o in text.replace("=~", "").replace(":=", "")), None)
        if op is None or (refused and op != ":="):
            runs = [r for r in re.findall(r"[=~<>:|%]+", text) if r not in _OPERATORS]
            token = runs[0] if runs else (refused or text.split()[0])
            raise _error(
                line,
                token,
                text,
                "use one of '=~', '~', '~~' or ':=' (constraints such as "
                "'==' and '<' and the operators '<~' and '|' are not supported)",
            )
        lhs, rhs = (part.strip() for part in text.split(op, 1))
        if op == ":=":
            if not _NAME.match(lhs):
                raise _error(line, lhs, text, "a defined parameter needs a plain name")
            compile_expression(rhs, where=f"line {line}")
            definitions.append((lhs, rhs, line))
            continue
        if not _NAME.match(lhs):
            raise _error(line, lhs or op, text, "the left-hand side must be one variable name")
        if not rhs:
            raise _error(line, op, text, "nothing on the right-hand side")
        for name, modifiers in _terms(rhs, line, text):
            if name == "1":
                if op != "~":
                    raise _error(line, "1", text, "'1' (an intercept) is only allowed after '~'")
                statements.append(Statement(lhs, "~1", "", modifiers, line))
            else:
                statements.append(Statement(lhs, op, name, modifiers, line))
    if not statements:
        raise InputError(
            "The model defines no parameter; write at least one 'factor =~ items' line."
        )
    return ParsedModel(tuple(statements), tuple(definitions))


_ALLOWED_FUNCTIONS = {"sqrt", "exp", "log", "abs"}


def compile_expression(expression: str, where: str = "") -> tuple[ast.Expression, list[str]]:
    """Parse a ``:=`` right-hand side into a checked expression tree and its label names.

    Arithmetic (``+ - * / ^``), numbers, labels and sqrt/exp/log/abs are accepted.
    """
    text = expression.replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        token = (exc.text or text)[max((exc.offset or 1) - 1, 0) :].split(" ")[0] or text
        raise InputError(
            f"Model syntax error on {where} at {token!r} in {expression!r}: not an arithmetic "
            "expression of labels."
        ) from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _ALLOWED_FUNCTIONS):
                raise InputError(
                    f"Model syntax error on {where} in {expression!r}: only sqrt, exp, log and "
                    "abs may be called."
                )
        elif isinstance(node, ast.Name):
            if node.id not in _ALLOWED_FUNCTIONS:
                names.append(node.id)
        elif not isinstance(
            node,
            (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.Constant,
                ast.Load,
                ast.operator,
                ast.unaryop,
            ),
        ):
            raise InputError(
                f"Model syntax error on {where} in {expression!r}: "
                f"{type(node).__name__} is not allowed in a defined parameter."
            )
    return tree, list(dict.fromkeys(names))


def evaluate_expression(tree: ast.Expression, values: dict) -> object:
    """Evaluate a compiled ``:=`` expression with numpy semantics (works on complex arrays)."""
    import numpy as np  # noqa: PLC0415

    functions = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "abs": np.abs, "pi": math.pi}
    return eval(compile(tree, "<defined>", "eval"), {"__builtins__": {}}, {**functions, **values})  # noqa: S307
