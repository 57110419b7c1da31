"""Quality criteria of a PLS path model, as seminr and SmartPLS report them.

Every function takes plain arrays (correlation matrices, weights, loadings) so that the
bootstrap can call the vectorised ones on stacks.  Conventions (``docs/methods.md``):

- Cronbach's alpha is the *standardised* alpha of the block's correlation matrix
  (seminr ``cronbachs_alpha`` uses ``cor(data)``);
- rhoA: Dijkstra & Henseler (2015) from the PLS weights (``algorithm.rho_a``); 1 for mode B;
- rhoC (Jöreskog / Dillon–Goldstein) and AVE from the PLS (or PLSc) loadings;
- a single-item construct reports 1 for alpha, rhoA, rhoC and AVE;
- HTMT (Henseler, Ringle & Sarstedt 2015) with arithmetic means of *absolute* item
  correlations; a single-item block's monotrait mean is taken as 1 (seminr);
- VIF: outer, each item on the other items of its block; inner, each antecedent on the
  other antecedents of the same endogenous construct; a lone item or lone antecedent has
  VIF 1 (no other predictor, R² = 0; seminr prints NA for a lone antecedent);
- f² = (R²_incl − R²_excl) / (1 − R²_incl), R²_excl from re-estimating the whole model
  without the path (seminr ``fSquared``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_research.pls.algorithm import Design
from crm_research.pls.model import PLSModel

__all__ = [
    "ALPHA_MIN",
    "RHO_C_MIN",
    "AVE_MIN",
    "HTMT_MAX",
    "VIF_MAX",
    "LOADING_MIN",
    "reliability_table",
    "alpha_standardised",
    "rho_c_ave",
    "htmt_matrix",
    "htmt_stack",
    "fornell_larcker_table",
    "vif_table",
    "r2_adjusted",
    "effects_frame",
    "reachability",
    "indirect_reachability",
]

# Thresholds quoted with the tables (Hair, Hult, Ringle & Sarstedt 2022, A Primer on PLS-SEM, 3rd ed.).
ALPHA_MIN = 0.70  # Nunnally (1978); Hair et al. (2022), ch. 4.
RHO_C_MIN = 0.70  # Hair et al. (2022), ch. 4.
AVE_MIN = 0.50  # Fornell & Larcker (1981), J. Marketing Research 18(1), 39-50.
HTMT_MAX = 0.85  # Henseler, Ringle & Sarstedt (2015), J. Acad. Marketing Science 43, 115-135.
VIF_MAX = 5.0  # Hair et al. (2022), ch. 5 and 6 (collinearity above 5 is critical).
LOADING_MIN = 0.708  # Hair et al. (2022), ch. 4 (indicator reliability 0.5).


def alpha_standardised(r_block: np.ndarray) -> float:
    """Standardised Cronbach's alpha of one block's correlation matrix.

    Examples
    --------
    >>> import numpy as np
    >>> round(alpha_standardised(np.array([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]])), 4)
    0.75
    """
    k = r_block.shape[0]
    if k < 2:
        return 1.0
    return float(k / (k - 1) * (1 - k / r_block.sum()))


def rho_c_ave(lam: np.ndarray) -> tuple[float, float]:
    """Composite reliability rhoC and AVE from a block's loadings (1 and 1 for one item).

    Examples
    --------
    >>> import numpy as np
    >>> [round(v, 4) for v in rho_c_ave(np.array([0.8, 0.8]))]
    [0.7805, 0.64]
    """
    lam = np.asarray(lam, dtype=float)
    if lam.size < 2:
        return 1.0, 1.0
    s = lam.sum()
    return float(s**2 / (s**2 + (1 - lam**2).sum())), float((lam**2).mean())


def reliability_table(
    model: PLSModel, des: Design, r: np.ndarray, loadings: np.ndarray, rho: np.ndarray
) -> pd.DataFrame:
    """alpha, rhoA, rhoC and AVE per construct (index construct).

    Parameters
    ----------
    model : PLSModel
    des : Design
    r : ndarray (p, p)
        Item correlation matrix.
    loadings : ndarray (p, K)
        Outer loadings (PLS or PLSc).
    rho : ndarray (K,)
        rhoA from :func:`crm_research.pls.algorithm.rho_a`.

    Returns
    -------
    DataFrame
        Columns ``alpha, rhoA, rhoC, ave``.
    """
    rows = []
    for k, c in enumerate(model.constructs):
        blk = des.blocks[k]
        if len(blk) == 1:
            rows.append((c, 1.0, 1.0, 1.0, 1.0))
            continue
        a = alpha_standardised(r[np.ix_(blk, blk)])
        rc, ave = rho_c_ave(loadings[blk, k])
        rows.append((c, a, float(rho[k]), rc, ave))
    out = pd.DataFrame(rows, columns=["construct", "alpha", "rhoA", "rhoC", "ave"])
    return out.set_index("construct")


def htmt_stack(r: np.ndarray, des: Design) -> np.ndarray:
    """HTMT for a stack of correlation matrices: (B, p, p) -> (B, K, K), NaN diagonal."""
    a = np.abs(r)
    bsz = a.shape[0]
    k = len(des.blocks)
    mono = np.ones((bsz, k))
    for i, blk in enumerate(des.blocks):
        m = len(blk)
        if m > 1:
            sub = a[:, blk[:, None], blk[None, :]]
            mono[:, i] = (sub.sum(axis=(1, 2)) - np.einsum("bii->b", sub)) / (m * (m - 1))
    out = np.full((bsz, k, k), np.nan)
    for i, bi in enumerate(des.blocks):
        for j in range(i + 1, k):
            bj = des.blocks[j]
            het = a[:, bi[:, None], bj[None, :]].mean(axis=(1, 2))
            val = het / np.sqrt(mono[:, i] * mono[:, j])
            out[:, i, j] = val
            out[:, j, i] = val
    return out


def htmt_matrix(model: PLSModel, des: Design, r: np.ndarray) -> pd.DataFrame:
    """HTMT as a symmetric construct x construct DataFrame (NaN diagonal)."""
    vals = htmt_stack(r[None], des)[0]
    names = list(model.constructs)
    return pd.DataFrame(vals, index=names, columns=names)


def fornell_larcker_table(
    model: PLSModel, construct_cor: np.ndarray, ave: pd.Series
) -> pd.DataFrame:
    """Fornell–Larcker table: sqrt(AVE) on the diagonal, composite correlations below it.

    The upper triangle is NaN (seminr's layout).
    """
    names = list(model.constructs)
    t = np.array(construct_cor, dtype=float, copy=True)
    t[np.triu_indices_from(t, 1)] = np.nan
    t[np.diag_indices_from(t)] = np.sqrt(ave.loc[names].to_numpy())
    return pd.DataFrame(t, index=names, columns=names)


def _vifs(cor: np.ndarray) -> np.ndarray:
    if cor.shape[0] == 1:
        return np.ones(1)
    return np.diag(np.linalg.inv(cor))


def vif_table(
    model: PLSModel, des: Design, r: np.ndarray, construct_cor: np.ndarray
) -> pd.DataFrame:
    """Outer (item) and inner (antecedent) VIFs as one tidy table.

    ``VIF_j = 1 / (1 − R²_j)`` where ``R²_j`` regresses predictor j on the other predictors
    of the same regression; computed as the diagonal of the inverse correlation matrix.

    Returns
    -------
    DataFrame
        Columns ``kind`` ("outer"/"inner"), ``construct`` (block, or the endogenous
        construct), ``variable`` (item or antecedent), ``vif``.
    """
    rows = []
    for k, c in enumerate(model.constructs):
        blk = des.blocks[k]
        vals = _vifs(r[np.ix_(blk, blk)])
        for item, v in zip(model.blocks[c], vals, strict=True):
            rows.append(("outer", c, item, float(v)))
    idx = {c: k for k, c in enumerate(model.constructs)}
    for c in model.endogenous:
        ante = model.antecedents(c)
        pos = [idx[a] for a in ante]
        vals = _vifs(construct_cor[np.ix_(pos, pos)])
        for a, v in zip(ante, vals, strict=True):
            rows.append(("inner", c, a, float(v)))
    return pd.DataFrame(rows, columns=["kind", "construct", "variable", "vif"])


def r2_adjusted(r2: float, n: int, k: int) -> float:
    """Adjusted R² ``1 − (1 − R²)(n − 1)/(n − k − 1)``.

    Examples
    --------
    >>> round(r2_adjusted(0.5, 101, 2), 6)
    0.489796
    """
    return float(1 - (1 - r2) * (n - 1) / (n - k - 1))


def effects_frame(model: PLSModel, matrix: np.ndarray, which: np.ndarray) -> pd.DataFrame:
    """Tidy ``from, to, estimate`` rows of the entries of a K x K matrix selected by ``which``."""
    names = list(model.constructs)
    reach = which
    rows = [
        (names[i], names[j], float(matrix[i, j]))
        for i in range(len(names))
        for j in range(len(names))
        if reach[i, j]
    ]
    return pd.DataFrame(rows, columns=["from", "to", "estimate"])


def _reachability(model: PLSModel) -> np.ndarray:
    a = model.adjacency() > 0
    reach = a.copy()
    for _ in range(len(model.constructs)):
        nxt = reach | ((reach.astype(int) @ a.astype(int)) > 0)
        if (nxt == reach).all():
            break
        reach = nxt
    return reach


def indirect_reachability(model: PLSModel) -> np.ndarray:
    """K x K bool: a path of length >= 2 leads from i to j."""
    a = model.adjacency()
    two = (a @ a) > 0
    reach = two.copy()
    for _ in range(len(model.constructs)):
        nxt = reach | ((reach.astype(int) @ a.astype(int)) > 0)
        if (nxt == reach).all():
            break
        reach = nxt
    return reach


def reachability(model: PLSModel) -> np.ndarray:
    """K x K bool: some directed path leads from i to j."""
    return _reachability(model)
