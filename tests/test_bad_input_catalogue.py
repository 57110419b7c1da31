"""One test per case of ``docs/bad-input.md``, asserting what the user sees.

The cases are mirrored here in tables keyed by the first cell of each row of the page;
:func:`test_every_row_of_the_page_has_a_test` parses the page and fails when a row has no
test (or a test no row).  Exit-2 cases check the exit status, one line on stderr naming
the file (or option) and the cause, nothing on stdout and the input left byte for byte as
it was; exit-0 cases check the problem row (row, column, rule, value, action) that
``validate --json`` lists for the planted cell.  Commands run in-process through
:func:`crm_research.cli.main` (subprocess behaviour is covered in test_fuzz_readers.py).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from crm_research.cases.d_company import simulate
from crm_research.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "bad-input.md"
INSTRUMENT = "d_company_customer"
SECTIONS = {
    "Exit 2: unusable input": "exit2",
    "Output folders": "out",
    "Exit 0: problems listed": "rules",
    "Odd shapes that still read": "shapes",
}


def doc_rows() -> dict[str, list[str]]:
    """Section -> first cells of its table rows (a repeated first cell gets ' #2')."""
    rows: dict[str, list[str]] = {v: [] for v in SECTIONS.values()}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = next((v for k, v in SECTIONS.items() if line[3:].startswith(k)), None)
            continue
        if section is None or not line.startswith("| ") or line.startswith("|---"):
            continue
        first = line[2:].split(" | ", 1)[0].strip()
        if first in ("input", "case", "rule", "shape"):  # the header row
            continue
        key = first if first not in rows[section] else f"{first} #2"
        rows[section].append(key)
    return rows


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_customers() -> pd.DataFrame:
    """30 clean simulated customers (validate finds no problem in them)."""
    return simulate(1, n_customers=30).customers.astype(object)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_exit2(capsys, args: list, expected: str, unchanged: Path | None = None) -> str:
    before = unchanged.read_bytes() if unchanged is not None and unchanged.is_file() else None
    code, out, err = run(capsys, *args)
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("crm-research: ") and lines[0].endswith("."), lines[0]
    assert "Traceback" not in err
    assert re.search(expected, lines[0]), (expected, lines[0])
    if before is not None:
        assert unchanged.read_bytes() == before
    return lines[0]


def validate_json(capsys, path: Path, *extra: str) -> dict:
    before = path.read_bytes()
    code, out, err = run(capsys, "validate", path, "--instrument", INSTRUMENT, "--json", *extra)
    assert code == 0, err
    assert path.read_bytes() == before
    return json.loads(out)


def problem(doc: dict, rule: str) -> list[dict]:
    return [p for p in doc["problems"] if p["rule"] == rule]


# --------------------------------------------------------------------------------------
# Exit 2
# --------------------------------------------------------------------------------------


def _customers_file(tmp_path: Path, frame: pd.DataFrame, name: str = "c.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def case_missing_path(tmp_path, capsys, base):
    path = tmp_path / "nope.csv"
    assert_exit2(capsys, ["validate", path], rf"{re.escape(str(path))}: no such file\.")
    assert not path.exists()


def case_directory(tmp_path, capsys, base):
    assert_exit2(capsys, ["validate", tmp_path], "is a directory, not a data file")


def case_empty(tmp_path, capsys, base):
    for name, data in (("empty.csv", b""), ("blank.csv", b"  \n\t\n")):
        path = tmp_path / name
        path.write_bytes(data)
        assert_exit2(capsys, ["validate", path], r"is empty \(no header and no data\)", path)


def case_random_bytes(tmp_path, capsys, base):
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(range(256)) * 8)
    assert_exit2(capsys, ["validate", path], r"random\.bin: is not a table \(", path)


def case_one_column(tmp_path, capsys, base):
    path = tmp_path / "notes.txt"
    path.write_text("客户说明\n这里没有表格\n只有文字\n", encoding="utf-8")
    assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                 r"is not a table \(no columns separated by commas", path)  # fmt: skip


def case_header_only(tmp_path, capsys, base):
    path = tmp_path / "header_only.csv"
    path.write_text(",".join(base.columns) + "\n", encoding="utf-8")
    assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                 "has a header but no data rows", path)  # fmt: skip


def case_required_absent(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base.drop(columns=["dif3", "nps"]), "customers.csv")
    assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                 r"required item columns are absent \(2 of 28\): dif3, nps\.", path)  # fmt: skip


def case_item_twice(tmp_path, capsys, base):
    frame = base.copy()
    frame.insert(len(frame.columns), "int2_copy", 6 - frame["int2"].astype(int))
    path = tmp_path / "dup.csv"
    frame.rename(columns={"int2_copy": "int2"}).to_csv(path, index=False)
    assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                 r"item column 'int2' appears twice \(columns \w+ and \w+\) with different answers",
                 path)  # fmt: skip


def case_xls(tmp_path, capsys, base):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert_exit2(
        capsys, ["validate", path], r"is an old Excel \.xls workbook; save it as \.xlsx", path
    )


def case_xlsx_not_workbook(tmp_path, capsys, base):
    path = tmp_path / "bad.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())
    assert_exit2(capsys, ["validate", path],
                 r"bad\.xlsx: is not a readable Excel workbook \(a zip archive without a "
                 r"workbook inside\)\.$", path)  # fmt: skip
    path.write_bytes(buffer.getvalue()[:40])  # a zip cut off after its first header
    assert_exit2(
        capsys, ["validate", path], r"bad\.xlsx: is not a readable Excel workbook \(", path
    )


def case_xlsx_damaged(tmp_path, capsys, base):
    good = io.BytesIO()
    base.to_excel(good, index=False)
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                payload = payload[: len(payload) * 2 // 3]  # a sheet cut off mid-way
            dst.writestr(info, payload)
    assert_exit2(
        capsys, ["validate", path], r"bad\.xlsx: is not a readable Excel workbook \(", path
    )


def case_sav_not_spss(tmp_path, capsys, base):
    path = tmp_path / "bad.sav"
    path.write_bytes(b"$FL2" + bytes(range(256)) * 2)
    assert_exit2(
        capsys, ["validate", path], r"bad\.sav: is not a readable SPSS \.sav file \(", path
    )


def case_wrong_kind_of_bytes(tmp_path, capsys, base):
    for name in ("bad.sav", "bad.xlsx"):
        path = tmp_path / name
        base.to_csv(path, index=False)  # a CSV under a binary format's name
        suffix = re.escape(Path(name).suffix)
        assert_exit2(capsys, ["validate", path],
                     rf"is not a readable {suffix} file \(its bytes are not that format\)", path)  # fmt: skip


def case_json(tmp_path, capsys, base):
    for name, lines in (("data.json", False), ("data.jsonl", True)):
        path = tmp_path / name
        base.to_json(path, orient="records", lines=lines, force_ascii=False)
        assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                     rf"{re.escape(name)}: is JSON, not a table; export the survey as CSV, "
                     r"Excel or SPSS and read that\.$", path)  # fmt: skip


def case_first_sheet_not_survey(tmp_path, capsys, base):
    path = _workbook(tmp_path, base)  # 说明 (one column), then 数据
    assert_exit2(capsys, ["validate", path, "--instrument", INSTRUMENT],
                 r"survey\.xlsx: the answers are on sheet '数据', not on the first sheet '说明'; "
                 r"choose it with --sheet 数据\.$", path)  # fmt: skip
    only = tmp_path / "notes.xlsx"
    pd.DataFrame({"说明": ["模拟数据"]}).to_excel(only, index=False)
    assert_exit2(capsys, ["validate", only, "--instrument", INSTRUMENT],
                 r"notes\.xlsx: is not a table of answers \(its sheet has only one column\)\.$",
                 only)  # fmt: skip


def _workbook(tmp_path: Path, base: pd.DataFrame) -> Path:
    path = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["模拟数据"]}).to_excel(writer, sheet_name="说明", index=False)
        base.to_excel(writer, sheet_name="数据", index=False)
    return path


def case_sheet_name(tmp_path, capsys, base):
    path = _workbook(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--sheet", "Foo"],
                 r"has no sheet 'Foo' \(sheets: 说明, 数据\)", path)  # fmt: skip


def case_sheet_number(tmp_path, capsys, base):
    path = _workbook(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--sheet", "3"],
                 r"has no sheet number 3 \(sheets, counted from 0: 说明, 数据\)", path)  # fmt: skip


def case_unknown_encoding(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--encoding", "klingon"],
                 "unknown text encoding 'klingon'", path)  # fmt: skip


def case_wrong_encoding(tmp_path, capsys, base):
    path = tmp_path / "c_gbk.csv"
    frame = base.copy()
    frame["city"] = "石家庄"
    frame.to_csv(path, index=False, encoding="gbk")
    assert_exit2(capsys, ["validate", path, "--encoding", "utf-8"],
                 r"is not valid utf-8 text \(byte \d+\); try another --encoding", path)  # fmt: skip


def case_missing_values_text(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--missing-values", "-99,x"],
                 r"--missing-values: 'x' is not a number", path)  # fmt: skip


def case_max_missing(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--max-missing", "2"],
                 r"--max-missing: 2\.0 is not a fraction between 0 and 1", path)  # fmt: skip


def case_unknown_instrument(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["validate", path, "--instrument", "nosuch"],
                 r"No instrument named 'nosuch': give a path to a YAML file or one of .*d_company_customer",
                 path)  # fmt: skip


def case_score_out_is_input(tmp_path, capsys, base):
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["score", path, "--instrument", INSTRUMENT, "--out", path],
                 r"--out is the input file; the input is never overwritten", path)  # fmt: skip


def case_other_failure(tmp_path, capsys, base, monkeypatch):
    from crm_research import readers

    def broken(*args, **kwargs):
        raise RuntimeError("simulated library failure")

    monkeypatch.setattr(readers, "_read", broken)
    path = _customers_file(tmp_path, base)
    assert_exit2(capsys, ["validate", path],
                 r"could not be read as a survey table \(RuntimeError: simulated library failure\)",
                 path)  # fmt: skip


EXIT2_CASES: dict[str, Callable] = {
    "path does not exist": case_missing_path,
    "a directory": case_directory,
    "0-byte or whitespace-only file": case_empty,
    "random bytes / any binary that is not xlsx or sav": case_random_bytes,
    "text without any delimiter (one column)": case_one_column,
    "a header and no data rows": case_header_only,
    "required item columns absent (all instrument items are required)": case_required_absent,
    "the same item column twice with different answers": case_item_twice,
    "a JSON file (records, or JSON Lines)": case_json,
    "old binary Excel `.xls`": case_xls,
    "`.xlsx` that is not a workbook": case_xlsx_not_workbook,
    "a workbook whose first sheet is not the survey (no `--sheet`)": case_first_sheet_not_survey,
    "`.xlsx` damaged inside (truncated or corrupted bytes in a sheet)": case_xlsx_damaged,
    "`.sav` that is not an SPSS file": case_sav_not_spss,
    "a `.xlsx` or `.sav` name on bytes of another kind (e.g. a CSV renamed)": case_wrong_kind_of_bytes,
    "`--sheet` name not in the workbook": case_sheet_name,
    "`--sheet` position out of range": case_sheet_number,
    "`--encoding` unknown": case_unknown_encoding,
    "`--encoding` wrong for the bytes": case_wrong_encoding,
    "`--missing-values` with a non-number": case_missing_values_text,
    "`--max-missing` outside 0..1": case_max_missing,
    "unknown instrument": case_unknown_instrument,
    "`score --out` is the input file": case_score_out_is_input,
    "any other failure while reading": case_other_failure,
}  # fmt: skip


@pytest.mark.parametrize("case", list(EXIT2_CASES))
def test_exit2_case(case, tmp_path, capsys, base_customers, monkeypatch):
    fn = EXIT2_CASES[case]
    if "monkeypatch" in fn.__code__.co_varnames[: fn.__code__.co_argcount]:
        fn(tmp_path, capsys, base_customers, monkeypatch)
    else:
        fn(tmp_path, capsys, base_customers)


# --------------------------------------------------------------------------------------
# Output folders
# --------------------------------------------------------------------------------------


def _inputs(tmp_path: Path) -> list[str]:
    folder = tmp_path / "data"
    simulate(2, n_customers=30, n_employees=8).write(folder)
    return ["--customers", folder / "customers.csv", "--employees", folder / "employees.csv",
            "--ledger", folder / "ledger.csv"]  # fmt: skip


def _foreign(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"chapter one")
    (folder / "findings.md").write_text("my notes", encoding="utf-8")
    return folder, {p.name: p.read_bytes() for p in folder.iterdir()}


def out_report_foreign(tmp_path, capsys):
    folder, before = _foreign(tmp_path)
    assert_exit2(capsys, ["report", *_inputs(tmp_path), "--no-html", "--out", folder],
                 rf"{re.escape(str(folder))}: the output folder is not empty and holds no "
                 r"previous report \(findings\.json\); choose an empty or new folder")  # fmt: skip
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def out_html_foreign(tmp_path, capsys):
    folder, before = _foreign(tmp_path)
    message = r"the output folder is not empty and holds no previous report \(manifest\.json\)"
    assert_exit2(capsys, ["report", *_inputs(tmp_path), "--html", "--out", folder], message)
    assert_exit2(capsys, ["reproduce", "d-company", "--out", folder], message)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def out_batch_foreign(tmp_path, capsys):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "notes.txt").write_text("mine", encoding="utf-8")
    data = _inputs(tmp_path)
    config = tmp_path / "batch.yaml"
    config.write_text(f"runs:\n  - name: a\n    customers: {data[1]}\n    employees: {data[3]}\n"
                      f"    ledger: {data[5]}\n", encoding="utf-8")  # fmt: skip
    assert_exit2(capsys, ["batch", config, "--out", batch, "--no-progress"],
                 r"the batch folder holds 'notes\.txt', which is not a report of a previous batch")  # fmt: skip
    assert sorted(p.name for p in batch.iterdir()) == ["notes.txt"]


def out_is_file(tmp_path, capsys):
    target = tmp_path / "x.txt"
    target.write_text("keep", encoding="utf-8")
    for args in (["report", *_inputs(tmp_path), "--no-html"], ["report", *_inputs(tmp_path)],
                 ["reproduce", "d-company"]):  # fmt: skip
        assert_exit2(capsys, [*args, "--out", target], r"the output path is a file, not a folder")
    assert target.read_text(encoding="utf-8") == "keep"


def _previous_report(folder: Path, outputs: list[str]) -> Path:
    """A previous report as the pipeline leaves it: its manifest lists what it wrote."""
    from crm_research import pipeline

    folder.mkdir(parents=True)
    for name in outputs:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("report file", encoding="utf-8")
    manifest = {"kind": pipeline.MANIFEST_KIND, "outputs": [*outputs, pipeline.MANIFEST_NAME]}
    (folder / pipeline.MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def out_previous_report_with_foreign_file(tmp_path, capsys):
    out = _previous_report(tmp_path / "report", ["report.html", "tables/a.csv"])
    (out / "tables" / "my_notes.docx").write_text("mine", encoding="utf-8")
    before = _tree(out)
    message = (r"the previous report holds 'tables/my_notes\.docx', which the report did not "
               r"write and a new report would delete")  # fmt: skip
    assert_exit2(capsys, ["reproduce", "d-company", "--out", out], message)
    assert_exit2(capsys, ["report", *_inputs(tmp_path), "--out", out], message)
    assert _tree(out) == before


def out_input_inside_out(tmp_path, capsys):
    out = _previous_report(tmp_path / "report", ["report.html"])
    data = tmp_path / "data"
    simulate(2, n_customers=30, n_employees=8).write(data)
    (out / "inputs").mkdir()
    inside = out / "inputs" / "customers.csv"
    inside.write_bytes((data / "customers.csv").read_bytes())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"].append("inputs/customers.csv")  # a copy the earlier report wrote
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = inside.read_bytes()
    args = ["report", "--customers", inside, "--employees", data / "employees.csv",
            "--ledger", data / "ledger.csv", "--out", out]  # fmt: skip
    assert_exit2(capsys, args, r"the input file lies inside the output folder")
    assert inside.read_bytes() == before


def out_symlink(tmp_path, capsys):
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links here")
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert_exit2(capsys, ["reproduce", "d-company", "--out", link],
                 r"the output folder is a symbolic link")  # fmt: skip
    assert_exit2(capsys, ["report", *_inputs(tmp_path), "--no-html", "--out", link],
                 r"the output folder is a symbolic link")  # fmt: skip
    assert list(real.iterdir()) == []


def out_batch_names(tmp_path, capsys):
    from crm_research.pipeline import load_batch_config

    data = _inputs(tmp_path)
    names = ["../../evil", "/etc/passwd", "CON"]
    lines = ["runs:"]
    for name in names:
        lines += [f"  - name: {json.dumps(name)}", f"    customers: {data[1]}",
                  f"    employees: {data[3]}", f"    ledger: {data[5]}"]  # fmt: skip
    config = tmp_path / "batch.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "batch"
    runs = load_batch_config(config)
    slugs = [r.slug for r in runs]
    assert slugs[:2] == ["evil", "etc-passwd"]
    for slug in slugs:
        assert (out / slug).resolve().parent == out.resolve()  # directly inside OUT
    # the full run end to end: tests/test_paths.py::test_batch_names_from_the_config_...


def out_closed_pipe(tmp_path, capsys):
    import subprocess
    import sys

    frame = simulate(2, n_customers=200).customers
    # about 200 kB of problem lines: more than a pipe buffers, so the writer meets the close
    frame[["idn1", "idn2", "dif1", "dif2", "int1", "int2", "cus1", "cus2"]] = 9
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    script = (
        "import sys, subprocess\n"
        "p = subprocess.Popen([sys.executable, '-m', 'crm_research', 'validate', sys.argv[1], "
        "'--instrument', 'd_company_customer'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "p.stdout.readline(); p.stdout.close()\n"
        "err = p.stderr.read().decode(); code = p.wait()\n"
        "print(code); print(repr(err))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    code, err = proc.stdout.splitlines()
    assert code == "141", proc.stdout
    assert "Traceback" not in err and "BrokenPipe" not in err


OUT_CASES: dict[str, Callable] = {
    "`report --no-html --out` a non-empty folder that holds no previous report (no `findings.json`)": out_report_foreign,
    "`report --html` or `reproduce --out` a non-empty folder without a report `manifest.json`": out_html_foreign,
    "`batch --out` a folder holding anything but the reports of a previous batch": out_batch_foreign,
    "`--out` names a file": out_is_file,
    "`report --html` or `reproduce --out` a previous report that also holds a file the report did not write": out_previous_report_with_foreign_file,
    "`report --html --out` the folder that holds one of the input files": out_input_inside_out,
    "`--out` is a symbolic link": out_symlink,
    "a batch run name with path characters (`../../evil`, `/etc/passwd`, `CON`)": out_batch_names,
    "the output is piped into a program that stops reading (`crm-research validate f.csv \\| head`)": out_closed_pipe,
}  # fmt: skip


@pytest.mark.parametrize("case", list(OUT_CASES))
def test_output_folder_case(case, tmp_path, capsys):
    OUT_CASES[case](tmp_path, capsys)


# --------------------------------------------------------------------------------------
# Exit 0: one problem row per planted cell
# --------------------------------------------------------------------------------------


def planted(tmp_path, capsys, frame: pd.DataFrame, *extra: str) -> dict:
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return validate_json(capsys, path, *extra)


def the_one(doc: dict, rule: str) -> dict:
    found = problem(doc, rule)
    assert len(found) == 1, (rule, doc["problems"])
    return found[0]


def rule_cell(column: str, value, rule: str, shown: str, action: str):
    def case(tmp_path, capsys, base):
        frame = base.copy()
        frame.loc[2, column] = value  # spreadsheet row 4
        got = the_one(planted(tmp_path, capsys, frame), rule)
        assert got == {"row": 4, "column": column, "rule": rule, "value": shown, "action": action}

    return case


def rule_wjx_skip(tmp_path, capsys, base):
    frame = base.copy()
    frame.insert(0, "序号", range(1, len(frame) + 1))
    frame.insert(1, "来源", "手机提交")
    frame.loc[5, "cus2"] = -3
    doc = planted(tmp_path, capsys, frame)
    assert doc["platform"] == "wenjuanxing"
    got = the_one(doc, "wjx_skip")
    assert (got["row"], got["column"], got["value"]) == (7, "cus2", "-3")
    assert got["action"] == "treated as missing"


def rule_duplicate(tmp_path, capsys, base):
    frame = pd.concat([base, base.iloc[[3]]], ignore_index=True)
    frame.loc[len(frame) - 1, "sat1"] = 1 if frame.loc[3, "sat1"] != 1 else 2
    got = the_one(planted(tmp_path, capsys, frame), "duplicate_respondent")
    assert got == {"row": 32, "column": "customer_id", "rule": "duplicate_respondent",
                   "value": str(base.loc[3, "customer_id"]),
                   "action": "row excluded (same customer_id as row 5)"}  # fmt: skip
    # without an id column an exact copy (28 answers) is found by its answers
    no_id = pd.concat([base, base.iloc[[3]]], ignore_index=True).drop(columns="customer_id")
    got = the_one(planted(tmp_path, capsys, no_id), "duplicate_respondent")
    assert (got["row"], got["value"]) == (32, "row 5")
    assert got["action"] == "row excluded (same answers and background as row 5)"


def rule_too_many_missing(tmp_path, capsys, base):
    frame = base.copy()
    items = [c for c in frame.columns if re.fullmatch(r"(idn|dif|int|cus|qua)\d", c)]
    assert len(items) == 20
    frame.loc[4, items] = ""
    doc = planted(tmp_path, capsys, frame)
    got = the_one(doc, "too_many_missing")
    assert (got["row"], got["value"]) == (6, "20 of 28 items missing")
    assert got["action"].startswith("row excluded")
    assert doc["rows_kept"] == len(base) - 1


def rule_straight_lining(tmp_path, capsys, base):
    frame = base.copy()
    items = [c for c in frame.columns if re.fullmatch(r"(idn|dif|int|cus|qua|sat|loy)\d", c)]
    frame.loc[7, items] = 5
    got = the_one(planted(tmp_path, capsys, frame), "straight_lining")
    assert got["row"] == 9 and re.fullmatch(r"all \d+ answers = 5", got["value"])
    assert got["action"] == "flagged, kept"


def rule_speeder(tmp_path, capsys, base):
    frame = base.copy()
    frame.loc[9, "duration_seconds"] = 10
    got = the_one(planted(tmp_path, capsys, frame), "speeder")
    assert got["row"] == 11 and got["value"].startswith("10 s (median ")
    assert got["action"] == "flagged, kept"


def rule_zero_variance(tmp_path, capsys, base):
    frame = base.copy()
    frame["sat3"] = 4
    got = the_one(planted(tmp_path, capsys, frame), "zero_variance")
    assert got["column"] == "sat3" and got["value"] == f"all {len(base)} answers = 4"
    assert got["action"] == "flagged, kept"


def rule_pii(tmp_path, capsys, base):
    frame = base.copy()
    frame["联系人"] = [f"王{i}先生" for i in range(len(frame))]
    frame["RecipientEmail"] = [f"p{i}@example.org" for i in range(len(frame))]
    doc = planted(tmp_path, capsys, frame)
    found = {p["column"]: p for p in problem(doc, "pii")}
    assert set(found) == {"联系人", "RecipientEmail"}
    for p in found.values():
        assert p["value"] == "" and p["action"].startswith("column dropped (personal data")
    assert "王1先生" not in json.dumps(doc, ensure_ascii=False)


def rule_duplicate_column_identical(tmp_path, capsys, base):
    frame = base.copy()
    frame.insert(len(frame.columns), "city_copy", frame["city"])
    path = tmp_path / "customers.csv"
    frame.rename(columns={"city_copy": "city"}).to_csv(path, index=False)
    got = the_one(validate_json(capsys, path), "duplicate_column")
    assert got["column"] == "city" and got["value"].startswith("column ")
    assert got["action"].startswith("column dropped (identical copy of column ")


def rule_duplicate_column_different(tmp_path, capsys, base):
    frame = base.copy()
    frame.insert(len(frame.columns), "city_copy", "廊坊")
    path = tmp_path / "customers.csv"
    frame.rename(columns={"city_copy": "city"}).to_csv(path, index=False)
    got = the_one(validate_json(capsys, path), "duplicate_column")
    assert got["column"] == "city" and got["action"].startswith("kept as 'city (2)'")


def rule_extra_header_row(tmp_path, capsys, base):
    from crm_research.instrument import load_instrument

    inst = load_instrument(INSTRUMENT)
    texts = {c: (inst.item(c).text["zh"] if c in inst.item_ids else c) for c in base.columns}
    frame = pd.concat([pd.DataFrame([texts]), base], ignore_index=True)
    got = the_one(planted(tmp_path, capsys, frame), "extra_header_row")
    assert got == {"row": 2, "column": "", "rule": "extra_header_row", "value": "",
                   "action": "row skipped (a second header row)"}  # fmt: skip


RULE_CASES: dict[str, Callable] = {
    "`out_of_range`": rule_cell("idn1", 9, "out_of_range", "9", "set to missing"),
    "`undeclared_code`": rule_cell("sat1", -9, "undeclared_code", "-9", "set to missing"),
    "`declared_missing`": rule_cell("loy3", -99, "declared_missing", "-99", "treated as missing"),
    "`non_numeric`": rule_cell("sat2", "abc", "non_numeric", "abc", "set to missing"),
    "`not_a_scale_point`": rule_cell("int1", 3.5, "not_a_scale_point", "3.5", "set to missing"),
    "`wjx_skip`": rule_wjx_skip,
    "`bad_date`": rule_cell("submitted_at", "昨天下午", "bad_date", "昨天下午", "set to missing"),
    "`unknown_level`": rule_cell("customer_type", "外星客户", "unknown_level", "外星客户",
                                 "flagged, kept"),
    "`unknown_level` #2": rule_cell("city", "139 1234 5678", "unknown_level",
                                    "(personal data, not shown)",
                                    "set to missing (looks like personal data)"),
    "`duplicate_respondent`": rule_duplicate,
    "`too_many_missing`": rule_too_many_missing,
    "`straight_lining`": rule_straight_lining,
    "`speeder`": rule_speeder,
    "`zero_variance`": rule_zero_variance,
    "`pii`": rule_pii,
    "`duplicate_column`": rule_duplicate_column_identical,
    "`duplicate_column` #2": rule_duplicate_column_different,
    "`extra_header_row`": rule_extra_header_row,
}  # fmt: skip


@pytest.mark.parametrize("case", list(RULE_CASES))
def test_rule_case(case, tmp_path, capsys, base_customers):
    RULE_CASES[case](tmp_path, capsys, base_customers)


# --------------------------------------------------------------------------------------
# Odd shapes that still read: the same numbers as the plain CSV
# --------------------------------------------------------------------------------------


def read_items(path: Path, **kwargs) -> pd.DataFrame:
    from crm_research.readers import read_responses

    before = path.read_bytes()
    resp = read_responses(path, INSTRUMENT, **kwargs)
    assert path.read_bytes() == before
    return resp


def assert_same_answers(resp, base: pd.DataFrame) -> None:
    expected = base[list(resp.items.columns)].astype(float).to_numpy()
    assert resp.items.shape == expected.shape
    assert (resp.items.to_numpy() == expected).all()


def shape_encodings(tmp_path, base):
    for k, encoding in enumerate(("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")):
        path = tmp_path / f"enc{k}.csv"
        base.to_csv(path, index=False, encoding=encoding, sep="\t" if "16" in encoding else ",")
        resp = read_items(path)
        assert_same_answers(resp, base)
        assert resp.meta["city"].tolist() == base["city"].tolist()


def shape_big5_utf16_no_bom(tmp_path, base):
    frame = base.copy()
    frame["remark"] = "繁體中文備註：服務滿意，價格合理"  # Traditional Chinese (Big5 only)
    for k, (encoding, sep) in enumerate((("big5", ","), ("utf-16-le", "\t"), ("utf-16-be", "\t"))):
        path = tmp_path / f"enc_nobom{k}.csv"
        frame.to_csv(path, index=False, encoding=encoding, sep=sep)
        resp = read_items(path)
        assert_same_answers(resp, base)
        assert resp.meta["remark"].iloc[0] == frame["remark"].iloc[0], encoding


def shape_delimiters(tmp_path, base):
    for k, sep in enumerate((";", "\t", "|")):
        path = tmp_path / f"sep{k}.csv"
        base.to_csv(path, index=False, sep=sep)
        assert_same_answers(read_items(path), base)


def shape_empty_rows(tmp_path, base):
    lines = base.to_csv(index=False, lineterminator="\n").splitlines()
    lines = [ln + ",," for ln in lines]
    lines.insert(5, "," * (base.shape[1] + 1))  # interleaved empty row
    lines += ["," * (base.shape[1] + 1)] * 3 + [""] * 3
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    resp = read_items(path)
    assert_same_answers(resp, base)
    assert 6 not in resp.items.index and resp.items.index[-1] == len(base) + 2  # rows kept


def shape_title_rows(tmp_path, base):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["D公司客户调查（模拟数据）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=base.shape[1])
    ws.append(["背景", "", "", "", "", "", "识别"])
    ws.append(list(base.columns))
    for row in base.itertuples(index=False):
        ws.append(list(row))
    path = tmp_path / "title.xlsx"
    wb.save(path)
    resp = read_items(path)
    assert_same_answers(resp, base)
    assert resp.items.index[0] == 4  # header on row 3


def shape_duplicate_names(tmp_path, base):
    frame = pd.concat([base, base[["idn1"]]], axis=1)  # identical copy of an item
    path = tmp_path / "dup.csv"
    frame.to_csv(path, index=False)
    assert_same_answers(read_items(path), base)


def shape_excel_dates(tmp_path, base):
    frame = base.copy()
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    path = tmp_path / "dates.xlsx"
    frame.to_excel(path, index=False)
    resp = read_items(path)
    assert_same_answers(resp, base)
    assert resp.meta["submitted_at"].astype(str).tolist() == base["submitted_at"].tolist()


def shape_question_texts(tmp_path, base):
    from crm_research.instrument import load_instrument

    inst = load_instrument(INSTRUMENT)
    numbered = {c: f"{inst.item_ids.index(c) + 7}、{inst.item(c).text['zh']}"
                for c in inst.item_ids}  # fmt: skip
    path = tmp_path / "texts.csv"
    base.rename(columns=numbered).to_csv(path, index=False)
    assert_same_answers(read_items(path), base)


def shape_answer_texts(tmp_path, base):
    from crm_research.instrument import load_instrument

    inst = load_instrument(INSTRUMENT)
    frame = base.copy()
    likert = [i.id for i in inst.items if i.response_scale.max == 5]
    zh = {k: v["zh"] for k, v in inst.item(likert[0]).response_scale.labels.items()}
    en = {k: v["en"] for k, v in inst.item(likert[0]).response_scale.labels.items()}
    for j, item in enumerate(likert):
        labels = zh if j % 2 else en
        frame[item] = frame[item].astype(int).map(labels)
    path = tmp_path / "answers.csv"
    frame.to_csv(path, index=False)
    assert_same_answers(read_items(path), base)


def shape_full_width(tmp_path, base):
    frame = base.copy()
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    frame["idn1"] = frame["idn1"].astype(str).str.translate(full)
    path = tmp_path / "fullwidth.csv"
    frame.to_csv(path, index=False)
    resp = read_items(path)
    assert_same_answers(resp, base)
    assert len(resp.quality) == 0


SHAPE_CASES: dict[str, Callable] = {
    'UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 (Excel "Unicode text")': shape_encodings,
    "Big5 (Traditional Chinese), UTF-16 without a byte-order mark": shape_big5_utf16_no_bom,
    "`;`, tab or `|` delimiters": shape_delimiters,
    "trailing or interleaved empty rows, empty columns": shape_empty_rows,
    "title rows / merged group headers above the header": shape_title_rows,
    "duplicated column names": shape_duplicate_names,
    "date cells in Excel": shape_excel_dates,
    "item headers as question texts (`3、D公司……`), Qualtrics `Q1_1`, mapped `Q1`": shape_question_texts,
    "answer texts (`非常同意`, `Strongly agree`)": shape_answer_texts,
    "full-width digits (`５`)": shape_full_width,
}  # fmt: skip


@pytest.mark.parametrize("case", list(SHAPE_CASES))
def test_odd_shape_case(case, tmp_path, base_customers):
    SHAPE_CASES[case](tmp_path, base_customers)


# --------------------------------------------------------------------------------------
# The page and the tests agree
# --------------------------------------------------------------------------------------


def test_every_row_of_the_page_has_a_test():
    rows = doc_rows()
    mirrored = {"exit2": EXIT2_CASES, "out": OUT_CASES, "rules": RULE_CASES, "shapes": SHAPE_CASES}
    for section, cases in mirrored.items():
        assert rows[section], f"no table found for {section}"
        assert set(rows[section]) == set(cases), (
            section,
            sorted(set(rows[section]) - set(cases)),  # rows of the page without a test
            sorted(set(cases) - set(rows[section])),  # tests without a row
        )
