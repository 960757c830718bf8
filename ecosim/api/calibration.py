"""Calibrate the behavioural assumptions to a region's record by ABC: the draws run through
:mod:`ecosim.explore.calibration` and are read by the statistics of :mod:`ecosim.analysis.calibration`;
:mod:`ecosim.outputs.calibration` writes the files when the caller asks."""

from __future__ import annotations

import time

import pandas as pd

from ecosim.analysis.calibration import (SHOCK_CORRECTIONS, SHOCK_PROBE_SD, CalibrationResult, Target,
                                         accepted_draws, corrected_shock_sd, distances, error_target,
                                         first_shock_sd, fit_table, growth_spread, history_targets,
                                         shock_settled)
from ecosim.data.estimates import data_estimates
from ecosim.explore.calibration import (CalibrationConfig, first_year_runs, fit_runs, history_runs,
                                        history_scenario, parameter_draws, run_draws)


def calibrate(config: CalibrationConfig | None = None, progress=None,
              targets: list[Target] | None = None, last_year: int | None = None, *,
              dask: str | bool | None = None) -> CalibrationResult:
    """Run the ABC calibration on the region's history up to ``last_year`` (default: its last recorded
    year; against ``targets``, default: the history's), then estimate the model error from its
    residuals. The same config gives the same draws, distances and estimates, whatever the executor
    and the number of workers.

    The draws run on the executors batches use: ``config.workers`` local processes (0: all cores;
    1: in this process), or with ``dask`` (``True``/``"local"``: a dask.distributed LocalCluster of
    ``config.workers`` processes; else a scheduler address such as ``"tcp://10.0.0.1:8786"``).
    ``progress(done, total)`` is called as each chunk of draws ends."""
    config = config or CalibrationConfig.load(None)
    start = time.perf_counter()
    scenario = history_scenario(config, last_year)
    region = scenario.region
    last_year = scenario.horizon
    targets = targets or history_targets(region, scenario.base_year + 1, last_year)
    from_data = data_estimates(region, last_year)
    estimates = {**from_data, "rd_common_shock_sd": 0.0}
    values = parameter_draws(config)
    simulated = run_draws(config, scenario, values, targets, estimates, progress, dask)
    draws = accepted_draws(values, list(config.parameters), distances(simulated, targets), config.accept)
    result = CalibrationResult(config, targets, draws, simulated, time.perf_counter() - start,
                               from_data, last_year, region)
    estimate_model_error(result)
    result.runtime_seconds = time.perf_counter() - start
    return result


def estimate_model_error(result: CalibrationResult, replications: int = 40) -> float:
    """Set the common R&D shock's volatility of ``result`` and return it (log points a year).

    The target: how far a year's R&D growth strays from what the model explains. Two estimates,
    the sd of the fit's residuals (data minus the model's median path at the point estimate,
    yearly log growth of R&D expenditure over the calibration years) and the sd of the recorded
    yearly growth itself up to the last calibration year. With as few as three to nine years the
    residual sd understates the out-of-sample error (the parameters were fitted to those very
    years; the rolling origins show it), so the larger of the two is used: the forecast is
    never surer about next year's R&D than the region's own record of swings.

    The shock's sd is then set where that statement is made: in the forecast from the last
    calibration year, with each replication's own posterior draw as forecasts run, the spread
    of the first forecast year's growth of total R&D (everything else that varies included)
    equals the target. The shock multiplies firms' own
    R&D only, firms held at the HTE threshold absorb part of it and its effect is not independent
    of the rest of the year's noise, so the spread is measured, not derived: from the spread a
    probe shock gives, then corrected a few times by the ratio of target to measured spread (the
    same seeds each time, so the measured spread moves smoothly with the sd). The spread is the
    width of the 90% range over that of a normal's (the sd if growth were normal): what the
    bands show, and robust to the few replications far out in the tails.
    ``replications`` seeds give the model's median path over the calibration years."""
    config, last_year = result.config, result.last_year
    assumptions = result.history_assumptions()
    target = error_target(history_runs(config, last_year, assumptions, replications), result.region)
    draws = result.draws_in_turn(config.error_replications)

    def spread(sd: float) -> float:
        return growth_spread(first_year_runs(config, last_year, assumptions, draws, sd))

    calm, probed = spread(0.0), spread(SHOCK_PROBE_SD)
    sd = first_shock_sd(target, calm, probed)
    for _ in range(SHOCK_CORRECTIONS):
        measured = spread(sd)
        if shock_settled(sd, measured, target):
            break
        sd = corrected_shock_sd(sd, measured, target)
    result.estimates["rd_common_shock_sd"] = sd
    result.model_error = {"target_spread": float(target), "calm_spread": calm}
    return sd


def calibration_fit(result: CalibrationResult, replications: int = 50) -> pd.DataFrame:
    """Each target: data vs the model's median and 90% band over ``replications`` runs, each with
    its own seed and its own accepted draw (the posterior taken in turn, closest first), as a
    forecast's replications draw theirs: the band holds both the parameter and the seed
    uncertainty (the common R&D shock stays off: it stands for what the fit misses)."""
    tables = fit_runs(result.config, result.last_year, result.history_assumptions(),
                      result.draws_in_turn(replications))
    return fit_table(result.targets, tables)
