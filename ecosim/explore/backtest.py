"""The runs of a backtest (:mod:`ecosim.analysis.backtest` scores them): the scenario of a forecast
scored against actuals, and the forecast from a rolling origin inside the region's record under the
recorded policy, each replication with its own posterior draw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ecosim.explore.calibration import forecast_from
from ecosim.explore.runs import run_seed
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario


def backtest_scenario(scenario: Scenario, horizon: int, actuals: pd.DataFrame | None = None,
                      condition_on: str | None = None) -> Scenario:
    """The scenario cut to ``horizon`` (schedules and paths after it dropped, target year moved into
    it), optionally with the actual GDP and national intensity as its paths."""
    raw = scenario.until(horizon).to_dict()
    if condition_on == "gdp" and actuals is not None:
        region = scenario.region
        gdp = {}
        for variable in ("gdp_implied", "gdp"):  # gdp wins over gdp_implied
            rows = actuals[(actuals["region"] == region.key) & (actuals["variable"] == variable)]
            gdp.update({str(int(y)): float(v) for y, v in zip(rows["year"], rows["value"])})
        rows = actuals[(actuals["region"] == region.benchmark)
                       & (actuals["variable"] == "rd_intensity_first_published")]
        national = {str(int(y)): float(v) for y, v in zip(rows["year"], rows["value"])}
        raw["gdp_path"] = {**raw.get("gdp_path", {}), **gdp}
        raw["national_path"] = {**raw.get("national_path", {}), **national}
    source = scenario.source if scenario.source.endswith(" (backtest)") else scenario.source + " (backtest)"
    return Scenario.from_dict(raw, source)


# --- rolling origins inside the history ---------------------------------------------------------


def recorded_policy(scenario: Scenario, origin: int, until: int) -> Scenario:
    """A forecast from ``origin`` to ``until`` under the recorded policy only (the region's
    policy_history.csv; after its last year the last values hold): the scenario's own lever schedules
    are dropped, so a schedule that starts before the origin cannot clash with it."""
    raw = scenario.to_dict()
    raw["levers"] = {}
    raw["policy_start_year"] = until + 1
    return forecast_from(Scenario.from_dict(raw, scenario.source), origin, until)


def origin_inputs(scenario: Scenario, origin: int, assumptions: dict[str, float],
                  condition_on: tuple[str, ...] = ()):
    """Model inputs of a forecast from ``origin``: base year ``origin``, recorded policy, GDP and coal
    price known up to the origin only, unless conditioned on (then the recorded path to the region's
    last recorded year)."""
    region = scenario.region
    inputs = resolve(recorded_policy(scenario, origin, region.last_year), assumptions)
    if "gdp" in condition_on:
        inputs = replace(inputs, gdp_history=dict(region.gdp))
    if "coal" in condition_on:
        inputs = replace(inputs, coal_history=dict(region.coal))
    return inputs


def origin_runs(scenario: Scenario, origin: int, assumptions: dict[str, float], posterior: pd.DataFrame,
                replications: int, condition_on: Sequence[str] = (), seed: int = 20210511) -> pd.DataFrame:
    """The yearly tables of ``replications`` forecasts from ``origin`` (:func:`origin_inputs`), stacked
    with a ``replication`` column: replication ``r`` runs seed ``run_seed(seed, 0, r)`` with a row of
    ``posterior`` (parameter values, index 0..n-1) the seed picks, over ``assumptions``."""
    tables = []
    for r in range(replications):
        run = run_seed(seed, 0, r)
        pick = np.random.default_rng(np.random.SeedSequence(run.entropy, spawn_key=(*run.spawn_key, 1_000_000)))
        draw = posterior.iloc[int(pick.integers(len(posterior)))].to_dict()
        table = simulate(origin_inputs(scenario, origin, {**assumptions, **draw}, condition_on), run)
        table.insert(0, "replication", r)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
