"""The study's inputs: one survey read, screened and scored; one customer ledger checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_research.errors import InputError
from crm_research.instrument import Instrument, load_instrument
from crm_research.readers import read_responses
from crm_research.scoring import score
from crm_research.screening import is_pii_name, looks_like_personal_data

__all__ = [
    "HIDDEN_LEVEL",
    "HIDDEN_LEVEL_LABEL",
    "LEDGER_COLUMNS",
    "SurveyData",
    "load_ledger",
    "load_survey",
]

#: Columns every customer ledger must have (issue 4).  The grouping columns (the region and
#: segments the customer instrument declares, e.g. ``city``, ``customer_type``, ``sector``)
#: are used when present; revenue concentration by a missing one is left out with a reason.
LEDGER_COLUMNS = ("customer_id", "year", "revenue")

#: The level a ledger label cell that looks like personal data becomes (a phone number typed
#: into ``city``): its rows keep their revenue and are counted in a group of their own, named
#: as hidden, so that no total changes and no personal data becomes a group label.  A cell
#: that is really empty stays missing (and is refused by name where a grouping needs it).
HIDDEN_LEVEL = "hidden_personal_data"
#: :data:`HIDDEN_LEVEL` as tables, figures and findings name it.
HIDDEN_LEVEL_LABEL: dict[str, str] = {
    "zh": "已隐藏（疑似个人信息）",
    "en": "Hidden (looked like personal data)",
}


@dataclass(frozen=True, eq=False)
class SurveyData:
    """One survey after reading and screening.

    Attributes
    ----------
    items : DataFrame
        Raw item codes (numeric, not reverse-keyed), one row per kept respondent.
    meta : DataFrame
        Background columns (PII dropped), same index as ``items``.
    scores : DataFrame
        Scale scores (:func:`crm_research.scoring.score`).
    quality : DataFrame
        The quality report (``row, column, rule, value, action``); empty for DataFrame input.
    instrument : Instrument
    source : str
        File path, or ``"<DataFrame>"``.
    sha256 : str or None
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    scores: pd.DataFrame
    quality: pd.DataFrame
    instrument: Instrument
    source: str
    sha256: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Background, items and scale scores side by side (scores prefixed ``score_``)."""
        return pd.concat([self.meta, self.items, self.scores.add_prefix("score_")], axis=1)

    def __repr__(self) -> str:
        return (
            f"SurveyData({self.instrument.id!r} from {self.source}: {len(self.items)} respondents, "
            f"{self.items.shape[1]} items, {len(self.quality)} quality notes)"
        )


def _quality_frame(quality: Any) -> pd.DataFrame:
    if quality is None:
        return pd.DataFrame(columns=["row", "column", "rule", "value", "action"])
    if isinstance(quality, pd.DataFrame):
        return quality.copy()
    to_frame = getattr(quality, "to_frame", None)
    if callable(to_frame):
        return to_frame()
    return pd.DataFrame(quality)


def load_survey(
    source: str | Path | pd.DataFrame | Any,
    instrument: str | Instrument,
    **read_options: Any,
) -> SurveyData:
    """Read (when a path), screen and score one survey.

    Parameters
    ----------
    source : path, DataFrame or Responses
        A path is read with :func:`crm_research.readers.read_responses` (screening, PII
        dropping, quality report).  A ``Responses`` object is used as is.  A DataFrame is
        taken as already screened: its item columns are the instrument's item ids, PII
        columns declared by the instrument are dropped, and values must lie in range.
    instrument : str or Instrument
        The instrument (or its name under ``surveys/``).
    **read_options
        Passed to ``read_responses`` (``missing_values``, ``encoding``, ``sheet``).

    Returns
    -------
    SurveyData

    Raises
    ------
    InputError
        Unreadable file, or item columns of the instrument missing from the data.

    Examples
    --------
    >>> from crm_research.cases.d_company import simulate
    >>> data = load_survey(simulate(1).customers, "d_company_customer")
    >>> "identification" in data.scores.columns
    True
    """
    inst = load_instrument(instrument)
    if isinstance(source, str | Path):
        resp = read_responses(source, instrument=inst, **read_options)
        items, meta = resp.items, resp.meta
        quality = _quality_frame(getattr(resp, "quality", None))
        where, sha = str(source), getattr(resp, "sha256", None)
    elif isinstance(source, pd.DataFrame):
        missing = [i for i in inst.item_ids if i not in source.columns]
        if missing:
            raise InputError(f"The {inst.id} data lack the item columns {', '.join(missing)}.")
        items = source[inst.item_ids].apply(pd.to_numeric, errors="coerce")
        drop = set(inst.item_ids) | set(inst.pii_columns)
        meta = source[[c for c in source.columns if c not in drop]].copy()
        quality = _quality_frame(None)
        where, sha = "<DataFrame>", None
    elif hasattr(source, "items") and hasattr(source, "meta"):
        items, meta = source.items, source.meta
        quality = _quality_frame(getattr(source, "quality", None))
        where, sha = str(getattr(source, "source", "<Responses>")), getattr(source, "sha256", None)
    else:
        raise InputError(
            f"A survey must be a file path, a DataFrame or a Responses object, not "
            f"{type(source).__name__}."
        )
    if len(items) == 0:
        raise InputError(f"{where}: no respondents left to analyse.")
    scores = score(items, inst)
    return SurveyData(items, meta, scores, quality, inst, where, sha)


def load_ledger(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and check a customer ledger (``customer_id, year, revenue`` and grouping columns).

    Parameters
    ----------
    source : path or DataFrame
        CSV (UTF-8, with or without BOM) or XLSX file, or a DataFrame.

    Returns
    -------
    DataFrame
        The ledger with ``customer_id`` as text and ``revenue`` as float; a column named
        like personal data dropped and a label cell that looks like personal data replaced
        by :data:`HIDDEN_LEVEL` (the file is not changed).

    Raises
    ------
    InputError
        Unreadable file, missing columns, non-numeric revenue (naming the row); negative rows
        are refunds (netted per customer by :func:`crm_research.segmentation.abc_classification`).

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"customer_id": ["C1"], "city": ["x"], "customer_type": ["end_user"],
    ...                     "sector": ["school"], "year": [2019], "revenue": [10.0]})
    >>> load_ledger(led)["revenue"].tolist()
    [10.0]
    """
    if isinstance(source, pd.DataFrame):
        frame, where = source.copy(), "the ledger"
    else:
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise InputError(f"{path}: no such ledger file.")
        try:
            if path.suffix.lower() in (".xlsx", ".xls"):
                frame = pd.read_excel(path, dtype={"customer_id": str})
            else:
                frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
            raise InputError(
                f"{path}: not a readable ledger table ({type(exc).__name__})."
            ) from None
    missing = [c for c in LEDGER_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{where}: the ledger lacks the columns {', '.join(missing)}.")
    if frame.empty:
        raise InputError(f"{where}: the ledger has no rows.")
    frame["customer_id"] = frame["customer_id"].astype(str)
    revenue = pd.to_numeric(frame["revenue"], errors="coerce")
    # negative rows are refunds, netted per customer by the ABC classification (which
    # refuses a customer whose refunds exceed its sales)
    bad = revenue.isna() | ~np.isfinite(revenue.astype(float))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}: row {row + 1} has revenue {frame['revenue'].iloc[row]!r}, not a number."
        )
    frame["revenue"] = revenue.astype(float)
    return _without_personal_data(frame)


def _without_personal_data(frame: pd.DataFrame) -> pd.DataFrame:
    """The ledger without personal data: the reader's screening never sees a ledger, so a
    column named like personal data is dropped and a label cell that looks like an e-mail,
    phone, ID number or IP address becomes :data:`HIDDEN_LEVEL` (it would otherwise become a
    group label drawn in a figure or printed in a table; as a missing value it would stop the
    revenue concentration or drop its revenue from the totals)."""
    keep = [c for c in frame.columns if c in ("customer_id", "year", "revenue") or not is_pii_name(str(c))]
    frame = frame[keep].copy()
    for column in frame.columns:
        if column in ("customer_id", "year", "revenue") or frame[column].dtype.kind in "biuf":
            continue
        hidden = frame[column].map(looks_like_personal_data).astype(bool)
        if hidden.any():
            frame[column] = frame[column].astype(object).mask(hidden, HIDDEN_LEVEL)
    return frame
