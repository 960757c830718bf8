"""Experiments: a scenario, factors with distributions, a design, replications and outputs, read from TOML.

An experiment file names a scenario (built-in name or a path relative to the experiment file),
the factors to vary (``[factors."levers.NAME"]`` or ``[factors.assumptions.NAME]``, each with a
distribution), a design (grid, Latin hypercube, Sobol/Saltelli, Morris or a user CSV), the number
of replications per design point, the root seed and the outputs kept. It is validated like a
scenario: every error names the file, the field and what is allowed, and nothing is run before
the whole file is valid.

Example::

    name = "lever-screening"
    scenario = "baseline"
    replications = 2
    seed = 7
    [factors."levers.rd_reward_rate"]
    distribution = "uniform"            # low/high default to the catalogue range
    [factors.assumptions.rd_user_cost_elasticity]
    distribution = "triangular"
    mode = 1.0
    [design]
    method = "lhs"
    points = 20
    [outputs]
    yearly = ["rd_intensity", "government_cost"]
    summaries = true
"""

from __future__ import annotations

import hashlib
import json
import math
import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ecosim.assumptions import ASSUMPTIONS
from ecosim.checks import show, text_field, whole_number
from ecosim.constraints import FUNDING_SHARES, funding_violations
from ecosim.explore.provenance import scenario_toml
from ecosim.explore.store import file_sha256
from ecosim.levers import LEVERS
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import (BUILTIN_SCENARIOS, Scenario, ScenarioError, builtin_scenario_path, load_scenario,
                             read_toml)

DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "discrete": ("values",),
}
METHODS = {
    "grid": ("levels",),
    "lhs": ("points",),
    "sobol": ("n", "second_order"),
    "morris": ("trajectories", "levels"),
    "csv": ("file",),
}
DEFAULT_YEARLY = ("rd_intensity", "national_rd_intensity", "rd_intensity_gap", "target_met", "government_cost")
MAX_RUNS = 10_000_000
PYTHON_SOURCE = "(python)"
"""How the source of an experiment built in Python begins (its name follows)."""

_TOP_LEVEL = {
    "name": "a text",
    "description": "a text",
    "scenario": "a built-in scenario name or a scenario file path relative to the experiment file",
    "factors": "a table of factors (levers.NAME or assumptions.NAME)",
    "design": "a table with method and its settings",
    "replications": "a whole number from 1 to 1000000",
    "seed": "a whole number from 0 to 2**63-1",
    "outputs": "a table with yearly (list of columns) and summaries (true/false)",
    "common_random_numbers": "true or false: every design point uses the same seeds (default false: one seed "
                             "per design point and replication)",
    "parameter_uncertainty": "true or false: draw calibrated parameters per run (default: the scenario's setting)",
    "sensitivity": "a table of sensitivity-analysis settings (read by `ecosim sensitivity`, ignored by `ecosim batch`)",
}


class ExperimentError(ScenarioError):
    """An experiment that cannot be run: names the file, the field and what is allowed."""


@dataclass(frozen=True)
class Factor:
    """One input varied by the design: a lever (held from the policy start year on) or an assumption."""

    name: str
    """``levers.NAME`` or ``assumptions.NAME``."""
    distribution: str
    params: dict[str, Any]
    low: float
    """The catalogue range; every value the factor takes lies inside it."""
    high: float
    integer: bool = False

    @property
    def kind(self) -> str:
        """``levers`` or ``assumptions``."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The lever or assumption name."""
        return self.name.split(".", 1)[1]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples to the factor's values (integer factors rounded)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        p = self.params
        if self.distribution == "uniform":
            values = stats.uniform(loc=p["low"], scale=p["high"] - p["low"]).ppf(u)
        elif self.distribution == "normal":
            # truncated to the catalogue range so every value is a valid input
            a, b = (self.low - p["mean"]) / p["sd"], (self.high - p["mean"]) / p["sd"]
            values = stats.truncnorm(a, b, loc=p["mean"], scale=p["sd"]).ppf(u)
        elif self.distribution == "triangular":
            width = p["high"] - p["low"]
            values = stats.triang((p["mode"] - p["low"]) / width, loc=p["low"], scale=width).ppf(u)
        else:
            options = np.asarray(p["values"], dtype=float)
            values = options[np.minimum((u * len(options)).astype(int), len(options) - 1)]
        values = np.clip(values, self.low, self.high)
        return np.round(values) if self.integer else values

    def levels(self, count: int) -> np.ndarray:
        """Grid levels: the discrete values, or ``count`` evenly spaced quantiles from 0 to 1."""
        if self.distribution == "discrete":
            return np.asarray(self.params["values"], dtype=float)
        return np.unique(self.ppf(np.linspace(0.0, 1.0, count)))


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: a scenario, factors with their distributions, a design and replications.

    Built in Python or read from an experiment TOML file (:func:`load_experiment`); both go through the
    same checks, so a wrong value is refused in the same words::

        Experiment(scenario="baseline",
                   factors={"levers.rd_reward_rate": (0.0, 0.10),
                            "levers.guidance_fund_capital": {"distribution": "discrete", "values": [5.0, 50.0]}},
                   design={"method": "lhs", "points": 16}, replications=2, seed=7)

    ``scenario``: a Scenario, a built-in name or a scenario file. ``factors``: ``levers.NAME`` or
    ``assumptions.NAME`` to a table as in the file (``distribution`` and its parameters; default
    uniform over the catalogue range), or a ``(low, high)`` pair for a uniform range. ``design``: a
    table with ``method`` (grid, lhs, sobol, morris, csv) and its settings, or just the method's name.
    ``yearly``/``summaries`` are the file's ``[outputs]``; ``sensitivity`` and ``common_random_numbers``
    its fields of those names. A batch of a Python-built experiment records the experiment's content
    hash (the scenario as run included) in place of a file's.
    """

    name: str = "experiment"
    description: str = ""
    scenario: Scenario | str | Path | None = None
    scenario_ref: str = ""
    factors: Any = ()
    method: str = ""
    design: dict[str, Any] | str | None = None
    replications: int = 1
    seed: int | None = None
    yearly: tuple[str, ...] | None = None
    summaries: bool | None = None
    source: str = ""
    sha256: str = ""
    """The content hash of the experiment file (of the fields and the scenario as run, for one built in Python)."""
    csv_points: np.ndarray | None = field(default=None, compare=False)
    sensitivity: dict[str, Any] = field(default_factory=dict, compare=False)
    """The raw ``[sensitivity]`` table, validated by the sensitivity analysis that reads it."""
    common_random_numbers: bool = False
    """Replication r of every design point runs with seed (root, 0, r): differences between design
    points are then the factors' doing, not noise (recommended for sensitivity analysis)."""

    def __post_init__(self) -> None:
        """Validate an experiment built in Python (one without a content hash yet) as a file is validated."""
        if self.sha256:
            return
        source = f"{PYTHON_SOURCE} {self.name}"
        scenario = (self.scenario if isinstance(self.scenario, Scenario)
                    else _scenario(str(self.scenario or "baseline"), Path.cwd(), source, None))
        raw: dict[str, Any] = {"name": self.name, "description": self.description, "scenario": scenario.name,
                               "factors": ({k: _factor_table(v) for k, v in self.factors.items()}
                                           if isinstance(self.factors, dict) else self.factors),
                               "design": self._design_table(),
                               "replications": self.replications, "sensitivity": self.sensitivity,
                               "common_random_numbers": self.common_random_numbers}
        if self.seed is not None:
            raw["seed"] = self.seed
        yearly = [self.yearly] if isinstance(self.yearly, str) else self.yearly
        outputs = {k: v for k, v in (("yearly", yearly), ("summaries", self.summaries)) if v is not None}
        if outputs:
            raw["outputs"] = {k: list(v) if k == "yearly" else v for k, v in outputs.items()}
        built = _validate(raw, source, Path.cwd(), "(content hash, set below)", scenario=scenario)
        for f in fields(self):
            object.__setattr__(self, f.name, getattr(built, f.name))
        object.__setattr__(self, "sha256", self.content_sha256())

    def _design_table(self) -> Any:
        """The design as given in Python: a method's name, or a table (``method`` may be given apart)."""
        if isinstance(self.design, str):
            return {"method": self.design}
        if isinstance(self.design, dict) and self.method and "method" not in self.design:
            return {"method": self.method, **self.design}
        return self.design

    def content_sha256(self) -> str:
        """The sha256 of what the experiment runs: its validated fields, its design points from a CSV
        file and its scenario as run (not where it was read from). Two experiments with the same hash
        make the same runs; any change (a field, the scenario, a copy made with
        :func:`dataclasses.replace`) changes it."""
        content = {f.name: getattr(self, f.name) for f in fields(self)
                   if f.name not in ("scenario", "scenario_ref", "source", "sha256", "csv_points")}
        content["factors"] = [dataclasses.asdict(f) for f in self.factors]
        content["csv_points"] = None if self.csv_points is None else np.asarray(self.csv_points).tolist()
        content["scenario"] = scenario_toml(self.scenario).split("\n", 1)[1]
        text = json.dumps(content, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def built_in_python(self) -> bool:
        """Whether the experiment was built in Python rather than read from a file."""
        return self.source.startswith(PYTHON_SOURCE)

    def input_files(self) -> dict[str, Path]:
        """The files the experiment reads: itself, its scenario (a built-in one's shipped file) and
        its CSV design (a Python-built experiment: only its CSV design; its content hash stands for the rest)."""
        if self.built_in_python:
            return {"design file": Path.cwd() / self.design["file"]} if self.method == "csv" else {}
        folder = Path(self.source).parent
        scenario = folder / self.scenario_ref
        files = {"experiment file": Path(self.source),
                 "scenario file": scenario if scenario.is_file() else builtin_scenario_path(self.scenario_ref)}
        if self.method == "csv":
            files["design file"] = folder / self.design["file"]
        return files

    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]

    def points(self) -> np.ndarray:
        """The design matrix: one row per design point, one column per factor."""
        from ecosim.explore.designs import design_points

        return design_points(self)

    def point_count(self) -> int:
        """The number of design points, computed without building the design."""
        from ecosim.explore.designs import design_size

        return design_size(self)


def experiment_file(experiment: Experiment) -> str | None:
    """The absolute path of the file an experiment was read from; None for one built in Python."""
    return None if experiment.built_in_python else str(Path(experiment.source).resolve())


def load_experiment(path: str | Path, region: str | Path | None = None) -> Experiment:
    """Read and validate an experiment file; ``region`` (a built-in name or a bundle folder) replaces
    the region its scenario names."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ExperimentError(source, "(file)", "no such file; give an experiment TOML file")
    raw = read_toml(path, source, "an experiment TOML file", ExperimentError)
    return _validate(raw, source, path.parent, file_sha256(path), region)


# --- validation -----------------------------------------------------------------------------


def _validate(raw: dict, source: str, folder: Path, sha: str, region: str | Path | None = None,
              scenario: Scenario | None = None) -> Experiment:
    """The experiment ``raw`` describes (an experiment file's table, or what :class:`Experiment` was given,
    with its ``scenario`` already loaded), checked field by field."""
    for key in raw:
        if key not in _TOP_LEVEL:
            raise ExperimentError(source, key, f"unknown field; allowed fields are {', '.join(_TOP_LEVEL)}")
    name = _experiment_text(raw, "name", Path(source).stem, source)
    description = _experiment_text(raw, "description", "", source)
    if "scenario" not in raw:
        raise ExperimentError(source, "scenario", f"missing; give {_TOP_LEVEL['scenario']}")
    ref = raw["scenario"]
    if scenario is None:
        scenario = _scenario(ref, folder, source, region)
    if "parameter_uncertainty" in raw:
        if not isinstance(raw["parameter_uncertainty"], bool):
            raise ExperimentError(source, "parameter_uncertainty",
                                  f"must be true or false, got {show(raw['parameter_uncertainty'])}")
        scenario = scenario.with_changes(parameter_uncertainty=raw["parameter_uncertainty"])
    replications = _experiment_whole(raw.get("replications", 1), "replications", 1, 1_000_000, source)
    seed = _experiment_whole(raw.get("seed", scenario.seed), "seed", 0, 2**63 - 1, source)
    design = raw.get("design")
    if not isinstance(design, dict):
        raise ExperimentError(source, "design", f"must be a table with method = one of {', '.join(METHODS)}"
                              + ("" if design is None else f", got {show(design)}"))
    method = design.get("method")
    if method not in METHODS:
        raise ExperimentError(source, "design.method", f"must be one of {', '.join(METHODS)}, got {show(method)}")
    for key in design:
        if key != "method" and key not in METHODS[method]:
            allowed = ", ".join(("method",) + METHODS[method])
            raise ExperimentError(source, f"design.{key}", f"unknown for method {method!r}; allowed are {allowed}")
    settings, csv_points, factors = _design(method, design, raw, folder, source)
    yearly, summaries = _outputs(raw.get("outputs", {}), source)
    sensitivity = raw.get("sensitivity", {})
    if not isinstance(sensitivity, dict):
        raise ExperimentError(source, "sensitivity", f"must be {_TOP_LEVEL['sensitivity']}, got {show(sensitivity)}")
    crn = raw.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise ExperimentError(source, "common_random_numbers", f"must be true or false, got {show(crn)}")
    experiment = Experiment(name=name, description=description, scenario=scenario, scenario_ref=ref, factors=factors,
                            method=method, design=settings, replications=replications, seed=seed, yearly=yearly,
                            summaries=summaries, source=source, sha256=sha, csv_points=csv_points,
                            sensitivity=sensitivity, common_random_numbers=crn)
    points = experiment.point_count()
    if points * replications > MAX_RUNS:
        raise ExperimentError(source, "design", f"{points} design points x {replications} replications = "
                              f"{points * replications:.3g} runs; at most {MAX_RUNS} runs are allowed")
    _check_funding_rules(experiment, source)
    return experiment


def _scenario(ref: Any, folder: Path, source: str, region: str | Path | None) -> Scenario:
    """The scenario an experiment file names: a file beside it or a built-in name."""
    if not isinstance(ref, str):
        raise ExperimentError(source, "scenario", f"must be {_TOP_LEVEL['scenario']}, got {show(ref)}")
    scenario_path = folder / ref
    target = scenario_path if scenario_path.exists() else ref
    if not scenario_path.exists() and ref not in BUILTIN_SCENARIOS:
        raise ExperimentError(source, "scenario", f"no scenario file {scenario_path} and not a built-in "
                              f"scenario; built-in scenarios are {', '.join(BUILTIN_SCENARIOS)}")
    try:
        return load_scenario(target, region=region)
    except ScenarioError as error:
        raise ExperimentError(source, "scenario", f"the scenario is not valid: {error}") from None


def _factor_table(spec: Any) -> Any:
    """A factor as :class:`Experiment` accepts it: a ``(low, high)`` pair is a uniform range."""
    if isinstance(spec, tuple | list) and len(spec) == 2 and all(isinstance(v, int | float) for v in spec):
        return {"distribution": "uniform", "low": spec[0], "high": spec[1]}
    return spec


def _check_funding_rules(experiment: "Experiment", source: str) -> None:
    """Refuse, before any run, design points whose funding shares break a joint rule
    (``ecosim.constraints``), naming the points and the rule."""
    from ecosim.explore.designs import design_points  # designs imports this module

    names = [f.name for f in experiment.factors]
    shares = [n for n in names if n.removeprefix("assumptions.") in FUNDING_SHARES]
    if not shares:
        return
    region = experiment.scenario.region
    base = {**region.defaults(), **experiment.scenario.assumptions}
    bad = []
    for k, row in enumerate(design_points(experiment)):
        values = {**base, **{n.removeprefix("assumptions."): v for n, v in zip(names, row) if n in shares}}
        problems = funding_violations(region.base_record(experiment.scenario.base_year), values)
        if problems:
            bad.append((k, problems[0]))
    if bad:
        listed = ", ".join(str(k) for k, _ in bad[:10]) + (" ..." if len(bad) > 10 else "")
        raise ExperimentError(source, "factors", f"{len(bad)} design point(s) break a joint rule of the funding "
                              f"shares (points {listed}; the first: {bad[0][1]}); narrow the factors' ranges")


def _design(method: str, design: dict, raw: dict, folder: Path, source: str):
    settings: dict[str, Any] = {}
    csv_points = None
    if method == "csv":
        if "file" not in design or not isinstance(design["file"], str):
            raise ExperimentError(source, "design.file", "must be a CSV file path relative to the experiment file")
        csv_path = folder / design["file"]
        table = _read_design_csv(csv_path, source)
        if "factors" in raw:
            factors = _factors(raw["factors"], source)
            missing = [f.name for f in factors if f.name not in table.columns]
            if missing:
                raise ExperimentError(source, "design.file", f"columns missing for factors {', '.join(missing)}")
            extra = [c for c in table.columns if c not in [f.name for f in factors]]
            if extra:
                raise ExperimentError(source, "design.file", f"columns {', '.join(extra)} are not declared factors")
        else:
            factors = _factors({c: {"distribution": "uniform"} for c in table.columns}, source,
                               field_prefix="design.file: column ")
        if len(table) == 0:
            raise ExperimentError(source, "design.file", "has no rows; give one row per design point")
        table = pd.DataFrame({f.name: [_csv_cell(text, f, i, source) for i, text in enumerate(table[f.name])]
                              for f in factors})
        csv_points = table[[f.name for f in factors]].to_numpy(dtype=float)
        settings["file"] = design["file"]
        return settings, csv_points, factors
    if "factors" not in raw:
        raise ExperimentError(source, "factors", "missing; give at least one [factors.\"levers.NAME\"] table")
    factors = _factors(raw["factors"], source)
    if method == "grid":
        settings["levels"] = _experiment_whole(design.get("levels", 3), "design.levels", 2, 1000, source)
    elif method == "lhs":
        settings["points"] = _experiment_whole(design.get("points", 10), "design.points", 1, MAX_RUNS, source)
    elif method == "sobol":
        settings["n"] = _experiment_whole(design.get("n", 8), "design.n", 1, MAX_RUNS, source)
        second = design.get("second_order", False)
        if not isinstance(second, bool):
            raise ExperimentError(source, "design.second_order", f"must be true or false, got {show(second)}")
        settings["second_order"] = second
    elif method == "morris":
        settings["trajectories"] = _experiment_whole(design.get("trajectories", 10), "design.trajectories", 1, MAX_RUNS, source)
        settings["levels"] = _experiment_whole(design.get("levels", 4), "design.levels", 2, 1000, source)
    if method in ("sobol", "morris") and len(factors) < 2:
        raise ExperimentError(source, "factors", f"method {method!r} needs at least 2 factors")
    return settings, csv_points, tuple(factors)


def _read_design_csv(path: Path, source: str) -> pd.DataFrame:
    """The cells of a CSV design as text (a UTF-8 byte-order mark, as spreadsheets write, is accepted)."""
    if path.is_dir():
        raise ExperimentError(source, "design.file", f"{path} is a folder; give a CSV file path relative to "
                              "the experiment file")
    if not path.is_file():
        raise ExperimentError(source, "design.file", f"no such file {path}")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ExperimentError(source, "design.file", f"{path} is not UTF-8 text") from None
    except Exception as error:  # noqa: BLE001 - any parse failure is a bad input
        raise ExperimentError(source, "design.file", f"not a readable CSV: {error}") from None
    duplicated = [c for c in table.columns if "." in c and c.rsplit(".", 1)[1].isdigit()
                  and c.rsplit(".", 1)[0] in table.columns]
    if duplicated:
        raise ExperimentError(source, "design.file", f"column {duplicated[0].rsplit('.', 1)[0]} appears twice; "
                              "give each factor one column")
    return table


def _csv_cell(text: str, f: Factor, row: int, source: str) -> float:
    """One cell of a CSV design as a number within the factor's range; ``row`` counts data rows from 0,
    the error names the file's line (the header is line 1)."""
    where = f"design.file[{row + 2}].{f.name}"
    try:
        value = float(text.strip())
    except ValueError:
        shown = "an empty cell" if not text.strip() else f"a text ({text!r})"
        raise ExperimentError(source, where, f"must be {_allowed(f)}, got {shown}") from None
    if not math.isfinite(value) or not f.low <= value <= f.high:
        raise ExperimentError(source, where, f"{value!r} is out of range; allowed is {_allowed(f)}")
    if f.integer and value != int(value):
        raise ExperimentError(source, where, f"must be {_allowed(f)}, got {value!r}")
    return value


def _factors(raw: Any, source: str, field_prefix: str = "factors.") -> tuple[Factor, ...]:
    if not isinstance(raw, dict) or not raw:
        raise ExperimentError(source, "factors", "must be a non-empty table of factors "
                              "(levers.NAME or assumptions.NAME)")
    flat: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in raw.items():
        if key in ("levers", "assumptions") and isinstance(value, dict) and "distribution" not in value:
            entries = [(f"{key}.{sub}", spec, f"[factors.{key}.{sub}]") for sub, spec in value.items()]
        else:
            entries = [(key, value, f'[factors."{key}"]')]
        for name, spec, spelling in entries:
            if name in flat:
                raise ExperimentError(source, f"{field_prefix}{name}",
                                      f"given twice, as {spelled[name]} and as {spelling}; give each factor once")
            flat[name], spelled[name] = spec, spelling
    return tuple(_factor(name, spec, source, field_prefix) for name, spec in flat.items())


def _factor(name: str, spec: Any, source: str, prefix: str) -> Factor:
    where = f"{prefix}{name}"
    kind, _, key = name.partition(".")
    if kind == "levers":
        if key not in LEVERS:
            raise ExperimentError(source, where, f"unknown lever; known levers are {', '.join(LEVERS)}")
        entry = LEVERS[key]
    elif kind == "assumptions":
        if key not in ASSUMPTIONS:
            raise ExperimentError(source, where,
                                  f"unknown assumption; known assumptions are {', '.join(ASSUMPTIONS)}")
        entry = ASSUMPTIONS[key]
    else:
        raise ExperimentError(source, where, "a factor must be named levers.NAME or assumptions.NAME")
    if not isinstance(spec, dict):
        raise ExperimentError(source, where, f"must be a table with distribution and its parameters, got {show(spec)}")
    distribution = spec.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS:
        raise ExperimentError(source, f"{where}.distribution",
                              f"must be one of {', '.join(DISTRIBUTIONS)}, got {show(distribution)}")
    for param in spec:
        if param != "distribution" and param not in DISTRIBUTIONS[distribution]:
            allowed = ", ".join(("distribution",) + DISTRIBUTIONS[distribution])
            raise ExperimentError(source, f"{where}.{param}",
                                  f"unknown for distribution {distribution!r}; allowed are {allowed}")
    low, high, integer = float(entry.low), float(entry.high), entry.integer
    factor = Factor(name, distribution, {}, low, high, integer)

    def value(param: str, default: float | None = None, within: bool = True) -> float:
        if param not in spec:
            if default is None:
                raise ExperimentError(source, f"{where}.{param}",
                                      f"missing; distribution {distribution!r} needs "
                                      f"{', '.join(DISTRIBUTIONS[distribution])}")
            return default
        v = spec[param]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ExperimentError(source, f"{where}.{param}", f"must be {_allowed(factor)}, got {show(v)}")
        if within and not low <= v <= high:
            raise ExperimentError(source, f"{where}.{param}",
                                  f"{v!r} is out of range; allowed is {_allowed(factor)}")
        return float(v)

    params: dict[str, Any] = {}
    if distribution == "uniform":
        params = {"low": value("low", low), "high": value("high", high)}
        if not params["low"] < params["high"]:
            raise ExperimentError(source, f"{where}.high", f"must be above low ({params['low']:g})")
    elif distribution == "normal":
        params = {"mean": value("mean"), "sd": value("sd", within=False)}
        if params["sd"] <= 0:
            raise ExperimentError(source, f"{where}.sd", f"must be a positive number, got {params['sd']!r}")
    elif distribution == "triangular":
        params = {"low": value("low", low), "mode": value("mode"), "high": value("high", high)}
        if not params["low"] <= params["mode"] <= params["high"] or params["low"] == params["high"]:
            raise ExperimentError(source, f"{where}.mode",
                                  f"need low <= mode <= high and low < high, got {params['low']:g}, "
                                  f"{params['mode']:g}, {params['high']:g}")
    else:
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ExperimentError(source, f"{where}.values", f"must be a non-empty list of {_allowed(factor)}, "
                                  f"got {show(values)}")
        checked = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ExperimentError(source, f"{where}.values[{i}]", f"must be {_allowed(factor)}, got {show(v)}")
            if not low <= v <= high:
                raise ExperimentError(source, f"{where}.values[{i}]",
                                      f"{v!r} is out of range; allowed is {_allowed(factor)}")
            if integer and float(v) != int(v):
                raise ExperimentError(source, f"{where}.values[{i}]", f"must be {_allowed(factor)}, got {v!r}")
            checked.append(float(v))
        params = {"values": checked}
    return Factor(name, distribution, params, low, high, integer)


def _outputs(raw: Any, source: str) -> tuple[tuple[str, ...], bool]:
    if not isinstance(raw, dict):
        raise ExperimentError(source, "outputs", f"must be {_TOP_LEVEL['outputs']}, got {show(raw)}")
    for key in raw:
        if key not in ("yearly", "summaries"):
            raise ExperimentError(source, f"outputs.{key}", "unknown field; allowed fields are yearly, summaries")
    yearly = raw.get("yearly", list(DEFAULT_YEARLY))
    if not isinstance(yearly, list) or not all(isinstance(c, str) for c in yearly):
        raise ExperimentError(source, "outputs.yearly", f"must be a list of column names, got {show(yearly)}")
    for i, column in enumerate(yearly):
        if column not in OUTPUT_COLUMNS:
            raise ExperimentError(source, f"outputs.yearly[{i}]",
                                  f"unknown column {column!r}; known columns are {', '.join(OUTPUT_COLUMNS)}")
    summaries = raw.get("summaries", True)
    if not isinstance(summaries, bool):
        raise ExperimentError(source, "outputs.summaries", f"must be true or false, got {show(summaries)}")
    columns = tuple(dict.fromkeys(c for c in yearly if c != "year"))
    return columns, summaries


def _allowed(f: Factor) -> str:
    kind = "a whole number" if f.integer else "a number"
    return f"{kind} from {f.low:g} to {f.high:g}"


def _experiment_text(raw: dict, key: str, default: str, source: str) -> str:
    return text_field(raw, key, default, source, error=ExperimentError)


def _experiment_whole(value: Any, field_name: str, low: int, high: int, source: str) -> int:
    return whole_number(value, field_name, low, high, source, error=ExperimentError)
