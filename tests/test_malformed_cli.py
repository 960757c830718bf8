"""Malformed inputs through the command line: exit 2, one line naming the file and the field, no
traceback, nothing written. Covers the input classes that used to fail badly (empty file, byte-order
mark, deep nesting, huge grid, a factor given twice, a text cell in a CSV design, a folder given as
a file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecosim.cli import main

HERE = Path(__file__).parent
MALFORMED = HERE / "malformed"
EXPERIMENTS = HERE / "experiments"


def _refused(argv: list[str], out: Path, capsys) -> str:
    """Run the command, check it is refused cleanly, return its one error line."""
    code = main([*argv, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecosim: error: "), captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()
    return lines[0]


@pytest.mark.parametrize("name, field, words", [
    ("70-empty-only-comments.toml", "(file)", "holds no fields"),
    ("71-byte-order-mark.toml", "(file)", "byte-order mark"),
    ("72-deeply-nested-array.toml", "(line 4)", "at most 20 levels"),
    ("73-deeply-nested-inline-table.toml", "(line 3)", "at most 20 levels"),
    ("75-not-utf8-on-line-3.toml", "(line 3)", "not UTF-8"),
])
def test_run_refuses_malformed_scenario_files(name, field, words, tmp_path: Path, capsys):
    path = MALFORMED / name
    line = _refused(["run", str(path), "--replications", "1"], tmp_path / "o", capsys)
    assert f"{path}: {field}: " in line and words in line


def test_run_refuses_a_zero_byte_scenario_and_a_folder(tmp_path: Path, capsys):
    empty = tmp_path / "empty.toml"
    empty.write_bytes(b"")
    line = _refused(["run", str(empty)], tmp_path / "o", capsys)
    assert f"{empty}: (file): holds no fields" in line
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    line = _refused(["run", str(folder)], tmp_path / "o", capsys)
    assert f"{folder}: (file): is a folder; give a scenario TOML file" in line


@pytest.mark.parametrize("name, field, words", [
    ("16-empty-file.toml", "scenario", "missing"),
    ("17-byte-order-mark.toml", "(file)", "byte-order mark"),
    ("18-deeply-nested-inline-table.toml", "(line 4)", "at most 20 levels"),
    ("19-grid-of-1e24-points.toml", "design", "1e+24 runs; at most 10000000 runs"),
    ("20-factor-twice-two-spellings.toml", "factors.levers.rd_reward_rate", "given twice"),
    ("21-csv-text-cell.toml", "design.file[4].levers.platforms", "got a text ('many')"),
    ("22-empty-scenario-file.toml", "scenario", "holds no fields"),
    ("23-design-file-is-a-folder.toml", "design.file", "is a folder"),
])
def test_batch_refuses_malformed_experiments(name, field, words, tmp_path: Path, capsys):
    path = EXPERIMENTS / name
    line = _refused(["batch", str(path), "--workers", "1"], tmp_path / "o", capsys)
    assert f"{path}: {field}: " in line and words in line


def test_batch_refuses_a_folder_given_as_the_experiment(tmp_path: Path, capsys):
    folder = tmp_path / "exp.toml"
    folder.mkdir()
    line = _refused(["batch", str(folder), "--workers", "1"], tmp_path / "o", capsys)
    assert f"{folder}: (file): is a folder; give an experiment TOML file" in line


def test_huge_grid_is_refused_at_once(tmp_path: Path):
    """The 10^24-point grid is refused from its size, in a fresh process, in seconds and without
    building it (a built grid would exhaust memory long before)."""
    path = EXPERIMENTS / "19-grid-of-1e24-points.toml"
    done = subprocess.run([sys.executable, "-m", "ecosim.cli", "batch", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "at most 10000000 runs" in done.stderr
    assert not (tmp_path / "o").exists()


def test_deeply_nested_file_gives_no_recursion_traceback(tmp_path: Path):
    path = MALFORMED / "72-deeply-nested-array.toml"
    done = subprocess.run([sys.executable, "-m", "ecosim.cli", "run", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "RecursionError" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_closed_pipe_exits_quietly():
    """``ecosim assumptions | head -1``: the reader goes away; no BrokenPipeError traceback."""
    process = subprocess.Popen([sys.executable, "-m", "ecosim.cli", "assumptions"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # gone before the command prints its first line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
