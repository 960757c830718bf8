"""Backtest: the model's forecast of years after the calibration window against what happened.

The actuals come in the shape of ``history.csv`` (region, year, variable, value, unit, source)
for years after the region's last recorded year. Each known (region, variable) is compared
with the model's quantiles and with naive forecasts made from the recorded years only: as points,
a random walk (the last recorded value) and a linear trend (least squares over the last six years);
as distributions, a Gaussian random walk with and without drift (:func:`naive_distribution`), scored
like the model by CRPS, with the skill score 1 - CRPS_model / CRPS_naive.
Unknown variables, years inside the calibration window and years the model cannot reach are
skipped and reported, never fatal; a malformed file raises :class:`ActualsError`.

This module reads the actuals and holds the statistics (naive forecasts, CRPS, skill scores, the
scored tables); the runs are :mod:`ecosim.explore.backtest`'s, :mod:`ecosim.api.backtest` backtests,
and :mod:`ecosim.outputs.backtest` writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecosim.analysis.forecast import Forecast
from ecosim.data import Region
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import LAST_HORIZON, Scenario

TREND_LENGTH = 6
"""The linear trend is fitted over the last six recorded years."""
CONDITIONS = ("gdp",)
CONDITIONED_ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "gdp": (("region", "gdp"), ("region", "gdp_implied"), ("benchmark", "rd_intensity_first_published")),
}
"""(role, variable) of the actuals each ``condition_on`` fixes as the model's input paths: those
rows are reported as conditioned, never scored (the model was given them). The role ``region`` is the
region's code in history.csv, ``benchmark`` its benchmark's."""

KNOWN_ROLES: dict[tuple[str, str], str] = {
    ("region", "rd_expenditure"): "rd_expenditure",
    ("region", "rd_intensity_first_published"): "rd_intensity",
    ("region", "gdp"): "gdp",
    ("region", "gdp_implied"): "gdp",
    ("region", "rd_by_enterprises"): "rd_by_enterprises",
    ("region", "high_tech_enterprises"): "high_tech_enterprises",
    ("benchmark", "rd_intensity_first_published"): "national_rd_intensity",
}
"""(role, variable) of the actuals -> column of the model's yearly table."""


def _by_code(region: Region, table: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
    """A table keyed by (role, variable) keyed by (the region's or benchmark's code, variable)."""
    code = {"region": region.key, "benchmark": region.benchmark}
    return {(code[role], variable): value for (role, variable), value in table.items()}


def known(region: Region) -> dict[tuple[str, str], str]:
    """(region code, variable) of the actuals -> column of the model's yearly table, for ``region``."""
    return _by_code(region, KNOWN_ROLES)


def conditioned(region: Region, condition_on: str | None) -> tuple[tuple[str, str], ...]:
    """(region code, variable) of the actuals that ``condition_on`` makes inputs."""
    return tuple(_by_code(region, {k: None for k in CONDITIONED_ROLES.get(condition_on or "", ())}))

TABLE_COLUMNS = ("region", "variable", "year", "model_column", "unit", "actual", "q05", "q25", "median",
                 "q75", "q95", "random_walk", "linear_trend", "inside_90", "conditioned", "crps_model",
                 "crps_random_walk", "crps_random_walk_drift")


@dataclass
class BacktestResult:
    """A backtest: ``table`` (one row per region, variable, year) and ``scores``."""

    table: pd.DataFrame
    scores: dict
    forecast: Forecast
    actuals: pd.DataFrame
    skipped: list[dict] = field(default_factory=list)
    naive: dict[tuple[str, str], NaiveLines] = field(default_factory=dict)
    """The naive forecasts of each (region, variable) of ``table`` as its chart draws them (filled in
    when not given)."""

    def __post_init__(self) -> None:
        region = self.forecast.scenario.region
        horizon = int(self.forecast.years["year"].max())
        for area, variable in dict.fromkeys(zip(self.table["region"], self.table["variable"])):
            if (area, variable) not in self.naive:
                self.naive[(area, variable)] = naive_lines(region, area, variable, horizon)

    def plot(self, region: str, variable: str, lang: str = "en"):
        """The chart of one (region, variable) in ``lang`` (matplotlib is imported only here)."""
        from ecosim.charts.backtest import backtest_chart

        return backtest_chart(self, region, variable, lang)

    def describe(self) -> str:
        """A short table a person can read."""
        s = self.scores
        lines = [f"Backtest of scenario '{s['scenario']}': {s['replications']} replications, seed {s['seed']}, "
                 f"condition on: {s['condition_on'] or 'nothing'}",
                 f"{'region/variable':42s} {'n':>3s} {'MAE model':>11s} {'MAE walk':>11s} {'MAE trend':>11s} "
                 f"{'in 90%':>7s} {'skill walk':>10s} {'skill drift':>11s}"]
        for key, v in s["variables"].items():
            lines.append(f"{key:42s} {v['n']:3d} {v['mae_model_median']:11.4g} {v['mae_random_walk']:11.4g} "
                         f"{v['mae_linear_trend']:11.4g} {v['coverage_90']:7.0%} {v['skill_random_walk']:+10.2f} "
                         f"{v['skill_random_walk_drift']:+11.2f}")
        lines.append("skill: 1 - CRPS model / CRPS of a probabilistic naive forecast (Gaussian random walk, "
                     "without and with drift); above 0 the model is better")
        p = s["probability_target_met"]
        if p:
            lines.append("P(target met): " + ", ".join(f"{y} {v:.0%}" for y, v in p.items()))
        for key, entry in s.get("conditioned", {}).items():
            lines.append(f"conditioned, not scored: {key} {', '.join(map(str, entry['years']))}: {entry['reason']}")
        for entry in s["skipped"]:
            lines.append(f"skipped: {entry['region']}/{entry['variable']} {entry['year']}: {entry['reason']}")
        return "\n".join(lines)


# --- reading actuals --------------------------------------------------------------------------


def split_known(table: pd.DataFrame, region: Region) -> tuple[pd.DataFrame, list[dict]]:
    """The rows the backtest can use, and the skipped ones with the reason."""
    skipped, keep = [], []
    names = known(region)
    for rec in table.to_dict("records"):
        key = (rec["region"], rec["variable"])
        reason = None
        if key not in names:
            reason = "unknown variable; known are " + ", ".join(f"{r}/{v}" for r, v in names)
        elif rec["year"] <= region.last_year:
            reason = f"year inside the region's record (up to {region.last_year})"
        elif rec["year"] > LAST_HORIZON:
            reason = f"year after the last year the model can simulate ({LAST_HORIZON})"
        if reason:
            skipped.append({"region": rec["region"], "variable": rec["variable"], "year": int(rec["year"]),
                            "row": int(rec["row"]), "reason": reason})
        else:
            keep.append(rec)
    return pd.DataFrame(keep, columns=list(table.columns)), skipped


# --- naive forecasts --------------------------------------------------------------------------


def calibration_series(region: Region, area: str, variable: str) -> dict[int, float]:
    """The variable's recorded values of ``area`` (the region's or its benchmark's code) up to the
    region's last recorded year (GDP: gdp, else gdp_implied)."""
    if area == region.key and variable in ("gdp", "gdp_implied"):
        values = region.series("gdp_implied")
        values.update(region.series("gdp"))
        return values
    return region.series(variable, area)


def random_walk(history: dict[int, float]) -> float:
    """The last calibration-year value."""
    return history[max(history)] if history else float("nan")


def trend_line(history: dict[int, float]) -> tuple[float, float] | None:
    """(slope, intercept) of least squares over the last six recorded years (of the region's last six
    years when the series has at least two points there; else its last six points); None if fewer than
    two points exist."""
    if not history:
        return None
    last = max(history)
    years = [y for y in sorted(history) if last - TREND_LENGTH < y <= last]
    if len(years) < 2:
        years = sorted(history)[-TREND_LENGTH:]
    if len(years) < 2:
        return None
    slope, intercept = np.polyfit(np.array(years, dtype=float), [history[y] for y in years], 1)
    return float(slope), float(intercept)


def linear_trend(history: dict[int, float], year: int) -> float:
    """The trend line's value in ``year`` (the random walk if there is no line)."""
    line = trend_line(history)
    return random_walk(history) if line is None else line[0] * year + line[1]


@dataclass(frozen=True)
class NaiveLines:
    """The naive point forecasts of one (area, variable) as a backtest chart draws them: the recorded
    values from the region's first base year, the random walk from the last recorded year and the
    linear trend from the first of its years, both to the forecast's horizon (nothing to draw when
    ``history`` is empty)."""

    history: dict[int, float]
    """The recorded values shown (years from the region's first base year)."""
    walk_years: np.ndarray
    walk: np.ndarray
    """The random walk in each of ``walk_years``."""
    trend_years: np.ndarray
    trend: list[float]
    """The linear trend in each of ``trend_years``."""
    trend_start: int
    trend_end: int
    """The years the trend is fitted over."""


def naive_lines(region: Region, area: str, variable: str, horizon: int) -> NaiveLines:
    """The recorded values and the naive point forecasts of ``area``'s ``variable`` to ``horizon``."""
    full = calibration_series(region, area, variable)
    shown = {y: v for y, v in full.items() if y >= region.first_base_year}
    last = region.last_year
    if not shown:
        return NaiveLines({}, np.array([]), np.array([]), np.array([]), [], last - TREND_LENGTH + 1, last)
    walk_years = np.arange(max(full), horizon + 1)
    trend_years = np.arange(last - TREND_LENGTH + 1, horizon + 1)
    return NaiveLines(shown, walk_years, np.full(len(walk_years), random_walk(full)), trend_years,
                      [linear_trend(full, int(y)) for y in trend_years], last - TREND_LENGTH + 1, last)


def on_log_scale(column: str) -> bool:
    """Whether the naive distributions of a model column are Gaussian in logs: amounts and counts,
    which grow by a share a year; intensities (percent of GDP) are Gaussian in levels."""
    return OUTPUT_COLUMNS[column][0] != "percent of GDP"


def naive_distribution(history: dict[int, float], year: int, drift: bool, log: bool) -> tuple[float, float]:
    """(mean, standard deviation) of a probabilistic naive forecast of ``year``, in logs if ``log``.

    A random walk from the last recorded value, with (``drift``) or without a drift of the mean
    yearly change; the yearly changes are those between consecutive recorded years, and the
    standard deviation is theirs (n - 1) times the square root of the horizon. (nan, nan) when fewer
    than two yearly changes are recorded or a logged value is not positive."""
    years = sorted(history)
    values = np.array([history[y] for y in years], dtype=float)
    if log:
        if np.any(values <= 0):
            return float("nan"), float("nan")
        values = np.log(values)
    changes = np.array([b - a for (ya, a), (yb, b) in zip(zip(years, values), zip(years[1:], values[1:]))
                        if yb - ya == 1])
    if changes.size < 2:
        return float("nan"), float("nan")
    horizon = year - years[-1]
    mean = values[-1] + (horizon * changes.mean() if drift else 0.0)
    return float(mean), float(changes.std(ddof=1) * np.sqrt(horizon))


def scoring_rules():
    """The ``scoringrules`` package, imported when a backtest first scores: with numba installed (the
    model's kernels need it) its import compiles numba functions for 2-3 s, which every ``import
    ecosim`` would otherwise pay. The CRPS it computes here is its numpy backend's (the default)."""
    import scoringrules

    return scoringrules


def naive_crps(actual: float, history: dict[int, float], year: int, drift: bool, log: bool) -> float:
    """CRPS of the probabilistic naive forecast against ``actual`` (lognormal when ``log``)."""
    mean, sd = naive_distribution(history, year, drift, log)
    if not np.isfinite(sd) or (log and actual <= 0):
        return float("nan")
    rules = scoring_rules()
    score = rules.crps_lognormal(actual, mean, sd) if log else rules.crps_normal(actual, mean, sd)
    return float(score)


def skill_score(crps_model: float, crps_naive: float) -> float:
    """1 - CRPS_model / CRPS_naive: 0 as good as the naive forecast, 1 perfect, below 0 worse."""
    return float(1.0 - crps_model / crps_naive) if crps_naive > 0 else float("nan")


NAIVE_DISTRIBUTIONS = {
    "random_walk": "Gaussian random walk from the last recorded value, sd of the recorded yearly changes "
                   "times sqrt(horizon); amounts and counts in logs, intensities in levels",
    "random_walk_drift": "the same with a drift of the mean recorded yearly change",
}
"""The probabilistic naive forecasts (described in every backtest.json)."""


def probabilistic_scores(rows: pd.DataFrame) -> dict[str, float]:
    """Mean CRPS of the model and both naive distributions over ``rows``, and the two skill scores."""
    crps = {k: float(rows[f"crps_{k}"].mean()) for k in ("model", "random_walk", "random_walk_drift")}
    return {"crps_model": crps["model"], "crps_random_walk": crps["random_walk"],
            "crps_random_walk_drift": crps["random_walk_drift"],
            "skill_random_walk": skill_score(crps["model"], crps["random_walk"]),
            "skill_random_walk_drift": skill_score(crps["model"], crps["random_walk_drift"])}


# --- the backtest -----------------------------------------------------------------------------


def score_backtest(result: Forecast, scenario: Scenario, usable: pd.DataFrame, skipped: list[dict],
                   condition_on: str | None, source: str) -> BacktestResult:
    """The forecast ``result`` of ``scenario`` scored against the ``usable`` actuals (from
    :func:`split_known`) and two naive forecasts; ``skipped`` and ``source`` (the actuals' name) are
    reported in the scores."""
    rows = []
    bands = {}
    names, fixed = known(scenario.region), conditioned(scenario.region, condition_on)
    for rec in usable.sort_values(["region", "variable", "year"]).to_dict("records"):
        column = names[(rec["region"], rec["variable"])]
        if column not in bands:
            bands[column] = result.bands(column)
        q = bands[column].loc[rec["year"]]
        history = calibration_series(scenario.region, rec["region"], rec["variable"])
        year, actual, log = int(rec["year"]), float(rec["value"]), on_log_scale(column)
        ensemble = result.years.loc[result.years["year"] == year, column].to_numpy()
        rows.append({
            "region": rec["region"], "variable": rec["variable"], "year": int(rec["year"]), "model_column": column,
            "unit": rec["unit"], "actual": rec["value"],
            "q05": q["q05"], "q25": q["q25"], "median": q["q50"], "q75": q["q75"], "q95": q["q95"],
            "random_walk": random_walk(history), "linear_trend": linear_trend(history, int(rec["year"])),
            "inside_90": bool(q["q05"] <= rec["value"] <= q["q95"]),
            "conditioned": (rec["region"], rec["variable"]) in fixed,
            "crps_model": float(scoring_rules().crps_ensemble(actual, ensemble)),
            "crps_random_walk": naive_crps(actual, history, year, drift=False, log=log),
            "crps_random_walk_drift": naive_crps(actual, history, year, drift=True, log=log),
        })
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    scores = _scores(frame, result, skipped, scenario, condition_on, source)
    return BacktestResult(frame, scores, result, usable, skipped)


def _scores(frame: pd.DataFrame, result: Forecast, skipped: list[dict], scenario: Scenario,
            condition_on: str | None, source: str) -> dict:
    variables, conditioned = {}, {}
    for (region, variable), rows in frame.groupby(["region", "variable"], sort=True):
        if rows["conditioned"].any():
            conditioned[f"{region}/{variable}"] = {
                "region": region, "variable": variable, "years": [int(y) for y in rows["year"]],
                "reason": f"fixed to the actuals as the model's input path (condition_on={condition_on!r})"}
            continue
        err = lambda col: float((rows[col] - rows["actual"]).abs().mean())
        variables[f"{region}/{variable}"] = {
            "region": region, "variable": variable, "model_column": rows["model_column"].iloc[0],
            "unit": rows["unit"].iloc[0], "years": [int(y) for y in rows["year"]], "n": int(len(rows)),
            "mae_model_median": err("median"), "mae_random_walk": err("random_walk"),
            "mae_linear_trend": err("linear_trend"), "coverage_90": float(rows["inside_90"].mean()),
            **probabilistic_scores(rows),
        }
    p = result.probability_by_year()
    last = scenario.region.last_year
    return {
        "actuals": source,
        "region": scenario.region.ref,
        "base_year": result.scenario.base_year,
        "calibration": str(scenario.region.calibration_source),
        "scenario": scenario.name,
        "scenario_source": scenario.source,
        "replications": result.replications,
        "seed": result.seed,
        "condition_on": condition_on,
        "horizon": result.scenario.horizon,
        "target_year": result.scenario.target.year,
        "target": result.scenario.target.value,
        "variables": variables,
        "conditioned": conditioned,
        "probability_target_met": {str(int(y)): float(v) for y, v in p.items() if y > last},
        "skipped": skipped,
        "interval": "model 90% interval: 5% to 95% quantile of the replications",
        "naive": {"random_walk": f"the last recorded value (up to {last})",
                  "linear_trend": f"least squares line over {last - TREND_LENGTH + 1}-{last}, extrapolated"},
        "naive_distributions": NAIVE_DISTRIBUTIONS,
        "skill": "1 - CRPS_model / CRPS_naive (CRPS: scoringrules; the model's from its replications)",
    }


# --- rolling origins inside the history ---------------------------------------------------------

ORIGIN_VARIABLES = {"rd_expenditure": "rd_expenditure", "rd_intensity_first_published": "rd_intensity"}
"""Variables scored at a rolling origin: history.csv variable -> model column."""
ORIGIN_CONDITIONS = ("gdp", "coal")
ORIGIN_CONDITIONED = {
    "gdp": "the region's GDP fixed to the recorded path after the origin: an input, not scored",
    "coal": "the coal price fixed to the recorded path after the origin: an input, not scored",
}
"""What each rolling-origin condition fixes (reported in backtest.json; never among the scores)."""
ORIGIN_COLUMNS = TABLE_COLUMNS


@dataclass
class OriginBacktest:
    """A forecast from an origin inside the history, scored against the recorded years after it."""

    origin: int
    condition_on: tuple[str, ...]
    table: pd.DataFrame
    """One row per variable and year, columns ``ORIGIN_COLUMNS``."""
    years: pd.DataFrame
    """The replications' yearly tables."""
    region: str = ""
    """The region bundle scored (a built-in name or a folder)."""
    calibration_config: str = ""
    """The calibration config of the recalibration at the origin (its file, or ``<defaults>``)."""

    def scores(self) -> dict[str, dict]:
        """Per variable: MAE of the median and of both naive point forecasts, mean CRPS of the model and
        of both probabilistic naive forecasts, the skill scores, 90% coverage, years."""
        out = {}
        for variable, rows in self.table.groupby("variable", sort=False):
            err = lambda col: float((rows[col] - rows["actual"]).abs().mean())
            out[variable] = {"mae_model": err("median"), "mae_random_walk": err("random_walk"),
                             "mae_linear_trend": err("linear_trend"), **probabilistic_scores(rows),
                             "coverage_90": float(rows["inside_90"].mean()), "years": [int(y) for y in rows["year"]]}
        return out



def score_origin(origin: int, region: Region, years: pd.DataFrame, condition_on: tuple[str, ...] = (),
                 calibration_config: str = "") -> OriginBacktest:
    """The replications' yearly tables ``years`` of a forecast from ``origin`` scored against the
    region's record after it and the naive forecasts made at the origin."""
    rows = []
    for variable, column in ORIGIN_VARIABLES.items():
        recorded = region.series(variable)
        history = {y: v for y, v in recorded.items() if y <= origin}
        walk = history[origin]
        line = np.polyfit([y for y in sorted(history) if y >= origin - 5],
                          [history[y] for y in sorted(history) if y >= origin - 5], 1)
        log = on_log_scale(column)
        for year in range(origin + 1, region.last_year + 1):
            if year not in recorded:
                continue
            actual = recorded[year]
            ensemble = years.loc[years["year"] == year, column].to_numpy()
            q = np.quantile(ensemble, [0.05, 0.25, 0.5, 0.75, 0.95])
            trend = float(np.polyval(line, year))
            rows.append({"region": region.key, "variable": variable, "year": year, "model_column": column,
                         "unit": OUTPUT_COLUMNS[column][0], "actual": actual, "q05": q[0], "q25": q[1], "median": q[2],
                         "q75": q[3], "q95": q[4], "random_walk": walk, "linear_trend": trend,
                         "inside_90": bool(q[0] <= actual <= q[4]), "conditioned": False,
                         "crps_model": float(scoring_rules().crps_ensemble(actual, ensemble)),
                         "crps_random_walk": naive_crps(actual, history, year, drift=False, log=log),
                         "crps_random_walk_drift": naive_crps(actual, history, year, drift=True, log=log)})
    return OriginBacktest(origin, tuple(condition_on), pd.DataFrame(rows, columns=list(ORIGIN_COLUMNS)), years,
                          region.ref, calibration_config)
