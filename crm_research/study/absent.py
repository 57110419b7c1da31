"""Why a table is absent from a study: one reason code and one sentence in each language.

The study decides which tables the data can support, so the study also says why a table
is left out (:func:`crm_research.study.run_study` records an :class:`AbsentTable` for each
table of :data:`~crm_research.study.TABLE_NAMES` it did not make).  The report only shows
the sentence; it never repeats the rules.  The sentences are a text catalogue keyed by
reason code (:data:`ABSENT_TEXT`), each with ``zh`` and ``en``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from crm_research.instrument import LANGS

__all__ = [
    "ABSENT_TEXT",
    "COLUMN_WORDS",
    "FACTOR_STEP_LABELS",
    "MODEL_STEP_LABELS",
    "SCALE_WORDS",
    "AbsentTable",
    "absent_frame",
    "absent_table",
]

#: Reason code -> one sentence per language naming why a table is left out.
ABSENT_TEXT: dict[str, dict[str, str]] = {
    "no_satisfaction": {
        "zh": "客户问卷没有声明满意度维度(roles: satisfaction),故略去满意度的驱动因素分析。",
        "en": "The customer questionnaire declares no satisfaction scale (roles: satisfaction), "
        "so the drivers of satisfaction are left out.",
    },
    "no_drivers": {
        "zh": "客户问卷没有声明满意度的驱动维度(roles: drivers),故略去。",
        "en": "The customer questionnaire declares no driver scale of satisfaction "
        "(roles: drivers); it is left out.",
    },
    "ipa_no_satisfaction": {
        "zh": "重要性–表现分析需要满意度维度,客户问卷中没有该维度,故略去。",
        "en": "Importance–performance analysis needs the satisfaction scale, which the customer "
        "questionnaire lacks; it is left out.",
    },
    "ipa": {
        "zh": "重要性–表现分析至少需要两个驱动维度,本问卷只有 {n} 个({scales}),故略去。",
        "en": "Importance–performance analysis needs at least two driver scales and the "
        "customer questionnaire has {n} ({scales}); it is left out.",
    },
    "satloy": {
        "zh": "满意度 × 忠诚度矩阵需要满意度和忠诚度两个维度,客户问卷中缺少{scales},故略去。",
        "en": "The satisfaction × loyalty matrix needs both the satisfaction and the loyalty "
        "scale and the customer questionnaire lacks {scales}; it is left out.",
    },
    "nps": {
        "zh": "客户问卷中没有净推荐值题目,故略去 NPS。",
        "en": "The customer questionnaire has no Net Promoter question, so the NPS is left out.",
    },
    "groups": {
        "zh": "客户问卷没有声明可用于分组的背景列(roles: segments),无法比较客户群体,故略去。",
        "en": "The customer questionnaire declares no segment column (roles: segments), so "
        "the comparison of customer groups is left out.",
    },
    "few_scales": {
        "zh": "问卷只定义了 {n} 个李克特维度,维度间相关至少需要两个,故略去。",
        "en": "The questionnaire defines {n} rating scale(s) and correlations between scales "
        "need at least two; they are left out.",
    },
    "no_scales": {
        "zh": "问卷没有定义李克特维度(scales),故略去信度分析。",
        "en": "The questionnaire defines no rating scale (scales:), so reliability is left out.",
    },
    "no_scales_levels": {
        "zh": "问卷没有定义李克特维度(scales),故略去题项与维度得分。",
        "en": "The questionnaire defines no rating scale (scales:), so item and scale levels "
        "are left out.",
    },
    "undeclared_column": {
        "zh": "客户问卷没有把“{column}”列声明为分组或区域(roles: segments, region),故略去。",
        "en": "The customer questionnaire declares no '{column}' column as a segment or region "
        "(roles: segments, region); it is left out.",
    },
    "no_grouping": {
        "zh": "客户问卷没有声明分组或区域列(roles: segments, region),故略去客户构成。",
        "en": "The customer questionnaire declares no segment or region column (roles: "
        "segments, region), so the customer mix is left out.",
    },
    "no_employees": {
        "zh": "本研究没有员工自评问卷,故略去员工部分(自评得分、感知差距、各岗位比较)。",
        "en": "This study has no employee self-assessment, so the employee part (self-ratings, "
        "perception gap, comparison by role) is left out.",
    },
    "no_ledger": {
        "zh": "本研究没有客户台账,故略去客户价值分析(ABC 分类、收入集中度、等级与价值的比较)。",
        "en": "This study has no customer ledger, so the customer-value analyses (ABC classes, "
        "revenue concentration, tiers against value) are left out.",
    },
    "ledger_column": {
        "zh": "客户台账中没有“{column}”列,故略去按该列的收入集中度。",
        "en": "The customer ledger has no '{column}' column; revenue concentration by it is "
        "left out.",
    },
    "distribution": {
        "zh": "客户数据中没有“{column}”列,故略去按{column}的客户构成。",
        "en": "The customer data have no '{column}' column; the customer mix by this column is "
        "left out.",
    },
    "gap": {
        "zh": "员工问卷没有声明与客户问卷对应的维度(roles: mirrors),故略去感知差距。",
        "en": "No employee scale is declared the mirror of a customer scale (roles: mirrors), "
        "so the perception gap is left out.",
    },
    "no_role": {
        "zh": "员工问卷没有声明岗位等分组列(roles: segments),故略去各岗位的比较。",
        "en": "The employee questionnaire declares no segment column such as role "
        "(roles: segments), so the comparison by role is left out.",
    },
    "no_crm_use": {
        "zh": "员工问卷没有声明 CRM 系统使用维度(roles: system_use),故略去各岗位的 CRM 系统使用。",
        "en": "The employee questionnaire declares no CRM-use scale (roles: system_use), so CRM "
        "use by role is left out.",
    },
    "no_customer_id": {
        "zh": "客户数据中没有客户编号,无法与台账对应,故略去现有等级与价值类别的比较。",
        "en": "The customer data have no customer ID to match them to the ledger, so the "
        "comparison of tiers with value classes is left out.",
    },
    "no_tiers": {
        "zh": "客户数据中没有现有客户等级,无法比较。",
        "en": "The customer data hold no company tiers, so there is nothing to compare.",
    },
    "no_scorecard": {
        "zh": "本次未提供实施评分卡数据。",
        "en": "No implementation scorecard was supplied for this report.",
    },
    "table": {
        "zh": "这些数据无法生成表 {name},故略去。",
        "en": "The table {name} could not be made from these data; it is left out.",
    },
    # factor analyses (crm_research.study.psychometrics) ---------------------------------
    "fa_too_few": {
        "zh": "只有 {n} 位受访者、{k} 个题项,因子分析需要受访者多于题项,故略去。",
        "en": "Factor analysis needs more respondents than items ({n} respondents, {k} items); "
        "it is left out.",
    },
    "fa_too_few_items": {
        "zh": "因子分析至少需要两个题项,本问卷只有 {k} 个,故略去。",
        "en": "Factor analysis needs at least two items ({k} here); it is left out.",
    },
    "fa_constant": {
        "zh": "题项 {item} 的所有回答都相同,相关系数无定义,因子分析无法进行,故略去。",
        "en": "Factor analysis is undefined because every respondent gave item {item} the same "
        "answer; it is left out.",
    },
    "fa_singular": {
        "zh": "题项的相关矩阵奇异(某些题项是其他题项的线性组合),因子分析无法进行,故略去。",
        "en": "Factor analysis is undefined because the items' correlation matrix is singular "
        "(some items are linear combinations of others); it is left out.",
    },
    "fa_not_identified": {
        "zh": "测量模型的自由参数多于题项的方差与协方差(维度的题项太少),{what}无法估计,故略去。",
        "en": "{what} cannot be estimated because the model has more free parameters than the "
        "items have variances and covariances (too few items per scale); it is left out.",
    },
    "fa_failed": {
        "zh": "{what}无法在这些数据上进行({message}),故略去。",
        "en": "{what} could not be computed on these data ({message}); it is left out.",
    },
    "fa_one_factor": {
        "zh": "探索性因子分析只保留了一个因子,没有因子间相关。",
        "en": "The exploratory factor analysis retained one factor, so there are no factor "
        "correlations.",
    },
    # models (crm_research.study.models) ----------------------------------------------------
    "gap_few_items": {
        "zh": "对应维度({scales})共同的题项少于 {k} 个或作答量表不同,无法检验测量不变性,故略去。",
        "en": "The mirrored scales ({scales}) share fewer than {k} items or differ in answer "
        "scale, so measurement invariance cannot be tested; it is left out.",
    },
    "segments_too_small": {
        "zh": "没有哪个分组列有两个以上足够大的组(每组行数多于模型参数),或维度题项少于 {k} 个,"
        "故略去分组测量不变性检验。",
        "en": "No segment has two groups with more rows than their model's parameters (or no "
        "scale has {k} items), so the invariance check across groups is left out.",
    },
    "sem_no_outcomes": {
        "zh": "结构模型需要声明满意度和忠诚度维度(roles: satisfaction, loyalty),故略去。",
        "en": "The structural model needs declared satisfaction and loyalty scales (roles: "
        "satisfaction, loyalty); it is left out.",
    },
    "sem_no_antecedents": {
        "zh": "问卷没有声明满意度的前因维度(roles: antecedents, drivers, idic),没有间接效应可估计,"
        "故略去。",
        "en": "No antecedent of satisfaction is declared (roles: antecedents, drivers, idic), "
        "so there is no indirect effect to estimate; it is left out.",
    },
    "sem_not_requested": {
        "zh": "研究文件只要求偏最小二乘结构方程模型(models: structural: pls),故略去协方差结构方程模型。",
        "en": "The study file asks for PLS-SEM only (models: structural: pls), so the "
        "covariance-based model is left out.",
    },
    "pls_not_requested": {
        "zh": "研究文件未要求偏最小二乘结构方程模型(models: structural: pls 或 both),故略去。",
        "en": "The study file does not ask for PLS-SEM (models: structural: pls or both); it "
        "is left out.",
    },
    "model_failed": {
        "zh": "{what}无法在这些数据上估计({message}),故略去。",
        "en": "{what} could not be estimated on these data ({message}); it is left out.",
    },
    "value_no_link": {
        "zh": "客户问卷中没有可与台账对应的客户编号,无法按价值类别分析驱动因素,故略去。",
        "en": "No respondent's customer ID matches the ledger, so driver importance by value "
        "class is left out.",
    },
    "value_too_few": {
        "zh": "{group}只有 {n} 位受访者,{k} 个驱动因素至少需要 {need} 位,故略去按价值类别的驱动因素重要性。",
        "en": "{group} has {n} respondents and {k} drivers need at least {need}, so driver "
        "importance by value class is left out.",
    },
}

#: Words for scales a reason names (:data:`ABSENT_TEXT` ``satloy``).
SCALE_WORDS: dict[str, dict[str, str]] = {
    "satisfaction": {"zh": "满意度", "en": "satisfaction"},
    "loyalty": {"zh": "忠诚度", "en": "loyalty"},
    "and": {"zh": "和", "en": " and "},
    "list": {"zh": "、", "en": ", "},
}

#: Background columns a reason names (:data:`ABSENT_TEXT` ``distribution``); the report's
#: column headers use the same words.
COLUMN_WORDS: dict[str, dict[str, str]] = {
    "city": {"zh": "城市", "en": "City"},
    "customer_type": {"zh": "客户类型", "en": "Customer type"},
    "sector": {"zh": "行业", "en": "Sector"},
}

#: The steps of the factor analyses (subjects of the ``fa_*`` sentences).
FACTOR_STEP_LABELS: dict[str, dict[str, str]] = {
    "adequacy": {"zh": "KMO 与 Bartlett 检验", "en": "The KMO measure and Bartlett's test"},
    "parallel": {"zh": "平行分析", "en": "Parallel analysis"},
    "efa": {"zh": "探索性因子分析", "en": "Exploratory factor analysis"},
    "cfa": {"zh": "验证性因子分析", "en": "Confirmatory factor analysis"},
}

#: The models of :mod:`crm_research.study.models` (subjects of the ``model_failed``
#: sentence) and the value groups of ``value_too_few``.
MODEL_STEP_LABELS: dict[str, dict[str, str]] = {
    "gap": {"zh": "感知差距的测量不变性检验", "en": "The invariance check of the perception gap"},
    "segments": {"zh": "分组测量不变性检验", "en": "The invariance check across groups"},
    "sem": {"zh": "结构方程模型", "en": "The structural equation model"},
    "pls": {"zh": "偏最小二乘结构方程模型", "en": "The PLS path model"},
    "drivers": {"zh": "驱动因素重要性", "en": "Driver importance"},
    "cmb": {"zh": "共同方法偏差检验", "en": "The common-method checks"},
    "A": {"zh": "A 类客户", "en": "Class A"},
    "rest": {"zh": "其他客户", "en": "The rest"},
}


@dataclass(frozen=True)
class AbsentTable:
    """A table the study could not make, and why.

    Attributes
    ----------
    table : str
        Table name (:data:`~crm_research.study.TABLE_NAMES`).
    code : str
        Reason code (a key of :data:`ABSENT_TEXT`).
    text : dict
        Language -> the sentence naming the cause.
    """

    table: str
    code: str
    text: dict[str, str]

    def to_frame(self) -> pd.DataFrame:
        """One row: ``table, code`` and one column per language."""
        return pd.DataFrame([{"table": self.table, "code": self.code, **self.text}])

    def __repr__(self) -> str:
        return f"AbsentTable({self.table!r}: {self.code}; {self.text.get('en', '')!r})"


def absent_table(table: str, code: str, **values: object) -> AbsentTable:
    """The reason ``code`` for ``table``, its sentence filled in every language.

    Parameters
    ----------
    table : str
    code : str
        A key of :data:`ABSENT_TEXT`.
    **values
        ``str.format`` values; a value that differs by language is a mapping
        ``{"zh": ..., "en": ...}``.

    Returns
    -------
    AbsentTable

    Examples
    --------
    >>> absent_table("nps", "nps").text["en"]
    'The customer questionnaire has no Net Promoter question, so the NPS is left out.'
    >>> absent_table("x", "table", name="x").text["zh"]
    '这些数据无法生成表 x,故略去。'
    """
    text = {}
    for lang in LANGS:
        filled = {k: (v[lang] if isinstance(v, Mapping) else v) for k, v in values.items()}
        text[lang] = ABSENT_TEXT[code][lang].format(**filled)
    return AbsentTable(table, code, text)


def absent_frame(absent: Mapping[str, AbsentTable]) -> pd.DataFrame:
    """All absent tables, one row each (``table, code, zh, en``), sorted by table.

    Examples
    --------
    >>> absent_frame({"nps": absent_table("nps", "nps")})[["table", "code"]].values.tolist()
    [['nps', 'nps']]
    """
    columns = ["table", "code", *LANGS]
    rows = [absent[name].to_frame() for name in sorted(absent)]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]
