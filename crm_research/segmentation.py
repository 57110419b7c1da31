"""Stage 5 of the flow: value-based customer segmentation from a revenue ledger.

- :func:`abc_classification`, :func:`abc_summary` -- ABC (Pareto) classes by cumulative
  revenue share.
- :func:`concentration` -- revenue by group, Herfindahl-Hirschman index, top-20% share, Gini.
- :func:`distribution` -- customer counts by city x type x sector.
- :func:`classification_agreement` -- does a company's existing customer tiering agree with
  value-based ABC classes?  (Cohen's kappa; the thesis' "classification is unreasonable".)

The ledger has one row per customer and period (``customer_id, city, customer_type, sector,
year, revenue``); revenue is summed over all rows of a customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_research.errors import InputError

__all__ = [
    "ABC_CLASSES",
    "A_CUT",
    "B_CUT",
    "TOP_SHARE",
    "ConcentrationResult",
    "AgreementResult",
    "abc_classification",
    "abc_summary",
    "concentration",
    "distribution",
    "classification_agreement",
]

#: Default ABC cut-offs on the cumulative revenue share: A while <= 70 %, B while <= 90 %,
#: C the rest -- the 70/20/10 Pareto variant of ABC analysis (Dickie 1951, "ABC inventory
#: analysis shoots for dollars", Factory Management and Maintenance 109(7); thesis ch. 4).
A_CUT = 0.70
B_CUT = 0.90
ABC_CLASSES = ("A", "B", "C")

#: Tolerance for comparing floating cumulative shares with the cut-offs, so that a share that
#: is exactly 0.70 in decimal arithmetic (e.g. 70/100) counts as <= 0.70.
SHARE_TOLERANCE = 1e-12

#: Share of customers whose revenue share is reported as "top" (the 80/20 rule, Juran 1951,
#: Quality Control Handbook).
TOP_SHARE = 0.20

#: HHI on the 0-10 000 scale, as in antitrust practice (U.S. DoJ & FTC 2010 Horizontal Merger
#: Guidelines: < 1500 unconcentrated, 1500-2500 moderately, > 2500 highly concentrated).
HHI_POINTS = 10_000


def _require_frame(data: Any, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    return data


def _require_columns(data: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    for column in columns:
        if column not in data.columns:
            raise InputError(f"Column {column!r} is not in {what}.")


def _exact_sums(keys: Any, values: np.ndarray) -> dict[Any, Decimal]:
    """Exact decimal sum of ``values`` per key (keys in order of first appearance)."""
    out: dict[Any, Decimal] = {}
    for key, value in zip(keys, values, strict=True):
        out[key] = out.get(key, Decimal(0)) + Decimal(repr(float(value)))
    return out


def _customer_revenue(ledger: pd.DataFrame, customer: str, revenue: str) -> pd.DataFrame:
    """Validated per-customer total revenue (unsorted)."""
    ledger = _require_frame(ledger, "ledger")
    _require_columns(ledger, [customer, revenue], "ledger")
    if len(ledger) == 0:
        raise InputError("The ledger has no rows.")
    ids = ledger[customer]
    if ids.isna().any():
        row = ids.index[ids.isna().to_numpy()][0]
        raise InputError(
            f"Column {customer!r} of the ledger has a missing customer id at row {row!r}."
        )
    values = pd.to_numeric(ledger[revenue], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        row = values.index[bad.to_numpy()][0]
        raise InputError(
            f"Column {revenue!r} of the ledger has a missing or non-numeric value "
            f"{ledger[revenue][row]} at row {row!r}."
        )
    # Totals are exact decimal sums of the rows as written (``repr`` of each float), so that
    # customers whose rows add up to the same amount tie exactly (0.1 + 0.2 equals 0.3) and
    # the tie rule (by id) applies; floating sums would order them by rounding noise.
    # Negative rows are refunds or credit notes, netted into the customer's total (the ABC
    # rule ranks total revenue over the period); a customer whose refunds exceed its sales
    # has no meaningful revenue share, so a negative net total is refused.
    exact = _exact_sums(ids.to_numpy(), values.astype(float).to_numpy())
    totals = pd.DataFrame({customer: list(exact), revenue: [float(v) for v in exact.values()]})
    negative = [cid for cid, v in exact.items() if v < 0]
    if negative:
        raise InputError(
            f"Column {revenue!r} of the ledger gives customer {negative[0]!r} a negative net "
            f"revenue ({float(exact[negative[0]]):g}): its refunds exceed its sales over the "
            "period."
        )
    if totals[revenue].sum() <= 0:
        raise InputError(f"Column {revenue!r} of the ledger sums to zero; shares are undefined.")
    return totals


def abc_classification(
    ledger: pd.DataFrame,
    customer: str = "customer_id",
    revenue: str = "revenue",
    a_cut: float = A_CUT,
    b_cut: float = B_CUT,
) -> pd.DataFrame:
    """ABC classification of customers by cumulative share of total revenue.

    The rule, exactly: total each customer's revenue over all ledger rows; sort customers by
    total revenue descending, ties by customer id ascending; cumulative share = running sum
    / grand total; class ``A`` while cumulative share <= ``a_cut``, ``B`` while <= ``b_cut``,
    ``C`` for the rest.  Comparisons allow ``SHARE_TOLERANCE`` (1e-12) for floating sums, so a
    cumulative share of exactly 0.70 is A.

    Because the rule is literal, a customer whose own share takes the cumulative share past
    ``a_cut`` is not A: if the largest customer alone holds more than 70 % of revenue, there
    is no A customer at all (and it is B if its share is <= ``b_cut``, else C).  This is kept on
    purpose: it is the rule the thesis states, and such extreme concentration is then visible
    in :func:`abc_summary` rather than hidden.  Customers with zero revenue are C (unless
    ``b_cut`` is 1).  Negative ledger rows (refunds, credit notes) are netted into their
    customer's total; a customer whose net total is negative is refused.

    Parameters
    ----------
    ledger : DataFrame
        Revenue rows; one or more per customer.
    customer : str
        Customer id column (ids must be mutually sortable for the tie rule).
    revenue : str
        Revenue column (negative rows are refunds, netted per customer; net totals must be
        non-negative).
    a_cut, b_cut : float
        Cut-offs on the cumulative share, ``0 < a_cut <= b_cut <= 1``.

    Returns
    -------
    DataFrame
        Columns ``<customer>, revenue, share, cumulative_share, abc_class, rank`` (rank 1 =
        largest), in rank order.

    Raises
    ------
    InputError
        Missing ids, missing / non-numeric revenue, a negative net revenue of a customer,
        zero total, bad cut-offs.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "revenue": [50, 20, 20, 10]})
    >>> abc_classification(ledger)[["customer_id", "cumulative_share", "abc_class"]]
      customer_id  cumulative_share abc_class
    0           a               0.5         A
    1           b               0.7         A
    2           c               0.9         B
    3           d               1.0         C

    References
    ----------
    Dickie, H. F. (1951). ABC inventory analysis shoots for dollars, not pennies. Factory
    Management and Maintenance, 109(7), 92-94.
    """
    for name, cut in (("a_cut", a_cut), ("b_cut", b_cut)):
        if not isinstance(cut, int | float) or not np.isfinite(cut):
            raise InputError(f"{name} must be a number, got {cut!r}.")
    if not (0.0 < a_cut <= b_cut <= 1.0):
        raise InputError(
            f"Cut-offs must satisfy 0 < a_cut <= b_cut <= 1; got a_cut={a_cut}, b_cut={b_cut}."
        )
    totals = _customer_revenue(ledger, customer, revenue)
    try:
        totals = totals.sort_values(
            [revenue, customer], ascending=[False, True], kind="mergesort"
        ).reset_index(drop=True)
    except TypeError as exc:
        raise InputError(f"Column {customer!r} mixes id types that cannot be sorted.") from exc
    grand_total = totals[revenue].sum()
    cumulative = totals[revenue].cumsum() / grand_total
    classes = np.where(
        cumulative <= a_cut + SHARE_TOLERANCE,
        "A",
        np.where(cumulative <= b_cut + SHARE_TOLERANCE, "B", "C"),
    )
    return pd.DataFrame(
        {
            customer: totals[customer].to_numpy(),
            "revenue": totals[revenue].to_numpy(),
            "share": (totals[revenue] / grand_total).to_numpy(),
            "cumulative_share": cumulative.to_numpy(),
            "abc_class": classes,
            "rank": np.arange(1, len(totals) + 1),
        }
    )


def abc_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per ABC class.

    Parameters
    ----------
    abc : DataFrame
        Output of :func:`abc_classification` (needs ``abc_class`` and ``revenue``).

    Returns
    -------
    DataFrame
        One row per class A, B, C (zero rows kept): ``abc_class, customers,
        percent_customers, revenue, percent_revenue`` (percents out of 100).

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "revenue": [50, 20, 20, 10]})
    >>> abc_summary(abc_classification(ledger))["customers"].tolist()
    [2, 1, 1]

    References
    ----------
    Dickie, H. F. (1951). Factory Management and Maintenance, 109(7), 92-94.
    """
    abc = _require_frame(abc, "abc")
    _require_columns(abc, ["abc_class", "revenue"], "abc")
    total_customers = len(abc)
    total_revenue = abc["revenue"].sum()
    rows = []
    for cls in ABC_CLASSES:
        part = abc[abc["abc_class"] == cls]
        rows.append(
            {
                "abc_class": cls,
                "customers": len(part),
                "percent_customers": 100.0 * len(part) / total_customers
                if total_customers
                else np.nan,
                "revenue": float(part["revenue"].sum()),
                "percent_revenue": 100.0 * part["revenue"].sum() / total_revenue
                if total_revenue
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _gini(values: np.ndarray) -> float:
    """Gini coefficient sum_i (2i - n - 1) x_(i) / (n sum x), x ascending (population form)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0 or x.sum() == 0:
        return np.nan
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * x.sum()))


@dataclass(frozen=True)
class ConcentrationResult:
    """Result of :func:`concentration`.

    Attributes
    ----------
    by : tuple of str
        Grouping columns.
    groups : DataFrame
        Per group: the ``by`` columns, ``customers`` (distinct ids), ``percent_customers``,
        ``revenue``, ``share`` (of total revenue), sorted by revenue descending.
    hhi : float
        Herfindahl-Hirschman index of the group revenue shares, sum of squared shares (0-1].
    hhi_points : float
        The same on the 0-10 000 scale.
    hhi_normalized : float
        (HHI - 1/G) / (1 - 1/G) for G groups (0 = equal shares, 1 = one group); NaN if G = 1.
    customer_hhi : float
        HHI of the individual customers' revenue shares (0-1].
    top_share : float
        Fraction of customers counted as "top" (default 0.20).
    top_customers : int
        ceil(top_share * number of customers).
    top_revenue_share : float
        Revenue share of the ``top_customers`` largest customers.
    gini : float
        Gini coefficient of customer revenue.
    n_customers : int
    total_revenue : float
    """

    by: tuple[str, ...]
    groups: pd.DataFrame
    hhi: float
    hhi_points: float
    hhi_normalized: float
    customer_hhi: float
    top_share: float
    top_customers: int
    top_revenue_share: float
    gini: float
    n_customers: int
    total_revenue: float

    def to_frame(self) -> pd.DataFrame:
        """The summary indices as a tidy ``measure, value`` table."""
        names = (
            "hhi",
            "hhi_points",
            "hhi_normalized",
            "customer_hhi",
            "top_share",
            "top_customers",
            "top_revenue_share",
            "gini",
            "n_customers",
            "total_revenue",
        )
        return pd.DataFrame(
            {"measure": list(names), "value": [float(getattr(self, n)) for n in names]}
        )

    def summary_row(self) -> dict[str, object]:
        """The group-level measures of one grouping, one row of a summary table:
        ``by, basis, groups, hhi, hhi_normalized`` (``basis = "revenue_share"``: the HHI is
        of the groups' revenue shares, on the 0-1 scale)."""
        return {
            "by": "+".join(self.by),
            "basis": "revenue_share",
            "groups": int(len(self.groups)),
            "hhi": self.hhi,
            "hhi_normalized": self.hhi_normalized,
        }

    def customer_row(self) -> dict[str, object]:
        """The customer-level measures (the same for every grouping), one row:
        ``n_customers, total_revenue, top_share, top_customers, top_revenue_share, gini,
        customer_hhi``."""
        return {
            "n_customers": self.n_customers,
            "total_revenue": self.total_revenue,
            "top_share": self.top_share,
            "top_customers": self.top_customers,
            "top_revenue_share": self.top_revenue_share,
            "gini": self.gini,
            "customer_hhi": self.customer_hhi,
        }

    def __repr__(self) -> str:
        return (
            f"ConcentrationResult(by={list(self.by)}, {len(self.groups)} groups, "
            f"{self.n_customers} customers)\n"
            f"  HHI of groups = {self.hhi:.4f} ({self.hhi_points:.0f} points), "
            f"normalized {self.hhi_normalized:.4f}\n"
            f"  top {self.top_share:.0%} of customers ({self.top_customers}) hold "
            f"{self.top_revenue_share:.1%} of revenue; customer Gini = {self.gini:.3f}, "
            f"customer HHI = {self.customer_hhi:.4f}"
        )


def concentration(
    ledger: pd.DataFrame,
    by: str | Sequence[str],
    revenue: str = "revenue",
    customer: str = "customer_id",
    top_share: float = TOP_SHARE,
) -> ConcentrationResult:
    """Revenue distribution over groups and concentration over customers.

    Group level: customers and revenue per group (e.g. city, customer type, sector), each
    group's share of revenue, and the Herfindahl-Hirschman index ``HHI = sum(share**2)``
    (Hirschman 1945; Herfindahl 1950) on 0-1 and 0-10 000, plus the normalized HHI.
    Customer level: the revenue share of the top ``ceil(top_share * n)`` customers (ranked as in
    :func:`abc_classification`), the HHI of customer shares and the Gini coefficient
    ``sum_i (2i - n - 1) x_(i) / (n sum x)`` (x ascending; 0 = equal, (n-1)/n = one customer).

    Parameters
    ----------
    ledger : DataFrame
        Revenue rows.
    by : str or sequence of str
        Grouping column(s).  A customer appearing in several groups is counted in each.
    revenue, customer : str
        Column names.
    top_share : float
        Fraction of customers in the "top" group, in (0, 1].

    Returns
    -------
    ConcentrationResult

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"customer_id": [1, 2, 3, 4], "city": list("xxyz"),
    ...                        "revenue": [40.0, 20.0, 20.0, 20.0]})
    >>> round(concentration(ledger, "city").hhi, 4)
    0.44

    References
    ----------
    Hirschman, A. O. (1964). The paternity of an index. American Economic Review, 54(5), 761.
    Gini, C. (1912). Variabilita e mutabilita. Bologna: Cuppini.
    """
    ledger = _require_frame(ledger, "ledger")
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise InputError("concentration needs at least one grouping column in by.")
    _require_columns(ledger, by, "ledger")
    if not (isinstance(top_share, int | float) and 0.0 < top_share <= 1.0):
        raise InputError(f"top_share must be in (0, 1], got {top_share!r}.")
    totals = _customer_revenue(ledger, customer, revenue)
    for column in by:
        if ledger[column].isna().any():
            row = ledger.index[ledger[column].isna().to_numpy()][0]
            raise InputError(f"Column {column!r} of the ledger has a missing value at row {row!r}.")
    frame = ledger[[customer, *by]].copy()
    grouped = frame.groupby(by, sort=True, observed=True)
    groups = grouped[customer].nunique().rename("customers").reset_index()
    keys = list(zip(*(ledger[c].to_numpy() for c in by), strict=True))
    exact = _exact_sums(keys, pd.to_numeric(ledger[revenue]).astype(float).to_numpy())
    group_keys = list(zip(*(groups[c].to_numpy() for c in by), strict=True))
    groups["revenue"] = [float(exact[k]) for k in group_keys]
    negative = [k for k in group_keys if exact[k] < 0]
    if negative:
        where = ", ".join(f"{c}={v!s}" for c, v in zip(by, negative[0], strict=True))
        raise InputError(
            f"Column {revenue!r} of the ledger nets to a negative revenue for the group {where}: "
            "its refunds exceed its sales."
        )
    total_revenue = float(totals[revenue].sum())
    n_customers = len(totals)
    groups["percent_customers"] = 100.0 * groups["customers"] / n_customers
    groups["share"] = groups["revenue"] / total_revenue
    groups = groups[[*by, "customers", "percent_customers", "revenue", "share"]]
    groups = groups.sort_values("revenue", ascending=False, kind="mergesort").reset_index(drop=True)

    shares = groups["share"].to_numpy()
    hhi = float(np.sum(shares**2))
    g = shares.size
    hhi_normalized = (hhi - 1.0 / g) / (1.0 - 1.0 / g) if g > 1 else np.nan
    customer_values = np.sort(totals[revenue].to_numpy())[::-1]
    customer_shares = customer_values / total_revenue
    top_n = int(np.ceil(top_share * n_customers - SHARE_TOLERANCE))
    return ConcentrationResult(
        by=tuple(by),
        groups=groups,
        hhi=hhi,
        hhi_points=hhi * HHI_POINTS,
        hhi_normalized=float(hhi_normalized),
        customer_hhi=float(np.sum(customer_shares**2)),
        top_share=float(top_share),
        top_customers=top_n,
        top_revenue_share=float(customer_shares[:top_n].sum()),
        gini=_gini(customer_values),
        n_customers=n_customers,
        total_revenue=total_revenue,
    )


def distribution(
    customers: pd.DataFrame,
    by: Sequence[str],
    customer: str = "customer_id",
    wide: bool = False,
) -> pd.DataFrame:
    """Customer counts across categories (e.g. city x customer type x sector).

    Counts distinct ``customer`` ids when that column exists (so a ledger with several rows
    per customer may be passed), otherwise rows.

    Parameters
    ----------
    customers : DataFrame
        Customer table or ledger.
    by : sequence of str
        One or more categorical columns.
    customer : str
        Id column used for distinct counting.
    wide : bool
        If False (default) a tidy table; if True a cross-tab with ``by[0]`` as rows, the other
        columns as columns and ``Total`` margins (one ``customers`` column for a single
        ``by`` column).

    Returns
    -------
    DataFrame
        Tidy: the ``by`` columns, ``customers``, ``percent`` (of all customers) and
        ``percent_within`` (of the customers in the same ``by[0]`` category), observed
        combinations only.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3], "city": ["a", "a", "b"],
    ...                    "customer_type": ["eng", "end", "eng"]})
    >>> distribution(df, ["city", "customer_type"])["customers"].tolist()
    [1, 1, 1]

    References
    ----------
    Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Wiley (contingency tables).
    """
    customers = _require_frame(customers, "customers")
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise InputError("distribution needs at least one column in by.")
    _require_columns(customers, by, "customers")
    frame = customers.copy()
    if customer not in frame.columns:
        frame[customer] = np.arange(len(frame))
    for column in by:
        if frame[column].isna().any():
            row = frame.index[frame[column].isna().to_numpy()][0]
            raise InputError(f"Column {column!r} of customers has a missing value at row {row!r}.")
    if wide:
        unique = frame.drop_duplicates([customer, *by])
        if len(by) == 1:
            counts = unique.groupby(by[0], sort=True, observed=True)[customer].nunique()
            counts.loc["Total"] = frame[customer].nunique()
            return counts.rename("customers").to_frame()
        return pd.crosstab(
            unique[by[0]], [unique[c] for c in by[1:]], margins=True, margins_name="Total"
        )
    counts = frame.groupby(by, sort=True, observed=True)[customer].nunique().rename("customers")
    tidy = counts.reset_index()
    total = frame[customer].nunique()
    tidy["percent"] = 100.0 * tidy["customers"] / total
    within = frame.groupby(by[0], sort=True, observed=True)[customer].nunique()
    tidy["percent_within"] = 100.0 * tidy["customers"] / tidy[by[0]].map(within).to_numpy()
    return tidy


@dataclass(frozen=True)
class AgreementResult:
    """Result of :func:`classification_agreement`.

    Attributes
    ----------
    crosstab : DataFrame
        Assigned tier (rows) x ABC class (columns), counts.
    kappa, se, ci_low, ci_high : float
        Cohen's kappa, its large-sample standard error (Fleiss, Cohen & Everitt 1969) and
        the normal-theory CI.
    percent_agreement : float
        Percent of customers whose assigned tier equals their ABC class.
    n : int
        Customers compared.
    n_unmatched : int
        Customers present in only one of the two inputs (excluded).
    """

    crosstab: pd.DataFrame
    kappa: float
    se: float
    ci_low: float
    ci_high: float
    percent_agreement: float
    n: int
    n_unmatched: int

    def to_frame(self) -> pd.DataFrame:
        """One row with kappa, its CI and percent agreement."""
        return pd.DataFrame(
            [
                {
                    "n": self.n,
                    "percent_agreement": self.percent_agreement,
                    "kappa": self.kappa,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n_unmatched": self.n_unmatched,
                }
            ]
        )

    def __repr__(self) -> str:
        return (
            f"AgreementResult(n = {self.n}, agreement = {self.percent_agreement:.1f}%, "
            f"kappa = {self.kappa:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}])\n"
            + self.crosstab.to_string()
        )


def _kappa_with_se(table: np.ndarray) -> tuple[float, float]:
    """Cohen's kappa and its non-null asymptotic SE (Fleiss, Cohen & Everitt 1969, eq. 13)."""
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_observed = np.trace(p)
    p_expected = float(rows @ cols)
    if p_expected >= 1.0:
        return np.nan, np.nan
    kappa = (p_observed - p_expected) / (1.0 - p_expected)
    k = p.shape[0]
    diagonal = sum(p[i, i] * (1.0 - (rows[i] + cols[i]) * (1.0 - kappa)) ** 2 for i in range(k))
    off = sum(p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j)
    variance = (diagonal + (1.0 - kappa) ** 2 * off - (kappa - p_expected * (1.0 - kappa)) ** 2) / (
        n * (1.0 - p_expected) ** 2
    )
    return float(kappa), float(np.sqrt(max(variance, 0.0)))


def classification_agreement(
    assigned: pd.Series,
    abc: pd.DataFrame | pd.Series,
    mapping: Mapping[Any, str] | None = None,
    customer: str = "customer_id",
    ci: float = 0.95,
) -> AgreementResult:
    """Agreement between a company's existing customer tiers and value-based ABC classes.

    Low agreement (kappa near 0) is the evidence for the thesis' problem 2, "customer
    classification is unreasonable": the tiers do not follow the value customers bring.

    Parameters
    ----------
    assigned : Series
        The company's tier per customer, indexed by customer id.
    abc : DataFrame or Series
        Output of :func:`abc_classification` (``customer`` and ``abc_class`` columns) or a Series
        of classes indexed by customer id.
    mapping : mapping, optional
        Translates the company's tier labels to A/B/C (e.g. ``{"key": "A", "normal": "B",
        "small": "C"}``); without it the labels must already be A, B or C.
    customer : str
        Id column of ``abc`` when it is a DataFrame.
    ci : float
        Confidence level of the kappa interval (normal approximation).

    Returns
    -------
    AgreementResult

    Examples
    --------
    >>> import pandas as pd
    >>> abc = pd.Series(["A", "B", "C", "C"], index=[1, 2, 3, 4])
    >>> tiers = pd.Series(["A", "C", "C", "C"], index=[1, 2, 3, 4])
    >>> round(classification_agreement(tiers, abc).percent_agreement, 1)
    75.0

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20(1), 37-46.
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and
    weighted kappa. Psychological Bulletin, 72(5), 323-327.
    """
    if not isinstance(assigned, pd.Series):
        raise InputError(f"assigned must be a pandas Series, got {type(assigned).__name__}.")
    if isinstance(abc, pd.DataFrame):
        _require_columns(abc, [customer, "abc_class"], "abc")
        abc = pd.Series(abc["abc_class"].to_numpy(), index=abc[customer].to_numpy())
    elif not isinstance(abc, pd.Series):
        raise InputError(f"abc must be a DataFrame or Series, got {type(abc).__name__}.")
    if not (isinstance(ci, int | float) and 0.0 < ci < 1.0):
        raise InputError(f"The confidence level ci must be between 0 and 1, got {ci!r}.")
    for name, s in (("assigned", assigned), ("abc", abc)):
        if s.index.has_duplicates:
            dup = s.index[s.index.duplicated()][0]
            raise InputError(f"Customer id {dup!r} appears more than once in {name}.")
    tiers = assigned.dropna()
    if mapping is not None:
        unmapped = sorted({str(v) for v in tiers.unique() if v not in mapping})
        if unmapped:
            raise InputError(f"Tier label {unmapped[0]!r} of assigned has no entry in mapping.")
        tiers = tiers.map(dict(mapping))
    bad = sorted({str(v) for v in tiers.unique() if v not in ABC_CLASSES})
    if bad:
        raise InputError(
            f"Tier label {bad[0]!r} of assigned is not A, B or C; pass mapping to translate it."
        )
    common = tiers.index.intersection(abc.index)
    n_unmatched = len(tiers.index.union(abc.index)) - len(common)
    if len(common) == 0:
        raise InputError("assigned and abc share no customer id.")
    left = pd.Categorical(tiers.loc[common], categories=list(ABC_CLASSES))
    right = pd.Categorical(abc.loc[common], categories=list(ABC_CLASSES))
    table = pd.crosstab(left, right, dropna=False).reindex(
        index=list(ABC_CLASSES), columns=list(ABC_CLASSES), fill_value=0
    )
    table.index.name, table.columns.name = "assigned", "abc_class"
    kappa, se = _kappa_with_se(table.to_numpy(dtype=float))
    z = stats.norm.ppf(0.5 + ci / 2.0)
    return AgreementResult(
        crosstab=table,
        kappa=kappa,
        se=se,
        ci_low=kappa - z * se,
        ci_high=kappa + z * se,
        percent_agreement=100.0 * float(np.trace(table.to_numpy())) / len(common),
        n=int(len(common)),
        n_unmatched=int(n_unmatched),
    )
