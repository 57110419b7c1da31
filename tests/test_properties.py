"""Property-based tests (hypothesis) of the invariants the statistics and screening promise.

Each property is checked on generated data against an independent statement of the truth:
alpha against its textbook formula and its own value on transformed data, reverse keying
against the identity, scale scores against their bounds, ABC classes against revenue order,
screening against the cells the test planted, findings against a second run.

Tolerances: alpha comparisons are exact up to floating-point rounding (``rtol=1e-9`` and
``atol=1e-12``); everything else is compared exactly.
"""

from __future__ import annotations

import json
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crm_research.instrument import load_instrument
from crm_research.readers import read_responses
from crm_research.reliability import cronbach_alpha, reverse_items, scale_reliability
from crm_research.scoring import keyed_items, score
from crm_research.segmentation import ABC_CLASSES, abc_classification

FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Heavier properties (a file read or an omega fit per example) run fewer examples.
SLOW = settings(FAST, max_examples=25)
ALPHA_RTOL, ALPHA_ATOL = 1e-9, 1e-12


@pytest.fixture(scope="module")
def customer():
    return load_instrument("d_company_customer")


# --------------------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------------------


@st.composite
def likert_matrices(draw, low: int = 1, high: int = 7):
    n = draw(st.integers(5, 60))
    k = draw(st.integers(2, 8))
    data = draw(arrays(np.int64, (n, k), elements=st.integers(low, high)))
    # alpha needs item and total variance
    assume(np.all(data.var(axis=0) > 0) and data.sum(axis=1).var() > 0)
    return pd.DataFrame(data.astype(float), columns=[f"i{j}" for j in range(k)])


def textbook_alpha(frame: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total)."""
    x = frame.to_numpy(dtype=float)
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


@FAST
@given(data=likert_matrices(), order=st.randoms(use_true_random=False))
def test_alpha_is_the_textbook_value_and_ignores_item_order(data, order):
    alpha = cronbach_alpha(data).alpha
    np.testing.assert_allclose(alpha, textbook_alpha(data), rtol=ALPHA_RTOL, atol=ALPHA_ATOL)
    columns = list(data.columns)
    order.shuffle(columns)
    shuffled = cronbach_alpha(data[columns])
    np.testing.assert_allclose(shuffled.alpha, alpha, rtol=ALPHA_RTOL, atol=ALPHA_ATOL)


@FAST
@given(data=likert_matrices(), shift=st.integers(-100, 100))
def test_alpha_ignores_a_constant_added_to_every_item(data, shift):
    before = cronbach_alpha(data)
    after = cronbach_alpha(data + shift)
    np.testing.assert_allclose(after.alpha, before.alpha, rtol=ALPHA_RTOL, atol=ALPHA_ATOL)
    np.testing.assert_allclose(after.std_alpha, before.std_alpha, rtol=ALPHA_RTOL, atol=ALPHA_ATOL)
    np.testing.assert_allclose(after.ci, before.ci, rtol=ALPHA_RTOL, atol=ALPHA_ATOL)


@FAST
@given(data=likert_matrices(), shifts=st.lists(st.integers(-50, 50), min_size=8, max_size=8))
def test_alpha_ignores_a_different_constant_per_item(data, shifts):
    shifted = data + np.array(shifts[: data.shape[1]], dtype=float)
    np.testing.assert_allclose(
        cronbach_alpha(shifted).alpha, cronbach_alpha(data).alpha, rtol=ALPHA_RTOL, atol=ALPHA_ATOL
    )


@FAST
@given(data=likert_matrices(), scales=st.lists(st.floats(0.1, 10), min_size=8, max_size=8))
def test_standardized_alpha_ignores_rescaling_an_item(data, scales):
    rescaled = data * np.array(scales[: data.shape[1]])
    np.testing.assert_allclose(
        cronbach_alpha(rescaled).std_alpha,
        cronbach_alpha(data).std_alpha,
        rtol=1e-8,
        atol=ALPHA_ATOL,
    )


@SLOW
@given(data=likert_matrices())
def test_scale_reliability_flag_matches_alpha_band(data):
    row = scale_reliability(data, {"s": list(data.columns)}).iloc[0]
    alpha = textbook_alpha(data)
    np.testing.assert_allclose(row["alpha"], alpha, rtol=ALPHA_RTOL, atol=ALPHA_ATOL)
    bands = [(0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable")]
    bands += [(0.5, "poor")]
    expected = next((label for bound, label in bands if alpha >= bound), "unacceptable")
    assume(min(abs(alpha - b) for b, _ in bands) > 1e-9)  # not on a boundary
    assert row["flag"] == expected
    assert row["meets_nunnally"] == (alpha >= 0.70)


# --------------------------------------------------------------------------------------
# Reverse keying
# --------------------------------------------------------------------------------------


@st.composite
def customer_items(draw, instrument, with_missing: bool = True):
    """Answers in range for every item of ``instrument`` (numpy draws from a hypothesis seed)."""
    n = draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    missing_share = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9])) if with_missing else 0.0
    columns = {}
    for item in instrument.items:
        rs = item.response_scale
        values = rng.integers(rs.min, rs.max + 1, n).astype(float)
        values[rng.random(n) < missing_share] = np.nan
        columns[item.id] = values
    return pd.DataFrame(columns)


@FAST
@given(data=st.data())
def test_reverse_keying_twice_is_the_identity(customer, data):
    items = data.draw(customer_items(customer))
    once = keyed_items(items, customer)
    twice = keyed_items(once, customer)
    pd.testing.assert_frame_equal(twice, items.astype(float))
    reversed_ids = [i.id for i in customer.items if i.reverse]
    assert reversed_ids, "the customer instrument has reverse-keyed items"
    for item_id in reversed_ids:
        rs = customer.item(item_id).response_scale
        np.testing.assert_array_equal(once[item_id], rs.min + rs.max - items[item_id])
    # reliability.reverse_items: with the instrument's bounds and with the observed range
    ids = reversed_ids + ["idn1"]
    back = reverse_items(reverse_items(items, ids, customer), ids, customer)
    pd.testing.assert_frame_equal(back, items)
    observed = reverse_items(reverse_items(items, ids), ids)
    pd.testing.assert_frame_equal(observed, items)


# --------------------------------------------------------------------------------------
# Scale scores
# --------------------------------------------------------------------------------------


@FAST
@given(data=st.data())
def test_scale_scores_stay_within_the_scale_bounds(customer, data):
    items = data.draw(customer_items(customer))
    keyed = keyed_items(items, customer)
    means = score(items, customer, kind="mean")
    index = score(items, customer, kind="index")
    sums = score(items, customer, kind="sum")
    for scale in customer.scales:
        lo = min(customer.item(i).response_scale.min for i in scale.items)
        hi = max(customer.item(i).response_scale.max for i in scale.items)
        m = means[scale.id].dropna()
        assert m.between(lo, hi).all(), (scale.id, m.tolist())
        if scale.kind == "nps":
            continue
        # a mean lies between the smallest and largest keyed answer of its row
        block = keyed[list(scale.items)].loc[m.index]
        assert (m >= block.min(axis=1) - 1e-12).all() and (m <= block.max(axis=1) + 1e-12).all()
        assert index[scale.id].dropna().between(0, 100).all()
        k = len(scale.items)
        s = sums[scale.id].dropna()
        assert s.between(k * lo, k * hi).all()
        complete = keyed[list(scale.items)].notna().all(axis=1)
        # the sum exists exactly for complete rows and then equals k times the mean
        assert set(s.index) == set(complete[complete].index)
        np.testing.assert_allclose(s, k * means.loc[s.index, scale.id], rtol=1e-12)


# --------------------------------------------------------------------------------------
# ABC classification
# --------------------------------------------------------------------------------------


@FAST
@given(
    revenue=st.lists(
        st.one_of(st.integers(0, 10**6).map(float), st.floats(0, 1e6)), min_size=1, max_size=60
    ),
    extra_rows=st.integers(0, 20),
)
def test_abc_class_is_monotone_in_revenue(revenue, extra_rows):
    assume(sum(revenue) > 0)
    ids = [f"C{j:03d}" for j in range(len(revenue))]
    ledger = pd.DataFrame({"customer_id": ids, "revenue": revenue})
    # split some revenue over a second ledger row: totals are what count
    split = ledger.head(extra_rows).copy()
    ledger.loc[split.index, "revenue"] = split["revenue"] / 2
    split["revenue"] = split["revenue"] / 2
    ledger = pd.concat([ledger, split], ignore_index=True)
    abc = abc_classification(ledger)
    table = abc.reset_index() if "customer_id" not in abc.columns else abc
    total = ledger.groupby("customer_id")["revenue"].sum()
    rank = {c: k for k, c in enumerate(ABC_CLASSES)}
    classes = table.set_index("customer_id")["abc_class"].map(rank)
    frame = pd.DataFrame({"total": total, "cls": classes}).sort_values("total")
    # higher revenue never gets a worse class than lower revenue
    totals, ranks = frame["total"].to_numpy(), frame["cls"].to_numpy()
    richer = totals[1:] > totals[:-1] * (1 + 1e-9) + 1e-9
    assert (ranks[1:][richer] <= ranks[:-1][richer]).all(), frame


# --------------------------------------------------------------------------------------
# Screening never uses a flagged value
# --------------------------------------------------------------------------------------

BAD_CELLS = st.sampled_from(["9", "0", "6", "-9", "99", "999", "3.5", "abc", "2019-05-01", "-99"])


@SLOW
@given(data=st.data())
def test_screening_never_uses_a_flagged_value(tmp_path_factory, customer, data):
    n = data.draw(st.integers(3, 25))
    clean = data.draw(customer_items(customer, with_missing=False).filter(lambda d: len(d) >= 3))
    clean = clean.head(n)
    n = len(clean)
    frame = clean.astype(int).astype(object)
    frame.insert(0, "customer_id", [f"C{j:03d}" for j in range(n)])
    planted: dict[tuple[int, str], str] = {}
    likert = [i.id for i in customer.items if i.response_scale.max == 5]
    for pos in range(n):  # at most one bad cell per respondent
        if data.draw(st.booleans()):
            item = data.draw(st.sampled_from(likert))
            value = data.draw(BAD_CELLS)
            frame.loc[frame.index[pos], item] = value
            planted[(pos + 2, item)] = value  # spreadsheet row of the respondent
    path = tmp_path_factory.mktemp("screen") / "planted.csv"
    frame.to_csv(path, index=False)
    resp = read_responses(path, customer)
    problems = resp.quality.to_frame()
    for (row, item), value in planted.items():
        hit = problems[(problems["row"] == row) & (problems["column"] == item)]
        assert len(hit) == 1 and hit["value"].iloc[0] == value, (row, item, value, problems)
        if row in resp.items.index:
            assert np.isnan(resp.items.loc[row, item]), (row, item, value)
    # every other cell is the number written
    for pos in range(n):
        row = pos + 2
        if row not in resp.items.index:
            continue
        for item in customer.item_ids:
            if (row, item) not in planted:
                assert resp.items.loc[row, item] == float(clean.iloc[pos][item])
    # scores only use the numbers that survived
    scores = score(resp, customer)
    expected = score(resp.items, customer)
    pd.testing.assert_frame_equal(scores, expected)


# --------------------------------------------------------------------------------------
# Findings are deterministic
# --------------------------------------------------------------------------------------


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), scenario=st.sampled_from(["thesis", "healthy"]))
def test_findings_are_deterministic_and_ignore_row_order(seed, scenario):
    from crm_research.cases.d_company import simulate
    from crm_research.findings import derive_findings, findings_to_records
    from crm_research.study import run as study_run
    from crm_research.study import run_study

    case = simulate(seed, scenario, n_customers=80, n_employees=12)

    def records(customers, employees, ledger):
        # no rule reads a model table (test_findings.py::test_findings_read_no_model_table)
        # and the models are most of a study's time: skipped here
        with mock.patch.object(study_run, "model_tables", lambda *a, **k: ({}, {}, {})):
            study = run_study(
                customers, employees, ledger, case.scorecard, reliability="alpha", posthoc=False
            )
        return json.dumps(
            findings_to_records(derive_findings(study)), ensure_ascii=False, sort_keys=True
        )

    first = records(case.customers, case.employees, case.ledger)
    rng = np.random.default_rng(seed)
    shuffled = records(
        case.customers.iloc[rng.permutation(len(case.customers))],
        case.employees.iloc[rng.permutation(len(case.employees))],
        case.ledger.iloc[rng.permutation(len(case.ledger))],
    )
    assert shuffled == first


# --------------------------------------------------------------------------------------
# Hypothesis profiles (tests/conftest.py): CI replays, local runs explore
# --------------------------------------------------------------------------------------


def test_ci_replays_the_same_examples_and_local_runs_explore():
    from conftest import hypothesis_profile

    assert hypothesis_profile({"CI": "1"}) == hypothesis_profile({"CI": "true"}) == "ci"
    assert hypothesis_profile({}) == hypothesis_profile({"CI": "0"}) == "dev"
    assert hypothesis_profile({"CI": "1", "HYPOTHESIS_PROFILE": "dev"}) == "dev"
    ci, dev = settings.get_profile("ci"), settings.get_profile("dev")
    assert ci.derandomize and ci.database is None
    assert not dev.derandomize
    assert ci.deadline is None is dev.deadline  # no timing checks (a loaded machine is slow)
    # the profile in force reaches the settings the tests here are decorated with
    assert SLOW.derandomize == FAST.derandomize == settings.default.derandomize
