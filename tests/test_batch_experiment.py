"""Experiment files and designs: malformed files refused with the field named; designs as declared.

The corpus in ``tests/experiments/`` holds one experiment per fault; each starts with a line
``# expect: <field> | <substring of the message>``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ecosim.explore.batch import batch
from ecosim.explore.experiment import ExperimentError, load_experiment
from ecosim.levers import LEVERS

HERE = Path(__file__).parent
CORPUS = sorted((HERE / "experiments").glob("*.toml"))
EXPECT = re.compile(r"^# expect: (?P<field>\(line \d+\)|\S+) \| (?P<message>.+?)\s*$")
SHIPPED = [HERE.parent / "experiments" / name for name in ("example-grid.toml", "lever-screening-lhs.toml")]


def _write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_malformed_experiment_is_refused_with_file_and_field(path: Path):
    match = EXPECT.match(path.read_text(encoding="utf-8-sig").splitlines()[0])
    assert match, f"{path.name}: first line must be '# expect: <field> | <message>'"
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    error = caught.value
    assert error.source == str(path)
    assert error.field == match["field"]
    assert match["message"] in error.message
    assert str(path) in str(error) and match["field"] in str(error)


def test_malformed_experiment_writes_nothing(tmp_path: Path):
    out = tmp_path / "out"
    with pytest.raises(ExperimentError):
        batch(CORPUS[3], out, workers=1)
    assert not out.exists()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_experiments_are_valid(path: Path):
    experiment = load_experiment(path)
    points = experiment.points()
    assert points.shape == (experiment.point_count(), len(experiment.factors))
    for j, factor in enumerate(experiment.factors):
        assert np.all((points[:, j] >= factor.low) & (points[:, j] <= factor.high))


BASE = """\
scenario = "baseline"
seed = 11
[factors."levers.rd_reward_rate"]
distribution = "uniform"
[factors."levers.platforms"]
distribution = "normal"
mean = 60
sd = 30
[factors.assumptions.rd_user_cost_elasticity]
distribution = "triangular"
mode = 1.0
"""


def test_grid_is_the_product_of_levels(tmp_path: Path):
    path = _write(tmp_path, BASE.replace('distribution = "normal"\nmean = 60\nsd = 30',
                                         'distribution = "discrete"\nvalues = [10, 20]')
                  + '[design]\nmethod = "grid"\nlevels = 3\n')
    points = load_experiment(path).points()
    assert points.shape == (3 * 2 * 3, 3)
    assert sorted(set(points[:, 0])) == [0.0, LEVERS["rd_reward_rate"].high / 2, LEVERS["rd_reward_rate"].high]
    assert sorted(set(points[:, 1])) == [10.0, 20.0]


def test_lhs_is_seeded_stratified_and_integer_levers_rounded(tmp_path: Path):
    path = _write(tmp_path, BASE + '[design]\nmethod = "lhs"\npoints = 16\n')
    first, again = load_experiment(path).points(), load_experiment(path).points()
    np.testing.assert_array_equal(first, again)
    assert first.shape == (16, 3)
    # one sample per stratum of the uniform factor
    strata = np.floor(first[:, 0] / LEVERS["rd_reward_rate"].high * 16)
    assert sorted(strata) == list(range(16))
    assert np.all(first[:, 1] == np.round(first[:, 1])) and np.all((first[:, 1] >= 0) & (first[:, 1] <= 200))
    changed = _write(tmp_path, BASE.replace("seed = 11", "seed = 12") + '[design]\nmethod = "lhs"\npoints = 16\n',
                     "other.toml")
    assert not np.array_equal(load_experiment(changed).points(), first)


def test_sobol_and_morris_sizes(tmp_path: Path):
    sobol = load_experiment(_write(tmp_path, BASE + '[design]\nmethod = "sobol"\nn = 8\n', "s.toml"))
    assert sobol.points().shape == (8 * (3 + 2), 3)
    sobol2 = load_experiment(_write(tmp_path, BASE + '[design]\nmethod = "sobol"\nn = 8\nsecond_order = true\n',
                                    "s2.toml"))
    assert sobol2.points().shape == (8 * (2 * 3 + 2), 3)
    morris = load_experiment(_write(tmp_path, BASE + '[design]\nmethod = "morris"\ntrajectories = 5\n', "m.toml"))
    assert morris.points().shape == (5 * (3 + 1), 3)


def test_csv_design_takes_rows_as_given(tmp_path: Path):
    (tmp_path / "points.csv").write_text("levers.platforms,assumptions.rd_user_cost_elasticity\n50,1.0\n70,0.5\n")
    experiment = load_experiment(_write(tmp_path, 'scenario = "baseline"\n[design]\nmethod = "csv"\n'
                                                  'file = "points.csv"\n'))
    assert experiment.factor_names == ["levers.platforms", "assumptions.rd_user_cost_elasticity"]
    np.testing.assert_array_equal(experiment.points(), [[50, 1.0], [70, 0.5]])


def test_point_count_is_computed_without_building_and_matches_the_design(tmp_path: Path):
    designs = {"grid": '[design]\nmethod = "grid"\nlevels = 4\n', "lhs": '[design]\nmethod = "lhs"\npoints = 7\n',
               "sobol": '[design]\nmethod = "sobol"\nn = 4\nsecond_order = true\n',
               "morris": '[design]\nmethod = "morris"\ntrajectories = 3\n'}
    for method, text in designs.items():
        experiment = load_experiment(_write(tmp_path, BASE + text, f"{method}.toml"))
        assert experiment.point_count() == len(experiment.points()), method
