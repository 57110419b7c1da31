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

#: US DOJ & FTC (2010), Horizontal Merger Guidelines §5.3: HHI below 1500 (0.15)
#: unconcentrated, 1500-2500 moderately concentrated, above 2500 (0.25) highly concentrated.
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

REFERENCES = {
    "cohen1988": "Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.). Erlbaum.",
    "peppers2004": "Peppers, D., & Rogers, M. (2004). Managing Customer Relationships: A Strategic Framework. Wiley (IDIC model).",
    "doj2010": "U.S. Department of Justice & Federal Trade Commission (2010). Horizontal Merger Guidelines, §5.3.",
    "landis1977": "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. Biometrics, 33(1), 159-174.",
    "cohen1960": "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement, 20(1), 37-46.",
    "jones1995": "Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. Harvard Business Review, 73(6), 88-99.",
    "nunnally1978": "Nunnally, J. C. (1978). Psychometric Theory (2nd ed.). McGraw-Hill.",
    "juran1951": "Juran, J. M. (1951). Quality Control Handbook. McGraw-Hill (Pareto principle, ABC analysis).",
    "reichheld2003": "Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review, 81(12), 46-54.",
    "thesis": "D公司客户关系管理优化研究 (D-company CRM thesis), chapters 3-5 (seeds/001).",
    "scorecard": "CRM implementation metrics, 5 categories x 17 metrics (seeds/002).",
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
        ``major`` when the whole CI lies beyond a medium effect (0.5) in the bad direction;
        ``moderate`` when the estimate is at least medium and the CI excludes 0; ``minor``
        when it is at least small (0.2) and the CI excludes 0; else ``info``.

    Examples
    --------
    >>> effect_severity(-1.1, -1.3, -0.9)
    'major'
    >>> effect_severity(-0.6, -1.0, -0.2)
    'moderate'
    >>> effect_severity(0.9, 0.7, 1.1)
    'info'

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    """
    if worse not in ("lower", "higher"):
        raise ValueError("worse must be 'lower' or 'higher'")
    if effect is None or not np.all(np.isfinite([effect, ci_low, ci_high])):
        return "info"
    if worse == "lower":
        return _banded(-effect, -ci_high, small=D_SMALL, medium=D_MEDIUM)
    return _banded(effect, ci_low, small=D_SMALL, medium=D_MEDIUM)


def _banded(effect: float, near: float, *, small: float, medium: float) -> str:
    """Severity of an effect in the bad direction from its size and its CI bound nearest 0:
    major when that bound is beyond a medium effect, moderate when the estimate is at least
    medium and the CI excludes 0, minor when it is at least small and the CI excludes 0."""
    if near > medium:
        return "major"
    if effect >= medium and near > 0:
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

    ``major`` when the whole CI lies beyond a medium effect (``ci_low > 0.3``); ``moderate``
    when the estimate is at least medium and the CI excludes 0; ``minor`` when it is at least
    small (0.1) and the CI excludes 0; else ``info`` (Cohen 1988 benchmarks for w).

    Examples
    --------
    >>> spread_severity(1.2, 0.9), spread_severity(0.35, 0.05), spread_severity(0.15, 0.0)
    ('major', 'moderate', 'info')
    """
    if w is None or ci_low is None or not np.all(np.isfinite([w, ci_low])):
        return "info"
    return _banded(w, ci_low, small=W_SMALL, medium=W_MEDIUM)


def kappa_severity(kappa: float, ci_high: float) -> str:
    """Severity of poor agreement between assigned tiers and value classes (Landis & Koch).

    ``major`` when even the upper CI bound is at most "fair" (<= .40); ``moderate`` when the
    estimate is at most fair; ``minor`` when it is at most "moderate" (<= .60); else ``info``
    (substantial agreement or better).

    Examples
    --------
    >>> kappa_severity(0.02, 0.17), kappa_severity(0.35, 0.55), kappa_severity(0.85, 0.95)
    ('major', 'moderate', 'info')
    """
    if not np.all(np.isfinite([kappa, ci_high])):
        return "info"
    if ci_high <= KAPPA_FAIR:
        return "major"
    if kappa <= KAPPA_FAIR:
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
