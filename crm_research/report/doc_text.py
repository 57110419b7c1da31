"""The words of the document around the analysis chapters, in Chinese and English.

:data:`DOCUMENT_TEXT` is the prose of the executive summary, the method chapter, the cause
analysis, the safeguards, the limitations and conclusion and the provenance appendix
(:mod:`crm_research.report.document`); :data:`TABLE_CAPTIONS` the caption of each study
table (:mod:`crm_research.report.html` numbers them, 表3-2 / Table 3.2);
:data:`CAPTION_WORDS` the words of the numbering.  Both are catalogues of
:data:`crm_research.report.text.CATALOGUES` (every key has zh and en; a test checks).
Chinese text uses full-width punctuation (GB/T 15834-2011).
"""

from __future__ import annotations

__all__ = ["CAPTION_WORDS", "DOCUMENT_TEXT", "TABLE_CAPTIONS"]

#: How a caption is numbered: chapter and number within the chapter.
CAPTION_WORDS: dict[str, dict[str, str]] = {
    "table": {"zh": "表{chapter}-{k}", "en": "Table {chapter}.{k}"},
    "figure": {"zh": "图{chapter}-{k}", "en": "Figure {chapter}.{k}"},
    "appendix": {"zh": "附录", "en": "Appendix"},
    "appendix.colon": {"zh": "：", "en": ": "},
    "below.table": {"zh": "下表", "en": "the table below"},
    "below.Table": {"zh": "下表", "en": "The table below"},
    "below.figure": {"zh": "下图", "en": "the figure below"},
    "below.Figure": {"zh": "下图", "en": "The figure below"},
}

#: Caption of each study table (by its name in ``tables/``).
TABLE_CAPTIONS: dict[str, dict[str, str]] = {
    "quality_summary": {"zh": "输入文件与有效样本", "en": "Input files and valid responses"},
    "customer_descriptives": {"zh": "客户问卷题项描述统计", "en": "Customer items: descriptives"},
    "customer_item_summary": {"zh": "客户问卷题项概览", "en": "Customer items: summary"},
    "customer_scale_scores_summary": {
        "zh": "客户问卷各维度得分（与量表中点比较）",
        "en": "Customer scale scores against the scale midpoint",
    },
    "customer_correlations": {"zh": "客户问卷维度相关", "en": "Correlations of customer scales"},
    "employee_descriptives": {"zh": "员工问卷题项描述统计", "en": "Employee items: descriptives"},
    "employee_item_summary": {"zh": "员工问卷题项概览", "en": "Employee items: summary"},
    "employee_scale_scores_summary": {
        "zh": "员工自评各维度得分（与量表中点比较）",
        "en": "Employee self-assessment scale scores against the scale midpoint",
    },
    "reliability_customer": {"zh": "客户问卷信度", "en": "Reliability of the customer scales"},
    "reliability_employee": {"zh": "员工问卷信度", "en": "Reliability of the employee scales"},
    "group_comparisons": {"zh": "客户群体间的差异检验", "en": "Differences between customer groups"},
    "group_means": {"zh": "各客户群体的维度均值", "en": "Scale means by customer group"},
    "group_posthoc": {"zh": "客户群体两两比较", "en": "Pairwise comparisons of customer groups"},
    "drivers_satisfaction": {"zh": "满意度的驱动因素（回归）", "en": "Drivers of satisfaction (regression)"},
    "drivers_loyalty": {"zh": "忠诚度的驱动因素（回归）", "en": "Drivers of loyalty (regression)"},
    "driver_fit": {"zh": "驱动因素回归的拟合", "en": "Fit of the driver regressions"},
    "ipa": {"zh": "重要性–表现分析", "en": "Importance–performance analysis"},
    "satisfaction_loyalty": {
        "zh": "满意度 × 忠诚度细分",
        "en": "Satisfaction × loyalty segments",
    },
    "satisfaction_vs_loyalty": {"zh": "满意度与忠诚度的比较", "en": "Satisfaction against loyalty"},
    "nps": {"zh": "净推荐值（NPS）", "en": "Net Promoter Score (NPS)"},
    "perception_gap": {
        "zh": "员工自评与客户评价的感知差距",
        "en": "Perception gap between employees and customers",
    },
    "abc": {"zh": "客户 ABC 分类", "en": "ABC classes of customers"},
    "abc_summary": {"zh": "ABC 各类客户的数量与销售额", "en": "Customers and revenue by ABC class"},
    "concentration_city": {"zh": "各城市销售额与集中度", "en": "Revenue and concentration by city"},
    "concentration_type": {
        "zh": "各客户性质的销售额与集中度",
        "en": "Revenue and concentration by customer type",
    },
    "concentration_sector": {
        "zh": "各行业的销售额与集中度",
        "en": "Revenue and concentration by sector",
    },
    "concentration_summary": {"zh": "收入集中度指标", "en": "Revenue concentration indices"},
    "revenue_concentration": {
        "zh": "客户层面的收入集中度（前 20% 客户占比与基尼系数）",
        "en": "Revenue concentration over customers (top-20% share and Gini)",
    },
    "customer_cfa_htmt_pairs": {
        "zh": "HTMT 各维度对及其判定",
        "en": "HTMT by pair of scales, with verdicts",
    },
    "customer_distribution": {"zh": "客户分布", "en": "Distribution of customers"},
    "distribution_city": {"zh": "客户的城市分布", "en": "Customers by city"},
    "distribution_type": {"zh": "客户性质分布", "en": "Customers by customer type"},
    "distribution_sector": {"zh": "客户的行业分布", "en": "Customers by sector"},
    "classification_agreement": {
        "zh": "现有客户等级与 ABC 类别的一致性",
        "en": "Agreement of company tiers with ABC classes",
    },
    "classification_crosstab": {
        "zh": "现有客户等级 × ABC 类别",
        "en": "Company tiers × ABC classes",
    },
    "crm_use_by_role": {"zh": "各岗位的 CRM 系统使用", "en": "CRM-system use by role"},
    "employee_group_comparisons": {
        "zh": "员工群体间的差异检验",
        "en": "Differences between employee groups",
    },
    "employee_group_posthoc": {
        "zh": "员工群体两两比较",
        "en": "Pairwise comparisons of employee groups",
    },
    "scorecard": {"zh": "CRM 实施评分卡", "en": "CRM implementation scorecard"},
    "scorecard_comparisons": {
        "zh": "评分卡各阶段的比较",
        "en": "Scorecard: comparison of phases",
    },
    "satisfaction_loyalty_points": {
        "zh": "客户的满意度与忠诚度",
        "en": "Satisfaction and loyalty of each customer",
    },
    "customer_kmo": {"zh": "KMO 取样适切性", "en": "Kaiser–Meyer–Olkin sampling adequacy"},
    "customer_bartlett": {"zh": "Bartlett 球形检验", "en": "Bartlett's test of sphericity"},
    "customer_parallel_analysis": {"zh": "平行分析", "en": "Parallel analysis"},
    "customer_efa_loadings": {"zh": "探索性因子分析载荷", "en": "Exploratory factor loadings"},
    "customer_efa_variance": {"zh": "各因子解释的方差", "en": "Variance explained by the factors"},
    "customer_efa_correlations": {"zh": "因子间相关", "en": "Factor correlations"},
    "customer_cfa_fit": {"zh": "验证性因子分析拟合指标", "en": "Fit of the confirmatory factor model"},
    "customer_cfa_loadings": {
        "zh": "验证性因子分析标准化载荷",
        "en": "Standardised loadings of the confirmatory factor model",
    },
    "customer_cfa_validity": {
        "zh": "组合信度与平均方差萃取量",
        "en": "Composite reliability and average variance extracted",
    },
    "customer_cfa_htmt": {"zh": "HTMT 区分效度", "en": "Heterotrait–monotrait ratios (HTMT)"},
    "customer_cfa_fornell_larcker": {
        "zh": "Fornell–Larcker 区分效度",
        "en": "Fornell–Larcker discriminant validity",
    },
    # tables of the document's own chapters
    "document.inputs": {"zh": "输入文件与校验值", "en": "Input files and their checksums"},
    "document.sample": {"zh": "样本与有效回收", "en": "Samples and valid responses"},
    "document.instruments": {"zh": "问卷工具", "en": "Instruments"},
    "document.methods": {"zh": "分析方法及其文献", "en": "Methods and their references"},
    "document.causes": {"zh": "问题成因的证据", "en": "Evidence on the causes"},
}

#: Prose of the document's own chapters (``{name}`` fields filled from tables or findings).
DOCUMENT_TEXT: dict[str, dict[str, str]] = {
    # executive summary --------------------------------------------------------------------
    "summary.title": {"zh": "执行摘要", "en": "Executive summary"},
    "summary.purpose": {
        "zh": "**目的**：诊断{company}客户关系管理的现状，找出问题及其成因，提出按优先级排序的优化方案。",
        "en": "**Purpose**: to diagnose customer relationship management at {company}, find its "
        "problems and their causes, and propose an optimisation plan in order of priority.",
    },
    "summary.company.case": {"zh": "D 公司", "en": "D company"},
    "summary.company.generic": {"zh": "本企业", "en": "the company"},
    "summary.data": {
        "zh": "**数据**：{parts}。",
        "en": "**Data**: {parts}.",
    },
    "summary.data.customers": {
        "zh": "客户问卷 {n} 份有效回答",
        "en": "{n} valid customer questionnaires",
    },
    "summary.data.employees": {
        "zh": "员工自评问卷 {n} 份",
        "en": "{n} employee self-assessments",
    },
    "summary.data.scorecard": {
        "zh": "CRM 实施评分卡 {n} 份",
        "en": "{n} CRM implementation scorecards",
    },
    "summary.data.ledger": {
        "zh": "客户台账中的 {n} 家客户",
        "en": "a ledger of {n} customers",
    },
    "summary.simulated": {
        "zh": "以上数据均为模拟数据，仅用于演示方法。",
        "en": "All of these data are simulated, for demonstrating the method only.",
    },
    "summary.problems": {
        "zh": "**主要问题**（按优先级排序）：",
        "en": "**Problems** (in order of priority):",
    },
    "summary.actions": {
        "zh": "**首先采取的三项行动**：",
        "en": "**The first three actions**:",
    },
    "summary.none": {
        "zh": "按所用的规则与阈值，数据未显示需要处理的问题。",
        "en": "By the rules and thresholds used, the data show no problem that needs action.",
    },
    "summary.more": {
        "zh": "详见第 {plan} 节的优化方案与第 {causes} 节的成因分析。",
        "en": "Details: the optimisation plan (section {plan}) and the cause analysis "
        "(section {causes}).",
    },
    "summary.band": {"zh": "（{band}）", "en": "({band})"},
    "severity.major": {"zh": "严重", "en": "major"},
    "severity.moderate": {"zh": "较重", "en": "moderate"},
    "severity.minor": {"zh": "轻微", "en": "minor"},
    "severity.info": {"zh": "提示", "en": "info"},
    # introduction and method ---------------------------------------------------------------
    "method.title": {"zh": "研究设计与方法", "en": "Introduction and method"},
    "method.intro": {
        "zh": "本报告依次为：研究设计与方法、现状与分析各章、问题及成因、优化方案、"
        "保障措施、局限与结论，最后是附录。",
        "en": "The report runs in this order: method, the chapters on the current state, "
        "problems and their causes, the optimisation plan, safeguards, limitations and "
        "conclusion, then the appendices.",
    },
    "method.sample.title": {"zh": "样本与抽样框", "en": "Sample and sampling frame"},
    "method.sample.case": {
        "zh": "调查对象为 D 公司 2018–2019 年河北市场的合作客户与 D 公司员工（总经理、销售经理、"
        "销售代表与销售助理）；与公司有过合作的客户了解其产品的实际应用，能全面反映存在的问题"
        "（{thesis}）。论文另以面对面访谈了解现状；访谈未形成可供分析的数据，本报告不作统计。",
        "en": "The respondents are D company's customers in the Hebei market in 2018–2019 and its "
        "employees (general manager, sales managers, sales representatives and assistants); "
        "customers who have worked with the company know how its products are used ({thesis}). "
        "The thesis also held face-to-face interviews; they left no data to analyse and are "
        "not counted here.",
    },
    "method.sample.generic": {
        "zh": "抽样框为输入文件中的全部回答者；报告无法得知回答者是如何选出的，"
        "结论只适用于与样本相似的客户与员工。",
        "en": "The sampling frame is every respondent in the input files; the report cannot know "
        "how they were selected, so its conclusions hold for customers and employees like those "
        "sampled.",
    },
    "method.responses": {
        "zh": "{table}列出每份输入的有效回答数与筛查发现的问题数；筛查规则与逐条记录见附录。",
        "en": "{table} gives the valid responses of each input and the problems screening "
        "found; the rules and the log are in the appendix.",
    },
    "method.instruments.title": {"zh": "问卷工具", "en": "Instruments"},
    "method.instruments": {
        "zh": "{table}列出各问卷的维度与题项数（李克特 1–5 分量表）。",
        "en": "{table} lists the scales and items of each instrument (1–5 Likert scales).",
    },
    "method.methods.title": {"zh": "分析方法", "en": "Methods"},
    "method.methods": {
        "zh": "{table}列出所用的方法及其文献；阈值见附录“方法与阈值”。",
        "en": "{table} lists the methods and their references; the thresholds are in the "
        "appendix on methods and thresholds.",
    },
    "method.col.input": {"zh": "输入", "en": "Input"},
    "method.col.instrument": {"zh": "问卷", "en": "Instrument"},
    "method.col.respondents": {"zh": "有效回答（份）", "en": "Valid responses"},
    "method.col.problems": {"zh": "筛查问题（条）", "en": "Screening problems"},
    "method.col.scale": {"zh": "维度", "en": "Scale"},
    "method.col.items": {"zh": "题项数", "en": "Items"},
    "method.col.method": {"zh": "方法", "en": "Method"},
    "method.col.purpose": {"zh": "用途", "en": "Used for"},
    "method.col.reference": {"zh": "文献", "en": "Reference"},
    "input.customers": {"zh": "客户问卷", "en": "Customer questionnaire"},
    "input.employees": {"zh": "员工自评问卷", "en": "Employee self-assessment"},
    "input.scorecard": {"zh": "CRM 实施评分卡", "en": "CRM implementation scorecard"},
    "input.ledger": {"zh": "客户台账", "en": "Customer ledger"},
    "m.descriptives": {"zh": "描述统计与单样本 t 检验（对量表中点）", "en": "Descriptives and one-sample t tests against the scale midpoint"},
    "m.descriptives.use": {"zh": "各维度的现状水平", "en": "Level of each scale"},
    "m.effect": {"zh": "效应量 Cohen d 及置信区间", "en": "Effect size Cohen's d with confidence intervals"},
    "m.effect.use": {"zh": "差距的大小", "en": "How large a difference is"},
    "m.reliability": {"zh": "Cronbach α、McDonald ω", "en": "Cronbach's α, McDonald's ω"},
    "m.reliability.use": {"zh": "量表信度", "en": "Reliability of the scales"},
    "m.factor": {"zh": "探索性与验证性因子分析、HTMT", "en": "Exploratory and confirmatory factor analysis, HTMT"},
    "m.factor.use": {"zh": "结构效度与区分效度", "en": "Construct and discriminant validity"},
    "m.groups": {"zh": "方差分析与 Holm 多重比较校正", "en": "Analysis of variance with Holm's correction"},
    "m.groups.use": {"zh": "群体之间的差异", "en": "Differences between groups"},
    "m.satloy": {"zh": "满意度 × 忠诚度矩阵", "en": "Satisfaction × loyalty matrix"},
    "m.satloy.use": {"zh": "客户细分", "en": "Customer segments"},
    "m.nps": {"zh": "净推荐值", "en": "Net Promoter Score"},
    "m.nps.use": {"zh": "推荐意愿", "en": "Willingness to recommend"},
    "m.abc": {"zh": "ABC 分类、HHI 集中度", "en": "ABC classification, HHI concentration"},
    "m.abc.use": {"zh": "客户价值与收入集中度", "en": "Customer value and revenue concentration"},
    "m.kappa": {"zh": "Cohen κ", "en": "Cohen's κ"},
    "m.kappa.use": {"zh": "现有客户等级与价值类别的一致性", "en": "Agreement of tiers with value classes"},
    "m.idic": {"zh": "IDIC 模型", "en": "IDIC model"},
    "m.idic.use": {"zh": "识别、区分、互动、定制四个维度", "en": "Identify, differentiate, interact, customise"},
    # causes -------------------------------------------------------------------------------
    "causes.title": {"zh": "问题成因分析", "en": "Causes of the problems"},
    "causes.intro": {
        "zh": "成因分析把问题与数据中可能的原因联系起来；每条只陈述有证据支持的关系，"
        "置信区间包含零的差异不作为成因。",
        "en": "The cause analysis links the problems to possible causes in the data; each "
        "states only what the evidence supports, and a difference whose confidence interval "
        "includes zero is not claimed as a cause.",
    },
    "causes.crm.title": {"zh": "CRM 系统使用不足", "en": "Low use of the CRM system"},
    "causes.crm.level": {
        "zh": "员工对 CRM 系统使用的自评均值为 {mean}（量表中点 {mid}；d = {d}，95% 置信区间 {lo} 至 {hi}），见{table}。",
        "en": "Employees rate their use of the CRM system at {mean} (scale midpoint {mid}; "
        "d = {d}, 95% CI {lo} to {hi}); see {table}.",
    },
    "causes.crm.factor.below": {
        "zh": "{scale}均值 {mean}，低于中点（d = {d}，95% 置信区间 {lo} 至 {hi}）：可能是原因之一。",
        "en": "{scale}: mean {mean}, below the midpoint (d = {d}, 95% CI {lo} to {hi}): a "
        "likely cause.",
    },
    "causes.crm.factor.unclear": {
        "zh": "{scale}均值 {mean}，与中点的差异不确定（d = {d}，95% 置信区间 {lo} 至 {hi}）：数据不足以认定为原因。",
        "en": "{scale}: mean {mean}, not clearly different from the midpoint (d = {d}, 95% CI "
        "{lo} to {hi}): the data do not show it as a cause.",
    },
    "causes.crm.factor.above": {
        "zh": "{scale}均值 {mean}，高于中点（d = {d}，95% 置信区间 {lo} 至 {hi}）：不是原因。",
        "en": "{scale}: mean {mean}, above the midpoint (d = {d}, 95% CI {lo} to {hi}): not a "
        "cause.",
    },
    "causes.crm.role": {
        "zh": "按岗位，{role}的使用最低（均值 {mean}，n = {n}），见{table}。",
        "en": "By role, use is lowest for the role {role} (mean {mean}, n = {n}); see {table}.",
    },
    "causes.gap.title": {"zh": "员工高估了服务水平", "en": "Employees overrate their service"},
    "causes.gap": {
        "zh": "在 {k} 个 IDIC 维度上，员工自评均高于客户评价（差距 {low} 至 {high} 分），见{table}："
        "员工认为已经做到的，客户并未感受到，因而改进的动力不足，客户需求得不到满足。"
        "两份问卷的题项与样本量不同，差距只作方向性参考。",
        "en": "On {k} IDIC dimensions employees rate themselves above the customers' ratings "
        "(gaps of {low} to {high} points; {table}): what employees believe they do is not "
        "what customers experience, so there is little pressure to improve and customers' "
        "needs go unmet. The two questionnaires differ in items and sample size, so the gaps "
        "show direction, not exact size.",
    },
    "causes.satloy.title": {
        "zh": "满意但不忠诚",
        "en": "Satisfied but not loyal",
    },
    "causes.satloy": {
        "zh": "{share} 的客户满意但不忠诚（“唯利是图者”），见{table}：满意度并未转化为忠诚，"
        "说明关系的维系依赖价格与单次交易，而非个性化的互动与定制。",
        "en": "{share} of customers are satisfied but not loyal (“mercenaries”; {table}): "
        "satisfaction does not become loyalty, so the relationship rests on price and single "
        "transactions rather than on interaction and customisation.",
    },
    "causes.none": {
        "zh": "数据中没有可以检验成因的表格。",
        "en": "The data hold no table with which a cause could be examined.",
    },
    # safeguards ---------------------------------------------------------------------------
    "safeguards.title": {"zh": "保障措施", "en": "Safeguards"},
    "safeguards.intro": {
        "zh": "优化方案的落实需要以下保障；每项保障后列出它所支持的行动（按优先级编号）。",
        "en": "The plan needs these safeguards; each lists the actions it supports (numbered by "
        "priority).",
    },
    "safeguards.supports": {"zh": "支持行动：{actions}。", "en": "Supports actions: {actions}."},
    "safeguards.all": {"zh": "支持全部行动。", "en": "Supports every action."},
    "sg.institutional": {
        "zh": "**制度保障**：建立日、周、月汇报制度；将客户满意度、忠诚度和转化率纳入绩效考核。",
        "en": "**Institutional**: daily, weekly and monthly reporting; satisfaction, loyalty "
        "and conversion in staff appraisal.",
    },
    "sg.training": {
        "zh": "**培训保障**：制定员工培训计划，覆盖 CRM 系统操作与客户沟通。",
        "en": "**Training**: a training plan covering the CRM system and customer contact.",
    },
    "sg.funding": {
        "zh": "**资金保障**：为 CRM 系统维护、客情维护和差旅设立专项预算，并设定额度、防止虚报。",
        "en": "**Funding**: a dedicated budget for CRM maintenance, customer relations and "
        "travel, with limits that prevent false claims.",
    },
    "sg.technology": {
        "zh": "**技术保障**：完善 CRM 系统的客户信息与分析功能，建立稳定的客户数据库；"
        "生产与交付能够满足定制需求。",
        "en": "**Technology**: customer information and analysis in the CRM system, a stable "
        "customer database; production that can deliver customised products.",
    },
    "sg.personnel": {
        "zh": "**人员保障**：总经理全力支持，向总部借调专业人员开展培训，打造专业化的客户关系管理团队。",
        "en": "**Personnel**: the general manager's backing, trainers seconded from "
        "headquarters, a professional CRM team.",
    },
    "sg.customer": {
        "zh": "**客户支持**：收集客户对改进措施的反馈并持续改进，形成良性循环。",
        "en": "**Customer support**: collect customers' feedback on the changes and feed it "
        "back into the plan.",
    },
    # limitations and conclusion -------------------------------------------------------------
    "limitations.title": {"zh": "局限与结论", "en": "Limitations and conclusion"},
    "limitations.heading": {"zh": "研究局限", "en": "Limitations"},
    "limitations.simulated": {
        "zh": "数据为模拟数据：按论文描述的问题生成，用于演示方法；数值不代表任何真实企业。",
        "en": "The data are simulated: generated to show the problems the thesis describes, "
        "for demonstrating the method; the numbers describe no real company.",
    },
    "limitations.cross_section": {
        "zh": "横截面的问卷调查只能显示关联，不能证明因果；成因分析是有证据支持的推断，而非因果检验。",
        "en": "A cross-sectional survey shows associations, not causation; the cause analysis "
        "is an inference supported by evidence, not a causal test.",
    },
    "limitations.employees": {
        "zh": "员工样本较小（n = {n}），员工群体之间的比较检验力有限。",
        "en": "The employee sample is small (n = {n}), so comparisons between groups of "
        "employees have little power.",
    },
    "limitations.self_report": {
        "zh": "所有量表都是自我报告，可能受共同方法偏差与社会赞许性的影响。",
        "en": "Every scale is self-reported and may carry common-method variance and social "
        "desirability.",
    },
    "limitations.gap": {
        "zh": "客户问卷与员工问卷的题项与样本量不同，感知差距只能作方向性比较。",
        "en": "The customer and employee questionnaires differ in items and sample size, so "
        "the perception gap is a comparison of direction.",
    },
    "conclusion.heading": {"zh": "结论", "en": "Conclusion"},
    "conclusion.text": {
        "zh": "本报告共得出 {n} 条发现，其中严重 {major} 条、较重 {moderate} 条。"
        "优先处理：{first}。",
        "en": "The report makes {n} findings, {major} major and {moderate} moderate. First to "
        "address: {first}.",
    },
    "conclusion.none": {
        "zh": "按所用的规则，数据未显示需要处理的问题。",
        "en": "By the rules used, the data show no problem that needs action.",
    },
    # provenance appendix ------------------------------------------------------------------
    "provenance.title": {"zh": "附录：数据来源与校验值", "en": "Appendix: provenance and checksums"},
    "provenance.intro": {
        "zh": "以下信息供复核使用：输入文件的 SHA-256 校验值、问卷工具标识、随机种子与软件版本。",
        "en": "For checking the report: the SHA-256 of each input file, the instrument ids, "
        "the random seed and the software version.",
    },
    "provenance.col.item": {"zh": "项目", "en": "Item"},
    "provenance.col.value": {"zh": "内容", "en": "Value"},
}
