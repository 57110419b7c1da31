"""Personal data never reaches an output.

The simulated D-company customer file (``simulate(seed, "thesis")``) gets personal data
planted in every shape the readers know: declared ``pii`` columns of the instrument
(``contact_name``, ``phone``), undeclared columns recognised by name (``联系人``, ``手机``,
``邮箱``, ``email``, Wenjuanxing's ``来自IP``), Qualtrics' ``IPAddress``, ``RecipientEmail``
and ``RecipientFirstName``/``RecipientLastName``, and personal columns in the employee file
and the ledger.  Then the reports are built -- ``crm-research report`` (findings and tables)
and the notebook pipeline (HTML report, executed notebooks, tables.xlsx, manifest) -- and
EVERY output file, plus stdout and stderr, is searched for every planted value (and the
digits-only and float spellings of the phone numbers).  The column NAMES may appear (the
quality log says which columns were dropped); no value may.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from crm_research import pipeline
from crm_research.cases.d_company import simulate
from crm_research.report.text import QUALITY_VALUE_HIDDEN
from crm_research.report.typeset import zh_punctuation

PROJECT = Path(__file__).resolve().parent.parent
SEED = 7
N_CUSTOMERS = 60
N_EMPLOYEES = 12
SURNAMES_ZH = ("欧阳", "司马", "诸葛", "上官", "慕容", "皇甫")
GIVEN_ZH = ("婉儿", "明轩", "子涵", "雨桐", "浩然", "梓萱", "思远", "若曦", "天佑", "嘉怡")
SURNAMES_EN = ("Ouyang", "Sima", "Zhuge", "Shangguan", "Murong", "Huangfu")
GIVEN_EN = ("Wan'er", "Mingxuan", "Zihan", "Yutong", "Haoran", "Zixuan", "Siyuan", "Ruoxi")


def zh_name(i: int) -> str:
    return SURNAMES_ZH[i % len(SURNAMES_ZH)] + GIVEN_ZH[(i // len(SURNAMES_ZH)) % len(GIVEN_ZH)]


def en_name(i: int) -> str:
    return f"{GIVEN_EN[i % len(GIVEN_EN)]} {SURNAMES_EN[(i // len(GIVEN_EN)) % len(SURNAMES_EN)]}"


def phone(i: int, prefix: str = "138") -> str:
    return f"{prefix}{41170000 + 7919 * i:08d}"


def plant_customers(customers: pd.DataFrame, style: str) -> tuple[pd.DataFrame, list[str]]:
    """Add personal-data columns to the simulated customers; return the frame and the values."""
    n = len(customers)
    df = customers.copy()
    planted: dict[str, list[str]] = {}
    if style == "table":
        planted = {
            "contact_name": [zh_name(i) for i in range(n)],  # declared pii
            "phone": [f"+86 {phone(i)}" for i in range(n)],  # declared pii
            "联系人": [en_name(i) for i in range(n)],  # undeclared, recognised by name
            "手机": [phone(i, "139") for i in range(n)],  # digits only: read as a number
            "邮箱": [f"kehu{i:03d}@hebei-school.cn" for i in range(n)],
            "email": [f"{en_name(i).split()[0].lower()}.{i}@example.org" for i in range(n)],
            "来自IP": [f"203.0.113.{i + 1}(河北-石家庄)" for i in range(n)],
        }
    elif style == "qualtrics":
        planted = {
            "IPAddress": [f"198.51.100.{i + 1}" for i in range(n)],
            "RecipientEmail": [f"resp{i:03d}@qualtrics-panel.net" for i in range(n)],
            "RecipientFirstName": [GIVEN_EN[i % len(GIVEN_EN)] + f"Q{i}" for i in range(n)],
            "RecipientLastName": [SURNAMES_EN[i % len(SURNAMES_EN)] + f"Q{i}" for i in range(n)],
            "contact_name": [en_name(i) + f" Jr{i}" for i in range(n)],
        }
    elif style == "wenjuanxing":
        planted = {
            "来自IP": [f"192.0.2.{i + 1}(河北-保定)" for i in range(n)],
            "姓名": [zh_name(i) + "女士" for i in range(n)],
            "5、您的手机号": [phone(i, "137") for i in range(n)],
        }
    else:  # pragma: no cover
        raise ValueError(style)
    for column, values in planted.items():
        df[column] = values
    if style == "wenjuanxing":
        df.insert(0, "序号", range(1, n + 1))
        df.insert(1, "提交答卷时间", df.pop("submitted_at"))
        df.insert(2, "所用时间", [f"{s}秒" for s in df.pop("duration_seconds")])
    if style == "qualtrics":
        # Qualtrics: a second header row of question texts, a third of ImportIds
        df.insert(0, "ResponseId", [f"R_{i:05d}xyz" for i in range(n)])
        df.insert(1, "StartDate", df["submitted_at"])
        texts = pd.DataFrame([{c: f"Q: {c}" for c in df.columns}])
        imports = pd.DataFrame([{c: json.dumps({"ImportId": c}) for c in df.columns}])
        df = pd.concat([texts, imports, df.astype(object)], ignore_index=True)
    values = [v for vs in planted.values() for v in vs]
    return df, values


def plant_employees(employees: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    n = len(employees)
    df = employees.copy()
    df["姓名"] = [SURNAMES_ZH[i % 6] + "员工" + GIVEN_ZH[i % 10] for i in range(n)]
    df["phone"] = [f"+86-{phone(i, '150')}" for i in range(n)]
    return df, list(df["姓名"]) + list(df["phone"])


def plant_ledger(ledger: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    df = ledger.copy()
    codes = {c: k for k, c in enumerate(sorted(df["customer_id"].unique()))}
    df["联系人"] = [zh_name(100 + codes[c]) + "经理" for c in df["customer_id"]]
    df["联系电话"] = [phone(codes[c], "186") for c in df["customer_id"]]
    return df, list(df["联系人"]) + list(df["联系电话"])


def spellings(value: str) -> set[str]:
    """The value and the forms a number could take on its way to an output."""
    out = {value}
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.lstrip("+").replace(" ", "").replace("-", "").isdigit() and len(digits) >= 11:
        national = digits[-11:]
        out |= {national, f"{float(national):.6f}", f"{float(national)}", f"{int(national):,}"}
        out.add(f"{float(national):.6e}")
    if "(" in value:  # Wenjuanxing's "IP(place)": the address alone
        out.add(value.split("(")[0])
    return out


def output_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text (xlsx and zip members unpacked, JSON decoded)."""
    texts: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(folder))
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for member in z.namelist():
                    texts[f"{name}!{member}"] = z.read(member).decode("utf-8", "replace")
            continue
        text = data.decode("utf-8", "replace")
        texts[name] = text
        if path.suffix in (".json", ".ipynb"):
            try:  # \\uXXXX escapes decoded
                texts[name + " (decoded)"] = json.dumps(json.loads(text), ensure_ascii=False)
            except ValueError:
                pass
    return texts


_BASE64_IMAGE = re.compile(
    r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\\n]+|\"image/png\": \"[A-Za-z0-9+/=\\n]+\""
)


def leaks(texts: dict[str, str], values: list[str]) -> list[tuple[str, str]]:
    """(file, spelling) for every planted value found in a text (case-insensitive)."""
    needles = sorted({form.casefold() for v in values for form in spellings(v)}, key=len)
    pattern = re.compile("|".join(re.escape(n) for n in reversed(needles)))
    found = []
    for name, text in texts.items():
        # images are bytes of pixels, not text: drop their base64 payloads before searching
        searchable = _BASE64_IMAGE.sub("", text).casefold()
        found.extend((name, m.group(0)) for m in pattern.finditer(searchable))
    return found


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "crm_research", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=env,
    )


@pytest.fixture(scope="module")
def case():
    return simulate(SEED, "thesis", n_customers=N_CUSTOMERS, n_employees=N_EMPLOYEES)


@pytest.fixture(scope="module")
def planted_inputs(case, tmp_path_factory):
    """Input files with personal data planted; returns (folder, paths by role, values)."""
    folder = tmp_path_factory.mktemp("pii_inputs")
    customers, values = plant_customers(case.customers, "table")
    employees, emp_values = plant_employees(case.employees)
    ledger, led_values = plant_ledger(case.ledger)
    paths = {
        "customers": folder / "customers.csv",
        "employees": folder / "employees.csv",
        "ledger": folder / "ledger.csv",
        "scorecard": folder / "scorecard.csv",
    }
    customers.to_csv(paths["customers"], index=False)
    employees.to_csv(paths["employees"], index=False)
    ledger.to_csv(paths["ledger"], index=False)
    case.scorecard.to_csv(paths["scorecard"], index=False)
    return folder, paths, values + emp_values + led_values


def test_planted_values_are_really_in_the_inputs(planted_inputs):
    """The search would find them: every planted value is in some input file."""
    folder, paths, values = planted_inputs
    found = {form for _, form in leaks(output_texts(folder), values)}
    missing = [v for v in values if v.casefold() not in found]
    assert not missing
    assert len(values) > 5 * N_CUSTOMERS


def test_readers_drop_every_planted_column(planted_inputs):
    from crm_research.readers import read_responses

    _, paths, values = planted_inputs
    resp = read_responses(paths["customers"], "d_company_customer")
    assert set(resp.dropped_pii) == {"contact_name", "phone", "联系人", "手机", "邮箱", "email",
                                     "来自IP"}  # fmt: skip
    frame = resp.to_frame().astype(str)
    blob = frame.to_csv() + repr(resp) + resp.quality.to_frame().to_csv()
    assert not leaks({"responses": blob}, values)


@pytest.fixture(scope="module")
def cli_report(planted_inputs, tmp_path_factory):
    """``crm-research report`` on the planted files (findings.json, findings.md, tables)."""
    _, paths, _ = planted_inputs
    out = tmp_path_factory.mktemp("pii_cli") / "report"
    proc = run_cli(
        "report",
        "--customers", str(paths["customers"]),
        "--employees", str(paths["employees"]),
        "--ledger", str(paths["ledger"]),
        "--scorecard", str(paths["scorecard"]),
        "--out", str(out), "--no-html",
        cwd=out.parent,
    )  # fmt: skip
    return out, proc


def test_report_command_writes_no_personal_data(cli_report, planted_inputs):
    out, proc = cli_report
    assert proc.returncode == 0, proc.stderr
    texts = output_texts(out)
    assert "findings.json" in texts and any(k.startswith("tables") for k in texts)
    texts["<stdout>"] = proc.stdout
    texts["<stderr>"] = proc.stderr
    assert not leaks(texts, planted_inputs[2])


@pytest.mark.parametrize("style", ["qualtrics", "wenjuanxing"])
def test_platform_exports_write_no_personal_data(case, tmp_path, style):
    customers, values = plant_customers(case.customers, style)
    path = tmp_path / f"customers_{style}.csv"
    customers.to_csv(path, index=False, header=True)
    employees = tmp_path / "employees.csv"
    case.employees.to_csv(employees, index=False)
    ledger = tmp_path / "ledger.csv"
    case.ledger.to_csv(ledger, index=False)
    validate = run_cli("validate", str(path), "--instrument", "d_company_customer", "--json",
                       cwd=tmp_path)  # fmt: skip
    assert validate.returncode == 0, validate.stderr
    doc = json.loads(validate.stdout)
    assert doc["platform"] == style
    assert doc["rows_kept"] == N_CUSTOMERS
    out = tmp_path / "report"
    proc = run_cli("report", "--customers", str(path), "--employees", str(employees),
                   "--ledger", str(ledger), "--out", str(out), "--no-html", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    texts = output_texts(out)
    texts["<validate>"] = validate.stdout + validate.stderr
    texts["<report>"] = proc.stdout + proc.stderr
    assert not leaks(texts, values)


# --------------------------------------------------------------------------------------
# The notebook pipeline (HTML report, executed notebooks, tables.xlsx, manifest)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_report(planted_inputs, tmp_path_factory):
    _, paths, _ = planted_inputs
    out = tmp_path_factory.mktemp("pii_pipeline") / "report"
    stdout, stderr = io.StringIO(), io.StringIO()
    from contextlib import redirect_stderr, redirect_stdout

    with redirect_stdout(stdout), redirect_stderr(stderr):
        result = pipeline.run_pipeline(
            paths["customers"],
            paths["employees"],
            paths["ledger"],
            paths["scorecard"],
            out_dir=out,
            lang="zh",
            seed=SEED,
        )
    return out, result, stdout.getvalue() + stderr.getvalue()


def test_pipeline_outputs_hold_no_personal_data(pipeline_report, planted_inputs):
    out, result, console = pipeline_report
    texts = output_texts(out)
    names = set(texts)
    assert "report.html" in names and "manifest.json" in names and "findings.json" in names
    assert any(n.startswith("notebooks/") for n in names)
    assert any(n.startswith("tables.xlsx!") for n in names)
    texts["<console>"] = console
    found = leaks(texts, planted_inputs[2])
    assert not found, sorted({name for name, _ in found})[:10]


def test_no_personal_data_in_the_inputs_copied_to_the_report(pipeline_report):
    out, _, _ = pipeline_report
    assert not (out / "inputs").exists()  # inputs are copied only for the simulated case
    assert all(p.parent.name == "tables" for p in out.rglob("*.csv"))


# --------------------------------------------------------------------------------------
# Personal data in cells the readers keep: answers typed into item cells, free-text
# background columns under headers no rule recognises, a phone number as respondent id
# --------------------------------------------------------------------------------------


def plant_cells(customers: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    df = customers.copy().astype(object)
    values = {
        ("sat1", 2): "wang.planted@example.com",  # non_numeric: the cell is free text
        ("nps", 3): phone(901),  # out_of_range: 11 digits
        ("idn1", 4): "130102199001011234",  # out_of_range: an ID-card number
        ("loy1", 5): "我的电话 " + phone(902, "135"),
        ("submitted_at", 6): "ip 203.0.113.77",  # bad_date
    }
    for (column, row), value in values.items():
        df.loc[row, column] = value
    df.loc[8, "customer_id"] = df.loc[9, "customer_id"] = phone(903, "136")  # duplicate id
    comments = [
        f"请联系 {zh_name(i)}先生 {phone(i, '133')} 或 k{i}@mail-planted.cn" for i in range(len(df))
    ]
    df["意见建议"] = comments  # free text kept as background: never shown
    df["客户单位全称"] = [f"保定市{zh_name(i)}教育咨询有限公司" for i in range(len(df))]
    planted = [*values.values(), phone(903, "136"), *comments, *df["客户单位全称"]]
    planted += [phone(i, "133") for i in range(len(df))] + [
        f"k{i}@mail-planted.cn" for i in range(len(df))
    ]
    return df, planted


@pytest.fixture(scope="module")
def cell_inputs(case, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pii_cells")
    customers, values = plant_cells(case.customers)
    paths = {role: folder / f"{role}.csv" for role in ("customers", "employees", "ledger")}
    customers.to_csv(paths["customers"], index=False)
    case.employees.to_csv(paths["employees"], index=False)
    case.ledger.to_csv(paths["ledger"], index=False)
    assert not leaks({"ledger": paths["ledger"].read_text(encoding="utf-8")}, values)
    return folder, paths, values


def test_quality_log_of_the_report_repeats_no_personal_cell(cell_inputs, tmp_path):
    import nbformat

    _, paths, values = cell_inputs
    out = tmp_path / "report"
    source = nbformat.read(pipeline.NOTEBOOKS_DIR / "01_data_quality.ipynb", as_version=4)
    nb = tmp_path / "01_data_quality.ipynb"
    nbformat.write(source, nb)
    result = pipeline.run_pipeline(
        paths["customers"], paths["employees"], paths["ledger"], out_dir=out, lang="zh",
        notebooks=[nb],
    )  # fmt: skip
    html = (out / "report.html").read_text(encoding="utf-8")
    # the problem is listed, its text not; the page sets Chinese with full-width punctuation
    # (html.build_report's last pass), so the marker reads （文本，不予显示） there
    hidden = zh_punctuation(QUALITY_VALUE_HIDDEN["zh"])
    assert "sat1" in html and hidden in html, hidden
    found = leaks(output_texts(out), values)
    assert not found, sorted(set(found))[:10]
    # the study behind the page is the whole one: its findings are written and counted
    records = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert result.n_findings == len(records) > 0


def test_a_failed_build_keeps_no_personal_data(cell_inputs, tmp_path):
    """The build kept for inspection (``DIR.failed``) holds no study cache of responses."""
    import nbformat

    _, paths, values = cell_inputs
    nb = nbformat.read(pipeline.NOTEBOOKS_DIR / "01_data_quality.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("report.table('no_such_table')"))
    bad = tmp_path / "01_broken.ipynb"
    nbformat.write(nb, bad)
    out = tmp_path / "report"
    with pytest.raises(pipeline.NotebookFailed):
        pipeline.run_pipeline(
            paths["customers"], paths["employees"], paths["ledger"], out_dir=out,
            notebooks=[bad],
        )  # fmt: skip
    failed = tmp_path / "report.failed"
    assert (failed / "notebooks" / "01_broken.ipynb").is_file()
    assert not list(failed.rglob("*.pkl"))
    found = leaks(output_texts(failed), values)
    assert not found, sorted(set(found))[:10]


# --------------------------------------------------------------------------------------
# The report's own hiding, alone: screening's hiding switched off, the notebooks run in this
# process, every displayed output and every figure's text elements (before rasterising:
# a label in a PNG is outside any text search) searched for the planted values
# --------------------------------------------------------------------------------------

#: A phone number typed into the ledger's city column (the ledger is not a survey export).
LEDGER_CITY_PHONE = "13912345678"


def _shown_text(obj) -> str:
    """What a notebook shows of a displayed object, as text (HTML or Markdown)."""
    for method in ("_repr_html_", "_repr_markdown_"):
        render = getattr(obj, method, None)
        if render is not None:
            value = render()
            return str(value[0] if isinstance(value, tuple) else value)
    return "" if obj is None else str(obj)


def _run_cells(source: str, name: str, namespace: dict, shown: list) -> None:
    """One code cell as Jupyter runs it: its last expression is displayed."""
    import ast

    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
        if value is not None:
            shown.append(value)


@pytest.fixture(scope="module")
def unscreened_report(case, tmp_path_factory):
    """The report notebooks run in this process on exports with personal data typed into
    cells, with screening's hiding (``looks_like_personal_data``) switched off: the report
    layer gets the raw cells (the ledger is not screened at all).  Returns (raw quality log, displayed texts, figure texts,
    survey values planted)."""
    import matplotlib
    import matplotlib.figure
    import matplotlib.text
    import nbformat

    import crm_research.screening as screening

    folder = tmp_path_factory.mktemp("pii_unscreened")
    customers, values = plant_cells(case.customers)
    ledger = case.ledger.copy().astype(object)
    ledger.loc[ledger.index[0], "city"] = LEDGER_CITY_PHONE
    paths = {role: folder / f"{role}.csv" for role in ("customers", "employees", "ledger")}
    customers.to_csv(paths["customers"], index=False)
    case.employees.to_csv(paths["employees"], index=False)
    ledger.to_csv(paths["ledger"], index=False)
    figure_texts: list[tuple[str, str]] = []
    savefig = matplotlib.figure.Figure.savefig

    def recording_savefig(fig, *args, **kwargs):
        for ax in fig.axes:  # tick labels are formatted when asked for, before drawing
            ax.get_xticklabels()
            ax.get_yticklabels()
        title = fig.axes[0].get_title() if fig.axes else ""
        figure_texts.extend((title, t.get_text()) for t in fig.findobj(matplotlib.text.Text))
        return savefig(fig, *args, **kwargs)

    shown: list = []
    report = None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(screening, "looks_like_personal_data", lambda text: False)
        mp.setattr(matplotlib.figure.Figure, "savefig", recording_savefig)
        # the report's notebooks only (07_models, the researcher's notebook, is no chapter)
        for path in (pipeline.NOTEBOOKS_DIR / f"{n}.ipynb" for n in pipeline.NOTEBOOK_NAMES):
            cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
            namespace: dict = {"display": shown.append}
            exec(cells[0].source, namespace)  # the parameters cell, then the run's values
            namespace.update(
                customers=str(paths["customers"]), employees=str(paths["employees"]),
                ledger=str(paths["ledger"]), scorecard=None, lang="zh",
                output_dir=str(folder / "report"), work_dir=str(folder / "work"),
            )  # fmt: skip
            for k, cell in enumerate(cells[1:], start=1):
                _run_cells(cell.source, f"{path.name}, cell {k}", namespace, shown)
            report = namespace["report"]
    raw_log = report.study.customers.quality
    texts = [_shown_text(obj) for obj in shown]
    return raw_log, texts, figure_texts, values


def test_the_report_hides_personal_cells_itself(unscreened_report):
    raw_log, texts, _, values = unscreened_report
    # the report layer really got the typed cells (screening's hiding was off) ...
    typed = values[:4]  # an e-mail address, a phone and an ID-card number, a phone in words
    assert set(typed) <= set(raw_log["value"].astype(str)), raw_log
    # ... and its quality log lists the problems without them
    page = "\n".join(texts)
    assert "sat1" in page and "(文本,不予显示)" in page
    found = leaks({"displayed": page}, values)
    assert not found, sorted(set(found))[:10]


def test_figure_texts_hold_no_personal_data(unscreened_report):
    _, _, figure_texts, values = unscreened_report
    titles = {title for title, _ in figure_texts}
    assert len(titles) >= 8  # every chapter's figures were drawn and looked at
    found = leaks({f"{title} #{k}": text for k, (title, text) in enumerate(figure_texts)}, values)
    assert not found, sorted(set(found))[:10]


def test_figure_texts_hold_no_personal_data_from_the_ledger(unscreened_report):
    _, _, figure_texts, _ = unscreened_report
    found = [(title, text) for title, text in figure_texts if LEDGER_CITY_PHONE in text]
    assert not found, found


def test_ledger_personal_data_is_hidden_when_read(tmp_path):
    """The ledger is not screened by the reader: load_ledger itself drops a column named like
    personal data and turns a label cell that looks like personal data into the named level
    HIDDEN_LEVEL (its revenue still counted, in a group of its own), leaving the file
    untouched; a really empty cell stays missing."""
    from crm_research.study.inputs import HIDDEN_LEVEL, load_ledger

    path = tmp_path / "ledger.csv"
    pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "city": ["Shijiazhuang", "138-1234-5678", "Baoding", None],
            "联系电话": ["13812345678", "13912345678", "13712345678", "13612345678"],
            "year": [2019, 2019, 2019, 2019],
            "revenue": [10.0, 20.0, 30.0, 40.0],
        }
    ).to_csv(path, index=False)
    before = path.read_bytes()
    ledger = load_ledger(path)
    assert "联系电话" not in ledger.columns
    assert ledger["city"].tolist()[:3] == ["Shijiazhuang", HIDDEN_LEVEL, "Baoding"]
    assert ledger["city"].isna().tolist() == [False, False, False, True]
    assert ledger["revenue"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert path.read_bytes() == before


def test_a_hidden_ledger_label_keeps_its_revenue_in_a_named_group(tmp_path):
    """The revenue concentration runs on a ledger with a hidden city: the hidden rows form a
    group of their own (no total changes); a really missing city is still refused by name."""
    from crm_research.errors import InputError
    from crm_research.segmentation import concentration
    from crm_research.study.inputs import HIDDEN_LEVEL, load_ledger

    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "city": ["Shijiazhuang", "138-1234-5678", "Baoding"],
            "year": [2019, 2019, 2019],
            "revenue": [10.0, 20.0, 30.0],
        }
    )
    groups = concentration(load_ledger(frame), "city").groups
    assert dict(zip(groups["city"], groups["revenue"], strict=True)) == {
        "Baoding": 30.0, "Shijiazhuang": 10.0, HIDDEN_LEVEL: 20.0,
    }  # fmt: skip
    assert groups["share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="'city' of the ledger has a missing value"):
        concentration(load_ledger(frame.assign(city=["Shijiazhuang", None, "Baoding"])), "city")
