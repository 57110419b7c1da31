"""notebooks/07_models.ipynb, the researcher's notebook of models (issue 14, item 7).

The stored notebook is parameterised and clean, and it is not a chapter of the report; two
papermill runs (the SIMULATED default, and a study file that clears two roles) execute
without an error, and the numbers they show and write to ``tables/`` are those of the same
models fitted here directly, written out by hand (lavaan text, item lists), not with the
notebook's code.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from crm_research import analysis, reliability, scoring, sem
from crm_research.cases.d_company import simulate
from crm_research.instrument import load_instrument
from crm_research.readers import read_responses
from crm_research.report.base import NOTEBOOK_NAMES, NOTEBOOKS_DIR
from crm_research.report.execute import execute_notebook, quiet
from crm_research.report.run import notebook_paths

pytestmark = pytest.mark.slow

NOTEBOOK = NOTEBOOKS_DIR / "07_models.ipynb"
PARAMETERS = {"study", "customers", "instrument", "seed", "n_customers", "group", "n_boot",
              "lang", "output_dir"}  # fmt: skip
#: Seed and resamples of the runs (a small bootstrap keeps the test short).
SEED = 20190601
N_BOOT = 200
#: The quality -> satisfaction -> loyalty model of the D-company roles, written by hand.
MODEL = """
quality =~ qua1 + qua2 + qua3 + qua4
satisfaction =~ sat1 + sat2 + sat3
loyalty =~ loy1 + loy2 + loy3 + loy4
satisfaction ~ a*quality
loyalty ~ b*satisfaction + c*quality
ind := a*b
total := c + a*b
"""


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    """Every text output of the executed notebook (streams and text/plain), joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def _cell_text(nb: nbformat.NotebookNode, start: str) -> str:
    """The text outputs of the one code cell whose source starts with ``start``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(cells) == 1, start
    return _outputs_text(nbformat.v4.new_notebook(cells=cells))


def _assert_clean(nb: nbformat.NotebookNode) -> None:
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"]
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


# --------------------------------------------------------------------------------------------
# The stored notebook
# --------------------------------------------------------------------------------------------


def test_stored_notebook_is_parameterised_and_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assigned = set(re.findall(r"^(\w+) =", tagged[0].source, flags=re.M))
    assert assigned == PARAMETERS
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "SIMULATED DATA" in first.source


def test_it_is_not_a_chapter_of_the_report():
    assert "07_models" not in NOTEBOOK_NAMES
    assert NOTEBOOK not in notebook_paths(None)


# --------------------------------------------------------------------------------------------
# The SIMULATED default
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory):
    """The notebook run as ``make models`` runs it, tables in ``out/tables``; the same
    simulated data read here, for the direct calls."""
    root = tmp_path_factory.mktemp("models")
    out = root / "out"
    with quiet():
        execute_notebook(
            NOTEBOOK,
            out / "07_models.ipynb",
            {"seed": SEED, "n_boot": N_BOOT, "output_dir": str(out)},
        )
    files = simulate(SEED).write(root / "data")
    inst = load_instrument("d_company_customer")
    resp = read_responses(files["customers"], instrument=inst)
    nb = nbformat.read(out / "07_models.ipynb", as_version=4)
    return nb, out / "tables", resp, inst


def _table(tables, name: str) -> pd.DataFrame:
    return pd.read_csv(tables / f"{name}.csv", index_col=0)


def test_simulated_run_has_no_error_and_says_simulated(simulated_run):
    nb, tables, _, _ = simulated_run
    _assert_clean(nb)
    text = _outputs_text(nb)
    assert "SIMULATED DATA (D-company replica, seed 20190601, 150 customers)." in text
    assert text.rstrip().endswith(
        "SIMULATED DATA: every number above comes from the simulated D-company replica."
    )
    expected = {"reliability", "item_analysis", "efa_loadings", "cfa_fit", "cfa_validity",
                "cfa_htmt", "sem_paths", "sem_indirect", "invariance_fits", "invariance_tests",
                "invariance_latent_means", "driver_importance", "harman",
                "full_collinearity_vif", "nps", "pls_paths", "pls_ipma"}  # fmt: skip
    assert {p.stem for p in tables.glob("*.csv")} == expected


def test_alpha_of_the_satisfaction_scale(simulated_run):
    nb, tables, resp, inst = simulated_run
    sat = scoring.keyed_items(resp, inst, ["sat1", "sat2", "sat3"])
    # by hand: k/(k-1) (1 - tr(C)/sum(C)) on the complete rows (none missing here)
    cov = np.cov(sat.dropna().to_numpy(), rowvar=False)
    by_hand = 3 / 2 * (1 - np.trace(cov) / cov.sum())
    direct = reliability.cronbach_alpha(sat)
    shown = _table(tables, "reliability").loc["satisfaction"]
    assert shown["alpha"] == pytest.approx(by_hand, abs=1e-12)
    assert shown["alpha"] == pytest.approx(direct.alpha, abs=1e-12)
    assert (shown["ci_low"], shown["ci_high"]) == pytest.approx(direct.ci, abs=1e-12)
    assert shown["k"] == 3 and shown["n"] == 150
    # and the notebook shows it (three decimals)
    row = [ln for ln in _cell_text(nb, "rows = []").splitlines() if ln.startswith("satisfaction")]
    assert f"{direct.alpha:.3f}" in row[0].split()  # (a wide frame is wrapped: first block)


def test_sem_indirect_effect(simulated_run):
    nb, tables, resp, inst = simulated_run
    items = scoring.keyed_items(resp, inst)
    direct = sem.sem(items, MODEL)
    defined = direct.defined.set_index("name")
    shown = _table(tables, "sem_indirect")
    # the notebook labels its paths a_quality, b, c_quality
    assert shown.loc["ind_quality", "expression"] == "a_quality*b"
    for ours, theirs in (("ind", "ind_quality"), ("total", "total_quality")):
        for column in ("est", "se", "pvalue", "ci_low", "ci_high", "std_all"):
            assert shown.loc[theirs, column] == pytest.approx(
                defined.loc[ours, column], rel=1e-9, abs=1e-12
            ), (ours, column)
    # the indirect effect is the product of its two paths
    paths = direct.parameters.set_index("label")["est"]
    assert shown.loc["ind_quality", "est"] == pytest.approx(paths["a"] * paths["b"], rel=1e-12)
    # percentile bootstrap with the notebook's seed and resamples
    boot = sem.sem(items, MODEL, se="bootstrap", n_boot=N_BOOT, seed=SEED).defined
    boot = boot.set_index("name")
    for column in ("se", "ci_low", "ci_high"):
        assert shown.loc["ind_quality", f"boot_{column}"] == pytest.approx(
            boot.loc["ind", column], rel=1e-9, abs=1e-12
        )
    assert f"{defined.loc['ind', 'est']:.3f}" in _cell_text(nb, "if fit is not None:")


def test_driver_importance_and_nps(simulated_run):
    _, tables, resp, inst = simulated_run
    scores = scoring.score(resp, inst)
    drivers = ["identification", "differentiation", "interaction", "customization", "quality"]
    direct = analysis.relative_importance(scores, "satisfaction", drivers, n_boot=N_BOOT,
                                          seed=SEED)  # fmt: skip
    shown = pd.read_csv(tables / "driver_importance.csv", index_col=0)
    assert shown["predictor"].tolist() == drivers
    for column in ("weight", "share", "ci_low", "ci_high"):
        np.testing.assert_allclose(shown[column], direct[column], rtol=1e-10, atol=1e-13)
    assert shown["weight"].sum() == pytest.approx(direct.attrs["r2"], abs=1e-12)

    nps = _table(tables, "nps").loc["all"]
    answers = resp.items["nps"]
    by_hand = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    assert nps["nps"] == pytest.approx(by_hand, abs=1e-12)
    interval = scoring.nps_interval(answers)
    assert (nps["ci_low"], nps["ci_high"]) == pytest.approx(
        (interval["ci_low"], interval["ci_high"]), abs=1e-12
    )


def test_invariance_by_the_first_segment(simulated_run):
    nb, tables, resp, inst = simulated_run
    data = scoring.keyed_items(resp, inst).join(resp.meta["customer_type"])
    model = "satisfaction =~ sat1 + sat2 + sat3\nloyalty =~ loy1 + loy2 + loy3 + loy4"
    direct = sem.invariance(data, model, "customer_type")
    fits = _table(tables, "invariance_fits")
    np.testing.assert_allclose(fits[["chisq", "cfi", "rmsea"]], direct.fits[["chisq", "cfi",
                               "rmsea"]], rtol=1e-9)  # fmt: skip
    level = direct.verdict["level"]
    assert f"Verdict: {level} invariance holds by 'customer_type'" in _outputs_text(nb)


# --------------------------------------------------------------------------------------------
# A study file whose roles leave out loyalty and the recommendation item
# --------------------------------------------------------------------------------------------


def test_study_without_loyalty_skips_what_needs_it(tmp_path):
    files = simulate(3).write(tmp_path)
    (tmp_path / "study.yaml").write_text(
        "name: Models notebook check\nseed: 7\ninputs:\n  customers:\n"
        "    file: customers.csv\n    instrument: d_company_customer\n"
        "    roles:\n      loyalty: null\n      recommendation: null\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with quiet():
        execute_notebook(
            NOTEBOOK, out / "07_models.ipynb", {"study": str(tmp_path / "study.yaml"),
                                                 "n_boot": 50, "output_dir": str(out)},
        )  # fmt: skip
    nb = nbformat.read(out / "07_models.ipynb", as_version=4)
    _assert_clean(nb)
    text = _outputs_text(nb)
    assert "SIMULATED" not in text  # a study's data are not labelled simulated
    assert "Study: Models notebook check (customers.csv)" in text
    skipped = "The instrument declares no scale for the role(s) loyalty: "
    assert skipped + "the structural model is skipped." in text
    assert skipped + "PLS-SEM is skipped." in text
    assert "declares no recommendation item (roles: recommendation): NPS is skipped." in text
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert not tables & {"sem_paths", "sem_indirect", "pls_paths", "pls_ipma", "nps"}
    # invariance is tested on the satisfaction factor alone
    fits = _table(out / "tables", "invariance_fits")
    resp = read_responses(files["customers"], instrument="d_company_customer")
    data = scoring.keyed_items(resp, "d_company_customer").join(resp.meta["customer_type"])
    direct = sem.invariance(data, "satisfaction =~ sat1 + sat2 + sat3", "customer_type")
    np.testing.assert_allclose(fits["chisq"], direct.fits["chisq"], rtol=1e-9)
    # the study's seed drives the bootstrap of the driver importance
    scores = scoring.score(resp, "d_company_customer")
    drivers = ["identification", "differentiation", "interaction", "customization", "quality"]
    direct_ri = analysis.relative_importance(scores, "satisfaction", drivers, n_boot=50, seed=7)
    shown = pd.read_csv(out / "tables" / "driver_importance.csv", index_col=0)
    np.testing.assert_allclose(shown["ci_low"], direct_ri["ci_low"], rtol=1e-10, atol=1e-13)
