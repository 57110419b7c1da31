"""Tests of crm_research.reliability against R psych 2.2.9 references, hand computations,
pingouin, and simulations with known population values.

References: tests/fixtures/bfi_reference.json (shared R reference) and
tests/fixtures/bfi_reliability_extra.json (tests/reference/reliability_polychoric.R).
Tolerances: alpha family, item statistics and lambda 6 1e-9 (observed ~1e-15); omega total
1e-5 (observed 1e-15 since omega reuses factor.py's psych-parity fits; the tolerance
allows for optimiser stopping rules); omega hierarchical 1e-4 (GPArotation stops at
eps = 1e-5, observed 8e-15); ordinal alpha 1e-4 (psych's optimize() tolerance, observed 4e-6).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research import reliability as rel
from crm_research.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "bfi_reference.json").read_text())
EXTRA = json.loads((FIXTURES / "bfi_reliability_extra.json").read_text())
REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
SCALES = list(REF["scales"])

TIGHT = 1e-9


@pytest.fixture(scope="module")
def keyed() -> pd.DataFrame:
    """bfi A1..O5 with reverse items as 7 - x (all 2800 rows, missing kept)."""
    data = pd.read_csv(FIXTURES / "bfi.csv").iloc[:, :25]
    data[REVERSED] = 7 - data[REVERSED]
    return data


@pytest.fixture(scope="module")
def complete(keyed: pd.DataFrame) -> pd.DataFrame:
    return keyed.dropna()


def scale_items(name: str) -> list[str]:
    return [c.lstrip("-") for c in REF["scales"][name]["items"]]


# --- parity with psych on every bfi scale -----------------------------------------------------
@pytest.mark.parametrize("name", SCALES)
def test_alpha_matches_psych(complete: pd.DataFrame, name: str) -> None:
    ref = REF["scales"][name]
    res = rel.cronbach_alpha(complete[scale_items(name)])
    assert res.n == ref["n"] == REF["n_complete"]
    assert res.k == 5
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=TIGHT)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TIGHT)
    assert res.average_r == pytest.approx(ref["average_r"], abs=TIGHT)
    assert res.ci[0] == pytest.approx(ref["feldt_ci95"][0], abs=TIGHT)
    assert res.ci[1] == pytest.approx(ref["feldt_ci95"][1], abs=TIGHT)
    assert rel.guttman_lambda6(complete[scale_items(name)]) == pytest.approx(
        ref["guttman_lambda6"], abs=TIGHT
    )


@pytest.mark.parametrize("name", SCALES)
def test_item_statistics_match_psych(complete: pd.DataFrame, name: str) -> None:
    ref = REF["scales"][name]
    table = rel.item_analysis(complete[scale_items(name)])
    for item in scale_items(name):
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(
            ref["alpha_if_item_dropped"][item], abs=TIGHT
        )
        assert table.loc[item, "corrected_item_total_r"] == pytest.approx(
            ref["corrected_item_total_r"][item], abs=TIGHT
        )
        assert table.loc[item, "mean"] == pytest.approx(ref["item_mean"][item], abs=TIGHT)
        assert table.loc[item, "sd"] == pytest.approx(ref["item_sd"][item], abs=TIGHT)
    # scale mean of the item means = psych's scale_mean (mean score)
    assert table["mean"].mean() == pytest.approx(ref["scale_mean"], abs=TIGHT)


@pytest.mark.parametrize("name", SCALES)
def test_omega_total_matches_psych(complete: pd.DataFrame, name: str) -> None:
    ref = REF["scales"][name]
    ml = rel.mcdonald_omega(complete[scale_items(name)])
    minres = rel.mcdonald_omega(complete[scale_items(name)], fm="minres")
    assert ml.total == pytest.approx(ref["omega_total_ml_1f"], abs=1e-5)
    assert minres.total == pytest.approx(ref["omega_total_minres_1f"], abs=1e-5)
    assert ml.hierarchical is None and ml.n == REF["n_complete"]


@pytest.mark.parametrize("name", SCALES)
def test_pairwise_alpha_matches_psych_on_incomplete_data(keyed: pd.DataFrame, name: str) -> None:
    ref = EXTRA["pairwise_alpha"][name]
    items = scale_items(name)
    assert keyed[items].isna().any().any()  # the test is about missing data
    res = rel.cronbach_alpha(keyed[items], missing="pairwise")
    assert res.n == ref["n_rows"]
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=TIGHT)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TIGHT)
    assert res.average_r == pytest.approx(ref["average_r"], abs=TIGHT)
    assert res.ci == pytest.approx(tuple(ref["feldt_ci95"]), abs=TIGHT)
    table = rel.item_analysis(keyed[items], missing="pairwise")
    for item in items:
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(
            ref["alpha_if_item_dropped"][item], abs=TIGHT
        )
        assert table.loc[item, "corrected_item_total_r"] == pytest.approx(
            ref["corrected_item_total_r"][item], abs=TIGHT
        )
        assert table.loc[item, "mean"] == pytest.approx(ref["item_mean"][item], abs=TIGHT)
        assert table.loc[item, "sd"] == pytest.approx(ref["item_sd"][item], abs=TIGHT)


@pytest.mark.parametrize("name", SCALES)
def test_ordinal_alpha_matches_psych(complete: pd.DataFrame, name: str) -> None:
    assert rel.ordinal_alpha(complete[scale_items(name)]) == pytest.approx(
        EXTRA["ordinal_alpha"][name], abs=1e-4
    )


@pytest.mark.parametrize("nf", [3, 5])
def test_omega_hierarchical_matches_psych(complete: pd.DataFrame, nf: int) -> None:
    ref = EXTRA["omega_25_keyed"][f"nf{nf}"]
    res = rel.mcdonald_omega(complete, n_factors=nf)
    assert res.fm == "minres"
    assert res.hierarchical == pytest.approx(ref["omega_h"], abs=1e-4)
    assert res.total == pytest.approx(ref["omega_total"], abs=1e-4)
    general = pd.Series(ref["sl_general"])
    np.testing.assert_allclose(res.loadings[general.index], general, atol=1e-4)


def test_omega_hierarchical_three_scales(complete: pd.DataFrame) -> None:
    items = (
        scale_items("neuroticism") + scale_items("conscientiousness") + scale_items("extraversion")
    )
    res = rel.mcdonald_omega(complete[items], n_factors=3)
    ref = EXTRA["omega_NCE_keyed_nf3"]
    assert res.hierarchical == pytest.approx(ref["omega_h"], abs=1e-4)
    assert res.total == pytest.approx(ref["omega_total"], abs=1e-4)


def test_omega_two_factors_uses_psych_equal_loadings(complete: pd.DataFrame) -> None:
    """Two group factors: psych schmid(option = "equal") sets both g loadings to sqrt(phi12);
    the value is checked against psych on the simulated survey in test_likert_* below."""
    res = rel.mcdonald_omega(
        complete[scale_items("neuroticism") + scale_items("openness")], n_factors=2
    )
    assert res.hierarchical is not None and 0 < res.hierarchical < res.total
    assert "set equal" in res.notes[0]


# --- split-half ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "columns"),
    [
        ("split_half_AC_keyed", [f"{p}{i}" for p in "AC" for i in range(1, 6)]),
        ("split_half_16_keyed", None),
    ],
)
def test_split_half_exhaustive_matches_psych(
    complete: pd.DataFrame, key: str, columns: list | None
) -> None:
    cols = columns or list(complete.columns[:16])
    res = rel.split_half(complete[cols], check_keys=False)
    ref = EXTRA[key]
    assert res.exhaustive
    assert res.n_splits == math.comb(len(cols), len(cols) // 2) // 2
    for field in ("max", "min", "mean", "alpha", "lambda6"):
        assert getattr(res, field) == pytest.approx(ref[field], abs=TIGHT), field


def test_split_half_25_items_brackets_psych_sample(complete: pd.DataFrame) -> None:
    """psych splitHalf on the 25 keyed items samples 10,000 of the 5.2 million splits
    (check.keys reverses the neuroticism items); the exhaustive max/min must bracket the
    sampled ones and the means agree to sampling error."""
    ref = REF["split_half_25_keyed"]
    res = rel.split_half(complete, brute=True, splits="all")
    assert res.exhaustive and res.n_splits == math.comb(25, 12)
    # psych principal() loadings on the first component are negative for N1..N5 and O4
    assert list(res.keys[res.keys < 0].index) == [*scale_items("neuroticism"), "O4"]
    assert res.max >= ref["max"] - 1e-12
    assert res.min <= ref["min"] + 1e-12
    assert res.mean == pytest.approx(ref["mean"], abs=1e-3)
    sampled = rel.split_half(complete, seed=7)
    assert not sampled.exhaustive and sampled.n_splits == rel.SPLIT_HALF_SAMPLES
    assert res.min <= sampled.min <= sampled.max <= res.max
    assert sampled.mean == pytest.approx(res.mean, abs=3e-3)
    again = rel.split_half(complete, seed=7)
    assert (again.max, again.min, again.mean) == (sampled.max, sampled.min, sampled.mean)


def test_split_half_odd_k_against_hand_enumeration(complete: pd.DataFrame) -> None:
    x = complete[scale_items("neuroticism")]
    r = x.corr().to_numpy()
    coefs = []
    for half in itertools.combinations(range(5), 2):
        other = [i for i in range(5) if i not in half]
        coefs.append(4 * r[np.ix_(half, other)].sum() / r.sum())
    res = rel.split_half(x, splits="all")
    assert res.n_splits == 10
    assert res.max == pytest.approx(max(coefs), abs=TIGHT)
    assert res.min == pytest.approx(min(coefs), abs=TIGHT)
    assert res.mean == pytest.approx(np.mean(coefs), abs=TIGHT)


# --- hand computations and independent implementations ---------------------------------------
@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    f = rng.normal(size=(60, 1))
    data = np.clip(np.round(3 + f * [0.9, 0.8, 0.7, 0.5] + rng.normal(size=(60, 4))), 1, 5)
    return pd.DataFrame(data, columns=["q1", "q2", "q3", "q4"])


def hand_alpha(x: np.ndarray) -> float:
    c = np.cov(x, rowvar=False)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def test_item_analysis_against_hand_computation(small: pd.DataFrame) -> None:
    table = rel.item_analysis(small)
    x = small.to_numpy()
    for j, item in enumerate(small.columns):
        rest = np.delete(x, j, axis=1)
        rest_sum = rest.sum(axis=1)
        assert table.loc[item, "scale_mean_if_deleted"] == pytest.approx(rest_sum.mean(), abs=1e-12)
        assert table.loc[item, "scale_variance_if_deleted"] == pytest.approx(
            rest_sum.var(ddof=1), abs=1e-10
        )
        assert table.loc[item, "corrected_item_total_r"] == pytest.approx(
            np.corrcoef(x[:, j], rest_sum)[0, 1], abs=1e-12
        )
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(hand_alpha(rest), abs=1e-12)
        # SMC = R^2 of the OLS regression of the item on the others
        design = np.column_stack([np.ones(len(x)), rest])
        beta, *_ = np.linalg.lstsq(design, x[:, j], rcond=None)
        resid = x[:, j] - design @ beta
        r2 = 1 - resid.var() / x[:, j].var()
        assert table.loc[item, "squared_multiple_r"] == pytest.approx(r2, abs=1e-10)
        assert table.loc[item, "n"] == len(x)


def test_alpha_matches_pingouin(small: pd.DataFrame) -> None:
    import pingouin  # a test dependency: a broken import fails, never skips (issue 16)

    alpha, ci = pingouin.cronbach_alpha(small, ci=0.95)
    res = rel.cronbach_alpha(small)
    assert res.alpha == pytest.approx(alpha, abs=1e-12)
    # pingouin rounds its Feldt interval to 3 decimals
    assert res.ci == pytest.approx(tuple(ci), abs=5e-4 + 1e-12)


def test_listwise_and_pairwise_against_hand_computation(small: pd.DataFrame) -> None:
    data = small.copy()
    data.iloc[[1, 5, 9], 0] = np.nan
    data.iloc[[2, 5, 20, 33], 2] = np.nan
    listwise = rel.cronbach_alpha(data)
    complete_rows = data.dropna().to_numpy()
    assert listwise.n == len(complete_rows) == 54  # rows 1, 2, 9, 20, 33 and 5 (twice)
    assert listwise.alpha == pytest.approx(hand_alpha(complete_rows), abs=1e-12)
    # pairwise: every covariance from the rows answering both items (pandas' pairwise cov)
    pairwise = rel.cronbach_alpha(data, missing="pairwise")
    cov = data.cov().to_numpy()
    assert pairwise.alpha == pytest.approx(4 / 3 * (1 - np.trace(cov) / cov.sum()), abs=1e-12)
    assert pairwise.n == len(data)  # psych: every row with an answer
    # psych standardizes the pairwise covariances by each item's own variance (cov2cor), which
    # differs from pandas' pairwise .corr() (variances over the common rows only)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    assert pairwise.average_r == pytest.approx((corr.sum() - 4) / 12, abs=1e-12)
    assert pairwise.alpha != pytest.approx(listwise.alpha, abs=1e-6)
    table = rel.item_analysis(data, missing="pairwise")
    assert list(table["n"]) == [57, 60, 56, 60]
    np.testing.assert_allclose(table["mean"], data.mean(), atol=1e-12)


def test_int8_large_input_matches_float_path() -> None:
    rng = np.random.default_rng(3)
    f = rng.normal(size=(200_000, 1))
    codes = np.clip(
        np.round(4 + 1.2 * (0.7 * f + 0.7 * rng.normal(size=(200_000, 6)))), 1, 7
    ).astype(np.int8)
    as_int8 = pd.DataFrame(codes, columns=[f"i{j}" for j in range(6)])
    as_float = as_int8.astype(float)
    a8, af = rel.cronbach_alpha(as_int8), rel.cronbach_alpha(as_float)
    assert a8.alpha == pytest.approx(hand_alpha(codes.astype(float)), abs=1e-12)
    assert a8.alpha == pytest.approx(af.alpha, abs=1e-12)
    pd.testing.assert_frame_equal(
        rel.item_analysis(as_int8), rel.item_analysis(as_float), atol=1e-10, rtol=0
    )


# --- bootstrap -----------------------------------------------------------------------------------
def test_bootstrap_is_reproducible_and_equals_a_naive_loop(small: pd.DataFrame) -> None:
    a = rel.cronbach_alpha(small, method="bootstrap", n_boot=300, seed=11)
    b = rel.cronbach_alpha(small, method="bootstrap", n_boot=300, seed=11)
    c = rel.cronbach_alpha(small, method="bootstrap", n_boot=300, seed=12)
    assert a.ci == b.ci and a.ci != c.ci
    assert a.method == "bootstrap" and a.n_boot == 300
    # the batched moments equal alpha recomputed resample by resample from the same draws
    boots = rel.bootstrap_alpha(small, n_boot=300, seed=11)
    draws = np.random.default_rng(11).integers(0, len(small), size=(300, len(small)))
    x = small.to_numpy()
    naive = np.array([hand_alpha(x[idx]) for idx in draws])
    np.testing.assert_allclose(boots, naive, atol=1e-12)
    assert a.ci == pytest.approx(tuple(np.quantile(naive, [0.025, 0.975])), abs=1e-12)


def test_pairwise_bootstrap_equals_a_naive_loop(small: pd.DataFrame) -> None:
    data = small.copy()
    data.iloc[[1, 5, 9], 0] = np.nan
    data.iloc[[2, 5, 20], 3] = np.nan
    boots = rel.bootstrap_alpha(data, n_boot=100, seed=5, missing="pairwise")
    draws = np.random.default_rng(5).integers(0, len(data), size=(100, len(data)))
    naive = []
    for idx in draws:
        cov = data.iloc[idx].reset_index(drop=True).cov().to_numpy()
        naive.append(4 / 3 * (1 - np.trace(cov) / cov.sum()))
    np.testing.assert_allclose(boots, naive, atol=1e-10)


# --- simulation with known truth ------------------------------------------------------------------
LOADINGS = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
UNIQUE = 1 - LOADINGS**2
POP_OMEGA = LOADINGS.sum() ** 2 / (LOADINGS.sum() ** 2 + UNIQUE.sum())
POP_ALPHA = 5 / 4 * (1 - 5 / (LOADINGS.sum() ** 2 + UNIQUE.sum()))


def congeneric(n: int, rng: np.random.Generator) -> pd.DataFrame:
    f = rng.normal(size=(n, 1))
    return pd.DataFrame(
        f * LOADINGS + rng.normal(size=(n, 5)) * np.sqrt(UNIQUE), columns=list("abcde")
    )


def test_parameter_recovery_at_large_n() -> None:
    """n = 200,000: sampling SDs are about 0.001 for alpha and omega, 0.002 for loadings;
    tolerances are five of those."""
    data = congeneric(200_000, np.random.default_rng(2024))
    assert rel.cronbach_alpha(data).alpha == pytest.approx(POP_ALPHA, abs=0.005)
    om = rel.mcdonald_omega(data)
    assert om.total == pytest.approx(POP_OMEGA, abs=0.005)
    np.testing.assert_allclose(om.loadings.to_numpy(), LOADINGS, atol=0.01)
    assert rel.composite_reliability(om.loadings) == pytest.approx(om.total, abs=1e-12)
    assert rel.average_variance_extracted(LOADINGS) == pytest.approx(
        np.mean(LOADINGS**2), abs=1e-15
    )
    assert rel.composite_reliability(LOADINGS) == pytest.approx(POP_OMEGA, abs=1e-15)


def test_intervals_cover_the_population_alpha() -> None:
    """40 samples of n = 400: a 95% interval misses the truth ~2 times; 34 or more hits has
    probability > 0.999 for a correct interval (binomial), and fewer would signal a bug."""
    rng = np.random.default_rng(99)
    feldt_hits = boot_hits = 0
    for rep in range(40):
        data = congeneric(400, rng)
        feldt = rel.cronbach_alpha(data)
        boot = rel.cronbach_alpha(data, method="bootstrap", n_boot=400, seed=rep)
        feldt_hits += feldt.ci[0] <= POP_ALPHA <= feldt.ci[1]
        boot_hits += boot.ci[0] <= POP_ALPHA <= boot.ci[1]
        assert boot.ci[0] < boot.alpha < boot.ci[1]
    assert feldt_hits >= 34
    assert boot_hits >= 34


# --- edge cases --------------------------------------------------------------------------------------
def test_two_item_scale() -> None:
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [2, 1, 4, 3, 5, 3]})
    res = rel.cronbach_alpha(data)
    c = np.cov(data.to_numpy(), rowvar=False)
    assert res.alpha == pytest.approx(4 * c[0, 1] / c.sum(), abs=1e-12)  # 2 * 2c / (v1 + v2 + 2c)
    table = rel.item_analysis(data)
    assert table["alpha_if_deleted"].isna().all()  # alpha of a single item is undefined
    r = np.corrcoef(data.to_numpy(), rowvar=False)[0, 1]
    np.testing.assert_allclose(table["squared_multiple_r"], [r**2, r**2], atol=1e-12)
    np.testing.assert_allclose(table["corrected_item_total_r"], [r, r], atol=1e-12)
    om = rel.mcdonald_omega(data)
    assert np.isnan(om.total) and "too few" in om.notes[0]


def test_zero_variance_item() -> None:
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [3, 3, 3, 3, 3]})
    res = rel.cronbach_alpha(data)
    c = np.cov(data.to_numpy(), rowvar=False)
    assert res.alpha == pytest.approx(1.5 * (1 - np.trace(c) / c.sum()), abs=1e-12)
    assert np.isnan(res.std_alpha) and np.isnan(res.average_r)
    assert "c have zero variance" in res.notes[0]
    table = rel.item_analysis(data)
    assert np.isnan(table.loc["c", "corrected_item_total_r"])
    assert np.isnan(table.loc["c", "squared_multiple_r"])
    assert table.loc["a", "squared_multiple_r"] == pytest.approx(
        np.corrcoef(data.a, data.b)[0, 1] ** 2, abs=1e-12
    )
    assert np.isnan(rel.mcdonald_omega(data).total)
    row = rel.scale_reliability(data, {"s": ["a", "b", "c"]}).iloc[0]
    assert row["alpha"] == pytest.approx(res.alpha, abs=1e-12) and np.isnan(row["omega"])
    assert row["flag"] == rel.alpha_band(res.alpha)


def test_singular_correlation_matrix() -> None:
    rng = np.random.default_rng(1)
    base = pd.DataFrame(rng.integers(1, 6, size=(50, 3)).astype(float), columns=["a", "b", "c"])
    base["d"] = base["a"] + base["b"]  # an exact linear combination
    res = rel.cronbach_alpha(base)
    assert res.alpha == pytest.approx(hand_alpha(base.to_numpy()), abs=1e-12)
    smc = rel.item_analysis(base)["squared_multiple_r"]
    assert smc["d"] == pytest.approx(1.0, abs=1e-9)
    assert smc["a"] == pytest.approx(1.0, abs=1e-9)  # a = d - b
    om = rel.mcdonald_omega(base)
    assert np.isnan(om.total) and "singular" in om.notes[0]
    assert np.isfinite(rel.mcdonald_omega(base, fm="minres").total)


def test_fewer_respondents_than_items() -> None:
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        rng.integers(1, 8, size=(5, 8)).astype(float), columns=[f"q{i}" for i in range(8)]
    )
    res = rel.cronbach_alpha(data)
    assert res.n == 5 and res.alpha == pytest.approx(hand_alpha(data.to_numpy()), abs=1e-12)
    om = rel.mcdonald_omega(data)
    assert np.isnan(om.total) and "singular" in om.notes[0]
    with pytest.raises(InputError, match="at least two respondents"):
        rel.cronbach_alpha(data.iloc[:1])


def test_all_missing_column_and_bad_input() -> None:
    data = pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 3, 1], "gone": [np.nan] * 3})
    for fn in (rel.cronbach_alpha, rel.item_analysis, rel.mcdonald_omega):
        with pytest.raises(InputError, match="gone"):
            fn(data)
    with pytest.raises(InputError, match="gone"):
        rel.cronbach_alpha(data, missing="pairwise")
    with pytest.raises(InputError, match="txt"):
        rel.cronbach_alpha(pd.DataFrame({"a": [1, 2], "txt": ["x", "y"]}))
    with pytest.raises(InputError, match="At least 2"):
        rel.cronbach_alpha(data[["a"]])
    with pytest.raises(InputError, match="No row answers"):
        rel.cronbach_alpha(pd.DataFrame({"a": [1, np.nan], "b": [np.nan, 2]}))
    with pytest.raises(InputError, match="b contain infinite"):
        rel.cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, np.inf, 1]}))
    with pytest.raises(InputError, match="method"):
        rel.cronbach_alpha(data[["a", "b"]], method="jackknife")
    with pytest.raises(InputError, match="missing"):
        rel.cronbach_alpha(data[["a", "b"]], missing="mean")


def test_loadings_input_checks() -> None:
    with pytest.raises(InputError, match="Heywood"):
        rel.composite_reliability([0.7, 1.2])
    frame = pd.DataFrame({"f1": [0.7, 0.8, 0, 0], "f2": [0, 0, 0.6, 0.5]})
    cr = rel.composite_reliability(frame)
    assert cr["f2"] == pytest.approx(1.1**2 / (1.1**2 + 0.64 + 0.75), abs=1e-12)
    assert rel.ave({"x1": 0.7, "x2": 0.5}) == pytest.approx((0.49 + 0.25) / 2, abs=1e-15)
    assert rel.ave is rel.average_variance_extracted


# --- scale table and bands -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.95, "excellent"),
        (0.9, "excellent"),
        (0.8999, "good"),
        (0.8, "good"),
        (0.7, "acceptable"),
        (0.65, "questionable"),
        (0.5, "poor"),
        (0.4999, "unacceptable"),
        (-0.3, "unacceptable"),
        (float("nan"), "undefined"),
    ],
)
def test_alpha_band(value: float, label: str) -> None:
    assert rel.alpha_band(value) == label


def test_scale_reliability_table(keyed: pd.DataFrame, complete: pd.DataFrame) -> None:
    scales = {name: scale_items(name) for name in SCALES}
    table = rel.scale_reliability(complete, scales)
    assert list(table.columns) == [
        "scale",
        "k",
        "n",
        "alpha",
        "ci_low",
        "ci_high",
        "omega",
        "mean_citc",
        "min_citc",
        "flag",
        "meets_nunnally",
    ]
    row = table.set_index("scale").loc["openness"]
    assert row["alpha"] == pytest.approx(REF["scales"]["openness"]["raw_alpha"], abs=TIGHT)
    assert row["omega"] == pytest.approx(REF["scales"]["openness"]["omega_total_ml_1f"], abs=1e-5)
    assert row["min_citc"] == pytest.approx(
        min(REF["scales"]["openness"]["corrected_item_total_r"].values()), abs=TIGHT
    )
    assert row["flag"] == "questionable" and not row["meets_nunnally"]
    assert table.set_index("scale").loc["neuroticism", "flag"] == "good"
    # raw (un-reversed) items with `reverse` give the same table
    raw = complete.copy()
    raw[REVERSED] = 7 - raw[REVERSED]
    again = rel.scale_reliability(raw, scales, reverse=REVERSED)
    pd.testing.assert_frame_equal(table, again)
    with pytest.raises(InputError, match="Z9"):
        rel.scale_reliability(complete, {"bad": ["A1", "Z9"]})


def test_scale_reliability_flags_noise_but_not_a_sound_scale() -> None:
    rng = np.random.default_rng(8)
    sound = congeneric(300, rng)
    noise = pd.DataFrame(
        rng.integers(1, 7, size=(300, 4)).astype(float), columns=["n1", "n2", "n3", "n4"]
    )
    table = rel.scale_reliability(
        pd.concat([sound, noise], axis=1), {"sound": list("abcde"), "noise": list(noise)}
    )
    flags = table.set_index("scale")["flag"]
    assert flags["sound"] in ("acceptable", "good", "excellent")
    assert flags["noise"] == "unacceptable"


def test_reprs_and_frames(small: pd.DataFrame) -> None:
    res = rel.cronbach_alpha(small)
    assert "alpha=" in repr(res) and res.to_frame().shape == (1, 10)
    om = rel.mcdonald_omega(small)
    assert "OmegaResult(total=" in repr(om) and om.to_frame()["omega_total"].iloc[0] == om.total
    sh = rel.split_half(small)
    assert "SplitHalfResult" in repr(sh) and sh.to_frame().shape == (1, 7)


def test_scale_reliability_with_an_instrument() -> None:
    """The instrument's multi-item scales are used (the single-item NPS scale is skipped) and
    `reverse` recodes on the instrument's response scale."""
    from crm_research.instrument import load_instrument

    inst = load_instrument("d_company_customer")
    multi = {s.id: list(s.items) for s in inst.scales if len(s.items) >= 2}
    assert len(multi) < len(inst.scales)
    rng = np.random.default_rng(4)
    columns = [item for items in multi.values() for item in items]
    f = rng.normal(size=(500, 1))
    data = pd.DataFrame(
        np.clip(np.round(3 + f + rng.normal(size=(500, len(columns)))), 1, 5), columns=columns
    )
    reversed_item = next(i for i in inst.items if i.reverse)
    table = rel.scale_reliability(data, inst, reverse=[reversed_item.id]).set_index("scale")
    assert list(table.index) == list(multi)
    bounds = reversed_item.response_scale.min + reversed_item.response_scale.max
    by_hand = data[multi[reversed_item.scale]].copy()
    by_hand[reversed_item.id] = bounds - by_hand[reversed_item.id]
    assert table.loc[reversed_item.scale, "alpha"] == pytest.approx(
        hand_alpha(by_hand.to_numpy()), abs=1e-12
    )


# --- a simulated survey that is not bfi: 1-10 and 1-6 scales, blanks, -99 codes ------------------
# tests/fixtures/likert_missing_codes.csv and likert_audit_reference.json, both made by
# tests/reference/likert_audit_reference.R (psych 2.2.9). Scale A has 6 items (1-10), B 5
# items (1-6, B5 reverse-worded), C 7 items (1-6); three rows answer nothing.
LIKERT_REF = json.loads((FIXTURES / "likert_audit_reference.json").read_text())
LIKERT_SCALES = {"A": [f"A{i}" for i in range(1, 7)], "B": [f"B{i}" for i in range(1, 6)],
                 "C": [f"C{i}" for i in range(1, 8)]}  # fmt: skip


@pytest.fixture(scope="module")
def likert() -> pd.DataFrame:
    data = pd.read_csv(FIXTURES / "likert_missing_codes.csv").drop(columns="resp_id")
    data = data.replace(-99, np.nan)
    data["B5"] = 7 - data["B5"]
    return data


@pytest.mark.parametrize("scale", list(LIKERT_SCALES))
def test_likert_pairwise_alpha_and_feldt_use_every_row_as_psych(
    likert: pd.DataFrame, scale: str
) -> None:
    """psych alpha's Feldt interval uses nsub = nrow(x), rows with no answer included
    (before the fix: the rows answering any item, 237 of 240, so the CI was off by 1e-4)."""
    ref = LIKERT_REF[scale]["pairwise"]
    res = rel.cronbach_alpha(likert[LIKERT_SCALES[scale]], missing="pairwise")
    assert res.n == LIKERT_REF[scale]["nrow"] == 240
    assert res.alpha == pytest.approx(ref["alpha"], abs=TIGHT)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TIGHT)
    assert res.ci[0] == pytest.approx(ref["feldt_lower"], abs=TIGHT)
    assert res.ci[1] == pytest.approx(ref["feldt_upper"], abs=TIGHT)
    listwise = rel.cronbach_alpha(likert[LIKERT_SCALES[scale]])
    ref = LIKERT_REF[scale]["listwise"]
    assert listwise.n == LIKERT_REF[scale]["n_listwise"]
    assert listwise.alpha == pytest.approx(ref["alpha"], abs=TIGHT)
    assert listwise.ci == pytest.approx((ref["feldt_lower"], ref["feldt_upper"]), abs=TIGHT)


@pytest.mark.parametrize("scale", list(LIKERT_SCALES))
@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_likert_omega_matches_psych(likert: pd.DataFrame, scale: str, missing: str) -> None:
    """Omega from raw data with NAs uses cor(x, use = "pairwise") as psych omega/fa do
    (before: cov2cor of the pairwise covariances, up to 9e-3 off); two group factors use
    psych's equal g loadings (before: None); three factors of 6 items are identified
    (df = 0; before: NaN)."""
    ref = LIKERT_REF[scale][missing]
    items = likert[LIKERT_SCALES[scale]]
    one = rel.mcdonald_omega(items, missing=missing)
    assert one.total == pytest.approx(ref["omega_ml"], abs=1e-5)
    two = rel.mcdonald_omega(items, n_factors=2, missing=missing)
    assert two.hierarchical == pytest.approx(ref["omega2"]["omega_h"], abs=1e-4)
    assert two.total == pytest.approx(ref["omega2"]["omega_total"], abs=1e-4)
    if "omega3" in ref:
        three = rel.mcdonald_omega(items, n_factors=3, missing=missing)
        tol_h = OMEGA3_H_TOL.get((scale, missing), 1e-4)
        assert three.hierarchical == pytest.approx(ref["omega3"]["omega_h"], abs=tol_h)
        # measured: 3.4e-6, 1.3e-5, 1.2e-7, 7.2e-7 (A/C x listwise/pairwise)
        assert three.total == pytest.approx(ref["omega3"]["omega_total"], abs=1e-4)


#: omega_h with three factors, per case (measured 9.5e-5 A listwise, 7.1e-5 A pairwise,
#: 1.0e-6 C listwise: the stated 1e-4).  The one exception: three factors of C (pairwise)
#: is a near-Heywood fit (C5 communality .996) whose flat minres objective makes R's and
#: scipy's L-BFGS-B stop 3.2e-4 apart (docs/methods.md).
OMEGA3_H_TOL = {("C", "pairwise"): 5e-4}


def test_omega_needs_nonnegative_degrees_of_freedom(likert: pd.DataFrame) -> None:
    res = rel.mcdonald_omega(likert[LIKERT_SCALES["B"]], n_factors=3)  # 5 items, df = -2
    assert np.isnan(res.total) and np.isnan(res.hierarchical)
    assert "at least 6" in res.notes[0]


@pytest.mark.parametrize("scale", ["A", "B", "C"])
def test_likert_split_half_matches_psych(likert: pd.DataFrame, scale: str) -> None:
    """psych splitHalf evaluates, for odd k, the first ceil(C/2) lexicographic splits;
    the default reproduces its max and min (before: every split, 9e-2 off for k = 5).
    The mean is the mean of those splits: psych's meanr divides by C/2, which for k = 7
    (C = 35) differs by the factor 18/17.5."""
    ref = LIKERT_REF[scale]["listwise"]["split_half"]
    items = likert[LIKERT_SCALES[scale]].dropna()
    res = rel.split_half(items)
    k = len(LIKERT_SCALES[scale])
    c = math.comb(k, k // 2)
    assert res.n_splits == math.ceil(c / 2)
    assert res.max == pytest.approx(ref["max"], abs=TIGHT)
    assert res.min == pytest.approx(ref["min"], abs=TIGHT)
    assert res.mean * res.n_splits / (c / 2) == pytest.approx(ref["meanr"], abs=TIGHT)
    everything = rel.split_half(items, splits="all")
    assert everything.max >= res.max and everything.min <= res.min
    assert everything.n_splits == (c // 2 if k % 2 == 0 else c)


def test_split_half_mean_stays_within_its_range_for_three_items(small: pd.DataFrame) -> None:
    res = rel.split_half(small[["q1", "q2", "q3"]])
    assert res.n_splits == 2
    assert res.min <= res.mean <= res.max
    with pytest.raises(InputError, match="splits"):
        rel.split_half(small, splits="some")


def test_undeclared_minus_99_is_never_used_as_a_number(likert: pd.DataFrame) -> None:
    """A table read with plain pandas keeps -99; before the fix it entered alpha as an answer
    (scale A: alpha .26 instead of psych's .83).  Now it is set to NaN with a warning."""
    raw = pd.read_csv(FIXTURES / "likert_missing_codes.csv")
    assert (raw[LIKERT_SCALES["A"]] == -99).any().all()
    with pytest.warns(UserWarning, match=r"A1 \(-99\).*treated as missing"):
        res = rel.cronbach_alpha(raw[LIKERT_SCALES["A"]])
    assert res.alpha == pytest.approx(LIKERT_REF["A"]["listwise"]["alpha"], abs=TIGHT)
    assert res.n == LIKERT_REF["A"]["n_listwise"]
    with pytest.warns(UserWarning, match="missing-value codes"):
        table = rel.scale_reliability(raw, {"A": LIKERT_SCALES["A"]}, missing="pairwise")
    assert table.loc[0, "alpha"] == pytest.approx(LIKERT_REF["A"]["pairwise"]["alpha"], abs=TIGHT)
    # codes next to the other answers are answers: 1..7 shifted by -100 keeps -99 .. -93
    shifted = likert[LIKERT_SCALES["B"]].dropna() - 100
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rel.cronbach_alpha(shifted).alpha == pytest.approx(
            LIKERT_REF["B"]["listwise"]["alpha"], abs=TIGHT
        )


def test_undeclared_codes_are_removed_before_reversing() -> None:
    """reverse_items used the observed range, so -99 made B5 reversed as -99 + 6 - x."""
    raw = pd.read_csv(FIXTURES / "likert_missing_codes.csv")
    with pytest.warns(UserWarning, match="missing-value codes"):
        table = rel.scale_reliability(raw, {"B": LIKERT_SCALES["B"]}, reverse=["B5"])
    assert table.loc[0, "alpha"] == pytest.approx(LIKERT_REF["B"]["listwise"]["alpha"], abs=TIGHT)
    with pytest.warns(UserWarning):
        assert rel.reverse_items(raw[["B5"]], ["B5"])["B5"].max() <= 6
