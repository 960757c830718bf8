"""Reading and checking the files of a region bundle: every rule a hand-written spreadsheet can break.

Bundles are written by hand (often in Excel), so each reader names the file, the line, the column
and the rule a bad cell breaks, and raises :class:`BundleError` (a ``ScenarioError``: the command
line prints it and exits 2). A UTF-8 byte-order mark and Windows line ends are accepted; lines
starting with ``#`` are comments. What each file holds is documented in ``docs/data-format.md``.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.assumptions import ASSUMPTIONS
from ecosim.errors import ScenarioError
from ecosim.levers import LEVERS

LAST_POLICY_YEAR = 2050
"""A recorded policy period may run into later years (a rule enacted until 2027, say), up to the last
horizon a scenario may have."""
HISTORY_COLUMNS = ("region", "year", "variable", "value", "unit", "source")
COAL_COLUMNS = ("year", "price_usd_per_tonne", "source")
POLICY_HISTORY_COLUMNS = ("lever", "from_year", "to_year", "value", "source")
POLICY_COLUMNS = ("scope", "from_year", "to_year", "lever", "value", "unit", "source")
SECTOR_COLUMNS = ("sector", "label_zh", "cluster", "industrial", "manufacturing", "software", "coal", "weight",
                  "rd_intensity", "va_ratio", "margin", "growth", "ceiling", "coal_link")
SECTOR_FLAGS = ("cluster", "industrial", "manufacturing", "software", "coal")
SECTOR_SHARES = ("rd_intensity", "va_ratio", "ceiling", "coal_link")
"""Sector columns that are shares from 0 to 1."""

VARIABLES: dict[str, str] = {
    "rd_expenditure": "100m_yuan",
    "rd_intensity_first_published": "percent_of_gdp",
    "rd_intensity_revised": "percent_of_gdp",
    "gdp": "100m_yuan",
    "gdp_implied": "100m_yuan",
    "rd_by_enterprises": "100m_yuan",
    "rd_by_government_institutes": "100m_yuan",
    "rd_by_higher_education": "100m_yuan",
    "rd_funded_by_government": "100m_yuan",
    "rd_funded_by_enterprises": "100m_yuan",
    "rd_personnel_fte": "person_years",
    "rd_researchers_fte": "person_years",
    "high_tech_enterprises": "firms",
    "high_tech_enterprises_recognised_in_year": "firms",
    "above_scale_industrial_firms": "firms",
    "above_scale_industrial_firms_with_rd": "firms",
    "above_scale_firms_all_sectors_surveyed": "firms",
    "above_scale_industrial_rd": "100m_yuan",
    "above_scale_industrial_rd_manufacturing": "100m_yuan",
    "above_scale_industrial_rd_mining": "100m_yuan",
    "above_scale_industrial_rd_to_revenue": "percent",
    "tech_contracts_bought": "100m_yuan",
    "tech_contracts_sold": "100m_yuan",
    "general_budget_science_technology": "100m_yuan",
    "fiscal_science_tech_expenditure": "100m_yuan",
    "provincial_level_fiscal_science_tech_expenditure": "100m_yuan",
    "share_innovation_active_above_scale_firms": "percent",
    "share_innovation_active_industrial_firms": "percent",
    "share_industrial_firms_with_rd": "percent",
}
"""Every variable history.csv may hold, with its unit (see docs/data-format.md for meanings)."""

STEPPED_SERIES = ("rd_expenditure",)
"""Region series the model and its calibration read year by year: a year missing between the first and
last recorded one is a gap (GDP, the benchmark's intensity and the coal price are checked too). The
funding split, the S&T budget and the counts may skip a year: a base year without them carries them
forward, a simulated year without them is modelled."""
INTENSITY_RANGE = (0.05, 10.0)
"""Plausible R&D / GDP of a region, percent: below 0.05% the intensity was typed as a share (0.0138 for
1.38%) or GDP is in another unit (万亿 for 亿元); above 10% the same mistakes the other way."""
YEARLY_FACTOR = 2.0
"""R&D expenditure and GDP change by less than this factor from one year to the next: more is a unit
or decimal-point mistake in one of the two years."""

LOG_ODDS_SERIES = ("share_industrial_firms_with_rd",)
"""Percentages the model takes the log-odds of (:func:`ecosim.model.inputs.participation_trend`): strictly
between 0 and 100."""
PERCENT_CEILING = {"percent_of_gdp": 10.0, "percent": 100.0}
"""Largest value of a percentage: an R&D intensity above 10% of GDP (no economy spends that much) is a
misplaced decimal point."""

INTENSITY_TOLERANCE = 0.011
"""Percentage points: a first-published intensity (two decimals) may differ from 100 x R&D / GDP by its
own rounding (0.005) plus that of R&D and GDP (one decimal each) and the revision of GDP between the
bulletin and the communiqué; more is an error in one of the three."""


class BundleError(ScenarioError):
    """A bundle file that breaks a rule: names the file, the line, the column and the rule."""

    def __init__(self, path: Path | str, where: str, message: str):
        super().__init__(str(path), where, message)


def last_publishable_year(today: datetime.date | None = None) -> int:
    """The latest year whose annual statistics can exist: the year before this one."""
    return (today or datetime.date.today()).year - 1


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row of a CSV file: its line number in the file and its cells by column."""

    line: int
    cells: dict[str, str]


def read_text(path: Path) -> str:
    """A bundle file's text: UTF-8 (a byte-order mark allowed), Windows line ends made plain."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BundleError(path, "(file)", "is missing; every bundle holds it (see docs/data-format.md)") from None
    except OSError as problem:
        raise BundleError(path, "(file)", f"cannot be read ({problem.strerror or problem})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gbk")
            hint = " (it reads as GBK, the encoding Excel uses for Chinese by default)"
        except UnicodeDecodeError:
            pass
        raise BundleError(path, f"line {line}", f"is not UTF-8 text{hint}; save the file as "
                          "'CSV UTF-8' (a byte-order mark is fine)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_rows(path: Path, columns: tuple[str, ...]) -> list[Row]:
    """The data rows of a CSV file whose header names exactly ``columns`` (in any order)."""
    text = read_text(path)
    lines = text.split("\n")
    header_at = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if header_at is None:
        raise BundleError(path, "(file)", f"holds no header; the first line must be {','.join(columns)}")
    header = [h.strip() for h in next(csv.reader([lines[header_at]]))]
    while header and not header[-1]:
        header.pop()  # the empty columns Excel leaves after the last one
    missing = [c for c in columns if c not in header]
    extra = [h for h in header if h not in columns]
    if missing or extra or len(set(header)) != len(header):
        raise BundleError(path, f"line {header_at + 1}",
                          f"the header must name the columns {','.join(columns)}"
                          + (f"; missing {', '.join(missing)}" if missing else "")
                          + (f"; unknown {', '.join(extra)}" if extra else ""))
    rows = []
    for number, line in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not line.strip() or line.startswith("#") or not line.replace(",", "").strip():
            continue
        cells = next(csv.reader(io.StringIO(line)))
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()
        if len(cells) != len(header):
            raise BundleError(path, f"line {number}",
                              f"has {len(cells)} cells, the header {len(header)} ({','.join(header)}); "
                              "a comma inside a value needs quotes")
        rows.append(Row(number, {h: c.strip() for h, c in zip(header, cells)}))
    return rows


def number(path: Path, row: Row, column: str, *, low: float | None = None, high: float | None = None,
           what: str = "a number") -> float:
    """A numeric cell: refused with the reason when empty, text, with a thousands separator or a percent sign."""
    text = row.cells[column]
    where = f"line {row.line}, column {column}"
    if not text:
        raise BundleError(path, where, f"is empty; give {what}")
    if text.endswith("%"):
        raise BundleError(path, where, f"{text!r} has a percent sign; give {what} as a plain number "
                          "(the unit column says what it is a share or percent of)")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        raise BundleError(path, where, f"{text!r} has a thousands separator; write it without commas")
    try:
        value = float(text)
    except ValueError:
        raise BundleError(path, where, f"{text!r} is not a number; give {what}") from None
    if not math.isfinite(value):
        raise BundleError(path, where, f"{text!r} is not a finite number; give {what}")
    if low is not None and value < low:
        kind = "a negative amount" if low == 0 and value < 0 else f"below {low:g}"
        raise BundleError(path, where, f"{value:g} is {kind}; allowed is {what}")
    if high is not None and value > high:
        raise BundleError(path, where, f"{value:g} is above {high:g}; allowed is {what}")
    return value


def year(path: Path, row: Row, column: str, first: int, last: int, first_reason: str = "the first year",
         policy: bool = False) -> int:
    """A year cell: four digits, from ``first`` to ``last`` (``policy``: a rule enacted for later years)."""
    text = row.cells[column]
    where = f"line {row.line}, column {column}"
    if not re.fullmatch(r"\d{4}", text):
        raise BundleError(path, where, f"{text!r} is not a year written as four digits ({first} to {last})")
    value = int(text)
    if value < first:
        raise BundleError(path, where, f"{value} is before {first_reason} {first} (region.toml first_year)")
    if value > last:
        raise BundleError(path, where, f"{value} is after {last}, the last year a policy period may reach" if policy
                          else f"{value} is in the future: statistics exist up to {last} at the latest")
    return value


def text(path: Path, row: Row, column: str, what: str) -> str:
    """A text cell that must not be empty."""
    value = row.cells[column]
    if not value:
        raise BundleError(path, f"line {row.line}, column {column}", f"is empty; give {what}")
    return value


def read_toml(path: Path) -> dict[str, Any]:
    """A bundle TOML file's table (a byte-order mark and Windows line ends accepted)."""
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as problem:
        raise BundleError(path, "(syntax)", f"not valid TOML: {problem}") from None


# --- the files ----------------------------------------------------------------------------------


def check_history(path: Path, region: str, benchmark: str, first_year: int, last_year: int) -> pd.DataFrame:
    """history.csv as a table, every cell and rule checked."""
    records = []
    seen: dict[tuple[str, int, str], int] = {}
    for row in read_rows(path, HISTORY_COLUMNS):
        area = text(path, row, "region", f"{region} or {benchmark}")
        if area not in (region, benchmark):
            raise BundleError(path, f"line {row.line}, column region",
                              f"{area!r} is neither the region ({region}) nor its benchmark ({benchmark}) "
                              "named in region.toml")
        when = year(path, row, "year", first_year, last_year)
        variable = text(path, row, "variable", "a variable name")
        if variable not in VARIABLES:
            raise BundleError(path, f"line {row.line}, column variable",
                              f"unknown variable {variable!r}; known are {', '.join(VARIABLES)}")
        unit = row.cells["unit"]
        if unit != VARIABLES[variable]:
            raise BundleError(path, f"line {row.line}, column unit",
                              f"{unit!r} is not the unit of {variable}; it is {VARIABLES[variable]}")
        high = PERCENT_CEILING.get(unit)
        what = f"a number from 0 to {high:g} ({unit})" if high else f"a number of at least 0 ({unit})"
        value = number(path, row, "value", low=0.0, high=high, what=what)
        if variable in LOG_ODDS_SERIES and not 0.0 < value < 100.0:
            raise BundleError(path, f"line {row.line}, column value",
                              f"{value:g} is not a share strictly between 0 and 100 percent; {variable} "
                              "enters the model as log-odds")
        text(path, row, "source", "the source code of the number (see SOURCES.md)")
        key = (area, when, variable)
        if key in seen:
            raise BundleError(path, f"line {row.line}",
                              f"repeats {area} {variable} {when} of line {seen[key]}; give each once")
        seen[key] = row.line
        records.append((area, when, variable, value, unit, row.cells["source"], row.line))
    table = pd.DataFrame(records, columns=[*HISTORY_COLUMNS, "line"])
    _check_required(path, table, region, benchmark)
    _check_gaps(path, table, region, benchmark)
    _check_rd_and_gdp(path, table, region)
    return table


def _series(table: pd.DataFrame, area: str, variable: str) -> dict[int, tuple[float, int]]:
    rows = table[(table["region"] == area) & (table["variable"] == variable)]
    return {int(y): (float(v), int(n)) for y, v, n in zip(rows["year"], rows["value"], rows["line"])}


REQUIRED_SERIES = ("rd_expenditure", "rd_intensity_first_published", "rd_funded_by_government",
                   "rd_funded_by_enterprises", "rd_personnel_fte", "rd_by_enterprises", "rd_by_government_institutes",
                   "rd_by_higher_education", "general_budget_science_technology", "tech_contracts_bought",
                   "above_scale_industrial_firms_with_rd", "above_scale_industrial_rd")
"""Region series a base year is built from: each needs at least one recorded year (the HTE stock needs
high_tech_enterprises or three consecutive years of high_tech_enterprises_recognised_in_year)."""
PERFORMERS = ("rd_by_enterprises", "rd_by_government_institutes", "rd_by_higher_education")
"""The performer split: recorded together, a year at a time."""


def _check_required(path: Path, table: pd.DataFrame, region: str, benchmark: str) -> None:
    """The series without which no base year exists, and performer splits given whole."""
    for area, variable in [(region, v) for v in REQUIRED_SERIES] + [(benchmark, "rd_intensity_first_published")]:
        if not _series(table, area, variable):
            raise BundleError(path, "(file)", f"holds no {variable} of {area}; the model needs it "
                              "(docs/data-format.md lists the required series)")
    lists = _series(table, region, "high_tech_enterprises_recognised_in_year")
    if not _series(table, region, "high_tech_enterprises") and not any(y - 1 in lists and y - 2 in lists for y in lists):
        raise BundleError(path, "(file)", f"holds no high_tech_enterprises of {region} and no three consecutive years "
                          "of high_tech_enterprises_recognised_in_year; the base year's HTE stock needs one of them")
    split = {v: _series(table, region, v) for v in PERFORMERS}
    for when in sorted(set().union(*split.values())):
        missing = [v for v in PERFORMERS if when not in split[v]]
        if missing:
            line = next(split[v][when][1] for v in PERFORMERS if when in split[v])
            raise BundleError(path, f"line {line}", f"gives part of the {when} performer split; {', '.join(missing)} "
                              f"of {when} is missing: give {', '.join(PERFORMERS)} together")
    rd = _series(table, region, "rd_expenditure")
    for when, (_, line) in _series(table, region, "above_scale_industrial_rd").items():
        if when not in rd:
            raise BundleError(path, f"line {line}", f"above_scale_industrial_rd of {when} needs rd_expenditure of "
                              f"{when} (its share of enterprise R&D is computed from it)")


def _check_gaps(path: Path, table: pd.DataFrame, region: str, benchmark: str) -> None:
    """A series the model steps through has every year from its first to its last."""
    stepped = [(region, v) for v in STEPPED_SERIES] + [(benchmark, "rd_intensity_first_published")]
    for area, variable in stepped:
        years = sorted(_series(table, area, variable))
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years)) if years else []
        if missing:
            raise BundleError(path, f"{area} {variable}",
                              f"has a gap: no row for {', '.join(map(str, missing))} between {years[0]} and "
                              f"{years[-1]}; the model steps through it year by year")
    gdp_years = sorted(set(_series(table, region, "gdp")) | set(_series(table, region, "gdp_implied"))
                       | set(_series(table, region, "rd_intensity_first_published")))
    missing = sorted(set(range(gdp_years[0], gdp_years[-1] + 1)) - set(gdp_years))
    if missing:
        raise BundleError(path, f"{region} gdp", f"has a gap: no gdp, gdp_implied or rd_intensity_first_published "
                          f"for {', '.join(map(str, missing))}; the model steps through GDP year by year")


def _check_rd_and_gdp(path: Path, table: pd.DataFrame, region: str) -> None:
    """The region's R&D, GDP and intensity rows agree: plausible ratios, no jumps, consistent intensities.

    Each series maps a year to (value, line)."""
    rd = _series(table, region, "rd_expenditure")
    gdp = {**_series(table, region, "gdp_implied"), **_series(table, region, "gdp")}
    intensities = _series(table, region, "rd_intensity_first_published")
    _check_plausible(path, rd, gdp, intensities)
    implied_gdp = {**{y: (rd[y][0] / v * 100.0, n) for y, (v, n) in intensities.items() if y in rd and v > 0}, **gdp}
    _check_jumps(path, "rd_expenditure", rd)
    _check_jumps(path, "gdp", implied_gdp)
    _check_intensity(path, rd, gdp, intensities)


def _check_plausible(path: Path, rd: dict, gdp: dict, intensities: dict) -> None:
    """R&D / GDP (as given, or the intensity where there is no GDP) lies inside ``INTENSITY_RANGE``."""
    for when, (value, line) in sorted(rd.items()):
        if when in gdp:
            ratio, where = 100.0 * value / gdp[when][0], f"lines {line} and {gdp[when][1]}"
        elif when in intensities:
            ratio, where = intensities[when][0], f"line {intensities[when][1]}"
        else:
            continue
        if not INTENSITY_RANGE[0] <= ratio <= INTENSITY_RANGE[1]:
            raise BundleError(path, f"{where}, column value",
                              f"R&D / GDP of {when} is {ratio:.4g}% (from {where}), outside the plausible "
                              f"{INTENSITY_RANGE[0]:g}-{INTENSITY_RANGE[1]:g}%: is the intensity written as a share "
                              "(0.0138 for 1.38%), or R&D or GDP in another unit than 100m_yuan (亿元)?")


def _check_jumps(path: Path, name: str, values: dict) -> None:
    """Consecutive years differ by less than ``YEARLY_FACTOR``."""
    years = sorted(values)
    for before, after in zip(years, years[1:]):
        factor = values[after][0] / values[before][0] if values[before][0] > 0 else float("inf")
        if after == before + 1 and not 1.0 / YEARLY_FACTOR < factor < YEARLY_FACTOR:
            raise BundleError(path, f"line {values[after][1]}, column value",
                              f"{name} of {after} is {factor:.3g} times that of {before} (line "
                              f"{values[before][1]}): a unit or decimal-point mistake in one of the two years?")


def _check_intensity(path: Path, rd: dict, gdp: dict, intensities: dict) -> None:
    """Where R&D, GDP and the intensity are all given, the intensity is R&D / GDP up to rounding."""
    for when, (intensity, line) in intensities.items():
        if when in rd and when in gdp:
            implied = rd[when][0] / gdp[when][0] * 100.0
            if abs(implied - intensity) > INTENSITY_TOLERANCE:
                raise BundleError(path, f"line {line}, column value",
                                  f"the intensity {intensity:g}% of {when} disagrees with R&D / GDP = "
                                  f"{rd[when][0]:g} / {gdp[when][0]:g} = {implied:.3f}% (lines {rd[when][1]} and "
                                  f"{gdp[when][1]}) by more than rounding ({INTENSITY_TOLERANCE} pp): one of the three "
                                  "is mistyped, or the GDP is a later revision; give the GDP the bulletin divided by "
                                  "(or leave gdp out: it is then R&D / intensity)")


def check_coal(path: Path, last_year: int) -> tuple[tuple[int, float], ...]:
    """coal_price.csv as (year, US$/t) pairs, in order, without gaps or repeats."""
    prices: dict[int, float] = {}
    for row in read_rows(path, COAL_COLUMNS):
        when = year(path, row, "year", 1900, last_year, "the year")
        if when in prices:
            raise BundleError(path, f"line {row.line}, column year", f"repeats {when}; give each year once")
        prices[when] = number(path, row, "price_usd_per_tonne", low=1e-9, what="a positive price (US$ per tonne)")
        text(path, row, "source", "the source code of the price")
    if len(prices) < 4:
        raise BundleError(path, "(file)", "holds fewer than 4 years; the coal cycle is fitted on at least 4")
    years = sorted(prices)
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        raise BundleError(path, "(file)", f"has a gap: no price for {', '.join(map(str, missing))}; "
                          "the model steps through the coal price year by year")
    return tuple((y, prices[y]) for y in years)


def check_policy_history(path: Path, first_year: int) -> dict[str, dict[int, float]]:
    """policy_history.csv as each lever's value by year: known levers, values in range, no overlaps,
    every lever recorded without a gap from the first year on (periods may run to LAST_POLICY_YEAR)."""
    history: dict[str, dict[int, float]] = {name: {} for name in LEVERS}
    lines: dict[tuple[str, int], int] = {}
    for row in read_rows(path, POLICY_HISTORY_COLUMNS):
        name = text(path, row, "lever", "a lever name")
        if name not in LEVERS:
            raise BundleError(path, f"line {row.line}, column lever",
                              f"unknown lever {name!r}; known levers are {', '.join(LEVERS)}")
        lever = LEVERS[name]
        start = year(path, row, "from_year", first_year, LAST_POLICY_YEAR, policy=True)
        end = year(path, row, "to_year", first_year, LAST_POLICY_YEAR, policy=True)
        if end < start:
            raise BundleError(path, f"line {row.line}, column to_year", f"{end} is before from_year {start}")
        value = number(path, row, "value", low=lever.low, high=lever.high, what=lever.allowed)
        if lever.integer and value != int(value):
            raise BundleError(path, f"line {row.line}, column value", f"{value:g} must be {lever.allowed}")
        text(path, row, "source", "the source of the value, or ASSUMPTION: and its reason")
        for when in range(start, end + 1):
            if (name, when) in lines:
                raise BundleError(path, f"line {row.line}",
                                  f"{name} {start}-{end} overlaps line {lines[name, when]} in {when}; "
                                  "periods of one lever must not overlap")
            lines[name, when] = row.line
            history[name][when] = value
    for name, years in history.items():
        if not years:
            raise BundleError(path, "(file)", f"gives no history for the lever {name}; every lever needs "
                              f"its value from {first_year} on")
        expected = set(range(first_year, max(years) + 1))
        missing = sorted(expected - set(years))
        if missing:
            raise BundleError(path, f"lever {name}",
                              f"has no value for {', '.join(map(str, missing))}; a lever's periods must cover "
                              f"every year from {first_year} to its last")
    return history


def check_policy(path: Path) -> pd.DataFrame:
    """policy.csv (national and regional rules, for reference and the HTE thresholds)."""
    rows = read_rows(path, POLICY_COLUMNS)
    table = pd.DataFrame([r.cells for r in rows], columns=list(POLICY_COLUMNS))
    for row in rows:
        start, end = year(path, row, "from_year", 1949, 2100), year(path, row, "to_year", 1949, 2100)
        if end < start:
            raise BundleError(path, f"line {row.line}, column to_year", f"{end} is before from_year {start}")
        if row.cells["lever"].startswith("high_tech_enterprise_rd_intensity_threshold"):
            number(path, row, "value", low=0.0, high=1.0, what="a share of revenue from 0 to 1")
    names = set(table["lever"])
    for size in ("small", "medium", "large"):
        if f"high_tech_enterprise_rd_intensity_threshold_{size}" not in names:
            raise BundleError(path, "(file)", f"has no high_tech_enterprise_rd_intensity_threshold_{size} row; "
                              "the model reads the HTE thresholds from it")
    return table


def check_sectors(path: Path) -> pd.DataFrame:
    """sectors.csv: one row per sector, flags 0 or 1, weights positive, shares from 0 to 1."""
    records = []
    lines: dict[str, int] = {}
    for row in read_rows(path, SECTOR_COLUMNS):
        name = text(path, row, "sector", "a sector name")
        if name in lines:
            raise BundleError(path, f"line {row.line}, column sector", f"names {name!r} twice (line {lines[name]} "
                              "too); give each sector once")
        lines[name] = row.line
        record: dict[str, Any] = {"sector": name,
                                  "label_zh": text(path, row, "label_zh", "the sector's Chinese name")}
        for column in SECTOR_FLAGS:
            value = number(path, row, column, low=0, high=1, what="0 or 1")
            if value not in (0.0, 1.0):
                raise BundleError(path, f"line {row.line}, column {column}", f"{value:g} must be 0 or 1")
            record[column] = int(value)
        record["weight"] = number(path, row, "weight", low=1e-9, what="a positive relative firm count")
        for column in SECTOR_SHARES:
            record[column] = number(path, row, column, low=0.0, high=1.0, what="a share from 0 to 1")
        record["margin"] = number(path, row, "margin", low=-1.0, high=1.0, what="a share of revenue from -1 to 1")
        record["growth"] = number(path, row, "growth", low=-0.5, high=0.5, what="a share per year from -0.5 to 0.5")
        records.append(record)
    table = pd.DataFrame(records, columns=list(SECTOR_COLUMNS))
    for flag in ("industrial", "coal"):
        if not table[flag].any():
            raise BundleError(path, f"column {flag}", f"no sector has {flag} = 1; the model needs at least one")
    return table


def check_calibration(path: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """calibration.toml's calibrated assumption values (known names, inside their ranges) and its [meta]."""
    raw = read_toml(path)
    values = raw.get("assumptions", {})
    if not isinstance(values, dict):
        raise BundleError(path, "assumptions", "must be a table {assumption = value}")
    checked = {}
    for name, value in values.items():
        if name not in ASSUMPTIONS:
            raise BundleError(path, f"assumptions.{name}", "unknown assumption; see `ecosim assumptions`")
        a = ASSUMPTIONS[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise BundleError(path, f"assumptions.{name}", f"must be a number, got {value!r}")
        if not a.low <= value <= a.high:
            raise BundleError(path, f"assumptions.{name}", f"{value!r} is outside the assumption's range {a.allowed}")
        checked[name] = float(value)
    meta = raw.get("meta", {})
    return checked, meta if isinstance(meta, dict) else {}


def check_posterior(path: Path) -> pd.DataFrame:
    """calibration_posterior.csv: one accepted parameter vector a row, known assumptions, numbers."""
    lines = read_text(path).split("\n")
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
    if not numbered:
        raise BundleError(path, "(file)", "is empty; it holds a header of assumption names and one row per "
                          "accepted draw (written by ecosim calibrate)")
    header_line, header = numbered[0][0], [h.strip() for h in next(csv.reader([numbered[0][1]]))]
    unknown = [c for c in header if c not in ASSUMPTIONS]
    if unknown:
        raise BundleError(path, f"line {header_line}", f"unknown assumptions {', '.join(unknown)} in the header")
    rows = []
    for number_, line in numbered[1:]:
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            raise BundleError(path, f"line {number_}", f"has {len(cells)} cells, the header {len(header)}")
        row = Row(number_, dict(zip(header, (c.strip() for c in cells))))
        rows.append([number(path, row, name, what=f"a number ({ASSUMPTIONS[name].unit})") for name in header])
    if not rows:
        raise BundleError(path, "(file)", "holds a header but no draws")
    return pd.DataFrame(rows, columns=header, dtype=float)
