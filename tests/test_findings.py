"""findings.py: severity rules, the thesis/healthy property over seeds, evidence provenance."""

from __future__ import annotations

import dataclasses
import json
import re
from types import SimpleNamespace
from unittest import mock

import pandas as pd
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
    spread_severity,
)
from crm_research.instrument import load_instrument
from crm_research.study import run as study_run
from crm_research.study import run_study
from crm_research.study.models import MODEL_TABLE_NAMES

SERIOUS = ("moderate", "major")


@pytest.mark.parametrize(
    ("effect", "low", "high", "worse", "expected"),
    [
        (-1.1, -1.3, -0.9, "lower", "major"),  # whole CI beyond a large effect (-0.8)
        (-0.75, -0.95, -0.55, "lower", "moderate"),  # whole CI beyond a medium effect
        (-0.6, -1.0, -0.2, "lower", "minor"),  # >= medium, but the CI reaches a small effect
        (-0.6, -1.2, 0.05, "lower", "info"),  # CI includes 0
        (-0.3, -0.5, -0.1, "lower", "minor"),  # small, CI excludes 0
        (-0.15, -0.3, -0.01, "lower", "info"),  # below small
        (0.9, 0.7, 1.1, "lower", "info"),  # good direction
        (0.9, 0.7, 1.1, "higher", "moderate"),  # the CI reaches below a large effect
        (1.2, 0.9, 1.5, "higher", "major"),
        (0.55, 0.1, 1.0, "higher", "minor"),
        (0.7, 0.52, 0.9, "higher", "moderate"),
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
    assert kappa_severity(0.20, 0.40) == "moderate"
    assert kappa_severity(0.30, 0.50) == "minor"
    assert kappa_severity(0.55, 0.70) == "minor"
    assert kappa_severity(0.85, 0.95) == "info"
    assert alpha_severity(0.5) == "moderate"
    assert alpha_severity(0.69) == "minor"
    assert alpha_severity(0.70) == "info"


def _without_models(*args, **kwargs):
    """Stands in for study.models.model_tables: no invariance, SEM, PLS or driver tables."""
    return {}, {}, {}


def _findings_study(seed: int, scenario: str):
    """A simulated study as the findings read it: without post-hoc tables and model tables.

    No rule reads a model table (test_findings_read_no_model_table), and the models are 70%
    of a study's time: the many studies of this file skip them.
    """
    case = simulate(seed, scenario)
    with mock.patch.object(study_run, "model_tables", _without_models):
        return run_study(
            case.customers,
            case.employees,
            case.ledger,
            case.scorecard,
            posthoc=False,
            reliability="alpha",
        )


def _serious_areas(seed: int, scenario: str) -> set[str]:
    study = _findings_study(seed, scenario)
    return {f.area for f in derive_findings(study) if f.severity in SERIOUS}


def test_findings_read_no_model_table(studies):
    case = simulate(77, "thesis")
    with mock.patch.object(study_run, "model_tables", _without_models):
        bare = run_study(
            case.customers, case.employees, case.ledger, case.scorecard, case="d_company"
        )
    assert not set(MODEL_TABLE_NAMES) & set(bare.tables)
    assert findings_to_records(derive_findings(bare)) == findings_to_records(
        derive_findings(studies["thesis"])
    )


SEEDS = range(1000, 1020)


#: Misses allowed per area over the 20 seeds.  A finding is serious only when its CI bound
#: nearest zero lies beyond a medium effect (findings.severity.SEVERITY_BANDS); with the
#: case's 30 employees the CI of d is about +-0.42 wide, so a true CRM-use effect near -1.2
#: SD is graded serious in roughly 19 of 20 samples (seed 1000: d = -0.77, CI -1.19 to -0.34,
#: graded minor).  One miss per area is that power, not noise in the rule; two would not be.
ALLOWED_MISSES = 1


def test_thesis_scenario_finds_all_five_problems_over_seeds():
    missed = {s: set(THESIS_AREAS) - _serious_areas(s, "thesis") for s in SEEDS}
    per_area = {a: [s for s, m in missed.items() if a in m] for a in THESIS_AREAS}
    assert all(len(seeds) <= ALLOWED_MISSES for seeds in per_area.values()), per_area


def test_healthy_scenario_finds_none_of_the_five_over_seeds():
    flagged = {s: set(THESIS_AREAS) & _serious_areas(s, "healthy") for s in SEEDS}
    assert not any(flagged.values()), {s: f for s, f in flagged.items() if f}


@pytest.fixture(scope="module")
def studies():
    out = {}
    for scenario in ("thesis", "healthy"):
        case = simulate(77, scenario)
        out[scenario] = run_study(
            case.customers, case.employees, case.ledger, case.scorecard, case="d_company"
        )
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
    # the text quotes the evidence numbers by the one rounding rule (2.105 -> 2.11)
    from crm_research.findings.wording import format_number

    mean = format_number(idn.evidence["identification_mean"], "mean")
    assert mean in idn.problem["en"] and mean in idn.problem["zh"]
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
    # chapter 4 answers are cited in the recommendations; chapter 5 safeguards travel as ids
    # (written once, in the safeguards section) and each cites its thesis section
    assert "4.2" in findings["classification.tiers_vs_value"].recommendation["en"]
    from crm_research.cases.registry import case_texts

    safeguards = findings["crm_system.use"].safeguards
    assert safeguards and not any("5." in s for s in findings["crm_system.use"].recommendation.values())
    texts = [case_texts("d_company").safeguard(key) for key in safeguards]
    assert all(re.search(r"5\.\d", en) and re.search(r"5\.\d", zh) for en, zh in texts), texts


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


# --- the sentences name things in the reader's language -------------------------------

#: Statistical symbols that look like snake_case but are notation, not data ids
#: (d_z: standardized mean difference of paired scores, Cohen 1988 / Lakens 2013).
STATISTIC_SYMBOLS = {"d_z"}
SNAKE_CASE = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _data_ids() -> tuple[set[str], set[str]]:
    """(city ids, every scale / categorical level / facet level id) of the shipped instruments."""
    cities: set[str] = set()
    ids: set[str] = set()
    for name in ("d_company_customer", "d_company_employee", "crm_implementation_scorecard"):
        inst = load_instrument(name)
        ids |= {sc.id for sc in inst.scales}
        for meta in inst.metadata:
            ids |= set(meta.levels)
            if meta.id == "city":
                cities |= set(meta.levels)
        for facet in inst.facets.values():
            ids |= {lv.id for lv in facet.levels}
    return cities, ids


def _texts(findings):
    for f in findings:
        for part in ("problem", "recommendation"):
            for lang in ("zh", "en"):
                yield f.id, part, lang, getattr(f, part)[lang]


@pytest.fixture(scope="module")
def more_studies(studies):
    out = [("thesis", 77, studies["thesis"]), ("healthy", 77, studies["healthy"])]
    for seed in (1003, 1011):
        for scenario in ("thesis", "healthy"):
            out.append((scenario, seed, _findings_study(seed, scenario)))
    return out


def test_sentences_quote_names_not_data_ids(more_studies):
    cities, ids = _data_ids()
    assert {"shijiazhuang", "end_user", "engineering", "sales_rep", "acceptance"} <= ids
    city_word = re.compile(rf"(?<![A-Za-z0-9_])(?:{'|'.join(sorted(cities))})(?![A-Za-z0-9_])")
    problems = []
    for scenario, seed, study in more_studies:
        for fid, part, lang, text in _texts(derive_findings(study)):
            where = (scenario, seed, fid, part, lang)
            snake = set(SNAKE_CASE.findall(text)) - STATISTIC_SYMBOLS
            if snake:
                problems.append((*where, sorted(snake)))
            if city_word.search(text):  # a lowercase city id (the name is capitalised)
                problems.append((*where, city_word.findall(text)))
            if lang == "zh":  # Chinese names everything in Chinese
                ascii_ids = {w for w in ASCII_WORD.findall(text) if w in ids}
                if ascii_ids:
                    problems.append((*where, sorted(ascii_ids)))
    assert not problems, problems[:10]


def test_sentences_use_the_instrument_labels(studies):
    findings = {f.id: f for f in derive_findings(studies["thesis"])}
    city = findings["classification.distribution_city"]
    top = city.evidence["top_city"]
    assert top == "shijiazhuang"  # evidence keeps the id (it is in tables/)
    assert (
        "石家庄一地占" in city.problem["zh"] and "为石家庄以外的城市" in city.recommendation["zh"]
    )
    assert "Shijiazhuang alone holds" in city.problem["en"]
    assert "outside Shijiazhuang" in city.recommendation["en"]
    assert "engineering (project) customers" in city.problem["en"]
    assert "工程客户占客户总数" in city.problem["zh"]
    served = findings["customization.end_user"]
    assert served.evidence["group_1"] == "end_user"
    assert served.problem["en"].startswith("End-user customers are served worse")
    assert "终端用户减工程客户的 d" in served.problem["zh"]
    assert "offer for end-user customers first" in served.recommendation["en"]
    crm = findings["crm_system.use"]
    assert "Employees rate CRM system use at" in crm.problem["en"]
    assert "员工对“CRM系统使用”的平均评分" in crm.problem["zh"]
    for f in findings.values():
        if f.id.startswith("implementation."):
            category = f.id.split(".", 1)[1]
            label = load_instrument("crm_implementation_scorecard").facets["category"]
            assert f"“{label.label(category, 'zh')}”类指标" in f.problem["zh"]
            assert f"the {label.label(category, 'en').lower()} metrics" in f.problem["en"]


def test_labels_come_from_the_studys_instruments_then_the_id(studies):
    study = studies["thesis"]
    inst = study.customers.instrument
    city = inst.meta("city")
    relabelled = dataclasses.replace(
        city,
        level_labels={
            **city.level_labels,
            "shijiazhuang": {"zh": "石家庄市区", "en": "Shijiazhuang City"},
        },
    )
    custom = dataclasses.replace(
        inst, metadata=tuple(relabelled if m.id == "city" else m for m in inst.metadata)
    )
    own = SimpleNamespace(
        tables=study.tables,
        customers=SimpleNamespace(instrument=custom),
        employees=study.employees,
        parameters=study.parameters,
    )
    found = {f.id: f for f in derive_findings(own)}["classification.distribution_city"]
    assert "Shijiazhuang City alone holds" in found.problem["en"]
    assert "石家庄市区一地占" in found.problem["zh"]
    # a city no instrument labels is quoted by its id (and stays the evidence value)
    tables = dict(study.tables)
    dist = tables["customer_distribution"].copy()
    dist["top_group"] = dist["top_group"].where(dist["by"] != "city", "xiongan")
    tables["customer_distribution"] = dist
    unknown = SimpleNamespace(
        tables=tables,
        customers=study.customers,
        employees=study.employees,
        parameters=study.parameters,
    )
    found = {f.id: f for f in derive_findings(unknown)}["classification.distribution_city"]
    assert found.evidence["top_city"] == "xiongan"
    assert "xiongan alone holds" in found.problem["en"]
    assert "xiongan一地占" in found.problem["zh"]


@pytest.mark.parametrize(
    ("w", "low", "expected"),
    [
        (1.2, 0.9, "major"),  # whole CI beyond a large w (.5)
        (0.45, 0.35, "moderate"),  # whole CI beyond a medium w (.3)
        (0.35, 0.05, "minor"),
        (0.35, 0.0, "info"),  # CI reaches an even spread
        (0.15, 0.02, "minor"),
        (0.08, 0.01, "info"),
        (float("nan"), 0.1, "info"),
    ],
)
def test_spread_severity(w, low, expected):
    assert spread_severity(w, low) == expected


def test_even_spread_over_few_cities_is_not_unbalanced(studies):
    # three evenly filled cities: HHI = 1/3 lies above every Merger-Guidelines band, yet the
    # customers are spread evenly (Cohen's w = 0); the HHI alone must not call it unbalanced
    from crm_research.study import count_concentration

    study = studies["healthy"]
    even = count_concentration(
        pd.DataFrame(
            {"customer_id": range(60), "city": ["shijiazhuang", "baoding", "tangshan"] * 20}
        ),
        "city",
    )
    dist = study.tables["customer_distribution"]
    tables = dict(study.tables)
    tables["customer_distribution"] = pd.concat(
        [even, dist[dist["by"] != "city"]], ignore_index=True
    )
    own = SimpleNamespace(
        tables=tables, customers=study.customers, employees=study.employees, parameters={}
    )
    found = {f.id: f for f in derive_findings(own)}["classification.distribution_city"]
    assert found.evidence["city_hhi"] == pytest.approx(1 / 3)
    assert found.severity == "info", found.problem["en"]
    assert "Cohen's w = 0.00" in found.problem["en"] and "Cohen's w = 0.00" in found.problem["zh"]
    # the thesis case: concentrated in Shijiazhuang by both measures
    thesis = {f.id: f for f in derive_findings(studies["thesis"])}[
        "classification.distribution_city"
    ]
    assert thesis.severity in SERIOUS and thesis.evidence["city_cohen_w_ci_low"] > 0.3


def test_concentration_wording_follows_its_severity(studies):
    for study in studies.values():
        f = {f.id: f for f in derive_findings(study)}["concentration.revenue"]
        concentrated = f.evidence["top20_revenue_share"] >= 0.8
        assert (f.severity == "minor") == concentrated
        assert f.problem["en"].startswith(
            "Revenue is concentrated" if concentrated else "Revenue is less concentrated"
        )


def test_abc_recommendation_quotes_the_cut_offs_the_study_used():
    case = simulate(1003, "thesis")
    study = run_study(
        case.customers, case.employees, case.ledger, posthoc=False, reliability="none",
        a_cut=0.6, b_cut=0.85,
    )  # fmt: skip
    summary = study.tables["abc_summary"]
    assert summary["a_cut"].tolist() == [0.6] * 3 and summary["b_cut"].tolist() == [0.85] * 3
    f = {f.id: f for f in derive_findings(study)}["classification.tiers_vs_value"]
    assert f.evidence["a_cut"] == 0.6 and f.evidence["b_cut"] == 0.85
    assert "<= 60%, B up to 85%" in f.recommendation["en"]
    assert "累计收入占比 60% 以内为 A 类、85% 以内为 B 类" in f.recommendation["zh"]
    assert "70%" not in f.recommendation["en"] + f.recommendation["zh"]


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        # one rounding rule (issue 13): the table value as written, half away from zero --
        # no extra decimal on a tie ("satisfaction 3.69 vs loyalty 2.735" mixed two rules)
        (3.925, 2, "3.93"),  # 3.925000 in tables/
        (2.675, 2, "2.68"),  # binary 2.67499... is written 2.675000 in the table
        (3.9249996, 2, "3.93"),  # written 3.925000 in the table
        (3.9261, 2, "3.93"),
        (-0.125, 2, "-0.13"),
        (-0.001, 2, "0.00"),  # no negative zero
        (0.698, 3, "0.698"),
        (150, 0, "150"),
    ],
)
def test_quoted_numbers_agree_with_the_table_under_any_rounding(value, digits, text):
    from crm_research.findings.wording import number_text

    assert number_text(value, digits) == text


def test_percentages_agree_with_the_table():
    from crm_research.findings.wording import percent_text as pct

    assert pct(0.5525) == "55.3%" and pct(0.553333) == "55.3%" and pct(0.7) == "70.0%"
