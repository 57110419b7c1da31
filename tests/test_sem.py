"""Tests for crm_research.sem (CFA) against lavaan 0.6-14 / semTools 0.5-6 and simulations.

References: tests/fixtures/holzinger_swineford_reference.json (shared) and
tests/fixtures/cfa_lavaan_reference.json (tests/reference/cfa_reference.R).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research import sem
from crm_research.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
# Tolerances. lavaan stops nlminb at rel.tol 1e-10 and differentiates the MLR Hessian
# numerically, so agreement is limited to ~1e-6; the issue asks for 2e-3.
TOL_INDEX = 1e-5  # CFI, TLI, RMSEA (+CI), SRMR, p-values, standardized estimates, CR, AVE
TOL_RELATIVE = 1e-6  # χ², AIC, BIC, log-likelihood (relative)
TOL_SCALED_RELATIVE = 1e-5  # scaled χ² and scaling factors (numerical Hessian on both sides)
TOL_PARAMETER = 1e-4  # unstandardized estimates and standard errors (absolute)

HS_MODEL = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
BFI_REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]

# lavaan fitMeasures name -> CFAResult.fit key
LAVAAN_NAMES = {
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea.ci.lower": "rmsea_ci_lower",
    "rmsea.ci.upper": "rmsea_ci_upper",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "baseline.chisq": "baseline_chisq",
    "baseline.df": "baseline_df",
    "npar": "npar",
    "ntotal": "n",
    "logl": "logl",
    "unrestricted.logl": "unrestricted_logl",
    "fmin": "fmin",
}
LAVAAN_ROBUST_NAMES = {
    "chisq.scaled": "chisq_scaled",
    "pvalue.scaled": "pvalue_scaled",
    "chisq.scaling.factor": "scaling_factor",
    "baseline.chisq.scaled": "baseline_chisq_scaled",
    "baseline.chisq.scaling.factor": "baseline_scaling_factor",
    "cfi.scaled": "cfi_scaled",
    "tli.scaled": "tli_scaled",
    "rmsea.scaled": "rmsea_scaled",
    "cfi.robust": "cfi_robust",
    "tli.robust": "tli_robust",
    "rmsea.robust": "rmsea_robust",
    "rmsea.ci.lower.robust": "rmsea_ci_lower_robust",
    "rmsea.ci.upper.robust": "rmsea_ci_upper_robust",
    "scaling.factor.h1": "scaling_factor_h1",
    "scaling.factor.h0": "scaling_factor_h0",
}
RELATIVE = {"chisq", "aic", "bic", "logl", "unrestricted_logl", "baseline_chisq"}
SCALED = {
    "chisq_scaled",
    "scaling_factor",
    "baseline_chisq_scaled",
    "baseline_scaling_factor",
    "scaling_factor_h1",
    "scaling_factor_h0",
}


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------
def _lavaan_warnings(entry: dict) -> list[str]:
    raw = entry["warnings"]
    return [" ".join(w.split()) for w in ([raw] if isinstance(raw, str) else raw)]


#: lavaan's improper-solution warnings and ours, by kind (the words differ)
WARNING_KINDS = {
    "latent covariance not positive definite": ("latent variables is not positive definite",),
    "negative residual variance": ("ov variances are negative", "residual variances are negative"),
}


def _warning_kinds(texts) -> set[str]:
    return {kind for kind, words in WARNING_KINDS.items() for t in texts for w in words if w in t}


def _number(value: object) -> float:
    return math.nan if value == "NA" or value is None else float(value)


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((FIXTURES / "cfa_lavaan_reference.json").read_text())


@pytest.fixture(scope="module")
def hs_reference() -> dict:
    return json.loads((FIXTURES / "holzinger_swineford_reference.json").read_text())


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def hs_ml(hs) -> sem.CFAResult:
    return sem.cfa(hs, HS_MODEL)


@pytest.fixture(scope="module")
def hs_mlr(hs) -> sem.CFAResult:
    return sem.cfa(hs, HS_MODEL, estimator="MLR")


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    raw = pd.read_csv(FIXTURES / "bfi.csv")
    items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    data = raw[items].dropna().copy()
    for item in BFI_REVERSED:
        data[item] = 7 - data[item]
    return data


def assert_fit_matches(result: sem.CFAResult, lavaan_fit: dict, names: dict) -> None:
    for lavaan_name, key in names.items():
        expected = _number(lavaan_fit[lavaan_name])
        actual = result.fit[key]
        if math.isnan(expected):
            assert math.isnan(actual), key
        elif key in {"df", "baseline_df", "npar", "n"}:
            assert actual == expected, key
        elif key in RELATIVE:
            assert actual == pytest.approx(expected, rel=TOL_RELATIVE, abs=1e-9), key
        elif key in SCALED:
            assert actual == pytest.approx(expected, rel=TOL_SCALED_RELATIVE), key
        else:
            assert actual == pytest.approx(expected, abs=TOL_INDEX), key


def assert_parameters_match(result: sem.CFAResult, lavaan_params: dict, check_se=True) -> None:
    ours = result.to_frame().set_index(["lhs", "op", "rhs"])
    theirs = pd.DataFrame(lavaan_params)
    for row in theirs.itertuples():
        key = (row.lhs, row.op, row.rhs)
        if key not in ours.index:
            key = (row.rhs, row.op, row.lhs)
        mine = ours.loc[key]
        assert mine["estimate"] == pytest.approx(row.est, abs=TOL_PARAMETER), key
        assert mine["std_all"] == pytest.approx(row.std_all, abs=TOL_INDEX), key
        if check_se and row.se > 0:
            assert mine["se"] == pytest.approx(row.se, abs=TOL_PARAMETER), key
        if check_se and row.std_se > 0:  # delta method on the standardized solution
            assert mine["std_se"] == pytest.approx(row.std_se, abs=TOL_PARAMETER), key
    if check_se:
        loadings = result.loadings.set_index(["factor", "item"])["loading_se"]
        for row in theirs[theirs["op"] == "=~"].itertuples():
            assert loadings[(row.lhs, row.rhs)] == pytest.approx(row.std_se, abs=TOL_PARAMETER)


# --------------------------------------------------------------------------------------------
# Holzinger–Swineford: the shared fixture (issue 3 acceptance)
# --------------------------------------------------------------------------------------------
def test_hs_ml_fit_equals_shared_lavaan_fixture(hs_ml, hs_reference):
    expected = hs_reference["fit_ml"]
    assert hs_ml.fit["df"] == expected["df"] == 24
    assert_fit_matches(hs_ml, expected, {k: v for k, v in LAVAAN_NAMES.items() if k in expected})
    assert hs_ml.converged and hs_ml.warnings == ()


def test_hs_standardized_loadings_and_factor_correlations(hs_ml, hs_reference):
    for factor, items in hs_reference["standardized_loadings"].items():
        for item, value in items.items():
            row = hs_ml.loadings[(hs_ml.loadings.factor == factor) & (hs_ml.loadings.item == item)]
            assert float(row["loading"].iloc[0]) == pytest.approx(value, abs=TOL_INDEX)
    order = hs_reference["factor_order"]
    np.testing.assert_allclose(
        hs_ml.factor_correlations.loc[order, order].to_numpy(),
        np.array(hs_reference["factor_correlations"]),
        atol=TOL_INDEX,
    )


def test_hs_composite_reliability_and_ave_equal_semtools(hs_ml, hs_reference, reference):
    for factor, value in hs_reference["composite_reliability"].items():
        assert hs_ml.composite_reliability[factor] == pytest.approx(value, abs=TOL_INDEX)
    for factor, value in hs_reference["ave"].items():
        assert hs_ml.ave[factor] == pytest.approx(value, abs=TOL_INDEX)
    # the Fornell–Larcker forms from the standardized solution, computed in R as well
    for factor, values in reference["holzinger_swineford"]["reliability"].items():
        if factor.startswith("semtools"):
            continue
        row = hs_ml.validity.loc[factor]
        assert row["cr_standardized"] == pytest.approx(values["cr"], abs=TOL_INDEX)
        assert row["ave_standardized"] == pytest.approx(values["ave"], abs=TOL_INDEX)


def test_hs_mlr_equals_lavaan(hs_mlr, hs_reference, reference):
    shared = hs_reference["fit_mlr"]
    assert hs_mlr.fit["chisq_scaled"] == pytest.approx(shared["chisq.scaled"], rel=1e-6)
    assert hs_mlr.fit["cfi_robust"] == pytest.approx(shared["cfi.robust"], abs=TOL_INDEX)
    assert hs_mlr.fit["tli_robust"] == pytest.approx(shared["tli.robust"], abs=TOL_INDEX)
    assert hs_mlr.fit["rmsea_robust"] == pytest.approx(shared["rmsea.robust"], abs=TOL_INDEX)
    assert hs_mlr.fit["srmr"] == pytest.approx(shared["srmr"], abs=TOL_INDEX)
    full = reference["holzinger_swineford"]["fit_mlr"]
    assert_fit_matches(hs_mlr, full, LAVAAN_NAMES | LAVAAN_ROBUST_NAMES)


def test_hs_parameter_table_and_standard_errors(hs_ml, hs_mlr, reference):
    assert_parameters_match(hs_ml, reference["holzinger_swineford"]["params_ml"])
    # MLR: Huber–White sandwich with observed information
    assert_parameters_match(hs_mlr, reference["holzinger_swineford"]["params_mlr"])


def test_std_lv_identification_gives_lavaan_std_lv_solution(hs, hs_ml, reference):
    result = sem.cfa(hs, HS_MODEL, std_lv=True)
    assert_parameters_match(result, reference["holzinger_swineford"]["params_std_lv"])
    assert result.fit["chisq"] == pytest.approx(hs_ml.fit["chisq"], rel=1e-9)
    assert result.fit["npar"] == hs_ml.fit["npar"]


def test_hs_htmt_equals_semtools(hs, hs_ml, reference):
    expected = np.array(reference["holzinger_swineford"]["htmt"])  # semTools default (htmt2)
    np.testing.assert_allclose(hs_ml.htmt.to_numpy(), expected, atol=1e-10)
    arithmetic = sem.htmt(hs, HS_MODEL, mean="arithmetic")
    np.testing.assert_allclose(
        arithmetic.to_numpy(),
        np.array(reference["holzinger_swineford"]["htmt_arithmetic"]),
        atol=1e-10,
    )
    assert list(arithmetic.index) == ["visual", "textual", "speed"]


def test_fornell_larcker_table(hs_ml):
    table = hs_ml.fornell_larcker
    for factor in table.index:
        assert table.loc[factor, factor] == pytest.approx(math.sqrt(hs_ml.ave[factor]))
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(table.to_numpy()[off], hs_ml.factor_correlations.to_numpy()[off])


# --------------------------------------------------------------------------------------------
# bfi: a second, larger model
# --------------------------------------------------------------------------------------------
def test_bfi_five_factor_model_equals_lavaan(bfi, reference):
    ref = reference["bfi"]
    ml = sem.cfa(bfi, ref["model"])
    assert ml.n == ref["n"] == 2436
    assert ml.fit["df"] == 265
    assert_fit_matches(ml, ref["fit_ml"], LAVAAN_NAMES)
    assert_parameters_match(ml, ref["params_ml"])
    np.testing.assert_allclose(ml.htmt.to_numpy(), np.array(ref["htmt"]), atol=1e-10)
    np.testing.assert_allclose(
        sem.htmt(bfi, ref["model"], mean="arithmetic").to_numpy(),
        np.array(ref["htmt_arithmetic"]),
        atol=1e-10,
    )
    for factor, value in ref["reliability"]["semtools_cr"].items():
        assert ml.composite_reliability[factor] == pytest.approx(value, abs=TOL_INDEX)
    for factor, value in ref["reliability"]["semtools_ave"].items():
        assert ml.ave[factor] == pytest.approx(value, abs=TOL_INDEX)
    mlr = sem.cfa(bfi, ref["model"], estimator="MLR")
    assert_fit_matches(mlr, ref["fit_mlr"], LAVAAN_NAMES | LAVAAN_ROBUST_NAMES)


# --------------------------------------------------------------------------------------------
# Improper solutions: numbers still returned, with a warning
# --------------------------------------------------------------------------------------------
def test_non_positive_definite_latent_covariance_warns_and_matches_lavaan(reference):
    ref = reference["nonpd_latent"]
    data = pd.read_csv(FIXTURES / "cfa_nonpd_latent.csv")
    result = sem.cfa(data, ref["model"])
    # the same improper-solution warnings as lavaan, no fewer and no more
    assert _warning_kinds(result.warnings) == _warning_kinds(_lavaan_warnings(ref))
    assert _warning_kinds(result.warnings) == {"latent covariance not positive definite"}
    assert any("not positive definite" in w for w in result.warnings)
    assert result.converged
    assert_fit_matches(result, ref["fit_ml"], LAVAAN_NAMES)
    assert_parameters_match(result, ref["params_ml"])
    np.testing.assert_allclose(
        result.factor_covariances.to_numpy(), np.array(ref["cov_lv"]), atol=TOL_PARAMETER
    )
    assert result.factor_correlations.loc["fa", "fb"] == pytest.approx(
        ref["cor_lv"][0][1], abs=TOL_INDEX
    )
    assert result.factor_correlations.loc["fa", "fb"] > 1
    np.testing.assert_allclose(result.htmt.to_numpy(), np.array(ref["htmt"]), atol=1e-10)
    assert result.composite_reliability["fa"] == pytest.approx(
        ref["reliability"]["semtools_cr"]["fa"], abs=TOL_INDEX
    )


def test_heywood_case_negative_residual_variance(reference):
    ref = reference["heywood"]
    data = pd.read_csv(FIXTURES / "cfa_heywood.csv")
    result = sem.cfa(data, ref["model"])
    assert _warning_kinds(result.warnings) == _warning_kinds(_lavaan_warnings(ref))
    assert _warning_kinds(result.warnings) == {"negative residual variance"}
    assert result.residual_variances.loc["h1", "estimate"] < 0
    assert any("residual variances are negative" in w and "h1" in w for w in result.warnings)
    assert any("exceed 1" in w for w in result.warnings)
    assert_fit_matches(result, ref["fit_ml"], LAVAAN_NAMES)
    # estimates and std.all only: the SEs of an improper solution are numerically fragile
    assert_parameters_match(result, ref["params_ml"], check_se=False)


def test_just_identified_model_follows_lavaan_conventions(hs, reference):
    ref = reference["just_identified"]
    result = sem.cfa(hs, ref["model"])
    assert_fit_matches(result, ref["fit_ml"], LAVAAN_NAMES)
    assert result.fit["df"] == 0 and math.isnan(result.fit["pvalue"])
    # hand-worked: a saturated one-factor, three-indicator model reproduces S exactly
    s = result.sample_covariance.to_numpy()
    estimates = result.loadings.set_index("item")["estimate"]
    assert estimates["x2"] == pytest.approx(s[1, 2] / s[0, 2], rel=1e-6)
    assert estimates["x3"] == pytest.approx(s[1, 2] / s[0, 1], rel=1e-6)
    factor_variance = result.factor_covariances.iloc[0, 0]
    assert factor_variance == pytest.approx(s[0, 1] * s[0, 2] / s[1, 2], rel=1e-6)
    mlr = sem.cfa(hs, ref["model"], estimator="MLR")
    assert mlr.fit["chisq_scaled"] == pytest.approx(0.0, abs=1e-8)


def test_non_convergence_is_reported_with_numbers(hs, monkeypatch):
    from crm_research.sem import confirmatory

    monkeypatch.setattr(confirmatory, "_MAX_ITERATIONS", 1)
    monkeypatch.setattr(confirmatory, "_GRADIENT_TOLERANCE", 0.0)
    result = sem.cfa(hs, HS_MODEL)
    assert not result.converged
    assert any("did not converge" in w for w in result.warnings)
    assert np.isfinite(result.fit["chisq"])
    assert "DID NOT CONVERGE" in result.summary()


def test_two_indicator_factor_is_flagged(hs):
    result = sem.cfa(hs, {"visual": ["x1", "x2", "x3"], "pair": ["x4", "x5"]})
    assert any("only two indicators" in w and "pair" in w for w in result.warnings)


# --------------------------------------------------------------------------------------------
# Simulation with known truth
# --------------------------------------------------------------------------------------------
TRUE_LOADINGS = {
    "f1": [0.8, 0.7, 0.6, 0.75],
    "f2": [0.65, 0.7, 0.55],
    "f3": [0.85, 0.6, 0.7, 0.5],
}
TRUE_CORRELATIONS = np.array([[1.0, 0.4, 0.3], [0.4, 1.0, -0.2], [0.3, -0.2, 1.0]])


def _simulate(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    factors = rng.multivariate_normal(np.zeros(3), TRUE_CORRELATIONS, size=n)
    columns, model = {}, {}
    for f, (name, loadings) in enumerate(TRUE_LOADINGS.items()):
        model[name] = []
        for k, loading in enumerate(loadings):
            item = f"{name}_{k + 1}"
            scale = 1.0 + k  # unstandardized items with different variances
            noise = rng.normal(size=n) * math.sqrt(1 - loading**2)
            columns[item] = scale * (loading * factors[:, f] + noise) + 3.0
            model[name].append(item)
    return pd.DataFrame(columns), model


def test_parameter_recovery_on_simulated_three_factor_model():
    data, model = _simulate(50_000, seed=20240501)
    result = sem.cfa(data, model)
    p = 11
    assert result.fit["df"] == p * (p + 1) // 2 - (8 + 11 + 6)
    for name, loadings in TRUE_LOADINGS.items():
        estimated = result.loadings[result.loadings.factor == name]["loading"].to_numpy()
        np.testing.assert_allclose(estimated, loadings, atol=0.02)
    np.testing.assert_allclose(result.factor_correlations.to_numpy(), TRUE_CORRELATIONS, atol=0.02)
    assert result.fit["rmsea"] < 0.01
    assert result.fit["cfi"] > 0.999
    assert result.fit["srmr"] < 0.01
    # normal data: the Yuan–Bentler scaling factor is close to 1
    robust = sem.cfa(data.iloc[:20_000], model, estimator="MLR")
    assert robust.fit["scaling_factor"] == pytest.approx(1.0, abs=0.05)


def test_misspecified_model_is_detected_by_fit_indices():
    data, model = _simulate(5_000, seed=7)
    # force f2 and f3 into one factor: their true correlation is -0.2
    merged = {"f1": model["f1"], "f23": model["f2"] + model["f3"]}
    result = sem.cfa(data, merged)
    assert result.fit["rmsea"] > 0.08
    assert result.fit["cfi"] < 0.90


def test_chi_square_is_n_times_fit_function_at_the_optimum(hs_ml):
    # independent check of the optimum: scipy's generic minimiser on the same discrepancy
    from scipy import optimize

    s = hs_ml.sample_covariance.to_numpy()
    n = hs_ml.n
    logdet_s = np.linalg.slogdet(s)[1]

    def discrepancy(theta: np.ndarray) -> float:
        lam = np.zeros((9, 3))
        lam[[0, 3, 6], [0, 1, 2]] = 1.0
        lam[[1, 2, 4, 5, 7, 8], [0, 0, 1, 1, 2, 2]] = theta[:6]
        phi = np.zeros((3, 3))
        phi[np.tril_indices(3)] = theta[6:12]
        phi = phi + np.tril(phi, -1).T
        sigma = lam @ phi @ lam.T + np.diag(theta[12:])
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            return 1e10
        return logdet + np.trace(np.linalg.solve(sigma, s)) - logdet_s - 9

    start = np.concatenate([np.ones(6), [1, 0, 1, 0, 0, 1], 0.5 * np.diag(s)])
    best = optimize.minimize(discrepancy, start, method="BFGS", options={"gtol": 1e-9})
    assert hs_ml.fit["chisq"] <= n * best.fun + 1e-6
    assert hs_ml.fit["chisq"] == pytest.approx(n * best.fun, rel=1e-4)


# --------------------------------------------------------------------------------------------
# Model syntax and inputs
# --------------------------------------------------------------------------------------------
def test_lavaan_syntax_and_dict_give_the_same_fit(hs, hs_ml):
    as_dict = sem.cfa(
        hs,
        {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]},
    )
    assert as_dict.fit["chisq"] == pytest.approx(hs_ml.fit["chisq"], rel=1e-12)
    parsed = sem.parse_measurement_model(
        "# comment\nvisual =~ x1 + x2\nvisual =~ x3 ; textual =~ x4+x5+x6 # tail\n"
    )
    assert parsed == {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}


@pytest.mark.parametrize(
    "model",
    ["visual =~ 1*x1 + x2 + x3", "x1 ~~ x2", "visual =~ x1 + x2\nvisual ~ textual", "", {}],
)
def test_unsupported_or_empty_syntax_raises(hs, model):
    with pytest.raises(InputError):
        sem.cfa(hs, model)


def test_missing_items_are_named(hs):
    with pytest.raises(InputError, match=r"\['x10', 'y'\]"):
        sem.cfa(hs, {"f": ["x1", "x10", "y"]})


def test_non_numeric_items_are_named(hs):
    with pytest.raises(InputError, match="school"):
        sem.cfa(hs, {"f": ["x1", "x2", "school"]})


def test_single_indicator_factor_is_fitted_with_a_warning(hs):
    res = sem.cfa(hs, {"visual": ["x1", "x2", "x3"], "lonely": ["x4"]})
    assert res.fit["df"] == 2 and res.residual_variances.loc["x4", "estimate"] == 0
    assert any("single indicator" in w for w in res.warnings)


def test_underidentified_model_raises(hs):
    with pytest.raises(InputError, match="not identified"):
        sem.cfa(hs, {"f": ["x1", "x2"]})


def test_constant_item_and_too_few_rows_raise(hs):
    data = hs.copy()
    data["x2"] = 5.0
    with pytest.raises(InputError, match="x2"):
        sem.cfa(data, {"f": ["x1", "x2", "x3"]})
    with pytest.raises(InputError, match="complete row"):
        sem.cfa(hs.iloc[:3], {"f": ["x1", "x2", "x3", "x4"]})


def test_bad_estimator_and_data_type_raise(hs):
    with pytest.raises(InputError, match="Estimator"):
        sem.cfa(hs, HS_MODEL, estimator="WLSMV")
    with pytest.raises(InputError, match="DataFrame"):
        sem.cfa(hs.to_numpy(), HS_MODEL)
    with pytest.raises(InputError, match="missing"):
        sem.cfa(hs, HS_MODEL, missing="ml")


def test_listwise_deletion_equals_fitting_the_complete_rows(hs):
    data = hs.copy()
    data.loc[[0, 5, 17], "x4"] = np.nan
    data.loc[[9], "x9"] = np.nan
    result = sem.cfa(data, HS_MODEL)
    complete = sem.cfa(data.dropna(subset=[f"x{i}" for i in range(1, 10)]), HS_MODEL)
    assert result.n == 297
    assert result.fit["chisq"] == pytest.approx(complete.fit["chisq"], rel=1e-12)


# --------------------------------------------------------------------------------------------
# Result object
# --------------------------------------------------------------------------------------------
def test_result_interface(hs_ml, hs_mlr):
    required = {
        "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
        "srmr", "aic", "bic",
    }  # fmt: skip
    assert required <= set(hs_ml.fit)
    assert {"chisq_scaled", "scaling_factor", "cfi_robust", "tli_robust"} <= set(hs_mlr.fit)
    frame = hs_ml.to_frame()
    assert list(frame.columns) == [
        "lhs", "op", "rhs", "estimate", "se", "z", "pvalue", "std_all", "std_se",
    ]  # fmt: skip
    assert len(frame) == 9 + 9 + 6
    matrix = hs_ml.loading_matrix
    assert matrix.shape == (9, 3) and matrix.loc["x1", "textual"] == 0.0
    assert matrix.loc["x5", "textual"] == pytest.approx(0.855065446, abs=TOL_INDEX)
    table = hs_ml.fit_table()
    assert table.set_index("measure").loc["cfi", "met"] is False  # 0.931 < .95
    assert table.set_index("measure").loc["srmr", "met"] is True  # 0.065 <= .08
    text = hs_mlr.summary()
    assert "scaled chi-square = 87.13" in text and "CFI = 0.931" in text
    assert repr(hs_ml).startswith("CFAResult(estimator='ML', n=301")
    assert "chisq=85.306" in repr(hs_ml)


def test_negative_latent_variance_converges_as_lavaan():
    """One factor whose marker has a near-zero loading on the first principal axis of the
    items: from the eigenvector start, Fisher scoring ran to a ridge (loadings ~1e4, latent
    variance ~0) and reported non-convergence with chi-square 1.55 instead of 0.136.  lavaan
    converges to a negative latent variance; the retry from lavaan's "simple" start does too.
    Data and reference: tests/reference/likert_audit_reference.R."""
    ref = json.loads((FIXTURES / "likert_audit_reference.json").read_text())
    ref = ref["cfa_negative_lv_variance"]
    data = pd.read_csv(FIXTURES / "cfa_negative_lv_variance.csv")
    res = sem.cfa(data, "W =~ w1 + w2 + w3 + w4")
    assert ref["converged"] and res.converged
    for lavaan_name, key in LAVAAN_NAMES.items():
        expected = ref["fit"][lavaan_name]
        if key in ("chisq", "aic", "bic"):
            assert res.fit[key] == pytest.approx(expected, rel=TOL_RELATIVE), key
        else:
            assert res.fit[key] == pytest.approx(expected, abs=TOL_INDEX), key
    params = res.parameters.set_index(["lhs", "op", "rhs"])["estimate"]
    for row in ref["estimates"]:
        assert params[(row["lhs"], row["op"], row["rhs"])] == pytest.approx(
            row["est"], abs=TOL_PARAMETER
        ), row
    assert params[("W", "~~", "W")] < 0
    assert any("latent variances are negative" in w for w in res.warnings)
    assert not any("did not converge" in w for w in res.warnings)


def test_cfa_sets_undeclared_minus_99_to_missing():
    raw = pd.read_csv(FIXTURES / "likert_missing_codes.csv")
    model = {"A": [f"A{i}" for i in range(1, 7)], "C": [f"C{i}" for i in range(1, 8)]}
    items = model["A"] + model["C"]
    with pytest.warns(UserWarning, match="missing-value codes"):
        res = sem.cfa(raw[items], model)
    clean = sem.cfa(raw[items].replace(-99, np.nan), model)
    assert res.n == clean.n < len(raw)
    assert res.fit["chisq"] == pytest.approx(clean.fit["chisq"], rel=1e-12)


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_single_indicator_factor_is_fitted_as_lavaan(estimator):
    """lavaan's auto.fix.single fixes the residual variance of a factor's only indicator at 0;
    the package used to refuse the model (InputError).  semTools leaves the factor out of
    CR / AVE and gives NA HTMT for it.  Reference: tests/reference/likert_audit_reference.R."""
    ref = json.loads((FIXTURES / "likert_audit_reference.json").read_text())
    ref = ref[f"cfa_single_indicator_{estimator}"]
    hs = pd.read_csv(FIXTURES / "holzinger_swineford_1939.csv")
    model = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7"
    res = sem.cfa(hs, model, estimator=estimator)
    names = dict(LAVAAN_NAMES, **(LAVAAN_ROBUST_NAMES if estimator == "MLR" else {}))
    for lavaan_name, key in names.items():
        expected = ref["fit"][lavaan_name]  # every index lavaan gives, none dropped
        assert expected is not None and key in res.fit, key
        if key in ("chisq", "aic", "bic", "logl", "unrestricted_logl", "baseline_chisq"):
            assert res.fit[key] == pytest.approx(expected, rel=TOL_RELATIVE), key
        elif "scal" in key:
            assert res.fit[key] == pytest.approx(expected, rel=TOL_SCALED_RELATIVE), key
        else:
            assert res.fit[key] == pytest.approx(expected, abs=TOL_INDEX), key
    assert res.fit["df"] == 12
    params = res.parameters.set_index(["lhs", "op", "rhs"])
    for row in ref["estimates"]:
        key = (row["lhs"], row["op"], row["rhs"])
        assert params.loc[key, "estimate"] == pytest.approx(row["est"], abs=TOL_PARAMETER), key
        assert params.loc[key, "std_all"] == pytest.approx(row["std_all"], abs=TOL_INDEX), key
        if row["se"] > 0:
            assert params.loc[key, "se"] == pytest.approx(row["se"], abs=TOL_PARAMETER), key
    assert params.loc[("x7", "~~", "x7"), "estimate"] == 0 and np.isnan(
        params.loc[("x7", "~~", "x7"), "se"]
    )
    for f in ("visual", "textual"):
        assert res.composite_reliability[f] == pytest.approx(ref["cr"][f], abs=TOL_INDEX)
        assert res.ave[f] == pytest.approx(ref["ave"][f], abs=TOL_INDEX)
    assert np.isnan(res.composite_reliability["speed"]) and np.isnan(res.ave["speed"])
    expected_htmt = np.array(ref["htmt"], dtype=float)
    np.testing.assert_allclose(res.htmt.to_numpy(), expected_htmt, atol=1e-10)
    assert any("single indicator" in w for w in res.warnings)
