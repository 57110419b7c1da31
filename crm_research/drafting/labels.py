"""Known Likert label sets (zh/en) and how a set of answer labels is put in order.

Part of :mod:`crm_research.drafting`: the draft orders the labels found in an export by the
first known set that takes every one of them (:func:`fit_label_set`), or by the numbers the
labels carry (:func:`numbered_labels`).
"""

from __future__ import annotations

import re

from crm_research.screening import normalise_text

__all__ = ["LIKERT_SETS", "fit_label_set", "is_zh", "norm_label", "numbered_labels"]

#: The anchors follow the common response-anchor sets (Vagias, W. M. 2006, *Likert-type scale
#: response anchors*, Clemson University) in the wording Qualtrics and Wenjuanxing offer.
# Each point: (zh label, en label, other spellings).  Sets are tried in this order; the first
# whose points take every label seen (each point at most one label) orders them.
_NEUTRAL = ("中立", "中等", "说不清", "不确定", "一般般", "neutral", "neithernor")
LIKERT_SETS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "agree5": [
        ("非常不同意", "Strongly disagree", ("完全不同意", "很不同意")),
        ("不同意", "Disagree", ("比较不同意",)),
        ("一般", "Neither agree nor disagree", (*_NEUTRAL, "neither agree or disagree")),
        ("同意", "Agree", ("比较同意",)),
        ("非常同意", "Strongly agree", ("完全同意", "很同意")),
    ],
    "satisfaction5": [
        ("非常不满意", "Very dissatisfied", ("很不满意", "完全不满意", "extremely dissatisfied")),
        ("不满意", "Dissatisfied", ("比较不满意", "somewhat dissatisfied")),
        (
            "一般",
            "Neither satisfied nor dissatisfied",
            (*_NEUTRAL, "neither satisfied or dissatisfied"),
        ),
        ("满意", "Satisfied", ("比较满意", "somewhat satisfied")),
        ("非常满意", "Very satisfied", ("很满意", "完全满意", "extremely satisfied")),
    ],
    "frequency5": [
        ("从不", "Never", ("从来没有", "从未", "几乎从不")),
        ("很少", "Rarely", ("偶尔", "seldom")),
        ("有时", "Sometimes", ("有时候",)),
        ("经常", "Often", ("常常",)),
        ("总是", "Always", ("一直", "每次", "几乎总是")),
    ],
    "likelihood5": [
        ("非常不可能", "Very unlikely", ("极不可能", "完全不可能", "extremely unlikely")),
        ("不太可能", "Unlikely", ("不可能", "somewhat unlikely")),
        ("不确定", "Neither likely nor unlikely", ("一般", "中立", "说不清", "neutral")),
        ("可能", "Likely", ("比较可能", "有可能", "somewhat likely")),
        ("非常可能", "Very likely", ("极有可能", "很可能", "extremely likely")),
    ],
    "importance5": [
        ("非常不重要", "Very unimportant", ("很不重要", "完全不重要")),
        ("不重要", "Unimportant", ("不太重要", "比较不重要")),
        ("一般", "Neutral", ("中立", "一般重要", "说不清")),
        ("重要", "Important", ("比较重要",)),
        ("非常重要", "Very important", ("很重要",)),
    ],
    "importance5q": [  # Qualtrics' wording
        ("完全不重要", "Not at all important", ()),
        ("有点重要", "Slightly important", ()),
        ("一般重要", "Moderately important", ()),
        ("很重要", "Very important", ()),
        ("极其重要", "Extremely important", ()),
    ],
    "agree7": [
        ("非常不同意", "Strongly disagree", ("完全不同意", "很不同意")),
        ("不同意", "Disagree", ()),
        ("有点不同意", "Somewhat disagree", ("比较不同意", "稍微不同意", "slightly disagree")),
        ("一般", "Neither agree nor disagree", (*_NEUTRAL, "neither agree or disagree")),
        ("有点同意", "Somewhat agree", ("比较同意", "稍微同意", "slightly agree")),
        ("同意", "Agree", ()),
        ("非常同意", "Strongly agree", ("完全同意", "很同意")),
    ],
    "satisfaction7": [
        ("非常不满意", "Extremely dissatisfied", ("很不满意", "very dissatisfied")),
        ("不满意", "Moderately dissatisfied", ("dissatisfied",)),
        (
            "有点不满意",
            "Slightly dissatisfied",
            ("比较不满意", "稍微不满意", "somewhat dissatisfied"),
        ),
        ("一般", "Neither satisfied nor dissatisfied", _NEUTRAL),
        ("有点满意", "Slightly satisfied", ("比较满意", "稍微满意", "somewhat satisfied")),
        ("满意", "Moderately satisfied", ("satisfied",)),
        ("非常满意", "Extremely satisfied", ("很满意", "very satisfied")),
    ],
    "frequency7": [
        ("从不", "Never", ("从来没有", "从未")),
        ("很少", "Rarely", ()),
        ("偶尔", "Occasionally", ()),
        ("有时", "Sometimes", ("有时候",)),
        ("经常", "Frequently", ("often",)),
        ("通常", "Usually", ()),
        ("总是", "Every time", ("always", "每次")),
    ],
    "likelihood7": [
        ("极不可能", "Extremely unlikely", ("非常不可能", "完全不可能")),
        ("不太可能", "Moderately unlikely", ("unlikely", "不可能")),
        ("有点不可能", "Slightly unlikely", ("somewhat unlikely",)),
        ("不确定", "Neither likely nor unlikely", ("一般", "中立", "neutral")),
        ("有点可能", "Slightly likely", ("somewhat likely",)),
        ("比较可能", "Moderately likely", ("likely", "可能")),
        ("极有可能", "Extremely likely", ("非常可能", "very likely")),
    ],
}
NUMBERED_LABEL = re.compile(r"^\s*(\d+)\s*(?:分|points?|pts?)?\s*(?:[=:：、.．\-)）]\s*)?(.*)$")


def is_zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def norm_label(text: str) -> str:
    return normalise_text(text).rstrip("。.!！")


def fit_label_set(labels: list[str]) -> tuple[str, dict[str, int]] | None:
    """The first known Likert set taking every label, with each label's code (1..k)."""
    keys = [norm_label(lab) for lab in labels]
    for name, points in LIKERT_SETS.items():
        spellings = [
            {norm_label(zh), norm_label(en), *(norm_label(x) for x in other)}
            for zh, en, other in points
        ]
        codes: dict[str, int] = {}
        used: set[int] = set()
        for lab, key in zip(labels, keys, strict=True):
            hit = next((i for i, sp in enumerate(spellings) if key in sp), None)
            if hit is None or hit in used:
                break
            used.add(hit)
            codes[lab] = hit + 1
        else:
            return name, codes
    return None


def numbered_labels(labels: list[str]) -> dict[str, int] | None:
    """Codes of labels that carry their number (``5分``, ``1 = 很差``), all distinct."""
    codes = {}
    for lab in labels:
        m = NUMBERED_LABEL.match(lab)
        if not m:
            return None
        codes[lab] = int(m.group(1))
    if len(set(codes.values())) != len(codes):
        return None
    return codes
