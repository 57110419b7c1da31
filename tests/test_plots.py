"""Tests of crm_research.plots: labels in both languages, the CJK font, drawn data = input."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.ft2font import FT2Font

from crm_research import plots
from crm_research.errors import InputError

LANGS = ("zh", "en")


def _scale_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scale": ["identification", "interaction", "loyalty"],
            "mean": [2.2, 3.4, 3.9],
            "ci_low": [2.0, 3.2, 3.7],
            "ci_high": [2.4, 3.6, 4.1],
        }
    )


def _ipa_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "attribute": ["identification", "interaction", "customization", "quality"],
            "performance": [2.2, 2.6, 3.5, 3.9],
            "importance": [0.35, 0.30, 0.12, 0.08],
        }
    )


def _abc_table() -> pd.DataFrame:
    revenue = np.array([50.0, 20, 10, 8, 5, 4, 2, 1])
    share = np.cumsum(revenue) / revenue.sum()
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(8)],
            "revenue": revenue,
            "cumulative_share": share,
            "abc_class": np.where(share <= 0.7, "A", np.where(share <= 0.9, "B", "C")),
            "rank": np.arange(1, 9),
        }
    )


def _figures(lang: str) -> dict[str, object]:
    rng = np.random.default_rng(3)
    points = pd.DataFrame(
        {
            "satisfaction": rng.uniform(1, 5, 40),
            "loyalty": rng.uniform(1, 5, 40),
            "segment": rng.choice(["apostle", "mercenary", "hostage", "defector"], 40),
        }
    )
    gap = pd.DataFrame(
        {
            "dimension": ["identification", "interaction"],
            "employee_mean": [3.6, 3.9],
            "customer_mean": [2.2, 2.7],
        }
    )
    city = pd.DataFrame({"city": ["shijiazhuang", "baoding", "tangshan"], "revenue": [9.0, 4, 2]})
    scorecard = pd.DataFrame(
        [
            (cat, ph, v)
            for cat, base in (("strategy", 2.5), ("people", 3.0))
            for ph, v in zip(
                ("before", "during", "after"), (base, base + 0.4, base + 0.9), strict=True
            )
        ],
        columns=["category", "phase", "mean"],
    )
    return {
        "scale_means": plots.scale_means(_scale_table(), lang, lower="ci_low", upper="ci_high"),
        "ipa": plots.ipa_quadrant(_ipa_table(), lang),
        "satisfaction_loyalty": plots.satisfaction_loyalty(
            points, lang, satisfaction_cut=4, loyalty_cut=4
        ),
        "perception_gap": plots.perception_gap(gap, lang),
        "pareto": plots.pareto_curve(_abc_table(), lang),
        "city": plots.revenue_by_city(city, lang),
        "scorecard": plots.scorecard_by_phase(scorecard, lang, metric="category"),
        "scree": plots.scree([4.0, 2.0, 1.1, 0.6], [1.3, 1.15, 1.05, 0.95], lang, n_factors=2),
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_has_title_and_axis_labels_in_the_language(lang):
    for name, fig in _figures(lang).items():
        ax = fig.axes[0]
        for text in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()):
            assert text.strip(), f"{name}: empty title or axis label"
            assert plots.has_cjk(text) == (lang == "zh"), f"{name}: {text!r} not in {lang}"


def test_chinese_figures_render_without_font_warnings(tmp_path, caplog):
    """Render every zh figure with warnings as errors and no 'findfont'/'Glyph' log lines."""
    caplog.set_level(logging.DEBUG, logger="matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, fig in _figures("zh").items():
            plots.save(fig, tmp_path, name)
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in messages if "findfont" in m or "Glyph" in m or "missing" in m]
    assert len(list(tmp_path.glob("*.png"))) == 8


def test_cjk_font_covers_every_chinese_character_the_figures_use():
    """Independent check through FreeType: each zh label character has a glyph in the font."""
    font = FT2Font(str(plots.cjk_font_path()))
    charmap = font.get_charmap()
    chars = {ch for entry in plots.TEXT.values() for ch in entry["zh"] if not ch.isspace()}
    missing = sorted(ch for ch in chars if ord(ch) not in charmap)
    assert missing == []
    assert plots.use_report_font() == plots.CJK_FONT_FAMILY


def test_scale_means_draws_the_given_means_and_intervals():
    table = _scale_table()
    fig = plots.scale_means(table, "en", lower="ci_low", upper="ci_high")
    ax = fig.axes[0]
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), table["mean"], atol=1e-12)
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], table["ci_low"], atol=1e-12)
    np.testing.assert_allclose([s[1][0] for s in segments], table["ci_high"], atol=1e-12)


def test_ipa_points_and_default_cuts_are_the_table_values():
    table = _ipa_table()
    ax = plots.ipa_quadrant(table, "en").axes[0]
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], table["performance"], atol=1e-12)
    np.testing.assert_allclose(offsets[:, 1], table["importance"], atol=1e-12)
    vertical = [ln for ln in ax.lines if len(set(ln.get_xdata())) == 1][0]
    assert vertical.get_xdata()[0] == pytest.approx(table["performance"].mean(), abs=1e-12)


def test_ipa_lines_follow_the_tables_rule_and_stay_inside_the_axes():
    # issue 13: the quadrant lines are the analysis' cuts (scale midpoint 3, equal share 1/4),
    # even where every point lies on one side of them
    table = _ipa_table().assign(performance_cut=3.0, importance_cut=0.25)
    table["performance"] = [2.0, 2.2, 2.4, 2.5]
    ax = plots.ipa_quadrant(table, "en").axes[0]
    vertical = [ln for ln in ax.lines if len(set(ln.get_xdata())) == 1][0]
    horizontal = [ln for ln in ax.lines if len(set(ln.get_ydata())) == 1][0]
    assert vertical.get_xdata()[0] == 3.0 and horizontal.get_ydata()[0] == 0.25
    assert ax.get_xlim()[0] < 3.0 < ax.get_xlim()[1]
    assert ax.get_ylim()[0] < 0.25 < ax.get_ylim()[1]


@pytest.mark.parametrize("lang", LANGS)
def test_ipa_labels_neither_overlap_nor_leave_the_axes(lang):
    # the D-company case: two points 0.09 apart at the same importance, one at the right edge
    table = pd.DataFrame(
        {
            "attribute": ["identification", "differentiation", "interaction", "customization",
                          "quality"],
            "performance": [2.170, 2.532, 2.072, 2.158, 3.598],
            "importance": [0.380, 0.297, 0.369, 0.368, 0.317],
        }
    )  # fmt: skip
    labels = {
        "identification": "客户识别" if lang == "zh" else "Customer identification",
        "differentiation": "客户区分" if lang == "zh" else "Customer differentiation",
        "interaction": "客户互动" if lang == "zh" else "Customer interaction",
        "customization": "客户定制化服务" if lang == "zh" else "Customization",
        "quality": "产品与服务质量" if lang == "zh" else "Product and service quality",
    }
    fig = plots.ipa_quadrant(table, lang, labels=labels)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    names = set(labels.values())
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    assert len(boxes) == len(table)
    for k, box in enumerate(boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, "label leaves the axes"
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, "label leaves the axes"
        for other in boxes[k + 1 :]:
            assert not box.overlaps(other), "two labels overlap"


def test_pareto_curve_runs_from_origin_to_all_customers_and_revenue():
    table = _abc_table()
    ax = plots.pareto_curve(table, "en").axes[0]
    xs = np.concatenate([ln.get_xdata() for ln in ax.lines[1:]])
    ys = np.concatenate([ln.get_ydata() for ln in ax.lines[1:]])
    assert xs.min() == 0 and ys.min() == 0
    assert xs.max() == pytest.approx(1.0) and ys.max() == pytest.approx(1.0)
    # the second customer sits at 2/8 of the customers and at its cumulative share
    assert (2 / 8, table["cumulative_share"].iloc[1]) in set(zip(xs, ys, strict=True))


def test_scorecard_heatmap_cells_are_the_table_means():
    table = pd.DataFrame(
        {
            "category": ["a", "a", "b", "b"],
            "phase": ["before", "after"] * 2,
            "mean": [1.5, 2, 3, 4.5],
        }
    )
    ax = plots.scorecard_by_phase(table, "zh", metric="category").axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[1.5, 2.0], [3.0, 4.5]])


def test_save_returns_the_png_with_the_title_as_alt_text(tmp_path):
    fig = plots.scree([3.0, 1.0], None, "en")
    saved = plots.save(fig, tmp_path / "figures", "scree plot/1")
    assert saved.path == tmp_path / "figures" / "scree_plot_1.png"
    assert saved.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data, meta = saved._repr_mimebundle_()
    assert data["image/png"] == saved.png
    assert meta["image/png"]["alt"] == "Scree plot and parallel analysis"


def test_a_simulated_figure_says_so_in_its_corner(tmp_path):
    for lang, label in (("en", "SIMULATED DATA"), ("zh", "模拟数据")):
        fig = plots.scree([3.0, 1.0], None, lang)
        plain = plots.save(fig, tmp_path / "plain", "s")
        assert not fig.texts
        fig = plots.scree([3.0, 1.0], None, lang)
        labelled = plots.save(fig, tmp_path / lang, "s", label=label)
        assert [t.get_text() for t in fig.texts] == [label]
        assert labelled.png != plain.png


def test_bad_input_is_one_sentence():
    with pytest.raises(InputError, match="no column 'performance'"):
        plots.ipa_quadrant(_ipa_table().drop(columns="performance"), "en")
    with pytest.raises(InputError, match="zh or en"):
        plots.scree([1.0], None, "fr")
    with pytest.raises(InputError, match="empty"):
        plots.perception_gap(pd.DataFrame(columns=["dimension", "employee_mean", "customer_mean"]))
