"""The runs of a global sensitivity analysis (:mod:`ecosim.analysis.sensitivity` reads them): the
``[sensitivity]`` settings of an experiment, the design each method needs, and its runs.

For each method the design is built exactly as the batch engine builds it
(:func:`ecosim.explore.designs.unit_samples` mapped by each factor's inverse CDF) and the runs go
through :func:`ecosim.explore.batch.run_batch` into ``<folder>/batch-<method>`` (so parallel
workers, Dask, streaming and resume all apply), or through a ``model`` function in place of the ABM.

An experiment may carry a ``[sensitivity]`` table (read here; ``ecosim batch`` ignores it)::

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

``model`` replaces the ABM by a function (for tests and analytic checks): it gets a frame with
``point``, ``replication``, ``seed`` (an int) and one column per factor (one row per run) and
returns a frame (or dict of arrays) of outputs, one row per run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.explore.batch import batch_inputs, read_results, run_batch
from ecosim.explore.experiment import Experiment, ExperimentError, load_experiment
from ecosim.explore.runs import run_seed
from ecosim.model import OUTPUT_COLUMNS, simulate

METHODS = ("sobol", "morris", "delta")
DESIGN_METHODS = {"sobol": "sobol", "morris": "morris", "lhs": "delta"}
"""Design method of an experiment file -> the sensitivity method it is made for."""
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


def experiment_settings(experiment: str | Path | Experiment, settings: Settings | None = None,
                        yearly: list[str] | tuple[str, ...] | None = None) -> tuple[Experiment, Settings]:
    """The experiment (loaded when a path) and the settings an analysis uses: ``settings``, else the
    experiment's ``[sensitivity]`` table, with the ``yearly`` columns added."""
    if isinstance(experiment, Experiment):
        settings = settings or parse_settings(experiment.sensitivity, experiment.source)
    else:
        experiment, file_settings = load(experiment)
        settings = settings or file_settings
    if yearly:
        for column in yearly:
            if column == "year" or column not in OUTPUT_COLUMNS:
                raise ExperimentError(experiment.source, "--yearly", f"unknown yearly column {column!r}")
        settings = dataclasses.replace(settings, yearly=tuple(dict.fromkeys([*settings.yearly, *yearly])))
    return experiment, settings


def analysis_inputs(experiment: Experiment, settings: Settings, model: Model | None = None) -> dict[str, Any]:
    """Everything a sensitivity analysis's indices depend on, as its folder's ``manifest.json`` records
    them (see :func:`ecosim.explore.store.claim_folder`): the batch's inputs
    (:func:`ecosim.explore.batch.batch_inputs`), each analysis setting, and the model run."""
    inputs = batch_inputs(experiment)
    for name, value in dataclasses.asdict(settings).items():
        inputs[f"sensitivity setting {name}"] = (value if value is None or isinstance(value, bool | int | float | str)
                                                 else json.dumps(value, sort_keys=True))
    inputs["model"] = "ecosim" if model is None else _name(model)
    return inputs


def _name(model: Model) -> str:
    """A model function's qualified name (its module and name), as a folder's inputs record it."""
    name = getattr(model, "__qualname__", type(model).__qualname__)
    return f"{getattr(model, '__module__', type(model).__module__)}.{name}"


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


def default_method(experiment: Experiment) -> str:
    """The sensitivity method an experiment's design calls for: sobol and morris designs their own
    method, an LHS design delta; a grid or CSV design has none (ExperimentError naming the field)."""
    method = DESIGN_METHODS.get(experiment.method)
    if method is None:
        raise ExperimentError(experiment.source, "design.method",
                              f"a {experiment.method!r} design has no sensitivity method; use a sobol, morris or "
                              "lhs design, or choose the method (--method sobol, morris, delta or all)")
    return method


def methods_to_run(experiment: Experiment, method: str | None) -> tuple[str, ...]:
    """The methods to run: ``method`` (``all`` for every one), by default the design's."""
    method = method or default_method(experiment)
    methods = METHODS if method == "all" else (method,)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} or all, got {method!r}")
    return methods


def batch_name(method: str, design: Experiment) -> str:
    """The batch subfolder of ``method``'s runs: delta on a Sobol design reuses the Sobol batch."""
    return "sobol" if (method == "delta" and design.method == "sobol") else method


# --- evaluation ---------------------------------------------------------------------------------


def evaluate_model(experiment: Experiment, model: Model) -> pd.DataFrame:
    """Run ``model`` on every (design point, replication): one row per run."""
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
                   force: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Run (or resume) the batch of ``experiment`` into ``folder``: (summaries, yearly, failed runs)."""
    report = run_batch(experiment, folder, workers, dask, force)
    yearly, summaries = read_results(folder)
    return summaries, yearly, report.failed


@contextmanager
def batch_folder(out: str | Path | None, model: Model | None) -> Iterator[Path | None]:
    """The folder the batches of an analysis go into: ``out`` when given; without it, a temporary
    folder removed when the block ends (None when a ``model`` runs in memory)."""
    if out is not None:
        yield Path(out)
    elif model is not None:
        yield None
    else:
        with tempfile.TemporaryDirectory(prefix="ecosim-sensitivity-") as folder:
            yield Path(folder)


# --- planning -----------------------------------------------------------------------------------


def plan(experiment: str | Path | Experiment, method: str | None = None,
         settings: Settings | None = None) -> dict[str, dict[str, int]]:
    """The runs a sensitivity analysis needs, without running: per method the design points,
    replications and runs (a delta on the Sobol sample shares its runs: ``shared_with``)."""
    if not isinstance(experiment, Experiment):
        experiment, file_settings = load(experiment)
        settings = settings or file_settings
    settings = settings or Settings()
    out, seen = {}, {}
    for m in methods_to_run(experiment, method):
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
    if not isinstance(experiment, Experiment):
        experiment, _ = load(experiment)
    times = []
    for r in range(timed):
        start = time.perf_counter()
        simulate(experiment.scenario, run_seed(experiment.seed, 0, r))
        times.append(time.perf_counter() - start)
    return min(times)
