"""Each lever's standard change against its published range (or stated plausibility bound).

The table (``ecosim.api.lever_response``) is computed once for the module: the baseline
2020-2025 without parameter uncertainty, paired runs with common random numbers, at 5 firms per agent
(paired effects hold at coarse scales: docs/performance.md) with enough replications for the paired
medians to settle (see ``REPLICATIONS``). The analytic tests check the measures on hand-built cases
whose answers are known.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecosim.analysis.lever_response import (
    CHECKS,
    STANDARD_CHANGES,
    additionality,
    implied_elasticity,
    population,
    rd_weighted_log_change,
    response_pct,
)
from ecosim.api.lever_response import lever_responses
from ecosim.assumptions import ASSUMPTIONS
from ecosim.levers import LEVERS

REPLICATIONS = 48
"""Enough for the paired medians to settle: the super-deduction's 5-year elasticity measured 0.39 at 16
replications, 0.43 at 32, 0.45 at 48 and 0.45 at 100 on an earlier calibration
(benchmarks/lever_responses.py)."""
SCALE = 1.0
FIRMS_PER_AGENT = 5
"""The table's population scale: paired lever effects stay within their replication noise at 5 firms
per agent (and up to 20; docs/performance.md), and the checks here are paired effects."""


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return lever_responses(replications=REPLICATIONS, scale=SCALE, firms_per_agent=FIRMS_PER_AGENT).set_index("lever")


@pytest.mark.parametrize("lever", list(STANDARD_CHANGES))
def test_lever_response_inside_its_range(table, lever):
    row = table.loc[lever]
    check = CHECKS[lever]
    detail = (f"{lever} {row.value_from:g} -> {row.value_to:g} {row.unit}: {check.measure} "
              f"1y {row.checked_1y:.3f} (range {check.low_1y:g} to {check.high_1y:g}), "
              f"5y {row.checked_5y:.3f} (range {check.low_5y:g} to {check.high_5y:g}); "
              f"response {row.response_1y_pct:+.2f}% / {row.response_5y_pct:+.2f}%")
    both_inside = bool(row.inside_1y) and bool(row.inside_5y)
    assert both_inside, detail


def test_every_lever_has_a_standard_change_and_a_check():
    assert set(STANDARD_CHANGES) == set(LEVERS) == set(CHECKS)
    for name, value in STANDARD_CHANGES.items():
        assert LEVERS[name].low <= value <= LEVERS[name].high


def test_implied_elasticity_of_a_known_log_change():
    rd_base = np.array([100.0, 250.0, 40.0])
    log_cost_change = -0.1
    elasticity = 0.8
    rd_changed = rd_base * math.exp(-elasticity * log_cost_change)
    assert implied_elasticity(rd_base, rd_changed, log_cost_change) == pytest.approx([0.8, 0.8, 0.8])
    assert np.isnan(implied_elasticity(rd_base, rd_changed, 0.0)).all()


def test_rd_weighted_log_change_of_the_b_index_by_hand():
    # Super-deduction 75% -> 100% at the 25% statutory rate: B = (1 - tau (1 + s)) / (1 - tau)
    # falls from 0.75 to 2/3 for a profitable firm; a firm the change does not touch keeps its B.
    before = np.array([0.75, 0.80, 0.9])
    after = np.array([2.0 / 3.0, 0.80, 0.5])
    weights = np.array([3.0, 1.0, 0.0])
    expected = 3.0 * math.log((2.0 / 3.0) / 0.75) / 4.0
    assert rd_weighted_log_change(before, after, weights) == pytest.approx(expected)


def test_response_and_additionality_by_hand():
    assert response_pct(np.array([200.0]), np.array([205.0])) == pytest.approx([2.5])
    assert additionality(np.array([200.0]), np.array([203.0]), np.array([1.0]), np.array([5.0])) == pytest.approx([0.75])
    assert np.isnan(additionality(np.array([200.0]), np.array([203.0]), np.array([1.0]), np.array([1.0]))).all()


def test_scale_keeps_the_population_inside_its_range():
    small = population(0.01)
    assert small == {name: ASSUMPTIONS[name].low for name in small}
    assert population(1.0) == {name: ASSUMPTIONS[name].default for name in small}
