"""Helpers shared by several test files (imported as ``support``; pytest puts tests/ on the path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crm_research.instrument import load_instrument


def subset_instrument(folder: Path, name: str, scales: set[str], new_id: str | None = None) -> Path:
    """A client's own instrument: the shipped ``name`` cut down to some of its scales.

    Items outside the kept scales are removed, and so are export-header mappings to them.
    """
    spec = yaml.safe_load(Path(load_instrument(name).source).read_text(encoding="utf-8"))
    spec["id"] = new_id or f"client_{name}"
    spec["scales"] = [sc for sc in spec["scales"] if sc["id"] in scales]
    kept = {i for sc in spec["scales"] for i in sc["items"]}
    spec["items"] = [it for it in spec["items"] if it["id"] in kept]
    if "columns" in spec:
        spec["columns"] = {k: v for k, v in spec["columns"].items() if v in kept}
    if "roles" in spec:  # roles may name only what the cut-down instrument still has
        known = {sc["id"] for sc in spec["scales"]} | {m["id"] for m in spec.get("metadata", [])}
        roles = {}
        for key, value in spec["roles"].items():
            if isinstance(value, list):
                value = [v for v in value if v in known]
            elif isinstance(value, dict):
                value = {k: v for k, v in value.items() if k in known}
            elif value not in known:
                value = None
            if value:
                roles[key] = value
        spec["roles"] = roles
    out = Path(folder) / f"{spec['id']}.yaml"
    out.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def assert_evidence_in_tables(out: Path) -> int:
    """Every evidence value of ``out/findings.json`` is the cell of ``out/tables`` it cites.

    Returns the number of values checked.
    """
    checked = 0
    for rec in json.loads((out / "findings.json").read_text(encoding="utf-8")):
        assert set(rec["evidence"]) == set(rec["evidence_refs"]), rec["id"]
        for name, value in rec["evidence"].items():
            ref = rec["evidence_refs"][name]
            table = pd.read_csv(out / "tables" / f"{ref['table']}.csv", dtype=str)
            mask = np.ones(len(table), dtype=bool)
            for key, wanted in ref["row"].items():
                mask &= (table[key].fillna("") == wanted).to_numpy()
            assert mask.sum() == 1, (rec["id"], name, ref)
            cell = table.loc[mask, ref["column"]].iloc[0]
            if isinstance(value, str):
                assert cell == value, (rec["id"], name)
            else:
                assert float(cell) == pytest.approx(value, abs=1e-9), (rec["id"], name)
            checked += 1
    return checked
