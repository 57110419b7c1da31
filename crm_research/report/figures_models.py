"""Figures of the model sections: the importance-performance map and driver importance.

Same conventions as :mod:`crm_research.report.figures` (whose helpers these use): each
function draws a study table without computing a statistic, labels it in the report
language (:data:`crm_research.report.text.PLOT_TEXT`) and returns a
:class:`matplotlib.figure.Figure`; :meth:`crm_research.report.context.ReportContext.figure`
saves it with the SIMULATED DATA mark when the data are simulated.  ``crm_research.plots``
re-exports both functions.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crm_research.report.figures import (
    _finish,
    _labelled,
    _new_figure,
    _pad_limits,
    _require,
    place_point_labels,
    report_style,
    text,
)
from crm_research.report.text import check_lang

__all__ = ["MODEL_COLOUR", "importance_intervals", "ipma_map"]

#: Colour of the points and intervals (the first of seaborn's "deep" palette, as the IPA).
MODEL_COLOUR = "#4C72B0"


def ipma_map(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Importance-performance map of a PLS model (Ringle & Sarstedt 2016).

    Parameters
    ----------
    table : DataFrame
        The study's ``ipma`` table (:func:`crm_research.pls.ipma`): ``construct,
        importance, performance`` and ``target``.
    lang : {"zh", "en"}
    labels : mapping, optional
        Display label per construct id.
    title : str, optional

    Returns
    -------
    Figure
        Importance (total effect on the target) across, performance (0-100) up; dashed
        lines at the mean importance and the mean performance of the constructs shown.

    Examples
    --------
    >>> t = pd.DataFrame({"construct": ["a", "b"], "importance": [0.4, 0.1],
    ...                   "performance": [30.0, 60.0], "target": ["loyalty"] * 2})
    >>> ipma_map(t, "en").axes[0].get_xlabel()
    'Importance (total effect on the target)'

    References
    ----------
    Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The
    importance-performance map analysis. *Industrial Management & Data Systems*, 116(9),
    1865-1886.
    """
    check_lang(lang)
    data = _require(table, ["construct", "importance", "performance"], "IPMA table")
    x = data["importance"].to_numpy(float)
    y = data["performance"].to_numpy(float)
    target = str(data["target"].iloc[0]) if "target" in data.columns else ""
    target_label = str((labels or {}).get(target, target))
    with report_style():
        fig, ax = _new_figure((7.0, 5.2))
        ax.scatter(x, y, s=60, zorder=3, color=MODEL_COLOUR)
        ax.axvline(float(np.mean(x)), color="0.4", linestyle="--", linewidth=1)
        ax.axhline(float(np.mean(y)), color="0.4", linestyle="--", linewidth=1)
        _pad_limits(ax, x, y)
        _finish(ax, lang, "ipma", title or text("ipma.title", lang, target=target_label))
        place_point_labels(ax, x, y, _labelled(data["construct"].astype(str), labels))
    return fig


def importance_intervals(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    outcome: str | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Each driver's share of R² with its bootstrap interval (dominance analysis).

    Parameters
    ----------
    table : DataFrame
        The study's ``driver_importance`` table: ``outcome, predictor, share,
        share_ci_low, share_ci_high``.
    lang : {"zh", "en"}
    outcome : str, optional
        The outcome whose drivers are drawn (default the table's first).
    labels : mapping, optional
        Display label per driver id.
    title : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": ["sat"] * 2, "predictor": ["a", "b"], "share": [0.6, 0.4],
    ...                   "share_ci_low": [0.4, 0.2], "share_ci_high": [0.8, 0.6]})
    >>> len(importance_intervals(t, "en").axes[0].get_yticklabels())
    2
    """
    check_lang(lang)
    columns = ["outcome", "predictor", "share", "share_ci_low", "share_ci_high"]
    data = _require(table, columns, "driver importance table")
    outcome = str(data["outcome"].iloc[0]) if outcome is None else outcome
    data = data[data["outcome"].astype(str) == outcome].sort_values("share")
    share = data["share"].to_numpy(float)
    low, high = data["share_ci_low"].to_numpy(float), data["share_ci_high"].to_numpy(float)
    ypos = np.arange(len(data))
    with report_style():
        fig, ax = _new_figure((7.0, 0.6 * len(data) + 1.8))
        ax.errorbar(
            share,
            ypos,
            xerr=np.vstack([share - low, high - share]),
            fmt="o",
            color=MODEL_COLOUR,
            capsize=4,
            zorder=3,
        )
        ax.axvline(1.0 / len(data), color="0.4", linestyle="--", linewidth=1)
        ax.set_yticks(ypos, _labelled(data["predictor"].astype(str), labels))
        ax.set_xlim(left=0)
        _finish(ax, lang, "importance", title)
    return fig
