"""The report's words: every piece of prose and every label, in Chinese and English.

Why one module of this size (docs/DEVELOPING.md asks for about 900 lines): it is data, the
bilingual catalogues, kept in one place so that a translator reads every text of the report
in one file and the completeness test checks one module.

This is the one language mechanism of the report: catalogues keyed by id, each entry with a
``zh`` and an ``en`` text (:data:`CATALOGUES`; a test fails when an entry lacks one), looked
up with :func:`text` / :func:`report_text` after :func:`check_lang`.  No code of the report
chooses a language with an ``if``.

The notebooks never hold prose in one language: they call
:meth:`~crm_research.report.context.ReportContext.say` with a key of :data:`NOTEBOOK_TEXT`,
so the same notebook writes a Chinese or an English report.  :data:`ID_LABELS` and
:data:`COLUMN_LABELS` turn analysis ids and table headers into words of the report
language; :data:`REPORT_TEXT` is the page's chrome, :data:`APPENDIX_TEXT` the methods
appendix, :data:`PLOT_TEXT` the figures' titles and axes.  Why a table is left out is not
here: the study says it (:data:`crm_research.study.ABSENT_TEXT`).  Chapter order follows the
D-company thesis: current state -> problems -> optimisation plan -> safeguards.
"""

from __future__ import annotations

import re

from crm_research.errors import InputError
from crm_research.instrument import LANGS
from crm_research.report.doc_text import CAPTION_WORDS, DOCUMENT_TEXT, TABLE_CAPTIONS
from crm_research.report.text_models import MODEL_CATALOGUES
from crm_research.report.typeset import TYPESET
from crm_research.study.absent import COLUMN_WORDS
from crm_research.study.inputs import HIDDEN_LEVEL, HIDDEN_LEVEL_LABEL

__all__ = [
    "APPENDIX_TEXT",
    "CATALOGUES",
    "COLUMN_LABELS",
    "EVIDENCE_LABELS",
    "EVIDENCE_SUFFIXES",
    "FINDING_TEXT",
    "FRAMEWORK_LABELS",
    "ID_LABELS",
    "LANGS",
    "NOTEBOOK_TEXT",
    "PLOT_TEXT",
    "QUALITY_RULE_LABELS",
    "REPORT_TEXT",
    "check_lang",
    "quality_text",
    "report_text",
    "text",
]


def check_lang(lang: str) -> str:
    """``lang`` if it is a report language (:data:`LANGS`), else ``InputError``.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise InputError(f"Unknown report language '{lang}': choose zh or en.")
    return lang


NOTEBOOK_TEXT: dict[str, dict[str, str]] = {
    # 01 data quality --------------------------------------------------------------------
    "dq.title": {
        "zh": "# 1 数据与数据质量\n\n本章说明报告所用的三类数据(客户问卷、员工自评问卷、客户台账)"
        "及其读取与筛查结果。所有分析均从这些数据出发,每个数字都可以在 `tables/` 中找到。",
        "en": "# 1 Data and data quality\n\nThis chapter describes the three data sources of the "
        "report (customer questionnaire, employee self-assessment, customer ledger) and what "
        "reading and screening them found. Every number in the report can be found in `tables/`.",
    },
    "dq.inputs": {
        "zh": "## 1.1 样本与输入文件\n\n下表列出每个输入文件、所用问卷工具、保留的有效样本数以及筛查时"
        "记录的问题条数。",
        "en": "## 1.1 Samples and input files\n\nOne row per input file: the instrument used, the "
        "respondents kept and the number of problems screening logged.",
    },
    "dq.log": {
        "zh": "## 1.2 筛查记录\n\n未声明的超范围取值、重复答卷等问题逐条记录如下(最多显示 20 条),"
        "这些取值不参与计算。",
        "en": "## 1.2 Screening log\n\nOut-of-range values, duplicate responses and similar "
        "problems, one row each (first 20 shown); such values are never used as numbers.",
    },
    "dq.log_empty": {
        "zh": "筛查未发现需要记录的问题。",
        "en": "Screening found nothing to log.",
    },
    "dq.sample": {
        "zh": "## 1.3 客户构成\n\n按客户类型、所属行业和所在城市统计的客户数量与比例。",
        "en": "## 1.3 Customer mix\n\nCustomers by type, sector and city (counts and shares).",
    },
    # 02 reliability and validity ---------------------------------------------------------
    "rv.title": {
        "zh": "# 2 信度与效度\n\n在解读各维度得分之前,先检验量表是否可靠(信度)以及题项是否测量了"
        "所设定的维度(效度)。",
        "en": "# 2 Reliability and validity\n\nBefore the scale scores are interpreted, this "
        "chapter checks that the scales are reliable and that the items measure the intended "
        "dimensions.",
    },
    "rv.reliability": {
        "zh": "## 2.1 信度\n\nCronbach α(Feldt 95% 置信区间)与 McDonald ω;α ≥ 0.70 视为可接受"
        "(Nunnally, 1978)。",
        "en": "## 2.1 Reliability\n\nCronbach's α (Feldt 95% confidence interval) and McDonald's "
        "ω; α ≥ .70 is taken as acceptable (Nunnally, 1978).",
    },
    "rv.reliability_customer": {"zh": "**客户问卷**", "en": "**Customer questionnaire**"},
    "rv.reliability_employee": {"zh": "**员工自评问卷**", "en": "**Employee self-assessment**"},
    "rv.adequacy": {
        "zh": "## 2.2 因子分析适用性\n\nKMO 抽样适切性(Kaiser, 1974)与 Bartlett 球形检验。",
        "en": "## 2.2 Suitability for factor analysis\n\nKaiser–Meyer–Olkin sampling adequacy "
        "(Kaiser, 1974) and Bartlett's test of sphericity.",
    },
    "rv.parallel": {
        "zh": "## 2.3 因子数目\n\n平行分析(Horn, 1965)将实际特征值与随机数据的特征值比较,"
        "保留高于随机水平的因子。",
        "en": "## 2.3 Number of factors\n\nParallel analysis (Horn, 1965) compares the observed "
        "eigenvalues with those of random data and keeps the factors above the random line.",
    },
    "rv.parallel_result": {
        "zh": "平行分析建议保留 **{n}** 个因子。",
        "en": "Parallel analysis retains **{n}** factor(s).",
    },
    "rv.efa": {
        "zh": "## 2.4 探索性因子分析\n\nminres 提取、oblimin 斜交旋转后的因子载荷(按 R psych 的定义)。",
        "en": "## 2.4 Exploratory factor analysis\n\nLoadings after minres extraction and oblimin "
        "rotation (as defined by R psych).",
    },
    "rv.cfa": {
        "zh": "## 2.5 验证性因子分析\n\n按问卷设定的维度结构拟合测量模型(ML 估计,lavaan 定义);"
        "拟合标准为 CFI/TLI ≥ 0.95、RMSEA ≤ 0.06、SRMR ≤ 0.08(Hu & Bentler, 1999),"
        "收敛效度看组合信度 CR ≥ 0.70 与 AVE ≥ 0.50(Fornell & Larcker, 1981)。",
        "en": "## 2.5 Confirmatory factor analysis\n\nThe instrument's dimensions fitted as a "
        "measurement model (ML, lavaan's definitions); fit criteria CFI/TLI ≥ .95, "
        "RMSEA ≤ .06, SRMR ≤ .08 (Hu & Bentler, 1999); convergent validity from composite "
        "reliability CR ≥ .70 and AVE ≥ .50 (Fornell & Larcker, 1981).",
    },
    "rv.efa.read": {
        "zh": "每个因子以其显著载荷(|载荷| ≥ .40;Stevens, 2002;Hair et al., 2019)题项最多的问卷维度命名;"
        "显著载荷以粗体显示,另一因子上 |载荷| ≥ .32 的题项标为交叉载荷(Tabachnick & Fidell, 2013)。"
        "下两表为各因子解释的方差与因子间相关。",
        "en": "Each factor is named after the instrument scale holding most of its salient items "
        "(|loading| ≥ .40; Stevens, 2002; Hair et al., 2019); salient loadings are in bold, and "
        "an item loading ≥ .32 on another factor is flagged as a cross-loading (Tabachnick & "
        "Fidell, 2013). The next two tables give the variance each factor explains and the "
        "factor correlations.",
    },
    "rv.cfa.validity": {
        "zh": "组合信度与平均方差萃取量的判定:CR ≥ .70(Hair et al., 2019)、AVE ≥ .50,"
        "且 √AVE 大于该因子与其他因子的最大相关(Fornell & Larcker, 1981)。",
        "en": "Verdicts: CR ≥ .70 (Hair et al., 2019), AVE ≥ .50, and √AVE above the factor's "
        "largest correlation with another factor (Fornell & Larcker, 1981).",
    },
    "rv.cfa.htmt": {
        "zh": "HTMT 区分效度:比值 ≥ .85(概念不同的构念)或 ≥ .90(概念相近的构念)即提示区分效度不足"
        "(Henseler, Ringle & Sarstedt, 2015)。下表列出每一对因子,其后为 Fornell–Larcker 表"
        "(对角线为 √AVE,其余为因子相关)。",
        "en": "HTMT discriminant validity: a ratio ≥ .85 (conceptually distinct constructs) or "
        "≥ .90 (similar constructs) signals a problem (Henseler, Ringle & Sarstedt, 2015). "
        "Every pair of factors is listed; then the Fornell–Larcker table (√AVE on the "
        "diagonal, factor correlations off it).",
    },
    # 03 customer satisfaction ------------------------------------------------------------
    "cs.title": {
        "zh": "# 3 客户满意度与忠诚度\n\n从客户视角看客户关系管理的现状:IDIC 四个维度"
        "(识别、区分、互动、定制)、产品与服务质量、满意度和忠诚度。",
        "en": "# 3 Customer satisfaction and loyalty\n\nThe state of customer-relationship "
        "management seen by the customers: the four IDIC dimensions (identify, differentiate, "
        "interact, customize), product and service quality, satisfaction and loyalty.",
    },
    "cs.levels": {
        "zh": "## 3.1 各维度得分\n\n各维度均值及其 95% 置信区间(1–5 分,3 为中点);"
        "d 为相对中点的标准化差异。",
        "en": "## 3.1 Scale levels\n\nScale means with 95% confidence intervals (1–5, midpoint 3); "
        "d is the standardised difference from the midpoint.",
    },
    "cs.drivers": {
        "zh": "## 3.2 满意度的驱动因素\n\n以 IDIC 各维度和质量为自变量的满意度回归(标准化系数 β)。",
        "en": "## 3.2 Drivers of satisfaction\n\nSatisfaction regressed on the IDIC dimensions and "
        "quality (standardised coefficients β).",
    },
    "cs.ipa": {
        "zh": "## 3.3 重要性–表现分析\n\n横轴为表现(均值),纵轴为重要性(各维度在满意度已解释方差中"
        "所占份额,优势分析);分界线位于量表中点与等份额 1/k 处,而非数据均值(Bacon, 2003)。"
        "左上象限“重点改进”是最需要投入的方面(Martilla & James, 1977)。",
        "en": "## 3.3 Importance–performance analysis\n\nPerformance (mean) across, importance "
        "(each dimension's share of the explained variance in satisfaction, dominance analysis) "
        "up; the lines sit at the scale midpoint and at the equal share 1/k, not at the data "
        "means (Bacon, 2003). The upper-left quadrant, *concentrate here*, is where effort "
        "pays most (Martilla & James, 1977).",
    },
    "cs.satloy": {
        "zh": "## 3.4 满意度 × 忠诚度\n\n满意并不等于忠诚:按 Jones 与 Sasser(1995)的矩阵,"
        "满意但不忠诚的“唯利是图者”随时可能流失。",
        "en": "## 3.4 Satisfaction × loyalty\n\nSatisfaction is not loyalty: in Jones and Sasser's "
        "(1995) matrix, satisfied but disloyal *mercenaries* may leave at any time.",
    },
    "cs.nps": {
        "zh": "**净推荐值(NPS)**:推荐者(9–10 分)比例减去贬损者(0–6 分)比例(Reichheld, 2003)。",
        "en": "**Net Promoter Score**: share of promoters (9–10) minus share of detractors (0–6) "
        "(Reichheld, 2003).",
    },
    "cs.groups": {
        "zh": "## 3.5 不同客户群体的差异\n\n按客户类型和行业比较各维度得分(效应量及其置信区间)。",
        "en": "## 3.5 Differences between customer groups\n\nScale scores compared by customer type "
        "and sector (effect sizes with confidence intervals).",
    },
    # 04 employee self-assessment --------------------------------------------------------
    "es.title": {
        "zh": "# 4 员工自评与 CRM 实施\n\n从员工视角看同样的 IDIC 维度与 CRM 系统使用,"
        "并与客户的评价对照。",
        "en": "# 4 Employee self-assessment and CRM implementation\n\nThe same IDIC dimensions and "
        "the use of the CRM system as the employees see them, set against the customers' view.",
    },
    "es.levels": {
        "zh": "## 4.1 员工自评得分\n\n员工对各维度的自评均值及 95% 置信区间。",
        "en": "## 4.1 Self-assessment levels\n\nEmployees' mean ratings with 95% confidence "
        "intervals.",
    },
    "es.gap": {
        "zh": "## 4.2 感知差距\n\n同一 IDIC 维度上员工自评与客户评价之差(员工减客户);"
        "差距越大,说明员工越高估了自己的客户工作。",
        "en": "## 4.2 Perception gap\n\nEmployees' self-rating minus the customers' rating on the "
        "same IDIC dimension; the larger the gap, the more the staff overrate their customer work.",
    },
    "es.gap.comparability": {
        "zh": "可比性:下表同时列出双方的题项数与样本量;题项不同或样本量相差较大时,差距既反映看法差异,也反映测量差异。",
        "en": "Comparability: the table gives each side's number of items and respondents; where "
        "the item sets or sample sizes differ, a gap mixes a difference in view with a "
        "difference in measure.",
    },
    "es.roles": {
        "zh": "## 4.3 各岗位的 CRM 系统使用\n\n总经理、销售经理、销售代表与销售助理对 CRM 系统使用的评价。",
        "en": "## 4.3 CRM-system use by role\n\nHow the general manager, sales managers, sales "
        "representatives and sales assistants rate their use of the CRM system.",
    },
    "es.scorecard": {
        "zh": "## 4.4 CRM 实施评分卡\n\n17 项实施指标分属战略、人员、流程、技术、客户五类,"
        "分别在实施前、实施中、实施后评分;下图为各类别在各阶段的均值。",
        "en": "## 4.4 CRM implementation scorecard\n\nSeventeen implementation metrics in five "
        "categories (strategy, people, process, technology, customer), rated before, during and "
        "after implementation; the figure shows each category's mean per phase.",
    },
    # 05 customer value -------------------------------------------------------------------
    "cv.title": {
        "zh": "# 5 客户价值与 ABC 分类\n\n依据客户台账(2018–2019 年销售额)评价客户价值,"
        "检验客户分布是否均衡、现有客户等级是否与价值一致。",
        "en": "# 5 Customer value and ABC classification\n\nCustomer value from the ledger "
        "(2018–2019 revenue): is the customer base balanced, and do the company's own tiers "
        "match the customers' value?",
    },
    # the cut-offs are those the study applied (tables/abc_summary.csv, columns a_cut, b_cut)
    "cv.abc": {
        "zh": "## 5.1 ABC 分类\n\n按销售额从高到低累计,累计占比 {a_cut} 以内为 A 类、{b_cut} 以内为 B 类、"
        "其余为 C 类。",
        "en": "## 5.1 ABC classification\n\nCustomers ranked by revenue; A up to {a_cut} of "
        "cumulative revenue, B up to {b_cut}, C the rest.",
    },
    "cv.city": {
        "zh": "## 5.2 区域分布与集中度\n\n各城市的销售额与客户数;HHI 衡量集中程度"
        "(0–1,越大越集中)。",
        "en": "## 5.2 Regional distribution and concentration\n\nRevenue and customers per city; "
        "the HHI measures concentration (0–1, higher is more concentrated).",
    },
    "cv.agreement": {
        "zh": "## 5.3 现有客户等级与价值类别的一致性\n\nCohen κ 衡量公司现有客户等级与 ABC 类别"
        "的一致程度(Landis & Koch, 1977)。",
        "en": "## 5.3 Company tiers against value classes\n\nCohen's κ measures how far the "
        "company's own customer tiers agree with the ABC classes (Landis & Koch, 1977).",
    },
    "cv.agreement.merged": {
        "zh": "公司只使用 {classes} 等级,因此计算 κ 时价值类别按 {merged} 合并;下表仍分别列出 A、B、C 三类。",
        "en": "The company uses only the tiers {classes}, so for κ the value classes are merged "
        "as {merged}; the table below still shows classes A, B and C separately.",
    },
    "cv.concentration.customers": {
        "zh": "前 20% 客户的销售额占比与基尼系数针对全部客户计算,与城市等分组无关,故单列一表。",
        "en": "The top-20% revenue share and the Gini coefficient describe all customers, "
        "whatever the grouping, so they have a table of their own.",
    },
    # 06 findings and recommendations ----------------------------------------------------
    "fr.title": {
        "zh": "# 6 问题、优化方案与保障措施\n\n本章依次汇总:现状 → 存在的问题 → 优化方案 → "
        "保障措施。每条发现都由明确的规则和有出处的阈值从上文的表格中得出,并列出所依据的证据。",
        "en": "# 6 Problems, optimisation plan and safeguards\n\nThis chapter goes from the "
        "current state → problems → optimisation plan → safeguards. Each finding comes from an "
        "explicit rule with a cited threshold applied to the tables above, and lists its evidence.",
    },
    "fr.current": {
        "zh": "## 6.1 现状概览\n\n下表列出全部发现及其严重程度(严重、较重、轻微、提示)。",
        "en": "## 6.1 Current state\n\nAll findings with their severity (major, moderate, minor, "
        "info).",
    },
    "fr.problems": {
        "zh": "## 6.2 存在的问题\n\n每条问题后附证据：数值及其所在表格的编号。",
        "en": "## 6.2 Problems\n\nEach problem lists its evidence: the value and the number of "
        "the table it comes from.",
    },
    "fr.plan": {
        "zh": "## 6.3 优化方案\n\n针对每个问题的改进建议。",
        "en": "## 6.3 Optimisation plan\n\nWhat to do about each problem.",
    },
    "fr.safeguards": {
        "zh": "## 6.4 保障措施\n\n优化方案的落实需要以下保障:\n\n"
        "- **制度保障**:建立日、周、月汇报制度;将客户满意度、忠诚度和转化率纳入绩效考核;"
        "制定员工培训计划。\n"
        "- **资金保障**:为 CRM 系统维护、客情维护和差旅设立专项预算,并设定额度、防止虚报。\n"
        "- **技术保障**:完善 CRM 系统的客户信息与分析功能,建立稳定的客户数据库;"
        "生产与交付能够满足定制需求。\n"
        "- **人员保障**:管理层全力支持,由专业人员开展培训,打造专业化的客户关系管理团队。\n"
        "- **客户支持**:收集客户对改进措施的反馈并持续改进,形成良性循环。",
        "en": "## 6.4 Safeguards\n\nCarrying out the plan needs these "
        "safeguards:\n\n"
        "- **Institutional**: daily, weekly and monthly reporting; satisfaction, loyalty and "
        "conversion in staff KPIs; a training plan.\n"
        "- **Funding**: a dedicated budget for CRM maintenance, customer relations and travel, "
        "with limits that prevent false claims.\n"
        "- **Technology**: customer information and analysis in the CRM system, a stable "
        "customer database; production that can deliver customised products.\n"
        "- **Personnel**: management's backing, training by specialists, a professional CRM "
        "team.\n"
        "- **Customer support**: collect customers' feedback on the changes and feed it back "
        "into the plan.",
    },
}

#: Labels of analysis ids that no instrument defines.
ID_LABELS: dict[str, dict[str, str]] = {
    "customers": {"zh": "客户问卷", "en": "Customer questionnaire"},
    "employees": {"zh": "员工自评问卷", "en": "Employee self-assessment"},
    "scorecard": {"zh": "实施评分卡", "en": "Implementation scorecard"},
    "apostle": {"zh": "忠诚拥护者", "en": "Apostle"},
    "mercenary": {"zh": "唯利是图者", "en": "Mercenary"},
    "hostage": {"zh": "被套牢者", "en": "Hostage"},
    "defector": {"zh": "背叛者", "en": "Defector"},
    "concentrate_here": {"zh": "重点改进", "en": "Concentrate here"},
    "keep_up_good_work": {"zh": "继续保持", "en": "Keep up the good work"},
    "low_priority": {"zh": "次要改进", "en": "Low priority"},
    "possible_overkill": {"zh": "可能过度", "en": "Possible overkill"},
    "revenue_share": {"zh": "按销售额", "en": "By revenue"},
    "customer_count": {"zh": "按客户数", "en": "By number of customers"},
    "before": {"zh": "实施前", "en": "Before"},
    "during": {"zh": "实施中", "en": "During"},
    "after": {"zh": "实施后", "en": "After"},
    "strategy": {"zh": "战略", "en": "Strategy"},
    "people": {"zh": "人员", "en": "People"},
    "process": {"zh": "流程", "en": "Process"},
    "technology": {"zh": "技术", "en": "Technology"},
    "customer": {"zh": "客户", "en": "Customer"},
    "severity.major": {"zh": "严重", "en": "major"},
    "severity.moderate": {"zh": "较重", "en": "moderate"},
    "severity.minor": {"zh": "轻微", "en": "minor"},
    "severity.info": {"zh": "提示", "en": "info"},
    "major": {"zh": "严重", "en": "major"},
    "moderate": {"zh": "较重", "en": "moderate"},
    "minor": {"zh": "轻微", "en": "minor"},
    "info": {"zh": "提示", "en": "info"},
    "area.identification": {"zh": "客户识别", "en": "Customer identification"},
    "area.classification": {
        "zh": "客户分布与分类",
        "en": "Customer distribution and classification",
    },
    "area.interaction": {"zh": "客户沟通与互动", "en": "Communication and interaction"},
    "area.customization": {"zh": "客户定制化服务", "en": "Customized service"},
    "area.crm_system": {"zh": "CRM 系统应用", "en": "CRM-system use"},
    "area.perception_gap": {"zh": "员工与客户的认知差距", "en": "Employee–customer perception gap"},
    "area.loyalty": {"zh": "满意度与忠诚度", "en": "Satisfaction and loyalty"},
    "area.concentration": {"zh": "收入集中度", "en": "Revenue concentration"},
    "area.people": {"zh": "人员", "en": "People"},
    "area.implementation": {"zh": "CRM 实施", "en": "CRM implementation"},
    "area.reliability": {"zh": "测量信度", "en": "Measurement reliability"},
    # a ledger label cell that looked like personal data (study.inputs.load_ledger)
    HIDDEN_LEVEL: HIDDEN_LEVEL_LABEL,
}
ID_LABELS.update(
    {
        # KMO bands (Kaiser 1974; the usual Chinese renderings)
        "marvelous": {"zh": "极好", "en": "marvelous"},
        "meritorious": {"zh": "良好", "en": "meritorious"},
        "middling": {"zh": "中等", "en": "middling"},
        "mediocre": {"zh": "一般", "en": "mediocre"},
        "miserable": {"zh": "较差", "en": "miserable"},
        "unacceptable": {"zh": "不可接受", "en": "unacceptable"},
        "overall": {"zh": "总体", "en": "Overall"},
        # tests and effect sizes of analysis.compare_groups
        "student_t": {"zh": "独立样本 t 检验", "en": "Student's t test"},
        "welch_t": {"zh": "Welch t 检验", "en": "Welch's t test"},
        "mann_whitney": {"zh": "Mann-Whitney U 检验", "en": "Mann–Whitney U test"},
        "anova": {"zh": "单因素方差分析", "en": "One-way ANOVA"},
        "welch_anova": {"zh": "Welch 方差分析", "en": "Welch's ANOVA"},
        "kruskal_wallis": {"zh": "Kruskal-Wallis 检验", "en": "Kruskal–Wallis test"},
        "tukey_hsd": {"zh": "Tukey HSD", "en": "Tukey HSD"},
        "games_howell": {"zh": "Games-Howell", "en": "Games–Howell"},
        "cohen_d": {"zh": "Cohen d", "en": "Cohen's d"},
        "hedges_g": {"zh": "Hedges g", "en": "Hedges' g"},
        "eta_squared": {"zh": "η²", "en": "η²"},
        "epsilon_squared": {"zh": "ε²", "en": "ε²"},
        "rank_biserial": {"zh": "秩二列相关", "en": "Rank-biserial r"},
        # regression
        "const": {"zh": "常数项", "en": "Intercept"},
        # CFA fit measures (lavaan's names)
        "fit.chisq": {"zh": "χ²", "en": "χ²"},
        "fit.df": {"zh": "自由度", "en": "df"},
        "fit.pvalue": {"zh": "χ² 检验 p 值", "en": "p (χ² test)"},
        "fit.cfi": {"zh": "CFI", "en": "CFI"},
        "fit.tli": {"zh": "TLI", "en": "TLI"},
        "fit.rmsea": {"zh": "RMSEA", "en": "RMSEA"},
        "fit.rmsea_ci_lower": {"zh": "RMSEA 90% CI 下限", "en": "RMSEA 90% CI low"},
        "fit.rmsea_ci_upper": {"zh": "RMSEA 90% CI 上限", "en": "RMSEA 90% CI high"},
        "fit.srmr": {"zh": "SRMR", "en": "SRMR"},
        "fit.aic": {"zh": "AIC", "en": "AIC"},
        "fit.bic": {"zh": "BIC", "en": "BIC"},
        "yes": {"zh": "是", "en": "yes"},
        "no": {"zh": "否", "en": "no"},
    }
)
for _area in list(ID_LABELS):
    if _area.startswith("area."):
        ID_LABELS.setdefault(_area[5:], ID_LABELS[_area])

#: Parts of a finding's ``framework`` (split at " / ") in the report language.
FRAMEWORK_LABELS: dict[str, dict[str, str]] = {
    "IDIC": {"zh": "IDIC 模型", "en": "IDIC model"},
    "IDIC (identify)": {"zh": "IDIC 模型(识别)", "en": "IDIC model (identify)"},
    "IDIC (differentiate)": {"zh": "IDIC 模型(区分)", "en": "IDIC model (differentiate)"},
    "IDIC (interact)": {"zh": "IDIC 模型(互动)", "en": "IDIC model (interact)"},
    "IDIC (customize)": {"zh": "IDIC 模型(定制)", "en": "IDIC model (customize)"},
    "customer value": {"zh": "客户价值理论", "en": "customer value theory"},
    "distribution (HHI)": {"zh": "客户分布(HHI)", "en": "distribution (HHI)"},
    "ABC classification": {"zh": "ABC 分类", "en": "ABC classification"},
    "customer-employee perception gap": {
        "zh": "员工与客户的认知差距",
        "en": "customer–employee perception gap",
    },
    "CRM system": {"zh": "CRM 系统", "en": "CRM system"},
    "information building": {"zh": "信息化建设", "en": "information building"},
    "Pareto": {"zh": "帕累托原则", "en": "Pareto principle"},
    "satisfaction-loyalty (Jones & Sasser)": {
        "zh": "满意度–忠诚度矩阵(Jones & Sasser)",
        "en": "satisfaction–loyalty matrix (Jones & Sasser)",
    },
    "psychometrics": {"zh": "心理测量(信度)", "en": "psychometrics (reliability)"},
    "CRM implementation scorecard": {"zh": "CRM 实施评分卡", "en": "CRM implementation scorecard"},
}

#: Evidence keys of :mod:`crm_research.findings` shown as words (whole keys).
EVIDENCE_LABELS: dict[str, dict[str, str]] = {
    "n": {"zh": "样本量", "en": "n"},
    "alpha": {"zh": "Cronbach α", "en": "Cronbach's α"},
    "kappa": {"zh": "Cohen κ(现有等级 × ABC 类别)", "en": "Cohen's κ (tiers × ABC classes)"},
    "percent_agreement": {"zh": "归类一致率 %", "en": "Agreement %"},
    "a_customers": {"zh": "A 类客户数", "en": "A customers"},
    "a_percent_revenue": {"zh": "A 类客户销售额占比 %", "en": "A customers' revenue %"},
    "a_cut": {"zh": "A 类累计销售额界限", "en": "A-class cut (cumulative revenue)"},
    "b_cut": {"zh": "B 类累计销售额界限", "en": "B-class cut (cumulative revenue)"},
    "city_cohen_w": {"zh": "城市分布的 Cohen w", "en": "Cohen's w of the city spread"},
    "cities": {"zh": "城市数", "en": "Cities"},
    "city_hhi": {"zh": "客户数城市分布 HHI", "en": "HHI of customer counts over cities"},
    "top_city": {"zh": "客户最多的城市", "en": "City with most customers"},
    "top_city_share": {"zh": "该城市客户占比", "en": "Its share of customers"},
    "top2_city_share": {"zh": "前两个城市客户占比", "en": "Share of the two largest cities"},
    "top_customer_type": {"zh": "最多的客户类型", "en": "Largest customer type"},
    "top_customer_type_share": {"zh": "该类型客户占比", "en": "Its share of customers"},
    "employee_mean": {"zh": "员工自评均值", "en": "Employees' mean"},
    "customer_mean": {"zh": "客户评价均值", "en": "Customers' mean"},
    "gap": {"zh": "差距(员工 − 客户)", "en": "Gap (employees − customers)"},
    "hedges_g": {"zh": "Hedges g", "en": "Hedges' g"},
    "satisfaction_mean": {"zh": "满意度均值", "en": "Mean satisfaction"},
    "loyalty_mean": {"zh": "忠诚度均值", "en": "Mean loyalty"},
    "d_z": {"zh": "满意度与忠诚度之差 dz", "en": "Satisfaction − loyalty, dz"},
    "mercenary_n": {"zh": "唯利是图者人数", "en": "Mercenaries"},
    "mercenary_percent": {"zh": "唯利是图者占比 %", "en": "Mercenaries %"},
    "apostle_percent": {"zh": "忠诚拥护者占比 %", "en": "Apostles %"},
    "nps": {"zh": "净推荐值 NPS", "en": "Net Promoter Score"},
    "customers": {"zh": "客户数", "en": "Customers"},
    "gini": {"zh": "基尼系数", "en": "Gini coefficient"},
    "top20_revenue_share": {
        "zh": "前 20% 客户的销售额占比",
        "en": "Revenue share of the top 20% of customers",
    },
    "group_1": {"zh": "比较组 1", "en": "Group 1"},
    "group_2": {"zh": "比较组 2", "en": "Group 2"},
    "type_d": {"zh": "客户类型间差异 d(组 1 − 组 2)", "en": "Difference by type, d (1 − 2)"},
    "low_group_mean": {"zh": "较低组均值", "en": "Lower group's mean"},
    "low_group_d": {"zh": "较低组相对中点的 d", "en": "Lower group vs midpoint, d"},
    "high_group_mean": {"zh": "较高组均值", "en": "Higher group's mean"},
    "role_eta_squared": {"zh": "岗位间差异 η²", "en": "Difference by role, η²"},
    "mean_before": {"zh": "实施前均值", "en": "Mean before"},
    "mean_after": {"zh": "实施后均值", "en": "Mean after"},
}

#: Evidence keys ``<scale or item id>_<suffix>``: the suffix in words (longest match wins).
EVIDENCE_SUFFIXES: dict[str, dict[str, str]] = {
    "_mean": {"zh": "均值", "en": "mean"},
    "_n": {"zh": "样本量", "en": "n"},
    "_d": {"zh": "相对中点的 d", "en": "d vs midpoint"},
    "_midpoint": {"zh": "量表中点", "en": "scale midpoint"},
    "_employee_mean": {"zh": "员工自评均值", "en": "employees' mean"},
    "_gap": {"zh": "员工 − 客户差距", "en": "employee − customer gap"},
    "_gap_hedges_g": {"zh": "差距的 Hedges g", "en": "gap, Hedges' g"},
    "_hhi": {"zh": "HHI", "en": "HHI"},
    "_share": {"zh": "占比", "en": "share"},
    "_percent": {"zh": "占比 %", "en": "%"},
    "_eta_squared": {"zh": "η²", "en": "η²"},
    "_hedges_g": {"zh": "Hedges g", "en": "Hedges' g"},
    "_p_holm": {"zh": "p（Holm 校正）", "en": "p (Holm)"},
}

#: Other words of the findings chapter.
FINDING_TEXT: dict[str, dict[str, str]] = {
    "evidence.head": {"zh": "证据|数值|来源表", "en": "Evidence|Value|Table"},
    "applies_to": {"zh": "(适用于上述 {n} 条问题)", "en": " (answers the {n} problems above)"},
    "references": {"zh": "文献", "en": "References"},
    "overview.problem": {"zh": "问题", "en": "Problem"},
}

#: Table headers in the report language (columns not listed keep their name).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "input": {"zh": "输入", "en": "Input"},
    "instrument": {"zh": "问卷工具", "en": "Instrument"},
    "respondents": {"zh": "有效样本", "en": "Respondents"},
    "problems": {"zh": "问题条数", "en": "Problems logged"},
    "row": {"zh": "行", "en": "Row"},
    "column": {"zh": "列", "en": "Column"},
    "rule": {"zh": "规则", "en": "Rule"},
    "value": {"zh": "取值", "en": "Value"},
    "action": {"zh": "处理", "en": "Action"},
    "plan_priority": {"zh": "优先级", "en": "Priority"},
    "plan_action": {"zh": "建议措施", "en": "Action"},
    "owner": {"zh": "负责人", "en": "Owner"},
    "horizon": {"zh": "时限", "en": "Horizon"},
    "kpi": {"zh": "考核指标", "en": "KPI"},
    "scale": {"zh": "维度", "en": "Scale"},
    "k": {"zh": "题项数", "en": "Items"},
    "n": {"zh": "样本量", "en": "n"},
    "alpha": {"zh": "α", "en": "α"},
    "omega": {"zh": "ω", "en": "ω"},
    "ci_low": {"zh": "95% CI 下限", "en": "95% CI low"},
    "ci_high": {"zh": "95% CI 上限", "en": "95% CI high"},
    "meets_nunnally": {"zh": "α ≥ 0.70", "en": "α ≥ .70"},
    "mean": {"zh": "均值", "en": "Mean"},
    "sd": {"zh": "标准差", "en": "SD"},
    "d": {"zh": "d", "en": "d"},
    "p_value": {"zh": "p 值", "en": "p"},
    "term": {"zh": "自变量", "en": "Predictor"},
    "b": {"zh": "B", "en": "B"},
    "beta": {"zh": "β", "en": "β"},
    "vif": {"zh": "VIF", "en": "VIF"},
    "outcome": {"zh": "因变量", "en": "Outcome"},
    "r2": {"zh": "R²", "en": "R²"},
    "adj_r2": {"zh": "调整 R²", "en": "Adjusted R²"},
    "attribute": {"zh": "维度", "en": "Attribute"},
    "performance": {"zh": "表现", "en": "Performance"},
    "importance": {"zh": "重要性", "en": "Importance"},
    "quadrant": {"zh": "象限", "en": "Quadrant"},
    # not 客户类型: that is the customer-type variable (issue 13 item 7)
    "segment": {"zh": "满意–忠诚细分", "en": "Satisfaction–loyalty segment"},
    "percent": {"zh": "百分比", "en": "Percent"},
    "mean_satisfaction": {"zh": "满意度均值", "en": "Mean satisfaction"},
    "mean_loyalty": {"zh": "忠诚度均值", "en": "Mean loyalty"},
    "nps": {"zh": "NPS", "en": "NPS"},
    "pct_promoters": {"zh": "推荐者 %", "en": "Promoters %"},
    "pct_passives": {"zh": "被动者 %", "en": "Passives %"},
    "pct_detractors": {"zh": "贬损者 %", "en": "Detractors %"},
    "group": {"zh": "分组", "en": "Group"},
    "test": {"zh": "检验", "en": "Test"},
    "effect_name": {"zh": "效应量", "en": "Effect size"},
    "effect_value": {"zh": "效应值", "en": "Effect"},
    "effect_ci_low": {"zh": "效应 CI 下限", "en": "Effect CI low"},
    "effect_ci_high": {"zh": "效应 CI 上限", "en": "Effect CI high"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "employee_mean": {"zh": "员工均值", "en": "Employees' mean"},
    "customer_mean": {"zh": "客户均值", "en": "Customers' mean"},
    "gap": {"zh": "差距", "en": "Gap"},
    "level": {"zh": "组别", "en": "Group"},
    "role": {"zh": "岗位", "en": "Role"},
    "mean_before": {"zh": "起始阶段均值", "en": "Mean (from)"},
    "mean_after": {"zh": "结束阶段均值", "en": "Mean (to)"},
    "p_holm": {"zh": "p 值(Holm 校正)", "en": "p (Holm)"},
    "d_z": {"zh": "dz", "en": "dz"},
    "item": {"zh": "题项", "en": "Item"},
    "factor": {"zh": "维度", "en": "Factor"},
    "measure": {"zh": "拟合指标", "en": "Fit measure"},
    "cutoff": {"zh": "标准", "en": "Cut-off"},
    "met": {"zh": "达标", "en": "Met"},
    "sqrt_ave": {"zh": "√AVE", "en": "√AVE"},
    "max_factor_correlation": {
        "zh": "与其他维度的最大相关",
        "en": "Largest correlation with another factor",
    },
    "problem": {"zh": "问题", "en": "Problem"},
    "category": {"zh": "类别", "en": "Category"},
    "phase": {"zh": "阶段", "en": "Phase"},
    "phase_from": {"zh": "起始阶段", "en": "From"},
    "phase_to": {"zh": "结束阶段", "en": "To"},
    "mean_diff": {"zh": "均值差", "en": "Mean difference"},
    "abc_class": {"zh": "类别", "en": "Class"},
    "customers": {"zh": "客户数", "en": "Customers"},
    "percent_customers": {"zh": "客户占比 %", "en": "Customers %"},
    "revenue": {"zh": "销售额", "en": "Revenue"},
    "percent_revenue": {"zh": "销售额占比 %", "en": "Revenue %"},
    "share": {"zh": "占比", "en": "Share"},
    **COLUMN_WORDS,  # city, customer_type, sector: the words the study's reasons use
    "percent_within": {"zh": "组内百分比", "en": "Percent within"},
    "by": {"zh": "维度", "en": "By"},
    "hhi": {"zh": "HHI(0–1)", "en": "HHI (0–1)"},
    "basis": {"zh": "计算基础", "en": "Basis"},
    "groups": {"zh": "组数", "en": "Groups"},
    "hhi_normalized": {"zh": "标准化 HHI", "en": "Normalized HHI"},
    "top_share": {"zh": "前列客户比例", "en": "Top customers' share"},
    "top_revenue_share": {"zh": "前 20% 客户销售额占比", "en": "Revenue share of top 20%"},
    "n_customers": {"zh": "客户数", "en": "Customers"},
    "gini": {"zh": "基尼系数", "en": "Gini"},
    "percent_agreement": {"zh": "一致率 %", "en": "Agreement %"},
    "kappa": {"zh": "κ", "en": "κ"},
    "tier_class": {"zh": "现有等级", "en": "Company tier"},
    "area": {"zh": "领域", "en": "Area"},
    "severity": {"zh": "严重程度", "en": "Severity"},
    "id": {"zh": "编号", "en": "ID"},
    "framework": {"zh": "理论框架", "en": "Framework"},
    "msa": {"zh": "MSA", "en": "MSA"},
    "label": {"zh": "评价", "en": "Label"},
    "chisq": {"zh": "χ²", "en": "χ²"},
    "df": {"zh": "自由度", "en": "df"},
    "cr": {"zh": "CR", "en": "CR"},
    "ave": {"zh": "AVE", "en": "AVE"},
    "cr_ok": {"zh": "CR ≥ .70", "en": "CR ≥ .70"},
    "ave_ok": {"zh": "AVE ≥ .50", "en": "AVE ≥ .50"},
    "customer_items": {"zh": "客户题项数", "en": "Customer items"},
    "employee_items": {"zh": "员工题项数", "en": "Employee items"},
    "customer_n": {"zh": "客户样本量", "en": "Customers (n)"},
    "employee_n": {"zh": "员工样本量", "en": "Employees (n)"},
    "fornell_larcker_ok": {"zh": "√AVE > 最大相关", "en": "√AVE > largest r"},
    "factor_1": {"zh": "因子 1", "en": "Factor 1"},
    "factor_2": {"zh": "因子 2", "en": "Factor 2"},
    "htmt": {"zh": "HTMT", "en": "HTMT"},
    "above_085": {"zh": "≥ .85", "en": "≥ .85"},
    "above_090": {"zh": "≥ .90", "en": "≥ .90"},
    "cross_loading": {"zh": "交叉载荷", "en": "Cross-loading"},
    "salient_items": {"zh": "显著载荷题项数", "en": "Salient items"},
    "ss_loadings": {"zh": "载荷平方和", "en": "SS loadings"},
    "proportion_pct": {"zh": "解释方差 %", "en": "Variance explained %"},
    "cumulative_pct": {"zh": "累计解释方差 %", "en": "Cumulative %"},
    "communality": {"zh": "共同度", "en": "Communality"},
    "uniqueness": {"zh": "独特性", "en": "Uniqueness"},
}

#: Screening rules (:data:`crm_research.screening.RULES`) as the report's quality log shows them.
QUALITY_RULE_LABELS: dict[str, dict[str, str]] = {
    "pii": {"zh": "个人信息", "en": "personal data"},
    "duplicate_column": {"zh": "重复列", "en": "duplicate column"},
    "extra_header_row": {"zh": "多余表头行", "en": "extra header row"},
    "non_numeric": {"zh": "非数值", "en": "not a number"},
    "not_a_scale_point": {"zh": "非量表刻度", "en": "not a scale point"},
    "out_of_range": {"zh": "超出范围", "en": "out of range"},
    "undeclared_code": {"zh": "未声明的缺失代码", "en": "undeclared missing code"},
    "declared_missing": {"zh": "声明的缺失代码", "en": "declared missing code"},
    "wjx_skip": {"zh": "问卷星跳题", "en": "skipped (Wenjuanxing)"},
    "bad_date": {"zh": "日期无法识别", "en": "unreadable date"},
    "unknown_level": {"zh": "未知类别", "en": "unknown category"},
    "duplicate_respondent": {"zh": "重复作答", "en": "duplicate respondent"},
    "too_many_missing": {"zh": "缺失过多", "en": "too many missing"},
    "straight_lining": {"zh": "直线作答", "en": "straight-lining"},
    "speeder": {"zh": "作答过快", "en": "speeder"},
    "zero_variance": {"zh": "零方差", "en": "zero variance"},
}

#: Placeholder of the quality log for a cell text the report does not repeat (it may hold
#: personal data typed into an answer: a name, a phone number, an e-mail address).
QUALITY_VALUE_HIDDEN: dict[str, str] = {"zh": "(文本,不予显示)", "en": "(text not shown)"}

#: Actions and generated values of the screening log in Chinese: (regular expression on the
#: English text, Chinese template with the groups).  The English text is shown as is.
QUALITY_TEXT_ZH: tuple[tuple[str, str], ...] = (
    (r"set to missing", "设为缺失"),
    (r"treated as missing", "视为缺失"),
    (r"flagged, kept", "标记,保留"),
    (
        r"column dropped \(personal data, values not read into the results\)",
        "删除该列(个人信息,取值未读入结果)",
    ),
    (r"column dropped \(identical copy of column (\w+)\)", "删除该列(与 {0} 列完全相同)"),
    (r"kept as '(.*)' \(differs from column (\w+)\)", "保留为“{0}”(与 {1} 列不同)"),
    (r"row skipped \(a second header row\)", "跳过该行(第二个表头行)"),
    (
        r"row excluded \(same answers and background as row (\d+)\)",
        "剔除该行(与第 {0} 行的答案和背景相同)",
    ),
    (r"row excluded \(same (.+) as row (\d+)\)", "剔除该行(与第 {1} 行的 {0} 相同)"),
    (r"row excluded \(more than (\S+) of items missing\)", "剔除该行(缺失题项超过 {0})"),
    (r"row excluded \(straight-lining\)", "剔除该行(直线作答)"),
    (r"row excluded \(speeder\)", "剔除该行(作答过快)"),
    (r"row excluded", "剔除该行"),
    (r"(\d+) of (\d+) items missing", "{1} 个题项中缺失 {0} 个"),
    (r"all (\d+) answers = (.+)", "{0} 个回答均为 {1}"),
    (r"(\S+) s \(median (\S+) s\)", "{0} 秒(中位数 {1} 秒)"),
    (r"column (\w+)", "{0} 列"),
    (r"row (\d+)", "第 {0} 行"),
)

#: The patterns per report language: the screening log is written in English, so English
#: needs none.
QUALITY_PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {"zh": QUALITY_TEXT_ZH, "en": ()}


def quality_text(text: str, lang: str) -> str:
    """An action or generated value of the screening log in the report language.

    Parameters
    ----------
    text : str
        As :mod:`crm_research.screening` writes it (English).
    lang : {"zh", "en"}

    Returns
    -------
    str
        The Chinese wording for ``zh`` (the text unchanged when no pattern matches), the
        text itself for ``en``.

    Examples
    --------
    >>> quality_text("row excluded (same customer_id as row 5)", "zh")
    '剔除该行(与第 5 行的 customer_id 相同)'
    >>> quality_text("20 of 28 items missing", "zh")
    '28 个题项中缺失 20 个'
    """
    for pattern, template in QUALITY_PATTERNS[check_lang(lang)]:
        match = re.fullmatch(pattern, text.strip())
        if match:
            return template.format(*match.groups())
    return text


#: Report chrome (title page, contents, appendix headings) in both languages.
REPORT_TEXT: dict[str, dict[str, str]] = {
    "title.case": {
        "zh": "D 公司客户关系管理研究报告",
        "en": "Customer relationship management at D company",
    },
    "title.generic": {
        "zh": "客户关系管理诊断报告",
        "en": "Customer relationship management diagnostic report",
    },
    "subtitle": {
        "zh": "现状 · 问题 · 优化方案 · 保障措施",
        "en": "Current state · problems · optimisation plan · safeguards",
    },
    "simulated.banner": {"zh": "模拟数据", "en": "SIMULATED DATA"},
    "contents": {"zh": "目录", "en": "Contents"},
    "facts.inputs": {"zh": "输入文件（SHA-256）", "en": "Input file (SHA-256)"},
    "facts.date": {"zh": "日期", "en": "Date"},
    "facts.lang": {"zh": "报告语言", "en": "Report language"},
    "facts.seed": {"zh": "随机种子", "en": "Random seed"},
    "facts.version": {"zh": "软件版本", "en": "Software version"},
    "facts.instruments": {"zh": "问卷工具", "en": "Instruments"},
    "lang.zh": {"zh": "中文", "en": "Chinese"},
    "lang.en": {"zh": "英文", "en": "English"},
    # the page's ``lang`` attribute (BCP 47)
    "html.lang": {"zh": "zh-CN", "en": "en"},
    # punctuation between a label and what follows it
    "colon": {"zh": ":", "en": ": "},
    "list": {"zh": "、", "en": ", "},
}

#: The methods appendix: headings and the words of each row (thresholds come from the
#: modules that apply them, see :func:`crm_research.report.appendix.methods_appendix`).
APPENDIX_TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "# 附录:方法与阈值", "en": "# Appendix: methods and thresholds"},
    "header": {"zh": "| 方法 | 阈值 | 文献 |", "en": "| Method | Threshold | Reference |"},
    "references": {"zh": "参考文献", "en": "References"},
    "alpha": {
        "zh": "Cronbach α 及 Feldt 置信区间",
        "en": "Cronbach α with the Feldt confidence interval",
    },
    "omega": {"zh": "McDonald ω(单因子 ML 模型)", "en": "McDonald ω (one-factor ML model)"},
    "bartlett": {"zh": "Bartlett 球形检验", "en": "Bartlett's test of sphericity"},
    "parallel": {"zh": "平行分析(保留因子数)", "en": "Parallel analysis (factors retained)"},
    "parallel.threshold": {"zh": "95% 分位数", "en": "95% quantile of random eigenvalues"},
    "efa": {
        "zh": "探索性因子分析(minres, oblimin)",
        "en": "Exploratory factor analysis (minres, oblimin)",
    },
    "efa.threshold": {"zh": "载荷 ≥ {loading}", "en": "loading ≥ {loading}"},
    "cfa": {"zh": "验证性因子分析拟合(ML)", "en": "Confirmatory factor analysis fit (ML)"},
    "cr_ave": {
        "zh": "组合信度、平均方差萃取量",
        "en": "Composite reliability, average variance extracted",
    },
    "ipa": {"zh": "重要性–表现分析", "en": "Importance–performance analysis"},
    "ipa.threshold": {
        "zh": "象限分界:量表中点与等份额 1/k(Bacon 2003)",
        "en": "quadrant lines at the scale midpoint and the equal share 1/k (Bacon 2003)",
    },
    "satloy": {"zh": "满意度 × 忠诚度矩阵", "en": "Satisfaction × loyalty matrix"},
    "satloy.threshold": {"zh": "高 = 均值 ≥ {cut}", "en": "high = mean ≥ {cut}"},
    "abc": {"zh": "ABC 客户分类", "en": "ABC customer classification"},
    "abc.threshold": {
        "zh": "A ≤ {a_cut}, B ≤ {b_cut} 累计销售额",
        "en": "A ≤ {a_cut}, B ≤ {b_cut} of cumulative revenue",
    },
    "hhi": {"zh": "集中度(HHI)", "en": "Concentration (HHI)"},
    "hhi.threshold": {
        "zh": "HHI 取 0–1 刻度,仅作描述;分布不均按 Cohen's w 判定:.1 / .3 / .5",
        "en": "HHI on the 0–1 scale, descriptive; uneven spread graded by Cohen's w: .1 / .3 / .5",
    },
    "drivers": {"zh": "驱动因素回归(标准化 β)", "en": "Driver regression (standardised β)"},
}


def text(catalogue: dict[str, dict[str, str]], key: str, lang: str, **values: object) -> str:
    """Entry ``key`` of ``catalogue`` in ``lang``, with ``str.format`` ``values`` filled in.

    Examples
    --------
    >>> text(REPORT_TEXT, "contents", "zh")
    '目录'
    >>> text(APPENDIX_TEXT, "efa.threshold", "en", loading="0.50")
    'loading ≥ 0.50'
    """
    try:
        # Chinese set with full-width punctuation (report/typeset.py), whatever the source
        entry = TYPESET[lang](catalogue[key][check_lang(lang)])
    except KeyError:
        raise InputError(f"No report text '{key}'.") from None
    return entry.format(**values) if values else entry


def report_text(key: str, lang: str, **values: object) -> str:
    """Report chrome text ``key`` (see :data:`REPORT_TEXT`) in ``lang``."""
    return text(REPORT_TEXT, key, lang, **values)


#: The figures' titles and axis labels (:mod:`crm_research.plots`).
PLOT_TEXT: dict[str, dict[str, str]] = {
    "scale_means.title": {
        "zh": "各维度均值及 95% 置信区间",
        "en": "Scale means with 95% confidence intervals",
    },
    "scale_means.title_customer": {
        "zh": "客户问卷:各维度均值及 95% 置信区间",
        "en": "Customer questionnaire: scale means with 95% confidence intervals",
    },
    "scale_means.title_employee": {
        "zh": "员工自评问卷:各维度均值及 95% 置信区间",
        "en": "Employee self-assessment: scale means with 95% confidence intervals",
    },
    "scale_means.midpoint": {"zh": "量表中点", "en": "Scale midpoint"},
    "scale_means.x": {"zh": "均值(1–5 分)", "en": "Mean (1–5)"},
    "scale_means.y": {"zh": "维度", "en": "Scale"},
    "ipa.title": {"zh": "重要性–表现分析(IPA)", "en": "Importance–performance analysis (IPA)"},
    "ipa.x": {"zh": "表现(均值)", "en": "Performance (mean)"},
    "ipa.y": {
        "zh": "重要性(满意度已解释方差的份额)",
        "en": "Importance (share of explained variance in satisfaction)",
    },
    "ipa.concentrate_here": {"zh": "重点改进", "en": "Concentrate here"},
    "ipa.keep_up_good_work": {"zh": "继续保持", "en": "Keep up the good work"},
    "ipa.low_priority": {"zh": "次要改进", "en": "Low priority"},
    "ipa.possible_overkill": {"zh": "可能过度", "en": "Possible overkill"},
    "satloy.title": {"zh": "满意度 × 忠诚度", "en": "Satisfaction × loyalty"},
    "satloy.x": {"zh": "满意度(均值)", "en": "Satisfaction (mean)"},
    "satloy.y": {"zh": "忠诚度(均值)", "en": "Loyalty (mean)"},
    "satloy.segment": {"zh": "满意–忠诚细分", "en": "Satisfaction–loyalty segment"},
    "segment.apostle": {"zh": "忠诚拥护者", "en": "Apostle"},
    "segment.mercenary": {"zh": "唯利是图者", "en": "Mercenary"},
    "segment.hostage": {"zh": "被套牢者", "en": "Hostage"},
    "segment.defector": {"zh": "背叛者", "en": "Defector"},
    "gap.title": {
        "zh": "感知差距:员工自评与客户评价",
        "en": "Perception gap: employees vs customers",
    },
    "gap.x": {"zh": "均值(1–5 分)", "en": "Mean (1–5)"},
    "gap.y": {"zh": "IDIC 维度", "en": "IDIC dimension"},
    "gap.employee": {"zh": "员工自评", "en": "Employees (self-assessment)"},
    "gap.customer": {"zh": "客户评价", "en": "Customers"},
    "pareto.title": {
        "zh": "客户价值帕累托曲线(ABC 分类)",
        "en": "Customer value Pareto curve (ABC classes)",
    },
    "pareto.x": {"zh": "客户累计占比", "en": "Cumulative share of customers"},
    "pareto.y": {"zh": "销售额累计占比", "en": "Cumulative share of revenue"},
    "pareto.class": {"zh": "{k} 类客户", "en": "Class {k}"},
    "pareto.equality": {"zh": "完全均衡", "en": "Equal shares"},
    "city.title": {"zh": "各城市销售额", "en": "Revenue by city"},
    "city.x": {"zh": "销售额(万)", "en": "Revenue (millions)"},
    "city.y": {"zh": "城市", "en": "City"},
    "scorecard.title": {
        "zh": "CRM 实施评分卡(按阶段)",
        "en": "CRM implementation scorecard by phase",
    },
    "scorecard.x": {"zh": "实施阶段", "en": "Implementation phase"},
    "scorecard.y": {"zh": "指标", "en": "Metric"},
    "scorecard.value": {"zh": "均值", "en": "Mean"},
    "scree.title": {"zh": "碎石图与平行分析", "en": "Scree plot and parallel analysis"},
    "scree.x": {"zh": "因子序号", "en": "Factor number"},
    "scree.y": {"zh": "特征值", "en": "Eigenvalue"},
    "scree.observed": {"zh": "实际数据", "en": "Observed data"},
    "scree.simulated": {"zh": "随机数据(平行分析)", "en": "Random data (parallel analysis)"},
    "scree.retained": {"zh": "保留 {n} 个因子", "en": "{n} factor(s) retained"},
}

#: Every catalogue of the report: id -> one text per language of :data:`LANGS`.
CATALOGUES: dict[str, dict[str, dict[str, str]]] = {
    "NOTEBOOK_TEXT": NOTEBOOK_TEXT,
    "ID_LABELS": ID_LABELS,
    "FRAMEWORK_LABELS": FRAMEWORK_LABELS,
    "EVIDENCE_LABELS": EVIDENCE_LABELS,
    "EVIDENCE_SUFFIXES": EVIDENCE_SUFFIXES,
    "FINDING_TEXT": FINDING_TEXT,
    "COLUMN_LABELS": COLUMN_LABELS,
    "QUALITY_RULE_LABELS": QUALITY_RULE_LABELS,
    "REPORT_TEXT": REPORT_TEXT,
    "APPENDIX_TEXT": APPENDIX_TEXT,
    "PLOT_TEXT": PLOT_TEXT,
    "DOCUMENT_TEXT": DOCUMENT_TEXT,
    "TABLE_CAPTIONS": TABLE_CAPTIONS,
    "CAPTION_WORDS": CAPTION_WORDS,
}

# The texts of the model sections (report/text_models.py) join the catalogues above; a key
# defined in both would be a silent overwrite, so it is refused.
for _name, _entries in MODEL_CATALOGUES.items():
    _catalogue = CATALOGUES.setdefault(_name, {})
    _twice = sorted(set(_catalogue) & set(_entries))
    if _twice:
        raise RuntimeError(f"{_name}: text key(s) {_twice} defined twice.")
    _catalogue.update(_entries)
