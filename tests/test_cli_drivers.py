"""``crm-research drivers``: importance from a file, JSON output, one-sentence errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research.analysis import relative_importance
from crm_research.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
DATA = FIXTURES / "bfi_drivers.csv"
REF = json.loads((FIXTURES / "bfi_drivers_reference.json").read_text())
PRED = REF["predictors"]
OUT = REF["outcome"]


def _run_json(capsys, *extra: str) -> dict:
    code = main(
        ["drivers", str(DATA), "--outcome", OUT, "--predictors", ",".join(PRED), "--json", *extra]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.parametrize(
    ("method", "key"),
    [("dominance", "general_dominance"), ("relative_weights", "relative_weights_raw")],
)
def test_json_equals_r_reference(capsys, method, key):
    out = _run_json(capsys, "--method", method)
    assert out["n"] == REF["n"] and out["method"] == method and out["outcome"] == OUT
    assert abs(out["r2"] - REF["r2_full"]) < 1e-10
    got = {row["predictor"]: row for row in out["predictors"]}
    assert list(got) == PRED
    for name in PRED:
        assert abs(got[name]["weight"] - REF[key][name]) < 1e-10
        assert got[name]["ci_low"] is None and got[name]["ci_high"] is None
    assert sorted(row["rank"] for row in out["predictors"]) == [1, 2, 3, 4, 5]
    assert ("conditional_dominance" in out) is (method == "dominance")


def test_bootstrap_json_equals_library(capsys):
    out = _run_json(capsys, "--bootstrap", "60", "--seed", "5", "--ci", "0.9")
    lib = relative_importance(pd.read_csv(DATA), OUT, PRED, n_boot=60, seed=5, ci=0.9)
    assert out["n_boot"] == out["n_boot_valid"] == 60 and out["seed"] == 5
    np.testing.assert_allclose(
        [row["ci_low"] for row in out["predictors"]], lib["ci_low"], rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        [row["ci_high"] for row in out["predictors"]], lib["ci_high"], rtol=0, atol=1e-15
    )
    assert out["r2_ci"][0] < out["r2"] < out["r2_ci"][1]


def test_table_output(capsys):
    code = main(
        ["drivers", str(DATA), "--outcome", OUT, "--predictors", ",".join(PRED), "--bootstrap", "30"]
    )
    text = capsys.readouterr().out
    assert code == 0
    lines = text.splitlines()
    assert "general dominance of 5 predictor(s)" in lines[0] and "n = 2436" in lines[0]
    assert "R² = 0.1413" in lines[0] and "30 bootstrap resamples" in lines[0]
    assert "share_pct" in text and "ci_low" in text
    assert lines[4].split()[0] == "extraversion"  # rank 1 first (27.93% of R²)


def test_missing_codes_listwise(tmp_path, capsys):
    data = pd.read_csv(DATA).head(300)
    data.loc[:9, "age"] = -99
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    code = main(
        [
            "drivers",
            str(path),
            "--outcome",
            OUT,
            "--predictors",
            "agreeableness,age",
            "--missing-values",
            "-99",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["n"] == 290
    lib = relative_importance(data.iloc[10:], OUT, ["agreeableness", "age"])
    assert abs(out["predictors"][1]["weight"] - lib["weight"].iloc[1]) < 1e-12


def _error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("crm-research: ") and "Traceback" not in err
    assert err.count("\n") == 1 and err.rstrip().endswith(".")
    return err


@pytest.mark.parametrize(
    ("predictors", "outcome", "needle"),
    [
        ("agreeableness,nope", OUT, "column 'nope' is not in the file"),
        ("agreeableness", "nope", "column 'nope' is not in the file"),
        ("agreeableness,conscientiousness", OUT, "is also listed in --predictors"),
        ("agreeableness,agreeableness", OUT, "'agreeableness' is listed twice"),
        (" , ", OUT, "--predictors: give the predictor columns"),
    ],
)
def test_bad_columns(capsys, predictors, outcome, needle):
    err = _error(
        capsys, ["drivers", str(DATA), "--outcome", outcome, "--predictors", predictors]
    )
    assert needle in err


def test_bad_data_and_options(tmp_path, capsys):
    data = pd.read_csv(DATA).head(40)
    const = tmp_path / "const.csv"
    data.assign(region=1).to_csv(const, index=False)
    err = _error(capsys, ["drivers", str(const), "--outcome", OUT, "--predictors", "age,region"])
    assert "predictor 'region' is constant" in err and str(const) in err
    collinear = tmp_path / "collinear.csv"
    data.assign(total=data["agreeableness"] + data["openness"]).to_csv(collinear, index=False)
    err = _error(
        capsys,
        [
            "drivers",
            str(collinear),
            "--outcome",
            OUT,
            "--predictors",
            "agreeableness,openness,total",
        ],
    )
    assert "perfectly collinear" in err
    short = tmp_path / "short.csv"
    data.head(4).to_csv(short, index=False)
    err = _error(
        capsys, ["drivers", str(short), "--outcome", OUT, "--predictors", ",".join(PRED)]
    )
    assert "only 4 rows" in err
    text = tmp_path / "text.csv"
    data.assign(segment=["A", "B"] * 20).to_csv(text, index=False)
    err = _error(capsys, ["drivers", str(text), "--outcome", OUT, "--predictors", "age,segment"])
    assert "'segment' is not a numeric column" in err
    err = _error(
        capsys, ["drivers", str(DATA), "--outcome", OUT, "--predictors", "age", "--bootstrap", "-5"]
    )
    assert "--bootstrap -5" in err
    err = _error(
        capsys, ["drivers", str(tmp_path / "absent.csv"), "--outcome", OUT, "--predictors", "age"]
    )
    assert "absent.csv" in err
