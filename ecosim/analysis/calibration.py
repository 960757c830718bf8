"""Calibration to a region's record by approximate Bayesian computation (ABC).

The model runs from the region's first base year (2011 for the built-in bundle, in equilibrium with
that year's record) through the recorded coal price, GDP and policy to the last calibration year
(the bundle's last recorded year, or an earlier origin), the built-in record's 2013-2016 coal-driven
decline included, and is compared with every recorded moment after the base year: R&D expenditure each
year, its funding by source each year, performer shares where known, technology contracts bought,
industrial firms doing R&D and HTE recognitions; above-scale industry's share of enterprise R&D is
shown beside the fit as a check.

Why ABC by rejection, and not pyabc's SMC: the model is cheap (about 40 ms a run over 2011-2020),
so a few thousand quasi-random draws cover the 19-dimensional prior box (the shipped configuration's parameters) in minutes on two cores;
rejection with common random numbers is embarrassingly parallel, bit-reproducible whatever the
number of workers, and needs no database or server, while pyabc brings SQLAlchemy, a results
database and a scheduler for a gain (adaptive tolerances) that matters when runs are expensive.
Draws come from a scrambled Sobol sequence (scipy.stats.qmc) over the ranges; each draw runs the
same few seeds; the closest share of draws is the posterior sample and the point estimate that
scenarios load is its median (not the single closest draw, which overfits the seeds' noise).

Assumptions the model takes as exogenous are estimated from the data directly
(:func:`ecosim.data.estimates.data_estimates`): the national intensity path, the coal-price AR(1),
the GDP trend and its coal elasticity. After the fit, the residual spread of yearly R&D growth (data
minus model) sets the common R&D shock's volatility, so forecasts carry the model's own error. Every
estimate can be cut at an earlier year (``last_year``) for rolling-origin validation.

This module holds the statistics: the targets, the distances and the acceptance, the posterior and
the point estimate, the parameter file as text, the fit table and the model error from the runs'
tables. The runs are :mod:`ecosim.explore.calibration`'s, :func:`ecosim.api.calibration.calibrate`
calibrates, and :mod:`ecosim.outputs.calibration` writes the files.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecosim.assumptions import ASSUMPTIONS
from ecosim.data import Region, hte_stocks, load_region

if TYPE_CHECKING:
    from ecosim.explore.calibration import CalibrationConfig

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
    fitted: bool = True
    """False: a check the fit is shown against but does not aim at (not in the distance)."""

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

    Tolerances: 5% for R&D expenditure; 2 points for funding and performer shares and for above-scale
    industry's share of enterprise R&D; 15% for counts
    of industrial firms doing R&D; 25% for HTE recognitions and stocks (recorded, or three
    consecutive recognition lists summed) and 30% for technology contracts
    bought (noisy series: 97 then 234 (100m yuan) in 2015 and 2016).

    Above-scale industry's share of enterprise R&D (where both are recorded) is a check, not fitted
    (``Target.fitted``): it tells industry's R&D from the technology SMEs' and services', which the
    model lets grow about twice as fast as the record, and fitting it trades away the HTE record the
    cultivation pipeline reaches (issue 25: certificates cost the model too much R&D).
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
    enterprises = series("rd_by_enterprises")
    for y, v in series("above_scale_industrial_rd").items():
        if y in years and y in enterprises:
            targets.append(Target(f"share_industrial_{y}", "industrial_rd/rd_by_enterprises", y,
                                  v / enterprises[y], 0.02, "SX19/SX20", fitted=False))
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


def distances(moments: np.ndarray, targets: list[Target]) -> np.ndarray:
    """Each draw's distance to the data (``moments``: one row per draw, one column per target): the root
    mean square over the fitted targets of (model mean - data) / tolerance (checks are left out)."""
    fitted = np.array([t.fitted for t in targets])
    data = np.array([t.value for t in targets])[fitted]
    scale = np.array([t.scale for t in targets])[fitted]
    return np.sqrt(np.mean(((np.asarray(moments)[:, fitted] - data) / scale) ** 2, axis=1))


def accepted_draws(values: np.ndarray, names: list[str], distance: np.ndarray, accept: float) -> pd.DataFrame:
    """One row per draw: parameter values (the integer assumptions rounded), distance, and accepted (the
    closest ``accept`` share of the draws, at least two)."""
    draws = pd.DataFrame(values, columns=names)
    for n in names:
        if ASSUMPTIONS[n].integer:
            draws[n] = draws[n].round()
    draws["distance"] = distance
    keep = max(2, int(round(accept * len(draws))))
    draws["accepted"] = False
    draws.loc[np.argsort(distance, kind="stable")[:keep], "accepted"] = True
    return draws


def fit_table(targets: list[Target], tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Each target: data vs the model's median and 90% band over the runs' yearly ``tables``."""
    values = np.array([[t.model_value(table) for t in targets] for table in tables])
    return pd.DataFrame({
        "target": [t.name for t in targets], "year": [t.year for t in targets],
        "data": [t.value for t in targets], "model_median": np.median(values, axis=0),
        "model_q05": np.quantile(values, 0.05, axis=0), "model_q95": np.quantile(values, 0.95, axis=0),
        "tolerance": [t.scale for t in targets], "source": [t.source for t in targets],
        "fitted": [t.fitted for t in targets],
    })


# --- the model error ------------------------------------------------------------------------------


def error_target(tables: list[pd.DataFrame], region: Region) -> float:
    """The spread a year's R&D growth should have: the larger of the sd of the fit's residuals (the
    recorded yearly log growth of R&D expenditure minus that of the median of the runs' yearly
    ``tables`` over the calibration years) and the sd of the recorded yearly growth itself; 0 with
    fewer than two residuals."""
    model = pd.concat(tables).groupby("year")["rd_expenditure"].median()
    data = pd.Series(region.series("rd_expenditure"))
    years = [y for y in model.index if y in data.index]
    recorded = np.diff(np.log(data[years].to_numpy()))
    residual = recorded - np.diff(np.log(model[years].to_numpy()))
    return max(residual.std(ddof=1), recorded.std(ddof=1)) if residual.size >= 2 else 0.0


def growth_spread(tables: list[pd.DataFrame]) -> float:
    """The spread of the first forecast year's growth of total R&D over the runs' yearly ``tables``: the
    width of its 90% range over that of a normal's (the sd if growth were normal)."""
    growth = [np.diff(np.log(table["rd_expenditure"].to_numpy()))[0] for table in tables]
    q05, q95 = np.quantile(growth, [0.05, 0.95])
    return float(q95 - q05) / (2.0 * NORMAL_Q95)


def first_shock_sd(target: float, calm: float, probed: float) -> float:
    """The common shock's sd that would add the spread missing from ``calm`` (the spread without the
    shock) to ``target``, from the spread ``probed`` a shock of :data:`SHOCK_PROBE_SD` gives; inside
    the assumption's range."""
    limits = ASSUMPTIONS["rd_common_shock_sd"]
    gain = np.sqrt(max(probed**2 - calm**2, 1e-12)) / SHOCK_PROBE_SD
    return float(np.clip(np.sqrt(max(target**2 - calm**2, 0.0)) / gain, limits.low, limits.high))


def shock_settled(sd: float, measured: float, target: float) -> bool:
    """Whether the shock's sd needs no more correction: at the bottom of its range, or the ``measured``
    spread within :data:`SHOCK_TOLERANCE` of the ``target``."""
    return sd <= ASSUMPTIONS["rd_common_shock_sd"].low or abs(measured - target) <= SHOCK_TOLERANCE * target


def corrected_shock_sd(sd: float, measured: float, target: float) -> float:
    """The shock's sd corrected by the ratio of ``target`` to ``measured`` spread, inside its range."""
    limits = ASSUMPTIONS["rd_common_shock_sd"]
    return float(np.clip(sd * target / measured, limits.low, limits.high))


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
    """Data estimates (exogenous paths) and, after the model error's estimate
    (:func:`ecosim.api.calibration.estimate_model_error`), the common R&D shock."""
    last_year: int = 0
    """The last year of history the calibration saw."""
    region: Region = field(default_factory=load_region)
    """The region calibrated."""
    model_error: dict[str, float] = field(default_factory=dict)
    """After the model error's estimate: the target spread of a year's R&D growth and the spread
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

    def draws_in_turn(self, count: int) -> list[dict[str, float]]:
        """``count`` parameter vectors, the accepted draws taken in turn, closest first (the integer
        assumptions rounded): one for each replication, as a forecast's replications draw theirs."""
        posterior = self.posterior[list(self.config.parameters)].reset_index(drop=True)
        return [self._rounded(posterior.iloc[r % len(posterior)].to_dict()) for r in range(count)]

    def history_assumptions(self) -> dict[str, float]:
        """Every assumption at the point estimate, with the common R&D shock switched off."""
        return {**self.region.uncalibrated_defaults(), **self.estimates, **self.point, "rd_common_shock_sd": 0.0}

    def uncertainty(self) -> pd.DataFrame:
        """Posterior median, 5% and 95% of each estimated parameter, and its prior range."""
        post = self.posterior
        rows = [{"parameter": n, "point": self.point[n], "q05": post[n].quantile(0.05), "median": post[n].median(),
                 "q95": post[n].quantile(0.95), "prior_low": lo, "prior_high": hi}
                for n, (lo, hi) in self.config.parameters.items()]
        return pd.DataFrame(rows)

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
