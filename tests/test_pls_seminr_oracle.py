"""crm_research.pls against seminr-py (GPL-3.0, PyPI ``seminr``; a test oracle only, in the
``test`` extra, never imported by crm_research) on the two classic PLS data sets it ships:
the ECSI mobile-phone data (mobi, 250 x 24, seven constructs, one single-item construct) and
the corporate-reputation data (344 rows, four mode-B constructs, a single item, -99 codes).

Tolerance 1e-10: both follow the same iteration with the same stop rule, so the differences
are rounding (measured 1e-14).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

seminr = pytest.importorskip("seminr")

from crm_research.pls import pls  # noqa: E402

DATASETS = Path(seminr.__file__).parent / "datasets"
TOL = 1e-10

MOBI_MEAS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}
MOBI_PATHS = [
    ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]  # fmt: skip
CR_MEAS = {
    "QUAL": [f"qual_{i}" for i in range(1, 9)],
    "PERF": [f"perf_{i}" for i in range(1, 6)],
    "CSOR": [f"csor_{i}" for i in range(1, 6)],
    "ATTR": [f"attr_{i}" for i in range(1, 4)],
    "COMP": [f"comp_{i}" for i in range(1, 4)],
    "LIKE": [f"like_{i}" for i in range(1, 4)],
    "CUSA": ["cusa"],
    "CUSL": [f"cusl_{i}" for i in range(1, 4)],
}
CR_MODES = {c: "B" for c in ("QUAL", "PERF", "CSOR", "ATTR")}
CR_PATHS = (
    [(a, b) for a in ("QUAL", "PERF", "CSOR", "ATTR") for b in ("COMP", "LIKE")]
    + [(a, b) for a in ("COMP", "LIKE") for b in ("CUSA", "CUSL")]
    + [("CUSA", "CUSL")]
)


def _frame(named) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(named.values), index=list(named.rows), columns=list(named.cols))


def _seminr_model(data, meas, modes, paths, consistent):
    specs = []
    for c, items in meas.items():
        if consistent and modes.get(c, "A") == "A" and len(items) > 1:
            specs.append(seminr.reflective(c, items))
        else:
            w = "regression_weights" if modes.get(c) == "B" else "correlation_weights"
            specs.append(seminr.composite(c, items, weights=w))
    rows = []
    for f, t in paths:
        rows += seminr.paths(from_=f, to=t)
    return seminr.estimate_pls(
        data, seminr.constructs(*specs), seminr.relationships(rows), missing=seminr.na_omit
    )


CASES = {
    "mobi": ("mobi.csv", MOBI_MEAS, {}, MOBI_PATHS),
    "corp_rep": ("corp_rep_data.csv", CR_MEAS, CR_MODES, CR_PATHS),
}


@pytest.mark.parametrize("consistent", [False, True], ids=["PLS", "PLSc"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_equal_to_seminr(case, consistent):
    file, meas, modes, paths = CASES[case]
    data = pd.read_csv(DATASETS / file)
    items = [i for b in meas.values() for i in b]
    data = data[items].mask(data[items] == -99).dropna()  # corp_rep codes missing as -99
    sp = _seminr_model(data, meas, modes, paths, consistent)
    res = pls(data, meas, paths, mode=modes, consistent=consistent)
    assert res.iterations == sp.iterations
    p, lo, w = _frame(sp.path_coef), _frame(sp.outer_loadings), _frame(sp.outer_weights)
    for _, r in res.paths.iterrows():
        assert abs(p.loc[r["from"], r["to"]] - r["estimate"]) < TOL
    for frame, theirs in ((res.loadings, lo), (res.weights, w)):
        for _, r in frame.iterrows():
            assert abs(theirs.loc[r["item"], r["construct"]] - r["estimate"]) < TOL
    r2 = _frame(sp.r_squared)
    for c in res.r2:
        assert abs(r2.loc["Rsq", c] - res.r2[c]) < TOL
        assert abs(r2.loc["AdjRsq", c] - res.r2_adj[c]) < TOL
    rel = _frame(seminr.reliability_table(sp))
    for c in meas:
        for mine, theirs in (
            ("alpha", "alpha"),
            ("rhoA", "rhoA"),
            ("rhoC", "rhoC"),
            ("ave", "AVE"),
        ):
            assert abs(rel.loc[c, theirs] - res.reliability.loc[c, mine]) < TOL, (c, mine)
    h = _frame(seminr.htmt(sp))
    for a in h.index:
        for b in h.columns:
            if not np.isnan(h.loc[a, b]):
                assert abs(h.loc[a, b] - res.htmt.loc[a, b]) < TOL
    tot = _frame(seminr.total_effects(sp.path_coef))
    for _, r in res.total_effects.iterrows():
        assert abs(tot.loc[r["from"], r["to"]] - r["estimate"]) < TOL
    scores = np.asarray(sp.construct_scores.values)
    assert np.abs(scores - res.scores[list(sp.construct_scores.cols)].to_numpy()).max() < TOL
    if not consistent:
        f2 = _frame(seminr.model_fsquares(sp))
        for _, r in res.f2.iterrows():
            assert abs(f2.loc[r["from"], r["to"]] - r["f2"]) < TOL


def test_vif_and_fornell_larcker_equal_to_seminr():
    data = pd.read_csv(DATASETS / "mobi.csv")
    sp = _seminr_model(data, MOBI_MEAS, {}, MOBI_PATHS, False)
    res = pls(data, MOBI_MEAS, MOBI_PATHS)
    summary = seminr.summarize(sp)
    vif = res.vif.set_index(["kind", "construct", "variable"])["vif"]
    n = 0
    for c, d in summary.validity.vif_items.items():
        for item, v in d.items():
            assert abs(vif[("outer", c, item)] - v) < TOL
            n += 1
    for c, d in summary.vif_antecedents.items():
        for a, v in d.items():
            if np.isnan(v):  # seminr: NA for a lone antecedent; ours is 1 by definition
                assert vif[("inner", c, a)] == 1.0
            else:
                assert abs(vif[("inner", c, a)] - v) < TOL
            n += 1
    assert n == len(res.vif) == 24 + 12
    fl = _frame(summary.validity.fl_criteria)
    mine = res.fornell_larcker.loc[fl.index, fl.columns].to_numpy()
    assert np.allclose(mine, fl.to_numpy(), atol=TOL, equal_nan=True)
