"""The files of a sensitivity analysis in its ``--out`` folder::

    OUT/manifest.json        the kind of results and the inputs they were made with (the folder rule)
    OUT/indices.csv          the tidy index table of every method analysed in the folder
    OUT/sensitivity.json     the summary: experiment, each method's design, convergence and notices
    OUT/charts/              the charts (:func:`ecosim.charts.sensitivity.write_charts`)
    OUT/batch-<method>/      the batch of each method's runs (written by the batch engine)

The files keep the results of the other methods already in the folder (the folder rule lets a
folder of the same inputs be added to), so ``--method sobol`` then ``--method morris`` leaves both.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.analysis.sensitivity import INDEX_COLUMNS
from ecosim.explore.experiment import Experiment, experiment_file
from ecosim.explore.sensitivity import METHODS
from ecosim.explore.store import MANIFEST, now

RESULTS = (MANIFEST, "indices.csv", "sensitivity.json", "charts", *(f"batch-{m}" for m in METHODS))
"""What a sensitivity analysis writes in its folder (removed by ``--force``)."""


def write_manifest(out: Path, experiment: Experiment, inputs: dict[str, Any]) -> Path:
    """Write ``out/manifest.json``: a sensitivity analysis of ``experiment`` and the ``inputs`` its
    indices depend on (see :func:`ecosim.explore.store.claim_folder`)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"kind": "sensitivity", "experiment": experiment.name,
                "experiment_file": experiment_file(experiment), "created": now(), "inputs": inputs}
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_sensitivity(out: Path, table: pd.DataFrame, summary: dict[str, Any], charts: bool = True,
                      lang: str = "en") -> dict[str, Any]:
    """Write ``out/indices.csv``, ``sensitivity.json`` and (``charts``) the charts in ``lang`` of this
    analysis's ``table`` and ``summary`` with the other methods' results already in ``out``; the
    summary written."""
    out.mkdir(parents=True, exist_ok=True)
    all_table, all_summary = merge_previous(out, table, summary)
    all_table.to_csv(out / "indices.csv", index=False)
    if charts:
        from ecosim.charts.sensitivity import write_charts

        all_summary["charts"] = [str(p) for p in write_charts(all_table, out / "charts", lang, all_summary)]
    (out / "sensitivity.json").write_text(json.dumps(_jsonable(all_summary), indent=2, ensure_ascii=False) + "\n")
    return all_summary


def merge_previous(out: Path, table: pd.DataFrame, summary: dict) -> tuple[pd.DataFrame, dict]:
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
