"""The rolling-origin benchmark's scores under several ABC seeds: each score kept per seed, in order."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from forecast_skill import SPREAD_KEYS, seed_lines, seed_spread, short_by_seed  # noqa: E402


def origin_result(walk: float, drift: float, coverage: float) -> dict:
    """One origin's scores (conditional R&D only), as :func:`forecast_skill.skill` returns them."""
    return {"2016": {"conditional": {"rd_expenditure": {"skill_random_walk": walk, "skill_random_walk_drift": drift,
                                                         "coverage_90": coverage, "mae_model": 1.0}}}}


def test_every_seed_keeps_its_own_scores_in_the_order_given():
    spread = seed_spread({2021: origin_result(-0.45, -0.52, 1.0), 2020: origin_result(-0.29, -0.35, 0.75)})
    scores = spread["2016"]["conditional"]["rd_expenditure"]
    assert set(scores) == set(SPREAD_KEYS)
    assert list(scores["skill_random_walk"].items()) == [("2021", -0.45), ("2020", -0.29)]
    assert scores["skill_random_walk_drift"] == {"2021": -0.52, "2020": -0.35}
    assert scores["coverage_90"] == {"2021": 1.0, "2020": 0.75}


def test_the_table_row_lists_each_score_at_every_seed():
    lines = seed_lines(seed_spread({2020: origin_result(-0.287, -0.346, 1.0), 2021: origin_result(0.1, 0.05, 0.5)}))
    assert "ABC seeds 2020, 2021" in lines[2]
    row = next(line for line in lines if line.startswith("| 2016, conditional"))
    assert row == "| 2016, conditional | R&D expenditure (100m yuan) | -0.29 / +0.10 | -0.35 / +0.05 | 100% / 50% |"


def test_each_seeds_shortfalls_are_named_as_the_goal_names_them():
    """Seed 2020 misses at the conditional origin (one comparison below 0); seed 2021 meets it there but
    its unconditional mean over the two origins is (-0.3 + 0.1) / 2 = -0.1 against the walk."""
    def origins(conditional: tuple[float, float], unconditional: tuple[float, float]) -> dict:
        def scores(walk, drift):
            return {"rd_expenditure": {"skill_random_walk": walk, "skill_random_walk_drift": drift, "coverage_90": 1.0,
                                       "mae_model": 1.0}}
        return {"2015": {"unconditional": scores(*unconditional), "conditional": scores(*conditional)},
                "2016": {"unconditional": scores(0.1, 0.2), "conditional": scores(0.2, 0.3)}}
    assert short_by_seed({2020: origins((-0.25, 0.1), (0.2, 0.2)), 2021: origins((0.05, 0.1), (-0.3, 0.2))}) == {
        "2020": ["2015/conditional/rd_expenditure/random_walk: -0.250"],
        "2021": ["mean over origins/unconditional/rd_expenditure/random_walk: -0.100"]}
