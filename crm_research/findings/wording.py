"""How findings quote numbers and name things: rounding, labels from the instruments, sentences."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

import numpy as np

from crm_research.errors import InputError, InstrumentError
from crm_research.instrument import Instrument, load_instrument
from crm_research.study import TABLE_DECIMALS


def _quoted(value: Decimal, digits: int) -> str:
    """``value`` (a table value as written) to ``digits`` decimals; one more on an exact tie.

    A table holds ``3.925000``: a reader rounding it half up reads 3.93, binary floating point
    (3.92499999...) gives 3.92.  Quoting ``3.925`` is what the table says under every rounding
    convention, so a tie keeps the decimal that decides it.
    """
    step = Decimal(1).scaleb(-digits)
    if abs(value - value.quantize(step, rounding=ROUND_HALF_EVEN)) * 2 == step:
        digits += 1
    text = f"{value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN):f}"
    return "0" + text[2:] if text.startswith("-0") and not text.strip("-0.") else text


def number_text(x: Any, digits: int = 2) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if not np.isfinite(float(x)):
        return f"{float(x):.{digits}f}"
    return _quoted(Decimal(f"{float(x):.{TABLE_DECIMALS}f}"), digits)


def percent_text(x: Any) -> str:
    if x is None:
        return "n/a"
    if not np.isfinite(float(x)):
        return f"{100 * float(x):.1f}%"
    return _quoted(Decimal(f"{float(x):.{TABLE_DECIMALS}f}").scaleb(2), 1) + "%"


#: The shipped instruments, in the order their labels are looked up after the study's own:
#: the names a finding quotes (scales, cities, customer types, roles, scorecard categories)
#: are ids of these instruments unless the client's instruments declare others.
SHIPPED_INSTRUMENTS = ("d_company_customer", "d_company_employee", "crm_implementation_scorecard")


@cache
def _shipped_instrument(name: str) -> Instrument | None:
    try:
        return load_instrument(name)
    except (InstrumentError, InputError, OSError):
        return None


class Names:
    """The names, in the reader's language, of the ids a finding quotes.

    Labels come from the study's instruments (customers, employees, then the scorecard the
    study names in its parameters) and then from :data:`SHIPPED_INSTRUMENTS`; an id that no
    instrument labels is quoted as it is.  Evidence keeps the ids; only sentences use names.
    """

    def __init__(self, study: Any) -> None:
        found: list[Instrument] = []
        for which in ("customers", "employees"):
            inst = getattr(getattr(study, which, None), "instrument", None)
            if isinstance(inst, Instrument):
                found.append(inst)
        scorecard = (getattr(study, "parameters", None) or {}).get("scorecard_instrument")
        for name in ((scorecard,) if isinstance(scorecard, str) else ()) + SHIPPED_INSTRUMENTS:
            inst = _shipped_instrument(name)
            if inst is not None and all(inst is not seen for seen in found):
                found.append(inst)
        self.instruments = tuple(found)

    def scale(self, scale_id: str, lang: str) -> str:
        """``Scale.name[lang]`` of the first instrument that names ``scale_id``."""
        for inst in self.instruments:
            for sc in inst.scales:
                if sc.id == scale_id and sc.name.get(lang):
                    return sc.name[lang]
        return scale_id

    def level(self, column: str, level: str, lang: str) -> str:
        """The label of ``level`` of the categorical metadata column ``column``."""
        for inst in self.instruments:
            for meta in inst.metadata:
                if meta.id == column and lang in meta.level_labels.get(level, {}):
                    return meta.level_label(level, lang)
        return level

    def facet_level(self, facet: str, level: str, lang: str) -> str:
        """The label of ``level`` of the facet ``facet`` (e.g. a scorecard category)."""
        for inst in self.instruments:
            spec = inst.facets.get(facet)
            for lv in spec.levels if spec is not None else ():
                if lv.id == level and lv.label.get(lang):
                    return lv.label[lang]
        return level

    def scale_in_sentence(self, scale_id: str) -> str:
        """The English scale name inside a sentence (``"customer identification"``)."""
        return lower_first(self.scale(scale_id, "en"))

    def column(self, column: str, lang: str) -> str:
        """The label of the metadata column ``column`` (e.g. ``Role`` / ``岗位``), else its id."""
        for inst in self.instruments:
            for meta in inst.metadata:
                if meta.id == column and meta.label.get(lang):
                    return meta.label[lang]
        return column

    def customers_of_type(self, level: str, column: str = "customer_type") -> str:
        """English plural for the customers of a ``customer_type`` level: a label naming a
        customer is pluralised (``"engineering (project) customers"``), any other label
        qualifies "customers" as a compound modifier (``"end-user customers"``)."""
        label = self.level(column, level, "en")
        if label == level:
            return f"{level} customers"
        label = lower_first(label)
        if label.endswith("customer"):
            return label + "s"
        if label.endswith("customers"):
            return label
        return f"{label.replace(' ', '-')} customers"


def lower_first(label: str) -> str:
    """Lower-case a label's first letter unless its first word is an acronym (``CRM``)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


def capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def item_text(study: Any, which: str, item_id: str, lang: str) -> str:
    data = getattr(study, which, None)
    inst = getattr(data, "instrument", None)
    try:
        text = inst.item(item_id).text.get(lang, "") if inst is not None else ""
    except KeyError:
        text = ""
    return f"{item_id} ({text})" if text else item_id


def level_sentence(
    names: Names, scale: str, ev: Mapping[str, Any], who: str = "customers"
) -> tuple[str, str]:
    who_zh = "客户" if who == "customers" else "员工"
    en = (
        f"{who.capitalize()} rate {names.scale_in_sentence(scale)} at {number_text(ev['mean'])} on the "
        f"1-5 scale (midpoint "
        f"{number_text(ev['midpoint'], 1)}; d = {number_text(ev['d'])}, 95% CI {number_text(ev['d_ci_low'])} to "
        f"{number_text(ev['d_ci_high'])}, n = {ev['n']})."
    )
    zh = (
        f"{who_zh}对“{names.scale(scale, 'zh')}”的平均评分为 {number_text(ev['mean'])}(1-5 分,中点 "
        f"{number_text(ev['midpoint'], 1)};d = {number_text(ev['d'])},95% 置信区间 {number_text(ev['d_ci_low'])} 至 "
        f"{number_text(ev['d_ci_high'])},n = {ev['n']})。"
    )
    return en, zh


def gap_sentence(dim: str, ev: Mapping[str, Any]) -> tuple[str, str]:
    if "gap" not in ev:
        return "", ""
    en = (
        f" Employees rate themselves at {number_text(ev['employee_mean'])} on the same dimension "
        f"(gap {number_text(ev['gap'])}, Hedges' g = {number_text(ev['gap_g'])})."
    )
    zh = (
        f"员工自评同一维度为 {number_text(ev['employee_mean'])}(差距 {number_text(ev['gap'])},"
        f"Hedges' g = {number_text(ev['gap_g'])})。"
    )
    return en, zh
