"""Issue 13 item 6: researcher tables complete -- CR/AVE verdicts, HTMT pairs with .85/.90
flags, the Fornell-Larcker verdict, EFA factors named after scales, salient loadings and
cross-loadings flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_research import factor
from crm_research.cases.d_company import simulate
from crm_research.instrument import load_instrument
from crm_research.study.psychometrics import (
    CROSS_LOADING_MIN,
    SALIENT_LOADING,
    factor_items,
    factor_tables,
    htmt_pairs,
    loading_flags,
    measurement_model,
    name_factors,
    validity_verdicts,
)


@pytest.fixture(scope="module")
def tables():
    inst = load_instrument("d_company_customer")
    items = factor_items(simulate(1).customers[inst.item_ids], inst)
    out, absent = factor_tables(items, measurement_model(inst), "customer", n_iter=20)
    assert not absent
    return inst, out


def test_cr_ave_verdicts_against_the_cited_thresholds():
    # the example: satisfaction's AVE .48 < .50 went unflagged
    v = pd.DataFrame(
        {"factor": ["satisfaction", "loyalty", "x"], "cr": [0.76, 0.93, 0.69],
         "ave": [0.48, 0.78, 0.50], "sqrt_ave": [0.693, 0.884, 0.707],
         "max_factor_correlation": [0.70, 0.30, 0.50]}
    )  # fmt: skip
    out = validity_verdicts(v)
    assert out["ave_ok"].tolist() == [False, True, True]  # .50 meets AVE >= .50
    assert out["cr_ok"].tolist() == [True, True, False]
    assert out["fornell_larcker_ok"].tolist() == [False, True, True]


def test_fornell_larcker_verdict_matches_the_matrix(tables):
    _, out = tables
    fl = out["customer_cfa_fornell_larcker"].set_index("factor")
    validity = out["customer_cfa_validity"].set_index("factor")
    for name in fl.index:
        others = fl.loc[name].drop(name).abs().max()
        diagonal = fl.loc[name, name]
        assert diagonal == pytest.approx(np.sqrt(validity.loc[name, "ave"]), abs=1e-9)
        assert validity.loc[name, "fornell_larcker_ok"] == (diagonal > others)


def test_htmt_pairs_list_every_pair_with_both_flags(tables):
    _, out = tables
    matrix = out["customer_cfa_htmt"].set_index("factor")
    pairs = out["customer_cfa_htmt_pairs"]
    k = len(matrix)
    assert len(pairs) == k * (k - 1) // 2
    for row in pairs.itertuples():
        assert row.htmt == pytest.approx(matrix.loc[row.factor_1, row.factor_2], abs=1e-12)
    m = pd.DataFrame([[1, 0.85, 0.91], [0.85, 1, 0.8499], [0.91, 0.8499, 1]],
                     index=list("abc"), columns=list("abc"))  # fmt: skip
    flags = htmt_pairs(m).set_index(["factor_1", "factor_2"])
    assert flags.loc[("a", "b"), ["above_085", "above_090"]].tolist() == [True, False]
    assert flags.loc[("a", "c"), ["above_085", "above_090"]].tolist() == [True, True]
    assert flags.loc[("b", "c"), ["above_085", "above_090"]].tolist() == [False, False]


def test_loading_flags_hand_checked():
    loadings = pd.DataFrame(
        {"F1": [0.80, 0.50, 0.35, -0.62], "F2": [0.10, 0.33, 0.20, 0.31]},
        index=["a", "b", "c", "d"],
    )
    flags = loading_flags(loadings)
    assert flags["primary_factor"].tolist() == ["F1", "F1", "F1", "F1"]
    assert flags["salient"].tolist() == [True, True, False, True]  # .35 < .40
    assert flags["cross_loading"].tolist() == [False, True, False, False]  # .31 < .32
    assert flags.loc["d", "primary_loading"] == -0.62
    assert (SALIENT_LOADING, CROSS_LOADING_MIN) == (0.40, 0.32)


def test_factors_are_named_after_the_scale_holding_most_salient_items():
    rng = np.random.default_rng(4)
    n = 400
    f = rng.normal(size=(n, 2))
    items = pd.DataFrame(
        {f"x{i}": 0.8 * f[:, 0] + 0.6 * rng.normal(size=n) for i in range(4)}
        | {f"y{i}": 0.8 * f[:, 1] + 0.6 * rng.normal(size=n) for i in range(4)}
    )
    res = factor.efa(items, 2, method="minres", rotation="oblimin")
    names = name_factors(res.loadings, {"xs": [f"x{i}" for i in range(4)],
                                        "ys": [f"y{i}" for i in range(4)]})  # fmt: skip
    primary = res.loadings.abs().idxmax(axis=1)
    assert names[primary["x0"]] == "xs" and names[primary["y0"]] == "ys"
    # one scale split over two factors: the second gets a suffix, names stay unique
    both = name_factors(res.loadings, {"all": list(items.columns)})
    assert sorted(both.values()) == ["all", "all_2"]


def test_case_efa_tables_are_named_and_complete(tables):
    inst, out = tables
    loadings = out["customer_efa_loadings"]
    variance = out["customer_efa_variance"]
    phi = out["customer_efa_correlations"]
    scales = {s.id for s in inst.scales if s.kind != "nps"}
    factors = variance["factor"].tolist()
    assert set(factors) <= scales and len(set(factors)) == len(factors)  # no MR1, MR2 ...
    assert all(str(lab).startswith("MR") for lab in variance["extraction_label"])
    assert {"proportion_pct", "cumulative_pct", "salient_items"} <= set(variance.columns)
    assert variance["salient_items"].sum() == int(loadings["salient"].sum())
    # each named factor holds the items of its scale as salient loadings
    for fac in factors:
        mine = loadings[(loadings["primary_factor"] == fac) & loadings["salient"]]["item"]
        assert set(mine) <= set(inst.scale_items(fac)) | set()
    matrix = phi.set_index("factor")[factors].to_numpy(float)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-12)
    assert list(phi["factor"]) == factors
