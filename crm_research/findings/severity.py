"""Thresholds with their sources, and the severity rules built on them (effect sizes, CIs)."""

from __future__ import annotations

import numpy as np

SEVERITIES = ("info", "minor", "moderate", "major")

#: The five problem areas of the thesis, chapter 3 (§3.3.1-3.3.5), in its order.
THESIS_AREAS = ("identification", "classification", "interaction", "customization", "crm_system")

#: Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.),
#: benchmarks for standardized mean differences d: small .2, medium .5, large .8.
D_SMALL = 0.2
D_MEDIUM = 0.5
D_LARGE = 0.8

#: Cohen (1988) benchmarks for eta squared: small .01, medium .06, large .14.
ETA2_SMALL = 0.01
ETA2_MEDIUM = 0.06
ETA2_LARGE = 0.14

#: Cohen (1988), ch. 7: benchmarks for the effect size w of a distribution against a reference
#: distribution (here: an even spread of customers over the cities): small .1, medium .3,
#: large .5.
W_SMALL = 0.1
W_MEDIUM = 0.3
W_LARGE = 0.5

#: HHI bands on the 0-1 scale (US DOJ & FTC 2010, Horizontal Merger Guidelines §5.3: below
#: 0.15 unconcentrated, above 0.25 highly concentrated).  Merger bands describe a market's
#: sellers, not a company's customers: no finding grades a severity with them any longer (the
#: spread of customers over cities is graded by Cohen's w against an even spread); kept for
#: :func:`hhi_severity` and as a descriptive reference.
HHI_MODERATE = 0.15
HHI_HIGH = 0.25

#: Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical
#: data. Biometrics, 33, 159-174: kappa .00-.20 slight, .21-.40 fair, .41-.60 moderate,
#: .61-.80 substantial, .81-1 almost perfect.
KAPPA_SLIGHT = 0.20
KAPPA_FAIR = 0.40
KAPPA_MODERATE = 0.60
KAPPA_SUBSTANTIAL = 0.80

#: Nunnally, J. C. (1978). Psychometric Theory (2nd ed.): alpha >= .70 for research use.
ALPHA_ADEQUATE = 0.70
#: George, D., & Mallery, P. (2003). SPSS for Windows Step by Step (4th ed.): alpha < .60
#: "questionable" to "poor".
ALPHA_POOR = 0.60

#: The Pareto (80/20) benchmark for revenue concentration: the top 20 % of customers bringing
#: 80 % of revenue (Juran 1951, Quality Control Handbook; the basis of ABC analysis).
PARETO_TOP_SHARE = 0.80

SEVERITY_RANK = {s: k for k, s in enumerate(SEVERITIES)}

#: How the severity bands read a confidence interval: a finding is graded by the CI bound
#: nearest "no problem", not by the estimate alone (Cumming, G. (2014). The new statistics:
#: why and how. Psychological Science, 25(1), 7-29: the bound is the smallest effect the data
#: are compatible with).  ``major`` needs even that bound beyond a *large* effect, ``moderate``
#: beyond a medium one, ``minor`` a small estimate with a CI excluding 0 (Cohen 1988
#: benchmarks).  Until 2026-12 the bands stopped at "beyond medium = major", which made 13
#: of 16 findings of the D-company case major; one band up they discriminate.
SEVERITY_BANDS = {
    "major": "CI bound nearest zero beyond a large effect",
    "moderate": "CI bound nearest zero beyond a medium effect",
    "minor": "estimate at least small and CI excluding zero",
    "info": "otherwise",
}

REFERENCES = {
    "cohen1988": "Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.). Erlbaum.",
    "peppers2004": "Peppers, D., & Rogers, M. (2004). Managing Customer Relationships: A Strategic Framework. Wiley (IDIC model).",
    "landis1977": "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. Biometrics, 33(1), 159-174.",
    "cohen1960": "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement, 20(1), 37-46.",
    "jones1995": "Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. Harvard Business Review, 73(6), 88-99.",
    "nunnally1978": "Nunnally, J. C. (1978). Psychometric Theory (2nd ed.). McGraw-Hill.",
    "juran1951": "Juran, J. M. (1951). Quality Control Handbook. McGraw-Hill (Pareto principle, ABC analysis).",
    "reichheld2003": "Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review, 81(12), 46-54.",
    # kept until the rules stop citing it (no finding grades a severity with merger bands)
    "doj2010": "U.S. Department of Justice & Federal Trade Commission (2010). Horizontal Merger Guidelines, §5.3.",
    "hirschman1964": "Hirschman, A. O. (1964). The paternity of an index. American Economic Review, 54(5), 761.",
    "cumming2014": "Cumming, G. (2014). The new statistics: Why and how. Psychological Science, 25(1), 7-29.",
    "martilla1977": "Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. Journal of Marketing, 41(1), 77-79.",
    "thesis": "Anonymous (n.d.). D公司客户关系管理优化研究 [D-company customer relationship management optimisation study] (Master's thesis; author, institution and year not given in the source).",
    "scorecard": "Li, Y. (2009). 度量标准——成功的CRM实施 [Metrics for a successful CRM implementation: 5 categories, 17 metrics]. 4PS Call Center International Standards Research Centre.",
}


def effect_severity(effect: float, ci_low: float, ci_high: float, worse: str = "lower") -> str:
    """Severity of a standardized effect from its size and CI (Cohen 1988 benchmarks).

    Parameters
    ----------
    effect, ci_low, ci_high : float
        A standardized difference (Cohen's d, Hedges' g, d_z) and its CI.
    worse : {"lower", "higher"}
        Direction that signals a problem (``"lower"``: e.g. a rating below the midpoint).

    Returns
    -------
    str
        ``major`` when the whole CI lies beyond a large effect (0.8) in the bad direction;
        ``moderate`` when it lies beyond a medium effect (0.5); ``minor`` when the estimate is
        at least small (0.2) and the CI excludes 0; else ``info`` (:data:`SEVERITY_BANDS`).

    Examples
    --------
    >>> effect_severity(-1.1, -1.3, -0.9)
    'major'
    >>> effect_severity(-0.75, -0.95, -0.55)
    'moderate'
    >>> effect_severity(-0.6, -1.0, -0.2)
    'minor'
    >>> effect_severity(0.9, 0.7, 1.1)
    'info'

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Cumming, G. (2014). The new statistics: Why and how. Psychological Science, 25(1), 7-29.
    """
    if worse not in ("lower", "higher"):
        raise ValueError("worse must be 'lower' or 'higher'")
    if effect is None or not np.all(np.isfinite([effect, ci_low, ci_high])):
        return "info"
    if worse == "lower":
        return _banded(-effect, -ci_high, small=D_SMALL, medium=D_MEDIUM, large=D_LARGE)
    return _banded(effect, ci_low, small=D_SMALL, medium=D_MEDIUM, large=D_LARGE)


def _banded(effect: float, near: float, *, small: float, medium: float, large: float) -> str:
    """Severity of an effect in the bad direction from its size and its CI bound nearest 0:
    major when that bound is beyond a large effect, moderate when it is beyond a medium
    effect, minor when the estimate is at least small and the CI excludes 0."""
    if near > large:
        return "major"
    if near > medium:
        return "moderate"
    if effect >= small and near > 0:
        return "minor"
    return "info"


def hhi_severity(hhi: float, ci_low: float) -> str:
    """Severity of a concentration (HHI on 0-1) from the 2010 Merger Guidelines bands.

    ``major`` when the whole CI lies above 0.25 (highly concentrated); ``moderate`` when the
    whole CI lies above 0.15 (at least moderately concentrated); ``minor`` when the estimate
    is above 0.15; else ``info``.

    Examples
    --------
    >>> hhi_severity(0.35, 0.28), hhi_severity(0.27, 0.21), hhi_severity(0.10, 0.08)
    ('major', 'moderate', 'info')
    """
    if not np.all(np.isfinite([hhi, ci_low])):
        return "info"
    if ci_low > HHI_HIGH:
        return "major"
    if ci_low > HHI_MODERATE:
        return "moderate"
    if hhi > HHI_MODERATE:
        return "minor"
    return "info"


def spread_severity(w: float, ci_low: float) -> str:
    """Severity of an uneven spread over categories from Cohen's w against an even spread.

    ``major`` when the whole CI lies beyond a large effect (``ci_low > 0.5``); ``moderate``
    when it lies beyond a medium one (``ci_low > 0.3``); ``minor`` when the estimate is at
    least small (0.1) and the CI excludes 0; else ``info`` (Cohen 1988 benchmarks for w).

    Examples
    --------
    >>> spread_severity(1.2, 0.9), spread_severity(0.45, 0.35), spread_severity(0.35, 0.05)
    ('major', 'moderate', 'minor')
    >>> spread_severity(0.15, 0.0)
    'info'
    """
    if w is None or ci_low is None or not np.all(np.isfinite([w, ci_low])):
        return "info"
    return _banded(w, ci_low, small=W_SMALL, medium=W_MEDIUM, large=W_LARGE)


def kappa_severity(kappa: float, ci_high: float) -> str:
    """Severity of poor agreement between assigned tiers and value classes (Landis & Koch).

    ``major`` when even the upper CI bound is at most "slight" (<= .20); ``moderate`` when it
    is at most "fair" (<= .40); ``minor`` when the estimate is at most "moderate" (<= .60);
    else ``info`` (substantial agreement or better).  As for effects, the CI bound nearest
    "no problem" decides (:data:`SEVERITY_BANDS`).

    Examples
    --------
    >>> kappa_severity(0.02, 0.17), kappa_severity(0.15, 0.35), kappa_severity(0.35, 0.55)
    ('major', 'moderate', 'minor')
    >>> kappa_severity(0.85, 0.95)
    'info'
    """
    if not np.all(np.isfinite([kappa, ci_high])):
        return "info"
    if ci_high <= KAPPA_SLIGHT:
        return "major"
    if ci_high <= KAPPA_FAIR:
        return "moderate"
    if kappa <= KAPPA_MODERATE:
        return "minor"
    return "info"


def alpha_severity(alpha: float) -> str:
    """Severity of low internal consistency: < .60 moderate, < .70 minor (Nunnally 1978).

    Examples
    --------
    >>> alpha_severity(0.55), alpha_severity(0.65), alpha_severity(0.85)
    ('moderate', 'minor', 'info')
    """
    if alpha is None or not np.isfinite(alpha):
        return "info"
    if alpha < ALPHA_POOR:
        return "moderate"
    if alpha < ALPHA_ADEQUATE:
        return "minor"
    return "info"


def worst(*severities: str) -> str:
    return max(severities, key=lambda s: SEVERITY_RANK[s])


def mildest(*severities: str) -> str:
    return min(severities, key=lambda s: SEVERITY_RANK[s])
