"""Global sensitivity analysis of an experiment: Sobol, Morris and delta indices from the runs of its design.

The runs come from :mod:`ecosim.explore.sensitivity` (the design each method needs, run through the
batch engine or a ``model`` function); SALib analyses here the per-design-point mean over
replications, row ``i`` of the SALib sample being design point ``i``. The public
:func:`ecosim.api.sensitivity.sensitivity` runs, analyses and (when asked) writes; nothing here
runs a model or writes a file.

Outputs analysed: the target-year ``rd_intensity`` and ``rd_intensity_gap``, ``p_target_met``
(the share of a point's replications meeting the target), the total ``government_cost`` (outlay
and revenue forgone) and ``social_cost`` (plus the mandates' compliance cost) over the cost window,
and any yearly column asked for (indices per year from the policy start year to the
horizon).

SALib's delta warns per factor and analysis (bins merged, raw and balanced delta apart); those notices are
named by factor and summed up in a few lines per method (:class:`DeltaNotices`), printed on stderr and kept
in ``sensitivity.json``, and SALib's changes to the process's warning settings are kept out.
"""

from __future__ import annotations

import contextvars
import dataclasses
import math
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits
import pandas as pd

from ecosim.explore.designs import unit_samples
from ecosim.explore.experiment import Experiment, experiment_file

if TYPE_CHECKING:
    from ecosim.explore.sensitivity import Settings

SCALAR_OUTPUTS = {"rd_intensity": "rd_intensity", "rd_intensity_gap": "rd_intensity_gap",
                  "p_target_met": "target_met", "government_cost": "government_cost", "social_cost": "social_cost"}
"""Analysed output name -> summary column (its per-point mean is analysed)."""
INDEX_COLUMNS = ["method", "output", "year", "factor", "index", "value", "conf_low", "conf_high"]
RANK_INDEX = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}
"""The index that ranks the factors for each method."""


@dataclass
class MethodResult:
    """The indices of one method and its summary for ``sensitivity.json``."""

    method: str
    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def unit_design(experiment: Experiment) -> np.ndarray:
    """The unit-cube sample behind the design points (row ``i`` is design point ``i``)."""
    return unit_samples(experiment.method, len(experiment.factors), experiment.design, experiment.seed)


def model_outputs(runs: pd.DataFrame, factors: list[str]) -> dict[str, str]:
    """Analysed output name -> column of the runs of a ``model`` function: every column it returned
    (``target_met`` analysed as ``p_target_met``)."""
    return {("p_target_met" if c == "target_met" else c): c for c in runs.columns
            if c not in ("point", "replication", "seed", *factors)}


# --- per-point means ------------------------------------------------------------------------------


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
                         "was the batch folder made from another experiment? (use force=True)")


# --- the whole analysis ---------------------------------------------------------------------------


def summarise(experiment: Experiment, results: list[MethodResult]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The tidy index table of every method's results (``method, output, year, factor, index, value,
    conf_low, conf_high``) and the summary of ``sensitivity.json``: the experiment, each method's
    summary, and a warning for each output whose indices have not converged."""
    unconverged = []
    for result in results:
        for output, entry in result.summary["outputs"].items():
            verdict = entry.get("convergence")
            if verdict and not verdict["converged"]:
                unconverged.append(f"{result.method} indices of {output} have not converged: {verdict['reason']}; "
                                   "increase the sample size")
    table = pd.concat([r.table for r in results], ignore_index=True)
    summary = {"experiment": experiment.name, "experiment_file": experiment_file(experiment),
               "factors": experiment.factor_names, "scenario": experiment.scenario.name, "seed": experiment.seed,
               "methods": {r.method: r.summary for r in results},
               "converged": not unconverged, "warnings": unconverged}
    return table, summary
