"""Replications of one scenario, each with its own seed from one root seed.

A run's seed is a numpy SeedSequence with the root seed as entropy and (design point,
replication) as spawn key, so any run can be re-created alone, in any process or machine, and
results do not depend on how runs are split among workers.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ecosim.model import resolve, simulate
from ecosim.model.inputs import ModelInputs
from ecosim.scenario import Scenario


def run_seed(root_seed: int, design_point: int = 0, replication: int = 0) -> np.random.SeedSequence:
    """The seed of one run: a child of the root seed, keyed by design point and replication."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(design_point, replication))


def replications(scenario: Scenario, count: int | None = None, seed: int | None = None,
                 assumptions: dict[str, float] | None = None) -> Iterator[pd.DataFrame]:
    """Yield the yearly table of each replication, with ``replication`` and ``seed`` columns."""
    inputs: ModelInputs = resolve(scenario, assumptions)
    root = scenario.seed if seed is None else seed
    for r in range(scenario.replications if count is None else count):
        table = simulate(inputs, run_seed(root, 0, r))
        table.insert(0, "replication", r)
        table.insert(1, "seed", f"{root}:0:{r}")
        yield table


def run_replications(scenario: Scenario, count: int | None = None, seed: int | None = None,
                     assumptions: dict[str, float] | None = None) -> pd.DataFrame:
    """All replications stacked: one row per replication and year."""
    return pd.concat(list(replications(scenario, count, seed, assumptions)), ignore_index=True)
