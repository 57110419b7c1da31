"""The rules: one function per area, each reading the study's tables and returning findings.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): the rules are
read side by side when a severity band or a wording changes, and each is one function of
the same shape (evidence from a table, a severity, a bilingual problem and recommendation);
the shared parts live in evidence.py, severity.py and wording.py, and the ranking in plan.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from crm_research.cases.registry import CaseTexts, case_texts
from crm_research.errors import InputError
from crm_research.findings.evidence import Evidence, Finding
from crm_research.findings.plan import rank_plan
from crm_research.findings.severity import (
    ALPHA_ADEQUATE,
    D_MEDIUM,
    D_SMALL,
    PARETO_TOP_SHARE,
    REFERENCES,
    SEVERITY_RANK,
    THESIS_AREAS,
    alpha_severity,
    effect_severity,
    kappa_severity,
    mildest,
    spread_severity,
    worst,
)
from crm_research.findings.wording import (
    Names,
    capital,
    coef_text,
    gap_sentence,
    item_text,
    level_sentence,
    lower_first,
    number_text,
    percent_text,
)
from crm_research.roles import Roles

#: Words for a region column in sentences: plural in English, the noun in Chinese.  A
#: column not listed is named by its label ("groups of 'Province'").
REGION_WORDS = {
    "city": ("cities", "城市"),
    "province": ("provinces", "省份"),
    "region": ("regions", "地区"),
    "district": ("districts", "区县"),
    "country": ("countries", "国家"),
}


def _case(study: Any) -> CaseTexts | None:
    return case_texts(getattr(study, "case", None))


def _fill(template: str, values: dict[str, Any], k: int) -> str:
    return template.format(**{n: (v[k] if isinstance(v, tuple) else v) for n, v in values.items()})


def _text(
    study: Any, rule: str, slot: str, generic: tuple[str, str], **values: Any
) -> tuple[str, str]:
    """``(en, zh)``: the case's template for ``rule``/``slot`` filled with ``values``, else
    the generic text.  A value that differs by language is an ``(en, zh)`` tuple."""
    case = _case(study)
    template = case.template(rule, slot) if case is not None else None
    if template is None:
        return generic
    return _fill(template["en"], values, 0), _fill(template["zh"], values, 1)


class _Recommendation(tuple):
    """``(en, zh)`` of a recommendation, with the ids of the safeguards it relies on."""

    safeguards: tuple[str, ...] = ()


def _recommend(
    study: Any, rule: str, generic: tuple[str, str], **values: Any
) -> tuple[str, str]:
    """The recommendation of a problem: generic or the case's; the case's safeguards of
    ``rule`` travel as ids (``Finding.safeguards``), written once in the report's safeguards
    chapter (:data:`crm_research.findings.plan.SAFEGUARDS`), never in each recommendation."""
    rec = _Recommendation(_text(study, rule, "recommendation", generic, **values))
    case = _case(study)
    rec.safeguards = tuple(case.safeguard_ids(rule)) if case is not None else ()
    return rec


def _refs(study: Any, rule: str, refs: Sequence[str]) -> list[str]:
    """The rule's references, then those the case adds (its thesis)."""
    case = _case(study)
    extra = [r for r in (case.references(rule) if case is not None else ()) if r not in refs]
    return [*refs, *extra]


def _roles(study: Any, which: str = "customers") -> Roles:
    data = getattr(study, which, None)
    inst = getattr(data, "instrument", None)
    return getattr(inst, "roles", None) or Roles()


def _idic_scale(study: Any, task: str) -> str | None:
    """The customer scale declared for an IDIC task that the study has levels for."""
    for scale in _roles(study).idic_scales(task):
        if _has_row(study, "customer_scale_scores_summary", scale=scale):
            return scale
    return None


def _scale_evidence(ev: Evidence, scale: str, table: str = "customer_scale_scores_summary") -> dict:
    out = {}
    for col in ("n", "mean", "d", "d_ci_low", "d_ci_high"):
        out[col] = ev.add(f"{scale}_{col}", table, col, scale=scale)
    out["midpoint"] = ev.add(f"{scale}_midpoint", table, "reference", scale=scale)
    return out


def _gap_evidence(ev: Evidence, study: Any, dim: str) -> dict:
    if "perception_gap" not in study.tables:
        return {}
    try:
        return {
            "employee_mean": ev.add(
                f"{dim}_employee_mean", "perception_gap", "employee_mean", dimension=dim
            ),
            "gap": ev.add(f"{dim}_gap", "perception_gap", "gap", dimension=dim),
            "gap_g": ev.add(f"{dim}_gap_hedges_g", "perception_gap", "hedges_g", dimension=dim),
        }
    except KeyError:
        return {}


def _has_row(study: Any, table: str, **row: Any) -> bool:
    if table not in study.tables:
        return False
    frame = study.tables[table]
    if any(k not in frame.columns for k in row):
        return False
    mask = np.ones(len(frame), dtype=bool)
    for k, v in row.items():
        mask &= frame[k].astype(str).to_numpy() == str(v)
    return int(mask.sum()) == 1


def _finding(
    fid: str,
    area: str,
    severity: str,
    ev: Evidence,
    problem: tuple[str, str],
    recommendation: tuple[str, str],
    framework: str,
    refs: Sequence[str],
) -> Finding:
    return Finding(
        id=fid,
        area=area,
        severity=severity,
        evidence=dict(ev.values),
        evidence_refs=dict(ev.refs),
        problem={"en": problem[0], "zh": problem[1]},
        recommendation={"en": recommendation[0], "zh": recommendation[1]},
        framework=framework,
        references=tuple(REFERENCES[r] for r in refs),
        safeguards=tuple(getattr(recommendation, "safeguards", ())),
    )


def _rule_identification(study: Any) -> list[Finding]:
    out = []
    scale = _idic_scale(study, "identify")
    if scale is None:
        return out
    rule = "identification.customer_rating"
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, scale)
    g = _gap_evidence(ev, study, scale)
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, scale, s)
    gen, gzh = gap_sentence(scale, g)
    if sev in ("moderate", "major", "minor"):
        problem = _text(
            study, rule, "problem",
            (f"Customer identification is weak: {en}{gen}", f"客户识别偏弱:{zh}{gzh}"),
            level=(en, zh), gap=(gen, gzh),
        )  # fmt: skip
        rec = _recommend(
            study, rule,
            (
                "Know each customer (IDIC: identify; Peppers & Rogers 2004): decide which customer "
                "information to keep, collect it through more channels and keep it up to date, "
                "so that customers feel known.",
                "识别每一位客户(IDIC 模型的“识别”,Peppers & Rogers 2004):明确需要掌握的客户信息,"
                "拓宽收集渠道并及时更新,让客户感到被了解。",
            ),
        )  # fmt: skip
    else:
        problem = (f"No identification problem found: {en}{gen}", f"未发现客户识别问题:{zh}{gzh}")
        rec = (
            "Keep the current identification practice and monitor it in the next survey.",
            "保持现有客户识别做法,并在下一次调查中持续跟踪。",
        )
    out.append(
        _finding(rule, "identification", sev, ev, problem, rec,
                 "IDIC (identify)", _refs(study, rule, ["peppers2004"]))
    )  # fmt: skip

    # The weakest identification item.
    items = study.tables.get("customer_item_summary")
    if items is not None and not items.empty:
        sub = items[(items["scale"] == scale) & (items["rank_in_scale"] == 1)]
        if len(sub) == 1:
            item = str(sub["item"].iloc[0])
            ev = Evidence(study)
            mean = ev.add(f"{item}_mean", "customer_item_summary", "mean", item=item)
            d = ev.add(f"{item}_d", "customer_item_summary", "d", item=item)
            lo = ev.add(f"{item}_d_ci_low", "customer_item_summary", "d_ci_low", item=item)
            hi = ev.add(f"{item}_d_ci_high", "customer_item_summary", "d_ci_high", item=item)
            scale_mean = ev.add(f"{scale}_mean", "customer_scale_scores_summary", "mean",
                                scale=scale)  # fmt: skip
            sev_item = effect_severity(d, lo, hi, "lower")
            if sev_item != "info":
                ten = item_text(study, "customers", item, "en")
                tzh = item_text(study, "customers", item, "zh")
                problem = (
                    f"The weakest identification item is {ten}: mean {number_text(mean)} (d = {coef_text(d)} "
                    f"against the midpoint, 95% CI {coef_text(lo)} to {coef_text(hi)}; scale mean "
                    f"{number_text(scale_mean)}).",
                    f"客户识别中得分最低的题项是 {tzh}:均值 {number_text(mean)}(相对中点 d = {coef_text(d)},"
                    f"95% 置信区间 {coef_text(lo)} 至 {coef_text(hi)};维度均值 {number_text(scale_mean)})。",
                )
                rec = _text(
                    study, "identification.item", "recommendation",
                    (
                        "Act on this item first: ask customers what lies behind it, assign it to "
                        "an owner and set a target for it in the next survey.",
                        "优先改进该题项:向客户了解其原因,指定负责人,并为下一次调查设定目标。",
                    ),
                )  # fmt: skip
                refs = _refs(study, "identification.item", ["peppers2004"])
                out.append(
                    _finding(f"identification.item_{item}", "identification", sev_item, ev,
                             problem, rec, "IDIC (identify)", refs)
                )  # fmt: skip
    return out


def _rule_classification(study: Any) -> list[Finding]:
    out = []
    names = Names(study)
    # (a) The company's own tiers against value (ABC).
    if _has_row(study, "classification_agreement"):
        ev = Evidence(study)
        kappa = ev.add("kappa", "classification_agreement", "kappa")
        lo = ev.add("kappa_ci_low", "classification_agreement", "ci_low")
        hi = ev.add("kappa_ci_high", "classification_agreement", "ci_high")
        agree = ev.add("percent_agreement", "classification_agreement", "percent_agreement")
        n = ev.add("n", "classification_agreement", "n")
        a_customers = ev.add("a_customers", "abc_summary", "customers", abc_class="A")
        a_pct = ev.add("a_percent_revenue", "abc_summary", "percent_revenue", abc_class="A")
        sev = kappa_severity(kappa, hi)
        base_en = (
            f"The company's service tiers agree with value-based ABC classes at kappa = "
            f"{coef_text(kappa)} (95% CI {coef_text(lo)} to {coef_text(hi)}; {number_text(agree, 1)}% of {n} customers "
            f"classified alike). The {a_customers} class-A customers bring {number_text(a_pct, 1)}% of revenue."
        )
        base_zh = (
            f"公司现有客户等级与按价值划分的 ABC 类别的一致性 kappa = {coef_text(kappa)}(95% 置信区间 "
            f"{coef_text(lo)} 至 {coef_text(hi)};{n} 位客户中 {number_text(agree, 1)}% 归类一致)。{a_customers} 位 A 类"
            f"客户贡献了 {number_text(a_pct, 1)}% 的收入。"
        )
        if sev != "info":
            problem = (
                "Customer classification ignores customer value: " + base_en,
                "客户分类不合理,未体现客户价值:" + base_zh,
            )
            # the cut-offs the study used (default 70% / 90%), as written in abc_summary
            a_cut, b_cut = 0.70, 0.90
            if "a_cut" in study.tables["abc_summary"].columns:
                a_cut = ev.add("a_cut", "abc_summary", "a_cut", abc_class="A")
                b_cut = ev.add("b_cut", "abc_summary", "b_cut", abc_class="A")
            ap, bp = f"{100 * a_cut:g}%", f"{100 * b_cut:g}%"
            rec = _recommend(
                study, "classification.tiers_vs_value",
                (
                    "Classify customers by value (ABC analysis, Pareto principle): class A while "
                    f"the cumulative revenue share is <= {ap}, B up to {bp}, C the rest, reviewed "
                    "each year; assign account owners and service levels per class, and move "
                    "customer-relationship resources towards class A.",
                    f"按客户价值分类(ABC 分析,帕累托原则):累计收入占比 {ap} 以内为 A 类、{bp} 以内为 "
                    "B 类、其余为 C 类,每年复核;按类别指定负责人与服务标准,并将客情资源向 A 类客户倾斜。",
                ),
                a_cut=ap, b_cut=bp,
            )  # fmt: skip
        else:
            problem = (
                "Service tiers follow customer value: " + base_en,
                "客户分级与客户价值基本一致:" + base_zh,
            )
            rec = (
                "Keep reviewing the tiers against revenue every year.",
                "每年按收入复核客户分级。",
            )
        rule = "classification.tiers_vs_value"
        out.append(
            _finding(rule, "classification", sev, ev, problem, rec,
                     "ABC classification / customer value",
                     _refs(study, rule, ["cohen1960", "landis1977", "juran1951"]))
        )  # fmt: skip

    # (b) Distribution of customers over the declared region (e.g. cities).
    region = _roles(study).region
    if region is not None and _has_row(study, "customer_distribution", by=region):
        r = region
        ev = Evidence(study)
        plural_en, word_zh = REGION_WORDS.get(
            r, (f"groups of '{names.column(r, 'en')}'", names.column(r, "zh"))
        )
        count_key = plural_en if r in REGION_WORDS else f"{r}_groups"
        hhi = ev.add(f"{r}_hhi", "customer_distribution", "hhi", by=r)
        lo = ev.add(f"{r}_hhi_ci_low", "customer_distribution", "ci_low", by=r)
        hi = ev.add(f"{r}_hhi_ci_high", "customer_distribution", "ci_high", by=r)
        top = ev.add(f"top_{r}", "customer_distribution", "top_group", by=r)
        top_share = ev.add(f"top_{r}_share", "customer_distribution", "top_share", by=r)
        top2 = ev.add(f"top2_{r}_share", "customer_distribution", "top2_share", by=r)
        groups = ev.add(count_key, "customer_distribution", "groups", by=r)
        # The HHI bands alone would call any spread over four or fewer groups concentrated
        # (an even spread has HHI 1/G): the spread must also differ from an even one.
        w_txt_en = w_txt_zh = ""
        w_sev = "info"  # no w, no grading: merger bands are not for customers over regions
        if "cohen_w" in study.tables["customer_distribution"].columns:
            w = ev.add(f"{r}_cohen_w", "customer_distribution", "cohen_w", by=r)
            wl = ev.add(f"{r}_cohen_w_ci_low", "customer_distribution", "cohen_w_ci_low", by=r)
            wh = ev.add(f"{r}_cohen_w_ci_high", "customer_distribution", "cohen_w_ci_high", by=r)
            w_sev = spread_severity(w, wl)
            w_txt_en = (
                f"; against an even spread over the {plural_en}, Cohen's w = {coef_text(w)} (95% CI "
                f"{coef_text(wl)} to {coef_text(wh)})"
            )
            w_txt_zh = f";相对于各{word_zh}均匀分布,Cohen's w = {coef_text(w)}(95% 置信区间 {coef_text(wl)} 至 {coef_text(wh)})"
        sev = w_sev
        type_txt_en = type_txt_zh = ""
        segments = [c for c in _roles(study).segments if c != r]
        seg = segments[0] if segments else None
        if seg is not None and _has_row(study, "customer_distribution", by=seg):
            ttop = ev.add(f"top_{seg}", "customer_distribution", "top_group", by=seg)
            tshare = ev.add(f"top_{seg}_share", "customer_distribution", "top_share", by=seg)
            type_txt_en = (
                f" {percent_text(tshare)} of the customers are {names.customers_of_type(ttop, seg)}."
            )
            type_txt_zh = f"{names.level(seg, ttop, 'zh')}占客户总数的 {percent_text(tshare)}。"
        top_en = names.level(r, top, "en")
        top_zh = names.level(r, top, "zh")
        base_en = (
            f"Customers over {groups} {plural_en}: HHI of customer counts = {coef_text(hhi)} (95% CI {coef_text(lo)} to {coef_text(hi)})"
            f"{w_txt_en}; "
            f"{top_en} alone holds {percent_text(top_share)} and the two largest {plural_en} {percent_text(top2)}."
            + type_txt_en
        )
        base_zh = (
            f"客户分布于 {groups} 个{word_zh}:按客户数计算的 HHI = {coef_text(hhi)}(95% 置信区间 {coef_text(lo)} 至 {coef_text(hi)})"
            f"{w_txt_zh};"
            f"{top_zh}一地占 {percent_text(top_share)},前两个{word_zh}合计占 {percent_text(top2)}。"
            + type_txt_zh
        )
        rule = "classification.distribution"
        if sev != "info":
            problem = ("Customer distribution is unbalanced: " + base_en, "客户分布失衡:" + base_zh)
            rec = _recommend(
                study, rule,
                (
                    f"Develop customers beyond {top_en}: set development targets for the other "
                    f"{plural_en} and check that the sales effort follows the opportunities there, "
                    "not only the current customer mix.",
                    f"加强{top_zh}以外的客户开发:为其他{word_zh}设定开发目标,使销售投入与当地的市场机会"
                    "相匹配,而不只是追随现有客户结构。",
                ),
                top=(top_en, top_zh),
            )  # fmt: skip
        else:
            problem = ("Customers are spread evenly: " + base_en, "客户分布较为均衡:" + base_zh)
            rec = ("Keep developing all regions.", "继续保持各区域客户的均衡开发。")
        out.append(
            _finding(f"classification.distribution_{r}", "classification", sev, ev, problem, rec,
                     "customer value / distribution (HHI)",
                     _refs(study, rule, ["hirschman1964"]))
        )  # fmt: skip

    # (c) Do customers perceive differentiated treatment (IDIC differentiate)?
    scale = _idic_scale(study, "differentiate")
    if scale is not None:
        rule = "classification.customer_differentiation"
        ev = Evidence(study)
        s = _scale_evidence(ev, scale)
        g = _gap_evidence(ev, study, scale)
        sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
        en, zh = level_sentence(names, scale, s)
        gen, gzh = gap_sentence(scale, g)
        if sev != "info":
            problem = (
                f"Customers do not feel treated according to their value and needs: {en}{gen}",
                f"客户未感受到差异化对待:{zh}{gzh}",
            )
            rec = _recommend(
                study, rule,
                (
                    "Differentiate customers by value and needs (IDIC: differentiate; Peppers & "
                    "Rogers 2004): service levels, contact frequency and pricing policy per value "
                    "class.",
                    "按价值与需求区分客户(IDIC 模型的“区分”,Peppers & Rogers 2004):为不同价值类别的"
                    "客户制定服务标准、联系频率与价格政策。",
                ),
            )  # fmt: skip
        else:
            problem = (
                f"No differentiation problem found: {en}{gen}",
                f"未发现客户区分问题:{zh}{gzh}",
            )
            rec = ("Keep the current differentiation practice.", "保持现有客户区分做法。")
        out.append(
            _finding(rule, "classification", sev, ev, problem,
                     rec, "IDIC (differentiate)", _refs(study, rule, ["peppers2004"]))
        )  # fmt: skip
    return out


def _rule_interaction(study: Any) -> list[Finding]:
    scale = _idic_scale(study, "interact")
    if scale is None:
        return []
    rule = "interaction.customer_rating"
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, scale)
    g = _gap_evidence(ev, study, scale)
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, scale, s)
    gen, gzh = gap_sentence(scale, g)
    if sev != "info":
        problem = (
            f"Communication and interaction with customers are insufficient: {en}{gen}",
            f"客户沟通及互动不足:{zh}{gzh}",
        )
        rec = _recommend(
            study, rule,
            (
                "Plan the dialogue with customers (IDIC: interact; Peppers & Rogers 2004): train "
                "staff in listening, product knowledge and follow-up, and set a contact plan per "
                "value class (regular visits for the most valuable customers, scheduled calls, "
                "online contact for the rest).",
                "规划与客户的互动(IDIC 模型的“互动”,Peppers & Rogers 2004):培训员工的倾听、产品知识"
                "与跟进回访能力,并按客户价值类别制定联系计划(重点客户定期拜访,其他客户定期电话或线上联系)。",
            ),
        )  # fmt: skip
    else:
        problem = (f"No interaction problem found: {en}{gen}", f"未发现客户互动问题:{zh}{gzh}")
        rec = ("Keep the current contact practice.", "保持现有沟通互动做法。")
    return [
        _finding(rule, "interaction", sev, ev, problem, rec,
                 "IDIC (interact)", _refs(study, rule, ["peppers2004"]))
    ]  # fmt: skip


def _rule_customization(study: Any) -> list[Finding]:
    out = []
    scale = _idic_scale(study, "customize")
    if scale is None:
        return out
    rule = "customization.customer_rating"
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, scale)
    g = _gap_evidence(ev, study, scale)
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, scale, s)
    gen, gzh = gap_sentence(scale, g)
    if sev != "info":
        problem = (
            f"Customized service needs improvement: {en}{gen}",
            f"客户定制化服务有待提高:{zh}{gzh}",
        )
        rec = _recommend(
            study, rule,
            (
                "Tailor the offer to each customer group (IDIC: customize; Peppers & Rogers 2004): "
                "record each customer's requirements and offer configurable product, training and "
                "after-sales packages.",
                "按客户群体定制(IDIC 模型的“定制”,Peppers & Rogers 2004):记录每位客户的需求,"
                "提供可配置的产品、培训与售后服务包。",
            ),
        )  # fmt: skip
    else:
        problem = (f"No customization problem found: {en}{gen}", f"未发现定制化服务问题:{zh}{gzh}")
        rec = ("Keep the current customization practice.", "保持现有定制化服务做法。")
    out.append(
        _finding(rule, "customization", sev, ev, problem, rec,
                 "IDIC (customize)", _refs(study, rule, ["peppers2004"]))
    )  # fmt: skip

    # The less well served group of the first declared segment (e.g. customer type): its gap
    # to the other group AND its own level.
    segments = [c for c in _roles(study).segments if c != _roles(study).region]
    seg = segments[0] if segments else None
    tests = study.tables.get("group_comparisons")
    if seg is not None and tests is not None and not tests.empty and "group_1" in tests.columns:
        row = tests[(tests["value"] == scale) & (tests["group"] == seg)]
        if len(row) == 1 and str(row["group_1"].iloc[0]) not in ("", "nan"):
            ev = Evidence(study)
            key = {"value": scale, "group": seg}
            d = ev.add("type_d", "group_comparisons", "effect_value", **key)
            lo = ev.add("type_d_ci_low", "group_comparisons", "effect_ci_low", **key)
            hi = ev.add("type_d_ci_high", "group_comparisons", "effect_ci_high", **key)
            g1 = ev.add("group_1", "group_comparisons", "group_1", **key)
            g2 = ev.add("group_2", "group_comparisons", "group_2", **key)
            low, high = (g1, g2) if d < 0 else (g2, g1)
            gkey = {"value": scale, "group": seg}
            lm = ev.add("low_group_mean", "group_means", "mean", level=low, **gkey)
            ld = ev.add("low_group_d", "group_means", "d", level=low, **gkey)
            ldl = ev.add("low_group_d_ci_low", "group_means", "d_ci_low", level=low, **gkey)
            ldh = ev.add("low_group_d_ci_high", "group_means", "d_ci_high", level=low, **gkey)
            hm = ev.add("high_group_mean", "group_means", "mean", level=high, **gkey)
            # severity of the gap, oriented so that the lower group's disadvantage is "worse"
            gap_sev = effect_severity(d, lo, hi, "lower" if d < 0 else "higher")
            level_sev = effect_severity(ld, ldl, ldh, "lower")
            sev2 = mildest(gap_sev, level_sev)
            if sev2 != "info":
                low_en, high_en = names.customers_of_type(low, seg), names.customers_of_type(high, seg)
                g1_en, g2_en = names.customers_of_type(g1, seg), names.customers_of_type(g2, seg)
                low_zh, high_zh, g1_zh, g2_zh = (
                    names.level(seg, v, "zh") for v in (low, high, g1, g2)
                )
                problem = (
                    capital(
                        f"{low_en} are served worse on customization than {high_en}: mean "
                        f"{number_text(lm)} vs {number_text(hm)} (d = {coef_text(d)} for {g1_en} minus {g2_en}, 95% CI "
                        f"{coef_text(lo)} to {coef_text(hi)}); their own rating is below the midpoint (d = "
                        f"{coef_text(ld)}, 95% CI {coef_text(ldl)} to {coef_text(ldh)})."
                    ),
                    f"{low_zh}的定制化服务评价低于{high_zh}:均值 "
                    f"{number_text(lm)} 对 {number_text(hm)}({g1_zh}减{g2_zh}的 d = {coef_text(d)},95% 置信区间 {coef_text(lo)} 至 "
                    f"{coef_text(hi)});其评分低于中点(d = {coef_text(ld)},95% 置信区间 {coef_text(ldl)} 至 {coef_text(ldh)})。",
                )
                rec = _recommend(
                    study, "customization.segment",
                    (
                        f"Design a customization offer for {low_en} first: survey their needs, "
                        "offer configurable packages, and record their requirements in the CRM.",
                        f"优先为{low_zh}设计定制化方案:调研其需求,提供可配置的产品服务包,"
                        "并在 CRM 中记录其需求。",
                    ),
                    low=(low_en, low_zh),
                )  # fmt: skip
                refs = _refs(study, "customization.segment", ["peppers2004"])
                out.append(
                    _finding(f"customization.{low}", "customization", sev2, ev, problem, rec,
                             "IDIC (customize) / customer value", refs)
                )  # fmt: skip
    return out


def _rule_crm_system(study: Any) -> list[Finding]:
    out = []
    table = "employee_scale_scores_summary"
    eroles = _roles(study, "employees")
    use = next((x for x in eroles.system_use if _has_row(study, table, scale=x)), None)
    if use is None:
        return out
    rule = "crm_system.use"
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, use, table)
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, use, s, who="employees")
    extra_en = extra_zh = ""
    # The reverse-keyed item "I keep customer records outside the CRM", raw agreement.
    items = study.tables.get("employee_item_summary")
    rev_sev = "info"
    if items is not None and not items.empty:
        rev = items[(items["scale"] == use) & (items["reverse_keyed"].astype(str) == "True")]
        for item in rev["item"].astype(str).tolist()[:1]:
            m = ev.add(f"{item}_mean", "employee_item_summary", "mean", item=item)
            dd = ev.add(f"{item}_d", "employee_item_summary", "d", item=item)
            dl = ev.add(f"{item}_d_ci_low", "employee_item_summary", "d_ci_low", item=item)
            dh = ev.add(f"{item}_d_ci_high", "employee_item_summary", "d_ci_high", item=item)
            rev_sev = effect_severity(dd, dl, dh, "higher")
            extra_en += (
                f" Agreement with {item_text(study, 'employees', item, 'en')} averages {number_text(m)} "
                f"(d = {coef_text(dd)} relative to the scale midpoint, 95% CI {coef_text(dl)} to {coef_text(dh)})."
            )
            extra_zh += (
                f"对 {item_text(study, 'employees', item, 'zh')} 的平均同意程度为 {number_text(m)}(相对中点 "
                f"d = {coef_text(dd)},95% 置信区间 {coef_text(dl)} 至 {coef_text(dh)})。"
            )
    grp = eroles.segments[0] if eroles.segments else None
    if grp is not None and _has_row(
        study, "employee_group_comparisons", value=use, group=grp
    ):
        key = {"value": use, "group": grp}
        eta = ev.add(f"{grp}_eta_squared", "employee_group_comparisons", "effect_value", **key)
        el = ev.add(
            f"{grp}_eta_squared_ci_low", "employee_group_comparisons", "effect_ci_low", **key
        )
        eh = ev.add(
            f"{grp}_eta_squared_ci_high", "employee_group_comparisons", "effect_ci_high", **key
        )
        # a difference is claimed only when its interval excludes zero (and, where the table
        # has it, Holm's adjusted p within the table's family is below .05)
        ph = (
            ev.add(f"{grp}_p_holm", "employee_group_comparisons", "p_holm", **key)
            if "p_holm" in study.tables["employee_group_comparisons"].columns
            else None
        )
        differs = el is not None and el > 0 and (ph is None or ph < 0.05)
        grp_en = lower_first(names.column(grp, "en"))
        grp_zh = names.column(grp, "zh")
        ci_en = f"95% CI {coef_text(el)} to {coef_text(eh)}"
        ci_zh = f"95% 置信区间 {coef_text(el)} 至 {coef_text(eh)}"
        if differs:
            extra_en += f" Use differs by {grp_en}: eta squared = {coef_text(eta)} ({ci_en})."
            extra_zh += f"不同{grp_zh}之间使用存在差异:eta² = {coef_text(eta)}({ci_zh})。"
        else:
            extra_en += (
                f" The data do not show that use differs by {grp_en}: eta squared = "
                f"{coef_text(eta)} ({ci_en})."
            )
            extra_zh += f"数据未能表明不同{grp_zh}的使用有别:eta² = {coef_text(eta)}({ci_zh})。"
    sev = worst(sev, rev_sev)
    if sev != "info":
        problem = (
            f"CRM-system use is not standardised: {en}{extra_en}",
            f"CRM 系统应用不规范:{zh}{extra_zh}",
        )
        rec = _recommend(
            study, rule,
            (
                "Make the CRM the single place for customer records: set record-keeping rules per "
                "role, appoint a CRM administrator, and keep the system stable rather than "
                "switching systems.",
                "使 CRM 成为客户信息的唯一来源:按岗位制定录入规范,指定 CRM 管理员,保持系统稳定、"
                "不轻易更换系统。",
            ),
        )  # fmt: skip
    else:
        problem = (
            f"CRM-system use looks standard: {en}{extra_en}",
            f"CRM 系统使用较为规范:{zh}{extra_zh}",
        )
        rec = ("Keep the CRM rules and training.", "保持现有 CRM 使用规范与培训。")
    out.append(
        _finding(rule, "crm_system", sev, ev, problem, rec,
                 "CRM system / information building", _refs(study, rule, []))
    )  # fmt: skip
    return out


def _comparability(study: Any, dims: Sequence[str]) -> tuple[str, str]:
    """A caveat when the customer and employee sides of the gaps differ in items or size."""
    gap = study.tables["perception_gap"].set_index("dimension")
    cols = {"customer_items", "employee_items", "customer_n", "employee_n"}
    if not cols <= set(gap.columns):
        return "", ""
    rows = gap.loc[list(dims)]
    if (rows["customer_items"] == rows["employee_items"]).all():
        return (
            " The gaps compare groups of different size (see the table).",
            "差距比较的两组样本量不同(见表)。",
        )
    return (
        " Caveat: the two sides are measured with different item sets and sample sizes (see "
        "the table), so a gap mixes a difference in view with a difference in measure.",
        "注意:双方所用题项与样本量不同(见表),差距中既有看法差异,也有测量差异。",
    )


def _rule_perception_gap(study: Any) -> list[Finding]:
    """Employees' self-rating above their customers' rating.  A dimension whose customer
    finding (problems 1-4: identify, differentiate, interact, customize) already quotes its
    gap is not quoted again: those dimensions form one finding that names them and refers to
    those problems; any other mirrored dimension keeps its own finding with its numbers."""
    out = []
    gap = study.tables.get("perception_gap")
    if gap is None or gap.empty:
        return out
    names = Names(study)
    quoted = {
        _idic_scale(study, task) for task in ("identify", "differentiate", "interact", "customize")
    }
    refs = _refs(study, "perception_gap", ["peppers2004"])
    generic_rec = (
        "Share the customer results with the sales team, make customer-rated KPIs (not "
        "self-assessment) the basis of appraisal, and repeat the customer survey each year.",
        "向销售团队通报客户评价结果,以客户评价(而非自评)作为考核依据,并每年重复开展客户调查。",
    )
    merged = Evidence(study)
    merged_dims: list[str] = []
    merged_sev = "info"
    for dim in gap["dimension"].astype(str):
        ev = Evidence(study)
        key = {"dimension": dim}
        em = ev.add("employee_mean", "perception_gap", "employee_mean", **key)
        cm = ev.add("customer_mean", "perception_gap", "customer_mean", **key)
        gp = ev.add("gap", "perception_gap", "gap", **key)
        gl = ev.add("gap_ci_low", "perception_gap", "ci_low", **key)
        gh = ev.add("gap_ci_high", "perception_gap", "ci_high", **key)
        g = ev.add("hedges_g", "perception_gap", "hedges_g", **key)
        lo = ev.add("hedges_g_ci_low", "perception_gap", "hedges_g_ci_low", **key)
        hi = ev.add("hedges_g_ci_high", "perception_gap", "hedges_g_ci_high", **key)
        sev = effect_severity(g, lo, hi, "higher")
        if sev == "info":
            continue
        if dim in quoted:
            for name, column in (("hedges_g", "hedges_g"), ("hedges_g_ci_low", "hedges_g_ci_low"),
                                 ("hedges_g_ci_high", "hedges_g_ci_high")):  # fmt: skip
                merged.add(f"{dim}_{name}", "perception_gap", column, **key)
            merged_dims.append(dim)
            merged_sev = worst(merged_sev, sev)
            continue
        cen, czh = _comparability(study, [dim])
        problem = (
            f"Employees rate the company's {names.scale_in_sentence(dim)} higher than its customers do: {number_text(em)} vs "
            f"{number_text(cm)} (gap {number_text(gp)}, 95% CI {number_text(gl)} to {number_text(gh)}; Hedges' g = {coef_text(g)}, 95% CI "
            f"{coef_text(lo)} to {coef_text(hi)}).{cen}",
            f"员工对公司“{names.scale(dim, 'zh')}”的自评高于客户评价:{number_text(em)} 对 {number_text(cm)}(差距 "
            f"{number_text(gp)},95% 置信区间 {number_text(gl)} 至 {number_text(gh)};Hedges' g = {coef_text(g)},95% 置信区间 "
            f"{coef_text(lo)} 至 {coef_text(hi)})。{czh}",
        )
        rec = _recommend(study, "perception_gap", generic_rec)
        out.append(
            _finding(f"perception_gap.{dim}", "perception_gap", sev, ev, problem, rec,
                     "IDIC / customer-employee perception gap", refs)
        )  # fmt: skip
    if merged_dims:
        list_en = ", ".join(names.scale_in_sentence(d) for d in merged_dims)
        list_zh = "、".join(f"“{names.scale(d, 'zh')}”" for d in merged_dims)
        cen, czh = _comparability(study, merged_dims)
        problem = (
            f"Employees see the company better than its customers do on {len(merged_dims)} "
            f"dimensions ({list_en}); the gaps are quoted with those problems above. A sales "
            f"team that rates itself well has no reason to change what customers find weak.{cen}",
            f"在 {len(merged_dims)} 个维度({list_zh})上,员工对公司的评价高于客户评价,差距数值见上文相应问题。"
            f"自评良好的销售团队缺少改变客户所感知弱项的动力。{czh}",
        )
        rec = _recommend(study, "perception_gap", generic_rec)
        out.append(
            _finding("perception_gap.mirrored", "perception_gap", merged_sev, merged, problem,
                     rec, "IDIC / customer-employee perception gap", refs)
        )  # fmt: skip
    return out


def _rule_loyalty(study: Any) -> list[Finding]:
    if not _has_row(study, "satisfaction_vs_loyalty"):
        return []
    ev = Evidence(study)
    sat = ev.add("satisfaction_mean", "satisfaction_vs_loyalty", "mean_after")
    loy = ev.add("loyalty_mean", "satisfaction_vs_loyalty", "mean_before")
    dz = ev.add("d_z", "satisfaction_vs_loyalty", "d_z")
    lo = ev.add("d_z_ci_low", "satisfaction_vs_loyalty", "d_z_ci_low")
    hi = ev.add("d_z_ci_high", "satisfaction_vs_loyalty", "d_z_ci_high")
    merc_txt_en = merc_txt_zh = ""
    if _has_row(study, "satisfaction_loyalty", segment="mercenary"):
        mp = ev.add("mercenary_percent", "satisfaction_loyalty", "percent", segment="mercenary")
        mn = ev.add("mercenary_n", "satisfaction_loyalty", "n", segment="mercenary")
        ap = ev.add("apostle_percent", "satisfaction_loyalty", "percent", segment="apostle")
        merc_txt_en = (
            f" {mn} customers ({number_text(mp, 1)}%) are mercenaries (satisfied but not loyal); "
            f"{number_text(ap, 1)}% are apostles."
        )
        merc_txt_zh = f"{mn} 位客户({number_text(mp, 1)}%)属于“唯利是图者”(满意但不忠诚);“忠诚拥护者”占 {number_text(ap, 1)}%。"
    if _has_row(study, "nps"):
        nps = ev.add("nps", "nps", "nps")
        merc_txt_en += f" NPS = {number_text(nps, 1)}."
        merc_txt_zh += f"净推荐值 NPS = {number_text(nps, 1)}。"
    sev = effect_severity(dz, lo, hi, "higher")
    if sev == "info":
        return []
    problem = (
        f"Satisfaction does not translate into loyalty: satisfaction {number_text(sat)} vs loyalty "
        f"{number_text(loy)} (Cohen's dz = {coef_text(dz)}, 95% CI {coef_text(lo)} to {coef_text(hi)}).{merc_txt_en}",
        f"满意不等于忠诚:满意度 {number_text(sat)},忠诚度 {number_text(loy)}(Cohen's dz = {coef_text(dz)},95% 置信区间 {coef_text(lo)} 至 "
        f"{coef_text(hi)})。{merc_txt_zh}",
    )
    rule = "loyalty.satisfied_not_loyal"
    rec = _recommend(
        study, rule,
        (
            "Manage loyalty, not only satisfaction: find out why satisfied customers would switch "
            "(price, competitors' offers), add loyalty measures (repurchase, share of wallet, "
            "referrals) to the KPIs, and build relationship benefits for class-A customers.",
            "在满意度之外管理忠诚度:了解满意客户仍考虑更换供应商的原因(价格、竞争对手条件),将复购、"
            "客户钱包份额、推荐等忠诚指标纳入考核,并为 A 类客户设计关系利益。",
        ),
    )  # fmt: skip
    return [
        _finding(rule, "loyalty", sev, ev, problem, rec,
                 "satisfaction-loyalty (Jones & Sasser)",
                 _refs(study, rule, ["jones1995", "reichheld2003"]))
    ]  # fmt: skip


def _rule_concentration(study: Any) -> list[Finding]:
    # the customer-level measures: their own one-row table
    if not _has_row(study, "revenue_concentration"):
        return []
    ev = Evidence(study)
    top = ev.add("top20_revenue_share", "revenue_concentration", "top_revenue_share")
    gini = ev.add("gini", "revenue_concentration", "gini")
    n = ev.add("customers", "revenue_concentration", "n_customers")
    sev = "minor" if top is not None and top >= PARETO_TOP_SHARE else "info"
    lead_en, lead_zh = (
        ("Revenue is concentrated", "收入集中")
        if sev != "info"
        else ("Revenue is less concentrated than the Pareto benchmark", "收入集中度低于帕累托基准")
    )
    problem = (
        f"{lead_en}: the top 20% of the {number_text(n, 0)} customers bring {percent_text(top)} of "
        f"revenue (Gini = {coef_text(gini)}).",
        f"{lead_zh}:前 20% 的客户(共 {number_text(n, 0)} 位)贡献了 {percent_text(top)} 的收入(基尼系数 {coef_text(gini)})。",
    )
    rule = "concentration.revenue"
    if sev != "info":
        rec = _recommend(
            study, rule,
            (
                "Protect the largest accounts (class A) with dedicated owners and service plans, "
                "and reduce dependence on them by developing B customers (concentration on a few "
                "customers raises business risk).",
                "为最大客户(A 类)配备专人与服务计划加以维护,同时培育 B 类客户以降低对少数客户的"
                "依赖(客户过度集中会增加经营风险)。",
            ),
        )  # fmt: skip
    else:
        # less concentrated than the benchmark: nothing to reduce; keep watching the share
        rec = (
            "No action on concentration: keep named owners for the class-A accounts and watch "
            "the top-20% revenue share in each yearly review.",
            "收入集中度无需调整:继续为 A 类客户指定负责人,并在年度复核中跟踪前 20% 客户的收入占比。",
        )
    return [
        _finding(rule, "concentration", sev, ev, problem, rec,
                 "customer value / Pareto", _refs(study, rule, ["juran1951"]))
    ]  # fmt: skip


def _rule_reliability(study: Any) -> list[Finding]:
    out = []
    names = Names(study)
    for table, who in (("reliability_customer", "customer"), ("reliability_employee", "employee")):
        frame = study.tables.get(table)
        if frame is None or frame.empty or "alpha" not in frame.columns:
            continue
        for scale in frame["scale"].astype(str):
            ev = Evidence(study)
            alpha = ev.add("alpha", table, "alpha", scale=scale)
            sev = alpha_severity(alpha)
            if sev == "info":
                continue
            problem = (
                f"The {who} scale '{names.scale(scale, 'en')}' is not reliable enough: Cronbach's alpha = "
                f"{coef_text(alpha)} (< {ALPHA_ADEQUATE:.2f}).",
                f"{'客户' if who == 'customer' else '员工'}量表“{names.scale(scale, 'zh')}”信度不足:"
                f"Cronbach's α = {coef_text(alpha)}(< {ALPHA_ADEQUATE:.2f})。",
            )
            rec = (
                "Read findings that rely on this scale with caution; revise or add items before "
                "the next survey (see the item analysis).",
                "依据该量表得出的结论需谨慎解读;下次调查前修订或增加题项(参见题项分析)。",
            )
            out.append(
                _finding(f"reliability.{who}_{scale}", "reliability", sev, ev, problem, rec,
                         "psychometrics", ["nunnally1978"])
            )  # fmt: skip
    return out


def _rule_people(study: Any) -> list[Finding]:
    out = []
    names = Names(study)
    table = "employee_scale_scores_summary"
    for scale in _roles(study, "employees").enablers:
        if not _has_row(study, table, scale=scale):
            continue
        ev = Evidence(study)
        s = _scale_evidence(ev, scale, table)
        sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
        if sev == "info":
            continue
        en, zh = level_sentence(names, scale, s, who="employees")
        rec = _recommend(
            study, "people",
            (
                "Strengthen the people side of CRM before further system changes.",
                "在进一步调整系统之前先加强 CRM 的人员基础。",
            ),
        )  # fmt: skip
        out.append(
            _finding(
                f"people.{scale}",
                "people",
                sev,
                ev,
                (
                    f"Employees report weak {names.scale_in_sentence(scale)}: {en}",
                    f"员工的“{names.scale(scale, 'zh')}”偏弱:{zh}",
                ),
                rec,
                "CRM implementation (people)",
                _refs(study, "people", ["scorecard"]),
            )
        )
    return out


def _rule_implementation(study: Any) -> list[Finding]:
    out = []
    comp = study.tables.get("scorecard_comparisons")
    if comp is None or comp.empty or "category" not in comp.columns:
        return out
    names = Names(study)
    for category in comp["category"].astype(str).unique():
        before, after = f"{category}_before", f"{category}_after"
        if not _has_row(
            study, "scorecard_comparisons", category=category, before=before, after=after
        ):
            continue
        ev = Evidence(study)
        key = {"category": category, "before": before, "after": after}
        mb = ev.add("mean_before", "scorecard_comparisons", "mean_before", **key)
        ma = ev.add("mean_after", "scorecard_comparisons", "mean_after", **key)
        dz = ev.add("d_z", "scorecard_comparisons", "d_z", **key)
        lo = ev.add("d_z_ci_low", "scorecard_comparisons", "d_z_ci_low", **key)
        hi = ev.add("d_z_ci_high", "scorecard_comparisons", "d_z_ci_high", **key)
        # Deterioration after implementation is graded like any deficit; no meaningful
        # improvement (d_z below small, and the CI excluding a medium gain) is minor.
        sev = effect_severity(dz, lo, hi, "lower")
        if sev == "info" and dz is not None and dz < D_SMALL and hi < D_MEDIUM:
            sev = "minor"
        if sev == "info":
            continue
        out.append(
            _finding(
                f"implementation.{category}",
                "implementation",
                sev,
                ev,
                (
                    f"The CRM implementation has not improved the "
                    f"{lower_first(names.facet_level('category', category, 'en'))} metrics: "
                    f"{number_text(mb)} before vs "
                    f"{number_text(ma)} after (Cohen's dz = {coef_text(dz)}, 95% CI {coef_text(lo)} to {coef_text(hi)}; a medium "
                    f"improvement, dz = {D_MEDIUM}, is expected).",
                    f"CRM 实施未改善“{names.facet_level('category', category, 'zh')}”类指标:实施前 {number_text(mb)},实施后 "
                    f"{number_text(ma)}(Cohen's dz = {coef_text(dz)},95% 置信区间 {coef_text(lo)} 至 {coef_text(hi)};预期至少中等程度改善,"
                    f"dz = {D_MEDIUM})。",
                ),
                _recommend(
                    study, "implementation",
                    (
                        "Review this category's metrics in the reporting cycle and assign an "
                        "owner.",
                        "在定期汇报中复盘该类指标并指定负责人。",
                    ),
                ),  # fmt: skip
                "CRM implementation scorecard",
                _refs(study, "implementation", ["scorecard"]),
            )
        )
    return out


_RULES = (
    _rule_identification,
    _rule_classification,
    _rule_interaction,
    _rule_customization,
    _rule_crm_system,
    _rule_perception_gap,
    _rule_loyalty,
    _rule_concentration,
    _rule_reliability,
    _rule_people,
    _rule_implementation,
)

_AREA_ORDER = (
    *THESIS_AREAS,
    "perception_gap",
    "loyalty",
    "concentration",
    "people",
    "implementation",
    "reliability",
)


def derive_findings(study: Any) -> list[Finding]:
    """Apply every rule to the tables of a study.

    Parameters
    ----------
    study : StudyResult
        From :func:`crm_research.study.run_study`.

    Returns
    -------
    list of Finding
        The five thesis areas first (in the thesis' order), then the others; within an area
        the most severe first.

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> from crm_research.study import run_study
    >>> case = simulate(1, "thesis")
    >>> found = derive_findings(run_study(case.customers, case.employees, case.ledger))
    >>> sorted({f.area for f in found if f.severity in ("moderate", "major")}) >= sorted(THESIS_AREAS)
    True

    References
    ----------
    Cohen, J. (1988); Cumming (2014); Landis & Koch (1977); Nunnally (1978).
    """
    if not hasattr(study, "tables"):
        raise InputError("derive_findings needs a StudyResult (an object with .tables).")
    found: list[Finding] = []
    for rule in _RULES:
        found.extend(rule(study))
    order = {a: k for k, a in enumerate(_AREA_ORDER)}
    found.sort(key=lambda f: (order.get(f.area, len(order)), -SEVERITY_RANK[f.severity], f.id))
    # the ranked plan: priority by severity x reach, owner, horizon, KPI (findings/plan.py)
    return rank_plan(found, study)
