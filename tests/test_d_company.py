"""The simulated D-company replica: shapes, ranges, determinism, the latent model, the label."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_research.cases.d_company import (
    CITIES,
    CUSTOMER_SCALES,
    EMPLOYEE_SCALES,
    LEDGER_YEARS,
    ROLES,
    SCORECARD_METRICS,
    THRESHOLDS,
    SimulatedCase,
    scenario_parameters,
    simulate,
)
from crm_research.cli import main
from crm_research.errors import InputError
from crm_research.instrument import load_instrument


@pytest.fixture(scope="module")
def thesis() -> SimulatedCase:
    return simulate(11, "thesis")


@pytest.fixture(scope="module")
def healthy() -> SimulatedCase:
    return simulate(11, "healthy")


def test_shapes_and_columns_follow_the_instruments(thesis):
    cust = load_instrument("d_company_customer")
    emp = load_instrument("d_company_employee")
    card = load_instrument("crm_implementation_scorecard")
    assert thesis.customers.shape[0] == 150
    assert thesis.employees.shape[0] == 30
    assert thesis.scorecard.shape[0] == 30
    assert set(cust.item_ids) <= set(thesis.customers.columns)
    assert set(emp.item_ids) <= set(thesis.employees.columns)
    assert set(card.item_ids) <= set(thesis.scorecard.columns)
    assert len(card.item_ids) == 17 * 3
    # no PII columns anywhere
    for frame in thesis.tables().values():
        assert not set(cust.pii_columns) & set(frame.columns)
    assert list(thesis.ledger.columns) == [
        "customer_id",
        "city",
        "customer_type",
        "sector",
        "year",
        "revenue",
    ]
    assert len(thesis.ledger) == 150 * len(LEDGER_YEARS)
    assert thesis.customers["customer_id"].is_unique
    assert set(thesis.ledger["customer_id"]) == set(thesis.customers["customer_id"])


def test_value_ranges(thesis, healthy):
    for case in (thesis, healthy):
        for scales, frame in ((CUSTOMER_SCALES, case.customers), (EMPLOYEE_SCALES, case.employees)):
            items = frame[[i for its in scales.values() for i in its]]
            assert items.isin([1, 2, 3, 4, 5]).all().all()
        card = case.scorecard.drop(columns=["employee_id", "role"])
        assert card.isin([1, 2, 3, 4, 5]).all().all()
        assert case.customers["nps"].between(0, 10).all()
        assert (case.ledger["revenue"] > 0).all()
        assert set(case.ledger["year"]) == set(LEDGER_YEARS)
        assert set(case.customers["city"]) <= set(CITIES)
        assert set(case.customers["customer_type"]) <= {"engineering", "end_user"}
        assert set(case.customers["sector"]) <= {
            "school",
            "training",
            "hospital",
            "government",
            "other",
        }
        assert set(case.customers["service_tier"]) <= {"key", "regular"}
        assert set(case.employees["role"]) == set(ROLES)
        assert (case.employees["role"] == "general_manager").sum() == 1
        assert case.customers["years_cooperation"].between(1, 10).all()
        assert (case.customers["duration_seconds"] >= 150).all()


def test_categorical_levels_are_those_of_the_instrument(thesis):
    inst = load_instrument("d_company_customer")
    for col in ("city", "customer_type", "sector"):
        meta = next(m for m in inst.metadata if m.id == col)
        levels = {getattr(lv, "id", lv) for lv in meta.levels}
        assert set(thesis.customers[col]) <= levels, col


def test_same_seed_same_frames_other_seed_other_frames():
    a, b, c = simulate(5, "thesis"), simulate(5, "thesis"), simulate(6, "thesis")
    for name in ("customers", "employees", "scorecard", "ledger"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
        assert not getattr(a, name).equals(getattr(c, name))
    assert a.parameters == b.parameters


def test_sizes_and_bad_arguments():
    case = simulate(2, "healthy", n_customers=60, n_employees=12)
    assert case.customers.shape[0] == 60 and case.employees.shape[0] == 12
    with pytest.raises(InputError, match="scenario"):
        simulate(1, "sick")
    with pytest.raises(InputError, match="n_customers"):
        simulate(1, n_customers=5)
    with pytest.raises(InputError, match="seed"):
        simulate(-1)


def test_ordinal_cut_matches_the_written_latent_model():
    """With many respondents, item means equal 1 + sum_k P(y* > tau_k), y* ~ N(mu + shift, 1)."""
    case = simulate(3, "healthy", n_customers=40_000, n_employees=4)
    means = scenario_parameters("healthy")["customers"]["dimension_means"]
    for dim in ("identification", "interaction", "quality"):
        expected = 1 + sum(stats.norm.sf(t - means[dim]) for t in THRESHOLDS)
        observed = case.customers[list(CUSTOMER_SCALES[dim])].mean()
        # SE of a mean of 40 000 answers with SD ~1 is 0.005; allow 4 SE
        assert np.allclose(observed, expected, atol=0.02), (dim, observed.tolist(), expected)
    # reverse-keyed loy4 is cut from -y*: its mean mirrors the loyalty items
    loy = case.customers[["loy1", "loy2", "loy3"]].mean().mean()
    assert abs((6 - case.customers["loy4"].mean()) - loy) < 0.03


def test_planted_structure_differs_between_scenarios(thesis, healthy):
    # idn3 ("information updated promptly") is the lowest identification item in the thesis
    idn = thesis.customers[list(CUSTOMER_SCALES["identification"])].mean()
    assert idn.idxmin() == "idn3"
    # unbalanced cities and one dominant customer type in the thesis scenario
    share_t = thesis.customers["city"].value_counts(normalize=True)
    share_h = healthy.customers["city"].value_counts(normalize=True)
    assert (share_t**2).sum() > 0.2 > (share_h**2).sum()
    assert (thesis.customers["customer_type"] == "engineering").mean() > 0.7
    # employees rate interaction higher than customers do (thesis) but not in the healthy case
    emp = thesis.employees[list(EMPLOYEE_SCALES["interaction"])].mean().mean()
    cus = thesis.customers[list(CUSTOMER_SCALES["interaction"])].mean().mean()
    assert emp - cus > 1.0
    emp_h = healthy.employees[list(EMPLOYEE_SCALES["interaction"])].mean().mean()
    cus_h = healthy.customers[list(CUSTOMER_SCALES["interaction"])].mean().mean()
    assert abs(emp_h - cus_h) < 0.5
    # revenue is heavy-tailed: mean well above the median
    totals = thesis.ledger.groupby("customer_id")["revenue"].sum()
    assert totals.mean() > 1.5 * totals.median()


def test_write_outputs_and_simulated_label(tmp_path, thesis):
    written = thesis.write(tmp_path / "sim")
    names = {p.name for p in written.values()}
    assert names == {
        "customers.csv",
        "employees.csv",
        "scorecard.csv",
        "ledger.csv",
        "simulation.json",
        "README.txt",
    }
    readme = (tmp_path / "sim" / "README.txt").read_text(encoding="utf-8")
    assert "SIMULATED" in readme and "模拟数据" in readme
    params = json.loads((tmp_path / "sim" / "simulation.json").read_text(encoding="utf-8"))
    assert params["simulated"] is True
    assert "SIMULATED" in params["note"]["en"] and "模拟" in params["note"]["zh"]
    assert params["seed"] == 11 and params["scenario"] == "thesis"
    lm = params["latent_model"]
    assert lm["thresholds"] == list(THRESHOLDS)
    all_customer_items = [i for its in CUSTOMER_SCALES.values() for i in its]
    all_employee_items = [i for its in EMPLOYEE_SCALES.values() for i in its]
    assert set(lm["customer_loadings"]) == set(all_customer_items)
    assert set(lm["employee_loadings"]) == set(all_employee_items)
    sp = params["scenario_parameters"]
    assert set(sp) == {"customers", "employees", "scorecard", "ledger"}
    assert sum(sp["customers"]["city_probabilities"].values()) == pytest.approx(1.0)
    metrics = [m for ms in SCORECARD_METRICS.values() for m in ms]
    assert set(sp["scorecard"]["metric_shifts"]) == set(metrics)
    for key in ("mercenary_share", "service_tier", "dimension_means", "item_shifts"):
        assert key in sp["customers"]
    # the CSVs round-trip
    back = pd.read_csv(tmp_path / "sim" / "customers.csv")
    pd.testing.assert_frame_equal(back, thesis.customers, check_dtype=False)


def test_written_customers_read_cleanly(tmp_path, thesis):
    from crm_research.readers import read_responses

    thesis.write(tmp_path)
    resp = read_responses(tmp_path / "customers.csv", instrument="d_company_customer")
    assert len(resp.items) == 150
    assert resp.items.notna().all().all()


def test_cli_simulate_exit_codes(tmp_path, capsys):
    out = tmp_path / "case"
    rc = main(["simulate", "d-company", "--scenario", "healthy", "--seed", "3", "--out", str(out)])
    assert rc == 0
    assert (out / "simulation.json").exists()
    assert json.loads((out / "simulation.json").read_text())["scenario"] == "healthy"
    rc = main(["simulate", "d-company", "--seed", "3", "--out", str(out), "--n-customers", "40"])
    assert rc == 0 and len(pd.read_csv(out / "customers.csv")) == 40
    assert main(["simulate", "d-company", "--seed", "-4", "--out", str(out)]) == 2
    assert "seed" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["simulate", "d-company", "--out", str(blocker / "sub")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "d-company", "--scenario", "sick", "--out", str(out)])
    assert exc.value.code == 2
