"""Forecasts, comparisons and contributions spread over worker processes give exactly the numbers
of one process: every replication has its own seed, whatever worker runs it and whatever slice
it is in. Real workers: a local process pool and a Dask LocalCluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import ecosim
from ecosim.explore.progress import SLICES_PER_WORKER
from ecosim.explore.runs import run_replications, slices

SMALL = {"parameter_uncertainty": False, "firms_per_agent": 10, "horizon": 2026}
"""A tenth of the firms to 2026: the equality of the tables does not depend on scale."""


@pytest.fixture(scope="module")
def mix() -> ecosim.Scenario:
    """The guiding-opinions mix, small: the budget cuts it, so the forecast also runs the mix as written."""
    return ecosim.load_scenario("guiding-opinions").with_changes(SMALL)


def test_slices_cover_every_replication_once_in_order(mix):
    for count, size in [(1, 1), (7, 3), (9, 3), (50, 7)]:
        parts = slices(mix, count, 5, size)
        firsts = [r for p in parts for r in range(p.first, p.first + p.count)]
        assert firsts == list(range(count))
        assert all(1 <= p.count <= size for p in parts)


def test_a_slice_gives_the_replications_of_the_whole(mix):
    whole = run_replications(mix, 5, 11)
    [tail] = [ecosim.explore.runs.run_slice(p) for p in slices(mix, 5, 11, 3)[1:]]
    assert_frame_equal(tail, whole[whole.replication >= 3].reset_index(drop=True))


def test_a_forecast_on_two_processes_equals_one_process(mix):
    count = 2 * 2 * SLICES_PER_WORKER + 3  # uneven slices, more than one each
    alone = ecosim.forecast(mix, count, seed=3, progress=False)
    spread = ecosim.forecast(mix, count, seed=3, progress=False, workers=2)
    assert_frame_equal(alone.years, spread.years)
    assert alone.to_fund_as_written is not None
    assert spread.to_fund_as_written == alone.to_fund_as_written


def test_a_comparison_and_a_contribution_on_dask_equal_one_process(mix):
    base = ecosim.load_scenario("baseline").with_changes(SMALL)
    alone = ecosim.compare({"baseline": base, "mix": mix}, 4, seed=2, progress=False)
    on_dask = ecosim.compare({"baseline": base, "mix": mix}, 4, seed=2, progress=False, workers=2, dask=True)
    for name in ("baseline", "mix"):
        assert_frame_equal(alone.forecasts[name].years, on_dask.forecasts[name].years)
    parts = ecosim.contribution(mix, 3, seed=2, levers=["platforms", "rd_reward_rate"], progress=False)
    spread = ecosim.contribution(mix, 3, seed=2, levers=["platforms", "rd_reward_rate"], progress=False,
                                 workers=2)
    assert_frame_equal(parts.table(), spread.table())


def test_run_with_workers_writes_the_same_years_as_one_process(tmp_path: Path, mix):
    scenario = tmp_path / "small.toml"
    scenario.write_text('name = "small"\nbase_year = "latest"\nhorizon = 2026\nhold_policy = true\n'
                        'parameter_uncertainty = false\nfirms_per_agent = 10\n', encoding="utf-8")
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"w{workers}"
        done = subprocess.run([sys.executable, "-m", "ecosim.cli", "run", str(scenario), "--replications", "6",
                               "--workers", workers, "--out", str(outs[workers])],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert_frame_equal(pd.read_csv(outs["1"] / "years.csv"), pd.read_csv(outs["2"] / "years.csv"))
