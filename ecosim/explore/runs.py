"""Replications of one scenario, each with its own seed from one root seed.

A run's seed is a numpy SeedSequence with the root seed as entropy and (design point,
replication) as spawn key, so any run can be re-created alone, in any process or machine, and
results do not depend on how runs are split among workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from ecosim.constraints import FUNDING_SHARES, funding_violations
from ecosim.data import Region
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario


def run_seed(root_seed: int, design_point: int = 0, replication: int = 0) -> np.random.SeedSequence:
    """The seed of one run: a child of the root seed, keyed by design point and replication."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(design_point, replication))


def posterior_draw(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """One parameter vector from the region's calibration posterior sample, chosen by the run's seed
    (empty when the region has no posterior).

    The posterior is estimated from one base year (the calibration's); a row whose funding shares
    cannot split another base year's record without a negative cell (:func:`funding_violations`,
    with the scenario's own assumptions over it) is not a state the region can be in that year, so
    the seed's generator picks again. A row that fits is the one the seed always picked."""
    sample = scenario.region.posterior
    if sample is None or sample.empty:
        return {}
    fits = _rows_that_fit(scenario.region, scenario.base_year, tuple(sorted(scenario.assumptions.items())))
    if not fits.any():
        raise ValueError(f"no row of the calibration posterior splits the {scenario.base_year} record's R&D "
                         f"by performer and source without a negative cell: set the funding shares "
                         f"({', '.join(FUNDING_SHARES)}) in the scenario's [assumptions]")
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 1_000_000))
    rng = np.random.default_rng(child)
    row = int(rng.integers(len(sample)))
    while not fits[row]:
        row = int(rng.integers(len(sample)))
    return {name: float(value) for name, value in sample.iloc[row].items()}


@cache
def _rows_that_fit(region: Region, base_year: int, assumptions: tuple) -> np.ndarray:
    """Which rows of ``region``'s posterior split the ``base_year`` record with the scenario's own
    ``assumptions`` (name, value pairs) over them (see :func:`posterior_draw`); regions are loaded
    once per process, so the answer is kept."""
    base, defaults = region.base_record(base_year), region.defaults()
    return np.array([not funding_violations(base, {**defaults, **row, **dict(assumptions)})
                     for row in region.posterior.to_dict("records")])


def run_assumptions(scenario: Scenario, seed: np.random.SeedSequence,
                    assumptions: dict[str, float] | None = None) -> dict[str, float]:
    """A run's assumption values: a posterior draw when the scenario asks for parameter uncertainty,
    overridden by the scenario's own assumptions and then by ``assumptions``."""
    values = posterior_draw(scenario, seed) if scenario.parameter_uncertainty else {}
    values.update(scenario.assumptions)
    values.update(assumptions or {})
    return values


def replications(scenario: Scenario, count: int | None = None, seed: int | None = None,
                 assumptions: dict[str, float] | None = None, first: int = 0) -> Iterator[pd.DataFrame]:
    """Yield the yearly table of each replication ``first`` .. ``first + count - 1``, with
    ``replication`` and ``seed`` columns (a replication's numbers do not depend on ``first``)."""
    root = scenario.seed if seed is None else seed
    fixed = None if scenario.parameter_uncertainty and scenario.region.posterior is not None else resolve(
        scenario, assumptions)
    for r in range(first, first + (scenario.replications if count is None else count)):
        run = run_seed(root, 0, r)
        inputs = fixed or resolve(scenario, run_assumptions(scenario, run, assumptions))
        table = simulate(inputs, run)
        table.insert(0, "replication", r)
        table.insert(1, "seed", f"{root}:0:{r}")
        yield table


def run_replications(scenario: Scenario, count: int | None = None, seed: int | None = None,
                     assumptions: dict[str, float] | None = None) -> pd.DataFrame:
    """All replications stacked: one row per replication and year."""
    return pd.concat(list(replications(scenario, count, seed, assumptions)), ignore_index=True)


@dataclass(frozen=True)
class ReplicationSlice:
    """Replications ``first`` .. ``first + count - 1`` of ``scenario`` from root seed ``seed``: the
    unit of work a worker process gets when a forecast's replications are spread over workers."""

    scenario: Scenario
    seed: int
    first: int
    count: int


def run_slice(part: ReplicationSlice) -> pd.DataFrame:
    """The stacked yearly tables of the slice's replications (as :func:`run_replications`)."""
    return pd.concat(list(replications(part.scenario, part.count, part.seed, first=part.first)),
                     ignore_index=True)


def slices(scenario: Scenario, count: int, seed: int, size: int) -> list[ReplicationSlice]:
    """``count`` replications cut into consecutive slices of at most ``size``."""
    return [ReplicationSlice(scenario, seed, first, min(size, count - first)) for first in range(0, count, size)]
