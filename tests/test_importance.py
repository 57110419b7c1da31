"""Tests of crm_research.importance (general dominance, relative weights, bootstrap intervals).

Independent checks and tolerances:
* R reference (``fixtures/bfi_drivers_reference.json``, lm() R² of all 32 subsets, general and
  conditional dominance, Johnson relative weights): 1e-10 absolute (max seen ~1e-15;
  percentages 1e-8).
* Brute force: statsmodels OLS on every subset of random data (p = 1..8), Shapley formula
  written out over subsets: 1e-10.
* Known truth: with exactly orthogonal predictors every subset's R² is the sum of its squared
  correlations, so both weights equal r²: 1e-12.
* Bootstrap: equal to a plain loop over the same resamples to 1e-12.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm  # a required dependency: no skip

from crm_research import analysis, importance
from crm_research.errors import InputError
from crm_research.importance import all_subsets_r2, relative_importance

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "bfi_drivers_reference.json").read_text())
BFI = pd.read_csv(FIXTURES / "bfi_drivers.csv")
PRED = REF["predictors"]
OUT = REF["outcome"]
TOL = 1e-10


def _vector(d: dict) -> np.ndarray:
    return np.array([d[k] for k in PRED])


def _random_frame(n: int, p: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c = 0.4 * np.ones((p, p)) + 0.6 * np.eye(p)
    x = rng.normal(size=(n, p)) @ np.linalg.cholesky(c).T
    y = x @ rng.uniform(-0.5, 0.8, p) + rng.normal(size=n)
    cols = [f"x{i}" for i in range(p)]
    return pd.DataFrame(np.column_stack([x, y]), columns=[*cols, "y"])


def _brute_force_dominance(df: pd.DataFrame, outcome: str, preds: list[str]) -> np.ndarray:
    """General dominance from statsmodels OLS on every subset (Azen & Budescu 2003)."""
    p = len(preds)
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for sub in itertools.combinations(range(p), k):
            fit = sm.OLS(df[outcome], sm.add_constant(df[[preds[i] for i in sub]])).fit()
            r2[sub] = fit.rsquared
    out = np.zeros(p)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        for k in range(p):
            incs = [
                r2[tuple(sorted((*s, i)))] - r2[s] for s in itertools.combinations(others, k)
            ]
            out[i] += np.mean(incs) / p
    return out


# --- the R reference -------------------------------------------------------------------------


def test_general_dominance_equals_r_reference():
    res = relative_importance(BFI, OUT, PRED)
    assert list(res.columns) == ["predictor", "weight", "share", "rank", "ci_low", "ci_high"]
    assert list(res["predictor"]) == PRED
    assert res.attrs["n"] == REF["n"] and res.attrs["method"] == "dominance"
    assert abs(res.attrs["r2"] - REF["r2_full"]) < TOL
    np.testing.assert_allclose(res["weight"], _vector(REF["general_dominance"]), rtol=0, atol=TOL)
    np.testing.assert_allclose(
        100 * res["share"], _vector(REF["general_dominance_pct"]), rtol=0, atol=1e-8
    )
    assert res["ci_low"].isna().all() and res["ci_high"].isna().all()
    expected_rank = pd.Series(_vector(REF["general_dominance"])).rank(ascending=False)
    assert list(res["rank"]) == list(expected_rank.astype(int))
    cond = res.attrs["conditional_dominance"]
    for name in PRED:
        ref_k = [REF["conditional_dominance"][name][f"k{k}"] for k in range(len(PRED))]
        np.testing.assert_allclose(cond[name], ref_k, rtol=0, atol=TOL)


def test_relative_weights_equal_r_reference():
    res = relative_importance(BFI, OUT, PRED, method="relative_weights")
    assert abs(res.attrs["r2"] - REF["r2_full"]) < TOL
    np.testing.assert_allclose(res["weight"], _vector(REF["relative_weights_raw"]), atol=TOL)
    np.testing.assert_allclose(
        100 * res["share"], _vector(REF["relative_weights_pct"]), rtol=0, atol=1e-8
    )
    assert "conditional_dominance" not in res.attrs


def test_all_subsets_r2_equal_lm():
    got = all_subsets_r2(BFI, OUT, PRED)
    assert len(got) == len(REF["all_subset_r2"]) == 32
    for entry in REF["all_subset_r2"]:
        key = tuple(sorted(entry["predictors"], key=PRED.index))
        assert abs(got[key] - entry["r2"]) < TOL, key


def test_reexported_from_analysis():
    assert analysis.relative_importance is relative_importance


# --- independent brute force and known truth ------------------------------------------------


@pytest.mark.parametrize("p", [1, 2, 3, 5, 8])
def test_dominance_equals_statsmodels_brute_force(p):
    df = _random_frame(120 + 10 * p, p, seed=p)
    preds = [f"x{i}" for i in range(p)]
    res = relative_importance(df, "y", preds)
    np.testing.assert_allclose(
        res["weight"], _brute_force_dominance(df, "y", preds), rtol=0, atol=TOL
    )
    full = sm.OLS(df["y"], sm.add_constant(df[preds])).fit().rsquared
    assert abs(res.attrs["r2"] - full) < TOL
    assert abs(res["weight"].sum() - full) < TOL and abs(res["share"].sum() - 1) < 1e-12


def test_relative_weights_equal_independent_formula():
    """Johnson (2000) with scipy's matrix square root, on random data (p = 6)."""
    from scipy.linalg import sqrtm

    df = _random_frame(300, 6, seed=11)
    preds = [f"x{i}" for i in range(6)]
    r = df[[*preds, "y"]].corr().to_numpy()
    lam = np.real(sqrtm(r[:6, :6]))
    beta = np.linalg.solve(lam, r[:6, 6])
    expected = (lam**2) @ (beta**2)
    res = relative_importance(df, "y", preds, method="relative_weights")
    np.testing.assert_allclose(res["weight"], expected, rtol=0, atol=TOL)
    full = sm.OLS(df["y"], sm.add_constant(df[preds])).fit().rsquared
    assert abs(res.attrs["r2"] - full) < TOL


@pytest.mark.parametrize("method", ["dominance", "relative_weights"])
def test_orthogonal_predictors_weights_are_squared_correlations(method):
    rng = np.random.default_rng(5)
    n, p = 80, 4
    a = rng.normal(size=(n, p))
    a -= a.mean(axis=0)
    q, _ = np.linalg.qr(a)  # centred, exactly orthogonal columns
    y = q @ np.array([3.0, -2.0, 1.0, 0.5]) + rng.normal(size=n)
    df = pd.DataFrame(np.column_stack([q, y]), columns=["a", "b", "c", "d", "y"])
    res = relative_importance(df, "y", ["a", "b", "c", "d"], method=method)
    r2_each = np.array([np.corrcoef(df[c], df["y"])[0, 1] ** 2 for c in "abcd"])
    np.testing.assert_allclose(res["weight"], r2_each, rtol=0, atol=1e-12)
    assert abs(res.attrs["r2"] - r2_each.sum()) < 1e-12


def test_fifteen_predictors_exact():
    """p = 15 (32,768 subsets): subset R² against numpy least squares, sums, permutations."""
    df = _random_frame(400, 15, seed=15)
    preds = [f"x{i}" for i in range(15)]
    r2 = all_subsets_r2(df, "y", preds)
    rng = np.random.default_rng(0)
    y = df["y"].to_numpy()
    tss = ((y - y.mean()) ** 2).sum()
    for mask in rng.choice(2**15, size=25, replace=False):
        cols = [preds[j] for j in range(15) if (mask >> j) & 1]
        x = np.column_stack([np.ones(len(df)), df[cols].to_numpy()])
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        assert abs(r2[tuple(cols)] - (1 - (resid**2).sum() / tss)) < TOL
    res = relative_importance(df, "y", preds)
    assert abs(res["weight"].sum() - r2[tuple(preds)]) < TOL
    shuffled = list(rng.permutation(preds))
    res2 = relative_importance(df, "y", shuffled).set_index("predictor").loc[preds]
    np.testing.assert_allclose(res2["weight"], res["weight"], rtol=0, atol=1e-12)


def test_listwise_deletion_and_scale_invariance():
    df = _random_frame(200, 4, seed=3)
    preds = ["x0", "x1", "x2", "x3"]
    holed = df.copy()
    holed.loc[[3, 10, 50], "x1"] = np.nan
    holed.loc[[7], "y"] = np.nan
    res = relative_importance(holed, "y", preds)
    ref = relative_importance(df.drop(index=[3, 10, 50, 7]), "y", preds)
    assert res.attrs["n"] == 196
    np.testing.assert_allclose(res["weight"], ref["weight"], rtol=0, atol=1e-14)
    rescaled = df.assign(x0=df["x0"] * 1000 + 5, y=df["y"] * -3)
    np.testing.assert_allclose(
        relative_importance(rescaled, "y", preds)["weight"],
        relative_importance(df, "y", preds)["weight"],
        rtol=0,
        atol=1e-12,
    )


# --- bootstrap -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["dominance", "relative_weights"])
def test_bootstrap_equals_plain_loop(method):
    df = _random_frame(60, 3, seed=21)
    preds = ["x0", "x1", "x2"]
    n_boot = 40
    res = relative_importance(df, "y", preds, method=method, n_boot=n_boot, seed=9, ci=0.9)
    rng = np.random.default_rng(9)
    draws = []
    for _ in range(n_boot):
        rows = df.iloc[rng.integers(0, len(df), size=len(df))].reset_index(drop=True)
        draws.append(relative_importance(rows, "y", preds, method=method)["weight"].to_numpy())
    low, high = np.quantile(np.array(draws), [0.05, 0.95], axis=0)
    np.testing.assert_allclose(res["ci_low"], low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res["ci_high"], high, rtol=0, atol=1e-12)
    assert res.attrs["n_boot"] == res.attrs["n_boot_valid"] == n_boot
    again = relative_importance(df, "y", preds, method=method, n_boot=n_boot, seed=9, ci=0.9)
    pd.testing.assert_frame_equal(res, again)
    lo, hi = res.attrs["r2_ci"]
    assert lo < res.attrs["r2"] < hi


def test_bootstrap_interval_covers_population_shapley():
    """Large-sample sanity: the 95% interval of each weight covers the population value.

    Population: y = x @ b + e with x ~ N(0, R); the population R² of every subset is
    b' R[:, S] R[S, S]^-1 R[S, :] b / var(y), so the population weights are known exactly.
    """
    p = 3
    r = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    b = np.array([0.4, 0.3, 0.2])
    vy = b @ r @ b + 1.0
    cov = np.zeros((p + 1, p + 1))
    cov[:p, :p] = r
    cov[:p, p] = cov[p, :p] = r @ b
    cov[p, p] = vy
    def pop_r2(sub: tuple[int, ...]) -> float:
        if not sub:
            return 0.0
        idx = list(sub)
        c = cov[idx, p]
        return float(c @ np.linalg.solve(cov[np.ix_(idx, idx)], c) / vy)

    truth = np.zeros(p)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        for k in range(p):
            incs = [
                pop_r2(tuple(sorted((*s, i)))) - pop_r2(s)
                for s in itertools.combinations(others, k)
            ]
            truth[i] += np.mean(incs) / p
    rng = np.random.default_rng(4)
    x = rng.multivariate_normal(np.zeros(p), r, size=4000)
    y = x @ b + rng.normal(size=4000)
    df = pd.DataFrame(np.column_stack([x, y]), columns=["a", "b", "c", "y"])
    res = relative_importance(df, "y", ["a", "b", "c"], n_boot=300, seed=1)
    assert ((res["ci_low"] < truth) & (truth < res["ci_high"])).all()


def test_resamples_with_a_constant_column_are_left_out():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"y": rng.normal(size=25), "a": rng.normal(size=25), "flag": 0.0})
    df.loc[0, "flag"] = 1.0  # a rare binary driver: constant in about a third of resamples
    res = relative_importance(df, "y", ["a", "flag"], n_boot=200, seed=3)
    assert 0 < res.attrs["n_boot_valid"] < 200
    assert np.isfinite(res[["ci_low", "ci_high"]].to_numpy()).all()


# --- bad input -------------------------------------------------------------------------------


def _one_sentence(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.endswith(".") and text.count(". ") == 0, text
    return text


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"outcome": "nope"}, "'nope' is not in the data"),
        ({"predictors": ["x0", "zz"]}, "'zz' is not in the data"),
        ({"predictors": ["x0", "y"]}, "outcome 'y' is also listed among the predictors"),
        ({"predictors": ["x0", "x0"]}, "'x0' is listed twice"),
        ({"predictors": []}, "at least one predictor"),
        ({"method": "shapley"}, "method must be"),
        ({"n_boot": -1}, "n_boot must be"),
        ({"n_boot": 2.5}, "n_boot must be"),
        ({"ci": 1.5}, "ci must be"),
        ({"missing": "pairwise"}, "missing must be 'listwise'"),
    ],
)
def test_bad_arguments_one_sentence(kwargs, needle):
    df = _random_frame(30, 3, seed=1)
    args = {"outcome": "y", "predictors": ["x0", "x1"], **kwargs}
    with pytest.raises(InputError) as exc:
        relative_importance(df, **args)
    assert needle in _one_sentence(exc)


def test_constant_collinear_short_and_too_many():
    df = _random_frame(30, 3, seed=1)
    with pytest.raises(InputError) as exc:
        relative_importance(df.assign(k=4.0), "y", ["x0", "k"])
    assert "predictor 'k' is constant" in _one_sentence(exc)
    with pytest.raises(InputError) as exc:
        relative_importance(df.assign(y=1.0), "y", ["x0", "x1"])
    assert "the outcome 'y' is constant" in _one_sentence(exc)
    with pytest.raises(InputError) as exc:
        relative_importance(df.assign(s=df["x0"] + 2 * df["x1"]), "y", ["x0", "x1", "x2", "s"])
    text = _one_sentence(exc)
    assert "perfectly collinear" in text and "'s'" in text and "'x2'" not in text
    with pytest.raises(InputError) as exc:
        relative_importance(df.head(4), "y", ["x0", "x1", "x2"])
    assert "only 4 rows" in _one_sentence(exc) and "at least 5" in str(exc.value)
    big = _random_frame(40, importance.MAX_DOMINANCE_PREDICTORS + 1, seed=2)
    preds = [c for c in big.columns if c != "y"]
    with pytest.raises(InputError) as exc:
        relative_importance(big, "y", preds)
    assert f"at most {importance.MAX_DOMINANCE_PREDICTORS} predictors" in _one_sentence(exc)
    assert len(relative_importance(big, "y", preds, method="relative_weights")) == len(preds)
    with pytest.raises(InputError) as exc:
        relative_importance(df.assign(x1=["a"] + ["1"] * 29), "y", ["x0", "x1"])
    assert "'x1' holds a non-numeric value 'a' at row 0" in _one_sentence(exc)
    with pytest.raises(InputError) as exc:
        relative_importance(df.values, "y", ["x0"])
    assert "pandas DataFrame" in _one_sentence(exc)


def test_weights_math_sanity():
    """Weights are non-negative for dominance, and a predictor's weight lies between its
    smallest and largest conditional value (a mean of them)."""
    df = _random_frame(150, 5, seed=8)
    preds = [f"x{i}" for i in range(5)]
    res = relative_importance(df, "y", preds)
    for name, w in zip(res["predictor"], res["weight"], strict=True):
        cond = res.attrs["conditional_dominance"][name]
        assert min(cond) - 1e-15 <= w <= max(cond) + 1e-15
        assert math.isclose(w, float(np.mean(cond)), abs_tol=1e-15)


def test_no_variance_explained_gives_undefined_shares_without_a_warning():
    # x1 and x2 are each uncorrelated with y (hand-checked: every cross-product sum is 0),
    # so R² = 0 and the shares weight / R² are 0/0: NaN, not a RuntimeWarning.  Resamples
    # with R²_b = 0 are left out of the share interval, which stays inside [0, 1].
    data = pd.DataFrame(
        {
            "x1": [2.0, 2.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0],
            "x2": [1.0, 2.0, 2.0, 1.0, 2.0, 2.0, 1.0, 1.0],
            "y": [2.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0, 1.0],
        }
    )
    centred = data - data.mean()
    assert (centred["x1"] * centred["y"]).sum() == 0 and (centred["x2"] * centred["y"]).sum() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = relative_importance(data, "y", ["x1", "x2"], n_boot=200, seed=1)
    assert result.attrs["r2"] == pytest.approx(0.0, abs=1e-15)
    assert result["weight"].abs().max() < 1e-15
    assert result["share"].isna().all()
    for low, high in result.attrs["share_ci"].values():
        assert 0.0 <= low <= high <= 1.0 + 1e-12
