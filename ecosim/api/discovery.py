"""Scenario discovery over a batch: where in lever and assumption space the target is met."""

from __future__ import annotations

from pathlib import Path

from ecosim.analysis.discovery import PrimResult, points_of_interest, prim
from ecosim.explore.batch import read_results


def discover(results_dir: str | Path, outcome: str = "target_met", threshold: float | None = None) -> PrimResult:
    """PRIM box of the design points of a batch whose mean ``outcome`` is at least ``threshold``."""
    factors, interest, _ = points_of_interest(read_results(results_dir).summaries, outcome, threshold)
    return prim(factors, interest)
