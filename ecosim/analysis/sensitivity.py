"""Global sensitivity analysis of an experiment: Sobol, Morris and delta indices through the batch engine.

The factors are the levers and assumptions an experiment declares. For each method the design is
built exactly as the batch engine builds it (:func:`ecosim.explore.designs.unit_samples` mapped
by each factor's inverse CDF), the runs go through :func:`ecosim.explore.batch.run_batch` into
``OUT/batch-<method>`` (so parallel workers, Dask, streaming and resume all apply), and SALib
analyses the per-design-point mean over replications, row ``i`` of the SALib sample being design
point ``i``.

Outputs analysed: the target-year ``rd_intensity`` and ``rd_intensity_gap``, ``p_target_met``
(the share of a point's replications meeting the target), the total ``government_cost`` (outlay
and revenue forgone) and ``social_cost`` (plus the mandates' compliance cost) over the cost window,
and any yearly column asked for (indices per year from the policy start year to the
horizon).

An experiment file may carry a ``[sensitivity]`` table (read here; note that ``ecosim batch``
refuses a file with it until ``ecosim.explore.experiment`` lists it as an allowed top-level field)::

    [sensitivity]
    yearly = ["rd_intensity"]          # yearly columns to analyse year by year
    num_resamples = 100                # bootstrap resamples for the confidence intervals
    conf_level = 0.95
    top = 3                            # convergence: the top factors whose ranking must be stable
    max_ci_width = 0.1                 # convergence: widest allowed interval of a top factor
    [sensitivity.sobol]                # when the design is not sobol (else the [design] is used)
    n = 256
    second_order = false
    [sensitivity.morris]
    trajectories = 20
    levels = 4
    [sensitivity.delta]
    design = "lhs"                     # or "sobol": reuse the Sobol sample
    points = 500

>>> table = sensitivity("experiments/sobol-levers.toml", "out/sobol-levers")  # doctest: +SKIP

SALib's delta warns per factor and analysis (bins merged, raw and balanced delta apart); those notices are
named by factor and summed up in a few lines per method (:class:`DeltaNotices`), printed on stderr and kept
in ``sensitivity.json``, and SALib's changes to the process's warning settings are kept out.

``model`` replaces the ABM by a function (for tests and analytic checks): it gets a frame with
``point``, ``replication``, ``seed`` (an int) and one column per factor (one row per run) and
returns a frame (or dict of arrays) of outputs, one row per run.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import math
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
import pandas as pd

from ecosim.explore.designs import unit_samples
from ecosim.explore.experiment import Experiment, ExperimentError, load_experiment
from ecosim.model import OUTPUT_COLUMNS

METHODS = ("sobol", "morris", "delta")
DESIGN_METHODS = {"sobol": "sobol", "morris": "morris", "lhs": "delta"}
"""Design method of an experiment file -> the sensitivity method it is made for."""
SCALAR_OUTPUTS = {"rd_intensity": "rd_intensity", "rd_intensity_gap": "rd_intensity_gap",
                  "p_target_met": "target_met", "government_cost": "government_cost", "social_cost": "social_cost"}
"""Analysed output name -> summary column (its per-point mean is analysed)."""
INDEX_COLUMNS = ["method", "output", "year", "factor", "index", "value", "conf_low", "conf_high"]
RANK_INDEX = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}
"""The index that ranks the factors for each method."""
DEFAULTS = {"sobol": {"n": 64, "second_order": False}, "morris": {"trajectories": 20, "levels": 4},
            "delta": {"design": "lhs", "points": 500}}

Model = Callable[[pd.DataFrame], "pd.DataFrame | dict"]


@dataclass(frozen=True)
class Settings:
    """The ``[sensitivity]`` table of an experiment file (all optional)."""

    yearly: tuple[str, ...] = ()
    sobol: dict[str, Any] | None = None
    morris: dict[str, Any] | None = None
    delta: dict[str, Any] | None = None
    num_resamples: int = 100
    conf_level: float = 0.95
    top: int = 3
    max_ci_width: float = 0.1


@dataclass
class MethodResult:
    """The indices of one method and its summary for ``sensitivity.json``."""

    method: str
    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------------------------


def load(path: str | Path) -> tuple[Experiment, Settings]:
    """An experiment file and its ``[sensitivity]`` table (validated like the rest of the file)."""
    experiment = load_experiment(path)
    return experiment, parse_settings(experiment.sensitivity, experiment.source)


def parse_settings(table: Any, source: str = "(settings)") -> Settings:
    """Validate a ``[sensitivity]`` table."""
    if not isinstance(table, dict):
        raise ExperimentError(source, "sensitivity", "must be a table")
    allowed = {"yearly", "sobol", "morris", "delta", "num_resamples", "conf_level", "top", "max_ci_width"}
    for key in table:
        if key not in allowed:
            raise ExperimentError(source, f"sensitivity.{key}",
                                  f"unknown field; allowed fields are {', '.join(sorted(allowed))}")
    yearly = table.get("yearly", [])
    if not isinstance(yearly, list) or not all(isinstance(c, str) for c in yearly):
        raise ExperimentError(source, "sensitivity.yearly", "must be a list of yearly column names")
    for i, column in enumerate(yearly):
        if column == "year" or column not in OUTPUT_COLUMNS:
            raise ExperimentError(source, f"sensitivity.yearly[{i}]",
                                  f"unknown column {column!r}; known columns are "
                                  f"{', '.join(c for c in OUTPUT_COLUMNS if c != 'year')}")
    sub: dict[str, dict | None] = {}
    specs = {"sobol": {"n": (int, 2, 10_000_000), "second_order": (bool,)},
             "morris": {"trajectories": (int, 2, 10_000_000), "levels": (int, 2, 1000)},
             "delta": {"design": (str,), "points": (int, 10, 10_000_000)}}
    for method, spec in specs.items():
        value = table.get(method)
        if value is None:
            sub[method] = None
            continue
        if not isinstance(value, dict):
            raise ExperimentError(source, f"sensitivity.{method}", "must be a table")
        for key, v in value.items():
            where = f"sensitivity.{method}.{key}"
            if key not in spec:
                raise ExperimentError(source, where, f"unknown field; allowed fields are {', '.join(spec)}")
            kind = spec[key][0]
            if kind is int and (isinstance(v, bool) or not isinstance(v, int) or not spec[key][1] <= v <= spec[key][2]):
                raise ExperimentError(source, where, f"must be a whole number from {spec[key][1]} to {spec[key][2]}")
            if kind is bool and not isinstance(v, bool):
                raise ExperimentError(source, where, "must be true or false")
            if kind is str and v not in ("lhs", "sobol"):
                raise ExperimentError(source, where, f"must be \"lhs\" or \"sobol\", got {v!r}")
        sub[method] = dict(value)
    resamples = table.get("num_resamples", 100)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or not 10 <= resamples <= 100_000:
        raise ExperimentError(source, "sensitivity.num_resamples", "must be a whole number from 10 to 100000")
    conf = table.get("conf_level", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, int | float) or not 0.5 <= conf < 1:
        raise ExperimentError(source, "sensitivity.conf_level", "must be a number from 0.5 to below 1")
    top = table.get("top", 3)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ExperimentError(source, "sensitivity.top", "must be a whole number of at least 1")
    width = table.get("max_ci_width", 0.1)
    if isinstance(width, bool) or not isinstance(width, int | float) or not width > 0:
        raise ExperimentError(source, "sensitivity.max_ci_width", "must be a positive number")
    return Settings(tuple(dict.fromkeys(yearly)), sub["sobol"], sub["morris"], sub["delta"], resamples,
                    float(conf), top, float(width))


# --- designs ------------------------------------------------------------------------------------


def method_experiment(experiment: Experiment, method: str, settings: Settings) -> Experiment:
    """The experiment the batch engine runs for ``method``: the design replaced, the yearly columns kept.

    Sobol and Morris use the experiment's own design when it is of that method (unless the
    ``[sensitivity]`` table overrides it); delta uses the experiment's LHS design, else an
    LHS of ``[sensitivity.delta] points`` (the Sobol sample, and its batch, when ``design = "sobol"``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method in ("sobol", "morris"):
        design_method = method
        design = dict(DEFAULTS[method])
        if experiment.method == method:
            design.update(experiment.design)
        design.update(getattr(settings, method) or {})
    else:
        chosen = dict(settings.delta or {})
        kind = chosen.get("design", "lhs")  # a Sobol sample only when asked: delta is slow on large samples
        if kind == "sobol":
            return method_experiment(experiment, "sobol", settings)
        design_method = "lhs"
        design = {"points": chosen.get("points") or (experiment.design["points"] if experiment.method == "lhs"
                                                      else DEFAULTS["delta"]["points"])}
    yearly = tuple(dict.fromkeys([*experiment.yearly, *settings.yearly]))
    key = json.dumps([experiment.sha256, design_method, design, yearly], sort_keys=True)
    return dataclasses.replace(experiment, method=design_method, design=design, yearly=yearly, summaries=True,
                               csv_points=None, sha256=hashlib.sha256(key.encode()).hexdigest())


def unit_design(experiment: Experiment) -> np.ndarray:
    """The unit-cube sample behind the design points (row ``i`` is design point ``i``)."""
    return unit_samples(experiment.method, len(experiment.factors), experiment.design, experiment.seed)


# --- evaluation ---------------------------------------------------------------------------------


def evaluate_model(experiment: Experiment, model: Model) -> pd.DataFrame:
    """Run ``model`` on every (design point, replication): one row per run."""
    from ecosim.explore.runs import run_seed

    points = experiment.points()
    reps = experiment.replications
    index = np.arange(len(points) * reps)
    point, replication = np.divmod(index, reps)
    frame = pd.DataFrame({"point": point, "replication": replication})
    shared = experiment.common_random_numbers
    frame["seed"] = [int(run_seed(experiment.seed, 0 if shared else p, r).generate_state(1)[0])
                     for p, r in zip(point, replication)]
    for j, name in enumerate(experiment.factor_names):
        frame[name] = points[point, j]
    outputs = pd.DataFrame(model(frame.copy()))
    if len(outputs) != len(frame):
        raise ValueError(f"the model returned {len(outputs)} rows for {len(frame)} runs")
    outputs.index = frame.index
    return pd.concat([frame, outputs], axis=1)


def evaluate_batch(experiment: Experiment, folder: Path, workers: int | None, dask: str | bool | None,
                   restart: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Run (or resume) the batch of ``experiment`` into ``folder``: (summaries, yearly, failed runs)."""
    from ecosim.explore.batch import read_results, run_batch

    report = run_batch(experiment, folder, workers, dask, restart)
    yearly, summaries = read_results(folder)
    return summaries, yearly, report.failed


def point_means(runs: pd.DataFrame, columns: list[str], points: int) -> pd.DataFrame:
    """The mean of each column over a design point's replications, indexed 0..points-1 in order.

    A point with a failed run (no row) or a non-finite output in any replication gets NaN, so
    it is never hidden: the analysis reports it (Sobol and Morris need every point).
    """
    grouped = runs.groupby("point")
    means = grouped[columns].mean()
    means = means.mask(runs[columns].isna().groupby(runs["point"]).any())
    return means.reindex(range(points))


def noise_share(runs: pd.DataFrame, column: str) -> float | None:
    """Within-point variance over total variance of the run outputs (None with one replication)."""
    values = runs[["point", column]].dropna()
    counts = values.groupby("point")[column].count()
    if len(values) < 2 or counts.max() < 2:
        return None
    total = float(values[column].var(ddof=1))
    if total == 0 or not math.isfinite(total):
        return 0.0
    within = values.groupby("point")[column].var(ddof=1).dropna()
    weights = counts.loc[within.index] - 1
    return float((within * weights).sum() / weights.sum() / total)


# --- analysis -----------------------------------------------------------------------------------


DELTA_BIN_POINTS = 100
"""SALib's balanced delta cuts each factor's range into 10 bins of at least 10 points and merges bins
that have fewer: on a design of fewer points than this every factor's bins are merged, as expected."""
_PLACEHOLDER = re.compile(r"\[x(\d+)\]")
_BIN_MERGE = re.compile(r"^\[(?P<factor>[^\]]+)\]\[\w+\] Bin Merge Notice")
_BIAS = re.compile(r"^\[(?P<factor>[^\]]+)\] Potential Bias Notice: .*? by (?P<diff>\d+(?:\.\d+)?)")


class _SALibWarnings:
    """Stands in for the ``warnings`` module inside SALib's delta: keeps what it warns and changes no
    global state (SALib 1.6 sets ``warnings.formatwarning`` and ``simplefilter("once")`` for the whole
    process on every call, and names factors by the neutral placeholders this module gives it)."""

    formatwarning = staticmethod(warnings.formatwarning)

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: Any, *args: Any, **kwargs: Any) -> None:
        self.messages.append(str(message))

    def simplefilter(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class DeltaNotices:
    """SALib's notices over the delta analyses of one method, named by factor."""

    analyses: int = 0
    merged: dict[str, set[int]] = field(default_factory=dict)
    """Factor -> the design sizes (points) on which SALib merged its bins."""
    bias: dict[str, list[float]] = field(default_factory=dict)
    """Factor -> each difference between raw and balanced delta above SALib's 0.1."""
    other: dict[str, int] = field(default_factory=dict)
    """Any other message (placeholders replaced by factor names) -> how often."""

    def add(self, messages: list[str], names: list[str], points: int) -> None:
        """Record the messages of one analysis of ``points`` design points."""
        self.analyses += 1
        for message in messages:
            text = _PLACEHOLDER.sub(lambda m: f"[{names[int(m.group(1))]}]" if int(m.group(1)) < len(names)
                                    else m.group(0), message)
            if match := _BIN_MERGE.match(text):
                self.merged.setdefault(match["factor"], set()).add(points)
            elif match := _BIAS.match(text):
                self.bias.setdefault(match["factor"], []).append(float(match["diff"]))
            else:
                self.other[text] = self.other.get(text, 0) + 1

    def lines(self, method: str = "delta") -> list[str]:
        """One line per kind of notice: the expected bin merges summed up (silenced), the rest named by factor."""
        lines = []
        expected = {f: sizes for f, sizes in self.merged.items() if max(sizes) < DELTA_BIN_POINTS}
        if expected:
            sizes = sorted(set().union(*expected.values()))
            lines.append(f"{method}: SALib merged the bins of {len(expected)} factor(s) in its balanced estimate "
                         f"on {' and '.join(map(str, sizes))} points (fewer than {DELTA_BIN_POINTS // 10} points in "
                         f"each of its 10 bins below {DELTA_BIN_POINTS} points: expected, not shown one by one)")
        unexpected = {f: sizes for f, sizes in self.merged.items() if f not in expected}
        if unexpected:
            lines.append(f"{method}: SALib merged underpopulated bins of "
                         + ", ".join(f"{f} ({', '.join(map(str, sorted(s)))} points)" for f, s in unexpected.items()))
        if self.bias:
            ranked = sorted(self.bias.items(), key=lambda item: -max(item[1]))
            lines.append(f"{method}: raw and balanced delta differ by more than 0.1 (SALib's potential-bias notice: "
                         f"read these deltas with care; more points narrow it) for "
                         + ", ".join(f"{f} (up to {max(d):.2f}, {len(d)} of {self.analyses} analyses)"
                                     for f, d in ranked))
        lines += [f"{method}: SALib: {text}" + (f" ({count} times)" if count > 1 else "")
                  for text, count in self.other.items()]
        return lines


_NOTICES: contextvars.ContextVar[DeltaNotices | None] = contextvars.ContextVar("delta_notices", default=None)


@contextmanager
def delta_notices() -> Iterator[DeltaNotices]:
    """Collect the notices of every delta analysis inside the block (instead of printing them one by one)."""
    log = DeltaNotices()
    token = _NOTICES.set(log)
    try:
        yield log
    finally:
        _NOTICES.reset(token)


def report_notices(log: DeltaNotices, method: str = "delta") -> list[str]:
    """Print the notices' summary lines on stderr; returns them."""
    lines = log.lines(method)
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def _delta_analyze(problem: dict, unit: np.ndarray, y: np.ndarray, ci: dict, names: list[str]):
    """SALib's delta with its warnings kept (named by factor, into the active :func:`delta_notices`, or
    reported at once outside one) and the process's warning settings left as they were."""
    from SALib.analyze import delta

    stand_in = _SALibWarnings()
    saved_format = warnings.formatwarning
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        patched = hasattr(delta, "warnings")
        if patched:
            delta.warnings = stand_in
        try:
            result = delta.analyze(problem, unit, y, method="all", **ci)
        finally:
            if patched:
                delta.warnings = warnings
            warnings.formatwarning = saved_format
    messages = stand_in.messages + [str(w.message) for w in escaped]
    log = _NOTICES.get()
    if log is None:
        single = DeltaNotices()
        single.add(messages, names, len(y))
        report_notices(single)
    else:
        log.add(messages, names, len(y))
    return result


def _problem(names: list[str]) -> dict:
    # neutral names: SALib's delta refuses some name suffixes (_raw, _step, ...)
    return {"num_vars": len(names), "names": [f"x{i}" for i in range(len(names))],
            "bounds": [[0.0, 1.0]] * len(names)}


def analyse(method: str, experiment: Experiment, unit: np.ndarray, y: np.ndarray, settings: Settings,
            seed: int = 0) -> pd.DataFrame:
    """SALib indices of one output (``y``: one value per design point, in design order), tidy."""
    # SALib's delta solves thousands of tiny triangular systems; OpenBLAS threads spinning on a
    # busy machine made it ~75x slower (16 s instead of 0.2 s for 300 points, 4 factors)
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(method, experiment, unit, y, settings, seed)


def _analyse(method: str, experiment: Experiment, unit: np.ndarray, y: np.ndarray, settings: Settings,
             seed: int) -> pd.DataFrame:
    names = experiment.factor_names
    problem = _problem(names)
    ci = {"num_resamples": settings.num_resamples, "conf_level": settings.conf_level, "seed": seed}
    rows: list[tuple] = []

    def add(factor, index, value, conf=None):
        value = float(value)
        low, high = (value - float(conf), value + float(conf)) if conf is not None else (math.nan, math.nan)
        rows.append((factor, index, value, low, high))

    if method == "sobol":
        from SALib.analyze import sobol

        second = bool(experiment.design["second_order"])
        result = sobol.analyze(problem, y, calc_second_order=second, **ci)
        for i, name in enumerate(names):
            add(name, "S1", result["S1"][i], result["S1_conf"][i])
            add(name, "ST", result["ST"][i], result["ST_conf"][i])
        if second:
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    add(f"{names[i]}:{names[j]}", "S2", result["S2"][i, j], result["S2_conf"][i, j])
    elif method == "morris":
        from SALib.analyze import morris

        result = morris.analyze(problem, unit, y, num_levels=experiment.design["levels"], **ci)
        for i, name in enumerate(names):
            add(name, "mu_star", result["mu_star"][i], result["mu_star_conf"][i])
            add(name, "sigma", result["sigma"][i])
            add(name, "mu", result["mu"][i])
    else:
        result = _delta_analyze(problem, unit, y, ci, names)  # delta_raw: the classic bootstrap estimator
        for i, name in enumerate(names):
            add(name, "delta", result["delta_raw"][i], result["delta_raw_conf"][i])
            add(name, "S1", result["S1"][i], result["S1_conf"][i])
    return pd.DataFrame(rows, columns=["factor", "index", "value", "conf_low", "conf_high"])


def _half(method: str, experiment: Experiment, unit: np.ndarray, y: np.ndarray):
    """The first half of the sample when it is itself a valid sample of the method (else None)."""
    d = len(experiment.factors)
    if method == "sobol" or (method == "delta" and experiment.method == "sobol"):
        n = experiment.design["n"]
        block = 2 * d + 2 if experiment.design["second_order"] else d + 2
        half = n // 2
        if half < 2 or n % 2:
            return None
        design = {**experiment.design, "n": half}
        rows = half * block
    elif method == "morris":
        trajectories = len(y) // (d + 1)
        half = trajectories // 2
        if half < 2:
            return None
        design = {**experiment.design, "trajectories": half}
        rows = half * (d + 1)
    else:
        rows = len(y) // 2
        if rows < 10:
            return None
        design = {**experiment.design, "points": rows}
    return dataclasses.replace(experiment, design=design), unit[:rows], y[:rows]


def _top(table: pd.DataFrame, index: str, k: int) -> list[str]:
    ranked = table[table["index"] == index].sort_values("value", ascending=False, kind="stable")
    return list(ranked["factor"].head(k))


def convergence(method: str, experiment: Experiment, unit: np.ndarray, y: np.ndarray, full: pd.DataFrame,
                settings: Settings, seed: int = 0) -> dict[str, Any]:
    """Compare the ranking of the top factors on the whole sample (N) with its first half (N/2)."""
    index = RANK_INDEX[method]
    k = min(settings.top, len(experiment.factors))
    top_full = _top(full, index, k)
    ranked = full[(full["index"] == index) & full["factor"].isin(top_full)]
    widths = (ranked["conf_high"] - ranked["conf_low"]).to_numpy(dtype=float)
    scale = 1.0
    if method == "morris":  # mu* is in output units: widths relative to the largest mu*
        scale = float(full.loc[full["index"] == index, "value"].max()) or 1.0
    width = float(np.nanmax(widths) / scale) if len(widths) and np.isfinite(widths).any() else math.nan
    verdict: dict[str, Any] = {"index": index, "top": top_full, "max_ci_width": width,
                               "ci_width_relative_to_max": method == "morris",
                               "max_ci_width_allowed": settings.max_ci_width}
    half = _half(method, experiment, unit, y)
    if half is None:
        verdict.update(top_half=None, ranking_stable=None, converged=False,
                       reason="sample too small to compare N with N/2")
        return verdict
    half_experiment, half_unit, half_y = half
    if np.nanstd(half_y) == 0:
        verdict.update(top_half=None, ranking_stable=False, converged=False, reason="constant on the half sample")
        return verdict
    top_half = _top(analyse(method, half_experiment, half_unit, half_y, settings, seed), index, k)
    stable = top_half == top_full
    narrow = math.isfinite(width) and width <= settings.max_ci_width
    reasons = []
    if not stable:
        reasons.append(f"top-{k} ranking at N/2 {top_half} differs from N {top_full}")
    if not narrow:
        reasons.append(f"widest interval of a top factor {width:.3g} > {settings.max_ci_width:g}")
    verdict.update(top_half=top_half, ranking_stable=stable, converged=stable and narrow,
                   reason="; ".join(reasons) or "ranking stable and intervals narrow")
    return verdict


def analyse_method(method: str, experiment: Experiment, runs: pd.DataFrame, settings: Settings,
                   outputs: dict[str, str], yearly: pd.DataFrame | None = None,
                   yearly_columns: tuple[str, ...] = (), first_year: int | None = None) -> MethodResult:
    """Indices of every output of one method from the runs (one row per run) of its design.

    SALib's delta notices over all its analyses (outputs, years and the half samples of the convergence
    check) are named by factor and summed up in a few lines, printed on stderr and kept in the summary
    (``salib_notices``): the bin merges expected on a small design are said once, not per factor and
    analysis."""
    with delta_notices() as log:
        result = _method_indices(method, experiment, runs, settings, outputs, yearly, yearly_columns, first_year)
    notices = report_notices(log, method)
    if notices:
        result.summary["salib_notices"] = notices
    return result


def _method_indices(method: str, experiment: Experiment, runs: pd.DataFrame, settings: Settings,
                    outputs: dict[str, str], yearly: pd.DataFrame | None, yearly_columns: tuple[str, ...],
                    first_year: int | None) -> MethodResult:
    """:func:`analyse_method` without the notices."""
    points = experiment.points()
    unit = unit_design(experiment)
    factors = experiment.factor_names
    if len(unit) != len(points):
        raise AssertionError("the unit sample and the design points differ in length")
    present = {name: column for name, column in outputs.items() if column in runs.columns}
    means = point_means(runs, list(dict.fromkeys(present.values())), len(points))
    _check_points(runs, points, factors)
    seed = int(experiment.seed) % (2**32)
    parts, summary = [], {}
    for name, column in present.items():
        y = means[column].to_numpy(dtype=float)
        entry: dict[str, Any] = {"column": column, "replication_noise_share": noise_share(runs, column)}
        bad = np.flatnonzero(~np.isfinite(y))
        if len(bad):
            entry.update(nonfinite_points=[int(b) for b in bad[:20]], nonfinite_count=int(len(bad)))
        if len(bad) and method == "delta" and len(bad) < len(y) // 2:
            # delta is a given-data method: drop the points without a finite output (recorded)
            keep = np.isfinite(y)
            entry["dropped_points"] = int(len(bad))
            d_experiment = dataclasses.replace(experiment, design={**experiment.design, "points": int(keep.sum())})
            result = _analysed(method, d_experiment, unit[keep], y[keep], settings, seed, name)
            parts.append(result[0])
            entry.update(analysed=True, top_factors=result[1]["top"], convergence=result[1])
        elif len(bad):
            entry.update(analysed=False,
                         reason=f"no finite value at {len(bad)} of {len(y)} design points (first: "
                                f"{', '.join(map(str, bad[:5]))}; failed runs or NaN model output); "
                                f"{method} needs every point")
        elif np.std(y) == 0:
            entry.update(analysed=False,
                         reason=f"constant ({y[0]:g}) over the design: no variance to apportion")
        else:
            table, verdict = _analysed(method, experiment, unit, y, settings, seed, name)
            parts.append(table)
            entry.update(analysed=True, top_factors=verdict["top"], convergence=verdict)
        summary[name] = entry
    yearly_summary = {}
    if yearly is not None and yearly_columns:
        years = sorted(int(v) for v in yearly["year"].unique() if first_year is None or v >= first_year)
        for column in yearly_columns:
            wide = yearly.pivot_table(index="point", columns="year", values=column, aggfunc="mean")
            wide = wide.reindex(range(len(points)))
            skipped = []
            for year in years:
                y = wide[year].to_numpy(dtype=float)
                if not np.isfinite(y).all() or np.std(y) == 0:
                    skipped.append(year)
                    continue
                table = analyse(method, experiment, unit, y, settings, seed)
                table.insert(0, "output", column)
                table.insert(1, "year", year)
                parts.append(table)
            yearly_summary[column] = {"years": years, "constant_or_missing_years": skipped}
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INDEX_COLUMNS[1:])
    if "year" not in table.columns:
        table["year"] = pd.NA
    table.insert(0, "method", method)
    table["year"] = table["year"].astype("Int64")
    table = table[INDEX_COLUMNS]
    info = {"design": {"method": experiment.method, **experiment.design}, "design_points": len(points),
            "replications": experiment.replications, "runs": int(len(runs)), "outputs": summary}
    if yearly_summary:
        info["yearly"] = yearly_summary
    return MethodResult(method, table, info)


def _analysed(method, experiment, unit, y, settings, seed, name):
    table = analyse(method, experiment, unit, y, settings, seed)
    table.insert(0, "output", name)
    return table, convergence(method, experiment, unit, y, table, settings, seed)


def _check_points(runs: pd.DataFrame, points: np.ndarray, factors: list[str]) -> None:
    """The factor values recorded with each run must be its design point's (row order = point index)."""
    if not set(factors) <= set(runs.columns):
        return
    recorded = runs.groupby("point")[factors].first().reindex(range(len(points))).to_numpy(dtype=float)
    ok = np.isnan(recorded) | np.isclose(recorded, points, rtol=1e-9, atol=1e-12)
    if not ok.all():
        bad = int(np.flatnonzero(~ok.all(axis=1))[0])
        raise ValueError(f"design point {bad} of the batch does not match the sensitivity design; "
                         "was the batch folder made from another experiment? (use restart=True)")


# --- the whole analysis ---------------------------------------------------------------------------


def default_method(experiment: Experiment) -> str:
    """The sensitivity method an experiment's design calls for: sobol and morris designs their own
    method, an LHS design delta; a grid or CSV design has none (ExperimentError naming the field)."""
    method = DESIGN_METHODS.get(experiment.method)
    if method is None:
        raise ExperimentError(experiment.source, "design.method",
                              f"a {experiment.method!r} design has no sensitivity method; use a sobol, morris or "
                              "lhs design, or choose the method (--method sobol, morris, delta or all)")
    return method


def _methods(experiment: Experiment, method: str | None) -> tuple[str, ...]:
    """The methods to run: ``method`` (``all`` for every one), by default the design's."""
    method = method or default_method(experiment)
    methods = METHODS if method == "all" else (method,)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} or all, got {method!r}")
    return methods


def plan(experiment: str | Path | Experiment, method: str | None = None,
         settings: Settings | None = None) -> dict[str, dict[str, int]]:
    """The runs a sensitivity analysis needs, without running: per method the design points,
    replications and runs (a delta on the Sobol sample shares its runs: ``shared_with``)."""
    if not isinstance(experiment, Experiment):
        experiment, file_settings = load(experiment)
        settings = settings or file_settings
    settings = settings or Settings()
    out, seen = {}, {}
    for m in _methods(experiment, method):
        design = method_experiment(experiment, m, settings)
        points = len(design.points())
        entry = {"design_points": points, "replications": design.replications,
                 "runs": 0 if design.sha256 in seen else points * design.replications}
        if design.sha256 in seen:
            entry["shared_with"] = seen[design.sha256]
        seen.setdefault(design.sha256, m)
        out[m] = entry
    return out


def seconds_per_run(experiment: str | Path | Experiment, timed: int = 2) -> float:
    """Seconds one run of the experiment's scenario takes here: the fastest of ``timed`` runs
    (the first includes the start-up cost)."""
    import time

    from ecosim.explore.runs import run_seed
    from ecosim.model import simulate

    if not isinstance(experiment, Experiment):
        experiment, _ = load(experiment)
    times = []
    for r in range(timed):
        start = time.perf_counter()
        simulate(experiment.scenario, run_seed(experiment.seed, 0, r))
        times.append(time.perf_counter() - start)
    return min(times)


def sensitivity(experiment: str | Path | Experiment, out: str | Path, method: str | None = None,
                workers: int | None = None, dask: str | bool | None = None, *, model: Model | None = None,
                yearly: list[str] | tuple[str, ...] | None = None, settings: Settings | None = None,
                restart: bool = False, charts: bool = True, lang: str = "en") -> pd.DataFrame:
    """Sensitivity indices of an experiment's factors; writes ``out/indices.csv``, ``sensitivity.json``, charts.

    ``method``: ``sobol``, ``morris``, ``delta`` or ``all``; by default the experiment's design
    decides (:func:`default_method`). Charts are labelled in ``lang`` (``en`` or ``zh``); those of
    indices that did not converge are stamped NOT CONVERGED. The runs go through the batch engine
    into ``out/batch-<method>`` (``workers``, ``dask`` and resume as for :func:`ecosim.batch`), or
    through ``model`` when given. ``yearly`` adds yearly columns analysed year by year. Returns
    the tidy index table (``method, output, year, factor, index, value, conf_low, conf_high``);
    its ``attrs["summary"]`` is this call's part of ``sensitivity.json``. The files keep the
    results of other methods already in ``out`` for the same experiment file and factors, so
    ``--method sobol`` then ``--method morris`` leaves both in ``indices.csv``.
    """
    if isinstance(experiment, Experiment):
        settings = settings or Settings()
    else:
        experiment, file_settings = load(experiment)
        settings = settings or file_settings
    if yearly:
        for column in yearly:
            if column == "year" or column not in OUTPUT_COLUMNS:
                raise ExperimentError(experiment.source, "--yearly", f"unknown yearly column {column!r}")
        settings = dataclasses.replace(settings, yearly=tuple(dict.fromkeys([*settings.yearly, *yearly])))
    methods = _methods(experiment, method)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, warnings, folders = [], [], {}
    for m in methods:
        design = method_experiment(experiment, m, settings)
        if model is not None:
            runs, yearly_table, failed = evaluate_model(design, model), None, 0
            outputs = {("p_target_met" if c == "target_met" else c): c for c in runs.columns
                       if c not in ("point", "replication", "seed", *design.factor_names)}
            folder = None
        else:
            # delta on a Sobol design reuses the Sobol batch
            name = "sobol" if (m == "delta" and design.method == "sobol") else m
            folder = folders.get(design.sha256, out / f"batch-{name}")
            folders[design.sha256] = folder
            runs, yearly_table, failed = evaluate_batch(design, folder, workers, dask, restart)
            outputs = SCALAR_OUTPUTS
        result = analyse_method(m, design, runs, settings, outputs, yearly_table, settings.yearly,
                                design.scenario.policy_start_year)
        result.summary["batch"] = str(folder) if folder else None
        result.summary["failed_runs"] = failed
        for output, entry in result.summary["outputs"].items():
            verdict = entry.get("convergence")
            if verdict and not verdict["converged"]:
                warnings.append(f"{m} indices of {output} have not converged: {verdict['reason']}; "
                                "increase the sample size")
        results.append(result)
    table = pd.concat([r.table for r in results], ignore_index=True)
    summary = {"experiment": experiment.name, "experiment_file": str(Path(experiment.source).resolve()),
               "factors": experiment.factor_names, "scenario": experiment.scenario.name, "seed": experiment.seed,
               "methods": {r.method: r.summary for r in results},
               "converged": not warnings, "warnings": warnings}
    # the files also keep the other methods' results already in ``out`` (same experiment)
    all_table, all_summary = _merge_previous(out, table, summary)
    all_table.to_csv(out / "indices.csv", index=False)
    if charts:
        from ecosim.charts.sensitivity import write_charts

        all_summary["charts"] = [str(p) for p in write_charts(all_table, out / "charts", lang, all_summary)]
    (out / "sensitivity.json").write_text(json.dumps(_jsonable(all_summary), indent=2, ensure_ascii=False) + "\n")
    table.attrs["summary"] = summary
    return table


def _merge_previous(out: Path, table: pd.DataFrame, summary: dict) -> tuple[pd.DataFrame, dict]:
    """Keep the other methods' results already in ``out`` (same experiment file and factors)."""
    try:
        previous = json.loads((out / "sensitivity.json").read_text())
        old = pd.read_csv(out / "indices.csv", dtype={"factor": str, "index": str, "method": str, "output": str})
    except (OSError, ValueError):
        return table, summary
    if (previous.get("experiment_file") != summary["experiment_file"]
            or previous.get("factors") != summary["factors"]):
        return table, summary
    mine = set(summary["methods"])
    kept = {m: v for m, v in previous.get("methods", {}).items() if m not in mine}
    if not kept:
        return table, summary
    old = old[old["method"].isin(kept)]
    old["year"] = old["year"].astype("Int64")
    table = pd.concat([old[INDEX_COLUMNS], table], ignore_index=True)
    warnings = [w for w in previous.get("warnings", []) if w.split(" ", 1)[0] in kept] + summary["warnings"]
    summary = {**summary, "methods": {**kept, **summary["methods"]}, "warnings": warnings,
               "converged": not warnings}
    return table, summary


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value
