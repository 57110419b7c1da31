"""The document around the analysis chapters: summary, method, causes, safeguards, limitations.

A report is read in the order of a thesis: title page → executive summary → introduction
and method → the analysis chapters (the notebooks) → problems and their causes → optimisation
plan → safeguards → limitations and conclusion → appendices.  The notebooks write the
analysis chapters and the plan; this module writes the rest from the study's tables and the
findings records, as HTML sections with stable ids (:data:`SECTION_IDS`), which
:func:`crm_research.report.html.build_report` places and numbers:

=========================  ===========================================================
section id                 where
=========================  ===========================================================
``summary``                after the contents (unnumbered, one page)
``method``                 chapter 1
``causes``                 in the problems chapter, before the optimisation plan
``safeguards``             after the plan (replaces the notebook's generic list)
``limitations``            the last chapter
``appendix-provenance``    the last appendix (SHA-256, instrument ids, seed, version)
=========================  ===========================================================

Every number comes from a table of the study (the HTML tables carry ``data-crm-table``) or a
finding record; ``{{table:NAME}}`` in the text is replaced by the number of that table's
caption (表3-2 / Table 3.2) when the page is assembled.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crm_research.report.display import SEVERITY_ORDER, format_number, headline, zh_punctuation
from crm_research.report.doc_text import DOCUMENT_TEXT, TABLE_CAPTIONS
from crm_research.report.text import ID_LABELS, check_lang, text

__all__ = [
    "CASE_REFERENCES",
    "METHOD_REFERENCES",
    "SECTION_IDS",
    "THESIS_REFERENCE",
    "document_sections",
    "ranked_findings",
    "table_ref",
]

#: The document's stable section ids, in reading order.
SECTION_IDS = (
    "summary",
    "method",
    "causes",
    "plan",
    "safeguards",
    "limitations",
    "appendix-provenance",
)
#: The D-company thesis: the source text (shared seed 001) gives its title, its method and its
#: subject but not its author, institution or year; it is cited with what the source gives.
THESIS_REFERENCE = (
    "佚名 (n.d.). D公司客户关系管理优化研究 [Optimising customer relationship management at "
    "D company] [硕士学位论文 / Master's thesis; author, institution and year not given in "
    "the source text]."
)
#: The short citation of the thesis in the text.
THESIS_CITATION = {"zh": "D公司客户关系管理优化研究，硕士学位论文", "en": "the D-company master's thesis"}
#: Methods of the method chapter: catalogue key -> short citation.
METHODS = (
    ("m.descriptives", "Cohen (1988)"),
    ("m.effect", "Cohen (1988)"),
    ("m.reliability", "Cronbach (1951); McDonald (1999)"),
    ("m.factor", "Fornell & Larcker (1981); Henseler, Ringle & Sarstedt (2015)"),
    ("m.groups", "Holm (1979)"),
    ("m.idic", "Peppers & Rogers (2004)"),
    ("m.satloy", "Jones & Sasser (1995)"),
    ("m.nps", "Reichheld (2003)"),
    ("m.abc", "Dickie (1951); Rhoades (1993)"),
    ("m.kappa", "Cohen (1960); Landis & Koch (1977)"),
)
#: Full references the method chapter adds to the appendix's list.
METHOD_REFERENCES = (
    "Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.",
    "Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*, 16(3), 297–334.",
    "Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of Statistics*, 6(2), 65–70.",
    "Rhoades, S. A. (1993). The Herfindahl-Hirschman index. *Federal Reserve Bulletin*, 79(3), 188–189.",
)
#: References a report of the D-company case adds (the method chapter cites the thesis).
CASE_REFERENCES = (THESIS_REFERENCE,)
#: Safeguards in the order the chapter lists them (ids shared with the findings' plan).
SAFEGUARD_IDS = ("institutional", "training", "funding", "technology", "personnel", "customer")


def _say(key: str, lang: str, **values: object) -> str:
    return text(DOCUMENT_TEXT, key, lang, **values)


def _inline(markdown: str) -> str:
    """Escaped text with ``**bold**`` as ``<strong>``."""
    escaped = html.escape(markdown, quote=False)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def table_ref(name: str) -> str:
    """The placeholder html.py replaces with the number of table ``name`` (表3-2 / Table 3.2)."""
    return "{{table:" + name + "}}"


def _label(key: str, lang: str) -> str:
    return ID_LABELS.get(key, {}).get(lang, key)


def _html_table(
    name: str, header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]
) -> str:
    cls = ["crm-num" if n else "crm-text" for n in numeric]
    head = "".join(f'<th class="{c}">{html.escape(h)}</th>' for h, c in zip(header, cls, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{c}">{html.escape(str(v))}</td>' for v, c in zip(row, cls, strict=True))
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="crm-document-table" data-crm-table="{html.escape(name)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def ranked_findings(findings: Sequence[Any]) -> list[Any]:
    """Findings in the plan's order: ``priority`` (1 first) when set, else by severity.

    Findings without a priority keep their order within a severity band; ``info`` findings
    come last.

    Examples
    --------
    >>> from types import SimpleNamespace as F
    >>> [f.id for f in ranked_findings([F(id="a", severity="minor"), F(id="b", severity="major")])]
    ['b', 'a']
    """

    def key(pair: tuple[int, Any]) -> tuple:
        n, f = pair
        priority = getattr(f, "priority", None)
        band = SEVERITY_ORDER.get(getattr(f, "severity", "info"), 9)
        return (0, priority, 0) if priority is not None else (1, band, n)

    return [f for _, f in sorted(enumerate(findings), key=key)]


def _employee_roles(study: Any) -> Any:
    """The employee instrument's declared roles (``system_use``, ``enablers``), or None."""
    roles = getattr(study, "employee_roles", None)
    if roles is not None:
        return roles
    employees = getattr(study, "employees", None)
    return getattr(getattr(employees, "instrument", None), "roles", None)


def _level_label(study: Any, column: str, level: str, lang: str) -> str:
    """The employee instrument's label of ``level`` of ``column`` (the id otherwise)."""
    try:
        return study.employees.instrument.meta(column).level_label(level, lang)
    except Exception:  # noqa: BLE001 - a column the instrument does not declare
        return _label(level, lang)


def _scale_label(study: Any, scale: str, lang: str) -> str:
    for data in (study.employees, study.customers):
        for sc in getattr(getattr(data, "instrument", None), "scales", ()):
            if sc.id == scale and sc.name.get(lang):
                return sc.name[lang]
    return _label(scale, lang)


#: What separates two sentences (Chinese sentences follow each other without a space).
SENTENCE_SPACE = {"zh": "", "en": " "}
#: How each language sets a finding's text (Chinese with full-width punctuation).
TYPESET = {"zh": zh_punctuation, "en": str}


def _problem(f: Any, lang: str) -> str:
    return TYPESET[lang](headline(f.problem[lang]))


def _action(f: Any, lang: str) -> str:
    return TYPESET[lang](headline(f.recommendation[lang]))


def _actionable(findings: Sequence[Any]) -> list[Any]:
    return [f for f in ranked_findings(findings) if getattr(f, "severity", "info") != "info"]


def summary_section(
    study: Any, findings: Sequence[Any], lang: str, *, case: bool, simulated: bool
) -> str:
    """The executive summary (``section#summary``): purpose, data, problems, first actions."""
    company = _say("summary.company.case" if case else "summary.company.generic", lang)
    parts = [f'<h1 id="summary">{_say("summary.title", lang)}</h1>']
    parts.append(f"<p>{_inline(_say('summary.purpose', lang, company=company))}</p>")
    data = []
    quality = study.tables.get("quality_summary")
    if quality is not None:
        for row in quality.itertuples(index=False):
            key = f"summary.data.{row.input}"
            if key in DOCUMENT_TEXT:
                data.append(_say(key, lang, n=format_number(row.respondents, "count")))
    if "abc" in study.tables:
        data.append(_say("summary.data.ledger", lang, n=format_number(len(study.tables["abc"]), "count")))
    sep = text({"s": {"zh": "；", "en": "; "}}, "s", lang)
    data_text = _say("summary.data", lang, parts=sep.join(data))
    if simulated:
        data_text += SENTENCE_SPACE[lang] + _say("summary.simulated", lang)
    parts.append(f"<p>{_inline(data_text)}</p>")
    ranked = _actionable(findings)
    if not ranked:
        parts.append(f"<p>{_inline(_say('summary.none', lang))}</p>")
        return "\n".join(parts)
    parts.append(f"<p>{_inline(_say('summary.problems', lang))}</p><ol>")
    for f in ranked:
        band = _say(f"severity.{f.severity}", lang)
        band = _say("summary.band", lang, band=band)
        parts.append(f"<li>{html.escape(_problem(f, lang))} <em>{html.escape(band)}</em></li>")
    parts.append("</ol>")
    parts.append(f"<p>{_inline(_say('summary.actions', lang))}</p><ol>")
    for f in ranked[:3]:
        parts.append(f"<li>{html.escape(_action(f, lang))}</li>")
    parts.append("</ol>")
    return "\n".join(parts)


def method_section(study: Any, lang: str, *, case: bool) -> str:
    """Introduction and method (``#method``): sample, responses, instruments, methods."""
    parts = [f'<h1 id="method">{_say("method.title", lang)}</h1>']
    parts.append(f"<p>{_inline(_say('method.intro', lang))}</p>")
    parts.append(f"<h2>{_say('method.sample.title', lang)}</h2>")
    sample = (
        _say("method.sample.case", lang, thesis=THESIS_CITATION[lang])
        if case
        else _say("method.sample.generic", lang)
    )
    parts.append(f"<p>{_inline(sample)}</p>")
    quality = study.tables.get("quality_summary")
    if quality is not None:
        parts.append(f"<p>{_inline(_say('method.responses', lang, table=table_ref('quality_summary')))}</p>")
    # instruments: scales and items of each survey
    parts.append(f"<h2>{_say('method.instruments.title', lang)}</h2>")
    parts.append(f"<p>{_inline(_say('method.instruments', lang, table=table_ref('document.instruments')))}</p>")
    rows = []
    for kind, data in (("customers", study.customers), ("employees", study.employees)):
        instrument = getattr(data, "instrument", None)
        if instrument is None:
            continue
        for scale in instrument.scales:
            n_items = len(getattr(scale, "items", ()) or ())
            if not n_items:
                continue
            label = (getattr(scale, "name", None) or {}).get(lang) or _label(scale.id, lang)
            rows.append((_say(f"input.{kind}", lang), label, format_number(n_items, "count")))
    header = [_say(f"method.col.{c}", lang) for c in ("instrument", "scale", "items")]
    parts.append(_html_table("document.instruments", header, rows, (False, False, True)))
    parts.append(f"<h2>{_say('method.methods.title', lang)}</h2>")
    parts.append(f"<p>{_inline(_say('method.methods', lang, table=table_ref('document.methods')))}</p>")
    rows = [(_say(k, lang), _say(f"{k}.use", lang), cite) for k, cite in METHODS]
    header = [_say(f"method.col.{c}", lang) for c in ("method", "purpose", "reference")]
    parts.append(_html_table("document.methods", header, rows, (False, False, False)))
    return "\n".join(parts)


def _row(frame: pd.DataFrame, column: str, value: str) -> Any:
    hit = frame[frame[column] == value]
    return None if hit.empty else hit.iloc[0]


def causes_section(study: Any, findings: Sequence[Any], lang: str) -> str:
    """Problems and their causes (``#causes``): evidence-linked, from the tables."""
    parts = [f'<h2 id="causes">{_say("causes.title", lang)}</h2>']
    parts.append(f"<p>{_inline(_say('causes.intro', lang))}</p>")
    found = False
    employees = study.tables.get("employee_scale_scores_summary")
    roles = _employee_roles(study)
    system_use = next(iter(getattr(roles, "system_use", ()) or ()), None)
    use = None if employees is None or system_use is None else _row(employees, "scale", system_use)
    if use is not None:
        found = True
        parts.append(f"<h3>{_say('causes.crm.title', lang)}</h3>")
        parts.append(
            "<p>"
            + _inline(
                _say(
                    "causes.crm.level",
                    lang,
                    mean=format_number(use["mean"], "mean"),
                    mid=format_number(use["reference"], "mean"),
                    d=format_number(use["d"], "coefficient"),
                    lo=format_number(use["d_ci_low"], "coefficient"),
                    hi=format_number(use["d_ci_high"], "coefficient"),
                    table=table_ref("employee_scale_scores_summary"),
                )
            )
            + "</p><ul>"
        )
        for scale in getattr(roles, "enablers", ()) or ():
            row = _row(employees, "scale", scale)
            if row is None:
                continue
            if row["d_ci_high"] < 0:
                key = "causes.crm.factor.below"
            elif row["d_ci_low"] > 0:
                key = "causes.crm.factor.above"
            else:
                key = "causes.crm.factor.unclear"
            sentence = _say(
                key,
                lang,
                scale=_scale_label(study, scale, lang),
                mean=format_number(row["mean"], "mean"),
                d=format_number(row["d"], "coefficient"),
                lo=format_number(row["d_ci_low"], "coefficient"),
                hi=format_number(row["d_ci_high"], "coefficient"),
            )
            parts.append(f"<li>{_inline(sentence)}</li>")
        parts.append("</ul>")
        by_role = study.tables.get("crm_use_by_role")
        if by_role is not None and not by_role.empty:
            usable = by_role[by_role["n"] >= 2]
            if not usable.empty:
                low = usable.sort_values(["mean", "level"]).iloc[0]
                sentence = _say(
                    "causes.crm.role",
                    lang,
                    role=_level_label(study, str(low["group"]), str(low["level"]), lang),
                    mean=format_number(low["mean"], "mean"),
                    n=format_number(low["n"], "count"),
                    table=table_ref("crm_use_by_role"),
                )
                parts.append(f"<p>{_inline(sentence)}</p>")
    gap = study.tables.get("perception_gap")
    if gap is not None and not gap.empty and (gap["gap"] > 0).any():
        found = True
        positive = gap[gap["gap"] > 0]
        parts.append(f"<h3>{_say('causes.gap.title', lang)}</h3>")
        sentence = _say(
            "causes.gap",
            lang,
            k=format_number(len(positive), "count"),
            low=format_number(positive["gap"].min(), "mean"),
            high=format_number(positive["gap"].max(), "mean"),
            table=table_ref("perception_gap"),
        )
        parts.append(f"<p>{_inline(sentence)}</p>")
    satloy = study.tables.get("satisfaction_loyalty")
    merc = None if satloy is None else _row(satloy, "segment", "mercenary")
    if merc is not None and merc["n"] > 0:
        found = True
        parts.append(f"<h3>{_say('causes.satloy.title', lang)}</h3>")
        sentence = _say(
            "causes.satloy",
            lang,
            share=format_number(merc["percent"], "percent"),
            table=table_ref("satisfaction_loyalty"),
        )
        parts.append(f"<p>{_inline(sentence)}</p>")
    if not found:
        parts.append(f"<p>{_inline(_say('causes.none', lang))}</p>")
    return "\n".join(parts)


def _safeguard_texts(lang: str) -> dict[str, str]:
    """Safeguard id -> text: the findings' plan catalogue when it has one, else ours."""
    try:  # the plan of the findings (issue 13) may hold the case's safeguard texts
        from crm_research.findings import plan  # noqa: PLC0415

        texts = getattr(plan, "SAFEGUARDS", {}) or {}
    except ImportError:  # pragma: no cover - the plan module is optional
        texts = {}
    out = {}
    for sid in SAFEGUARD_IDS:
        entry = texts.get(sid)
        found = entry[lang] if isinstance(entry, Mapping) and lang in entry else None
        out[sid] = TYPESET[lang](found) if found else _say(f"sg.{sid}", lang)
    return out


def safeguards_section(findings: Sequence[Any], lang: str) -> str:
    """Safeguards (``#safeguards``), once, each with the actions (by priority) it supports."""
    ranked = _actionable(findings)
    number = {id(f): k for k, f in enumerate(ranked, start=1)}
    parts = [f'<h2 id="safeguards">{_say("safeguards.title", lang)}</h2>']
    parts.append(f"<p>{_inline(_say('safeguards.intro', lang))}</p><ul>")
    linked = any(getattr(f, "safeguards", None) for f in ranked)
    sep = text({"s": {"zh": "、", "en": ", "}}, "s", lang)
    for sid, body in _safeguard_texts(lang).items():
        if linked:
            actions = [str(number[id(f)]) for f in ranked if sid in (getattr(f, "safeguards", ()) or ())]
            if not actions:
                continue
            tail = _say("safeguards.supports", lang, actions=sep.join(actions))
        else:
            tail = _say("safeguards.all", lang) if ranked else ""
        parts.append(f"<li>{_inline(body)} {_inline(tail)}</li>")
    parts.append("</ul>")
    return "\n".join(parts)


def limitations_section(
    study: Any, findings: Sequence[Any], lang: str, *, simulated: bool
) -> str:
    """Limitations and conclusion (``#limitations``)."""
    parts = [f'<h1 id="limitations">{_say("limitations.title", lang)}</h1>']
    parts.append(f"<h2>{_say('limitations.heading', lang)}</h2><ul>")
    items = []
    if simulated:
        items.append(_say("limitations.simulated", lang))
    items.append(_say("limitations.cross_section", lang))
    quality = study.tables.get("quality_summary")
    emp = None if quality is None else _row(quality, "input", "employees")
    if emp is not None and emp["respondents"] < 100:
        items.append(_say("limitations.employees", lang, n=format_number(emp["respondents"], "count")))
    items.append(_say("limitations.self_report", lang))
    if "perception_gap" in study.tables:
        items.append(_say("limitations.gap", lang))
    parts += [f"<li>{_inline(i)}</li>" for i in items]
    parts.append("</ul>")
    parts.append(f"<h2>{_say('conclusion.heading', lang)}</h2>")
    ranked = _actionable(findings)
    if ranked:
        counts = {s: sum(f.severity == s for f in findings) for s in ("major", "moderate")}
        sep = text({"s": {"zh": "；", "en": "; "}}, "s", lang)
        sentence = _say(
            "conclusion.text",
            lang,
            n=len(findings),
            major=counts["major"],
            moderate=counts["moderate"],
            first=sep.join(_problem(f, lang) for f in ranked[:3]),
        )
    else:
        sentence = _say("conclusion.none", lang)
    parts.append(f"<p>{_inline(sentence)}</p>")
    return "\n".join(parts)


def provenance_section(facts: Sequence[tuple[str, str]], lang: str) -> str:
    """The provenance appendix (``#appendix-provenance``): hashes, instruments, seed, version."""
    parts = [f'<h1 id="appendix-provenance">{_say("provenance.title", lang)}</h1>']
    parts.append(f"<p>{_inline(_say('provenance.intro', lang))}</p>")
    header = [_say("provenance.col.item", lang), _say("provenance.col.value", lang)]
    parts.append(_html_table("document.inputs", header, list(facts), (False, False)))
    return "\n".join(parts)


def document_sections(
    study: Any,
    findings: Sequence[Any],
    lang: str,
    *,
    simulated: bool = False,
    case: bool = False,
    facts: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Every section this module writes, by section id (HTML), for :func:`build_report`.

    Parameters
    ----------
    study : StudyResult
    findings : sequence of Finding
    lang : {"zh", "en"}
    simulated : bool
        The data are simulated (the summary and the limitations say so).
    case : bool
        The D-company case: the method chapter describes the thesis' sampling frame.
    facts : sequence of (str, str)
        Rows of the provenance appendix (inputs with SHA-256, instruments, seed, version).

    Returns
    -------
    dict
        Section id -> HTML (``summary``, ``method``, ``causes``, ``safeguards``,
        ``limitations``, ``appendix-provenance``).
    """
    check_lang(lang)
    return {
        "summary": summary_section(study, findings, lang, case=case, simulated=simulated),
        "method": method_section(study, lang, case=case),
        "causes": causes_section(study, findings, lang),
        "safeguards": safeguards_section(findings, lang),
        "limitations": limitations_section(study, findings, lang, simulated=simulated),
        "appendix-provenance": provenance_section(facts, lang),
    }


#: Table captions this module's own tables use (see :data:`TABLE_CAPTIONS`).
DOCUMENT_TABLES = tuple(k for k in TABLE_CAPTIONS if k.startswith("document."))
