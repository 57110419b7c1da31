"""Data values are text, never markup: a category and an item label carrying HTML, through a report.

An export cell holding ``<script>alert("x")</script><img src=x onerror=alert(1)>`` (a city,
a category the study keeps as a group label) and an instrument whose item wording is
``<b>Evil</b>`` go through the first two chapters of the report (the customer mix by city,
the KMO table with item labels).  Both must be shown as the characters typed, in
report.html and in the executed notebooks, and never become elements.
"""

from __future__ import annotations

import html
import json

import nbformat
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from crm_research.cases.d_company import simulate
from crm_research.instrument import load_instrument
from crm_research.report.base import NOTEBOOKS_DIR
from crm_research.report.run import run_pipeline

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
BOLD = "<b>Evil</b>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("escaping")
    data = simulate(5, n_customers=80, n_employees=12).write(root / "data")
    customers = pd.read_csv(data["customers"], dtype=str)
    city = next(c for c in customers.columns if c.lower() == "city" or c == "城市")
    customers.loc[customers.index[:9], city] = SCRIPT
    customers.loc[customers.index[9:15], city] = BOLD
    customers.to_csv(root / "customers.csv", index=False)
    spec = yaml.safe_load(
        open(load_instrument("d_company_customer").source, encoding="utf-8").read()
    )
    spec["id"] = "escaping_customer"
    first = spec["items"][0]
    first["text"] = {"zh": BOLD, "en": BOLD}
    instrument = root / "escaping_customer.yaml"
    instrument.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    out = root / "report"
    run_pipeline(
        root / "customers.csv",
        data["employees"],
        data["ledger"],
        out_dir=out,
        lang="en",
        instruments={"customer": str(instrument)},
        notebooks=[
            NOTEBOOKS_DIR / "01_data_quality.ipynb",
            NOTEBOOKS_DIR / "02_reliability_validity.ipynb",
        ],
        workers=1,
    )
    return out, first["id"]


def _table_texts(soup: BeautifulSoup) -> list[str]:
    return [td.get_text() for td in soup.select("table td, table th")]


def test_markup_in_a_category_and_an_item_label_is_shown_as_text_in_report_html(report):
    out, item = report
    page = (out / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    cells = _table_texts(soup)
    assert SCRIPT in cells  # the city, as typed, in the customer-mix table
    assert BOLD in cells  # the second city
    assert f"{item} {BOLD}" in cells  # the item label of the KMO table
    # nothing became an element: no script, no image with a handler, no bold "Evil"
    assert not soup.find_all("script")
    assert not soup.find_all("img", onerror=True)
    assert not [b for b in soup.find_all("b") if "Evil" in b.get_text()]
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;Evil&lt;/b&gt;" in page


def test_markup_is_escaped_in_the_executed_notebooks(report):
    out, item = report
    shown = []
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                markup = output.get("data", {}).get("text/html")
                if markup:
                    shown.append(markup)
    joined = "\n".join(shown)
    assert SCRIPT not in joined and BOLD not in joined  # never raw
    assert "&lt;script&gt;alert(" in joined and html.escape(BOLD) in joined
    texts = [td.get_text() for m in shown for td in BeautifulSoup(m, "html.parser").select("td")]
    assert SCRIPT in texts and f"{item} {BOLD}" in texts


def test_the_tables_keep_the_value_as_typed(report):
    out, _ = report
    cities = pd.read_csv(out / "tables" / "distribution_city.csv")
    assert {SCRIPT, BOLD} <= set(cities["city"])
    assert json.loads((out / "findings.json").read_text(encoding="utf-8"))
