"""PLS path modelling (PLS-SEM) equal to seminr and SmartPLS (stage 4, statistics).

Public entry points::

    from crm_research import pls
    res = pls.pls(data, {"Image": ["IMAG1", "IMAG2"], "Loyalty": ["CUSL1", "CUSL2"]},
                  "Loyalty ~ Image", n_boot=5000, seed=1)
    res.paths, res.loadings, res.reliability, res.htmt, res.f2, res.vif
    pls.ipma(res, "Loyalty")          # importance-performance map table
    pls.blindfolding(res)             # Q² (omission distance 7)
    pls.predict(res, k=10, seed=1)    # PLSpredict with the linear-model benchmark

The package is written from the published algorithm (Lohmöller 1989; Tenenhaus et al. 2005;
Dijkstra & Henseler 2015; Henseler et al. 2015; Ringle & Sarstedt 2016; Shmueli et al. 2016,
2019); no GPL code is used.  Modules: ``model`` (specification), ``algorithm`` (iteration,
PLSc), ``quality`` (reliability, HTMT, VIF, f²), ``bootstrap`` (vectorised resampling),
``result`` (``pls`` and ``PLSResult``), ``predict`` (blindfolding Q², PLSpredict) and ``ipma``.
"""

from __future__ import annotations

from crm_research.pls.algorithm import DEFAULT_MAX_ITER, DEFAULT_TOL, SCHEMES
from crm_research.pls.bootstrap import DEFAULT_N_BOOT
from crm_research.pls.ipma import ipma, rescaled_scores
from crm_research.pls.model import PLSModel, parse_structural, specify
from crm_research.pls.predict import OMISSION_DISTANCE, blindfolding, predict
from crm_research.pls.quality import (
    ALPHA_MIN,
    AVE_MIN,
    HTMT_MAX,
    LOADING_MIN,
    RHO_C_MIN,
    VIF_MAX,
)
from crm_research.pls.result import PLSResult, pls

__all__ = [
    "pls",
    "PLSResult",
    "ipma",
    "rescaled_scores",
    "blindfolding",
    "predict",
    "OMISSION_DISTANCE",
    "PLSModel",
    "specify",
    "parse_structural",
    "DEFAULT_N_BOOT",
    "DEFAULT_TOL",
    "DEFAULT_MAX_ITER",
    "SCHEMES",
    "ALPHA_MIN",
    "AVE_MIN",
    "HTMT_MAX",
    "LOADING_MIN",
    "RHO_C_MIN",
    "VIF_MAX",
]
