"""Case data sources.  Every case here is SIMULATED and labelled so wherever it appears.

- :mod:`crm_research.cases.d_company` -- the seeded replica of the D-company thesis case
  (``simulate(seed, scenario="thesis" | "healthy")``).
"""
