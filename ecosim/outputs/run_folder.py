"""A run folder on disk: the files ``ecosim run`` writes (the yearly table, the summary, the column
dictionary, the scenario as run and its manifest), the check of an existing folder before writing,
and reading a folder back as a Forecast or a Comparison (``ecosim plot``, ``ecosim report``, the page)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.analysis.compare import Comparison
from ecosim.analysis.forecast import Forecast
from ecosim.explore.provenance import (MANIFEST, SCENARIO_FILE, calibration_info, manifest, read_manifest,
                                       region_info, scenario_toml)
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import Scenario, ScenarioError, load_scenario

RUN_FILES = ("years.csv", "summary.json", "columns.csv", SCENARIO_FILE, MANIFEST)
"""The files ``ecosim run`` writes."""
CHART_STEMS = ("fan", "fan-zh", "contribution", "contribution-zh", "compare", "compare-zh", "cost", "cost-zh",
               "report", "report-zh")
"""Charts and reports a later step may have written into a run folder (removed by ``run --force``)."""


def prepare_out(out: Path, force: bool, names: tuple[str, ...] = RUN_FILES) -> None:
    """Refuse an output folder that already holds files unless ``force``; with ``force`` remove the
    files ecosim wrote there before (results, charts, reports), so nothing stale is left beside the new."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ScenarioError(str(out), "--out", "the folder already holds results; give --force to replace "
                                                   "them or choose another --out")
        for name in names:
            (out / name).unlink(missing_ok=True)
        for stem in CHART_STEMS:
            for ext in ("png", "pdf", "svg", "html"):
                (out / f"{stem}.{ext}").unlink(missing_ok=True)


def write_forecast(result: Forecast, out: Path) -> list[Path]:
    """Write the yearly table, the summary, the column dictionary, the scenario as run and the
    manifest of a forecast to ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    result.years.to_csv(out / "years.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
    columns = pd.DataFrame([(name, unit, meaning) for name, (unit, meaning) in OUTPUT_COLUMNS.items()],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / "columns.csv", index=False)
    info = result.provenance or manifest(result.scenario, result.seed, result.replications)
    return [out / "years.csv", out / "summary.json", out / "columns.csv",
            *write_provenance(out, result.scenario, info)]


def write_provenance(out: Path, scenario: Scenario, info: dict[str, Any]) -> list[Path]:
    """Write ``scenario.toml`` and ``manifest.json`` into ``out``; returns the paths."""
    scenario_path, manifest_path = out / SCENARIO_FILE, out / MANIFEST
    scenario_path.write_text(scenario_toml(scenario), encoding="utf-8")
    manifest_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [scenario_path, manifest_path]



def write_table(table: pd.DataFrame, out: Path, stem: str) -> list[Path]:
    """The table as CSV and its column dictionary (unit, meaning) beside it."""
    table.to_csv(out / f"{stem}.csv")
    units, meanings = table.attrs.get("units", {}), table.attrs.get("definitions", {})
    columns = pd.DataFrame([(c, units.get(c, ""), meanings.get(c, "")) for c in table.columns],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / f"{stem}-columns.csv", index=False)
    return [out / f"{stem}.csv", out / f"{stem}-columns.csv"]


def read_run(folder: Path, region: str | Path | None = None) -> Forecast:
    """A Forecast rebuilt from a run folder: years.csv, summary.json, the scenario as run
    (scenario.toml, on ``region`` when given instead of the bundle it names) and the manifest; a folder
    without its scenario.toml is refused."""
    folder = Path(folder)
    years_csv, summary_json = folder / "years.csv", folder / "summary.json"
    if not years_csv.exists() or not summary_json.exists():
        raise FileNotFoundError(f"{folder}: not a run folder (needs years.csv and summary.json from 'ecosim run')")
    if not (folder / SCENARIO_FILE).exists():
        raise FileNotFoundError(f"{folder}: no {SCENARIO_FILE} (the scenario as run); it was written by an older "
                                "ecosim, run 'ecosim run' again")
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    try:
        scenario = load_scenario(folder / SCENARIO_FILE, region=region)
    except ScenarioError as error:
        raise ValueError(str(error)) from None
    info = read_manifest(folder) or summary.get("provenance", {})
    _warn_if_changed(folder, scenario, info)
    return Forecast(scenario, pd.read_csv(years_csv), int(info.get("seed", summary.get("seed", scenario.seed))), info,
                    to_fund_as_written=summary.get("budget", {}).get("to_fund_as_written"))


def _warn_if_changed(folder: Path, scenario: Scenario, info: dict) -> None:
    """Say when the run's region bundle or calibration has changed since the run (the brief's words on
    the region and its calibration describe them as they are now)."""
    now = {**region_info(scenario.region), **calibration_info(scenario.region)}
    changed = [key for key in ("region_data_sha256", "calibration_sha256") if info.get(key) and info[key] != now[key]]
    if changed:
        warnings.warn(f"{folder}: the region bundle or its calibration has changed since this run "
                      f"({', '.join(changed)}); the brief describes them as they are now", stacklevel=2)


def read_comparison(folders: list[Path], allow_unpaired: bool = False,
                    region: str | Path | None = None) -> Comparison:
    """A Comparison of run folders (the first is the reference); refused (UnpairedComparison) when
    the runs do not share random numbers, unless ``allow_unpaired``."""
    runs = [read_run(f, region) for f in folders]
    names = [r.scenario.name for r in runs]
    keys = names if len(set(names)) == len(names) else [Path(f).name for f in folders]
    comparison = Comparison(dict(zip(keys, runs)), runs[0].seed)
    if not allow_unpaired:
        comparison.require_paired()
    return comparison
