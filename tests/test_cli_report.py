"""``crm-research report``: outputs, determinism, evidence found in tables/*.csv, exit codes."""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research.cases.d_company import simulate
from crm_research.cli import main


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("case")
    simulate(31, "thesis").write(out)
    return out


def _args(case: Path, out: Path, *extra: str) -> list[str]:
    return [
        "report",
        "--customers",
        str(case / "customers.csv"),
        "--employees",
        str(case / "employees.csv"),
        "--ledger",
        str(case / "ledger.csv"),
        "--scorecard",
        str(case / "scorecard.csv"),
        "--out",
        str(out),
        *extra,
    ]


def _tables_only(case: Path, out: Path, *extra: str) -> list[str]:
    """``report --no-html``: the tables and findings without the notebooks (fast)."""
    return _args(case, out, "--no-html", *extra)


@pytest.fixture(scope="module")
def report_dirs(case_dir, tmp_path_factory) -> tuple[Path, Path]:
    a = tmp_path_factory.mktemp("report_a")
    b = tmp_path_factory.mktemp("report_b")
    assert main(_tables_only(case_dir, a, "--lang", "en")) == 0
    assert main(_tables_only(case_dir, b, "--lang", "en")) == 0
    return a, b


def test_outputs_exist_and_abc_columns(report_dirs):
    out, _ = report_dirs
    assert (out / "findings.json").exists() and (out / "findings.md").exists()
    abc = pd.read_csv(out / "tables" / "abc.csv")
    assert list(abc.columns[:4]) == ["customer_id", "revenue", "cumulative_share", "abc_class"]
    assert (out / "findings.md").read_text(encoding="utf-8").startswith("# Findings")


def test_outputs_are_byte_identical(report_dirs):
    a, b = report_dirs
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_abc_classes_follow_the_rule(case_dir, report_dirs):
    out, _ = report_dirs
    ledger = pd.read_csv(case_dir / "ledger.csv")
    totals = ledger.groupby("customer_id")["revenue"].sum().reset_index()
    totals = totals.sort_values(["revenue", "customer_id"], ascending=[False, True])
    cum = totals["revenue"].cumsum() / totals["revenue"].sum()
    expected = dict(
        zip(
            totals["customer_id"],
            np.where(cum <= 0.70, "A", np.where(cum <= 0.90, "B", "C")),
            strict=True,
        )
    )
    abc = pd.read_csv(out / "tables" / "abc.csv")
    assert dict(zip(abc["customer_id"], abc["abc_class"], strict=True)) == expected
    # rows in the rule's order, cumulative share as written
    assert abc["customer_id"].tolist() == totals["customer_id"].tolist()
    assert np.allclose(abc["cumulative_share"], cum.to_numpy(), atol=1e-6)


def test_every_quoted_number_is_in_the_written_tables(report_dirs):
    out, _ = report_dirs
    records = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert records
    checked = 0
    for rec in records:
        assert set(rec["evidence"]) == set(rec["evidence_refs"])
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
    assert checked > 50


def test_thesis_case_report_flags_the_five_areas(report_dirs):
    out, _ = report_dirs
    records = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    serious = {r["area"] for r in records if r["severity"] in ("moderate", "major")}
    assert {"identification", "classification", "interaction", "customization", "crm_system"} <= (
        serious
    )


def test_chinese_markdown(case_dir, tmp_path):
    assert main(_tables_only(case_dir, tmp_path, "--lang", "zh")) == 0
    text = (tmp_path / "findings.md").read_text(encoding="utf-8")
    assert text.startswith("# 发现与建议") and "客户识别" in text


def test_bad_inputs_exit_2(case_dir, tmp_path, capsys):
    missing = _tables_only(case_dir, tmp_path / "o1")
    missing[missing.index("--ledger") + 1] = str(tmp_path / "nope.csv")
    assert main(missing) == 2
    assert "nope.csv" in capsys.readouterr().err

    ledger = pd.read_csv(case_dir / "ledger.csv").drop(columns="revenue")
    bad_ledger = tmp_path / "ledger.csv"
    ledger.to_csv(bad_ledger, index=False)
    args = _tables_only(case_dir, tmp_path / "o2")
    args[args.index("--ledger") + 1] = str(bad_ledger)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "revenue" in err and "Traceback" not in err

    args = _tables_only(case_dir, tmp_path / "o3")
    args[args.index("--customers") + 1] = str(tmp_path / "absent.csv")
    assert main(args) == 2
    assert "absent.csv" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exc:
        main(["report", "--customers", "x.csv"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_default_writes_the_html_report_with_the_same_findings(case_dir, tmp_path, capsys):
    # the default (no option) runs the notebooks: report.html, figures, manifest with sha256
    out = tmp_path / "client"
    assert main(_args(case_dir, out, "--lang", "en")) == 0
    assert "report.html" in capsys.readouterr().out
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<img" in page and "def " not in page
    assert len(list((out / "figures").glob("*.png"))) >= 5
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["inputs"]["ledger"]["sha256"]
        == hashlib.sha256((case_dir / "ledger.csv").read_bytes()).hexdigest()
    )
    # the same findings as the tables-only run of the same inputs
    fast = tmp_path / "fast"
    assert main(_tables_only(case_dir, fast, "--lang", "en")) == 0
    ids = [f["id"] for f in json.loads((out / "findings.json").read_text(encoding="utf-8"))]
    fast_ids = [f["id"] for f in json.loads((fast / "findings.json").read_text(encoding="utf-8"))]
    assert ids == fast_ids and ids
    text = html.unescape(page)
    for f in json.loads((out / "findings.json").read_text(encoding="utf-8")):
        # each problem's headline (the full text with readable ids: test_notebooks)
        headline = f["problem"]["en"].split(":")[0].replace("_", " ")
        assert headline.casefold() in text.casefold()
