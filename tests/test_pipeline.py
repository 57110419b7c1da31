"""Tests of crm_research.pipeline infrastructure with tiny notebooks made in tmp_path."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from crm_research import pipeline
from crm_research.errors import InputError
from crm_research.study import TABLE_NAMES
from crm_research.study.psychometrics import FACTOR_STEPS as PSYCHOMETRIC_STEPS


def _notebook(path, *cells, parameters="lang = 'en'\noutput_dir = '.'"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("guide only", metadata={"tags": ["notebook-only"]}),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        *[nbformat.v4.new_code_cell(c) for c in cells],
    ]
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Client A / 2019 (Hebei)", "client-a-2019-hebei"),
        ("  ---  ", "unnamed"),
        ("CON", "con-"),  # a Windows device name never becomes a folder name
        ("../../evil", "evil"),
        ("石家庄 客户", "石家庄-客户"),
        ("Ａｂｃ", "abc"),  # full-width letters (NFKC)
    ],
)
def test_slugify(name, slug):
    assert pipeline.slugify(name) == slug


def test_excel_sheet_names_are_unique_and_at_most_31_characters():
    names = ["a" * 40, "a" * 41, "x/y", "X/Y", "short"]
    sheets = pipeline.excel_sheet_names(names)
    assert all(len(s) <= 31 for s in sheets.values())
    assert len({s.casefold() for s in sheets.values()}) == len(names)
    assert sheets["short"] == "short" and sheets["x/y"] == "x_y"


def test_tables_xlsx_has_one_sheet_per_table_with_the_values(tmp_path):
    tables = {
        "customer_scale_scores_summary_long_name": pd.DataFrame(
            {"scale": ["a", "b"], "mean": [1.5, 2.25]}
        ),
        "abc": pd.DataFrame({"customer_id": ["c1"], "revenue": [10.0]}),
    }
    sheets = pipeline.write_tables_xlsx(tables, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == [sheets[n] for n in tables]
    sheet = book[sheets["customer_scale_scores_summary_long_name"]]
    assert [c.value for c in sheet[1]] == ["scale", "mean"]
    assert [c.value for c in sheet[3]] == ["b", 2.25]


def test_tables_xlsx_bytes_do_not_depend_on_the_clock(tmp_path):
    import zipfile

    tables = {"abc": pd.DataFrame({"customer_id": ["c1", "c2"], "revenue": [10.0, 2.5]})}
    pipeline.write_tables_xlsx(tables, tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as book:
        assert {info.date_time for info in book.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = book.read("docProps/core.xml").decode("utf-8")
    assert core.count(pipeline._XLSX_TIMESTAMP) == 2  # created and modified
    assert openpyxl.load_workbook(tmp_path / "a.xlsx")["abc"]["B3"].value == 2.5
    pipeline.write_tables_xlsx(tables, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_sha256_file_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "x.bin"
    path.write_bytes(bytes(range(256)) * 5000)
    assert pipeline.sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# Output folders
# --------------------------------------------------------------------------------------------


def test_output_folder_rules(tmp_path):
    new = tmp_path / "new"
    assert pipeline.check_output_dir(new) == new
    (tmp_path / "empty").mkdir()
    pipeline.check_output_dir(tmp_path / "empty")
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.docx").write_text("keep me")
    with pytest.raises(InputError, match="not empty and holds no previous report"):
        pipeline.check_output_dir(other)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        pipeline.check_output_dir(tmp_path / "file")
    report = tmp_path / "report"
    report.mkdir()
    (report / "manifest.json").write_text(json.dumps({"kind": pipeline.MANIFEST_KIND}))
    assert pipeline.is_report_dir(report)
    pipeline.check_output_dir(report)
    (other / "manifest.json").write_text(json.dumps({"kind": "something else"}))
    assert not pipeline.is_report_dir(other)


def test_move_into_place_replaces_a_previous_report_and_nothing_else(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"kind": pipeline.MANIFEST_KIND}))
    (out / "old.txt").write_text("old")
    (tmp_path / "neighbour.txt").write_text("stay")
    build = pipeline._new_build_dir(out)
    (build / "report.html").write_text("new")
    pipeline._move_into_place(build, out)
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbour.txt", "r"]


# --------------------------------------------------------------------------------------------
# Running notebooks
# --------------------------------------------------------------------------------------------


def test_run_notebooks_injects_parameters_sets_cwd_and_is_quiet(tmp_path, capfd):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        _notebook(
            src / f"0{i}_nb.ipynb",
            "import os, warnings\nwarnings.warn('noisy')\nprint(lang, os.getcwd())",
        )
    out = tmp_path / "build"
    with pipeline.quiet(False):
        seconds = pipeline.run_notebooks(sorted(src.glob("*.ipynb")), out, {"lang": "zh"})
    assert list(seconds) == ["00_nb", "01_nb", "02_nb"]
    for i in range(3):
        nb = nbformat.read(out / "notebooks" / f"0{i}_nb.ipynb", as_version=4)
        stdout = [
            o["text"]
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("name") == "stdout"
        ]
        assert stdout == [f"zh {out / 'notebooks'}\n"]
        assert nb.metadata["kernelspec"]["name"] == "python3"
        # PYTHONWARNINGS=ignore in the kernel: the warning is not in the notebook
        assert not any(o.get("name") == "stderr" for c in nb.cells for o in c.get("outputs", []))
    captured = capfd.readouterr()
    assert "without encryption" not in captured.err + captured.out
    assert "Executing" not in captured.err  # no papermill progress bar


def test_kernels_run_numpy_on_one_blas_thread(tmp_path, monkeypatch):
    # the pipeline runs notebooks side by side on two cores: OpenBLAS threads must not spin
    for name in pipeline.SINGLE_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    nb = _notebook(
        tmp_path / "blas.ipynb",
        "import numpy, threadpoolctl\n"
        "print(sorted({p['num_threads'] for p in threadpoolctl.threadpool_info()"
        " if p['user_api'] == 'blas'}))",
    )
    with pipeline.quiet(False):
        pipeline.run_notebooks([nb], tmp_path / "build", {"lang": "en"})
    done = nbformat.read(tmp_path / "build" / "notebooks" / "blas.ipynb", as_version=4)
    printed = [o["text"] for c in done.cells for o in c.get("outputs", []) if "text" in o]
    assert printed == ["[1]\n"]


def test_a_failing_notebook_raises_one_line_naming_it_and_keeps_it(tmp_path):
    nb = _notebook(
        tmp_path / "bad_one.ipynb", "x = 1", "raise ValueError('the ledger\\nhas no revenue')"
    )
    with pytest.raises(pipeline.NotebookFailed) as info:
        pipeline.run_notebooks([nb], tmp_path / "build", {})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("notebook bad_one failed: ValueError: the ledger has no revenue")
    kept = nbformat.read(info.value.kept, as_version=4)
    errors = [
        o
        for c in kept.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert errors and errors[0]["ename"] == "ValueError"


# --------------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------------


def _executed_tiny_notebooks(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        _notebook(
            src / f"0{i}_part.ipynb",
            "import sys\nfrom crm_research import pipeline, plots\n"
            f"print('secret stderr {i}', file=sys.stderr)\n"
            f"pipeline.Prose('# Chapter {i}\\n\\n## Section {i}.1\\n\\nText {i}.')",
            "plots.save(plots.scree([2.0, 1.0, 0.5], None, lang), output_dir + '/figures', "
            f"'scree{i}')",
        )
    out = tmp_path / "build"
    pipeline.run_notebooks(sorted(src.glob("*.ipynb")), out, {"lang": "en", "output_dir": ".."})
    return out, sorted((out / "notebooks").glob("*.ipynb"))


def test_report_hides_code_and_has_title_page_contents_figures(tmp_path):
    out, executed = _executed_tiny_notebooks(tmp_path)
    html_path = pipeline.build_report(
        executed,
        out / "report.html",
        lang="en",
        title="My report",
        simulated_note="These data are made up.",
        facts=[("Seed", "7")],
        appendix=pipeline.methods_appendix("en"),
    )
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    text = soup.get_text(" ")
    assert soup.html["lang"] == "en"
    assert "print(" not in text and "plots.save" not in text and "guide only" not in text
    assert "secret stderr" not in text
    assert not soup.find_all("script")
    page = soup.find(id="title-page")
    assert "My report" in page.get_text() and "SIMULATED DATA" in page.get_text()
    assert "These data are made up." in page.get_text()
    links = [a["href"][1:] for a in soup.find(id="contents").find_all("a")]
    headings = [
        h.get_text(" ", strip=True) for h in soup.find_all(["h1", "h2"]) if h.get("id") in links
    ]
    # the report numbers chapters and sections in document order and letters the
    # appendices (thesis style, html._number_headings); "Chapter 0" is the notebook's own
    # heading text, not a number
    assert headings == [
        "1 Chapter 0",
        "1.1 Section 0.1",
        "2 Chapter 1",
        "2.1 Section 1.1",
        "Appendix A: methods and thresholds",
        "References",
    ]
    images = soup.find_all("img")
    assert len(images) == 2
    assert all(img["src"].startswith("data:image/png;base64,") for img in images)
    assert all(img["alt"] == "Scree plot and parallel analysis" for img in images)
    assert "Nunnally (1978)" in text and "Hu & Bentler (1999)" in text


def test_methods_appendix_reads_the_thresholds_from_the_modules():
    from crm_research import reliability, sem

    text = pipeline.methods_appendix("zh")
    assert f"α ≥ {reliability.NUNNALLY_MIN_ALPHA:.2f}" in text
    assert f"RMSEA ≤ {sem.RMSEA_MAX:.2f}" in text
    assert re.search(r"^# 附录", text)


# --------------------------------------------------------------------------------------------
# Batch configuration
# --------------------------------------------------------------------------------------------


def test_batch_config_resolves_paths_and_refuses_duplicates(tmp_path):
    for name in ("c.csv", "e.csv", "l.csv"):
        (tmp_path / name).write_text("x\n")
    config = tmp_path / "batch.yaml"
    config.write_text(
        "runs:\n"
        "  - {name: Client A, customers: c.csv, employees: e.csv, ledger: l.csv, lang: en}\n"
        "  - {name: client-a!, customers: c.csv, employees: e.csv, ledger: l.csv}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="same folder name 'client-a'"):
        pipeline.load_batch_config(config)
    config.write_text(
        "runs:\n  - {name: B, customers: c.csv, employees: e.csv, ledger: missing.csv}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="ledger file .*missing.csv does not exist"):
        pipeline.load_batch_config(config)
    config.write_text(
        "runs:\n  - {name: B, customers: c.csv, employees: e.csv, ledger: l.csv, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="unknown key"):
        pipeline.load_batch_config(config)
    config.write_text(
        "runs:\n  - {name: Bé, customers: c.csv, employees: e.csv, ledger: l.csv, lang: en}\n",
        encoding="utf-8",
    )
    (run,) = pipeline.load_batch_config(config)
    assert run.slug == "bé" and run.lang == "en"
    assert run.customers == str(tmp_path / "c.csv")
    assert dict(run.instruments) == pipeline.DEFAULT_INSTRUMENTS


# --------------------------------------------------------------------------------------------
# The quality log as the report shows it
# --------------------------------------------------------------------------------------------


def _quality_log() -> pd.DataFrame:
    rows = [
        (2, "contact_name", "pii", "", "column dropped (personal data, values not read into the results)"),
        (4, "idn1", "out_of_range", "9", "set to missing"),
        (5, "sat1", "non_numeric", "abc", "set to missing"),
        (6, "loy3", "declared_missing", "-99", "treated as missing"),
        (7, "city", "unknown_level", "北京", "flagged, kept"),
        (26, "customer_id", "duplicate_respondent", "C004", "row excluded (same customer_id as row 5)"),
        (30, "", "duplicate_respondent", "row 12", "row excluded (same answers and background as row 12)"),
        (31, "", "too_many_missing", "20 of 28 items missing", "row excluded (more than 50% of items missing)"),
        (32, "", "straight_lining", "all 28 answers = 5", "flagged, kept"),
        (33, "duration_seconds", "speeder", "40 s (median 300 s)", "flagged, kept"),
        (None, "phone (2)", "duplicate_column", "column G", "column dropped (identical copy of column B)"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["row", "column", "rule", "value", "action"])


def test_quality_log_is_in_the_report_language():
    zh = pipeline.quality_log_frame(_quality_log(), "zh")
    text = " ".join(zh[["rule", "value", "action"]].astype(str).to_numpy().ravel())
    # no English words of the screening log in a Chinese report (ids such as C004 stay)
    assert not re.search(r"[a-z]{3,}", text.replace("C004", "").replace("customer_id", "")), text
    assert zh["action"].iloc[0] == "删除该列(个人信息,取值未读入结果)"
    assert zh["value"].iloc[7] == "28 个题项中缺失 20 个"
    assert zh["rule"].iloc[1] == "超出范围"
    en = pipeline.quality_log_frame(_quality_log(), "en")
    assert en["action"].tolist() == _quality_log()["action"].tolist()
    assert en["rule"].iloc[2] == "not a number"
    assert en["value"].tolist()[1:4] == ["9", "(text not shown)", "-99"]
    # typed text is never repeated: a name in a category column, a phone number as id
    assert en["value"].iloc[4] == "(text not shown)" and en["value"].iloc[5] == "C004"
    for rule, cell in [("unknown_level", "李秀兰"), ("duplicate_respondent", "13612345678"),
                       ("unknown_level", "Oliver Smith"), ("bad_date", "ip 61.182.33.44"),
                       ("undeclared_code", "130102199001011234")]:  # fmt: skip
        assert pipeline.quality_value(rule, cell, "zh") == "(文本,不予显示)"


# --------------------------------------------------------------------------------------------
# Sections the data cannot support: one sentence naming why (no notebooks run here)
# --------------------------------------------------------------------------------------------


def _context(study, lang="en", tmp_path=None):
    from pathlib import Path

    bundle = pipeline.StudyBundle(study, (), {}, {}, {}, False, None, 0.0)
    return pipeline.ReportContext(bundle, lang, Path(tmp_path or "."))


@pytest.fixture(scope="module")
def small_study():
    """20 customers (fewer than the 27 Likert items), no scorecard, ABC cut at 80%/95%."""
    from crm_research.cases.d_company import simulate
    from crm_research.study import run_study

    case = simulate(1, n_customers=20, n_employees=12)
    return run_study(
        case.customers, case.employees, case.ledger, a_cut=0.8, b_cut=0.95, posthoc=False
    )


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (
            "en",
            "Factor analysis needs more respondents than items (20 respondents, 27 items); "
            "it is left out.",
        ),
        ("zh", "只有 20 位受访者、27 个题项,因子分析需要受访者多于题项,故略去。"),
    ],
)
def test_factor_analyses_on_fewer_respondents_than_items_give_one_reason(
    small_study, lang, sentence
):
    fa = _context(small_study, lang).factor_analyses("customer")
    assert not any(fa.ran(step) for step in pipeline.FACTOR_STEPS)
    # the study left every factor table out, each with the same reason code
    fa_tables = [f"customer_{suffix}" for group in PSYCHOMETRIC_STEPS.values() for suffix in group]
    assert fa_tables and not any(n in small_study.tables for n in fa_tables)
    assert {small_study.absent[n].code for n in fa_tables} == {"fa_too_few"}
    note = fa.note("adequacy")
    assert note.markdown.endswith(sentence)
    assert note.markdown.startswith("## 2.2 ")  # under the section's heading
    # said once: the later steps show nothing at all (display(None) would print "None")
    for step in ("parallel", "efa", "cfa"):
        assert fa.note(step) is pipeline.NOTHING and not fa.note(step)
    assert fa.to_frame()["ran"].tolist() == [False] * 4
    with pytest.raises(InputError, match="Unknown factor-analysis step"):
        fa.ran("pca")


def _few_items(small_study):
    from crm_research.study import factor_items

    data = small_study.customers
    return factor_items(data.items, data.instrument).head(15).iloc[:, :6]


def test_factor_analyses_leave_out_only_the_step_that_fails(small_study, monkeypatch):
    from crm_research import factor
    from crm_research.study import factor_tables

    items = _few_items(small_study)
    model = {"a": list(items.columns[:3]), "b": list(items.columns[3:])}

    def not_identified(*args, **kwargs):
        from crm_research.errors import NotIdentifiedError

        raise NotIdentifiedError("The model has 9 free parameters but only 6 ...; not identified.")

    monkeypatch.setattr(factor, "cfa", not_identified)
    tables, absent = factor_tables(items, model, "customer", n_iter=20)
    assert {"customer_kmo", "customer_parallel_analysis", "customer_efa_loadings"} <= set(tables)
    assert not any(n.startswith("customer_cfa") for n in tables)
    assert {a.code for n, a in absent.items() if n.startswith("customer_cfa")} == {
        "fa_not_identified"
    }
    study = replace(small_study, tables={**small_study.tables, **tables}, absent=absent)
    fa = _context(study, "en").factor_analyses("customer")
    assert fa.ran("adequacy") and fa.ran("parallel") and fa.ran("efa") and not fa.ran("cfa")
    note = fa.note("cfa").markdown
    assert note.startswith("## 2.5 Confirmatory factor analysis")
    assert "Confirmatory factor analysis cannot be estimated because the model has more" in note

    # a constant item stops every step, with its name
    tables, absent = factor_tables(items.assign(idn2=3.0), model, "customer", n_iter=20)
    assert not tables and {a.code for a in absent.values()} == {"fa_constant"}
    assert "every respondent gave item idn2 the same answer" in absent["customer_kmo"].text["en"]


def test_factor_analyses_still_raise_a_bug(small_study, monkeypatch):
    """Only 'the data cannot support this' (InputError) is turned into a sentence."""
    from crm_research import factor
    from crm_research.study import factor_tables

    items = _few_items(small_study)
    monkeypatch.setattr(factor, "kmo", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        factor_tables(items, {"a": list(items.columns)}, "customer", n_iter=20)


@pytest.fixture(scope="module")
def case_study():
    """The simulated case with 120 customers (enough for every factor step)."""
    from crm_research.cases.d_company import simulate
    from crm_research.study import run_study

    case = simulate(3, n_customers=120, n_employees=20)
    return run_study(case.customers, case.employees, case.ledger, posthoc=False, seed=11)


def test_study_tables_carry_what_the_report_showed_of_each_fit(case_study):
    """The factor tables hold what the factor results hold (the report only looks them up)."""
    from crm_research import factor
    from crm_research.study import factor_items, measurement_model

    STUDY = case_study
    case_items = factor_items(STUDY.customers.items, STUDY.customers.instrument)
    model = measurement_model(STUDY.customers.instrument)
    tables = {n[len("customer_"):]: t for n, t in STUDY.tables.items() if n.startswith("customer_")}
    kmo = factor.kmo(case_items)
    assert tables["kmo"].set_index("item")["msa"].to_dict() == pytest.approx(
        {**kmo.per_item.to_dict(), "overall": kmo.overall}, abs=5e-7
    )
    seed = STUDY.parameters["parallel_seed"]
    assert seed == 11
    parallel = factor.parallel_analysis(case_items, n_iter=100, seed=seed)
    assert tables["parallel_analysis"]["factor_quantile"].tolist() == pytest.approx(
        parallel.simulated["factor_quantile"].tolist(), abs=5e-7
    )
    assert int(tables["parallel_analysis"]["n_factors"].iloc[0]) == parallel.n_factors
    efa = factor.efa(case_items, parallel.n_factors, method="minres", rotation="oblimin")
    assert tables["efa_loadings"].set_index("item")["communality"].tolist() == pytest.approx(
        efa.communalities.tolist(), abs=5e-7
    )
    cfa = factor.cfa(case_items, model)
    fit = tables["cfa_fit"].set_index("measure")["value"]
    assert fit["cfi"] == pytest.approx(cfa.fit["cfi"], abs=5e-7)
    assert tables["cfa_validity"].set_index("factor")["ave"].to_dict() == pytest.approx(
        cfa.ave.to_dict(), abs=5e-7
    )
    assert set(tables["cfa_htmt"].columns) == {"factor", *model}
    points = STUDY.table("satisfaction_loyalty_points")
    assert len(points) == len(STUDY.customers.scores)
    assert points["satisfaction"].tolist() == pytest.approx(
        STUDY.customers.scores["satisfaction"].tolist(), abs=5e-7, nan_ok=True
    )


def test_left_out_names_the_missing_input_in_the_report_language(small_study):
    assert not small_study.tables.get("scorecard")
    en, zh = _context(small_study, "en"), _context(small_study, "zh")
    assert not en.has("scorecard") and en.has("abc", "abc_summary")
    assert en.left_out("scorecard").markdown == (
        "No implementation scorecard was supplied for this report."
    )
    note = zh.left_out("ipa", "cs.ipa").markdown
    assert note.startswith("## 3.3 重要性–表现分析\n\n")  # heading, then the one sentence
    assert en.left_out("no_such_table").markdown.startswith("The table no_such_table")
    # the reasons are the study's: one code and a sentence per language for each absent table
    assert small_study.absent["scorecard"].code == "no_scorecard"
    assert set(small_study.absent) == set(TABLE_NAMES) - set(small_study.tables)


def test_abc_text_quotes_the_cut_offs_the_study_used(small_study):
    assert small_study.table("abc_summary")[["a_cut", "b_cut"]].iloc[0].tolist() == [0.8, 0.95]
    en, zh = _context(small_study, "en"), _context(small_study, "zh")
    assert en.abc_cuts() == {"a_cut": "80%", "b_cut": "95%"}
    text = en.say("cv.abc", **en.abc_cuts()).markdown
    assert "A up to 80% of cumulative revenue, B up to 95%" in text
    assert "70%" not in text and "90%" not in text
    assert "累计占比 80% 以内为 A 类、95% 以内为 B 类" in zh.say("cv.abc", **zh.abc_cuts()).markdown
    appendix = pipeline.methods_appendix("en", abc_cuts=small_study.parameters["abc_cuts"])
    assert "A ≤ 80%, B ≤ 95%" in appendix
    assert "A ≤ 70%, B ≤ 90%" in pipeline.methods_appendix("en")


def test_a_kernel_that_does_not_start_is_retried_and_a_failing_cell_never(
    tmp_path, monkeypatch
):
    """Seen in CI: a batch worker's kernel never answered kernel_info (120 s bound)."""
    import papermill as pm

    from crm_research import pipeline

    calls: list[str] = []

    def slow_kernel_then_ok(source, output, **kwargs):
        calls.append(source)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 300 seconds")
        Path(output).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(pm, "execute_notebook", slow_kernel_then_ok)
    nb = tmp_path / "01_x.ipynb"
    nb.write_text("{}", encoding="utf-8")
    pipeline.execute_notebook(nb, tmp_path / "out" / "01_x.ipynb")
    assert len(calls) == 2

    calls.clear()

    def kernel_never_starts(source, output, **kwargs):
        calls.append(source)
        raise RuntimeError("Kernel didn't respond in 300 seconds")

    monkeypatch.setattr(pm, "execute_notebook", kernel_never_starts)
    with pytest.raises(pipeline.NotebookFailed, match="Kernel didn't respond"):
        pipeline.execute_notebook(nb, tmp_path / "out" / "01_x.ipynb")
    assert len(calls) == pipeline.KERNEL_START_ATTEMPTS

    calls.clear()

    def failing_cell(source, output, **kwargs):
        calls.append(source)
        raise pm.PapermillExecutionError(3, 4, "x", "ValueError", "bad value", [])

    monkeypatch.setattr(pm, "execute_notebook", failing_cell)
    with pytest.raises(pipeline.NotebookFailed, match="ValueError: bad value"):
        pipeline.execute_notebook(nb, tmp_path / "out" / "01_x.ipynb")
    assert len(calls) == 1
