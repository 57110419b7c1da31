"""End-to-end: every notebook through papermill, the reports' content, batches of two.

Slow-ish (each report runs the six notebooks); marked ``slow`` but part of ``make test``.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from support import subset_instrument

from crm_research import pipeline
from crm_research.cli import main
from crm_research.findings.wording import fixed_text
from crm_research.instrument import load_instrument
from crm_research.report.document import DOCUMENT_TABLES
from crm_research.report.typeset import zh_punctuation
from crm_research.study.psychometrics import FACTOR_STEPS

#: The factor-analysis tables of the customer questionnaire (every step, every table).
FACTOR_TABLES = tuple(f"customer_{suffix}" for group in FACTOR_STEPS.values() for suffix in group)

pytestmark = pytest.mark.slow

NOTEBOOKS = [pipeline.NOTEBOOKS_DIR / f"{name}.ipynb" for name in pipeline.NOTEBOOK_NAMES]
#: Names a notebook code cell may call: the package objects and IPython's display.
ALLOWED_NAMES = {
    "pipeline",
    "open_study",
    "plots",
    "report",
    "labels",
    "display",
    "lang",
    "seed",
    "customers",
    "employees",
    "ledger",
    "scorecard",
    "instruments",
    "output_dir",
    "work_dir",
    "simulated",
    # papermill parameters of a study file (issue 12, "any study"): run.py passes them and
    # every notebook hands them to open_study (the study's inputs, roles and case layer)
    "study",
    "data_dir",
    "case",
    # loop variables over report.grouping_tables() (notebooks 01, 05) and the builtin set
    # of notebook 04's column check: control flow, no statistics
    "name",
    "column",
    "set",
    "fa",
    "columns",
    "ipa",
    "cut",
    "parallel",
    "n_factors",
}


# --------------------------------------------------------------------------------------------
# The stored notebooks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_parameterised_clean_and_only_calls_the_package(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = {t.id for t in ast.walk(ast.parse(tagged[0].source)) if isinstance(t, ast.Name)}
    assert {"customers", "employees", "ledger", "lang", "seed", "output_dir"} <= params
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "stored with outputs"
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            # no imports but the package's, no arithmetic: statistics come from crm_research
            if isinstance(node, ast.Import):
                pytest.fail(f"{path.name}: plain import {ast.unparse(node)!r}")
            if isinstance(node, ast.ImportFrom):
                assert node.module and node.module.startswith("crm_research"), ast.unparse(node)
            assert not isinstance(node, ast.BinOp | ast.AugAssign | ast.Lambda), ast.unparse(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                assert node.id in ALLOWED_NAMES | {"None", "True", "False"}, node.id


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_random_steps_are_seeded_even_for_real_data(path):
    """``crm-research report`` passes ``seed=None`` (real data): a random step seeded with
    the ``seed`` parameter would then differ from run to run (the scree figure did)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            for kw in node.keywords:
                if kw.arg == "seed" and name != "open_study":
                    assert ast.unparse(kw.value) == "report.random_seed", ast.unparse(node)
            if name == "parallel_analysis":
                assert any(kw.arg == "seed" for kw in node.keywords), ast.unparse(node)


def test_the_parallel_analysis_seed_does_not_depend_on_the_route():
    """Real data (``seed=None``) and a simulation seed both get the study's fixed seed."""
    from crm_research.cases.d_company import simulate
    from crm_research.study.psychometrics import PARALLEL_SEED, factor_items, factor_tables

    case = simulate(2, n_customers=60)
    inst = load_instrument("d_company_customer")
    items = factor_items(case.customers[inst.item_ids], inst).iloc[:, :8]
    default, _ = factor_tables(items, {"a": list(items.columns)}, "c", n_iter=20)
    fixed, _ = factor_tables(items, {"a": list(items.columns)}, "c", n_iter=20, seed=PARALLEL_SEED)
    other, _ = factor_tables(items, {"a": list(items.columns)}, "c", n_iter=20, seed=1)
    pa = "c_parallel_analysis"
    assert default[pa].equals(fixed[pa]) and not default[pa].equals(other[pa])


# --------------------------------------------------------------------------------------------
# reproduce d-company: every notebook through papermill, the report's content
# --------------------------------------------------------------------------------------------


def _check_report(out: Path, lang: str) -> BeautifulSoup:
    page = (out / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    text = html.unescape(soup.get_text(" "))
    assert soup.html["lang"].startswith(lang)
    # no code: no input area of a code cell, none of the notebooks' code in the text
    assert not soup.select(".jp-CodeCell .jp-InputArea")
    assert not soup.select(".jp-InputPrompt, .jp-OutputPrompt")
    for nb_path in NOTEBOOKS:
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type == "code":
                for line in cell.source.splitlines():
                    if len(line.strip()) > 12:
                        assert line.strip() not in text, line
    # no error output
    assert "Traceback" not in text and "Error:" not in text
    assert not soup.select('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert not soup.select(".jp-OutputArea-output.jp-RenderedText[data-mime-type*=error]")
    # every finding's problem text, with the data ids it quotes as words of the report
    # (labels from the instrument files; in English place names only, other ids de-underscored)
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert len(findings) >= 5
    customer = load_instrument("d_company_customer")
    cities = {lv for m in customer.metadata if m.id == "city" for lv in m.levels}
    names = {lv: m.level_label(lv, lang) for m in customer.metadata for lv in m.levels}
    for finding in findings:
        expected = finding["problem"][lang]
        for value in sorted(
            (v for v in finding["evidence"].values() if isinstance(v, str)), key=len, reverse=True
        ):
            word = names.get(value, value) if lang == "zh" or value in cities else value
            word = word.replace("_", " ")
            expected = re.sub(
                rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", word, expected
            )
        expected = expected[:1].upper() + expected[1:]  # a sentence may start with an id
        if lang == "zh":  # findings.json keeps the text; the page typesets it full-width
            expected = zh_punctuation(expected)
        assert expected in text, finding["id"]
    for raw_id in ("shijiazhuang", "end_user"):
        assert raw_id not in text
    # at least five embedded figures, each with a title as alternative text
    images = soup.find_all("img")
    assert len(images) >= 5
    assert all(img["src"].startswith("data:image/png;base64,") and img["alt"] for img in images)
    # the simulated-data banner on the title page
    banner = soup.select_one("#title-page .crm-simulated")
    assert banner is not None
    assert ("模拟数据" if lang == "zh" else "SIMULATED DATA") in banner.get_text()
    # executed notebooks without errors
    for nb_path in (out / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert not [
            o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"
        ]
    return soup


#: A cell that shows one number: ``1,234``, ``-0.12``, ``.012``, ``< .001``, ``≥ 0.95``, ``45.3``.
_SHOWN_NUMBER = re.compile(r"^(?P<op>[<≥≤]\s*)?(?P<num>-?(?:\d[\d,]*)?\.?\d+)$")


def _matches(text: str, value: float, op: str | None) -> bool:
    """Whether the table value ``value`` is shown as ``text`` by the report's display rounding."""
    if op and op.strip() == "<":  # a p-value below the smallest shown (``< .001``)
        return value < float(text.replace(",", ""))
    number = text.replace(",", "")
    decimals = len(number.split(".")[1]) if "." in number else 0
    # the report's one rounding rule (the written table value, half away from zero; a tie
    # such as 0.425000 is shown 0.43 where Python's format of the binary float gives 0.42)
    shown = fixed_text(value, decimals).replace(",", "")
    if number.startswith("."):  # p-values drop the leading zero
        shown = shown.replace("0.", ".", 1)
    return shown == number


def _assert_every_shown_number_is_in_tables(out: Path) -> int:
    """Every number in a table of report.html is a cell of ``tables/<name>.csv`` after rounding.

    Each table the notebooks show from the study carries ``data-crm-table``; its numbers are
    looked up in that CSV.  The only other tables with numbers are the screening log (row
    numbers of the export, not a result) and the findings' evidence (checked against the
    tables by ``assert_evidence_in_tables``).  Returns the number of cells checked.
    """
    soup = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    checked = 0
    tagged = soup.select("table[data-crm-table]")
    assert len(tagged) >= 20
    for table in tagged:
        name = table["data-crm-table"]
        if name in DOCUMENT_TABLES:
            # the document's own tables (sample, instruments, inputs, methods, causes; tagged
            # for {{table:NAME}} references), written by report/document.py, not a study table
            continue
        frame = pd.read_csv(out / "tables" / f"{name}.csv")
        values = [float(v) for v in frame.select_dtypes("number").to_numpy().ravel() if v == v]
        for cell in table.select("tbody td"):
            text = cell.get_text(strip=True)
            match = _SHOWN_NUMBER.match(text)
            if not match:
                continue
            assert any(_matches(match["num"], v, match["op"]) for v in values), (name, text)
            checked += 1
    return checked


def _check_outputs(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == pipeline.MANIFEST_KIND
    for role in ("customers", "employees", "ledger", "scorecard"):
        entry = manifest["inputs"][role]
        copied = out / entry["file"]
        assert entry["sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()
    assert [n["name"] for n in manifest["notebooks"]] == list(pipeline.NOTEBOOK_NAMES)
    assert all(n["seconds"] > 0 for n in manifest["notebooks"])
    assert manifest["packages"]["papermill"] != "not installed"
    assert sorted(p.stem for p in (out / "notebooks").glob("*.ipynb")) == list(
        pipeline.NOTEBOOK_NAMES
    )
    csvs = sorted(p.stem for p in (out / "tables").glob("*.csv"))
    book = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    assert len(book.sheetnames) == len(csvs) and all(len(s) <= 31 for s in book.sheetnames)
    # the factor analyses and the satisfaction x loyalty points are tables like the others
    for name in (*FACTOR_TABLES, "satisfaction_loyalty_points"):
        assert name in csvs and name[:31] in book.sheetnames, name
    assert len(list((out / "figures").glob("*.png"))) >= 5
    assert not (out / pipeline.WORK_DIR_NAME).exists()
    # the copied simulated inputs say what they are
    readme = (out / "inputs" / "README.txt").read_text(encoding="utf-8")
    assert "SIMULATED DATA" in readme and "模拟数据" in readme
    assert "inputs/README.txt" in manifest["outputs"]
    # timestamps only in the manifest; the title page carries the day of the run as the
    # document's date (run.py, facts.date), and nothing else in the page does
    assert "started_utc" in manifest
    day = manifest["started_utc"][:10]
    page = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert manifest["started_utc"] not in str(page)
    title = page.find(id="title-page")
    assert day in title.get_text()
    title.decompose()
    assert day not in str(page)


def test_reproduce_zh_then_en_into_the_same_folder(tmp_path, capfd):
    out = tmp_path / "reports" / "d-company"
    assert main(["reproduce", "d-company", "--out", str(out), "--lang", "zh", "--seed", "11"]) == 0
    captured = capfd.readouterr()
    assert "without encryption" not in captured.err and "Warning" not in captured.err
    assert "%|" not in captured.err  # no progress bars unless --verbose
    soup = _check_report(out, "zh")
    assert "D 公司客户关系管理研究报告" in soup.get_text()
    _check_outputs(out)
    assert _assert_every_shown_number_is_in_tables(out) > 300

    # a second run replaces the previous report and leaves nothing beside it
    assert main(["reproduce", "d-company", "--out", str(out), "--lang", "en", "--seed", "11"]) == 0
    _check_report(out, "en")
    _check_outputs(out)
    assert _assert_every_shown_number_is_in_tables(out) > 300
    assert sorted(p.name for p in out.parent.iterdir()) == ["d-company"]


def test_reproduce_refuses_a_folder_that_is_not_a_report(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("do not delete")
    assert main(["reproduce", "d-company", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["chapter1.docx"]


def test_a_failing_notebook_exits_1_and_keeps_the_failed_build(tmp_path, capsys):
    from crm_research.cases.d_company import simulate

    data = simulate(5).write(tmp_path / "data")
    bad = tmp_path / "nb" / "99_broken.ipynb"
    bad.parent.mkdir()
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("report.table('no_such_table')"))
    nbformat.write(nb, bad)
    out = tmp_path / "out"
    with pytest.raises(pipeline.NotebookFailed) as info:
        pipeline.run_pipeline(
            data["customers"],
            data["employees"],
            data["ledger"],
            data["scorecard"],
            out_dir=out,
            notebooks=[bad],
        )
    assert str(info.value).startswith(
        "notebook 99_broken failed: InputError: No table 'no_such_table'"
    )
    assert not out.exists()
    failed = tmp_path / "out.failed"
    assert (failed / "failed.json").is_file()
    assert info.value.kept == failed / "notebooks" / "99_broken.ipynb"
    # the study cache (screened responses, free-text columns included) is not kept
    assert not (failed / pipeline.WORK_DIR_NAME).exists()
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


# --------------------------------------------------------------------------------------------
# Client data the analyses cannot all run on: the report is still written, and says why
# --------------------------------------------------------------------------------------------

#: The reduced questionnaire: one satisfaction driver (no IPA), 11 Likert items.
REDUCED_SCALES = ("identification", "satisfaction", "loyalty", "nps")
#: Fewer respondents than Likert items: the factor analyses are undefined.
FEW_CUSTOMERS = 11


@pytest.fixture(scope="module")
def reduced_report(tmp_path_factory):
    """One HTML report through the CLI on 11 customers answering a reduced questionnaire.

    The customer instrument keeps one satisfaction driver (study.py leaves the IPA table
    out) and 11 Likert items for 11 respondents (KMO, parallel analysis, EFA and CFA are
    undefined).  One run (six notebooks) serves the tests below.
    """
    import pandas as pd

    from crm_research.cases.d_company import simulate

    root = tmp_path_factory.mktemp("reduced")
    data = simulate(3, n_customers=20, n_employees=12).write(root / "data")
    instrument = subset_instrument(
        root, "d_company_customer", set(REDUCED_SCALES), new_id="d_company_customer_reduced"
    )
    kept = set(load_instrument(instrument).item_ids)
    dropped = [i for i in load_instrument("d_company_customer").item_ids if i not in kept]
    customers = root / "customers.csv"
    answers = pd.read_csv(data["customers"], dtype=str).head(FEW_CUSTOMERS)
    answers.drop(columns=dropped).to_csv(customers, index=False)
    out = root / "report"
    status = main(
        [
            "report",
            "--customers",
            str(customers),
            "--employees",
            str(data["employees"]),
            "--ledger",
            str(data["ledger"]),
            "--scorecard",
            str(data["scorecard"]),
            "--customer-instrument",
            str(instrument),
            "--out",
            str(out),
            "--lang",
            "en",
        ]
    )
    page = (out / "report.html").read_text(encoding="utf-8") if status == 0 else ""
    return status, out, html.unescape(BeautifulSoup(page, "html.parser").get_text(" "))


def _assert_clean(out: Path, text: str) -> None:
    """No traceback, error or stderr output in the report or its executed notebooks."""
    assert "Traceback" not in text and "Error:" not in text
    soup = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert not soup.select('[data-mime-type="application/vnd.jupyter.stderr"]')
    for nb_path in sorted((out / "notebooks").glob("*.ipynb")):
        outputs = [
            o for c in nbformat.read(nb_path, as_version=4).cells for o in c.get("outputs", [])
        ]
        assert not [o for o in outputs if o["output_type"] == "error"], nb_path.name
        assert not [o for o in outputs if o.get("name") == "stderr"], nb_path.name
        assert not [o for o in outputs if o.get("data", {}).get("text/plain") == "None"]


def test_report_without_the_ipa_table_is_written_and_says_why(reduced_report):
    status, out, text = reduced_report
    assert status == 0 and (out / "report.html").is_file()
    assert not (out / "tables" / "ipa.csv").exists()
    assert (
        "Importance–performance analysis needs at least two driver scales and the customer "
        "questionnaire has 1 (Customer identification); it is left out."
    ) in " ".join(text.split())
    assert "Net Promoter Score" in text  # the sections around it are still there
    _assert_clean(out, text)


def test_report_on_fewer_respondents_than_items_leaves_out_factor_analysis(reduced_report):
    status, out, text = reduced_report
    assert status == 0 and (out / "report.html").is_file()
    k = sum(
        len(s.items)
        for s in load_instrument(out.parent / "d_company_customer_reduced.yaml").scales
        if s.kind != "nps"
    )
    sentence = (
        f"Factor analysis needs more respondents than items ({FEW_CUSTOMERS} respondents, "
        f"{k} items); it is left out."
    )
    assert " ".join(text.split()).count(sentence) == 1  # said once, not once per step
    assert "Cronbach" in text  # reliability is still reported
    assert "2.3 Number of factors" not in text and "2.4 Exploratory" not in text
    assert not (out / "figures" / "scree_customer.png").exists()
    _assert_clean(out, text)


# --------------------------------------------------------------------------------------------
# Batches of two with two workers
# --------------------------------------------------------------------------------------------


def _batch_config(tmp_path: Path, runs: list[str], notebooks: list[Path] | None = None) -> Path:
    from crm_research.cases.d_company import simulate

    lines = []
    if notebooks:
        lines.append("notebooks:")
        lines += [f"  - {nb}" for nb in notebooks]
    lines.append("runs:")
    for k, name in enumerate(runs):
        folder = tmp_path / f"data{k}"
        simulate(k + 1, n_customers=60, n_employees=12).write(folder)
        lines += [
            f"  - name: {name}",
            f"    customers: {folder.name}/customers.csv",
            f"    employees: {folder.name}/employees.csv",
            f"    ledger: {folder.name}/ledger.csv",
            f"    scorecard: {folder.name}/scorecard.csv",
            f"    lang: {'en' if k else 'zh'}",
        ]
    config = tmp_path / "batch.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def test_batch_of_two_with_two_process_workers(tmp_path, capsys):
    config = _batch_config(tmp_path, ["Client A (Hebei)", "客户 B"])
    out = tmp_path / "batch"
    status = main(["batch", str(config), "--workers", "2", "--out", str(out), "--no-progress"])
    printed = capsys.readouterr()
    assert status == 0, printed
    assert "client-a-hebei" in printed.out and "ok" in printed.out
    for slug, lang in (("client-a-hebei", "zh"), ("客户-b", "en")):
        soup = BeautifulSoup(
            (out / slug / "report.html").read_text(encoding="utf-8"), "html.parser"
        )
        assert soup.html["lang"].startswith(lang)
        assert len(soup.find_all("img")) >= 5
        # the files were written by `simulate` (simulation.json beside them): labelled as
        # simulated whichever command reports on them (run.simulation_marker), and the
        # label names no module
        banner = soup.select_one(".crm-simulated")
        assert banner is not None and "crm_research" not in banner.get_text()


def test_batch_on_a_dask_local_cluster_goes_on_after_a_failed_run(tmp_path, capsys, monkeypatch):
    import dask  # distributed is a test dependency: a broken install fails, never skips

    # dask's scratch space (scheduler and worker directories) in tmp_path, not in /tmp;
    # the environment variable reaches the worker processes, the config this process
    scratch = tmp_path / "dask-tmp"
    monkeypatch.setenv("DASK_TEMPORARY_DIRECTORY", str(scratch))
    monkeypatch.setitem(dask.config.config, "temporary-directory", str(scratch))
    tiny = tmp_path / "tiny.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "customers = employees = ledger = scorecard = instruments = None\n"
            "lang = 'zh'\nseed = 1\noutput_dir = '.'\nwork_dir = None\nsimulated = None",
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "from crm_research import pipeline\n"
            "report = pipeline.open_study(customers, employees, ledger, scorecard, "
            "instruments=instruments, lang=lang, output_dir=output_dir, work_dir=work_dir)\n"
            "report.findings_html('problem')"
        ),
    ]
    nbformat.write(nb, tiny)
    config = _batch_config(tmp_path, ["good", "bad"], notebooks=[tiny])
    (tmp_path / "data1" / "ledger.csv").write_text(
        "customer_id,revenue\nc1,abc\n", encoding="utf-8"
    )
    out = tmp_path / "batch"
    status = main(
        [
            "batch",
            str(config),
            "--workers",
            "2",
            "--out",
            str(out),
            "--executor",
            "dask",
            "--no-progress",
        ]
    )
    printed = capsys.readouterr()
    assert status == 1
    lines = {line.split()[0]: line for line in printed.out.splitlines()[1:]}
    assert "ok" in lines["good"] and "failed" in lines["bad"]
    assert "ledger" in lines["bad"]
    assert (out / "good" / "report.html").is_file()
    assert not (out / "bad").exists()
    assert (scratch / "dask-scratch-space").is_dir()
