"""The shipped sensitivity experiments parse, and their dry runs count N * (2D + 2) points for Sobol."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ecosim.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
SOBOL = ("sobol-levers.toml", "sobol-probability.toml")


@pytest.mark.parametrize("name", SOBOL)
def test_sobol_dry_run_counts_the_saltelli_sample(name, tmp_path, capsys):
    path = EXPERIMENTS / name
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    n, factors, replications = spec["design"]["n"], len(spec["factors"]), spec["replications"]
    code = main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--method", "sobol", "--dry-run"])
    assert code == 0
    points = n * (2 * factors + 2)
    assert f"{points} design points x {replications} replications = {points * replications} runs" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_the_probability_experiment_asks_for_twenty_replications_of_fifteen_levers():
    spec = tomllib.loads((EXPERIMENTS / "sobol-probability.toml").read_text(encoding="utf-8"))
    assert (spec["design"]["n"], len(spec["factors"]), spec["replications"]) == (512, 15, 20)
    assert spec["parameter_uncertainty"] is True and spec["common_random_numbers"] is True
