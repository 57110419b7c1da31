"""Typesetting by language: Chinese prose with full-width punctuation (GB/T 15834-2011).

:func:`zh_punctuation` is applied to every catalogue text of a Chinese report
(:func:`crm_research.report.text.text`), to the findings' texts the document quotes and, as a
last pass, to the visible text of the Chinese report page
(:func:`crm_research.report.html.build_report`); :data:`TYPESET` maps a language to its
typesetting function.
"""

from __future__ import annotations

import re

__all__ = ["CJK", "TYPESET", "zh_punctuation"]

#: Chinese characters and full-width punctuation: what counts as Chinese text for
#: :func:`zh_punctuation` (CJK Unified Ideographs, CJK Symbols and Punctuation, Halfwidth and
#: Fullwidth Forms).
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_ZH_MARKS = {",": "，", ":": "：", ";": "；"}
_AFTER_CJK = re.compile(f"(?<=[{CJK}])[ \t]*([,:;])(?!//)[ \t]?")
_HAS_CJK = re.compile(f"[{CJK}]")


def zh_punctuation(text: str) -> str:
    """Chinese prose typeset with full-width punctuation (GB/T 15834-2011).

    A comma, colon or semicolon right after a Chinese character becomes ``，：；``; a pair of
    parentheses that touches Chinese text (a Chinese character before the opening one or
    inside the pair) becomes ``（）``.  Latin text, numbers and code are left alone.

    Examples
    --------
    >>> zh_punctuation("程度(Landis & Koch, 1977),总体:良好;n = 5 (a, b)")
    '程度（Landis & Koch, 1977），总体：良好；n = 5 (a, b)'
    >>> zh_punctuation("检查(论文…")
    '检查（论文…'
    """
    if not _HAS_CJK.search(text):
        return text
    chars = list(text)
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            j = stack.pop()
            before = text[j - 1] if j > 0 else ""
            inside = text[j + 1 : i]
            if _HAS_CJK.match(before) or _HAS_CJK.search(inside) or (
                before == " " and j > 1 and _HAS_CJK.match(text[j - 2])
            ):
                chars[j], chars[i] = "（", "）"
                if before == " ":
                    chars[j - 1] = ""
    for i, ch in enumerate(chars):  # an unmatched one (a shortened text) beside Chinese
        if ch == "(" and i > 0 and _HAS_CJK.match(text[i - 1]):
            chars[i] = "（"
        elif ch == ")" and i > 0 and _HAS_CJK.match(text[i - 1]):
            chars[i] = "）"
    out = "".join(chars)
    for _ in range(2):  # "）," after a converted pair, then "，" runs
        out = _AFTER_CJK.sub(lambda m: _ZH_MARKS[m.group(1)], out)
    return out


def _as_is(text: str) -> str:
    return text


#: Language -> how its text is set.
TYPESET = {"zh": zh_punctuation, "en": _as_is}
