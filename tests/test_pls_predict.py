"""IPMA, blindfolding Q² and PLSpredict of crm_research.pls, each re-derived by hand through
the public ``pls()`` and statsmodels (independent of the vectorised internals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from crm_research.errors import InputError
from crm_research.pls import blindfolding, ipma, pls, predict, rescaled_scores

PATHS = [("A", "B"), ("A", "C"), ("B", "C")]
MEAS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"], "C": ["c1", "c2", "c3"]}


def _likert(n=240, seed=8):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.5 * a + rng.normal(scale=0.8, size=n)
    c = 0.3 * a + 0.4 * b + rng.normal(scale=0.8, size=n)
    cols = {}
    for name, f in (("a", a), ("b", b), ("c", c)):
        for i in range(len(MEAS[name.upper()])):
            raw = 4 + 1.2 * f + rng.normal(scale=0.9, size=n)
            cols[f"{name}{i + 1}"] = np.clip(np.rint(raw), 1, 7)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def fitted():
    return pls(_likert(), MEAS, PATHS)


def test_ipma_importance_is_the_unstandardised_total_effect_on_rescaled_scores(fitted):
    t = ipma(fitted, "C", scale=(1, 7)).set_index("construct")
    _, scores = rescaled_scores(fitted, (1, 7))
    ols_b = sm.OLS(scores["B"], sm.add_constant(scores[["A"]])).fit().params
    ols_c = sm.OLS(scores["C"], sm.add_constant(scores[["A", "B"]])).fit().params
    assert abs(t.loc["B", "importance"] - ols_c["B"]) < 1e-10
    assert abs(t.loc["A", "importance"] - (ols_c["A"] + ols_b["A"] * ols_c["B"])) < 1e-10
    assert list(t.index) == sorted(t.index, key=lambda c: -t.loc[c, "importance"])


def test_ipma_performance_from_the_rescaled_weights(fitted):
    t = ipma(fitted, "C", scale=(1, 7)).set_index("construct")
    data = fitted.data
    for c, items in MEAS.items():
        x = (data[items] - 1) / 6 * 100
        w = fitted.weights.query("construct == @c")["estimate"].to_numpy() / x.std().to_numpy()
        perf = (x.to_numpy() @ (w / w.sum())).mean()
        if c == "C":
            assert abs(t.attrs["target_performance"] - perf) < 1e-10
        else:
            assert abs(t.loc[c, "performance"] - perf) < 1e-10
    assert t.attrs["target"] == "C" and t.attrs["warnings"] == []


def test_ipma_items_and_scales(fitted):
    items = ipma(fitted, "C", scale=(1, 7), level="item")
    cons = ipma(fitted, "C", scale=(1, 7)).set_index("construct")
    assert set(items["item"]) == {"a1", "a2", "a3", "b1", "b2"}
    per = items.groupby("construct")["importance"].sum()
    assert np.allclose(per.loc[cons.index], cons["importance"], atol=1e-12)  # weights sum to 1
    assert (
        abs(
            items.set_index("item").loc["a1", "performance"]
            - ((fitted.data["a1"] - 1) / 6 * 100).mean()
        )
        < 1e-12
    )
    observed = ipma(fitted, "C")  # observed range is 1-7 here
    assert np.allclose(observed["importance"], ipma(fitted, "C", scale=(1, 7))["importance"])
    with pytest.raises(InputError, match="outside its scale"):
        ipma(fitted, "C", scale=(2, 7))
    with pytest.raises(InputError, match="no antecedents"):
        ipma(fitted, "A")


def test_blindfolding_by_hand_through_pls(fitted):
    q = blindfolding(fitted).set_index("construct")
    data = fitted.data
    z = (data - data.mean()) / data.std()
    d = 7
    for c in ("B", "C"):
        items = MEAS[c]
        k = len(items)
        sse = sso = 0.0
        for rnd in range(d):
            zr = z.copy()
            omit = (np.arange(len(z))[:, None] * k + np.arange(k)[None, :]) % d == rnd
            for j, it in enumerate(items):
                zr.loc[omit[:, j], it] = z.loc[~omit[:, j], it].mean()
            r = pls(zr, MEAS, PATHS)
            beta = r.paths.query("to == @c").set_index("from")["estimate"]
            inner = r.scores[beta.index].to_numpy() @ beta.to_numpy()
            for j, it in enumerate(items):
                lam = r.loadings.set_index("item").loc[it, "estimate"]
                pred = zr[it].mean() + zr[it].std() * lam * inner
                e = (z[it].to_numpy() - pred)[omit[:, j]]
                sse += (e**2).sum()
                sso += (z[it].to_numpy()[omit[:, j]] ** 2).sum()
        assert abs(q.loc[c, "q2"] - (1 - sse / sso)) < 1e-10
        assert q.loc[c, "q2"] > 0.1


def test_blindfolding_of_an_unrelated_construct_is_near_zero():
    data = _likert()
    rng = np.random.default_rng(1)
    for it in MEAS["C"]:
        data[it] = rng.integers(1, 8, size=len(data))
    q = blindfolding(pls(data, MEAS, PATHS)).set_index("construct")
    assert q.loc["C", "q2"] < 0.02


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_plspredict_by_hand_through_pls_and_statsmodels(fitted, technique):
    k, seed = 5, 3
    out = predict(fitted, k=k, seed=seed, technique=technique).set_index("item")
    data = fitted.data
    n = len(data)
    order = np.random.default_rng(seed).permutation(n)
    fold = np.empty(n, dtype=int)
    fold[order] = np.arange(n) % k
    targets = MEAS["B"] + MEAS["C"]
    pred = pd.DataFrame(0.0, index=data.index, columns=targets)
    lm = pred.copy()
    for f in range(k):
        train, test = data[fold != f], data[fold == f]
        r = pls(train, MEAS, PATHS)
        z = (test - train.mean()) / train.std()
        w = r.weights.set_index("item")["estimate"]
        s = pd.DataFrame({c: z[it] @ w[it] for c, it in MEAS.items()})
        b = r.paths.set_index(["from", "to"])["estimate"]
        if technique == "EA":
            s["B"] = b[("A", "B")] * s["A"]
            s["C"] = b[("A", "C")] * s["A"] + b[("B", "C")] * s["B"]
        yb = b[("A", "B")] * s["A"]
        yc = b[("A", "C")] * s["A"] + b[("B", "C")] * s["B"]
        lam = r.loadings.set_index("item")["estimate"]
        for it in targets:
            y = yb if it.startswith("b") else yc
            pred.loc[test.index, it] = train[it].mean() + train[it].std() * lam[it] * y
            ols = sm.OLS(train[it], sm.add_constant(train[MEAS["A"]])).fit()
            lm.loc[test.index, it] = ols.predict(
                sm.add_constant(test[MEAS["A"]], has_constant="add")
            )
    for it in targets:
        e = data[it] - pred[it]
        assert abs(out.loc[it, "pls_rmse"] - np.sqrt((e**2).mean())) < 1e-10
        assert abs(out.loc[it, "pls_mae"] - e.abs().mean()) < 1e-10
        assert abs(out.loc[it, "lm_rmse"] - np.sqrt(((data[it] - lm[it]) ** 2).mean())) < 1e-10
        naive = pd.Series(0.0, index=data.index)
        for f in range(k):
            naive[fold == f] = data.loc[fold != f, it].mean()
        q2 = 1 - (e**2).sum() / ((data[it] - naive) ** 2).sum()
        assert abs(out.loc[it, "q2_predict"] - q2) < 1e-10


def test_predict_options_are_checked(fitted):
    with pytest.raises(InputError, match="technique"):
        predict(fitted, technique="XX")
    with pytest.raises(InputError, match="folds"):
        predict(fitted, k=1)
    with pytest.raises(InputError, match="distance"):
        blindfolding(fitted, distance=1)
