"""Scenario discovery: PRIM and the classification tree find a planted box; the CLI on a real batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosim.analysis.discovery import classification_tree, prim, tree_rules


@pytest.fixture(scope="module")
def planted():
    """Five uniform factors; the cases of interest are exactly the box a > 0.6 and b < 0.3."""
    rng = np.random.default_rng(42)
    x = pd.DataFrame(rng.random((3000, 5)), columns=list("abcde"))
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    return x, y


def test_prim_recovers_the_planted_box(planted):
    x, y = planted
    result = prim(x, y)
    box = result.box_table().set_index("factor")
    assert set(box.index) == {"a", "b"}
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.03)
    assert box.loc["b", "high"] == pytest.approx(0.3, abs=0.03)
    assert result.box.density > 0.95 and result.box.coverage > 0.85
    inside = np.ones(len(x), dtype=bool)
    for f, (low, high) in result.box.limits.items():
        inside &= (x[f] >= low) & (x[f] <= high)
    assert result.box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert result.box.density == pytest.approx(y[inside].mean())
    assert result.box.mass == pytest.approx(inside.mean())


def test_trajectory_starts_with_the_whole_space(planted):
    x, y = planted
    table = prim(x, y).trajectory_table()
    first = table.iloc[0]
    assert first.coverage == 1.0 and first.mass == 1.0 and first.density == pytest.approx(y.mean())
    assert (np.diff(table["mass"]) < 0).all()  # every step removes cases
    assert table["chosen"].sum() == 1


def test_prim_peels_a_discrete_factor_by_whole_levels():
    x = pd.DataFrame({"k": np.repeat([0, 1, 2, 3], 250), "u": np.tile(np.linspace(0, 1, 250), 4)})
    y = (x["k"] >= 2).to_numpy()
    box = prim(x, y, peel_alpha=0.1).box.limits
    assert box["k"] == (2.0, 3.0)


def test_tree_splits_where_the_box_is(planted):
    x, y = planted
    tree = classification_tree(x, y, max_depth=2)
    assert tree.factor in {"a", "b"}
    splits = {tree.factor: tree.threshold}
    child = tree.right if tree.factor == "a" else tree.left
    splits[child.factor] = child.threshold
    assert splits["a"] == pytest.approx(0.6, abs=0.02) and splits["b"] == pytest.approx(0.3, abs=0.02)
    assert any("share meeting the outcome 1.00" in line for line in tree_rules(tree))


def test_nothing_of_interest_is_an_error():
    with pytest.raises(ValueError, match="nothing to describe"):
        prim(pd.DataFrame({"a": [0.1, 0.2]}), np.array([False, False]))


def test_discover_cli_on_a_real_batch(tmp_path: Path, capsys):
    """A higher R&D reward raises target-year intensity: the box of high-intensity points is bounded below."""
    from ecosim.cli import main

    experiment = tmp_path / "e.toml"
    experiment.write_text("""
name = "discover-test"
scenario = "baseline"
replications = 1
seed = 3
common_random_numbers = true   # every point on the same seeds: differences are the levers' doing
parameter_uncertainty = false
[factors."levers.rd_reward_rate"]
distribution = "uniform"
low = 0.0
high = 0.3
[factors."levers.platforms"]
distribution = "uniform"
low = 50
high = 60
[design]
method = "lhs"
points = 16
""")
    assert main(["batch", str(experiment), "--out", str(tmp_path / "b"), "--workers", "1"]) == 0
    code = main(["discover", str(tmp_path / "b"), "--outcome", "rd_intensity", "--out", str(tmp_path / "d")])
    assert code == 0
    box = pd.read_csv(tmp_path / "d" / "prim_box.csv").set_index("factor")
    assert "levers.rd_reward_rate" in box.index
    assert box.loc["levers.rd_reward_rate", "low"] > 0.05
    for name in ("prim_trajectory.csv", "tree.txt", "discovery.json", "prim_trajectory.png", "prim_trajectory.svg"):
        assert (tmp_path / "d" / name).exists()
