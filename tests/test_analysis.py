"""Tests of crm_research.analysis against scipy, statsmodels, pingouin and hand-worked examples.

Tolerances: test statistics and p-values against scipy 1e-10 (relative); against pingouin and
statsmodels 1e-8 unless stated; hand-worked values 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg  # test dependencies: a broken import fails, never skips (issue 16)
import pytest
import statsmodels.api as sm
from scipy import stats

from crm_research import analysis
from crm_research.errors import InputError

SCIPY_TOL = 1e-10
REF_TOL = 1e-8


def _three_groups(seed: int = 11, scales=(1.0, 1.0, 1.0)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes, means = (18, 25, 14), (3.0, 3.6, 3.2)
    y = np.concatenate([rng.normal(m, s, n) for m, s, n in zip(means, scales, sizes, strict=True)])
    g = np.repeat(["east", "north", "south"], sizes)
    return pd.DataFrame({"y": y, "g": g})


def _two_groups(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.normal(3.4, 0.8, 21), rng.normal(2.9, 1.4, 16)])
    return pd.DataFrame({"y": y, "g": ["a"] * 21 + ["b"] * 16})


# ------------------------------------------------------------------------------------------
# describe / frequencies
# ------------------------------------------------------------------------------------------


def test_describe_matches_spss_formulas_and_scipy_unbiased_moments():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 1.0, 40)
    data = pd.DataFrame({"x": np.r_[x, np.nan, np.nan]})
    row = analysis.describe(data).iloc[0]
    n = 40
    assert row["n"] == n and row["missing"] == 2
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(np.std(x, ddof=1), rel=1e-12)
    assert row["se_mean"] == pytest.approx(np.std(x, ddof=1) / np.sqrt(n), rel=1e-12)
    assert row["median"] == pytest.approx(np.median(x), rel=1e-12)
    # scipy's bias-corrected estimators are SPSS's G1 and G2
    assert row["skewness"] == pytest.approx(stats.skew(x, bias=False), rel=1e-10)
    assert row["kurtosis"] == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-10)
    se_skew = np.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    assert row["se_skewness"] == pytest.approx(se_skew, rel=1e-12)
    assert row["se_kurtosis"] == pytest.approx(
        np.sqrt(4 * (n**2 - 1) * se_skew**2 / ((n - 3) * (n + 5))), rel=1e-12
    )


def test_describe_hand_worked_n5():
    # x = 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6; m2 = 50/5 = 10, m3 = 180/5 = 36,
    # m4 = 1394/5 = 278.8; g1 = 36 / 10**1.5, G1 = g1 * sqrt(20) / 3;
    # g2 = 2.788 - 3, G2 = 4 / 6 * (6 g2 + 6); SPSS prints SE skew .913 and SE kurt 2.000 for n = 5.
    row = analysis.describe(pd.Series([1.0, 2.0, 3.0, 4.0, 10.0], name="x")).iloc[0]
    assert row["skewness"] == pytest.approx(36 / 10**1.5 * np.sqrt(20) / 3, abs=1e-12)
    assert row["kurtosis"] == pytest.approx(4 / 6 * (6 * (2.788 - 3) + 6), abs=1e-12)
    assert row["se_skewness"] == pytest.approx(np.sqrt(120 / 144), abs=1e-12)
    assert row["se_kurtosis"] == pytest.approx(2.0, abs=1e-12)
    assert row["sd"] == pytest.approx(np.sqrt(50 / 4), abs=1e-12)


def test_describe_small_n_gives_nan_and_rejects_missing_column():
    row = analysis.describe(pd.DataFrame({"x": [1.0, 2.0, 4.0]})).iloc[0]
    assert np.isfinite(row["skewness"]) and np.isnan(row["kurtosis"])
    with pytest.raises(InputError, match="'nope'"):
        analysis.describe(pd.DataFrame({"x": [1.0]}), columns=["nope"])
    with pytest.raises(InputError, match="'x'.*non-numeric"):
        analysis.describe(pd.DataFrame({"x": ["1", "a"]}), columns=["x"])


def test_frequencies_hand_worked():
    s = pd.Series([1, 2, 2, 3, 3, 3, np.nan, np.nan], name="q1")
    f = analysis.frequencies(s, labels={1: "low", 2: "mid", 3: "high", 4: "top"})
    assert f["label"].tolist() == ["low", "mid", "high", "top", "Missing"]
    assert f["count"].tolist() == [1, 2, 3, 0, 2]
    assert f["percent"].tolist() == pytest.approx([12.5, 25.0, 37.5, 0.0, 25.0])
    np.testing.assert_allclose(
        f["valid_percent"].to_numpy()[:4], [100 / 6, 200 / 6, 50.0, 0.0], rtol=1e-12
    )
    np.testing.assert_allclose(
        f["cumulative_percent"].to_numpy()[:4], [100 / 6, 50.0, 100.0, 100.0], rtol=1e-12
    )
    assert np.isnan(f["valid_percent"].iloc[-1])


# ------------------------------------------------------------------------------------------
# compare_groups
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["t", "welch"])
def test_two_group_t_against_scipy_and_pingouin(method):
    df = _two_groups()
    a, b = df.y[df.g == "a"].to_numpy(), df.y[df.g == "b"].to_numpy()
    res = analysis.compare_groups(df, "y", "g", method=method)
    ref = stats.ttest_ind(a, b, equal_var=(method == "t"))
    assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert res.test["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    assert res.test["df1"] == pytest.approx(ref.df, rel=SCIPY_TOL)
    d = pg.compute_effsize(a, b, eftype="cohen")
    g = pg.compute_effsize(a, b, eftype="hedges")
    e = res.effect_size
    assert e["name"] == "cohen_d"
    assert e["value"] == pytest.approx(d, rel=REF_TOL)
    assert e["hedges_g"] == pytest.approx(g, rel=REF_TOL)
    d_ci = pg.compute_esci(d, nx=a.size, ny=b.size, eftype="cohen", decimals=15)
    g_ci = pg.compute_esci(g, nx=a.size, ny=b.size, eftype="hedges", decimals=15)
    assert [e["ci_low"], e["ci_high"]] == pytest.approx(list(d_ci), rel=REF_TOL)
    assert [e["hedges_g_ci_low"], e["hedges_g_ci_high"]] == pytest.approx(list(g_ci), rel=REF_TOL)
    assert res.posthoc is None
    assert "cohen_d" in repr(res) and res.to_frame().shape[0] == 1


def test_anova_eta_omega_and_tukey_against_references():
    df = _three_groups()
    samples = [df.y[df.g == k].to_numpy() for k in ("east", "north", "south")]
    res = analysis.compare_groups(df, "y", "g", method="anova")
    ref = stats.f_oneway(*samples)
    assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert res.test["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    aov = pg.anova(data=df, dv="y", between="g", detailed=True)
    assert res.effect_size["value"] == pytest.approx(aov["np2"].iloc[0], rel=REF_TOL)
    ss_b, ss_w = aov["SS"].iloc[0], aov["SS"].iloc[1]
    ms_w = ss_w / (len(df) - 3)
    omega = (ss_b - 2 * ms_w) / (ss_b + ss_w + ms_w)
    assert res.effect_size["omega_squared"] == pytest.approx(omega, rel=REF_TOL)

    from statsmodels.stats.multicomp import pairwise_tukeyhsd

    tk = pairwise_tukeyhsd(df.y, df.g, alpha=0.05)
    ref_tab = pd.DataFrame(tk.summary().data[1:], columns=tk.summary().data[0])
    post = res.posthoc
    assert post["test"].eq("tukey_hsd").all()
    # statsmodels: meandiff = group2 - group1; ours: group1 - group2
    np.testing.assert_allclose(post["mean_diff"], -tk.meandiffs, rtol=1e-10)
    np.testing.assert_allclose(post["p_value"], tk.pvalues, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post["ci_low"], -tk.confint[:, 1], rtol=1e-8)
    np.testing.assert_allclose(post["ci_high"], -tk.confint[:, 0], rtol=1e-8)
    assert list(zip(post.group1, post.group2, strict=True)) == list(
        zip(ref_tab.group1, ref_tab.group2, strict=True)
    )


def test_eta_squared_ci_inverts_the_noncentral_f():
    df = _three_groups(seed=3)
    res = analysis.compare_groups(df, "y", "g", method="anova")
    f_value, df1, df2 = res.test["statistic"], res.test["df1"], res.test["df2"]
    n = df1 + df2 + 1
    lo, hi = res.effect_size["ci_low"], res.effect_size["ci_high"]
    assert 0 <= lo < res.effect_size["value"] < hi < 1
    lam_hi = hi * n / (1 - hi)
    assert stats.ncf.cdf(f_value, df1, df2, lam_hi) == pytest.approx(0.025, abs=1e-8)
    if lo > 0:
        lam_lo = lo * n / (1 - lo)
        assert stats.ncf.cdf(f_value, df1, df2, lam_lo) == pytest.approx(0.975, abs=1e-8)
    else:
        assert stats.f.cdf(f_value, df1, df2) <= 0.975


def test_welch_anova_and_games_howell_against_pingouin_and_scipy():
    df = _three_groups(seed=7, scales=(0.5, 1.5, 3.0))
    samples = [df.y[df.g == k].to_numpy() for k in ("east", "north", "south")]
    res = analysis.compare_groups(df, "y", "g", method="welch_anova")
    ref = stats.f_oneway(*samples, equal_var=False)
    assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert res.test["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    wa = pg.welch_anova(data=df, dv="y", between="g")
    assert res.test["df2"] == pytest.approx(wa["ddof2"].iloc[0], rel=REF_TOL)
    gh = pg.pairwise_gameshowell(data=df, dv="y", between="g")
    post = res.posthoc
    assert post["test"].eq("games_howell").all()
    np.testing.assert_allclose(post["mean_diff"], gh["diff"], rtol=1e-10)
    np.testing.assert_allclose(post["se"], gh["se"], rtol=1e-10)
    np.testing.assert_allclose(post["statistic"], gh["T"], rtol=1e-10)
    np.testing.assert_allclose(post["df"], gh["df"], rtol=1e-10)
    np.testing.assert_allclose(post["p_value"], gh["pval"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post["hedges_g"], gh["hedges"], rtol=1e-8)


def test_auto_picks_welch_anova_only_when_levene_rejects():
    unequal = _three_groups(seed=7, scales=(0.3, 1.5, 4.0))
    equal = _three_groups(seed=8)
    lev_u = stats.levene(
        *[unequal.y[unequal.g == k] for k in ("east", "north", "south")], center="mean"
    )
    lev_e = stats.levene(
        *[equal.y[equal.g == k] for k in ("east", "north", "south")], center="mean"
    )
    assert lev_u.pvalue < 0.05 <= lev_e.pvalue
    assert analysis.compare_groups(unequal, "y", "g").method == "welch_anova"
    assert analysis.compare_groups(equal, "y", "g").method == "anova"
    assert analysis.compare_groups(_two_groups(), "y", "g").method == "welch"
    res = analysis.compare_groups(unequal, "y", "g")
    assert res.levene["p_value"] == pytest.approx(lev_u.pvalue, rel=SCIPY_TOL)


def test_kruskal_epsilon_squared_and_bootstrap_is_seeded():
    df = _three_groups(seed=9)
    samples = [df.y[df.g == k].to_numpy() for k in ("east", "north", "south")]
    res = analysis.compare_groups(df, "y", "g", method="kruskal", n_boot=300, seed=4)
    ref = stats.kruskal(*samples)
    assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert res.test["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    assert res.effect_size["value"] == pytest.approx(ref.statistic / (len(df) - 1), rel=1e-12)
    again = analysis.compare_groups(df, "y", "g", method="kruskal", n_boot=300, seed=4)
    assert again.effect_size == res.effect_size
    assert res.effect_size["ci_low"] < res.effect_size["value"] < res.effect_size["ci_high"]


def test_dunn_holm_hand_worked_without_and_with_ties():
    # No ties: ranks equal the values; mean ranks 2, 5, 8; N = 9; var = 9*10/12 = 7.5;
    # se = sqrt(7.5 * (1/3 + 1/3)) = sqrt(5); z(a,b) = -3/sqrt(5), z(a,c) = -6/sqrt(5).
    df = pd.DataFrame({"y": np.arange(1.0, 10.0), "g": list("aaabbbccc")})
    post = analysis.compare_groups(df, "y", "g", method="kruskal", n_boot=50).posthoc
    z = np.array([-3, -6, -3]) / np.sqrt(5)
    p_raw = 2 * stats.norm.sf(np.abs(z))
    np.testing.assert_allclose(post["statistic"], z, rtol=1e-12)
    np.testing.assert_allclose(post["p_unadjusted"], p_raw, rtol=1e-12)
    # Holm: smallest (a,c) times 3; the tied pair: max(prev, 2 * p) in order
    holm = [max(3 * p_raw[1], 2 * p_raw[0]), 3 * p_raw[1], max(3 * p_raw[1], 2 * p_raw[0])]
    np.testing.assert_allclose(post["p_value"], np.minimum(holm, 1), rtol=1e-12)
    # Ties: y = 1 1 2 | 2 3 3 | 4 4 4, ranks 1.5 1.5 3.5 | 3.5 5.5 5.5 | 8 8 8;
    # tie groups of sizes 2, 2, 2, 3: sum(t^3 - t) = 3 * 6 + 24 = 42; var = 7.5 - 42 / 96.
    tied = pd.DataFrame({"y": [1, 1, 2, 2, 3, 3, 4, 4, 4.0], "g": list("aaabbbccc")})
    post = analysis.compare_groups(tied, "y", "g", method="kruskal", n_boot=50).posthoc
    se = np.sqrt((7.5 - 42 / 96) * (2 / 3))
    mean_ranks = np.array([6.5 / 3, 14.5 / 3, 8.0])
    np.testing.assert_allclose(
        post["statistic"],
        [
            (mean_ranks[0] - mean_ranks[1]) / se,
            (mean_ranks[0] - mean_ranks[2]) / se,
            (mean_ranks[1] - mean_ranks[2]) / se,
        ],
        rtol=1e-12,
    )


def test_mann_whitney_and_rank_biserial_against_scipy_and_pingouin():
    df = _two_groups(seed=21)
    a, b = df.y[df.g == "a"].to_numpy(), df.y[df.g == "b"].to_numpy()
    res = analysis.compare_groups(df, "y", "g", method="mannwhitney", n_boot=300)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert res.test["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    assert res.effect_size["value"] == pytest.approx(pg.mwu(a, b)["RBC"].iloc[0], rel=REF_TOL)


def test_compare_groups_bad_input():
    df = _three_groups()
    with pytest.raises(InputError, match="exactly two groups"):
        analysis.compare_groups(df, "y", "g", method="t")
    with pytest.raises(InputError, match="'missing'"):
        analysis.compare_groups(df, "missing", "g")
    with pytest.raises(InputError, match="method"):
        analysis.compare_groups(df, "y", "g", method="ttest")
    with pytest.raises(InputError, match="fewer than two groups"):
        analysis.compare_groups(df.assign(g="x"), "y", "g")


# ------------------------------------------------------------------------------------------
# correlations
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_correlations_against_pingouin(method):
    rng = np.random.default_rng(2)
    x = rng.normal(size=60)
    df = pd.DataFrame({"a": x, "b": x + rng.normal(size=60), "c": rng.normal(size=60)})
    df.loc[[3, 7], "b"] = np.nan
    tidy = analysis.correlations(df, method=method)
    assert list(zip(tidy.x, tidy.y, strict=True)) == [("a", "b"), ("a", "c"), ("b", "c")]
    for row in tidy.itertuples(index=False):
        pair = df[[row.x, row.y]].dropna()
        ref = pg.corr(pair[row.x], pair[row.y], method=method)
        assert row.n == len(pair) == ref["n"].iloc[0]
        assert row.r == pytest.approx(ref["r"].iloc[0], rel=1e-10)
        assert row.p_value == pytest.approx(ref["p_val"].iloc[0], rel=1e-8)
        ci = pg.compute_esci(row.r, nx=row.n, ny=row.n, eftype="r", decimals=15)
        assert [row.ci_low, row.ci_high] == pytest.approx(list(ci), rel=1e-10)
        assert np.round([row.ci_low, row.ci_high], 2).tolist() == list(ref["CI95"].iloc[0])


def test_correlation_matrix_with_stars():
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    df = pd.DataFrame({"a": x, "b": x + 0.5 * rng.normal(size=200), "c": rng.normal(size=200)})
    wide = analysis.correlation_matrix(df)
    np.testing.assert_allclose(wide.to_numpy(), df.corr().to_numpy(), rtol=1e-12)
    text = analysis.correlation_matrix(df, stars=True)
    p_ac = stats.pearsonr(df.a, df.c).pvalue
    expected_stars = "***" if p_ac < 0.001 else "**" if p_ac < 0.01 else "*" if p_ac < 0.05 else ""
    assert text.loc["a", "b"] == f"{df.a.corr(df.b):.2f}***"
    assert text.loc["a", "c"] == f"{df.a.corr(df.c):.2f}{expected_stars}"
    assert text.loc["c", "c"] == "1"


# ------------------------------------------------------------------------------------------
# driver regression, mediation
# ------------------------------------------------------------------------------------------


def _driver_data(seed: int = 0, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(3, 1, n)
    x2 = 0.6 * x1 + rng.normal(0, 0.8, n)
    x3 = rng.normal(2, 2, n)
    y = 1.0 + 0.5 * x1 + 0.3 * x2 - 0.1 * x3 + rng.normal(0, 1, n)
    df = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "y": y})
    df.loc[5, "x3"] = np.nan
    return df


def test_driver_regression_against_normal_equations_statsmodels_and_zscores():
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    df = _driver_data()
    res = analysis.driver_regression(df, "y", ["x1", "x2", "x3"])
    cc = df.dropna()
    assert res.n == len(cc) == 119
    X = np.column_stack([np.ones(len(cc)), cc[["x1", "x2", "x3"]].to_numpy()])
    y = cc["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    resid = y - X @ b
    sigma2 = resid @ resid / (len(y) - 4)
    se = np.sqrt(np.diag(xtx_inv) * sigma2)
    coef = res.coefficients
    np.testing.assert_allclose(coef["b"], b, rtol=1e-10)
    np.testing.assert_allclose(coef["se"], se, rtol=1e-10)
    np.testing.assert_allclose(
        coef["p_value"], 2 * stats.t.sf(np.abs(b / se), len(y) - 4), rtol=1e-8
    )
    ref = sm.OLS(y, X).fit()
    np.testing.assert_allclose(coef["p_value"], ref.pvalues, rtol=1e-10)
    assert res.r2 == pytest.approx(1 - resid @ resid / ((y - y.mean()) ** 2).sum(), rel=1e-10)
    assert res.adj_r2 == pytest.approx(ref.rsquared_adj, rel=1e-10)
    assert res.f_pvalue == pytest.approx(ref.f_pvalue, rel=1e-8)
    # standardized beta = slope of the regression on z-scores
    z = (cc - cc.mean()) / cc.std(ddof=1)
    zfit = sm.OLS(z["y"].to_numpy(), sm.add_constant(z[["x1", "x2", "x3"]].to_numpy())).fit()
    np.testing.assert_allclose(coef["beta"].iloc[1:], zfit.params[1:], rtol=1e-10)
    vif = [variance_inflation_factor(X, i) for i in range(1, 4)]
    np.testing.assert_allclose(coef["vif"].iloc[1:], vif, rtol=1e-10)
    np.testing.assert_allclose(coef["tolerance"].iloc[1:], 1 / np.array(vif), rtol=1e-10)
    assert coef[["beta", "vif"]].iloc[0].isna().all()
    assert "R2" in repr(res) and len(res.to_frame()) == 4


def test_driver_regression_bad_input():
    df = _driver_data()
    with pytest.raises(InputError, match="'y'.*both"):
        analysis.driver_regression(df, "y", ["y", "x1"])
    with pytest.raises(InputError, match="constant"):
        analysis.driver_regression(df.assign(x1=1.0), "y", ["x1", "x2"])


def test_mediation_chain_recovers_known_indirect_effect():
    rng = np.random.default_rng(12)
    n = 400
    x = rng.normal(size=n)
    m = 0.6 * x + rng.normal(size=n)
    y = 0.5 * m + 0.2 * x + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m": m, "y": y})
    res = analysis.mediation_chain(df, ["x"], "m", "y", n_boot=500, seed=1)
    a = sm.OLS(m, sm.add_constant(x)).fit().params[1]
    fit_b = sm.OLS(y, sm.add_constant(np.column_stack([m, x]))).fit()
    eff = res.effects.iloc[0]
    assert eff["indirect"] == pytest.approx(a * fit_b.params[1], rel=1e-10)
    assert eff["direct"] == pytest.approx(fit_b.params[2], rel=1e-10)
    assert eff["ci_low"] < 0.30 < eff["ci_high"]  # true indirect effect 0.6 * 0.5
    again = analysis.mediation_chain(df, ["x"], "m", "y", n_boot=500, seed=1)
    pd.testing.assert_frame_equal(res.effects, again.effects)


# ------------------------------------------------------------------------------------------
# IPA and satisfaction x loyalty
# ------------------------------------------------------------------------------------------


def test_importance_performance_quadrants_hand_checked():
    rng = np.random.default_rng(6)
    n = 300
    # a: important, low rated; b: important, high rated; c: unimportant, low; d: unimportant, high
    base = rng.normal(size=(n, 4))
    df = pd.DataFrame(base, columns=list("abcd")) + [2.0, 4.0, 2.2, 4.2]
    df["sat"] = 0.8 * base[:, 0] + 0.8 * base[:, 1] + 0.05 * base[:, 2] + rng.normal(size=n)
    ipa = analysis.importance_performance(df, "sat", list("abcd")).set_index("attribute")
    assert ipa["quadrant"].to_dict() == {
        "a": "concentrate_here",
        "b": "keep_up_good_work",
        "c": "low_priority",
        "d": "possible_overkill",
    }
    np.testing.assert_allclose(ipa["performance"], df[list("abcd")].mean(), rtol=1e-12)
    np.testing.assert_allclose(ipa["importance"], df[list("abcd")].corrwith(df["sat"]), rtol=1e-10)
    assert ipa["performance_cut"].iloc[0] == pytest.approx(df[list("abcd")].mean().mean())
    beta = analysis.importance_performance(df, "sat", list("abcd"), importance="beta")
    ref = analysis.driver_regression(df, "sat", list("abcd")).coefficients["beta"].iloc[1:]
    np.testing.assert_allclose(beta["importance"], ref, rtol=1e-12)
    fixed = analysis.importance_performance(df, "sat", list("abcd"), performance_cut=1.0)
    assert set(fixed["quadrant"]) == {"keep_up_good_work", "possible_overkill"}


def _shapley_r2_shares(df, outcome, predictors):
    """Shapley shares of R² written out over all subsets with numpy least squares."""
    from itertools import combinations
    from math import factorial

    y = df[outcome].to_numpy(float)

    def r2(cols):
        if not cols:
            return 0.0
        x = np.column_stack([np.ones(len(df)), df[list(cols)].to_numpy(float)])
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)

    p = len(predictors)
    out = []
    for j in predictors:
        others = [q for q in predictors if q != j]
        val = 0.0
        for k in range(p):
            for sub in combinations(others, k):
                w = factorial(k) * factorial(p - k - 1) / factorial(p)
                val += w * (r2([*sub, j]) - r2(list(sub)))
        out.append(val)
    out = np.array(out)
    return out / out.sum()


def test_ipa_importance_is_the_share_of_explained_variance_and_lines_are_scale_centred():
    # issue 13: the axis said "effect on satisfaction" while the column was a correlation,
    # and the lines sat at the data means, so that a weak attribute (2.53 on 1-5) could be
    # "possible overkill".  Derived importance is now the dominance share of R² (hand-worked
    # Shapley values over all subsets) and the lines follow a stated rule.
    rng = np.random.default_rng(13)
    n = 400
    base = rng.normal(size=(n, 3))
    df = pd.DataFrame(0.5 * base, columns=list("abc")) + [2.0, 2.5, 2.3]  # all below 3
    df["sat"] = base @ np.array([0.9, 0.1, 0.5]) + rng.normal(size=n)
    ipa = analysis.importance_performance(
        df, "sat", list("abc"), importance="dominance", performance_cut=3.0,
        importance_cut="equal_share",
    ).set_index("attribute")  # fmt: skip
    np.testing.assert_allclose(ipa["importance"], _shapley_r2_shares(df, "sat", list("abc")),
                               rtol=1e-10)  # fmt: skip
    assert ipa["importance_cut"].iloc[0] == pytest.approx(1 / 3)
    assert ipa["performance_cut"].iloc[0] == 3.0
    assert ipa["importance_definition"].iloc[0].startswith("share of explained variance")
    assert ipa["importance_cut_rule"].iloc[0].startswith("equal share")
    # every attribute below the midpoint: none is "keep up" or "possible overkill"
    assert set(ipa["quadrant"]) <= {"concentrate_here", "low_priority"}
    assert ipa.loc["a", "quadrant"] == "concentrate_here"
    # the data-centred rule would call the best of the weak attributes "good" (the old bug)
    means = analysis.importance_performance(df, "sat", list("abc"), importance="dominance")
    assert {"keep_up_good_work", "possible_overkill"} & set(means["quadrant"])
    with pytest.raises(InputError, match="equal_share"):
        analysis.importance_performance(df, "sat", list("abc"), importance_cut="equal_share")


def test_satisfaction_loyalty_matrix_boundaries_and_missing():
    sat = pd.Series([5, 4, 4, 3.99, 2, 1, np.nan, 5], index=list("abcdefgh"))
    loy = pd.Series([4, 3.5, 4, 4, 2, 5, 3, 4], index=list("abcdefgh"))
    res = analysis.satisfaction_loyalty_matrix(sat, loy, satisfaction_cut=4, loyalty_cut=4)
    assert res.segments.astype(object).where(res.segments.notna(), None).tolist() == [
        "apostle",
        "mercenary",
        "apostle",
        "hostage",
        "defector",
        "hostage",
        None,
        "apostle",
    ]
    summary = res.summary.set_index("segment")
    assert summary["n"].to_dict() == {"apostle": 3, "mercenary": 1, "hostage": 2, "defector": 1}
    assert summary["percent"].sum() == pytest.approx(100.0)
    assert summary.loc["apostle", "percent"] == pytest.approx(300 / 7)
    assert summary.loc["hostage", "mean_satisfaction"] == pytest.approx((3.99 + 1) / 2)
    with pytest.raises(InputError, match="same respondents"):
        analysis.satisfaction_loyalty_matrix(sat, loy.iloc[:3], 4, 4)


# ------------------------------------------------------------------------------------------
# perception gap, paired, scorecard
# ------------------------------------------------------------------------------------------


def test_perception_gap_against_scipy_welch_and_pingouin_hedges():
    rng = np.random.default_rng(8)
    dims = ["identification", "differentiation", "interaction", "customization"]
    emp = pd.DataFrame(rng.normal(4.0, 0.5, size=(30, 4)), columns=dims)
    cus = pd.DataFrame(rng.normal(3.3, 0.9, size=(150, 4)), columns=dims)
    cus.loc[:9, "interaction"] = np.nan
    emp["role"] = "sales"
    gap = analysis.perception_gap(emp, cus)
    assert gap["dimension"].tolist() == dims
    for row in gap.itertuples(index=False):
        e, c = emp[row.dimension].dropna(), cus[row.dimension].dropna()
        ref = stats.ttest_ind(e, c, equal_var=False)
        ci = ref.confidence_interval(0.95)
        assert (row.employee_n, row.customer_n) == (len(e), len(c))
        assert row.gap == pytest.approx(e.mean() - c.mean(), rel=1e-12)
        assert row.t == pytest.approx(ref.statistic, rel=SCIPY_TOL)
        assert row.df == pytest.approx(ref.df, rel=SCIPY_TOL)
        assert row.p_value == pytest.approx(ref.pvalue, rel=1e-8)
        assert [row.ci_low, row.ci_high] == pytest.approx([ci.low, ci.high], rel=SCIPY_TOL)
        g = pg.compute_effsize(e, c, eftype="hedges")
        assert row.hedges_g == pytest.approx(g, rel=REF_TOL)
        g_ci = pg.compute_esci(g, nx=len(e), ny=len(c), eftype="hedges", decimals=15)
        assert [row.hedges_g_ci_low, row.hedges_g_ci_high] == pytest.approx(list(g_ci), rel=REF_TOL)


def test_paired_wilcoxon_with_ties_is_rs_normal_approximation():
    # Likert differences of 12 staff: ties and zeros.  R 4.x:
    #   wilcox.test(c(1,1,2,0,-1,1,2,1,0,1,3,1), exact = NULL, correct = FALSE)
    #   V = 51, p-value = 0.012801379123103815  (scipy reports min(V+, V-) = 55 - 51 = 4)
    diff = [1, 1, 2, 0, -1, 1, 2, 1, 0, 1, 3, 1]
    data = pd.DataFrame({"before": np.zeros(12), "after": np.asarray(diff, dtype=float)})
    row = analysis.paired_comparison(data, "before", "after").iloc[0]
    assert row["wilcoxon_w"] == 4.0
    assert row["wilcoxon_p"] == pytest.approx(0.012801379123103815, rel=1e-10)


def test_paired_comparison_against_scipy_and_pingouin():
    rng = np.random.default_rng(10)
    pre = rng.normal(3, 1, 25)
    df = pd.DataFrame({"pre": pre, "post": pre + rng.normal(0.4, 0.7, 25)})
    df.loc[2, "post"] = np.nan
    row = analysis.paired_comparison(df, "pre", "post").iloc[0]
    cc = df.dropna()
    ref = stats.ttest_rel(cc.post, cc.pre)
    assert row["n"] == 24
    assert row["t"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=SCIPY_TOL)
    ci = ref.confidence_interval(0.95)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx([ci.low, ci.high], rel=SCIPY_TOL)
    w = stats.wilcoxon(cc.post - cc.pre)
    assert row["wilcoxon_w"] == pytest.approx(w.statistic, rel=SCIPY_TOL)
    assert row["wilcoxon_p"] == pytest.approx(w.pvalue, rel=SCIPY_TOL)
    dz = pg.compute_effsize(cc.post, cc.pre, paired=True, eftype="cohen_dz")
    assert row["d_z"] == pytest.approx(dz, rel=REF_TOL)
    assert row["d_z"] == pytest.approx(ref.statistic / np.sqrt(24), rel=1e-10)
    dz_ci = pg.compute_esci(dz, nx=24, ny=24, paired=True, eftype="cohen", decimals=15)
    assert [row["d_z_ci_low"], row["d_z_ci_high"]] == pytest.approx(list(dz_ci), rel=REF_TOL)


def test_holm_against_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.2, 0.0001, 0.04, np.nan])
    ours = analysis.holm_adjust(p)
    ref = multipletests(p[:-1], method="holm")[1]
    np.testing.assert_allclose(ours[:-1], ref, rtol=1e-12)
    assert np.isnan(ours[-1])


def test_scorecard_summary_category_means_and_holm_comparisons():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(13)
    n = 40
    cols = {}
    shift = {"before": 0.0, "during": 0.3, "after": 0.9}
    for metric, category in analysis.SCORECARD_CATEGORIES.items():
        person = rng.normal(0, 0.5, n)
        for phase in analysis.SCORECARD_PHASES:
            bump = shift[phase] if category == "technology" else 0.0
            cols[f"{metric}_{phase}"] = np.clip(
                np.round(3 + person + bump + rng.normal(0, 0.6, n)), 1, 5
            )
    items = pd.DataFrame(cols)
    items.loc[0, "tec_roi_after"] = np.nan
    res = analysis.scorecard_summary(items)
    tec_after = items[
        [f"{m}_after" for m in ("tec_roi", "tec_impl_time", "tec_usability", "tec_problem_solving")]
    ]
    np.testing.assert_allclose(res.scores["technology_after"], tec_after.mean(axis=1), rtol=1e-12)
    means = res.means.set_index(["category", "phase"])
    assert means.loc[("technology", "after"), "mean"] == pytest.approx(
        tec_after.mean(axis=1).mean()
    )
    assert len(res.comparisons) == 5 * 3
    cmp_ = res.comparisons.set_index(["category", "phase_from", "phase_to"])
    ref = stats.ttest_rel(res.scores["technology_after"], res.scores["technology_before"])
    assert cmp_.loc[("technology", "before", "after"), "t"] == pytest.approx(
        ref.statistic, rel=SCIPY_TOL
    )
    np.testing.assert_allclose(
        res.comparisons["p_holm"],
        multipletests(res.comparisons["p_value"], method="holm")[1],
        rtol=1e-12,
    )
    # the planted technology improvement is found, the flat categories are not
    assert cmp_.loc[("technology", "before", "after"), "p_holm"] < 0.001
    assert (res.comparisons.query("category != 'technology'")["p_holm"] > 0.01).all()
    with pytest.raises(InputError, match="'tec_roi_during'"):
        analysis.scorecard_summary(items.drop(columns="tec_roi_during"))


def test_no_warnings_on_clean_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis.compare_groups(_three_groups(), "y", "g", method="anova")
        analysis.describe(_driver_data())


def test_constant_groups_give_nan_not_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flat = analysis.compare_groups(
            pd.DataFrame({"y": [3.0] * 6, "g": list("aabbcc")}), "y", "g"
        )
        assert flat.method == "anova" and np.isnan(flat.test["p_value"])
        assert np.isnan(flat.effect_size["value"])
        # one constant group: Welch's weights are undefined, so "auto" keeps the classic ANOVA
        df = pd.DataFrame({"y": [3, 3, 4, 5, 1, 2.5, 1.5], "g": list("aabbccc")})
        res = analysis.compare_groups(df, "y", "g")
        assert res.method == "anova"
        ref = stats.f_oneway(*[df.y[df.g == k] for k in "abc"])
        assert res.test["statistic"] == pytest.approx(ref.statistic, rel=SCIPY_TOL)


@pytest.mark.parametrize("seed", range(6))
def test_random_designs_against_pingouin_statsmodels_scipy(seed):
    # unbalanced designs with unequal variances (issue 4 audit): every statistic of the group
    # comparisons and of the driver regression against its reference implementation, 1e-9
    from statsmodels.stats.multicomp import pairwise_tukeyhsd
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    rng = np.random.default_rng(100 + seed)
    n1, n2 = rng.integers(5, 60, 2)
    x, y = rng.normal(3, 1, n1), rng.normal(3.4, 2, n2)
    two = pd.DataFrame({"y": np.r_[x, y], "g": ["a"] * n1 + ["b"] * n2})
    res = analysis.compare_groups(two, "y", "g")
    ref = pg.ttest(x, y, correction=True).iloc[0]
    assert res.test["statistic"] == pytest.approx(ref["T"], abs=1e-9)
    assert res.test["df1"] == pytest.approx(ref["dof"], abs=1e-9)
    assert res.effect_size["value"] == pytest.approx(pg.compute_effsize(x, y), abs=1e-9)

    k = 3 + seed % 3
    sizes = rng.integers(4, 30, k)
    values = np.concatenate([rng.normal(3 + 0.3 * i, 1 + 0.4 * i, n) for i, n in enumerate(sizes)])
    df = pd.DataFrame({"y": values, "g": np.repeat([f"g{i}" for i in range(k)], sizes)})
    anova = analysis.compare_groups(df, "y", "g", method="anova")
    ref = pg.anova(data=df, dv="y", between="g", detailed=True).iloc[0]
    assert anova.test["statistic"] == pytest.approx(ref["F"], abs=1e-9)
    assert anova.effect_size["value"] == pytest.approx(ref["np2"], abs=1e-9)
    tukey = pairwise_tukeyhsd(df["y"], df["g"], alpha=0.05)
    np.testing.assert_allclose(-anova.posthoc["mean_diff"], tukey.meandiffs, atol=1e-9)
    np.testing.assert_allclose(anova.posthoc["p_value"], tukey.pvalues, atol=1e-9)
    np.testing.assert_allclose(-anova.posthoc["ci_high"], tukey.confint[:, 0], atol=1e-9)
    welch = analysis.compare_groups(df, "y", "g", method="welch_anova")
    ref = pg.welch_anova(data=df, dv="y", between="g").iloc[0]
    assert welch.test["statistic"] == pytest.approx(ref["F"], abs=1e-9)
    assert welch.test["df2"] == pytest.approx(ref["ddof2"], abs=1e-9)
    gh = pg.pairwise_gameshowell(data=df, dv="y", between="g")
    np.testing.assert_allclose(welch.posthoc["p_value"], gh["pval"], atol=1e-9)
    kw = analysis.compare_groups(df, "y", "g", method="kruskal", n_boot=20)
    h = stats.kruskal(*[df.loc[df["g"] == f"g{i}", "y"] for i in range(k)]).statistic
    n = len(df)
    assert kw.effect_size["value"] == pytest.approx(h * (n + 1) / (n**2 - 1), abs=1e-12)

    p = 2 + seed % 3
    X = rng.normal(size=(80, p))
    X[:, 1] += 0.6 * X[:, 0]
    data = pd.DataFrame(X, columns=[f"x{i}" for i in range(p)])
    data["y"] = X @ rng.normal(size=p) + rng.normal(size=80)
    names = [f"x{i}" for i in range(p)]
    coef = analysis.driver_regression(data, "y", names).coefficients.set_index("term")
    z = (data - data.mean()) / data.std(ddof=1)
    zfit = sm.OLS(z["y"], z[names]).fit()
    np.testing.assert_allclose(coef.loc[names, "beta"], zfit.params[names], atol=1e-9)
    design = sm.add_constant(data[names]).to_numpy()
    vif = [variance_inflation_factor(design, i) for i in range(1, p + 1)]
    np.testing.assert_allclose(coef.loc[names, "vif"], vif, atol=1e-9)
