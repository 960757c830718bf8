"""A batch's results for people: the runs and the per-run summaries with the unit and meaning of every
column in ``attrs``, and the batch's manifest."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ecosim.assumptions import ASSUMPTIONS
from ecosim.levers import LEVERS
from ecosim.model import OUTPUT_COLUMNS

KEY_COLUMNS = {"point": ("", "design point (row of the design)"),
               "replication": ("", "replication of the design point"),
               "seed": ("", "the run's seed: root seed and spawn key (design point, replication)")}
SUMMARY_MEANINGS = {
    "rd_intensity": ("% of GDP", "the region's R&D expenditure / GDP in the target year"),
    "national_rd_intensity": ("% of GDP", "the benchmark's R&D expenditure / GDP in the target year"),
    "rd_intensity_gap": ("percentage points", "the region minus the benchmark (national average) in the target year"),
    "target_met": ("", "whether the target is met in the target year (1 or 0)"),
    "government_cost": ("100m yuan", "government cost of the levers (outlays and revenue forgone) from the policy "
                                      "start to the target year"),
    "social_cost": ("100m yuan", "government cost plus the mandates' compliance cost, policy start to target year"),
    "first_year_met": ("year", "the first year the target is met (empty: never up to the horizon)"),
}
"""Unit and meaning of the per-run summary columns."""


class BatchResults(NamedTuple):
    """A batch's ``runs`` (one row per run and year) and ``summaries`` (one row per run); unpacks
    as ``(runs, summaries)``. ``manifest`` is the batch's manifest.json; each frame's
    ``attrs["units"]`` and ``attrs["definitions"]`` give every column's unit and meaning."""

    runs: pd.DataFrame
    summaries: pd.DataFrame

    @property
    def manifest(self) -> dict:
        """The batch's manifest (experiment, scenario, root seed, design, counts, versions)."""
        return self.runs.attrs.get("manifest", {})


def column_meaning(column: str, summary: bool = False) -> tuple[str, str]:
    """(unit, meaning) of a batch column: keys, factors (``levers.X``, ``assumptions.X``), outputs."""
    kind, _, name = column.partition(".")
    if column in KEY_COLUMNS:
        return KEY_COLUMNS[column]
    if kind == "levers" and name in LEVERS:
        return LEVERS[name].unit, f"factor: lever {name}"
    if kind == "assumptions" and name in ASSUMPTIONS:
        return ASSUMPTIONS[name].unit, f"factor: assumption {name}"
    if summary and column in SUMMARY_MEANINGS:
        return SUMMARY_MEANINGS[column]
    return OUTPUT_COLUMNS.get(column, ("", ""))


def labelled(runs: pd.DataFrame, summaries: pd.DataFrame, manifest: dict) -> BatchResults:
    """The two tables with every column's unit and meaning (and the manifest) in their ``attrs``."""
    for frame, summary in ((runs, False), (summaries, True)):
        meanings = {c: column_meaning(c, summary) for c in frame.columns}
        frame.attrs.update(units={c: u for c, (u, _) in meanings.items()},
                           definitions={c: m for c, (_, m) in meanings.items()}, manifest=manifest)
    return BatchResults(runs, summaries)
