"""Perception gaps compare declared mirror pairs only (issue 12: a coincidence of ids pairs nothing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_research.analysis import perception_gap
from crm_research.errors import InputError
from crm_research.instrument import SURVEYS_DIR


def frames():
    rng = np.random.default_rng(5)
    emp = pd.DataFrame({"self_contact": rng.normal(4.0, 0.5, 25), "service": rng.normal(3, 1, 25)})
    cus = pd.DataFrame({"contact": rng.normal(3.2, 0.8, 60), "service": rng.normal(3, 1, 60)})
    return emp, cus


def test_pairs_with_different_names_match_scipy_welch():
    emp, cus = frames()
    gap = perception_gap(emp, cus, pairs={"self_contact": "contact"})
    assert gap["dimension"].tolist() == ["contact"]  # 'service' is shared but not declared
    row = gap.iloc[0]
    welch = stats.ttest_ind(emp["self_contact"], cus["contact"], equal_var=False)
    assert row["t"] == pytest.approx(welch.statistic, rel=1e-12)
    assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-10)
    assert row["gap"] == pytest.approx(
        emp["self_contact"].mean() - cus["contact"].mean(), abs=1e-14
    )
    # the same numbers as comparing renamed columns by name
    by_name = perception_gap(emp.rename(columns={"self_contact": "contact"}), cus, ["contact"])
    pd.testing.assert_frame_equal(gap, by_name)


def test_pairs_errors():
    emp, cus = frames()
    with pytest.raises(InputError, match="dimensions or pairs, not both"):
        perception_gap(emp, cus, ["service"], pairs=[("service", "service")])
    with pytest.raises(InputError, match="no mirror pairs given"):
        perception_gap(emp, cus, pairs=[])
    with pytest.raises(InputError, match="contactt"):
        perception_gap(emp, cus, pairs=[("self_contact", "contactt")])


def test_d_company_declared_mirrors_give_the_same_gap_table(tmp_path):
    """Switching the study to declared mirrors leaves the D-company table unchanged."""
    from crm_research.cases.d_company import simulate
    from crm_research.readers import read_responses
    from crm_research.scoring import score
    from crm_research.studyfile import load_study

    simulate(20190601, n_customers=60, n_employees=12).write(tmp_path)
    spec = load_study(SURVEYS_DIR / "d_company_study.yaml", data_dir=tmp_path)
    scores = {}
    for kind in ("customers", "employees"):
        inp = spec.inputs[kind]
        scores[kind] = score(read_responses(inp.file, **inp.read_options()), inp.instrument)
    idic = ["identification", "differentiation", "interaction", "customization"]
    old = perception_gap(scores["employees"], scores["customers"], idic)
    new = perception_gap(scores["employees"], scores["customers"], pairs=spec.mirror_pairs)
    pd.testing.assert_frame_equal(old, new)
