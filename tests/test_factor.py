"""crm_research.factor against R psych 2.2.9 / GPArotation 2022.10-2 and simulations with known truth.

References: ``tests/fixtures/bfi_reference.json`` (shared R reference) and
``tests/fixtures/factor_reference.json`` (``tests/reference/factor_reference.R``).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from crm_research import factor
from crm_research.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
BFI_REF = json.loads((FIXTURES / "bfi_reference.json").read_text())
FACTOR_REF = json.loads((FIXTURES / "factor_reference.json").read_text())

# Tolerances.  KMO, Bartlett and eigenvalues are closed-form: 1e-6 (issue 3).  Loadings come
# from an L-BFGS-B optimum that psych stops at factr = 1e7; our port reproduces psych's path,
# so the loadings agree to ~1e-14 here, but a different BLAS may move the stopping point:
# 1e-4 (issue 3 asks for 2e-3).
CLOSED_FORM_TOL = 1e-6
LOADING_TOL = 1e-4
RECOVERY_TOL = 0.03


@pytest.fixture(scope="module")
def bfi_raw() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "bfi.csv").iloc[:, :25]


@pytest.fixture(scope="module")
def bfi(bfi_raw: pd.DataFrame) -> pd.DataFrame:
    return bfi_raw.dropna()


def _ref_loadings(block: list[dict], names) -> np.ndarray:
    return np.array([[column[name] for name in names] for column in block]).T


def _assert_matches_psych(
    res: factor.EFAResult, ref: dict, names, tol: float = LOADING_TOL
) -> None:
    expected = _ref_loadings(ref["loadings"], names)
    np.testing.assert_allclose(res.loadings.to_numpy(), expected, atol=tol, rtol=0)
    if "columns" in ref:
        cols = ref["columns"] if isinstance(ref["columns"], list) else [ref["columns"]]
        assert list(res.loadings.columns) == cols
    if "communality" in ref:
        got = res.communalities.to_numpy()
        np.testing.assert_allclose(got, [ref["communality"][n] for n in names], atol=tol, rtol=0)
    if ref.get("phi") is not None:
        np.testing.assert_allclose(res.phi.to_numpy(), np.array(ref["phi"]), atol=tol, rtol=0)
    else:
        assert res.phi is None
    if "ss_loadings" in ref:
        ss = np.atleast_1d(ref["ss_loadings"])
        np.testing.assert_allclose(res.variance["ss_loadings"].to_numpy(), ss, atol=tol, rtol=0)


# --- KMO, Bartlett, eigenvalues vs psych -----------------------------------------------------


def test_kmo_equals_psych(bfi):
    res = factor.kmo(bfi)
    assert res.overall == pytest.approx(BFI_REF["kmo"]["overall"], abs=CLOSED_FORM_TOL)
    expected = pd.Series(BFI_REF["kmo"]["per_item"])
    np.testing.assert_allclose(res.per_item[expected.index], expected, atol=CLOSED_FORM_TOL, rtol=0)
    assert res.label == "meritorious"  # .80 <= .849 < .90 (Kaiser 1974)
    assert res.n == 2436
    frame = res.to_frame()
    assert frame.loc["overall", "msa"] == res.overall and len(frame) == 26


def test_bartlett_equals_psych(bfi):
    res = factor.bartlett_sphericity(bfi)
    assert res.chisq == pytest.approx(BFI_REF["bartlett"]["chisq"], rel=CLOSED_FORM_TOL)
    assert res.df == BFI_REF["bartlett"]["df"] == 300
    assert res.p_value == pytest.approx(BFI_REF["bartlett"]["p_value"], abs=CLOSED_FORM_TOL)


def test_bartlett_by_hand_small_example():
    # two items with sample correlation r: chi2 = -ln(1 - r^2) * (n - 1 - 9/6), df = 1
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 2))
    x[:, 1] += 0.5 * x[:, 0]
    r = np.corrcoef(x, rowvar=False)[0, 1]
    res = factor.bartlett_sphericity(pd.DataFrame(x, columns=["a", "b"]))
    assert res.chisq == pytest.approx(-np.log(1 - r**2) * (50 - 1 - 9 / 6), rel=1e-12)
    assert res.df == 1


def test_eigenvalues_equal_psych(bfi):
    ev = factor.eigenvalues(bfi)
    np.testing.assert_allclose(
        ev["eigenvalue"], BFI_REF["eigenvalues"], atol=CLOSED_FORM_TOL, rtol=0
    )
    assert list(ev["number"]) == list(range(1, 26))
    assert ev["cumulative"].iloc[-1] == pytest.approx(1.0)


def test_kmo_labels_follow_kaiser_1974():
    assert [factor.kmo_label(v) for v in (0.95, 0.85, 0.75, 0.65, 0.55, 0.45)] == [
        "marvelous",
        "meritorious",
        "middling",
        "mediocre",
        "miserable",
        "unacceptable",
    ]


# --- EFA vs psych ----------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(BFI_REF["efa"])))
def test_every_fixture_efa_equals_psych(bfi, index):
    ref = BFI_REF["efa"][index]
    res = factor.efa(bfi, ref["nfactors"], method=ref["fm"], rotation=ref["rotate"])
    _assert_matches_psych(res, ref, bfi.columns)
    assert res.converged


def test_pca_varimax_equals_psych_principal(bfi):
    ref = BFI_REF["pca_varimax"]
    res = factor.efa(bfi, 5, method="pca", rotation="varimax")
    _assert_matches_psych(res, ref, bfi.columns)
    assert res.variance["cumulative_pct"].iloc[-1] / 100 == pytest.approx(
        ref["variance_explained_cumulative"], abs=CLOSED_FORM_TOL
    )
    assert list(res.loadings.columns) == ["RC2", "RC1", "RC3", "RC5", "RC4"]


@pytest.mark.parametrize(
    ("key", "n_items", "kwargs"),
    [
        ("pa_oblimin", 25, {"n_factors": 5, "method": "pa", "rotation": "oblimin"}),
        ("minres_1f_agree", 5, {"n_factors": 1}),
        ("ml_oblimin_3f", 15, {"n_factors": 3, "method": "ml", "rotation": "oblimin"}),
        ("pca_oblimin", 25, {"n_factors": 5, "method": "pca", "rotation": "oblimin"}),
        ("pca_promax", 25, {"n_factors": 5, "method": "pca", "rotation": "promax"}),
    ],
)
def test_more_efa_equal_psych(bfi, key, n_items, kwargs):
    items = bfi.iloc[:, :n_items]
    res = factor.efa(items, **kwargs)
    _assert_matches_psych(res, FACTOR_REF[key], items.columns)


def test_psych_names_and_sorting(bfi):
    # psych names factors in rotated order, then sorts by variance accounted for
    res = factor.efa(bfi, 5)
    assert list(res.loadings.columns) == ["MR2", "MR1", "MR3", "MR5", "MR4"]
    assert (np.diff(res.variance["ss_loadings"].to_numpy()) <= 0).all()
    assert (res.loadings.sum(axis=0) > 0).all()


def test_pairwise_missing_equals_psych_default(bfi_raw):
    res = factor.efa(bfi_raw, 5, missing="pairwise")
    _assert_matches_psych(res, FACTOR_REF["minres_oblimin_pairwise"], bfi_raw.columns)


def test_pa_is_iterated_principal_axis_not_pca(bfi):
    pa = factor.efa(bfi, 5, method="pa", rotation=None)
    pca = factor.efa(bfi, 5, method="pca", rotation=None)
    assert np.abs(pa.loadings.to_numpy() - pca.loadings.to_numpy()).max() > 0.05
    # converged communalities reproduce themselves: h2 = diag(L L') of the reduced matrix
    r = pa.correlation.to_numpy().copy()
    np.fill_diagonal(r, pa.communalities)
    w, v = np.linalg.eigh(r)
    load = v[:, ::-1][:, :5] * np.sqrt(w[::-1][:5])
    # PA stops when the communalities change by less than psych's min.err = .001 (measured
    # 3.4e-4 off the fixed point)
    np.testing.assert_allclose((load**2).sum(axis=1), pa.communalities, atol=1e-3)


def test_polychoric_efa_equals_psych_given_psych_rho(bfi, monkeypatch):
    """EFA part of fa(cor = "poly") exactly, fed psych's own polychoric matrix."""
    ref = FACTOR_REF["poly_2f"]
    items = bfi.iloc[:, :10]
    rho = pd.DataFrame(np.array(ref["rho"]), index=items.columns, columns=items.columns)
    fake = types.ModuleType("crm_research.correlation")
    fake.polychoric_matrix = lambda frame, **_: rho.loc[frame.columns, frame.columns]
    monkeypatch.setitem(sys.modules, "crm_research.correlation", fake)
    monkeypatch.setattr("crm_research.correlation", fake, raising=False)
    res = factor.efa(items, 2, cor="poly")
    _assert_matches_psych(res, ref, items.columns)


def test_polychoric_efa_equals_psych(bfi):
    """End to end with crm_research.correlation.polychoric_matrix: psych parity 1e-4
    (measured 3.0e-5 on the loadings, 1.2e-5 communalities, 1.8e-6 phi)."""
    ref = FACTOR_REF["poly_2f"]
    items = bfi.iloc[:, :10].astype(int)
    res = factor.efa(items, 2, cor="poly")
    _assert_matches_psych(res, ref, items.columns, tol=LOADING_TOL)


@pytest.mark.parametrize(
    ("key", "method", "rotation"),
    [
        ("spss_minres_oblimin", "minres", "oblimin"),
        ("spss_pca_oblimin", "pca", "oblimin"),
        ("spss_pca_promax", "pca", "promax"),
    ],
)
def test_spss_kaiser_normalised_rotations(bfi, key, method, rotation):
    ref = FACTOR_REF[key]
    res = factor.efa(bfi, 5, method=method, rotation=rotation, spss=True)
    _assert_matches_psych(res, ref, bfi.columns)
    # the option matters: psych's unnormalised rotation gives visibly different loadings
    plain = factor.efa(bfi, 5, method=method, rotation=rotation)
    assert np.abs(plain.loadings.to_numpy() - res.loadings.to_numpy()).max() > 0.01


def test_rotate_loadings_on_psych_unrotated_matrix(bfi):
    ref = FACTOR_REF["spss_minres_oblimin"]
    unrotated = _ref_loadings(ref["unrotated"], bfi.columns)
    rotated, phi, ok = factor.rotate_loadings(unrotated, "oblimin", spss=True)
    assert ok
    # same solution up to column order and sign
    expected = _ref_loadings(ref["loadings"], bfi.columns)
    cong = np.abs(rotated.T @ expected)
    rows, cols = linear_sum_assignment(-cong)
    signs = np.sign((rotated[:, rows] * expected[:, cols]).sum(axis=0))
    np.testing.assert_allclose(rotated[:, rows] * signs, expected[:, cols], atol=LOADING_TOL)
    # Kaiser normalisation matters (issue 3): the unnormalised rotation of the same matrix
    # differs from it by as much as in GPArotation (0.134)
    plain, _, ok = factor.rotate_loadings(unrotated, "oblimin")
    assert ok
    rows, cols = linear_sum_assignment(-np.abs(plain.T @ rotated))
    signs = np.sign((plain[:, rows] * rotated[:, cols]).sum(axis=0))
    diff = np.abs(plain[:, rows] * signs - rotated[:, cols]).max()
    assert diff == pytest.approx(ref["max_abs_diff_vs_unnormalised"], abs=LOADING_TOL)
    assert diff > 0.1


def test_oblique_variance_uses_phi(bfi):
    res = factor.efa(bfi, 5, rotation="oblimin")
    lam, phi = res.loadings.to_numpy(), res.phi.to_numpy()
    np.testing.assert_allclose(res.variance["ss_loadings"], np.diag(phi @ lam.T @ lam), atol=1e-12)
    np.testing.assert_allclose(res.structure.to_numpy(), lam @ phi, atol=1e-12)
    np.testing.assert_allclose(
        res.variance["proportion_pct"], 100 * res.variance["ss_loadings"] / 25
    )


def test_heywood_case_equals_psych_and_is_flagged():
    # one factor with r(a,b) = r(a,c) = .8, r(b,c) = .5 implies h2(a) = 1.28 > 1
    h = pd.read_csv(FIXTURES / "factor_heywood.csv")
    for method, tol in (("pa", LOADING_TOL), ("ml", LOADING_TOL), ("minres", 2e-3)):
        # pa, ml: measured 2.7e-15, 5.6e-16.  The exception, minres: both psych's and our
        # L-BFGS-B end "ABNORMAL" on the boundary (h2 > 1), measured 9.9e-4: 2e-3 (issue 3)
        res = factor.efa(h, 1, method=method)
        _assert_matches_psych(
            res, {"loadings": FACTOR_REF[f"heywood_{method}"]["loadings"]}, h.columns, tol
        )
        assert res.heywood == ("a",)
        assert any("Heywood" in w and "'a'" in w for w in res.warnings)
        assert np.isfinite(res.loadings.to_numpy()).all()
    assert factor.efa(h, 1, method="pa").communalities["a"] > 1


# --- parallel analysis -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim12() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "factor_sim.csv")


def test_parallel_observed_eigenvalues_equal_psych(sim12, bfi):
    ref = FACTOR_REF["parallel_sim"]
    res = factor.parallel_analysis(sim12, n_iter=200, seed=1)
    np.testing.assert_allclose(
        res.observed["component"], ref["pc_values"], atol=CLOSED_FORM_TOL, rtol=0
    )
    np.testing.assert_allclose(res.observed["factor"], ref["fa_values"], atol=LOADING_TOL, rtol=0)
    assert (res.n_factors, res.n_components) == (ref["nfact"], ref["ncomp"]) == (3, 3)
    ref_bfi = FACTOR_REF["parallel_bfi"]
    res_bfi = factor.parallel_analysis(bfi, n_iter=20, seed=2)
    np.testing.assert_allclose(
        res_bfi.observed["component"], ref_bfi["pc_values"], atol=CLOSED_FORM_TOL
    )
    np.testing.assert_allclose(res_bfi.observed["factor"], ref_bfi["fa_values"], atol=LOADING_TOL)
    assert (
        (res_bfi.n_factors, res_bfi.n_components) == (ref_bfi["nfact"], ref_bfi["ncomp"]) == (6, 5)
    )


@pytest.mark.parametrize("simulation", ["wishart", "data"])
def test_parallel_simulated_means_agree_with_psych_in_distribution(sim12, simulation):
    """RNGs differ, so compare means: |ours - psych| <= 4 standard errors of the difference."""
    ref = FACTOR_REF["parallel_sim"]
    n_iter = 400
    res = factor.parallel_analysis(sim12, n_iter=n_iter, seed=11, simulation=simulation)
    for ours, theirs, sd in (
        ("component_mean", "pc_sim_mean", "pc_sim_sd"),
        ("factor_mean", "fa_sim_mean", "fa_sim_sd"),
    ):
        se = np.array(ref[sd]) * np.sqrt(1 / ref["n_iter"] + 1 / n_iter)
        diff = np.abs(res.simulated[ours].to_numpy() - np.array(ref[theirs]))
        assert (diff <= 4 * se).all(), (ours, diff / se)


def test_parallel_same_seed_identical_and_seed_matters(sim12):
    a = factor.parallel_analysis(sim12, n_iter=30, seed=5)
    b = factor.parallel_analysis(sim12, n_iter=30, seed=5)
    c = factor.parallel_analysis(sim12, n_iter=30, seed=6)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert not np.allclose(a.simulated.to_numpy(), c.simulated.to_numpy())


def test_batched_factor_eigenvalues_equal_psych_optimiser():
    """The batched one-factor minres and pa reproduce the per-matrix psych algorithms."""
    sims = factor._random_correlations(np.random.default_rng(3), 60, 300, 10, "wishart")
    batched = factor._factor_values_stack(sims, "minres", 1)
    looped = np.stack([factor._extract(s, 1, "minres").values for s in sims])
    # psych's L-BFGS-B stops at factr = 1e7: for weakly correlated random data this leaves
    # communalities ~1e-3 from the exact optimum that the Newton solver reaches.
    assert np.median(np.abs(batched - looped).max(axis=1)) < 1e-4
    assert np.abs(batched.mean(axis=0) - looped.mean(axis=0)).max() < 2e-3
    batched_pa = factor._factor_values_stack(sims, "pa", 2)
    looped_pa = np.stack([factor._extract(s, 2, "pa", smc_start=False).values for s in sims])
    np.testing.assert_allclose(batched_pa, looped_pa, atol=1e-10)


def test_wishart_correlations_have_normal_data_moments():
    # E[r_ij] = 0 and Var[r_ij] = 1/(n - 1) for independent normal data
    rng = np.random.default_rng(0)
    corr = factor._random_correlations(rng, 4000, 51, 4, "wishart")
    off = corr[:, 0, 1:]
    assert abs(off.mean()) < 4 * np.sqrt(1 / 50 / off.size)
    assert off.var() == pytest.approx(1 / 50, rel=0.03)


def test_parallel_other_methods_run_and_report(sim12):
    for fm in ("pa", "ml"):
        res = factor.parallel_analysis(sim12, n_iter=10, seed=1, fm=fm)
        assert res.n_components == 3
        assert res.observed.shape == (12, 2) and res.simulated.shape == (12, 4)
    assert "n_factors=3" in repr(factor.parallel_analysis(sim12, n_iter=10, seed=1))


# --- parameter recovery ----------------------------------------------------------------------


def _simulate(loadings: np.ndarray, phi: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal(np.zeros(phi.shape[0]), phi, size=n)
    uniq = 1 - np.einsum("ij,jk,ik->i", loadings, phi, loadings)
    x = f @ loadings.T + rng.normal(size=(n, loadings.shape[0])) * np.sqrt(uniq)
    return pd.DataFrame(x, columns=[f"q{i + 1}" for i in range(loadings.shape[0])])


TRUE_LOADINGS = np.zeros((12, 3))
TRUE_LOADINGS[0:4, 0] = [0.8, 0.7, 0.6, 0.5]
TRUE_LOADINGS[4:8, 1] = [0.75, 0.7, 0.6, 0.55]
TRUE_LOADINGS[8:12, 2] = [0.7, 0.65, 0.6, 0.5]


def _match(estimated: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = linear_sum_assignment(-np.abs(estimated.T @ truth))
    order = rows[np.argsort(cols)]
    signs = np.sign((estimated[:, order] * truth).sum(axis=0))
    return estimated[:, order] * signs, order, signs


@pytest.mark.parametrize(
    ("method", "rotation", "correlated"),
    [
        ("minres", "varimax", False),
        ("ml", "oblimin", True),
        ("pa", "promax", True),
        ("minres", "oblimin", True),
    ],
)
def test_parameter_recovery(method, rotation, correlated):
    phi = np.array([[1, 0.3, 0.2], [0.3, 1, 0.25], [0.2, 0.25, 1]]) if correlated else np.eye(3)
    data = _simulate(TRUE_LOADINGS, phi, 20000, seed=7)
    res = factor.efa(data, 3, method=method, rotation=rotation)
    est, order, signs = _match(res.loadings.to_numpy(), TRUE_LOADINGS)
    assert np.abs(est - TRUE_LOADINGS).max() < RECOVERY_TOL
    if res.phi is not None:
        got = res.phi.to_numpy()[np.ix_(order, order)] * np.outer(signs, signs)
        assert np.abs(got - phi).max() < RECOVERY_TOL
    true_h2 = np.einsum("ij,jk,ik->i", TRUE_LOADINGS, phi, TRUE_LOADINGS)
    assert np.abs(res.communalities.to_numpy() - true_h2).max() < RECOVERY_TOL


def test_parallel_analysis_recovers_three_factors():
    data = _simulate(TRUE_LOADINGS, np.eye(3), 20000, seed=8)
    res = factor.parallel_analysis(data, n_iter=50, seed=1)
    assert (res.n_factors, res.n_components) == (3, 3)


# --- edge cases ------------------------------------------------------------------------------


@pytest.fixture()
def six_items() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    f = rng.normal(size=300)
    return pd.DataFrame({f"x{i}": 0.6 * f + 0.8 * rng.normal(size=300) for i in range(6)})


@pytest.mark.parametrize("fn", [factor.kmo, factor.bartlett_sphericity, lambda d: factor.efa(d, 1)])
def test_zero_variance_item_is_named(six_items, fn):
    six_items = six_items.assign(x3=4.0)
    with pytest.raises(InputError, match="'x3' has zero variance"):
        fn(six_items)


@pytest.mark.parametrize("fn", [factor.kmo, factor.bartlett_sphericity, lambda d: factor.efa(d, 1)])
def test_all_missing_column_is_named(six_items, fn):
    six_items = six_items.assign(x2=np.nan)
    with pytest.raises(InputError, match=r"'x2' has no observed values"):
        fn(six_items)


def test_singular_matrix_duplicated_column(six_items):
    dup = six_items.assign(copy_of_x1=six_items["x1"])
    with pytest.raises(
        InputError, match=r"singular because items 'x1', 'copy_of_x1' are linearly dependent"
    ):
        factor.kmo(dup)
    with pytest.raises(InputError, match="singular"):
        factor.bartlett_sphericity(dup)
    with pytest.raises(InputError, match="maximum-likelihood"):
        factor.efa(dup, 1, method="ml")
    res = factor.efa(dup, 1)  # minres is defined on a singular matrix (psych: pseudo-inverse SMCs)
    assert any("singular" in w for w in res.warnings)
    assert res.loadings.loc["x1", "MR1"] == pytest.approx(
        res.loadings.loc["copy_of_x1", "MR1"], abs=1e-6
    )
    # the pair forms a doublet: the factor moves towards it, loadings stay valid (|l| < 1)
    assert np.isfinite(res.loadings.to_numpy()).all() and (res.loadings.abs() < 1).all().all()


def test_fewer_respondents_than_items(six_items):
    few = six_items.iloc[:4]
    with pytest.raises(InputError, match="only 4 respondents for 6 items"):
        factor.kmo(few)
    res = factor.efa(few, 1)
    assert any("fewer respondents (4) than items (6)" in w for w in res.warnings)
    assert np.isfinite(res.loadings.to_numpy()).all()
    ev = factor.eigenvalues(few)  # rank 3: the last eigenvalues are 0
    assert ev["eigenvalue"].iloc[-1] == pytest.approx(0.0, abs=1e-10)


def test_bad_arguments_raise_one_sentence(six_items):
    with pytest.raises(InputError, match="smaller than the number of items"):
        factor.efa(six_items, 6)
    with pytest.raises(InputError, match="method must be one of"):
        factor.efa(six_items, 1, method="alpha")
    with pytest.raises(InputError, match="rotation must be one of"):
        factor.efa(six_items, 2, rotation="quartimax")
    with pytest.raises(InputError, match="non-numeric value 'n/a' at row 3"):
        factor.kmo(six_items.astype(object).assign(x0=lambda d: d["x0"].where(d.index != 3, "n/a")))
    with pytest.raises(InputError, match="positive whole number"):
        factor.efa(six_items, 0)


def test_listwise_deletion_by_default(six_items):
    holes = six_items.copy()
    holes.iloc[:10, 0] = np.nan
    assert factor.kmo(holes).n == 290
    full = factor.efa(holes.dropna(), 1)
    listwise = factor.efa(holes, 1)
    pd.testing.assert_frame_equal(full.loadings, listwise.loadings)


def test_result_frames_and_repr(bfi):
    res = factor.efa(bfi.iloc[:, :10], 2, rotation="promax")
    frame = res.to_frame()
    assert list(frame.columns) == ["MR1", "MR2", "communality", "uniqueness"]
    np.testing.assert_allclose(frame["communality"] + frame["uniqueness"], 1.0)
    text = repr(res)
    assert "method='minres'" in text and "factor correlations" in text
    assert "KMOResult(overall=" in repr(factor.kmo(bfi.iloc[:, :10]))
    assert "df=45" in repr(factor.bartlett_sphericity(bfi.iloc[:, :10]))


def test_cfa_delegates_to_sem(monkeypatch):
    calls = {}
    fake = types.ModuleType("crm_research.sem")

    def fake_cfa(data, model, estimator="ML", **kwargs):
        calls.update(data=data, model=model, estimator=estimator, kwargs=kwargs)
        return "result"

    fake.cfa = fake_cfa
    monkeypatch.setitem(sys.modules, "crm_research.sem", fake)
    monkeypatch.setattr("crm_research.sem", fake, raising=False)
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    assert factor.cfa(frame, {"f": ["a"]}, estimator="MLR", std_lv=True) == "result"
    assert (
        calls["estimator"] == "MLR"
        and calls["model"] == {"f": ["a"]}
        and calls["kwargs"] == {"std_lv": True}
    )


# --- edge cases found by the psychometrics audit ---------------------------------------------


def test_principal_axis_starts_even_when_every_smc_is_zero():
    """Two respondents: every correlation is 1 and the pseudo-inverse SMCs are all 0, so
    psych's loop (err = sum of SMCs = 0) never ran and psych fails ("object 'eigens' not
    found"); the package returned zero loadings.  One iteration at least gives the
    principal-axis solution: all loadings 1 for a matrix of ones."""
    items = pd.DataFrame({"a": [1.0, 4.0], "b": [2.0, 5.0], "c": [1.0, 3.0]})
    res = factor.efa(items, 1, method="pa")
    np.testing.assert_allclose(res.loadings["PA1"].to_numpy(), 1.0, atol=1e-3)
    assert any("singular" in w for w in res.warnings)


def test_parallel_analysis_with_fewer_respondents_than_items_is_one_sentence():
    rng = np.random.default_rng(3)
    items = pd.DataFrame(rng.integers(1, 6, size=(4, 6)).astype(float), columns=list("abcdef"))
    with pytest.raises(InputError, match="more respondents than items"):
        factor.parallel_analysis(items, n_iter=5, seed=1)


def test_efa_with_negative_degrees_of_freedom_warns_and_still_returns_numbers():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(200, 1))
    items = pd.DataFrame(f + rng.normal(size=(200, 4)), columns=list("abcd"))
    res = factor.efa(items, 3)
    assert res.loadings.shape == (4, 3)
    assert any("-3 degrees of freedom" in w for w in res.warnings)
    assert not any("degrees of freedom" in w for w in factor.efa(items, 1).warnings)


def test_undeclared_missing_codes_are_set_to_missing_with_a_warning():
    raw = pd.read_csv(FIXTURES / "likert_missing_codes.csv")
    items = [f"A{i}" for i in range(1, 7)]
    clean = raw[items].replace(-99, np.nan)
    with pytest.warns(UserWarning, match=r"\(-99\).*treated as missing"):
        got = factor.kmo(raw[items])
    assert got.overall == pytest.approx(factor.kmo(clean).overall, abs=1e-12)
    with pytest.warns(UserWarning):
        res = factor.efa(raw[items], 2)
    np.testing.assert_allclose(res.loadings, factor.efa(clean, 2).loadings, atol=1e-12)
    codes = factor.undeclared_missing_codes(
        pd.DataFrame({"a": [1, 2, 3, -99], "b": [93, 94, 95, 99], "c": [1, 2, 3, 999]})
    )
    assert codes == {"a": [-99.0], "c": [999.0]}


def test_a_nine_is_an_answer_not_a_code():
    """Found by the property tests: an NPS item (0-10) answered 2, 3, 4 and 9 lost its 9s."""
    codes = factor.undeclared_missing_codes(
        pd.DataFrame(
            {
                "nps": [2, 3, 4, 9, 9],
                "minus_nine": [1, 2, 3, -9, 2],
                "ninety_nine": [1, 2, 3, 99, 2],
                "ten_point": [1, 2, 10, 9, 5],
            }
        )
    )
    assert codes == {"minus_nine": [-9.0], "ninety_nine": [99.0]}


def test_undefined_analyses_raise_errors_a_caller_can_tell_apart():
    """The report says why a step is left out from the error's type, not from its wording."""
    from crm_research.errors import SingularMatrixError, ZeroVarianceError

    rng = np.random.default_rng(3)
    items = pd.DataFrame(rng.integers(1, 6, size=(40, 4)), columns=list("abcd")).astype(float)
    constant = items.assign(b=3.0)
    with pytest.raises(ZeroVarianceError) as caught:
        factor.kmo(constant)
    assert caught.value.columns == ["b"]
    redundant = items.assign(d=items["a"] + items["b"])
    with pytest.raises(SingularMatrixError):
        factor.kmo(redundant)
    with pytest.raises(SingularMatrixError):
        factor.bartlett_sphericity(redundant)
    with pytest.raises(SingularMatrixError):
        factor.parallel_analysis(items.head(4), n_iter=5, seed=1)
