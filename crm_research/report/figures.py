"""The report's figures, in one consistent style, labelled in Chinese or English.

Every function takes a tidy table of the study (the column names are arguments with the
package's defaults), draws it without computing any statistic of its own, and returns a
:class:`matplotlib.figure.Figure` with a title and axis labels in the report's language
(:data:`crm_research.report.text.PLOT_TEXT`).  No function touches pyplot's global state,
so the figures are safe to make in threads and never pile up in memory.  The font and the
matplotlib settings are :mod:`crm_research.report.style`.

:func:`save` writes a figure as PNG and returns a :class:`SavedFigure`, which a notebook
displays as the same PNG image.  ``crm_research.plots`` is the public name of this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crm_research.errors import InputError
from crm_research.report.display import shown_label
from crm_research.report.style import (
    CJK_FONT_FAMILY,
    CJK_FONT_FILE,
    FIGURE_DPI,
    FIGURE_SIZE,
    PALETTE,
    cjk_font_path,
    has_cjk,
    report_rc,
    report_style,
    use_report_font,
)
from crm_research.report.text import PLOT_TEXT, check_lang
from crm_research.report.text import text as text_entry

__all__ = [
    "ABC_COLOURS",
    "CITY_REVENUE_UNIT",
    "CJK_FONT_FAMILY",
    "CJK_FONT_FILE",
    "FIGURE_DPI",
    "FIGURE_SIZE",
    "GAP_COLOURS",
    "PALETTE",
    "SEGMENT_ORDER",
    "SavedFigure",
    "TEXT",
    "cjk_font_path",
    "has_cjk",
    "ipa_quadrant",
    "pareto_curve",
    "perception_gap",
    "place_point_labels",
    "report_rc",
    "report_style",
    "revenue_by_city",
    "satisfaction_loyalty",
    "save",
    "scale_means",
    "scorecard_by_phase",
    "scree",
    "text",
    "use_report_font",
]

#: Colours for A, B, C customers (ABC classification) and for the two perception-gap sides.
ABC_COLOURS = {"A": "#4C72B0", "B": "#DD8452", "C": "#8C8C8C"}
GAP_COLOURS = {"employee": "#C44E52", "customer": "#4C72B0"}

#: Revenue axis unit per language: 万 (10^4) in Chinese, millions in English.
CITY_REVENUE_UNIT = {"zh": 1e4, "en": 1e6}

#: Jones & Sasser (1995) segments in the order of their 2x2 matrix (fixed colours).
SEGMENT_ORDER = ("apostle", "mercenary", "hostage", "defector")


#: Titles and axis labels in both report languages (the report's text catalogue).
TEXT = PLOT_TEXT


def text(key: str, lang: str, **values: object) -> str:
    """Return the figure text ``key`` in ``lang``, formatted with ``values``.

    Parameters
    ----------
    key : str
        A key of :data:`TEXT`, e.g. ``"ipa.title"``.
    lang : {"zh", "en"}
        Report language.
    **values
        Values for ``str.format`` placeholders.

    Returns
    -------
    str

    Examples
    --------
    >>> text("scree.retained", "en", n=4)
    '4 factor(s) retained'
    """
    return text_entry(PLOT_TEXT, key, lang, **values)


def _new_figure(size: tuple[float, float] = FIGURE_SIZE) -> tuple[Figure, object]:
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def _finish(ax, lang: str, prefix: str, title: str | None = None) -> None:
    # one weight only: the shipped CJK font file is the regular weight
    ax.set_title(title or text(f"{prefix}.title", lang), fontsize="large")
    ax.set_xlabel(text(f"{prefix}.x", lang))
    ax.set_ylabel(text(f"{prefix}.y", lang))


def _segment_label(segment: str, lang: str) -> str:
    key = f"segment.{segment}"
    return text(key, lang) if key in TEXT else segment


def _labelled(values: Sequence[object], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [shown_label(labels.get(str(v), v)) for v in values]


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{what}: expected a DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what}: the table has no column {', '.join(map(repr, missing))}.")
    if table.empty:
        raise InputError(f"{what}: the table is empty, there is nothing to draw.")
    return table


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def scale_means(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    scale: str = "scale",
    mean: str = "mean",
    lower: str = "ci_lower",
    upper: str = "ci_upper",
    group: str | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    midpoint: float | None = None,
) -> Figure:
    """Scale means with their confidence intervals (horizontal points and whiskers).

    Parameters
    ----------
    table : DataFrame
        One row per scale (and group) with the mean and the CI bounds.
    lang : {"zh", "en"}
        Report language of the title and labels.
    scale, mean, lower, upper : str
        Column names.
    group : str, optional
        Column whose levels are drawn in different colours side by side.
    labels : mapping, optional
        Display label per scale id (e.g. the instrument's scale names in ``lang``).
    title : str, optional
        Title replacing the default.
    midpoint : float, optional
        Scale midpoint drawn as a dashed reference line (e.g. 3 on a 1-5 scale).

    Returns
    -------
    Figure

    Examples
    --------
    >>> t = pd.DataFrame({"scale": ["a", "b"], "mean": [3.2, 3.9],
    ...                   "ci_lower": [3.0, 3.7], "ci_upper": [3.4, 4.1]})
    >>> scale_means(t, "en").axes[0].get_xlabel()
    'Mean (1–5)'
    """
    check_lang(lang)
    cols = [scale, mean, lower, upper] + ([group] if group else [])
    data = _require(table, cols, "scale means").copy()
    with report_style():
        order = list(dict.fromkeys(data[scale].astype(str)))
        groups = list(dict.fromkeys(data[group])) if group else [None]
        fig, ax = _new_figure((7.0, 0.45 * len(order) + 1.6))
        colours = sns.color_palette(PALETTE, len(groups))
        step = 0.7 / max(len(groups), 1)
        for g_index, g in enumerate(groups):
            part = data if g is None else data[data[group] == g]
            ypos = [order.index(str(s)) for s in part[scale].astype(str)]
            offset = (g_index - (len(groups) - 1) / 2) * step
            y = np.asarray(ypos, dtype=float) + offset
            m = part[mean].to_numpy(float)
            err = np.vstack([m - part[lower].to_numpy(float), part[upper].to_numpy(float) - m])
            ax.errorbar(
                m,
                y,
                xerr=err,
                fmt="o",
                capsize=3,
                color=colours[g_index],
                label=None if g is None else str(labels.get(str(g), g) if labels else g),
            )
        ax.set_yticks(range(len(order)), _labelled(order, labels))
        ax.invert_yaxis()
        if midpoint is not None:
            ax.axvline(
                float(midpoint),
                color="0.4",
                linestyle="--",
                linewidth=1,
                zorder=1,
                label=text("scale_means.midpoint", lang),
            )
        if group or midpoint is not None:
            fig.legend(loc="outside lower center", ncols=len(groups) + 1, frameon=False)
        _finish(ax, lang, "scale_means", title)
    return fig


def ipa_quadrant(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    attribute: str = "attribute",
    importance: str = "importance",
    performance: str = "performance",
    importance_cut: float | None = None,
    performance_cut: float | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Importance–performance quadrant plot (Martilla & James 1977).

    Parameters
    ----------
    table : DataFrame
        One row per attribute with its importance and performance.
    lang : {"zh", "en"}
        Report language.
    attribute, importance, performance : str
        Column names.
    importance_cut, performance_cut : float, optional
        Where the quadrant lines cross; default the table's own ``importance_cut`` and
        ``performance_cut`` columns (:func:`crm_research.analysis.importance_performance`:
        the study draws them at the scale midpoint and the equal share 1/k, Bacon 2003),
        else the column means.  The lines always lie inside the plotted area.
    labels : mapping, optional
        Display label per attribute id.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis.
    *Journal of Marketing*, 41(1), 77-79.
    """
    check_lang(lang)
    data = _require(table, [attribute, importance, performance], "IPA table")
    x = data[performance].to_numpy(float)
    y = data[importance].to_numpy(float)
    if performance_cut is None and "performance_cut" in data.columns:
        performance_cut = float(data["performance_cut"].iloc[0])
    if importance_cut is None and "importance_cut" in data.columns:
        importance_cut = float(data["importance_cut"].iloc[0])
    x_cut = float(np.nanmean(x)) if performance_cut is None else float(performance_cut)
    y_cut = float(np.nanmean(y)) if importance_cut is None else float(importance_cut)
    with report_style():
        fig, ax = _new_figure((7.0, 5.2))
        ax.scatter(x, y, s=60, zorder=3)
        ax.axvline(x_cut, color="0.4", linestyle="--", linewidth=1)
        ax.axhline(y_cut, color="0.4", linestyle="--", linewidth=1)
        corners = {
            "concentrate_here": (0.02, 0.97, "left", "top"),
            "keep_up_good_work": (0.98, 0.97, "right", "top"),
            "low_priority": (0.02, 0.03, "left", "bottom"),
            "possible_overkill": (0.98, 0.03, "right", "bottom"),
        }
        for key, (cx, cy, ha, va) in corners.items():
            ax.text(
                cx,
                cy,
                text(f"ipa.{key}", lang),
                transform=ax.transAxes,
                ha=ha,
                va=va,
                color="0.35",
                fontsize=9,
                style="italic",
            )
        _pad_limits(ax, np.append(x, x_cut), np.append(y, y_cut))
        _finish(ax, lang, "ipa", title)
        place_point_labels(ax, x, y, _labelled(data[attribute].astype(str), labels))
    return fig


#: Where a point label may go, tried in this order: offsets in points and the alignment
#: (right/left, above/below, then further out, then straight above/below).
_LABEL_OFFSETS = (
    (6, 4, "left", "bottom"),
    (6, -4, "left", "top"),
    (-6, 4, "right", "bottom"),
    (-6, -4, "right", "top"),
    (0, 8, "center", "bottom"),
    (0, -8, "center", "top"),
    (6, 16, "left", "bottom"),
    (6, -16, "left", "top"),
    (-6, 16, "right", "bottom"),
    (-6, -16, "right", "top"),
    (0, 22, "center", "bottom"),
    (0, -22, "center", "top"),
)


def place_point_labels(
    ax, x: Sequence[float], y: Sequence[float], names: Sequence[str], *, fontsize: float = 9
) -> list:
    """Label scatter points so that labels neither overlap each other nor leave the axes.

    A simple greedy repel: each label (in the order of the points) takes the first
    position of :data:`_LABEL_OFFSETS` whose text box lies inside the axes and overlaps
    neither an earlier label, another point's marker nor a text already in the axes (e.g.
    quadrant names); when no position is free, the one with the least overlap is used.
    Call it after the axis limits, title and axis labels are set.

    Parameters
    ----------
    ax : matplotlib Axes
    x, y : sequence of float
        Point coordinates (data units).
    names : sequence of str
        Label per point.
    fontsize : float

    Returns
    -------
    list of matplotlib.text.Annotation

    Examples
    --------
    >>> fig, ax = _new_figure()
    >>> _ = ax.scatter([1, 1.01], [1, 1.0]); _ = ax.set_xlim(0, 2); _ = ax.set_ylim(0, 2)
    >>> a, b = place_point_labels(ax, [1, 1.01], [1, 1.0], ["first label", "second label"])
    >>> r = fig.canvas.get_renderer()
    >>> bool(a.get_window_extent(r).overlaps(b.get_window_extent(r)))
    False
    """
    fig = ax.figure
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # runs the constrained layout: final axes position
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    points = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    radius = 5.0 * fig.dpi / 72.0  # marker radius (s=60 is about 8 points wide) in pixels
    markers = [(px - radius, py - radius, px + radius, py + radius) for px, py in points]
    taken = [(b.x0, b.y0, b.x1, b.y1) for b in (t.get_window_extent(renderer) for t in ax.texts)]

    def overlap(a: tuple, b: tuple) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return max(w, 0.0) * max(h, 0.0)

    placed = []
    for index, (xi, yi, name) in enumerate(zip(x, y, names, strict=True)):
        label = ax.annotate(
            str(name), (xi, yi), xytext=(6, 4), textcoords="offset points", fontsize=fontsize
        )
        best: tuple[float, tuple, tuple] = (float("inf"), _LABEL_OFFSETS[0], ())
        for dx, dy, ha, va in _LABEL_OFFSETS:
            label.set_position((dx, dy))
            label.set_ha(ha)
            label.set_va(va)
            b = label.get_window_extent(renderer)
            box = (b.x0, b.y0, b.x1, b.y1)
            outside = (
                max(frame.x0 - box[0], 0)
                + max(box[2] - frame.x1, 0)
                + max(frame.y0 - box[1], 0)
                + max(box[3] - frame.y1, 0)
            ) * (box[3] - box[1] + box[2] - box[0])
            others = [m for j, m in enumerate(markers) if j != index]
            cost = outside + sum(overlap(box, o) for o in taken + others)
            if cost < best[0]:
                best = (cost, (dx, dy, ha, va), box)
            if cost == 0:
                break
        dx, dy, ha, va = best[1]
        label.set_position((dx, dy))
        label.set_ha(ha)
        label.set_va(va)
        taken.append(best[2])
        placed.append(label)
    return placed


def _pad_limits(ax, x: np.ndarray, y: np.ndarray, share: float = 0.15) -> None:
    for values, setter in ((x, ax.set_xlim), (y, ax.set_ylim)):
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        pad = (hi - lo) * share or 0.5
        setter(lo - pad, hi + pad)


def satisfaction_loyalty(
    data: pd.DataFrame,
    lang: str = "zh",
    *,
    satisfaction: str = "satisfaction",
    loyalty: str = "loyalty",
    segment: str | None = "segment",
    satisfaction_cut: float | None = None,
    loyalty_cut: float | None = None,
    title: str | None = None,
) -> Figure:
    """Satisfaction × loyalty scatter, coloured by Jones & Sasser (1995) segment.

    Parameters
    ----------
    data : DataFrame
        One row per customer with the satisfaction and loyalty scores (and the segment
        the analysis assigned, if any).
    lang : {"zh", "en"}
        Report language.
    satisfaction, loyalty : str
        Column names of the scores.
    segment : str or None
        Column with the segment id (``apostle``, ``mercenary``, ``hostage``,
        ``defector``); ``None`` or a missing column draws one colour.
    satisfaction_cut, loyalty_cut : float, optional
        The cuts the analysis used; drawn as dashed lines.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. *Harvard Business
    Review*, 73(6), 88-99.
    """
    check_lang(lang)
    frame = _require(data, [satisfaction, loyalty], "satisfaction × loyalty data")
    with report_style():
        fig, ax = _new_figure((6.4, 5.2))
        plot = frame[[satisfaction, loyalty]].astype(float).copy()
        # jitter-free: points on the 1..5 grid overlap, so they are drawn translucent
        hue, hue_order = None, None
        if segment and segment in frame.columns:
            ids = [str(s) for s in frame[segment]]
            plot["_segment"] = [_segment_label(s, lang) for s in ids]
            known = [s for s in SEGMENT_ORDER if s in ids]
            others = sorted(set(ids) - set(SEGMENT_ORDER))
            hue, hue_order = "_segment", [_segment_label(s, lang) for s in known + others]
        sns.scatterplot(
            data=plot,
            x=satisfaction,
            y=loyalty,
            hue=hue,
            hue_order=hue_order,
            alpha=0.65,
            ax=ax,
            palette=PALETTE if hue else None,
        )
        if hue:
            ax.legend(title=text("satloy.segment", lang), loc="best", frameon=True)
        if satisfaction_cut is not None:
            ax.axvline(float(satisfaction_cut), color="0.4", linestyle="--", linewidth=1)
        if loyalty_cut is not None:
            ax.axhline(float(loyalty_cut), color="0.4", linestyle="--", linewidth=1)
        _finish(ax, lang, "satloy", title)
    return fig


def perception_gap(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    dimension: str = "dimension",
    employee: str = "employee_mean",
    customer: str = "customer_mean",
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Employees' self-assessment against customers' rating per dimension (dumbbell plot).

    Parameters
    ----------
    table : DataFrame
        One row per matched dimension with the two means.
    lang : {"zh", "en"}
        Report language.
    dimension, employee, customer : str
        Column names.
    labels : mapping, optional
        Display label per dimension id.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure
    """
    check_lang(lang)
    data = _require(table, [dimension, employee, customer], "perception gap table")
    with report_style():
        fig, ax = _new_figure((7.0, 0.55 * len(data) + 1.8))
        y = np.arange(len(data))
        e = data[employee].to_numpy(float)
        c = data[customer].to_numpy(float)
        ax.hlines(y, np.minimum(e, c), np.maximum(e, c), color="0.6", linewidth=2, zorder=1)
        ax.scatter(
            e, y, color=GAP_COLOURS["employee"], s=70, zorder=3, label=text("gap.employee", lang)
        )
        ax.scatter(
            c, y, color=GAP_COLOURS["customer"], s=70, zorder=3, label=text("gap.customer", lang)
        )
        ax.set_yticks(y, _labelled(data[dimension].astype(str), labels))
        ax.invert_yaxis()
        ax.margins(y=0.12)
        _finish(ax, lang, "gap", title)
        # below the axes, so it never covers a dumbbell
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def pareto_curve(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    customer_share: str | None = None,
    revenue_share: str = "cumulative_share",
    rank: str | None = "rank",
    abc_class: str | None = "abc_class",
    title: str | None = None,
) -> Figure:
    """Cumulative revenue share against cumulative customer share (Lorenz/Pareto curve).

    Parameters
    ----------
    table : DataFrame
        One row per customer with the cumulative revenue share an ABC classification
        computed (:func:`crm_research.segmentation.abc_classification`), its rank, and
        optionally the class.
    lang : {"zh", "en"}
        Report language.
    customer_share : str, optional
        Column with the cumulative share of customers (0–1); when ``None`` the share is
        ``rank / number of rows``.
    revenue_share, rank, abc_class : str
        Column names (cumulative revenue share 0–1, rank 1..n, class).
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure

    References
    ----------
    Pareto, V. (1896). *Cours d'économie politique*; ABC inventory classification after
    Dickie, H. F. (1951). ABC inventory analysis shoots for dollars. *Factory Management
    and Maintenance*, 109(7), 92-94.
    """
    check_lang(lang)
    x_column = customer_share or rank
    if x_column is None:
        raise InputError("ABC table: give the customer_share or the rank column.")
    data = _require(table, [x_column, revenue_share], "ABC table")
    data = data.sort_values(x_column)
    # the x axis is the customers' share: given directly, or rank / number of customers
    x_values = data[x_column].to_numpy(float)
    if customer_share is None:
        x_values = x_values / len(data)
    x = np.concatenate([[0.0], x_values])
    y = np.concatenate([[0.0], data[revenue_share].to_numpy(float)])
    with report_style():
        fig, ax = _new_figure((6.4, 5.0))
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", label=text("pareto.equality", lang))
        if abc_class and abc_class in data.columns:
            classes = np.concatenate([[data[abc_class].iloc[0]], data[abc_class].to_numpy()])
            for k in sorted(pd.unique(data[abc_class]).tolist(), key=str):
                mask = classes == k
                ax.plot(
                    x[mask],
                    y[mask],
                    marker="o",
                    markersize=3,
                    linewidth=2,
                    color=ABC_COLOURS.get(str(k)),
                    label=text("pareto.class", lang, k=k),
                )
        else:
            ax.plot(x, y, linewidth=2)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.legend(loc="lower right", frameon=True)
        _finish(ax, lang, "pareto", title)
    return fig


def revenue_by_city(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    city: str = "city",
    revenue: str = "revenue",
    hue: str | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Revenue per city as horizontal bars (largest first).

    Parameters
    ----------
    table : DataFrame
        One row per city (and ``hue`` level) with the summed revenue.
    lang : {"zh", "en"}
        Report language.
    city, revenue : str
        Column names.
    hue : str, optional
        Column split into colours (e.g. customer type or year).
    labels : mapping, optional
        Display label per city id and per ``hue`` level.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure
    """
    check_lang(lang)
    data = _require(table, [city, revenue] + ([hue] if hue else []), "revenue by city table")
    plot = data.copy()
    plot["_city"] = _labelled(plot[city].astype(str), labels)
    order = plot.groupby("_city", sort=False)[revenue].sum().sort_values(ascending=False).index
    if hue:
        plot["_hue"] = _labelled(plot[hue].astype(str), labels)
    with report_style():
        fig, ax = _new_figure((7.0, 0.4 * len(order) + 1.8))
        sns.barplot(
            data=plot,
            y="_city",
            x=revenue,
            hue="_hue" if hue else None,
            order=order,
            orient="h",
            ax=ax,
            errorbar=None,
            palette=PALETTE if hue else None,
            color=None if hue else sns.color_palette(PALETTE)[0],
        )
        if hue:
            ax.legend(loc="lower right", frameon=True)
        # ticks in the unit of the axis label (万 = 10^4 in Chinese, millions in English)
        unit = CITY_REVENUE_UNIT[lang]
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / unit:,.0f}"))
        _finish(ax, lang, "city", title)
    return fig


def scorecard_by_phase(
    table: pd.DataFrame,
    lang: str = "zh",
    *,
    metric: str = "metric",
    phase: str = "phase",
    value: str = "mean",
    phases: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Heat map of the implementation scorecard: metric (rows) × phase (columns).

    Parameters
    ----------
    table : DataFrame
        Long table, one row per metric and phase with the value to show.
    lang : {"zh", "en"}
        Report language.
    metric, phase, value : str
        Column names.
    phases : sequence, optional
        Column order (default: order of appearance).
    labels : mapping, optional
        Display label per metric id and per phase id.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure
    """
    check_lang(lang)
    data = _require(table, [metric, phase, value], "scorecard table")
    rows = list(dict.fromkeys(data[metric].astype(str)))
    cols = list(phases) if phases else list(dict.fromkeys(data[phase].astype(str)))
    grid = (
        data.assign(**{metric: data[metric].astype(str), phase: data[phase].astype(str)})
        .pivot_table(index=metric, columns=phase, values=value, aggfunc="first")
        .reindex(index=rows, columns=cols)
    )
    grid.index = _labelled(grid.index, labels)
    grid.columns = _labelled(grid.columns, labels)
    with report_style():
        fig, ax = _new_figure((6.8, 0.34 * len(rows) + 1.8))
        values = grid.to_numpy(float)
        # a diverging map centred on the scale midpoint (3 on the 1-5 scorecard ratings)
        image = ax.imshow(values, cmap="RdYlBu", vmin=1.0, vmax=5.0, aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(cols)), list(grid.columns))
        ax.set_yticks(range(len(rows)), list(grid.index))
        ax.grid(False)
        fig.colorbar(image, ax=ax, label=text("scorecard.value", lang))
        _finish(ax, lang, "scorecard", title)
    return fig


def scree(
    observed: Sequence[float],
    simulated: Sequence[float] | None = None,
    lang: str = "zh",
    *,
    n_factors: int | None = None,
    title: str | None = None,
) -> Figure:
    """Scree plot of the observed eigenvalues with the parallel-analysis reference line.

    Parameters
    ----------
    observed : sequence of float
        Eigenvalues of the observed correlation matrix, largest first.
    simulated : sequence of float, optional
        Eigenvalues of random data of the same size (the parallel analysis criterion).
    lang : {"zh", "en"}
        Report language.
    n_factors : int, optional
        The number of factors the analysis retained; marked on the plot.
    title : str, optional
        Title replacing the default.

    Returns
    -------
    Figure

    References
    ----------
    Cattell, R. B. (1966). The scree test for the number of factors. *Multivariate
    Behavioral Research*, 1(2), 245-276.
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30(2), 179-185.
    """
    check_lang(lang)
    obs = np.asarray(observed, dtype=float)
    if obs.size == 0:
        raise InputError("scree plot: there are no eigenvalues to draw.")
    with report_style():
        fig, ax = _new_figure((6.4, 4.4))
        k = np.arange(1, obs.size + 1)
        ax.plot(k, obs, marker="o", label=text("scree.observed", lang))
        if simulated is not None:
            sim = np.asarray(simulated, dtype=float)
            ax.plot(
                np.arange(1, sim.size + 1),
                sim,
                marker="x",
                linestyle="--",
                label=text("scree.simulated", lang),
            )
        if n_factors:
            ax.axvline(
                n_factors + 0.5,
                color="0.4",
                linestyle=":",
                linewidth=1,
                label=text("scree.retained", lang, n=n_factors),
            )
        ax.set_xticks(k)
        ax.legend(loc="upper right", frameon=True)
        _finish(ax, lang, "scree", title)
    return fig


# --------------------------------------------------------------------------------------------
# Saving and showing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedFigure:
    """A figure written to ``path``; a notebook shows it as the same PNG image (title as alt text)."""

    path: Path
    png: bytes
    title: str

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> tuple[dict[str, object], dict[str, object]]:
        # the title doubles as the image's alternative text in the HTML report
        data = {"image/png": self.png, "text/plain": f"[{self.path.name}] {self.title}"}
        return data, {"image/png": {"alt": self.title}}

    def __repr__(self) -> str:
        return f"SavedFigure({self.path.name!r}, title={self.title!r}, {len(self.png)} bytes)"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def save(fig: Figure, folder: str | Path, name: str, label: str | None = None) -> SavedFigure:
    """Write ``fig`` as ``folder/name.png`` and return it for display in a notebook.

    Parameters
    ----------
    fig : Figure
        A figure from this module.
    folder : str or Path
        Output folder (created if absent), normally the report's ``figures/``.
    name : str
        File stem; characters other than letters, digits, ``_ . -`` become ``_``.
    label : str, optional
        A note printed in the figure's lower right corner ("SIMULATED DATA"), so that a
        figure copied out of the report still says where its data come from.

    Returns
    -------
    SavedFigure
        Holds the path and the PNG bytes; its ``_repr_png_`` makes a notebook show it.

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"scale": ["a"], "mean": [3.0], "ci_lower": [2.8], "ci_upper": [3.2]})
    >>> saved = save(scale_means(t, "en"), tempfile.mkdtemp(), "means")
    >>> saved.path.name
    'means.png'
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = _SAFE_NAME.sub("_", name).strip("_") or "figure"
    path = folder / f"{stem}.png"
    buffer = BytesIO()
    with report_style():
        if label:
            fig.text(0.995, 0.005, label, ha="right", va="bottom", fontsize=7, color="#8a8a8a")
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    png = buffer.getvalue()
    path.write_bytes(png)
    title = fig.axes[0].get_title() if fig.axes else ""
    return SavedFigure(path=path, png=png, title=title)
