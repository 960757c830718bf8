"""One rule for an existing ``--out`` folder (``ecosim.explore.store.FOLDER_RULE``), the same for ``run``,
``compare``, ``contribution`` and ``batch``: a folder of the same inputs is resumed (a finished run is
read back, not run again), a folder of other inputs is refused with exit code 2 naming ``--out`` and
what changed, and ``--force`` replaces ecosim's results (and only those)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from ecosim.cli import main
from ecosim.explore.store import FOLDER_RULE, OutputFolderError, changed_inputs, claim_folder

RUNS = 2


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}


def test_a_finished_run_is_read_back_not_run_again(tmp_path):
    out = tmp_path / "run"
    code, first, _ = _main(["run", "--replications", str(RUNS), "--out", str(out)])
    assert code == 0
    before = _stamps(out)
    code, second, _ = _main(["run", "--replications", str(RUNS), "--out", str(out)])
    assert code == 0
    assert "already holds this run" in second
    assert _stamps(out) == before  # nothing rewritten
    # the answer printed from the folder is the answer printed by the run
    assert first.split("\nwrote ")[0].strip() == second.split("\n\n" + str(out))[0].strip()


def test_a_run_of_other_inputs_is_refused_naming_what_changed(tmp_path):
    out = tmp_path / "run"
    assert _main(["run", "--replications", str(RUNS), "--out", str(out)])[0] == 0
    before = _stamps(out)
    code, _, err = _main(["run", "--replications", str(RUNS), "--seed", "8", "--out", str(out)])
    assert code == 2
    assert "--out" in err and "the seed has changed" in err and "--force" in err
    assert "Traceback" not in err
    assert _stamps(out) == before  # nothing written
    code, _, err = _main(["run", "--replications", str(RUNS), "--set", "levers.rd_reward_rate=0.08",
                          "--out", str(out)])
    assert code == 2 and "scenario" in err and "has changed" in err


def test_force_replaces_ecosims_results_and_leaves_other_files(tmp_path):
    out = tmp_path / "run"
    assert _main(["run", "--replications", str(RUNS), "--out", str(out)])[0] == 0
    (out / "fan.png").write_bytes(b"stale chart of the old run")
    (out / "my-notes.txt").write_text("mine")
    code, _, _ = _main(["run", "--replications", "3", "--seed", "8", "--out", str(out), "--force"])
    assert code == 0
    assert not (out / "fan.png").exists()  # a chart of the replaced run does not survive it
    assert (out / "my-notes.txt").read_text() == "mine"
    years = pd.read_csv(out / "years.csv")
    assert years["replication"].nunique() == 3
    assert json.loads((out / "manifest.json").read_text())["inputs"]["seed"] == 8


def test_a_folder_of_foreign_files_is_refused(tmp_path):
    out = tmp_path / "somebody-elses"
    out.mkdir()
    (out / "data.csv").write_text("a,b\n1,2\n")
    code, _, err = _main(["run", "--replications", str(RUNS), "--out", str(out)])
    assert code == 2 and "no manifest.json" in err
    assert sorted(p.name for p in out.iterdir()) == ["data.csv"]


def test_compare_and_contribution_follow_the_same_rule(tmp_path):
    cmp = tmp_path / "cmp"
    argv = ["compare", "baseline", "guiding-opinions", "--replications", str(RUNS), "--out", str(cmp)]
    assert _main(argv)[0] == 0
    assert _main(argv)[0] == 0  # same inputs: allowed
    code, _, err = _main(["compare", "baseline", "--replications", str(RUNS), "--out", str(cmp)])
    assert code == 2 and "guiding-opinions" in err and "no longer among the inputs" in err
    con = tmp_path / "con"
    argv = ["contribution", "guiding-opinions", "--replications", str(RUNS), "--levers", "rd_reward_rate",
            "--out", str(con)]
    assert _main(argv)[0] == 0
    code, _, err = _main(argv[:-2] + ["--seed", "3", "--out", str(con)])
    assert code == 2 and "the seed has changed" in err
    # a compare folder is not a contribution folder, whatever the inputs
    code, _, err = _main(["contribution", "guiding-opinions", "--replications", str(RUNS), "--out", str(cmp)])
    assert code == 2 and "ecosim compare" in err


def test_claim_folder_cases(tmp_path):
    inputs = {"seed": 1, "scenario file": {"path": "a.toml", "sha256": "0" * 64}}
    assert claim_folder(tmp_path / "new", "run", inputs, False) is None
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"kind": "run", "inputs": inputs}))
    assert claim_folder(folder, "run", inputs, False)["inputs"] == inputs
    with pytest.raises(OutputFolderError, match="the seed has changed"):
        claim_folder(folder, "run", {**inputs, "seed": 2}, False)
    with pytest.raises(OutputFolderError, match="ecosim run, not of a batch"):
        claim_folder(folder, "batch", inputs, False)
    assert claim_folder(folder, "run", {**inputs, "seed": 2}, True, ("manifest.json",)) is None
    assert not (folder / "manifest.json").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFolderError, match="is a file"):
        claim_folder(tmp_path / "file", "run", inputs, False)
    assert changed_inputs({"git commit": "abc", **inputs}, {"git commit": None, **inputs}) == []
    assert "--force" in FOLDER_RULE


def test_a_run_folder_records_the_posterior_it_drew_from(tmp_path):
    out = tmp_path / "run"
    assert _main(["run", "--replications", str(RUNS), "--out", str(out)])[0] == 0
    inputs = json.loads((out / "manifest.json").read_text())["inputs"]
    assert inputs["calibration posterior"]["path"].endswith("calibration_posterior.csv")
    assert len(inputs["calibration posterior"]["sha256"]) == 64


def test_a_batch_into_a_file_or_a_foreign_folder_is_refused_cleanly_and_writes_nothing(tmp_path):
    from ecosim.cli import main as cli

    experiment = Path(__file__).parent.parent / "experiments" / "example-grid.toml"
    target = tmp_path / "a-file"
    target.write_text("x")
    code, _, err = _main(["batch", str(experiment), "--out", str(target), "--workers", "1"])
    assert code == 2 and "is a file" in err and "Traceback" not in err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "data.csv").write_text("a\n")
    code, _, err = _main(["batch", str(experiment), "--out", str(foreign), "--workers", "1"])
    assert code == 2 and "no manifest.json" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["data.csv"]  # not even a lock file
    assert cli is main


def test_an_input_that_changes_kind_is_reported_not_a_crash():
    before = {"design": {"path": "d.csv", "sha256": "0" * 64}, "seed": 1}
    assert changed_inputs(before, {"design": "inline", "seed": 1}) == ["the design has changed"]
    assert changed_inputs({"seed": 1}, {"seed": 1, "extra": 2}) == ["the extra is new"]


@pytest.mark.parametrize("argv, kind", [
    (["calibrate", "--workers", "1"], "calibration"),
    (["backtest", "--origin", "2016", "--workers", "1"], "backtest-origin"),
    (["optimize", "baseline", "--target-probability", "0.5", "--workers", "1"], "optimize"),
])
def test_the_computing_commands_refuse_a_folder_of_other_inputs_before_running(tmp_path, argv, kind):
    """calibrate, backtest and optimize apply the rule before their runs: a folder holding results of other
    inputs is refused at once (exit 2, naming --out), and nothing in it changes."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"kind": kind, "inputs": {"seed": -1}, "files": ["x.csv"]}))
    (out / "x.csv").write_text("old results\n")
    code, _, err = _main([*argv, "--out", str(out)])
    assert code == 2 and "--out" in err and "--force" in err and "Traceback" not in err
    assert (out / "x.csv").read_text() == "old results\n"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "x.csv"]
