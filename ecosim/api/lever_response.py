"""The lever-response table: each lever's standard change run against the baseline on the same random
numbers (:func:`ecosim.explore.lever_response.run_scenario`) and read by the measures and checks of
:mod:`ecosim.analysis.lever_response`."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ecosim.analysis.lever_response import (STANDARD_CHANGES, changed_scenario, lever_row, response_scenario,
                                            unlimited)
from ecosim.explore.lever_response import run_scenario
from ecosim.scenario import Scenario


def lever_responses(replications: int = 50, scale: float = 1.0, seed: int = 20210511,
                    levers: Iterable[str] | None = None, base: Scenario | None = None,
                    firms_per_agent: int = 1) -> pd.DataFrame:
    """The lever-response table: one row per lever (default: every lever in
    :data:`~ecosim.analysis.lever_response.STANDARD_CHANGES`).

    ``replications`` paired runs per lever with seeds ``run_seed(seed, 0, r)``; ``scale`` multiplies
    the firm population (``n_above_scale_firms``, ``n_tech_smes``, each kept inside its catalogue
    range); ``firms_per_agent`` is the population scale (paired effects hold at coarse scales,
    docs/performance.md). Columns: lever, unit, value_from, value_to, kind, rd_base_5y (100m yuan),
    response_1y_pct and response_5y_pct (percent change of enterprise R&D in the first and fifth
    policy year), cost_per_year (change of the lever's own cost, mean over the policy years, 100m
    yuan), government_cost_per_year (change of all levers' cost, 100m yuan), log_user_cost_change,
    elasticity_1y/5y, additionality_1y/5y (yuan per yuan), and the check: measure, checked_1y/5y,
    low/high_1y/5y, inside_1y/5y, inside, published, label, source; and inert (the change moved
    neither enterprise R&D nor any cost in any replication). Every figure is the median over
    replications of the paired (same seed) measure.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    names = list(STANDARD_CHANGES) if levers is None else list(levers)
    unknown = [name for name in names if name not in STANDARD_CHANGES]
    if unknown:
        raise KeyError(f"no standard change for levers {unknown}")
    scenario = unlimited(response_scenario(scale, base, firms_per_agent))
    base_runs, base_policy = run_scenario(scenario, replications, seed)
    rows = []
    for name in names:
        changed, _ = run_scenario(changed_scenario(scenario, name), replications, seed, base_policy)
        rows.append(lever_row(name, scenario, base_runs, changed))
    return pd.DataFrame(rows)
