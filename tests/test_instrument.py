"""The shipped instruments (surveys/*.yaml) and the loader's validation errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm_research.errors import InstrumentError
from crm_research.instrument import SURVEYS_DIR, load_instrument

SHIPPED = ("d_company_customer", "d_company_employee", "crm_implementation_scorecard")
LANGS = ("zh", "en")
HEBEI_CITIES = (
    "shijiazhuang",
    "tangshan",
    "qinhuangdao",
    "handan",
    "xingtai",
    "baoding",
    "zhangjiakou",
    "chengde",
    "cangzhou",
    "langfang",
    "hengshui",
)
# The fixed ids other modules (simulator, analyses) are built on.
CUSTOMER_SCALES = {
    "identification": ["idn1", "idn2", "idn3", "idn4"],
    "differentiation": ["dif1", "dif2", "dif3", "dif4"],
    "interaction": ["int1", "int2", "int3", "int4"],
    "customization": ["cus1", "cus2", "cus3", "cus4"],
    "quality": ["qua1", "qua2", "qua3", "qua4"],
    "satisfaction": ["sat1", "sat2", "sat3"],
    "loyalty": ["loy1", "loy2", "loy3", "loy4"],
    "nps": ["nps"],
}
EMPLOYEE_SCALES = {
    "identification": ["e_idn1", "e_idn2", "e_idn3"],
    "differentiation": ["e_dif1", "e_dif2", "e_dif3"],
    "interaction": ["e_int1", "e_int2", "e_int3"],
    "customization": ["e_cus1", "e_cus2", "e_cus3"],
    "crm_use": ["crm1", "crm2", "crm3", "crm4"],
    "training": ["trn1", "trn2", "trn3"],
    "motivation": ["mot1", "mot2", "mot3"],
    "acceptance": ["acc1", "acc2", "acc3"],
}
SCORECARD_METRICS = {
    "strategy": ["str_objectives", "str_profitability", "str_change_mgmt"],
    "people": ["ppl_acceptance", "ppl_training", "ppl_motivation"],
    "process": ["prc_internal", "prc_external", "prc_org_change"],
    "technology": ["tec_roi", "tec_impl_time", "tec_usability", "tec_problem_solving"],
    "customer": ["cus_loyalty", "cus_satisfaction", "cus_share_of_wallet", "cus_profitability"],
}
PHASES = ("before", "during", "after")


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    return load_instrument(request.param)


def bilingual(text: dict[str, str]) -> bool:
    return all(text.get(lang, "").strip() for lang in LANGS)


def has_cjk(s: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", s) is not None


# ---------------------------------------------------------------------------- shipped files
def test_every_shipped_instrument_loads_by_name_and_by_path(shipped):
    again = load_instrument(SURVEYS_DIR / f"{shipped.id}.yaml")
    assert again.item_ids == shipped.item_ids
    assert shipped.source == SURVEYS_DIR / f"{shipped.id}.yaml"
    assert shipped.missing_codes == (-99.0,)


def test_every_item_is_in_exactly_one_scale(shipped):
    for item in shipped.items:
        holders = [sc.id for sc in shipped.scales if item.id in sc.items]
        assert len(holders) == 1, (item.id, holders)
        assert item.scale == holders[0]


def test_every_text_is_given_in_chinese_and_english(shipped):
    assert bilingual(shipped.title) and bilingual(shipped.description)
    for item in shipped.items:
        assert bilingual(item.text), item.id
        assert has_cjk(item.text["zh"]) and not has_cjk(item.text["en"]), item.id
    for scale in shipped.scales:
        assert bilingual(scale.name), scale.id
        assert has_cjk(scale.name["zh"]) and not has_cjk(scale.name["en"]), scale.id
    for rs in shipped.response_scales.values():
        assert {rs.min, rs.max} <= set(rs.labels), rs.id  # both ends labelled
        for code, label in rs.labels.items():
            assert bilingual(label), (rs.id, code)
    for meta in shipped.metadata:
        assert bilingual(meta.label), meta.id
        for level in meta.levels:
            assert bilingual(meta.level_labels.get(level, {})), (meta.id, level)
    for facet in shipped.facets.values():
        assert bilingual(facet.name)
        for level in facet.levels:
            assert bilingual(level.label), (facet.id, level.id)


def test_customer_instrument_has_the_fixed_ids():
    inst = load_instrument("d_company_customer")
    assert {sc.id: list(sc.items) for sc in inst.scales} == CUSTOMER_SCALES
    assert [i.id for i in inst.items if i.reverse] == ["loy4"]
    assert inst.scale("nps").kind == "nps"
    assert {sc.id for sc in inst.scales if sc.kind == "mean"} == set(CUSTOMER_SCALES) - {"nps"}
    agree = inst.item("idn1").response_scale
    assert (agree.min, agree.max) == (1, 5)
    assert agree.label(1, "zh") == "非常不同意" and agree.label(5, "en") == "Strongly agree"
    nps = inst.item("nps").response_scale
    assert (nps.id, nps.min, nps.max) == ("nps", 0, 10)
    # the thesis' slow-update problem is item idn3, the switching intention loy4
    assert "update" in inst.item("idn3").text["en"] and "及时更新" in inst.item("idn3").text["zh"]
    assert "switching" in inst.item("loy4").text["en"]
    types = {m.id: m.type for m in inst.metadata}
    assert types == {
        "customer_id": "id",
        "customer_type": "categorical",
        "sector": "categorical",
        "city": "categorical",
        "years_cooperation": "numeric",
        "submitted_at": "datetime",
        "duration_seconds": "duration",
        "contact_name": "pii",
        "phone": "pii",
    }
    assert inst.meta("customer_type").levels == ("engineering", "end_user")
    assert inst.meta("sector").levels == ("school", "training", "hospital", "government", "other")
    city = inst.meta("city")
    assert city.levels == HEBEI_CITIES
    assert city.level_label("shijiazhuang", "zh") == "石家庄"
    assert city.level_for("石家庄市") == "shijiazhuang"
    assert city.level_for(" Hengshui ") == "hengshui"
    assert city.level_for("北京") is None
    assert inst.pii_columns == ["contact_name", "phone"]
    assert set(inst.column_map.values()) == set(inst.item_ids)


def test_employee_instrument_has_the_fixed_ids():
    inst = load_instrument("d_company_employee")
    assert {sc.id: list(sc.items) for sc in inst.scales} == EMPLOYEE_SCALES
    assert [i.id for i in inst.items if i.reverse] == ["crm4"]
    assert "outside the CRM" in inst.item("crm4").text["en"]
    assert "update customer information promptly" in inst.item("e_idn3").text["en"]
    assert inst.meta("role").levels == (
        "general_manager",
        "sales_manager",
        "sales_rep",
        "sales_assistant",
    )
    assert inst.meta("role").level_for("销售代表") == "sales_rep"
    assert {m.id: m.type for m in inst.metadata} == {
        "employee_id": "id",
        "role": "categorical",
        "tenure_years": "numeric",
    }


def test_customer_and_employee_share_the_idic_scale_ids():
    customer = load_instrument("d_company_customer")
    employee = load_instrument("d_company_employee")
    idic = ["identification", "differentiation", "interaction", "customization"]
    assert set(idic) <= set(customer.scale_ids) & set(employee.scale_ids)
    for sid in idic:
        c = customer.item(customer.scale_items(sid)[0]).response_scale
        e = employee.item(employee.scale_items(sid)[0]).response_scale
        assert (c.min, c.max) == (e.min, e.max)


def test_scorecard_has_17_metrics_by_3_phases():
    inst = load_instrument("crm_implementation_scorecard")
    assert len(inst.items) == 51 and len(inst.scales) == 15
    assert not any(i.reverse for i in inst.items)
    rating = inst.items[0].response_scale
    assert (rating.min, rating.max) == (1, 5)
    assert rating.label(1, "zh") == "很差" and rating.label(5, "en") == "Very good"
    for category, metrics in SCORECARD_METRICS.items():
        for phase in PHASES:
            scale = inst.scale(f"{category}_{phase}")
            assert list(scale.items) == [f"{m}_{phase}" for m in metrics]
            assert scale.facets == {"category": category, "phase": phase}
            assert inst.scales_where(category=category, phase=phase) == [scale.id]
        for metric in metrics:
            assert inst.items_where(metric=metric) == [f"{metric}_{p}" for p in PHASES]
            for phase in PHASES:
                item = inst.item(f"{metric}_{phase}")
                assert item.facets == {"category": category, "metric": metric, "phase": phase}
    assert inst.facets["phase"].level_ids == list(PHASES)
    assert inst.facets["phase"].label("before", "zh") == "实施前"
    assert len(inst.facets["metric"].levels) == 17
    assert len(inst.items_where(phase="after")) == 17
    assert [m.id for m in inst.metadata] == ["employee_id", "role"]


def test_schema_example_in_the_readme_loads(tmp_path):
    readme = (SURVEYS_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    assert blocks, "surveys/README.md has no ```yaml example"
    path = tmp_path / "example.yaml"
    path.write_text(blocks[0], encoding="utf-8")
    inst = load_instrument(path)
    assert inst.items and inst.scales


# ---------------------------------------------------------------------------- validation errors
GOOD = """\
id: mini
title: {zh: 小问卷, en: Mini survey}
response_scales:
  agree5:
    min: 1
    max: 5
    labels:
      1: {zh: 非常不同意, en: Strongly disagree}
      5: {zh: 非常同意, en: Strongly agree}
default_response_scale: agree5
missing_codes: [-99]
items:
  - {id: a1, text: {zh: 甲一, en: A one}}
  - {id: a2, text: {zh: 甲二, en: A two}, reverse: true}
scales:
  - {id: a, name: {zh: 甲, en: A}, items: [a1, a2]}
metadata:
  - {id: group, type: categorical, levels: [x, y]}
"""


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_minimal_good_file_loads(tmp_path):
    inst = load_instrument(write(tmp_path, GOOD, "good.yaml"))
    assert inst.item_ids == ["a1", "a2"] and inst.item("a2").reverse
    assert inst.item("a1").scale == "a"


BAD_CASES = {
    "unknown item in a scale": (
        GOOD.replace("items: [a1, a2]}", "items: [a1, a3]}"),
        "scale 'a' lists unknown item 'a3'",
    ),
    "duplicate item id": (
        GOOD.replace("{id: a2, text", "{id: a1, text"),
        "duplicate item id 'a1'",
    ),
    "duplicate scale id": (
        GOOD.replace("\nscales:\n", "\nscales:\n  - {id: a, items: [a1]}\n"),
        "duplicate scale id 'a'",
    ),
    "min >= max": (
        GOOD.replace("min: 1\n    max: 5", "min: 5\n    max: 5"),
        "response scale 'agree5' has min 5 not below max 5",
    ),
    "label out of range": (
        GOOD.replace("5: {zh: 非常同意", "7: {zh: 非常同意"),
        "response scale 'agree5' labels code 7, outside its range 1..5",
    ),
    "unknown response scale": (
        GOOD.replace("{id: a2, text: {zh: 甲二, en: A two}", "{id: a2, response_scale: agree7"),
        "item 'a2' uses response scale 'agree7', which is not defined",
    ),
    "bad metadata type": (
        GOOD.replace("type: categorical", "type: colour"),
        "metadata column 'group' has type 'colour'",
    ),
    "not YAML": (
        "id: mini\nitems: [a1, a2\n  scales: {",
        "not valid YAML",
    ),
    "not a mapping": (
        "- just\n- a list\n",
        "an instrument must be a YAML mapping",
    ),
    "missing items": (
        "id: mini\ntitle: nothing else\n",
        "required field 'items' is missing",
    ),
    "unknown field (typo)": (
        GOOD.replace("\nscales:\n", "\nscale:\n"),
        "the instrument has unknown field 'scale'",
    ),
    "unknown scale kind": (
        GOOD.replace("items: [a1, a2]}", "items: [a1, a2], kind: median}"),
        "scale 'a' has kind 'median'",
    ),
    "nps scale on a 1..5 item": (
        GOOD.replace("items: [a1, a2]}", "items: [a1], kind: nps}"),
        "scale 'a' of kind nps needs exactly one item on a 0..10 response scale",
    ),
    "missing code inside the response range": (
        GOOD.replace("missing_codes: [-99]", "missing_codes: [3]"),
        "missing code 3 lies inside the response range 1..5 of item 'a1'",
    ),
    "duplicate metadata id": (
        GOOD + "  - {id: group, type: text}\n",
        "duplicate metadata id 'group'",
    ),
    "duplicate level": (
        GOOD.replace("levels: [x, y]", "levels: [x, x]"),
        "metadata column 'group' lists level 'x' twice",
    ),
    "item names a scale that does not list it": (
        GOOD.replace("{id: a1, text", "{id: a1, scale: b, text"),
        "item 'a1' names scale 'b', which does not list it",
    ),
    "unknown facet": (
        GOOD.replace("{id: a1, text", "{id: a1, facets: {phase: before}, text"),
        "item 'a1' uses facet 'phase', which is not defined",
    ),
    "unknown facet level": (
        GOOD.replace(
            "default_response_scale",
            "facets:\n  phase: {levels: [before, after]}\ndefault_response_scale",
        ).replace("{id: a1, text", "{id: a1, facets: {phase: during}, text"),
        "item 'a1' uses level 'during' of facet 'phase'",
    ),
    "min_items above the scale size": (
        GOOD.replace("items: [a1, a2]}", "items: [a1, a2], min_items: 3}"),
        "scale 'a' has min_items 3, outside 1..2",
    ),
    "column mapping to nothing": (
        GOOD + "columns: {Q1: a9}\n",
        "column mapping 'Q1' points to unknown item or column 'a9'",
    ),
    # fields of the wrong kind: one sentence, never a TypeError/AttributeError traceback
    "labels given as a list": (
        GOOD.replace(
            "    labels:\n      1: {zh: 非常不同意, en: Strongly disagree}\n"
            "      5: {zh: 非常同意, en: Strongly agree}\n",
            "    labels: [disagree, agree]\n",
        ),
        "labels of response scale 'agree5' must be a mapping of code to text",
    ),
    "response_scales given as a list": (
        GOOD.replace(
            "response_scales:\n  agree5:\n    min: 1\n    max: 5\n    labels:\n"
            "      1: {zh: 非常不同意, en: Strongly disagree}\n"
            "      5: {zh: 非常同意, en: Strongly agree}\n",
            "response_scales: [agree5]\n",
        ),
        "'response_scales' must be a mapping of response scale id to its definition",
    ),
    "min_items not a number": (
        GOOD.replace("items: [a1, a2]}", "items: [a1, a2], min_items: two}"),
        "scale 'a' has min_items 'two', not a whole number",
    ),
    "missing_codes not a list": (
        GOOD.replace("missing_codes: [-99]", "missing_codes: -99"),
        "'missing_codes' must be a list of numbers",
    ),
    "min not a whole number": (
        GOOD.replace("min: 1\n    max: 5", "min: 1.5\n    max: 5"),
        "response scale 'agree5' has a non-integer min or max",
    ),
    "reverse not true or false": (
        GOOD.replace("reverse: true", "reverse: maybe"),
        "item 'a2' has reverse 'maybe', not true or false",
    ),
    "scale items not a list": (
        GOOD.replace("items: [a1, a2]}", "items: a1}"),
        "scale 'a' must list its items",
    ),
    "empty item id": (
        GOOD.replace("{id: a2, text", "{id: null, text"),
        "item number 2 has no 'id'",
    ),
    "a key written twice (YAML keeps only the last)": (
        GOOD.replace("id: mini\n", "id: mini\nid: other\n"),
        "the key 'id' is written twice in one mapping at line 2",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_invalid_instruments_raise_one_sentence_naming_file_and_fault(tmp_path, case):
    text, fault = BAD_CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert fault in message, message
    assert message.endswith(".") and "\n" not in message


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(InstrumentError, match=r"nowhere\.yaml: instrument file does not exist"):
        load_instrument(path)


def test_unknown_name_lists_the_shipped_instruments():
    with pytest.raises(InstrumentError) as info:
        load_instrument("d_company_custmer")
    message = str(info.value)
    assert "No instrument named 'd_company_custmer'" in message
    for name in SHIPPED:
        assert name in message


def test_bad_yaml_error_gives_the_line(tmp_path):
    path = write(tmp_path, "id: mini\nitems:\n  - {id: a1\n  - {id: a2}\n")
    with pytest.raises(InstrumentError, match=r"not valid YAML at line \d+"):
        load_instrument(path)


def test_a_directory_is_not_an_instrument(tmp_path):
    with pytest.raises(InstrumentError, match=r"is a directory, not an instrument YAML file\.$"):
        load_instrument(tmp_path)


def test_broken_instrument_at_the_cli_is_one_sentence(tmp_path, capsys):
    from crm_research.cli import main

    bad = write(tmp_path, BAD_CASES["labels given as a list"][0])
    data = tmp_path / "d.csv"
    data.write_text("a1,a2\n1,2\n3,4\n", encoding="utf-8")
    assert main(["validate", str(data), "--instrument", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"crm-research: {bad}: labels of response scale") and err.count("\n") == 1
