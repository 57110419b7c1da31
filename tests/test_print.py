"""Printing report.html: crm_research.report.printing (print.css and headless Chromium).

The PDFs are read back with pypdf: page size, the page number on each page, no heading as
the last line of a page, no table header on a page without the table's first row, wide
tables inside the printable width. Skipped where Chromium is not installed.
"""

from __future__ import annotations

import base64
import re
import shutil
import unicodedata

import pypdf
import pytest
from bs4 import BeautifulSoup
from report_pages import (
    CHROME_TEXT,
    FIGURE_CAPTION,
    HEADINGS,
    MARKUP_VALUE,
    TABLE_CAPTION,
    build_report,
    png,
    read_page,
    write_fixture,
)

from crm_research.errors import InputError
from crm_research.report.printing import PRINT_CSS_MARKER, html_to_pdf, print_css

#: A4 in PostScript points (210 x 297 mm), ISO 216; Chromium writes 594.96 x 841.92.
A4_POINTS = (595.28, 841.89)
#: Right page margin of print.css (20 mm) in points.
RIGHT_MARGIN_PT = 20 / 25.4 * 72
PAGE_NUMBER = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed"
)


# ----------------------------------------------------------------------- reading a PDF
def squash(text: str) -> str:
    """Text without white space (pypdf puts spaces between CJK characters), ligatures
    undone (Chromium prints "Cut-off" with the ligature "ﬀ")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def page_lines(pdf) -> list[list[str]]:
    """The text lines of each page, the page number line left out."""
    reader = pypdf.PdfReader(pdf)
    pages = []
    for page in reader.pages:
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        pages.append([line for line in lines if not PAGE_NUMBER.match(line)])
    return pages


def page_numbers(pdf) -> list[tuple[int, int] | None]:
    """The 'n / N' line of each page (None where a page has none)."""
    found = []
    for page in pypdf.PdfReader(pdf).pages:
        lines = [PAGE_NUMBER.match(line) for line in page.extract_text().splitlines()]
        match = next((m for m in lines if m), None)
        found.append((int(match[1]), int(match[2])) if match else None)
    return found


def headings_at_foot(pages: list[list[str]], headings) -> list[tuple[int, str]]:
    """(page, heading) for every page whose last line is a heading.

    A contents page (a title and then nothing but headings) is not counted.
    """
    wanted = {squash(text) for _, text in headings}
    found = []
    for k, lines in enumerate(pages):
        if not lines or squash(lines[-1]) not in wanted:
            continue
        if len(lines) > 3 and all(squash(line) in wanted for line in lines[1:]):
            continue  # the contents
        found.append((k + 1, lines[-1]))
    return found


def separated_headers(pages: list[list[str]], tables) -> tuple[list[str], int]:
    """Tables whose header is printed apart from their first body row; how many were found.

    ``tables`` holds (header text, first body row text) in document order. A table is found
    on the first page (from the previous table's page on) that shows its first body row;
    its header must be on that page, and the page before must not end with the header.
    """
    text = [squash("".join(lines)) for lines in pages]
    problems, found, start = [], 0, 0
    for header_text, first_row_text in tables:
        header, first_row = squash(header_text), squash(first_row_text)
        at = next((k for k in range(start, len(pages)) if first_row in text[k]), None)
        if at is None or not header:
            continue
        found += 1
        start = at
        before = squash("".join(pages[at - 1][-3:])) if at else ""
        if header not in text[at] or before.endswith(header):
            problems.append(header_text)
    return problems, found


def html_tables(page) -> list[tuple[str, str]]:
    """(header text, first body row text) of each table of an HTML page."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = []
    for table in soup.find_all("table"):
        head = table.find("thead")
        body = table.find("tbody") or table
        rows = body.find_all("tr", recursive=False)
        if head is None or not rows:
            continue
        found.append((head.get_text(" "), rows[0].get_text(" ")))
    return found


# ----------------------------------------------------------------- the checks themselves
def test_the_checks_find_what_they_look_for():
    pages = [["Intro", "2.1 Reliability"], ["Lead text", "Table"], ["End"]]
    assert headings_at_foot(pages, [(2, "2.1 Reliability")]) == [(1, "2.1 Reliability")]
    assert headings_at_foot(pages, [(2, "2.2 Other")]) == []
    contents = [["Contents", "1 A", "1.1 B", "2 C"], ["1 A", "text"]]
    assert headings_at_foot(contents, [(1, "1 A"), (2, "1.1 B"), (1, "2 C")]) == []
    split = [["text", "A head B head"], ["A head B head", "r0a r0b", "r1a r1b"]]
    assert separated_headers(split, [("A head B head", "r0a r0b")]) == (["A head B head"], 1)
    together = [["text", "A head B head", "r0a r0b"], ["A head B head", "r1a r1b"]]
    assert separated_headers(together, [("A head B head", "r0a r0b")]) == ([], 1)
    assert separated_headers(together, [("A head B head", "missing row")]) == ([], 0)


def test_print_css_is_print_only_a4_with_page_numbers():
    css = print_css()
    assert PRINT_CSS_MARKER in css.splitlines()[0]
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    assert "counter(page)" in css and "@bottom-center" in css
    # everything but @page rules sits inside @media print: the screen page is unchanged
    outside = re.sub(r"@media print\s*\{.*\}\s*$", "", css, flags=re.S)
    outside = re.sub(r"/\*.*?\*/", "", outside, flags=re.S)
    rules = re.findall(r"^([^{}\s@][^{]*)\{", outside, flags=re.M)
    assert rules == []


def test_no_chromium_is_one_sentence(tmp_path):
    page = write_fixture(tmp_path)
    with pytest.raises(InputError, match=r"no Chromium browser \(no-such-browser\) was found"):
        html_to_pdf(page, tmp_path / "r.pdf", chromium="no-such-browser")
    with pytest.raises(InputError, match="does not exist"):
        html_to_pdf(tmp_path / "missing.html", tmp_path / "r.pdf")


# ----------------------------------------------------------------------- fixture page
@pytest.fixture(scope="module")
def fixture_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    page = write_fixture(folder)
    before = page.read_bytes()
    pdf = html_to_pdf(page, folder / "report.pdf")
    assert page.read_bytes() == before  # the stylesheet goes into a temporary copy
    return page, pdf


@needs_chromium
def test_fixture_prints_on_a4_with_page_numbers(fixture_pdf):
    _, pdf = fixture_pdf
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) >= 4
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4_POINTS[0]) <= 1
        assert abs(float(box.height) - A4_POINTS[1]) <= 1
    numbers = page_numbers(pdf)
    n = len(numbers)
    assert numbers[0] is None  # the title page
    assert numbers[1:] == [(k, n) for k in range(2, n + 1)]


@needs_chromium
def test_fixture_layout(fixture_pdf):
    page, pdf = fixture_pdf
    pages = page_lines(pdf)
    assert headings_at_foot(pages, HEADINGS) == []
    problems, found = separated_headers(pages, html_tables(page))
    assert problems == [] and found == 3
    text = "\n".join("\n".join(lines) for lines in pages)
    for chrome in CHROME_TEXT:
        assert chrome not in text
    assert MARKUP_VALUE in text
    # the title page alone on page 1, the contents on page 2, chapter 1 on page 3
    assert squash("D 公司客户关系管理研究报告") in squash(" ".join(pages[0]))
    assert squash(pages[2][0]) == squash(HEADINGS[0][1])
    # captions next to their table and figure
    flat = [squash(line) for lines in pages for line in lines]
    assert squash(TABLE_CAPTION) in flat and squash(FIGURE_CAPTION) in flat


@needs_chromium
def test_a_wide_table_fits_the_printable_width(fixture_pdf):
    _, pdf = fixture_pdf
    reader = pypdf.PdfReader(pdf)
    starts = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            starts.append((text.strip(), cm[4] + tm[4] * cm[0]))

    page = next(p for p in reader.pages if "Column 11" in p.extract_text())
    page.extract_text(visitor_text=visit)
    right = float(page.mediabox.width) - RIGHT_MARGIN_PT
    last_column = [x for text, x in starts if text in ("Column 11", "7.857", "1.571")]
    assert last_column, starts
    # the last column starts at least 15 pt inside the right margin: nothing runs off the page
    assert max(last_column) < right - 15
    assert min(x for _, x in starts) >= 0


@needs_chromium
def test_a_heading_is_kept_with_what_follows(tmp_path):
    """A heading that would end page 1 moves to page 2 with its figure; without the rules
    (the control) it stays at the foot of page 1."""
    image = base64.b64encode(png((300, 200))).decode()
    body = (
        '<div class="jp-Cell"><div style="height:235mm">spacer</div></div>'
        '<div class="jp-Cell"><div class="jp-OutputArea-child"><div class="jp-OutputArea-output">'
        "<h2>Heading at the foot</h2><p>lead text</p></div></div></div>"
        '<div class="jp-Cell"><div class="jp-OutputArea-child">'
        '<div class="jp-RenderedImage jp-OutputArea-output">'
        f'<img style="width:80mm;height:60mm" src="data:image/png;base64,{image}" alt="x">'
        "</div></div></div><p>after</p>"
    )
    control = (
        f"<style>/* {PRINT_CSS_MARKER} */ @page {{ size: A4; margin: 22mm 20mm 20mm 20mm }}</style>"
    )
    found = {}
    for name, head in (("styled", ""), ("control", control)):
        page = tmp_path / f"{name}.html"
        page.write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>',
            encoding="utf-8",
        )
        pages = page_lines(html_to_pdf(page, tmp_path / f"{name}.pdf"))
        found[name] = headings_at_foot(pages, [(2, "Heading at the foot")])
    assert found == {"styled": [], "control": [(1, "Heading at the foot")]}


@needs_chromium
def test_a_table_marked_landscape_prints_on_a_landscape_page(tmp_path):
    rows = "".join(f"<tr><td>r{r}</td>" + "<td>0.123</td>" * 15 + "</tr>" for r in range(5))
    head = "<tr><th>Row</th>" + "".join(f"<th>Wide column {k}</th>" for k in range(15)) + "</tr>"
    page = tmp_path / "wide.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        "<p>Portrait before</p>"
        f'<table class="crm-landscape"><thead>{head}</thead><tbody>{rows}</tbody></table>'
        "<p>Portrait after</p></body></html>",
        encoding="utf-8",
    )
    reader = pypdf.PdfReader(html_to_pdf(page, tmp_path / "wide.pdf"))
    sizes = {}
    for sheet in reader.pages:
        text = sheet.extract_text()
        box = (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height)))
        for marker in ("Portrait before", "Wide column 14", "Portrait after"):
            if marker in text:
                sizes[marker] = box
    assert sizes == {
        "Portrait before": (595, 842),
        "Wide column 14": (842, 595),
        "Portrait after": (595, 842),
    }


# ------------------------------------------------------------------ the real report (zh)
@pytest.fixture(scope="module")
def real_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-zh")
    page = build_report(tmp_path_factory, "zh")  # the one test_word.py uses, if built
    return page, html_to_pdf(page, folder / "report.pdf", timeout=300)


@needs_chromium
@pytest.mark.slow
def test_real_report_prints_well(real_pdf):
    page, pdf = real_pdf
    reader = pypdf.PdfReader(pdf)
    n = len(reader.pages)
    assert n >= 10
    landscape = []
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(min(width, height) - A4_POINTS[0]) <= 1
        assert abs(max(width, height) - A4_POINTS[1]) <= 1
        landscape.append(width > height)
    assert page_numbers(pdf)[1:] == [(k, n) for k in range(2, n + 1)]
    pages = page_lines(pdf)
    # A4 landscape only for the wide tables (html.LANDSCAPE_COLUMNS or more columns, marked
    # crm-landscape, as in Word): each one's caption on a landscape sheet, and a landscape
    # sheet either starts such a table or continues the one on the sheet before
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    wide = [squash(t.find("caption").get_text()) for t in soup.select("table.crm-landscape")]
    text = [squash("".join(lines)) for lines in pages]
    for caption in wide:
        assert any(caption in text[k] for k in range(n) if landscape[k]), caption
    for k in range(n):
        if landscape[k]:
            assert any(c in text[k] for c in wide) or (k and landscape[k - 1]), k + 1
    assert headings_at_foot(pages, read_page(page).headings) == []
    tables = html_tables(page)
    problems, found = separated_headers(pages, tables)
    assert problems == []
    assert found >= 0.9 * len(tables) and len(tables) >= 20


@needs_chromium
@pytest.mark.slow
def test_real_report_prints_the_document_in_thesis_order(real_pdf):
    # issue 13: the summary comes right after the title page and contents (not page 21), and
    # the document's sections are printed in thesis order
    page, pdf = real_pdf
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    ids = ("summary", "method", "causes", "plan", "safeguards", "limitations", "appendix-provenance")
    titles = [squash(soup.find(id=sid).get_text(" ")) for sid in ids]
    pages = page_lines(pdf)
    # each title on a page after the previous one's (the contents, pages 2-3, name them too)
    found, after = [], 1
    for title in titles:
        hits = [k for k, lines in enumerate(pages) if k > after and title in map(squash, lines)]
        assert hits, (title, after)
        after = hits[0]
        found.append(after + 1)
    assert found[0] <= 4, found  # the executive summary opens the document
