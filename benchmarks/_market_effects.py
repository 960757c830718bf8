"""Effects of particular institutions in the technology market (issue 12), for agent_interactions.py.

Two paired experiments on the baseline (2020 policy held, default assumption values, base year
2020), each replication run twice with the same seed (common random numbers), measured over
2021-2025:

* ``institution_quality_effect``: percent change of the technology bought from a tenth of the
  institutions (every tenth id: sizes and productivities are drawn independently, so a random
  tenth) when their quality is raised by one standard step, one standard deviation of log
  quality (``institution_productivity_dispersion``), from 2021 on; ``competitor_share_change_pp``
  is the change of the other institutions' share of local sales (percentage points).
* ``pilot_base_cluster_effect``: percent change of local contracts bought by the firms of the
  cluster the first pilot-scale base serves (``EcosystemModel.pilot_base_fields[0]``) when one
  base is added from 2021 (0 -> 1); ``pilot_base_other_effect`` the same for all other firms.

Each figure is the median over replications of the paired percent changes.

    python benchmarks/_market_effects.py [--replications 8] [--seed 20210511]
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from ecosim.explore.runs import run_seed
from ecosim.model import EcosystemModel
from ecosim.model.inputs import resolve
from ecosim.model.institutions import OUTSIDE_REGION
from ecosim.scenario import load_scenario

FIRST_YEAR, LAST_YEAR = 2021, 2025


def _scenario(changes: dict | None = None):
    return load_scenario("baseline").with_changes({"parameter_uncertainty": False, "horizon": LAST_YEAR,
                                                   **(changes or {})})


def _run(inputs, seed, raise_quality_of=None, factor: float = 1.0) -> EcosystemModel:
    model = EcosystemModel(inputs, seed)
    if raise_quality_of is not None:
        model.institutions.raise_quality(raise_quality_of(model), factor)
    model.run()
    return model


def raised_tenth(model: EcosystemModel) -> np.ndarray:
    """Every tenth institution: a random tenth, since sizes and productivities are drawn independently."""
    return np.arange(0, len(model.institutions.agents), 10)


def _local_contracts(model: EcosystemModel) -> np.ndarray:
    """Local contracts of 2021-2025 (record array)."""
    deals = np.concatenate(list(model.contracts))
    keep = (deals["seller"] != OUTSIDE_REGION) & (deals["year"] >= FIRST_YEAR) & (deals["year"] <= LAST_YEAR)
    return deals[keep]


def _sales_by_institution(model: EcosystemModel) -> np.ndarray:
    deals = _local_contracts(model)
    return np.bincount(deals["seller"], weights=deals["value"], minlength=len(model.institutions.agents))


def quality_effect(inputs, seed) -> tuple[float, float]:
    """Percent change of sales of the raised tenth and change of the others' share (pp), one seed."""
    step = math.exp(inputs.assumptions["institution_productivity_dispersion"])
    plain = _run(inputs, seed)
    raised = _run(inputs, seed, raised_tenth, step)
    chosen = raised_tenth(plain)
    before, after = _sales_by_institution(plain), _sales_by_institution(raised)
    others = np.ones(before.size, dtype=bool)
    others[chosen] = False
    change = 100.0 * (after[chosen].sum() / before[chosen].sum() - 1.0)
    share = 100.0 * (after[others].sum() / after.sum() - before[others].sum() / before.sum())
    return change, share


def pilot_effect(inputs, with_base, seed) -> tuple[float, float]:
    """Percent change of local contracts bought by the served cluster's firms and by the others, one seed."""
    plain, based = _run(inputs, seed), _run(with_base, seed)
    served = int(based.pilot_base_fields[0])
    out = []
    for model in (plain, based):
        deals = _local_contracts(model)
        mine = deals["buyer_sector"] == served
        out.append((deals["value"][mine].sum(), deals["value"][~mine].sum()))
    (served0, other0), (served1, other1) = out
    return 100.0 * (served1 / served0 - 1.0), 100.0 * (other1 / other0 - 1.0)


def market_effects(replications: int = 8, seed: int = 20210511) -> dict:
    """The two market effects (median over paired replications) and their set-up."""
    started = time.perf_counter()
    inputs = resolve(_scenario())
    # funded whatever the S&T budget's headroom (the default path has none in 2021): the market's response
    with_base = resolve(_scenario({"levers.pilot_scale_bases": 1, "budget.shortfall": "none"}))
    seeds = [run_seed(seed, 0, r) for r in range(replications)]
    quality = np.array([quality_effect(inputs, s) for s in seeds])
    pilot = np.array([pilot_effect(inputs, with_base, s) for s in seeds])
    return {
        "institution_quality_effect": float(np.median(quality[:, 0])),
        "competitor_share_change_pp": float(np.median(quality[:, 1])),
        "pilot_base_cluster_effect": float(np.median(pilot[:, 0])),
        "pilot_base_other_effect": float(np.median(pilot[:, 1])),
        "quality_step": f"x{math.exp(inputs.assumptions['institution_productivity_dispersion']):.3f} "
                        "(one sd of log quality) for every tenth institution",
        "years": [FIRST_YEAR, LAST_YEAR],
        "replications": replications,
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20210511)
    args = parser.parse_args()
    print(json.dumps(market_effects(args.replications, args.seed)))


if __name__ == "__main__":
    main()
