"""Where a result comes from: the package version, the commit, the calibration, the seed, the
command, the time; and the scenario as run, written back as TOML so a later step reads it
instead of rebuilding it by name."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import platform
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from ecosim.data import BUNDLE_FILES, Region
from ecosim.explore.store import MANIFEST, file_sha256
from ecosim.explore.store import git_commit as source_commit
from ecosim.scenario import Scenario
from ecosim.version import __version__

SCENARIO_FILE = "scenario.toml"


def package_version() -> str:
    """The installed ecosim version."""
    return __version__


@cache
def git_commit() -> str | None:
    """The commit of the source tree the package runs from, shortened to 12 characters (``+dirty`` if it
    has changes), if any (the commit itself: :func:`ecosim.explore.store.git_commit`)."""
    head = source_commit()
    if head is None:
        return None
    root = Path(__file__).resolve().parents[2]
    try:
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return head[:12]
    return f"{head[:12]}+dirty" if dirty else head[:12]


def calibration_info(region: Region) -> dict[str, Any]:
    """Date, sha256 and file of the calibration the region uses (its own or the default region's)."""
    path = region.calibration_source
    if not path.exists():
        return {"calibration_date": None, "calibration_sha256": None, "calibration_file": None,
                "calibration_own": False}
    data = path.read_bytes()
    meta = tomllib.loads(data.decode("utf-8-sig")).get("meta", {})
    return {"calibration_date": meta.get("date"), "calibration_sha256": hashlib.sha256(data).hexdigest(),
            "calibration_file": str(path), "calibration_own": region.has_own_calibration}


def region_info(region: Region) -> dict[str, Any]:
    """The region a result is about: its reference, names, last recorded year and a sha256 over its bundle's
    data files (so results of different vintages are told apart)."""
    digest = hashlib.sha256()
    for name in BUNDLE_FILES:
        digest.update(name.encode() + b"\0" + (region.root / name).read_bytes())
    return {"region": region.ref, "region_id": region.key, "region_name_en": region.name("en"),
            "region_name_zh": region.name("zh"), "region_last_year": region.last_year,
            "region_data_sha256": digest.hexdigest()}


def bundle_inputs(region: Region) -> dict[str, Any]:
    """What results depend on besides the scenario and the code's own inputs: every file of the region
    bundle and the calibration and posterior the region uses (those that exist), as {path, sha256},
    with the package version and git commit: the inputs every output folder records
    (:func:`ecosim.explore.store.claim_folder`)."""
    inputs: dict[str, Any] = {}
    for name in BUNDLE_FILES:
        path = region.root / name
        inputs[f"region file {name}"] = {"path": str(path), "sha256": file_sha256(path)}
    calibration = region.calibration_source.parent
    for label, name in (("calibration", "calibration.toml"), ("calibration posterior", "calibration_posterior.csv")):
        path = calibration / name
        if path.is_file():
            inputs[label] = {"path": str(path), "sha256": file_sha256(path)}
    inputs["ecosim version"] = package_version()
    inputs["git commit"] = source_commit()
    return inputs


def manifest(scenario: Scenario, seed: int, replications: int, command: list[str] | None = None) -> dict[str, Any]:
    """The provenance of a run of ``scenario``: version, commit, calibration, seed, replications, command, time."""
    return {
        "ecosim_version": package_version(),
        "commit": git_commit(),
        **region_info(scenario.region),
        **calibration_info(scenario.region),
        "scenario": scenario.name,
        "scenario_source": scenario.source,
        "seed": int(seed),
        "replications": int(replications),
        "command": list(sys.argv if command is None else command),
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }


def resolved_levers(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Every lever's value in every simulated year ({lever: {year: value}}), history included."""
    return {name: {str(int(y)): float(v) for y, v in zip(scenario.years, scenario.lever_path(name))}
            for name in _lever_names()}


def _lever_names() -> list[str]:
    from ecosim.levers import LEVERS

    return list(LEVERS)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write a non-finite number {value!r} to TOML")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot write {type(value).__name__} {value!r} to TOML")


def _toml_key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() and text.isascii() else json.dumps(text)


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as a TOML file that :func:`ecosim.load_scenario` reads back to the same scenario."""
    raw = scenario.to_dict()
    lines = [f"# The scenario as run (resolved by ecosim {package_version()}); from {scenario.source}"]
    tables = {k: v for k, v in raw.items() if isinstance(v, dict)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in raw.items() if k not in tables]
    for name, table in tables.items():
        lines += ["", f"[{name}]"] + [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a run folder ({} when the folder has none)."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
