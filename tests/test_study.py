"""study.py: the pieces against scipy / pingouin / sklearn / hand-worked values, and run_study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from support import subset_instrument

from crm_research.cases.d_company import simulate
from crm_research.errors import InputError
from crm_research.report.outputs import format_table, write_study_outputs
from crm_research.study import (
    TABLE_NAMES,
    count_concentration,
    item_summary,
    load_ledger,
    run_study,
    scale_summary,
    tier_value_agreement,
)


def test_scale_summary_matches_scipy_and_pingouin():
    rng = np.random.default_rng(4)
    x = rng.normal(2.6, 0.9, 57)
    out = scale_summary(pd.DataFrame({"s": x}), 3.0).iloc[0]
    t = stats.ttest_1samp(x, 3.0)
    assert out["t"] == pytest.approx(t.statistic, abs=1e-12)
    assert out["p_value"] == pytest.approx(t.pvalue, abs=1e-12)
    ci = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (out["ci_low"], out["ci_high"]) == pytest.approx(ci, abs=1e-12)
    d = (x.mean() - 3.0) / x.std(ddof=1)
    assert out["d"] == pytest.approx(d, abs=1e-12)
    esci = pingouin.compute_esci(stat=d, nx=len(x), ny=1, eftype="cohen", decimals=12)
    assert (out["d_ci_low"], out["d_ci_high"]) == pytest.approx(tuple(esci), abs=1e-10)


def test_item_summary_hand_example():
    df = pd.DataFrame(
        {
            "loy1": [4, 5, 4, 2],
            "loy2": [3, 3, 4, 4],
            "loy3": [5, 5, 5, 4],
            "loy4": [1, 2, 1, 1],  # reverse keyed: keyed values 5, 4, 5, 5
        }
    )
    out = item_summary(df, "d_company_customer", ["loyalty"]).set_index("item")
    assert out.loc["loy4", "reverse_keyed"]
    assert out.loc["loy4", "mean"] == pytest.approx(1.25)
    assert out.loc["loy4", "keyed_mean"] == pytest.approx(4.75)
    # keyed means: loy1 3.75, loy2 3.5, loy3 4.75, loy4 4.75 -> ranks (ties by item order)
    assert out["rank_in_scale"].tolist() == [2, 1, 3, 4]
    assert out.loc["loy1", "d"] == pytest.approx((3.75 - 3) / np.std([4, 5, 4, 2], ddof=1))


def test_count_concentration_hand_value_and_delta_method_se():
    df = pd.DataFrame({"customer_id": range(4), "city": ["a", "a", "b", "c"]})
    out = count_concentration(df, "city").iloc[0]
    assert out["hhi"] == pytest.approx(0.5**2 + 0.25**2 + 0.25**2)
    assert out["top_group"] == "a" and out["top_share"] == pytest.approx(0.5)
    assert out["hhi_normalized"] == pytest.approx((0.375 - 1 / 3) / (1 - 1 / 3))
    # the delta-method SE against the spread of HHI over multinomial samples (known truth)
    p = np.array([0.5, 0.2, 0.1, 0.1, 0.05, 0.05])
    n = 150
    rng = np.random.default_rng(0)
    draws = rng.multinomial(n, p, size=20_000) / n
    mc_sd = (draws**2).sum(axis=1).std()
    counts = np.round(p * n).astype(int)
    frame = pd.DataFrame({"city": np.repeat(list("abcdef"), counts)})
    se = count_concentration(frame, "city")["se"].iloc[0]
    assert se == pytest.approx(mc_sd, rel=0.05)


def test_count_concentration_cohen_w_matches_scipy_chisquare():
    # Cohen's w against an even spread: w^2 = chi2 / n of the goodness-of-fit test
    counts = {"a": 30, "b": 12, "c": 5, "d": 3}
    frame = pd.DataFrame({"city": np.repeat(list(counts), list(counts.values()))})
    out = count_concentration(frame, "city").iloc[0]
    chi2 = stats.chisquare(list(counts.values())).statistic
    assert out["cohen_w"] == pytest.approx(np.sqrt(chi2 / 50), abs=1e-12)
    assert out["cohen_w_ci_low"] == pytest.approx(np.sqrt(4 * out["ci_low"] - 1), abs=1e-12)
    assert out["cohen_w_ci_low"] <= out["cohen_w"] <= out["cohen_w_ci_high"]
    # an even spread over three cities: HHI 1/3 (above every HHI band) but w = 0
    even = count_concentration(pd.DataFrame({"city": list("xyz") * 10}), "city").iloc[0]
    assert even["hhi"] == pytest.approx(1 / 3) and even["cohen_w"] == pytest.approx(0.0, abs=1e-7)


def test_run_study_on_a_client_with_some_scales_few_customers_and_refunds(tmp_path):
    # a consultant's own data: 40 customers, three of the seven customer scales (one driver
    # of satisfaction, so no IPA), two employee scales, roles too small to compare, a ledger
    # with refunds and customers the survey does not have (and the other way round)
    case = simulate(5, "thesis", n_customers=40, n_employees=6)
    cus_inst = subset_instrument(
        tmp_path, "d_company_customer", {"identification", "satisfaction", "loyalty"}
    )
    emp_inst = subset_instrument(tmp_path, "d_company_employee", {"interaction", "crm_use"})
    items = [f"idn{k}" for k in range(1, 5)] + ["sat1", "sat2", "sat3"]
    items += [f"loy{k}" for k in range(1, 5)]
    meta = ["customer_id", "customer_type", "sector", "city", "service_tier"]
    customers = case.customers[meta + items]
    employees = case.employees[["employee_id", "role", "e_int1", "e_int2", "e_int3"]].join(
        case.employees[["crm1", "crm2", "crm3", "crm4"]]
    )
    employees = employees.assign(role=["general_manager", *["sales_rep"] * 5])
    ledger = case.ledger[case.ledger["customer_id"] != "C001"]
    extra = ledger.iloc[[0]].assign(customer_id="X900", revenue=1234.5)
    refund = ledger.iloc[[0]].assign(revenue=-0.25 * float(ledger["revenue"].iloc[0]))
    ledger = pd.concat([ledger, extra, refund], ignore_index=True)
    study = run_study(
        customers,
        employees,
        ledger,
        customer_instrument=cus_inst,
        employee_instrument=emp_inst,
        posthoc=False,
        reliability="alpha",
    )
    assert "ipa" not in study.tables and "drivers_satisfaction" in study.tables
    assert "perception_gap" not in study.tables  # no matched IDIC dimension
    # no test (one role of two or more people): the table has its header, not zero columns
    assert all(frame.shape[1] > 0 for frame in study.tables.values())
    assert study.tables["employee_group_comparisons"].empty
    assert "effect_value" in study.tables["employee_group_comparisons"].columns
    abc = study.tables["abc"].set_index("customer_id")
    assert "X900" in abc.index and "C001" not in abc.index
    first = ledger["customer_id"].iloc[0]
    assert abc.loc[first, "revenue"] == pytest.approx(
        ledger.loc[ledger["customer_id"] == first, "revenue"].sum(), abs=1e-6
    )
    agreement = study.tables["classification_agreement"].iloc[0]
    assert agreement["n"] == 39 and agreement["n_unmatched"] == 2  # C001 and X900


def test_tier_value_agreement_matches_sklearn():
    rng = np.random.default_rng(1)
    ids = [f"C{i:03d}" for i in range(80)]
    abc_class = rng.choice(list("ABC"), size=80, p=[0.2, 0.3, 0.5])
    tiers = np.where(rng.random(80) < 0.7, np.where(abc_class == "A", "key", "regular"), "key")
    abc = pd.DataFrame({"customer_id": ids, "abc_class": abc_class})
    summary, cross = tier_value_agreement(pd.Series(tiers, index=ids), abc)
    binary_abc = np.where(abc_class == "A", "A", "B")  # C merged into B (tiers use A/B only)
    binary_tier = np.where(tiers == "key", "A", "B")
    assert summary["kappa"].iloc[0] == pytest.approx(
        cohen_kappa_score(binary_tier, binary_abc), abs=1e-12
    )
    assert summary["classes"].iloc[0] == "A/B"
    assert cross["customers"].sum() == 80
    # issue 13: every value class is shown (class C was a 0/0/0 column, merged into B for
    # kappa without saying so); the merge is stated in the summary and per column
    per_class = cross.groupby("abc_class")["customers"].sum()
    assert per_class.to_dict() == {c: int((abc_class == c).sum()) for c in "ABC"}
    assert summary["merged_classes"].iloc[0] == "C→B"
    assert cross.set_index("abc_class")["compared_as"].to_dict() == {"A": "A", "B": "B", "C": "B"}
    assert set(cross["tier_class"]) == {"A", "B"}
    with pytest.raises(InputError, match="tier"):
        tier_value_agreement(pd.Series(["gold"], index=["C000"]), abc)


def test_load_ledger_errors(tmp_path):
    good = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "city": ["x", "y"],
            "customer_type": ["engineering"] * 2,
            "sector": ["school"] * 2,
            "year": [2018, 2019],
            "revenue": [10.0, 5.0],
        }
    )
    with pytest.raises(InputError, match="revenue"):
        load_ledger(good.drop(columns="revenue"))
    bad = good.assign(revenue=[10.0, "ten"])
    with pytest.raises(InputError, match="row 2"):
        load_ledger(bad)
    # a negative row is a refund: read as it is, netted per customer by the ABC classification
    refund = pd.concat([good, good.iloc[[0]].assign(revenue=-4.0)], ignore_index=True)
    assert load_ledger(refund)["revenue"].tolist() == [10.0, 5.0, -4.0]
    with pytest.raises(InputError, match="no such ledger"):
        load_ledger(tmp_path / "missing.csv")


@pytest.fixture(scope="module")
def thesis_study():
    case = simulate(21, "thesis")
    return case, run_study(case.customers, case.employees, case.ledger, case.scorecard)


def test_run_study_tables(thesis_study):
    case, study = thesis_study
    assert set(study.tables) <= set(TABLE_NAMES)
    for name in (
        "customer_descriptives",
        "customer_scale_scores_summary",
        "reliability_customer",
        "reliability_employee",
        "group_comparisons",
        "drivers_satisfaction",
        "drivers_loyalty",
        "ipa",
        "satisfaction_loyalty",
        "perception_gap",
        "abc",
        "abc_summary",
        "concentration_city",
        "concentration_type",
        "concentration_sector",
        "classification_agreement",
        "crm_use_by_role",
        "scorecard",
    ):
        assert name in study.tables and not study.tables[name].empty, name
    assert list(study.tables["abc"].columns[:4]) == [
        "customer_id",
        "revenue",
        "cumulative_share",
        "abc_class",
    ]
    # the scale summary is the mean of the scored scale
    summary = study.tables["customer_scale_scores_summary"].set_index("scale")
    assert summary.loc["interaction", "mean"] == pytest.approx(
        study.customers.scores["interaction"].mean(), abs=1e-6
    )
    # the perception gap pairs employee and customer means
    gap = study.tables["perception_gap"].set_index("dimension")
    assert gap.loc["identification", "customer_mean"] == pytest.approx(
        summary.loc["identification", "mean"], abs=1e-6
    )
    assert repr(study).startswith("StudyResult(")
    assert study.to_frame().shape[0] == len(study.tables)


def test_abc_classes_follow_the_rule_exactly(thesis_study):
    case, study = thesis_study
    totals = case.ledger.groupby("customer_id")["revenue"].sum().reset_index()
    totals = totals.sort_values(["revenue", "customer_id"], ascending=[False, True])
    cum = totals["revenue"].cumsum() / totals["revenue"].sum()
    expected = np.where(cum <= 0.70 + 1e-12, "A", np.where(cum <= 0.90 + 1e-12, "B", "C"))
    got = study.tables["abc"].set_index("customer_id")["abc_class"]
    assert got.loc[totals["customer_id"]].tolist() == expected.tolist()


def test_paths_and_frames_give_the_same_tables(tmp_path, thesis_study):
    case, study = thesis_study
    case.write(tmp_path)
    from_files = run_study(
        tmp_path / "customers.csv",
        tmp_path / "employees.csv",
        tmp_path / "ledger.csv",
        tmp_path / "scorecard.csv",
    )
    for name in ("customer_scale_scores_summary", "perception_gap", "abc", "group_comparisons"):
        pd.testing.assert_frame_equal(from_files.tables[name], study.tables[name])
    assert from_files.quality["respondents"].tolist() == [150, 30, 30]


def test_write_outputs_are_deterministic(tmp_path, thesis_study):
    _, study = thesis_study
    a = write_study_outputs(study, [], tmp_path / "a")
    b = write_study_outputs(study, [], tmp_path / "b")
    assert [p.name for p in a.values()] == [p.name for p in b.values()]
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes()
    assert format_table(pd.DataFrame({"x": [1 / 3]})) == "x\n0.333333\n"


def test_run_study_bad_input():
    case = simulate(1, "healthy", n_customers=30, n_employees=6)
    with pytest.raises(InputError, match="idn1"):
        run_study(case.customers.drop(columns="idn1"), case.employees, case.ledger)
    with pytest.raises(InputError, match="reliability"):
        run_study(case.customers, case.employees, case.ledger, reliability="some")
