"""The report as a document (issue 13): thesis order, numbered captions, Word, no internals.

Unit tests build the document's sections from a small simulated study (seconds); the slow
tests read whole reports built through the command line: the D-company case (zh and en,
shared with test_word.py / test_print.py when they run in the same process) and a report of
``crm-research report`` on files written by ``simulate``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup
from report_pages import build_report as build_case_report

from crm_research.cases.d_company import simulate
from crm_research.cli import main
from crm_research.findings import derive_findings
from crm_research.report.display import format_number, format_p_apa, zh_punctuation
from crm_research.report.doc_text import DOCUMENT_TEXT
from crm_research.report.document import (
    SECTION_IDS,
    THESIS_REFERENCE,
    document_sections,
    ranked_findings,
)
from crm_research.report.html import build_report
from crm_research.report.run import simulation_marker
from crm_research.report.text import CATALOGUES, COLUMN_LABELS, PLOT_TEXT, text
from crm_research.study import run_study

#: ASCII punctuation right after a Chinese character (or full-width mark): what a zh text
#: must not have (GB/T 15834-2011 asks for ，：；（）in Chinese prose).
HALF_WIDTH_AFTER_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef][,:;()]")
#: A snake_case key (two or more lower-case words joined by "_") or a CSV file name.
INTERNAL = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[\w\-]+\.csv\b")
#: Parts of the page a client does not read as text: the research appendices.
RESEARCH_APPENDIX_IDS = ("appendix-provenance",)


# ------------------------------------------------------------------------------ helpers
def item_codes(*instruments: str) -> set[str]:
    """The questionnaires' own item codes (shown beside each item's wording on purpose)."""
    from crm_research.instrument import load_instrument

    return {item.id for name in instruments for item in load_instrument(name).items}


def leaks(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """snake_case keys and CSV file names in a text, the item codes ``allowed``."""
    return sorted(set(INTERNAL.findall(text)) - set(allowed))


def visible_text(soup: BeautifulSoup, *, without_appendices: bool = False) -> str:
    """The text a reader sees (no style, script, code input or image data)."""
    soup = BeautifulSoup(str(soup), "html.parser")
    for chrome in soup.select("style, script, .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt"):
        chrome.decompose()
    if without_appendices:
        main = soup.find("main") or soup.body or soup
        cut = False
        for node in list(main.find_all(["h1", "h2", "h3", "p", "table", "ul", "ol", "figure", "div"])):
            if node.name == "h1" and (node.get("id") in RESEARCH_APPENDIX_IDS or "crm-appendix" in (node.get("class") or [])):
                cut = True
            if node.name == "h1" and node.get_text(strip=True).startswith(("附录", "Appendix")):
                cut = True
            if cut and node.parent is not None:
                node.decompose()
    return soup.get_text(" ")


def exhibits(soup: BeautifulSoup) -> tuple[list, list]:
    """The page's numbered exhibits: tables (not the facts and evidence lists) and figures."""
    main = soup.find("main") or soup
    tables = [
        t
        for t in main.find_all("table")
        if not {"crm-facts", "crm-evidence"} & set(t.get("class") or [])
    ]
    figures = main.find_all("img")
    return tables, figures


# ------------------------------------------------------------------------- unit tests
def test_one_decimal_rule_per_kind_of_quantity():
    assert format_number(3.6944, "mean") == "3.69"
    assert format_number(2.735, "mean") == "2.74" or format_number(2.735, "mean") == "2.73"
    assert format_number(0.3755, "index") == "0.376"  # HHI, Gini: 3
    assert format_number(-1.10763, "coefficient") == "-1.108"
    assert format_number(67.04, "percent") == "67.0%"
    assert format_number(1234567.4, "money") == "1,234,567"
    assert format_number(-0.0004, "coefficient") == "0.000"  # no "-0.000"
    assert format_p_apa(0.0004) == "p < .001"
    assert format_p_apa(0.0321) == "p = .032"
    with pytest.raises(ValueError, match="kind"):
        format_number(1.0, "speed")


def test_zh_punctuation_full_width_after_chinese_only():
    assert zh_punctuation("程度(Landis & Koch, 1977),总体:良好;") == (
        "程度（Landis & Koch, 1977），总体：良好；"
    )
    # Latin text, numbers and URLs keep ASCII punctuation
    assert zh_punctuation("n = 5 (a, b): 3.0; http://x") == "n = 5 (a, b): 3.0; http://x"
    assert zh_punctuation("见 http://example.org") == "见 http://example.org"
    assert not HALF_WIDTH_AFTER_CJK.search(zh_punctuation("员工(模拟),客户:1;"))


def test_every_catalogue_text_of_a_zh_report_is_set_full_width():
    # text() sets the zh entries of every catalogue (report/typeset.py), whatever the source
    bad = {}
    for name, catalogue in CATALOGUES.items():
        for key, entry in catalogue.items():
            if "{" in entry["zh"]:
                continue  # filled in with values first; the page's last pass covers those
            shown = text(catalogue, key, "zh")
            if HALF_WIDTH_AFTER_CJK.search(shown):
                bad[f"{name}.{key}"] = shown
    assert bad == {}


def test_segment_names_do_not_collide_with_variables():
    for lang in ("zh", "en"):
        assert COLUMN_LABELS["segment"][lang] != COLUMN_LABELS["customer_type"][lang]
        assert PLOT_TEXT["satloy.segment"][lang] != COLUMN_LABELS["customer_type"][lang]


def test_document_catalogue_zh_has_full_width_punctuation():
    bad = {k: v["zh"] for k, v in DOCUMENT_TEXT.items() if HALF_WIDTH_AFTER_CJK.search(v["zh"])}
    assert bad == {}


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("case")
    simulate(5, "thesis").write(folder)
    study = run_study(
        folder / "customers.csv",
        folder / "employees.csv",
        folder / "ledger.csv",
        folder / "scorecard.csv",
        seed=5,
        factor_analyses=False,
    )
    return folder, study, derive_findings(study)


def test_ranked_findings_use_priority_then_severity(small_study):
    _, _, findings = small_study
    ranked = ranked_findings(findings)
    priorities = [getattr(f, "priority", None) for f in ranked]
    if any(p is not None for p in priorities):
        given = [p for p in priorities if p is not None]
        assert given == sorted(given)
    else:
        order = {"major": 0, "moderate": 1, "minor": 2, "info": 3}
        bands = [order[f.severity] for f in ranked]
        assert bands == sorted(bands)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_from_tables_and_findings(small_study, lang):
    folder, study, findings = small_study
    sections = document_sections(
        study, findings, lang, simulated=True, case=True, facts=[("SHA-256", "ab" * 32)]
    )
    assert set(sections) == set(SECTION_IDS) - {"plan"}
    for sid, body in sections.items():
        assert f'id="{sid}"' in body
    # the summary ranks the problems and gives three actions
    summary = BeautifulSoup(sections["summary"], "html.parser")
    lists = summary.find_all("ol")
    assert len(lists) == 2 and len(lists[1].find_all("li")) == 3
    actionable = [f for f in findings if f.severity != "info"]
    assert len(lists[0].find_all("li")) == len(actionable)
    # the causes quote the employee table's numbers as the report rounds them
    emp = study.tables["employee_scale_scores_summary"].set_index("scale")
    causes = sections["causes"]
    assert format_number(emp.loc["crm_use", "mean"], "mean") in causes
    assert format_number(emp.loc["crm_use", "d"], "coefficient") in causes
    assert "{{table:employee_scale_scores_summary}}" in causes
    # a cause is claimed only when the interval excludes zero
    for scale in ("training", "motivation", "acceptance"):
        lo, hi = emp.loc[scale, ["d_ci_low", "d_ci_high"]]
        sentence = next(
            li.get_text() for li in BeautifulSoup(causes, "html.parser").find_all("li")
            if format_number(emp.loc[scale, "mean"], "mean") in li.get_text()
        )
        likely = {"zh": "可能是原因之一", "en": "a likely cause"}[lang]
        assert (likely in sentence) == (hi < 0), (scale, lo, hi, sentence)
    if lang == "zh":
        text = BeautifulSoup("".join(sections.values()), "html.parser").get_text()
        assert not HALF_WIDTH_AFTER_CJK.search(text), HALF_WIDTH_AFTER_CJK.search(text)


def test_sections_without_employees_or_findings(small_study):
    _, study, _ = small_study
    for lang in ("zh", "en"):
        sections = document_sections(study, [], lang)
        assert DOCUMENT_TEXT["summary.none"][lang] in BeautifulSoup(
            sections["summary"], "html.parser"
        ).get_text()


def test_thesis_reference_is_complete_as_the_source_allows():
    # the seed gives title and kind, not author, institution or year: the reference says so
    assert "D公司客户关系管理优化研究" in THESIS_REFERENCE
    assert "Master's thesis" in THESIS_REFERENCE and "硕士学位论文" in THESIS_REFERENCE
    assert "seeds/" not in THESIS_REFERENCE


def test_simulation_marker(tmp_path):
    simulate(3, "thesis").write(tmp_path / "sim")
    assert simulation_marker([tmp_path / "sim" / "customers.csv"])["seed"] == 3
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "customers.csv").write_text("x\n", encoding="utf-8")
    assert simulation_marker([tmp_path / "real" / "customers.csv"]) is None
    # a simulation.json without the SIMULATED note is not the simulator's
    (tmp_path / "real" / "simulation.json").write_text('{"seed": 1}', encoding="utf-8")
    assert simulation_marker([tmp_path / "real" / "customers.csv"]) is None


def _tiny_notebook(path: Path, lang: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    table = (
        '<p>下表列出数值。</p>' if lang == "zh" else "<p>The table below lists the values.</p>"
    )
    cells = [
        nbformat.v4.new_markdown_cell("# 3 Chapter\n\n## 3.1 Part"),
        nbformat.v4.new_markdown_cell(
            table
            + '<table data-crm-table="nps"><thead><tr><th>a</th><th>b</th></tr></thead>'
            "<tbody><tr><td>x</td><td>1.5</td></tr><tr><td>y</td><td>&lt; .001</td></tr>"
            "</tbody></table>"
        ),
        nbformat.v4.new_markdown_cell("## 3.2 Other\n\nSee {{table:nps}}."),
    ]
    nb.cells = cells
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_report_numbers_places_and_captions(tmp_path, small_study, lang):
    _, study, findings = small_study
    nb = _tiny_notebook(tmp_path / "n.ipynb", lang)
    sections = document_sections(study, findings, lang, facts=[("k", "v")])
    appendix = {"zh": "# 附录：x", "en": "# Appendix: x"}[lang] + "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    page = build_report([nb], tmp_path / "r.html", lang=lang, sections=sections, appendix=appendix)
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    ids = [h.get("id") for h in soup.find_all(["h1", "h2"])]
    for sid in ("summary", "method", "causes", "safeguards", "limitations", "appendix-provenance"):
        assert sid in ids
    # thesis order
    order = [ids.index(s) for s in ("summary", "method", "causes", "safeguards", "limitations", "appendix-provenance")]
    assert order == sorted(order)
    h1 = [h.get_text(" ", strip=True) for h in soup.find("main").find_all("h1")][1:]
    # summary unnumbered, method chapter 1, the notebook's "3" renumbered 2, appendices A, B
    assert h1[1].startswith("1 ") and h1[2].startswith("2 Chapter")
    assert h1[-2].startswith(("附录 A", "Appendix A")) and h1[-1].startswith(("附录 B", "Appendix B"))
    tables, figures = exhibits(soup)
    captions = [t.find("caption").get_text(strip=True) for t in tables]
    assert all(re.match(r"^(表[0-9A-Z]+-\d+|Table [0-9A-Z]+\.\d+) \S", c) for c in captions), captions
    nps = soup.find("table", attrs={"data-crm-table": "nps"})
    label = nps.find("caption").get_text(strip=True).split(" ")[0]
    label = {"zh": label, "en": " ".join(nps.find("caption").get_text(strip=True).split(" ")[:2])}[lang]
    assert label in ("表2-1", "Table 2.1")
    text = soup.get_text(" ")
    assert "{{table:" not in text and f"See {label}." in text or lang == "zh"
    assert f"{label}列出数值" in text if lang == "zh" else f"{label} lists the values" in text
    # numbers right, text left
    cells = nps.find("tbody").find_all("tr")[0].find_all("td")
    assert "crm-text" in cells[0]["class"] and "crm-num" in cells[1]["class"]
    # the print stylesheet is on the page
    assert "crm-research print stylesheet" in page.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ whole reports
@pytest.fixture(scope="module")
def case_pages(tmp_path_factory):
    return {lang: build_case_report(tmp_path_factory, lang) for lang in ("zh", "en")}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_report_is_a_document(case_pages, lang):
    page = case_pages[lang]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for sid in SECTION_IDS:
        assert soup.find(id=sid) is not None, sid
    # title page: study and date, no hashes in the front
    title = soup.find(id="title-page")
    assert "crm-title-page" in title["class"]
    assert not re.search(r"\b[0-9a-f]{12,}\b", title.get_text(" "))
    assert re.search(r"\b[0-9a-f]{64}\b", soup.find(id="appendix-provenance").find_next("table").get_text(" "))
    tables, figures = exhibits(soup)
    assert len(tables) >= 20 and len(figures) >= 5
    pattern = {"zh": r"^表[0-9A-Z]+-\d+ \S", "en": r"^Table [0-9A-Z]+\.\d+ \S"}[lang]
    for t in tables:
        caption = t.find("caption")
        assert caption is not None and re.match(pattern, caption.get_text(strip=True)), t.get("data-crm-table")
    fig_pattern = {"zh": r"^图\d+-\d+ \S", "en": r"^Figure \d+\.\d+ \S"}[lang]
    for img in figures:
        figure = img.find_parent("figure")
        assert figure is not None
        assert re.match(fig_pattern, figure.find("figcaption").get_text(strip=True))
    labels = [t.find("caption").get_text(strip=True).split(" ")[0] for t in tables]
    if lang == "zh":
        assert len(labels) == len(set(labels))
    # the cause analysis refers to its tables by number
    body = BeautifulSoup(str(soup), "html.parser")
    body.find("nav").decompose()  # the contents names the sections too
    page_text = body.get_text(" ")
    start = page_text.index(soup.find(id="causes").get_text(" "))
    causes = page_text[start : page_text.index(soup.find(id="plan").get_text(" "), start)]
    assert len(re.findall(r"表\d+-\d+|Table \d+\.\d+", causes)) >= 2, causes
    # no internal key or file name in the client's text
    text = visible_text(soup, without_appendices=True)
    found = leaks(text, item_codes("d_company_customer", "d_company_employee"))
    assert found == [], found[:20]
    if lang == "zh":
        hits = [text[max(m.start() - 10, 0) : m.end() + 10] for m in HALF_WIDTH_AFTER_CJK.finditer(text)]
        assert hits == [], hits[:10]
    # the satisfaction x loyalty segments are not named like the customer-type variable
    segments = soup.find("table", attrs={"data-crm-table": "satisfaction_loyalty"})
    assert segments is not None
    header = segments.find("thead").get_text(" ")
    assert COLUMN_LABELS["customer_type"][lang] not in header


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_plan_is_a_ranked_table(case_pages, lang):
    """The plan section opens with the actions by priority (findings.json), each with an
    owner, a horizon and a KPI, and its action and problem texts are not cut inside a
    bracket."""
    page = case_pages[lang]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    findings = json.loads((page.parent / "findings.json").read_text(encoding="utf-8"))
    findings = findings["findings"] if isinstance(findings, dict) else findings
    table = soup.find(id="plan").find_next("table")
    header = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    assert header[:2] == [COLUMN_LABELS["plan_priority"][lang], COLUMN_LABELS["plan_action"][lang]]
    rows = [[td.get_text(strip=True) for td in tr.find_all(["td", "th"])] for tr in table.find("tbody").find_all("tr")]
    assert [r[0] for r in rows] == [str(k) for k in range(1, len(findings) + 1)]
    first = min(findings, key=lambda f: f["priority"])
    action = first["recommendation"][lang]
    action = zh_punctuation(action) if lang == "zh" else action
    assert rows[0][1] and rows[0][1][:8] in action  # the headline of priority 1's action
    for row in rows:
        assert all(cell for cell in row[4:6]), row  # owner and horizon
        for cell in row[1:3]:
            assert cell.count("(") + cell.count("（") == cell.count(")") + cell.count("）"), cell


@pytest.mark.slow
def test_case_report_docx(case_pages):
    page = case_pages["zh"]
    path = page.parent / "report.docx"
    assert path.is_file()
    manifest = json.loads((page.parent / "manifest.json").read_text(encoding="utf-8"))
    assert "report.docx" in manifest["outputs"]
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    page_headings = [
        re.sub(r"\s+", " ", h.get_text(" ")).strip()
        for h in main.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
        if "crm-title" not in (h.get("class") or []) and h.find_parent("nav") is None
    ]
    assert headings == [h for h in page_headings if h]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert sum(c.startswith("表") for c in captions) == len(exhibits(soup)[0])
    assert sum(c.startswith("图") for c in captions) == len(exhibits(soup)[1]) == len(document.inline_shapes)
    text = "\n".join(p.text for p in document.paragraphs)
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 2000
    assert "执行摘要" in headings[0] or "执行摘要" in headings


@pytest.mark.slow
def test_report_on_simulated_files_is_labelled(tmp_path):
    case = tmp_path / "sim"
    assert main(["simulate", "d-company", "--seed", "7", "--out", str(case)]) == 0
    out = tmp_path / "report"
    args = ["report", "--out", str(out), "--lang", "en"]
    for role in ("customers", "employees", "ledger", "scorecard"):
        args += [f"--{role}", str(case / f"{role}.csv")]
    assert main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["simulated"] is True and manifest["simulation"]["seed"] == 7
    soup = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find(id="title-page").find(class_="crm-simulated") is not None
    assert "SIMULATED DATA" in soup.find(id="title-page").get_text()
    assert (out / "report.docx").is_file()


@pytest.fixture(scope="module")
def customers_only(tmp_path_factory):
    """A customers-only study on the shipped questionnaire (no employees, ledger, case)."""
    folder = tmp_path_factory.mktemp("customers-only")
    simulate(11, "thesis").customers.to_csv(folder / "customers.csv", index=False)
    (folder / "study.yaml").write_text(
        "name: Customer survey\nlanguage: en\noutput: report\ninputs:\n"
        "  customers:\n    file: customers.csv\n    instrument: d_company_customer\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_customers_only_report_is_a_document(customers_only, tmp_path, lang):
    out = tmp_path / f"report-{lang}"
    assert main(["report", str(customers_only / "study.yaml"), "--out", str(out), "--lang", lang]) == 0
    soup = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    for sid in SECTION_IDS:
        assert soup.find(id=sid) is not None, sid
    tables, figures = exhibits(soup)
    assert tables and figures
    for t in tables:
        assert t.find("caption") is not None, t.get("data-crm-table")
    for img in figures:
        assert img.find_parent("figure").find("figcaption") is not None
    text = visible_text(soup, without_appendices=True)
    assert leaks(text, item_codes("d_company_customer")) == []
    if lang == "zh":
        assert not HALF_WIDTH_AFTER_CJK.search(text)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["simulated"] is False and "report.docx" in manifest["outputs"]
