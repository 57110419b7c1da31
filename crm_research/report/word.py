"""report.docx: the HTML report as a Word document (python-docx).

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): it is one
converter walking one HTML tree; its parts (headings, three-line tables, figures, captions,
page setup) share the walk's state and python-docx's low-level XML helpers.

:func:`html_to_docx` reads the report.html that the pipeline writes (nbconvert's HTML of the
executed notebooks: headings, paragraphs, lists, pandas tables, base64 PNG figures) and
writes the same document for Word and LibreOffice:

- the heading structure in order, as Word's *Heading 1..6* styles (the title page's
  ``h1.crm-title`` as *Title*), so that the navigation pane and a Word contents field work;
- tables as three-line tables (三线表): a 1.5 pt rule above and below the table, a 0.75 pt
  rule under the header, no vertical rules; header rows repeat on every page, rows are not
  split, small tables are kept on one page, text columns left-aligned and numbers
  right-aligned (or as the cell's class ``crm-num`` / ``crm-text`` says); tables of
  :data:`LANDSCAPE_COLUMNS` or more columns, or marked ``crm-landscape``, on a landscape page;
- captions: ``<caption>`` of a table and a ``<p class="caption">`` above it, ``<figcaption>``
  below its figure, in Word's *Caption* style and kept with their table or figure;
- figures (``data:`` PNG/JPEG, or a file inside the report folder) embedded at their own
  size, at most the text width, with their ``alt`` text as the picture's description;
- fonts named in the styles for both scripts: Latin :data:`LATIN_FONT`, East-Asian
  :data:`BODY_EAST_ASIAN_FONT` (宋体) for text and :data:`HEADING_EAST_ASIAN_FONT` (黑体) for
  headings and captions (``w:rFonts/@w:eastAsia``), so that Chinese is shown in a Chinese
  font, not a substitute;
- A4 pages, 2.5 cm margins, the page number (a PAGE field) centred in the footer, none on
  the title page.

Jupyter's chrome (prompts, code input, collapsers, anchor links, stderr), ``<style>`` and
``<script>`` are left out. Every value is written as plain text (python-docx escapes it;
characters XML cannot hold are dropped), so no markup in a data value reaches the document.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from crm_research.errors import InputError

__all__ = [
    "BODY_EAST_ASIAN_FONT",
    "HEADING_EAST_ASIAN_FONT",
    "LANDSCAPE_COLUMNS",
    "LATIN_FONT",
    "html_to_docx",
]

#: Report languages (the document's language tag and the words it adds itself).
LANGS = ("zh", "en")
#: A4, ISO 216: 210 x 297 mm.
PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
#: Page margins on every side.
MARGIN = Cm(2.5)
#: Latin font of text and headings; the East-Asian fonts of text (宋体) and of headings and
#: captions (黑体): the faces Chinese theses and reports are set in, present in every Chinese
#: Windows and Office installation (GB/T 7713.1-2006 names no face; these are the custom).
LATIN_FONT = "Times New Roman"
BODY_EAST_ASIAN_FONT = "SimSun"
HEADING_EAST_ASIAN_FONT = "SimHei"
MONO_FONT = "Consolas"
#: Type sizes in points: text 10.5 (五号), tables and captions 9 (小五), headings 16/14/12.
BODY_PT = 10.5
TABLE_PT = 9.0
WIDE_TABLE_PT = 7.5
HEADING_PT = {1: 16.0, 2: 14.0, 3: 12.0, 4: 10.5, 5: 10.5, 6: 10.5}
#: Paragraph styles of table cells (normal and wide tables).
TABLE_STYLE = "Table Text"
TABLE_STYLE_SMALL = "Table Text Small"
#: Three-line table rules in eighths of a point (w:sz): 1.5 pt top and bottom, 0.75 pt
#: under the header.
RULE_HEAVY = 12
RULE_THIN = 6
#: A table with this many columns or more is set in WIDE_TABLE_PT ...
WIDE_COLUMNS = 9
#: ... and with this many or more on a landscape page.
LANDSCAPE_COLUMNS = 11
#: Tables with at most this many rows are kept on one page (rows kept with the next).
KEEP_TOGETHER_ROWS = 25
#: A figure is at most this share of the text height.
MAX_FIGURE_HEIGHT_SHARE = 0.75
#: Pixels per inch assumed for a figure whose PNG carries no resolution (CSS px).
DEFAULT_DPI = 96.0

#: Elements never written: Jupyter's chrome, page machinery, and what the screen alone shows.
SKIP_TAGS = frozenset(
    {"head", "style", "script", "template", "noscript", "button", "input", "select",
     "textarea", "iframe", "object", "embed", "link", "meta", "title", "svg", "math",
     "canvas", "video", "audio"}
)  # fmt: skip
SKIP_CLASSES = frozenset(
    {"jp-InputPrompt", "jp-OutputPrompt", "jp-OutputArea-prompt", "jp-Collapser",
     "jp-CellHeader", "jp-CellFooter", "anchor-link", "crm-screen-only", "jp-InputArea-editor"}
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {"html", "body", "main", "div", "section", "article", "nav", "header", "footer", "aside",
     "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
     "figure", "figcaption", "pre", "blockquote", "hr", "details", "summary", "address",
     "caption", "form", "fieldset", "center"}
)  # fmt: skip
HEADINGS = {f"h{n}": n for n in range(1, 7)}
#: Characters XML 1.0 cannot hold (a docx part is XML): dropped from every value.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u200b]+")
#: A cell that holds a number: 1,234.5 / -0.37 / 67.0% / < .001 / 0.371 [0.305, 0.437].
_NUMBER = re.compile(
    r"^[<>≤≥=]?\s*[-−+]?(?:\d[\d,\s]*(?:\.\d+)?|\.\d+)\s*[%‰]?"
    r"(?:\s*[\[(（]\s*[-−+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)\s*[,，;至to–-]+\s*"
    r"[-−+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)\s*[\])）])?\*{0,3}$"
)
_EMPTY_CELL = {"", "-", "—", "–", "nan", "NaN", "n/a", "NA"}

_WORDS = {
    "zh": {"contents": "目录", "toc_hint": "(在 Word 中右键“更新域”可加上页码)"},
    "en": {"contents": "Contents", "toc_hint": "(update the field in Word to add page numbers)"},
}


# --------------------------------------------------------------------------------- helpers
def _clean(text: str) -> str:
    """Text XML can hold, with HTML's white-space collapsing."""
    return _SPACE.sub(" ", _NOT_XML.sub("", text))


def _classes(tag: Tag) -> set[str]:
    value = tag.get("class") or []
    return set(value.split() if isinstance(value, str) else value)


def _skipped(tag: Tag) -> bool:
    if tag.name in SKIP_TAGS or _classes(tag) & SKIP_CLASSES:
        return True
    if tag.get("hidden") is not None or tag.get("aria-hidden") == "true":
        return True
    style = str(tag.get("style") or "").replace(" ", "").lower()
    if "display:none" in style:
        return True
    # the code input of a code cell (a markdown cell's input area is its rendered text)
    if "jp-InputArea" in _classes(tag) and tag.find_parent(class_="jp-CodeCell") is not None:
        return True
    return tag.get("data-mime-type") == "application/vnd.jupyter.stderr"


def _text(tag: Tag | NavigableString) -> str:
    """The visible text of an element, white space collapsed, skipped parts left out."""
    if isinstance(tag, NavigableString):
        if isinstance(tag, Comment | Doctype | ProcessingInstruction):
            return ""
        return _clean(str(tag))
    if _skipped(tag):
        return ""
    if tag.name == "br":
        return "\n"
    return "".join(_text(child) for child in tag.children)


def _display_width(text: str) -> float:
    """Width in ens: an East-Asian (full-width) character counts two."""
    return sum(2.0 if ord(ch) >= 0x1100 and not 0xFF61 <= ord(ch) <= 0xFFDC else 1.0
               for ch in text)  # fmt: skip


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip().replace("\u2212", "-")))


def _set_fonts(rpr, latin: str, east_asian: str) -> None:
    """Name the Latin and the East-Asian font of a run or style (theme fonts removed)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _set_lang(rpr, lang: str) -> None:
    element = rpr.find(qn("w:lang"))
    if element is None:
        element = OxmlElement("w:lang")
        rpr.append(element)
    element.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-US")
    element.set(qn("w:eastAsia"), "zh-CN")


def _border(parent, edge: str, size: int | None) -> None:
    """A single rule of ``size`` eighths of a point on ``edge``, or no rule (None)."""
    element = parent.find(qn(f"w:{edge}"))
    if element is None:
        element = OxmlElement(f"w:{edge}")
        parent.append(element)
    if size is None:
        element.set(qn("w:val"), "nil")
        return
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size))
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), "000000")


#: Children that follow w:tblBorders in w:tblPr, and w:tcBorders in w:tcPr (the schema's
#: order, ECMA-376 Part 1, 17.4.60 and 17.4.70: Word refuses a file whose order is wrong).
_TBL_PR_AFTER_BORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
                         "tblDescription")  # fmt: skip
_TC_PR_AFTER_BORDERS = ("shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign",
                        "hideMark")  # fmt: skip


def _insert_before(parent, child, successors: tuple[str, ...]) -> None:
    """Insert ``child`` into ``parent`` before the first of its schema successors."""
    for name in successors:
        found = parent.find(qn(f"w:{name}"))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def _field(paragraph, instruction: str, result: str) -> None:
    """A complex field (e.g. PAGE) with its cached result."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                       ("result", result), ("end", None)):  # fmt: skip
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        elif kind == "result":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


# ---------------------------------------------------------------------------- the document
def _set_up(document, lang: str) -> None:
    """Styles (fonts for both scripts, sizes, black headings), A4 page, footer number."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, LATIN_FONT, BODY_EAST_ASIAN_FONT)
    _set_lang(rpr, lang)

    normal = styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), LATIN_FONT, BODY_EAST_ASIAN_FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.25

    for level, size in HEADING_PT.items():
        style = styles[f"Heading {level}"]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(style.element.get_or_add_rPr(), LATIN_FONT, HEADING_EAST_ASIAN_FONT)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(12 if level <= 2 else 8)
        style.paragraph_format.space_after = Pt(6)
    styles["Heading 1"].paragraph_format.page_break_before = True

    for name, size in (("Title", 22.0), ("Subtitle", 13.0)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        _set_fonts(style.element.get_or_add_rPr(), LATIN_FONT, HEADING_EAST_ASIAN_FONT)

    caption = styles["Caption"]
    caption.font.size = Pt(TABLE_PT)
    caption.font.bold = True
    caption.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(caption.element.get_or_add_rPr(), LATIN_FONT, HEADING_EAST_ASIAN_FONT)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(6)

    for name, size in ((TABLE_STYLE, TABLE_PT), (TABLE_STYLE_SMALL, WIDE_TABLE_PT)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(1)
        fmt.line_spacing = 1.0
        fmt.first_line_indent = Pt(0)

    for level in (1, 2, 3):
        name = f"toc {level}"
        if name not in [s.name for s in styles]:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
            style.paragraph_format.left_indent = Cm(0.75 * (level - 1))
            style.paragraph_format.space_after = Pt(2)

    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, MARGIN)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")
    for run in footer.runs:
        run.font.size = Pt(TABLE_PT)


@dataclass
class _Cell:
    node: Tag | None
    header: bool
    text: str = ""
    colspan: int = 1
    rowspan: int = 1


@dataclass
class _Writer:
    """Walks the HTML body in document order and writes the docx."""

    document: object
    lang: str
    base_dir: Path
    inline: list = field(default_factory=list)
    title_page_done: bool = False
    pending_caption: object = None  # a caption paragraph that waits for its table

    # ----------------------------------------------------------------- layout sizes
    @property
    def section(self):
        return self.document.sections[-1]

    @property
    def text_width(self) -> int:
        s = self.section
        return s.page_width - s.left_margin - s.right_margin

    @property
    def text_height(self) -> int:
        s = self.section
        return s.page_height - s.top_margin - s.bottom_margin

    # ---------------------------------------------------------------------- walking
    def block(self, node: Tag, list_depth: int = 0) -> None:
        for child in node.children:
            if isinstance(child, Comment | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                if str(child).strip():
                    self.inline.append(child)
                continue
            if not isinstance(child, Tag) or _skipped(child):
                continue
            if child.name == "img":
                self.flush()
                self.figure(child, None)
            elif child.name in BLOCK_TAGS:
                self.flush()
                self.element(child, list_depth)
            else:
                self.inline.append(child)
        self.flush()

    def element(self, node: Tag, list_depth: int) -> None:
        name = node.name
        classes = _classes(node)
        if name in HEADINGS:
            self.heading(node)
        elif name == "nav" and "crm-contents" in classes or node.get("id") == "contents":
            self.contents(node)
        elif node.get("id") == "title-page" or "crm-title-page" in classes:
            self.block(node)
            self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            self.title_page_done = True
            self.section.different_first_page_header_footer = True
        elif name == "table":
            self.table(node)
        elif name == "figure":
            self.figure_element(node)
        elif name in ("ul", "ol"):
            self.list(node, list_depth + 1)
        elif name == "p" and "caption" in classes or name in ("figcaption", "caption"):
            self.caption(node)
        elif name == "pre":
            self.paragraph([node], mono=True)
        elif name == "hr":
            return
        elif "crm-simulated" in classes:
            paragraph = self.paragraph(list(node.children))
            if paragraph is not None:
                for run in paragraph.runs:
                    run.font.bold = True
                    run.font.color.rgb = RGBColor(0xA0, 0x1C, 0x1C)
        elif "crm-subtitle" in classes:
            self.paragraph(list(node.children), style="Subtitle")
        elif name == "p" or name in ("dt", "dd", "summary", "address"):
            self.paragraph(list(node.children))
        elif name == "blockquote":
            self.block(node)
        else:  # div, section, main, li outside a list, details, ...
            self.block(node, list_depth)

    def flush(self, style: str | None = None) -> None:
        nodes, self.inline = self.inline, []
        if nodes:
            self.paragraph(nodes, style=style)

    # -------------------------------------------------------------------- paragraphs
    def paragraph(self, nodes, *, style: str | None = None, mono: bool = False):
        """One paragraph from inline nodes; None when they hold no visible text."""
        if not "".join(_text(n) for n in nodes).strip():
            return None
        paragraph = self.document.add_paragraph(style=style)
        state = {"bold": False, "italic": False, "mono": mono, "sup": False, "sub": False}
        for node in nodes:
            self.runs(paragraph, node, state, preserve=mono)
        self._trim(paragraph)
        return paragraph

    def runs(self, paragraph, node, state: dict, *, preserve: bool = False) -> None:
        if isinstance(node, Comment | Doctype | ProcessingInstruction):
            return
        if isinstance(node, NavigableString):
            raw = _NOT_XML.sub("", str(node))
            text = raw if preserve else _SPACE.sub(" ", raw)
            if not text:
                return
            if preserve and "\n" in text:
                for k, line in enumerate(text.split("\n")):
                    if k:
                        paragraph.add_run().add_break()
                    if line:
                        self._run(paragraph, line, state)
            else:
                self._run(paragraph, text, state)
            return
        if not isinstance(node, Tag) or _skipped(node):
            return
        if node.name == "br":
            paragraph.add_run().add_break()
            return
        if node.name == "img":
            alt = _clean(str(node.get("alt") or ""))
            if alt:
                self._run(paragraph, f"[{alt}]", state)
            return
        inner = dict(state)
        classes = _classes(node)
        if node.name in ("b", "strong", "th") or "crm-severity" in classes:
            inner["bold"] = True
        if node.name in ("i", "em", "cite", "var"):
            inner["italic"] = True
        if node.name in ("code", "kbd", "samp", "tt"):
            inner["mono"] = True
        if node.name == "sup":
            inner["sup"] = True
        if node.name == "sub":
            inner["sub"] = True
        block_inside = node.name in BLOCK_TAGS and node.name not in ("caption",)
        if block_inside and paragraph.runs and paragraph.runs[-1].text.strip():
            paragraph.add_run(" ")
        for child in node.children:
            self.runs(paragraph, child, inner, preserve=preserve or node.name == "pre")
        if "crm-severity" in classes:
            paragraph.add_run(" ")

    def _run(self, paragraph, text: str, state: dict):
        run = paragraph.add_run(text)
        if state["bold"]:
            run.bold = True
        if state["italic"]:
            run.italic = True
        if state["sup"]:
            run.font.superscript = True
        if state["sub"]:
            run.font.subscript = True
        if state["mono"]:
            _set_fonts(run._r.get_or_add_rPr(), MONO_FONT, BODY_EAST_ASIAN_FONT)
        return run

    @staticmethod
    def _trim(paragraph) -> None:
        """No white space at the start or end of a paragraph (HTML collapses it)."""
        texts = [t for t in paragraph._p.iter(qn("w:t")) if t.text]
        if texts:
            texts[0].text = texts[0].text.lstrip(" ")
            texts[-1].text = texts[-1].text.rstrip(" ")

    def heading(self, node: Tag) -> None:
        text = _text(node).strip()
        if not text:
            return
        if node.name == "h1" and "crm-title" in _classes(node):
            self.document.add_paragraph(text, style="Title")
            return
        level = HEADINGS[node.name]
        paragraph = self.document.add_heading(text, level=level)
        if level == 1 and not self.title_page_done and len(self.document.paragraphs) == 1:
            paragraph.paragraph_format.page_break_before = False

    def caption(self, node: Tag):
        """A caption paragraph: kept with the table after it, or with the figure before it."""
        text = _text(node).strip()
        if not text:
            return None
        body = self.document.element.body
        last = body[-2] if len(body) > 1 else None  # body[-1] is the section properties
        after_figure = (
            node.name != "caption"
            and last is not None
            and last.tag == qn("w:p")
            and bool(last.xpath(".//pic:pic"))
        )
        paragraph = self.document.add_paragraph(text, style="Caption")
        if after_figure:  # a figure's caption below it: the figure keeps with its caption
            from docx.text.paragraph import Paragraph

            Paragraph(last, self.document).paragraph_format.keep_with_next = True
            paragraph.paragraph_format.keep_with_next = False
            self.pending_caption = None
        else:
            paragraph.paragraph_format.keep_with_next = True
            self.pending_caption = paragraph
        return paragraph

    def list(self, node: Tag, depth: int) -> None:
        ordered = node.name == "ol"
        start = int(node.get("start", 1)) if str(node.get("start", "1")).isdigit() else 1
        number = start
        level = min(depth, 3)
        for item in node.find_all("li", recursive=False):
            if _skipped(item):
                continue
            inline, nested = [], []
            for child in item.children:
                if isinstance(child, Tag) and child.name in ("ul", "ol", "table", "p", "div"):
                    nested.append(child)
                else:
                    inline.append(child)
            # a paragraph as the item's first block is the item's text
            if (
                not "".join(_text(n) for n in inline).strip()
                and nested
                and nested[0].name
                in (
                    "p",
                    "div",
                )
            ):
                inline = list(nested.pop(0).children)
            if ordered:
                # the number written out: Word's list numbering would run on across lists
                paragraph = self.paragraph(inline, style="List" if level == 1 else f"List {level}")
                if paragraph is not None:
                    first = paragraph.runs[0]
                    first.text = f"{number}. " + first.text
                number += 1
            else:
                style = "List Bullet" if level == 1 else f"List Bullet {level}"
                self.paragraph(inline, style=style)
            for child in nested:
                if child.name in ("ul", "ol"):
                    self.list(child, depth + 1)
                else:
                    self.element(child, depth)

    def contents(self, node: Tag) -> None:
        """The HTML contents list as a Word contents field (Word fills in page numbers)."""
        title = node.find(HEADINGS.keys())
        text = _text(title).strip() if title is not None else _WORDS[self.lang]["contents"]
        heading = self.document.add_paragraph(text, style="Title")
        heading.runs[0].font.size = Pt(HEADING_PT[1])
        entries = []
        for link in node.find_all("a"):
            depth = len([p for p in link.parents if p.name in ("ul", "ol") and p is not node])
            label = _text(link).strip()
            if label:
                entries.append((min(max(depth, 1), 3), label))
        if not entries:
            return
        paragraphs = [
            self.document.add_paragraph(label, style=f"toc {depth}") for depth, label in entries
        ]
        first, last = paragraphs[0], paragraphs[-1]
        begin = []
        for kind in ("begin", "instr", "separate"):
            run = OxmlElement("w:r")
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = ' TOC \\o "1-3" \\h \\z \\u '
                run.append(instr)
            else:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                if kind == "begin":
                    char.set(qn("w:dirty"), "true")
                run.append(char)
            begin.append(run)
        anchor = first.runs[0]._r if first.runs else None
        for run in begin:
            if anchor is not None:
                anchor.addprevious(run)
            else:
                first._p.append(run)
        end = OxmlElement("w:r")
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), "end")
        end.append(char)
        last._p.append(end)
        hint = self.document.add_paragraph(_WORDS[self.lang]["toc_hint"])
        for run in hint.runs:
            run.font.size = Pt(TABLE_PT)
            run.italic = True
        # no page break here: chapter 1's Heading 1 starts a new page (two would leave one blank)

    # ------------------------------------------------------------------------ figures
    def figure_element(self, node: Tag) -> None:
        captions = [c for c in node.find_all("figcaption") if not _skipped(c)]
        images = [i for i in node.find_all("img") if not _skipped(i)]
        for k, image in enumerate(images):
            self.figure(image, captions[0] if captions and k == len(images) - 1 else None)
        if not images:
            for child in node.children:
                if isinstance(child, Tag) and child.name in BLOCK_TAGS - {"figcaption"}:
                    self.element(child, 0)
            if captions:
                self.caption(captions[0])

    def _image_bytes(self, src: str) -> bytes | None:
        if src.startswith("data:"):
            header, _, payload = src.partition(",")
            if ";base64" not in header or not re.match(r"data:image/(png|jpe?g|gif|bmp)", header):
                return None
            try:
                return base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                return None
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):  # http:, file:, ...
            return None
        path = (self.base_dir / src).resolve()
        if not path.is_file() or self.base_dir.resolve() not in path.parents:
            return None  # only files inside the report folder
        return path.read_bytes()

    def figure(self, image: Tag, figcaption: Tag | None) -> None:
        from PIL import Image, UnidentifiedImageError

        alt = _clean(str(image.get("alt") or "")).strip()
        data = self._image_bytes(str(image.get("src") or ""))
        picture = None
        if data:
            try:
                with Image.open(io.BytesIO(data)) as pil:
                    width_px, height_px = pil.size
                    dpi = pil.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))[0] or DEFAULT_DPI
            except (UnidentifiedImageError, OSError, ValueError):
                width_px = 0
            if width_px:
                # its own size (at its resolution), at most the text width and 3/4 page high
                width = Emu(int(width_px / float(dpi) * 914400))
                width = min(width, self.text_width)
                height = width * height_px / width_px
                limit = self.text_height * MAX_FIGURE_HEIGHT_SHARE
                if height > limit:
                    width = int(width * limit / height)
                paragraph = self.document.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture = paragraph.add_run().add_picture(io.BytesIO(data), width=Emu(int(width)))
                doc_pr = picture._inline.docPr
                if alt:
                    doc_pr.set("descr", alt)
                    doc_pr.set("title", alt)
        if picture is None and alt:
            paragraph = self.document.add_paragraph(f"[{alt}]")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if figcaption is not None:
            self.caption(figcaption)

    # ------------------------------------------------------------------------- tables
    def _grid(self, node: Tag) -> tuple[list[list[_Cell | None]], int]:
        """Rows of cells with colspan/rowspan resolved; the number of header rows."""
        sections = [c for c in node.children if isinstance(c, Tag)]
        rows: list[tuple[Tag, bool]] = []
        for part in sections:
            if part.name == "thead":
                rows += [(tr, True) for tr in part.find_all("tr", recursive=False)]
            elif part.name in ("tbody", "tfoot"):
                rows += [(tr, False) for tr in part.find_all("tr", recursive=False)]
            elif part.name == "tr":
                rows.append((part, False))
        if not any(h for _, h in rows):  # no thead: leading all-<th> rows are the header
            for k, (tr, _) in enumerate(rows):
                cells = tr.find_all(["td", "th"], recursive=False)
                if cells and all(c.name == "th" for c in cells):
                    rows[k] = (tr, True)
                else:
                    break
        n_header = sum(1 for _, h in rows if h)
        grid: list[list[_Cell | None]] = []
        taken: dict[tuple[int, int], bool] = {}
        for r, (tr, header) in enumerate(rows):
            line: list[_Cell | None] = []
            c = 0
            for td in tr.find_all(["td", "th"], recursive=False):
                if _skipped(td):
                    continue
                while taken.get((r, c)):
                    line.append(None)
                    c += 1
                span = int(td.get("colspan", 1)) if str(td.get("colspan", 1)).isdigit() else 1
                down = int(td.get("rowspan", 1)) if str(td.get("rowspan", 1)).isdigit() else 1
                span, down = max(1, min(span, 60)), max(1, min(down, len(rows) - r))
                cell = _Cell(td, header, _text(td).strip(), span, down)
                line.append(cell)
                for dr in range(down):
                    for dc in range(span):
                        if dr or dc:
                            taken[(r + dr, c + dc)] = True
                line.extend([None] * (span - 1))
                c += span
            while taken.get((r, c)):
                line.append(None)
                c += 1
            grid.append(line)
        width = max((len(line) for line in grid), default=0)
        for line in grid:
            line.extend([None] * (width - len(line)))
        return grid, n_header

    def table(self, node: Tag) -> None:
        grid, n_header = self._grid(node)
        n_rows, n_cols = len(grid), (len(grid[0]) if grid else 0)
        caption_tag = node.find("caption", recursive=False)
        if n_rows == 0 or n_cols == 0:
            if caption_tag is not None:
                self.caption(caption_tag)
            return
        marked = any("crm-landscape" in _classes(t) for t in (node, *node.parents) if t.name)
        landscape = n_cols >= LANDSCAPE_COLUMNS or marked
        waiting = self.pending_caption
        if landscape:
            self._orient(landscape=True, carry=waiting)
        if caption_tag is not None and _text(caption_tag).strip():
            self.caption(caption_tag)
        self.pending_caption = None
        plain = "crm-facts" in _classes(node)
        size = WIDE_TABLE_PT if n_cols >= WIDE_COLUMNS else TABLE_PT

        # column kinds: a column whose body cells are mostly numbers is right-aligned
        numeric = []
        for c in range(n_cols):
            body = [
                grid[r][c].text
                for r in range(n_header, n_rows)
                if grid[r][c] is not None and grid[r][c].text not in _EMPTY_CELL
            ]
            numeric.append(bool(body) and sum(map(_is_number, body)) >= 0.5 * len(body))

        table = self.document.add_table(rows=n_rows, cols=n_cols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = True
        self._rules(table, plain)
        widths = self._widths(grid, size)
        for line_no, line in enumerate(grid):  # merged cells first: row.cells follows them
            for c, cell in enumerate(line):
                if cell is not None and (cell.colspan > 1 or cell.rowspan > 1):
                    table.cell(line_no, c).merge(
                        table.cell(line_no + cell.rowspan - 1, c + cell.colspan - 1)
                    )
        for c, column in enumerate(table.columns):
            column.width = widths[c]
        keep = n_rows <= KEEP_TOGETHER_ROWS
        style_id = self.document.styles[
            TABLE_STYLE_SMALL if n_cols >= WIDE_COLUMNS else TABLE_STYLE
        ].style_id
        for r, (line, row) in enumerate(zip(grid, table.rows, strict=True)):
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if r < n_header:
                tr_pr.append(OxmlElement("w:tblHeader"))
            cells = row.cells
            for c, cell in enumerate(line):
                if cell is None:
                    continue
                docx_cell = cells[c]
                docx_cell.width = sum(widths[c : c + cell.colspan])
                paragraph = docx_cell.paragraphs[0]
                paragraph._p.style = style_id  # by id: python-docx looks a name up in all styles
                state = {"bold": cell.header, "italic": False, "mono": False,
                         "sup": False, "sub": False}  # fmt: skip
                for child in cell.node.children:
                    self.runs(paragraph, child, state)
                self._trim(paragraph)
                is_number = _is_number(cell.text) or cell.text in _EMPTY_CELL
                right = numeric[c] and (cell.header or is_number) and cell.colspan == 1
                marked = _classes(cell.node) & {"crm-num", "crm-text"}
                if marked:  # the report said which it is
                    right = "crm-num" in marked
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
                if cell.header and cell.colspan > 1:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if keep and r + cell.rowspan < n_rows:
                    paragraph.paragraph_format.keep_with_next = True
            if not plain and r == n_header - 1:
                for c, cell in enumerate(line):
                    if cell is None:
                        continue
                    tc_pr = cells[c]._tc.get_or_add_tcPr()
                    borders = OxmlElement("w:tcBorders")
                    _border(borders, "bottom", RULE_THIN)
                    _insert_before(tc_pr, borders, _TC_PR_AFTER_BORDERS)
        # space after the table
        after = self.document.add_paragraph()
        after.paragraph_format.space_after = Pt(4)
        if landscape:
            self._orient(landscape=False)

    def _rules(self, table, plain: bool) -> None:
        tbl_pr = table._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            heavy = edge in ("top", "bottom") and not plain
            _border(borders, edge, RULE_HEAVY if heavy else None)
        old = tbl_pr.find(qn("w:tblBorders"))
        if old is not None:
            tbl_pr.remove(old)
        _insert_before(tbl_pr, borders, _TBL_PR_AFTER_BORDERS)
        style = tbl_pr.find(qn("w:tblStyle"))
        if style is not None:
            tbl_pr.remove(style)

    def _widths(self, grid, size_pt: float) -> list[int]:
        """Column widths from the longest entry (full-width characters count two)."""
        n_cols = len(grid[0])
        natural = []
        for c in range(n_cols):
            longest = 2.0
            for line in grid:
                cell = line[c]
                if cell is None or cell.colspan > 1:
                    continue
                words = cell.text.split("\n")
                longest = max([longest, *(_display_width(w) for w in words)])
            # an en is about half the type size; 0.2 cm of padding on each side
            natural.append(Pt(min(longest, 60.0) * size_pt * 0.55) + Cm(0.4))
        available = self.text_width
        total = sum(natural)
        if total <= available:
            return [int(w) for w in natural]
        # too wide: long text columns give way first (each keeps at least 6 ens)
        floor = [min(w, Pt(6 * size_pt * 0.55) + Cm(0.4)) for w in natural]
        room = available - sum(floor)
        extra = [w - f for w, f in zip(natural, floor, strict=True)]
        share = room / sum(extra) if sum(extra) else 0
        return [int(f + e * max(share, 0)) for f, e in zip(floor, extra, strict=True)]

    def _orient(self, *, landscape: bool, carry=None) -> None:
        """A new section on a landscape (or back on a portrait) page."""
        previous = self.section
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        width, height = previous.page_width, previous.page_height
        if landscape != (width > height):
            width, height = height, width
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
        section.different_first_page_header_footer = False
        if carry is not None:  # a caption paragraph written just before moves with its table
            body = self.document.element.body
            body.remove(carry._p)
            body.sectPr.addprevious(carry._p)


def html_to_docx(
    html_path: str | os.PathLike[str],
    docx_path: str | os.PathLike[str],
    *,
    lang: str,
) -> Path:
    """Write the HTML report as a Word document.

    Parameters
    ----------
    html_path : str or path-like
        The report's HTML (nbconvert's page of the executed notebooks, or any HTML with
        headings, paragraphs, lists, tables and ``<img>`` figures).
    docx_path : str or path-like
        The .docx to write (its folder must exist; an existing file is replaced).
    lang : {"zh", "en"}
        The report language: the document's language tag and the words the converter adds
        (the contents hint).

    Returns
    -------
    pathlib.Path
        ``docx_path``.

    Raises
    ------
    InputError
        When ``lang`` is not a report language, the HTML file does not exist or the docx
        folder does not exist.

    Examples
    --------
    >>> import tempfile, pathlib, docx
    >>> page = "<h1>1 客户</h1><p>满意度 3.69</p><table><caption>表1-1 样本</caption>"
    >>> page += "<thead><tr><th>城市</th><th>n</th></tr></thead>"
    >>> page += "<tbody><tr><td>石家庄</td><td>82</td></tr></tbody></table>"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     html = pathlib.Path(tmp) / "r.html"
    ...     _ = html.write_text(page, encoding="utf-8")
    ...     d = docx.Document(html_to_docx(html, pathlib.Path(tmp) / "r.docx", lang="zh"))
    >>> [(p.style.name, p.text) for p in d.paragraphs if p.text]
    [('Heading 1', '1 客户'), ('Normal', '满意度 3.69'), ('Caption', '表1-1 样本')]
    >>> [c.text for c in d.tables[0].rows[1].cells]
    ['石家庄', '82']
    """
    if lang not in LANGS:
        raise InputError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}.")
    html_path, docx_path = Path(html_path), Path(docx_path)
    if not html_path.is_file():
        raise InputError(f"Cannot convert {html_path}: the HTML file does not exist.")
    if not docx_path.parent.is_dir():
        raise InputError(f"Cannot write {docx_path}: the folder {docx_path.parent} does not exist.")
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    document = Document()
    _set_up(document, lang)
    title = soup.find("title")
    heading = soup.select_one("h1.crm-title") or soup.find("h1")
    name = _text(title).strip() if title is not None else ""
    name = name or (_text(heading).strip() if heading is not None else "")
    document.core_properties.title = name[:255]
    document.core_properties.language = "zh-CN" if lang == "zh" else "en-US"
    writer = _Writer(document, lang, html_path.resolve().parent)
    writer.block(soup.body if soup.body is not None else soup)
    document.save(docx_path)
    return docx_path
