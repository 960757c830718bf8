"""A batch folder that cannot lie: resume checks every input and chunk, one writer per folder,
workers die with the batch, lost workers are retried then recorded, Ctrl-C stops cleanly, and an
unfinished folder is not read as if it were complete.

Real processes throughout (the ``ecosim.cli.batch`` command, its process pool, a Dask
LocalCluster); results are compared between runs (resumed against uninterrupted), never against
numbers of the model.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from ecosim.cli.batch import register
from ecosim.explore.batch import read_results, run_batch
from ecosim.explore.executors import LOST_REASON, LostChunk, ProcessExecutor, WorkersUnavailable
from ecosim.explore.store import BatchFolderError, FolderLock, file_sha256

SCENARIO = """\
name = "tiny"
base_year = 2015
horizon = 2022
parameter_uncertainty = false
[levers]
platforms = 60
"""

EXPERIMENT = """\
name = "integrity"
scenario = "tiny.toml"
replications = 2
seed = {seed}
[factors."levers.rd_reward_rate"]
distribution = "uniform"
[design]
method = "lhs"
points = {points}
[outputs]
yearly = ["rd_intensity", "target_met"]
"""


def _experiment(folder: Path, points: int = 3, seed: int = 3, name: str = "exp.toml") -> Path:
    (folder / "tiny.toml").write_text(SCENARIO, encoding="utf-8")
    path = folder / name
    path.write_text(EXPERIMENT.format(points=points, seed=seed), encoding="utf-8")
    return path


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecosim")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.command(args)


def _command(path: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ecosim.cli.batch", str(path), "--out", str(out), *extra]


AS_TERMINAL_JOB = ("import runpy, signal, sys; "
                   "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
                   "signal.signal(signal.SIGINT, signal.default_int_handler); "
                   "sys.argv = ['ecosim.cli.batch', *sys.argv[1:]]; "
                   "runpy.run_module('ecosim.cli.batch', run_name='__main__', alter_sys=True)")
"""Start the batch as a terminal starts a foreground job: Ctrl-C unblocked and at its default
action. A child inherits its parent's signal mask and ignored signals, and the test process's
can depend on what ran in it before (multiprocessing, for one, blocks SIGINT while it starts its
helper processes), so without this a batch could start deaf to Ctrl-C for reasons outside ecosim."""


def _terminal_command(path: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", AS_TERMINAL_JOB, *_command(path, out, *extra)[3:]]


def _wait_for(condition, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    """Poll until ``condition()`` holds; fail if the process ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, "the batch ended too early; make it bigger"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _chunks_done(out: Path) -> int:
    return len(list(out.glob("chunks/*.json")))


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _frames(out: Path):
    return read_results(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted batch of 48 runs in one process, the yardstick of every other one."""
    folder = tmp_path_factory.mktemp("reference")
    path = _experiment(folder, points=24)
    run_batch(path, folder / "out", workers=1)
    return folder, _frames(folder / "out")


def _same_as_reference(out: Path, reference) -> None:
    yearly, summaries = _frames(out)
    pd.testing.assert_frame_equal(yearly, reference[1][0], check_exact=True)
    pd.testing.assert_frame_equal(summaries, reference[1][1], check_exact=True)


# --- resume checks everything it depends on ---------------------------------------------


def test_edited_scenario_refuses_the_resume_naming_the_file(tmp_path: Path, capsys):
    path = _experiment(tmp_path)
    out = tmp_path / "out"
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(SCENARIO.replace("platforms = 60", "platforms = 90"), encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert f"the scenario file {scenario.resolve()} has changed" in error and "--force" in error
    assert error.count("\n") == 1
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1", "--force"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["scenario file"]["sha256"] == file_sha256(scenario)  # recorded anew
    assert manifest["runs_completed"] == 6 and manifest["status"] == "finished"


def test_csv_design_reversed_in_place_refuses_the_resume(tmp_path: Path, capsys):
    (tmp_path / "tiny.toml").write_text(SCENARIO, encoding="utf-8")
    design = tmp_path / "design.csv"
    design.write_text("levers.rd_reward_rate\n0.01\n0.02\n0.03\n", encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text('scenario = "tiny.toml"\nseed = 1\n[design]\nmethod = "csv"\nfile = "design.csv"\n')
    out = tmp_path / "out"
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 0
    design.write_text("levers.rd_reward_rate\n0.03\n0.02\n0.01\n", encoding="utf-8")
    capsys.readouterr()
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert f"the design file {design.resolve()} has changed" in capsys.readouterr().err


@pytest.mark.parametrize("label", ["calibration posterior", "calibration", "ecosim version", "git commit"])
def test_other_recorded_inputs_refuse_the_resume(tmp_path: Path, capsys, label: str):
    """The manifest records the calibration files, the version and the commit; a folder made with
    other ones is refused, naming which."""
    path = _experiment(tmp_path)
    out = tmp_path / "out"
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    inputs = manifest["inputs"]
    if isinstance(inputs.get(label), dict):
        inputs[label]["sha256"] = "0" * 64
    else:
        inputs[label] = "something else"
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert f"the {label}" in capsys.readouterr().err


def test_manifest_hashes_the_shipped_calibration_files(tmp_path: Path):
    from ecosim.data import load_region

    path = _experiment(tmp_path)
    run_batch(path, tmp_path / "out", workers=1)
    inputs = json.loads((tmp_path / "out" / "manifest.json").read_text())["inputs"]
    for label, name in (("calibration", "calibration.toml"), ("calibration posterior", "calibration_posterior.csv")):
        if (load_region().root / name).is_file():
            assert inputs[label]["sha256"] == file_sha256(load_region().root / name)
    assert inputs["experiment file"]["sha256"] == file_sha256(path)
    assert inputs["ecosim version"]


def test_chunk_keys_and_files_are_verified_on_resume(tmp_path: Path, capsys):
    path = _experiment(tmp_path)
    out = tmp_path / "out"
    run_batch(path, out, workers=1)
    record_path = out / "chunks" / "000000.json"
    record = json.loads(record_path.read_text())
    assert record["runs"][0] == [0, 0, "3:0:0"]
    record["runs"][0][2] = "4:0:0"
    record_path.write_text(json.dumps(record))
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert "chunk 0 holds runs" in capsys.readouterr().err
    record["runs"][0][2] = "3:0:0"
    record_path.write_text(json.dumps(record))
    other = sorted((out / "runs").glob("part-*.parquet"))
    other[0].write_bytes(other[-1].read_bytes())  # another chunk's file in its place
    assert _cli(["batch", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert f"{other[0]} has changed since the batch wrote it" in capsys.readouterr().err


# --- one writer per folder ----------------------------------------------------------------


def test_a_second_batch_on_a_locked_folder_exits_2_naming_the_folder_and_the_holder(tmp_path: Path):
    path = _experiment(tmp_path, points=120)  # long enough for two more commands to start meanwhile
    other = _experiment(tmp_path, points=120, seed=99, name="other.toml")
    out = tmp_path / "out"
    first = subprocess.Popen(_command(path, out, "--workers", "1"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: (out / ".lock-holder").exists(), first)
        for argv in (_command(other, out, "--workers", "1", "--force"), _command(path, out, "--workers", "1")):
            second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            assert second.returncode == 2, second.stderr
            assert str(out) in second.stderr and f"pid {first.pid}" in second.stderr
            assert "Traceback" not in second.stderr
        assert first.wait(timeout=120) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    _, summaries = read_results(out)
    assert list(zip(summaries["point"], summaries["replication"])) == [(p, r) for p in range(120) for r in range(2)]
    assert summaries["seed"].str.startswith("3:").all()
    assert json.loads((out / "manifest.json").read_text())["runs_completed"] == 240
    assert not (out / ".lock-holder").exists()


def test_lock_is_released_when_its_holder_dies(tmp_path: Path):
    folder = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from pathlib import Path\nfrom ecosim.explore.store import FolderLock\n"
                               f"with FolderLock(Path({str(folder)!r})):\n    print('held', flush=True)\n"
                               "    time.sleep(60)\n"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BatchFolderError, match=f"pid {holder.pid}"):
            with FolderLock(folder):
                pass
        holder.kill()
        holder.wait()
        with FolderLock(folder):  # the kernel released the dead holder's lock
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


# --- clean shutdown -----------------------------------------------------------------------


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--workers", "2", "--dask"]], ids=["pool", "dask"])
def test_kill_9_of_the_main_process_leaves_no_process_behind(tmp_path: Path, executor, reference):
    path = _experiment(tmp_path, points=24)
    out = tmp_path / "out"
    main = subprocess.Popen(_command(path, out, *executor), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _chunks_done(out) >= 1, main)
        helpers = _descendants(main.pid)
        assert len(helpers) >= 2, "the batch should run worker processes"
        os.kill(main.pid, signal.SIGKILL)  # the main process only, not its group
        main.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _alive(helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(helpers) == set(), "orphaned processes"
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
    assert subprocess.run(_command(path, out, "--workers", "1"), capture_output=True, timeout=120).returncode == 0
    _same_as_reference(out, reference)


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _pool_workers(main_pid: int) -> set[int]:
    """The worker processes of a batch: the forkserver's children (forked, so with its command
    line) and Dask's spawned workers; not the forkserver or the resource tracker themselves."""
    tree = _children()
    found = set()
    for pid in tree.get(main_pid, []):
        line = _command_line(pid)
        if "forkserver" in line:
            found.update(tree.get(pid, []))
        elif "resource_tracker" not in line:
            found.add(pid)
    return found


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--workers", "2", "--dask"]], ids=["pool", "dask"])
def test_a_worker_killed_mid_chunk_is_retried_and_the_batch_completes(tmp_path: Path, executor, reference):
    path = _experiment(tmp_path, points=24)
    out = tmp_path / "out"
    main = subprocess.Popen(_command(path, out, *executor), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait_for(lambda: _chunks_done(out) >= 1, main)
        workers = _pool_workers(main.pid)
        assert workers
        os.kill(max(workers), signal.SIGKILL)  # as the out-of-memory killer does
        stdout, stderr = main.communicate(timeout=120)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
    assert main.returncode == 0, stderr
    assert "Traceback" not in stderr and "completed 48 of 48 runs" in stdout
    _same_as_reference(out, reference)


def _kill_every_worker(main_pid: int, stop: threading.Event) -> None:
    """Kill every worker process of the batch as soon as it appears, until ``stop``."""
    while not stop.is_set():
        for pid in _pool_workers(main_pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)


def test_a_chunk_whose_worker_dies_twice_is_recorded_and_exits_3(tmp_path: Path, reference):
    path = _experiment(tmp_path, points=24)
    out = tmp_path / "out"
    main = subprocess.Popen(_command(path, out, "--workers", "2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    stop = threading.Event()
    killer = threading.Thread(target=_kill_every_worker, args=(main.pid, stop), daemon=True)
    killer.start()
    try:
        stdout, stderr = main.communicate(timeout=180)
    finally:
        stop.set()
        killer.join()
        if main.poll() is None:
            main.kill()
            main.wait()
    assert main.returncode == 3, stderr
    assert "Traceback" not in stderr and "lost with their worker processes" in stdout
    lost = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert lost and all(f["kind"] == "worker_lost" and f["reason"] == LOST_REASON for f in lost)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["runs_lost"] == len(lost) == manifest["runs_not_done"]
    assert manifest["runs_completed"] + manifest["runs_lost"] == 48
    with pytest.raises(BatchFolderError, match=f"{manifest['runs_completed']} of 48 runs completed"):
        read_results(out)
    # the same command runs the lost chunks again
    assert subprocess.run(_command(path, out, "--workers", "2"), capture_output=True, timeout=120).returncode == 0
    _same_as_reference(out, reference)
    assert (out / "failures.jsonl").read_text() == ""


def _suicide_on_chunk_one(chunk):
    """A chunk function whose chunk 1 kills its own worker process, every time."""
    if chunk == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return chunk * 10


def test_process_executor_retries_once_then_reports_only_the_guilty_chunk():
    with ProcessExecutor(2) as executor:
        outcomes = list(executor.map_chunks(_suicide_on_chunk_one, range(8)))
    lost = [o for o in outcomes if isinstance(o, LostChunk)]
    assert [o.chunk for o in lost] == [1] and lost[0].reason == LOST_REASON
    assert sorted(o for o in outcomes if not isinstance(o, LostChunk)) == [c * 10 for c in range(8) if c != 1]


def _times_ten(chunk):
    return chunk * 10


def _pools_whose_first_submits_fail(monkeypatch, failures: int) -> list:
    """Make the executor's pools raise EBADF on their first ``failures`` submits in all (the race in
    which a dying pool closes the pipes a new worker was to inherit); returns the pools made."""
    made, left = [], [failures]
    real_new_pool = ProcessExecutor._new_pool

    def new_pool(self):
        pool = real_new_pool(self)
        real_submit = pool.submit

        def submit(fn, *args):
            if left[0] > 0:
                left[0] -= 1
                raise OSError(errno.EBADF, "Bad file descriptor")
            return real_submit(fn, *args)

        pool.submit = submit
        made.append(pool)
        return pool

    monkeypatch.setattr(ProcessExecutor, "_new_pool", new_pool)
    return made


def test_a_worker_that_cannot_be_started_once_is_a_broken_pool_not_a_lost_chunk(monkeypatch):
    pools = _pools_whose_first_submits_fail(monkeypatch, 1)
    with ProcessExecutor(2) as executor:
        outcomes = list(executor.map_chunks(_times_ten, range(8)))
    assert sorted(outcomes) == [c * 10 for c in range(8)]  # every chunk once, none lost
    assert len(pools) == 2  # the pool that refused was replaced once


def test_a_machine_that_never_starts_workers_stops_the_batch_with_a_named_error(monkeypatch):
    _pools_whose_first_submits_fail(monkeypatch, 10**6)
    with pytest.raises(WorkersUnavailable, match="could not start worker processes"):
        with ProcessExecutor(2) as executor:
            list(executor.map_chunks(_times_ten, range(8)))


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--workers", "1"], ["--workers", "2", "--dask"]],
                         ids=["pool", "serial", "dask"])
def test_ctrl_c_stops_cleanly_with_one_line_and_the_batch_resumes(tmp_path: Path, executor, reference):
    # eight simulated years a run (base year 2015 in SCENARIO): long enough that the batch is still
    # running when the signal arrives, even on a loaded machine
    path = _experiment(tmp_path, points=24)
    out = tmp_path / "out"
    main = subprocess.Popen(_terminal_command(path, out, *executor), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for(lambda: _chunks_done(out) >= 1, main)
        helpers = _descendants(main.pid)
        os.killpg(main.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        stdout, stderr = main.communicate(timeout=60)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
    assert main.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("ecosim: interrupted;") and "run the same command again to resume" in lines[0]
    deadline = time.monotonic() + 20
    while _alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(helpers) == set()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["runs_completed"] < 48
    assert f"{manifest['runs_completed']} of 48 runs are done" in lines[0]
    assert subprocess.run(_command(path, out, "--workers", "1"), capture_output=True, timeout=120).returncode == 0
    _same_as_reference(out, reference)


# --- reading a half-finished folder -------------------------------------------------------


def test_partial_folder_is_refused_unless_asked_and_readable_by_pandas_and_pyarrow(tmp_path: Path, reference):
    path = _experiment(tmp_path, points=24)
    out = tmp_path / "out"
    main = subprocess.Popen(_command(path, out, "--workers", "1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _chunks_done(out) >= 1, main)
        os.kill(main.pid, signal.SIGKILL)
        main.wait(timeout=30)
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
    done = _chunks_done(out)
    completed = sum(len(json.loads(p.read_text())["runs"]) for p in out.glob("chunks/*.json"))
    assert 0 < completed < 48
    with pytest.raises(BatchFolderError) as caught:
        read_results(out)
    assert f"{completed} of 48 runs completed" in str(caught.value) and "allow_partial=True" in str(caught.value)
    with pytest.warns(UserWarning, match=f"{completed} of 48 runs completed"):
        yearly, summaries = read_results(out, allow_partial=True)
    assert len(summaries) == completed and summaries.attrs["runs_not_done"] == 48 - completed
    assert len(list((out / "runs").glob("part-*.parquet"))) >= done
    # the subfolders are Parquet datasets as they stand
    by_pandas = pd.read_parquet(out / "summaries")
    assert len(by_pandas) >= completed
    assert ds.dataset(out / "runs", format="parquet").count_rows() >= len(yearly)
    # finished, the folder reads whole and equals an uninterrupted batch, by any reader
    assert subprocess.run(_command(path, out, "--workers", "1"), capture_output=True, timeout=120).returncode == 0
    _same_as_reference(out, reference)
    whole = pd.read_parquet(out / "summaries").sort_values(["point", "replication"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, reference[1][1], check_exact=True, check_dtype=False)
    assert ds.dataset(out / "runs", format="parquet").count_rows() == len(reference[1][0])


def test_an_unreadable_git_commit_is_unknown_not_a_change():
    """A resume must not be refused because git could not be read once (the commit is then None): only
    two known commits that differ are a change."""
    from ecosim.explore.store import changed_inputs

    files = {"scenario file": {"path": "s.toml", "sha256": "ab" * 32}}
    assert changed_inputs({**files, "git commit": "375a3c3"}, {**files, "git commit": None}) == []
    assert changed_inputs({**files, "git commit": None}, {**files, "git commit": "375a3c3"}) == []
    changed = changed_inputs({**files, "git commit": "375a3c3"}, {**files, "git commit": "48b40ec"})
    assert changed == ["the git commit has changed (375a3c3 then, 48b40ec now)"]
    moved = {"scenario file": {"path": "s.toml", "sha256": "cd" * 32}}
    assert len(changed_inputs({**files, "git commit": None}, {**moved, "git commit": None})) == 1
