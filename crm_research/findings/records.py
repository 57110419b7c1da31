"""Findings as records (``findings.json``), as a table, and as Markdown (``findings.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crm_research.errors import InputError
from crm_research.findings.evidence import Finding
from crm_research.findings.wording import quote
from crm_research.instrument import LANGS


def findings_to_records(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """JSON-able list of finding records (see :meth:`Finding.to_record`).

    Examples
    --------
    >>> findings_to_records([])
    []
    """
    return [f.to_record() for f in findings]


def findings_to_frame(findings: Sequence[Finding], lang: str = "en") -> pd.DataFrame:
    """One row per finding: ``id, area, severity, problem, recommendation, framework,
    priority, owner, horizon, kpi`` (the plan: :mod:`crm_research.findings.plan`).

    Examples
    --------
    >>> findings_to_frame([]).columns.tolist()[:3]
    ['id', 'area', 'severity']
    """
    cols = ["id", "area", "severity", "problem", "recommendation", "framework", "priority",
            "owner", "horizon", "kpi"]  # fmt: skip
    return pd.DataFrame(
        [
            [f.id, f.area, f.severity, f.problem[lang], f.recommendation[lang], f.framework,
             f.priority, f.owner, f.horizon, f.kpi]
            for f in findings
        ],
        columns=cols,
    )  # fmt: skip


#: The words of ``findings.md``: id -> one text per language.
RENDER_TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "# 发现与建议", "en": "# Findings and recommendations"},
    "none": {"zh": "(无)", "en": "(none)"},
    "problem": {"zh": "问题", "en": "Problem"},
    "recommendation": {"zh": "建议", "en": "Recommendation"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "framework": {"zh": "理论框架", "en": "Framework"},
    "severity.info": {"zh": "信息", "en": "info"},
    "severity.minor": {"zh": "轻微", "en": "minor"},
    "severity.moderate": {"zh": "中等", "en": "moderate"},
    "severity.major": {"zh": "严重", "en": "major"},
    "area.identification": {"zh": "客户识别", "en": "Customer identification"},
    "area.classification": {
        "zh": "客户分布与分类",
        "en": "Customer distribution and classification",
    },
    "area.interaction": {"zh": "客户沟通及互动", "en": "Communication and interaction"},
    "area.customization": {"zh": "客户定制化服务", "en": "Customized service"},
    "area.crm_system": {"zh": "CRM 系统应用", "en": "CRM-system use"},
    "area.perception_gap": {"zh": "员工与客户认知差距", "en": "Employee-customer perception gap"},
    "area.loyalty": {"zh": "满意度与忠诚度", "en": "Satisfaction and loyalty"},
    "area.concentration": {"zh": "收入集中度", "en": "Revenue concentration"},
    "area.people": {"zh": "人员", "en": "People"},
    "area.implementation": {"zh": "CRM 实施", "en": "CRM implementation"},
    "area.reliability": {"zh": "测量信度", "en": "Measurement reliability"},
}


def render_findings(findings: Sequence[Finding], lang: str = "en") -> str:
    """Render findings as Markdown in Chinese (``"zh"``) or English (``"en"``).

    Parameters
    ----------
    findings : sequence of Finding
    lang : {"en", "zh"}

    Returns
    -------
    str
        Markdown: one section per area, one entry per finding with severity, problem,
        evidence, recommendation, framework and references (words from :data:`RENDER_TEXT`).

    Examples
    --------
    >>> render_findings([], "en").splitlines()[0]
    '# Findings and recommendations'
    """
    if lang not in LANGS:
        raise InputError(f"Language must be 'zh' or 'en', not {lang!r}.")

    def say(key: str) -> str:
        return RENDER_TEXT[key][lang] if key in RENDER_TEXT else key.split(".", 1)[-1]

    lines = [say("title"), ""]
    if not findings:
        lines.append(say("none"))
        return "\n".join(lines) + "\n"
    area = None
    for f in findings:
        if f.area != area:
            area = f.area
            lines += [f"## {say(f'area.{area}')}", ""]
        lines.append(f"### [{say(f'severity.{f.severity}')}] `{f.id}`")
        lines.append("")
        lines.append(f"**{say('problem')}:** {f.problem[lang]}")
        lines.append("")
        lines.append(f"**{say('recommendation')}:** {f.recommendation[lang]}")
        lines.append("")
        # evidence quoted by the same rounding rule as the sentences and the tables
        ev = ", ".join(
            f"{k} = "
            + (
                quote(v, f.evidence_refs[k].table, f.evidence_refs[k].column)
                if isinstance(v, int | float) and not isinstance(v, bool) and k in f.evidence_refs
                else str(v)
            )
            for k, v in f.evidence.items()
        )
        lines.append(f"*{say('evidence')}:* {ev}")
        lines.append("")
        lines.append(f"*{say('framework')}:* {f.framework}")
        lines.append("")
        for ref in f.references:
            lines.append(f"- {ref}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
