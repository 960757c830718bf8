"""How much the funds' screening matters: investees' R&D and survival, screening against random picks.

For each replication the baseline scenario (2020-2030, default assumption values) is run twice
with the same seed (common random numbers): once with every fund screening by its mandate's
score, once with every fund picking at random among the same eligible firms. For each fund and
each deal year 2021-2024, the investees (borrowers for the lender) are followed for
:data:`FOLLOW_YEARS` years: their summed reported R&D in the third year after the deal (m yuan;
firms that left count zero), their summed R&D in the year before the deal (what the fund saw),
and the share still there. ``fund_screening_effect`` is the percent change of the venture funds'
(guidance fund plus private VC) investees' summed R&D three years after the deal, screening
against random picks, pooled over deal years and replications (mostly selection: the funds pick
larger, R&D-intensive firms); the same measure per fund, the investees' R&D growth (three years
after over the year before the deal), the survival shares and the paired change of total
enterprise R&D in 2024 (median over replications) are reported too.

    python benchmarks/_fund_effects.py [--replications 10] [--seed 20210511]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from ecosim.explore.runs import run_seed
from ecosim.model import EcosystemModel, resolve
from ecosim.model.funds import MANDATES
from ecosim.scenario import load_scenario

FOLLOW_YEARS = 3
"""Years an investee is followed after its deal."""
DEAL_YEARS = (2021, 2022, 2023, 2024)
"""Deal years followed (policy years, each followed to at most 2027)."""
VENTURE = ("guidance_fund", "private_vc")


def follow_investees(seed, screening: str, horizon: int = 2027) -> dict:
    """One baseline run with every fund's ``screening``: per fund, summed investee R&D before the
    deal and :data:`FOLLOW_YEARS` years after (m yuan), deals and investees still there; and total
    enterprise R&D in 2024 (100m yuan)."""
    scenario = load_scenario("baseline").with_changes({"horizon": horizon, "parameter_uncertainty": False})
    model = EcosystemModel(resolve(scenario), seed)
    funds = {fund.name: fund for fund in (model.funds.guidance, model.funds.venture, model.funds.lender)}
    for fund in funds.values():
        fund.screening = screening
    watched: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, float]] = {}
    out = {name: {"rd_before": 0.0, "rd_after": 0.0, "deals": 0, "there": 0} for name in funds}
    rd_2024 = float("nan")
    while model.t < model.inputs.years.size:
        year = int(model.inputs.years[model.t])
        rd_seen = model.enterprises.rd.copy()
        model.step()
        firms = model.enterprises
        if year == 2024:
            rd_2024 = float(firms.rd.sum()) / 100.0
        for name, fund in funds.items():
            latest = fund.positions[-1] if fund.positions and fund.positions[-1].year == year else None
            if year in DEAL_YEARS and latest is not None:
                watched[(name, year)] = (latest.slots, latest.age, float(rd_seen[latest.slots].sum()))
            deal_year = year - FOLLOW_YEARS
            if (name, deal_year) in watched:
                slots, age, before = watched.pop((name, deal_year))
                there = firms.alive[slots] & (firms.age[slots] == age + FOLLOW_YEARS + 1)
                out[name]["rd_before"] += before
                out[name]["rd_after"] += float(np.where(there, firms.rd[slots], 0.0).sum())
                out[name]["deals"] += int(slots.size)
                out[name]["there"] += int(there.sum())
    model.release()
    return {"funds": out, "rd_2024": rd_2024}


def pooled(runs: list[dict], names, key: str) -> float:
    """Sum of one measure over replications and the named funds."""
    return float(sum(run["funds"][name][key] for run in runs for name in names))


def fund_effects(replications: int = 10, seed: int = 20210511) -> dict:
    """Screening against random picks, same seeds: ``fund_screening_effect`` (percent change of the
    venture investees' summed R&D three years after the deal), per-fund effects and survival
    shares, and the percent change of total enterprise R&D in 2024."""
    seeds = [run_seed(seed, 0, r) for r in range(replications)]
    scored = [follow_investees(s, "score") for s in seeds]
    randomised = [follow_investees(s, "random") for s in seeds]

    def effect(names) -> float:
        return 100.0 * (pooled(scored, names, "rd_after") / pooled(randomised, names, "rd_after") - 1.0)

    def survival(runs, name) -> float:
        return pooled(runs, [name], "there") / pooled(runs, [name], "deals")

    def growth(runs, name) -> float:
        return pooled(runs, [name], "rd_after") / pooled(runs, [name], "rd_before")

    rd = np.array([run["rd_2024"] for run in scored]) / np.array([run["rd_2024"] for run in randomised])
    return {
        "fund_screening_effect": effect(VENTURE),
        "measure": "percent change of guidance-fund and private-VC investees' summed R&D three years after "
                   "the deal (deals 2021-2024, firms that left count zero), screening vs random picks, "
                   "same seeds, baseline",
        "effect_by_fund_pct": {name: effect([name]) for name in MANDATES},
        "rd_growth_screened": {name: growth(scored, name) for name in MANDATES},
        "rd_growth_random": {name: growth(randomised, name) for name in MANDATES},
        "survival_screened": {name: survival(scored, name) for name in MANDATES},
        "survival_random": {name: survival(randomised, name) for name in MANDATES},
        "enterprise_rd_2024_change_pct": float(100.0 * (np.median(rd) - 1.0)),
        "replications": replications,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20210511)
    args = parser.parse_args()
    start = time.perf_counter()
    result = fund_effects(args.replications, args.seed)
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
