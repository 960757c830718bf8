"""An experiment built in Python (``ecosim.Experiment(...)``) is the experiment its TOML file describes:
the same checks, the same design points, the same runs; a batch of it resumes and refuses as a file's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import ecosim
from ecosim.explore.experiment import ExperimentError, load_experiment

FILE = """\
name = "screen"
scenario = "baseline"
replications = 2
seed = 7
[factors."levers.rd_reward_rate"]
distribution = "uniform"
low = 0.0
high = 0.1
[factors."levers.guidance_fund_capital"]
distribution = "discrete"
values = [5.0, 50.0]
[design]
method = "grid"
levels = 2
[outputs]
yearly = ["rd_intensity", "target_met"]
"""


def _in_python(**changes) -> ecosim.Experiment:
    fields = dict(name="screen", scenario="baseline", replications=2, seed=7,
                  factors={"levers.rd_reward_rate": (0.0, 0.1),
                           "levers.guidance_fund_capital": {"distribution": "discrete", "values": [5.0, 50.0]}},
                  design={"method": "grid", "levels": 2}, yearly=["rd_intensity", "target_met"])
    return ecosim.Experiment(**{**fields, **changes})


def test_the_python_experiment_is_the_files(tmp_path):
    path = tmp_path / "screen.toml"
    path.write_text(FILE, encoding="utf-8")
    from_file, built = load_experiment(path), _in_python()
    assert built.built_in_python and not from_file.built_in_python
    assert built.factor_names == from_file.factor_names
    assert built.method == from_file.method and built.design == from_file.design
    assert built.yearly == from_file.yearly and built.seed == 7 and built.replications == 2
    # a 2 x 2 grid over the two factors' ranges: low and high of the range, both values of the list
    expected = np.array([[0.0, 5.0], [0.0, 50.0], [0.1, 5.0], [0.1, 50.0]])
    assert sorted(map(tuple, built.points())) == sorted(map(tuple, expected))
    np.testing.assert_array_equal(built.points(), from_file.points())


def test_a_notebook_cell_runs_it_without_a_file_and_gets_the_files_numbers(tmp_path):
    path = tmp_path / "screen.toml"
    path.write_text(FILE, encoding="utf-8")
    from_file = ecosim.batch(path, tmp_path / "from-file", workers=1)
    built = ecosim.batch(_in_python(), tmp_path / "built", workers=1)
    assert list(tmp_path.glob("built/*.toml")) == []
    runs, summaries = built  # unpacks as read_results does
    assert len(summaries) == 4 * 2 and summaries.attrs["units"]["rd_intensity"] == "% of GDP"
    keys = ["point", "replication"]
    a = from_file.summaries.sort_values(keys).reset_index(drop=True)
    b = summaries.sort_values(keys).reset_index(drop=True)
    assert (a["rd_intensity"] == b["rd_intensity"]).all()
    assert ecosim.read_results(tmp_path / "built").summaries.equals(summaries)


def test_a_batch_of_it_resumes_and_refuses_another(tmp_path):
    out = tmp_path / "out"
    first = ecosim.batch(_in_python(), out, workers=1)
    again = ecosim.batch(_in_python(), out, workers=1)
    assert again.summaries.equals(first.summaries)
    with pytest.raises(ecosim.ScenarioError, match="experiment as run .* has changed"):
        ecosim.batch(_in_python(seed=8), out, workers=1)
    changed = ecosim.batch(_in_python(seed=8), out, workers=1, force=True)
    assert not changed.summaries["rd_intensity"].equals(first.summaries["rd_intensity"])


@pytest.mark.parametrize("changes, field, words", [
    ({"factors": {"levers.no_such_lever": (0.0, 1.0)}}, "factors.levers.no_such_lever", "unknown lever"),
    ({"design": "nonsense"}, "design.method", "must be one of"),
    ({"replications": 0}, "replications", "out of range"),
    ({"factors": {"levers.rd_reward_rate": (0.0, 9.0)}}, "factors.levers.rd_reward_rate", ""),
])
def test_bad_values_are_refused_as_in_a_file(changes, field, words):
    with pytest.raises(ExperimentError) as caught:
        _in_python(**changes)
    assert caught.value.field.startswith(field) and words in caught.value.message
    assert caught.value.source == "(python) screen"


def test_a_scenario_object_with_changes_is_part_of_what_it_is():
    mix = ecosim.load_scenario("baseline").with_changes({"levers.rd_reward_rate": 0.08})
    plain, changed = _in_python(), _in_python(scenario=mix)
    assert changed.scenario.lever_path("rd_reward_rate")[-1] == pytest.approx(0.08)
    assert plain.sha256 != changed.sha256
    assert Path(changed.source).name == "(python) screen"


def test_any_change_to_what_it_runs_changes_its_content_hash():
    built = _in_python()
    other = ecosim.load_scenario("guiding-opinions")
    assert dataclasses.replace(built, scenario=other).content_sha256() != built.content_sha256()
    assert dataclasses.replace(built, yearly=("rd_intensity",)).content_sha256() != built.content_sha256()
    assert _in_python().content_sha256() == built.content_sha256() == built.sha256


def test_an_unknown_scenario_is_an_experiment_error():
    with pytest.raises(ExperimentError) as caught:
        _in_python(scenario="no-such-scenario")
    assert caught.value.field == "scenario" and "built-in scenarios are" in caught.value.message


def test_a_copy_with_another_scenario_is_refused_in_the_folder_of_the_original(tmp_path):
    out = tmp_path / "out"
    ecosim.batch(_in_python(), out, workers=1)
    changed = dataclasses.replace(_in_python(), scenario=ecosim.load_scenario("guiding-opinions"))
    with pytest.raises(ecosim.ScenarioError, match="experiment as run .* has changed"):
        ecosim.batch(changed, out, workers=1)


def test_its_sensitivity_table_is_read_as_a_files_is(tmp_path):
    from ecosim.explore.sensitivity import experiment_settings

    path = tmp_path / "screen.toml"
    path.write_text(FILE + '[sensitivity]\nyearly = ["rd_intensity"]\nnum_resamples = 50\n', encoding="utf-8")
    from_file = experiment_settings(path)[1]
    loaded = experiment_settings(load_experiment(path))[1]
    built = experiment_settings(_in_python(sensitivity={"yearly": ["rd_intensity"], "num_resamples": 50}))[1]
    assert from_file == loaded == built and built.yearly == ("rd_intensity",)
