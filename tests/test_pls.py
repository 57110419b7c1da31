"""crm_research.pls: the reference values, every quality criterion from its definition, bad input.

Reference: ``tests/fixtures/political_democracy_pls_reference.json`` (independent PLS-PM that
reproduces seminr 2.5 and SmartPLS on the ECSI mobi model; see tests/fixtures/README.md).
Tolerances: 1e-8 with seminr's default stop criterion (sum |dW| < 1e-7: the iterate is
within ~2e-9 of the fixed point), 1e-12 when iterated to 1e-14.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from crm_research.errors import InputError
from crm_research.pls import pls, specify
from crm_research.reliability import cronbach_alpha

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "political_democracy_pls_reference.json").read_text())
DATA = pd.read_csv(FIX / "political_democracy.csv")
MEAS = {
    "ind60": ["x1", "x2", "x3"],
    "dem60": ["y1", "y2", "y3", "y4"],
    "dem65": ["y5", "y6", "y7", "y8"],
}
STRUCT = "dem60 ~ ind60\ndem65 ~ ind60 + dem60"


@pytest.fixture(scope="module")
def res():
    return pls(DATA, MEAS, STRUCT)


@pytest.fixture(scope="module")
def res_tight():
    return pls(DATA, MEAS, STRUCT, tol=1e-12)


def _max_reference_difference(r) -> dict[str, float]:
    out = {}
    out["paths"] = max(
        abs(r.paths.set_index(["from", "to"]).loc[tuple(k.split(" -> ")), "estimate"] - v)
        for k, v in REF["path_coefficients"].items()
    )
    for key, frame in (("outer_loadings", r.loadings), ("outer_weights", r.weights)):
        f = frame.set_index(["construct", "item"])["estimate"]
        out[key] = max(abs(f[(c, i)] - v) for c, d in REF[key].items() for i, v in d.items())
    out["r2"] = max(abs(r.r2[c] - v) for c, v in REF["r_squared"].items())
    out["r2_adj"] = max(abs(r.r2_adj[c] - v) for c, v in REF["r_squared_adj"].items())
    for key, col in (("alpha", "alpha"), ("rhoA", "rhoA"), ("rhoC", "rhoC"), ("AVE", "ave")):
        out[key] = max(abs(r.reliability.loc[c, col] - v) for c, v in REF[key].items())
    out["htmt"] = max(
        abs(r.htmt.loc[a, b] - v) for k, v in REF["htmt"].items() for a, b in [k.split(" | ")]
    )
    return out


def test_reference_values_to_1e8_with_seminr_defaults(res):
    diffs = _max_reference_difference(res)
    assert set(diffs) == {
        "paths", "outer_loadings", "outer_weights", "r2", "r2_adj",
        "alpha", "rhoA", "rhoC", "AVE", "htmt",
    }  # fmt: skip
    assert max(diffs.values()) < 1e-8, diffs
    assert res.converged and not res.warnings


def test_reference_values_to_1e12_when_iterated_to_the_fixed_point(res_tight):
    diffs = _max_reference_difference(res_tight)
    assert max(diffs.values()) < 1e-12, diffs
    assert res_tight.iterations + 1 == 11  # the reference's "11 iterations" (seminr counts from 0)


def test_htmt_is_symmetric_and_independent_of_item_signs(res):
    h = res.htmt
    assert np.allclose(h.to_numpy(), h.to_numpy().T, equal_nan=True)
    assert np.isnan(np.diag(h.to_numpy())).all()
    flipped = DATA.assign(y2=-DATA["y2"])
    assert np.allclose(pls(flipped, MEAS, STRUCT).htmt, h, equal_nan=True, atol=1e-12)


def _plain_pls(x: np.ndarray, blocks: list[list[int]], adj: np.ndarray, ddof: int, tol=1e-14):
    """Textbook data-level PLS-PM with path weighting and SD convention ``ddof``."""
    z = (x - x.mean(0)) / x.std(0, ddof=ddof)
    k = len(blocks)
    w = [np.ones(len(b)) for b in blocks]

    def std(v):
        return (v - v.mean()) / v.std(ddof=ddof)

    for _ in range(1000):
        y = np.column_stack([std(z[:, b] @ wk) for b, wk in zip(blocks, w, strict=True)])
        c = np.corrcoef(y.T)
        e = np.zeros((k, k))
        for j in range(k):
            for i in range(k):
                if adj[j, i]:  # i is a successor of j
                    e[i, j] = c[i, j]
            pred = np.flatnonzero(adj[:, j])
            if pred.size:
                e[pred, j] = np.linalg.lstsq(y[:, pred], y[:, j], rcond=None)[0]
        proxy = np.column_stack([std(y @ e[:, j]) for j in range(k)])
        new = []
        for j, b in enumerate(blocks):
            wj = np.array([np.mean(z[:, i] * proxy[:, j]) for i in b]) * len(x) / (len(x) - ddof)
            new.append(wj / (z[:, b] @ wj).std(ddof=ddof))
        diff = sum(np.abs(a - b).sum() for a, b in zip(new, w, strict=True))
        w = new
        if diff < tol:
            break
    y = np.column_stack([z[:, b] @ wk for b, wk in zip(blocks, w, strict=True)])
    return w, y


@pytest.mark.parametrize("ddof", [0, 1])
def test_same_result_whatever_the_sd_convention(res_tight, ddof):
    """A data-level PLS with population (n) or sample (n - 1) SDs gives the same model."""
    x = DATA[[i for b in MEAS.values() for i in b]].to_numpy(float)
    blocks = [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10]]
    adj = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    w, y = _plain_pls(x, blocks, adj, ddof)
    mine = res_tight.weights["estimate"].to_numpy()
    assert np.abs(np.concatenate(w) - mine).max() < 1e-10
    beta = np.linalg.lstsq(y[:, :2], y[:, 2], rcond=None)[0]
    got = res_tight.paths.set_index(["from", "to"])["estimate"]
    assert abs(beta[0] - got[("ind60", "dem65")]) < 1e-10
    assert abs(beta[1] - got[("dem60", "dem65")]) < 1e-10
    # and rescaling the raw items changes nothing
    scaled = DATA * np.linspace(0.5, 7, DATA.shape[1]) + 3
    assert np.allclose(
        pls(scaled, MEAS, STRUCT).paths["estimate"], res_tight.paths["estimate"], atol=1e-8
    )


def test_scores_loadings_and_r2_are_what_they_say(res):
    s = res.scores
    assert np.allclose(s.mean(), 0, atol=1e-12) and np.allclose(s.std(ddof=1), 1, atol=1e-12)
    for _, row in res.loadings.iterrows():
        assert (
            abs(np.corrcoef(DATA[row["item"]], s[row["construct"]])[0, 1] - row["estimate"]) < 1e-12
        )
    ols = sm.OLS(s["dem65"], sm.add_constant(s[["ind60", "dem60"]])).fit()
    got = res.paths.set_index(["from", "to"])["estimate"]
    assert abs(ols.params["ind60"] - got[("ind60", "dem65")]) < 1e-12
    assert abs(ols.rsquared - res.r2["dem65"]) < 1e-12
    assert abs(ols.rsquared_adj - res.r2_adj["dem65"]) < 1e-12


def test_alpha_is_the_standardised_alpha(res):
    for c, items in MEAS.items():
        assert abs(cronbach_alpha(DATA[items]).std_alpha - res.reliability.loc[c, "alpha"]) < 1e-12


def test_rho_c_ave_and_rho_a_from_their_formulas(res):
    for c, items in MEAS.items():
        lam = res.loadings.query("construct == @c")["estimate"].to_numpy()
        assert abs(res.reliability.loc[c, "ave"] - (lam**2).mean()) < 1e-14
        rc = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        assert abs(res.reliability.loc[c, "rhoC"] - rc) < 1e-14
        w = res.weights.query("construct == @c")["estimate"].to_numpy()
        s = DATA[items].corr().to_numpy()
        assert abs(w @ s @ w - 1) < 1e-12  # weights scaled to unit composite variance
        num = w @ (s - np.diag(np.diag(s))) @ w
        den = w @ (np.outer(w, w) - np.diag(w**2)) @ w
        assert abs(res.reliability.loc[c, "rhoA"] - (w @ w) ** 2 * num / den) < 1e-12


def test_vif_by_ols_on_the_other_predictors(res):
    vif = res.vif.set_index(["kind", "construct", "variable"])["vif"]
    for c, items in MEAS.items():
        x = sm.add_constant(DATA[items]).to_numpy()
        for j, item in enumerate(items, start=1):
            assert abs(variance_inflation_factor(x, j) - vif[("outer", c, item)]) < 1e-9
    s = res.scores
    x = sm.add_constant(s[["ind60", "dem60"]]).to_numpy()
    assert abs(variance_inflation_factor(x, 1) - vif[("inner", "dem65", "ind60")]) < 1e-9
    assert vif[("inner", "dem60", "ind60")] == 1.0  # a lone antecedent: no other predictor


def test_f2_by_re_estimating_without_the_path(res):
    f2 = res.f2.set_index(["from", "to"])["f2"]
    r2 = res.r2["dem65"]
    without = pls(DATA, MEAS, "dem60 ~ ind60\ndem65 ~ dem60")
    assert abs(f2[("ind60", "dem65")] - (r2 - without.r2["dem65"]) / (1 - r2)) < 1e-12
    without = pls(DATA, MEAS, "dem60 ~ ind60\ndem65 ~ ind60")
    assert abs(f2[("dem60", "dem65")] - (r2 - without.r2["dem65"]) / (1 - r2)) < 1e-12
    # dem60's only antecedent: R² without it is 0
    assert abs(f2[("ind60", "dem60")] - res.r2["dem60"] / (1 - res.r2["dem60"])) < 1e-12


ECSI_LIKE = [("A", "B"), ("A", "C"), ("B", "C"), ("B", "D"), ("C", "D"), ("A", "E"), ("D", "E")]


def _simulated(n=300, seed=5, paths=ECSI_LIKE, k=3):
    rng = np.random.default_rng(seed)
    names = sorted({c for p in paths for c in p})
    lat = {}
    for c in names:
        pred = [f for f, t in paths if t == c]
        lat[c] = sum(0.4 * lat[f] for f in pred) + rng.normal(size=n)
    cols = {}
    for c in names:
        for i in range(k):
            cols[f"{c.lower()}{i + 1}"] = lat[c] / lat[c].std() + rng.normal(scale=0.7, size=n)
    meas = {c: [f"{c.lower()}{i + 1}" for i in range(k)] for c in names}
    return pd.DataFrame(cols), meas


def test_total_and_indirect_effects_sum_the_products_along_every_route():
    data, meas = _simulated()
    r = pls(data, meas, ECSI_LIKE)
    b = r.paths.set_index(["from", "to"])["estimate"].to_dict()
    succ = {}
    for f, t in ECSI_LIKE:
        succ.setdefault(f, []).append(t)

    def routes(a, z):
        if a == z:
            yield []
            return
        for s in succ.get(a, []):
            for rest in routes(s, z):
                yield [(a, s), *rest]

    tot = r.total_effects.set_index(["from", "to"])["estimate"]
    ind = r.indirect_effects.set_index(["from", "to"])["estimate"]
    names = sorted(meas)
    n_total = 0
    for a, z in itertools.permutations(names, 2):
        rs = list(routes(a, z))
        if not rs:
            assert (a, z) not in tot.index
            continue
        n_total += 1
        total = sum(np.prod([b[e] for e in route]) for route in rs)
        indirect = sum(np.prod([b[e] for e in route]) for route in rs if len(route) > 1)
        assert abs(tot[(a, z)] - total) < 1e-12
        if any(len(route) > 1 for route in rs):
            assert abs(ind[(a, z)] - indirect) < 1e-12
        else:
            assert (a, z) not in ind.index
    assert n_total == len(tot) == 10  # A->B,C,D,E; B->C,D,E; C->D,E; D->E


def test_single_item_construct_reports_one_and_htmt_uses_monotrait_one():
    data, meas = _simulated(paths=[("A", "B"), ("B", "C")])
    meas["C"] = ["c1"]
    r = pls(data, meas, [("A", "B"), ("B", "C")])
    assert r.reliability.loc["C"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert r.weights.query("construct == 'C'")["estimate"].tolist() == [1.0]
    a = data[meas["A"]].corr().abs().to_numpy()
    mono_a = a[np.triu_indices(3, 1)].mean()
    het = data[meas["A"]].corrwith(data["c1"]).abs().mean()
    assert abs(r.htmt.loc["A", "C"] - het / np.sqrt(mono_a * 1.0)) < 1e-12


def test_mode_b_weights_are_the_ols_regression_on_a_single_item_outcome():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(400, 3)) @ np.array([[1, 0.3, 0.2], [0, 1, 0.4], [0, 0, 1]])
    y = x @ np.array([0.5, -0.2, 0.3]) + rng.normal(size=400)
    df = pd.DataFrame(np.column_stack([x, y]), columns=["f1", "f2", "f3", "y"])
    r = pls(df, {"F": ["f1", "f2", "f3"], "Y": "y"}, "Y ~ F", mode={"F": "B"})
    ols = sm.OLS(df["y"], sm.add_constant(df[["f1", "f2", "f3"]])).fit()
    assert abs(r.r2["Y"] - ols.rsquared) < 1e-12
    coef = ols.params[["f1", "f2", "f3"]].to_numpy() * df[["f1", "f2", "f3"]].std().to_numpy()
    w = r.weights["estimate"].to_numpy()[:3]
    assert np.allclose(w / w[0], coef / coef[0], atol=1e-10)
    assert r.reliability.loc["F", "rhoA"] == 1.0  # seminr: rhoA of a mode-B construct is 1


def test_seminr_scheme_names_are_accepted(res):
    r = pls(DATA, MEAS, STRUCT, scheme="path_weighting")
    assert r.scheme == "path" and r.paths.equals(res.paths)
    assert pls(DATA, MEAS, STRUCT, scheme="path_factorial").scheme == "factorial"


@pytest.mark.parametrize("scheme", ["factorial", "centroid"])
def test_other_schemes_converge_near_path_weighting(res, scheme):
    r = pls(DATA, MEAS, STRUCT, scheme=scheme)
    assert r.converged
    assert np.abs(r.paths["estimate"] - res.paths["estimate"]).max() < 0.01


def test_plsc_recovers_common_factor_paths_and_uses_its_formulas():
    rng = np.random.default_rng(2)
    n = 20000
    xi = rng.normal(size=n)
    eta = 0.6 * xi + 0.8 * rng.normal(size=n)
    lam = np.array([0.8, 0.7, 0.6])
    cols = {}
    for name, f in (("x", xi), ("y", eta)):
        for i, li in enumerate(lam):
            cols[f"{name}{i}"] = li * f + np.sqrt(1 - li**2) * rng.normal(size=n)
    df = pd.DataFrame(cols)
    meas = {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}
    plain = pls(df, meas, "Y ~ X")
    plsc = pls(df, meas, "Y ~ X", consistent=True)
    assert abs(plain.paths["estimate"][0] - 0.6) > 0.05  # PLS attenuates
    assert abs(plsc.paths["estimate"][0] - 0.6) < 0.02
    assert np.abs(plsc.loadings["estimate"].to_numpy() - np.tile(lam, 2)).max() < 0.03
    for c in meas:
        w = plsc.weights.query("construct == @c")["estimate"].to_numpy()
        rho = plsc.reliability.loc[c, "rhoA"]
        got = plsc.loadings.query("construct == @c")["estimate"].to_numpy()
        assert np.allclose(got, w * np.sqrt(rho) / (w @ w), atol=1e-14)
    rho = plsc.reliability["rhoA"]
    corr = plain.construct_correlations.loc["X", "Y"] / np.sqrt(rho["X"] * rho["Y"])
    assert abs(plsc.paths["estimate"][0] - corr) < 1e-12


def test_non_convergence_is_a_warning_on_the_result():
    r = pls(DATA, MEAS, STRUCT, max_iter=1, tol=1e-15)
    assert not r.converged
    assert len(r.warnings) == 1 and "did not converge" in r.warnings[0]


def test_missing_values_listwise_or_mean_and_codes():
    d = DATA.copy()
    d.loc[3, "y1"] = -99
    r = pls(d, MEAS, STRUCT, missing_values=[-99])
    assert r.n == 74 and r.notes
    ref = pls(DATA.drop(index=3), MEAS, STRUCT)
    assert np.allclose(r.paths["estimate"], ref.paths["estimate"], atol=1e-12)
    m = pls(d, MEAS, STRUCT, missing_values=[-99], missing="mean")
    filled = DATA.copy()
    filled.loc[3, "y1"] = DATA["y1"].drop(index=3).mean()
    assert np.allclose(m.paths["estimate"], pls(filled, MEAS, STRUCT).paths["estimate"], atol=1e-12)


def test_structural_text_forms_agree(res):
    pairs = [("ind60", "dem60"), ("ind60", "dem65"), ("dem60", "dem65")]
    other = pls(DATA, MEAS, "ind60 -> dem60 + dem65; dem60 -> dem65")
    for r in (pls(DATA, MEAS, pairs), other):
        assert np.allclose(
            r.paths.set_index(["from", "to"]).loc[pairs, "estimate"],
            res.paths.set_index(["from", "to"]).loc[pairs, "estimate"],
            atol=1e-14,
        )


def test_result_frames_and_text(res):
    long = res.to_frame()
    assert set(long["kind"]) == {"path", "loading", "weight", "total", "indirect"}
    assert "dem60" in res.summary() and "PLSResult(n=75" in repr(res)
    fl = res.fornell_larcker
    assert abs(fl.loc["dem60", "dem60"] - np.sqrt(res.reliability.loc["dem60", "ave"])) < 1e-15
    assert abs(fl.loc["dem65", "ind60"] - res.scores.corr().loc["dem65", "ind60"]) < 1e-12
    assert np.isnan(fl.loc["ind60", "dem65"])


def _one_sentence(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.endswith(".") and msg.count(". ") == 0, msg
    return msg


@pytest.mark.parametrize(
    ("meas", "struct", "data", "needle"),
    [
        (
            {**MEAS, "dem65": ["y5", "y6", "x1"]},
            STRUCT,
            DATA,
            "'x1' is listed in 'ind60' and 'dem65'",
        ),
        ({**MEAS, "dem65": ["y5", "zz"]}, STRUCT, DATA, "'zz'"),
        ({**MEAS, "extra": ["y6"]}, STRUCT.replace("y6", ""), DATA, "no path"),
        (MEAS, "dem60 ~ ind60\ndem65 ~ dem60\nind60 ~ dem65", DATA, "cycle"),
        (MEAS, STRUCT, DATA.assign(y3=1.0), "'y3' has no variance"),
        (MEAS, STRUCT, DATA.head(3), "3 complete respondent"),
        (MEAS, "dem60 ~ ind60 + nope", DATA, "'nope'"),
        (MEAS, "dem60 ~ ind60\ndem60 ~ ind60\ndem65 ~ dem60", DATA, "twice"),
        (MEAS, STRUCT, DATA.assign(y4=["a"] * 75), "non-numeric"),
        ({**MEAS, "dem65": []}, STRUCT, DATA, "no items"),
    ],
)
def test_bad_input_is_one_sentence(meas, struct, data, needle):
    if "extra" in meas:
        meas = {**meas, "dem65": ["y5", "y7", "y8"]}
    with pytest.raises(InputError) as exc:
        pls(data, meas, struct)
    assert needle in _one_sentence(exc)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"scheme": "nope"}, "scheme"),
        ({"mode": {"dem60": "C"}}, "mode"),
        ({"n_boot": 10}, "n_boot"),
        ({"ci": 1.5}, "ci"),
        ({"missing": "pairwise"}, "missing"),
    ],
)
def test_bad_options_are_one_sentence(kwargs, needle):
    with pytest.raises(InputError) as exc:
        pls(DATA, MEAS, STRUCT, **kwargs)
    assert needle in _one_sentence(exc)


def test_specify_keeps_order_and_reads_mode_mappings():
    m = specify({"X": {"items": ["a", "b"], "mode": "b"}, "Y": "c"}, [("X", "Y")])
    assert m.modes == {"X": "B", "Y": "A"} and m.items == ("a", "b", "c")


def test_the_package_never_imports_gpl_pls_code():
    root = Path(__file__).resolve().parent.parent / "crm_research"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in ("seminr", "plspm", "openpls"):
            assert f"import {name}" not in text and f"from {name}" not in text, (path, name)


def test_a_singular_mode_b_block_is_one_sentence():
    d = DATA.assign(x3=DATA["x1"] * 2 + 1)
    with pytest.raises(InputError) as exc:
        pls(d, MEAS, STRUCT, mode={"ind60": "B"})
    assert "singular" in _one_sentence(exc)
