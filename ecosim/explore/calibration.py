"""The runs of the calibration by ABC (:mod:`ecosim.analysis.calibration` reads them): the config and
its TOML file, the scenarios over the calibration window and of a forecast from an origin, the
quasi-random parameter draws and their runs on the executors, and the runs of the fit and of the
model error's estimate.

Draws come from a scrambled Sobol sequence (scipy.stats.qmc) over the ranges; each draw runs the
same few seeds (common random numbers), so the draws' moments are bit-reproducible whatever the
number of workers.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ecosim.assumptions import ASSUMPTIONS
from ecosim.explore.executors import make_executor, map_in_order
from ecosim.explore.runs import run_seed
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario, ScenarioError, load_scenario

DEFAULT_PARAMETERS = (
    "rd_catch_up_rate", "rd_adjustment_speed", "rd_user_cost_elasticity", "rd_cash_flow_elasticity",
    "rd_liquidity_comfort", "rd_budget_smoothing", "coal_margin_sensitivity", "coal_firm_elasticity",
    "participation_cost_sensitivity", "participation_shock_sd", "participation_national_weight",
    "spillover_strength", "hte_application_success", "hte_cultivated_success", "n_tech_smes",
    "tech_sme_rd_performer_share",
    "tech_ratio_plateau", "tech_ratio_adjustment", "government_rd_firm_share",
)
"""Behavioural assumptions the data cannot pin directly."""


@dataclass
class CalibrationConfig:
    """What to estimate, against what, with how much effort. Read from a TOML file."""

    name: str = "calibration"
    scenario: str = "baseline"
    region: str | None = None
    """The region bundle calibrated (a built-in name or a folder; None: the scenario's region)."""
    seed: int = 2020
    draws: int = 1024
    replications: int = 3
    accept: float = 0.04
    workers: int = 0
    """0: all cores."""
    error_replications: int = 300
    """Seeds over which the first forecast year's spread of R&D growth is measured when the model's
    error is estimated (one simulated year each; a spread from n draws is uncertain by about
    1/sqrt(2n): 4% at 300)."""
    parameters: dict[str, tuple[float, float]] = field(default_factory=dict)
    source: str = "<defaults>"

    @classmethod
    def load(cls, path: str | Path | None, region: str | Path | None = None) -> "CalibrationConfig":
        """Read and validate a calibration config; without a path, the defaults over DEFAULT_PARAMETERS.
        ``region`` (a built-in name or a bundle folder) is the region calibrated."""
        if path is None:
            return cls(region=None if region is None else str(region),
                       parameters={n: (ASSUMPTIONS[n].low, ASSUMPTIONS[n].high) for n in DEFAULT_PARAMETERS})
        source = str(path)
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError(source, "(file)", "no such file") from None
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(source, "(syntax)", f"not valid TOML: {error}") from None
        allowed = {"name", "scenario", "seed", "draws", "replications", "accept", "workers", "error_replications",
                   "parameters"}
        for key in raw:
            if key not in allowed:
                raise ScenarioError(source, key, f"unknown field; allowed fields are {', '.join(sorted(allowed))}")
        config = cls(source=source, region=None if region is None else str(region))
        for key, low, high in (("seed", 0, 2**63 - 1), ("draws", 8, 10**6), ("replications", 1, 1000),
                               ("workers", 0, 1024), ("error_replications", 20, 100_000)):
            value = raw.get(key, getattr(config, key))
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ScenarioError(source, key, f"must be a whole number from {low} to {high}, got {value!r}")
            setattr(config, key, value)
        accept = raw.get("accept", config.accept)
        if isinstance(accept, bool) or not isinstance(accept, int | float) or not 0 < accept <= 1:
            raise ScenarioError(source, "accept", f"must be a share above 0 and at most 1, got {accept!r}")
        config.accept = float(accept)
        for key in ("name", "scenario"):
            value = raw.get(key, getattr(config, key))
            if not isinstance(value, str):
                raise ScenarioError(source, key, f"must be a text, got {value!r}")
            setattr(config, key, value)
        config.parameters = _parameter_ranges(raw.get("parameters", {n: {} for n in DEFAULT_PARAMETERS}), source)
        return config


def _parameter_ranges(raw: dict, source: str) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError(source, "parameters", "must be a non-empty table {assumption = {low, high}}")
    ranges = {}
    for name, spec in raw.items():
        if name not in ASSUMPTIONS:
            raise ScenarioError(source, f"parameters.{name}", "unknown assumption; see `ecosim assumptions`")
        a = ASSUMPTIONS[name]
        spec = spec if isinstance(spec, dict) else {}
        low, high = spec.get("low", a.low), spec.get("high", a.high)
        if not (a.low <= low < high <= a.high):
            raise ScenarioError(source, f"parameters.{name}",
                                f"range must lie within the assumption's range {a.low:g} to {a.high:g} "
                                f"({a.unit}) with low < high, got {low!r} to {high!r}")
        ranges[name] = (float(low), float(high))
    return ranges


# --- the scenarios ----------------------------------------------------------------------------


def config_scenario(config: "CalibrationConfig") -> Scenario:
    """The config's scenario on the config's region (or the region the scenario names)."""
    return load_scenario(config.scenario, region=config.region)


def history_scenario(config: "CalibrationConfig", last_year: int | None = None) -> Scenario:
    """The scenario over the calibration window: the region's first base year to ``last_year``
    (default: its last recorded year), policy as recorded, the recorded GDP and coal price up to
    ``last_year``, no parameter draws."""
    scenario = config_scenario(config)
    region = scenario.region
    last_year = region.last_year if last_year is None else last_year
    scenario = scenario.with_changes({"base_year": region.first_base_year, "parameter_uncertainty": False,
                                      "policy_start_year": last_year + 1})
    return scenario.until(last_year).with_changes({"history_until": last_year})


def forecast_from(scenario: Scenario, origin: int, until: int) -> Scenario:
    """A forecast from ``origin`` to ``until``: base year ``origin``, the history known up to it only,
    the scenario's policy from its policy start year (when the scenario left that to its default: the
    year after the region's record, so the recorded policy runs to its end), no parameter draws (each
    caller draws its own)."""
    start = scenario.region.last_year + 1 if "policy_start_year" in scenario.derived else scenario.policy_start_year
    scenario = scenario.with_changes({"base_year": origin, "parameter_uncertainty": False,
                                      "policy_start_year": max(start, origin + 1)}).until(until)
    return scenario.with_changes({"history_until": origin})


def _forecast_scenario(config: "CalibrationConfig", last_year: int) -> Scenario:
    """The first year of a forecast from the last calibration year (as a rolling origin's forecast
    and ``ecosim run`` from the region's last year start)."""
    return forecast_from(config_scenario(config), last_year, last_year + 1)


# --- the draws and their runs -------------------------------------------------------------------


def parameter_draws(config: CalibrationConfig) -> np.ndarray:
    """``config.draws`` parameter vectors (one row each, columns in the order of ``config.parameters``)
    from a scrambled Sobol sequence seeded with ``config.seed``, scaled to the ranges."""
    names = list(config.parameters)
    lows = np.array([config.parameters[n][0] for n in names])
    highs = np.array([config.parameters[n][1] for n in names])
    unit = qmc.Sobol(len(names), scramble=True, seed=config.seed).random(config.draws)
    return qmc.scale(unit, lows, highs)


def _evaluate(job: tuple) -> np.ndarray:
    """Mean simulated moments of one parameter vector over the common seeds (runs in a worker)."""
    scenario, names, values, seeds, targets, estimates = job
    assumptions = scenario.region.uncalibrated_defaults()
    assumptions.update(estimates)
    assumptions.update({n: (round(v) if ASSUMPTIONS[n].integer else v) for n, v in zip(names, values)})
    inputs = resolve(scenario, assumptions)
    moments = np.zeros(len(targets))
    for seed in seeds:
        table = simulate(inputs, seed)
        moments += [t.model_value(table) for t in targets]
    return moments / len(seeds)


def run_draws(config: CalibrationConfig, scenario: Scenario, values: np.ndarray, targets: Sequence,
              estimates: dict[str, float], progress: Callable[[int, int], None] | None = None,
              dask: str | bool | None = None) -> np.ndarray:
    """The mean simulated moments of each draw (rows of ``values``), one row per draw and one column per
    target (each target's ``model_value`` of a run's yearly table), over ``config.replications`` common
    seeds, on ``config.workers`` local processes (0: all cores) or with ``dask``; ``progress(done,
    total)`` as each chunk of draws ends."""
    names = list(config.parameters)
    seeds = [run_seed(config.seed, 0, r) for r in range(config.replications)]
    jobs = [(scenario, names, row, seeds, targets, estimates) for row in values]
    with make_executor(config.workers or None, dask) as executor:
        # every draw runs the same seeds, so the chunking (which depends on the workers) changes no number
        size = max(1, len(jobs) // (executor.workers * 8))
        moments = map_in_order(executor, _evaluate, jobs, size, progress or None)
    return np.array(moments)


# --- the runs of the fit and of the model error -------------------------------------------------


def fit_runs(config: CalibrationConfig, last_year: int, assumptions: dict[str, float],
             draws: Sequence[dict[str, float]]) -> list[pd.DataFrame]:
    """The yearly tables of the fit over the calibration window to ``last_year``: replication ``r``
    with its own seed (``run_seed(config.seed + 1, 0, r)``) and its own parameter vector ``draws[r]``
    over ``assumptions``."""
    scenario = history_scenario(config, last_year)
    return [simulate(resolve(scenario, {**assumptions, **draw}), run_seed(config.seed + 1, 0, r))
            for r, draw in enumerate(draws)]


def history_runs(config: CalibrationConfig, last_year: int, assumptions: dict[str, float],
                 replications: int) -> list[pd.DataFrame]:
    """The yearly tables of ``replications`` runs over the calibration window to ``last_year`` at
    ``assumptions`` (seeds ``run_seed(config.seed + 2, 0, r)``): the model's path the residuals are
    measured against."""
    inputs = resolve(history_scenario(config, last_year), assumptions)
    seeds = [run_seed(config.seed + 2, 0, r) for r in range(replications)]
    return [simulate(inputs, seed) for seed in seeds]


def first_year_runs(config: CalibrationConfig, last_year: int, assumptions: dict[str, float],
                    draws: Sequence[dict[str, float]], shock_sd: float) -> list[pd.DataFrame]:
    """The yearly tables of the forecast from ``last_year`` to the year after it, one per replication
    of ``config.error_replications`` (seeds ``run_seed(config.seed + 3, 0, r)``), each with its own
    parameter vector ``draws[r]`` over ``assumptions`` and the common R&D shock's sd ``shock_sd``."""
    forecast = _forecast_scenario(config, last_year)
    seeds = [run_seed(config.seed + 3, 0, r) for r in range(config.error_replications)]
    return [simulate(resolve(forecast, {**assumptions, **draw, "rd_common_shock_sd": shock_sd}), seed)
            for seed, draw in zip(seeds, draws)]
