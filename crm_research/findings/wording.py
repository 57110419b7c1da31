"""How findings quote numbers and name things: rounding, labels from the instruments, sentences."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import numpy as np

from crm_research.errors import InputError, InstrumentError
from crm_research.instrument import Instrument, load_instrument
from crm_research.study import TABLE_DECIMALS
from crm_research.study.inputs import HIDDEN_LEVEL, HIDDEN_LEVEL_LABEL

#: The report's one decimal rule, per kind of quantity (APA Publication Manual, 7th ed.,
#: §6.36: "round to two decimal places ... correlations, proportions and inferential
#: statistics to two or three"; we use three for coefficients and indices so that values
#: near the cited cut-offs .70/.50/.85 stay distinguishable): means 2; coefficients and
#: indices (r, α, ω, loadings, d, g, η², κ, HHI, Gini, CR, AVE, HTMT, fit indices) 3;
#: percentages 1 (NPS, on -100..100, too); counts and money 0.  p-values:
#: :func:`format_p_apa`.  Tables (report/display.py), sentences and evidence use these.
DECIMALS = {
    "mean": 2, "coefficient": 3, "index": 3, "percent": 1, "nps": 1, "count": 0, "money": 0,
}  # fmt: skip


def _rounded(value: float, digits: int) -> Decimal:
    """``value`` as a table writes it (``TABLE_DECIMALS`` decimals), rounded half away from
    zero to ``digits``: the same digits whoever rounds the written table value."""
    written = Decimal(f"{float(value):.{TABLE_DECIMALS}f}")
    return written.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fixed_text(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and thousands separators, by the one rounding rule
    (the table value as written, half away from zero).

    Examples
    --------
    >>> fixed_text(2.675, 2), fixed_text(1234.5, 0), fixed_text(-0.0004, 3)
    ('2.68', '1,235', '0.000')
    """
    text = f"{_rounded(float(value), digits):,f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def format_number(value: Any, kind: str) -> str:
    """A number as text by the report's one rule for its kind of quantity (:data:`DECIMALS`).

    Parameters
    ----------
    value : float
    kind : {"mean", "coefficient", "index", "percent", "nps", "count", "money", "p"}
        ``percent`` takes a value already in percent and adds ``%``; ``money`` and
        ``count`` get thousands separators; ``p`` is :func:`format_p_apa`.

    Returns
    -------
    str
        ``—`` for a missing value; a minus sign is not kept on a value that rounds to 0.

    Examples
    --------
    >>> format_number(3.6944, "mean"), format_number(0.37555, "index"), format_number(67.04, "percent")
    ('3.69', '0.376', '67.0%')
    >>> format_number(1234567.4, "money"), format_number(-0.0001, "coefficient"), format_number(0.02, "p")
    ('1,234,567', '0.000', 'p = .020')
    >>> format_number(2.735, "mean"), format_number(2.675, "mean")  # one rule, ties away from 0
    ('2.74', '2.68')
    """
    if kind == "p":
        return format_p_apa(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v != v:
        return "—"
    try:
        digits = DECIMALS[kind]
    except KeyError:
        raise ValueError(f"Unknown kind of quantity '{kind}'.") from None
    if not np.isfinite(v):
        return str(v)
    text = f"{_rounded(v, digits):,f}"
    if text.startswith("-") and float(text[1:].replace(",", "")) == 0:
        text = text[1:]
    return text + "%" if kind == "percent" else text


def format_p(value: Any) -> str:
    """A p-value as a report shows it: ``< .001``, else three decimals without the zero.

    Examples
    --------
    >>> format_p(1e-9), format_p(0.0123), format_p(0.5), format_p(float("nan"))
    ('< .001', '.012', '.500', '—')
    """
    try:
        p = float(value)
    except (TypeError, ValueError):
        return str(value)
    if p != p:
        return "—"
    if p < 0.001:
        return "< .001"
    return f"{p:.3f}".replace("0.", ".", 1) if p < 1 else "1.000"


def format_p_apa(value: Any) -> str:
    """A p-value in a sentence, APA style: ``p < .001`` or ``p = .032`` (no leading zero).

    Examples
    --------
    >>> format_p_apa(1e-7), format_p_apa(0.0321), format_p_apa(1.0)
    ('p < .001', 'p = .032', 'p = 1.000')
    """
    shown = format_p(value)
    if shown == "—":
        return shown
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


#: Kind of quantity of a table column, for quoting it (:func:`quantity_kind`).
_COUNT_COLUMNS = {"n", "customers", "n_customers", "groups", "employee_n", "customer_n",
                  "top_customers", "n_promoters", "n_passives", "n_detractors"}  # fmt: skip
_MEAN_COLUMNS = {"mean", "employee_mean", "customer_mean", "mean_before", "mean_after",
                 "mean_satisfaction", "mean_loyalty", "reference", "diff", "gap", "sd"}  # fmt: skip
_SHARE_COLUMNS = {"top_share", "top2_share", "top_revenue_share", "share", "share_below",
                  "share_above", "a_cut", "b_cut"}  # fmt: skip


def quantity_kind(table: str, column: str) -> str:
    """The kind of quantity of ``column`` of ``table`` (a key of :data:`DECIMALS`, ``"p"``,
    or ``"share"`` for a 0-1 proportion quoted as a percentage).

    Examples
    --------
    >>> quantity_kind("customer_scale_scores_summary", "mean"), quantity_kind("nps", "nps")
    ('mean', 'nps')
    >>> quantity_kind("perception_gap", "ci_low"), quantity_kind("classification_agreement", "ci_low")
    ('mean', 'coefficient')
    >>> quantity_kind("abc_summary", "percent_revenue"), quantity_kind("revenue_concentration", "gini")
    ('percent', 'coefficient')
    """
    if column in ("p_value", "p_holm", "f_pvalue") or column.endswith("_p"):
        return "p"
    if column in _COUNT_COLUMNS:
        return "count"
    if column == "nps":
        return "nps"
    if column.startswith("percent") or column.endswith("_percent") or column.startswith("pct_"):
        return "percent"
    if column in _SHARE_COLUMNS:
        return "share"
    if column in _MEAN_COLUMNS:
        return "mean"
    if column in ("ci_low", "ci_high") and table in (
        "perception_gap", "customer_scale_scores_summary", "employee_scale_scores_summary",
    ):  # fmt: skip
        return "mean"
    if column in ("revenue", "total_revenue"):
        return "money"
    return "coefficient"


def quote(value: Any, table: str, column: str) -> str:
    """A table value quoted by the one rounding rule of its kind (:func:`quantity_kind`).

    Examples
    --------
    >>> quote(0.635064, "revenue_concentration", "top_revenue_share")
    '63.5%'
    >>> quote(-31.333333, "nps", "nps"), quote(150, "nps", "n")
    ('-31.3', '150')
    """
    if isinstance(value, str) or value is None:
        return "n/a" if value is None else value
    kind = quantity_kind(table, column)
    if kind == "share":
        return percent_text(value)
    return format_number(value, kind)


def number_text(x: Any, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals by the report's rounding rule (see :func:`format_number`;
    means 2, coefficients 3, percentages 1 -- the callers pass the digits of the kind)."""
    if x is None:
        return "n/a"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if not np.isfinite(float(x)):
        return f"{float(x):.{digits}f}"
    text = f"{_rounded(float(x), digits):f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def coef_text(x: Any) -> str:
    """A coefficient or index (d, g, η², κ, w, Gini, HHI) with :data:`DECIMALS` ``coefficient``."""
    return number_text(x, DECIMALS["coefficient"])


def percent_text(x: Any) -> str:
    """A 0-1 proportion as a percentage with :data:`DECIMALS` ``percent`` decimals."""
    if x is None:
        return "n/a"
    if not np.isfinite(float(x)):
        return f"{100 * float(x):.1f}%"
    return number_text(100 * float(f"{float(x):.{TABLE_DECIMALS}f}"), DECIMALS["percent"]) + "%"


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
        if level == HIDDEN_LEVEL:  # a ledger label that looked like personal data
            return HIDDEN_LEVEL_LABEL[lang]
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
        f"{number_text(ev['midpoint'])}; d = {coef_text(ev['d'])}, 95% CI {coef_text(ev['d_ci_low'])} to "
        f"{coef_text(ev['d_ci_high'])}, n = {ev['n']})."
    )
    zh = (
        f"{who_zh}对“{names.scale(scale, 'zh')}”的平均评分为 {number_text(ev['mean'])}(1-5 分,中点 "
        f"{number_text(ev['midpoint'])};d = {coef_text(ev['d'])},95% 置信区间 {coef_text(ev['d_ci_low'])} 至 "
        f"{coef_text(ev['d_ci_high'])},n = {ev['n']})。"
    )
    return en, zh


def gap_sentence(dim: str, ev: Mapping[str, Any]) -> tuple[str, str]:
    if "gap" not in ev:
        return "", ""
    en = (
        f" Employees rate themselves at {number_text(ev['employee_mean'])} on the same dimension "
        f"(gap {number_text(ev['gap'])}, Hedges' g = {coef_text(ev['gap_g'])})."
    )
    zh = (
        f"员工自评同一维度为 {number_text(ev['employee_mean'])}(差距 {number_text(ev['gap'])},"
        f"Hedges' g = {coef_text(ev['gap_g'])})。"
    )
    return en, zh
