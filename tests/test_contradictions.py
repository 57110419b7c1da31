"""Issue 13 item 5: the report's numbers agree with each other and with their labels.

Each test here would have caught one contradiction the issue lists, on the simulated
D-company case (the study's own tables, before any notebook)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
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
    assert list(frame.columns) == ["by", "basis", "groups", "hhi", "hhi_normalized"]
    assert not {"top_revenue_share", "gini", "n_customers"} & set(frame.columns)


def test_basis_values_have_labels_in_both_languages():
    from crm_research.report.text import ID_LABELS

    for value in ("revenue_share", "customer_count"):
        assert set(ID_LABELS[value]) == {"zh", "en"}




# --- findings ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def findings(case):
    from crm_research.findings import derive_findings

    _, study = case
    return {f.id: f for f in derive_findings(study)}


def test_a_recommendation_follows_the_direction_of_its_finding(case, findings):
    # "less concentrated than the Pareto benchmark" must not recommend reducing dependence
    f = findings["concentration.revenue"]
    less = f.evidence["top20_revenue_share"] < 0.8
    text = f.recommendation["en"] + f.recommendation["zh"]
    if less:
        assert f.problem["en"].startswith("Revenue is less concentrated")
        assert "reduce dependence" not in text and "降低对少数客户的依赖" not in text
    # the same finding with a concentrated ledger does recommend it
    from types import SimpleNamespace

    _, study = case
    tables = dict(study.tables)
    tables["revenue_concentration"] = tables["revenue_concentration"].assign(
        top_revenue_share=0.85
    )
    from crm_research.findings import derive_findings

    own = SimpleNamespace(tables=tables, customers=study.customers, employees=study.employees,
                          parameters=study.parameters, case=getattr(study, "case", None))  # fmt: skip
    conc = {g.id: g for g in derive_findings(own)}["concentration.revenue"]
    assert conc.severity == "minor" and "reduce dependence" in conc.recommendation["en"]
    # and quotes the one-row table, not a grouped one
    assert conc.evidence_refs["top20_revenue_share"].table == "revenue_concentration"


def test_no_difference_is_claimed_whose_interval_includes_zero(case, findings):
    from types import SimpleNamespace

    from crm_research.findings import derive_findings

    _, study = case
    base = study.tables["employee_group_comparisons"]
    for low, claim in ((0.0, False), (0.05, True)):
        tables = dict(study.tables)
        tables["employee_group_comparisons"] = base.assign(effect_ci_low=low, p_holm=0.01)
        own = SimpleNamespace(tables=tables, customers=study.customers,
                              employees=study.employees, parameters=study.parameters,
                              case=getattr(study, "case", None))  # fmt: skip
        f = {g.id: g for g in derive_findings(own)}["crm_system.use"]
        assert ("Use differs by" in f.problem["en"]) is claim, f.problem["en"]
        assert ("使用存在差异" in f.problem["zh"]) is claim
    # every "differs" sentence of the case's findings has an interval excluding zero
    for f in findings.values():
        for m in re.finditer(r"differs by [^:]+: eta squared = [-\d.]+ \(95% CI ([-\d.]+) to", f.problem["en"]):
            assert float(m.group(1)) > 0, f.problem["en"]


def test_group_tests_carry_holm_within_their_table(case):
    from crm_research.analysis import holm_adjust

    _, study = case
    for name in ("group_comparisons", "employee_group_comparisons"):
        frame = study.tables[name]
        # p values are written with 6 decimals: Holm multiplies their rounding by up to m = 14
        np.testing.assert_allclose(frame["p_holm"], holm_adjust(frame["p_value"].to_numpy()),
                                   atol=len(frame) * 0.5e-6)  # fmt: skip
        assert (frame["p_holm"] >= frame["p_value"] - 1e-9).all()


def test_perception_gap_numbers_are_not_repeated_and_the_caveat_is_given(case, findings):
    _, study = case
    gap = study.tables["perception_gap"]
    quoted = [f for f in findings.values() if f.area != "perception_gap"]
    merged = [f for f in findings.values() if f.area == "perception_gap"]
    assert len(merged) == 1, [f.id for f in merged]  # was one finding per dimension
    text = merged[0].problem["en"] + merged[0].problem["zh"]
    for row in gap.itertuples():
        for value in (row.gap, row.employee_mean):
            assert f"{value:.2f}" not in text  # the numbers stay with problems 1-4
    assert any(f"{gap['gap'].iloc[0]:.2f}" in f.problem["en"] for f in quoted)
    # different item sets (customer 4 vs employee 3 items) and sizes (150 vs 30): said
    assert {"customer_items", "employee_items", "same_items"} <= set(gap.columns)
    assert "different item sets" in merged[0].problem["en"]
    assert "题项与样本量不同" in merged[0].problem["zh"]


def test_safeguards_are_linked_by_id_not_repeated(findings):
    from crm_research.findings.plan import SAFEGUARDS

    for f in findings.values():
        assert "Safeguards:" not in f.recommendation["en"]
        assert "保障措施" not in f.recommendation["zh"]
        assert set(f.safeguards) <= set(SAFEGUARDS)


def test_references_fit_the_claim(findings):
    for f in findings.values():
        refs = " ".join(f.references)
        assert "Statistical Power Analysis" not in refs, f.id  # Cohen goes to the method
        assert "Merger Guidelines" not in refs, f.id


def test_one_rounding_rule_for_tables_text_and_evidence(findings):
    # "NPS -31.3 in the text and -31.333 in the evidence"; "3.69 vs 2.735"
    from crm_research.findings import render_findings
    from crm_research.findings.wording import format_number, number_text, quote
    from crm_research.report.display import display_frame

    for value in (2.735, 2.675, 3.925, -0.125, 0.37555):
        table_cell = display_frame(pd.DataFrame({"mean": [value]}), "en", {}, decimals=2)
        assert table_cell.iloc[0, 0] == number_text(value) == format_number(value, "mean")
    loyal = findings["loyalty.satisfied_not_loyal"]
    nps = loyal.evidence["nps"]
    shown = format_number(nps, "nps")
    assert f"NPS = {shown}" in loyal.problem["en"]
    md = render_findings([loyal], "en")
    assert f"nps = {shown}" in md
    # every evidence number in findings.md is quoted as its kind says, never with raw digits
    for f in findings.values():
        line = next(ln for ln in render_findings([f], "en").splitlines() if ln.startswith("*Evidence"))
        for k, v in f.evidence.items():
            if isinstance(v, float) and k in f.evidence_refs:
                ref = f.evidence_refs[k]
                assert f"{k} = {quote(v, ref.table, ref.column)}" in line, (f.id, k)
