"""What one run needs, resolved from a scenario: lever paths, assumption values, data.

Everything here is computed once per (scenario, assumptions) and is read-only during a run.
Base-year initial conditions and the recorded paths come from the scenario's region bundle
(:class:`ecosim.data.Region`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecosim.data import BaseRecord, Region
from ecosim.data.bundle import LOG_ODDS_SERIES
from ecosim.levers import LEVERS
from ecosim.scenario import Budget, Scenario

CORPORATE_INCOME_TAX_RATE = 0.25
"""Statutory rate, share of profit (policy.csv: Enterprise Income Tax Law art.4)."""
HTE_CERTIFICATE_YEARS = 3
"""Years an HTE certificate is valid (Measures for the Administration of HTE Recognition, Guokefahuo [2016] No. 32)."""
NATIONAL_PARTICIPATION = LOG_ODDS_SERIES[0]
"""The benchmark area's series whose log-odds carry the common trend in firms' R&D participation."""
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
    """The year the 2016 recognition measures (Guokefahuo [2016] No.32) took effect: from it small
    firms' threshold is ``small``, before it ``small_before_2016``."""

    def for_revenue(self, revenue: np.ndarray, year: int) -> np.ndarray:
        """Threshold R&D/revenue for each firm's revenue (m yuan) under the rules of ``year``."""
        band = (revenue > self.small_max_revenue).view(np.int8) + (revenue > self.medium_max_revenue).view(np.int8)
        small = self.small if year >= self.rules_changed else self.small_before_2016
        return np.take(np.array([small, self.medium, self.large]), band)


@dataclass(frozen=True)
class ModelInputs:
    """A scenario resolved to numbers: the only thing a run reads besides its seed."""

    years: np.ndarray
    levers: dict[str, np.ndarray]
    """Each lever's value in each simulated year."""
    assumptions: dict[str, float]
    base: BaseRecord
    gdp_history: dict[int, float]
    """The region's GDP by year up to ``history_until`` plus any scenario gdp_path; 100m yuan."""
    national_history: dict[int, float]
    """The benchmark's first-published R&D intensity up to ``history_until`` plus any scenario
    national_path; percent."""
    coal_history: dict[int, float]
    """Recorded coal price (Qinhuangdao, US$/t) from 2005 to the last year the run knows."""
    government_rd: dict[int, float]
    """Recorded R&D funded by government up to the last year the run knows, 100m yuan."""
    history_until: int
    """The last year whose recorded GDP, coal price, national intensity and government R&D money the run uses."""
    enterprise_rd_reference: float
    """Enterprise-performed R&D in the region's reference year (region.toml ``reference_year``, the year
    the finance assumptions describe), 100m yuan."""
    hte: HteThresholds
    target_value: float | str
    policy_start_year: int
    """The first year the scenario's levers (and the S&T budget's limit on them) apply."""
    budget: Budget = Budget()
    """The S&T budget path after its record and its shortfall rule (scenario ``[budget]``)."""
    budget_history: dict[int, float] | None = None
    """Recorded S&T budget expenditure of the region up to ``history_until`` (FIN), 100m yuan."""
    region: Region | None = None
    """The region bundle the inputs come from (its sectors.csv is read by the firm population)."""
    firms_per_agent: int = 1
    """Firms each firm agent stands for (the population scale, scenario ``firms_per_agent``)."""
    participation_trend: np.ndarray | None = None
    """Per simulated year, the change since the base year in the log-odds of the benchmark area's share
    of industrial firms doing R&D (:func:`participation_trend`); None: no common trend."""


def resolve(scenario: Scenario, assumptions: dict[str, float] | None = None) -> ModelInputs:
    """Resolve a scenario (and optional assumption values overriding it) into model inputs."""
    region = scenario.region
    values = region.defaults()
    values.update(scenario.assumptions)
    for name, value in (assumptions or {}).items():
        if name not in values:
            raise KeyError(f"unknown assumption {name!r}")
        values[name] = float(value)
    known = scenario.history_until
    gdp = {y: v for y, v in region.gdp.items() if y <= known}
    gdp.update(scenario.gdp_path)
    national = {y: v for y, v in region.benchmark_series("rd_intensity_first_published").items() if y <= known}
    national.update(scenario.national_path)
    coal = {y: v for y, v in region.coal if y <= known}
    return ModelInputs(
        years=scenario.years,
        levers={name: scenario.lever_path(name) for name in LEVERS},
        assumptions=values,
        base=region.base_record(scenario.base_year),
        gdp_history=gdp,
        national_history=national,
        coal_history=coal,
        government_rd={y: v for y, v in region.series("rd_funded_by_government").items() if y <= known},
        history_until=known,
        enterprise_rd_reference=enterprise_rd(region, region.reference_year),
        hte=hte_thresholds(region),
        target_value=scenario.target.value,
        policy_start_year=scenario.policy_start_year,
        budget=scenario.budget,
        budget_history=budget_history(region, scenario),
        region=region,
        firms_per_agent=scenario.firms_per_agent,
        participation_trend=participation_trend(region, scenario.years, scenario.base_year, known),
    )


def participation_trend(region: Region, years: np.ndarray, base_year: int, known: int) -> np.ndarray | None:
    """The common trend in industrial firms' participation in R&D: for each year, logit(s_y) - logit(s_base),
    where s is the benchmark area's share of above-scale industrial firms doing R&D (history.csv
    ``share_industrial_firms_with_rd``, percent) in the latest recorded year up to the year and up to
    ``known`` (the last year the run knows: after it the share is held, so a forecast assumes no further
    common trend), the earliest recorded one before the record. None when the bundle has no such series."""
    recorded = {y: v for y, v in region.benchmark_series(NATIONAL_PARTICIPATION).items() if y <= known}
    if not recorded:
        return None
    first = min(recorded)

    def log_odds(year: int) -> float:
        share = recorded[max((y for y in recorded if y <= year), default=first)] / 100.0
        return float(np.log(share / (1.0 - share)))

    base = log_odds(base_year)
    return np.array([log_odds(int(y)) - base for y in years])


def budget_history(region: Region, scenario: Scenario) -> dict[int, float]:
    """The recorded S&T budget up to ``history_until``, 100m yuan; a base year without a record gets
    the budget its record carries forward (``BaseRecord.science_budget``)."""
    recorded = {y: v for y, v in region.series("general_budget_science_technology").items()
                if y <= scenario.history_until}
    recorded.setdefault(scenario.base_year, region.base_record(scenario.base_year).science_budget)
    return recorded


def enterprise_rd(region: Region, year: int) -> float:
    """Enterprise-performed R&D in ``year`` (100m yuan): recorded, else that of the nearest base year's record."""
    recorded = region.series("rd_by_enterprises")
    if year in recorded:
        return recorded[year]
    nearest = min(max(year, region.first_base_year), region.last_year)
    return region.base_record(nearest).rd_by_performer["enterprises"]


def hte_thresholds(region: Region) -> HteThresholds:
    """The HTE recognition thresholds in force (the bundle's policy.csv)."""
    value = region.hte_thresholds
    return HteThresholds(small=value["small"], medium=value["medium"], large=value["large"])


__all__ = ["ModelInputs", "HteThresholds", "resolve", "CORPORATE_INCOME_TAX_RATE", "ABOVE_SCALE_REVENUE"]
