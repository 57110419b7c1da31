"""A study written down as a file (``study.yaml``): which exports, which instruments, which roles.

A study file names the study, the report language, its inputs -- the customer survey
(required), the employee self-assessment, the customer ledger and the implementation
scorecard (optional) -- each with its file, its instrument (a shipped name or a path) and
optional reading options and role overrides, an optional case layer (``d_company``), an
output folder and a seed.  :func:`load_study` validates it and fails with one sentence
naming the file and the fault, like :func:`crm_research.instrument.load_instrument`.  The
schema is documented in ``docs/study-file.md``.

Stage 1 (ingest): imports only :mod:`crm_research.instrument`, :mod:`crm_research.roles`
and :mod:`crm_research.errors`; reading the files is left to the caller
(:meth:`StudyInput.read_options` gives the arguments of ``read_responses``).
"""

from __future__ import annotations

import codecs
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_research.errors import InputError
from crm_research.instrument import (
    Instrument,
    load_instrument,
    read_yaml,
    shipped_instruments,
)
from crm_research.roles import Roles

__all__ = [
    "CASES",
    "INPUT_KINDS",
    "LANGUAGES",
    "MODEL_SETTINGS",
    "STRUCTURAL_ESTIMATORS",
    "StudyFileError",
    "StudyInput",
    "StudySpec",
    "load_study",
    "study_template",
]

#: Report languages.
LANGUAGES = ("zh", "en")
#: Inputs of a study, in the order of the flow; only ``customers`` is required.
INPUT_KINDS = ("customers", "employees", "ledger", "scorecard")
#: Case layers that can be named with ``case:`` (texts keyed by rule id, issue 12 item 4).
CASES = ("d_company",)

TOP_KEYS = ("name", "description", "language", "case", "seed", "output", "inputs", "models")
#: Settings of the ``models:`` section (docs/study-file.md) and the structural-model
#: estimators: covariance-based SEM (lavaan's ML), PLS-SEM, or both side by side.
MODEL_SETTINGS = ("structural",)
STRUCTURAL_ESTIMATORS = ("sem", "pls", "both")
SURVEY_KEYS = ("file", "instrument", "missing_values", "sheet", "encoding", "roles")
LEDGER_KEYS = ("file", "sheet", "encoding")


class StudyFileError(InputError):
    """A study file is invalid (one sentence naming the file and the fault)."""


@dataclass(frozen=True)
class StudyInput:
    """One input of a study: an export and how to read it.

    Attributes
    ----------
    kind : str
        ``customers``, ``employees``, ``ledger`` or ``scorecard``.
    file : Path
        The export (resolved against the study file's folder).
    instrument : Instrument or None
        The instrument with the study's role overrides applied (``None`` for the ledger).
    missing_values : tuple of float
        Extra codes meaning "missing" for this file.
    sheet : str, int or None
        Excel sheet name or position.
    encoding : str or None
        Text encoding of a CSV.
    roles_override : dict
        The ``roles:`` mapping the study file gave (already applied to ``instrument``).
    """

    kind: str
    file: Path
    instrument: Instrument | None = None
    missing_values: tuple[float, ...] = ()
    sheet: str | int | None = None
    encoding: str | None = None
    roles_override: dict[str, Any] = field(default_factory=dict)

    @property
    def roles(self) -> Roles:
        """The effective roles (instrument's, with the study's overrides)."""
        return self.instrument.roles if self.instrument is not None else Roles()

    def read_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`crm_research.readers.read_responses` (besides the path)."""
        out: dict[str, Any] = {"sheet": self.sheet, "encoding": self.encoding}
        if self.kind != "ledger":
            out["instrument"] = self.instrument
            out["missing_values"] = list(self.missing_values) or None
        return out


@dataclass(frozen=True)
class StudySpec:
    """A validated study file (see :func:`load_study`).

    Attributes
    ----------
    name : str
    language : str
        ``zh`` or ``en``.
    customers : StudyInput
    employees, ledger, scorecard : StudyInput or None
    case : str or None
        A case layer (``d_company``) or ``None`` for a study of the client's own data.
    output : Path or None
        The report folder (resolved against the study file's folder).
    seed : int or None
    source : Path or None
        The study file.
    description : str
    models : dict
        The ``models:`` settings given (e.g. ``{"structural": "both"}``); empty = defaults.
    """

    name: str
    language: str
    customers: StudyInput
    employees: StudyInput | None = None
    ledger: StudyInput | None = None
    scorecard: StudyInput | None = None
    case: str | None = None
    output: Path | None = None
    seed: int | None = None
    source: Path | None = None
    description: str = ""
    models: dict[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> dict[str, StudyInput]:
        """The inputs given, by kind, in the order of :data:`INPUT_KINDS`."""
        found = {k: getattr(self, k) for k in INPUT_KINDS}
        return {k: v for k, v in found.items() if v is not None}

    @property
    def mirror_pairs(self) -> tuple[tuple[str, str], ...]:
        """Declared (employee scale, customer scale) pairs of the perception gap.

        From the employee instrument's ``mirrors`` (own scale -> customer scale) and the
        customer instrument's (own scale -> employee scale); empty without employees.
        Equal scale ids pair nothing unless declared.
        """
        if self.employees is None:
            return ()
        pairs = list(self.employees.roles.mirrors.items())
        pairs += [(emp, cus) for cus, emp in self.customers.roles.mirrors.items()]
        return tuple(dict.fromkeys(pairs))

    def __repr__(self) -> str:
        given = ", ".join(self.inputs)
        case = f", case {self.case}" if self.case else ""
        return f"StudySpec({self.name!r}, {self.language}, inputs: {given}{case})"


def _suggest(name: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(spec: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in spec:
        if str(key) not in allowed:
            raise StudyFileError(
                f"{where} has unknown field '{key}'{_suggest(str(key), allowed)}; "
                f"the fields are {', '.join(allowed)}."
            )


def _resolve_file(value: Any, folder: Path, where: str, check: bool) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise StudyFileError(f"{where}: 'file' must be a file name or path.")
    p = Path(value).expanduser()
    p = p if p.is_absolute() else folder / p
    if check and not p.exists():
        raise StudyFileError(f"{where}: the file '{value}' does not exist (looked in {folder}).")
    if check and p.is_dir():
        raise StudyFileError(f"{where}: '{value}' is a folder, not an export file.")
    return p


def _instrument(value: Any, folder: Path, where: str) -> Instrument:
    if not isinstance(value, str) or not value.strip():
        raise StudyFileError(
            f"{where}: 'instrument' must be a shipped instrument name or a path to a YAML file."
        )
    shipped = shipped_instruments()
    looks_like_path = value.endswith((".yaml", ".yml")) or "/" in value or "\\" in value
    if looks_like_path:
        p = Path(value).expanduser()
        p = p if p.is_absolute() else folder / p
        if not p.is_file():
            raise StudyFileError(
                f"{where}: the instrument file '{value}' does not exist (looked in {folder})."
            )
        return load_instrument(p)
    if value in shipped:
        return load_instrument(value)
    for ext in (".yaml", ".yml"):  # a bare name of an instrument next to the study file
        if (folder / f"{value}{ext}").is_file():
            return load_instrument(folder / f"{value}{ext}")
    raise StudyFileError(
        f"{where}: instrument '{value}' is neither a shipped instrument{_suggest(value, shipped)} "
        f"({', '.join(shipped)}) nor a YAML file next to the study file."
    )


def _missing_values(value: Any, where: str) -> tuple[float, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts: list[Any] = [x for x in value.split(",") if x.strip()]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parts = [value]
    elif isinstance(value, list):
        parts = value
    else:
        raise StudyFileError(f"{where}: 'missing_values' must be a list of numbers such as [-99].")
    out = []
    for x in parts:
        try:
            if isinstance(x, bool):
                raise ValueError
            out.append(float(x))
        except (TypeError, ValueError):
            raise StudyFileError(f"{where}: missing value {x!r} is not a number.") from None
    return tuple(out)


def _sheet(value: Any, where: str) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise StudyFileError(f"{where}: 'sheet' must be a sheet name or a position counted from 0.")
    if isinstance(value, int) and value < 0:
        raise StudyFileError(f"{where}: sheet position {value} is negative (counted from 0).")
    return value


def _encoding(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        codecs.lookup(str(value))
    except LookupError:
        raise StudyFileError(f"{where}: unknown text encoding '{value}'.") from None
    return str(value)


def _input(
    kind: str, spec: Any, folder: Path, data_dir: Path, check: bool, path: Path
) -> StudyInput:
    where = f"{path}: inputs.{kind}"
    if isinstance(spec, str):  # shorthand for the ledger: just the file
        spec = {"file": spec}
    if not isinstance(spec, Mapping):
        raise StudyFileError(f"{where} must be a mapping with at least 'file'.")
    allowed = LEDGER_KEYS if kind == "ledger" else SURVEY_KEYS
    if kind == "ledger" and ("instrument" in spec or "roles" in spec):
        raise StudyFileError(
            f"{where} has field '{'instrument' if 'instrument' in spec else 'roles'}', but a "
            f"ledger has no instrument; its fields are {', '.join(LEDGER_KEYS)}."
        )
    _check_keys(spec, allowed, where)
    if "file" not in spec:
        raise StudyFileError(f"{where} has no 'file'.")
    file = _resolve_file(spec["file"], data_dir, where, check)
    inst = None
    override: dict[str, Any] = {}
    if kind != "ledger":
        if "instrument" not in spec:
            raise StudyFileError(f"{where} has no 'instrument' (a shipped name or a YAML path).")
        inst = _instrument(spec["instrument"], folder, where)
        raw = spec.get("roles")
        if raw is not None and not isinstance(raw, Mapping):
            raise StudyFileError(f"{where}: 'roles' must be a mapping such as {{drivers: [a, b]}}.")
        override = dict(raw or {})
        inst = inst.with_roles(override, where=f"{where}.roles")
    return StudyInput(
        kind=kind,
        file=file,
        instrument=inst,
        missing_values=_missing_values(spec.get("missing_values"), where),
        sheet=_sheet(spec.get("sheet"), where),
        encoding=_encoding(spec.get("encoding"), where),
        roles_override=override,
    )


def load_study(
    path: str | Path, *, data_dir: str | Path | None = None, check_files: bool = True
) -> StudySpec:
    """Load and validate a study file.

    Parameters
    ----------
    path : str or Path
        The ``study.yaml``.
    data_dir : str or Path, optional
        Folder the input files are relative to (default: the study file's folder); e.g. the
        folder ``crm-research simulate d-company`` wrote, for the shipped template.
    check_files : bool
        Whether the input files must exist (``False`` to inspect a template).

    Returns
    -------
    StudySpec

    Raises
    ------
    StudyFileError
        One sentence naming the file and the fault: not YAML, an unknown field (with a
        suggestion), no customers, a language other than zh/en, an unknown case, an
        instrument or input file not found, a bad seed.  Instrument and role errors are
        :class:`~crm_research.errors.InstrumentError` sentences naming the file at fault.

    Examples
    --------
    >>> from crm_research.instrument import SURVEYS_DIR
    >>> spec = load_study(SURVEYS_DIR / "d_company_study.yaml", check_files=False)
    >>> spec.case, list(spec.inputs), spec.customers.roles.satisfaction
    ('d_company', ['customers', 'employees', 'ledger', 'scorecard'], ('satisfaction',))
    >>> spec.mirror_pairs[0]
    ('identification', 'identification')
    """
    try:
        p = Path(path).expanduser()
    except TypeError:
        raise StudyFileError(f"{path!r}: is not a file path.") from None
    if not p.exists():
        raise StudyFileError(f"{p}: study file does not exist.")
    if p.is_dir():
        raise StudyFileError(f"{p}: is a folder; give the study file (study.yaml) inside it.")
    spec = read_yaml(p, StudyFileError)
    if not isinstance(spec, Mapping):
        raise StudyFileError(f"{p}: a study file must be a YAML mapping (name, language, inputs).")
    _check_keys(spec, TOP_KEYS, f"{p}: the study")
    folder = p.resolve().parent
    data = Path(data_dir).expanduser().resolve() if data_dir is not None else folder

    name = spec.get("name")
    if name is None or not str(name).strip() or isinstance(name, (list, dict)):
        raise StudyFileError(f"{p}: required field 'name' is missing (the study's name).")
    language = spec.get("language", "zh")
    if language not in LANGUAGES:
        raise StudyFileError(
            f"{p}: language '{language}' is not one of {', '.join(LANGUAGES)}"
            f"{_suggest(str(language), LANGUAGES)}."
        )
    case = spec.get("case")
    if case is not None and str(case) not in CASES:
        raise StudyFileError(
            f"{p}: case '{case}' is not a known case{_suggest(str(case), CASES)} "
            f"({', '.join(CASES)}); leave 'case' out for a study of your own data."
        )
    seed = spec.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise StudyFileError(f"{p}: seed {seed!r} is not a non-negative whole number.")
    output = spec.get("output")
    if output is not None:
        if not isinstance(output, str) or not output.strip():
            raise StudyFileError(f"{p}: 'output' must be a folder name or path.")
        out_path = Path(output).expanduser()
        output = Path(os.path.normpath(out_path if out_path.is_absolute() else folder / out_path))

    inputs = spec.get("inputs")
    if not isinstance(inputs, Mapping):
        raise StudyFileError(
            f"{p}: 'inputs' is missing or not a mapping; at least 'customers' (the customer "
            "survey) is required."
        )
    for kind in inputs:
        if str(kind) not in INPUT_KINDS:
            raise StudyFileError(
                f"{p}: inputs has unknown input '{kind}'{_suggest(str(kind), INPUT_KINDS)}; "
                f"the inputs are {', '.join(INPUT_KINDS)}."
            )
    if inputs.get("customers") is None:
        raise StudyFileError(
            f"{p}: inputs has no 'customers'; the customer survey is the one required input."
        )
    parsed = {
        kind: _input(kind, inputs[kind], folder, data, check_files, p)
        for kind in INPUT_KINDS
        if inputs.get(kind) is not None
    }
    study = StudySpec(
        name=str(name).strip(),
        language=str(language),
        customers=parsed["customers"],
        employees=parsed.get("employees"),
        ledger=parsed.get("ledger"),
        scorecard=parsed.get("scorecard"),
        case=None if case is None else str(case),
        output=output,
        seed=seed,
        source=p,
        description=str(spec.get("description") or ""),
        models=_models(spec.get("models"), p),
    )
    _check_mirrors(study, p)
    return study


def _models(value: Any, path: Path) -> dict[str, Any]:
    """The ``models:`` section, checked (unknown setting or estimator: one sentence)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StudyFileError(f"{path}: 'models' must be a mapping such as {{structural: both}}.")
    _check_keys(value, MODEL_SETTINGS, f"{path}: models")
    structural = value.get("structural", "sem")
    if structural not in STRUCTURAL_ESTIMATORS:
        raise StudyFileError(
            f"{path}: models: structural is {structural!r}, not one of "
            f"{', '.join(STRUCTURAL_ESTIMATORS)}{_suggest(str(structural), STRUCTURAL_ESTIMATORS)}."
        )
    return {str(k): v for k, v in value.items()}


def _check_mirrors(study: StudySpec, path: Path) -> None:
    """Every declared mirror names a scale the other instrument has."""
    if study.employees is None:
        return
    cus, emp = study.customers.instrument, study.employees.instrument
    assert cus is not None and emp is not None
    for kind, own, other in (("employees", emp, cus), ("customers", cus, emp)):
        for scale, target in own.roles.mirrors.items():
            if target not in other.scale_ids:
                raise StudyFileError(
                    f"{path}: inputs.{kind}: instrument '{own.id}' declares scale '{scale}' the "
                    f"mirror of scale '{target}'{_suggest(target, other.scale_ids)}, which the "
                    f"{'customer' if kind == 'employees' else 'employee'} instrument "
                    f"'{other.id}' does not have."
                )


def study_template(
    name: str,
    customers: str,
    instrument: str,
    *,
    language: str = "zh",
    output: str = "report",
) -> str:
    """The text of a new ``study.yaml`` (commented; the optional inputs commented out).

    Parameters
    ----------
    name : str
        The study's name.
    customers : str
        The customer export, relative to the study file.
    instrument : str
        Its instrument: a shipped name or a YAML path relative to the study file.
    language : {"zh", "en"}
    output : str
        The report folder, relative to the study file.

    Returns
    -------
    str

    Examples
    --------
    >>> text = study_template("Client X", "export.xlsx", "instrument.yaml", language="en")
    >>> "customers:" in text and "language: en" in text
    True
    """
    if language not in LANGUAGES:
        raise StudyFileError(f"language '{language}' is not one of {', '.join(LANGUAGES)}.")

    def q(text: str) -> str:
        import json

        return json.dumps(str(text), ensure_ascii=False)

    return f"""\
# A study: what to read and how (schema: docs/study-file.md in the crm_research project).
# Paths are relative to this file.  Run it with:  crm-research report study.yaml --out report
name: {q(name)}
# zh or en: the language of the report
language: {language}
# the report folder (crm-research report --out overrides it)
output: {q(output)}
# seed: 1            (for anything random: parallel analysis, bootstrap intervals)
# case: d_company    (only to add the D-company case texts; leave out for your own data)

inputs:
  # the customer survey (required)
  customers:
    file: {q(customers)}
    instrument: {q(instrument)}
    # missing_values: [-99]     (extra codes meaning "no answer")
    # sheet: 0                  (Excel sheet name or position counted from 0)
    # encoding: gbk             (CSV text encoding; detected when left out)
    # roles:                    (override the instrument's roles: surveys/README.md, Roles)
    #   drivers: [service, price]
  # optional: a staff self-assessment whose scales mirror customer scales
  # employees:
  #   file: employees.csv
  #   instrument: d_company_employee
  # optional: revenue per customer and year (customer value, ABC classes)
  # ledger: ledger.csv
  # optional: the CRM implementation scorecard
  # scorecard:
  #   file: scorecard.csv
  #   instrument: crm_implementation_scorecard
"""
