"""Scenarios: a policy mix and a world, read from TOML, validated, copied with changes.

A scenario names the years to simulate, the lever schedules (a value applies from its policy
start year on; a {year = value} table may also rewrite history from the base year on),
assumption overrides, the target (a year and an absolute intensity or the national average),
optionally the national intensity path and the region's GDP path, the region (a built-in name or a
bundle folder, :mod:`ecosim.data`), and the seed and replication count. Before the policy start year the levers follow their recorded history (see
:mod:`ecosim.levers`). Every error names the file, the field and what is allowed.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ecosim.checks import did_you_mean, show, text_field, whole_number
from ecosim.constraints import funding_violations
from ecosim.data import Region, load_region
from ecosim.errors import ScenarioError
from ecosim.levers import LEVERS

LAST_HORIZON = 2050
LATEST = "latest"
"""``base_year = "latest"``: the region's last recorded year."""
DEFAULT_HORIZON = 2030
"""The horizon when a scenario names none: the end of the 15th Five-Year Plan."""
NATIONAL_AVERAGE = "national_average"
BUILTIN_SCENARIOS = ("baseline", "guiding-opinions", "actual-2021-2024")
MODIFIED_SUFFIX = "-modified"
"""Added to the name of a copy made by :meth:`Scenario.with_changes` without a new name."""

MAX_FIRMS_PER_AGENT = 20
"""Coarsest population scale allowed: at 20 firms per agent the built-in region keeps 760 firm
agents and 32 industrial R&D performers; coarser, the counts the base year is fitted to get too few
agents to carry their shares."""
_TOP_LEVEL = {
    "name": "a text",
    "description": "a text",
    "region": "a built-in region name or the path of a region bundle folder",
    "base_year": "a whole year from the region's first base year to its last recorded year, or \"latest\"",
    "horizon": f"a whole year after base_year, up to {LAST_HORIZON}",
    "policy_start_year": "a whole year after base_year, up to the year after horizon",
    "history_until": "a whole year from base_year to the region's last recorded year",
    "seed": "a whole number from 0 to 2**63-1",
    "replications": "a whole number from 1 to 1000000",
    "parameter_uncertainty": "true or false",
    "hold_policy": "true or false",
    "firms_per_agent": f"a whole number from 1 to {MAX_FIRMS_PER_AGENT}",
    "target": "a table with year and value",
    "levers": "a table of lever schedules",
    "assumptions": "a table of assumption values",
    "national_path": "a table {year = percent of GDP}",
    "gdp_path": "a table {year = 100m yuan}",
    "budget": "a table with share_of_gdp or growth, shortfall and priority",
}
SHORTFALLS = ("scale", "priority", "none")
"""How the S&T budget cuts outlay levers that ask for more than its headroom (see :class:`Budget`);
``none`` reports the budget without cutting (each lever as scheduled, as when measuring a lever's
own response)."""
BUDGET_SHARE_RANGE = (0.1, 2.0)
"""Allowed S&T budget share of GDP, percent: around the recorded 0.24-0.49% of 2011-2020 (FIN) and up
to about twice the national local-government average."""
BUDGET_GROWTH_RANGE = (-0.2, 0.3)
"""Allowed yearly growth of the S&T budget, share per year: the recorded year-on-year changes of
2011-2020 lie between -31% and +86%; a path held for years is bounded tighter."""


@dataclass(frozen=True)
class Target:
    """The question: is the region's intensity at least ``value`` in ``year``?"""

    year: int = 2024
    value: float | str = NATIONAL_AVERAGE
    """Percent of GDP, or ``"national_average"`` for the national path of the same year."""


@dataclass(frozen=True)
class Budget:
    """The region's S&T budget after its last recorded year, and what happens when a mix asks for more.

    The path is a constant share of GDP (``share_of_gdp``, percent; None: estimated from the record,
    the mean of the last three recorded years) or, if ``growth`` is given, the last recorded budget
    growing at that share per year. Outlay levers may spend beyond their base-year cost only within the
    budget's growth since the base year; when a mix asks for more, ``shortfall = "scale"`` funds every
    programme's increase by one factor and ``"priority"`` funds the increases in the order of
    ``priority`` (outlay levers not named follow in catalogue order); ``"none"`` cuts nothing (the
    shortfall is still reported).
    """

    share_of_gdp: float | None = None
    growth: float | None = None
    shortfall: str = "scale"
    priority: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The TOML-shaped table (only the fields set)."""
        raw: dict[str, Any] = {"shortfall": self.shortfall}
        if self.share_of_gdp is not None:
            raw["share_of_gdp"] = self.share_of_gdp
        if self.growth is not None:
            raw["growth"] = self.growth
        if self.priority:
            raw["priority"] = list(self.priority)
        return raw


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build with :func:`load_scenario`, :meth:`from_dict` or :meth:`with_changes`."""

    name: str = "baseline"
    description: str = ""
    base_year: int = 0
    """The year the run starts from, in equilibrium with that year's recorded R&D (default: the
    region's last recorded year)."""
    horizon: int = DEFAULT_HORIZON
    policy_start_year: int = 0
    """The first year the scenario's levers apply (default: the year after the base year)."""
    history_until: int = 0
    """The last year whose recorded GDP, coal price and national intensity the run uses; later
    years are simulated (default: the region's last recorded year; a backtest from an earlier
    origin sets it to the origin)."""
    seed: int = 20210511
    replications: int = 200
    parameter_uncertainty: bool = True
    """Draw each replication's calibrated assumptions from the calibration's posterior sample."""
    target: Target = field(default_factory=Target)
    levers: dict[str, float | dict[int, float]] = field(default_factory=dict)
    """Lever schedules: a value from the policy start year on, or {from_year: value}, each value
    holding until the next year named."""
    assumptions: dict[str, float] = field(default_factory=dict)
    national_path: dict[int, float] = field(default_factory=dict)
    gdp_path: dict[int, float] = field(default_factory=dict)
    source: str = "<scenario>"
    budget: Budget = field(default_factory=Budget)
    """The S&T budget path and its shortfall rule (the ``[budget]`` table)."""
    region: Region = field(default_factory=load_region)
    """The region bundle the scenario runs on (its record, policy history, calibration, names)."""
    hold_policy: bool = False
    """Levers the scenario does not schedule keep their base-year value from the policy start year on
    (the baseline: "the policy in force in the base year, held"); false: they follow the region's
    recorded policy, and after its last year its last values."""
    firms_per_agent: int = 1
    """The population scale: each firm agent stands for this many firms (the recorded counts are
    divided by it, the sums multiplied). 1 simulates every firm; tests and quick explorations may
    run coarser where the outputs stay within their replication noise (docs/performance.md)."""
    derived: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    """Fields the file left to their defaults (of ``DERIVED``): a copy with another base year or region
    works them out again, as the same file would."""

    def __post_init__(self) -> None:
        """Fill the defaults that depend on the region (a bare ``Scenario()`` starts from its last year)."""
        if not self.base_year:
            object.__setattr__(self, "base_year", self.region.last_year)
        if not self.policy_start_year:
            object.__setattr__(self, "policy_start_year", self.base_year + 1)
        if not self.history_until:
            object.__setattr__(self, "history_until", self.region.last_year)

    @property
    def years(self) -> np.ndarray:
        """The simulated years, base year to horizon inclusive."""
        return np.arange(self.base_year, self.horizon + 1)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<dict>") -> "Scenario":
        """Validate a raw mapping (as read from TOML) into a scenario."""
        return _validate(raw, source)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a TOML-shaped mapping; ``from_dict(to_dict())`` gives it back."""
        raw: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "region": self.region.ref,
            "base_year": self.base_year,
            "horizon": self.horizon,
            "policy_start_year": self.policy_start_year,
            "history_until": self.history_until,
            "seed": self.seed,
            "replications": self.replications,
            "parameter_uncertainty": self.parameter_uncertainty,
            **({"hold_policy": True} if self.hold_policy else {}),
            **({"firms_per_agent": self.firms_per_agent} if self.firms_per_agent != 1 else {}),
            "target": {"year": self.target.year, "value": self.target.value},
            "levers": {k: {str(y): v for y, v in s.items()} if isinstance(s, dict) else s
                       for k, s in self.levers.items()},
            "assumptions": dict(self.assumptions),
        }
        if self.national_path:
            raw["national_path"] = {str(y): v for y, v in self.national_path.items()}
        if self.gdp_path:
            raw["gdp_path"] = {str(y): v for y, v in self.gdp_path.items()}
        if self.budget != Budget():
            raw["budget"] = self.budget.to_dict()
        return raw

    def as_written(self) -> dict[str, Any]:
        """:meth:`to_dict` without the fields the file left to their defaults (``base_year`` as
        ``"latest"``): what a copy with changes starts from."""
        raw = self.to_dict()
        if "base_year" in self.derived:
            raw["base_year"] = LATEST
        for key in ("policy_start_year", "history_until"):
            if key in self.derived:
                del raw[key]
        if "target.year" in self.derived:
            del raw["target"]["year"]
        return raw

    def with_changes(self, changes: dict[str, Any] | None = None, name: str | None = None,
                     **kwargs: Any) -> "Scenario":
        """A copy with some fields changed, validated exactly like a file.

        Keys are top-level fields (``horizon=2035``), whole tables (``levers={...}``, merged
        into the existing one) or dotted paths (``{"levers.rd_reward_rate": 0.05}``). The copy is
        named ``name`` (or by a ``"name"`` change); a copy that differs from this scenario but is
        given no name is called ``<name>-modified``, so a changed mix is never titled as the original.
        Fields the scenario left to their defaults are worked out again (a new base year moves a default
        policy start year with it).
        """
        raw = self.as_written()
        changes = {**(changes or {}), **kwargs}
        if name is not None:
            changes["name"] = name
        for key, value in changes.items():
            parts = key.split(".")
            if len(parts) == 1 and isinstance(value, dict) and isinstance(raw.get(key), dict):
                raw[key] = {**raw[key], **copy.deepcopy(value)}
                continue
            node = raw
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ScenarioError(f"{self.source} (with_changes)", key, "is not a table")
            node[parts[-1]] = copy.deepcopy(value)
        suffix = " (with_changes)"
        changed = _validate(raw, self.source if self.source.endswith(suffix) else self.source + suffix)
        if "name" not in changes and _mix(changed.to_dict()) != _mix(self.to_dict()) \
                and not self.name.endswith(MODIFIED_SUFFIX):
            changed = replace(changed, name=self.name + MODIFIED_SUFFIX)
        return changed

    def until(self, horizon: int) -> "Scenario":
        """The same scenario ending at ``horizon``: schedule steps and paths after it dropped, the
        target year moved into it if it was later, validated like a file."""
        raw = self.as_written()
        raw["horizon"] = horizon
        if "year" in raw["target"]:
            raw["target"]["year"] = min(raw["target"]["year"], horizon)
        if "policy_start_year" in raw:
            raw["policy_start_year"] = min(raw["policy_start_year"], horizon + 1)
        for name, schedule in list(raw["levers"].items()):
            if isinstance(schedule, dict):
                kept = {y: v for y, v in schedule.items() if int(y) <= horizon}
                if kept:
                    raw["levers"][name] = kept
                else:
                    del raw["levers"][name]
        for path in ("gdp_path", "national_path"):
            if path in raw:
                raw[path] = {y: v for y, v in raw[path].items() if int(y) <= horizon}
        return _validate(raw, self.source)

    def lever_path(self, name: str) -> np.ndarray:
        """The lever's value in each simulated year: the region's record (its last value after it
        ends), then the scenario's schedule."""
        path = np.array(self.region.lever_values(name, tuple(int(y) for y in self.years)), dtype=float)
        if self.hold_policy and name not in self.levers:
            path[self.years >= self.policy_start_year] = path[0]
        schedule = self.levers.get(name, {})
        if not isinstance(schedule, dict):
            schedule = {self.policy_start_year: schedule}
        for start, value in sorted(schedule.items()):
            path[self.years >= start] = value
        return path

    def target_year_index(self) -> int:
        """Position of the target year in :attr:`years`."""
        return int(self.target.year - self.base_year)


def load_scenario(path_or_name: str | Path = "baseline", region: str | Path | Region | None = None) -> Scenario:
    """Read and validate a scenario file, or a built-in one by name (``baseline``, ...); ``region``
    (a built-in name, a bundle folder or a loaded :class:`~ecosim.data.Region`) replaces the
    region the file names."""
    path = Path(path_or_name)
    if not path.exists() and str(path_or_name) in BUILTIN_SCENARIOS:
        path = builtin_scenario_path(str(path_or_name))
    source = str(path_or_name)
    if not path.exists():
        raise ScenarioError(source, "(file)", f"no such file; built-in scenarios are {', '.join(BUILTIN_SCENARIOS)}")
    raw = read_toml(path, source, "a scenario TOML file")
    if not raw:
        raise ScenarioError(source, "(file)", "holds no fields; a scenario names at least one of "
                            f"{', '.join(_TOP_LEVEL)} (an empty file would silently run the baseline)")
    if region is not None:
        raw["region"] = region
    elif isinstance(raw.get("region"), str) and (path.parent / raw["region"] / "region.toml").is_file():
        raw["region"] = str(path.parent / raw["region"])
    return _validate(raw, source)


MAX_NESTING = 20
"""The deepest nesting of arrays and tables a scenario or experiment file may have (they need 4)."""


def read_toml(path: Path, source: str, kind: str, error: type[ScenarioError] | None = None) -> dict[str, Any]:
    """The table of a TOML file; every way it cannot be read is a ScenarioError (or ``error``)
    naming the file, the place and what is allowed, never a Python traceback."""
    error = error or ScenarioError
    if path.is_dir():
        raise error(source, "(file)", f"is a folder; give {kind}")
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise error(source, "(file)", f"cannot be read ({problem.strerror or problem}); give {kind}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise error(source, "(file)", "starts with a UTF-8 byte-order mark (bytes EF BB BF), which TOML does "
                    "not allow; save the file as UTF-8 without a byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise error(source, f"(line {line})", "is not UTF-8 text; TOML files must be UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(source, "(syntax)", f"not valid TOML: {problem}{percent_sign_hint(text)}") from None
    except RecursionError:
        raise error(source, f"(line {_deep_line(text, MAX_NESTING)})",
                    f"arrays or inline tables nested too deeply; at most {MAX_NESTING} levels are allowed") from None
    place = _too_deep(raw, MAX_NESTING)
    if place is not None:
        raise error(source, place, f"arrays or tables nested too deeply; at most {MAX_NESTING} levels are allowed")
    return raw


def _too_deep(value: Any, limit: int) -> str | None:
    """The dotted path of the first value nested deeper than ``limit`` levels, else None (iterative)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > limit:
            return where or "(file)"
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            path = f"{where}[{key}]" if isinstance(node, list) else (f"{where}.{key}" if where else str(key))
            stack.append((child, path, depth + 1))
    return None


def _deep_line(text: str, limit: int) -> int:
    """The line where brackets and braces (outside strings and comments) first nest deeper than ``limit``."""
    depth, line, quote, i = 0, 1, "", 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth -= 1
        i += 1
    return line


def builtin_scenario_path(name: str) -> Path:
    """Path of a built-in scenario file shipped with the package."""
    return Path(str(resources.files("ecosim").joinpath("scenarios", f"{name}.toml")))


def _mix(raw: dict[str, Any]) -> dict[str, Any]:
    """A scenario mapping without its name and description (what a run depends on)."""
    return {k: v for k, v in raw.items() if k not in ("name", "description")}


# --- validation -----------------------------------------------------------------------------


def _validate(raw: dict[str, Any], source: str) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(source, "(file)", "must be a TOML table")
    for key in raw:
        if key not in _TOP_LEVEL:
            raise ScenarioError(source, key, f"unknown field; allowed fields are {', '.join(_TOP_LEVEL)}")
    region = _region(raw.get("region"), source)
    name = text_field(raw, "name", Scenario.name, source)
    description = text_field(raw, "description", "", source)
    base_year = raw.get("base_year", LATEST)
    if isinstance(base_year, str) and base_year != LATEST:
        raise ScenarioError(source, "base_year", f"must be a whole year from {region.first_base_year} to "
                            f"{region.last_year} or \"{LATEST}\" (the region's last recorded year), got {base_year!r}")
    base_year = region.last_year if base_year == LATEST else whole_number(
        base_year, "base_year", region.first_base_year, region.last_year, source)
    horizon = whole_number(raw.get("horizon", max(DEFAULT_HORIZON, base_year + 1)), "horizon", base_year + 1, LAST_HORIZON,
                     source)
    policy_start = raw.get("policy_start_year", base_year + 1)
    if isinstance(policy_start, int) and not isinstance(policy_start, bool) and policy_start <= base_year:
        raise ScenarioError(source, "policy_start_year", f"{policy_start} is not after base_year {base_year}: the "
                            "base year is the record the run starts from, so a policy can start the year after it "
                            f"at the earliest; allowed is {base_year + 1} to {horizon + 1}")
    policy_start = whole_number(policy_start, "policy_start_year", base_year + 1, horizon + 1, source)
    history_until = whole_number(raw.get("history_until", region.last_year), "history_until", base_year,
                           region.last_year, source)
    seed = whole_number(raw.get("seed", Scenario.seed), "seed", 0, 2**63 - 1, source)
    replications = whole_number(raw.get("replications", Scenario.replications), "replications", 1, 1_000_000, source)
    uncertainty = raw.get("parameter_uncertainty", Scenario.parameter_uncertainty)
    if not isinstance(uncertainty, bool):
        raise ScenarioError(source, "parameter_uncertainty", f"must be true or false, got {show(uncertainty)}")
    hold = raw.get("hold_policy", False)
    if not isinstance(hold, bool):
        raise ScenarioError(source, "hold_policy", f"must be true or false, got {show(hold)}")
    firms_per_agent = whole_number(raw.get("firms_per_agent", 1), "firms_per_agent", 1, MAX_FIRMS_PER_AGENT, source)
    target = _target(raw.get("target", {}), region, base_year, horizon, source)
    levers = _levers(raw.get("levers", {}), base_year, horizon, policy_start, source)
    assumptions = _assumptions(raw.get("assumptions", {}), region, source)
    problems = funding_violations(region.base_record(base_year), {**region.defaults(), **assumptions})
    if problems:
        raise ScenarioError(source, "assumptions", "; ".join(problems))
    national = _year_table(raw.get("national_path", {}), "national_path", history_until + 1, horizon,
                           0.0, 10.0, "percent of GDP", source)
    gdp = _year_table(raw.get("gdp_path", {}), "gdp_path", history_until + 1, horizon,
                      1.0, 1e7, "100m yuan", source)
    budget = _budget(raw.get("budget", {}), source)
    derived = {key for key in ("policy_start_year", "history_until") if key not in raw}
    derived |= {"base_year"} if raw.get("base_year", LATEST) == LATEST else set()
    derived |= {"target.year"} if not isinstance(raw.get("target"), dict) or "year" not in raw["target"] else set()
    return Scenario(name, description, base_year, horizon, policy_start, history_until, seed, replications,
                    uncertainty, target, levers, assumptions, national, gdp, source, budget, region, hold,
                    firms_per_agent, frozenset(derived))


def _region(raw: Any, source: str) -> Region:
    """The ``region`` field: a loaded region, a built-in name or a bundle folder (None: the default)."""
    if isinstance(raw, Region):
        return raw
    if raw is not None and not isinstance(raw, str | Path):
        raise ScenarioError(source, "region", f"must be a built-in region name or a bundle folder, got {show(raw)}")
    return load_region(raw)


PERCENT_VALUE = re.compile(r"=\s*[-+]?\d[\d_]*(?:\.\d+)?\s*%")
"""A TOML value written as a percentage (``= 8%``), which TOML cannot read."""


def percent_sign_hint(text: str) -> str:
    """``"; line N: ..."`` when a line of ``text`` writes a value as a percentage, else ``""``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if PERCENT_VALUE.search(line.split("#", 1)[0]):
            return f"; line {number} writes a percentage: write shares as decimals (8% is 0.08)"
    return ""


def _share_hint(value: float, low: float, high: float, unit: str) -> str:
    """``"; did you mean 0.08 (8%)?"`` when a share was given in percent (the value is at least 1, so out of
    a share's range, and a hundredth of it is in range), else ``""``."""
    if unit.startswith("share") and high <= 1.0 and value >= 1.0 and low <= value / 100.0 <= high:
        return f"; did you mean {value / 100.0:g} ({value:g}%)? shares are written as decimals"
    return ""


def _number(value: Any, field_name: str, low: float, high: float, unit: str, source: str,
            integer: bool = False) -> float:
    kind = "a whole number" if integer else "a number"
    allowed = f"{kind} from {low:g} to {high:g} ({unit})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        percent = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)\s*%\s*", value) if isinstance(value, str) else None
        if percent:
            hint = _share_hint(float(percent.group(1)), low, high, unit) or "; a percentage is not a number here"
        raise ScenarioError(source, field_name, f"must be {allowed}, got {show(value)}{hint}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ScenarioError(source, field_name, f"{value!r} is out of range; allowed is {allowed}"
                                                f"{_share_hint(value, low, high, unit)}")
    if integer and float(value) != int(value):
        raise ScenarioError(source, field_name, f"must be {allowed}, got {value!r}")
    return int(value) if integer else float(value)


def _year(key: Any, field_name: str, low: int, high: int, source: str) -> int:
    text = str(key)
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        raise ScenarioError(source, f"{field_name}.{text}",
                            f"is not a year written as four digits; allowed years are {low} to {high}")
    year = int(text)
    if not low <= year <= high:
        raise ScenarioError(source, f"{field_name}.{text}",
                            f"year {year} is outside the allowed years {low} to {high}")
    return year


def _target(raw: Any, region: Region, base_year: int, horizon: int, source: str) -> Target:
    """The ``[target]`` table; without a year, the region's question year (region.toml) when it lies
    after the base year, else the horizon; without a value, the region's question value."""
    if not isinstance(raw, dict):
        raise ScenarioError(source, "target", f"must be a table with year and value, got {show(raw)}")
    for key in raw:
        if key not in ("year", "value"):
            raise ScenarioError(source, f"target.{key}", "unknown field; allowed fields are year, value")
    default_year = region.target_year if base_year < region.target_year else horizon
    year = whole_number(raw.get("year", min(default_year, horizon)), "target.year", base_year + 1, horizon, source)
    value = raw.get("value", region.target_value)
    if isinstance(value, str):
        if value != NATIONAL_AVERAGE:
            raise ScenarioError(source, "target.value",
                                f"must be '{NATIONAL_AVERAGE}' or a number from 0 to 10 (percent of GDP), got {value!r}")
    else:
        value = _number(value, "target.value", 0.0, 10.0, "percent of GDP", source)
    return Target(year, value)


def _levers(raw: Any, base_year: int, horizon: int, policy_start: int, source: str) -> dict:
    if not isinstance(raw, dict):
        raise ScenarioError(source, "levers", f"must be a table of lever schedules, got {show(raw)}")
    levers = {}
    for name, schedule in raw.items():
        if name not in LEVERS:
            raise ScenarioError(source, f"levers.{name}",
                                f"unknown lever; known levers are {', '.join(LEVERS)}")
        lever = LEVERS[name]
        if isinstance(schedule, dict):
            if not schedule:
                raise ScenarioError(source, f"levers.{name}", "an empty schedule; give a value or {year = value}")
            levers[name] = {
                _year(y, f"levers.{name}", base_year, horizon, source): _number(
                    v, f"levers.{name}.{y}", lever.low, lever.high, lever.unit, source, lever.integer)
                for y, v in schedule.items()
            }
        else:
            levers[name] = _number(schedule, f"levers.{name}", lever.low, lever.high, lever.unit, source,
                                   lever.integer)
    return levers


def _budget(raw: Any, source: str) -> Budget:
    """The ``[budget]`` table: a share of GDP or a growth rate (not both), the shortfall rule, the priority."""
    allowed = "share_of_gdp, growth, shortfall, priority"
    if not isinstance(raw, dict):
        raise ScenarioError(source, "budget", f"must be a table with {allowed}, got {show(raw)}")
    for key in raw:
        if key not in ("share_of_gdp", "growth", "shortfall", "priority"):
            raise ScenarioError(source, f"budget.{key}", f"unknown field; allowed fields are {allowed}")
    if "share_of_gdp" in raw and "growth" in raw:
        raise ScenarioError(source, "budget.growth", "give share_of_gdp or growth, not both")
    share = growth = None
    if "share_of_gdp" in raw:
        share = _number(raw["share_of_gdp"], "budget.share_of_gdp", *BUDGET_SHARE_RANGE, "percent of GDP", source)
    if "growth" in raw:
        growth = _number(raw["growth"], "budget.growth", *BUDGET_GROWTH_RANGE, "share per year", source)
    shortfall = raw.get("shortfall", "scale")
    if shortfall not in SHORTFALLS:
        raise ScenarioError(source, "budget.shortfall", f"must be one of {', '.join(SHORTFALLS)}, got {show(shortfall)}")
    outlays = [name for name, lever in LEVERS.items() if "outlay" in lever.cost_kinds]
    priority = raw.get("priority", [])
    if not isinstance(priority, list) or not all(isinstance(p, str) for p in priority):
        raise ScenarioError(source, "budget.priority", f"must be a list of outlay lever names, got {show(priority)}")
    for name in priority:
        if name not in outlays:
            raise ScenarioError(source, "budget.priority",
                                f"{name!r} is not an outlay lever; outlay levers are {', '.join(outlays)}")
    if len(set(priority)) != len(priority):
        raise ScenarioError(source, "budget.priority", "names a lever twice")
    if priority and shortfall != "priority":
        raise ScenarioError(source, "budget.priority", 'is used only with shortfall = "priority"')
    return Budget(share, growth, shortfall, tuple(priority))


def _assumptions(raw: Any, region: Region, source: str) -> dict[str, float]:
    """The ``[assumptions]`` table, each value inside the region's range for it."""
    if not isinstance(raw, dict):
        raise ScenarioError(source, "assumptions", f"must be a table of assumption values, got {show(raw)}")
    catalogue = region.catalogue()
    values = {}
    for name, value in raw.items():
        if name not in catalogue:
            raise ScenarioError(source, f"assumptions.{name}",
                                f"unknown assumption; known assumptions are {', '.join(catalogue)}")
        a = catalogue[name]
        values[name] = _number(value, f"assumptions.{name}", a.low, a.high, a.unit, source, a.integer)
    return values


def _year_table(raw: Any, field_name: str, first: int, last: int, low: float, high: float,
                unit: str, source: str) -> dict[int, float]:
    if not isinstance(raw, dict):
        raise ScenarioError(source, field_name, f"must be a table {{year = value}}, got {show(raw)}")
    return {
        _year(y, field_name, first, last, source): _number(v, f"{field_name}.{y}", low, high, unit, source)
        for y, v in raw.items()
    }


def scenario_of(value: Scenario | str | Path, region: str | Path | None = None) -> Scenario:
    """A Scenario as given, or loaded from a file or a built-in name (a mistyped name gets a suggestion);
    ``region`` (a built-in name or a bundle folder) replaces its region."""
    if isinstance(value, Scenario):
        return value.with_changes({"region": region}) if region is not None else value
    try:
        return load_scenario(value, region=region)
    except ScenarioError as error:
        if error.field == "(file)" and not Path(value).exists():
            hint = did_you_mean(Path(str(value)).stem, BUILTIN_SCENARIOS)
            raise ScenarioError(error.source, error.field, error.message + hint) from None
        raise
