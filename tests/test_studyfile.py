"""Study files (``study.yaml``, issue 12 item 1): loading, overrides, one-sentence errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from crm_research.errors import InputError, InstrumentError
from crm_research.instrument import SURVEYS_DIR, load_instrument
from crm_research.readers import read_responses
from crm_research.studyfile import (
    StudyFileError,
    load_study,
    study_template,
)

OWN_INSTRUMENT = textwrap.dedent(
    """\
    id: own_survey
    response_scale: {min: 1, max: 5}
    items:
      - {id: s1, text: quick}
      - {id: s2, text: friendly}
      - {id: c1, text: satisfied}
      - {id: c2, text: expectations met}
      - {id: l1, text: buy again}
      - {id: l2, text: stay}
    scales:
      - {id: service, items: [s1, s2]}
      - {id: contentment, items: [c1, c2]}
      - {id: repurchase, items: [l1, l2]}
    metadata:
      - {id: branch, type: categorical}
    roles:
      satisfaction: contentment
      loyalty: repurchase
      drivers: [service]
      segments: [branch]
    """
)


def make_study(tmp_path: Path, body: str, *, files=("answers.csv",)) -> Path:
    (tmp_path / "own.yaml").write_text(OWN_INSTRUMENT, encoding="utf-8")
    for name in files:
        (tmp_path / name).write_text(
            "branch,s1,s2,c1,c2,l1,l2\nnorth,1,2,3,4,5,4\nsouth,2,2,3,3,4,4\n", encoding="utf-8"
        )
    path = tmp_path / "study.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


CUSTOMERS_ONLY = """\
    name: Client X
    language: en
    output: out
    seed: 7
    inputs:
      customers:
        file: answers.csv
        instrument: own.yaml
        missing_values: [-99, 999]
        encoding: utf-8
"""


def test_customers_only_study(tmp_path):
    spec = load_study(make_study(tmp_path, CUSTOMERS_ONLY))
    assert spec.name == "Client X" and spec.language == "en" and spec.seed == 7
    assert spec.case is None
    assert list(spec.inputs) == ["customers"]
    assert spec.employees is None and spec.ledger is None and spec.scorecard is None
    assert spec.output == tmp_path / "out"  # relative to the study file
    c = spec.customers
    assert c.file == tmp_path / "answers.csv"
    assert c.instrument.id == "own_survey"
    assert c.missing_values == (-99.0, 999.0)
    assert c.roles.satisfaction == ("contentment",) and c.roles.drivers == ("service",)
    assert spec.mirror_pairs == ()
    # the reading options work as they are
    resp = read_responses(c.file, **c.read_options())
    assert resp.n == 2 and list(resp.items.columns) == ["s1", "s2", "c1", "c2", "l1", "l2"]


def test_roles_override_applied(tmp_path):
    body = CUSTOMERS_ONLY + "        roles:\n          drivers: [service, repurchase]\n"
    body += "          segments: []\n          loyalty: []\n"
    spec = load_study(make_study(tmp_path, body))
    assert spec.customers.roles.drivers == ("service", "repurchase")
    assert spec.customers.roles.segments == () and spec.customers.roles.loyalty == ()
    assert spec.customers.roles.satisfaction == ("contentment",)  # not overridden
    assert spec.customers.roles_override["drivers"] == ["service", "repurchase"]


def test_shipped_d_company_study_reads_the_simulated_files(tmp_path):
    from crm_research.cases.d_company import simulate

    simulate(3, n_customers=20, n_employees=4).write(tmp_path)
    spec = load_study(SURVEYS_DIR / "d_company_study.yaml", data_dir=tmp_path)
    assert spec.case == "d_company" and spec.language == "zh" and spec.seed == 20190601
    assert list(spec.inputs) == ["customers", "employees", "ledger", "scorecard"]
    for kind, inp in spec.inputs.items():
        assert inp.file == tmp_path / f"{kind}.csv"
    assert spec.ledger.instrument is None
    assert spec.customers.instrument.id == "d_company_customer"
    assert spec.employees.instrument.id == "d_company_employee"
    assert spec.scorecard.instrument.id == "crm_implementation_scorecard"
    # the four IDIC scales are declared mirrors, nothing else
    assert spec.mirror_pairs == tuple((s, s) for s in ("identification", "differentiation",
                                                       "interaction", "customization"))  # fmt: skip
    for kind in ("customers", "employees", "scorecard"):
        inp = spec.inputs[kind]
        resp = read_responses(inp.file, **inp.read_options())
        assert resp.n > 0 and list(resp.items.columns) == inp.instrument.item_ids
    # without the data the template loads only when files are not checked
    with pytest.raises(StudyFileError, match="customers: the file 'customers.csv' does not exist"):
        load_study(SURVEYS_DIR / "d_company_study.yaml", data_dir=tmp_path / "nothing")
    assert load_study(SURVEYS_DIR / "d_company_study.yaml", check_files=False).output == (
        SURVEYS_DIR.parent / "reports" / "d-company"
    )


def test_declared_mirrors_only(tmp_path):
    """Employees whose instrument declares no mirrors pair nothing, even with equal ids."""
    emp = OWN_INSTRUMENT.replace("id: own_survey", "id: staff").split("roles:")[0]
    (tmp_path / "staff.yaml").write_text(emp, encoding="utf-8")
    body = CUSTOMERS_ONLY + "  employees:\n    file: staff.csv\n    instrument: staff.yaml\n"
    path = make_study(tmp_path, body.replace("  employees", "      employees").replace(
        "    file: staff.csv\n    instrument: staff.yaml", "        file: staff.csv\n        instrument: staff.yaml"
    ), files=("answers.csv", "staff.csv"))  # fmt: skip
    spec = load_study(path)
    assert spec.employees.instrument.id == "staff"
    assert spec.mirror_pairs == ()  # 'service' is in both, but not declared
    (tmp_path / "staff.yaml").write_text(
        emp + "roles:\n  mirrors: {service: service}\n", encoding="utf-8"
    )
    assert load_study(path).mirror_pairs == (("service", "service"),)
    (tmp_path / "staff.yaml").write_text(
        emp + "roles:\n  mirrors: {service: servise}\n", encoding="utf-8"
    )
    with pytest.raises(StudyFileError) as exc:
        load_study(path)
    assert str(exc.value) == (
        f"{path}: inputs.employees: instrument 'staff' declares scale 'service' the mirror of "
        "scale 'servise' (did you mean 'service'?), which the customer instrument "
        "'own_survey' does not have."
    )


def test_template_loads(tmp_path):
    (tmp_path / "export.csv").write_text("a\n1\n", encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(study_template("Client Y", "export.csv", "d_company_customer"), "utf-8")
    spec = load_study(path)
    assert spec.name == "Client Y" and spec.language == "zh"
    assert spec.customers.instrument.id == "d_company_customer"
    assert spec.output == tmp_path / "report" and list(spec.inputs) == ["customers"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (("language: en", "langauge: en"), "the study has unknown field 'langauge' (did you mean 'language'?); the fields are"),
        (("language: en", "language: fr"), "language 'fr' is not one of zh, en."),
        (("seed: 7", "seed: -1"), "seed -1 is not a non-negative whole number."),
        (("seed: 7", "case: d_compnay"), "case 'd_compnay' is not a known case (did you mean 'd_company'?)"),
        (("    name: Client X\n", ""), "required field 'name' is missing"),
        (("  customers:", "  customer:"), "inputs has unknown input 'customer' (did you mean 'customers'?)"),
        (("        file: answers.csv\n", ""), "inputs.customers has no 'file'."),
        (("file: answers.csv", "file: answer.csv"), "inputs.customers: the file 'answer.csv' does not exist (looked in"),
        (("instrument: own.yaml", "instrument: own2.yaml"), "inputs.customers: the instrument file 'own2.yaml' does not exist"),
        (("instrument: own.yaml", "instrument: d_company_custmer"), "instrument 'd_company_custmer' is neither a shipped instrument (did you mean 'd_company_customer'?)"),
        (("        instrument: own.yaml\n", ""), "inputs.customers has no 'instrument'"),
        (("missing_values: [-99, 999]", "missing_values: [-99, x]"), "inputs.customers: missing value 'x' is not a number."),
        (("encoding: utf-8", "encoding: utf-9"), "inputs.customers: unknown text encoding 'utf-9'."),
        (("encoding: utf-8", "encodng: utf-8"), "inputs.customers has unknown field 'encodng' (did you mean 'encoding'?)"),
        (("encoding: utf-8", "sheet: -1"), "inputs.customers: sheet position -1 is negative"),
        (("encoding: utf-8", "roles: {drivers: [servise]}"), "inputs.customers.roles: role 'drivers' names unknown scale 'servise' (did you mean 'service'?)."),
        (("encoding: utf-8", "roles: {driver: [service]}"), "inputs.customers.roles: unknown role 'driver' (did you mean 'drivers'?)"),
        (("encoding: utf-8", "roles: [service]"), "inputs.customers: 'roles' must be a mapping"),
    ],
)  # fmt: skip
def test_errors_one_sentence_naming_the_file(tmp_path, edit, message):
    path = make_study(tmp_path, CUSTOMERS_ONLY.replace(*edit))
    with pytest.raises(InputError) as exc:
        load_study(path)
    text = str(exc.value)
    assert text.startswith(f"{path}:"), text
    assert message in text, text
    assert text.endswith(".") and "\n" not in text


@pytest.mark.parametrize(
    "body, message",
    [
        ("name: x\n", "'inputs' is missing or not a mapping; at least 'customers'"),
        ("name: x\ninputs:\n  employees:\n    file: a.csv\n    instrument: d_company_employee\n",
         "inputs has no 'customers'; the customer survey is the one required input."),
        ("name: x\ninputs:\n  customers: {file: answers.csv, instrument: own.yaml}\n"
         "  ledger: {file: answers.csv, instrument: own.yaml}\n",
         "inputs.ledger has field 'instrument', but a ledger has no instrument"),
        ("- name\n", "a study file must be a YAML mapping"),
        ("name: x\nname: y\n", "the key 'name' is written twice in one mapping at line 2."),
        ("name: [x\n", "not valid YAML"),
    ],
)  # fmt: skip
def test_structural_errors(tmp_path, body, message):
    path = make_study(tmp_path, body)
    with pytest.raises(InputError) as exc:
        load_study(path)
    assert str(exc.value).startswith(f"{path}:") and message in str(exc.value), str(exc.value)


def test_bad_own_instrument_names_the_instrument_file(tmp_path):
    path = make_study(tmp_path, CUSTOMERS_ONLY)
    (tmp_path / "own.yaml").write_text(OWN_INSTRUMENT.replace("drivers: [service]",
                                                              "drivers: [servic]"), "utf-8")  # fmt: skip
    with pytest.raises(InstrumentError, match=r"own\.yaml: role 'drivers' names unknown scale"):
        load_study(path)


def test_study_path_problems(tmp_path):
    with pytest.raises(StudyFileError, match="study file does not exist"):
        load_study(tmp_path / "none.yaml")
    with pytest.raises(StudyFileError, match="is a folder; give the study file"):
        load_study(tmp_path)


def test_ledger_shorthand_and_relative_instrument_name(tmp_path):
    body = (
        CUSTOMERS_ONLY.replace("instrument: own.yaml", "instrument: own")
        + "      ledger: answers.csv\n"
    )
    spec = load_study(make_study(tmp_path, body))
    assert spec.customers.instrument.source == tmp_path / "own.yaml"  # next to the study file
    assert spec.ledger.file == tmp_path / "answers.csv"
    assert spec.ledger.read_options() == {"sheet": None, "encoding": None}


def test_shipped_template_is_not_an_instrument():
    from crm_research.instrument import shipped_instruments

    assert "d_company_study" not in shipped_instruments()
    assert load_instrument("d_company_customer").roles.region == "city"
