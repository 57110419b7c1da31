"""``crm-research sem`` and ``crm-research invariance``: JSON equal to lavaan, tables,
one-sentence errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_research.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PD_REF = json.loads((FIXTURES / "political_democracy_sem_reference.json").read_text())
HS_INV = json.loads((FIXTURES / "holzinger_swineford_invariance_reference.json").read_text())


@pytest.fixture()
def pd_model(tmp_path) -> Path:
    path = tmp_path / "pd.lav"
    path.write_text(PD_REF["model"], encoding="utf-8")
    return path


@pytest.fixture()
def hs_model(tmp_path) -> Path:
    path = tmp_path / "hs.lav"
    path.write_text(HS_INV["model"], encoding="utf-8")
    return path


def test_sem_json_equals_lavaan(pd_model, capsys):
    code = main(
        ["sem", str(FIXTURES / "political_democracy.csv"), "--model", str(pd_model), "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 75 and out["se"] == "standard"
    assert out["fit"]["chisq"] == pytest.approx(PD_REF["fit"]["chisq"], rel=1e-6)
    assert out["fit"]["df"] == 35
    assert out["fit"]["rmsea_ci_lower"] == 0  # an exact 0 stays a number
    indirect = next(d for d in out["defined"] if d["name"] == "indirect")
    assert indirect["se"] == pytest.approx(PD_REF["indirect_effect"]["se_delta"], abs=1e-5)
    loading = next(p for p in out["parameters"] if p["lhs"] == "ind60" and p["rhs"] == "x1")
    assert loading["se"] is None and loading["est"] == 1  # fixed marker: no SE
    assert out["r2"]["dem65"] == pytest.approx(PD_REF["r2_latent"]["dem65"], abs=2e-5)


def test_sem_table_with_bootstrap(pd_model, capsys):
    args = ["sem", str(FIXTURES / "political_democracy.csv"), "--model", str(pd_model)]
    code = main([*args, "--bootstrap", "100", "--seed", "3"])
    assert code == 0
    text = capsys.readouterr().out
    assert "100 resamples" in text and "defined effects" in text and "indirect" in text
    assert main([*args, "--bootstrap", "100", "--seed", "3", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*args, "--bootstrap", "100", "--seed", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["defined"] == first["defined"]  # seeded


def test_invariance_json_and_table(hs_model, capsys):
    args = [
        "invariance",
        str(FIXTURES / "holzinger_swineford_1939.csv"),
        "--model",
        str(hs_model),
        "--group",
        "school",
    ]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["groups"] == ["Pasteur", "Grant-White"]
    for level, ref in HS_INV["models"].items():
        assert out["fits"][level]["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-6)
        assert out["fits"][level]["srmr"] == pytest.approx(ref["fit"]["srmr"], abs=1e-6)
    assert out["tests"]["scalar"]["holds"] is False
    assert out["verdict"]["level"] == "metric"
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "verdict: metric invariance holds" in text and "Chen 2007" in text
    assert main([*args, "--partial", "x3~1, x7~1", "--json"]) == 0
    partial = json.loads(capsys.readouterr().out)
    assert partial["fits"]["scalar"]["chisq"] == pytest.approx(
        HS_INV["partial_scalar"]["fit"]["chisq"], rel=1e-6
    )


@pytest.mark.parametrize(
    ("command", "model", "extra", "words"),
    [
        ("sem", "f =~ x1 + x2 + x3\nf => x9", [], ["line 2", "'=>'"]),
        ("sem", "f =~ x1 + x2 + nope", [], ["'nope'"]),
        ("sem", "f =~ x1 + x2\nx1 ~~ x2", [], ["not identified"]),
        ("sem", "f =~ x1 + x2 + x3", ["--bootstrap", "1"], ["--bootstrap"]),
        ("invariance", "f =~ x1 + x2 + x3", ["--group", "nogroup"], ["'nogroup'"]),
        ("invariance", "f =~ x1 + x2 + x3", ["--group", "sex"], []),  # fine: two groups
    ],
)
def test_errors_are_one_sentence_with_exit_2(tmp_path, capsys, command, model, extra, words):
    path = tmp_path / "m.lav"
    path.write_text(model, encoding="utf-8")
    code = main(
        [command, str(FIXTURES / "holzinger_swineford_1939.csv"), "--model", str(path), *extra]
    )
    captured = capsys.readouterr()
    if not words:
        assert code == 0
        return
    assert code == 2
    assert "Traceback" not in captured.err
    line = captured.err.strip()
    assert len(line.splitlines()) == 1 and all(w in line for w in words), line


def test_small_group_and_missing_model_file(tmp_path, capsys):
    import pandas as pd

    hs = pd.read_csv(FIXTURES / "holzinger_swineford_1939.csv")
    small = pd.concat([hs[hs["school"] == "Pasteur"], hs[hs["school"] == "Grant-White"].head(9)])
    data = tmp_path / "small.csv"
    small.to_csv(data, index=False)
    model = tmp_path / "hs.lav"
    model.write_text(HS_INV["model"], encoding="utf-8")
    code = main(["invariance", str(data), "--model", str(model), "--group", "school"])
    err = capsys.readouterr().err
    assert code == 2 and "'Grant-White'" in err and "9 complete row" in err
    code = main(["sem", str(data), "--model", str(tmp_path / "absent.lav")])
    assert code == 2 and "absent.lav is not a file" in capsys.readouterr().err
