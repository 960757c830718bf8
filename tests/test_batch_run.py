"""Batches: executors give identical results, failures are recorded, resume after a kill, changed files refused.

Tiny experiments only (a model run takes ~50 ms); the Dask test starts a real LocalCluster.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import ecosim.explore.batch as batch_module
from ecosim.cli.batch import register
from ecosim.explore.batch import batch, read_results, run_batch
from ecosim.explore.executors import (DaskExecutor, LostChunk, ProcessExecutor, SerialExecutor,
                                      WorkersUnavailable, map_in_order)
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.model import resolve, simulate
from ecosim.scenario import load_scenario

EXPERIMENT = """\
name = "tiny"
scenario = "baseline"
replications = 2
seed = 5
[factors."levers.rd_reward_rate"]
distribution = "uniform"
[factors.assumptions.rd_user_cost_elasticity]
distribution = "uniform"
low = 0.5
high = 1.2
[design]
method = "lhs"
points = {points}
[outputs]
yearly = ["rd_intensity", "target_met", "government_cost"]
"""


def _experiment(folder: Path, points: int = 3, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(EXPERIMENT.format(points=points), encoding="utf-8")
    return path


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecosim")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.command(args)


@pytest.fixture(scope="module")
def serial_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    path = _experiment(folder)
    report = run_batch(path, folder / "out", executor=SerialExecutor())
    assert report.failed == 0 and report.total_runs == 6
    return path, read_results(folder / "out")


def test_serial_results_are_the_model_runs(serial_reference):
    _, (yearly, summaries) = serial_reference
    assert list(zip(summaries["point"], summaries["replication"])) == [(p, r) for p in range(3) for r in range(2)]
    row = summaries.iloc[3]
    scenario = load_scenario("baseline").with_changes({"levers.rd_reward_rate": row["levers.rd_reward_rate"]})
    seed = run_seed(5, 1, 1)
    factor = {"rd_user_cost_elasticity": row["assumptions.rd_user_cost_elasticity"]}
    # as every forecast replication: calibrated parameters drawn for the run's seed, factors on top
    alone = simulate(resolve(scenario, run_assumptions(scenario, seed, factor)), seed)
    assert row["seed"] == "5:1:1"
    mine = yearly[(yearly["point"] == 1) & (yearly["replication"] == 1)]
    assert mine["rd_intensity"].tolist() == alone["rd_intensity"].tolist()
    target = alone[alone["year"] == 2024].iloc[0]
    assert row["rd_intensity"] == target["rd_intensity"]
    # the cost window: the policy start year (2021) to the target year (2024)
    window = alone["year"].between(2021, 2024)
    assert row["government_cost"] == alone.loc[window, "government_cost"].sum()
    assert row["social_cost"] == alone.loc[window, "social_cost"].sum()
    assert len(yearly) == 6 * len(alone)


def test_process_pool_and_dask_are_bit_identical_to_serial(serial_reference, tmp_path: Path):
    path, (yearly, summaries) = serial_reference
    process = run_batch(path, tmp_path / "pool", executor=ProcessExecutor(2))
    assert process.failed == 0 and process.chunks > 1
    dask = run_batch(path, tmp_path / "dask", executor=DaskExecutor(None, 2))
    assert dask.failed == 0 and dask.executor.startswith("Dask")
    for out in ("pool", "dask"):
        other_yearly, other_summaries = read_results(tmp_path / out)
        pd.testing.assert_frame_equal(other_yearly, yearly, check_exact=True)
        pd.testing.assert_frame_equal(other_summaries, summaries, check_exact=True)


def _worker_settings(dask_worker) -> tuple[bool, float]:
    """(statistical profiler on, event-loop tick seconds) of a Dask worker."""
    return "profile-cycle" in dask_worker.periodic_callbacks, dask_worker._tick_interval


def test_dask_local_cluster_workers_run_without_the_settings_that_slowed_them():
    """The LocalCluster's workers run with no profiler, a 1 s event-loop tick and no malloc trim
    threshold (with Dask's defaults a run took 13-18% longer than on a process pool's worker)."""
    with DaskExecutor(None, 2) as executor:
        settings = executor._client.run(_worker_settings)
        nannies = list(executor._cluster.workers.values())
    assert len(settings) == 2 and set(settings.values()) == {(False, 1.0)}
    assert len(nannies) == 2 and all("MALLOC_TRIM_THRESHOLD_" not in n.pre_spawn_env for n in nannies)


def test_a_raising_run_is_recorded_and_the_rest_complete(serial_reference, tmp_path: Path, monkeypatch, capsys):
    path, (_, summaries) = serial_reference
    real = batch_module.simulate_run

    def flaky(spec, point, replication, inputs):
        if (point, replication) == (1, 0):
            raise RuntimeError("injected failure")
        return real(spec, point, replication, inputs)

    monkeypatch.setattr(batch_module, "simulate_run", flaky)
    code = _cli(["batch", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert code == 1
    assert "1 of 6 runs failed" in capsys.readouterr().out
    failures = [json.loads(line) for line in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert len(failures) == 1
    assert (failures[0]["point"], failures[0]["replication"], failures[0]["seed"]) == (1, 0, "5:1:0")
    assert "injected failure" in failures[0]["traceback"]
    _, done = read_results(tmp_path / "out")
    expected = summaries[~((summaries["point"] == 1) & (summaries["replication"] == 0))].reset_index(drop=True)
    pd.testing.assert_frame_equal(done, expected, check_exact=True)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs_failed"] == 1 and manifest["runs_completed"] == 5


def test_changed_experiment_file_is_refused_unless_force(serial_reference, tmp_path: Path, capsys):
    path = _experiment(tmp_path, points=2)
    out = tmp_path / "out"
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "4 runs" in capsys.readouterr().out
    # the same command again: nothing left to run
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "ran 0 runs" in capsys.readouterr().out
    path.write_text(path.read_text().replace("seed = 5", "seed = 6"))
    before = sorted(p.name for p in out.iterdir())
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and f"the experiment file {path.resolve()} has changed" in error
    assert "--force" in error
    assert sorted(p.name for p in out.iterdir()) == before
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1", "--force"]) == 0
    _, summaries = read_results(out)
    assert summaries["seed"].tolist() == [f"6:{p}:{r}" for p in range(2) for r in range(2)]


def test_malformed_experiment_exits_2(tmp_path: Path, capsys):
    bad = Path(__file__).parent / "experiments" / "04-factor-high-above-catalogue.toml"
    assert _cli(["batch", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "levers.rd_reward_rate.high" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_batch_killed_with_sigkill_resumes_to_exactly_the_expected_runs(tmp_path: Path):
    path = _experiment(tmp_path, points=24)  # 48 runs in chunks of 6 with one worker
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ecosim.cli.batch", str(path), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not list(out.glob("chunks/*.json")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        assert process.poll() is None, "the batch finished before it could be killed; make it bigger"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    done_before = len(list(out.glob("chunks/*.json")))
    assert 1 <= done_before < 8
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    yearly, summaries = read_results(out)
    expected = [(p, r) for p in range(24) for r in range(2)]
    assert list(zip(summaries["point"], summaries["replication"])) == expected
    assert not yearly.duplicated(["point", "replication", "year"]).any()
    assert len(yearly) == 48 * yearly["year"].nunique()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_completed"] == 48 and manifest["resumed"]
    # the resumed batch equals an uninterrupted one
    _, reference = batch(path, tmp_path / "reference", workers=1)
    pd.testing.assert_frame_equal(summaries, reference, check_exact=True)


def test_cli_on_an_existing_dask_scheduler(serial_reference, tmp_path: Path, capsys):
    from dask.distributed import LocalCluster

    path, (yearly, summaries) = serial_reference
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code = _cli(["batch", str(path), "--out", str(tmp_path / "out"), "--dask", cluster.scheduler_address])
    assert code == 0
    assert cluster.scheduler_address in capsys.readouterr().out
    other_yearly, other_summaries = read_results(tmp_path / "out")
    pd.testing.assert_frame_equal(other_yearly, yearly, check_exact=True)
    pd.testing.assert_frame_equal(other_summaries, summaries, check_exact=True)


def test_progress_only_when_asked(serial_reference, tmp_path: Path, capsys):
    path, _ = serial_reference
    run_batch(path, tmp_path / "quiet", executor=SerialExecutor())  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    run_batch(path, tmp_path / "loud", executor=SerialExecutor(), progress=True)
    err = capsys.readouterr().err
    assert "6/6 runs" in err and "runs/s" in err and "ETA" in err


def test_common_random_numbers_make_equal_design_points_equal(tmp_path: Path):
    """Two design points with the same factor values: identical runs with common random numbers,
    different runs (different seeds) without them."""
    (tmp_path / "design.csv").write_text("levers.rd_reward_rate\n0.05\n0.05\n")
    results = {}
    for crn in (True, False):
        path = tmp_path / f"crn-{crn}.toml"
        path.write_text(f"""
name = "crn"
scenario = "baseline"
replications = 1
seed = 9
common_random_numbers = {str(crn).lower()}
[design]
method = "csv"
file = "design.csv"
""")
        _, summaries = batch(path, tmp_path / f"out-{crn}", workers=1)
        results[crn] = summaries.sort_values("point")
    shared, separate = results[True], results[False]
    assert list(shared["seed"]) == ["9:0:0", "9:0:0"] and list(separate["seed"]) == ["9:0:0", "9:1:0"]
    assert shared["rd_intensity"].iloc[0] == shared["rd_intensity"].iloc[1]
    assert separate["rd_intensity"].iloc[0] != separate["rd_intensity"].iloc[1]


class _Reversed:
    """An executor whose chunks finish last first; with ``lose``, the chunk of that item is lost."""

    workers = 2

    def __init__(self, lose: int | None = None):
        self.lose = lose

    def map_chunks(self, fn, chunks):
        for chunk in reversed(list(chunks)):
            yield LostChunk(chunk, "killed") if self.lose in chunk.items else fn(chunk)


def test_map_in_order_puts_results_in_place_whatever_order_chunks_finish():
    calls = []
    progress = lambda done, total: calls.append((done, total))
    items = list(range(7))
    assert map_in_order(_Reversed(), abs, [-i for i in items], size=3, progress=progress) == items
    assert calls == [(1, 7), (4, 7), (7, 7)]
    with SerialExecutor() as serial:
        assert map_in_order(serial, abs, [-i for i in items], size=2) == items
    with pytest.raises(WorkersUnavailable, match="items 3 to 5 of 7"):
        map_in_order(_Reversed(lose=4), abs, items, size=3)
