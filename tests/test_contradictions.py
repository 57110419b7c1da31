"""Issue 13 item 5: the report's numbers agree with each other and with their labels.

Each test here would have caught one contradiction the issue lists, on the simulated
D-company case (the study's own tables, before any notebook)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from crm_research import segmentation
from crm_research.cases.d_company import simulate
from crm_research.report.appendix import methods_appendix
from crm_research.report.text import PLOT_TEXT
from crm_research.study import run_study


@pytest.fixture(scope="module")
def case():
    data = simulate(1, "thesis")
    study = run_study(
        data.customers, data.employees, data.ledger, data.scorecard, posthoc=False,
        reliability="alpha",
    )  # fmt: skip
    return data, study


def test_ipa_importance_is_what_its_axis_says_and_lines_follow_the_stated_rule(case):
    _, study = case
    ipa = study.tables["ipa"]
    # the axis names a share of explained variance; the table holds exactly that
    assert "share of explained variance" in PLOT_TEXT["ipa.y"]["en"]
    assert "份额" in PLOT_TEXT["ipa.y"]["zh"]
    assert set(ipa["importance_definition"]) == {
        "share of explained variance in the outcome (general dominance, LMG)"
    }
    assert ipa["importance"].sum() == pytest.approx(1.0, abs=1e-5)
    # lines: the scale midpoint and the equal share, never the data means
    assert set(ipa["performance_cut"]) == {3.0}
    assert ipa["importance_cut"].iloc[0] == pytest.approx(1 / len(ipa), abs=1e-6)
    assert set(ipa["performance_cut_rule"]) == {"scale midpoint"}
    below = ipa[ipa["performance"] < 3.0]
    assert not below.empty
    assert set(below["quadrant"]) <= {"concentrate_here", "low_priority"}


def test_one_hhi_per_table_its_basis_named_on_one_scale(case):
    data, study = case
    revenue = study.tables["concentration_summary"]
    counts = study.tables["customer_distribution"]
    assert set(revenue["basis"]) == {"revenue_share"} and set(counts["basis"]) == {"customer_count"}
    # the HHI of each table is what its basis says, computed here from the raw inputs
    city = data.ledger.groupby("city")["revenue"].sum()
    assert revenue.set_index("by").loc["city", "hhi"] == pytest.approx(
        float(((city / city.sum()) ** 2).sum()), abs=1e-6
    )
    share = data.customers.drop_duplicates("customer_id")["city"].value_counts(normalize=True)
    assert counts.set_index("by").loc["city", "hhi"] == pytest.approx(
        float((share**2).sum()), abs=1e-6
    )
    # one scale: no 0-10 000 "points" anywhere, tables or appendix
    for name, frame in study.tables.items():
        assert "hhi_points" not in frame.columns, name
        if "hhi" in frame.columns:
            assert frame["hhi"].between(0, 1).all(), name
    appendix = methods_appendix("en") + methods_appendix("zh")
    assert not re.search(r"1500|2500|10[ ,]?000", appendix)
    assert "Merger" not in appendix


def test_customer_level_concentration_has_its_own_table(case):
    data, study = case
    one = study.tables["revenue_concentration"]
    assert len(one) == 1
    totals = np.sort(data.ledger.groupby("customer_id")["revenue"].sum().to_numpy())[::-1]
    top = int(np.ceil(0.2 * totals.size))
    assert one["top_revenue_share"].iloc[0] == pytest.approx(totals[:top].sum() / totals.sum(),
                                                            abs=1e-6)  # fmt: skip
    res = segmentation.concentration(data.ledger, "city")
    assert one["gini"].iloc[0] == pytest.approx(res.gini, abs=1e-6)


def test_kappa_crosstab_shows_every_abc_class_and_states_the_merge(case):
    _, study = case
    cross = study.tables["classification_crosstab"]
    abc = study.tables["abc_summary"].set_index("abc_class")["customers"]
    shown = cross.groupby("abc_class")["customers"].sum()
    assert shown.to_dict() == abc.to_dict()  # class C counted as in 5.1, not 0/0/0
    agreement = study.tables["classification_agreement"]
    assert agreement["merged_classes"].iloc[0] == "C→B"
    assert not (cross["tier_class"] == "C").any()  # no tier the company does not use


def test_no_table_repeats_one_value_on_every_row_of_a_grouped_table(case):
    # the 5.2 table repeated the same top-20% share and Gini on every row
    _, study = case
    frame = study.tables["concentration_summary"]
    shown = ["by", "basis", "groups", "hhi", "hhi_normalized"]
    for col in shown[2:]:
        assert frame[col].nunique() == len(frame) or len(frame) == 1, col


def test_basis_values_have_labels_in_both_languages():
    from crm_research.report.text import ID_LABELS

    for value in ("revenue_share", "customer_count"):
        assert set(ID_LABELS[value]) == {"zh", "en"}


