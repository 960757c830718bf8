"""Honest waiting: expected times measured here (within a factor 1.5 of the wall time), the runs
``optimize --dry-run`` announces are the runs the search makes, and Ctrl-C during a search ends
with one line, exit code 130 and nothing half-written.

The timings run in new processes, as a command does: the expected time must hold for the first
work of a process, with nothing measured before it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ecosim.scenario import load_scenario

pytestmark = pytest.mark.alone  # predictions against wall time: nothing else may run beside them

FACTOR = 1.5
"""The expected time must lie within this factor of the wall time, either way."""

FORECAST = """
import sys, time
import ecosim
scenario = ecosim.load_scenario("baseline")
scenario = scenario.until(int(sys.argv[2]))
started = time.perf_counter()
ecosim.forecast(scenario, int(sys.argv[1]), progress=True)
print(f"wall {time.perf_counter() - started:.3f} s", file=sys.stderr)
"""
"""A forecast with its plan, timed from the call to its end (the plan's expected time is the work's)."""

AS_TERMINAL_JOB = ("import runpy, signal, sys; "
                   "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
                   "signal.signal(signal.SIGINT, signal.default_int_handler); "
                   "sys.argv = ['ecosim', *sys.argv[1:]]; "
                   "runpy.run_module('ecosim.cli', run_name='__main__', alter_sys=True)")
"""``ecosim ARGS`` started as a terminal starts a foreground job: Ctrl-C unblocked and at its
default action (a child inherits the signal mask and ignored signals of the test process)."""

TINY_SEARCH = ["optimize", "baseline", "--target-probability", "0.5", "--levers", "rd_reward_rate",
               "--replications", "4", "--maxiter", "3"]
"""A search of 21 mixes x 4 replications and 8 runs to re-check the chosen mix: a few seconds of
runs, so the start-up of the workers (which varies most on a shared machine) is not all of it."""


def _seconds(text: str) -> float:
    """The seconds of the first ``about 4.2 s`` / ``about 3 min`` in ``text``."""
    found = re.search(r"about ([0-9.]+) (s|min)\b", text)
    assert found, text
    return float(found.group(1)) * (60 if found.group(2) == "min" else 1)


def _within(expected: float, wall: float) -> bool:
    return wall / FACTOR <= expected <= wall * FACTOR


@pytest.mark.parametrize("replications, last_year", [(20, 2030), (60, 2024), (40, 2027)])
def test_a_forecast_plan_expects_the_time_its_runs_take(replications: int, last_year: int):
    done = subprocess.run([sys.executable, "-c", FORECAST, str(replications), str(last_year)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    plan = re.search(rf"forecast baseline: {replications} runs .*", done.stderr)
    assert plan, done.stderr
    expected, wall = _seconds(plan.group(0)), float(re.search(r"wall ([0-9.]+) s", done.stderr).group(1))
    assert _within(expected, wall), f"expected {expected:.1f} s, took {wall:.1f} s: {plan.group(0)}"


def test_the_plan_counts_every_run_the_search_makes(monkeypatch):
    """Counted where the model runs: every call of ``simulate`` in a search in this process."""
    from ecosim.api.design import optimize, plan_search
    from ecosim.explore import design

    calls = []
    simulate = design.simulate
    monkeypatch.setattr(design, "simulate", lambda *args: calls.append(1) or simulate(*args))
    scenario = load_scenario("baseline")
    arguments = dict(levers=["rd_reward_rate", "hte_cultivation_firms"], replications=2, workers=1, maxiter=1,
                     popsize=3)
    plan = plan_search(scenario, 0.5, **arguments, measure=False)
    result = optimize(scenario, 0.5, **arguments, progress=False)
    assert plan.mixes == 1 + 6 * 2 and plan.runs == plan.mixes * 2 + 4
    assert len(calls) == plan.runs == result.runs
    assert result.mixes_evaluated == plan.mixes >= len(result.evaluations)


def _ecosim(*arguments: str, cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``ecosim ARGUMENTS`` run in ``cwd`` as a new process, and its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ecosim.cli", *arguments], capture_output=True, text=True,
                          cwd=cwd, timeout=300)
    return done, time.perf_counter() - started


@pytest.mark.parametrize("workers", ["1", "2"])
def test_optimize_dry_run_writes_nothing_and_expects_the_runs_and_time_of_the_search(tmp_path: Path, workers: str):
    dry, _ = _ecosim(*TINY_SEARCH, "--workers", workers, "--out", "opt", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert list(tmp_path.iterdir()) == [], "a dry run writes nothing"
    total = re.search(r"total: (\d+) runs", dry.stdout)
    assert total and "dry run: nothing was run or written" in dry.stdout, dry.stdout
    expected = _seconds(dry.stdout[total.start():])

    real, wall = _ecosim(*TINY_SEARCH, "--workers", workers, "--out", "opt", cwd=tmp_path)
    assert real.returncode in (0, 1), real.stderr  # 1: no mix reaches P (an answer, not a failure)
    report = json.loads((tmp_path / "opt" / "optimize.json").read_text())
    assert report["mixes_evaluated"] * 4 + report["fresh"]["replications"] == report["runs"] == int(total.group(1))
    assert _within(expected, wall), f"expected {expected:.1f} s, took {wall:.1f} s: {dry.stdout}"


def _descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]), []).append(
                    int(entry.name))
            except OSError:
                continue
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not gone, not zombies)."""
    running = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                running.add(pid)
        except OSError:
            continue
    return running


def test_ctrl_c_during_optimize_stops_cleanly_with_one_line_and_writes_nothing(tmp_path: Path):
    search = [*TINY_SEARCH[:-4], "--replications", "20", "--maxiter", "5", "--workers", "2", "--out", "opt"]
    assert search[:6] == TINY_SEARCH[:6]
    main = subprocess.Popen([sys.executable, "-c", AS_TERMINAL_JOB, *search], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(iter(lambda: os.read(main.stderr.fileno(), 4096), b"")))
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while b"search:" not in b"".join(received):  # the progress bar is up: the workers are starting
            assert main.poll() is None, b"".join(received).decode()
            assert time.monotonic() < deadline, "no progress output"
            time.sleep(0.05)
        time.sleep(1.0)
        helpers = _descendants(main.pid)
        os.killpg(main.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        main.wait(timeout=60)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
        reader.join()
    stderr = b"".join(received).decode()
    assert main.returncode == 130, stderr
    assert "Traceback" not in stderr and "leaked semaphore" not in stderr and "resource_tracker" not in stderr
    last = stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert last == "ecosim: interrupted; nothing was written to opt (run the same command again to search again)"
    assert list(tmp_path.iterdir()) == [], "nothing is written, not even a partial folder"
    deadline = time.monotonic() + 20
    while _running(helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _running(helpers) == set()


def test_an_interrupted_write_leaves_no_output_folder(tmp_path: Path, monkeypatch):
    from ecosim.cli import optimize as command

    def write_then_interrupt(result, scenario, args, folder: Path) -> None:
        (folder / "frontier.csv").write_text("cost,probability\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "_write", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        command.write_outputs(None, None, None, tmp_path / "opt", {})
    assert list(tmp_path.iterdir()) == []
