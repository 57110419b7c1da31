"""Print the HTML report: the print stylesheet and a PDF made by headless Chromium.

:func:`print_css` is the stylesheet (``print.css`` beside this module) that report.html
carries in a ``<style>`` element so that a browser's *Print* gives A4 pages with page
numbers, headings kept with what follows, tables and figures kept whole with their captions
and no scrollbars. :func:`html_to_pdf` prints a report with Debian's ``chromium`` (or
another Chromium-based browser on the PATH); it adds the stylesheet to a temporary copy when
the page does not carry it yet.

Page numbers come from CSS ``@page`` margin boxes, which Chromium prints since version 131;
Chromium's own header and footer (date, title, file URL) are turned off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from crm_research.errors import InputError

__all__ = ["CHROMIUM_NAMES", "PRINT_CSS_MARKER", "find_chromium", "html_to_pdf", "print_css"]

#: Executable names tried, in order, when no browser is given (Debian's is ``chromium``).
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
#: The first line of print.css: a page that contains it already carries the stylesheet.
PRINT_CSS_MARKER = "crm-research print stylesheet"
#: Flags for a quiet, offline, one-shot headless print (no profile, no updates, no network
#: services, no sandbox: the tool runs as root in containers, where the sandbox cannot start).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # Chromium's own header and footer off: the page numbers are the stylesheet's
    # (--no-pdf-header-footer since Chromium 111; the older spelling is ignored by newer ones)
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
)


def print_css() -> str:
    """The report's print stylesheet (A4, page numbers, tables, figures, headings).

    Returns
    -------
    str
        CSS text for a ``<style>`` element; its rules apply only when the page is printed
        (``@media print`` and ``@page``), so the page on screen does not change.

    Examples
    --------
    >>> css = print_css()
    >>> "size: A4" in css and "counter(page)" in css
    True
    """
    return resources.files(__package__).joinpath("print.css").read_text(encoding="utf-8")


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> Path | None:
    """The Chromium executable to print with, or None when there is none.

    Parameters
    ----------
    chromium : str or path-like, optional
        An executable name or path. By default the first of :data:`CHROMIUM_NAMES` found on
        the PATH.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> find_chromium("no-such-browser-here") is None
    True
    """
    names = (os.fspath(chromium),) if chromium is not None else CHROMIUM_NAMES
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def _with_print_css(html: str, base_dir: Path) -> str:
    """The page with the print stylesheet (last, so that it wins) and a base URL added."""
    base = f'<base href="{base_dir.as_uri()}/">'
    style = f"<style>\n{print_css()}\n</style>"
    lower = html.lower()
    head = lower.find("<head")
    if head >= 0:
        head_end = lower.find(">", head) + 1
        html = html[:head_end] + base + html[head_end:]
        lower = html.lower()
    close = lower.rfind("</head>")
    if close >= 0:
        return html[:close] + style + html[close:]
    return base + style + html


def html_to_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = 120,
) -> Path:
    """Print an HTML report to PDF with headless Chromium.

    The page is printed as a browser prints it, with the print stylesheet
    (:func:`print_css`): A4, page numbers at the foot, no browser header or footer. A page
    that does not carry the stylesheet yet is printed from a temporary copy that does; the
    HTML file itself is never changed.

    Parameters
    ----------
    html_path : str or path-like
        The HTML file (e.g. ``report.html``).
    pdf_path : str or path-like
        Where to write the PDF (its folder must exist; an existing file is replaced).
    chromium : str or path-like, optional
        The browser executable; by default ``chromium`` or another of
        :data:`CHROMIUM_NAMES` on the PATH.
    timeout : float
        Seconds the browser may take (default 120).

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    InputError
        When the HTML file or the pdf folder does not exist, when no Chromium is found, or
        when Chromium fails or runs past ``timeout``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     page = pathlib.Path(tmp) / "r.html"
    ...     _ = page.write_text("<h1>Report</h1>", encoding="utf-8")
    ...     try:
    ...         html_to_pdf(page, pathlib.Path(tmp) / "r.pdf", chromium="no-such-browser")
    ...     except InputError as exc:
    ...         print(str(exc).split(":")[0])
    Cannot print r.html to PDF
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    if not html_path.is_file():
        raise InputError(f"Cannot print {html_path}: the HTML file does not exist.")
    if not pdf_path.parent.is_dir():
        raise InputError(f"Cannot write {pdf_path}: the folder {pdf_path.parent} does not exist.")
    browser = find_chromium(chromium)
    if browser is None:
        wanted = os.fspath(chromium) if chromium is not None else " or ".join(CHROMIUM_NAMES[:2])
        raise InputError(
            f"Cannot print {html_path.name} to PDF: no Chromium browser ({wanted}) was found "
            "on the PATH (on Debian or Ubuntu: apt-get install chromium)."
        )
    html = html_path.read_text(encoding="utf-8", errors="replace")
    with tempfile.TemporaryDirectory(prefix="crm-research-print-") as work:
        work_dir = Path(work)
        page = html_path
        if PRINT_CSS_MARKER not in html:
            page = work_dir / "page.html"
            page.write_text(_with_print_css(html, html_path.parent), encoding="utf-8")
        out = work_dir / "out.pdf"
        command = [
            str(browser),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work_dir / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        env = {**os.environ, "HOME": str(work_dir)}
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InputError(
                f"Cannot print {html_path.name} to PDF: {browser.name} did not finish "
                f"within {timeout:g} seconds."
            ) from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            last = [
                line
                for line in done.stderr.decode("utf-8", "replace").splitlines()
                if line.strip() and "dbus" not in line.lower()
            ]
            why = last[-1].strip() if last else f"exit status {done.returncode}"
            raise InputError(
                f"Cannot print {html_path.name} to PDF: {browser.name} wrote no PDF ({why})."
            )
        shutil.move(str(out), pdf_path)
    return pdf_path
