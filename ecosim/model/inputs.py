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
from ecosim.scenario import Budget, Scenario

CORPORATE_INCOME_TAX_RATE = 0.25
"""Statutory rate, share of profit (policy.csv: Enterprise Income Tax Law art.4)."""
HTE_CERTIFICATE_YEARS = 3
"""Years an HTE certificate is valid (Measures for the Administration of HTE Recognition, Guokefahuo [2016] No. 32)."""
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
    small_before_2016: float = 0.06
    """Threshold for small firms under the 2008 recognition measures (Guokefahuo [2008] No.172, art.10),
    in force until the 2016 measures (Guokefahuo [2016] No.32) lowered it to the ``small`` value."""
    rules_changed: int = 2016

    def for_revenue(self, revenue: np.ndarray, year: int) -> np.ndarray:
        """Threshold R&D/revenue for each firm's revenue (m yuan) under the rules of ``year``."""
        band = (revenue > self.small_max_revenue).view(np.int8) + (revenue > self.medium_max_revenue).view(np.int8)
        small = self.small if year >= self.rules_changed else self.small_before_2016
        return np.take(np.array([small, self.medium, self.large]), band)


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
    hte_stock: float
    """Firms holding a valid HTE certificate: the recorded stock (2011, 2012) or the sum of the last
    three years' recognition lists (a certificate lasts three years; 2020), log-interpolated between."""
    government_rd: float
    """R&D funded by government, 100m yuan."""
    industrial_rd_share: float
    """Above-scale industrial firms' share of enterprise-performed R&D: 156.2 / 176.2 in 2020 (SX20),
    138.1 / 156.7 in 2019, 107 / 106.5 in 2012 (IP12; capped at 0.95, as the 2012 performer split is
    the 2016 one), linearly interpolated and held flat outside."""
    coal_share_of_industrial_rd: float = 0.34
    """Mining's share of above-scale industrial R&D: 36.4 of 107 (100m yuan) in 2012 (IP12), the only
    year split; held for every base year (an assumption)."""


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
    coal_history: dict[int, float]
    """Recorded coal price (Qinhuangdao, US$/t) from 2005 to the last year the run knows."""
    government_rd: dict[int, float]
    """Recorded R&D funded by government up to the last year the run knows, 100m yuan."""
    history_until: int
    """The last year whose recorded GDP, coal price, national intensity and government R&D money the run uses."""
    enterprise_rd_2020: float
    """Enterprise-performed R&D in 2020 (SX20), 100m yuan: the year the finance assumptions refer to."""
    hte: HteThresholds
    target_value: float | str
    policy_start_year: int = LAST_HISTORY_YEAR + 1
    """The first year the scenario's levers (and the S&T budget's limit on them) apply."""
    budget: Budget = Budget()
    """The S&T budget path after its record and its shortfall rule (scenario ``[budget]``)."""
    budget_history: dict[int, float] | None = None
    """Recorded provincial S&T budget expenditure up to ``history_until`` (FIN), 100m yuan."""


def resolve(scenario: Scenario, assumptions: dict[str, float] | None = None) -> ModelInputs:
    """Resolve a scenario (and optional assumption values overriding it) into model inputs."""
    values = defaults()
    values.update(scenario.assumptions)
    for name, value in (assumptions or {}).items():
        if name not in ASSUMPTIONS:
            raise KeyError(f"unknown assumption {name!r}")
        values[name] = float(value)
    known = scenario.history_until
    gdp = {y: v for y, v in gdp_series() if y <= known}
    gdp.update(scenario.gdp_path)
    national = {y: v for y, v in recorded("rd_intensity_first_published", "china") if y <= known}
    national.update(scenario.national_path)
    coal = {y: v for y, v in coal_prices() if y <= known}
    return ModelInputs(
        years=scenario.years,
        levers={name: scenario.lever_path(name) for name in LEVERS},
        assumptions=values,
        base=base_year(scenario.base_year),
        gdp_history=gdp,
        national_history=national,
        coal_history=coal,
        government_rd={y: v for y, v in recorded("rd_funded_by_government") if y <= known},
        history_until=known,
        enterprise_rd_2020=dict(recorded("rd_by_enterprises"))[LAST_HISTORY_YEAR],
        hte=hte_thresholds(),
        target_value=scenario.target.value,
        policy_start_year=scenario.policy_start_year,
        budget=scenario.budget,
        budget_history={y: v for y, v in recorded("general_budget_science_technology") if y <= known},
    )


@cache
def recorded(variable: str, region: str = "shanxi") -> tuple[tuple[int, float], ...]:
    """One variable of the history as (year, value) pairs, read once per process: ``resolve`` runs
    for every replication that draws its parameters, and filtering the history table each time
    cost more than a tenth of a run."""
    return tuple(series(variable, region).items())


@cache
def coal_prices() -> tuple[tuple[int, float], ...]:
    """The recorded coal price 2005-2020, US$/t (ecosim/data/coal_price.csv)."""
    table = pd.read_csv(data_path("coal_price.csv"), comment="#")
    return tuple((int(y), float(v)) for y, v in zip(table["year"], table["price_usd_per_tonne"]))


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
    """Initial conditions of a base year from the history (performer shares before 2016: the 2016 split)."""
    if year > LAST_HISTORY_YEAR:
        raise ValueError(f"base year {year} is after the last history year {LAST_HISTORY_YEAR}")
    rd_total = series("rd_expenditure")[year]
    performers = {}
    share_year = max((y for y in series("rd_by_enterprises") if y <= year), default=min(series("rd_by_enterprises")))
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
        hte_stock=_log_interpolate(hte_stocks(), year),
        government_rd=series("rd_funded_by_government")[year],
        industrial_rd_share=industrial_rd_share(year),
    )


def industrial_rd_share(year: int) -> float:
    """Above-scale industry's share of enterprise R&D in ``year`` (see ``BaseYear.industrial_rd_share``)."""
    industrial = series("above_scale_industrial_rd")
    points = {}
    for y, v in sorted(industrial.items()):
        enterprise = _performer_rd("enterprises", y)
        points[y] = min(v / enterprise, 0.95)
    years = sorted(points)
    return float(np.interp(year, years, [points[y] for y in years]))


def _performer_rd(performer: str, year: int) -> float:
    """R&D performed by ``performer`` in ``year``: recorded, or the nearest recorded split times total R&D."""
    recorded = series(f"rd_by_{performer}")
    if year in recorded:
        return recorded[year]
    nearest = min(recorded, key=lambda y: abs(y - year))
    return recorded[nearest] / series("rd_expenditure")[nearest] * series("rd_expenditure")[year]


@cache
def hte_stocks() -> dict[int, float]:
    """Recorded HTE stocks: the stock series (H11, H12) and, where three consecutive recognition
    lists are known (INNO 2018-2020), their sum."""
    stocks = dict(series("high_tech_enterprises"))
    lists = series("high_tech_enterprises_recognised_in_year")
    for year in lists:
        if all(y in lists for y in (year - 2, year - 1)):
            stocks[year] = lists[year - 2] + lists[year - 1] + lists[year]
    return stocks


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
