"""Tests of scoring.nps_interval and scoring.nps_difference (Rocks 2016 adjusted Wald).

Independent checks and tolerances:
* R reference ``fixtures/nps_reference.json`` (three seeded samples and an all-promoter
  edge case; adjusted and plain Wald): 1e-12 absolute on the -100..100 scale.
* Known truth, exactly: the coverage of the interval computed by enumerating every possible
  sample (trinomial probabilities from scipy) -- adjusted Wald within .94-.96 where the plain
  Wald falls to .86.
* Known truth, by simulation: 2,000 seeded samples (1,000 pairs for the two-sample interval)
  from known class probabilities; the coverage must lie within 3 Monte-Carlo standard errors
  of .95 (sqrt(.95 * .05 / 2000) = .0049, so ±.015; ±.021 for 1,000 pairs).
* Two-sample: the written-out formula of Rocks' R package ``NPS::nps_test`` on the counts,
  the p-value from scipy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_research.errors import InputError
from crm_research.scoring import nps_difference, nps_interval

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "nps_reference.json").read_text())
CASES = {**REF["samples"], "all_promoters": REF["edge_case_all_promoters_n10"]}
TOL = 1e-12


def _answers(n_det: int, n_pas: int, n_pro: int) -> list[int]:
    return [3] * n_det + [8] * n_pas + [9] * n_pro


@pytest.mark.parametrize("name", sorted(CASES))
def test_adjusted_wald_equals_reference(name):
    case = CASES[name]
    res = nps_interval(case["responses"])
    adj = case["adjusted_wald"]
    assert res["n"] == case["n"] and res["method"] == "adjusted_wald"
    assert (res["n_promoters"], res["n_passives"], res["n_detractors"]) == (
        case["n_promoters"],
        case["n_passives"],
        case["n_detractors"],
    )
    assert abs(res["nps"] - case["nps_x100"]) < TOL  # the reported NPS is the raw one
    assert abs(res["nps_adjusted"] - 100 * adj["nps_adj"]) < TOL
    assert abs(res["se"] - 100 * adj["se_adj"]) < TOL
    assert abs(res["ci_low"] - adj["lower_x100"]) < TOL
    assert abs(res["ci_high"] - adj["upper_x100"]) < TOL


@pytest.mark.parametrize("name", sorted(CASES))
def test_plain_wald_equals_reference(name):
    case = CASES[name]
    res = nps_interval(pd.Series(case["responses"], name="ltr"), method="wald")
    wald = case["plain_wald"]
    assert abs(res["nps"] - case["nps_x100"]) < TOL
    assert abs(res["nps_adjusted"] - case["nps_x100"]) < TOL
    assert abs(res["se"] - 100 * wald["se"]) < TOL
    assert abs(res["ci_low"] - 100 * wald["lower"]) < TOL
    assert abs(res["ci_high"] - 100 * wald["upper"]) < TOL


def test_untruncated_and_other_levels():
    edge = nps_interval(CASES["all_promoters"]["responses"])
    assert edge["ci_high"] > 100  # as the reference: not truncated to [-100, 100]
    case = CASES["n200"]
    res90 = nps_interval(case["responses"], ci=0.90)
    res95 = nps_interval(case["responses"])
    half90 = (res90["ci_high"] - res90["ci_low"]) / 2
    half95 = (res95["ci_high"] - res95["ci_low"]) / 2
    assert abs(half90 / half95 - stats.norm.ppf(0.95) / stats.norm.ppf(0.975)) < 1e-12
    with_missing = nps_interval([*case["responses"], None, np.nan])
    assert with_missing == res95


def _exact_coverage(n: int, probs: list[float], method: str) -> float:
    """P(interval covers the true NPS), summed over every sample of size n."""
    truth = 100 * (probs[2] - probs[0])
    total = 0.0
    for n_det in range(n + 1):
        for n_pro in range(n + 1 - n_det):
            n_pas = n - n_det - n_pro
            res = nps_interval(_answers(n_det, n_pas, n_pro), method=method)
            if res["ci_low"] <= truth <= res["ci_high"]:
                total += stats.multinomial.pmf([n_det, n_pas, n_pro], n, probs)
    return total


def test_exact_coverage_adjusted_beats_plain_wald():
    probs = [0.05, 0.15, 0.80]  # a good company: NPS 75, few detractors
    adjusted = _exact_coverage(20, probs, "adjusted_wald")
    plain = _exact_coverage(20, probs, "wald")
    assert 0.94 <= adjusted <= 0.96  # 0.9563
    assert plain < 0.87  # 0.8598
    middle = _exact_coverage(30, [0.2, 0.3, 0.5], "adjusted_wald")
    assert abs(middle - 0.95) < 0.01


def test_simulated_coverage_within_three_monte_carlo_se():
    rng = np.random.default_rng(20160401)
    n, probs, reps = 50, [0.2, 0.3, 0.5], 2000
    truth = 100 * (probs[2] - probs[0])
    counts = rng.multinomial(n, probs, size=reps)
    # the interval depends on the sample through its class counts only: one call per
    # distinct (detractors, passives, promoters) triple, weighted by how often it was drawn
    triples, times = np.unique(counts, axis=0, return_counts=True)
    hits = 0
    for (n_det, n_pas, n_pro), k in zip(triples, times, strict=True):
        res = nps_interval(_answers(n_det, n_pas, n_pro))
        hits += k * (res["ci_low"] <= truth <= res["ci_high"])
    coverage = hits / reps
    mc_se = math.sqrt(0.95 * 0.05 / reps)
    assert abs(coverage - 0.95) < 3 * mc_se, coverage  # exact coverage here: 0.94999


# --- two samples ---------------------------------------------------------------------------


def _package_formula(a: tuple[int, int, int], b: tuple[int, int, int], z: float) -> dict:
    """NPS::nps_test(x, y, test = "adjusted.wald") written out on (det, pas, pro) counts."""

    def stats_of(c):
        x = np.array(c, dtype=float) + np.array([0.75, 1.5, 0.75])
        n = x.sum()
        nps = (x[2] - x[0]) / n
        var = x[2] / n + x[0] / n - nps**2
        return nps, var, n

    na_, va, ma = stats_of(a)
    nb_, vb, mb = stats_of(b)
    se = math.sqrt(va / ma + vb / mb)
    delta = na_ - nb_
    return {"delta": delta, "se": se, "low": delta - z * se, "high": delta + z * se}


def test_difference_equals_package_formula():
    a = CASES["n50"]["responses"]
    b = CASES["n200"]["responses"]
    res = nps_difference(a, b)
    z = stats.norm.ppf(0.975)
    ca = (CASES["n50"]["n_detractors"], CASES["n50"]["n_passives"], CASES["n50"]["n_promoters"])
    cb = (
        CASES["n200"]["n_detractors"],
        CASES["n200"]["n_passives"],
        CASES["n200"]["n_promoters"],
    )
    ref = _package_formula(ca, cb, z)
    assert abs(res["difference"] - (CASES["n50"]["nps_x100"] - CASES["n200"]["nps_x100"])) < TOL
    assert abs(res["difference_adjusted"] - 100 * ref["delta"]) < TOL
    assert abs(res["se"] - 100 * ref["se"]) < TOL
    assert abs(res["ci_low"] - 100 * ref["low"]) < TOL
    assert abs(res["ci_high"] - 100 * ref["high"]) < TOL
    assert abs(res["z"] - ref["delta"] / ref["se"]) < 1e-12
    assert abs(res["p"] - 2 * stats.norm.sf(abs(res["z"]))) < 1e-15
    assert (res["n_a"], res["n_b"]) == (50, 200)
    flipped = nps_difference(b, a)
    assert flipped["difference"] == -res["difference"] and flipped["p"] == res["p"]
    assert abs(flipped["ci_low"] + res["ci_high"]) < TOL


def test_difference_plain_wald_is_sum_of_variances():
    a = CASES["n200"]["responses"]
    b = CASES["n1000"]["responses"]
    res = nps_difference(a, b, method="wald", ci=0.9)
    se = math.hypot(CASES["n200"]["plain_wald"]["se"], CASES["n1000"]["plain_wald"]["se"])
    assert abs(res["se"] - 100 * se) < TOL
    assert abs(res["difference_adjusted"] - res["difference"]) < TOL
    assert abs(res["ci_high"] - (res["difference"] + 100 * stats.norm.ppf(0.95) * se)) < TOL
    same = nps_difference([10] * 5, [9] * 7, method="wald")
    assert same["se"] == 0 and same["p"] == 1.0 and math.isnan(same["z"])


def test_difference_simulated_coverage():
    rng = np.random.default_rng(20160402)
    pa, pb, na, nb, reps = [0.25, 0.35, 0.40], [0.15, 0.30, 0.55], 40, 60, 1000
    truth = 100 * ((pa[2] - pa[0]) - (pb[2] - pb[0]))
    ca = rng.multinomial(na, pa, size=reps)
    cb = rng.multinomial(nb, pb, size=reps)
    hits = sum(
        (r := nps_difference(_answers(*x), _answers(*y)))["ci_low"] <= truth <= r["ci_high"]
        for x, y in zip(ca, cb, strict=True)
    )
    coverage = hits / reps
    assert abs(coverage - 0.95) < 3 * math.sqrt(0.95 * 0.05 / reps), coverage


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        ([9, 10, 11], "holds 11 in row 2"),
        ([9, 7.5, 3], "holds 7.5 in row 1"),
        ([-1, 5], "holds -1 in row 0"),
        (["ten", 9], "'ten'"),
    ],
)
def test_bad_answers_one_sentence(answers, needle):
    with pytest.raises(InputError) as exc:
        nps_interval(answers)
    text = str(exc.value)
    assert needle in text and "not an integer 0..10 answer" in text and "\n" not in text
    with pytest.raises(InputError) as exc:
        nps_difference([9, 9, 8], answers)
    assert needle in str(exc.value)


def test_bad_arguments():
    with pytest.raises(InputError, match="no answered 0..10 value"):
        nps_interval([None, np.nan])
    with pytest.raises(InputError, match="second sample's NPS answers hold no answered"):
        nps_difference([9, 10], [])
    with pytest.raises(InputError, match="method must be 'adjusted_wald' or 'wald'"):
        nps_interval([9, 10], method="wilson")
    with pytest.raises(InputError, match="ci must be a confidence level"):
        nps_interval([9, 10], ci=95)
