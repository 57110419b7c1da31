"""Properties the fast paths of issue 6 must keep (no timing assertions here).

* the batched bootstrap of alpha is reproducible (same seed -> identical, other seed ->
  different) and equals a plain loop over the same resamples;
* alpha and item analysis on int8 input equal those on float64 input (1e-12) and the
  textbook formulas computed with ``numpy.cov`` (1e-12);
* moments accumulated in row chunks equal the unchunked ones, with and without missing data
  (pandas' pairwise-complete covariance is the independent reference for ``pairwise``);
* parallel analysis is identical for the same seed.

Timings live in ``benchmarks/run.py`` (``make bench``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_research import factor, reliability

TOL = 1e-12


def likert(n: int, k: int, seed: int, n_factors: int = 3) -> np.ndarray:
    """Seeded 5-point Likert int8 data from a latent factor model (as benchmarks/run.py)."""
    rng = np.random.default_rng(seed)
    load = np.zeros((k, n_factors))
    load[np.arange(k), np.arange(k) % n_factors] = rng.uniform(0.5, 0.8, size=k)
    y = rng.standard_normal((n, n_factors)) @ load.T
    y += rng.standard_normal((n, k)) * np.sqrt(1 - (load**2).sum(axis=1))
    return (np.searchsorted([-1.5, -0.5, 0.5, 1.5], y) + 1).astype(np.int8)


def as_frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(x.shape[1])])


def textbook_alpha(x: np.ndarray) -> float:
    c = np.cov(np.asarray(x, dtype=float), rowvar=False)
    k = c.shape[0]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return as_frame(likert(400, 8, seed=11)).astype(float)


@pytest.fixture(scope="module")
def with_missing() -> pd.DataFrame:
    x = likert(500, 6, seed=12).astype(float)
    rng = np.random.default_rng(13)
    x[rng.random(x.shape) < 0.08] = np.nan
    return as_frame(x)


# --- bootstrap -----------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_bootstrap_same_seed_identical(with_missing: pd.DataFrame, missing: str) -> None:
    a = reliability.bootstrap_alpha(with_missing, n_boot=300, seed=5, missing=missing)
    b = reliability.bootstrap_alpha(with_missing, n_boot=300, seed=5, missing=missing)
    assert np.array_equal(a, b, equal_nan=True)
    ra = reliability.cronbach_alpha(with_missing, method="bootstrap", n_boot=300, seed=5, missing=missing)  # fmt: skip
    rb = reliability.cronbach_alpha(with_missing, method="bootstrap", n_boot=300, seed=5, missing=missing)  # fmt: skip
    assert ra.ci == rb.ci
    assert ra.n_boot == 300


def test_bootstrap_generator_seed_equals_integer_seed(small: pd.DataFrame) -> None:
    a = reliability.bootstrap_alpha(small, n_boot=200, seed=7)
    b = reliability.bootstrap_alpha(small, n_boot=200, seed=np.random.default_rng(7))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_bootstrap_different_seeds_differ(with_missing: pd.DataFrame, missing: str) -> None:
    a = reliability.bootstrap_alpha(with_missing, n_boot=300, seed=5, missing=missing)
    b = reliability.bootstrap_alpha(with_missing, n_boot=300, seed=6, missing=missing)
    # every resample differs (a tie between two resamples of 500 rows has probability ~0)
    assert not np.any(a == b)
    ra = reliability.cronbach_alpha(with_missing, method="bootstrap", n_boot=300, seed=5, missing=missing)  # fmt: skip
    rb = reliability.cronbach_alpha(with_missing, method="bootstrap", n_boot=300, seed=6, missing=missing)  # fmt: skip
    assert ra.ci != rb.ci


def test_bootstrap_batched_equals_loop_over_resamples(small: pd.DataFrame) -> None:
    """Weighted moments of all resamples at once equal alpha of each resampled data set.

    400 rows x 300 resamples fit in one batch of ``bootstrap_alpha``, whose resamples are
    ``default_rng(seed).integers(0, n, size=(n_boot, n))``; alpha of each is recomputed here
    from the expanded rows with numpy.cov.
    """
    n_boot, seed = 300, 3
    fast = reliability.bootstrap_alpha(small, n_boot=n_boot, seed=seed)
    draws = np.random.default_rng(seed).integers(0, len(small), size=(n_boot, len(small)))
    x = small.to_numpy()
    slow = np.array([textbook_alpha(x[idx]) for idx in draws])
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)


def test_bootstrap_interval_is_percentile_of_resamples(small: pd.DataFrame) -> None:
    boots = reliability.bootstrap_alpha(small, n_boot=400, seed=9)
    res = reliability.cronbach_alpha(small, method="bootstrap", n_boot=400, seed=9, ci=0.9)
    assert res.ci == pytest.approx(tuple(np.quantile(boots, [0.05, 0.95])), abs=TOL)
    assert res.ci[0] < res.alpha < res.ci[1]


# --- int8 vs float64 -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def int8_and_float() -> tuple[pd.DataFrame, pd.DataFrame]:
    x = likert(150_000, 12, seed=21)  # > CHUNK_ROWS rows, so several chunks
    return as_frame(x), as_frame(x.astype(float))


def test_int8_input_keeps_its_dtype(int8_and_float: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    as_int8, _ = int8_and_float
    assert reliability._item_array(as_int8).dtype == np.int8


def test_alpha_int8_equals_float64(int8_and_float: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    as_int8, as_float = int8_and_float
    a8 = reliability.cronbach_alpha(as_int8)
    a64 = reliability.cronbach_alpha(as_float)
    assert a8.alpha == pytest.approx(a64.alpha, abs=TOL)
    assert a8.std_alpha == pytest.approx(a64.std_alpha, abs=TOL)
    assert a8.average_r == pytest.approx(a64.average_r, abs=TOL)
    assert a8.ci == pytest.approx(a64.ci, abs=TOL)
    assert a8.n == a64.n == len(as_int8)
    assert a8.alpha == pytest.approx(textbook_alpha(as_float.to_numpy()), abs=TOL)


def test_item_analysis_int8_equals_float64(
    int8_and_float: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    as_int8, as_float = int8_and_float
    t8 = reliability.item_analysis(as_int8)
    t64 = reliability.item_analysis(as_float)
    pd.testing.assert_frame_equal(t8, t64, check_exact=False, rtol=0, atol=TOL)
    # independent: corrected item-total r and alpha-if-deleted from numpy
    x = as_float.to_numpy()
    total = x.sum(axis=1)
    for j, name in enumerate(as_float.columns):
        rest = total - x[:, j]
        citc = np.corrcoef(x[:, j], rest)[0, 1]
        assert t8.loc[name, "corrected_item_total_r"] == pytest.approx(citc, abs=TOL)
        alpha_del = textbook_alpha(np.delete(x, j, axis=1))
        assert t8.loc[name, "alpha_if_deleted"] == pytest.approx(alpha_del, abs=TOL)
        assert t8.loc[name, "mean"] == pytest.approx(x[:, j].mean(), abs=TOL)
        assert t8.loc[name, "sd"] == pytest.approx(x[:, j].std(ddof=1), abs=TOL)


def test_wide_integer_codes_stay_exact() -> None:
    """Codes too wide for exact float32 cross-products (0..1000) still match float64."""
    rng = np.random.default_rng(4)
    base = rng.integers(0, 1001, size=(70_000, 1))
    x = np.clip(base + rng.integers(-200, 201, size=(70_000, 5)), 0, 1000).astype(np.int16)
    a16 = reliability.cronbach_alpha(as_frame(x)).alpha
    a64 = reliability.cronbach_alpha(as_frame(x.astype(float))).alpha
    assert a16 == pytest.approx(a64, abs=TOL)
    assert a16 == pytest.approx(textbook_alpha(x), abs=TOL)


# --- chunked vs unchunked moments ------------------------------------------------------------------
@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
@pytest.mark.parametrize("dtype", [np.int8, float])
def test_chunked_moments_equal_unchunked(
    monkeypatch: pytest.MonkeyPatch, chunk: int, dtype: type
) -> None:
    df = as_frame(likert(3_001, 7, seed=31).astype(dtype))
    whole = reliability._moments(df, "listwise")
    monkeypatch.setattr(reliability, "CHUNK_ROWS", chunk)
    parts = reliability._moments(df, "listwise")
    assert parts.n == whole.n == len(df)
    np.testing.assert_allclose(parts.mean, whole.mean, rtol=0, atol=TOL)
    np.testing.assert_allclose(parts.cov, whole.cov, rtol=0, atol=TOL)
    x = df.to_numpy(dtype=float)
    np.testing.assert_allclose(whole.mean, x.mean(axis=0), rtol=0, atol=TOL)
    np.testing.assert_allclose(whole.cov, np.cov(x, rowvar=False), rtol=0, atol=TOL)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_chunked_moments_with_missing_data(
    monkeypatch: pytest.MonkeyPatch, with_missing: pd.DataFrame, missing: str
) -> None:
    whole = reliability._moments(with_missing, missing)
    monkeypatch.setattr(reliability, "CHUNK_ROWS", 13)
    parts = reliability._moments(with_missing, missing)
    assert parts.n == whole.n
    np.testing.assert_array_equal(parts.n_item, whole.n_item)
    np.testing.assert_allclose(parts.mean, whole.mean, rtol=0, atol=TOL)
    np.testing.assert_allclose(parts.cov, whole.cov, rtol=0, atol=TOL)
    if missing == "listwise":
        ref = with_missing.dropna()
        assert whole.n == len(ref)
    else:
        ref = with_missing
        assert whole.n == int(with_missing.notna().any(axis=1).sum())
    # pandas: pairwise-complete covariance (n - 1 per pair), the psych/use="pairwise" definition
    np.testing.assert_allclose(whole.cov, ref.cov().to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(whole.mean, ref.mean().to_numpy(), rtol=0, atol=TOL)


def test_chunked_alpha_and_item_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    df = as_frame(likert(5_000, 9, seed=41))
    alpha = reliability.cronbach_alpha(df)
    table = reliability.item_analysis(df)
    monkeypatch.setattr(reliability, "CHUNK_ROWS", 97)
    assert reliability.cronbach_alpha(df).alpha == pytest.approx(alpha.alpha, abs=TOL)
    pd.testing.assert_frame_equal(
        reliability.item_analysis(df), table, check_exact=False, rtol=0, atol=TOL
    )


# --- parallel analysis ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pa_data() -> pd.DataFrame:
    return as_frame(likert(600, 9, seed=51)).astype(float)


@pytest.mark.parametrize("simulation", ["wishart", "data"])
def test_parallel_analysis_same_seed_identical(pa_data: pd.DataFrame, simulation: str) -> None:
    a = factor.parallel_analysis(pa_data, n_iter=30, seed=8, simulation=simulation)
    b = factor.parallel_analysis(pa_data, n_iter=30, seed=8, simulation=simulation)
    pd.testing.assert_frame_equal(a.simulated, b.simulated, check_exact=True)
    pd.testing.assert_frame_equal(a.observed, b.observed, check_exact=True)
    assert (a.n_factors, a.n_components) == (b.n_factors, b.n_components)


def test_parallel_analysis_different_seed_differs(pa_data: pd.DataFrame) -> None:
    a = factor.parallel_analysis(pa_data, n_iter=30, seed=8)
    b = factor.parallel_analysis(pa_data, n_iter=30, seed=9)
    assert not np.allclose(a.simulated.to_numpy(), b.simulated.to_numpy(), rtol=0, atol=1e-6)
    pd.testing.assert_frame_equal(a.observed, b.observed, check_exact=True)  # data, not seed
    assert a.n_factors == b.n_factors == 3  # the planted structure
