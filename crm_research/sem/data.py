"""Input checks shared by the model functions: item columns present, numeric, codes dropped."""

from __future__ import annotations

import pandas as pd

from crm_research.errors import InputError
from crm_research.screening import drop_undeclared_codes

__all__ = ["numeric_items", "unique_items"]


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------
def unique_items(factors: dict[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(item for items in factors.values() for item in items))


def numeric_items(data: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"The data must be a pandas DataFrame with one column per item, got {type(data).__name__}."
        )
    missing = [item for item in items if item not in data.columns]
    if missing:
        raise InputError(f"Item column(s) {missing} named in the model are not in the data.")
    frame = data[items]
    non_numeric = [
        item
        for item in items
        if not pd.api.types.is_numeric_dtype(frame[item]) or pd.api.types.is_bool_dtype(frame[item])
    ]
    if non_numeric:
        raise InputError(
            f"Column(s) {non_numeric} named in the model are not numeric; recode them first."
        )
    frame, _ = drop_undeclared_codes(frame, stacklevel=6)  # -99 etc.: flagged, set to NaN
    return frame.astype(float)
