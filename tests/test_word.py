"""report.docx: crm_research.report.word.html_to_docx, read back with python-docx."""

from __future__ import annotations

import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Emu
from report_pages import (
    BELOW_CAPTION,
    CHROME_TEXT,
    FIGURE_CAPTION,
    HEADINGS,
    LARGE_FIGURE_PX,
    MARKUP_VALUE,
    PARAGRAPH_CAPTION,
    SMALL_FIGURE_DPI,
    SMALL_FIGURE_PX,
    TABLE_CAPTION,
    WIDE_CAPTION,
    ZH_SENTENCE,
    build_report,
    read_page,
    write_fixture,
)

from crm_research.errors import InputError
from crm_research.report.word import html_to_docx

#: The fonts a Chinese reader's Word has (宋体 for text, 黑体 for headings), Latin alike.
BODY_EAST_ASIAN_FONT, HEADING_EAST_ASIAN_FONT, LATIN_FONT = "SimSun", "SimHei", "Times New Roman"
EMU_PER_INCH = 914400
#: A4 in EMU (210 x 297 mm), to the EMU python-docx writes (twips: 1/1440 inch).
A4 = (Cm(21.0), Cm(29.7))
TWIP = 635  # EMU


def _blocks(document):
    """Body paragraphs and tables in document order: ('p', Paragraph) or ('t', Table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield "p", Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield "t", Table(child, document)


def _headings(document) -> list[tuple[int, str]]:
    found = []
    for p in document.paragraphs:
        match = re.fullmatch(r"Heading (\d)", p.style.name)
        if match:
            found.append((int(match[1]), p.text))
    return found


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _east_asian(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def fixture_docx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("word")
    page = write_fixture(folder)
    return page, docx.Document(html_to_docx(page, folder / "report.docx", lang="zh"))


# ------------------------------------------------------------------------------ structure
def test_headings_in_order_as_word_heading_styles(fixture_docx):
    page, document = fixture_docx
    assert _headings(document) == HEADINGS == read_page(page).headings
    title = [p for p in document.paragraphs if p.style.name == "Title"]
    assert title[0].text == "D 公司客户关系管理研究报告"
    # a chapter starts on a new page: Heading 1 breaks the page
    assert document.styles["Heading 1"].paragraph_format.page_break_before


def test_no_blank_page(fixture_docx):
    """A page break right before a Heading 1 (which starts a page itself) leaves a blank page."""
    _, document = fixture_docx
    paragraphs = [b for k, b in _blocks(document) if k == "p"]
    breaks = 0
    for p, following in zip(paragraphs, paragraphs[1:], strict=False):
        if p._p.xpath('.//w:br[@w:type="page"]'):
            breaks += 1
            assert following.style.name != "Heading 1", following.text
    assert breaks == 1  # after the title page


def test_chinese_text_and_the_east_asian_fonts_in_the_styles(fixture_docx):
    _, document = fixture_docx
    assert ZH_SENTENCE in [p.text for p in document.paragraphs]
    styles = document.styles
    assert _east_asian(styles["Normal"]) == BODY_EAST_ASIAN_FONT
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title", "Caption"):
        assert _east_asian(styles[name]) == HEADING_EAST_ASIAN_FONT, name
    # document defaults too, and no theme font that would override the names
    defaults = styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == BODY_EAST_ASIAN_FONT
    assert defaults.get(qn("w:ascii")) == LATIN_FONT
    for fonts in styles.element.iter(qn("w:rFonts")):
        if fonts.get(qn("w:eastAsia")):
            assert fonts.get(qn("w:eastAsiaTheme")) is None
    lang = styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "zh-CN" and lang.get(qn("w:eastAsia")) == "zh-CN"


def test_a4_margins_and_a_page_number_field_in_the_footer(fixture_docx):
    _, document = fixture_docx
    first = document.sections[0]
    assert abs(first.page_width - A4[0]) <= TWIP and abs(first.page_height - A4[1]) <= TWIP
    assert abs(first.left_margin - Cm(2.5)) <= TWIP and abs(first.top_margin - Cm(2.5)) <= TWIP
    footer = first.footer.paragraphs[0]._p.xml
    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", footer)
    assert 'w:fldCharType="begin"' in footer and 'w:fldCharType="end"' in footer
    # the title page carries no number
    assert first.different_first_page_header_footer
    assert not first.first_page_footer.paragraphs[0].text


def test_jupyter_chrome_is_left_out_and_markup_stays_text(fixture_docx, tmp_path):
    page, document = fixture_docx
    text = _all_text(document)
    for chrome in CHROME_TEXT:
        assert chrome not in text
    assert MARKUP_VALUE in text  # shown as the characters it is
    assert "ok" in text and "\x01" not in text  # a character XML cannot hold is dropped
    html_to_docx(page, tmp_path / "r.docx", lang="zh")
    with zipfile.ZipFile(tmp_path / "r.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml


def test_lists_bullets_and_numbers(fixture_docx):
    _, document = fixture_docx
    items = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("List")]
    assert items == [
        ("List Bullet", "Training"),
        ("List Bullet", "Motivation"),
        ("List Bullet 2", "Pay"),
        ("List", "1. First action"),
        ("List", "2. Second action"),
    ]


# --------------------------------------------------------------------------------- tables
def _caption_before_each_table(document) -> list[str | None]:
    captions, previous = [], None
    for kind, block in _blocks(document):
        if kind == "t":
            ok = previous is not None and previous.style.name == "Caption"
            captions.append(previous.text if ok else None)
        # a section break paragraph (landscape page) stands between no caption and its table
        previous = block if kind == "p" and block.text else previous if kind == "p" else None
    return captions


def test_tables_have_their_captions_above_them(fixture_docx):
    _, document = fixture_docx
    assert len(document.tables) == 3
    assert _caption_before_each_table(document) == [TABLE_CAPTION, PARAGRAPH_CAPTION, WIDE_CAPTION]
    for kind, block in _blocks(document):
        if kind == "p" and block.style.name == "Caption" and block.text.startswith("表"):
            assert (
                block.paragraph_format.keep_with_next or block.style.paragraph_format.keep_with_next
            )


def test_three_line_tables(fixture_docx):
    _, document = fixture_docx
    for table in document.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        rule = {b.tag.split("}")[1]: (b.get(qn("w:val")), b.get(qn("w:sz"))) for b in borders}
        assert rule["top"] == ("single", "12") and rule["bottom"] == ("single", "12")  # 1.5 pt
        for edge in ("left", "right", "insideH", "insideV"):
            assert rule[edge][0] == "nil", edge
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        for cell in header.cells:
            bottom = cell._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
            assert (bottom.get(qn("w:val")), bottom.get(qn("w:sz"))) == ("single", "6")
        for row in table.rows[1:]:
            assert row._tr.trPr.find(qn("w:tblHeader")) is None
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
            for cell in row.cells:
                assert cell._tc.tcPr.find(qn("w:tcBorders")) is None


def test_numbers_right_text_left(fixture_docx):
    _, document = fixture_docx
    cities = document.tables[0]
    assert [c.text for c in cities.rows[1].cells] == ["石家庄", "82", "54.7"]
    align = [[c.paragraphs[0].alignment for c in row.cells] for row in cities.rows]
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    assert all(a == [A.LEFT, A.RIGHT, A.RIGHT] for a in align)
    # "1,204" is a number; the markup value is text
    inputs = document.tables[1]
    assert [c.paragraphs[0].alignment for c in inputs.rows[2].cells] == [A.LEFT, A.RIGHT, A.LEFT]


def test_a_wide_table_gets_a_landscape_page(fixture_docx):
    _, document = fixture_docx
    wide = document.tables[2]
    assert len(wide.columns) == 12
    orientation = [(s.page_width > s.page_height) for s in document.sections]
    assert orientation == [False, True, False]
    # the wide table sits in the landscape section: the section break after it ends it
    body = list(document.element.body.iterchildren())
    at = body.index(wide._tbl)
    breaks = [k for k, el in enumerate(body) if el.find(".//" + qn("w:sectPr")) is not None]
    assert breaks[0] < at < breaks[1]
    width = sum(c.width for c in wide.columns)
    landscape = document.sections[1]
    assert width <= landscape.page_width - landscape.left_margin - landscape.right_margin


def test_table_classes_mark_landscape_and_alignment(tmp_path):
    page = tmp_path / "marked.html"
    page.write_text(
        "<p>Before</p>"
        '<div class="crm-landscape"><table><thead><tr><th>Year</th><th>Revenue</th></tr></thead>'
        '<tbody><tr><td class="crm-text">2019</td><td class="crm-num">n/a</td></tr>'
        "<tr><td>2018</td><td>1,204</td></tr></tbody></table></div><p>After</p>",
        encoding="utf-8",
    )
    document = docx.Document(html_to_docx(page, tmp_path / "m.docx", lang="en"))
    assert [(s.page_width > s.page_height) for s in document.sections] == [False, True, False]
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    rows = document.tables[0].rows
    assert [c.paragraphs[0].alignment for c in rows[1].cells] == [A.LEFT, A.RIGHT]
    assert [c.paragraphs[0].alignment for c in rows[2].cells] == [A.RIGHT, A.RIGHT]


# -------------------------------------------------------------------------------- figures
def test_figures_embedded_at_their_size_or_the_text_width(fixture_docx):
    _, document = fixture_docx
    shapes = document.inline_shapes
    assert len(shapes) == 2
    small, large = shapes
    # 400 x 200 px at 100 dpi is 4 x 2 inches (PNG stores 3937 px per metre, 99.9998 dpi:
    # 10 EMU, 0.0003 mm, of rounding)
    assert abs(small.width - Emu(SMALL_FIGURE_PX[0] * EMU_PER_INCH // SMALL_FIGURE_DPI)) <= 10
    assert abs(small.height - Emu(SMALL_FIGURE_PX[1] * EMU_PER_INCH // SMALL_FIGURE_DPI)) <= 10
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert abs(large.width - text_width) <= 1
    ratio = LARGE_FIGURE_PX[1] / LARGE_FIGURE_PX[0]
    assert abs(large.height - large.width * ratio) <= 2
    # alternative text kept; the caption right below its figure
    assert small._inline.docPr.get("descr") == "Pareto curve"
    blocks = [b for k, b in _blocks(document) if k == "p"]
    pictures = [k for k, p in enumerate(blocks) if p._p.xpath(".//pic:pic")]
    # <figcaption>, and a caption paragraph in the next output, each right below its figure,
    # the figure kept with it
    for at, caption in zip(pictures, (FIGURE_CAPTION, BELOW_CAPTION), strict=True):
        assert blocks[at + 1].style.name == "Caption" and blocks[at + 1].text == caption
        assert blocks[at].paragraph_format.keep_with_next
        assert not blocks[at + 1].paragraph_format.keep_with_next


# ---------------------------------------------------------------------------- bad input
def test_bad_input_is_one_sentence(tmp_path):
    page = write_fixture(tmp_path)
    with pytest.raises(InputError, match="lang must be one of zh, en"):
        html_to_docx(page, tmp_path / "r.docx", lang="fr")
    with pytest.raises(InputError, match="does not exist"):
        html_to_docx(tmp_path / "missing.html", tmp_path / "r.docx", lang="en")
    with pytest.raises(InputError, match="folder .* does not exist"):
        html_to_docx(page, tmp_path / "no" / "r.docx", lang="en")


def test_english_document_language(tmp_path):
    page = write_fixture(tmp_path, lang="en")
    document = docx.Document(html_to_docx(page, tmp_path / "r.docx", lang="en"))
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-US"
    assert document.core_properties.language == "en-US"


# ------------------------------------------------------------------ the real report (zh)
@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-zh")
    page = build_report(tmp_path_factory, "zh")
    return page, docx.Document(html_to_docx(page, folder / "report.docx", lang="zh"))


@pytest.mark.slow
def test_real_report_as_word(real_report):
    page, document = real_report
    parts = read_page(page)
    # the same headings in the same order, as Word heading styles
    assert _headings(document) == parts.headings
    assert len(parts.headings) >= 20
    # every table, every figure, every caption the page has
    assert len(document.tables) == parts.tables
    assert len(document.inline_shapes) == parts.figures >= 5
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == parts.captions
    # a table that the page captions has its caption right above it
    table_captions = [c for c in _caption_before_each_table(document) if c]
    assert table_captions == [c for c in parts.captions if c in table_captions]
    # Chinese text, in a document whose styles name the Chinese fonts
    text = _all_text(document)
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 2000
    assert "模拟数据" in text
    assert _east_asian(document.styles["Normal"]) == BODY_EAST_ASIAN_FONT
    for chrome in ("Traceback", "In [", "Out["):
        assert chrome not in text
