"""Tests of crm_research.correlation: the bivariate normal CDF against scipy and closed forms,
polychoric correlations against R psych 2.2.9 (tests/reference/reliability_polychoric.R) and
against closed-form and simulated cases.

psych maximises with optimize() (tolerance ~1.2e-4 in rho) and integrates cells with
mnormt::sadmvn (abseps 1e-6); we solve to 1e-10, so the stated tolerance is 1e-4
(observed maximum 2.1e-5 on all three references).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from crm_research.correlation import (
    bivariate_normal_cdf,
    cor_smooth,
    pearson_matrix,
    polychoric,
    polychoric_matrix,
    polychoric_result,
)
from crm_research.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
POLY_TOL = 1e-4


@pytest.fixture(scope="module")
def bfi_items() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "bfi.csv").iloc[:, :25]


@pytest.mark.parametrize(
    "rho", [-0.999, -0.95, -0.93, -0.6, -0.1, 0.0, 0.3, 0.9, 0.924, 0.926, 0.99, 0.99999]
)
def test_bivariate_cdf_against_scipy(rho: float) -> None:
    rng = np.random.default_rng(int(abs(rho) * 1000))
    h, k = rng.uniform(-3.5, 3.5, 25), rng.uniform(-3.5, 3.5, 25)
    ours = bivariate_normal_cdf(h, k, rho)
    ref = multivariate_normal([0, 0], [[1, rho], [rho, 1]], abseps=1e-12, releps=1e-12).cdf(
        np.c_[h, k]
    )
    np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_bivariate_cdf_closed_forms() -> None:
    rho = np.array([-0.99, -0.5, 0.0, 0.5, 0.95, 0.99])
    np.testing.assert_allclose(
        bivariate_normal_cdf(0.0, 0.0, rho), 0.25 + np.arcsin(rho) / (2 * np.pi), atol=1e-14
    )
    # infinite limits reduce to the margins
    out = bivariate_normal_cdf([np.inf, -np.inf, 1.0, np.inf], [0.3, 2.0, np.inf, np.inf], 0.4)
    np.testing.assert_allclose(out, [0.6179114221889527, 0.0, 0.8413447460685429, 1.0], atol=1e-15)
    # independence
    np.testing.assert_allclose(
        bivariate_normal_cdf(0.5, -1.0, 0.0), 0.6914624612740131 * 0.15865525393145707
    )


@pytest.mark.parametrize(
    ("fixture", "rows", "cols", "collapse_a1"),
    [
        ("bfi_polychoric_rho.csv", slice(None), slice(None), False),
        ("bfi150_polychoric_rho.csv", slice(0, 150), slice(0, 10), False),
        ("bfi300_unequal_polychoric_rho.csv", slice(0, 300), slice(0, 8), True),
    ],
)
def test_polychoric_matches_psych(
    bfi_items: pd.DataFrame, fixture: str, rows: slice, cols: slice, collapse_a1: bool
) -> None:
    data = bfi_items.iloc[rows, cols].copy()
    if collapse_a1:
        data["A1"] = data["A1"].clip(upper=4)
    ref = pd.read_csv(FIXTURES / fixture, index_col=0)
    res = polychoric_result(data)
    assert list(res.rho.columns) == list(ref.columns)
    np.testing.assert_allclose(res.rho.to_numpy(), ref.to_numpy(), atol=POLY_TOL)
    # unequal numbers of categories switch psych to per-pair thresholds with the correction
    assert res.global_thresholds is not collapse_a1
    assert (res.corrected_pairs > 0) is collapse_a1


def test_thresholds_are_normal_quantiles_of_the_margins(bfi_items: pd.DataFrame) -> None:
    from scipy.stats import norm

    res = polychoric_result(bfi_items.iloc[:, :3])
    col = bfi_items["A2"].dropna()
    expected = norm.ppf(col.value_counts(normalize=True).sort_index().cumsum().iloc[:-1])
    np.testing.assert_allclose(res.thresholds["A2"], expected, atol=1e-12)


def test_tetrachoric_closed_form() -> None:
    """Median splits (thresholds 0): P11 = 1/4 + asin(rho)/(2 pi), so the ML estimate is
    rho = sin(2 pi (p11 - 1/4)) exactly."""
    table = [(1, 1, 350), (1, 2, 150), (2, 1, 150), (2, 2, 350)]
    rows = [(a, b) for a, b, n in table for _ in range(n)]
    x, y = np.array(rows).T
    # a likelihood that is flat to double precision within ~1e-8 of its maximum limits the
    # achievable accuracy of any optimiser to about that
    assert polychoric(x, y) == pytest.approx(np.sin(2 * np.pi * (0.35 - 0.25)), abs=1e-7)


def test_polychoric_recovers_latent_correlation() -> None:
    """20,000 draws: the SE of a polychoric r near .5 with 5 x 4 categories is ~0.007."""
    rng = np.random.default_rng(17)
    z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=20_000)
    x = np.digitize(z[:, 0], [-1.2, -0.3, 0.4, 1.1]) + 1
    y = np.digitize(z[:, 1], [-0.8, 0.0, 0.9]) + 1
    assert polychoric(x, y) == pytest.approx(0.5, abs=0.03)
    # the Pearson correlation of the codes is attenuated
    assert np.corrcoef(x, y)[0, 1] < 0.48


def test_pair_and_matrix_agree_and_missing_is_pairwise(bfi_items: pd.DataFrame) -> None:
    data = bfi_items[["A1", "A2", "A3"]]
    matrix = polychoric_matrix(data)
    assert polychoric(data["A1"], data["A3"]) == pytest.approx(matrix.loc["A1", "A3"], abs=1e-8)
    assert np.allclose(np.diag(matrix), 1.0) and np.allclose(matrix, matrix.T)


def test_polychoric_input_errors() -> None:
    with pytest.raises(InputError, match="non-integer"):
        polychoric_matrix(pd.DataFrame({"a": [1, 2.5, 3], "b": [1, 2, 3]}))
    with pytest.raises(InputError, match="single observed value"):
        polychoric_matrix(pd.DataFrame({"a": [2, 2, 2], "b": [1, 2, 3]}))
    with pytest.raises(InputError, match="max_categories"):
        polychoric_matrix(pd.DataFrame({"a": range(1, 14), "b": range(13, 0, -1)}))
    with pytest.raises(InputError, match="txt"):
        polychoric_matrix(pd.DataFrame({"a": [1, 2], "txt": ["x", "y"]}))
    with pytest.raises(InputError, match="gone"):
        polychoric_matrix(pd.DataFrame({"a": [1, 2], "gone": [np.nan, np.nan]}))
    with pytest.raises(InputError, match="never answered in the same row"):
        polychoric_matrix(pd.DataFrame({"a": [1, 2, np.nan, np.nan], "b": [np.nan, np.nan, 1, 2]}))


def test_cor_smooth_makes_a_matrix_positive_definite() -> None:
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    fixed = cor_smooth(bad)
    assert np.linalg.eigvalsh(fixed).min() > 0
    np.testing.assert_allclose(np.diag(fixed), 1.0, atol=1e-14)
    np.testing.assert_allclose(fixed, fixed.T, atol=1e-14)
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    assert cor_smooth(good) is good


def test_pearson_matrix_pairwise_and_listwise() -> None:
    data = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 1, 4, 3, np.nan, 5], "c": [1, 3, 2, 5, 4, 6]}
    )
    pd.testing.assert_frame_equal(pearson_matrix(data), data.corr())
    listwise = pearson_matrix(data, missing="listwise")
    np.testing.assert_allclose(
        listwise.to_numpy(), np.corrcoef(data.dropna().to_numpy(), rowvar=False), atol=1e-14
    )
    with pytest.raises(InputError, match="missing"):
        pearson_matrix(data, missing="mean")
