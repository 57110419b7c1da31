"""Scoring rules against hand-worked examples, plus property tests.

Every expected number below is worked out by hand in the comment next to it; comparisons of
floats use an absolute tolerance of 1e-12.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_research.errors import InputError
from crm_research.instrument import load_instrument
from crm_research.scoring import NPSResult, keyed_items, nps, score, top_box

TOL = 1e-12
NAN = float("nan")


@pytest.fixture(scope="module")
def customer():
    return load_instrument("d_company_customer")


@pytest.fixture(scope="module")
def employee():
    return load_instrument("d_company_employee")


def loyalty_frame() -> pd.DataFrame:
    # loy4 is reverse-keyed on 1..5: keyed = 6 - x.
    return pd.DataFrame(
        {
            "loy1": [5, 2, 3, 1, 4],
            "loy2": [4, NAN, NAN, 1, 4],
            "loy3": [3, NAN, NAN, 2, NAN],
            "loy4": [1, 4, NAN, 5, 2],
        },
        index=pd.Index(["r1", "r2", "r3", "r4", "r5"], name="respondent"),
    )


# ---------------------------------------------------------------------------- reverse keying
def test_reverse_keyed_item_is_recoded_on_its_own_scale(customer):
    keyed = keyed_items(loyalty_frame(), customer)
    # loy4: 1 -> 5, 4 -> 2, NaN stays, 5 -> 1, 2 -> 4
    np.testing.assert_array_equal(keyed["loy4"].to_numpy(), [5, 2, NAN, 1, 4])
    # forward items unchanged, index kept
    np.testing.assert_array_equal(keyed["loy1"].to_numpy(), [5, 2, 3, 1, 4])
    assert list(keyed.index) == ["r1", "r2", "r3", "r4", "r5"]
    assert list(keyed.columns) == ["loy1", "loy2", "loy3", "loy4"]


def test_reverse_keying_uses_the_item_scale_not_a_fixed_six(employee):
    # crm4 is the reverse item of the employee instrument (1..5): 2 -> 4, 3 -> 3.
    keyed = keyed_items(pd.DataFrame({"crm4": [2, 3], "crm1": [2, 3]}), employee)
    assert keyed["crm4"].tolist() == [4.0, 3.0]
    assert keyed["crm1"].tolist() == [2.0, 3.0]


def test_keyed_items_accepts_a_responses_object(customer):
    @dataclass
    class FakeResponses:
        items: pd.DataFrame
        source: str = "export.csv"

    keyed = keyed_items(FakeResponses(loyalty_frame()), customer)
    assert keyed["loy4"].iloc[0] == 5.0


def test_keyed_items_selects_and_orders_requested_items(customer):
    keyed = keyed_items(loyalty_frame(), customer, items=["loy4", "loy1"])
    assert list(keyed.columns) == ["loy4", "loy1"]


# ---------------------------------------------------------------------------- mean + min-items
def test_mean_score_and_half_rule_on_a_four_item_scale(customer):
    s = score(loyalty_frame(), customer, scales=["loyalty"])["loyalty"]
    # r1: keyed 5, 4, 3, 5 -> 17 / 4 = 4.25
    # r2: keyed 2, -, -, 2 -> 2 answered = ceil(4/2) = 2, exactly the boundary -> 2.0
    # r3: 3 only -> 1 answered < 2 -> NaN
    # r4: keyed 1, 1, 2, 1 -> 5 / 4 = 1.25
    # r5: keyed 4, 4, -, 4 -> 12 / 3 = 4.0
    expected = [4.25, 2.0, NAN, 1.25, 4.0]
    np.testing.assert_allclose(s.to_numpy(), expected, atol=TOL)


def test_half_rule_boundary_on_a_three_item_scale(customer):
    # satisfaction has 3 items: ceil(3/2) = 2 answered needed.
    data = pd.DataFrame({"sat1": [4, 4, 5], "sat2": [2, NAN, NAN], "sat3": [NAN, NAN, 3]})
    s = score(data, customer, scales=["satisfaction"])["satisfaction"]
    # row 0: 4, 2 -> 3.0 ; row 1: one answer -> NaN ; row 2: 5, 3 -> 4.0
    np.testing.assert_allclose(s.to_numpy(), [3.0, NAN, 4.0], atol=TOL)


def test_min_items_argument_overrides_the_default(customer):
    data = loyalty_frame()
    strict = score(data, customer, min_items=3, scales=["loyalty"])["loyalty"]
    # r2 has 2 answered (< 3) -> NaN now; r5 has 3 answered -> still 4.0
    np.testing.assert_allclose(strict.to_numpy(), [4.25, NAN, NAN, 1.25, 4.0], atol=TOL)
    lenient = score(data, customer, min_items={"loyalty": 1}, scales=["loyalty"])["loyalty"]
    # r3: the single answer 3 is enough
    np.testing.assert_allclose(lenient.to_numpy(), [4.25, 2.0, 3.0, 1.25, 4.0], atol=TOL)


def test_min_items_outside_the_scale_size_is_refused(customer):
    with pytest.raises(InputError, match=r"min_items 4 for scale 'satisfaction'.*1\.\.3"):
        score(
            pd.DataFrame({"sat1": [1], "sat2": [2], "sat3": [3]}),
            customer,
            min_items=4,
            scales=["satisfaction"],
        )
    with pytest.raises(InputError, match="unknown scale 'satisfactoin'"):
        score(
            pd.DataFrame({"sat1": [1], "sat2": [2], "sat3": [3]}),
            customer,
            min_items={"satisfactoin": 1},
            scales=["satisfaction"],
        )


def test_instrument_min_items_is_used_when_declared(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(
        "id: mini\n"
        "response_scale: {min: 1, max: 7}\n"
        "items: [{id: a}, {id: b}, {id: c}, {id: d, reverse: true}]\n"
        "scales: [{id: s, items: [a, b, c, d], min_items: 4}]\n",
        encoding="utf-8",
    )
    inst = load_instrument(path)
    data = pd.DataFrame({"a": [7, 7], "b": [6, 6], "c": [5, 5], "d": [1, NAN]})
    s = score(data, inst)["s"]
    # row 0: d keyed 8 - 1 = 7 -> (7 + 6 + 5 + 7) / 4 = 6.25 ; row 1: 3 of 4 < 4 -> NaN
    np.testing.assert_allclose(s.to_numpy(), [6.25, NAN], atol=TOL)


# ---------------------------------------------------------------------------- sums and index
def test_sum_only_when_every_item_answered(customer):
    s = score(loyalty_frame(), customer, kind="sum", scales=["loyalty"])["loyalty"]
    # r1: 5 + 4 + 3 + 5 = 17 ; r4: 1 + 1 + 2 + 1 = 5 ; others have a missing item -> NaN
    np.testing.assert_allclose(s.to_numpy(), [17.0, NAN, NAN, 5.0, NAN], atol=TOL)
    with pytest.raises(InputError, match="min_items does not apply to kind='sum'"):
        score(loyalty_frame(), customer, kind="sum", min_items=2, scales=["loyalty"])


def test_index_rescales_the_mean_to_0_100(customer):
    s = score(loyalty_frame(), customer, kind="index", scales=["loyalty"])["loyalty"]
    # (mean - 1) / 4 * 100: 4.25 -> 81.25, 2 -> 25, NaN, 1.25 -> 6.25, 4 -> 75
    np.testing.assert_allclose(s.to_numpy(), [81.25, 25.0, NAN, 6.25, 75.0], atol=TOL)


def test_index_on_a_seven_point_scale(tmp_path):
    path = tmp_path / "seven.yaml"
    path.write_text(
        "id: seven\nresponse_scale: {min: 1, max: 7}\n"
        "items: [{id: a}, {id: b}]\nscales: [{id: s, items: [a, b]}]\n",
        encoding="utf-8",
    )
    data = pd.DataFrame({"a": [7, 1, 4], "b": [6, 1, 5]})
    s = score(data, load_instrument(path), kind="index")["s"]
    # means 6.5, 1, 4.5 -> (m - 1) / 6 * 100 = 91.666..., 0, 58.333...
    np.testing.assert_allclose(s.to_numpy(), [550 / 6, 0.0, 350 / 6], atol=TOL)


def test_nps_scale_keeps_the_0_to_10_answer(customer):
    data = pd.DataFrame({"nps": [10, 0, NAN, 7]})
    for kind in ("mean", "sum", "index"):
        s = score(data, customer, kind=kind, scales=["nps"])["nps"]
        np.testing.assert_array_equal(s.to_numpy(), [10.0, 0.0, NAN, 7.0])


def test_score_all_scales_has_one_column_per_scale(customer):
    rng = np.random.default_rng(7)
    data = pd.DataFrame(
        {
            i.id: rng.integers(i.response_scale.min, i.response_scale.max + 1, size=6)
            for i in customer.items
        }
    )
    data["customer_type"] = "engineering"  # non-item columns are ignored by score
    scores = score(data, customer)
    assert list(scores.columns) == customer.scale_ids
    assert scores.index.equals(data.index)
    # quality scale: plain mean of four forward items
    np.testing.assert_allclose(
        scores["quality"], data[["qua1", "qua2", "qua3", "qua4"]].mean(axis=1), atol=TOL
    )


# ---------------------------------------------------------------------------- input errors
def test_missing_item_columns_are_all_named(customer):
    with pytest.raises(InputError, match="lacks the item column\\(s\\) loy3, loy4"):
        score(loyalty_frame()[["loy1", "loy2"]], customer, scales=["loyalty"])


def test_out_of_range_value_names_the_column_and_row(customer):
    data = loyalty_frame()
    data.loc["r3", "loy2"] = 6
    with pytest.raises(InputError, match=r"Column 'loy2'.* 6 in row 'r3'.*1\.\.5"):
        score(data, customer, scales=["loyalty"])


def test_undeclared_missing_code_is_not_used_as_a_number(customer):
    data = loyalty_frame()
    data.loc["r2", "loy3"] = -99
    with pytest.raises(InputError, match="Column 'loy3'.*declared missing code"):
        keyed_items(data, customer)


def test_non_integer_and_non_numeric_codes_are_refused(customer):
    with pytest.raises(InputError, match="Column 'loy1'.*2.5.*integer codes"):
        keyed_items(pd.DataFrame({"loy1": [2.5]}), customer)
    with pytest.raises(InputError, match="Column 'loy1'.*non-numeric value 'agree'"):
        keyed_items(pd.DataFrame({"loy1": ["4", "agree"]}, dtype=object), customer)


def test_unknown_columns_scales_and_kinds_are_refused(customer):
    with pytest.raises(InputError, match="Column 'q99'.*not an item of instrument"):
        keyed_items(pd.DataFrame({"q99": [1]}), customer)
    with pytest.raises(InputError, match="no scale 'satisfactoin'"):
        score(loyalty_frame(), customer, scales=["satisfactoin"])
    with pytest.raises(InputError, match="Score kind 'median'"):
        score(loyalty_frame(), customer, kind="median")
    with pytest.raises(InputError, match="Expected a Responses object"):
        score([1, 2, 3], customer)


def test_error_names_the_source_file_of_a_responses_object(customer):
    @dataclass
    class FakeResponses:
        items: pd.DataFrame
        source: str

    data = loyalty_frame()
    data.loc["r1", "loy1"] = 9
    with pytest.raises(InputError, match="Column 'loy1' of the items of export.xlsx"):
        score(FakeResponses(data, "export.xlsx"), customer, scales=["loyalty"])


def test_scale_mixing_response_ranges_has_no_score(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "id: mixed\nresponse_scales: {five: {min: 1, max: 5}, ten: {min: 0, max: 10}}\n"
        "default_response_scale: five\n"
        "items: [{id: a}, {id: b, response_scale: ten}]\nscales: [{id: s, items: [a, b]}]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"Scale 's'.*mixes response ranges 0\.\.10 and 1\.\.5"):
        score(pd.DataFrame({"a": [1], "b": [10]}), load_instrument(path))


# ---------------------------------------------------------------------------- top-2-box
def test_top_two_box_per_item(customer):
    table = top_box(loyalty_frame(), customer)
    # loy1 = 5, 2, 3, 1, 4 -> 2 of 5 in {4, 5}
    # loy2 = 4, -, -, 1, 4 -> 2 of 3
    # loy3 = 3, -, -, 2, - -> 0 of 2
    # loy4 keyed = 5, 2, -, 1, 4 -> 2 of 4
    assert table.index.name == "item"
    assert table["n"].tolist() == [5, 3, 2, 4]
    assert table["n_top"].tolist() == [2, 2, 0, 2]
    np.testing.assert_allclose(table["top_box"], [2 / 5, 2 / 3, 0.0, 0.5], atol=TOL)
    raw = top_box(loyalty_frame(), customer, keyed=False)
    # loy4 raw = 1, 4, -, 5, 2 -> 2 of 4 in {4, 5}, other rows as before
    assert raw["n_top"].tolist() == [2, 2, 0, 2]
    top3 = top_box(loyalty_frame(), customer, boxes=3)
    # {3, 4, 5}: loy1 3 of 5, loy2 2 of 3, loy3 1 of 2, loy4 keyed 2 of 4
    assert top3["n_top"].tolist() == [3, 2, 1, 2]


def test_top_box_of_the_nps_item_is_the_promoter_share(customer):
    table = top_box(pd.DataFrame({"nps": [10, 9, 8, 0, NAN]}), customer)
    assert (table.loc["nps", "n"], table.loc["nps", "n_top"]) == (4, 2)


def test_top_two_box_per_scale_counts_respondents_by_scale_mean(customer):
    table = top_box(loyalty_frame(), customer, level="scale")
    # loyalty means 4.25, 2.0, NaN, 1.25, 4.0 -> 4 scored, 2 at or above 4
    assert table.index.tolist() == ["loyalty"]
    assert (table.loc["loyalty", "n"], table.loc["loyalty", "n_top"]) == (4, 2)
    assert abs(table.loc["loyalty", "top_box"] - 0.5) < TOL


def test_top_box_refuses_impossible_boxes(customer):
    with pytest.raises(InputError, match="boxes=5 covers every point of 'loy1'"):
        top_box(loyalty_frame(), customer, boxes=5)
    with pytest.raises(InputError, match="positive integer"):
        top_box(loyalty_frame(), customer, boxes=0)


# ---------------------------------------------------------------------------- NPS
def test_nps_with_known_counts():
    answers = pd.Series([10, 9, 9, 8, 7, 6, 0, 3, 10, 5, NAN], name="nps")
    result = nps(answers)
    # promoters 10, 9, 9, 10 = 4 ; passives 8, 7 = 2 ; detractors 6, 0, 3, 5 = 4 ; n = 10
    assert (result.n, result.n_promoters, result.n_passives, result.n_detractors) == (10, 4, 2, 4)
    assert result.nps == pytest.approx(0.0, abs=TOL)
    # se: (0.4 + 0.4 - 0**2) / 10 = 0.08 -> sqrt = 0.28284... -> 28.284... points
    assert result.se == pytest.approx(100 * math.sqrt(0.08), abs=TOL)


def test_nps_twenty_answers():
    answers = [10] * 6 + [9] * 4 + [8] * 3 + [7] * 2 + [6] * 2 + [2] * 3  # 20 answers
    result = nps(answers)
    # 10 promoters (50 %), 5 passives, 5 detractors (25 %) -> NPS = 25
    assert result.nps == pytest.approx(25.0, abs=TOL)
    assert result.pct_promoters == pytest.approx(50.0, abs=TOL)
    assert result.pct_detractors == pytest.approx(25.0, abs=TOL)
    # independent check of se: scores +1 / 0 / -1, population variance / n
    coded = np.select([np.array(answers) >= 9, np.array(answers) <= 6], [1.0, -1.0], 0.0)
    assert result.se == pytest.approx(100 * math.sqrt(coded.var() / coded.size), abs=1e-12)
    frame = result.to_frame()
    assert frame.shape == (1, 9)
    assert frame.loc[0, "n_passives"] == 5
    assert "NPSResult(nps=+25.0" in repr(result)


def test_nps_extremes_and_empty():
    assert nps([9, 10, 10]).nps == pytest.approx(100.0)
    assert nps([0, 6, 1]).nps == pytest.approx(-100.0)
    empty = nps(pd.Series([NAN, NAN]))
    assert empty.n == 0 and math.isnan(empty.nps)
    assert isinstance(empty, NPSResult)


def test_nps_refuses_values_outside_0_to_10():
    with pytest.raises(InputError, match="Column 'q28' holds 11"):
        nps(pd.Series([10, 11], name="q28"))
    with pytest.raises(InputError, match="not an integer 0..10"):
        nps([7.5])


# ---------------------------------------------------------------------------- properties
ANSWERS = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
LOYALTY_ROWS = st.lists(st.tuples(ANSWERS, ANSWERS, ANSWERS, ANSWERS), min_size=1, max_size=25)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["loy1", "loy2", "loy3", "loy4"], dtype=float)


@settings(max_examples=60, deadline=None)
@given(rows=LOYALTY_ROWS)
def test_scores_stay_within_the_response_scale(rows):
    inst = load_instrument("d_company_customer")
    data = _frame(rows)
    mean = score(data, inst, scales=["loyalty"])["loyalty"].dropna()
    assert ((mean >= 1) & (mean <= 5)).all()
    index = score(data, inst, kind="index", scales=["loyalty"])["loyalty"].dropna()
    assert ((index >= 0) & (index <= 100)).all()
    total = score(data, inst, kind="sum", scales=["loyalty"])["loyalty"].dropna()
    assert ((total >= 4) & (total <= 20)).all()
    # a score exists exactly when at least ceil(4 / 2) = 2 items are answered
    answered = data.notna().sum(axis=1)
    assert score(data, inst, scales=["loyalty"])["loyalty"].notna().equals(answered >= 2)


@settings(max_examples=60, deadline=None)
@given(rows=LOYALTY_ROWS)
def test_reverse_keying_twice_is_the_identity(rows):
    inst = load_instrument("d_company_customer")
    data = _frame(rows)
    twice = keyed_items(keyed_items(data, inst), inst)
    pd.testing.assert_frame_equal(twice, data)
