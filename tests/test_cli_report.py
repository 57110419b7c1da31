"""``crm-research report``: outputs, determinism, evidence found in tables/*.csv, exit codes."""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import assert_evidence_in_tables, subset_instrument

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
    assert json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert assert_evidence_in_tables(out) > 50


def test_every_number_in_the_sentences_rounds_from_a_table_cell(report_dirs):
    # a decimal quoted in a problem statement is the half-up rounding of an evidence cell as
    # written in tables/ (what a reader of the CSV gets; docs/methods.md: half away from zero)
    # and also Python's round() of it -- except on an exact tie of the written value (gap
    # 1.505000 is quoted 1.51), where round() of the binary float (1.50499...) gives 1.5
    import re
    from decimal import ROUND_HALF_UP, Decimal

    out, _ = report_dirs
    number = re.compile(r"(?<![\w.§])-?\d+\.\d+(?![\d.])")
    checked = 0
    for rec in json.loads((out / "findings.json").read_text(encoding="utf-8")):
        cells = []
        for ref in rec["evidence_refs"].values():
            table = pd.read_csv(out / "tables" / f"{ref['table']}.csv", dtype=str)
            mask = np.ones(len(table), dtype=bool)
            for key, wanted in ref["row"].items():
                mask &= (table[key].fillna("") == wanted).to_numpy()
            cell = table.loc[mask, ref["column"]].iloc[0]
            if re.fullmatch(r"-?\d+(\.\d+)?", str(cell)):
                cells += [Decimal(cell), Decimal(cell) * 100]
        for lang in ("en", "zh"):
            for match in number.finditer(rec["problem"][lang]):
                text = match.group(0)
                if text in ("0.70", "0.5"):  # the cited thresholds alpha .70, medium d_z .5
                    continue
                digits = len(text.split(".")[1])
                half_up = {c.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP) for c in cells}
                step = Decimal(1).scaleb(-digits)
                py_round = {
                    round(float(c), digits)
                    if abs(c - c.quantize(step, ROUND_HALF_UP)) * 2 != step
                    else float(c.quantize(step, ROUND_HALF_UP))
                    for c in cells
                }
                assert Decimal(text) in half_up, (rec["id"], lang, text)
                assert float(text) in py_round, (rec["id"], lang, text)
                checked += 1
    assert checked > 100


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

    # --out is optional on the command line (a study file names its output folder), so a
    # missing one is an input error: one sentence naming the option, exit 2
    assert main(["report", "--customers", "x.csv"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err and err.count("\n") == 1

    with pytest.raises(SystemExit) as exc:  # an unknown option value: argparse's usage error
        main(["report", "--customers", "x.csv", "--out", str(tmp_path / "o4"), "--lang", "fr"])
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


def test_report_on_a_consultants_own_data(tmp_path, capsys):
    # 40 customers with numeric ids and three of the seven customer scales, spread evenly over
    # three cities; six employees with two scales; a ledger with a refund row, customers the
    # survey lacks and a survey customer the ledger lacks
    rng = np.random.default_rng(3)
    n = 40
    items = [f"idn{k}" for k in range(1, 5)] + ["sat1", "sat2", "sat3"]
    items += [f"loy{k}" for k in range(1, 5)]
    customers = pd.DataFrame(
        {
            "customer_id": range(1, n + 1),
            "customer_type": rng.choice(["engineering", "end_user"], n),
            "sector": rng.choice(["school", "hospital"], n),
            "city": ["shijiazhuang", "baoding", "tangshan", "handan"] * 10,
            "service_tier": rng.choice(["key", "regular"], n),
        }
    ).join(pd.DataFrame(rng.integers(1, 6, (n, len(items))), columns=items))
    employees = pd.DataFrame(
        {
            "employee_id": [f"E{k}" for k in range(6)],
            "role": [
                "general_manager",
                "sales_rep",
                "sales_rep",
                "sales_rep",
                "sales_assistant",
                "sales_manager",
            ],
        }  # fmt: skip
    ).join(
        pd.DataFrame(
            rng.integers(1, 6, (6, 7)),
            columns=["e_int1", "e_int2", "e_int3", "crm1", "crm2", "crm3", "crm4"],
        )
    )
    rows = [
        (cid, "baoding", "engineering", "school", year, float(rng.integers(1, 100)) * 100)
        for cid in range(4, n + 6)
        for year in (2018, 2019)
    ]
    rows.append((5, "baoding", "engineering", "school", 2019, -300.0))  # a refund
    ledger = pd.DataFrame(rows, columns=["customer_id", "city", "customer_type", "sector",
                                         "year", "revenue"])  # fmt: skip
    for name, frame in (("c", customers), ("e", employees), ("l", ledger)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    out = tmp_path / "report"
    args = [
        "report", "--customers", str(tmp_path / "c.csv"), "--employees", str(tmp_path / "e.csv"),
        "--ledger", str(tmp_path / "l.csv"), "--out", str(out), "--no-html", "--lang", "en",
        "--customer-instrument",
        str(subset_instrument(tmp_path, "d_company_customer", {"identification", "satisfaction",
                                                               "loyalty"})),
        "--employee-instrument",
        str(subset_instrument(tmp_path, "d_company_employee", {"interaction", "crm_use"})),
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    for path in (out / "tables").glob("*.csv"):
        assert path.read_text(encoding="utf-8").strip(), path.name  # never an empty file
    records = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert_evidence_in_tables(out)
    found = {r["id"]: r for r in records}
    # four evenly filled cities: HHI 0.25 but no imbalance (Cohen's w = 0)
    assert found["classification.distribution_city"]["severity"] == "info"
    # the refund is netted: customer 5's total is its two years minus 300
    abc = pd.read_csv(out / "tables" / "abc.csv").set_index("customer_id")
    five = ledger[ledger["customer_id"] == 5]["revenue"].sum()
    assert abc.loc[5, "revenue"] == pytest.approx(five)
    assert len(abc) == 42  # ledger customers 4..45
    agreement = pd.read_csv(out / "tables" / "classification_agreement.csv").iloc[0]
    assert agreement["n"] == n - 3 and agreement["n_unmatched"] == 3 + 5
