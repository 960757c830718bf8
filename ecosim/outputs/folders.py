"""The output folders of the commands that compute once and write their files (``calibrate``,
``backtest``, ``optimize``): the output-folder rule (:func:`ecosim.explore.store.claim_folder`) applied
before the work starts, so a refused folder costs no runs, and a ``manifest.json`` written with the
results, recording what they depend on and which files they are (what ``--force`` removes)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ecosim.data import Region
from ecosim.explore.provenance import bundle_inputs, package_version
from ecosim.explore.store import MANIFEST, claim_folder, file_sha256, now

CALIBRATION_KEYS = ("calibration", "calibration posterior")
"""The bundle inputs a calibration writes rather than reads (``--install``)."""


def file_input(path: str | Path | None) -> dict[str, Any] | None:
    """A file as an input: its path and sha256 (None when there is no file)."""
    if path is None or not Path(path).is_file():
        return None
    return {"path": str(Path(path).resolve()), "sha256": file_sha256(path)}


def content_input(label: str, content: Any) -> dict[str, Any]:
    """A value as an input: its description and the sha256 of its JSON."""
    text = json.dumps(content, sort_keys=True, default=repr)
    return {"path": label, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def result_inputs(region: Region, settings: dict[str, Any], reads_calibration: bool = True) -> dict[str, Any]:
    """The ``settings`` of a command and the region bundle it reads (without the bundle's calibration
    when the command writes it)."""
    bundle = bundle_inputs(region)
    if not reads_calibration:
        bundle = {k: v for k, v in bundle.items() if k not in CALIBRATION_KEYS}
    return {**settings, **bundle}


def claim_results(out: Path, kind: str, inputs: dict[str, Any], force: bool, names: Iterable[str] = ()) -> None:
    """The folder rule for ``out`` before a ``kind`` of work: a folder of the same inputs is written
    again (the same inputs give the same results), one of other inputs refused unless ``force``."""
    claim_folder(out, kind, inputs, force, (*names, MANIFEST))


def write_manifest(out: Path, kind: str, inputs: dict[str, Any], files: Iterable[str | Path]) -> Path:
    """``out/manifest.json``: the kind of results, their inputs, the files written, version and time."""
    path = Path(out) / MANIFEST
    record = {"kind": kind, "inputs": inputs, "files": sorted(Path(f).name for f in files),
              "ecosim_version": package_version(), "created": now()}
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
