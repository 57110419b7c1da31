"""The report page: executed notebooks -> one static HTML document in thesis order.

:func:`build_report` joins the notebooks' outputs (code inputs hidden, guidance cells tagged
``notebook-only`` and stderr left out) with the document's own sections
(:mod:`crm_research.report.document`: summary, method, causes, safeguards, limitations,
provenance), adds a title page (with the SIMULATED DATA banner for simulated data), a table
of contents and the methods appendix (:mod:`crm_research.report.appendix`); numbers the
chapters, captions every table and figure (表3-2 / Table 3.2), aligns the cells, embeds the
print stylesheet, removes every script and writes ``report.html``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup

from crm_research.report.base import NOTEBOOK_ONLY_TAG
from crm_research.report.display import SIMULATED_NOTE_ROLE, without_label, zh_punctuation
from crm_research.report.doc_text import CAPTION_WORDS, TABLE_CAPTIONS
from crm_research.report.printing import print_css
from crm_research.report.text import NOTEBOOK_TEXT, check_lang, report_text
from crm_research.report.text import text as catalogue_text

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
table caption { caption-side: top; text-align: left; font-weight: bold; padding: .3em 0; }
figure.crm-figure { margin: .8em 0; }
figure.crm-figure figcaption { font-weight: bold; margin-top: .3em; }
.jp-RenderedHTMLCommon th.crm-num, .jp-RenderedHTMLCommon td.crm-num, th.crm-num, td.crm-num {
  text-align: right; }
.jp-RenderedHTMLCommon th.crm-text, .jp-RenderedHTMLCommon td.crm-text, th.crm-text, td.crm-text {
  text-align: left; }
.jp-RenderedHTMLCommon table caption { text-align: left; }
table.crm-document-table { border-collapse: collapse; margin: .5em 0 1em 0; }
table.crm-document-table th, table.crm-document-table td { padding: .2em .8em;
  border-bottom: 1px solid #ddd; vertical-align: top; }
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


#: Where each document section (:mod:`crm_research.report.document`) goes: before the
#: notebooks, before/instead of the notebook output that starts with a catalogue entry's
#: first line, or after the notebooks.
FRONT_SECTIONS = ("summary", "method")
#: Section id -> the notebook text (:data:`NOTEBOOK_TEXT` key) it is placed before.
BEFORE_TEXT = {"causes": "fr.plan"}
#: Section id -> the notebook text it replaces (the generic list becomes the linked one).
INSTEAD_OF_TEXT = {"safeguards": "fr.safeguards"}
BACK_SECTIONS = ("limitations",)
AFTER_APPENDIX = ("appendix-provenance",)
#: Headings of the notebooks that get a stable id: section id -> notebook text key.
HEADING_IDS = {"plan": "fr.plan"}
#: Chapters without a number (the summary, like a thesis' abstract).
UNNUMBERED = frozenset({"summary"})
#: Tables that are part of the text rather than numbered exhibits: the facts of the title
#: page and the short evidence list under each finding.
UNCAPTIONED_TABLE_CLASSES = frozenset({"crm-facts", "crm-evidence"})
#: Languages whose text is set with full-width punctuation (GB/T 15834-2011).
TYPESET_FULL_WIDTH = {"zh": True, "en": False}
#: Tables of this many columns or more print on a landscape page (as in Word).
LANDSCAPE_COLUMNS = 11
_LEADING_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[A-Z]\.?)\s+(?=\S)")
_NUMBER_CELL = re.compile(
    r"^\s*(?:[<>≤≥]\s*)?[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?\s*%?\s*$|^\s*[—–-]\s*$"
)
_PLACEHOLDER = re.compile(r"\{\{table:([\w.\-]+)\}\}")
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")


def _first_line(key: str, lang: str) -> str:
    line = catalogue_text(NOTEBOOK_TEXT, key, lang).strip().splitlines()[0]
    return _LEADING_NUMBER.sub("", line.lstrip("#").strip()).strip()


def _markdown_outputs(cell: Any) -> list[str]:
    return [
        str(out.get("data", {}).get("text/markdown", ""))
        for out in cell.get("outputs", [])
        if "text/markdown" in out.get("data", {})
    ]


def _cell_starts_with(cell: Any, key: str, lang: str) -> bool:
    """Whether a cell shows the notebook text ``key`` (its first line, numbers ignored)."""
    want = _first_line(key, lang)
    for md in _markdown_outputs(cell) if cell.cell_type == "code" else [cell.source]:
        first = md.strip().splitlines()[0] if md.strip() else ""
        if _LEADING_NUMBER.sub("", first.lstrip("#").strip()).strip() == want:
            return True
    return False


def _place_sections(cells: list[Any], sections: Mapping[str, str], lang: str) -> list[Any]:
    """The notebooks' cells with the document's sections put in their places."""

    def cell(sid: str) -> Any:
        new = nbformat.v4.new_markdown_cell(sections[sid])
        new.id = f"document-{sid}"  # fixed ids: the same report gives the same HTML
        return new

    out = [cell(s) for s in FRONT_SECTIONS if s in sections]
    placed = set(FRONT_SECTIONS)
    for c in cells:
        for sid, key in BEFORE_TEXT.items():
            if sid in sections and sid not in placed and _cell_starts_with(c, key, lang):
                out.append(cell(sid))
                placed.add(sid)
        replaced = False
        for sid, key in INSTEAD_OF_TEXT.items():
            if sid in sections and sid not in placed and _cell_starts_with(c, key, lang):
                out.append(cell(sid))
                placed.add(sid)
                replaced = True
        if not replaced:
            out.append(c)
    for sid in (*BEFORE_TEXT, *INSTEAD_OF_TEXT, *BACK_SECTIONS):
        if sid in sections and sid not in placed:
            out.append(cell(sid))
            placed.add(sid)
    return out


def _set_heading(heading: Any, label: str) -> None:
    for anchor in heading.find_all("a", attrs={"class": "anchor-link"}):
        anchor.decompose()
    heading.string = label


def _heading_text(heading: Any) -> str:
    return heading.get_text(" ", strip=True).replace("¶", "").strip()


def _number_headings(main: Any, lang: str) -> dict[Any, str]:
    """Number chapters (h1) and sections (h2) in document order; letters for appendices.

    Returns each h1 -> its chapter label (``"3"``, ``"A"``, or ``""`` when unnumbered).
    """
    appendix = CAPTION_WORDS["appendix"][lang]
    chapter, letter, sub = 0, 0, 0
    labels: dict[Any, str] = {}
    current = ""
    plan_text = {sid: _first_line(key, lang) for sid, key in HEADING_IDS.items()}
    for heading in main.find_all(["h1", "h2"]):
        text = _LEADING_NUMBER.sub("", _heading_text(heading))
        for sid, want in plan_text.items():
            if text == want and heading.name == "h2":
                heading["id"] = sid
        if heading.name == "h1":
            sub = 0
            if heading.get("id") in UNNUMBERED:
                current = ""
                _set_heading(heading, text)
            elif text.startswith(appendix):
                current = chr(ord("A") + letter)
                letter += 1
                rest = re.sub(rf"^{re.escape(appendix)}\s*[A-Z]?\s*[:：]?\s*", "", text)
                colon = CAPTION_WORDS["appendix.colon"][lang]
                _set_heading(heading, f"{appendix} {current}{colon}{rest}")
            else:
                chapter += 1
                current = str(chapter)
                _set_heading(heading, f"{current} {text}")
            labels[heading] = current
        elif current and not current.isalpha():
            sub += 1
            _set_heading(heading, f"{current}.{sub} {text}")
        else:
            _set_heading(heading, text)
    return labels


def _caption_text(table: Any, lang: str) -> str:
    """A table's caption: its own, the catalogue's for its study table, or its heading."""
    own = table.find("caption")
    if own is not None and own.get_text(strip=True):
        text = own.get_text(" ", strip=True)
        own.decompose()
        return text
    name = table.get("data-crm-table")
    if name and name in TABLE_CAPTIONS:
        return TABLE_CAPTIONS[name][lang]
    heading = table.find_previous(["h1", "h2", "h3", "h4"])
    if heading is None:
        return ""
    words = re.escape(CAPTION_WORDS["appendix"][lang])
    text = re.sub(rf"^{words}\s*[A-Z]?\s*[:：]\s*", "", _heading_text(heading))
    text = _LEADING_NUMBER.sub("", text)
    return text[:1].upper() + text[1:]


def _align_cells(table: Any) -> None:
    """``crm-num`` on columns whose body cells are all numbers, ``crm-text`` on the others."""
    rows = [r.find_all(["td", "th"], recursive=False) for r in table.find_all("tr")]
    body = [r for r in table.find_all("tr") if r.find_parent("thead") is None and r.find("td")]
    width = max((len(r) for r in rows), default=0)
    numeric = []
    for k in range(width):
        values = [
            cells[k].get_text(strip=True)
            for cells in (r.find_all(["td", "th"], recursive=False) for r in body)
            if len(cells) > k and cells[k].name == "td"
        ]
        values = [v for v in values if v]
        numeric.append(bool(values) and all(_NUMBER_CELL.match(v) for v in values))
    for cells in rows:
        for k, c in enumerate(cells):
            classes = [x for x in c.get("class", []) if x not in ("crm-num", "crm-text")]
            c["class"] = [*classes, "crm-num" if k < width and numeric[k] else "crm-text"]
    if width >= LANDSCAPE_COLUMNS:
        table["class"] = [*table.get("class", []), "crm-landscape"]


def _number_exhibits(soup: Any, main: Any, lang: str, chapters: Mapping[Any, str]) -> dict[str, str]:
    """Number and caption every table and figure by chapter; the study table -> its label."""
    counts: dict[tuple[str, str], int] = {}
    by_table: dict[str, str] = {}
    current = ""
    words = {k: CAPTION_WORDS[k][lang] for k in ("table", "figure")}
    for node in main.find_all(["h1", "table", "img"]):
        if node.name == "h1":
            current = chapters.get(node, current)
            continue
        if node.find_parent(["nav"]) is not None:
            continue
        chapter = current or "0"
        if node.name == "table":
            if set(node.get("class") or []) & UNCAPTIONED_TABLE_CLASSES:
                continue
            k = counts[(chapter, "table")] = counts.get((chapter, "table"), 0) + 1
            label = words["table"].format(chapter=chapter, k=k)
            caption = soup.new_tag("caption")
            caption.string = f"{label} {_caption_text(node, lang)}".strip()
            node.insert(0, caption)
            _align_cells(node)
            name = node.get("data-crm-table")
            if name:
                by_table.setdefault(name, label)
            _refer_below(node, label, "table", lang)
        else:
            k = counts[(chapter, "figure")] = counts.get((chapter, "figure"), 0) + 1
            label = words["figure"].format(chapter=chapter, k=k)
            figure = soup.new_tag("figure", attrs={"class": "crm-figure"})
            node.replace_with(figure)
            figure.append(node)
            figcaption = soup.new_tag("figcaption")
            figcaption.string = f"{label} {node.get('alt') or ''}".strip()
            figure.append(figcaption)
            _refer_below(figure, label, "figure", lang)
    return by_table


def _refer_below(node: Any, label: str, kind: str, lang: str) -> None:
    """"The table below" in the paragraph just before a table becomes its number."""
    para = node.find_previous("p")
    if para is None or para.find_parent("table") is not None:
        return
    between = para.find_next(["table", "img", "h1", "h2", "h3"])
    if between is not None and between is not node and between not in node.descendants:
        return
    for cap in (kind, kind.capitalize()):
        phrase = CAPTION_WORDS[f"below.{cap}"][lang]
        for string in list(para.find_all(string=True)):
            if phrase in string:
                string.replace_with(string.replace(phrase, label, 1))
                return


def _resolve_references(main: Any, by_table: Mapping[str, str], lang: str) -> None:
    """``{{table:NAME}}`` in the text -> the number of that table (or the placeholder removed)."""
    def label(name: str) -> str:
        # a table the report does not show is named by its caption words, never by its file
        return by_table.get(name) or TABLE_CAPTIONS.get(name, {}).get(lang, "")

    for string in list(main.find_all(string=_PLACEHOLDER)):
        string.replace_with(_PLACEHOLDER.sub(lambda m: label(m.group(1)), string))


def _typeset_zh(root: Any) -> None:
    """Chinese text with full-width punctuation (see :func:`display.zh_punctuation`)."""
    for string in list(root.find_all(string=_CJK_CHAR)):
        if string.find_parent(["code", "pre", "style", "script"]) is not None:
            continue
        fixed = zh_punctuation(str(string))
        if fixed != string:
            string.replace_with(fixed)


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
    sections: Mapping[str, str] | None = None,
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
        Rows of the title page's fact table (study, date; the hashes, instruments and seed
        belong in the provenance appendix, a section of ``sections``).
    appendix : str, optional
        Markdown appended as the methods appendix.
    sections : mapping of str to str, optional
        The document's own sections by id (:func:`crm_research.report.document.document_sections`):
        ``summary`` and ``method`` before the notebooks, ``causes`` before the optimisation
        plan, ``safeguards`` instead of the notebook's generic list, ``limitations`` after
        the notebooks, ``appendix-provenance`` after the methods appendix.

    Chapters are numbered in document order (the summary and the appendices, A, B, ..., are
    not), every table and figure gets a numbered caption by chapter (表3-2 / Table 3.2;
    the facts and evidence lists excepted), numbers are right-aligned and text left-aligned
    (``crm-num`` / ``crm-text``), ``{{table:NAME}}`` in the text becomes that table's number,
    the print stylesheet (:func:`crm_research.report.printing.print_css`) is embedded, and a
    Chinese report's text is set with full-width punctuation.

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
    sections = dict(sections or {})
    combined.cells = _place_sections(list(combined.cells), sections, lang)
    if appendix:
        cell = nbformat.v4.new_markdown_cell(appendix)
        cell.id = "methods-appendix"  # a fixed id: the same report gives the same HTML
        combined.cells.append(cell)
    for sid in AFTER_APPENDIX:
        if sid in sections:
            cell = nbformat.v4.new_markdown_cell(sections[sid])
            cell.id = f"document-{sid}"
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
    printed = soup.new_tag("style", attrs={"media": "all"})
    printed.string = print_css()
    (soup.head or soup).append(printed)
    main = soup.find("main") or soup.body or soup
    images = main.find_all("img")
    if len(images) == len(alts):
        for img, alt in zip(images, alts, strict=True):
            if alt:
                img["alt"] = alt
    chapters = _number_headings(main, lang)
    by_table = _number_exhibits(soup, main, lang, chapters)
    _resolve_references(main, by_table, lang)
    contents = _contents_html(soup, main, lang)
    page = _title_page_html(
        soup, lang=lang, title=title, subtitle=subtitle, simulated_note=simulated_note, facts=facts
    )
    main.insert(0, contents)
    main.insert(0, page)
    if TYPESET_FULL_WIDTH[lang]:
        _typeset_zh(main)
    out = Path(path)
    out.write_text(str(soup), encoding="utf-8")
    return out
