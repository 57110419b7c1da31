"""findings.py: severity rules, the thesis/healthy property over seeds, evidence provenance."""

from __future__ import annotations

import json

import pytest

from crm_research.cases.d_company import simulate
from crm_research.findings import (
    THESIS_AREAS,
    alpha_severity,
    derive_findings,
    effect_severity,
    evidence_ref,
    findings_to_frame,
    findings_to_records,
    hhi_severity,
    kappa_severity,
    render_findings,
)
from crm_research.study import run_study

SERIOUS = ("moderate", "major")


@pytest.mark.parametrize(
    ("effect", "low", "high", "worse", "expected"),
    [
        (-1.1, -1.3, -0.9, "lower", "major"),  # whole CI beyond -0.5
        (-0.6, -1.0, -0.2, "lower", "moderate"),  # >= medium, CI excludes 0
        (-0.6, -1.2, 0.05, "lower", "info"),  # CI includes 0
        (-0.3, -0.5, -0.1, "lower", "minor"),  # small, CI excludes 0
        (-0.15, -0.3, -0.01, "lower", "info"),  # below small
        (0.9, 0.7, 1.1, "lower", "info"),  # good direction
        (0.9, 0.7, 1.1, "higher", "major"),
        (0.55, 0.1, 1.0, "higher", "moderate"),
        (float("nan"), 0, 1, "lower", "info"),
    ],
)
def test_effect_severity(effect, low, high, worse, expected):
    assert effect_severity(effect, low, high, worse) == expected


def test_other_severity_rules():
    assert hhi_severity(0.35, 0.26) == "major"
    assert hhi_severity(0.24, 0.16) == "moderate"
    assert hhi_severity(0.20, 0.12) == "minor"
    assert hhi_severity(0.10, 0.08) == "info"
    assert kappa_severity(0.05, 0.20) == "major"
    assert kappa_severity(0.30, 0.50) == "moderate"
    assert kappa_severity(0.55, 0.70) == "minor"
    assert kappa_severity(0.85, 0.95) == "info"
    assert alpha_severity(0.5) == "moderate"
    assert alpha_severity(0.69) == "minor"
    assert alpha_severity(0.70) == "info"


def _serious_areas(seed: int, scenario: str) -> set[str]:
    case = simulate(seed, scenario)
    study = run_study(
        case.customers,
        case.employees,
        case.ledger,
        case.scorecard,
        posthoc=False,
        reliability="alpha",
    )
    return {f.area for f in derive_findings(study) if f.severity in SERIOUS}


SEEDS = range(1000, 1020)


def test_thesis_scenario_finds_all_five_problems_over_seeds():
    missed = {s: set(THESIS_AREAS) - _serious_areas(s, "thesis") for s in SEEDS}
    assert not any(missed.values()), {s: m for s, m in missed.items() if m}


def test_healthy_scenario_finds_none_of_the_five_over_seeds():
    flagged = {s: set(THESIS_AREAS) & _serious_areas(s, "healthy") for s in SEEDS}
    assert not any(flagged.values()), {s: f for s, f in flagged.items() if f}


@pytest.fixture(scope="module")
def studies():
    out = {}
    for scenario in ("thesis", "healthy"):
        case = simulate(77, scenario)
        out[scenario] = run_study(case.customers, case.employees, case.ledger, case.scorecard)
    return out


def test_every_evidence_value_is_in_the_tables(studies):
    for study in studies.values():
        findings = derive_findings(study)
        assert findings
        for f in findings:
            assert f.evidence, f.id
            assert set(f.evidence) == set(f.evidence_refs)
            for name, value in f.evidence.items():
                ref = f.evidence_refs[name]
                again, _ = evidence_ref(study, ref.table, ref.column, **dict(ref.row))
                assert again == value, (f.id, name)


def test_each_thesis_area_has_a_finding_even_when_healthy(studies):
    for study in studies.values():
        areas = {f.area for f in derive_findings(study)}
        assert set(THESIS_AREAS) <= areas


def test_thesis_findings_content(studies):
    findings = {f.id: f for f in derive_findings(studies["thesis"])}
    idn = findings["identification.customer_rating"]
    assert idn.severity in SERIOUS and idn.framework.startswith("IDIC")
    # the text quotes the evidence numbers
    assert f"{idn.evidence['identification_mean']:.2f}" in idn.problem["en"]
    assert f"{idn.evidence['identification_mean']:.2f}" in idn.problem["zh"]
    # the slow information update (idn3) is the weakest identification item
    assert "identification.item_idn3" in findings
    assert findings["classification.tiers_vs_value"].evidence["kappa"] < 0.4
    assert findings["loyalty.satisfied_not_loyal"].severity in SERIOUS
    assert any(k.startswith("perception_gap.") for k in findings)
    for f in findings.values():
        assert f.problem["zh"] and f.problem["en"]
        assert f.recommendation["zh"] and f.recommendation["en"]
        assert f.severity in ("info", "minor", "moderate", "major")
        assert f.references
    # chapter 4 answers and chapter 5 safeguards are cited in the recommendations
    assert "4.2" in findings["classification.tiers_vs_value"].recommendation["en"]
    assert "5.2" in findings["crm_system.use"].recommendation["zh"]


def test_records_frame_and_rendering(studies):
    findings = derive_findings(studies["thesis"])
    records = findings_to_records(findings)
    text = json.dumps(records, ensure_ascii=False, sort_keys=True)
    assert json.loads(text) == records
    assert {"id", "area", "severity", "evidence", "problem", "recommendation"} <= set(records[0])
    frame = findings_to_frame(findings, "zh")
    assert len(frame) == len(findings)
    md_en = render_findings(findings, "en")
    md_zh = render_findings(findings, "zh")
    assert md_en.startswith("# Findings and recommendations")
    assert md_zh.startswith("# 发现与建议") and "客户识别" in md_zh
    assert findings[0].id in md_en
    with pytest.raises(ValueError):
        render_findings(findings, "fr")
