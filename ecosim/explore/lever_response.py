"""The runs of the lever-response table (:mod:`ecosim.analysis.lever_response` reads them): the
replications of a scenario with common random numbers, and the base-year firms' user cost under each
run's own first-year policy and under a reference policy (the baseline's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecosim.explore.runs import run_seed
from ecosim.levers import LEVERS
from ecosim.model import EcosystemModel, resolve
from ecosim.model.enterprises import YearPolicy
from ecosim.scenario import Scenario


def lever_government_costs() -> list[str]:
    """The yearly table's government-cost column of each lever that has one (outlay or revenue forgone)."""
    return [f"{lever.government_kind}_{lever.name}" for lever in LEVERS.values() if lever.government_kind]


@dataclass
class Runs:
    """The replications of one scenario, stacked by replication (rows) and year (columns)."""

    years: np.ndarray
    rd: np.ndarray
    """Enterprise R&D (``rd_by_enterprises``), 100m yuan."""
    costs: dict[str, np.ndarray]
    """Each lever's government cost (its outlay or revenue-forgone column), 100m yuan per year; zero
    for levers without one (a mandate's cost falls on firms)."""
    government_cost: np.ndarray
    """Government cost of all levers, 100m yuan per year."""
    user_costs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    """Per replication, for the base-year firms before the run: their user cost (B-index) under the
    reference policy and under the run's own policy of the first policy year, and their R&D weights
    (R&D of the firms alive)."""


def run_scenario(scenario: Scenario, replications: int, seed: int,
                 reference_policy: YearPolicy | None = None) -> tuple[Runs, YearPolicy]:
    """Run ``replications`` of ``scenario`` (seeds ``run_seed(seed, 0, r)``) and return them with the
    policy of the first policy year. Each run is ``EcosystemModel(inputs, seed).run()``, as
    :func:`ecosim.model.simulate` does; before it runs, the base-year firms' user cost under its own
    first-year policy and that under ``reference_policy`` (the baseline's) are kept."""
    inputs = resolve(scenario)
    t = scenario.policy_start_year - scenario.base_year
    year = scenario.policy_start_year
    tables, user_costs, policy = [], [], None
    for r in range(replications):
        model = EcosystemModel(inputs, run_seed(seed, 0, r))
        policy = model.government.policy(t)
        reference = policy if reference_policy is None else reference_policy
        firms = model.enterprises
        user_costs.append((firms.user_cost(reference, year), firms.user_cost(policy, year), firms.rd * firms.alive))
        tables.append(model.run())
    years = tables[0]["year"].to_numpy()
    stack = {column: np.vstack([table[column].to_numpy(dtype=float) for table in tables])
             for column in ["rd_by_enterprises", "government_cost", *lever_government_costs()]}
    none = np.zeros_like(stack["government_cost"])
    costs = {name: stack.get(f"{LEVERS[name].government_kind}_{name}", none) for name in LEVERS}
    runs = Runs(years, stack["rd_by_enterprises"], costs, stack["government_cost"], user_costs)
    return runs, policy
