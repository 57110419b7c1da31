"""The rules: one function per area, each reading the study's tables and returning findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from crm_research.errors import InputError
from crm_research.findings.evidence import Evidence, Finding
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
    hhi_severity,
    kappa_severity,
    mildest,
    spread_severity,
    worst,
)
from crm_research.findings.wording import (
    Names,
    capital,
    gap_sentence,
    item_text,
    level_sentence,
    lower_first,
    number_text,
    percent_text,
)

_SAFEGUARDS = {
    "institutional": (
        "institutional safeguard (thesis §5.1): fix a daily/weekly/monthly reporting cycle, "
        "and KPIs on customer satisfaction, loyalty and conversion in staff appraisal",
        "制度保障(论文 5.1):建立日、周、月汇报制度,并将客户满意度、忠诚度、转化率纳入员工绩效考核",
    ),
    "training": (
        "a training plan on customer development, maintenance, sales skills, product knowledge "
        "and after-sales service (thesis §5.1, §5.4)",
        "制定客户开发、客户维护、销售技巧、产品知识与售后服务的培训计划(论文 5.1、5.4)",
    ),
    "funding": (
        "a budget for it (thesis §5.2: CRM maintenance, customer-relationship and travel costs, "
        "capped to prevent false claims)",
        "为此划拨专项资金(论文 5.2:CRM 维护、客情费用、差旅费用,并设定额度防止虚报)",
    ),
    "technology": (
        "technology support (thesis §5.3: a CRM that analyses customer needs, a production line "
        "that can deliver customised products)",
        "技术保障(论文 5.3:能分析客户需求的 CRM 系统、能满足定制需求的生产方式)",
    ),
    "personnel": (
        "personnel support (thesis §5.4: the general manager's backing, trainers seconded from "
        "headquarters, a professional CRM team)",
        "人员保障(论文 5.4:总经理全力支持、向总部借调专业人员开展培训、打造专业化客户关系管理团队)",
    ),
    "customer": (
        "customer support (thesis §5.5: collect customers' feedback on the changes and feed it "
        "back into the plan)",
        "客户支持(论文 5.5:收集客户对优化方案的反馈并持续改进,形成良性循环)",
    ),
}


def _safeguards(*keys: str) -> tuple[str, str]:
    en = "; ".join(_SAFEGUARDS[k][0] for k in keys)
    zh = ";".join(_SAFEGUARDS[k][1] for k in keys)
    return f" Safeguards: {en}.", f"保障措施:{zh}。"


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
    )


def _rule_identification(study: Any) -> list[Finding]:
    out = []
    if not _has_row(study, "customer_scale_scores_summary", scale="identification"):
        return out
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, "identification")
    g = _gap_evidence(ev, study, "identification")
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, "identification", s)
    gen, gzh = gap_sentence("identification", g)
    if sev in ("moderate", "major", "minor"):
        problem = (
            f"Customer identification is weak: {en}{gen} Customer information is defined, "
            "collected and updated too narrowly and too slowly for customers to feel known.",
            f"客户识别方式有限且落实不到位:{zh}{gzh}客户信息的定义、收集与更新不够全面、及时。",
        )
        sen, szh = _safeguards("institutional", "technology")
        rec = (
            "Diversify identification and develop regions (thesis §4.1): define the customer "
            "information to keep, collect it through more channels (government procurement "
            "sites, bids, visits, industry contacts), and develop under-served cities." + sen,
            "多样化识别和开发客户(论文 4.1):明确需要掌握的客户信息,拓宽信息收集渠道(政府采购网、"
            "招投标信息、实地拜访、行业关系),并加强对薄弱地区客户的开发。" + szh,
        )
    else:
        problem = (f"No identification problem found: {en}{gen}", f"未发现客户识别问题:{zh}{gzh}")
        rec = (
            "Keep the current identification practice and monitor it in the next survey.",
            "保持现有客户识别做法,并在下一次调查中持续跟踪。",
        )
    out.append(
        _finding("identification.customer_rating", "identification", sev, ev, problem, rec,
                 "IDIC (identify)", ["peppers2004", "cohen1988", "thesis"])
    )  # fmt: skip

    # The weakest identification item (thesis: information updated rarely and slowly).
    items = study.tables.get("customer_item_summary")
    if items is not None and not items.empty:
        sub = items[(items["scale"] == "identification") & (items["rank_in_scale"] == 1)]
        if len(sub) == 1:
            item = str(sub["item"].iloc[0])
            ev = Evidence(study)
            mean = ev.add(f"{item}_mean", "customer_item_summary", "mean", item=item)
            d = ev.add(f"{item}_d", "customer_item_summary", "d", item=item)
            lo = ev.add(f"{item}_d_ci_low", "customer_item_summary", "d_ci_low", item=item)
            hi = ev.add(f"{item}_d_ci_high", "customer_item_summary", "d_ci_high", item=item)
            scale_mean = ev.add("identification_mean", "customer_scale_scores_summary", "mean",
                                scale="identification")  # fmt: skip
            sev_item = effect_severity(d, lo, hi, "lower")
            if sev_item != "info":
                ten = item_text(study, "customers", item, "en")
                tzh = item_text(study, "customers", item, "zh")
                problem = (
                    f"The weakest identification item is {ten}: mean {number_text(mean)} (d = {number_text(d)} "
                    f"against the midpoint, 95% CI {number_text(lo)} to {number_text(hi)}; scale mean "
                    f"{number_text(scale_mean)}).",
                    f"客户识别中得分最低的题项是 {tzh}:均值 {number_text(mean)}(相对中点 d = {number_text(d)},"
                    f"95% 置信区间 {number_text(lo)} 至 {number_text(hi)};维度均值 {number_text(scale_mean)})。",
                )
                rec = (
                    "Set an explicit update frequency for customer records (e.g. after every "
                    "contact and at least monthly), assign the update to the account owner, and "
                    "check it in the reporting cycle (thesis §3.1.1(4), §4.5.3, §5.1).",
                    "明确客户信息更新频率(如每次沟通后及至少每月一次),责任落实到客户负责人,"
                    "并纳入定期汇报检查(论文 3.1.1(4)、4.5.3、5.1)。",
                )
                out.append(
                    _finding(f"identification.item_{item}", "identification", sev_item, ev,
                             problem, rec, "IDIC (identify)", ["peppers2004", "cohen1988", "thesis"])
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
            f"{number_text(kappa)} (95% CI {number_text(lo)} to {number_text(hi)}; {number_text(agree, 1)}% of {n} customers "
            f"classified alike). The {a_customers} class-A customers bring {number_text(a_pct, 1)}% of revenue."
        )
        base_zh = (
            f"公司现有客户等级与按价值划分的 ABC 类别的一致性 kappa = {number_text(kappa)}(95% 置信区间 "
            f"{number_text(lo)} 至 {number_text(hi)};{n} 位客户中 {number_text(agree, 1)}% 归类一致)。{a_customers} 位 A 类"
            f"客户贡献了 {number_text(a_pct, 1)}% 的收入。"
        )
        if sev != "info":
            problem = (
                "Customer classification ignores customer value: " + base_en,
                "客户分类不合理,未体现客户价值:" + base_zh,
            )
            sen, szh = _safeguards("funding", "institutional")
            # the cut-offs the study used (default 70% / 90%), as written in abc_summary
            a_cut, b_cut = 0.70, 0.90
            if "a_cut" in study.tables["abc_summary"].columns:
                a_cut = ev.add("a_cut", "abc_summary", "a_cut", abc_class="A")
                b_cut = ev.add("b_cut", "abc_summary", "b_cut", abc_class="A")
            ap, bp = f"{100 * a_cut:g}%", f"{100 * b_cut:g}%"
            rec = (
                "Introduce ABC classification (thesis §4.2): set the standard (class A while the "
                f"cumulative revenue share is <= {ap}, B up to {bp}, C the rest, reviewed each "
                "year), then roll it out: assign account owners and service levels per class, and "
                "move customer-relationship resources towards class A." + sen,
                f"实施客户 ABC 分类管理(论文 4.2):先制定分类标准(累计收入占比 {ap} 以内为 A 类、{bp} "
                "以内为 B 类、其余为 C 类,每年复核),再分步实施:按类别指定负责人与服务标准,将客情资源"
                "向 A 类客户倾斜。" + szh,
            )
        else:
            problem = (
                "Service tiers follow customer value: " + base_en,
                "客户分级与客户价值基本一致:" + base_zh,
            )
            rec = (
                "Keep reviewing the tiers against revenue every year.",
                "每年按收入复核客户分级。",
            )
        out.append(
            _finding("classification.tiers_vs_value", "classification", sev, ev, problem, rec,
                     "ABC classification / customer value", ["cohen1960", "landis1977", "juran1951", "thesis"])
        )  # fmt: skip

    # (b) Distribution of customers over cities.
    if _has_row(study, "customer_distribution", by="city"):
        ev = Evidence(study)
        hhi = ev.add("city_hhi", "customer_distribution", "hhi", by="city")
        lo = ev.add("city_hhi_ci_low", "customer_distribution", "ci_low", by="city")
        hi = ev.add("city_hhi_ci_high", "customer_distribution", "ci_high", by="city")
        top = ev.add("top_city", "customer_distribution", "top_group", by="city")
        top_share = ev.add("top_city_share", "customer_distribution", "top_share", by="city")
        top2 = ev.add("top2_city_share", "customer_distribution", "top2_share", by="city")
        groups = ev.add("cities", "customer_distribution", "groups", by="city")
        # The HHI bands alone would call any spread over four or fewer cities concentrated
        # (an even spread has HHI 1/G): the spread must also differ from an even one.
        w_txt_en = w_txt_zh = ""
        w_sev = "major"
        if "cohen_w" in study.tables["customer_distribution"].columns:
            w = ev.add("city_cohen_w", "customer_distribution", "cohen_w", by="city")
            wl = ev.add("city_cohen_w_ci_low", "customer_distribution", "cohen_w_ci_low", by="city")
            wh = ev.add(
                "city_cohen_w_ci_high", "customer_distribution", "cohen_w_ci_high", by="city"
            )
            w_sev = spread_severity(w, wl)
            w_txt_en = (
                f"; against an even spread over the cities, Cohen's w = {number_text(w)} (95% CI "
                f"{number_text(wl)} to {number_text(wh)})"
            )
            w_txt_zh = f";相对于各城市均匀分布,Cohen's w = {number_text(w)}(95% 置信区间 {number_text(wl)} 至 {number_text(wh)})"
        sev = mildest(hhi_severity(hhi, lo), w_sev)
        type_txt_en = type_txt_zh = ""
        if _has_row(study, "customer_distribution", by="customer_type"):
            ttop = ev.add(
                "top_customer_type", "customer_distribution", "top_group", by="customer_type"
            )
            tshare = ev.add(
                "top_customer_type_share", "customer_distribution", "top_share", by="customer_type"
            )
            type_txt_en = (
                f" {percent_text(tshare)} of the customers are {names.customers_of_type(ttop)}."
            )
            type_txt_zh = (
                f"{names.level('customer_type', ttop, 'zh')}占客户总数的 {percent_text(tshare)}。"
            )
        top_en = names.level("city", top, "en")
        top_zh = names.level("city", top, "zh")
        base_en = (
            f"Customers over {groups} cities: HHI = {number_text(hhi, 3)} (95% CI {number_text(lo, 3)} to {number_text(hi, 3)})"
            f"{w_txt_en}; "
            f"{top_en} alone holds {percent_text(top_share)} and the two largest cities {percent_text(top2)}."
            + type_txt_en
        )
        base_zh = (
            f"客户分布于 {groups} 个城市:HHI = {number_text(hhi, 3)}(95% 置信区间 {number_text(lo, 3)} 至 {number_text(hi, 3)})"
            f"{w_txt_zh};"
            f"{top_zh}一地占 {percent_text(top_share)},前两个城市合计占 {percent_text(top2)}。"
            + type_txt_zh
        )
        if sev != "info":
            problem = ("Customer distribution is unbalanced: " + base_en, "客户分布失衡:" + base_zh)
            sen, szh = _safeguards("funding", "personnel")
            rec = (
                f"Develop customers region by region (thesis §4.1.2): set targets for the cities "
                f"outside {top_en}, use local bid and procurement information and visits there, and "
                "broaden the customer-type mix (more end users: hospitals, government bodies)."
                + sen,
                f"加强区域客户开发(论文 4.1.2):为{top_zh}以外的城市设定开发目标,利用当地招投标与政府"
                "采购信息并实地拜访,同时丰富客户类型结构(增加医院、政府机关等终端用户)。" + szh,
            )
        else:
            problem = ("Customers are spread evenly: " + base_en, "客户分布较为均衡:" + base_zh)
            rec = ("Keep developing all regions.", "继续保持各区域客户的均衡开发。")
        out.append(
            _finding("classification.distribution_city", "classification", sev, ev, problem, rec,
                     "customer value / distribution (HHI)", ["doj2010", "thesis"])
        )  # fmt: skip

    # (c) Do customers perceive differentiated treatment (IDIC differentiate)?
    if _has_row(study, "customer_scale_scores_summary", scale="differentiation"):
        ev = Evidence(study)
        s = _scale_evidence(ev, "differentiation")
        g = _gap_evidence(ev, study, "differentiation")
        sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
        en, zh = level_sentence(names, "differentiation", s)
        gen, gzh = gap_sentence("differentiation", g)
        if sev != "info":
            problem = (
                f"Customers do not feel treated according to their value and needs: {en}{gen}",
                f"客户未感受到差异化对待:{zh}{gzh}",
            )
            rec = (
                "Differentiate service by ABC class (thesis §4.2.2, §4.3.2): service levels, visit "
                "frequency and pricing policy per class.",
                "按 ABC 类别区分服务(论文 4.2.2、4.3.2):为不同类别客户制定服务标准、拜访频率与价格政策。",
            )
        else:
            problem = (
                f"No differentiation problem found: {en}{gen}",
                f"未发现客户区分问题:{zh}{gzh}",
            )
            rec = ("Keep the current differentiation practice.", "保持现有客户区分做法。")
        out.append(
            _finding("classification.customer_differentiation", "classification", sev, ev, problem,
                     rec, "IDIC (differentiate)", ["peppers2004", "cohen1988", "thesis"])
        )  # fmt: skip
    return out


def _rule_interaction(study: Any) -> list[Finding]:
    if not _has_row(study, "customer_scale_scores_summary", scale="interaction"):
        return []
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, "interaction")
    g = _gap_evidence(ev, study, "interaction")
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, "interaction", s)
    gen, gzh = gap_sentence("interaction", g)
    if sev != "info":
        problem = (
            f"Communication and interaction with customers are insufficient: {en}{gen}",
            f"客户沟通及互动不足:{zh}{gzh}",
        )
        sen, szh = _safeguards("training", "funding")
        rec = (
            "Differentiate communication (thesis §4.3): improve staff communication skills "
            "(listening, product knowledge, follow-up), and set a contact plan per ABC class "
            "(regular visits and reviews for class A, scheduled calls for B, online contact and "
            "campaigns for C)." + sen,
            "实施差异化沟通(论文 4.3):提升员工沟通技巧(倾听、产品知识、跟进回访),并按 ABC 类别"
            "制定沟通计划(A 类定期拜访与回顾,B 类定期电话沟通,C 类线上联系与活动)。" + szh,
        )
    else:
        problem = (f"No interaction problem found: {en}{gen}", f"未发现客户互动问题:{zh}{gzh}")
        rec = ("Keep the current contact practice.", "保持现有沟通互动做法。")
    return [
        _finding("interaction.customer_rating", "interaction", sev, ev, problem, rec,
                 "IDIC (interact)", ["peppers2004", "cohen1988", "thesis"])
    ]  # fmt: skip


def _rule_customization(study: Any) -> list[Finding]:
    out = []
    if not _has_row(study, "customer_scale_scores_summary", scale="customization"):
        return out
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, "customization")
    g = _gap_evidence(ev, study, "customization")
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, "customization", s)
    gen, gzh = gap_sentence("customization", g)
    if sev != "info":
        problem = (
            f"Customized service needs improvement: {en}{gen}",
            f"客户定制化服务有待提高:{zh}{gzh}",
        )
        sen, szh = _safeguards("technology", "funding")
        rec = (
            "Customize for engineering customers (thesis §4.4.1: solutions per project, bid "
            "support, delivery and installation plans) and for end users (§4.4.2: configuration, "
            "training and after-sales packages per institution)." + sen,
            "针对工程客户定制(论文 4.4.1:按项目提供解决方案、投标支持、交付安装计划),针对终端用户"
            "定制(4.4.2:按单位需求提供配置、培训与售后服务包)。" + szh,
        )
    else:
        problem = (f"No customization problem found: {en}{gen}", f"未发现定制化服务问题:{zh}{gzh}")
        rec = ("Keep the current customization practice.", "保持现有定制化服务做法。")
    out.append(
        _finding("customization.customer_rating", "customization", sev, ev, problem, rec,
                 "IDIC (customize)", ["peppers2004", "cohen1988", "thesis"])
    )  # fmt: skip

    # The less well served customer type: its gap to the other type AND its own level.
    tests = study.tables.get("group_comparisons")
    if tests is not None and not tests.empty and "group_1" in tests.columns:
        row = tests[(tests["value"] == "customization") & (tests["group"] == "customer_type")]
        if len(row) == 1 and str(row["group_1"].iloc[0]) not in ("", "nan"):
            ev = Evidence(study)
            key = {"value": "customization", "group": "customer_type"}
            d = ev.add("type_d", "group_comparisons", "effect_value", **key)
            lo = ev.add("type_d_ci_low", "group_comparisons", "effect_ci_low", **key)
            hi = ev.add("type_d_ci_high", "group_comparisons", "effect_ci_high", **key)
            g1 = ev.add("group_1", "group_comparisons", "group_1", **key)
            g2 = ev.add("group_2", "group_comparisons", "group_2", **key)
            low, high = (g1, g2) if d < 0 else (g2, g1)
            gkey = {"value": "customization", "group": "customer_type"}
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
                low_en, high_en = names.customers_of_type(low), names.customers_of_type(high)
                g1_en, g2_en = names.customers_of_type(g1), names.customers_of_type(g2)
                low_zh, high_zh, g1_zh, g2_zh = (
                    names.level("customer_type", v, "zh") for v in (low, high, g1, g2)
                )
                problem = (
                    capital(
                        f"{low_en} are served worse on customization than {high_en}: mean "
                        f"{number_text(lm)} vs {number_text(hm)} (d = {number_text(d)} for {g1_en} minus {g2_en}, 95% CI "
                        f"{number_text(lo)} to {number_text(hi)}); their own rating is below the midpoint (d = "
                        f"{number_text(ld)}, 95% CI {number_text(ldl)} to {number_text(ldh)})."
                    ),
                    f"{low_zh}的定制化服务评价低于{high_zh}:均值 "
                    f"{number_text(lm)} 对 {number_text(hm)}({g1_zh}减{g2_zh}的 d = {number_text(d)},95% 置信区间 {number_text(lo)} 至 "
                    f"{number_text(hi)});其评分低于中点(d = {number_text(ld)},95% 置信区间 {number_text(ldl)} 至 {number_text(ldh)})。",
                )
                rec = (
                    f"Design a customization offer for {low_en} first (thesis §4.4.2 for end "
                    "users: needs survey per institution, configurable packages, on-site training), "
                    "and record their requirements in the CRM (thesis §5.2: the CRM lacks a "
                    "needs-summary function for end users).",
                    f"优先为{low_zh}设计定制化方案(论文 4.4.2:逐单位调研需求、提供可配置的"
                    "产品服务包与现场培训),并在 CRM 中记录其需求(论文 5.2:现有 CRM 缺少终端用户需求整理功能)。",
                )
                out.append(
                    _finding(f"customization.{low}", "customization", sev2, ev, problem, rec,
                             "IDIC (customize) / customer value", ["peppers2004", "cohen1988", "thesis"])
                )  # fmt: skip
    return out


def _rule_crm_system(study: Any) -> list[Finding]:
    out = []
    table = "employee_scale_scores_summary"
    if not _has_row(study, table, scale="crm_use"):
        return out
    names = Names(study)
    ev = Evidence(study)
    s = _scale_evidence(ev, "crm_use", table)
    sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
    en, zh = level_sentence(names, "crm_use", s, who="employees")
    extra_en = extra_zh = ""
    # The reverse-keyed item "I keep customer records outside the CRM", raw agreement.
    items = study.tables.get("employee_item_summary")
    rev_sev = "info"
    if items is not None and not items.empty:
        rev = items[(items["scale"] == "crm_use") & (items["reverse_keyed"].astype(str) == "True")]
        for item in rev["item"].astype(str).tolist()[:1]:
            m = ev.add(f"{item}_mean", "employee_item_summary", "mean", item=item)
            dd = ev.add(f"{item}_d", "employee_item_summary", "d", item=item)
            dl = ev.add(f"{item}_d_ci_low", "employee_item_summary", "d_ci_low", item=item)
            dh = ev.add(f"{item}_d_ci_high", "employee_item_summary", "d_ci_high", item=item)
            rev_sev = effect_severity(dd, dl, dh, "higher")
            extra_en += (
                f" Agreement with {item_text(study, 'employees', item, 'en')} averages {number_text(m)} "
                f"(d = {number_text(dd)} relative to the scale midpoint, 95% CI {number_text(dl)} to {number_text(dh)})."
            )
            extra_zh += (
                f"对 {item_text(study, 'employees', item, 'zh')} 的平均同意程度为 {number_text(m)}(相对中点 "
                f"d = {number_text(dd)},95% 置信区间 {number_text(dl)} 至 {number_text(dh)})。"
            )
    if _has_row(study, "employee_group_comparisons", value="crm_use", group="role"):
        key = {"value": "crm_use", "group": "role"}
        eta = ev.add("role_eta_squared", "employee_group_comparisons", "effect_value", **key)
        el = ev.add("role_eta_squared_ci_low", "employee_group_comparisons", "effect_ci_low", **key)
        extra_en += f" Use differs by role: eta squared = {number_text(eta)} (lower 95% bound {number_text(el)})."
        extra_zh += (
            f"不同岗位之间使用差异:eta² = {number_text(eta)}(95% 置信下限 {number_text(el)})。"
        )
    sev = worst(sev, rev_sev)
    if sev != "info":
        problem = (
            f"CRM-system use is not standardised: {en}{extra_en}",
            f"CRM 系统应用不规范:{zh}{extra_zh}",
        )
        sen, szh = _safeguards("funding", "training", "institutional")
        rec = (
            "Build CRM information (thesis §4.5): make the CRM the single place for customer "
            "records (value the CRM idea; a customer-centred culture; a stable, complete customer "
            "database), set record-keeping rules per role, appoint a CRM administrator and keep "
            "the system stable rather than switching systems." + sen,
            "完善 CRM 客户信息建设(论文 4.5):加强对 CRM 理念的重视,构建“以客户为中心”的企业文化,"
            "稳定与完善客户信息数据库;按岗位制定录入规范,指定专人维护,不轻易更换系统。" + szh,
        )
    else:
        problem = (
            f"CRM-system use looks standard: {en}{extra_en}",
            f"CRM 系统使用较为规范:{zh}{extra_zh}",
        )
        rec = ("Keep the CRM rules and training.", "保持现有 CRM 使用规范与培训。")
    out.append(
        _finding("crm_system.use", "crm_system", sev, ev, problem, rec,
                 "CRM system / information building", ["cohen1988", "thesis"])
    )  # fmt: skip
    return out


def _rule_perception_gap(study: Any) -> list[Finding]:
    out = []
    gap = study.tables.get("perception_gap")
    if gap is None or gap.empty:
        return out
    names = Names(study)
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
        problem = (
            f"Employees rate the company's {names.scale_in_sentence(dim)} higher than its customers do: {number_text(em)} vs "
            f"{number_text(cm)} (gap {number_text(gp)}, 95% CI {number_text(gl)} to {number_text(gh)}; Hedges' g = {number_text(g)}, 95% CI "
            f"{number_text(lo)} to {number_text(hi)}).",
            f"员工对公司“{names.scale(dim, 'zh')}”的自评高于客户评价:{number_text(em)} 对 {number_text(cm)}(差距 "
            f"{number_text(gp)},95% 置信区间 {number_text(gl)} 至 {number_text(gh)};Hedges' g = {number_text(g)},95% 置信区间 "
            f"{number_text(lo)} 至 {number_text(hi)})。",
        )
        sen, szh = _safeguards("customer", "training")
        rec = (
            "Share the customer results with the sales team, make customer-rated KPIs (not "
            "self-assessment) the basis of appraisal, and repeat the customer survey each year."
            + sen,
            "向销售团队通报客户评价结果,以客户评价(而非自评)作为考核依据,并每年重复开展客户调查。"
            + szh,
        )
        out.append(
            _finding(f"perception_gap.{dim}", "perception_gap", sev, ev, problem, rec,
                     "IDIC / customer-employee perception gap", ["cohen1988", "peppers2004", "thesis"])
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
        f"{number_text(loy)} (d_z = {number_text(dz)}, 95% CI {number_text(lo)} to {number_text(hi)}).{merc_txt_en}",
        f"满意不等于忠诚:满意度 {number_text(sat)},忠诚度 {number_text(loy)}(d_z = {number_text(dz)},95% 置信区间 {number_text(lo)} 至 "
        f"{number_text(hi)})。{merc_txt_zh}",
    )
    sen, szh = _safeguards("institutional", "customer")
    rec = (
        "Manage loyalty, not only satisfaction: find out why satisfied customers would switch "
        "(price, competitors' offers), add loyalty measures (repurchase, share of wallet, "
        "referrals) to the KPIs, and build relationship benefits for class-A customers." + sen,
        "在满意度之外管理忠诚度:了解满意客户仍考虑更换供应商的原因(价格、竞争对手条件),将复购、"
        "客户钱包份额、推荐等忠诚指标纳入考核,并为 A 类客户设计关系利益。" + szh,
    )
    return [
        _finding("loyalty.satisfied_not_loyal", "loyalty", sev, ev, problem, rec,
                 "satisfaction-loyalty (Jones & Sasser)", ["jones1995", "cohen1988", "reichheld2003"])
    ]  # fmt: skip


def _rule_concentration(study: Any) -> list[Finding]:
    if not _has_row(study, "concentration_summary", by="city"):
        return []
    ev = Evidence(study)
    top = ev.add("top20_revenue_share", "concentration_summary", "top_revenue_share", by="city")
    gini = ev.add("gini", "concentration_summary", "gini", by="city")
    n = ev.add("customers", "concentration_summary", "n_customers", by="city")
    sev = "minor" if top is not None and top >= PARETO_TOP_SHARE else "info"
    lead_en, lead_zh = (
        ("Revenue is concentrated", "收入集中")
        if sev != "info"
        else ("Revenue is less concentrated than the Pareto benchmark", "收入集中度低于帕累托基准")
    )
    problem = (
        f"{lead_en}: the top 20% of the {number_text(n, 0)} customers bring {percent_text(top)} of "
        f"revenue (Gini = {number_text(gini)}).",
        f"{lead_zh}:前 20% 的客户(共 {number_text(n, 0)} 位)贡献了 {percent_text(top)} 的收入(基尼系数 {number_text(gini)})。",
    )
    rec = (
        "Protect the largest accounts (class A) with dedicated owners and service plans, and "
        "reduce dependence on them by developing B customers (thesis §4.2; concentration raises "
        "business risk, thesis §1.3).",
        "为最大客户(A 类)配备专人与服务计划加以维护,同时培育 B 类客户以降低对少数客户的依赖"
        "(论文 4.2;客户过度集中会增加经营风险,论文 1.3)。",
    )
    return [
        _finding("concentration.revenue", "concentration", sev, ev, problem, rec,
                 "customer value / Pareto", ["juran1951", "thesis"])
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
                f"{number_text(alpha, 3)} (< {ALPHA_ADEQUATE:.2f}).",
                f"{'客户' if who == 'customer' else '员工'}量表“{names.scale(scale, 'zh')}”信度不足:"
                f"Cronbach's α = {number_text(alpha, 3)}(< {ALPHA_ADEQUATE:.2f})。",
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
    for scale in ("training", "motivation", "acceptance"):
        if not _has_row(study, table, scale=scale):
            continue
        ev = Evidence(study)
        s = _scale_evidence(ev, scale, table)
        sev = effect_severity(s["d"], s["d_ci_low"], s["d_ci_high"], "lower")
        if sev == "info":
            continue
        en, zh = level_sentence(names, scale, s, who="employees")
        sen, szh = _safeguards("training", "personnel")
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
                (
                    "Strengthen the people side of CRM before further system changes." + sen,
                    "在进一步调整系统之前先加强 CRM 的人员基础。" + szh,
                ),
                "CRM implementation (people)",
                ["cohen1988", "scorecard", "thesis"],
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
                    f"{number_text(ma)} after (d_z = {number_text(dz)}, 95% CI {number_text(lo)} to {number_text(hi)}; a medium "
                    f"improvement, d_z = {D_MEDIUM}, is expected).",
                    f"CRM 实施未改善“{names.facet_level('category', category, 'zh')}”类指标:实施前 {number_text(mb)},实施后 "
                    f"{number_text(ma)}(d_z = {number_text(dz)},95% 置信区间 {number_text(lo)} 至 {number_text(hi)};预期至少中等程度改善,"
                    f"d_z = {D_MEDIUM})。",
                ),
                (
                    "Review this category's metrics in the reporting cycle and assign an owner "
                    "(thesis §5.1).",
                    "在定期汇报中复盘该类指标并指定负责人(论文 5.1)。",
                ),
                "CRM implementation scorecard",
                ["scorecard", "cohen1988"],
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
    Cohen, J. (1988); Landis & Koch (1977); US DOJ & FTC (2010); Nunnally (1978).
    """
    if not hasattr(study, "tables"):
        raise InputError("derive_findings needs a StudyResult (an object with .tables).")
    found: list[Finding] = []
    for rule in _RULES:
        found.extend(rule(study))
    order = {a: k for k, a in enumerate(_AREA_ORDER)}
    found.sort(key=lambda f: (order.get(f.area, len(order)), -SEVERITY_RANK[f.severity], f.id))
    return found
