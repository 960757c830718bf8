"""Outcomes after a region's record, as a user gives them to score forecasts against (``ecosim backtest
--actuals``): a CSV file (or a DataFrame) read and validated into a typed table; a bad cell names the
file, the column and the row."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

COLUMNS = ("region", "year", "variable", "value", "unit", "source")
"""The columns an actuals file has."""


class ActualsError(ValueError):
    """An actuals file that cannot be read: names the file, the column and the row."""

    def __init__(self, source: str, message: str):
        self.source = source
        super().__init__(f"{source}: {message}")


def read_actuals(actuals: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, str]:
    """Validate actuals (a frame or a CSV path) into a typed frame; returns it and its source name."""
    if isinstance(actuals, pd.DataFrame):
        source, raw = "<actuals DataFrame>", actuals.copy()
    else:
        source = str(actuals)
        path = Path(actuals)
        if not path.is_file():
            raise ActualsError(source, "no such file")
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise ActualsError(source, f"not a readable CSV file: {error}") from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ActualsError(source, f"missing column(s) {', '.join(missing)}; expected columns are "
                                   f"{', '.join(COLUMNS)}")
    if raw.empty:
        raise ActualsError(source, "no rows")
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        where = f"row {i + 1} (line {i + 2})"
        year = _parse_number(rec["year"])
        if year is None or year != int(year):
            raise ActualsError(source, f"column 'year', {where}: not a whole year: {rec['year']!r}")
        value = _parse_number(rec["value"])
        if value is None:
            raise ActualsError(source, f"column 'value', {where}: not a number: {rec['value']!r}")
        region, variable = str(rec["region"]).strip(), str(rec["variable"]).strip()
        for name, text in (("region", region), ("variable", variable)):
            if not text or text.lower() == "nan":
                raise ActualsError(source, f"column '{name}', {where}: empty")
        rows.append({"region": region, "year": int(year), "variable": variable, "value": value,
                     "unit": str(rec["unit"]).strip(), "source": str(rec["source"]).strip(), "row": i + 1})
    table = pd.DataFrame(rows)
    dup = table[table.duplicated(["region", "variable", "year"], keep=False)]
    if len(dup):
        first = dup.iloc[0]
        raise ActualsError(source, f"rows {', '.join(str(r) for r in dup['row'])}: more than one value for "
                                   f"{first['region']}/{first['variable']} in {first['year']}")
    return table, source


def _parse_number(value) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
