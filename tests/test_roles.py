"""Roles declared in an instrument (``roles:``) and overridden per study (issue 12, item 2)."""

from __future__ import annotations

import textwrap

import pytest

from crm_research.errors import InputError, InstrumentError
from crm_research.instrument import load_instrument
from crm_research.roles import IDIC_TASKS, ROLE_KEYS, Roles, parse_roles

BASE = textwrap.dedent(
    """\
    id: own_survey
    response_scales:
      agree5: {min: 1, max: 5}
      nps: {min: 0, max: 10}
    default_response_scale: agree5
    items:
      - {id: s1, text: Service is quick}
      - {id: s2, text: Service is friendly}
      - {id: c1, text: I am satisfied}
      - {id: c2, text: It met my expectations}
      - {id: l1, text: I will buy again}
      - {id: rec, text: Would you recommend us, response_scale: nps}
    scales:
      - {id: service, items: [s1, s2]}
      - {id: contentment, items: [c1, c2]}
      - {id: repurchase, items: [l1]}
      - {id: rec, items: [rec], kind: nps}
    metadata:
      - {id: province, type: categorical, levels: [north, south]}
      - {id: segment, type: categorical}
      - {id: age, type: numeric}
    """
)

GOOD_ROLES = textwrap.dedent(
    """\
    roles:
      satisfaction: contentment
      loyalty: [repurchase]
      drivers: [service]
      recommendation: rec
      segments: [segment]
      region: province
      idic: {service: interact}
    """
)


def write(tmp_path, roles: str):
    path = tmp_path / "own.yaml"
    path.write_text(BASE + roles, encoding="utf-8")
    return path


def test_declared_roles_are_read(tmp_path):
    inst = load_instrument(write(tmp_path, GOOD_ROLES))
    r = inst.roles
    assert r.satisfaction == ("contentment",)  # one name is a list of one
    assert r.loyalty == ("repurchase",)
    assert r.drivers == ("service",)
    assert r.recommendation == "rec"
    assert r.segments == ("segment",)
    assert r.region == "province"
    assert r.idic == {"service": "interact"}
    assert r.idic_scales("interact") == ("service",)
    assert r.idic_scales("identify") == ()
    assert r.mirrors == {} and r.antecedents == ()
    assert r.scales() == ("contentment", "repurchase", "service")
    # the YAML form round-trips
    assert parse_roles(r.to_dict(), inst) == r


def test_no_roles_section_is_empty_roles(tmp_path):
    inst = load_instrument(write(tmp_path, ""))
    assert inst.roles == Roles() and inst.roles.is_empty
    assert inst.roles.to_dict() == {}


def test_roles_are_frozen():
    with pytest.raises(AttributeError):
        Roles().satisfaction = ("x",)  # type: ignore[misc]


@pytest.mark.parametrize(
    "roles, message",
    [
        ("roles: [satisfaction]\n", "'roles' must be a mapping"),
        ("roles:\n  driver: [service]\n", "unknown role 'driver' (did you mean 'drivers'?)"),
        ("roles:\n  drivers: [servic]\n", "role 'drivers' names unknown scale 'servic' (did you mean 'service'?)"),
        ("roles:\n  satisfaction: [contentment, contentment]\n", "role 'satisfaction' lists 'contentment' twice"),
        ("roles:\n  drivers: [rec]\n", "role 'drivers' names scale 'rec', a 0-10 recommendation scale"),
        ("roles:\n  recommendation: s9\n", "role 'recommendation' names unknown item 's9'"),
        ("roles:\n  recommendation: s1\n", "role 'recommendation' names item 's1', answered on 1..5, not on 0..10"),
        ("roles:\n  recommendation: [rec]\n", "role 'recommendation' must name one item"),
        ("roles:\n  segments: [provinse]\n", "role 'segments' names unknown metadata column 'provinse' (did you mean 'province'?)"),
        ("roles:\n  segments: [age]\n", "role 'segments' names column 'age' of type numeric"),
        ("roles:\n  region: age\n", "role 'region' names column 'age' of type numeric"),
        ("roles:\n  idic: {service: interaction}\n", "gives scale 'service' the task 'interaction' (did you mean 'interact'?)"),
        ("roles:\n  idic: [service]\n", "role 'idic' must be a mapping"),
        ("roles:\n  mirrors: {servise: service}\n", "role 'mirrors' names unknown scale 'servise'"),
        ("roles:\n  mirrors: {service: x, contentment: x}\n", "role 'mirrors' pairs two scales with the same scale 'x'"),
        ("roles:\n  drivers: [service, contentment]\n  satisfaction: contentment\n", "scale 'contentment' is both a driver and a satisfaction scale"),
        ("roles:\n  satisfaction: contentment\n  loyalty: contentment\n", "scale 'contentment' is both a satisfaction and a loyalty scale"),
        ("roles:\n  drivers: {a: b}\n", "role 'drivers' must be a name or a list of names"),
    ],
)  # fmt: skip
def test_bad_roles_one_sentence_naming_file(tmp_path, roles, message):
    path = write(tmp_path, roles)
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    text = str(exc.value)
    assert text.startswith(str(path) + ":"), text
    assert message in text, text
    assert text.endswith(".") and "\n" not in text
    assert isinstance(exc.value, InputError)


def test_overrides_replace_named_fields_only(tmp_path):
    inst = load_instrument(write(tmp_path, GOOD_ROLES))
    new = inst.with_roles({"drivers": ["service"], "segments": None, "region": "segment"})
    assert new.roles.drivers == ("service",)
    assert new.roles.segments == ()  # cleared
    assert new.roles.region == "segment"
    assert new.roles.satisfaction == ("contentment",)  # kept
    assert inst.roles.region == "province"  # the original is unchanged
    assert new.items == inst.items and new.scales == inst.scales


def test_override_checked_against_instrument(tmp_path):
    inst = load_instrument(write(tmp_path, GOOD_ROLES))
    with pytest.raises(InstrumentError, match=r"^study.yaml: inputs.customers.roles: role "
                       r"'loyalty' names unknown scale 'loyalty'\.$"):  # fmt: skip
        inst.with_roles({"loyalty": "loyalty"}, where="study.yaml: inputs.customers.roles")
    # without an instrument only the form is checked
    assert Roles().with_overrides({"loyalty": "anything"}).loyalty == ("anything",)
    with pytest.raises(InstrumentError, match="task 'talk'"):
        Roles().with_overrides({"idic": {"a": "talk"}})


def test_shipped_instruments_declare_what_the_case_uses():
    cus = load_instrument("d_company_customer").roles
    assert cus.satisfaction == ("satisfaction",) and cus.loyalty == ("loyalty",)
    # study.py's drivers: the four IDIC scales and quality
    assert cus.drivers == ("identification", "differentiation", "interaction", "customization",
                           "quality")  # fmt: skip
    assert cus.recommendation == "nps"
    assert cus.segments == ("customer_type", "sector") and cus.region == "city"
    assert sorted(cus.idic.values()) == sorted(IDIC_TASKS)
    emp = load_instrument("d_company_employee")
    # every mirror pairs an employee scale with a customer scale of the same IDIC task
    customer = load_instrument("d_company_customer")
    assert len(emp.roles.mirrors) == 4
    for own, other in emp.roles.mirrors.items():
        assert own in emp.scale_ids and other in customer.scale_ids
        assert emp.roles.idic[own] == customer.roles.idic[other]
    assert emp.roles.segments == ("role",)
    assert emp.roles.system_use == ("crm_use",)
    assert emp.roles.enablers == ("training", "motivation", "acceptance")
    assert load_instrument("crm_implementation_scorecard").roles.segments == ("role",)


def test_role_keys_documented():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "surveys" / "README.md").read_text(
        encoding="utf-8"
    )
    section = readme.split("## Roles", 1)[1]
    for key in ROLE_KEYS:
        assert f"`{key}`" in section, key


def test_readme_example_roles(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "surveys" / "README.md").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "example.yaml"
    path.write_text(re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)[0], encoding="utf-8")
    roles = load_instrument(path).roles
    assert roles.satisfaction == ("satisfaction",) and roles.loyalty == ("loyalty",)
    assert roles.recommendation == "nps" and roles.region == "region"
