"""Tests of crm_research.segmentation: hand-made ledgers, sklearn/statsmodels kappa, properties.

Tolerances: shares and indices 1e-12 (hand-worked), kappa against sklearn 1e-12, its SE against
statsmodels 1e-10.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_research import segmentation as seg
from crm_research.errors import InputError


def _ledger(rows):
    return pd.DataFrame(rows, columns=["customer_id", "revenue"])


# ------------------------------------------------------------------------------------------
# ABC
# ------------------------------------------------------------------------------------------


def test_abc_sums_rows_sorts_ties_by_id_and_hits_exact_boundaries():
    # totals: c01 = 30 + 10 = 40, c02 = 30, c03 = 10, c04 = 10, c05 = 10 (grand total 100)
    ledger = _ledger([("c03", 10), ("c01", 30), ("c05", 10), ("c02", 30), ("c01", 10), ("c04", 10)])
    abc = seg.abc_classification(ledger)
    assert abc["customer_id"].tolist() == ["c01", "c02", "c03", "c04", "c05"]  # ties by id
    assert abc["revenue"].tolist() == [40, 30, 10, 10, 10]
    assert abc["rank"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(abc["share"], [0.4, 0.3, 0.1, 0.1, 0.1], rtol=1e-12)
    np.testing.assert_allclose(abc["cumulative_share"], [0.4, 0.7, 0.8, 0.9, 1.0], rtol=1e-12)
    # 0.7 exactly is A, 0.9 exactly is B
    assert abc["abc_class"].tolist() == ["A", "A", "B", "B", "C"]


def test_abc_float_boundaries_use_tolerance():
    # 0.1 + 0.2 + 0.4 = 0.7000000000000001 in floating point; still A by the 1e-12 tolerance
    ledger = _ledger([(1, 0.4), (2, 0.2), (3, 0.1), (4, 0.2), (5, 0.1)])
    abc = seg.abc_classification(ledger)
    assert abc["customer_id"].tolist() == [1, 2, 4, 3, 5]
    assert abc["abc_class"].tolist() == ["A", "A", "B", "B", "C"]


def test_abc_first_customer_over_a_cut_is_not_a():
    ledger = _ledger([("big", 75), ("mid", 10), ("s1", 10), ("s2", 5)])
    abc = seg.abc_classification(ledger)
    assert abc["abc_class"].tolist() == ["B", "B", "C", "C"]  # 0.75, 0.85, 0.95, 1.0
    summary = seg.abc_summary(abc)
    assert summary["customers"].tolist() == [0, 2, 2]
    giant = seg.abc_classification(_ledger([("giant", 95), ("x", 5)]))
    assert giant["abc_class"].tolist() == ["C", "C"]


def test_abc_custom_cuts_and_zero_revenue_customers():
    ledger = _ledger([("a", 60), ("b", 20), ("c", 20), ("z", 0)])
    abc = seg.abc_classification(ledger, a_cut=0.6, b_cut=0.8)
    assert abc["abc_class"].tolist() == ["A", "B", "C", "C"]
    assert seg.abc_classification(ledger, a_cut=0.6, b_cut=1.0)["abc_class"].tolist() == [
        "A",
        "B",
        "B",
        "B",
    ]


def test_abc_summary_hand_worked():
    ledger = _ledger([(i, r) for i, r in enumerate([50, 20, 10, 10, 5, 5])])
    summary = seg.abc_summary(seg.abc_classification(ledger)).set_index("abc_class")
    # cumulative 0.5, 0.7, 0.8, 0.9, 0.95, 1.0 -> A A B B C C
    assert summary["customers"].tolist() == [2, 2, 2]
    np.testing.assert_allclose(summary["percent_customers"], [100 / 3] * 3, rtol=1e-12)
    np.testing.assert_allclose(summary["revenue"], [70, 20, 10], rtol=1e-12)
    np.testing.assert_allclose(summary["percent_revenue"], [70, 20, 10], rtol=1e-12)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", 10), ("b", -1)], "'revenue'.*negative"),
        ([("a", 10), (None, 5)], "'customer_id'.*missing"),
        ([("a", 10), ("b", None)], "'revenue'.*missing"),
        ([("a", 0), ("b", 0)], "'revenue'.*zero"),
        ([("a", "ten")], "'revenue'.*non-numeric"),
    ],
)
def test_abc_bad_input_names_the_column(rows, message):
    with pytest.raises(InputError, match=message):
        seg.abc_classification(_ledger(rows))


def test_abc_bad_cuts_and_missing_column():
    ledger = _ledger([("a", 1)])
    with pytest.raises(InputError, match="a_cut"):
        seg.abc_classification(ledger, a_cut=0.95, b_cut=0.9)
    with pytest.raises(InputError, match="'sales'"):
        seg.abc_classification(ledger, revenue="sales")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=40),
            st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=60,
    ),
    st.floats(min_value=0.05, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_abc_class_is_monotone_in_revenue_and_follows_the_rule(rows, a_cut, gap):
    ledger = _ledger(rows)
    if ledger["revenue"].sum() <= 0:
        return
    b_cut = a_cut + (1.0 - a_cut) * gap
    abc = seg.abc_classification(ledger, a_cut=a_cut, b_cut=b_cut)
    order = {"A": 0, "B": 1, "C": 2}
    rank = abc["abc_class"].map(order).to_numpy()
    revenue = abc["revenue"].to_numpy()
    # higher revenue never gets a worse class
    for i in range(len(abc)):
        for j in range(len(abc)):
            if revenue[i] > revenue[j]:
                assert rank[i] <= rank[j]
    # the rule, re-derived independently with exact rational arithmetic where possible
    # totals are the exact decimal sums of the rows (so equal sums tie and go by id)
    totals = ledger.groupby("customer_id")["revenue"].agg(
        lambda v: float(sum(Decimal(repr(float(x))) for x in v))
    )
    expected_order = sorted(totals.index, key=lambda c: (-totals[c], c))
    assert abc["customer_id"].tolist() == expected_order
    cum = np.cumsum([totals[c] for c in expected_order]) / totals.sum()
    expected = ["A" if s <= a_cut + 1e-12 else "B" if s <= b_cut + 1e-12 else "C" for s in cum]
    assert abc["abc_class"].tolist() == expected
    assert abc["cumulative_share"].iloc[-1] == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------------------------------
# concentration and distribution
# ------------------------------------------------------------------------------------------


def _city_ledger():
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "city": ["sjz", "sjz", "sjz", "sjz", "bd", "bd", "ts", "ts", "ts", "hd", "hd"],
            "customer_type": ["eng"] * 8 + ["end"] * 3,
            "year": [2018, 2019] + [2019] * 9,
            "revenue": [30.0, 10.0, 20.0, 10.0, 8.0, 2.0, 5.0, 5.0, 4.0, 4.0, 2.0],
        }
    )


def test_concentration_hand_worked():
    # total 100; cities: sjz 70 (customers 1,2,3), ts 14 (6,7,8), bd 10 (4,5), hd 6 (9,10)
    res = seg.concentration(_city_ledger(), "city")
    groups = res.groups.set_index("city")
    assert groups.index.tolist() == ["sjz", "ts", "bd", "hd"]
    assert groups["customers"].tolist() == [3, 3, 2, 2]
    np.testing.assert_allclose(groups["share"], [0.70, 0.14, 0.10, 0.06], rtol=1e-12)
    hhi = 0.70**2 + 0.14**2 + 0.10**2 + 0.06**2  # 0.5232
    assert res.hhi == pytest.approx(hhi, abs=1e-12)
    assert res.hhi_points == pytest.approx(5232.0, abs=1e-8)
    assert res.hhi_normalized == pytest.approx((hhi - 0.25) / 0.75, abs=1e-12)
    # customers: 40, 20, 10, 8, 5, 5, 4, 4, 2, 2 -> top 20 % = 2 customers = 60 %
    assert res.n_customers == 10 and res.top_customers == 2
    assert res.top_revenue_share == pytest.approx(0.60, abs=1e-12)
    shares = np.array([40, 20, 10, 8, 5, 5, 4, 4, 2, 2]) / 100
    assert res.customer_hhi == pytest.approx(np.sum(shares**2), abs=1e-12)
    # Gini by the mean-absolute-difference definition: sum |xi - xj| / (2 n^2 mean)
    x = shares * 100
    gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert res.gini == pytest.approx(gini, abs=1e-12)
    assert "HHI" in repr(res) and set(res.to_frame()["measure"]) >= {"hhi", "gini"}


def test_concentration_extremes_and_multiple_columns():
    equal = pd.DataFrame({"customer_id": range(5), "city": list("abcde"), "revenue": [3.0] * 5})
    res = seg.concentration(equal, "city")
    assert res.hhi == pytest.approx(0.2, abs=1e-12) and res.hhi_normalized == pytest.approx(
        0.0, abs=1e-12
    )
    assert res.gini == pytest.approx(0.0, abs=1e-12)
    one = pd.DataFrame({"customer_id": range(4), "city": list("abcd"), "revenue": [0, 0, 0, 9.0]})
    res = seg.concentration(one, "city")
    assert res.gini == pytest.approx(3 / 4, abs=1e-12)  # (n - 1) / n
    assert res.hhi == pytest.approx(1.0, abs=1e-12)
    both = seg.concentration(_city_ledger(), ["city", "customer_type"])
    assert both.groups["revenue"].sum() == pytest.approx(100.0)
    assert both.by == ("city", "customer_type")
    with pytest.raises(InputError, match="'sector'"):
        seg.concentration(_city_ledger(), "sector")


def test_distribution_counts_distinct_customers():
    tidy = seg.distribution(_city_ledger(), ["city", "customer_type"])
    got = {(r.city, r.customer_type): r.customers for r in tidy.itertuples(index=False)}
    assert got == {
        ("bd", "eng"): 2,
        ("hd", "end"): 2,
        ("sjz", "eng"): 3,
        ("ts", "eng"): 2,
        ("ts", "end"): 1,
    }
    assert tidy["percent"].sum() == pytest.approx(100.0)
    ts = tidy[tidy.city == "ts"].set_index("customer_type")["percent_within"]
    assert ts.to_dict() == pytest.approx({"end": 100 / 3, "eng": 200 / 3})
    wide = seg.distribution(_city_ledger(), ["city", "customer_type"], wide=True)
    assert wide.loc["Total", "Total"] == 10 and wide.loc["ts", "end"] == 1


# ------------------------------------------------------------------------------------------
# classification agreement
# ------------------------------------------------------------------------------------------


def test_classification_agreement_kappa_against_sklearn_and_statsmodels():
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(3)
    ids = [f"c{i:03d}" for i in range(120)]
    ledger = pd.DataFrame({"customer_id": ids, "revenue": rng.lognormal(10, 1.2, 120)})
    abc = seg.abc_classification(ledger)
    truth = abc.set_index("customer_id")["abc_class"]
    # the company's tiers: right for 60 %, random otherwise; labels in Chinese-style words
    tiers = truth.where(
        rng.random(120) < 0.6, pd.Series(rng.choice(list("ABC"), 120), index=truth.index)
    )
    words = tiers.map({"A": "key", "B": "normal", "C": "small"})
    words["extra"] = "key"  # a customer missing from the ledger
    res = seg.classification_agreement(
        words, abc, mapping={"key": "A", "normal": "B", "small": "C"}
    )
    assert res.n == 120 and res.n_unmatched == 1
    assert res.kappa == pytest.approx(cohen_kappa_score(tiers.loc[truth.index], truth), abs=1e-12)
    assert res.percent_agreement == pytest.approx(100 * (tiers == truth).mean(), abs=1e-12)
    ref = cohens_kappa(res.crosstab.to_numpy())  # 95 % CI
    assert res.se == pytest.approx(ref["std_kappa"], rel=1e-10)
    assert [res.ci_low, res.ci_high] == pytest.approx(
        [ref["kappa_low"], ref["kappa_upp"]], rel=1e-10
    )
    assert int(res.crosstab.to_numpy().sum()) == 120
    assert "kappa" in repr(res) and res.to_frame().shape == (1, 7)


def test_classification_agreement_bad_labels():
    abc = pd.Series(["A", "B", "C"], index=[1, 2, 3])
    with pytest.raises(InputError, match="'VIP'.*mapping"):
        seg.classification_agreement(pd.Series(["VIP", "B", "C"], index=[1, 2, 3]), abc)
    with pytest.raises(InputError, match="'gold'.*no entry"):
        seg.classification_agreement(
            pd.Series(["gold", "B"], index=[1, 2]), abc, mapping={"B": "B"}
        )
    with pytest.raises(InputError, match="share no customer"):
        seg.classification_agreement(pd.Series(["A"], index=[9]), abc)


def test_distribution_wide_single_column_has_total_row():
    wide = seg.distribution(_city_ledger(), ["city"], wide=True)
    assert wide.columns.tolist() == ["customers"]
    assert wide["customers"].to_dict() == {"bd": 2, "hd": 2, "sjz": 3, "ts": 3, "Total": 10}


# ------------------------------------------------------------------------------------------
# ABC against an independent exact (rational) implementation; refunds (issue 4 audit)
# ------------------------------------------------------------------------------------------


def _abc_exact(ledger: pd.DataFrame, a_cut: float, b_cut: float) -> list[tuple[str, str]]:
    """The rule in exact rational arithmetic: net totals, sort (-total, id), A <= a, B <= b."""
    from fractions import Fraction

    totals: dict[str, Fraction] = {}
    for cid, rev in zip(ledger["customer_id"], ledger["revenue"], strict=True):
        totals[cid] = totals.get(cid, Fraction(0)) + Fraction(str(rev))
    grand = sum(totals.values())
    a, b, cum, out = Fraction(str(a_cut)), Fraction(str(b_cut)), Fraction(0), []
    for cid, value in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        cum += value
        share = cum / grand
        out.append((cid, "A" if share <= a else "B" if share <= b else "C"))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_abc_matches_an_exact_reference_with_ties_zeros_refunds_and_cuts(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    ids = [f"C{k:03d}" for k in rng.choice(500, n, replace=False)]
    kind = seed % 4
    if kind == 0:  # heavy tail, cents
        cents = np.round(np.exp(rng.normal(10, 1.5, n)) * 100)
    elif kind == 1:  # many ties and zeros
        cents = rng.integers(0, 5, n) * 1000
    elif kind == 2:  # all equal: shares k/n hit 0.7 and 0.9 exactly when n = 10, 20, ...
        cents = np.full(n, 100)
    else:
        cents = rng.choice([700, 300, 1000, 2000, 0], n)
    cents[0] = max(cents[0], 1)
    rows = []
    for cid, c in zip(ids, cents.astype(int), strict=True):
        refund = int(rng.integers(0, 2)) * int(c // 4)  # a refund row for some customers
        first = int(rng.integers(0, c + 1))
        rows += [(cid, (first + refund) / 100), (cid, (c - first) / 100)]
        if refund:
            rows.append((cid, -refund / 100))
    ledger = _ledger(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for a_cut, b_cut in ((0.7, 0.9), (0.5, 0.8), (0.6, 0.6), (1.0, 1.0), (0.3, 1.0)):
        got = seg.abc_classification(ledger, a_cut=a_cut, b_cut=b_cut)
        expected = _abc_exact(ledger, a_cut, b_cut)
        assert list(zip(got["customer_id"], got["abc_class"], strict=True)) == expected


def test_abc_ties_are_exact_sums_not_floating_noise():
    # c2's rows sum to 0.30000000000000004 in floating point, c1's to 0.3: equal totals, so
    # the tie goes by id (c1 first), not by the rounding noise
    ledger = _ledger([("c2", 0.1), ("c2", 0.2), ("c1", 0.3), ("c3", 0.1)])
    abc = seg.abc_classification(ledger)
    assert abc["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert abc["revenue"].tolist() == [0.3, 0.3, 0.1]


def test_abc_exact_boundary_with_ten_equal_customers():
    ledger = _ledger([(f"c{k}", 0.1) for k in range(10)])  # cumulative 0.1, 0.2, ... in floats
    assert seg.abc_classification(ledger)["abc_class"].tolist() == list("AAAAAAABBC")


def test_abc_nets_refunds_and_refuses_a_negative_net_customer():
    ledger = _ledger(
        [("a", 100.0), ("a", -40.0), ("b", 50.0), ("c", 0.3), ("c", -0.1), ("c", -0.2)]
    )
    abc = seg.abc_classification(ledger)
    assert abc["customer_id"].tolist() == ["a", "b", "c"]
    assert abc["revenue"].tolist() == [60.0, 50.0, 0.0]  # 0.3 - 0.1 - 0.2 is zero, not < 0
    assert abc["abc_class"].tolist() == ["A", "C", "C"]  # 60/110 = .545, then 1.0
    with pytest.raises(InputError, match=r"customer 'b' a negative net revenue \(-5\)"):
        seg.abc_classification(_ledger([("a", 10.0), ("b", 5.0), ("b", -10.0)]))
    res = seg.concentration(ledger.assign(city=["x", "x", "y", "z", "z", "z"]), "city")
    assert res.total_revenue == pytest.approx(110.0, abs=1e-12)
    with pytest.raises(InputError, match="group city=y"):  # refund booked in another city
        seg.concentration(
            _ledger([("a", 10.0), ("a", -5.0), ("b", 1.0)]).assign(city=["x", "y", "y"]), "city"
        )
