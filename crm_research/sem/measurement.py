"""Measurement models given as a dict or as lavaan ``=~`` lines (the CFA's model argument)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from crm_research.errors import InputError

__all__ = ["parse_measurement_model"]

# --------------------------------------------------------------------------------------------
# Model specification
# --------------------------------------------------------------------------------------------
_STATEMENT_SPLIT = re.compile(r"[;\n]")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


def parse_measurement_model(model: Mapping[str, Sequence[str]] | str) -> dict[str, list[str]]:
    """Read a measurement model given as a dict or as lavaan ``=~`` syntax.

    Parameters
    ----------
    model : dict of str to list of str, or str
        ``{"visual": ["x1", "x2", "x3"], ...}`` or lavaan lines such as
        ``"visual =~ x1 + x2 + x3"`` (one statement per line or separated by ``;``;
        ``#`` starts a comment; a factor may appear in several statements).

    Returns
    -------
    dict of str to list of str
        Factor name to its indicator names, in the order given.

    Raises
    ------
    InputError
        If the model is empty, uses syntax other than ``=~`` with plain names, or repeats
        an item within a factor.

    Examples
    --------
    >>> parse_measurement_model("f1 =~ a + b + c\\nf2 =~ d + e + f")
    {'f1': ['a', 'b', 'c'], 'f2': ['d', 'e', 'f']}

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2), 1-36 (model syntax).
    """
    factors: dict[str, list[str]] = {}
    if isinstance(model, str):
        for raw in _STATEMENT_SPLIT.split(model):
            statement = raw.split("#", 1)[0].split("!", 1)[0].strip()
            if not statement:
                continue
            if statement.count("=~") != 1 or any(
                op in statement.replace("=~", "") for op in ("~", "*", ":=", "==", "|", "<", ">")
            ):
                raise InputError(
                    f"Model statement {statement!r} is not supported: only "
                    "'factor =~ item1 + item2 + ...' with plain item names is accepted."
                )
            lhs, rhs = (part.strip() for part in statement.split("=~"))
            terms = [term.strip() for term in rhs.split("+")]
            bad = [name for name in [lhs, *terms] if not _NAME.match(name)]
            if bad:
                raise InputError(
                    f"Model statement {statement!r} contains invalid names {bad}; "
                    "use 'factor =~ item1 + item2 + ...'."
                )
            factors.setdefault(lhs, []).extend(terms)
    elif isinstance(model, Mapping):
        for name, items in model.items():
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise InputError(
                    f"Factor {name!r} must map to a list of item names, got {type(items).__name__}."
                )
            factors[str(name)] = [str(item) for item in items]
    else:
        raise InputError(
            f"The model must be a dict of factor -> items or lavaan '=~' syntax, "
            f"got {type(model).__name__}."
        )
    if not factors:
        raise InputError("The model defines no factor; give at least one 'factor =~ items' line.")
    for name, items in factors.items():
        if not items:
            raise InputError(f"Factor {name!r} has no indicators.")
        duplicated = sorted({item for item in items if items.count(item) > 1})
        if duplicated:
            raise InputError(f"Factor {name!r} lists item(s) {duplicated} more than once.")
    clash = sorted(set(factors) & {item for items in factors.values() for item in items})
    if clash:
        raise InputError(f"Name(s) {clash} are used both as a factor and as an item.")
    return factors
