"""Calibration to a region's record by approximate Bayesian computation (ABC).

The model runs from the region's first base year (2011 for the built-in bundle, in equilibrium with
that year's record) through the recorded coal price, GDP and policy to the last calibration year
(the bundle's last recorded year, or an earlier origin), the built-in record's 2013-2016 coal-driven
decline included, and is compared with every recorded moment after the base year: R&D expenditure each
year, its funding by source each year, performer shares where known, technology contracts bought,
industrial firms doing R&D and HTE recognitions.

Why ABC by rejection, and not pyabc's SMC: the model is cheap (about 40 ms a run over 2011-2020),
so a few thousand quasi-random draws cover the 16-dimensional prior box in minutes on two cores;
rejection with common random numbers is embarrassingly parallel, bit-reproducible whatever the
number of workers, and needs no database or server, while pyabc brings SQLAlchemy, a results
database and a scheduler for a gain (adaptive tolerances) that matters when runs are expensive.
Draws come from a scrambled Sobol sequence (scipy.stats.qmc) over the ranges; each draw runs the
same few seeds; the closest share of draws is the posterior sample and the point estimate that
scenarios load is its median (not the single closest draw, which overfits the seeds' noise).

Assumptions the model takes as exogenous are estimated from the data directly
(:func:`data_estimates`): the national intensity path, the coal-price AR(1), the GDP trend and
its coal elasticity. After the fit, the residual spread of yearly R&D growth (data minus model)
sets the common R&D shock's volatility, so forecasts carry the model's own error. Every estimate
can be cut at an earlier year (``last_year``) for rolling-origin validation.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ecosim.assumptions import ASSUMPTIONS
from ecosim.data import Region, hte_stocks, load_region
from ecosim.data.estimates import data_estimates
from ecosim.explore.executors import make_executor, map_in_order
from ecosim.explore.runs import run_seed
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario, ScenarioError, load_scenario

DEFAULT_PARAMETERS = (
    "rd_catch_up_rate", "rd_adjustment_speed", "rd_user_cost_elasticity", "rd_cash_flow_elasticity",
    "rd_liquidity_comfort", "rd_budget_smoothing", "coal_margin_sensitivity", "coal_firm_elasticity",
    "participation_cost_sensitivity", "participation_shock_sd",
    "spillover_strength", "hte_application_success", "hte_cultivated_success", "n_tech_smes",
    "tech_sme_rd_performer_share",
    "tech_ratio_plateau", "tech_ratio_adjustment", "government_rd_firm_share",
)
"""Behavioural assumptions the data cannot pin directly."""
SHOCK_PROBE_SD = 0.05
"""Volatility of the probe shock that measures how the common shock moves total R&D (log points a year)."""
NORMAL_Q95 = 1.6448536269514722
"""The standard normal's 95% quantile: a 90% range is 2 x 1.645 sd wide."""
SHOCK_CORRECTIONS = 4
"""At most this many corrections of the shock's sd by the ratio of target to measured spread."""
SHOCK_TOLERANCE = 0.02
"""The measured spread is close enough within this share of the target."""


@dataclass(frozen=True)
class Target:
    """One moment of history the model must reproduce."""

    name: str
    column: str
    """Model column, or a share 'numerator/denominator' of two columns."""
    year: int
    value: float
    scale: float
    """Tolerance the distance is measured in (same unit as ``value``)."""
    source: str

    def model_value(self, table: pd.DataFrame) -> float:
        """The model's value of this moment in one run's yearly table."""
        row = table.loc[table["year"] == self.year].iloc[0]
        if "/" in self.column:
            numerator, denominator = self.column.split("/")
            return float(row[numerator] / row[denominator])
        return float(row[self.column])


def history_targets(region: Region, first_year: int | None = None, last_year: int | None = None) -> list[Target]:
    """The calibration targets from the region's history.csv, years ``first_year`` (default: the year
    after its first base year) to ``last_year`` (default: its last recorded year).

    Tolerances: 5% for R&D expenditure; 2 points for funding and performer shares; 15% for counts
    of industrial firms doing R&D; 25% for HTE recognitions and stocks (recorded, or three
    consecutive recognition lists summed) and 30% for technology contracts
    bought (noisy series: 97 then 234 (100m yuan) in 2015 and 2016).
    """
    series = region.series
    first_year = region.first_base_year + 1 if first_year is None else first_year
    last_year = region.last_year if last_year is None else last_year
    targets: list[Target] = []
    years = range(first_year, last_year + 1)
    rd = series("rd_expenditure")
    for y in years:
        targets.append(Target(f"rd_expenditure_{y}", "rd_expenditure", y, rd[y], 0.05 * rd[y], "NBT"))
    for performer in ("enterprises", "government_institutes", "higher_education"):
        for y, v in series(f"rd_by_{performer}").items():
            if y in years and y in rd:
                targets.append(Target(f"share_{performer}_{y}", f"rd_by_{performer}/rd_expenditure", y,
                                      v / rd[y], 0.02, "SX17/SX19/SX20"))
    for source in ("government", "enterprises"):
        for y, v in series(f"rd_funded_by_{source}").items():
            if y in years and y in rd:
                targets.append(Target(f"share_{source}_funded_{y}", f"rd_funded_by_{source}/rd_expenditure", y,
                                      v / rd[y], 0.02, "YB"))
    for y, v in series("above_scale_industrial_firms_with_rd").items():
        if y in years:
            targets.append(Target(f"industrial_firms_doing_rd_{y}", "industrial_firms_doing_rd", y, v, 0.15 * v,
                                  "IP12/YBF"))
    for y, v in series("high_tech_enterprises_recognised_in_year").items():
        if y in years:
            targets.append(Target(f"hte_recognised_{y}", "hte_recognised_in_year", y, v, 0.25 * v, "INNO"))
    for y, v in hte_stocks(region).items():
        if y in years:
            targets.append(Target(f"hte_stock_{y}", "high_tech_enterprises", y, v, 0.25 * v,
                                  "H11/H12 (stock) or INNO (three lists summed)"))
    for y, v in series("tech_contracts_bought").items():
        if y in years:
            targets.append(Target(f"tech_contracts_bought_{y}", "tech_contract_value", y, v, 0.30 * v, "YBM"))
    return targets


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


def config_scenario(config: "CalibrationConfig") -> Scenario:
    """The config's scenario on the config's region (or the region the scenario names)."""
    return load_scenario(config.scenario, region=config.region)


def _history_scenario(config: "CalibrationConfig", last_year: int | None = None) -> Scenario:
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


@dataclass
class CalibrationResult:
    """Draws, distances, the posterior sample and the point estimate."""

    config: CalibrationConfig
    targets: list[Target]
    draws: pd.DataFrame
    """One row per draw: parameter values, distance, accepted."""
    moments: np.ndarray
    runtime_seconds: float
    estimates: dict[str, float]
    """Data estimates (exogenous paths) and, after :meth:`estimate_model_error`, the common R&D shock."""
    last_year: int = 0
    """The last year of history the calibration saw."""
    region: Region = field(default_factory=load_region)
    """The region calibrated."""
    model_error: dict[str, float] = field(default_factory=dict)
    """After :meth:`estimate_model_error`: the target spread of a year's R&D growth and the spread
    without the shock (log points; the shock's sd is in ``estimates``)."""

    @property
    def posterior(self) -> pd.DataFrame:
        """Accepted draws (parameter values and distance), closest first."""
        return self.draws[self.draws["accepted"]].sort_values("distance", kind="stable")

    @property
    def point(self) -> dict[str, float]:
        """The posterior median of each parameter: the default values scenarios load (the single
        closest draw would overfit the few seeds' noise)."""
        return self._rounded(self.posterior[list(self.config.parameters)].median().to_dict())

    @staticmethod
    def _rounded(values: dict[str, float]) -> dict[str, float]:
        """Parameter values with the integer assumptions rounded."""
        return {n: (int(round(v)) if ASSUMPTIONS[n].integer else float(v)) for n, v in values.items()}

    def history_assumptions(self) -> dict[str, float]:
        """Every assumption at the point estimate, with the common R&D shock switched off."""
        return {**self.region.uncalibrated_defaults(), **self.estimates, **self.point, "rd_common_shock_sd": 0.0}

    def estimate_model_error(self, replications: int = 40) -> float:
        """Set the common R&D shock's volatility and return it (log points a year).

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
        scenario = _history_scenario(self.config, self.last_year)
        assumptions = self.history_assumptions()
        inputs = resolve(scenario, assumptions)
        seeds = [run_seed(self.config.seed + 2, 0, r) for r in range(replications)]
        model = pd.concat([simulate(inputs, seed) for seed in seeds]).groupby("year")["rd_expenditure"].median()
        data = pd.Series(self.region.series("rd_expenditure"))
        years = [y for y in model.index if y in data.index]
        recorded = np.diff(np.log(data[years].to_numpy()))
        residual = recorded - np.diff(np.log(model[years].to_numpy()))
        target = max(residual.std(ddof=1), recorded.std(ddof=1)) if residual.size >= 2 else 0.0
        limits = ASSUMPTIONS["rd_common_shock_sd"]
        forecast = _forecast_scenario(self.config, self.last_year)
        first_year_seeds = [run_seed(self.config.seed + 3, 0, r) for r in range(self.config.error_replications)]

        posterior = self.posterior[list(self.config.parameters)].reset_index(drop=True)
        draws = [self._rounded(posterior.iloc[r % len(posterior)].to_dict()) for r in range(self.config.error_replications)]

        def spread(sd: float) -> float:
            growth = [np.diff(np.log(simulate(resolve(forecast, {**assumptions, **draw, "rd_common_shock_sd": sd}),
                                              seed)["rd_expenditure"].to_numpy()))[0]
                      for seed, draw in zip(first_year_seeds, draws)]
            q05, q95 = np.quantile(growth, [0.05, 0.95])
            return float(q95 - q05) / (2.0 * NORMAL_Q95)

        calm, probed = spread(0.0), spread(SHOCK_PROBE_SD)
        gain = np.sqrt(max(probed**2 - calm**2, 1e-12)) / SHOCK_PROBE_SD
        sd = float(np.clip(np.sqrt(max(target**2 - calm**2, 0.0)) / gain, limits.low, limits.high))
        for _ in range(SHOCK_CORRECTIONS):
            measured = spread(sd)
            if sd <= limits.low or abs(measured - target) <= SHOCK_TOLERANCE * target:
                break
            sd = float(np.clip(sd * target / measured, limits.low, limits.high))
        self.estimates["rd_common_shock_sd"] = sd
        self.model_error = {"target_spread": float(target), "calm_spread": calm}
        return sd

    def uncertainty(self) -> pd.DataFrame:
        """Posterior median, 5% and 95% of each estimated parameter, and its prior range."""
        post = self.posterior
        rows = [{"parameter": n, "point": self.point[n], "q05": post[n].quantile(0.05), "median": post[n].median(),
                 "q95": post[n].quantile(0.95), "prior_low": lo, "prior_high": hi}
                for n, (lo, hi) in self.config.parameters.items()]
        return pd.DataFrame(rows)

    def fit_table(self, replications: int = 50) -> pd.DataFrame:
        """Each target: data vs the model's median and 90% band over ``replications`` runs, each with
        its own seed and its own accepted draw (the posterior taken in turn, closest first), as a
        forecast's replications draw theirs: the band holds both the parameter and the seed
        uncertainty (the common R&D shock stays off: it stands for what the fit misses)."""
        scenario = _history_scenario(self.config, self.last_year)
        base = self.history_assumptions()
        draws = self.posterior[list(self.config.parameters)].to_dict("records")
        values = np.array([[t.model_value(table) for t in self.targets] for table in (
            simulate(resolve(scenario, {**base, **self._rounded(draws[r % len(draws)])}),
                     run_seed(self.config.seed + 1, 0, r)) for r in range(replications))])
        return pd.DataFrame({
            "target": [t.name for t in self.targets], "year": [t.year for t in self.targets],
            "data": [t.value for t in self.targets], "model_median": np.median(values, axis=0),
            "model_q05": np.quantile(values, 0.05, axis=0), "model_q95": np.quantile(values, 0.95, axis=0),
            "tolerance": [t.scale for t in self.targets], "source": [t.source for t in self.targets],
        })

    def write(self, out: Path, fit_replications: int = 50) -> dict[str, Path]:
        """Write the parameter file, posterior sample, fit table, draws and a chart to ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        paths = {"parameters": out / "calibration.toml", "posterior": out / "calibration_posterior.csv",
                 "fit": out / "fit.csv", "draws": out / "draws.csv", "uncertainty": out / "uncertainty.csv"}
        fit = self.fit_table(fit_replications)
        fit.to_csv(paths["fit"], index=False)
        self.draws.to_csv(paths["draws"], index=False)
        self.uncertainty().to_csv(paths["uncertainty"], index=False)
        self.posterior[list(self.config.parameters)].to_csv(paths["posterior"], index=False)
        paths["parameters"].write_text(self.parameter_file())
        from ecosim.charts.calibration import fit_chart  # charts only when writing files
        from ecosim.charts.style import save

        paths["chart"] = save(fit_chart(fit), out / "fit")[0]
        return paths

    def parameter_file(self) -> str:
        """The TOML that scenarios load by default: date, config, loss, point estimates, data estimates."""
        best = self.posterior.iloc[0]
        lines = [
            "# Calibrated assumptions of a region bundle: scenarios on it load these by default.",
            "# Written by `ecosim calibrate`; the posterior sample is calibration_posterior.csv beside it.",
            "[meta]",
            f'date = "{dt.date.today().isoformat()}"',
            f'config = "{self.config.source}"',
            f'config_json = {json.dumps(json.dumps(_config_dict(self.config), sort_keys=True))}',
            'method = "ABC rejection: scrambled Sobol draws over the ranges, common random numbers; point = posterior median"',
            f'region = "{self.region.key}"',
            f"base_year = {self.region.first_base_year}",
            f"last_year = {self.last_year}",
            f"draws = {len(self.draws)}",
            f"accepted = {int(self.draws['accepted'].sum())}",
            f"distance = {float(best['distance']):.6g}",
            'distance_definition = "root mean square of (model mean - data) / tolerance over the targets"',
            f"runtime_seconds = {self.runtime_seconds:.1f}",
            "",
            "[assumptions]",
        ]
        for name, value in {**self.estimates, **self.point}.items():
            lines.append(f"{name} = {value!r}")
        return "\n".join(lines) + "\n"


def _config_dict(config: CalibrationConfig) -> dict:
    return {"name": config.name, "scenario": config.scenario, "seed": config.seed, "draws": config.draws,
            "replications": config.replications, "accept": config.accept,
            "parameters": {k: list(v) for k, v in config.parameters.items()}}


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
    scenario = _history_scenario(config, last_year)
    region = scenario.region
    last_year = scenario.horizon
    targets = targets or history_targets(region, scenario.base_year + 1, last_year)
    estimates = {**data_estimates(region, last_year), "rd_common_shock_sd": 0.0}
    names = list(config.parameters)
    lows = np.array([config.parameters[n][0] for n in names])
    highs = np.array([config.parameters[n][1] for n in names])
    unit = qmc.Sobol(len(names), scramble=True, seed=config.seed).random(config.draws)
    values = qmc.scale(unit, lows, highs)
    seeds = [run_seed(config.seed, 0, r) for r in range(config.replications)]
    jobs = [(scenario, names, row, seeds, targets, estimates) for row in values]
    with make_executor(config.workers or None, dask) as executor:
        # every draw runs the same seeds, so the chunking (which depends on the workers) changes no number
        size = max(1, len(jobs) // (executor.workers * 8))
        moments = map_in_order(executor, _evaluate, jobs, size, progress or None)
    simulated = np.array(moments)
    data = np.array([t.value for t in targets])
    scale = np.array([t.scale for t in targets])
    distance = np.sqrt(np.mean(((simulated - data) / scale) ** 2, axis=1))
    draws = pd.DataFrame(values, columns=names)
    for n in names:
        if ASSUMPTIONS[n].integer:
            draws[n] = draws[n].round()
    draws["distance"] = distance
    keep = max(2, int(round(config.accept * len(draws))))
    draws["accepted"] = False
    draws.loc[np.argsort(distance, kind="stable")[:keep], "accepted"] = True
    result = CalibrationResult(config, targets, draws, simulated, time.perf_counter() - start,
                               data_estimates(region, last_year), last_year, region)
    result.estimate_model_error()
    result.runtime_seconds = time.perf_counter() - start
    return result
