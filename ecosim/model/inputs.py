"""What one run needs, resolved from a scenario: lever paths, assumption values, data.

Everything here is computed once per (scenario, assumptions) and is read-only during a run.
Base-year initial conditions come from ``ecosim/data/history.csv`` (2010-2020 only).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from ecosim.assumptions import ASSUMPTIONS, defaults
from ecosim.data import LAST_HISTORY_YEAR, data_path, history, series
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario

CORPORATE_INCOME_TAX_RATE = 0.25
"""Statutory rate, share of profit (policy.csv: Enterprise Income Tax Law art.4)."""
ABOVE_SCALE_REVENUE = 20.0
"""Revenue threshold of an above-scale industrial firm, m yuan (NBS definition since 2011)."""


@dataclass(frozen=True)
class HteThresholds:
    """Official HTE R&D/revenue thresholds by revenue band (policy.csv)."""

    small: float
    medium: float
    large: float
    small_max_revenue: float = 50.0
    """m yuan; revenue up to and including this is 'small'."""
    medium_max_revenue: float = 200.0
    """m yuan; revenue above small and up to and including this is 'medium'."""

    def for_revenue(self, revenue: np.ndarray) -> np.ndarray:
        """Threshold R&D/revenue for each firm's revenue (m yuan)."""
        band = (revenue > self.small_max_revenue).view(np.int8) + (revenue > self.medium_max_revenue).view(np.int8)
        return np.take(np.array([self.small, self.medium, self.large]), band)


@dataclass(frozen=True)
class BaseYear:
    """Initial conditions of the base year, derived from the sourced statistics."""

    year: int
    gdp: float
    """Shanxi GDP, 100m yuan."""
    rd_total: float
    rd_by_performer: dict[str, float]
    """enterprises, government_institutes, higher_education, other; 100m yuan."""
    rd_by_source: dict[str, float]
    """government, enterprises, other; 100m yuan."""
    industrial_rd_performers: float
    tech_bought: float
    """Technology contracts bought by Shanxi firms (buyer basis), 100m yuan."""
    rd_personnel_fte: float


@dataclass(frozen=True)
class ModelInputs:
    """A scenario resolved to numbers: the only thing a run reads besides its seed."""

    years: np.ndarray
    levers: dict[str, np.ndarray]
    """Each lever's value in each simulated year."""
    assumptions: dict[str, float]
    base: BaseYear
    gdp_history: dict[int, float]
    """Shanxi GDP by year up to 2020 plus any scenario gdp_path; 100m yuan."""
    national_history: dict[int, float]
    """China's first-published R&D intensity up to 2020 plus any scenario national_path; percent."""
    hte: HteThresholds
    target_value: float | str


def resolve(scenario: Scenario, assumptions: dict[str, float] | None = None) -> ModelInputs:
    """Resolve a scenario (and optional assumption values overriding it) into model inputs."""
    values = defaults()
    values.update(scenario.assumptions)
    for name, value in (assumptions or {}).items():
        if name not in ASSUMPTIONS:
            raise KeyError(f"unknown assumption {name!r}")
        values[name] = float(value)
    gdp = dict(gdp_series())
    gdp.update(scenario.gdp_path)
    national = dict(series("rd_intensity_first_published", "china"))
    national.update(scenario.national_path)
    return ModelInputs(
        years=scenario.years,
        levers={name: scenario.lever_path(name) for name in LEVERS},
        assumptions=values,
        base=base_year(scenario.base_year),
        gdp_history=gdp,
        national_history=national,
        hte=hte_thresholds(),
        target_value=scenario.target.value,
    )


@cache
def gdp_series() -> tuple[tuple[int, float], ...]:
    """Shanxi GDP 2011-2020 (100m yuan): published where given, else R&D / first-published intensity."""
    gdp = series("gdp_implied")
    gdp.update(series("gdp"))
    rd = series("rd_expenditure")
    for year, intensity in series("rd_intensity_first_published").items():
        gdp.setdefault(year, rd[year] / intensity * 100.0)
    return tuple(sorted(gdp.items()))


def _log_interpolate(points: dict[int, float], year: int) -> float:
    """Log-linear interpolation (and extrapolation from the nearest two) of a sparse series."""
    years = np.array(sorted(points))
    logs = np.log([points[y] for y in years])
    if year in points:
        return points[year]
    if year < years[0]:
        y0, y1 = years[0], years[1]
    elif year > years[-1]:
        y0, y1 = years[-2], years[-1]
    else:
        return float(np.exp(np.interp(year, years, logs)))
    slope = (np.log(points[y1]) - np.log(points[y0])) / (y1 - y0)
    return float(np.exp(np.log(points[y0]) + slope * (year - y0)))


@cache
def base_year(year: int) -> BaseYear:
    """Initial conditions of a base year from the history (performer shares before 2017: SX17's)."""
    if year > LAST_HISTORY_YEAR:
        raise ValueError(f"base year {year} is after the last history year {LAST_HISTORY_YEAR}")
    rd_total = series("rd_expenditure")[year]
    performers = {}
    share_year = max((y for y in series("rd_by_enterprises") if y <= year), default=2017)
    for key in ("enterprises", "government_institutes", "higher_education"):
        performers[key] = series(f"rd_by_{key}")[share_year] / series("rd_expenditure")[share_year] * rd_total
    performers["other"] = rd_total - sum(performers.values())
    sources = {
        "government": series("rd_funded_by_government")[year],
        "enterprises": series("rd_funded_by_enterprises")[year],
    }
    sources["other"] = rd_total - sources["government"] - sources["enterprises"]
    performers_series = series("above_scale_industrial_firms_with_rd")
    tech = series("tech_contracts_bought")
    return BaseYear(
        year=year,
        gdp=dict(gdp_series())[year],
        rd_total=rd_total,
        rd_by_performer=performers,
        rd_by_source=sources,
        industrial_rd_performers=_log_interpolate(performers_series, year),
        tech_bought=_log_interpolate(tech, year),
        rd_personnel_fte=series("rd_personnel_fte")[year],
    )


@cache
def hte_thresholds() -> HteThresholds:
    """The HTE recognition thresholds in force (policy.csv)."""
    policy = pd.read_csv(data_path("policy.csv"))
    value = {row.lever: float(row.value) for row in policy.itertuples() if row.scope == "china"}
    return HteThresholds(
        small=value["high_tech_enterprise_rd_intensity_threshold_small"],
        medium=value["high_tech_enterprise_rd_intensity_threshold_medium"],
        large=value["high_tech_enterprise_rd_intensity_threshold_large"],
    )


@cache
def sectors() -> pd.DataFrame:
    """The 14 clusters and the non-cluster economy with their (assumed) characteristics."""
    return pd.read_csv(data_path("sectors.csv"), comment="#")


__all__ = ["ModelInputs", "BaseYear", "HteThresholds", "resolve", "sectors", "history",
           "CORPORATE_INCOME_TAX_RATE", "ABOVE_SCALE_REVENUE"]
