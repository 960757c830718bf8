"""The least-cost optimiser on a toy problem with a known optimum, and a small real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from ecosim.analysis.design import least_cost, replications_for
from ecosim.api.design import optimize
from ecosim.scenario import ScenarioError, load_scenario

COST = np.array([1.0, 2.0, 4.0])
EFFECT = np.array([1.0, 3.0, 2.0])
SHIFT = 2.0


def toy(x: np.ndarray) -> tuple[float, float]:
    """Linear cost, probit probability: the optimum is a linear programme solved by hand below."""
    return float(COST @ x), float(norm.cdf(EFFECT @ x - SHIFT))


def test_finds_the_known_optimum():
    # minimise c.x s.t. a.x >= SHIFT + z_P, 0 <= x <= 3: spend on the best effect per cost first
    # (y: 1.5 per yuan, then x: 1.0, then z: 0.5); here y alone suffices.
    p = 0.8
    need = SHIFT + norm.ppf(p)
    optimum = need / EFFECT[1] * COST[1]
    result = least_cost(toy, ["x", "y", "z"], [(0, 3)] * 3, p, seed=1, maxiter=60, popsize=10)
    assert result.feasible
    assert result.best_cost == pytest.approx(optimum, rel=0.01)
    assert result.best["y"] == pytest.approx(need / EFFECT[1], abs=0.02)
    assert result.best_probability >= p


def test_when_the_best_ratio_lever_runs_out_the_next_one_is_used():
    p = 0.99
    need = SHIFT + norm.ppf(p)  # 4.33: y at its bound (3) gives 9 > need, so restrict y's range
    result = least_cost(toy, ["x", "y", "z"], [(0, 3), (0, 1), (0, 3)], p, seed=2, maxiter=80, popsize=12)
    optimum = 1 * COST[1] + (need - EFFECT[1] * 1) / EFFECT[0] * COST[0]
    assert result.best_cost == pytest.approx(optimum, rel=0.02)


def test_unreachable_probability_reports_the_best_found():
    result = least_cost(toy, ["x", "y", "z"], [(0, 0.2)] * 3, 0.9, seed=1, maxiter=10)
    assert not result.feasible and result.best is None
    assert result.best_probability == pytest.approx(norm.cdf(EFFECT.sum() * 0.2 - SHIFT), abs=1e-3)
    assert result.fallback["y"] == pytest.approx(0.2, abs=1e-3)


def test_budget_below_the_optimum_is_infeasible():
    result = least_cost(toy, ["x", "y", "z"], [(0, 3)] * 3, 0.8, budget=1.0, seed=1, maxiter=20)
    assert not result.feasible
    assert result.evaluations.loc[result.evaluations["cost"] <= 1.0, "probability"].max() == pytest.approx(
        result.best_probability)


def test_frontier_is_monotone_and_no_evaluation_beats_it():
    result = least_cost(toy, ["x", "y", "z"], [(0, 3)] * 3, 0.8, seed=3, maxiter=15)
    frontier = result.frontier()
    assert frontier["cost"].is_monotonic_increasing and frontier["probability"].is_monotonic_increasing
    evaluations = result.evaluations
    for _, point in frontier.iterrows():
        cheaper = evaluations[evaluations["cost"] < point["cost"]]
        assert (cheaper["probability"] < point["probability"]).all()


def test_replications_for_a_standard_error():
    assert replications_for(0.8, 0.05) == math.ceil(0.8 * 0.2 / 0.05**2)
    assert replications_for(0.5, 0.05) == 100


@pytest.fixture(scope="module")
def serial_optimum():
    """A tiny search on the model, run in this process (workers = 1)."""
    return optimize(load_scenario("baseline"), 0.5, ["rd_reward_rate"], replications=3, workers=1, maxiter=1,
                    popsize=2)


def test_optimize_on_the_model_reports_a_checked_mix(serial_optimum):
    scenario = load_scenario("baseline")
    result = serial_optimum
    mix = result.best or result.fallback
    assert 0.0 <= mix["rd_reward_rate"] <= 0.3
    assert list(result.cost_by_lever.index) == [2021, 2022, 2023, 2024]
    fresh = result.fresh
    assert fresh["replications"] == 6
    assert fresh["standard_error"] == pytest.approx(math.sqrt(max(fresh["probability"] * (1 - fresh["probability"]),
                                                                  1e-12) / 6))
    assert (result.cost_by_lever["outlay_rd_reward_rate"] > 0).all()
    with pytest.raises(ScenarioError, match="unknown lever"):
        optimize(scenario, 0.5, ["no_such_lever"])
    with pytest.raises(ScenarioError, match="above 0 and below 1"):
        optimize(scenario, 1.5, ["rd_reward_rate"])


def test_optimize_chooses_the_same_mix_on_two_processes(serial_optimum):
    """Every candidate runs the same seeds and comes back in its place, whatever process ran it."""
    two = optimize(load_scenario("baseline"), 0.5, ["rd_reward_rate"], replications=3, workers=2, maxiter=1,
                   popsize=2)
    pd.testing.assert_frame_equal(two.evaluations, serial_optimum.evaluations, check_exact=True)
    assert two.best == serial_optimum.best and two.fallback == serial_optimum.fallback
    assert two.best_cost == serial_optimum.best_cost and two.best_probability == serial_optimum.best_probability
    assert two.fresh == serial_optimum.fresh
    pd.testing.assert_frame_equal(two.cost_by_lever, serial_optimum.cost_by_lever, check_exact=True)
