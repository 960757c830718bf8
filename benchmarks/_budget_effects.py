"""How often the provincial S&T budget binds for the guiding-opinions mix, and what it cuts.

Runs the guiding-opinions scenario (its own seed, parameter uncertainty as shipped) and reports,
over the cost window (policy start to target year, 2021-2024): ``budget_binding_share``, the share
of replications in which the budget cuts an outlay lever in at least one year of the window; the
share binding in each year; the median funded share of the requested outlay increases by year;
the median shortfall summed over the window; and the window's costs by kind (median over
replications). Prints one JSON line.

    python benchmarks/_budget_effects.py [--replications 100]
"""

from __future__ import annotations

import argparse
import json

from ecosim.analysis.costs import binding_years, budget_binding, cost_window, scenario_cost
from ecosim.api.forecast import forecast
from ecosim.scenario import load_scenario


def budget_effects(replications: int = 100, scenario: str = "guiding-opinions", seed: int | None = None) -> dict:
    """The budget's effect on ``scenario`` over its cost window (see the module docstring)."""
    chosen = load_scenario(scenario)
    result = forecast(chosen, replications=replications, seed=seed, progress=False)
    window = cost_window(chosen)
    years = result.years
    inside = years[years["year"].between(window.first, window.last)]
    shortfall = inside.groupby("replication")["budget_shortfall"].sum()
    return {
        "benchmark": "budget_effects",
        "scenario": chosen.name,
        "replications": replications,
        "seed": result.seed,
        "cost_window": window.label,
        "budget_binding_share": float(budget_binding(years, window).mean()),
        "binding_share_by_year": binding_years(years, window),
        "funded_share_median_by_year": {int(y): float(v) for y, v in
                                        inside.groupby("year")["budget_funded_share"].median().items()},
        "budget_median_by_year": {int(y): float(v) for y, v in inside.groupby("year")["budget"].median().items()},
        "shortfall_in_window_median": float(shortfall.median()),
        "costs": scenario_cost(years, window),
        "units": {"budget": "100m yuan", "shortfall": "100m yuan", "costs": "100m yuan", "shares": "share"},
        "probability_target_met": result.probability_met(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--scenario", default="guiding-opinions")
    args = parser.parse_args()
    print(json.dumps(budget_effects(args.replications, args.scenario)))


if __name__ == "__main__":
    main()
