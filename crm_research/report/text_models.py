"""The texts of the model sections (invariance, structural model, driver importance, PLS).

Entries of the report's catalogues (:mod:`crm_research.report.text` merges each of
:data:`MODEL_CATALOGUES` into the catalogue of the same name, refusing a key defined twice),
kept here so that the catalogue module stays one screenful per catalogue.  Every entry has a
text in each report language; the tables they describe are made by
:mod:`crm_research.study.models` and :mod:`crm_research.study.invariance`.
"""

from __future__ import annotations

__all__ = ["CAVEAT_TEXT", "MODEL_CATALOGUES"]

#: Prose of the model sections (``report.say(key)``).
MODEL_NOTEBOOK_TEXT: dict[str, dict[str, str]] = {
    "rv.common_method": {
        "zh": "## 共同方法偏差\n\n所有题项来自同一份问卷、同一批受访者,可能存在共同方法偏差。"
        "Harman 单因子检验:所有题项只提取一个未旋转因子,若其解释的方差超过一半即须警惕"
        "(Podsakoff 等, 2003);Kock 全共线性检验:每个维度得分对其余维度回归,"
        "VIF 大于 3.3 提示偏差(Kock, 2015)。",
        "en": "## Common-method bias\n\nEvery item comes from one questionnaire answered by "
        "the same respondents, so common-method variance is possible. Harman's single-factor "
        "test fits one unrotated factor to all items; more than half of the variance on it is "
        "a warning sign (Podsakoff et al., 2003). Kock's full-collinearity test regresses each "
        "scale score on all the others; a VIF above 3.3 suggests bias (Kock, 2015).",
    },
    "rv.segment_invariance": {
        "zh": "## 分组测量不变性\n\n比较不同客户群体的维度均值之前,先检验各维度的测量在群体间是否等同:"
        "依次约束因子载荷(度量不变性)和题项截距(标量不变性)。某一级成立的标准为 ΔCFI ≥ −0.010 "
        "且 ΔRMSEA ≤ 0.015(Chen, 2007);形态模型自由度小于 10 时 RMSEA 不可靠(Kenny 等, 2015),"
        "改用 χ² 差异检验(α = 0.05)。只有标量不变性成立时,"
        "群体间的均值比较才有意义(“可比较”一列)。",
        "en": "## Measurement invariance across customer groups\n\nBefore the groups' scale "
        "means are compared, each scale is checked for measuring alike in every group: "
        "loadings are constrained equal (metric invariance), then item intercepts (scalar "
        "invariance). A level holds when ΔCFI ≥ −.010 and ΔRMSEA ≤ .015 (Chen, 2007); when "
        "the configural model has fewer than 10 degrees of freedom, where the RMSEA misleads "
        "(Kenny et al., 2015), by the χ² difference test (α = .05). Means may be compared "
        "only where scalar "
        "invariance holds (column *comparable*).",
    },
    "cs.sem": {
        "zh": "## 结构模型:满意度 → 忠诚度\n\n各维度为潜变量(由其题项测量,反向题已重新计分);"
        "满意度由各前因维度(质量与 IDIC 维度)解释,忠诚度由满意度及各前因维度直接解释。"
        "最大似然估计(lavaan 定义),标准误与置信区间为常规(delta 法)估计。"
        "拟合标准同验证性因子分析(Hu & Bentler, 1999)。",
        "en": "## Structural model: satisfaction → loyalty\n\nEach scale is a latent variable "
        "measured by its items (reverse-keyed items recoded); satisfaction is explained by "
        "the antecedents (quality and the IDIC dimensions), loyalty by satisfaction and "
        "directly by the antecedents. Maximum likelihood (lavaan's definitions), standard "
        "errors and intervals from the expected information (delta method for effects). Fit "
        "criteria as for the CFA (Hu & Bentler, 1999).",
    },
    "cs.sem_paths": {
        "zh": "**路径系数**(非标准化估计、标准误、z、p、完全标准化系数及 95% 置信区间)与各内生变量的 R²:",
        "en": "**Paths** (unstandardised estimate, standard error, z, p, completely "
        "standardised coefficient and 95% interval) and the R² of each outcome:",
    },
    "cs.sem_indirect": {
        "zh": "**间接效应与总效应**:前因维度经由满意度对忠诚度的间接效应(a × b)及总效应"
        "(c + a × b),delta 法标准误(Sobel, 1982)。",
        "en": "**Indirect and total effects**: each antecedent's effect on loyalty through "
        "satisfaction (a × b) and its total effect (c + a × b), delta-method standard errors "
        "(Sobel, 1982).",
    },
    "cs.importance": {
        "zh": "## 驱动因素的相对重要性\n\n一般优势权重(general dominance,即 LMG/Shapley 值):"
        "各驱动维度在满意度(及忠诚度)已解释方差 R² 中所占的部分,权重之和等于 R²"
        "(Budescu, 1993; Azen & Budescu, 2003);括号为 1,000 次自助抽样的 95% 百分位区间。"
        "重要性–表现分析的纵轴即为其份额。",
        "en": "## Relative importance of the drivers\n\nGeneral dominance weights (LMG, the "
        "Shapley value of R²): each driver's part of the explained variance R² of "
        "satisfaction (and of loyalty), summing to R² (Budescu, 1993; Azen & Budescu, 2003), "
        "with 95% percentile intervals from 1,000 bootstrap resamples. The IPA's importance "
        "axis is this share.",
    },
    "cs.importance_value": {
        "zh": "**按客户价值**:将受访者按客户编号与台账的 ABC 分类对应,分别计算 A 类客户与其他客户的驱动因素重要性"
        "(各自的自助区间)。",
        "en": "**By customer value**: respondents linked by customer ID to the ledger's ABC "
        "classes; driver importance for class-A customers and for the rest, each with its "
        "bootstrap intervals.",
    },
    "cs.nps_interval": {
        "zh": "置信区间为 Rocks(2016)的调整 Wald 区间(加入 0.75 个推荐者、1.5 个中立者、0.75 个贬损者的伪观测)。",
        "en": "The interval is Rocks' (2016) adjusted Wald interval (pseudo-observations of "
        "0.75 promoter, 1.5 passive and 0.75 detractor added).",
    },
    "cs.pls": {
        "zh": "## 偏最小二乘结构方程模型(PLS-SEM)\n\n同一模型以 PLS 路径模型估计(模式 A、路径加权;"
        "与 seminr、SmartPLS 一致),路径系数的区间来自 500 次自助抽样;"
        "测量质量看 α、ρA、ρC ≥ 0.70 与 AVE ≥ 0.50(Hair 等, 2022)。",
        "en": "## PLS path model (PLS-SEM)\n\nThe same model estimated as a PLS path model "
        "(mode A, path weighting; as seminr and SmartPLS), path intervals from 500 bootstrap "
        "resamples; measurement quality from α, ρA, ρC ≥ .70 and AVE ≥ .50 (Hair et al., "
        "2022).",
    },
    "cs.ipma": {
        "zh": "**重要性–绩效图(IPMA)**:横轴为各构念对忠诚度的总效应(非标准化),纵轴为构念得分换算到 0–100 的绩效"
        "(Ringle & Sarstedt, 2016)。右下方(重要而绩效低)最值得改进。",
        "en": "**Importance–performance map (IPMA)**: each construct's total effect on loyalty "
        "(unstandardised) across, its performance (score rescaled to 0–100) up (Ringle & "
        "Sarstedt, 2016). The lower right — important but weak — is where improvement pays.",
    },
    "es.gap_invariance": {
        "zh": "## 感知差距的测量不变性\n\n员工与客户的均值只有在两组对题项的理解相同时才可比较。"
        "对每一对对应维度,用两组共同的题项(按顺序配对)拟合单因子模型,依次检验形态、度量和标量不变性"
        "(ΔCFI ≥ −0.010 且 ΔRMSEA ≤ 0.015,Chen, 2007;自由度小于 10 的模型用 χ² 差异检验,"
        "Kenny 等, 2015)。标量不变性成立时报告潜变量均值差(员工减客户);"
        "否则指出未通过的层级,并退回到观测均值差(见上表),附加说明。",
        "en": "## Perception gap: measurement invariance first\n\nEmployees' and customers' "
        "means are comparable only if both groups read the items alike. For each mirrored "
        "pair of scales a one-factor model of the items the two share (paired by position) is "
        "fitted to both groups at the configural, metric and scalar levels (ΔCFI ≥ −.010 and "
        "ΔRMSEA ≤ .015, Chen, 2007; by the χ² difference test for models with fewer than 10 "
        "degrees of freedom, Kenny et al., 2015). Where scalar invariance holds the latent mean difference "
        "(employees minus customers) is reported; otherwise the level that failed is named "
        "and the observed gap above is the fall-back, with a caveat.",
    },
    "es.gap_latent": {
        "zh": "**潜变量均值差**(员工减客户,以第一个题项为单位;标量不变性未成立的维度只列观测差距):",
        "en": "**Latent mean differences** (employees minus customers, in units of the first "
        "item; where scalar invariance fails only the observed gap is given):",
    },
}

#: Caveats of the invariance-checked perception gap (``caveats`` codes of the
#: ``perception_gap_latent`` table), filled with the row's values.
CAVEAT_TEXT: dict[str, dict[str, str]] = {
    "items_by_position": {
        "zh": "{dimension}:两份问卷的题项数不同,只比较按顺序配对的前 {k} 个题项({customer_items} 与 "
        "{employee_items})。",
        "en": "{dimension}: the two questionnaires have different numbers of items; the first "
        "{k} of each, paired in order, are compared ({customer_items} with {employee_items}).",
    },
    "not_scalar": {
        "zh": "{dimension}:{failed}不变性未成立(最高成立层级:{held}),潜变量均值不可比较,"
        "改用观测均值差,应谨慎解读。",
        "en": "{dimension}: {failed} invariance does not hold (highest level held: {held}), so "
        "latent means are not compared; the observed gap is shown instead and should be read "
        "with caution.",
    },
    "rules_differ": {
        "zh": "{dimension}:按 χ² 差异检验成立至{chisq},按 ΔCFI/ΔRMSEA 规则(Chen, 2007)成立至{chen};"
        "本报告采用{rule}。",
        "en": "{dimension}: by the χ² difference tests invariance holds up to {chisq}, by the "
        "ΔCFI/ΔRMSEA rule (Chen, 2007) up to {chen}; the report uses {rule}.",
    },
    "warnings": {
        "zh": "{dimension}:模型估计给出警告(如 Heywood 情形),结果须谨慎解读。",
        "en": "{dimension}: the model fit gave warnings (e.g. a Heywood case); read the "
        "result with caution.",
    },
}

#: Column headers of the model tables.
MODEL_COLUMN_LABELS: dict[str, dict[str, str]] = {
    "employee_scale": {"zh": "员工维度", "en": "Employee scale"},
    "pvalue": {"zh": "p", "en": "p"},
    "cfi": {"zh": "CFI", "en": "CFI"},
    "tli": {"zh": "TLI", "en": "TLI"},
    "rmsea": {"zh": "RMSEA", "en": "RMSEA"},
    "srmr": {"zh": "SRMR", "en": "SRMR"},
    "aic": {"zh": "AIC", "en": "AIC"},
    "bic": {"zh": "BIC", "en": "BIC"},
    "chisq_diff": {"zh": "Δχ²", "en": "Δχ²"},
    "df_diff": {"zh": "Δdf", "en": "Δdf"},
    "pvalue_diff": {"zh": "p(Δχ²)", "en": "p (Δχ²)"},
    "delta_cfi": {"zh": "ΔCFI", "en": "ΔCFI"},
    "delta_rmsea": {"zh": "ΔRMSEA", "en": "ΔRMSEA"},
    "holds": {"zh": "成立", "en": "Holds"},
    "k_items": {"zh": "题项数", "en": "Items"},
    "n_employees": {"zh": "员工数", "en": "Employees"},
    "level_held": {"zh": "成立的最高层级", "en": "Highest level held"},
    "failed_level": {"zh": "未通过层级", "en": "Level failed"},
    "method": {"zh": "比较方式", "en": "Compared as"},
    "estimate": {"zh": "估计值", "en": "Estimate"},
    "se": {"zh": "标准误", "en": "SE"},
    "z": {"zh": "z", "en": "z"},
    "std_all": {"zh": "标准化", "en": "Std."},
    "observed_gap": {"zh": "观测差距", "en": "Observed gap"},
    "observed_ci_low": {"zh": "观测下限", "en": "Observed lower"},
    "observed_ci_high": {"zh": "观测上限", "en": "Observed upper"},
    "n_groups": {"zh": "组数", "en": "Groups"},
    "n_min": {"zh": "最小组样本", "en": "Smallest group"},
    "delta_cfi_metric": {"zh": "ΔCFI(度量)", "en": "ΔCFI metric"},
    "delta_cfi_scalar": {"zh": "ΔCFI(标量)", "en": "ΔCFI scalar"},
    "delta_rmsea_metric": {"zh": "ΔRMSEA(度量)", "en": "ΔRMSEA metric"},
    "delta_rmsea_scalar": {"zh": "ΔRMSEA(标量)", "en": "ΔRMSEA scalar"},
    "pvalue_scalar": {"zh": "p(标量 Δχ²)", "en": "p (scalar Δχ²)"},
    "comparable": {"zh": "可比较", "en": "Comparable"},
    "predictor": {"zh": "前因", "en": "Predictor"},
    "est": {"zh": "估计值", "en": "Estimate"},
    "mediator": {"zh": "中介", "en": "Mediator"},
    "effect": {"zh": "效应", "en": "Effect"},
    "weight": {"zh": "权重(R²)", "en": "Weight (R²)"},
    "rank": {"zh": "排序", "en": "Rank"},
    "share_ci_low": {"zh": "份额下限", "en": "Share lower"},
    "share_ci_high": {"zh": "份额上限", "en": "Share upper"},
    "value_class": {"zh": "价值类别", "en": "Value class"},
    "share_factor": {"zh": "单因子方差占比", "en": "Share of one factor"},
    "share_component": {"zh": "第一主成分占比", "en": "Share of first component"},
    "exceeds_half": {"zh": "超过一半", "en": "Above half"},
    "exceeds": {"zh": "超过阈值", "en": "Above threshold"},
    "threshold": {"zh": "阈值", "en": "Threshold"},
    "from": {"zh": "自", "en": "From"},
    "to": {"zh": "至", "en": "To"},
    "t": {"zh": "t", "en": "t"},
    "construct": {"zh": "构念", "en": "Construct"},
    "rhoA": {"zh": "ρA", "en": "ρA"},
    "rhoC": {"zh": "ρC", "en": "ρC"},
    "r2_adj": {"zh": "调整 R²", "en": "Adjusted R²"},
    "importance_ci_low": {"zh": "重要性下限", "en": "Importance lower"},
    "importance_ci_high": {"zh": "重要性上限", "en": "Importance upper"},
}

#: Ids in the model tables shown in words.
MODEL_ID_LABELS: dict[str, dict[str, str]] = {
    "configural": {"zh": "形态", "en": "configural"},
    "metric": {"zh": "度量", "en": "metric"},
    "scalar": {"zh": "标量", "en": "scalar"},
    "strict": {"zh": "严格", "en": "strict"},
    "none": {"zh": "无", "en": "none"},
    "latent": {"zh": "潜变量均值", "en": "latent means"},
    "observed": {"zh": "观测均值", "en": "observed means"},
    "indirect": {"zh": "间接", "en": "indirect"},
    "total": {"zh": "总", "en": "total"},
    "rest": {"zh": "其他客户", "en": "rest"},
    "general_dominance": {"zh": "一般优势权重", "en": "general dominance"},
    "chisq_difference": {
        "zh": "χ² 差异检验(模型自由度小,RMSEA 不可靠)",
        "en": "the χ² difference tests (few degrees of freedom, where RMSEA misleads)",
    },
    "delta_fit": {"zh": "ΔCFI/ΔRMSEA 规则", "en": "the ΔCFI/ΔRMSEA rule"},
}

#: Titles and axes of the model figures.
MODEL_PLOT_TEXT: dict[str, dict[str, str]] = {
    "ipma.title": {
        "zh": "重要性–绩效图(IPMA,目标:{target})",
        "en": "Importance–performance map (IPMA, target: {target})",
    },
    "ipma.x": {"zh": "重要性(对目标的总效应)", "en": "Importance (total effect on the target)"},
    "ipma.y": {"zh": "绩效(0–100)", "en": "Performance (0–100)"},
    "importance.title": {
        "zh": "驱动因素的相对重要性(一般优势权重及 95% 自助区间)",
        "en": "Relative importance of the drivers (general dominance, 95% bootstrap intervals)",
    },
    "importance.x": {"zh": "R² 中的份额", "en": "Share of R²"},
    "importance.y": {"zh": "驱动因素", "en": "Driver"},
}

#: Captions of the model tables (html.py numbers them).
MODEL_TABLE_CAPTIONS: dict[str, dict[str, str]] = {
    "perception_gap_invariance": {
        "zh": "感知差距:员工与客户对应题项的测量不变性",
        "en": "Perception gap: measurement invariance of the mirrored items",
    },
    "perception_gap_latent": {
        "zh": "感知差距:潜变量均值差(不变性检验后)",
        "en": "Perception gap: latent mean differences after the invariance check",
    },
    "segment_invariance": {
        "zh": "各客户群体间的测量不变性",
        "en": "Measurement invariance across customer groups",
    },
    "sem_fit": {"zh": "结构模型拟合指标", "en": "Fit of the structural model"},
    "sem_paths": {"zh": "结构模型路径系数", "en": "Paths of the structural model"},
    "sem_r2": {"zh": "结构模型的 R²", "en": "R² of the structural model"},
    "sem_indirect": {
        "zh": "经由满意度的间接效应与总效应",
        "en": "Indirect and total effects through satisfaction",
    },
    "driver_importance": {
        "zh": "驱动因素的相对重要性(一般优势权重)",
        "en": "Relative importance of the drivers (general dominance)",
    },
    "driver_importance_by_value": {
        "zh": "A 类客户与其他客户的驱动因素重要性",
        "en": "Driver importance: class-A customers and the rest",
    },
    "common_method_harman": {"zh": "Harman 单因子检验", "en": "Harman's single-factor test"},
    "common_method_vif": {
        "zh": "Kock 全共线性 VIF",
        "en": "Kock's full-collinearity VIFs",
    },
    "pls_paths": {"zh": "PLS 路径系数(自助区间)", "en": "PLS paths with bootstrap intervals"},
    "pls_r2": {"zh": "PLS 模型的 R²", "en": "R² of the PLS model"},
    "pls_reliability": {"zh": "PLS 测量质量", "en": "PLS measurement quality"},
    "ipma": {"zh": "重要性–绩效图(IPMA)", "en": "Importance–performance map (IPMA)"},
}

#: Catalogue name in :mod:`crm_research.report.text` -> the entries this module adds to it.
MODEL_CATALOGUES: dict[str, dict[str, dict[str, str]]] = {
    "NOTEBOOK_TEXT": MODEL_NOTEBOOK_TEXT,
    "COLUMN_LABELS": MODEL_COLUMN_LABELS,
    "ID_LABELS": MODEL_ID_LABELS,
    "PLOT_TEXT": MODEL_PLOT_TEXT,
    "TABLE_CAPTIONS": MODEL_TABLE_CAPTIONS,
    "CAVEAT_TEXT": CAVEAT_TEXT,
}
