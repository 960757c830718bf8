"""Backtest the model: its forecast of years it did not see, run through :mod:`ecosim.explore` and
scored by :mod:`ecosim.analysis.backtest` against the actuals and naive forecasts; the files are
:mod:`ecosim.outputs.backtest`'s, written when the caller asks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecosim.analysis.backtest import (CONDITIONS, ORIGIN_CONDITIONS, BacktestResult, OriginBacktest, known, score_backtest,
                                      score_origin, split_known)
from ecosim.analysis.calibration import CalibrationResult
from ecosim.api.calibration import calibrate
from ecosim.api.forecast import forecast
from ecosim.data import Region, load_region
from ecosim.data.actuals import ActualsError, read_actuals
from ecosim.explore.backtest import backtest_scenario, origin_runs
from ecosim.explore.calibration import CalibrationConfig
from ecosim.scenario import Scenario, ScenarioError, load_scenario

DEFAULT_SCENARIO = "actual-2021-2024"
ORIGIN_OFFSET = 2
"""The first rolling origin lies this many years after the region's first base year (two years of targets)."""
ORIGIN_SEED = 20210511
"""The root seed of a rolling origin's forecast unless one is given."""


def backtest(actuals: pd.DataFrame | str | Path, scenario: Scenario | str | Path | None = None,
             replications: int = 200, condition_on: str | None = None, seed: int | None = None,
             region: str | Path | Region | None = None) -> BacktestResult:
    """Forecast the years of ``actuals`` and score the model against them and two naive forecasts
    (``region`` replaces the scenario's region)."""
    if condition_on not in (None, *CONDITIONS):
        raise ValueError(f"condition_on must be one of {', '.join(CONDITIONS)} or None, got {condition_on!r}")
    table, source = read_actuals(actuals)
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, region=region)
    elif region is not None:
        scenario = scenario.with_changes({"region": region})
    if scenario.base_year < scenario.region.last_year:
        raise ActualsError(source, f"the scenario {scenario.name!r} starts from {scenario.base_year}, but the record of "
                                   f"{scenario.region.name()} reaches {scenario.region.last_year}: actuals are scored "
                                   "from a forecast made at the end of the record; give a scenario that starts from "
                                   "it (base_year = \"latest\", e.g. --scenario baseline), or score the years inside "
                                   "the record with --origin")
    usable, skipped = split_known(table, scenario.region)
    if usable.empty:
        raise ActualsError(source, f"no known variable in a year after {scenario.region.last_year}; known are "
                                   + ", ".join(f"{r}/{v}" for r, v in known(scenario.region)))
    horizon = int(usable["year"].max())
    run = backtest_scenario(scenario, horizon, usable, condition_on)
    result = forecast(run, replications, seed)
    return score_backtest(result, scenario, usable, skipped, condition_on, source)


def backtest_origin(origin: int, calibration: CalibrationResult, scenario: Scenario | str = "baseline", replications: int = 200,
                    condition_on: tuple[str, ...] = (), seed: int = 20210511,
                    region: str | Path | Region | None = None) -> OriginBacktest:
    """Forecast the years after ``origin`` to the region's last recorded year from a calibration that
    saw data up to the origin only (``calibration.last_year`` must be the origin), each replication
    with its own posterior draw, and score it against the recorded history and the naive forecasts
    (``region`` replaces the scenario's region; default: the calibration's region)."""
    if calibration.last_year != origin:
        raise ValueError(f"the calibration saw data up to {calibration.last_year}, not the origin {origin}")
    unknown = set(condition_on) - set(ORIGIN_CONDITIONS)
    if unknown:
        raise ValueError(f"condition_on: unknown {sorted(unknown)}; allowed are {', '.join(ORIGIN_CONDITIONS)}")
    bundle = calibration.region if region is None else region
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, region=bundle)
    if not scenario.region.first_base_year <= origin < scenario.region.last_year:
        raise ValueError(f"origin {origin} must lie inside the region's record with a year after it: "
                         f"{scenario.region.first_base_year} to {scenario.region.last_year - 1}")
    posterior = calibration.posterior[list(calibration.config.parameters)].reset_index(drop=True)
    # what the calibration at the origin did not estimate takes the uncalibrated defaults, as in its fit:
    # the bundle's own calibration may have seen the years after the origin
    base = {**scenario.region.uncalibrated_defaults(), **scenario.assumptions, **calibration.estimates}
    years = origin_runs(scenario, origin, base, posterior, replications, condition_on, seed)
    return score_origin(origin, scenario.region, years, condition_on, calibration.config.source)


def check_origin(region: Region, origin: int, condition_on: tuple[str, ...] = ()) -> None:
    """Refuse (ScenarioError naming the option) an origin outside the region's record, with at least
    :data:`ORIGIN_OFFSET` years of targets before it and a year after it, or an unknown conditioned path."""
    first, last = region.first_base_year + ORIGIN_OFFSET, region.last_year - 1
    if not first <= origin <= last:
        raise ScenarioError(region.ref, "--origin", f"must be a whole year from {first} to {last} (the record of "
                            f"{region.name()} runs {region.first_base_year}-{region.last_year}), got {origin}")
    unknown = [c for c in condition_on if c not in ORIGIN_CONDITIONS]
    if unknown:
        raise ScenarioError(region.ref, "--condition-on", f"unknown {', '.join(unknown)}; allowed are "
                            f"{', '.join(ORIGIN_CONDITIONS)} (comma-separated)")


def rolling_origin(origin: int, config: CalibrationConfig | None = None,
                   conditions: tuple[tuple[str, ...], ...] = ((),), scenario: Scenario | str = "baseline",
                   replications: int = 200, seed: int = ORIGIN_SEED, region: str | Path | None = None,
                   dask: str | bool | None = None) -> list[OriginBacktest]:
    """A rolling origin: recalibrate on the region's record up to ``origin`` (``config``, default the
    shipped calibration's), then forecast to its last recorded year and score the forecast once for
    each set of ``conditions`` (``()``: unconditional; ``("gdp", "coal")``: the recorded paths given),
    all from the one calibration. The origin and conditions are checked before anything runs."""
    bundle = load_region(region)
    for condition_on in conditions:
        check_origin(bundle, origin, condition_on)
    calibration = calibrate(config or CalibrationConfig.load(None, region=region), last_year=origin, dask=dask)
    return [backtest_origin(origin, calibration, scenario, replications, condition_on, seed, region=region)
            for condition_on in conditions]

