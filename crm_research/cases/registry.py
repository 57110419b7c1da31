"""Case layers of the findings: texts keyed by rule id, one YAML file per case.

A finding rule (:mod:`crm_research.findings.rules`) speaks of the client's own data and of
the frameworks' literature.  A *case* adds what only that case knows -- the sections of its
thesis, its context, its safeguards -- as data: ``crm_research/cases/<case>_texts.yaml``
holds, per rule id, reference keys to append, safeguard ids, and ``problem`` /
``recommendation`` templates (``{en, zh}``) that replace the generic texts.  A study names
its case with ``case:`` (:mod:`crm_research.studyfile`); a second case is a second YAML
file, without touching the rules.

Stage 3 (beside the simulated cases): imports only :mod:`crm_research.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from crm_research.errors import InputError

__all__ = ["CASES_DIR", "CaseTexts", "case_texts", "known_cases"]

#: Folder of the case files (``<case>_texts.yaml``), shipped inside the package.
CASES_DIR = Path(__file__).resolve().parent

_LANGS = ("en", "zh")


def known_cases() -> list[str]:
    """Names of the case layers shipped (``d_company`` ...).

    Examples
    --------
    >>> "d_company" in known_cases()
    True
    """
    return sorted(p.name[: -len("_texts.yaml")] for p in CASES_DIR.glob("*_texts.yaml"))


@dataclass(frozen=True)
class CaseTexts:
    """The texts one case adds to the findings.

    Attributes
    ----------
    case : str
    title : dict
        Language -> report title of the case.
    safeguards : dict
        Safeguard id -> ``{"en": ..., "zh": ...}``.
    rules : dict
        Rule id -> ``{"references": [...], "safeguards": [...], "problem": {en, zh},
        "recommendation": {en, zh}}`` (every field optional).
    """

    case: str
    title: dict[str, str] = field(default_factory=dict)
    safeguards: dict[str, dict[str, str]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def references(self, rule: str) -> tuple[str, ...]:
        """Reference keys the case appends to the findings of ``rule``."""
        return tuple(self.rules.get(rule, {}).get("references", ()))

    def safeguard_ids(self, rule: str) -> tuple[str, ...]:
        """Safeguard ids the case attaches to the recommendations of ``rule``."""
        return tuple(self.rules.get(rule, {}).get("safeguards", ()))

    def safeguard(self, key: str) -> tuple[str, str]:
        """``(en, zh)`` text of one safeguard."""
        text = self.safeguards[key]
        return text["en"], text["zh"]

    def template(self, rule: str, slot: str) -> dict[str, str] | None:
        """The ``{en, zh}`` template of ``slot`` (``problem``, ``recommendation``) or ``None``."""
        found = self.rules.get(rule, {}).get(slot)
        return dict(found) if found else None

    def __repr__(self) -> str:
        return f"CaseTexts({self.case!r}: {len(self.rules)} rules, {len(self.safeguards)} safeguards)"


def _check(doc: Any, path: Path) -> CaseTexts:
    if not isinstance(doc, Mapping):
        raise InputError(f"{path}: a case file must be a mapping (case, safeguards, rules).")
    safeguards = doc.get("safeguards") or {}
    rules = doc.get("rules") or {}
    for key, text in safeguards.items():
        if not isinstance(text, Mapping) or any(not text.get(x) for x in _LANGS):
            raise InputError(f"{path}: safeguard '{key}' needs both an en and a zh text.")
    for rule, spec in rules.items():
        if not isinstance(spec, Mapping):
            raise InputError(f"{path}: rule '{rule}' must be a mapping.")
        for slot in ("problem", "recommendation"):
            text = spec.get(slot)
            if text is not None and (
                not isinstance(text, Mapping) or any(not text.get(x) for x in _LANGS)
            ):
                raise InputError(f"{path}: rule '{rule}': {slot} needs both an en and a zh text.")
        for sid in spec.get("safeguards", ()):
            if sid not in safeguards:
                raise InputError(f"{path}: rule '{rule}' names unknown safeguard '{sid}'.")
    return CaseTexts(
        case=str(doc.get("case") or path.name[: -len("_texts.yaml")]),
        title={str(k): str(v) for k, v in (doc.get("title") or {}).items()},
        safeguards={str(k): dict(v) for k, v in safeguards.items()},
        rules={str(k): dict(v) for k, v in rules.items()},
    )


@cache
def case_texts(case: str | None) -> CaseTexts | None:
    """The texts of a case layer, or ``None`` for a study without a case.

    Parameters
    ----------
    case : str or None
        A name of :func:`known_cases` (e.g. ``"d_company"``).

    Returns
    -------
    CaseTexts or None

    Raises
    ------
    InputError
        An unknown case, or a malformed case file (one sentence naming the file).

    Examples
    --------
    >>> case_texts(None) is None
    True
    >>> case_texts("d_company").references("perception_gap")
    ('thesis',)
    """
    if case is None:
        return None
    path = CASES_DIR / f"{case}_texts.yaml"
    if not path.is_file():
        raise InputError(
            f"Unknown case '{case}'; the cases are {', '.join(known_cases()) or 'none'}."
        )
    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    return _check(doc, path)
