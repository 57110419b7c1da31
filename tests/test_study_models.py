"""The study's models (crm_research/study/models.py, study/invariance.py) and their report.

Every table equals a direct call of the statistics function on the same data, written out
here independently of the module (model syntax with the instruments' own names, the
stacking of customers and employees, the join to the ledger); an invariance failure is
planted in simulated data with a known latent difference; a customers-only study gets a
reason for every model table; the report chapters 02-04 (zh and en), run in this process,
show the new sections and only numbers of the study's tables.
"""

from __future__ import annotations

import ast
import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_research import analysis, factor, pipeline, plots, pls, segmentation, sem
from crm_research.cases.d_company import simulate
from crm_research.errors import InputError
from crm_research.importance import relative_importance
from crm_research.instrument import LANGS, SURVEYS_DIR
from crm_research.report.cache import StudyBundle
from crm_research.report.context import ReportContext
from crm_research.report.text import CATALOGUES, TABLE_CAPTIONS
from crm_research.scoring import keyed_items, nps_interval
from crm_research.study import TABLE_NAMES, run_study
from crm_research.study.absent import ABSENT_TEXT, MODEL_STEP_LABELS
from crm_research.study.inputs import load_survey
from crm_research.study.invariance import (
    DELTA_FIT_MIN_DF,
    INVARIANCE_LEVELS,
    perception_gap_models,
    segment_invariance,
)
from crm_research.study.models import (
    IMPORTANCE_BOOT,
    MODEL_TABLE_NAMES,
    PLS_BOOT,
    model_settings,
    model_tables,
)
from crm_research.studyfile import StudyFileError, load_study

SEED = 20190601
TOL = 1e-12
#: The IDIC pairs of the shipped instruments: customer scale -> (its items, employee items).
IDIC = {
    "identification": ("idn", "e_idn"),
    "differentiation": ("dif", "e_dif"),
    "interaction": ("int", "e_int"),
    "customization": ("cus", "e_cus"),
}
DRIVERS = ["identification", "differentiation", "interaction", "customization", "quality"]


@pytest.fixture(scope="module")
def case():
    return simulate(SEED, "thesis")


@pytest.fixture(scope="module")
def surveys(case):
    return (
        load_survey(case.customers, "d_company_customer"),
        load_survey(case.employees, "d_company_employee"),
    )


@pytest.fixture(scope="module")
def abc(case):
    return segmentation.abc_classification(case.ledger)


@pytest.fixture(scope="module")
def ipa(surveys):
    cus, _ = surveys
    return analysis.importance_performance(
        cus.scores, "satisfaction", DRIVERS, importance="dominance",
        performance_cut=3.0, importance_cut="equal_share",
    )  # fmt: skip


@pytest.fixture(scope="module")
def made(surveys, abc, ipa):
    cus, emp = surveys
    tables, absent, used = model_tables(
        cus, emp, {"abc": abc, "ipa": ipa}, seed=SEED, models={"structural": "both"}
    )
    return tables, absent, used


def frames_close(got: pd.DataFrame, want: pd.DataFrame, tol: float = TOL) -> None:
    """Same columns and strings; numbers equal within ``tol`` (NaN where NaN)."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for col in want.columns:
        a, b = got[col].to_numpy(), want[col].to_numpy()
        if pd.api.types.is_numeric_dtype(want[col]) and not pd.api.types.is_bool_dtype(want[col]):
            np.testing.assert_allclose(
                a.astype(float), b.astype(float), rtol=0, atol=tol, err_msg=col
            )
        else:
            assert [None if v is None or v != v else v for v in a] == [
                None if v is None or v != v else v for v in b
            ], col


# --------------------------------------------------------------------------------------------
# Perception gap: invariance first
# --------------------------------------------------------------------------------------------


def _stack(cus, emp, scale, k):
    """Customers then employees, the first k items of the mirrored scales as m1..mk."""
    prefix_c, prefix_e = IDIC[scale]
    names = [f"m{i}" for i in range(1, k + 1)]
    c = keyed_items(cus.items, cus.instrument)[[f"{prefix_c}{i}" for i in range(1, k + 1)]]
    e = keyed_items(emp.items, emp.instrument)[[f"{prefix_e}{i}" for i in range(1, k + 1)]]
    c.columns, e.columns = names, names
    return pd.concat([c.assign(g="C"), e.assign(g="E")], ignore_index=True)


def test_gap_invariance_equals_direct_calls(surveys, made):
    cus, emp = surveys
    inv, latent = made[0]["perception_gap_invariance"], made[0]["perception_gap_latent"]
    assert list(latent["dimension"]) == list(IDIC)
    z = stats.norm.ppf(0.975)
    for scale in IDIC:
        direct = sem.invariance(_stack(cus, emp, scale, 3), "eta =~ m1 + m2 + m3", "g",
                                levels=("configural", "metric", "scalar"))  # fmt: skip
        rows = inv[inv["dimension"] == scale].set_index("level")
        assert list(rows.index) == list(INVARIANCE_LEVELS)
        for col in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
            np.testing.assert_allclose(rows[col], direct.fits[col], rtol=0, atol=TOL)
        for col in ("chisq_diff", "delta_cfi", "delta_rmsea"):
            np.testing.assert_allclose(rows[col].iloc[1:], direct.tests[col], rtol=0, atol=TOL)
        np.testing.assert_allclose(rows["pvalue_diff"].iloc[1:], direct.tests["pvalue"], atol=TOL)
        row = latent[latent["dimension"] == scale].iloc[0]
        # three items in two groups: configural df 0, so the χ² difference tests decide
        assert row["rule"] == "chisq_difference" and row["chen_level"] == direct.verdict["level"]
        assert row["level_held"] == direct.verdict["chisq_level"]
        assert row["k_items"] == 3 and "items_by_position" in row["caveats"]  # 4 vs 3 items
        assert row["customer_items"] == ", ".join(f"{IDIC[scale][0]}{i}" for i in (1, 2, 3))
        if direct.verdict["chisq_level"] == "scalar":
            lm = direct.latent_means.iloc[0]
            assert row["method"] == "latent" and "not_scalar" not in row["caveats"]
            for col, want in (("estimate", lm["est"]), ("se", lm["se"]), ("z", lm["z"]),
                              ("p_value", lm["pvalue"]), ("std_all", lm["std_all"])):  # fmt: skip
                assert abs(row[col] - want) <= TOL, col
            assert abs(row["ci_low"] - (lm["est"] - z * lm["se"])) <= TOL
            assert abs(row["ci_high"] - (lm["est"] + z * lm["se"])) <= TOL
        else:
            assert row["method"] == "observed" and np.isnan(row["estimate"])
            levels = list(INVARIANCE_LEVELS)
            assert row["failed_level"] == levels[levels.index(row["level_held"]) + 1]
            assert "not_scalar" in row["caveats"]
        observed = analysis.perception_gap(emp.scores, cus.scores, [scale]).iloc[0]
        for col in ("gap", "ci_low", "ci_high", "p_value"):
            assert abs(row[f"observed_{col}"] - observed[col]) <= TOL
    # the rules disagree on some pairs (ΔRMSEA at df 2): the caveat says so
    differ = latent["chen_level"] != latent["chisq_level"]
    assert differ.any()
    assert (latent["caveats"].str.contains("rules_differ") == differ).all()


def _planted(seed: int, shift: float):
    """Customers (n=600) and employees (n=300) answering the identification items of a
    one-factor model with loadings .8, employees' latent mean higher by .5 SD; ``shift`` is
    added to the intercept of the employees' second item (0 = invariant)."""
    rng = np.random.default_rng(seed)
    sim = simulate(seed, "healthy", n_customers=600, n_employees=300)
    cus, emp = sim.customers.copy(), sim.employees.copy()
    for frame, items, mean, extra in (
        (cus, ["idn1", "idn2", "idn3", "idn4"], 0.0, {}),
        (emp, ["e_idn1", "e_idn2", "e_idn3"], 0.5, {"e_idn2": shift}),
    ):
        f = rng.normal(mean, 1.0, size=len(frame))
        for item in items:
            x = 3 + 0.8 * f + 0.6 * rng.normal(size=len(frame)) + extra.get(item, 0.0)
            frame[item] = np.clip(np.rint(x), 1, 5).astype(int)
    return load_survey(cus, "d_company_customer"), load_survey(emp, "d_company_employee")


def test_planted_intercept_difference_fails_scalar_and_falls_back_with_a_caveat():
    cus, emp = _planted(11, shift=-1.0)
    _, latent, why = perception_gap_models(cus, emp)
    assert not why
    row = latent.set_index("dimension").loc["identification"]
    assert row["failed_level"] == "scalar" and row["level_held"] == "metric"
    assert row["method"] == "observed" and np.isnan(row["estimate"])
    assert row["caveats"].split(";")[:2] == ["items_by_position", "not_scalar"]
    observed = analysis.perception_gap(emp.scores, cus.scores, ["identification"]).iloc[0]
    assert abs(row["observed_gap"] - observed["gap"]) <= TOL


def test_invariant_items_give_the_known_latent_difference():
    # same design, no planted shift: scalar holds and the latent mean difference is the
    # planted .5 SD times the loading .8 = .40 item points (before rounding to 1..5)
    cus, emp = _planted(11, shift=0.0)
    _, latent, _ = perception_gap_models(cus, emp)
    row = latent.set_index("dimension").loc["identification"]
    assert row["level_held"] == "scalar" and row["method"] == "latent"
    assert row["ci_low"] < 0.40 < row["ci_high"]
    assert abs(row["estimate"] - 0.40) < 0.12


def test_segment_invariance_equals_direct_calls(surveys, made):
    cus, _ = surveys
    table = made[0]["segment_invariance"]
    assert set(table["segment"]) == {"customer_type", "sector"}
    keyed = keyed_items(cus.items, cus.instrument)
    # every scale by customer type (2 groups, df < 10) and one by sector (5 groups, df 10)
    rows = pd.concat([table[table["segment"] == "customer_type"],
                      table[table["segment"] == "sector"].head(1)])  # fmt: skip
    assert set(rows["rule"]) == {"chisq_difference", "delta_fit"}
    for _, row in rows.iterrows():
        items = cus.instrument.scale_items(row["scale"])
        data = keyed[items].assign(grp=cus.meta[row["segment"]].astype(str).to_numpy())
        direct = sem.invariance(data, f"eta =~ {' + '.join(items)}", "grp",
                                levels=("configural", "metric", "scalar"))  # fmt: skip
        for level in INVARIANCE_LEVELS:
            assert abs(row[f"cfi_{level}"] - direct.fits.loc[level, "cfi"]) <= TOL
            assert abs(row[f"rmsea_{level}"] - direct.fits.loc[level, "rmsea"]) <= TOL
        assert abs(row["delta_cfi_scalar"] - direct.tests.loc["scalar", "delta_cfi"]) <= TOL
        assert abs(row["pvalue_scalar"] - direct.tests.loc["scalar", "pvalue"]) <= TOL
        small = direct.fits.loc["configural", "df"] < DELTA_FIT_MIN_DF
        held = direct.verdict["chisq_level"] if small else direct.verdict["level"]
        assert row["rule"] == ("chisq_difference" if small else "delta_fit")
        assert row["level_held"] == held and row["comparable"] == (held == "scalar")
        assert row["n_min"] == min(direct.n_by_group.values())


def test_a_group_too_small_for_its_model_is_left_out_and_named(case):
    customers = case.customers.copy()
    customers.loc[customers.index[:5], "customer_type"] = "end_user"  # keep valid levels
    customers["sector"] = customers["sector"].astype(object)
    customers.loc[customers.index[:5], "sector"] = "government"
    inst = load_survey(customers, "d_company_customer").instrument
    cus = load_survey(customers, inst.with_roles({"segments": ["sector"]}))
    counts = cus.meta["sector"].value_counts()
    small = counts[counts <= 12].index.tolist()  # 4 items: 3k = 12 free parameters
    table, _ = segment_invariance(cus)
    rows = table.query("k_items == 4")
    for left in rows["groups_left_out"]:
        assert sorted(x for x in left.split(", ") if x) == sorted(small)


# --------------------------------------------------------------------------------------------
# Structural model: SEM and PLS
# --------------------------------------------------------------------------------------------


def _measurement(inst):
    return {s: list(inst.scale_items(s)) for s in [*DRIVERS, "satisfaction", "loyalty"]}


def test_sem_tables_equal_a_direct_sem_call(surveys, made):
    cus, _ = surveys
    meas = _measurement(cus.instrument)
    lines = [f"{s} =~ {' + '.join(items)}" for s, items in meas.items()]
    lines.append("satisfaction ~ " + " + ".join(f"a{i}*{d}" for i, d in enumerate(DRIVERS)))
    lines.append(
        "loyalty ~ b*satisfaction + " + " + ".join(f"c{i}*{d}" for i, d in enumerate(DRIVERS))
    )
    lines += [f"ind{i} := a{i}*b\ntot{i} := c{i} + a{i}*b" for i in range(len(DRIVERS))]
    res = sem.sem(keyed_items(cus.items, cus.instrument), "\n".join(lines))
    t = made[0]
    frames_close(t["sem_fit"], res.fit_table())
    reg = res.parameters[res.parameters["op"] == "~"]
    paths = t["sem_paths"]
    assert list(paths["outcome"]) == list(reg["lhs"]) and list(paths["predictor"]) == list(
        reg["rhs"]
    )
    for col in ("est", "se", "z", "pvalue", "std_all", "ci_low", "ci_high"):
        np.testing.assert_allclose(paths[col], reg[col], rtol=0, atol=TOL, err_msg=col)
    r2 = t["sem_r2"].set_index("outcome")["r2"]
    assert abs(r2["satisfaction"] - res.r2["satisfaction"]) <= TOL
    assert abs(r2["loyalty"] - res.r2["loyalty"]) <= TOL
    ind = t["sem_indirect"]
    for i, driver in enumerate(DRIVERS):
        for effect, name in (("indirect", f"ind{i}"), ("total", f"tot{i}")):
            got = ind[(ind["predictor"] == driver) & (ind["effect"] == effect)].iloc[0]
            want = res.defined.set_index("name").loc[name]
            for col in ("est", "se", "z", "pvalue", "ci_low", "ci_high", "std_all"):
                assert abs(got[col] - want[col]) <= TOL, (driver, effect, col)
    # the indirect effect is a*b of the paths shown
    a = paths.set_index(["outcome", "predictor"]).loc[("satisfaction", "quality"), "est"]
    b = paths.set_index(["outcome", "predictor"]).loc[("loyalty", "satisfaction"), "est"]
    got = ind[(ind["predictor"] == "quality") & (ind["effect"] == "indirect")]["est"].iloc[0]
    assert abs(got - a * b) <= TOL


def test_pls_tables_equal_a_direct_pls_call(surveys, made):
    cus, _ = surveys
    inst = cus.instrument
    meas = _measurement(inst)
    structural = (
        "satisfaction ~ "
        + " + ".join(DRIVERS)
        + "\nloyalty ~ "
        + " + ".join([*DRIVERS, "satisfaction"])
    )
    res = pls.pls(keyed_items(cus.items, inst), meas, structural, n_boot=PLS_BOOT, seed=SEED)
    t = made[0]
    got = t["pls_paths"].set_index(["from", "to"])
    want = res.paths.set_index(["from", "to"]).loc[got.index]
    for col in ("estimate", "se", "t", "pvalue", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[col], want[col], rtol=0, atol=TOL, err_msg=col)
    rel = t["pls_reliability"].set_index("construct")
    for col in ("alpha", "rhoA", "rhoC", "ave"):
        np.testing.assert_allclose(rel[col], res.reliability.loc[rel.index, col], atol=TOL)
    r2 = t["pls_r2"].set_index("construct")
    for c in ("satisfaction", "loyalty"):
        assert abs(r2.loc[c, "r2"] - res.r2[c]) <= TOL
    imap = pls.ipma(res, "loyalty", scale=(1, 5))  # every item of the model is on 1..5
    frames_close(t["ipma"][["construct", "importance", "performance"]], imap)
    assert (t["ipma"]["target"] == "loyalty").all()


# --------------------------------------------------------------------------------------------
# Driver importance, IPA, value classes, common method, NPS
# --------------------------------------------------------------------------------------------


def test_driver_importance_equals_relative_importance(surveys, made):
    cus, _ = surveys
    table = made[0]["driver_importance"]
    for outcome, preds in (("satisfaction", DRIVERS), ("loyalty", ["satisfaction", *DRIVERS])):
        want = relative_importance(cus.scores, outcome, preds, n_boot=IMPORTANCE_BOOT, seed=SEED)
        got = table[table["outcome"] == outcome].reset_index(drop=True)
        frames_close(got[list(want.columns)], want)
        assert (got["r2"] - want.attrs["r2"]).abs().max() <= TOL
        assert (got["n_boot_valid"] == IMPORTANCE_BOOT).all()


def test_share_interval_equals_a_plain_bootstrap_loop():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 3))
    df = pd.DataFrame(np.column_stack([x @ [0.5, 0.3, 0.1] + rng.normal(size=80), x]),
                      columns=["y", "a", "b", "c"])  # fmt: skip
    res = relative_importance(df, "y", ["a", "b", "c"], n_boot=50, seed=3, ci=0.9)
    draw = np.random.default_rng(3)
    shares = []
    for _ in range(50):
        rows = df.iloc[draw.integers(0, len(df), size=len(df))].reset_index(drop=True)
        shares.append(relative_importance(rows, "y", ["a", "b", "c"])["share"].to_numpy())
    low, high = np.quantile(np.array(shares), [0.05, 0.95], axis=0)
    got = np.array([res.attrs["share_ci"][p] for p in ("a", "b", "c")])
    np.testing.assert_allclose(got[:, 0], low, rtol=0, atol=TOL)
    np.testing.assert_allclose(got[:, 1], high, rtol=0, atol=TOL)


def test_ipa_importance_is_the_driver_share_with_its_interval(made, ipa):
    out = made[0]["ipa"].set_index("attribute")
    imp = made[0]["driver_importance"].query("outcome == 'satisfaction'").set_index("predictor")
    np.testing.assert_allclose(out["importance"], imp.loc[out.index, "share"], rtol=0, atol=TOL)
    np.testing.assert_allclose(out["importance_ci_low"], imp.loc[out.index, "share_ci_low"], atol=0)
    np.testing.assert_allclose(
        out["importance_ci_high"], imp.loc[out.index, "share_ci_high"], atol=0
    )
    assert (out["importance_ci_low"] < out["importance"]).all()
    assert (out["importance"] < out["importance_ci_high"]).all()
    assert list(made[0]["ipa"].columns[: ipa.shape[1]]) == list(ipa.columns)  # nothing dropped


def test_driver_importance_by_value_class(case, surveys, made):
    cus, _ = surveys
    totals = case.ledger.groupby("customer_id")["revenue"].sum()
    order = totals.reset_index().sort_values(["revenue", "customer_id"], ascending=[False, True])
    cum = order["revenue"].cumsum() / order["revenue"].sum()
    a_ids = set(order["customer_id"][cum.to_numpy() <= 0.70])  # the 70 % rule, written out
    is_a = cus.meta["customer_id"].isin(a_ids).to_numpy()
    table = made[0]["driver_importance_by_value"]
    for name, rows in (("A", cus.scores[is_a]), ("rest", cus.scores[~is_a])):
        want = relative_importance(rows, "satisfaction", DRIVERS, n_boot=IMPORTANCE_BOOT, seed=SEED)
        got = table[table["value_class"] == name].reset_index(drop=True)
        frames_close(got[list(want.columns)], want)
        assert (got["n"] == len(rows)).all()


def test_common_method_tables_equal_direct_calls(surveys, made):
    cus, _ = surveys
    inst = cus.instrument
    items = [i for s in inst.scales if s.kind != "nps" for i in inst.scale_items(s.id)]
    h = factor.harman_single_factor(keyed_items(cus.items, inst)[items].dropna())
    row = made[0]["common_method_harman"].iloc[0]
    for key in ("share_factor", "share_component", "n", "k"):
        assert abs(row[key] - h[key]) <= TOL
    assert row["exceeds_half"] == h["exceeds_half"]
    scales = [s.id for s in inst.scales if s.kind != "nps"]
    vif = factor.full_collinearity_vif(cus.scores[scales].dropna())
    got = made[0]["common_method_vif"].set_index("scale")
    np.testing.assert_allclose(got["vif"], vif["vif"], rtol=0, atol=TOL)
    # Kock's VIF by its definition: the diagonal of the inverse correlation matrix
    inv = np.diag(np.linalg.inv(cus.scores[scales].corr().to_numpy()))
    np.testing.assert_allclose(got["vif"], inv, rtol=1e-10)


def test_nps_table_has_the_adjusted_wald_interval(surveys, made):
    cus, _ = surveys
    row = made[0]["nps"].iloc[0]
    res = nps_interval(cus.items["nps"])
    for key in ("nps", "ci_low", "ci_high", "nps_adjusted"):
        assert abs(row[key] - res[key]) <= TOL
    # Rocks (2016) written out: 0.75 / 1.5 / 0.75 pseudo-observations
    x = cus.items["nps"].dropna()
    n = len(x) + 3
    p, d = ((x >= 9).sum() + 0.75) / n, ((x <= 6).sum() + 0.75) / n
    centre, se = p - d, np.sqrt((p + d - (p - d) ** 2) / n)
    z = stats.norm.ppf(0.975)
    assert abs(row["ci_low"] - 100 * (centre - z * se)) <= 1e-9
    assert abs(row["ci_high"] - 100 * (centre + z * se)) <= 1e-9


# --------------------------------------------------------------------------------------------
# Through run_study; reasons; settings
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study(case):
    """The case through run_study (fast settings: the model tables do not depend on them)."""
    return run_study(case.customers, case.employees, case.ledger, case.scorecard, seed=SEED,
                     models={"structural": "both"}, case="d_company", reliability="alpha",
                     factor_analyses=False, posthoc=False)  # fmt: skip


def test_run_study_writes_the_model_tables_rounded(study, made):
    assert set(MODEL_TABLE_NAMES) <= set(TABLE_NAMES)
    assert set(study.tables) <= set(TABLE_NAMES)
    assert set(made[0]) - {"ipa", "nps"} == set(MODEL_TABLE_NAMES)  # the case makes every one
    for name in (*MODEL_TABLE_NAMES, "nps"):
        assert name in study.tables, study.absent.get(name)
        want = made[0][name].reset_index(drop=True).copy()
        for col in want.columns:
            if pd.api.types.is_float_dtype(want[col]):
                want[col] = want[col].round(6)
        frames_close(study.tables[name], want)
    assert study.parameters["models"]["structural"] == "both"
    assert study.parameters["models"]["seed"] == SEED


def test_customers_only_study_says_why_each_model_table_is_absent(surveys):
    cus, _ = surveys
    # (segments cleared too: the segment invariance has its own tests)
    alone = load_survey(cus.items.join(cus.meta), cus.instrument.with_roles({"segments": None}))
    made, absent, _ = model_tables(alone, None, {})
    assert {"sem_paths", "driver_importance", "common_method_harman", "nps"} <= set(made)
    codes = {name: a.code for name, a in absent.items()}
    assert codes["segment_invariance"] == "groups"
    assert codes["perception_gap_invariance"] == codes["perception_gap_latent"] == "no_employees"
    assert codes["driver_importance_by_value"] == "no_ledger"
    assert codes["pls_paths"] == codes["ipma"] == "pls_not_requested"
    assert set(made) | set(absent) >= set(MODEL_TABLE_NAMES)
    for a in absent.values():
        assert set(a.text) == set(LANGS) and all(a.text[lang].strip() for lang in LANGS)
    # no roles for the model: satisfaction/loyalty and drivers undeclared
    bare = cus.instrument.with_roles({"satisfaction": None, "loyalty": None, "drivers": None,
                                      "antecedents": None, "idic": None, "segments": None})  # fmt: skip
    plain = load_survey(cus.items.join(cus.meta), bare)
    made, absent, _ = model_tables(plain, None, {}, models={"structural": "pls"})
    assert absent["sem_paths"].code == absent["pls_paths"].code == "sem_no_outcomes"
    assert absent["driver_importance"].code == "no_satisfaction"


def test_a_model_the_data_cannot_support_is_a_reason(surveys):
    cus, _ = surveys
    few = load_survey(cus.items.join(cus.meta).iloc[:20], cus.instrument)  # 20 rows, 27 items
    made, absent, _ = model_tables(few, None, {})
    assert absent["sem_paths"].code == "model_failed"
    assert MODEL_STEP_LABELS["sem"]["en"] in absent["sem_paths"].text["en"]


def test_settings_are_checked(tmp_path):
    assert model_settings({"structural": "pls"})["structural"] == "pls"
    with pytest.raises(InputError, match="not one of sem, pls, both"):
        model_settings({"structural": "lisrel"})
    with pytest.raises(InputError, match="Unknown models setting 'boot'"):
        model_settings({"boot": 3})
    shipped = load_study(SURVEYS_DIR / "d_company_study.yaml", check_files=False)
    assert shipped.models == {"structural": "both"}
    text = (SURVEYS_DIR / "d_company_study.yaml").read_text(encoding="utf-8")
    for bad, message in (("structual: both", "did you mean 'structural'"),
                         ("structural: lisrel", "not one of sem, pls, both")):  # fmt: skip
        path = tmp_path / "study.yaml"
        path.write_text(text.replace("structural: both", bad), encoding="utf-8")
        with pytest.raises(StudyFileError, match=message):
            load_study(path, check_files=False)


def test_every_model_text_has_both_languages():
    for name in ("CAVEAT_TEXT",):
        for key, entry in CATALOGUES[name].items():
            assert set(entry) == set(LANGS) and all(entry[lang].strip() for lang in LANGS), key
    for key, entry in MODEL_STEP_LABELS.items():
        assert set(entry) == set(LANGS), key
    for code in ("gap_few_items", "segments_too_small", "sem_no_outcomes", "sem_no_antecedents",
                 "sem_not_requested", "pls_not_requested", "model_failed", "value_no_link",
                 "value_too_few"):  # fmt: skip
        assert set(ABSENT_TEXT[code]) == set(LANGS)
    assert all(name in TABLE_CAPTIONS for name in MODEL_TABLE_NAMES)


# --------------------------------------------------------------------------------------------
# The report chapters, run in this process (zh and en)
# --------------------------------------------------------------------------------------------

#: A number shown in a table cell.
_NUMBER = re.compile(r"^(?P<op><\s*)?(?P<num>-?(?:\d[\d,]*)?\.?\d+)$")


def _shown(obj) -> str:
    for method in ("_repr_html_", "_repr_markdown_"):
        render = getattr(obj, method, None)
        if render is not None:
            value = render()
            return str(value[0] if isinstance(value, tuple) else value)
    to_html = getattr(obj, "to_html", None)
    return to_html() if to_html is not None else ("" if obj is None else str(obj))


def _run_chapters(context: ReportContext, names) -> list[str]:
    """The code cells of the chapters after ``open_study``, with this context as ``report``."""
    shown: list = []
    for name in names:
        cells = [c for c in nbformat.read(pipeline.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
                 .cells if c.cell_type == "code"]  # fmt: skip
        ns: dict = {"display": shown.append}
        exec(cells[0].source, ns)  # the parameters
        ns.update(report=context, labels=context.labels(), plots=plots, lang=context.lang)
        for cell in cells[2:]:  # cells[1] opens the study: the context is given instead
            tree = ast.parse(cell.source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, name, "exec"), ns)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), name, "eval"), ns)
                if value is not None:
                    shown.append(value)
    return [_shown(obj) for obj in shown]


def _numbers_in_tables(page: str, study) -> int:
    """Every number of a model table shown in the page is a cell of that table, rounded."""
    from bs4 import BeautifulSoup

    checked = 0
    for table in BeautifulSoup(page, "html.parser").select("table[data-crm-table]"):
        name = table["data-crm-table"]
        if name not in MODEL_TABLE_NAMES and name not in ("nps", "ipa"):
            continue
        frame = study.tables[name]
        values = [float(v) for v in frame.select_dtypes("number").to_numpy().ravel() if v == v]
        for cell in table.select("tbody td"):
            m = _NUMBER.match(cell.get_text(strip=True))
            if not m:
                continue
            text = m["num"].replace(",", "")
            if m["op"]:
                assert any(v < float(text) for v in values), (name, text)
            else:
                decimals = len(text.split(".")[1]) if "." in text else 0
                shown = {f"{v:.{decimals}f}".replace("-0.", "0.") if float(f"{v:.{decimals}f}") == 0
                         else f"{v:.{decimals}f}" for v in values}  # fmt: skip
                shown |= {s.replace("0.", ".", 1) for s in shown}
                assert text in shown, (name, text)
            checked += 1
    return checked


@pytest.fixture(scope="module")
def case_context(study, tmp_path_factory):
    bundle = StudyBundle(study=study, findings=(), inputs={}, sha256={}, instruments={},
                         simulated=True, seed=SEED, seconds=0.0)  # fmt: skip
    return bundle, tmp_path_factory.mktemp("chapters")


@pytest.mark.parametrize("lang", LANGS)
def test_case_report_chapters_show_the_model_sections(case_context, lang):
    bundle, folder = case_context
    context = ReportContext(bundle=bundle, lang=lang, output_dir=folder / lang)
    page = "\n".join(_run_chapters(context, ["02_reliability_validity",
                                             "03_customer_satisfaction",
                                             "04_employee_self_assessment"]))  # fmt: skip
    for key in (
        "rv.common_method",
        "rv.segment_invariance",
        "cs.importance",
        "cs.sem",
        "cs.sem_indirect",
        "cs.pls",
        "cs.ipma",
        "es.gap_invariance",
        "cs.nps_interval",
    ):
        first = context.say(key).markdown.splitlines()[0]
        assert first in page, key
    for name in (*[n for n in MODEL_TABLE_NAMES if n != "pls_r2"], "pls_r2", "nps"):
        assert f'data-crm-table="{name}"' in page, name
    assert _numbers_in_tables(page, bundle.study) > 300
    assert (folder / lang / "figures" / "ipma.png").is_file()
    assert (folder / lang / "figures" / "driver_importance.png").is_file()
    # the gap's caveats name the failed level in words of the report language
    failed = CATALOGUES["ID_LABELS"]["metric"][lang]
    assert failed in page
