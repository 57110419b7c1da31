"""The report's figure style: the Chinese-capable font and the matplotlib settings of every figure.

Chinese text is set in Noto Sans CJK SC, the font file that the ``mplfonts`` package (a
dependency of this project) ships; :func:`use_report_font` registers that file with
matplotlib, so a clean install renders Chinese labels without "Glyph missing from font"
warnings and without any system font.  :func:`report_style` applies :func:`report_rc` for
one block of drawing without touching pyplot's global state.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import seaborn as sns
from cycler import cycler
from matplotlib import font_manager
from matplotlib import rc_context as _rc_context

from crm_research.errors import InputError

__all__ = [
    "CJK_FONT_FAMILY",
    "CJK_FONT_FILE",
    "FIGURE_DPI",
    "FIGURE_SIZE",
    "PALETTE",
    "cjk_font_path",
    "has_cjk",
    "report_rc",
    "report_style",
    "use_report_font",
]

#: Font family used for every label: Noto Sans CJK SC covers Latin and Simplified Chinese,
#: so one family serves both report languages and the figures look the same in both.
CJK_FONT_FAMILY = "Noto Sans CJK SC"
#: The font file inside the ``mplfonts`` package.
CJK_FONT_FILE = "fonts/NotoSansCJKsc-Regular.otf"

#: Resolution of saved PNG files (dots per inch); 110 keeps a report under a few MB.
FIGURE_DPI = 110
#: Default figure size in inches (width, height).
FIGURE_SIZE = (7.0, 4.4)

#: The palette of the whole report (seaborn "deep", colour-blind friendly enough for print).
PALETTE = "deep"

_CJK = re.compile(r"[\u3400-\u9fff]")


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file shipped by the ``mplfonts`` package.

    Returns
    -------
    Path

    Raises
    ------
    InputError
        When ``mplfonts`` is not installed (it is a dependency: reinstall the package).
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            "The Chinese figure font is missing: install the 'mplfonts' package "
            "(pip install -e . installs it)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / CJK_FONT_FILE
    if not path.is_file():
        raise InputError(f"{path}: the Chinese figure font file is missing; reinstall 'mplfonts'.")
    return path


@lru_cache(maxsize=1)
def use_report_font() -> str:
    """Register the CJK font file with matplotlib once and return its family name.

    Returns
    -------
    str
        The family name, :data:`CJK_FONT_FAMILY`.

    Examples
    --------
    >>> use_report_font()
    'Noto Sans CJK SC'
    """
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@lru_cache(maxsize=1)
def report_rc() -> dict[str, object]:
    """The matplotlib settings of every report figure (seaborn "whitegrid" + the CJK font).

    Returns
    -------
    dict
        rcParams, usable with :func:`matplotlib.rc_context`.
    """
    family = use_report_font()
    rc: dict[str, object] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.9))
    rc.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            # the CJK font has no U+2212 minus sign in every weight; use the ASCII hyphen
            "axes.unicode_minus": False,
            "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": FIGURE_DPI,
            "savefig.bbox": "tight",
        }
    )
    return rc


@contextmanager
def report_style() -> Iterator[None]:
    """Context manager applying :func:`report_rc` (used by every figure function)."""
    with _rc_context(report_rc()):
        yield


def has_cjk(value: str) -> bool:
    """Whether ``value`` contains a CJK ideograph (used to check Chinese labels)."""
    return bool(_CJK.search(value))
