"""`crm-research validate` and `crm-research score` on customer-survey-shaped files.

Error paths run in a subprocess (the real console experience: exit 2, one line on stderr,
no traceback); the rest through ``crm_research.cli.main``.  Expected problems are the
cells the tests planted; expected scores are computed here by hand from the planted data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crm_research.cli import main
from crm_research.instrument import SURVEYS_DIR, load_instrument
from crm_research.readers import read_responses

INSTRUMENT = "d_company_customer"


@pytest.fixture(scope="module")
def inst():
    return load_instrument(INSTRUMENT)


def customers(inst, n: int = 24, seed: int = 11) -> pd.DataFrame:
    """Customer-survey-shaped data with varied (not straight-lined) answers."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(1, n + 1)],
            "customer_type": rng.choice(["工程客户", "终端用户"], n),
            "sector": rng.choice(["学校", "培训机构", "医院"], n),
            "city": rng.choice(["石家庄", "保定", "唐山"], n),
            "years_cooperation": rng.integers(1, 8, n),
            "submitted_at": [f"2019-06-{d:02d} 09:00:00" for d in rng.integers(1, 29, n)],
            "duration_seconds": rng.integers(240, 420, n),
            "contact_name": ["张先生"] * n,
            "phone": ["13900000000"] * n,
        }
    )
    for it in inst.items:
        df[it.id] = rng.integers(it.response_scale.min, it.response_scale.max + 1, n)
    return df.astype(object)


def planted(inst) -> pd.DataFrame:
    df = customers(inst)
    df.loc[2, "idn1"] = 9  # spreadsheet row 4
    df.loc[5, "sat2"] = "abc"  # row 7
    df.loc[8, "loy3"] = -99  # row 10 (declared in the shipped instrument)
    df.loc[len(df)] = df.loc[3]  # row 26 duplicates row 5
    return df


def snapshot(path: Path):
    return path.read_bytes(), os.stat(path).st_mtime_ns


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm_research", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def assert_one_sentence(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("crm-research: ") and lines[0].endswith(".")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# --------------------------------------------------------------------------------------
# exit 0: readable, problems listed
# --------------------------------------------------------------------------------------


def test_planted_problems_are_listed_as_json(tmp_path, inst, capsys):
    path = tmp_path / "customers.csv"
    planted(inst).to_csv(path, index=False)
    before = snapshot(path)
    code, out, err = run_cli(["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys)
    assert code == 0 and err == ""
    doc = json.loads(out)
    cells = {(p["row"], p["column"], p["rule"], p["value"]) for p in doc["problems"]}
    assert (4, "idn1", "out_of_range", "9") in cells
    assert (7, "sat2", "non_numeric", "abc") in cells
    assert (10, "loy3", "declared_missing", "-99") in cells
    assert (26, "customer_id", "duplicate_respondent", "C004") in cells
    assert {(None, "contact_name", "pii", ""), (None, "phone", "pii", "")} <= cells
    assert len(doc["problems"]) == 6
    assert doc["summary"] == {
        "pii": 2,
        "non_numeric": 1,
        "out_of_range": 1,
        "declared_missing": 1,
        "duplicate_respondent": 1,
    }
    assert doc["rows_read"] == 25 and doc["rows_kept"] == 24
    assert all(set(p) == {"row", "column", "rule", "value", "action"} for p in doc["problems"])
    assert "张先生" not in out and "13900000000" not in out
    assert snapshot(path) == before


def test_undeclared_minus_99(tmp_path, inst, capsys):
    spec = yaml.safe_load((SURVEYS_DIR / f"{INSTRUMENT}.yaml").read_text(encoding="utf-8"))
    spec["missing_codes"] = []
    ypath = tmp_path / "no_codes.yaml"
    ypath.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "customers.csv"
    planted(inst).to_csv(path, index=False)
    code, out, _ = run_cli(["validate", str(path), "--instrument", str(ypath), "--json"], capsys)
    assert code == 0
    rows = [p for p in json.loads(out)["problems"] if p["column"] == "loy3"]
    assert rows == [
        {
            "row": 10,
            "column": "loy3",
            "rule": "undeclared_code",
            "value": "-99",
            "action": "set to missing",
        }
    ]
    # ... and declared on the command line it is treated as missing
    code, out, _ = run_cli(
        [
            "validate",
            str(path),
            "--instrument",
            str(ypath),
            "--missing-values",
            "-99,999",
            "--json",
        ],
        capsys,
    )
    rows = [p for p in json.loads(out)["problems"] if p["column"] == "loy3"]
    assert code == 0 and rows[0]["rule"] == "declared_missing"


def test_table_output_lists_the_cells(tmp_path, inst, capsys):
    path = tmp_path / "customers.csv"
    planted(inst).to_csv(path, index=False)
    code, out, _ = run_cli(["validate", str(path), "--instrument", INSTRUMENT], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "25 rows read, 24 kept, 28 items, 6 problems" in lines[0]
    header = lines[1].split()
    assert header == ["row", "column", "rule", "value", "action"]
    assert any(ln.split()[:4] == ["4", "idn1", "out_of_range", "9"] for ln in lines)
    assert any(ln.split()[:4] == ["7", "sat2", "non_numeric", "abc"] for ln in lines)


def test_clean_file_reports_no_problems(tmp_path, inst, capsys):
    path = tmp_path / "clean.csv"
    customers(inst).drop(columns=["contact_name", "phone"]).to_csv(path, index=False)
    code, out, _ = run_cli(["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys)
    assert code == 0 and json.loads(out)["problems"] == [] and json.loads(out)["summary"] == {}


@pytest.mark.parametrize(
    "writer",
    [
        lambda df, p: df.to_csv(p, index=False, encoding="utf-8-sig"),
        lambda df, p: df.to_csv(p, index=False, encoding="gbk"),
        lambda df, p: df.to_excel(p, index=False),
        lambda df, p: df.to_csv(p, index=False, sep=";"),
    ],
    ids=["bom", "gbk", "xlsx", "semicolon"],
)
def test_same_data_in_other_encodings_and_formats_reads_identically(tmp_path, inst, capsys, writer):
    df = planted(inst)
    ref = tmp_path / "ref.csv"
    df.to_csv(ref, index=False)
    other = tmp_path / ("other.xlsx" if "to_excel" in writer.__code__.co_names else "other.csv")
    writer(df, other)
    before = snapshot(other)
    docs = []
    for path in (ref, other):
        code, out, _ = run_cli(
            ["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys
        )
        assert code == 0
        docs.append(json.loads(out))
    assert docs[0]["problems"] == docs[1]["problems"]
    from crm_research.readers import read_responses

    a, b = read_responses(ref, inst), read_responses(other, inst)
    pd.testing.assert_frame_equal(a.items, b.items)
    pd.testing.assert_frame_equal(a.meta, b.meta)
    assert snapshot(other) == before


# --------------------------------------------------------------------------------------
# exit 2: unusable input, one sentence
# --------------------------------------------------------------------------------------


def test_missing_item_column(tmp_path, inst):
    path = tmp_path / "customers.csv"
    customers(inst).drop(columns=["dif3", "nps"]).to_csv(path, index=False)
    before = snapshot(path)
    res = run_subprocess(["validate", str(path), "--instrument", INSTRUMENT])
    assert res.returncode == 2 and res.stdout == ""
    assert_one_sentence(res.stderr, "customers.csv", "absent", "dif3, nps")
    assert snapshot(path) == before


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "is empty"),
        (
            "random.csv",
            bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)),
            "not a table",
        ),
        (
            "random.xlsx",
            bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)),
            "not a readable",
        ),
        ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 200, "not a readable Excel"),
        ("random.sav", b"$FL2" + bytes(range(256)) * 4, "not a readable SPSS"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel .xls"),
        ("header_only.csv", b"idn1,idn2\n", "no data rows"),
    ],
)
def test_unusable_files_exit_2_with_one_sentence(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(path)
    res = run_subprocess(["validate", str(path), "--instrument", INSTRUMENT])
    assert res.returncode == 2, res.stderr
    assert res.stdout == ""
    assert_one_sentence(res.stderr, name)
    assert needle in res.stderr
    assert snapshot(path) == before


def test_missing_path_and_directory(tmp_path):
    res = run_subprocess(["validate", str(tmp_path / "nope.csv"), "--instrument", INSTRUMENT])
    assert res.returncode == 2
    assert_one_sentence(res.stderr, "nope.csv", "no such file")
    res = run_subprocess(["validate", str(tmp_path), "--instrument", INSTRUMENT])
    assert res.returncode == 2
    assert_one_sentence(res.stderr, "is a directory")


def test_bad_options_exit_2(tmp_path, inst, capsys):
    path = tmp_path / "c.csv"
    customers(inst).to_csv(path, index=False)
    code, _, err = run_cli(["validate", str(path), "--instrument", "no_such_survey"], capsys)
    assert code == 2
    assert_one_sentence(err, "no_such_survey")
    code, _, err = run_cli(
        ["validate", str(path), "--instrument", INSTRUMENT, "--missing-values", "-99,x"], capsys
    )
    assert code == 2
    assert_one_sentence(err, "'x' is not a number")
    code, _, err = run_cli(
        ["validate", str(path), "--instrument", INSTRUMENT, "--encoding", "nope"], capsys
    )
    assert code == 2
    assert_one_sentence(err, "unknown text encoding")


def test_duplicated_item_column_with_different_answers(tmp_path, inst, capsys):
    df = customers(inst)
    dup = pd.concat([df, df[["int2"]].rename(columns={"int2": "int2"}) * 0 + 1], axis=1)
    path = tmp_path / "dup.csv"
    dup.to_csv(path, index=False)
    code, _, err = run_cli(["validate", str(path), "--instrument", INSTRUMENT], capsys)
    assert code == 2
    assert_one_sentence(err, "dup.csv", "'int2' appears twice")


# --------------------------------------------------------------------------------------
# odd shapes that still read
# --------------------------------------------------------------------------------------


def test_trailing_empty_rows_and_title_row(tmp_path, inst, capsys):
    df = customers(inst)
    path = tmp_path / "odd.csv"
    text = "D公司客户调查数据（2019）\n" + df.to_csv(index=False) + ",,,\n\n,,,,,\n"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run_cli(["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["rows_read"] == 24 and doc["rows_kept"] == 24
    assert [p["rule"] for p in doc["problems"]] == ["pii", "pii"]


def test_excel_with_dates_and_merged_title(tmp_path, inst, capsys):
    import datetime as dt

    from openpyxl import Workbook

    df = customers(inst)
    wb = Workbook()
    ws = wb.active
    ws.append(["D公司客户调查"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=df.shape[1])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        vals = list(row)
        vals[5] = dt.datetime.fromisoformat(vals[5])  # a real date cell
        ws.append(vals)
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    code, out, _ = run_cli(["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys)
    assert code == 0 and json.loads(out)["rows_kept"] == 24


# --------------------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------------------


def test_score_writes_scale_means_by_row(tmp_path, inst, capsys):
    df = planted(inst)
    path = tmp_path / "customers.csv"
    df.to_csv(path, index=False)
    out_csv = tmp_path / "out" / "scores.csv"
    before = snapshot(path)
    code, out, err = run_cli(
        ["score", str(path), "--instrument", INSTRUMENT, "--out", str(out_csv)], capsys
    )
    assert code == 0, err
    assert snapshot(path) == before
    got = pd.read_csv(out_csv, index_col="row")
    # by hand: planted cells become missing, the duplicate (row 26) is dropped,
    # loy4 is reverse keyed as 6 - x, a scale mean needs at least half of its items
    x = df.drop(index=len(df) - 1).copy()
    x.index = range(2, 2 + len(x))
    x.loc[4, "idn1"] = np.nan
    x.loc[7, "sat2"] = np.nan
    x.loc[10, "loy3"] = np.nan
    x = x[inst.item_ids].astype(float)
    x["loy4"] = 6 - x["loy4"]
    assert list(got.index) == list(x.index)
    for sc in inst.scales:
        block = x[list(sc.items)]
        want = block.mean(axis=1).where(block.notna().sum(axis=1) >= np.ceil(len(sc.items) / 2))
        np.testing.assert_allclose(got[sc.id].to_numpy(), want.to_numpy(), rtol=0, atol=1e-12)
    assert got.loc[4, "identification"] == pytest.approx(
        x.loc[4, ["idn2", "idn3", "idn4"]].mean(), abs=1e-12
    )


def test_score_refuses_to_overwrite_the_input(tmp_path, inst, capsys):
    path = tmp_path / "customers.csv"
    customers(inst).to_csv(path, index=False)
    before = snapshot(path)
    code, _, err = run_cli(
        ["score", str(path), "--instrument", INSTRUMENT, "--out", str(path)], capsys
    )
    assert code == 2 and snapshot(path) == before
    assert_one_sentence(err, "never overwritten")
    code, _, err = run_cli(["score", str(tmp_path / "none.csv"), "--instrument", INSTRUMENT,
                            "--out", str(tmp_path / "s.csv")], capsys)  # fmt: skip
    assert code == 2
    assert_one_sentence(err, "no such file")


def test_personal_data_typed_into_cells_is_located_but_not_repeated(tmp_path, inst, capsys):
    """An e-mail in an item, a phone number as a city: the cell is listed, its text is not."""
    df = customers(inst)
    df.loc[1, "sat1"] = "li.na@example.cn"  # spreadsheet row 3
    df.loc[4, "city"] = "138-1234-5678"  # row 6
    df.loc[6, "idn2"] = "110105199003071234"  # row 8: an ID-card number
    path = tmp_path / "customers.csv"
    df.to_csv(path, index=False)
    before = snapshot(path)
    code, out, err = run_cli(["validate", str(path), "--instrument", INSTRUMENT, "--json"], capsys)
    assert code == 0 and err == ""
    cells = {
        (p["row"], p["column"], p["rule"], p["value"], p["action"])
        for p in json.loads(out)["problems"]
    }
    shown = "(personal data, not shown)"
    assert (3, "sat1", "non_numeric", shown, "set to missing") in cells
    assert (6, "city", "unknown_level", shown, "set to missing (looks like personal data)") in cells
    assert (8, "idn2", "out_of_range", shown, "set to missing") in cells
    for planted_text in ("li.na@example.cn", "138-1234-5678", "110105199003071234"):
        assert planted_text not in out
    resp = read_responses(path, instrument=inst)
    assert pd.isna(resp.meta.loc[6, "city"]) and pd.isna(resp.items.loc[3, "sat1"])
    assert snapshot(path) == before
