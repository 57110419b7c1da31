"""Any study, not only D company (issue 12): a client's own survey with its own scale ids.

A customers-only study whose instrument renames every scale of the shipped questionnaire,
declares its roles, and whose data have no Hebei city (the region column is renamed and
recoded) gets the full report in both languages; no visible text of it names D company, a
Hebei city, the thesis or its sections.  Perception gaps come only from declared mirrors.
The D-company texts are a case layer: the same data with ``case: d_company`` quote the thesis,
without it they do not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from crm_research.cases.d_company import simulate
from crm_research.cases.registry import case_texts, known_cases
from crm_research.cli import main
from crm_research.findings import derive_findings, render_findings
from crm_research.instrument import load_instrument
from crm_research.study import run_study
from crm_research.study.absent import absent_table
from crm_research.studyfile import load_study

SEED = 20190601

#: D-company scale id -> the client's own id.
CUSTOMER_SCALES = {
    "identification": "know_you",
    "differentiation": "treat_by_value",
    "interaction": "contact",
    "customization": "tailoring",
    "quality": "product_quality",
    "satisfaction": "contentment",
    "loyalty": "stay",
    "nps": "recommend",
}
EMPLOYEE_SCALES = {
    "identification": "staff_know_you",
    "differentiation": "staff_value",
    "interaction": "staff_contact",
    "customization": "staff_tailoring",
}
#: Hebei cities -> neutral areas of the client's own data.
AREAS = {
    "shijiazhuang": "north", "tangshan": "east", "qinhuangdao": "east", "handan": "south",
    "xingtai": "south", "baoding": "west", "zhangjiakou": "north", "chengde": "north",
    "cangzhou": "east", "langfang": "west", "hengshui": "south",
}  # fmt: skip

#: What no text of a study without a case may say (issue 12, "Done when").
FORBIDDEN = [
    "D company", "D-company", "D公司", "D 公司", "thesis", "论文", "Hebei", "河北",
    "石家庄", "保定", "唐山", "邯郸", "廊坊", "沧州", "邢台", "衡水", "秦皇岛", "张家口", "承德",
    "Shijiazhuang", "Baoding", "Tangshan", "Handan", "Langfang", "Cangzhou", "Xingtai",
    "Hengshui", "Qinhuangdao", "Zhangjiakou", "Chengde",
]  # fmt: skip
#: Thesis sections: "§4.1" (a cited guideline's "Guidelines, §5.3" is literature, not the
#: thesis) and numbers such as 4.1.2 or 3.3.1 (not decimals like 3.92: two dots; not a
#: package's "version 2.2.9").
SECTION = re.compile(r"(?<!Guidelines, )§|(?<![\d.])(?<!version )[1-5]\.\d\.\d(?![\d.])")


def _neutral(text: str) -> str:
    for old, new in (("D公司", "本公司"), ("D 公司", "本公司"), ("D company's", "the company's"),
                     ("D company", "the company"), ("河北", "本地"), ("Hebei", "local")):  # fmt: skip
        text = text.replace(old, new)
    return text


def client_instrument(folder: Path, shipped: str, scales: dict[str, str], new_id: str,
                      *, mirrors: dict[str, str] | None = None) -> Path:  # fmt: skip
    """The shipped instrument with every scale renamed, neutral texts and the roles renamed."""
    spec = yaml.safe_load(Path(load_instrument(shipped).source).read_text(encoding="utf-8"))
    spec["id"] = new_id
    spec.pop("source", None)
    spec.pop("description", None)
    spec["title"] = {"zh": "客户关系调查", "en": "Customer relationship survey"}
    for sc in spec["scales"]:
        sc["id"] = scales.get(sc["id"], sc["id"])
    roles = spec.get("roles", {})
    for key in ("satisfaction", "loyalty", "drivers", "antecedents", "system_use", "enablers"):
        if key in roles:
            roles[key] = [scales.get(s, s) for s in roles[key]]
    if "idic" in roles:
        roles["idic"] = {scales.get(s, s): t for s, t in roles["idic"].items()}
    roles.pop("mirrors", None)
    if mirrors:
        roles["mirrors"] = mirrors
    for meta in spec.get("metadata", []):
        if meta["id"] == "city":
            meta["id"] = "area"
            meta["label"] = {"zh": "区域", "en": "Area"}
            meta["aliases"] = []
            meta["levels"] = sorted(set(AREAS.values()))
    if roles.get("region") == "city":
        roles["region"] = "area"
    spec["roles"] = roles
    spec.pop("columns", None)
    text = _neutral(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    out = folder / f"{new_id}.yaml"
    out.write_text(text, encoding="utf-8")
    load_instrument(out)  # the instrument is valid
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A customers-only client study (study.yaml) with the employee and ledger files beside it."""
    folder = tmp_path_factory.mktemp("client")
    case = simulate(SEED)
    customers = case.customers.rename(columns={"city": "area"})
    customers["area"] = customers["area"].map(AREAS)
    customers.to_csv(folder / "customers.csv", index=False)
    case.employees.to_csv(folder / "employees.csv", index=False)
    client_instrument(folder, "d_company_customer", CUSTOMER_SCALES, "client_customers")
    client_instrument(folder, "d_company_employee", EMPLOYEE_SCALES, "client_staff")
    client_instrument(folder, "d_company_employee", EMPLOYEE_SCALES, "client_staff_mirrored",
                      mirrors={"staff_contact": "contact"})  # fmt: skip
    (folder / "study.yaml").write_text(
        "name: Client survey\nlanguage: en\noutput: report\ninputs:\n"
        "  customers:\n    file: customers.csv\n    instrument: client_customers.yaml\n",
        encoding="utf-8",
    )
    return folder


def _study_file(folder: Path, name: str, employees: str | None) -> Path:
    text = (folder / "study.yaml").read_text(encoding="utf-8")
    if employees:
        text += f"  employees:\n    file: employees.csv\n    instrument: {employees}\n"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _forbidden_in(text: str) -> list[str]:
    found = [w for w in FORBIDDEN if w.lower() in text.lower()]
    return found + SECTION.findall(text)


# ------------------------------------------------------------------ study and findings


def test_customers_only_study_reads_roles(client):
    spec = load_study(client / "study.yaml")
    assert spec.employees is None and spec.ledger is None and spec.case is None
    study = run_study(spec)
    # the analyses a customers-only study gets, from the declared roles
    for name in ("quality_summary", "reliability_customer", "customer_scale_scores_summary",
                 "drivers_satisfaction", "ipa", "satisfaction_loyalty", "nps",
                 "group_comparisons"):  # fmt: skip
        assert name in study.tables, name
    assert set(study.tables["ipa"]["attribute"]) == {
        "know_you", "treat_by_value", "contact", "tailoring", "product_quality"
    }  # fmt: skip
    assert set(study.tables["group_comparisons"]["group"]) == {"customer_type", "sector"}
    # what needs the missing inputs is absent, each with one sentence per language
    for name in ("perception_gap", "employee_scale_scores_summary", "abc", "scorecard"):
        assert name not in study.tables
        sentence = study.absent[name].text
        assert sentence["en"].endswith(".") and sentence["zh"].endswith("。")
    found = derive_findings(study)
    areas = {f.area for f in found}
    assert {"identification", "interaction", "customization", "loyalty"} <= areas
    assert not any(f.area in ("perception_gap", "crm_system", "people") for f in found)
    text = json.dumps([f.to_record() for f in found], ensure_ascii=False)
    text += render_findings(found, "en") + render_findings(found, "zh")
    assert _forbidden_in(text) == []


def test_undeclared_mirrors_give_no_perception_gap(client):
    study = run_study(load_study(_study_file(client, "study_emp.yaml", "client_staff.yaml")))
    assert study.employees is not None and study.mirror_pairs == ()
    assert "perception_gap" not in study.tables
    assert study.absent["perception_gap"].code == "gap"
    assert not any(f.area == "perception_gap" for f in derive_findings(study))


def test_declared_mirrors_give_one_perception_gap(client):
    spec = load_study(_study_file(client, "study_mirror.yaml", "client_staff_mirrored.yaml"))
    study = run_study(spec)
    assert spec.mirror_pairs == (("staff_contact", "contact"),) == study.mirror_pairs
    gap = study.tables["perception_gap"]
    assert gap["dimension"].tolist() == ["contact"]
    # the gap is the employees' mean minus the customers' on the declared pair
    emp = study.employees.scores["staff_contact"].mean()
    cus = study.customers.scores["contact"].mean()
    assert gap["gap"].iloc[0] == pytest.approx(emp - cus, abs=1e-6)


def test_the_case_layer_adds_the_thesis_only_when_named():
    case = simulate(SEED)
    plain = derive_findings(run_study(case.customers, case.employees, case.ledger, case.scorecard))
    layered = derive_findings(
        run_study(case.customers, case.employees, case.ledger, case.scorecard, case="d_company")
    )
    assert [f.id for f in plain] == [f.id for f in layered]
    assert [f.evidence for f in plain] == [f.evidence for f in layered]
    plain_text = json.dumps([f.to_record() for f in plain], ensure_ascii=False)
    layered_text = json.dumps([f.to_record() for f in layered], ensure_ascii=False)
    # the simulated data themselves hold Hebei cities; the texts add no thesis
    for word in ("thesis", "论文", "§"):
        assert word not in plain_text, word
        assert word in layered_text, word
    # the case's safeguards travel with its recommendations (as ids or as text)
    assert any(getattr(f, "safeguards", ()) for f in layered) or "保障措施" in layered_text
    texts = case_texts("d_company")
    assert "d_company" in known_cases()
    assert set(texts.safeguards) == {
        "institutional", "training", "funding", "technology", "personnel", "customer"
    }  # fmt: skip


# ------------------------------------------------------------------ the report, zh and en


def _visible_text(page: Path) -> str:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup.select("style, script"):
        hidden.decompose()
    return soup.get_text(" ")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_customers_only_report_names_no_case(client, tmp_path, lang):
    out = tmp_path / f"report-{lang}"
    status = main(["report", str(client / "study.yaml"), "--out", str(out), "--lang", lang])
    assert status == 0
    for name in ("report.html", "findings.json", "tables/ipa.csv", "tables/nps.csv"):
        assert (out / name).is_file(), name
    assert _forbidden_in(_visible_text(out / "report.html")) == []
    assert _forbidden_in((out / "findings.json").read_text(encoding="utf-8")) == []
    # the employee and ABC chapters say in one sentence why they have nothing to show (the
    # page sets Chinese punctuation full-width: the sentences' openings are compared)
    visible = re.sub(r"\s+", " ", _visible_text(out / "report.html"))
    for code in ("no_employees", "no_ledger"):
        sentence = absent_table("x", code).text[lang]
        assert re.split(r"[,，(（]", sentence)[0] in visible, code


def test_customers_only_no_html_findings_md(client, tmp_path):
    for lang in ("zh", "en"):
        out = tmp_path / f"fast-{lang}"
        args = ["report", str(client / "study.yaml"), "--out", str(out), "--no-html"]
        assert main([*args, "--lang", lang]) == 0
        for name in ("findings.json", "findings.md"):
            assert _forbidden_in((out / name).read_text(encoding="utf-8")) == [], (lang, name)
        assert (out / "tables" / "drivers_satisfaction.csv").is_file()


def test_batch_takes_study_files(client, tmp_path):
    from crm_research.report.batch import is_study_file, load_batch_config, study_batch

    second = _study_file(client, "study_second.yaml", "client_staff.yaml")
    second.write_text(
        second.read_text(encoding="utf-8").replace("name: Client survey", "name: Second"),
        encoding="utf-8",
    )
    assert is_study_file(client / "study.yaml") and is_study_file(second)
    runs = study_batch([client / "study.yaml", second])
    assert [(r.name, r.slug, r.lang, r.customers) for r in runs] == [
        ("Client survey", "client-survey", "en", None),
        ("Second", "second", "en", None),
    ]
    assert runs[1].study == str(second.resolve())
    config = tmp_path / "batch.yaml"
    config.write_text(
        f"runs:\n  - study: {client / 'study.yaml'}\n    lang: zh\n", encoding="utf-8"
    )
    assert not is_study_file(config)
    (run,) = load_batch_config(config)
    assert (run.name, run.lang, run.study) == ("Client survey", "zh", str(client / "study.yaml"))
    # two studies with one name would write one folder
    with pytest.raises(Exception, match="same folder name"):
        study_batch([client / "study.yaml", client / "study.yaml"])
