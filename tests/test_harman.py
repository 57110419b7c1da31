"""Common-method-bias checks: factor.harman_single_factor and factor.full_collinearity_vif.

Independent checks and tolerances:
* R reference ``fixtures/harman_reference.json`` (psych 2.2.9 ``fa(nfactors = 1, fm = "pa",
  rotate = "none")`` and ``principal(nfactors = 1)`` on the 25 raw bfi items, n = 2436):
  shares and every loading to 1e-12 (max seen ~2e-15).  The principal-axis solution is an
  iterate, not a converged fixed point: psych stops after 4 iterations when the sum of
  communalities changes by less than 0.001.  We run the same iteration from the same SMC
  start with the same stopping rule, so we reach the same iterate (the iteration count is
  asserted) and the difference is floating-point rounding only; the iterate itself may be
  ~1e-3 away from the exact fixed point, which is psych's convention, not an error here.
* Known truth: one common factor with known loadings (population correlation matrix given
  exactly as data with that covariance): the first eigenvalue and the PA share.
* Full-collinearity VIF: statsmodels ``variance_inflation_factor`` with a constant, 1e-10.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research import factor
from crm_research.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "harman_reference.json").read_text())
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
BFI = pd.read_csv(FIXTURES / "bfi.csv")[ITEMS]
TOL = 1e-12


def test_harman_equals_psych():
    res = factor.harman_single_factor(BFI)  # listwise: the 2436 complete rows
    fa_ref, pc_ref = REF["fa_pa_1factor"], REF["pca_1component"]
    assert res["n"] == REF["n"] and res["k"] == REF["n_items"] == 25
    assert res["iterations"] == fa_ref["iterations"] and res["converged"]
    assert abs(res["share_factor"] - fa_ref["proportion_variance"]) < TOL
    assert abs(res["share_component"] - pc_ref["proportion_variance"]) < TOL
    assert abs(res["share_component"] * 25 - pc_ref["first_eigenvalue"]) < 25 * TOL
    np.testing.assert_allclose(
        res["loadings_factor"].loc[ITEMS], [fa_ref["loadings"][i] for i in ITEMS], rtol=0, atol=TOL
    )
    np.testing.assert_allclose(
        res["loadings_component"].loc[ITEMS],
        [pc_ref["loadings"][i] for i in ITEMS],
        rtol=0,
        atol=TOL,
    )
    assert res["exceeds_half"] is REF["exceeds_50pct_fa"] is False
    assert res["exceeds_half_component"] is REF["exceeds_50pct_pca"] is False
    assert list(res["warnings"]) == fa_ref["warnings"]


def test_harman_reverse_keying_does_not_change_shares():
    keyed = BFI.copy()
    for item in ("A1", "C4", "C5", "E1", "E2", "O2", "O5"):
        keyed[item] = 7 - keyed[item]
    a = factor.harman_single_factor(BFI)
    b = factor.harman_single_factor(keyed)
    assert abs(a["share_factor"] - b["share_factor"]) < TOL
    assert abs(a["share_component"] - b["share_component"]) < TOL


def test_harman_single_common_factor_known_truth():
    """Data whose sample correlation matrix is exactly a one-factor matrix: R = l l' + Psi.

    With equal loadings .9 on 6 items the first eigenvalue of R is 1 + (k - 1) * .81 = 5.05,
    so the component share is 5.05 / 6; the PA share converges towards .81 (psych's 0.001
    stopping rule leaves it within 0.001 / k of that).
    """
    k, lam = 6, 0.9
    r = np.full((k, k), lam**2)
    np.fill_diagonal(r, 1.0)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(500, k))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)  # sample cov = I
    x = pd.DataFrame(z @ np.linalg.cholesky(r).T, columns=[f"q{i}" for i in range(k)])
    res = factor.harman_single_factor(x)
    assert abs(res["share_component"] - (1 + (k - 1) * lam**2) / k) < 1e-12
    assert abs(res["share_factor"] - lam**2) < 0.001 / k
    assert res["exceeds_half"] and res["exceeds_half_component"]


def test_harman_bad_input():
    with pytest.raises(InputError, match="at least 2 item columns"):
        factor.harman_single_factor(BFI[["A1"]])
    with pytest.raises(InputError, match="'A2' has zero variance"):
        factor.harman_single_factor(BFI[["A1", "A3"]].assign(A2=3.0))


def test_full_collinearity_vif_equals_statsmodels():
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    scores = pd.read_csv(FIXTURES / "bfi_drivers.csv")
    res = factor.full_collinearity_vif(scores)
    x = sm.add_constant(scores).to_numpy()
    expected = [variance_inflation_factor(x, j) for j in range(1, x.shape[1])]
    np.testing.assert_allclose(res["vif"], expected, rtol=1e-10)
    assert list(res.index) == list(scores.columns)
    assert res.attrs["threshold"] == factor.KOCK_VIF_THRESHOLD == 3.3
    assert res.attrs["n"] == len(scores)
    np.testing.assert_allclose(1 / (1 - res["r2"]), res["vif"], rtol=1e-12)
    assert not res["exceeds"].any()


def test_full_collinearity_vif_flags_a_shared_method_factor():
    """Known truth: scales sharing one strong common factor have VIF > 3.3; independent
    scales have VIF near 1."""
    rng = np.random.default_rng(7)
    n = 2000
    common = rng.normal(size=(n, 1))
    contaminated = pd.DataFrame(
        common * 1.0 + rng.normal(size=(n, 4)) * 0.35, columns=["a", "b", "c", "d"]
    )
    res = factor.full_collinearity_vif(contaminated)
    assert res["exceeds"].all()
    clean = factor.full_collinearity_vif(pd.DataFrame(rng.normal(size=(n, 4))))
    assert (clean["vif"] < 1.02).all() and not clean["exceeds"].any()


def test_full_collinearity_vif_bad_input():
    scores = pd.read_csv(FIXTURES / "bfi_drivers.csv")
    with pytest.raises(InputError) as exc:
        factor.full_collinearity_vif(scores.assign(total=scores["agreeableness"] + scores["age"]))
    assert "linearly dependent" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(InputError, match="zero variance"):
        factor.full_collinearity_vif(scores.assign(k=1.0))
