"""The report page: executed notebooks -> one static HTML file with title page and contents.

:func:`build_report` joins the notebooks' outputs (code inputs hidden, guidance cells tagged
``notebook-only`` and stderr left out), adds a title page (with the SIMULATED DATA banner for
simulated data), a table of contents from the section headings and the methods appendix
(:mod:`crm_research.report.appendix`), removes every script and writes ``report.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup

from crm_research.report.base import NOTEBOOK_ONLY_TAG
from crm_research.report.display import SIMULATED_NOTE_ROLE, without_label
from crm_research.report.text import check_lang, report_text

__all__ = ["REPORT_CSS", "build_report"]

REPORT_CSS = """
.crm-title-page { padding: 2.5em 1em 1.5em 1em; border-bottom: 2px solid #4C72B0; margin-bottom: 1.5em; }
.crm-title-page h1.crm-title { font-size: 2.1em; margin: 0 0 .3em 0; }
.crm-title-page .crm-subtitle { font-size: 1.15em; color: #555; margin-bottom: 1.2em; }
.crm-simulated { background: #fff3cd; border: 2px solid #C44E52; color: #6b1d1d; padding: .8em 1em;
  margin: 1em 0; font-size: 1.05em; border-radius: 4px; }
.crm-simulated strong { letter-spacing: .05em; }
.crm-facts { border-collapse: collapse; margin-top: 1em; font-size: .92em; }
.crm-facts th, .crm-facts td { text-align: left; padding: .25em .8em .25em 0; vertical-align: top; }
.crm-facts code { font-size: .9em; }
.crm-contents { padding: 0 1em 1.5em 1em; border-bottom: 1px solid #ccc; margin-bottom: 1.5em; }
.crm-contents ul { list-style: none; padding-left: 1.2em; }
.crm-contents > ul { padding-left: 0; }
.crm-contents li { margin: .15em 0; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
  -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.crm-finding { margin: .4em 0 1.2em 0; }
.crm-severity { display: inline-block; padding: 0 .45em; margin-right: .3em; border-radius: 3px;
  font-size: .85em; font-weight: bold; color: #fff; background: #8C8C8C; }
.crm-severity-major .crm-severity { background: #C44E52; }
.crm-severity-moderate .crm-severity { background: #DD8452; }
.crm-severity-minor .crm-severity { background: #4C72B0; }
table.crm-evidence { border-collapse: collapse; font-size: .9em; margin: .3em 0 .5em 1.5em; }
table.crm-evidence th, table.crm-evidence td { border-bottom: 1px solid #ddd; padding: .15em .8em;
  text-align: left; }
p.crm-references { font-size: .85em; color: #555; margin-left: 1.5em; }
"""


def _report_cells(nb: Any) -> list[Any]:
    """Cells of an executed notebook that belong in the report, outputs cleaned."""
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {NOTEBOOK_ONLY_TAG, "parameters", "injected-parameters", "remove-cell"}:
            continue
        if cell.cell_type == "raw":
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.get("outputs", [])
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                and (out.get("metadata", {}).get("text/markdown") or {}).get("crm-role")
                != SIMULATED_NOTE_ROLE
            ]
            if not cell.outputs:
                continue
        keep.append(cell)
    return keep


def _title_page_html(
    soup: Any,
    *,
    lang: str,
    title: str,
    subtitle: str | None,
    simulated_note: str | None,
    facts: Sequence[tuple[str, str]],
) -> Any:
    page = soup.new_tag("section", attrs={"class": "crm-title-page", "id": "title-page"})
    h1 = soup.new_tag("h1", attrs={"class": "crm-title"})
    h1.string = title
    page.append(h1)
    if subtitle:
        sub = soup.new_tag("div", attrs={"class": "crm-subtitle"})
        sub.string = subtitle
        page.append(sub)
    if simulated_note:
        banner = soup.new_tag("div", attrs={"class": "crm-simulated", "role": "note"})
        strong = soup.new_tag("strong")
        label = report_text("simulated.banner", lang)
        strong.string = label
        banner.append(strong)
        banner.append(" — " + without_label(simulated_note, label))
        page.append(banner)
    if facts:
        table = soup.new_tag("table", attrs={"class": "crm-facts"})
        for key, value in facts:
            row = soup.new_tag("tr")
            th, td = soup.new_tag("th"), soup.new_tag("td")
            th.string = key
            td.string = value
            row.append(th)
            row.append(td)
            table.append(row)
        page.append(table)
    return page


def _contents_html(soup: Any, main: Any, lang: str) -> Any:
    nav = soup.new_tag("nav", attrs={"class": "crm-contents", "id": "contents"})
    head = soup.new_tag("h2", attrs={"class": "crm-contents-title"})
    head.string = report_text("contents", lang)
    nav.append(head)
    top = soup.new_tag("ul")
    nav.append(top)
    current: Any = None
    used: set[str] = set()
    for n, heading in enumerate(main.find_all(["h1", "h2"])):
        for anchor in heading.find_all("a", attrs={"class": "anchor-link"}):
            anchor.decompose()
        label = heading.get_text(" ", strip=True)
        if not label:
            continue
        hid = heading.get("id") or f"section-{n}"
        while hid in used:
            hid = f"{hid}-{n}"
        used.add(hid)
        heading["id"] = hid
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{hid}")
        link.string = label
        item.append(link)
        if heading.name == "h1" or current is None:
            top.append(item)
            current = soup.new_tag("ul")
            item.append(current)
        else:
            current.append(item)
    for empty in nav.find_all("ul"):
        if not empty.find("li"):
            empty.decompose()
    return nav


def build_report(
    notebooks: Sequence[str | Path],
    path: str | Path,
    *,
    lang: str = "zh",
    title: str | None = None,
    subtitle: str | None = None,
    simulated_note: str | None = None,
    facts: Sequence[tuple[str, str]] = (),
    appendix: str | None = None,
) -> Path:
    """Turn executed notebooks into one HTML report with every code input hidden.

    The report has a title page (with a SIMULATED DATA banner when ``simulated_note`` is
    given), a table of contents built from the section headings, the notebooks' outputs in
    order (prose, tables, figures embedded as ``<img>``), and an optional appendix.  Cells
    tagged ``notebook-only`` (guidance for JupyterLab readers), the parameter cells and
    stderr output are left out; scripts are removed so the file is static and opens offline.

    Parameters
    ----------
    notebooks : sequence of path
        Executed notebooks, in report order.
    path : str or Path
        The HTML file to write.
    lang : {"zh", "en"}
        Report language (also the ``lang`` attribute of the page).
    title, subtitle : str, optional
        Title page text (default: the generic CRM report title).
    simulated_note : str, optional
        When given, the title page shows a SIMULATED DATA banner with this text.
    facts : sequence of (str, str)
        Rows of the title page's fact table (inputs, seed, version, ...).
    appendix : str, optional
        Markdown appended as the last section.

    Returns
    -------
    Path
        ``path``.
    """
    # nbconvert loads only where the report is assembled (never in a notebook kernel)
    from nbconvert import HTMLExporter

    check_lang(lang)
    title = title or report_text("title.generic", lang)
    combined = nbformat.v4.new_notebook()
    for nb_path in notebooks:
        nb = nbformat.read(str(nb_path), as_version=4)
        if not combined.metadata:
            combined.metadata = {
                k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")
            }
        combined.cells.extend(_report_cells(nb))
    if appendix:
        cell = nbformat.v4.new_markdown_cell(appendix)
        cell.id = "methods-appendix"  # a fixed id: the same report gives the same HTML
        combined.cells.append(cell)
    # alternative text of each image output, in document order (figures carry their title)
    alts = [
        (out.get("metadata", {}).get("image/png") or {}).get("alt")
        for cell in combined.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(combined, resources={"metadata": {"name": title}})
    soup = BeautifulSoup(body, "html.parser")
    for script in soup.find_all("script"):
        script.decompose()
    if soup.html is not None:
        soup.html["lang"] = report_text("html.lang", lang)
    style = soup.new_tag("style")
    style.string = REPORT_CSS
    (soup.head or soup).append(style)
    main = soup.find("main") or soup.body or soup
    images = main.find_all("img")
    if len(images) == len(alts):
        for img, alt in zip(images, alts, strict=True):
            if alt:
                img["alt"] = alt
    contents = _contents_html(soup, main, lang)
    page = _title_page_html(
        soup, lang=lang, title=title, subtitle=subtitle, simulated_note=simulated_note, facts=facts
    )
    main.insert(0, contents)
    main.insert(0, page)
    out = Path(path)
    out.write_text(str(soup), encoding="utf-8")
    return out
