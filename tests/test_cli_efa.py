"""``crm-research efa``: the loadings table from a file, JSON output, one-sentence errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research import factor
from crm_research.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BFI_REF = json.loads((FIXTURES / "bfi_reference.json").read_text())
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]


def test_json_loadings_equal_psych(capsys):
    ref = next(e for e in BFI_REF["efa"] if e["fm"] == "ml" and e["rotate"] == "promax")
    code = main(
        [
            "efa",
            str(FIXTURES / "bfi.csv"),
            "--items",
            ",".join(ITEMS),
            "--factors",
            "5",
            "--method",
            "ml",
            "--rotation",
            "promax",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 2436 and out["factors"] == ["ML2", "ML1", "ML3", "ML5", "ML4"]
    got = np.array([[out["loadings"][item][f] for f in out["factors"]] for item in ITEMS])
    expected = np.array([[col[item] for col in ref["loadings"]] for item in ITEMS])
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert len(out["phi"]) == 5 and out["heywood"] == []
    assert out["variance"][0]["factor"] == "ML2"


def test_table_output_with_missing_codes(tmp_path, capsys):
    rng = np.random.default_rng(2)
    f = rng.normal(size=(400, 2))
    lam = np.array([[0.8, 0], [0.7, 0], [0.6, 0], [0, 0.8], [0, 0.7], [0, 0.6]])
    x = np.clip(np.round(3.5 + 1.2 * (f @ lam.T + rng.normal(size=(400, 6)) * 0.6)), 1, 6)
    data = pd.DataFrame(x.astype(int), columns=[f"q{i}" for i in range(1, 7)])
    data.iloc[:5, 0] = -99
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    code = main(
        [
            "efa",
            str(path),
            "--items",
            "q1,q2,q3,q4,q5,q6",
            "--factors",
            "2",
            "--rotation",
            "varimax",
            "--missing-values",
            "-99",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    # the command reads through crm_research.read_responses (declared codes become NaN,
    # screening may exclude respondents) and prints the library's result, rounded
    from crm_research import read_responses

    cols = [f"q{i}" for i in range(1, 7)]
    items = read_responses(path, missing_values=[-99]).items[cols]
    assert items["q1"].min() >= 1 and items["q1"].isna().sum() >= 5
    expected = factor.efa(items, 2, rotation="varimax")
    assert f"n = {expected.n_obs}" in text and "ss_loadings" in text and "communality" in text
    first = next(line for line in text.splitlines() if line.startswith("q1 "))
    assert [float(v) for v in first.split()[1:3]] == list(expected.loadings.loc["q1"].round(3))


def test_unknown_column_is_one_sentence(capsys):
    code = main(["efa", str(FIXTURES / "bfi.csv"), "--items", "A1,A2,NOPE", "--factors", "1"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "'NOPE' is not in the file" in err and err.count("\n") == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--items", "A1", "--factors", "1"], "at least two item columns"),
        (["--items", "A1,A2,A1", "--factors", "1"], "listed twice"),
        (["--items", "A1,A2,A3", "--factors", "3"], "smaller than the number of items"),
    ],
)
def test_bad_arguments_exit_2(capsys, argv, message):
    assert main(["efa", str(FIXTURES / "bfi.csv"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_constant_column_exit_2(tmp_path, capsys):
    path = tmp_path / "flat.csv"
    pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [2, 3, 3, 5, 4, 1], "c": [3] * 6}).to_csv(
        path, index=False
    )
    assert main(["efa", str(path), "--items", "a,b,c", "--factors", "1"]) == 2
    assert "'c' has zero variance" in capsys.readouterr().err


def test_undeclared_code_is_noted_and_blank_column_named(tmp_path, capsys):
    rng = np.random.default_rng(5)
    f = rng.normal(size=(150, 1))
    x = np.clip(np.round(3.5 + 1.2 * (0.8 * f + 0.6 * rng.normal(size=(150, 4)))), 1, 6)
    data = pd.DataFrame(x.astype(int), columns=["q1", "q2", "q3", "q4"])
    data.iloc[:4, 2] = -99
    data["empty"] = np.nan
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    assert main(["efa", str(path), "--items", "q1,q2,q3,q4", "--factors", "1"]) == 0
    out = capsys.readouterr()
    assert "note:" in out.err and "q3 (-99)" in out.err and "--missing-values -99" in out.err
    from crm_research import read_responses

    items = read_responses(path, missing_values=[-99]).items[["q1", "q2", "q3", "q4"]]
    expected = factor.efa(items, 1)
    assert f"n = {expected.n_obs}" in out.out
    assert main(["efa", str(path), "--items", "q1,q2,empty", "--factors", "1"]) == 2
    err = capsys.readouterr().err
    assert "'empty' has no answers (every cell is blank)" in err and "Traceback" not in err
