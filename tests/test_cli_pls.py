"""``crm-research pls``: JSON equal to the library, tables, IPMA, one-sentence errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research.cli import main
from crm_research.pls import pls

FIX = Path(__file__).parent / "fixtures"
CSV = FIX / "political_democracy.csv"
REF = json.loads((FIX / "political_democracy_pls_reference.json").read_text())
MODEL = """\
measurement:
  ind60: [x1, x2, x3]
  dem60: [y1, y2, y3, y4]
  dem65: {items: [y5, y6, y7, y8], mode: A}
structural: |
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
ipma: dem65
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(MODEL, encoding="utf-8")
    return path


def test_json_equals_the_reference_and_the_library(model, capsys):
    assert (
        main(
            ["pls", str(CSV), "--model", str(model), "--bootstrap", "100", "--seed", "5", "--json"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 75 and out["converged"] and out["n_boot"] == 100
    for row in out["paths"]:
        assert (
            abs(row["estimate"] - REF["path_coefficients"][f"{row['from']} -> {row['to']}"]) < 1e-8
        )
    for c, v in REF["rhoA"].items():
        assert abs(out["reliability"][c]["rhoA"] - v) < 1e-8
    assert abs(out["htmt"]["dem60"]["dem65"] - REF["htmt"]["dem60 | dem65"]) < 1e-8
    lib = pls(
        pd.read_csv(CSV),
        {
            "ind60": ["x1", "x2", "x3"],
            "dem60": ["y1", "y2", "y3", "y4"],
            "dem65": ["y5", "y6", "y7", "y8"],
        },
        "dem60 ~ ind60\ndem65 ~ ind60 + dem60",
        n_boot=100,
        seed=5,
    )
    assert np.allclose([r["ci_low"] for r in out["paths"]], lib.paths["ci_low"], atol=1e-12)
    assert [r["construct"] for r in out["ipma"]] == ["dem60", "ind60"]
    assert out["htmt"]["dem60"]["dem60"] is None  # NaN diagonal as null


def test_tables_with_missing_codes(model, tmp_path, capsys):
    data = pd.read_csv(CSV)
    data.loc[0, "y1"] = -99
    path = tmp_path / "pd.csv"
    data.to_csv(path, index=False)
    assert main(["pls", str(path), "--model", str(model), "--missing-values", "-99"]) == 0
    out = capsys.readouterr().out
    assert "n = 74" in out and "IPMA for dem65" in out and "HTMT" in out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (None, "model file not found"),
        ("measurement: [1, 2\n", "not valid YAML"),
        ("structural: 'a ~ b'\n", "no 'measurement' section"),
        (MODEL.replace("x3]", "zz]"), "'zz'"),
        (MODEL + "colour: red\n", "unknown key 'colour'"),
        (MODEL.replace("dem65 ~ ind60 + dem60", "dem65 ~ ind60 + dem60\n  ind60 ~ dem65"), "cycle"),
        (MODEL.replace("ipma: dem65", "ipma: ind60"), "no antecedents"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, capsys, text, needle):
    path = tmp_path / "m.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert main(["pls", str(CSV), "--model", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "Traceback" not in err and err.count("\n") == 0
