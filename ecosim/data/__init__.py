"""Shipped data: sourced statistics and policy for 2010-2020 (see SOURCES.md)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

LAST_HISTORY_YEAR = 2020
"""The last year of history the project holds; no outcome after it is used anywhere."""


def data_path(name: str) -> Path:
    """Path of a shipped data file."""
    return Path(str(resources.files("ecosim.data").joinpath(name)))


@cache
def history() -> pd.DataFrame:
    """The sourced statistics (region, year, variable, value, unit, source), 2010-2020."""
    table = pd.read_csv(data_path("history.csv"))
    if (table["year"] > LAST_HISTORY_YEAR).any():
        raise ValueError(f"history.csv holds years after {LAST_HISTORY_YEAR}: outcome data must not enter")
    return table


def series(variable: str, region: str = "shanxi") -> dict[int, float]:
    """One variable of the history as {year: value}."""
    table = history()
    rows = table[(table["region"] == region) & (table["variable"] == variable)]
    return {int(y): float(v) for y, v in zip(rows["year"], rows["value"])}
