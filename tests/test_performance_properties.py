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


def test_chunks_of_mixed_width_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narrow chunks (float32 products) and a wide chunk (float64) in one table."""
    x = likert(4_000, 6, seed=71).astype(np.int16)
    x[2_500:2_600] *= 300  # codes up to 1500 in the third chunk only
    monkeypatch.setattr(reliability, "CHUNK_ROWS", 1_000)
    a16 = reliability._moments(as_frame(x), "listwise")
    np.testing.assert_allclose(a16.cov, np.cov(x.astype(float), rowvar=False), rtol=0, atol=1e-9)
    np.testing.assert_allclose(a16.mean, x.mean(axis=0), rtol=0, atol=TOL)


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


# --- reading CSV: the pyarrow path gives what the csv module gives ---------------------------------
def _read_both(path, monkeypatch: pytest.MonkeyPatch, **kwargs):
    """The file read with pyarrow allowed for any size, and with the csv module only."""
    from crm_research import readers
    from crm_research.errors import InputError

    outcomes = []
    for threshold in (0, float("inf")):
        with monkeypatch.context() as m:
            m.setattr(readers, "PYARROW_MIN_BYTES", threshold)
            try:
                outcomes.append(readers.read_responses(path, **kwargs))
            except InputError as exc:
                outcomes.append(str(exc))
    return outcomes


def _assert_same_responses(fast, slow) -> None:
    if isinstance(fast, str) or isinstance(slow, str):  # the same one-sentence error
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast.items, slow.items, check_exact=True)
    pd.testing.assert_frame_equal(fast.meta, slow.meta, check_exact=True)
    pd.testing.assert_frame_equal(fast.quality.to_frame(), slow.quality.to_frame(), check_exact=True)  # fmt: skip
    assert (fast.columns, fast.n_read, fast.platform) == (slow.columns, slow.n_read, slow.platform)


def _survey_text(n: int, seed: int) -> str:
    """A survey export with every kind of cell the screening rules look at."""
    rng = np.random.default_rng(seed)
    x = likert(n, 10, seed=seed).astype(object)
    x[rng.random(x.shape) < 0.03] = ""  # skipped
    x[rng.random(x.shape) < 0.01] = "-99"  # undeclared missing code
    x[rng.random(x.shape) < 0.01] = "7"  # out of range
    x[rng.random(x.shape) < 0.01] = "n/a"  # blank marker
    x[rng.random(x.shape) < 0.01] = " 3\u3000"  # full-width space around an answer
    x[rng.random(x.shape) < 0.005] = "\xa04 "  # no-break space
    x[rng.random(x.shape) < 0.005] = "abc"  # non-numeric
    x[rng.random(x.shape) < 0.005] = "４"  # full-width digit
    x[5] = x[4]  # a duplicated respondent (same answers and background)
    x[8] = ["2"] * 10  # a straight-liner (10 items: STRAIGHT_LINING_MIN_ITEMS)
    group = rng.choice(["school", "hospital", " government ", ""], n)
    ids = [str(i) for i in range(1, n + 1)]
    ids[12] = ids[11]  # a duplicated id
    lines = ["id,group\u3000," + ",".join(f"q{j}" for j in range(1, 10)) + ",\xa0q10\x1f"]
    lines += [",".join([ids[i], str(group[i]), *map(str, x[i])]) for i in range(n)]
    lines.insert(40, "," * 11)  # an empty row (all cells blank)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("encoding", "newline", "delimiter"),
    [("utf-8", "\n", ","), ("utf-8-sig", "\r\n", ";"), ("gb18030", "\n", "\t")],
)
def test_pyarrow_csv_path_equals_csv_module(
    tmp_path, monkeypatch: pytest.MonkeyPatch, encoding: str, newline: str, delimiter: str
) -> None:
    from crm_research import readers

    text = _survey_text(600, seed=61).replace(",", delimiter).replace("\n", newline)
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    parsed = []
    original = readers._pyarrow_cells
    monkeypatch.setattr(
        readers, "_pyarrow_cells", lambda *a: parsed.append(original(*a)) or parsed[-1]
    )
    fast, slow = _read_both(path, monkeypatch)
    assert parsed[0] is not None and fast.n_read == 600  # pyarrow really parsed it
    _assert_same_responses(fast, slow)
    rules = set(slow.quality.to_frame()["rule"])
    assert {"duplicate_respondent", "non_numeric", "straight_lining"} <= rules


@pytest.mark.parametrize(
    "text",
    [
        'id,q1,q2,q3\n1,"2",3,4\n2,3,"4,5",1\n3,1,2,3\n',  # quoted fields
        "id,q1,q2,q3\n1,2,3\n2,3,4,1\n3,1,2,3\n",  # a short row
        "id,q1,q2,q3\n1,2,3\n2,3,4,1\n3,1,2,3,9\n",  # ragged (the widest row is the header)
        "id,q1,q2,q3\n1,2,3,4\n\n2,3,4,1\n3,1,2,3\n",  # a blank line
        "id,q1,q2,q3\r1,2,3,4\r2,3,4,1\r3,1,2,3\r",  # old Mac line ends
        "Survey 2024\nid,q1,q2,q3\n1,2,3,4\n2,3,4,1\n3,1,2,3\n",  # a title row
    ],
)
def test_csv_files_pyarrow_cannot_take_read_the_same(
    tmp_path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8", newline="")
    fast, slow = _read_both(path, monkeypatch)
    _assert_same_responses(fast, slow)


def test_whitespace_trimmed_by_pyarrow_is_python_whitespace() -> None:
    from crm_research import readers

    python_whitespace = {chr(i) for i in range(0x110000) if chr(i).isspace()}
    assert set(readers._PY_WHITESPACE) == python_whitespace
