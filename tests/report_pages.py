"""Small HTML pages like report.html, and the real report, for tests/test_word.py and test_print.py.

Imported as ``report_pages`` (pytest puts tests/ on the path). The page imitates what nbconvert
writes for the executed notebooks: a title page, a contents list, headings inside Jupyter
output areas, pandas-style tables, a base64 PNG figure, Jupyter chrome that must never reach
print or Word (prompts, a code cell's input, style and script elements).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

#: Headings of the fixture page, in order: (level, text).
HEADINGS = [
    (1, "1 数据与样本"),
    (2, "1.1 客户构成"),
    (3, "1.1.1 城市"),
    (1, "2 Results in English"),
    (2, "2.1 A wide table"),
    (2, "2.2 Figures"),
    (1, "3 问题与原因"),
    (2, "3.1 Lists and evidence"),
]
ZH_SENTENCE = "客户对“客户识别”的平均评分为 2.17，低于量表中点。"
TABLE_CAPTION = "表1-1 各城市客户数"
PARAGRAPH_CAPTION = "表1-2 样本与输入文件"
FIGURE_CAPTION = "图2-1 客户价值帕累托曲线"
WIDE_CAPTION = "Table 2.1 Twelve columns"
#: A caption paragraph in the output after a figure's (the figure's caption, below it).
BELOW_CAPTION = "图2-2 各城市销售额"
#: Text in Jupyter's chrome: never in the Word or PDF output.
CHROME_TEXT = ("import secret_module", "In [7]:", "Out[7]:", "jp-secret-css-rule", "alert_script")
#: A data value that looks like markup: shown as text.
MARKUP_VALUE = '<script>alert("x")</script><b>Evil</b>'
#: Figure sizes: a small one kept at its own size, a large one fitted to the text width.
SMALL_FIGURE_PX, SMALL_FIGURE_DPI = (400, 200), 100
LARGE_FIGURE_PX = (3000, 1500)


def png(size: tuple[int, int], dpi: int | None = None) -> bytes:
    """A PNG of ``size`` pixels (with a resolution when ``dpi`` is given)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle([10, 10, size[0] - 10, size[1] - 10], outline="navy", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def _output(inner: str, mime: str = "text/html") -> str:
    """One code cell of nbconvert's lab template (input hidden) with one output."""
    return (
        '<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noInput">'
        '<div class="jp-Cell-outputWrapper"><div class="jp-Collapser jp-OutputCollapser"></div>'
        '<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">'
        '<div class="jp-OutputPrompt jp-OutputArea-prompt">Out[7]:</div>'
        f'<div class="jp-RenderedHTMLCommon jp-OutputArea-output" data-mime-type="{mime}">'
        f"{inner}</div></div></div></div></div>"
    )


def _heading(level: int, text: str) -> str:
    return (
        f'<h{level} id="{re.sub(r"[^0-9a-z]+", "-", text.lower())}">{html.escape(text)}</h{level}>'
    )


def _table(header: list[str], rows: list[list[str]], caption: str | None = None) -> str:
    head = "".join(f'<th class="col_heading">{html.escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def fixture_page(*, lang: str = "zh", extra_body: str = "", head_extra: str = "") -> str:
    """The fixture report page (HTML text)."""
    small = base64.b64encode(png(SMALL_FIGURE_PX, SMALL_FIGURE_DPI)).decode()
    large = base64.b64encode(png(LARGE_FIGURE_PX)).decode()
    cities = [["石家庄", "82", "54.7"], ["保定", "38", "25.3"], ["唐山", "30", "20.0"]]
    wide_header = ["Scale"] + [f"Column {k}" for k in range(1, 12)]
    wide_rows = [[f"Scale {r}"] + [f"{r * k / 7:.3f}" for k in range(1, 12)] for r in range(1, 6)]
    cells = [
        '<section id="title-page" class="crm-title-page"><h1 class="crm-title">D 公司客户关系管理研究报告</h1>'
        '<div class="crm-subtitle">现状 · 问题 · 优化方案</div>'
        '<div class="crm-simulated"><strong>模拟数据</strong> — SIMULATED DATA</div></section>',
        '<nav id="contents" class="crm-contents"><h2 class="crm-contents-title">目录</h2><ul>'
        + "".join(
            f'<li><a href="#h{k}">{html.escape(t)}</a></li>' for k, (_, t) in enumerate(HEADINGS)
        )
        + "</ul></nav>",
        # a code cell whose input is shown: never printed, never in Word
        '<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">'
        '<div class="jp-InputArea jp-Cell-inputArea"><div class="jp-InputPrompt">In [7]:</div>'
        '<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor"><div class="highlight">'
        "<pre>import secret_module</pre></div></div></div></div></div>",
        _output(_heading(*HEADINGS[0]) + f"<p>{ZH_SENTENCE}</p>", "text/markdown"),
        _output(
            _heading(*HEADINGS[1]) + "<p>按所在城市统计的客户数量与比例。</p>", "text/markdown"
        ),
        _output(_heading(*HEADINGS[2])),
        _output(_table(["城市", "客户数", "百分比"], cities, TABLE_CAPTION)),
        _output(
            f'<p class="caption">{html.escape(PARAGRAPH_CAPTION)}</p>'
            + _table(
                ["Input", "Rows kept", "Note"],
                [["customers.csv", "150", MARKUP_VALUE], ["ledger.csv", "1,204", "ok\x01"]],
            )
        ),
        _output(
            _heading(*HEADINGS[3]) + "<p>Plain English text with <b>bold</b>, "
            "<em>italic</em> and <code>code</code>.</p>",
            "text/markdown",
        ),  # fmt: skip
        _output(_heading(*HEADINGS[4])),
        _output(_table(wide_header, wide_rows, WIDE_CAPTION)),
        _output(_heading(*HEADINGS[5])),
        _output(
            f'<figure><img src="data:image/png;base64,{small}" alt="Pareto curve">'
            f"<figcaption>{html.escape(FIGURE_CAPTION)}</figcaption></figure>"
        ),
        '<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noInput"><div class="jp-OutputArea">'
        '<div class="jp-OutputArea-child"><div class="jp-RenderedImage jp-OutputArea-output">'
        f'<img src="data:image/png;base64,{large}" alt="Large figure"></div></div></div></div>',
        _output(f'<p class="caption">{html.escape(BELOW_CAPTION)}</p>', "text/markdown"),
        _output(_heading(*HEADINGS[6]) + "<p>问题及其原因如下。</p>", "text/markdown"),
        _output(
            _heading(*HEADINGS[7])
            + "<ul><li>Training</li><li>Motivation<ul><li>Pay</li></ul></li></ul>"
            "<ol><li>First action</li><li>Second action</li></ol>"
        ),  # fmt: skip
        '<div class="jp-OutputArea-child" data-mime-type="application/vnd.jupyter.stderr">'
        "<pre>alert_script warning</pre></div>",
        extra_body,
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>D 公司</title>'
        "<style>.jp-secret-css-rule { color: red }</style>"
        "<script>var alert_script = 1;</script>"
        f"{head_extra}</head>"
        f'<body class="jp-Notebook"><main>{"".join(cells)}</main></body></html>'
    )


def write_fixture(folder: Path, name: str = "report.html", **kwargs) -> Path:
    path = folder / name
    path.write_text(fixture_page(**kwargs), encoding="utf-8")
    return path


# ------------------------------------------------------------------------- reading report.html
@dataclass(frozen=True)
class PageParts:
    """What a report page shows, read independently of the converters."""

    headings: list[tuple[int, str]]  # (level, text), title and contents excluded
    captions: list[str]  # <caption>, <figcaption>, p.caption, in order
    tables: int
    figures: int  # <img> with a data: PNG


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_page(path: Path) -> PageParts:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for chrome in soup.select(
        "style, script, .jp-InputPrompt, .jp-OutputPrompt, .jp-CodeCell .jp-InputArea, "
        '[data-mime-type="application/vnd.jupyter.stderr"], nav.crm-contents, h1.crm-title'
    ):
        chrome.decompose()
    body = soup.body or soup
    headings = [
        (int(h.name[1]), _squash(h.get_text(" ")))
        for h in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
        if _squash(h.get_text(" "))
    ]
    captions = [
        _squash(c.get_text(" "))
        for c in body.find_all(["caption", "figcaption", "p"])
        if c.name != "p" or "caption" in (c.get("class") or [])
    ]
    figures = [i for i in body.find_all("img") if str(i.get("src", "")).startswith("data:image/")]
    return PageParts(
        headings, [c for c in captions if c], len(body.find_all("table")), len(figures)
    )


def build_report(tmp_path_factory, lang: str = "zh") -> Path:
    """The simulated D-company report through the command line; its report.html.

    Built once per test process (in the session's base folder) and shared by test_word.py
    and test_print.py when they run in the same process.
    """
    from crm_research.cli import main

    out = tmp_path_factory.getbasetemp() / f"real-report-{lang}"
    page = out / "report.html"
    if not page.is_file():
        status = main(["reproduce", "d-company", "--out", str(out), "--lang", lang])
        assert status == 0, f"crm-research reproduce failed with status {status}"
    return page
