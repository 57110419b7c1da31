"""Finding records and their evidence: every quoted number points at a cell of ``tables/``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class EvidenceRef:
    """Where a quoted number lives: ``tables/<table>.csv``, the row whose key columns have the
    given values, and a column."""

    table: str
    row: tuple[tuple[str, str], ...]
    column: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able ``{table, row: {column: value}, column}``."""
        return {"table": self.table, "row": dict(self.row), "column": self.column}


@dataclass(frozen=True)
class Finding:
    """One finding: what is wrong (or fine), how sure, and what to do.

    Attributes
    ----------
    id : str
        Stable id, ``<area>.<rule>``.
    area : str
        One of :data:`THESIS_AREAS` or another area (``loyalty``, ``perception_gap`` ...).
    severity : {"info", "minor", "moderate", "major"}
    evidence : dict
        ``name -> value``; every value is in ``study.tables`` (see ``evidence_refs``).
    evidence_refs : dict
        ``name -> EvidenceRef``.
    problem, recommendation : dict
        ``{"zh": ..., "en": ...}``.
    framework : str
        The theory the rule applies (IDIC, ABC, satisfaction-loyalty, ...).
    references : tuple of str
    safeguards : tuple of str
        Ids of the safeguards (:data:`crm_research.findings.plan.SAFEGUARDS`) the
        recommendation relies on; the safeguards are written once, not in each recommendation.
    priority, owner, horizon, kpi, reach, score : optional
        The ranked plan (:func:`crm_research.findings.plan.rank_plan`): ``priority`` 1 = first,
        ``owner`` a role id, ``horizon`` ``"0-3"``, ``"3-6"`` or ``"6-12"`` (months), ``kpi``
        one of the 17 CRM metrics (or None when none fits), ``reach`` the share (0-1) of
        customers, employees or revenue the finding touches and ``score`` severity x reach.
    """

    id: str
    area: str
    severity: str
    evidence: dict[str, Any]
    evidence_refs: dict[str, EvidenceRef]
    problem: dict[str, str]
    recommendation: dict[str, str]
    framework: str
    references: tuple[str, ...] = field(default_factory=tuple)
    safeguards: tuple[str, ...] = field(default_factory=tuple)
    priority: int | None = None
    owner: str | None = None
    horizon: str | None = None
    kpi: str | None = None
    reach: float | None = None
    score: float | None = None

    def to_record(self) -> dict[str, Any]:
        """JSON-able dict (evidence refs as nested dicts)."""
        return {
            "id": self.id,
            "area": self.area,
            "severity": self.severity,
            "evidence": dict(self.evidence),
            "evidence_refs": {k: v.to_dict() for k, v in self.evidence_refs.items()},
            "problem": dict(self.problem),
            "recommendation": dict(self.recommendation),
            "framework": self.framework,
            "references": list(self.references),
            "safeguards": list(self.safeguards),
            "priority": self.priority,
            "owner": self.owner,
            "horizon": self.horizon,
            "kpi": self.kpi,
            "reach": self.reach,
            "score": self.score,
        }

    def to_frame(self) -> pd.DataFrame:
        """Evidence as a tidy table: ``name, value, table, row, column``."""
        return pd.DataFrame(
            [
                {
                    "name": k,
                    "value": v,
                    "table": self.evidence_refs[k].table,
                    "row": json.dumps(dict(self.evidence_refs[k].row), sort_keys=True),
                    "column": self.evidence_refs[k].column,
                }
                for k, v in self.evidence.items()
            ]
        )

    def __repr__(self) -> str:
        return f"Finding({self.id!r}, {self.severity}: {self.problem.get('en', '')[:100]})"


def _plain(value: Any) -> Any:
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        v = float(value)
        return None if np.isnan(v) else v
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, int | str) else str(value)


def evidence_ref(study: Any, table: str, column: str, **row: Any) -> tuple[Any, EvidenceRef]:
    """Look a value up in ``study.tables`` and return it with its reference.

    Parameters
    ----------
    study : StudyResult
        Anything with a ``tables`` dict of DataFrames.
    table : str
        Table name.
    column : str
        Column holding the value.
    **row
        Key columns and their values identifying exactly one row (none: the table must have
        one row).

    Returns
    -------
    (value, EvidenceRef)
        The value as a plain Python scalar, and where it was found.

    Raises
    ------
    KeyError
        When the table, the column or exactly one matching row is not found.

    Examples
    --------
    >>> import pandas as pd
    >>> class S: tables = {"t": pd.DataFrame({"scale": ["a", "b"], "mean": [2.5, 3.0]})}
    >>> evidence_ref(S(), "t", "mean", scale="b")[0]
    3.0
    """
    frame = study.tables[table]
    if column not in frame.columns:
        raise KeyError(f"table {table!r} has no column {column!r}")
    mask = np.ones(len(frame), dtype=bool)
    for key, value in row.items():
        mask &= frame[key].astype(str).to_numpy() == str(value)
    hits = np.flatnonzero(mask)
    if hits.size != 1:
        raise KeyError(f"table {table!r}: {hits.size} rows match {row!r}")
    value = _plain(frame[column].iloc[int(hits[0])])
    ref = EvidenceRef(table, tuple((k, str(v)) for k, v in row.items()), column)
    return value, ref


class Evidence:
    """Collects evidence for one finding (name -> value, name -> reference)."""

    def __init__(self, study: Any) -> None:
        self.study = study
        self.values: dict[str, Any] = {}
        self.refs: dict[str, EvidenceRef] = {}

    def add(self, name: str, table: str, column: str, **row: Any) -> Any:
        value, ref = evidence_ref(self.study, table, column, **row)
        self.values[name] = value
        self.refs[name] = ref
        return value
