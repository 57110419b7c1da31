"""How lavaan's fitMeasures names map to our fit keys, shared by the SEM reference tests
(test_sem_models.py against lavaan's default fits, test_sem_converged.py against lavaan
driven to its optimum)."""

#: lavaan fitMeasures name -> key of our fit table
FIT_NAMES = {
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea.ci.lower": "rmsea_ci_lower",
    "rmsea.ci.upper": "rmsea_ci_upper",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "baseline.chisq": "baseline_chisq",
    "baseline.df": "baseline_df",
    "logl": "logl",
    "unrestricted.logl": "unrestricted_logl",
    "npar": "npar",
}
#: compared relative to their size (the others absolute)
RELATIVE = {"chisq", "aic", "bic", "baseline_chisq", "logl", "unrestricted_logl"}
#: counts, compared exactly
EXACT = {"df", "baseline_df", "npar"}
