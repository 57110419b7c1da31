"""Tests of ``crm-research reliability``: survey-like CSV files (a 1-10 and a 1-6 scale, -99
missing codes, a reverse-worded item, a text column) checked against hand computations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research.cli import main


def hand_alpha(x: np.ndarray) -> float:
    c = np.cov(x, rowvar=False)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(2025)
    n = 240
    f = rng.normal(size=n)
    sat = np.clip(np.round(5.5 + 2.2 * (0.8 * f[:, None] + 0.6 * rng.normal(size=(n, 5)))), 1, 10)
    sat[:, 4] = 11 - sat[:, 4]  # reverse-worded item
    sat[0, :] = [1, 1, 1, 1, 10]  # make sure the whole 1..10 range is observed
    sat[1, :] = [10, 10, 10, 10, 1]
    weak = rng.integers(1, 7, size=(n, 3)).astype(float)  # unrelated 1-6 answers
    frame = pd.DataFrame(sat, columns=[f"sat{i}" for i in range(1, 6)])
    frame[["w1", "w2", "w3"]] = weak
    frame.iloc[::19, 1] = -99
    frame.iloc[5::23, 6] = -99
    frame.insert(0, "id", np.arange(1, n + 1))
    frame["region"] = rng.choice(["north", "south"], size=n)
    path = tmp_path_factory.mktemp("cli") / "survey.csv"
    frame.astype({c: "Int64" for c in frame.columns if c != "region"}).to_csv(path, index=False)
    return path


def clean(path: Path) -> pd.DataFrame:
    data = pd.read_csv(path).replace(-99, np.nan)
    data["sat5"] = 11 - data["sat5"]
    return data


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_records_match_hand_computation(
    survey: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "reliability",
        str(survey),
        "--scale",
        "satisfaction=sat1,sat2,sat3,sat4,sat5",
        "--scale",
        "weak=w1,w2,w3",
        "--reverse",
        "sat5",
        "--missing-values",
        "-99",
        "--json",
    )
    assert code == 0
    records = {r["scale"]: r for r in json.loads(out)}
    assert set(records["weak"]) == {
        "scale",
        "k",
        "n",
        "alpha",
        "ci_low",
        "ci_high",
        "omega",
        "flag",
    }
    data = clean(survey)
    for name, cols in {
        "satisfaction": [f"sat{i}" for i in range(1, 6)],
        "weak": ["w1", "w2", "w3"],
    }.items():
        complete_rows = data[cols].dropna().to_numpy()
        rec = records[name]
        assert rec["k"] == len(cols) and rec["n"] == len(complete_rows)
        assert rec["alpha"] == pytest.approx(hand_alpha(complete_rows), abs=1e-12)
        assert rec["ci_low"] < rec["alpha"] < rec["ci_high"]
    # the -99 codes were removed, not averaged in
    assert records["satisfaction"]["n"] == 240 - len(range(0, 240, 19))
    # a sound scale is not flagged, an unrelated one is
    assert records["satisfaction"]["flag"] in ("good", "excellent")
    assert records["weak"]["flag"] == "unacceptable"


def test_text_table_and_reverse_option(survey: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reliability", str(survey), "--scale", "s=sat1,sat2,sat3,sat4,sat5")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["scale", "k", "n", "alpha", "ci_low", "ci_high", "omega", "flag"]
    unreversed = float(lines[1].split()[3])
    code, out, _ = run(
        capsys,
        "reliability",
        str(survey),
        "--scale",
        "s=sat1,sat2,sat3,sat4,sat5",
        "--reverse",
        "sat5",
    )
    reversed_alpha = float(out.strip().splitlines()[1].split()[3])
    assert reversed_alpha > unreversed + 0.2  # keying the reverse-worded item raises alpha
    data = clean(survey)[[f"sat{i}" for i in range(1, 6)]].dropna().to_numpy()
    assert reversed_alpha == pytest.approx(hand_alpha(data), abs=5e-4)  # printed to 3 decimals


def test_two_item_scale_prints_na_omega(survey: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reliability", str(survey), "--scale", "pair=sat1,sat2", "--json")
    assert code == 0
    (record,) = json.loads(out)
    assert record["omega"] is None and record["k"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scale", "s=sat1,nope,also_missing"], "nope, also_missing"),
        (["--scale", "s=sat1,region"], "region"),
        (["--scale", "s"], "NAME=item1"),
        (["--scale", "s=sat1"], "at least two"),
        ([], "--scale"),
        (["--scale", "s=sat1,sat2", "--reverse", "ghost"], "ghost"),
    ],
)
def test_input_errors_exit_2_with_one_sentence(
    survey: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "reliability", str(survey), *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "reliability", str(tmp_path / "absent.csv"), "--scale", "s=a,b")
    assert code == 2 and "absent.csv" in err


def test_instrument_supplies_scales_and_reverse_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_research.instrument import load_instrument

    inst = load_instrument("d_company_customer")
    multi = {s.id: list(s.items) for s in inst.scales if len(s.items) >= 2}
    rng = np.random.default_rng(6)
    f = rng.normal(size=(300, 1))
    data = pd.DataFrame(
        {
            item.id: np.clip(np.round(3 + f[:, 0] + rng.normal(size=300)), 1, 5)
            for item in inst.items
        }
    )
    reversed_ids = [i.id for i in inst.items if i.reverse]
    for item_id in reversed_ids:  # answers to reverse-worded items run the other way
        data[item_id] = 6 - data[item_id]
    path = tmp_path / "customers.csv"
    data.astype(int).to_csv(path, index=False)
    code, out, _ = run(
        capsys, "reliability", str(path), "--instrument", "d_company_customer", "--json"
    )
    assert code == 0
    records = {r["scale"]: r for r in json.loads(out)}
    assert list(records) == list(multi)
    for name, items in multi.items():
        keyed = data[items].copy()
        for item_id in set(items) & set(reversed_ids):
            keyed[item_id] = 6 - keyed[item_id]
        assert records[name]["alpha"] == pytest.approx(
            hand_alpha(keyed.to_numpy(dtype=float)), abs=1e-12
        )
        assert records[name]["flag"] in ("acceptable", "good", "excellent")


# --- the R-referenced simulated survey (tests/reference/likert_audit_reference.R) -------------
LIKERT = Path(__file__).parent / "fixtures" / "likert_missing_codes.csv"
LIKERT_REF = json.loads((LIKERT.parent / "likert_audit_reference.json").read_text())
LIKERT_ARGS = (
    "--scale", "A=A1,A2,A3,A4,A5,A6", "--scale", "B=B1,B2,B3,B4,B5",
    "--scale", "C=C1,C2,C3,C4,C5,C6,C7", "--reverse", "B5", "--json",
)  # fmt: skip


@pytest.mark.parametrize("declared", [True, False])
def test_likert_file_with_minus_99_matches_psych(
    capsys: pytest.CaptureFixture[str], declared: bool
) -> None:
    """-99 declared or not: never used as a number (alpha equals psych's on the data with
    -99 set to NA); undeclared, a note on stderr says which columns held it."""
    extra = ("--missing-values", "-99") if declared else ()
    code, out, err = run(capsys, "reliability", str(LIKERT), *LIKERT_ARGS, *extra)
    assert code == 0
    records = {r["scale"]: r for r in json.loads(out)}
    for scale in "ABC":
        ref = LIKERT_REF[scale]["listwise"]
        rec = records[scale]
        assert rec["n"] == LIKERT_REF[scale]["n_listwise"]
        assert rec["alpha"] == pytest.approx(ref["alpha"], abs=1e-9)
        assert (rec["ci_low"], rec["ci_high"]) == pytest.approx(
            (ref["feldt_lower"], ref["feldt_upper"]), abs=1e-9
        )
        assert rec["omega"] == pytest.approx(ref["omega_ml"], abs=1e-5)
    if declared:
        assert "-99" not in err
    else:
        assert "note:" in err and "(-99)" in err and "--missing-values -99" in err
        assert "treated as missing" in err
    # the three rows with no answer are left out by the reader (and said so)
    assert "3 respondent(s) were excluded" in err and "--max-missing" in err


def test_blank_column_is_named_as_blank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "blank.csv"
    pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 5], "c": [None] * 4}).to_csv(path, index=False)
    code, out, err = run(capsys, "reliability", str(path), "--scale", "s=a,b,c")
    assert code == 2 and out == ""
    assert "c have no answers (every cell is blank)" in err
    assert "Traceback" not in err
