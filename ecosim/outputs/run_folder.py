"""A run folder on disk: the files ``ecosim run`` writes (the yearly table, the summary, the column
dictionary, the scenario as run and its manifest), the check of an existing folder before writing,
and reading a folder back as a Forecast or a Comparison (``ecosim plot``, ``ecosim report``, the page)."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.analysis.compare import Comparison
from ecosim.analysis.contribution import Contribution
from ecosim.analysis.forecast import Forecast
from ecosim.explore.provenance import (MANIFEST, SCENARIO_FILE, bundle_inputs, calibration_info, manifest, read_manifest,
                                       region_info, scenario_toml)
from ecosim.explore.store import claim_folder
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import Scenario, ScenarioError, load_scenario

RUN_FILES = ("years.csv", "summary.json", "columns.csv", SCENARIO_FILE, MANIFEST)
"""The files ``ecosim run`` writes."""
CHART_STEMS = ("fan", "fan-zh", "contribution", "contribution-zh", "compare", "compare-zh", "cost", "cost-zh",
               "report", "report-zh")
"""Charts and reports a later step may have written into a run folder (removed by ``run --force``)."""


def scenario_sha256(scenario: Scenario) -> str:
    """The sha256 of the scenario as run (its TOML without the header line, which names the version and
    the file it came from): equal for the same mix, wherever it was read from."""
    body = scenario_toml(scenario).split("\n", 1)[1]
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def scenario_input(scenario: Scenario) -> dict[str, Any]:
    """The scenario as run, as an output folder's input: where it came from and its sha256."""
    return {"path": f"{scenario.name} (from {scenario.source})", "sha256": scenario_sha256(scenario)}


def folder_inputs(scenarios: list[Scenario], seed: int, replications: int, **settings: Any) -> dict[str, Any]:
    """Everything the results of ``scenarios`` run with ``seed`` and ``replications`` depend on besides the
    code (each scenario as run, the region's bundle and calibration, the other ``settings``), with the
    package version and commit: what an output folder's manifest records under ``inputs``."""
    inputs: dict[str, Any] = {("scenario" if len(scenarios) == 1 else f"scenario {s.name}"): scenario_input(s)
                              for s in scenarios}
    inputs.update({"seed": int(seed), "replications": int(replications), **settings})
    return {**inputs, **bundle_inputs(scenarios[0].region)}


def claim_out(out: Path, kind: str, inputs: dict[str, Any], force: bool,
              names: tuple[str, ...] = RUN_FILES) -> dict[str, Any] | None:
    """:func:`ecosim.explore.store.claim_folder` for a folder of ``kind`` whose files are ``names`` (with
    ``force`` these and the charts and briefs a later step wrote there are removed first)."""
    charts = tuple(f"{stem}.{ext}" for stem in CHART_STEMS for ext in ("png", "pdf", "svg", "html"))
    return claim_folder(out, kind, inputs, force, (*names, *charts))


def finished_run(out: Path, previous: dict[str, Any] | None) -> Forecast | None:
    """The run already in ``out`` when :func:`claim_out` resumed it and its files are all there (None:
    run it)."""
    if previous is None or not all((Path(out) / name).is_file() for name in RUN_FILES):
        return None
    return read_run(out)


def write_forecast(result: Forecast, out: Path) -> list[Path]:
    """Write the yearly table, the summary, the column dictionary, the scenario as run and the
    manifest of a forecast to ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    result.years.to_csv(out / "years.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
    columns = pd.DataFrame([(name, unit, meaning) for name, (unit, meaning) in OUTPUT_COLUMNS.items()],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / "columns.csv", index=False)
    info = {**(result.provenance or manifest(result.scenario, result.seed, result.replications)), "kind": "run",
            "inputs": folder_inputs([result.scenario], result.seed, result.replications)}
    return [out / "years.csv", out / "summary.json", out / "columns.csv",
            *write_provenance(out, result.scenario, info)]


COMPARE_FILES = ("compare.csv", "compare-columns.csv", "scenarios", MANIFEST)
"""The files ``ecosim compare`` writes."""
CONTRIBUTION_FILES = ("contribution.csv", "contribution-columns.csv", SCENARIO_FILE, MANIFEST)
"""The files ``ecosim contribution`` writes."""


def write_comparison(result: Comparison, out: Path, inputs: dict[str, Any]) -> list[Path]:
    """Write the comparison table with its column dictionary, each scenario as run (``scenarios/``) and
    the manifest (the reference's provenance, the scenarios, the ``inputs``); returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = write_table(result.table(), out, "compare")
    folder = out / "scenarios"
    folder.mkdir(exist_ok=True)
    for name, f in result.forecasts.items():
        (folder / f"{name}.toml").write_text(scenario_toml(f.scenario), encoding="utf-8")
    first = result.forecasts[result.baseline]
    (out / MANIFEST).write_text(json.dumps({**first.provenance, "scenarios": list(result.forecasts), "kind": "compare",
                                            "inputs": inputs}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, folder, out / MANIFEST]


def write_contribution(result: Contribution, out: Path, inputs: dict[str, Any]) -> list[Path]:
    """Write the decomposition table with its column dictionary, the scenario as run and the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    written = write_table(result.table(), out, "contribution")
    info = {**manifest(result.scenario, result.seed, result.replications), "kind": "contribution", "inputs": inputs}
    return written + write_provenance(out, result.scenario, info)


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
