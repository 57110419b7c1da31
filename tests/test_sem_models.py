"""crm_research.sem.sem and .invariance against lavaan 0.6-14 (shared references and
tests/fixtures/sem_models_reference.json made by tests/reference/sem_models_reference.R).

Tolerances. Fit indices (CFI, TLI, RMSEA and its CI, SRMR) 1e-6 absolute; χ², AIC, BIC and
log-likelihoods 1e-6 relative; standard errors 1e-5 absolute. Estimates, std.all and R² are
compared at 2e-5: lavaan's nlminb stops at rel.tol = 1e-10 on F, which leaves its estimates
up to ~1.6e-5 from the optimum (our χ² is below lavaan's in every model). That this is
lavaan's stopping and not a different model is checked separately: lavaan's own estimates
put into our likelihood give lavaan's χ² to 1e-9 (`test_lavaan_estimates_give_lavaan_chisq`),
and tests/test_sem_converged.py compares the same models with lavaan driven to its optimum
(tests/reference/sem_models_converged_reference.R, gradient < 1e-14): estimates, std.all, R²,
indirect effects, latent means and SEs agree to 1e-9 there (measured: 2e-13 or better).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lavaan_fit import EXACT, FIT_NAMES, RELATIVE

from crm_research import sem
from crm_research.errors import InputError, NotIdentifiedError, SingularMatrixError
from crm_research.sem import engine, fitting, partable, syntax

FIXTURES = Path(__file__).parent / "fixtures"
PD_REF = json.loads((FIXTURES / "political_democracy_sem_reference.json").read_text())
HS_INV = json.loads((FIXTURES / "holzinger_swineford_invariance_reference.json").read_text())
MORE = json.loads((FIXTURES / "sem_models_reference.json").read_text())

TOL_INDEX = 1e-6  # CFI, TLI, RMSEA (+CI), SRMR (absolute)
TOL_RELATIVE = 1e-6  # χ², AIC, BIC, logl (relative)
TOL_SE = 1e-5  # standard errors, SEs of std.all (absolute)
TOL_EST = 2e-5  # estimates, std.all, R² (absolute; lavaan's stopping rule, see above)


@pytest.fixture(scope="module")
def pdem() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "political_democracy.csv")


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def mediation() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "sem_mediation.csv")


@pytest.fixture(scope="module")
def bfi_gender() -> pd.DataFrame:
    raw = pd.read_csv(FIXTURES / "bfi.csv")
    items = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
    data = raw.dropna(subset=[*items, "gender"])[[*items, "gender"]].copy()
    for item in ("A1", "C4", "C5"):
        data[item] = 7 - data[item]
    data["gender"] = np.where(data["gender"] == 1, "male", "female")
    return data


@pytest.fixture(scope="module")
def pd_fit(pdem) -> sem.SEMResult:
    return sem.sem(pdem, PD_REF["model"])


@pytest.fixture(scope="module")
def hs_invariance(hs) -> sem.InvarianceResult:
    return sem.invariance(hs, HS_INV["model"], "school")


def assert_fit(ours: dict, theirs: dict, names=FIT_NAMES) -> None:
    for lavaan_name, key in names.items():
        if lavaan_name not in theirs:
            continue
        expected, actual = theirs[lavaan_name], ours[key]
        if expected is None:  # lavaan's NA (e.g. the p-value of a saturated model)
            assert math.isnan(actual), key
        elif key in EXACT:
            assert actual == expected, key
        elif key in RELATIVE:
            assert actual == pytest.approx(expected, rel=TOL_RELATIVE, abs=1e-9), key
        else:
            assert actual == pytest.approx(expected, abs=TOL_INDEX), key


def assert_parameters(ours: pd.DataFrame, theirs: list[dict]) -> None:
    ref = pd.DataFrame(theirs)
    assert list(ours["lhs"]) == list(ref["lhs"])
    assert list(ours["op"]) == list(ref["op"])
    assert [r.replace(" ", "") for r in ours["rhs"]] == [r.replace(" ", "") for r in ref["rhs"]]
    est = ref["est"].to_numpy(float)
    np.testing.assert_allclose(ours["est"], est, atol=TOL_EST, rtol=5e-6)
    se = ref["se"].to_numpy(float)
    free = se > 0
    np.testing.assert_allclose(ours["se"].to_numpy(float)[free], se[free], atol=TOL_SE, rtol=1e-5)
    assert ours["se"].to_numpy(float)[~free & (ref["op"] != ":=").to_numpy()].tolist() == [
        pytest.approx(math.nan, nan_ok=True)
    ] * int((~free & (ref["op"] != ":=").to_numpy()).sum())
    std_col = "std_all" if "std_all" in ref else "std.all"
    np.testing.assert_allclose(ours["std_all"], ref[std_col].to_numpy(float), atol=TOL_EST)
    std_se_col = "std_se" if "std_se" in ref else "se.std.all"
    np.testing.assert_allclose(
        ours["std_se"].fillna(0.0), ref[std_se_col].fillna(0.0).to_numpy(float), atol=TOL_SE
    )


# --------------------------------------------------------------------------------------------
# PoliticalDemocracy (shared reference)
# --------------------------------------------------------------------------------------------
def test_political_democracy_fit_equals_lavaan(pd_fit):
    assert_fit(pd_fit.fit, PD_REF["fit"])
    assert pd_fit.n == PD_REF["n"] and pd_fit.converged and pd_fit.warnings == ()


def test_political_democracy_parameters_equal_lavaan(pd_fit):
    ours = pd_fit.parameters
    assert list(ours.columns[:9]) == [
        "lhs",
        "op",
        "rhs",
        "label",
        "est",
        "se",
        "z",
        "pvalue",
        "std_all",
    ]
    assert_parameters(ours, PD_REF["parameters"])
    labels = dict(
        zip(zip(ours["lhs"], ours["op"], ours["rhs"], strict=True), ours["label"], strict=True)
    )
    assert labels[("dem60", "~", "ind60")] == "a" and labels[("dem65", "~", "dem60")] == "b"


def test_political_democracy_r2_and_indirect_effect(pd_fit):
    for name, value in PD_REF["r2_all"].items():
        assert pd_fit.r2[name] == pytest.approx(value, abs=TOL_EST), name
    assert set(pd_fit.r2) == set(PD_REF["r2_all"])
    d = pd_fit.defined.set_index("name")
    for name, ref in (("indirect", PD_REF["indirect_effect"]), ("total", PD_REF["total_effect"])):
        assert d.loc[name, "est"] == pytest.approx(ref["est"], abs=TOL_EST)
        assert d.loc[name, "se"] == pytest.approx(ref["se_delta"], abs=TOL_SE)
        assert d.loc[name, "z"] == pytest.approx(ref["z"], abs=1e-3)
        assert d.loc[name, "pvalue"] == pytest.approx(ref["pvalue"], rel=1e-3)
        assert d.loc[name, "std_all"] == pytest.approx(ref["std.all"], abs=TOL_EST)
        # the normal interval of the delta method
        assert d.loc[name, "ci_low"] == pytest.approx(
            ref["est"] - 1.959963984540054 * ref["se_delta"], abs=1e-4
        )


def _theta_from(model: partable.CompiledModel, rows: list[dict]) -> np.ndarray:
    theta = np.full(model.n_free, math.nan)
    ref = pd.DataFrame(rows)
    ref = ref[ref["op"] != ":="]
    assert len(ref) == len(model.parameters)
    for q, est in zip(model.parameters, ref["est"], strict=True):
        if q.free >= 0:
            theta[q.free] = est
    return theta


def test_lavaan_estimates_give_lavaan_chisq(pdem, hs):
    """Our likelihood at lavaan's estimates is lavaan's χ²: the models are the same, and the
    remaining estimate differences are lavaan's stopping rule (our minimum is lower)."""
    parsed = syntax.parse_model(PD_REF["model"])
    model = partable.build_model(parsed)
    moments = [fitting.group_moments(pdem[model.observed].to_numpy(float), model.observed)]
    theta = _theta_from(model, PD_REF["parameters"])
    logdet = np.array([np.linalg.slogdet(moments[0].cov)[1]])
    state = engine.implied(model, 0, theta[None], moments[0].cov[None], moments[0].mean[None])
    f = engine.discrepancy(state, moments[0].cov[None], moments[0].mean[None], logdet, False)[0]
    assert 75 * f == pytest.approx(PD_REF["fit"]["chisq"], rel=1e-9)
    assert 75 * fitting.fit_model(model, moments).fmin <= 75 * f
    # the same for a two-group model with a meanstructure (lavaan's scalar level)
    groups = ["Pasteur", "Grant-White"]
    parsed = syntax.parse_model(HS_INV["model"])
    model = partable.build_model(
        parsed, groups, meanstructure=True, group_equal=("loadings", "intercepts")
    )
    moments = [
        fitting.group_moments(
            hs.loc[hs["school"] == g, model.observed].to_numpy(float), model.observed, g
        )
        for g in groups
    ]
    theta = _theta_from(model, HS_INV["parameters"]["scalar"])
    chisq = 0.0
    for g, m in enumerate(moments):
        state = engine.implied(model, g, theta[None], m.cov[None], m.mean[None])
        logdet = np.array([np.linalg.slogdet(m.cov)[1]])
        chisq += m.n * engine.discrepancy(state, m.cov[None], m.mean[None], logdet, True)[0]
    assert chisq == pytest.approx(HS_INV["models"]["scalar"]["fit"]["chisq"], rel=1e-9)


# --------------------------------------------------------------------------------------------
# Further lavaan references (tests/reference/sem_models_reference.R)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "estimator"),
    [
        ("mediation", "mediation", "ML"),
        ("mediation_means", "mediation", "ML"),
        ("mediation_means_mlr", "mediation", "MLR"),
        ("two_outcomes", "mediation", "ML"),
        ("hs_structural", "hs", "ML"),
        ("hs_structural_mlr", "hs", "MLR"),
        ("pd_mlr", "pdem", "MLR"),
    ],
)
def test_more_models_equal_lavaan(name, data, estimator, request):
    ref = MORE[name]
    res = sem.sem(request.getfixturevalue(data), ref["model"], estimator=estimator)
    assert_fit(res.fit, ref["fit"])
    rows = ref["parameters"]
    ours = res.parameters
    # defined parameters with a small denominator (g1/g2) amplify lavaan's stopping error
    defined = ours["op"] == ":="
    assert_parameters(ours[~defined].reset_index(drop=True), [r for r in rows if r["op"] != ":="])
    for row, (_, mine) in zip(
        [r for r in rows if r["op"] == ":="], ours[defined].iterrows(), strict=True
    ):
        assert mine["est"] == pytest.approx(row["est"], rel=5e-6, abs=TOL_EST)
        assert mine["se"] == pytest.approx(row["se"], rel=1e-5)
        assert mine["std_all"] == pytest.approx(row["std_all"], rel=5e-6, abs=TOL_EST)
    assert set(res.r2) == set(ref["r2"])
    for k, v in ref["r2"].items():
        assert res.r2[k] == pytest.approx(v, abs=TOL_EST)
    if estimator == "MLR":
        robust = {
            "chisq.scaled": "chisq_scaled",
            "chisq.scaling.factor": "scaling_factor",
            "cfi.robust": "cfi_robust",
            "tli.robust": "tli_robust",
            "rmsea.robust": "rmsea_robust",
        }
        for lavaan_name, key in robust.items():
            # the scaling factor uses a numerically differentiated Hessian on both sides
            assert res.fit[key] == pytest.approx(ref["fit"][lavaan_name], rel=1e-5), key


def test_fixed_x_covariates_and_auto_cov_y(mediation):
    """lavaan conventions checked by name: exogenous x fixed at sample values (not counted),
    purely endogenous outcomes' residuals covary."""
    res = sem.sem(mediation, MORE["two_outcomes"]["model"])
    table = res.parameters.set_index(["lhs", "op", "rhs"])
    assert not math.isnan(table.loc[("m", "~~", "y"), "se"])  # auto.cov.y
    cov = mediation[["x", "w"]].cov(ddof=0)
    assert table.loc[("x", "~~", "w"), "est"] == pytest.approx(cov.loc["x", "w"], rel=1e-12)
    assert math.isnan(table.loc[("x", "~~", "w"), "se"])
    assert res.fit["npar"] == MORE["two_outcomes"]["fit"]["npar"] == 6


# --------------------------------------------------------------------------------------------
# Invariance
# --------------------------------------------------------------------------------------------
def test_invariance_fits_equal_lavaan(hs_invariance):
    res = hs_invariance
    assert res.groups == ("Pasteur", "Grant-White")
    assert res.n_by_group == HS_INV["n_by_group"]
    for level, ref in HS_INV["models"].items():
        assert_fit(
            res.fits.loc[level].to_dict(),
            ref["fit"],
            {k: v for k, v in FIT_NAMES.items() if v in res.fits.columns},
        )
        assert_parameters(res.parameters[level], HS_INV["parameters"][level])


def test_invariance_tests_latent_means_and_verdict(hs_invariance):
    res = hs_invariance
    for row in HS_INV["lrt"][1:]:
        t = res.tests.loc[row["model"]]
        assert t["chisq_diff"] == pytest.approx(row["Chisq diff"], rel=TOL_RELATIVE)
        assert t["df_diff"] == row["Df diff"]
        assert t["pvalue"] == pytest.approx(row["Pr(>Chisq)"], rel=1e-5)
    for row in HS_INV["deltas"]:
        t = res.tests.loc[row["to"]]
        assert t["delta_cfi"] == pytest.approx(row["delta_cfi"], abs=TOL_INDEX)
        assert t["delta_rmsea"] == pytest.approx(row["delta_rmsea"], abs=TOL_INDEX)
    means = res.latent_means.set_index("factor")
    for factor, ref in HS_INV["scalar_latent_means_group2"].items():
        assert means.loc[factor, "group"] == "Grant-White"
        assert means.loc[factor, "est"] == pytest.approx(ref["est"], abs=TOL_EST)
        assert means.loc[factor, "se"] == pytest.approx(ref["se"], abs=TOL_SE)
        assert means.loc[factor, "std_all"] == pytest.approx(ref["std.all"], abs=TOL_EST)
    # ΔCFI(scalar) = -.038 < -.010: scalar fails Chen's rule, metric holds
    assert res.verdict["level"] == "metric" and res.verdict["failed"] == "scalar"
    assert "Chen 2007" in res.verdict["rule"]
    assert res.verdict["chisq_level"] == "metric"
    assert list(res.tests.index) == ["metric", "scalar", "strict"]


def test_partial_scalar_invariance_equals_lavaan(hs):
    ref = HS_INV["partial_scalar"]
    res = sem.invariance(
        hs, HS_INV["model"], "school", levels=("metric", "scalar"), partial=ref["group_partial"]
    )
    assert_fit(
        res.fits.loc["scalar"].to_dict(),
        ref["fit"],
        {k: v for k, v in FIT_NAMES.items() if v in res.fits.columns},
    )
    assert_parameters(res.parameters["scalar"], ref["parameters"])
    assert res.tests.loc["scalar", "chisq_diff"] == pytest.approx(
        ref["lrt_vs_metric"][1]["Chisq diff"], rel=TOL_RELATIVE
    )
    assert res.tests.loc["scalar", "delta_cfi"] == pytest.approx(
        ref["delta_cfi_vs_metric"], abs=TOL_INDEX
    )
    means = res.latent_means.set_index("factor")
    for factor, lm in ref["latent_means_group2"].items():
        assert means.loc[factor, "est"] == pytest.approx(lm["est"], abs=TOL_EST)
        assert means.loc[factor, "se"] == pytest.approx(lm["se"], abs=TOL_SE)
    assert res.verdict["level"] == "scalar"


def test_invariance_on_bfi_by_gender_equals_lavaan(bfi_gender):
    ref = MORE["bfi_invariance"]
    res = sem.invariance(bfi_gender, ref["model"], "gender")
    assert list(res.groups) == ref["group_labels"]
    names = {k: v for k, v in FIT_NAMES.items() if v in res.fits.columns}
    for level in ("configural", "metric", "scalar", "strict"):
        assert_fit(res.fits.loc[level].to_dict(), ref["fits"][level], names)
        assert_parameters(res.parameters[level], ref["parameters"][level])
    lrt = pd.DataFrame(ref["lrt"])
    np.testing.assert_allclose(res.tests["chisq_diff"], lrt["Chisq diff"].to_numpy()[1:], rtol=1e-6)
    np.testing.assert_allclose(res.tests["pvalue"], lrt["Pr(>Chisq)"].to_numpy()[1:], rtol=1e-5)
    partial = MORE["bfi_partial"]
    res_p = sem.invariance(
        bfi_gender, ref["model"], "gender", levels=("scalar",), partial=partial["group_partial"]
    )
    assert_fit(res_p.fits.loc["scalar"].to_dict(), partial["fit"], names)
    assert_parameters(res_p.parameters["scalar"], partial["parameters"])


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------
def test_bootstrap_is_seeded_and_agrees_with_single_refits(pdem, pd_fit):
    a = sem.sem(pdem, PD_REF["model"], se="bootstrap", n_boot=200, seed=11)
    b = sem.sem(pdem, PD_REF["model"], se="bootstrap", n_boot=200, seed=11)
    c = sem.sem(pdem, PD_REF["model"], se="bootstrap", n_boot=200, seed=12)
    pd.testing.assert_frame_equal(a.parameters, b.parameters)
    assert not np.allclose(a.defined["se"], c.defined["se"])
    assert a.n_boot == 200 and a.se_type == "bootstrap"
    # the point estimates are the ML ones; intervals are percentiles of the refits
    np.testing.assert_allclose(a.parameters["est"], pd_fit.parameters["est"], rtol=1e-12)
    ind = a.defined.set_index("name").loc["indirect"]
    assert ind["ci_low"] < ind["est"] < ind["ci_high"]
    # the bootstrap SD is near the delta-method SE (n = 75, 200 resamples: within 35 %)
    delta = pd_fit.defined.set_index("name").loc["indirect", "se"]
    assert 0.65 * delta < ind["se"] < 1.35 * delta


def test_batched_bootstrap_equals_one_fit_per_resample(pdem):
    """The vectorised refits equal separate fits of the same resamples (independent path)."""
    parsed = syntax.parse_model(PD_REF["model"])
    model = partable.build_model(parsed)
    data = pdem[model.observed].to_numpy(float)
    full = fitting.fit_model(model, [fitting.group_moments(data, model.observed)])
    from crm_research.sem.structural import bootstrap_estimates

    thetas, ok, _, _ = bootstrap_estimates(full, 12, seed=5)
    draws = np.random.default_rng(5).integers(0, len(data), size=(12, len(data)))
    for b in range(12):
        if not ok[b]:
            continue
        single = fitting.fit_model(model, [fitting.group_moments(data[draws[b]], model.observed)])
        np.testing.assert_allclose(thetas[b], single.theta, rtol=1e-4, atol=1e-4)


def test_bootstrap_percentile_interval_of_indirect_effect_covers_a_known_truth():
    """Simulation with known truth: a = 0.5, b = 0.4, indirect 0.2."""
    rng = np.random.default_rng(21)
    x = rng.normal(size=400)
    m = 0.5 * x + rng.normal(size=400)
    y = 0.4 * m + rng.normal(size=400)
    res = sem.sem(
        pd.DataFrame({"x": x, "m": m, "y": y}),
        "m ~ a*x\ny ~ b*m\nind := a*b",
        se="bootstrap",
        n_boot=300,
        seed=1,
    )
    ind = res.defined.iloc[0]
    assert ind["ci_low"] < 0.2 < ind["ci_high"]
    assert ind["est"] == pytest.approx(0.2, abs=0.06)


# --------------------------------------------------------------------------------------------
# Shared engine, syntax, warnings, bad input
# --------------------------------------------------------------------------------------------
def test_sem_and_cfa_agree_on_a_measurement_model(hs):
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    a, b = sem.sem(hs, model), sem.cfa(hs, model)
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "npar"):
        # one engine: the same optimum
        assert a.fit[key] == pytest.approx(b.fit[key], rel=1e-10, abs=1e-10), key
    std = a.parameters[a.parameters["op"] == "=~"]["std_all"].to_numpy()
    np.testing.assert_allclose(std, b.loadings["loading"].to_numpy(), atol=1e-9)


def test_syntax_comments_continuations_fixed_and_free_modifiers(hs):
    text = """
    # a comment line
    visual =~ NA*x1 + x2 +
              x3            ! continued
    visual ~~ 1*visual; textual =~ x4 + x5 + x6
    x1 ~~ 0*x1
    """
    res = sem.sem(hs, text)
    table = res.parameters.set_index(["lhs", "op", "rhs"])
    assert not math.isnan(table.loc[("visual", "=~", "x1"), "se"])  # NA* frees the marker
    assert table.loc[("visual", "~~", "visual"), "est"] == 1.0
    assert table.loc[("x1", "~~", "x1"), "est"] == 0.0
    parsed = syntax.parse_model("f =~ c(a, b)*x1 + x2\nf ~ 1")
    assert [m.label for m in parsed.statements[0].modifiers] == ["a", "b"]
    assert parsed.statements[-1].op == "~1"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("f =~ x1 + x2 + x3\nf => x4", ["line 2", "'=>'"]),
        ("f =~ x1 + + x2", ["line 1", "'+'"]),
        ("f =~ x1 + 2x", ["line 1", "'2x'"]),
        ("f =~ x1 + x2 + x3\ny ~ f +* x4", ["line 2", "'*'"]),
        ("f =~ x1 + x2 + x3\nf == 1", ["line 2", "'=='"]),
        ("f =~ x1 + x2 + x3\nd := a * (b", ["line 2"]),
    ],
)
def test_syntax_errors_name_line_and_token(hs, text, words):
    with pytest.raises(InputError) as info:
        sem.sem(hs, text)
    message = str(info.value)
    assert all(w in message for w in words), message
    assert message.count(". ") == 0 and message.endswith(".")


def test_bad_input_is_one_sentence(hs):
    with pytest.raises(InputError, match="'nope'.*neither columns"):
        sem.sem(hs, "f =~ x1 + x2 + nope")
    with pytest.raises(NotIdentifiedError, match="not identified"):
        sem.sem(hs, "f =~ x1 + x2\nx1 ~~ x2")
    # df = 1 but the scale of f is not set: the information matrix is singular
    with pytest.raises(NotIdentifiedError, match="not identified.*'f =~ x1'.*'f ~~ f'"):
        sem.sem(hs, "f =~ NA*x1 + x2 + x3 + x4")
    constant = hs.assign(x4=hs["x1"] + hs["x2"])
    with pytest.raises(SingularMatrixError, match="not positive definite"):
        sem.sem(constant, "f =~ x1 + x2 + x3 + x4")
    with pytest.raises(InputError, match="WLS"):
        sem.sem(hs, "f =~ x1 + x2 + x3", estimator="WLS")
    with pytest.raises(InputError, match="uses \\['q'\\]"):
        sem.sem(hs, "f =~ x1 + a*x2 + x3\nd := a*q")
    one = hs.assign(school="Pasteur")
    with pytest.raises(InputError, match="at least two"):
        sem.invariance(one, "f =~ x1 + x2 + x3", "school")
    tiny = pd.concat([hs[hs["school"] == "Pasteur"], hs[hs["school"] == "Grant-White"].head(8)])
    with pytest.raises(InputError, match="'Grant-White'.*8 complete row"):
        sem.invariance(tiny, HS_INV["model"], "school")
    with pytest.raises(InputError, match="'nogroup'"):
        sem.invariance(hs, HS_INV["model"], "nogroup")
    with pytest.raises(InputError, match="order"):
        sem.invariance(hs, HS_INV["model"], "school", levels=("scalar", "metric"))


def test_heywood_case_and_non_convergence_are_warnings(hs, monkeypatch):
    heywood = pd.read_csv(FIXTURES / "cfa_heywood.csv")
    cols = list(heywood.columns)
    res = sem.sem(heywood, "f =~ " + " + ".join(cols))
    assert any("Heywood" in w for w in res.warnings)
    monkeypatch.setattr(engine, "MAX_ITERATIONS", 1)
    res = sem.sem(hs, HS_INV["model"])
    assert not res.converged and any("did not converge" in w for w in res.warnings)
    assert np.isfinite(res.fit["chisq"])


def test_result_objects_are_readable(pd_fit, hs_invariance):
    assert "SEMResult(" in repr(pd_fit) and "indirect" in pd_fit.summary()
    assert pd_fit.fit_table()["measure"].tolist()[:3] == ["chisq", "df", "pvalue"]
    assert pd_fit.to_frame().equals(pd_fit.parameters)
    assert "verdict='metric'" in repr(hs_invariance)
    assert list(hs_invariance.to_frame().index) == ["configural", "metric", "scalar", "strict"]


@pytest.mark.parametrize("name", ["hs_mixed", "hs_second_order"])
def test_observed_covariates_of_latent_variables_and_second_order_factor(hs, name):
    """Observed exogenous covariates predicting latent variables with an observed outcome
    and intercepts; a second-order factor (latent indicators)."""
    ref = MORE[name]
    res = sem.sem(hs, ref["model"])
    assert_fit(res.fit, ref["fit"])
    assert_parameters(res.parameters, ref["parameters"])
    assert set(res.r2) == set(ref["r2"])
    for k, v in ref["r2"].items():
        assert res.r2[k] == pytest.approx(v, abs=TOL_EST)


def test_three_groups_in_order_of_appearance(hs):
    """Three groups: RMSEA × √3, groups in the data's order, lavaan's estimates give its χ²."""
    ref = MORE["hs_three_groups"]
    data = hs.assign(
        age_group=np.where(
            hs["ageyr"] <= 12, "12 or less", np.where(hs["ageyr"] == 13, "13", "14 or more")
        )
    )
    res = sem.invariance(data, ref["model"], "age_group")
    assert list(res.groups) == ref["group_labels"] == ["13", "12 or less", "14 or more"]
    names = {k: v for k, v in FIT_NAMES.items() if v in res.fits.columns}
    for level in ("configural", "metric", "scalar", "strict"):
        assert_fit(res.fits.loc[level].to_dict(), ref["fits"][level], names)
        rows = pd.DataFrame(ref["parameters"][level])
        ours = res.parameters[level]
        # about 100 respondents per group: lavaan stops up to 5e-5 from the optimum here
        np.testing.assert_allclose(ours["est"], rows["est"], atol=1e-4)
        free = rows["se"].to_numpy() > 0
        np.testing.assert_allclose(
            ours["se"].to_numpy()[free], rows["se"].to_numpy()[free], atol=3e-5
        )
    # lavaan's configural estimates in our likelihood: lavaan's χ² (same model, its stopping)
    parsed = syntax.parse_model(ref["model"])
    model = partable.build_model(parsed, list(res.groups), meanstructure=True)
    theta = _theta_from(model, ref["parameters"]["configural"])
    chisq = 0.0
    for g, label in enumerate(res.groups):
        values = data.loc[data["age_group"] == label, model.observed].to_numpy(float)
        m = fitting.group_moments(values, model.observed, label)
        state = engine.implied(model, g, theta[None], m.cov[None], m.mean[None])
        logdet = np.array([np.linalg.slogdet(m.cov)[1]])
        chisq += m.n * engine.discrepancy(state, m.cov[None], m.mean[None], logdet, True)[0]
    assert chisq == pytest.approx(ref["fits"]["configural"]["chisq"], rel=1e-9)
    assert res.fits.loc["configural", "chisq"] <= chisq
