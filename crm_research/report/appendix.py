"""The methods appendix: every method and threshold the report uses, with its citation.

The thresholds are read from the modules that apply them (not restated), so the appendix
always shows the values the analyses applied; the words come from
:data:`crm_research.report.text.APPENDIX_TEXT`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from crm_research import factor, reliability, segmentation, sem
from crm_research.report.text import APPENDIX_TEXT, ID_LABELS, check_lang, text
from crm_research.study import SATISFACTION_LOYALTY_AGREE_POINT

__all__ = ["REFERENCES", "merge_references", "methods_appendix"]


def methods_appendix(
    lang: str = "zh",
    references: Sequence[str] = (),
    abc_cuts: Mapping[str, float] | None = None,
) -> str:
    """Markdown appendix: every method and threshold the report uses, with its citation.

    The thresholds are read from the modules' constants (not restated), so the appendix
    always shows the values the analyses applied.

    Parameters
    ----------
    lang : {"zh", "en"}
    references : sequence of str
        Further references (those the findings cite); merged with :data:`REFERENCES`,
        one entry per first author and year, sorted.
    abc_cuts : mapping, optional
        ``{"a_cut": .., "b_cut": ..}`` the study applied (its ``parameters["abc_cuts"]``);
        default those of :mod:`crm_research.segmentation`.

    Returns
    -------
    str
        Markdown text starting with a level-1 heading.

    Examples
    --------
    >>> "Nunnally" in methods_appendix("en")
    True
    """
    check_lang(lang)
    cuts = {"a_cut": segmentation.A_CUT, "b_cut": segmentation.B_CUT, **(abc_cuts or {})}
    cuts = {key: f"{float(value) * 100:.4g}%" for key, value in cuts.items()}
    kmo_bands = ", ".join(
        f"≥ {lo:g} {ID_LABELS.get(label, {}).get(lang, label)}"
        for lo, label in factor.KMO_LABELS
        if lo != float("-inf")
    )

    def say(key: str, **values: object) -> str:
        return text(APPENDIX_TEXT, key, lang, **values)

    rows = [
        (
            say("alpha"),
            f"α ≥ {reliability.NUNNALLY_MIN_ALPHA:.2f}",
            "Nunnally (1978); Feldt, Woodruff & Salih (1987)",
        ),
        (say("omega"), "—", "McDonald (1999)"),
        ("KMO", kmo_bands, "Kaiser (1974)"),
        (say("bartlett"), "p < .05", "Bartlett (1950)"),
        (say("parallel"), say("parallel.threshold"), "Horn (1965)"),
        (
            say("efa"),
            say("efa.threshold", loading=f"{sem.LOADING_MIN:.2f}"),
            "Revelle (psych); Hair et al. (2019)",
        ),
        (
            say("cfa"),
            f"CFI ≥ {sem.CFI_MIN:.2f}, TLI ≥ {sem.TLI_MIN:.2f}, RMSEA ≤ {sem.RMSEA_MAX:.2f}, "
            f"SRMR ≤ {sem.SRMR_MAX:.2f}",
            "Hu & Bentler (1999); lavaan (Rosseel 2012)",
        ),
        (
            say("cr_ave"),
            f"CR ≥ {sem.CR_MIN:.2f}, AVE ≥ {sem.AVE_MIN:.2f}",
            "Fornell & Larcker (1981)",
        ),
        ("HTMT", f"< {sem.HTMT_MAX:.2f}", "Henseler, Ringle & Sarstedt (2015)"),
        (say("ipa"), say("ipa.threshold"), "Martilla & James (1977); Bacon (2003)"),
        (
            say("satloy"),
            say("satloy.threshold", cut=f"{SATISFACTION_LOYALTY_AGREE_POINT:g}"),
            "Jones & Sasser (1995)",
        ),
        ("NPS", "0–6 / 7–8 / 9–10", "Reichheld (2003)"),
        (say("abc"), say("abc.threshold", **cuts), "Dickie (1951)"),
        (say("hhi"), say("hhi.threshold"), "Hirschman (1964); Cohen (1988)"),
        (say("drivers"), "VIF", "Cohen, Cohen, West & Aiken (2003)"),
    ]
    head = (say("title"), say("header"))
    lines = [head[0], "", head[1], "|---|---|---|"]
    lines += [f"| {m} | {t} | {c} |" for m, t, c in rows]
    lines += ["", "## " + say("references"), ""]
    lines += [f"- {ref}" for ref in merge_references(REFERENCES, references)]
    return "\n".join(lines) + "\n"


def merge_references(*groups: Sequence[str]) -> list[str]:
    """One entry per first author and year (the first spelling wins), sorted alphabetically.

    Examples
    --------
    >>> merge_references(["Kaiser, H. F. (1974). An index."], ["Kaiser, H. (1974). Index.",
    ...                  "Cohen, J. (1960). A coefficient."])
    ['Cohen, J. (1960). A coefficient.', 'Kaiser, H. F. (1974). An index.']
    """
    seen: dict[str, str] = {}
    for group in groups:
        for ref in group:
            match = re.match(r"^([^,(]+)[^()]*\((\d{4})\)", ref)
            key = f"{match.group(1).strip().casefold()}|{match.group(2)}" if match else ref
            seen.setdefault(key, ref)
    return sorted(seen.values(), key=lambda r: unicodedata.normalize("NFKD", r).casefold())


#: Full references of the appendix (APA style, as in the modules' comments).
REFERENCES = (
    "Bartlett, M. S. (1950). Tests of significance in factor analysis. *British Journal of Psychology, Statistical Section*, 3(2), 77–85.",
    "Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied multiple regression/correlation analysis for the behavioral sciences* (3rd ed.). Erlbaum.",
    "Dickie, H. F. (1951). ABC inventory analysis shoots for dollars, not pennies. *Factory Management and Maintenance*, 109(7), 92–94.",
    "Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient alpha. *Applied Psychological Measurement*, 11(1), 93–103.",
    "Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable variables and measurement error. *Journal of Marketing Research*, 18(1), 39–50.",
    "Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2019). *Multivariate data analysis* (8th ed.). Cengage.",
    "Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant validity. *Journal of the Academy of Marketing Science*, 43, 115–135.",
    "Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis. *Psychometrika*, 30(2), 179–185.",
    "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis. *Structural Equation Modeling*, 6(1), 1–55.",
    "Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. *Harvard Business Review*, 73(6), 88–99.",
    "Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39(1), 31–36.",
    "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. *Biometrics*, 33(1), 159–174.",
    "Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological Measurement*, 20(1), 37–46.",
    "Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of Marketing*, 41(1), 77–79.",
    "McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.",
    "Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill.",
    "Peppers, D., & Rogers, M. (2004). *Managing customer relationships: A strategic framework*. Wiley.",
    "Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12), 46–54.",
    "Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and personality research* (R package version 2.2.9). Northwestern University.",
    "Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical Software*, 48(2), 1–36.",
    "Hirschman, A. O. (1964). The paternity of an index. *American Economic Review*, 54(5), 761.",
    "Bacon, D. R. (2003). A comparison of approaches to importance-performance analysis. *International Journal of Market Research*, 45(1), 55–71.",
    "Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.",
)
